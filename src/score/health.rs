//! Health flags of a key result as of a date (spec §4): the things the
//! OKR process expects that have not happened.

use chrono::NaiveDate;
use serde::Serialize;

use crate::load::{KeyResult, Metric, Status};
use crate::period::FiscalCalendar;
use crate::score::kr::{progress_of, updates_as_of, value_as_of};
use crate::score::pace::{behind, pace};

/// The settings health depends on, from `okra.toml`.
#[derive(Debug, Clone, Copy)]
pub struct HealthRules {
    pub calendar: FiscalCalendar,
    pub stale_after_days: i64,
    pub final_scoring_grace_days: i64,
    /// How far below pace an on-track KR may be before it is flagged.
    pub behind_pace_margin: f64,
}

/// One thing wrong with how a KR is being kept up to date.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "flag", rename_all = "kebab-case")]
pub enum Flag {
    /// An open KR of the current quarter whose latest update (or the quarter
    /// start, if it has none) is older than `stale_after_days`.
    ///
    /// `never_updated` tells the two apart: "no update since 2026-10-01" would
    /// read as if an update had been posted on the first day of the quarter.
    Stale {
        since: NaiveDate,
        days: i64,
        never_updated: bool,
    },
    /// Past the quarter's midpoint with no update since it.
    MissingMidQuarter { midpoint: NaiveDate },
    /// The quarter ended more than the grace period ago and no closed status was posted.
    MissingFinal {
        quarter_end: NaiveDate,
        due: NaiveDate,
    },
    /// A closed status was followed by more updates (index of the first later update).
    UpdateAfterClosed { closed_on: NaiveDate, later: usize },
    /// Said to be on track, but its progress is more than `behind_pace_margin`
    /// below the straight line from start to target.
    BehindPace { progress: f64, pace: f64 },
}

impl Flag {
    pub fn code(&self) -> &'static str {
        match self {
            Flag::Stale { .. } => "stale",
            Flag::MissingMidQuarter { .. } => "missing-mid-quarter-scoring",
            Flag::MissingFinal { .. } => "missing-final-scoring",
            Flag::UpdateAfterClosed { .. } => "update-after-closed",
            Flag::BehindPace { .. } => "behind-pace",
        }
    }

    /// A short label for pages.
    pub fn label(&self) -> &'static str {
        match self {
            Flag::Stale {
                never_updated: true,
                ..
            } => "No update yet",
            Flag::Stale { .. } => "Stale",
            Flag::MissingMidQuarter { .. } => "Missing mid-quarter scoring",
            Flag::MissingFinal { .. } => "Missing final scoring",
            Flag::UpdateAfterClosed { .. } => "Updated after closing",
            Flag::BehindPace { .. } => "Behind pace",
        }
    }
}

/// The health flags of `kr` as of `as_of`. Only updates dated on or before
/// `as_of` count; a KR whose quarter has not started has none.
pub fn flags(kr: &KeyResult, rules: &HealthRules, as_of: NaiveDate) -> Vec<Flag> {
    let cal = &rules.calendar;
    let start = cal.quarter_start(kr.meta.quarter);
    if as_of < start {
        return Vec::new();
    }
    let updates = updates_as_of(kr, as_of);
    let mut out = Vec::new();
    let first_closed = updates.iter().position(|u| u.status.is_closed());
    let closed = updates.last().is_some_and(|u| u.status.is_closed());

    if !closed && cal.quarter_of(as_of) == kr.meta.quarter {
        let since = updates.last().map_or(start, |u| u.date);
        let days = (as_of - since).num_days();
        if days > rules.stale_after_days {
            out.push(Flag::Stale {
                since,
                days,
                never_updated: updates.is_empty(),
            });
        }
    }
    let midpoint = cal.quarter_midpoint(kr.meta.quarter);
    if !closed && as_of > midpoint && !updates.iter().any(|u| u.date >= midpoint) {
        out.push(Flag::MissingMidQuarter { midpoint });
    }
    let quarter_end = cal.quarter_end(kr.meta.quarter);
    let due = quarter_end + chrono::Duration::days(rules.final_scoring_grace_days);
    if as_of > due && first_closed.is_none() {
        out.push(Flag::MissingFinal { quarter_end, due });
    }
    // Only during the quarter (after it, missing final scoring says more), and
    // only for KRs that move along a line: a boolean or `keep` KR has none.
    if as_of <= quarter_end
        && updates.last().is_some_and(|u| u.status == Status::OnTrack)
        && kr.meta.keep.is_none()
        && kr.meta.metric != Metric::Boolean
        && let Some(progress) = progress_of(kr, value_as_of(kr, as_of))
    {
        let pace = pace(cal, kr.meta.quarter, as_of);
        if behind(progress, pace, rules.behind_pace_margin) {
            out.push(Flag::BehindPace { progress, pace });
        }
    }
    if let Some(i) = first_closed
        && i + 1 < updates.len()
    {
        out.push(Flag::UpdateAfterClosed {
            closed_on: updates[i].date,
            later: i + 1,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::KrId;
    use crate::pipeline::check_in_memory;

    /// A KR that never had an update is not "stale since the first day of the
    /// quarter": the flag, its label and the warning say there was none.
    #[test]
    fn stale_without_any_update_says_so() {
        let kr = |name: &str| {
            (
                format!("content/fy24/o/{name}.md"),
                "+++\ntitle = \"K\"\nowner = \"A\"\nperiod = \"Q2 FY24\"\nmetric = \"number\"\nstart = 0\ntarget = 10\n+++\nHow.\n".to_string(),
            )
        };
        let files = vec![
            (
                "content/fy24/o/objective.md".to_string(),
                "+++\ntitle = \"O\"\nowner = \"A\"\nperiod = \"FY24\"\n+++\nWhy.\n".to_string(),
            ),
            kr("never"),
            kr("once"),
            (
                "content/fy24/o/once/2024-04-10.md".to_string(),
                "+++\nstatus = \"on-track\"\nvalue = 1\n+++\nNews.\n".to_string(),
            ),
        ];
        let as_of = NaiveDate::from_ymd_opt(2024, 5, 1).unwrap();
        let checked = check_in_memory("title = \"T\"\n", &files, as_of);
        let flags = &checked.scores.flags;
        let start = NaiveDate::from_ymd_opt(2024, 4, 1).unwrap();
        assert_eq!(
            flags[KrId::nth(0)],
            [Flag::Stale {
                since: start,
                days: 30,
                never_updated: true
            }]
        );
        assert_eq!(flags[KrId::nth(0)][0].label(), "No update yet");
        assert!(matches!(
            flags[KrId::nth(1)][..],
            [Flag::Stale {
                never_updated: false,
                days: 21,
                ..
            }]
        ));
        assert_eq!(flags[KrId::nth(1)][0].label(), "Stale");
        let messages: Vec<&str> = checked
            .diagnostics
            .iter()
            .filter(|d| d.code == "stale")
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(
            messages,
            [
                "stale: no update since the quarter started (FY2024-Q2 started on 2024-04-01, 30 days before 2024-05-01)",
                "stale: no update since 2024-04-10 (21 days before 2024-05-01)",
            ]
        );
    }
}
