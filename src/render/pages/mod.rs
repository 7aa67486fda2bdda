//! Page families, one module each. Each turns views into `PageJob`s; the
//! renderer fills in templates in parallel.

mod accuracy;
mod alignment;
pub mod changes;
mod dashboard;
mod okr;
mod people;
mod quarters;
mod review;
mod search;
mod teams;
mod tv;
mod updates;
mod wall;

use serde::Serialize;

use super::charts::{self, Chart};
use super::format::{self, Progress};
use super::status::StatusView;
use super::urls::{self, Family};
use super::view::{KrView, ObjectiveView, QuarterScore};
use super::{PageJob, Renderer};
use crate::diag::Diagnostic;
use crate::load::{KrId, ObjectiveId};
use crate::period::{FiscalYear, Quarter};
use crate::render::html::SafeHtml;

/// Every page of the site.
pub fn all<'r>(r: &'r Renderer<'_>) -> Vec<PageJob<'r>> {
    use rayon::prelude::*;
    // Families are made in parallel: some group every KR by team, quarter or
    // person up front, and made one after the other they kept a core idle for
    // a tenth of a second at 10k KRs. Collected in this order, whatever
    // finishes first: the few large pages (alignment, quarters, people run to
    // megabytes at 10k KRs) first and the thousands of small KR pages last,
    // so that the cores finish together instead of one rendering the last
    // large page alone (a quarter of a second at 10k KRs).
    type Family<'a, 'r> = &'a (dyn Fn() -> Vec<PageJob<'r>> + Sync);
    let families: [Family<'_, 'r>; 13] = [
        &|| alignment::pages(r),
        &|| quarters::pages(r),
        &|| vec![dashboard::page(r)],
        &|| people::pages(r),
        &|| review::pages(r),
        &|| changes::pages(r),
        &|| updates::pages(r),
        &|| teams::pages(r),
        &|| wall::pages(r),
        &|| tv::pages(r),
        &|| search::pages(r),
        &|| vec![not_found()],
        &|| okr::pages(r),
    ];
    let made: Vec<Vec<PageJob<'r>>> = families.par_iter().map(|family| family()).collect();
    made.into_iter().flatten().collect()
}

fn not_found<'r>() -> PageJob<'r> {
    PageJob::new("404.html", urls::NOT_FOUND, "", &serde_json::Map::new())
}

/// The page written to `path` (`fy24/eng/index.html`), if the site has one.
/// Only the jobs of the page family that owns the path's first folder are made:
/// `okra serve` renders pages on request. (`tests/testsuite/serve.rs` checks that every
/// page [`all`] makes is found here, with the same bytes.)
pub fn for_path<'r>(r: &'r Renderer<'_>, path: &str) -> Option<PageJob<'r>> {
    // Pages are written to `…/index.html` or `404.html` (see `output_path`):
    // a stylesheet or an image is no page, and making the jobs to find that out
    // would cost a large site milliseconds per asset.
    if !path.ends_with(".html") && !path.ends_with(".xml") {
        return None;
    }
    let is_it = |job: &PageJob<'_>| super::output_path(job.url.clone()) == path;
    let family = match urls::family(path) {
        Family::Dashboard => vec![dashboard::page(r)],
        Family::NotFound => vec![not_found()],
        Family::Teams => teams::pages(r),
        Family::People => people::pages(r),
        Family::Quarters => quarters::pages(r),
        Family::Reviews => review::pages(r),
        Family::Updates => updates::pages(r),
        Family::Changes => changes::pages(r),
        Family::Wall => wall::pages(r),
        Family::Alignment => alignment::pages(r),
        Family::Tv => tv::pages(r),
        Family::Search => search::pages(r),
        Family::Okrs => okr::pages(r),
    };
    family.into_iter().find(is_it)
}

/// An objective with the KRs of one quarter (or all) and its aligned objectives, nested.
#[derive(Serialize)]
pub struct Card<'v> {
    pub o: &'v ObjectiveView,
    /// The objective's score in the quarter shown, if a quarter is shown.
    pub q: Option<&'v QuarterScore>,
    pub krs: Vec<&'v KrView>,
    /// The table rows of `krs` (`fragments/kr-row.html`), once [`Card::with_rows`]
    /// has rendered them for the page's depth; the alignment tree lists KRs
    /// its own way and leaves them empty.
    pub rows: Vec<SafeHtml>,
    /// How many of `krs` carry a health flag: an "On track" objective whose
    /// KRs have gone stale must not look healthy.
    pub flagged: usize,
    /// KRs of the scope left out of `krs` (a team page lists only its team's).
    pub others: usize,
    pub children: Vec<Card<'v>>,
}

