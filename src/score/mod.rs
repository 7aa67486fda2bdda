//! Stage 3, score: pure functions from the loaded site and an as-of date to
//! values, progress, statuses, rollups and health flags. Nothing here reads
//! files or the clock, so any past day can be scored exactly as it stood.

pub mod accuracy;
pub mod changes;
pub mod compare;
pub mod health;
pub mod kr;
pub mod pace;
pub mod rollup;

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::load::{IdVec, KrId, ObjectiveId, Site};
use crate::period::{FiscalYear, Quarter};
pub use health::{Flag, HealthRules};
pub use kr::KrScore;
pub use rollup::{ObjectiveStatus, Rollup, Scope};

/// An objective's rollups for its year and each of its quarters.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectiveScore {
    pub year: Rollup,
    /// Q1..Q4 of the objective's fiscal year.
    pub quarters: [Rollup; 4],
}

impl ObjectiveScore {
    pub fn quarter(&self, q: Quarter) -> Rollup {
        self.quarters[(q.q - 1) as usize]
    }
}

/// Every score of a site as of one day, by the site's own ids.
#[derive(Debug, Clone)]
pub struct Scores {
    pub as_of: NaiveDate,
    pub krs: IdVec<KrId, KrScore>,
    pub objectives: IdVec<ObjectiveId, ObjectiveScore>,
    /// Health flags of each KR (empty for most).
    pub flags: IdVec<KrId, Vec<Flag>>,
}

impl Scores {
    /// The average score of a set of the site's KRs: the
    /// mean of their progress clamped to [0, 1], dropped KRs and KRs without
    /// progress left out. None when nothing is left to average. Every average a
    /// page shows (dashboard, quarters, teams, review, wall, charts) is this.
    pub fn average(&self, krs: &[KrId]) -> Option<f64> {
        let scored: Vec<f64> = krs
            .iter()
            .filter(|&&k| self.krs[k].status != Some(crate::load::Status::Dropped))
            .filter_map(|&k| self.krs[k].progress)
            .map(kr::clamp_progress)
            .collect();
        (!scored.is_empty()).then(|| scored.iter().sum::<f64>() / scored.len() as f64)
    }
}

/// How a set of KRs was re-targeted after their quarters started (from the
/// target ledger, [`crate::load::history`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Retargeted {
    /// KRs with at least one change.
    pub krs: usize,
    /// Changes of start, target, metric or title.
    pub changes: usize,
    /// Changes that made a KR easier (target toward start, start toward target).
    pub easier: usize,
    /// KRs among `krs` that record why (`rebaseline`).
    pub explained: usize,
}

/// Counts the ledger of a set of the site's KRs (the yearly review's number).
pub fn retargeted(site: &Site, krs: &[KrId]) -> Retargeted {
    let mut r = Retargeted::default();
    for &k in krs {
        let kr = &site.key_results[k];
        if kr.changes.is_empty() {
            continue;
        }
        r.krs += 1;
        r.changes += kr.changes.len();
        r.easier += kr.changes.iter().filter(|c| c.easier).count();
        r.explained += usize::from(kr.meta.rebaseline.is_some());
    }
    r
}

impl HealthRules {
    pub fn from_config(c: &crate::config::Config) -> Self {
        HealthRules {
            calendar: c.calendar,
            stale_after_days: c.stale_after_days,
            final_scoring_grace_days: c.final_scoring_grace_days,
            behind_pace_margin: c.behind_pace_margin,
        }
    }
}

/// Scores the whole site as of `as_of`.
pub fn score(site: &Site, as_of: NaiveDate) -> Scores {
    let krs: IdVec<KrId, KrScore> = site
        .key_results
        .iter()
        .map(|k| kr::score_kr(k, &site.config.calendar, as_of))
        .collect();
    let rules = HealthRules::from_config(&site.config);
    let flags = site
        .key_results
        .iter()
        .map(|k| health::flags(k, &rules, as_of))
        .collect();

    // Objectives by fiscal year, so each scope is rolled up once.
    let mut by_year: BTreeMap<FiscalYear, Vec<ObjectiveId>> = BTreeMap::new();
    for (i, o) in site.objectives.iter_enumerated() {
        by_year.entry(o.meta.year).or_default().push(i);
    }
    let empty = Rollup {
        progress: None,
        status: ObjectiveStatus::NoUpdate,
    };
    let mut objectives = site.objectives.map(|_| ObjectiveScore {
        year: empty,
        quarters: [empty; 4],
    });
    for (year, members) in by_year {
        let yearly = rollup::rollup_scope(site, &krs, Scope::Year(year), &members);
        for &i in &members {
            objectives[i].year = yearly[i].unwrap_or(empty);
        }
        for q in year.quarters() {
            let quarterly = rollup::rollup_scope(site, &krs, Scope::Quarter(q), &members);
            for &i in &members {
                objectives[i].quarters[(q.q - 1) as usize] = quarterly[i].unwrap_or(empty);
            }
        }
    }
    Scores {
        as_of,
        krs,
        objectives,
        flags,
    }
}

#[cfg(test)]
mod tests;
