//! The pipeline, driven from one place: **load → validate → score → publish
//! → render → write**. `okra build`, the in-memory build (fuzzing, property
//! tests) and `okra serve` all go through [`check`]/[`check_loaded`],
//! [`prepare`] and, for whole builds, [`build`]; they differ only in where
//! files come from ([`Input`]) and where rendered bytes go (a [`Sink`]).
//!
//! Invariants kept here, so no caller can get them wrong:
//! - nothing is rendered while the content has errors;
//! - private OKRs (and drafts, unless asked for) are removed *before*
//!   scoring ([`publish`]), so no rollup, count or chart can include them;
//! - the library prints nothing: what a build did comes back as a [`Report`].

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::NaiveDate;

use crate::config::Config;
use crate::diag::Diagnostics;
use crate::load::history::{self, History};
use crate::load::{self, Site, walk};
use crate::render::view::ViewMemo;
use crate::render::{Files, Prepared, RenderError, RenderOptions, Sink, Theme};
use crate::score::{self, Scores};
use crate::source::SourceFile;
use crate::validate;

/// Where a site's files come from.
#[derive(Debug, Clone, Copy)]
pub enum Input<'a> {
    /// A site root on disk (`okra.toml`, `content/`, `templates/`, `static/`).
    Disk(&'a Path),
    /// `okra.toml`'s text and content files (paths relative to the site root,
    /// e.g. `content/fy24/x/objective.md`, with their text). Only the built-in
    /// theme is used and nothing is read from disk.
    Memory {
        config: &'a str,
        files: &'a [(String, String)],
    },
    /// A site root on disk read through its git history
    /// ([`load::history::History::open`]): `okra.toml` and `content/` as
    /// committed on the as-of day (or from disk when history gives no files),
    /// templates and static files from disk, the target ledger on every KR,
    /// and history's warnings first.
    History(&'a History),
}

/// A root that cannot exist (paths with NUL are refused by every OS call): an
/// in-memory site finds no templates or static files of its own on disk.
const NO_ROOT: &str = "\0okra-in-memory";

impl Input<'_> {
    /// The folder templates and static files are looked for in.
    pub fn root(&self) -> &Path {
        match self {
            Input::Disk(root) => root,
            Input::Memory { .. } => Path::new(NO_ROOT),
            Input::History(h) => &h.root,
        }
    }
}

/// What `okra check` finds: the whole site (private and drafts included, since
/// nothing is published), its scores and every diagnostic.
pub struct Checked {
    pub site: Site,
    pub scores: Scores,
    pub diagnostics: Diagnostics,
}

/// Stage 1, load: every file parsed into a [`Site`], with what was wrong.
pub fn load(input: &Input<'_>) -> (Site, Diagnostics) {
    match input {
        Input::Disk(root) => load::load(root),
        Input::History(h) => {
            let (mut site, d) = match &h.files {
                Some(s) => load(&Input::Memory {
                    config: &s.config,
                    files: &s.files,
                }),
                None => load::load(&h.root),
            };
            history::attach(&mut site, &h.ledger, &h.events);
            let mut diagnostics = h.diagnostics.clone();
            diagnostics.extend(d);
            (site, diagnostics)
        }
        Input::Memory { config, files } => {
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
            let (site, d) =
                load::load_files(config, &found, &texts, load::data::DataFiles::Memory(files));
            diagnostics.extend(d);
            (site, diagnostics)
        }
    }
}

/// Load, validate and score, as of a day.
pub fn check(input: &Input<'_>, as_of: NaiveDate) -> Checked {
    let (site, diagnostics) = load(input);
    check_loaded(site, diagnostics, as_of)
}

/// Stages 2 and 3, validate and score, of a loaded site (from disk, memory or
/// `okra serve`'s parse cache).
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
pub fn publish(site: Site, drafts: bool, as_of: NaiveDate) -> (Site, Scores) {
    let public = site.into_view(load::Visibility {
        private: false,
        drafts,
    });
    let scores = score::score(&public, as_of);
    (public, scores)
}

/// Options of a build that change what is rendered.
#[derive(Debug, Clone)]
pub struct Options {
    pub as_of: NaiveDate,
    pub base_url: Option<String>,
    pub drafts: bool,
}

