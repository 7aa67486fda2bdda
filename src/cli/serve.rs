//! `okra serve`: preview with rebuild and live reload (see `crate::site::serve`).

use std::path::PathBuf;

use super::{SiteArgs, usage_error};

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    /// Port on 127.0.0.1; if it is taken, the next free port is used (and said)
    #[arg(long, default_value_t = 1111)]
    pub port: u16,
    /// Open the site in the default browser
    #[arg(long)]
    pub open: bool,
    /// Include objectives and KRs marked `draft = true`
    #[arg(long)]
    pub drafts: bool,
    /// Build into this folder instead of a temporary one (never the site's public/)
    #[arg(long, value_name = "DIR", hide = true)]
    pub output: Option<PathBuf>,
}

pub fn run(args: &ServeArgs) -> i32 {
    if let Err(e) = args.site.check_root() {
        return usage_error(&e);
    }
    let _ = args;
    usage_error("okra serve is being built")
}
