//! What changed in a window of days (the `/changes/` page and
//! `/changes.json`): statuses and values from the updates (works without git),
//! and from git history the KRs added, removed and re-targeted and the new
//! objectives. Pure: a site, a window, nothing else.

use std::path::Path;

use chrono::NaiveDate;

use crate::load::history::{EventKind, Field};
use crate::load::{KrId, ObjectiveId, Site, Status};
use crate::period::Quarter;
use crate::score::kr::score_kr;

/// Days after `from` up to and including `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Window {
    pub fn contains(&self, d: NaiveDate) -> bool {
        self.from < d && d <= self.to
    }
}

/// The three windows the page shows, as of a day: the last 7 days, since the
/// current quarter's midpoint (the last one passed), and since the last final
/// scoring deadline (quarter end + grace days) passed.
pub fn windows(site: &Site, as_of: NaiveDate) -> [(&'static str, Window); 3] {
    let cal = &site.config.calendar;
    let back = |from: NaiveDate| Window { from, to: as_of };
    let mut q: Quarter = cal.quarter_of(as_of);
    if cal.quarter_midpoint(q) > as_of {
        q = q.prev();
    }
    let midpoint = cal.quarter_midpoint(q);
    let grace = chrono::Days::new(site.config.final_scoring_grace_days.max(0) as u64);
    let mut q = cal.quarter_of(as_of).prev();
    let deadline = |q: Quarter| cal.quarter_end(q) + grace;
    while deadline(q) > as_of {
        q = q.prev();
    }
    [
        ("last-7-days", back(as_of - chrono::Days::new(7))),
        ("since-mid-quarter", back(midpoint)),
        ("since-final-scoring", back(deadline(q))),
    ]
}

/// A KR whose status or value moved in the window.
#[derive(Debug, Clone, PartialEq)]
pub struct Moved {
    pub kr: KrId,
    pub status: (Option<Status>, Option<Status>),
    pub value: (f64, f64),
}

/// A KR removed in the window (it has no page any more).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removed {
    pub title: String,
    pub path: String,
    pub date: NaiveDate,
    pub commit: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Changes {
    pub window: Window,
    /// Status changed (it may have moved value too).
    pub status: Vec<Moved>,
    /// Value moved, status unchanged.
    pub values: Vec<Moved>,
    pub added: Vec<(KrId, NaiveDate)>,
    pub removed: Vec<Removed>,
    /// KRs with ledger changes in the window: the indexes into `kr.changes`.
    pub retargeted: Vec<(KrId, Vec<usize>)>,
    pub new_objectives: Vec<(ObjectiveId, NaiveDate)>,
}

impl Changes {
    /// How many changes the lists hold, together.
    pub fn count(&self) -> usize {
        self.status.len()
            + self.values.len()
            + self.added.len()
            + self.removed.len()
            + self.retargeted.len()
            + self.new_objectives.len()
    }
}

/// Everything that changed in `window`, in the site's order.
pub fn changes(site: &Site, window: Window) -> Changes {
    let mut status = Vec::new();
    let mut values = Vec::new();
    for (k, kr) in site.key_results.iter_enumerated() {
        if !kr.updates.iter().any(|u| window.contains(u.date)) {
            continue;
        }
        let cal = &site.config.calendar;
        let (a, b) = (score_kr(kr, cal, window.from), score_kr(kr, cal, window.to));
        let moved = Moved {
            kr: k,
            status: (a.status, b.status),
            value: (a.value, b.value),
        };
        if a.status != b.status {
            status.push(moved);
        } else if a.value != b.value {
            values.push(moved);
        }
    }
    let kr_at = |path: &Path| {
        site.key_results
            .iter_enumerated()
            .find(|(_, k)| k.source == path)
    };
    let mut added = Vec::new();
    let mut removed = Vec::new();
    let mut new_objectives = Vec::new();
    for e in site.events.iter().filter(|e| window.contains(e.date)) {
        match e.kind {
            EventKind::Added => {
                if let Some((k, _)) = kr_at(&e.path)
                    && !added.iter().any(|(a, _)| *a == k)
                {
                    added.push((k, e.date));
                }
            }
            EventKind::Removed => {
                if kr_at(&e.path).is_none() {
                    removed.push(Removed {
                        title: e.title.clone(),
                        path: e.path.to_string_lossy().replace('\\', "/"),
                        date: e.date,
                        commit: e.commit.clone(),
                    });
                }
            }
            EventKind::NewObjective => {
                if let Some((o, _)) = site
                    .objectives
                    .iter_enumerated()
                    .find(|(_, o)| o.source == e.path)
                {
                    new_objectives.push((o, e.date));
                }
            }
        }
    }
    let retargeted = site
        .key_results
        .iter_enumerated()
        .filter_map(|(k, kr)| {
            let idx: Vec<usize> = kr
                .changes
                .iter()
                .enumerate()
                .filter(|(_, c)| {
                    window.contains(c.date) && matches!(c.field, Field::Start | Field::Target)
                })
                .map(|(i, _)| i)
                .collect();
            (!idx.is_empty()).then_some((k, idx))
        })
        .collect();
    Changes {
        window,
        status,
        values,
        added,
        removed,
        retargeted,
        new_objectives,
    }
}
