//! `okra diff REV [REV2]`: what a change does to the scores, as Markdown.

use super::{EXIT_CONTENT, SiteArgs, stderr_color, usage_error};
use crate::load::history::History;
use crate::pipeline::{self, Input};

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The revision before the change (a branch, tag or commit, e.g. origin/main)
    #[arg(value_name = "REV")]
    pub before: String,
    /// The revision after the change [default: the files on disk]
    #[arg(value_name = "REV2")]
    pub after: Option<String>,
    #[command(flatten)]
    pub site: SiteArgs,
}

pub fn run(args: &DiffArgs) -> i32 {
    let as_of = match args.site.resolve() {
        Ok(d) => d,
        Err(e) => return usage_error(&e),
    };
    let root = &args.site.root;
    let before = match History::at_rev(root, &args.before) {
        Ok(h) => h,
        Err(e) => return usage_error(&e),
    };
    let after = match &args.after {
        Some(rev) => match History::at_rev(root, rev) {
            Ok(h) => h,
            Err(e) => return usage_error(&e),
        },
        None => History::disk(root),
    };
    let name = |rev: &str, h: &History| match &h.commit {
        Some(c) => format!("{rev} ({})", c.short()),
        None => "the files on disk".to_string(),
    };
    let names = (
        name(&args.before, &before),
        name(args.after.as_deref().unwrap_or(""), &after),
    );
    let diff = pipeline::diff(
        &Input::History(&before),
        &Input::History(&after),
        as_of,
        (&names.0, &names.1),
    );
    print!("{}", diff.markdown);
    if diff.after.has_errors() {
        eprint!("{}", diff.after.render_human(stderr_color()));
        return EXIT_CONTENT;
    }
    0
}