/// Builds the card of objective `i`; `depth` guards against (already rejected) cycles.
pub fn card<'v>(r: &'v Renderer<'_>, i: ObjectiveId, q: Option<Quarter>, depth: usize) -> Card<'v> {
    let o = &r.site.objectives[i];
    let krs: Vec<&KrView> = o
        .key_results
        .iter()
        .filter(|&&k| q.is_none_or(|q| r.site.key_results[k].meta.quarter == q))
        .map(|&k| &r.views.krs[k])
        .collect();
    let children = if depth < 16 {
        sorted_objectives(r, o.children.iter().copied())
            .into_iter()
            .map(|c| card(r, c, q, depth + 1))
            .collect()
    } else {
        Vec::new()
    };
    Card {
        o: &r.views.objectives[i],
        q: q.map(|q| &r.views.objectives[i].quarters[(q.q - 1) as usize]),
        flagged: krs.iter().filter(|k| !k.flags.is_empty()).count(),
        others: 0,
        krs,
        rows: Vec::new(),
        children,
    }
}

impl Card<'_> {
    /// The card with the table rows of its KRs and its children's, for a page
    /// at `url` (a card without a quarter has a quarter column).
    pub fn with_rows(mut self, r: &Renderer<'_>, url: &str) -> Result<Self, Diagnostic> {
        self.rows = r.kr_rows(&self.krs, url, self.q.is_none())?;
        self.children = self
            .children
            .into_iter()
            .map(|c| c.with_rows(r, url))
            .collect::<Result<_, _>>()?;
        Ok(self)
    }
}

/// [`Card::with_rows`] of each card.
pub fn with_rows<'v>(
    cards: Vec<Card<'v>>,
    r: &Renderer<'_>,
    url: &str,
) -> Result<Vec<Card<'v>>, Diagnostic> {
    cards.into_iter().map(|c| c.with_rows(r, url)).collect()
}

/// Company-level objectives first, then by team name, then by ID.
pub fn sorted_objectives(
    r: &Renderer<'_>,
    ids: impl Iterator<Item = ObjectiveId>,
) -> Vec<ObjectiveId> {
    let mut v: Vec<ObjectiveId> = ids.collect();
    v.sort_by_key(|&i| {
        let o = &r.views.objectives[i];
        (
            o.team.is_some(),
            o.team.as_ref().map(|t| t.title.clone()),
            o.id.clone(),
        )
    });
    v
}

/// Top-level cards of a fiscal year: objectives aligned to nothing, split into
/// company-level and team objectives.
pub fn year_cards<'v>(
    r: &'v Renderer<'_>,
    year: FiscalYear,
    q: Option<Quarter>,
) -> (Vec<Card<'v>>, Vec<Card<'v>>) {
    let roots = sorted_objectives(
        r,
        r.site
            .objectives
            .iter_enumerated()
            .filter(|(_, o)| o.meta.year == year && o.meta.parent.is_none())
            .map(|(i, _)| i),
    );
    let (company, teams): (Vec<ObjectiveId>, Vec<ObjectiveId>) = roots
        .into_iter()
        .partition(|&i| r.site.objectives[i].meta.team.is_none());
    let make = |v: Vec<ObjectiveId>| v.into_iter().map(|i| card(r, i, q, 0)).collect();
    (make(company), make(teams))
}

#[derive(Serialize)]
pub struct StatusCount {
    pub status: StatusView,
    pub count: usize,
    /// Share of all KRs counted, 0–100.
    #[serde(serialize_with = "crate::render::format::whole_as_int")]
    pub pct: f64,
}

/// Counts and average score of a set of KRs.
#[derive(Serialize)]
pub struct Stats {
    pub kr_count: usize,
    pub objective_count: usize,
    /// Mean clamped progress of the non-dropped KRs.
    pub average: Progress,
    pub counts: Vec<StatusCount>,
    pub closed: usize,
}

pub fn stats(r: &Renderer<'_>, krs: &[KrId]) -> Stats {
    let mut objectives: Vec<ObjectiveId> = krs
        .iter()
        .map(|&k| r.site.key_results[k].objective)
        .collect();
    objectives.sort_unstable();
    objectives.dedup();
    let counts = StatusView::KR_ORDER
        .into_iter()
        .map(|status| {
            let count = krs
                .iter()
                .filter(|&&k| r.views.krs[k].status == status)
                .count();
            StatusCount {
                status,
                count,
                pct: if krs.is_empty() {
                    0.0
                } else {
                    (count as f64 * 1000.0 / krs.len() as f64).round() / 10.0
                },
            }
        })
        .collect();
    Stats {
        kr_count: krs.len(),
        objective_count: objectives.len(),
        average: format::progress(r.scores.average(krs)),
        counts,
        closed: krs
            .iter()
            .filter(|&&k| r.views.krs[k].status.is_closed())
            .count(),
    }
}

