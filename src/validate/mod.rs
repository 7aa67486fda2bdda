//! Stage 2, validate: rules that need more than one file, plus the process
//! warnings (empty scoring descriptions, updates dated outside their quarter,
//! `okra new` placeholders left in, health flags). Per-file rules (types,
//! unknown keys, names) are reported while loading.

mod dates;
mod ledger;
mod placeholders;
mod references;

pub use dates::LATE_MARGIN_DAYS;

use crate::diag::{Diagnostic, Diagnostics, Loc};
use crate::load::Site;
use crate::score::{Flag, Scores};

/// Checks the rules between files; everything found goes to `diags`.
pub fn validate(site: &Site, diags: &mut Diagnostics) {
    references::teams(site, diags);
    references::alignment(site, diags);
    references::periods(site, diags);
    references::series(site, diags);
    scoring_descriptions(site, diags);
    large_bodies(site, diags);
    dates::update_dates(site, diags);
    placeholders::placeholders(site, diags);
    ledger::target_changed(site, diags);
    reviews(site, diags);
}

/// A written review belongs to a year with objectives, and each year has one.
fn reviews(site: &Site, diags: &mut Diagnostics) {
    let mut seen: Vec<(crate::period::FiscalYear, &std::path::Path)> = Vec::new();
    for r in &site.reviews {
        if let Some((_, first)) = seen.iter().find(|(y, _)| *y == r.year) {
            diags.push(Diagnostic::error(
                "duplicate-review",
                Loc::file(&r.source),
                format!(
                    "{} already has a written review in {}",
                    r.year,
                    first.display()
                ),
                "keep one review file per fiscal year: merge the two and delete this one",
            ));
            continue;
        }
        seen.push((r.year, &r.source));
        if !site.objectives.iter().any(|o| o.meta.year == r.year) {
            let years: Vec<String> = site
                .objectives
                .iter()
                .map(|o| o.meta.year)
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .map(|y| format!("fy{}.md", y.0))
                .collect();
            diags.push(Diagnostic::warning(
                "review-without-objectives",
                Loc::file(&r.source),
                format!(
                    "the review is for {}, which has no objectives, so no page shows it",
                    r.year
                ),
                if years.is_empty() {
                    "rename the file after a fiscal year that has objectives".to_string()
                } else {
                    format!(
                        "rename the file after a year with objectives: {}",
                        years.join(", ")
                    )
                },
            ));
        }
    }
}

/// Bodies above this size get a warning: they build, but every page that
/// lists the text (KR, dashboard, quarter, person, updates, feed) carries a copy.
pub const LARGE_BODY: usize = 1 << 20;

/// A status update is a few paragraphs; megabytes are a pasted log or export.
fn large_bodies(site: &Site, diags: &mut Diagnostics) {
    let bodies = site
        .objectives
        .iter()
        .map(|o| (&o.body, &o.source))
        .chain(site.key_results.iter().map(|k| (&k.body, &k.source)))
        .chain(
            site.key_results
                .iter()
                .flat_map(|k| k.updates.iter().map(|u| (&u.body, &u.source))),
        );
    for (body, source) in bodies {
        if body.len() > LARGE_BODY {
            diags.push(Diagnostic::warning(
                "large-body",
                Loc::file(source),
                format!(
                    "the text is {:.1} MB; every page that shows it carries a copy",
                    body.len() as f64 / 1e6
                ),
                "keep OKR texts short and link to long documents (logs, exports, reports) instead of pasting them",
            ));
        }
    }
}

/// The process asks every KR to say how it is scored; an empty body is a warning.
fn scoring_descriptions(site: &Site, diags: &mut Diagnostics) {
    for k in &site.key_results {
        if k.body.trim().is_empty() {
            diags.push(Diagnostic::warning(
                "empty-scoring",
                Loc::file(&k.source),
                "the key result does not say how it is scored",
                "below the closing `+++`, describe how the KR is measured and scored (data source, what counts)",
            ));
        }
    }
}

/// Turns health flags into warnings (drafts are work in progress and exempt).
pub fn health(site: &Site, scores: &Scores, diags: &mut Diagnostics) {
    let as_of = scores.as_of;
    for (id, k) in site.key_results.iter_enumerated() {
        let flags = &scores.flags[id];
        if k.meta.draft {
            continue;
        }
        let new_update = format!(
            "post a status update as {}/{}/{as_of}.md",
            crate::load::walk::CONTENT_DIR,
            k.id
        );
        for flag in flags {
            let (loc, message, hint) = match flag {
                Flag::Stale {
                    since,
                    days,
                    never_updated: true,
                } => (
                    Loc::file(&k.source),
                    format!("stale: no update since the quarter started ({} started on {since}, {days} days before {as_of})", k.meta.quarter),
                    new_update.clone(),
                ),
                Flag::Stale { since, days, .. } => (
                    Loc::file(&k.source),
                    format!("stale: no update since {since} ({days} days before {as_of})"),
                    new_update.clone(),
                ),
                Flag::MissingMidQuarter { midpoint } => (
                    Loc::file(&k.source),
                    format!("missing mid-quarter scoring: {} passed its midpoint on {midpoint} with no update since", k.meta.quarter),
                    format!("forecast the end-of-quarter result in an update dated on or after {midpoint}; {new_update}"),
                ),
                Flag::MissingFinal { quarter_end, due } => (
                    Loc::file(&k.source),
                    format!("missing final scoring: {} ended on {quarter_end} and no closed status was posted by {due}", k.meta.quarter),
                    "post the final score as an update with status achieved, partial, missed or dropped".to_string(),
                ),
                Flag::BehindPace { progress, pace } => (
                    Loc::file(&k.source),
                    format!(
                        "behind pace: the latest update says on-track, but progress is {:.0}% against a pace of {:.0}% (more than {:.0} points below)",
                        progress * 100.0,
                        pace * 100.0,
                        site.config.behind_pace_margin * 100.0
                    ),
                    "post an update with the status it really has (at-risk or off-track), or say in it how the KR will catch up; `behind_pace_margin` in okra.toml sets the margin".to_string(),
                ),
                Flag::UpdateAfterClosed { closed_on, later } => (
                    Loc::file(&k.updates[*later].source),
                    format!("update after the key result was closed on {closed_on}"),
                    "closed statuses are final; if the score changed, correct the closing update instead of adding another".to_string(),
                ),
            };
            diags.push(Diagnostic::warning(flag.code(), loc, message, hint));
        }
    }
}
