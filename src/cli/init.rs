//! `okra init [DIR]`: a new site with example content that checks and builds clean.

use std::path::PathBuf;

use super::{today, usage_error};

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Folder for the new site (created if missing) [default: .]
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Add the example files to a non-empty folder (existing files are never overwritten)
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: &InitArgs) -> i32 {
    let dir = args.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let today = match today() {
        Ok(d) => d,
        Err(e) => return usage_error(&e),
    };
    if dir.exists() && !dir.is_dir() {
        return usage_error(&format!("{} exists and is not a folder", dir.display()));
    }
    let non_empty = std::fs::read_dir(&dir)
        .map(|mut d| d.next().is_some())
        .unwrap_or(false);
    if non_empty && !args.force {
        return usage_error(&format!(
            "{} is not empty; choose an empty or new folder (`okra init okrs`), or add the example files with --force (existing files are kept)",
            dir.display()
        ));
    }
    let mut written = 0;
    for (rel, text) in crate::scaffold::example_site("Acme", today) {
        let path = dir.join(&rel);
        if path.exists() {
            eprintln!("kept {} (already exists)", path.display());
            continue;
        }
        let created = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|_| {
                std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&path)
            })
            .and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()));
        if let Err(e) = created {
            eprintln!("error: cannot write {}: {e}", path.display());
            return super::EXIT_CONTENT;
        }
        written += 1;
    }
    let shown = dir.display();
    eprintln!(
        "created an OKR site in {shown} ({written} files). Next:\n  cd {shown}\n  okra serve        preview at http://127.0.0.1:1111/\n  okra new kr {}/reliability/<name>.md\n  git init && git add . && git commit -m \"Our OKRs\"",
        format_args!(
            "content/fy{:02}",
            crate::period::FiscalCalendar::default().year_of(today).0 % 100
        )
    );
    0
}
