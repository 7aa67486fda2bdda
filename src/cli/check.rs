//! `okra check`: validate and score, print diagnostics, exit 0/1/2.

use super::{EXIT_CONTENT, Format, HistoryArgs, SiteArgs, stderr_color, usage_error};

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    #[command(flatten)]
    pub history: HistoryArgs,
    /// Only report the diagnostics of files changed since this git revision (merge base with HEAD, uncommitted files included); errors anywhere are still reported
    #[arg(long, value_name = "REV")]
    pub changed_since: Option<String>,
    /// Fail on warnings too (for CI)
    #[arg(long)]
    pub strict: bool,
    /// How to print diagnostics: human (stderr) or json (stdout)
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
}

pub fn run(args: &CheckArgs) -> i32 {
    let as_of = match args.site.resolve() {
        Ok(d) => d,
        Err(e) => return usage_error(&e),
    };
    let history = args.history.open(&args.site);
    let mut checked = crate::pipeline::check(&crate::pipeline::Input::History(&history), as_of);
    if let Some(rev) = &args.changed_since {
        match crate::load::history::changed_since(&args.site.root, rev) {
            Ok(files) => crate::pipeline::only_changed(&mut checked.diagnostics, &files),
            Err(e) => return usage_error(&format!("--changed-since {rev}: {e}")),
        }
    }
    let d = &checked.diagnostics;
    let failed = d.has_errors() || (args.strict && d.warning_count() > 0);
    match args.format {
        Format::Json => print!("{}", d.render_json()),
        Format::Human => {
            eprint!("{}", d.render_human(stderr_color()));
            let s = &checked.site;
            eprintln!(
                "{}: {} objectives, {} key results, {} updates as of {as_of}{}: {} error{}, {} warning{}{}",
                if failed {
                    "check failed"
                } else {
                    "check passed"
                },
                s.objectives.len(),
                s.key_results.len(),
                s.update_count(),
                history
                    .commit
                    .as_ref()
                    .map(|c| format!(" (commit {})", c.short()))
                    .unwrap_or_default(),
                d.error_count(),
                plural(d.error_count()),
                d.warning_count(),
                plural(d.warning_count()),
                if args.strict && !d.has_errors() && d.warning_count() > 0 {
                    " (--strict fails on warnings)"
                } else {
                    ""
                },
            );
        }
    }
    if failed { EXIT_CONTENT } else { 0 }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
