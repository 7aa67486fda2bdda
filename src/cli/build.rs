//! `okra build`: render the site into --output, atomically.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::{EXIT_CONTENT, SiteArgs, stderr_color, usage_error};
use crate::site::build::{BuildError, BuildOptions, build, default_output};

#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub site: SiteArgs,
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
    let opts = BuildOptions {
        root: args.site.root.clone(),
        output: output.clone(),
        as_of,
        base_url: args.base_url.clone(),
        drafts: args.drafts,
    };
    let spinner = indicatif::ProgressBar::new_spinner();
    spinner.enable_steady_tick(Duration::from_millis(120));
    let result = build(&opts, |stage| spinner.set_message(stage.to_string()));
    spinner.finish_and_clear();
    let color = stderr_color();
    match result {
        Ok(built) => {
            eprint!("{}", built.diagnostics.render_human(color));
            let warnings = built.diagnostics.warning_count();
            eprintln!(
                "built {} pages, {} charts ({:.0} ms CPU drawing), {} warning{} as of {as_of} in {:.2} s → {} ({} files, {:.1} MB)",
                built.pages,
                built.charts,
                built.chart_time.as_secs_f64() * 1000.0,
                warnings,
                if warnings == 1 { "" } else { "s" },
                started.elapsed().as_secs_f64(),
                output.display(),
                built.written.files,
                built.written.bytes as f64 / 1_000_000.0,
            );
            0
        }
        Err(BuildError::Output(msg)) => usage_error(&msg),
        Err(BuildError::Content(d)) => {
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
        Err(BuildError::Write(e)) => {
            eprintln!(
                "error: writing the site failed: {e}\n  = hint: the previous output is unchanged; check free space and permissions of {}",
                output.display()
            );
            EXIT_CONTENT
        }
    }
}
