//! `okra import csv|asana`: read OKRs kept elsewhere, write the files that do not exist yet.

use std::path::{Path, PathBuf};

use super::{EXIT_CONTENT, stderr_color, usage_error};
use crate::import::Import;

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    #[command(subcommand)]
    pub from: From,
}

#[derive(Debug, clap::Subcommand)]
pub enum From {
    /// A spreadsheet saved as CSV: level,title,owner,team,period,parent,metric,start,target,unit (+ weight, series, description)
    Csv {
        /// The CSV file
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Folder of the site (created with okra.toml when missing)
        #[arg(long, default_value = ".", value_name = "SITE")]
        root: PathBuf,
    },
    /// Asana Goals saved from the API as JSON: goals.json, relationships.json, optional status_updates.json
    Asana {
        /// The folder holding the saved responses
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        /// Folder of the site (created with okra.toml when missing)
        #[arg(long, default_value = ".", value_name = "SITE")]
        root: PathBuf,
    },
}

pub fn run(args: &ImportArgs) -> i32 {
    let (import, root) = match &args.from {
        From::Csv { file, root } => match std::fs::read(file) {
            Ok(bytes) => (
                crate::import::csv::import(&file.display().to_string(), &bytes),
                root,
            ),
            Err(e) => return usage_error(&format!("cannot read {}: {e}", file.display())),
        },
        From::Asana { dir, root } => match crate::import::asana::read_dir(dir) {
            Ok(import) => (import, root),
            Err(e) => return usage_error(&e),
        },
    };
    finish(&import, root)
}

fn finish(import: &Import, root: &Path) -> i32 {
    if import.diagnostics.has_errors() {
        eprint!("{}", import.diagnostics.render_human(stderr_color()));
        eprintln!(
            "import failed: {} error{}; nothing was written",
            import.diagnostics.error_count(),
            if import.diagnostics.error_count() == 1 {
                ""
            } else {
                "s"
            }
        );
        return EXIT_CONTENT;
    }
    eprint!("{}", import.diagnostics.render_human(stderr_color()));
    let written = match crate::import::write_new(root, &import.files) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: cannot write into {}: {e}", root.display());
            return EXIT_CONTENT;
        }
    };
    for s in &written.skipped {
        eprintln!("skipped {s} (already exists)");
    }
    for u in &import.unmapped {
        eprintln!("not imported: {u}");
    }
    let count =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    eprintln!(
        "imported into {}: {} created, {} skipped (already there), {} not imported. Next:\n  okra check --root {}",
        root.display(),
        count(written.created.len(), "file", "files"),
        count(written.skipped.len(), "file", "files"),
        count(import.unmapped.len(), "item", "items"),
        root.display()
    );
    0
}
