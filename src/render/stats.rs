//! What a build measured while rendering: charts drawn, CPU time per stage
//! and per template. Owned by each [`super::Prepared`] (no global counters, so
//! concurrent builds in one process do not mix their numbers); the command
//! line decides what to print.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

#[derive(Debug, Default)]
pub struct RenderStats {
    charts: AtomicUsize,
    chart_nanos: AtomicU64,
    stages: Mutex<Vec<(&'static str, Duration)>>,
    templates: Mutex<BTreeMap<&'static str, (usize, Duration)>>,
}

impl RenderStats {
    /// Runs a chart builder, counting it and the time spent, for the build summary.
    pub fn chart<T>(&self, f: impl FnOnce() -> T) -> T {
        let t = Instant::now();
        let out = f();
        self.chart_nanos
            .fetch_add(t.elapsed().as_nanos() as u64, Ordering::Relaxed);
        self.charts.fetch_add(1, Ordering::Relaxed);
        out
    }

    /// Records that stage `name` took from `since` until now.
    pub fn stage(&self, name: &'static str, since: Instant) {
        if let Ok(mut s) = self.stages.lock() {
            s.push((name, since.elapsed()));
        }
    }

    /// Records one page rendered with `template` since `since`.
    pub fn page(&self, template: &'static str, since: Instant) {
        if let Ok(mut t) = self.templates.lock() {
            let e = t.entry(template).or_default();
            e.0 += 1;
            e.1 += since.elapsed();
        }
    }

    /// Charts drawn and the CPU time spent drawing them (summed over threads).
    pub fn charts(&self) -> (usize, Duration) {
        (
            self.charts.load(Ordering::Relaxed),
            Duration::from_nanos(self.chart_nanos.load(Ordering::Relaxed)),
        )
    }

    /// Stages in the order they finished.
    pub fn stages(&self) -> Vec<(&'static str, Duration)> {
        self.stages.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Pages rendered and CPU time, per template.
    pub fn templates(&self) -> Vec<(&'static str, usize, Duration)> {
        self.templates
            .lock()
            .map(|t| t.iter().map(|(k, (n, d))| (*k, *n, *d)).collect())
            .unwrap_or_default()
    }
}