/// What `okra serve` keeps between rebuilds and hands back to [`prepare`].
#[derive(Default)]
pub struct Reuse<'a> {
    /// The compiled theme of the last build, while no template, static file
    /// or `okra.toml` changed.
    pub theme: Option<Arc<Theme>>,
    /// Rendered Markdown and update rows of the last build.
    pub memo: Option<&'a ViewMemo>,
}

/// Why nothing was rendered or written.
#[derive(Debug)]
pub enum Error {
    /// Content or template errors; all are in the diagnostics.
    Content(Diagnostics),
    /// A sink failed (or was cancelled); the output is incomplete.
    Write(std::io::Error),
}

/// Stage 4's set-up: from a checked site to one ready to render (public view
/// scored, theme compiled, views computed). Fails when the content or the
/// templates have errors.
pub fn prepare(
    root: &Path,
    checked: Checked,
    opts: &Options,
    reuse: Reuse<'_>,
) -> Result<(Prepared, Diagnostics), Diagnostics> {
    let mut diagnostics = checked.diagnostics;
    if diagnostics.has_errors() {
        return Err(diagnostics);
    }
    // From here on only what may be published exists.
    let (public, scores) = publish(checked.site, opts.drafts, opts.as_of);
    let theme = match reuse.theme {
        Some(theme) => theme,
        None => match Theme::load(root, &public.config, &mut diagnostics) {
            Some(theme) => Arc::new(theme),
            None => return Err(diagnostics),
        },
    };
    let render_opts = RenderOptions {
        base_url: opts.base_url.clone(),
        drafts: opts.drafts,
    };
    let prepared = Prepared::new(theme, public, scores, &render_opts, reuse.memo);
    Ok((prepared, diagnostics))
}

