//! The pipeline: load → validate → score (→ render → write, for builds).

pub mod build;
pub mod memory;
pub mod serve;
pub mod write;

use std::path::Path;

use chrono::NaiveDate;

use crate::content::{self, Site};
use crate::diag::Diagnostics;
use crate::score::{self, Scores};
use crate::validate;

/// What `okra check` finds: the whole site (private and drafts included, since
/// nothing is published), its scores and every diagnostic.
pub struct Checked {
    pub site: Site,
    pub scores: Scores,
    pub diagnostics: Diagnostics,
}

/// Loads, validates and scores the site at `root` as of a day.
pub fn check(root: &Path, as_of: NaiveDate) -> Checked {
    let (site, diagnostics) = content::load(root);
    check_loaded(site, diagnostics, as_of)
}

/// Validates and scores a loaded site (from disk or from memory).
pub fn check_loaded(site: Site, mut diagnostics: Diagnostics, as_of: NaiveDate) -> Checked {
    validate::validate(&site, &mut diagnostics);
    let scores = score::score(&site, as_of);
    validate::health(&site, &scores, &mut diagnostics);
    Checked {
        site,
        scores,
        diagnostics,
    }
}

/// What may be published of a checked site, scored as of `as_of`: private OKRs
/// (and drafts, unless `drafts`) are removed *before* scoring, so no rollup,
/// count or chart can include them. Every renderer starts from this.
pub fn publishable(site: &Site, drafts: bool, as_of: NaiveDate) -> (Site, Scores) {
    let public = site.view(content::Visibility {
        private: false,
        drafts,
    });
    let scores = score::score(&public, as_of);
    (public, scores)
}
