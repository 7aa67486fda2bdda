//! The dashboard (`/`): the quarter that contains the as-of day.

use chrono::{Duration, NaiveDate};
use serde::Serialize;

use super::{
    Card, QuarterInfo, Stats, krs_of_quarter, quarter_info, stats, team_scores_chart, year_cards,
};
use crate::render::charts::Chart;
use crate::render::format;
use crate::render::view::{KrView, UpdateView};
use crate::render::{PageJob, Renderer};

#[derive(Serialize)]
struct Deadline {
    date: String,
    label: String,
    /// "in 5 days", "today", "3 days ago".
    when: String,
    past: bool,
}

#[derive(Serialize)]
struct Dashboard<'v> {
    quarter: QuarterInfo,
    stats: Stats,
    company: Vec<Card<'v>>,
    unaligned: Vec<Card<'v>>,
    flagged: Vec<&'v KrView>,
    deadlines: Vec<Deadline>,
    latest: Vec<&'v UpdateView>,
    team_chart: Chart,
}

fn when(as_of: NaiveDate, date: NaiveDate) -> String {
    match (date - as_of).num_days() {
        0 => "today".into(),
        1 => "tomorrow".into(),
        -1 => "yesterday".into(),
        n if n > 0 => format!("in {n} days"),
        n => format!("{} days ago", -n),
    }
}

/// The OKR calendar around the as-of day: mid-quarter and final scoring,
/// setting the next KRs and objectives, and the yearly review.
fn deadlines(r: &Renderer<'_>) -> Vec<Deadline> {
    let cal = &r.site.config.calendar;
    let as_of = r.scores.as_of;
    let q = r.views.current;
    let grace = Duration::days(r.site.config.final_scoring_grace_days);
    let label = format::quarter_label;
    let mut items: Vec<(NaiveDate, String)> = Vec::new();
    let prev = q.prev();
    let prev_due = cal.quarter_end(prev) + grace;
    if as_of <= prev_due {
        items.push((prev_due, format!("Final scoring of {} due", label(prev))));
    }
    items.push((cal.quarter_start(q), format!("{} KRs set", label(q))));
    items.push((
        cal.quarter_midpoint(q),
        format!("Mid-quarter scoring of {}", label(q)),
    ));
    let end = cal.quarter_end(q);
    items.push((
        end + Duration::days(1),
        format!("Final scoring of {} (due {})", label(q), end + grace),
    ));
    items.push((
        cal.quarter_start(q.next()),
        format!("Set {} KRs", label(q.next())),
    ));
    if q.q == 4 {
        let next_year = crate::period::FiscalYear(q.year.0 + 1);
        items.push((
            cal.year_start(next_year),
            format!(
                "Set {} objectives (before the year starts)",
                format::year_label(next_year)
            ),
        ));
        items.push((
            end + grace,
            format!("Yearly OKR review of {}", format::year_label(q.year)),
        ));
    }
    items.sort();
    items
        .into_iter()
        .map(|(date, label)| Deadline {
            date: date.to_string(),
            label,
            when: when(as_of, date),
            past: date < as_of,
        })
        .collect()
}

pub fn page<'r>(r: &'r Renderer<'_>) -> PageJob<'r> {
    let q = r.views.current;
    let krs = krs_of_quarter(r, q);
    let (company, unaligned) = year_cards(r, q.year, Some(q));
    // Flags of the current quarter first, then older quarters still missing final scoring.
    let mut flagged: Vec<&KrView> = r.views.krs.iter().filter(|k| !k.flags.is_empty()).collect();
    flagged.sort_by_key(|k| {
        (
            k.quarter != q.to_string(),
            std::cmp::Reverse(k.quarter.clone()),
            k.id.clone(),
        )
    });
    flagged.truncate(50);
    let ctx = Dashboard {
        quarter: quarter_info(r, q),
        stats: stats(r, &krs),
        company,
        unaligned,
        flagged,
        deadlines: deadlines(r),
        latest: r.views.updates.iter().take(8).map(|u| &**u).collect(),
        team_chart: team_scores_chart(
            r,
            &krs,
            "dashboard-teams",
            &format!("{}: average score by team", format::quarter_label(q)),
        ),
    };
    PageJob::lazy("index.html", "", "dashboard", move || ctx)
}
