//! The office screen (`/tv/`): a rotation of full-screen pages, each moving
//! on to the next after `[tv] seconds_per_page` with a meta refresh (no
//! script, no login): the company's summary of the current quarter, then each
//! team's current quarter. A page never scrolls: what does not fit the
//! screen goes on the next page of the same team.

use serde::Serialize;

use super::{Stats, stats};
use crate::load::{KrId, ObjectiveId};
use crate::render::view::{KrView, ObjectiveView, QuarterScore};
use crate::render::{PageJob, Renderer, format, urls};

/// Height of a screen in lines of body text (the TV CSS sets type so that a
/// 16:9 screen holds 30; see `.tv` in okra.css), less the header, footer and
/// a margin.
const SCREEN_LINES: f64 = 22.0;
/// Characters of a KR title on one line of its column, a conservative count.
const TITLE_CHARS: usize = 58;
/// Characters of an objective title on one line (larger type, the full width).
const OBJECTIVE_CHARS: usize = 62;

/// An objective and the KRs shown with it on one page.
#[derive(Serialize)]
struct TvObjective<'v> {
    o: &'v ObjectiveView,
    q: &'v QuarterScore,
    krs: Vec<&'v KrView>,
    /// The objective began on an earlier page.
    continued: bool,
}

#[derive(Serialize)]
struct TvPage<'v> {
    /// `Platform`, or the company's name on the summary.
    title: String,
    /// `Q4 FY26`.
    quarter: String,
    /// `2 / 3` when the team takes several pages.
    part: Option<String>,
    /// This page's place in the rotation, from 1, and the rotation's length.
    number: usize,
    total: usize,
    /// Only on the summary and on a team's first page.
    stats: Option<Stats>,
    objectives: Vec<TvObjective<'v>>,
    /// Where the refresh leads, relative to the site root.
    next_url: String,
    seconds: i64,
}

/// The URL of page `n` (from 1) of the rotation.
pub fn url(n: usize) -> String {
    if n == 1 {
        urls::TV.into()
    } else {
        format!("{}{n}/", urls::TV)
    }
}

/// Lines an objective's heading takes, and a KR row.
fn objective_lines(o: &ObjectiveView) -> f64 {
    // 1.3 em type at 1.15 line height, the score line, and the gap above.
    o.title.chars().count().div_ceil(OBJECTIVE_CHARS) as f64 * 1.5 + 1.2 + 0.8
}

fn kr_lines(k: &KrView) -> f64 {
    // Title lines (the owner on the line below), and row padding.
    k.title.chars().count().div_ceil(TITLE_CHARS) as f64 + 1.0 + 0.5
}

/// Splits objectives (each with its KRs) into pages of at most
/// `SCREEN_LINES`; the first page holds `first_lines` less (the summary).
fn paginate<'v>(
    items: Vec<(ObjectiveId, Vec<KrId>)>,
    r: &'v Renderer<'_>,
    q: crate::period::Quarter,
    first_lines: f64,
) -> Vec<Vec<TvObjective<'v>>> {
    let mut pages: Vec<Vec<TvObjective<'v>>> = vec![Vec::new()];
    let mut used = first_lines;
    for (i, krs) in items {
        let o = &r.views.objectives[i];
        let qs = &o.quarters[(q.q - 1) as usize];
        let head = objective_lines(o);
        // An objective starts a page when its heading and first KR do not fit.
        let first = krs.first().map_or(0.0, |&k| kr_lines(&r.views.krs[k]));
        if used + head + first > SCREEN_LINES && !pages.last().is_some_and(Vec::is_empty) {
            pages.push(Vec::new());
            used = 0.0;
        }
        used += head;
        let mut current = TvObjective {
            o,
            q: qs,
            krs: Vec::new(),
            continued: false,
        };
        for k in krs {
            let kv = &r.views.krs[k];
            let lines = kr_lines(kv);
            if used + lines > SCREEN_LINES && !current.krs.is_empty() {
                pages.last_mut().expect("a page").push(current);
                pages.push(Vec::new());
                used = head;
                current = TvObjective {
                    o,
                    q: qs,
                    krs: Vec::new(),
                    continued: true,
                };
            }
            used += lines;
            current.krs.push(kv);
        }
        pages.last_mut().expect("a page").push(current);
    }
    pages
}

pub fn pages<'r>(r: &'r Renderer<'_>) -> Vec<PageJob<'r>> {
    let q = r.views.current;
    let label = format::quarter_label(q);
    let seconds = r.site.config.tv.seconds_per_page;
    let in_q = |i: ObjectiveId| -> Vec<KrId> {
        r.site.objectives[i]
            .key_results
            .iter()
            .copied()
            .filter(|&k| r.site.key_results[k].meta.quarter == q)
            .collect()
    };
    let year: Vec<ObjectiveId> = super::sorted_objectives(
        r,
        r.site
            .objectives
            .iter_enumerated()
            .filter(|(_, o)| o.meta.year == q.year)
            .map(|(i, _)| i),
    );
    // (title, stats, pages of objectives)
    type Screen<'v> = (String, Stats, Vec<Vec<TvObjective<'v>>>);
    let mut screens: Vec<Screen<'r>> = Vec::new();
    // The company: every KR of the quarter counted, its own objectives shown
    // (without KRs: each team's page lists them).
    let all: Vec<KrId> = super::krs_of_quarter(r, q);
    let company: Vec<(ObjectiveId, Vec<KrId>)> = year
        .iter()
        .filter(|&&i| r.site.objectives[i].meta.team.is_none())
        .map(|&i| (i, in_q(i)))
        .collect();
    screens.push((
        r.site.config.company.clone(),
        stats(r, &all),
        paginate(company, r, q, 4.0),
    ));
    for team in &r.views.teams {
        let items: Vec<(ObjectiveId, Vec<KrId>)> = year
            .iter()
            .filter(|&&i| r.site.objectives[i].meta.team.as_deref() == Some(team.id.as_str()))
            .map(|&i| (i, in_q(i)))
            .filter(|(_, krs)| !krs.is_empty())
            .collect();
        if items.is_empty() {
            continue;
        }
        let krs: Vec<KrId> = items.iter().flat_map(|(_, k)| k.iter().copied()).collect();
        screens.push((
            team.name.clone(),
            stats(r, &krs),
            paginate(items, r, q, 4.0),
        ));
    }
    let total: usize = screens.iter().map(|s| s.2.len()).sum();
    let mut jobs = Vec::new();
    let mut n = 0;
    for (title, team_stats, team_pages) in screens {
        let parts = team_pages.len();
        let mut team_stats = Some(team_stats);
        for (p, objectives) in team_pages.into_iter().enumerate() {
            n += 1;
            let ctx = TvPage {
                title: title.clone(),
                quarter: label.clone(),
                part: (parts > 1).then(|| format!("{} / {parts}", p + 1)),
                number: n,
                total,
                stats: team_stats.take(),
                objectives,
                next_url: url(if n == total { 1 } else { n + 1 }),
                seconds,
            };
            jobs.push(PageJob::lazy("tv.html", url(n), "tv", move || ctx));
        }
    }
    jobs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(url(1), "tv/");
        assert_eq!(url(12), "tv/12/");
    }
}