/// The quarter a reader should look at when `q` has no KRs: the latest one
/// with KRs up to `q`, else the first after it.
pub fn nearest_quarter_with_krs(r: &Renderer<'_>, q: Quarter) -> Option<Quarter> {
    let mut before = None;
    let mut after = None;
    for kr in &r.site.key_results {
        let k = kr.meta.quarter;
        if k <= q {
            before = before.max(Some(k));
        } else if after.is_none_or(|a| k < a) {
            after = Some(k);
        }
    }
    before.or(after)
}

/// The KRs of a quarter.
pub fn krs_of_quarter(r: &Renderer<'_>, q: Quarter) -> Vec<KrId> {
    r.site
        .kr_ids()
        .filter(|&k| r.site.key_results[k].meta.quarter == q)
        .collect()
}

/// The quarter's key dates, for headers.
#[derive(Serialize)]
pub struct QuarterInfo {
    pub key: String,
    pub label: String,
    pub url: String,
    pub start: String,
    pub end: String,
    pub midpoint: String,
    pub year: String,
    pub year_label: String,
    pub review_url: String,
}

pub fn quarter_info(r: &Renderer<'_>, q: Quarter) -> QuarterInfo {
    let cal = &r.site.config.calendar;
    QuarterInfo {
        key: q.to_string(),
        label: format::quarter_label(q),
        url: urls::quarter(q),
        start: cal.quarter_start(q).to_string(),
        end: cal.quarter_end(q).to_string(),
        midpoint: cal.quarter_midpoint(q).to_string(),
        year: q.year.to_string(),
        year_label: format::year_label(q.year),
        review_url: urls::review(q.year),
    }
}

/// Average score and final statuses per quarter (history, team and review pages).
pub fn history_charts(
    r: &Renderer<'_>,
    quarters: &[(Quarter, Vec<KrId>)],
    id: &str,
    whose: &str,
) -> [Chart; 2] {
    let labels: Vec<String> = quarters
        .iter()
        .map(|(q, _)| format!("Q{} ’{:02}", q.q, q.year.0 % 100))
        .collect();
    let averages: Vec<Option<f64>> = quarters.iter().map(|(_, k)| r.scores.average(k)).collect();
    let score = r.stats.chart(|| {
        charts::columns(
            &format!("{id}-score"),
            &format!("{whose}average score per quarter"),
            "Mean progress of the non-dropped key results of each quarter, capped at 100 %.",
            &labels,
            &averages,
            &[],
        )
    });
    let mut segments: Vec<(StatusView, Vec<usize>)> = StatusView::FINAL
        .into_iter()
        .map(|status| {
            let counts = quarters
                .iter()
                .map(|(_, ks)| {
                    ks.iter()
                        .filter(|&&k| r.views.krs[k].status == status)
                        .count()
                })
                .collect();
            (status, counts)
        })
        .collect();
    let open = quarters
        .iter()
        .map(|(_, ks)| {
            ks.iter()
                .filter(|&&k| !r.views.krs[k].status.is_closed())
                .count()
        })
        .collect();
    segments.push((StatusView::Open, open));
    let statuses = r.stats.chart(|| {
        charts::stacked(
            &format!("{id}-statuses"),
            &format!("{whose}final statuses per quarter"),
            "Number of key results per quarter by final status (achieved, partial, missed, dropped) and still open.",
            &labels,
            &segments,
        )
    });
    [score, statuses]
}

/// Average score per team (and the company level) among `krs`.
pub fn team_scores_chart(r: &Renderer<'_>, krs: &[KrId], id: &str, title: &str) -> Chart {
    let mut by_team: std::collections::BTreeMap<String, Vec<KrId>> = Default::default();
    for &k in krs {
        let name = r.views.krs[k]
            .team
            .as_ref()
            .map_or_else(|| r.site.config.company.clone(), |t| t.title.clone());
        by_team.entry(name).or_default().push(k);
    }
    let labels: Vec<String> = by_team.keys().cloned().collect();
    let values: Vec<Option<f64>> = by_team.values().map(|ks| r.scores.average(ks)).collect();
    r.stats.chart(|| {
        charts::hbars(
            id,
            title,
            "Mean progress of each team's non-dropped key results, capped at 100 %.",
            &labels,
            &values,
        )
    })
}
