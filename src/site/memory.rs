//! The whole pipeline (load → validate → score → render) on a site held in
//! memory. Fuzzing and property tests run thousands of sites a second; going
//! through the disk for each would make them a hundred times slower.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::NaiveDate;

use crate::config::Config;
use crate::content::source::SourceFile;
use crate::content::{self, walk};
use crate::diag::Diagnostics;
use crate::render::{self, Files, RenderOptions};

use super::Checked;

/// A root that cannot exist (paths with NUL are refused by every OS call), so
/// only the built-in theme is used and nothing is read from disk.
const NO_ROOT: &str = "\0okra-in-memory";

/// What an in-memory build produced.
#[derive(Debug)]
pub struct MemoryBuild {
    pub diagnostics: Diagnostics,
    /// Every output file by path, or None when there were errors.
    pub files: Option<Files>,
}

/// Loads, validates and scores a site held in memory, like [`super::check`].
pub fn check_in_memory(config: &str, files: &[(String, String)], as_of: NaiveDate) -> Checked {
    let mut diagnostics = Diagnostics::new();
    let config = Config::parse(
        &SourceFile::new(crate::config::CONFIG_FILE, config.to_string()),
        &mut diagnostics,
    );
    let by_path: std::collections::BTreeMap<PathBuf, &String> =
        files.iter().map(|(p, t)| (PathBuf::from(p), t)).collect();
    let paths: Vec<PathBuf> = by_path.keys().cloned().collect();
    let found = walk::classify_paths(&paths, &mut diagnostics);
    let texts: Vec<String> = found
        .iter()
        .map(|f| {
            by_path
                .get(&f.rel)
                .map(|t| t.to_string())
                .unwrap_or_default()
        })
        .collect();
    let (site, d) = content::load_files(config, &found, &texts);
    diagnostics.extend(d);
    super::check_loaded(site, diagnostics, as_of)
}

/// Builds the site made of `okra.toml` text `config` and `files` (paths
/// relative to the site root, e.g. `content/fy24/x/objective.md`, with their
/// text) as of `as_of`, exactly as `okra build` would.
pub fn build_in_memory(
    config: &str,
    files: &[(String, String)],
    as_of: NaiveDate,
    drafts: bool,
) -> MemoryBuild {
    let Checked {
        site,
        diagnostics: mut diags,
        ..
    } = check_in_memory(config, files, as_of);
    if diags.has_errors() {
        return MemoryBuild {
            diagnostics: diags,
            files: None,
        };
    }
    let (public, scores) = super::publishable(&site, drafts, as_of);
    let sink = Mutex::new(Files::new());
    let opts = RenderOptions {
        base_url: None,
        drafts,
    };
    let rendered =
        render::render_site(Path::new(NO_ROOT), public, scores, &opts, &mut diags, &sink);
    let files = match rendered {
        Ok(_) => sink.into_inner().ok(),
        Err(_) => None,
    };
    MemoryBuild {
        diagnostics: diags,
        files,
    }
}
