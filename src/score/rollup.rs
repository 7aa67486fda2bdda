//! Objective progress and status for a scope (a quarter or the whole year),
//! rolled up from its key results and the objectives aligned to it (spec §4).

use serde::Serialize;

use crate::load::{IdVec, KrId, ObjectiveId, Site, Status};
use crate::period::{FiscalYear, Quarter};
use crate::score::kr::{KrScore, clamp_progress};

/// What an objective is scored over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    Quarter(Quarter),
    Year(FiscalYear),
}

impl Scope {
    pub fn contains(self, q: Quarter) -> bool {
        match self {
            Scope::Quarter(s) => s == q,
            Scope::Year(y) => q.year == y,
        }
    }
}

/// An objective's status, worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ObjectiveStatus {
    OffTrack,
    AtRisk,
    NoUpdate,
    OnTrack,
    Closed,
}

impl ObjectiveStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectiveStatus::OffTrack => "off-track",
            ObjectiveStatus::AtRisk => "at-risk",
            ObjectiveStatus::NoUpdate => "no-update",
            ObjectiveStatus::OnTrack => "on-track",
            ObjectiveStatus::Closed => "closed",
        }
    }

    /// A KR's status as it counts for its objective (`None` = no update).
    pub fn of_kr(status: Option<Status>) -> ObjectiveStatus {
        match status {
            None => ObjectiveStatus::NoUpdate,
            Some(Status::OnTrack) => ObjectiveStatus::OnTrack,
            Some(Status::AtRisk) => ObjectiveStatus::AtRisk,
            Some(Status::OffTrack) => ObjectiveStatus::OffTrack,
            Some(_) => ObjectiveStatus::Closed,
        }
    }
}

/// Progress and status of an objective in one scope.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rollup {
    /// Weighted mean in [0, 1]; `None` when the objective has no sub-goals with progress in the scope.
    pub progress: Option<f64>,
    pub status: ObjectiveStatus,
}

/// Combines sub-goals into a rollup. Each sub-goal is `(progress, weight, status)`;
/// progress is `None` for sub-goals left out of the mean (dropped KRs, aligned
/// objectives with no progress in the scope) but they still count for status.
///
/// Progress is the weighted mean of the clamped progress of the others. Status is the
/// worst open status, `closed` when every sub-goal is closed, and `no-update`
/// when there are no sub-goals at all.
pub fn combine(subgoals: impl IntoIterator<Item = (Option<f64>, f64, ObjectiveStatus)>) -> Rollup {
    let mut weighted: Vec<(f64, f64)> = Vec::new();
    let mut any = false;
    let mut worst_open: Option<ObjectiveStatus> = None;
    for (progress, weight, status) in subgoals {
        any = true;
        if let Some(p) = progress
            && weight > 0.0
            && weight.is_finite()
        {
            weighted.push((clamp_progress(p), weight));
        }
        if status != ObjectiveStatus::Closed {
            worst_open = Some(worst_open.map_or(status, |w| w.min(status)));
        }
    }
    // Weights are scaled by the largest first: two weights of 1e308 would
    // otherwise sum to infinity and make the mean NaN.
    let max = weighted.iter().fold(0.0_f64, |m, &(_, w)| m.max(w));
    let (mut sum, mut weights) = (0.0, 0.0);
    for (p, w) in weighted {
        let w = w / max;
        sum += p * w;
        weights += w;
    }
    let progress = (weights > 0.0).then(|| (sum / weights).clamp(0.0, 1.0));
    let status = match (any, worst_open) {
        (false, _) => ObjectiveStatus::NoUpdate,
        (true, Some(w)) => w,
        (true, None) => ObjectiveStatus::Closed,
    };
    Rollup { progress, status }
}

/// Rolls up the objectives of the site for one scope, children before
/// parents, computing only what `wanted` objectives need. `krs` are the KR
/// scores of the site's KRs. Alignment cycles (rejected by validation) are cut
/// rather than looped on.
pub fn rollup_scope(
    site: &Site,
    krs: &IdVec<KrId, KrScore>,
    scope: Scope,
    wanted: &[ObjectiveId],
) -> IdVec<ObjectiveId, Option<Rollup>> {
    let mut memo: IdVec<ObjectiveId, Option<Rollup>> = site.objectives.map(|_| None);
    let mut visiting = site.objectives.map(|_| false);
    for &i in wanted {
        rollup_one(site, krs, scope, i, &mut memo, &mut visiting);
    }
    memo
}

fn rollup_one(
    site: &Site,
    krs: &IdVec<KrId, KrScore>,
    scope: Scope,
    i: ObjectiveId,
    memo: &mut IdVec<ObjectiveId, Option<Rollup>>,
    visiting: &mut IdVec<ObjectiveId, bool>,
) -> Option<Rollup> {
    if let Some(r) = memo[i] {
        return Some(r);
    }
    if visiting[i] {
        return None; // a cycle: leave this edge out
    }
    visiting[i] = true;
    let o = &site.objectives[i];
    let mut subgoals = Vec::new();
    for &k in &o.key_results {
        let kr = &site.key_results[k];
        if !scope.contains(kr.meta.quarter) {
            continue;
        }
        let s = &krs[k];
        let dropped = s.status == Some(Status::Dropped);
        let progress = if dropped { None } else { s.progress };
        subgoals.push((progress, kr.meta.weight, ObjectiveStatus::of_kr(s.status)));
    }
    for &c in &o.children {
        if let Some(r) = rollup_one(site, krs, scope, c, memo, visiting) {
            subgoals.push((r.progress, 1.0, r.status));
        }
    }
    let r = combine(subgoals);
    visiting[i] = false;
    memo[i] = Some(r);
    Some(r)
}
