//! The command line: clap definitions, each command a thin call into the library.

mod build;
mod check;
mod diff;
mod import;
mod init;
mod new;
mod serve;

use std::io::IsTerminal;
use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};

/// Exit code for content errors (nothing written).
pub const EXIT_CONTENT: i32 = 1;
/// Exit code for usage errors (bad flags, not a site).
pub const EXIT_USAGE: i32 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "okra",
    version,
    about = "Public OKR reporting: Markdown + TOML in git, a company OKR site out",
    after_help = "Examples:\n  okra init okrs && cd okrs      a new site with example OKRs\n  okra serve --open              preview with live reload\n  okra new update content/fy26/reliability/latency-q4   today's status update\n  okra check --strict --format json   for CI: fail on warnings, machine-readable\n  okra build                     the site, into public/"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build the OKR site: dashboard, objective/KR/team/people pages, quarters, history, review, feed, exports
    #[command(
        after_help = "Examples:\n  okra build\n  okra build --output /srv/okrs --base-url https://okrs.example.com/\n  SOURCE_DATE_EPOCH=$(git log -1 --format=%ct) okra build   reproducible CI build\n  okra build --as-of 2024-03-31   the site as it stood at the end of Q1\n\nA failed build writes nothing and leaves the previous output untouched."
    )]
    Build(build::BuildArgs),
    /// Validate and score the content; report every error and warning with file:line:column
    #[command(
        after_help = "Examples:\n  okra check\n  okra check --root ../okrs --as-of 2024-03-31\n  okra check --strict --format json > diagnostics.json\n\nExit codes: 0 ok, 1 content errors (or warnings with --strict), 2 usage errors."
    )]
    Check(check::CheckArgs),
    /// What a change does to the scores: objectives and KRs whose progress or status moves, as Markdown for a pull request comment
    #[command(
        after_help = "Examples:\n  okra diff origin/main              the working tree against the base branch\n  okra diff v1.0 v1.1 --as-of 2024-03-31\n\nPrivate and draft OKRs are never shown. Exit codes: 0 printed, 1 the new side has content errors, 2 usage errors (e.g. an unknown revision)."
    )]
    Diff(diff::DiffArgs),
    /// Create a new site with example content: okra.toml, a team, a company objective with an aligned team objective, KRs and updates
    #[command(
        after_help = "Examples:\n  okra init okrs          a new site in ./okrs\n  okra init               a new site in this (empty) folder\n  okra init --force .     add the example files to a non-empty folder (existing files are kept)"
    )]
    Init(init::InitArgs),
    /// Import OKRs from a spreadsheet (CSV) or from Asana Goals (saved API responses); never overwrites a file
    #[command(
        after_help = "Examples:\n  okra import csv okrs.csv --root okrs\n  okra import asana asana-export/ --root okrs\n\nThe site is created (with okra.toml) when missing. Existing files are kept and listed as skipped;\nwhat could not be mapped is listed. Exit codes: 0 imported, 1 errors in the input (nothing written), 2 usage errors."
    )]
    Import(import::ImportArgs),
    /// Create an objective, key result or status update file with the right front matter, ready to edit
    #[command(
        after_help = "Examples:\n  okra new objective content/fy26/growth\n  okra new kr content/fy26/growth/signups-q1.md\n  okra new update content/fy26/growth/signups-q1      today's update, pre-filled with the latest value and status"
    )]
    New(new::NewArgs),
    /// Preview the site on 127.0.0.1 with rebuild and live reload on every change
    #[command(
        after_help = "Examples:\n  okra serve\n  okra serve --root okrs --port 8080 --open\n  okra serve --interface 0.0.0.0   share the preview on the network\n\nServes from memory and writes nothing (never public/). Rebuilds read only the files that changed\nand pages are rendered as they are asked for; every page is also checked in the background. A broken\nedit shows its errors in the terminal and in the browser while the last good build keeps being served.\nCtrl-C stops it."
    )]
    Serve(serve::ServeArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    #[command(
        after_help = "Examples:\n  okra completions bash > ~/.local/share/bash-completion/completions/okra\n  okra completions zsh > ~/.zfunc/_okra\n  okra completions fish > ~/.config/fish/completions/okra.fish"
    )]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// Output format of diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
}

