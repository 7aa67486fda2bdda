//! `okra serve`: preview with rebuild and live reload (see `crate::serve`).

use super::{SiteArgs, stderr_color, usage_error};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::serve::{Log, Say, ServeError, ServeOptions, serve};

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    /// Port to listen on; if it is taken, the next free port is used (and said)
    #[arg(long, default_value_t = 1111)]
    pub port: u16,
    /// Address to listen on: 127.0.0.1 keeps the preview on this machine;
    /// 0.0.0.0 (or one of this machine's addresses) shares it on the network
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    pub interface: std::net::IpAddr,
    /// Open the site in the default browser
    #[arg(long)]
    pub open: bool,
    /// Include objectives and KRs marked `draft = true`
    #[arg(long)]
    pub drafts: bool,
}

pub fn run(args: &ServeArgs) -> i32 {
    let as_of = match args.site.resolve() {
        Ok(d) => d,
        Err(e) => return usage_error(&e),
    };
    let opts = ServeOptions {
        root: args.site.root.clone(),
        interface: args.interface,
        port: args.port,
        open: args.open,
        as_of,
        follow_today: args.site.follows_today(),
        drafts: args.drafts,
        color: stderr_color(),
        log: terminal_log(),
    };
    match serve(&opts) {
        Ok(()) => 0,
        Err(ServeError::Usage(msg)) => usage_error(&msg),
        Err(ServeError::Failed(msg)) => {
            eprintln!("error: {msg}");
            super::EXIT_CONTENT
        }
    }
}

/// Lines to standard error; "busy" as a spinner while it lasts.
fn terminal_log() -> Log {
    let spinner: Mutex<Option<indicatif::ProgressBar>> = Mutex::new(None);
    Arc::new(move |say| {
        let Ok(mut spinner) = spinner.lock() else {
            return;
        };
        match say {
            Say::Line(text) => eprintln!("{text}"),
            Say::Busy(what) => {
                let bar = indicatif::ProgressBar::new_spinner();
                bar.enable_steady_tick(Duration::from_millis(120));
                bar.set_message(what.to_string());
                *spinner = Some(bar);
            }
            Say::Idle => {
                if let Some(bar) = spinner.take() {
                    bar.finish_and_clear();
                }
            }
        }
    })
}
