//! `okra build`: render the site into --output, atomically.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::{EXIT_CONTENT, HistoryArgs, SiteArgs, stderr_color, usage_error};
use crate::pipeline::{self, Input};
use crate::write::{self, SiteWriter, default_output};

#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    #[command(flatten)]
    pub history: HistoryArgs,
    /// Output folder, replaced only when the build is complete [default: <root>/public]
    #[arg(long, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Absolute URL the site is published at; only used where absolute URLs are required (the feed)
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Include objectives and KRs marked `draft = true`
    #[arg(long)]
    pub drafts: bool,
}

pub fn run(args: &BuildArgs) -> i32 {
    let started = Instant::now();
    let as_of = match args.site.resolve() {
        Ok(d) => d,
        Err(e) => return usage_error(&e),
    };
    if let Some(u) = &args.base_url
        && !(u.starts_with("http://") || u.starts_with("https://"))
    {
        return usage_error(&format!(
            "--base-url `{u}` must be an absolute http(s) URL, e.g. https://okrs.example.com/"
        ));
    }
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| default_output(&args.site.root));
    if let Err(msg) = write::check_output(&args.site.root, &output) {
        return usage_error(&msg);
    }
    let opts = pipeline::Options {
        as_of,
        base_url: args.base_url.clone(),
        drafts: args.drafts,
    };
    let history = args.history.open(&args.site);
    let spinner = indicatif::ProgressBar::new_spinner();
    spinner.enable_steady_tick(Duration::from_millis(120));
    // Files are written into a fresh folder as they are rendered; the writer
    // removes it again unless the whole build succeeds.
    let result = pipeline::build(
        &Input::History(&history),
        &opts,
        || SiteWriter::create(&output),
        &mut |stage| spinner.set_message(stage.to_string()),
    )
    .and_then(|(report, writer)| {
        spinner.set_message("writing files");
        let t = Instant::now();
        let written = writer.finish().map_err(pipeline::Error::Write)?;
        Ok((report, written, t.elapsed()))
    });
    spinner.finish_and_clear();
    let color = stderr_color();
    match result {
        Ok((built, written, swap)) => {
            eprint!("{}", built.diagnostics.render_human(color));
            if std::env::var_os("OKRA_TIMINGS").is_some() {
                print_timings(&built, swap);
            }
            let warnings = built.diagnostics.warning_count();
            eprintln!(
                "built {} pages, {} charts ({:.0} ms CPU drawing), {} warning{} as of {as_of}{} in {:.2} s → {} ({} files, {:.1} MB)",
                built.pages,
                built.charts,
                built.chart_time.as_secs_f64() * 1000.0,
                warnings,
                if warnings == 1 { "" } else { "s" },
                history
                    .commit
                    .as_ref()
                    .map(|c| format!(" (commit {})", c.short()))
                    .unwrap_or_default(),
                started.elapsed().as_secs_f64(),
                output.display(),
                written.files,
                written.bytes as f64 / 1_000_000.0,
            );
            // okra exits next: freeing the site would only delay that.
            built.leftovers.leak();
            0
        }
        Err(pipeline::Error::Content(d)) => {
            eprint!("{}", d.render_human(color));
            eprintln!(
                "build failed: {} error{}, {} warning{}; nothing was written",
                d.error_count(),
                if d.error_count() == 1 { "" } else { "s" },
                d.warning_count(),
                if d.warning_count() == 1 { "" } else { "s" },
            );
            EXIT_CONTENT
        }
        Err(pipeline::Error::Write(e)) => {
            eprintln!(
                "error: writing the site failed: {e}\n  = hint: the previous output is unchanged; check free space and permissions of {}",
                output.display()
            );
            EXIT_CONTENT
        }
    }
}

/// With `OKRA_TIMINGS=1`: how long each stage took and the CPU time per
/// template (for BENCHMARKS.md).
fn print_timings(report: &pipeline::Report, swap: Duration) {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    for (stage, d) in &report.stages {
        eprintln!("timing: {stage}: {:.0} ms", ms(*d));
    }
    eprintln!("timing: swap output: {:.0} ms", ms(swap));
    for (template, n, d) in &report.templates {
        eprintln!("timing: {n} × {template}: {:.0} ms CPU", ms(*d));
    }
}
