//! `okra build`: check → public view → score → render → atomic write.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::diag::Diagnostics;
use crate::render::{self, RenderOptions};
use crate::site::write::{self, WriteStats};

#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub root: PathBuf,
    pub output: PathBuf,
    pub as_of: NaiveDate,
    pub base_url: Option<String>,
    pub drafts: bool,
}

/// A finished build.
#[derive(Debug)]
pub struct Built {
    pub diagnostics: Diagnostics,
    pub pages: usize,
    /// Charts drawn, and the CPU time spent drawing them (summed over threads).
    pub charts: usize,
    pub chart_time: std::time::Duration,
    pub written: WriteStats,
}

/// Why a build wrote nothing.
#[derive(Debug)]
pub enum BuildError {
    /// The output folder is unsafe to replace (a usage error).
    Output(String),
    /// Content or template errors; all are in the diagnostics.
    Content(Diagnostics),
    /// Writing failed; the previous output is untouched.
    Write(std::io::Error),
}

/// Builds the site. Nothing is written unless everything rendered.
pub fn build(opts: &BuildOptions, mut progress: impl FnMut(&str)) -> Result<Built, BuildError> {
    write::check_output(&opts.root, &opts.output).map_err(BuildError::Output)?;
    progress("checking content");
    let t = std::time::Instant::now();
    let checked = crate::site::check(&opts.root, opts.as_of);
    timing("load, validate, score", t);
    let mut diagnostics = checked.diagnostics;
    if diagnostics.has_errors() {
        return Err(BuildError::Content(diagnostics));
    }
    // From here on only what may be published exists.
    let (public, scores) = crate::site::publishable(&checked.site, opts.drafts, opts.as_of);
    progress("rendering pages");
    crate::render::charts::take_stats();
    let render_opts = RenderOptions {
        base_url: opts.base_url.clone(),
        drafts: opts.drafts,
    };
    // Files are written into a fresh folder as they are rendered; the writer
    // removes it again unless the whole build succeeds.
    let writer = write::SiteWriter::create(&opts.output).map_err(BuildError::Write)?;
    let t = std::time::Instant::now();
    let pages = match render::render_site(
        &opts.root,
        public,
        scores,
        &render_opts,
        &mut diagnostics,
        &writer,
    ) {
        Ok(pages) => pages,
        Err(render::RenderError::Templates) => return Err(BuildError::Content(diagnostics)),
        Err(render::RenderError::Write(e)) => return Err(BuildError::Write(e)),
    };
    timing("render and write", t);
    progress("writing files");
    let (charts, chart_time) = crate::render::charts::take_stats();
    let t = std::time::Instant::now();
    let written = writer.finish().map_err(BuildError::Write)?;
    timing("swap output", t);
    Ok(Built {
        diagnostics,
        pages,
        charts,
        chart_time,
        written,
    })
}

/// The default output folder: `public/` inside the site root.
pub fn default_output(root: &Path) -> PathBuf {
    root.join("public")
}

/// With `OKRA_TIMINGS=1`, prints how long a stage took (for BENCHMARKS.md).
pub fn timing(stage: &str, since: std::time::Instant) {
    if std::env::var_os("OKRA_TIMINGS").is_some() {
        eprintln!(
            "timing: {stage}: {:.0} ms",
            since.elapsed().as_secs_f64() * 1000.0
        );
    }
}
