//! The dashboard (`/`): the quarter that contains the as-of day.

use chrono::{Duration, NaiveDate};
use serde::Serialize;

use super::{
    Card, QuarterInfo, Stats, krs_of_quarter, nearest_quarter_with_krs, quarter_info, stats,
    team_scores_chart, with_rows, year_cards,
};
use crate::load::KrId;
use crate::render::charts::Chart;
use crate::render::format;
use crate::render::html::SafeHtml;
use crate::render::status::StatusView;
use crate::render::urls;
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

/// The quarter that just ended, shown until its final-scoring deadline.
#[derive(Serialize)]
struct Previous {
    quarter: QuarterInfo,
    stats: Stats,
    /// KRs of that quarter without a closed status yet.
    unscored: usize,
    /// The last day of the final-scoring grace period.
    due: String,
}

#[derive(Serialize)]
struct Dashboard<'v> {
    quarter: QuarterInfo,
    stats: Stats,
    company: Vec<Card<'v>>,
    unaligned: Vec<Card<'v>>,
    /// Current-quarter KRs that are at risk, off track or carry a health flag,
    /// worst first: what the first screen is for.
    attention: Vec<&'v KrView>,
    /// Their table rows (`fragments/kr-row.html`).
    attention_rows: Vec<SafeHtml>,
    /// KRs of earlier quarters still flagged (missing final scoring, updates
    /// after closing), newest quarter first.
    older_flagged: Vec<&'v KrView>,
    older_flagged_count: usize,
    previous: Option<Previous>,
    /// When the current quarter has no KRs: the quarter to look at instead.
    nearest: Option<QuarterInfo>,
    deadlines: Vec<Deadline>,
    latest: Vec<&'v UpdateView>,
    team_chart: Chart,
}

/// Rank of a KR in the attention list: off track, at risk, then flagged.
fn severity(k: &KrView) -> u8 {
    match k.status {
        StatusView::OffTrack => 0,
        StatusView::AtRisk => 1,
        _ => 2,
    }
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
    let mut attention: Vec<&KrView> = krs
        .iter()
        .map(|&k| &r.views.krs[k])
        .filter(|k| severity(k) < 2 || !k.flags.is_empty())
        .collect();
    attention.sort_by_key(|k| (severity(k), std::cmp::Reverse(k.flags.len()), k.id.clone()));
    // Earlier quarters compared as quarters, not as their names.
    let mut older: Vec<KrId> = r
        .site
        .kr_ids()
        .filter(|&k| r.site.key_results[k].meta.quarter < q && !r.views.krs[k].flags.is_empty())
        .collect();
    older.sort_by(|&a, &b| {
        let (ka, kb) = (&r.site.key_results[a], &r.site.key_results[b]);
        kb.meta
            .quarter
            .cmp(&ka.meta.quarter)
            .then_with(|| ka.id.cmp(&kb.id))
    });
    let mut older_flagged: Vec<&KrView> = older.iter().map(|&k| &r.views.krs[k]).collect();
    let older_flagged_count = older_flagged.len();
    older_flagged.truncate(20);
    let cal = &r.site.config.calendar;
    let prev = q.prev();
    let due = cal.quarter_end(prev) + Duration::days(r.site.config.final_scoring_grace_days);
    let prev_krs = krs_of_quarter(r, prev);
    let previous = (r.scores.as_of <= due && !prev_krs.is_empty()).then(|| Previous {
        quarter: quarter_info(r, prev),
        unscored: prev_krs
            .iter()
            .filter(|&&k| !r.views.krs[k].status.is_closed())
            .count(),
        stats: stats(r, &prev_krs),
        due: due.to_string(),
    });
    let nearest = if krs.is_empty() {
        nearest_quarter_with_krs(r, q).map(|n| quarter_info(r, n))
    } else {
        None
    };
    let mut ctx = Dashboard {
        quarter: quarter_info(r, q),
        stats: stats(r, &krs),
        company,
        unaligned,
        attention,
        attention_rows: Vec::new(),
        older_flagged,
        older_flagged_count,
        previous,
        nearest,
        deadlines: deadlines(r),
        latest: r.views.updates.iter().take(8).map(|u| &**u).collect(),
        team_chart: team_scores_chart(
            r,
            &krs,
            "dashboard-teams",
            &format!("{}: average score by team", format::quarter_label(q)),
        ),
    };
    PageJob::lazy_try("index.html", urls::DASHBOARD, "dashboard", move || {
        ctx.attention_rows = r.kr_rows(&ctx.attention, urls::DASHBOARD, false)?;
        ctx.company = with_rows(ctx.company, r, urls::DASHBOARD)?;
        ctx.unaligned = with_rows(ctx.unaligned, r, urls::DASHBOARD)?;
        Ok(ctx)
    })
}