/// A finished build.
#[derive(Debug)]
pub struct Report {
    pub diagnostics: Diagnostics,
    pub pages: usize,
    /// Charts drawn, and the CPU time spent drawing them (summed over threads).
    pub charts: usize,
    pub chart_time: Duration,
    /// Wall-clock time per stage, in order (`OKRA_TIMINGS=1` prints them).
    pub stages: Vec<(&'static str, Duration)>,
    /// Pages and CPU time per template.
    pub templates: Vec<(&'static str, usize, Duration)>,
    /// The site the pages were rendered from.
    pub leftovers: Leftovers,
}

/// The scored site and views a build rendered from, handed back so that a
/// process about to exit can skip freeing them ([`Leftovers::leak`]):
/// freeing a 10k-KR site object by object took 65 ms, after the last page
/// and before the output could be swapped in. Dropping it frees it as usual.
pub struct Leftovers(#[allow(dead_code)] Prepared);

impl Leftovers {
    /// Never frees the memory: for a process that exits next, where the
    /// operating system takes it back at once.
    pub fn leak(self) {
        std::mem::forget(self);
    }
}

impl std::fmt::Debug for Leftovers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Leftovers")
    }
}

/// The whole pipeline: every file of the site rendered into the sink that
/// `open` makes. The sink is opened only once the content and templates have
/// checked clean, so a failed build never touches the output; it is handed
/// back for the caller to finish (`write::SiteWriter::finish` swaps the new
/// folder in). `progress` hears the name of each stage as it starts.
pub fn build<S: Sink>(
    input: &Input<'_>,
    opts: &Options,
    open: impl FnOnce() -> std::io::Result<S>,
    progress: &mut dyn FnMut(&str),
) -> Result<(Report, S), Error> {
    progress("checking content");
    let t = Instant::now();
    let checked = check(input, opts.as_of);
    let checked_in = t.elapsed();
    if checked.diagnostics.has_errors() {
        return Err(Error::Content(checked.diagnostics));
    }
    progress("rendering pages");
    let (prepared, mut diagnostics) =
        prepare(input.root(), checked, opts, Reuse::default()).map_err(Error::Content)?;
    let sink = open().map_err(Error::Write)?;
    let t = Instant::now();
    let pages = match prepared.render_all(&mut diagnostics, &sink) {
        Ok(pages) => pages,
        Err(RenderError::Templates) => return Err(Error::Content(diagnostics)),
        Err(RenderError::Write(e)) => return Err(Error::Write(e)),
    };
    let stats = prepared.stats();
    stats.stage("render", t);
    let mut stages = vec![("load, validate, score", checked_in)];
    stages.extend(stats.stages());
    let (charts, chart_time) = stats.charts();
    let report = Report {
        diagnostics,
        pages,
        charts,
        chart_time,
        stages,
        templates: stats.templates(),
        leftovers: Leftovers(prepared),
    };
    Ok((report, sink))
}

/// What an in-memory build produced.
#[derive(Debug)]
pub struct MemoryBuild {
    pub diagnostics: Diagnostics,
    /// Every output file by path, or None when there were errors.
    pub files: Option<Files>,
}

/// Loads, validates and scores a site held in memory (see [`Input::Memory`]).
pub fn check_in_memory(config: &str, files: &[(String, String)], as_of: NaiveDate) -> Checked {
    check(&Input::Memory { config, files }, as_of)
}

/// Builds a site held in memory (see [`Input::Memory`]) exactly as `okra
/// build` would, into a map of files. Fuzzing and property tests run thousands
/// of sites a second through it.
pub fn build_in_memory(
    config: &str,
    files: &[(String, String)],
    as_of: NaiveDate,
    drafts: bool,
) -> MemoryBuild {
    let opts = Options {
        as_of,
        base_url: None,
        drafts,
    };
    let open = || Ok(Mutex::new(Files::new()));
    match build(&Input::Memory { config, files }, &opts, open, &mut |_| {}) {
        Ok((report, sink)) => MemoryBuild {
            diagnostics: report.diagnostics,
            files: sink.into_inner().ok(),
        },
        Err(Error::Content(diagnostics)) => MemoryBuild {
            diagnostics,
            files: None,
        },
        Err(Error::Write(_)) => MemoryBuild {
            diagnostics: Diagnostics::new(),
            files: None,
        },
    }
}

/// `okra check --changed-since`: keeps the errors (they stop the build
/// wherever they are) and the warnings of the `changed` files (paths relative
/// to the site root). A KR counts as changed when one of its updates did (its
/// health warnings are about its updates). History's own warnings are about
/// the run and kept.
pub fn only_changed(diagnostics: &mut Diagnostics, changed: &std::collections::BTreeSet<PathBuf>) {
    let touched = |file: &Path| {
        changed.contains(file)
            || file
                .to_str()
                .and_then(|f| f.strip_suffix(".md"))
                .is_some_and(|kr| changed.iter().any(|c| c.starts_with(kr)))
    };
    diagnostics.retain(|d| {
        d.severity == crate::diag::Severity::Error
            || touched(&d.loc.file)
            || matches!(
                d.code,
                "history-unavailable" | "shallow-clone" | "as-of-before-history"
            )
    });
}

/// What `okra diff` found: the Markdown, and the diagnostics of both sides
/// (content errors make scores partial; the Markdown says so).
#[derive(Debug)]
pub struct Diff {
    pub markdown: String,
    pub before: Diagnostics,
    pub after: Diagnostics,
}

/// What a change does to the scores: both sides checked and published
/// (private OKRs and drafts removed, so they never reach the comment), scored
/// as of the same day, compared by ID. `names` say what the sides are.
pub fn diff(before: &Input<'_>, after: &Input<'_>, as_of: NaiveDate, names: (&str, &str)) -> Diff {
    let b = check(before, as_of);
    let a = check(after, as_of);
    let (b_site, b_scores) = publish(b.site, false, as_of);
    let (a_site, a_scores) = publish(a.site, false, as_of);
    let comparison = score::compare::compare((&b_site, &b_scores), (&a_site, &a_scores));
    let mut markdown = crate::render::diff::markdown(&comparison, names.0, names.1, as_of);
    for (name, d) in [(names.0, &b.diagnostics), (names.1, &a.diagnostics)] {
        if d.has_errors() {
            markdown.push_str(&format!(
                "\n**{name} has {} content error{}**: its scores are partial; `okra check` lists them.\n",
                d.error_count(),
                if d.error_count() == 1 { "" } else { "s" }
            ));
        }
    }
    Diff {
        markdown,
        before: b.diagnostics,
        after: a.diagnostics,
    }
}