/// Options shared by commands that read a site.
#[derive(Debug, Clone, clap::Args)]
pub struct SiteArgs {
    /// Folder of the site (where okra.toml is)
    #[arg(long, default_value = ".", value_name = "DIR")]
    pub root: PathBuf,
    /// Score the site as it stood on this day (YYYY-MM-DD); default today, or SOURCE_DATE_EPOCH when set
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub as_of: Option<NaiveDate>,
}

/// `--history`, for commands that can read the site as committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HistoryArg {
    /// git when the site is in a git repository and --as-of is given, else the files on disk
    Auto,
    /// the files as committed on the --as-of day (a warning, then the files on disk, when git cannot be read)
    Git,
    /// the files on disk, only the updates time-travelled; no target ledger
    None,
}

#[derive(Debug, Clone, clap::Args)]
pub struct HistoryArgs {
    /// Where --as-of reads the site from: git (every file as committed on that day) or none (the files on disk)
    #[arg(long, value_enum, default_value = "auto", value_name = "FROM")]
    pub history: HistoryArg,
}

impl HistoryArgs {
    /// The site's history for `site`: read here so that every command that
    /// builds or checks sees the same files.
    pub fn open(&self, site: &SiteArgs) -> crate::load::history::History {
        use crate::load::history::{History, Mode};
        let mode = match self.history {
            HistoryArg::Auto => Mode::Auto,
            HistoryArg::Git => Mode::Git,
            HistoryArg::None => Mode::None,
        };
        History::open(&site.root, site.as_of, mode)
    }
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("`{s}` is not a date; write it as YYYY-MM-DD, e.g. 2024-03-31"))
}

impl SiteArgs {
    /// `--as-of`, else the day of `SOURCE_DATE_EPOCH` (UTC), else today.
    pub fn as_of(&self) -> Result<NaiveDate, String> {
        self.as_of.map_or_else(today, Ok)
    }

    /// Whether the as-of day is "today" (no `--as-of`, no `SOURCE_DATE_EPOCH`),
    /// so that a long-running `okra serve` moves on at midnight.
    pub fn follows_today(&self) -> bool {
        self.as_of.is_none() && source_date_epoch().is_none()
    }

    /// The as-of day, once the root is known to be a folder; either problem is a usage error.
    pub fn resolve(&self) -> Result<NaiveDate, String> {
        let as_of = self.as_of()?;
        if self.root.is_dir() {
            Ok(as_of)
        } else {
            Err(format!("--root {}: no such folder", self.root.display()))
        }
    }
}

/// The day of `SOURCE_DATE_EPOCH` (UTC) when set, for reproducible CI; else today.
pub fn today() -> Result<NaiveDate, String> {
    source_date_epoch().unwrap_or_else(|| Ok(chrono::Local::now().date_naive()))
}

/// The day of `SOURCE_DATE_EPOCH` (UTC), or None when it is not set.
fn source_date_epoch() -> Option<Result<NaiveDate, String>> {
    let v = std::env::var("SOURCE_DATE_EPOCH").ok()?;
    if v.trim().is_empty() {
        return None;
    }
    Some(
        v.trim()
            .parse::<i64>()
            .ok()
            .and_then(|secs| chrono::DateTime::from_timestamp(secs, 0))
            .map(|t| t.date_naive())
            .ok_or_else(|| {
                format!("SOURCE_DATE_EPOCH=`{v}` is not a number of seconds since 1970-01-01")
            }),
    )
}

/// Colour on stderr only for a terminal, and never when NO_COLOR is set.
pub fn stderr_color() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal()
}

pub fn usage_error(msg: &str) -> i32 {
    eprintln!("error: {msg}");
    EXIT_USAGE
}

/// Runs okra with the process arguments; returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { EXIT_USAGE } else { 0 };
        }
    };
    match cli.command {
        Command::Build(args) => build::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Diff(args) => diff::run(&args),
        Command::Import(args) => import::run(&args),
        Command::Init(args) => init::run(&args),
        Command::New(args) => new::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(shell, &mut Cli::command(), "okra", &mut std::io::stdout());
            0
        }
    }
}
