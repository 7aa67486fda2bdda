//! The alignment tree of a fiscal year (`/alignment/fy2024/`, and the current
//! year at `/alignment/`): company objectives, the objectives aligned to them,
//! and every KR, each with its progress and status as the views show them.

use std::collections::BTreeSet;

use serde::Serialize;

use super::{Card, Stats, card, sorted_objectives, stats};
use crate::load::{KrId, ObjectiveId};
use crate::period::FiscalYear;
use crate::render::{PageJob, Renderer, format, urls};

#[derive(Serialize, Clone)]
struct YearLink {
    label: String,
    url: String,
    /// The year this page shows.
    shown: bool,
}

#[derive(Serialize)]
struct Tree<'v> {
    year: String,
    year_label: String,
    is_current_year: bool,
    /// Every year with objectives, oldest first.
    years: Vec<YearLink>,
    /// Objectives aligned to nothing: company objectives first, then teams'.
    roots: Vec<Card<'v>>,
    /// Every KR of the year's objectives in the tree.
    stats: Stats,
}

/// The tree of `year`: roots are the year's objectives aligned to no objective
/// of the site.
fn tree<'v>(r: &'v Renderer<'_>, year: FiscalYear, years: &[FiscalYear]) -> Tree<'v> {
    let aligned: BTreeSet<ObjectiveId> = r
        .site
        .objectives
        .iter()
        .flat_map(|o| o.children.iter().copied())
        .collect();
    let root_ids = sorted_objectives(
        r,
        r.site
            .objectives
            .iter_enumerated()
            .filter(|(i, o)| o.meta.year == year && !aligned.contains(i))
            .map(|(i, _)| i),
    );
    // The KRs the tree shows: those of the roots and of every objective below
    // them (as deep as `card` goes).
    let mut krs: Vec<KrId> = Vec::new();
    let mut todo: Vec<(ObjectiveId, usize)> = root_ids.iter().map(|&i| (i, 0)).collect();
    while let Some((i, depth)) = todo.pop() {
        let o = &r.site.objectives[i];
        krs.extend(o.key_results.iter().copied());
        if depth < 16 {
            todo.extend(o.children.iter().map(|&c| (c, depth + 1)));
        }
    }
    let roots: Vec<Card> = root_ids.into_iter().map(|i| card(r, i, None, 0)).collect();
    krs.sort_unstable();
    krs.dedup();
    Tree {
        year: year.to_string(),
        year_label: format::year_label(year),
        is_current_year: year == r.views.current.year,
        years: years
            .iter()
            .map(|&y| YearLink {
                label: format::year_label(y),
                url: urls::alignment(y),
                shown: y == year,
            })
            .collect(),
        stats: stats(r, &krs),
        roots,
    }
}

pub fn pages<'r>(r: &'r Renderer<'_>) -> Vec<PageJob<'r>> {
    let current = r.views.current.year;
    let years: Vec<FiscalYear> = r
        .site
        .objectives
        .iter()
        .map(|o| o.meta.year)
        .chain([current])
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut jobs: Vec<PageJob<'r>> = Vec::new();
    let index_years = years.clone();
    jobs.push(PageJob::lazy(
        "alignment.html",
        urls::ALIGNMENT,
        "alignment",
        move || tree(r, current, &index_years),
    ));
    for &y in &years {
        let years = years.clone();
        jobs.push(PageJob::lazy(
            "alignment.html",
            urls::alignment(y),
            "alignment",
            move || tree(r, y, &years),
        ));
    }
    jobs
}
