//! `okra new objective|kr|update PATH`: a file with the right front matter,
//! ready to edit. Never overwrites; refuses paths that would be invalid.

use std::path::{Component, Path, PathBuf};

use chrono::NaiveDate;

use super::{today, usage_error};
use crate::config::CONFIG_FILE;
use crate::load::walk::{
    CONTENT_DIR, OBJECTIVE_FILE, REVIEWS_DIR, is_valid_segment, suggest_segment,
};
use crate::load::{Metric, Site};
use crate::scaffold;
use crate::score::kr::{status_as_of, value_as_of};

#[derive(Debug, clap::Args)]
pub struct NewArgs {
    /// What to create
    #[arg(value_enum)]
    pub kind: Kind,
    /// Where: an objective folder, a KR file, or a KR (file or update folder) for an
    /// update; for a review, the fiscal year (`FY24`)
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    Objective,
    Kr,
    Update,
    /// The written review of a fiscal year: `okra new review FY24`
    Review,
}

pub fn run(args: &NewArgs) -> i32 {
    match create(args) {
        Ok(path) => {
            // Relative to where the user is, as they typed the PATH.
            let shown = std::env::current_dir()
                .ok()
                .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
                .unwrap_or(path);
            eprintln!("created {}", shown.display());
            println!("{}", shown.display());
            0
        }
        Err(e) => usage_error(&e),
    }
}

/// Where a path sits in a site: the site root and the segments under `content/`.
struct Located {
    root: PathBuf,
    segments: Vec<String>,
}

/// Finds the site (the nearest folder above with okra.toml) and checks every
/// segment under `content/` is a valid ID.
fn locate(path: &Path) -> Result<Located, String> {
    let cwd = std::env::current_dir().map_err(|e| e.to_string())?;
    let abs = normalize(&cwd.join(path));
    let root = abs
        .ancestors()
        .find(|a| a.join(CONFIG_FILE).is_file())
        .ok_or_else(|| format!("{} is not inside an okra site (no {CONFIG_FILE} in any folder above it); run `okra init` first", path.display()))?
        .to_path_buf();
    let under = abs.strip_prefix(root.join(CONTENT_DIR)).map_err(|_| {
        format!(
            "{} is not under the site's content/ folder ({})",
            path.display(),
            root.join(CONTENT_DIR).display()
        )
    })?;
    let segments: Vec<String> = under
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    for (i, s) in segments.iter().enumerate() {
        let name = if i + 1 == segments.len() {
            s.strip_suffix(".md").unwrap_or(s)
        } else {
            s
        };
        if !is_valid_segment(name) {
            return Err(format!(
                "`{name}` is not a valid name: use lower-case letters, digits, `-` and `_` (e.g. `{}`)",
                suggest_segment(name)
            ));
        }
    }
    if segments.is_empty() {
        return Err("give a path inside content/, e.g. content/fy26/growth".into());
    }
    Ok(Located { root, segments })
}

/// Removes `.` and `..` lexically (the path may not exist yet).
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}

fn write_new(path: &Path, text: &str) -> Result<(), String> {
    if path.exists() {
        return Err(format!(
            "{} already exists; okra new never overwrites a file",
            path.display()
        ));
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    std::io::Write::write_all(&mut f, text.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// The name in `git config user.name`, else a placeholder to replace.
fn default_owner() -> String {
    std::process::Command::new("git")
        .args(["config", "user.name"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "Your Name".to_string())
}

/// `okra new review FY24`: content/reviews/fy2024.md of the site around the
/// current folder.
fn create_review(args: &NewArgs) -> Result<PathBuf, String> {
    let text = args.path.to_string_lossy();
    let year = match crate::period::Period::parse(&text) {
        Ok(crate::period::Period::Year(y)) => y,
        Ok(crate::period::Period::Quarter(q)) => {
            return Err(format!(
                "`{text}` is a quarter; a review is of a whole fiscal year, e.g. `okra new review FY{:02}`",
                q.year.0 % 100
            ));
        }
        Err(e) => return Err(format!("{}; e.g. `okra new review FY24`", e.message)),
    };
    let cwd = std::env::current_dir().map_err(|e| e.to_string())?;
    let root = cwd
        .ancestors()
        .find(|a| a.join(CONFIG_FILE).is_file())
        .ok_or_else(|| format!("this folder is not inside an okra site (no {CONFIG_FILE} in any folder above it); run `okra init` first"))?;
    let path = root
        .join(CONTENT_DIR)
        .join(REVIEWS_DIR)
        .join(format!("fy{}.md", year.0));
    write_new(&path, &scaffold::review(year, &default_owner()))?;
    Ok(path)
}

fn create(args: &NewArgs) -> Result<PathBuf, String> {
    if args.kind == Kind::Review {
        return create_review(args); // a year, not a path: no site to locate it in
    }
    let today = today()?;
    let here = locate(&args.path)?;
    let content = here.root.join(CONTENT_DIR);
    let (site, _) = crate::load::load(&here.root);
    let cal = site.config.calendar;
    let mut segs = here.segments.clone();
    match args.kind {
        Kind::Objective => {
            if segs.last().is_some_and(|s| s == OBJECTIVE_FILE) {
                segs.pop();
            }
            if segs.first().is_some_and(|s| s == "teams") {
                return Err("content/teams/ holds team files, not objectives".into());
            }
            let folder = content.join(segs.join("/"));
            if let Some(parent) = folder.parent()
                && parent.join(OBJECTIVE_FILE).is_file()
            {
                return Err(format!(
                    "{} is inside the objective folder {}: objective folders do not nest; create it beside, and align it with `parent`",
                    args.path.display(),
                    parent.display()
                ));
            }
            let year = cal.year_of(today);
            let teams: Vec<String> = site.teams.iter().map(|t| t.id.clone()).collect();
            let parents: Vec<String> = site
                .objectives
                .iter()
                .filter(|o| o.meta.team.is_none() && o.meta.year == year)
                .map(|o| o.id.clone())
                .collect();
            let path = folder.join(OBJECTIVE_FILE);
            write_new(
                &path,
                &scaffold::objective(year, &default_owner(), &teams, &parents),
            )?;
            Ok(path)
        }
        Kind::Kr => {
            let name = segs.pop().unwrap_or_default();
            let name = name.strip_suffix(".md").unwrap_or(&name).to_string();
            if name == "objective" {
                return Err("`objective.md` is the objective itself; name the key result, e.g. signups-q1.md".into());
            }
            let objective_id = segs.join("/");
            let folder = content.join(&objective_id);
            if !folder.join(OBJECTIVE_FILE).is_file() {
                return Err(format!(
                    "{} has no objective.md: a key result lives in its objective's folder (create one with `okra new objective {}`)",
                    folder.display(),
                    folder.display()
                ));
            }
            let o = site
                .objectives
                .iter()
                .find(|o| o.id == objective_id)
                .ok_or_else(|| {
                    format!(
                        "{}/objective.md has errors; run `okra check` and fix it first",
                        folder.display()
                    )
                })?;
            // The current quarter if it is in the objective's year, else the year's first.
            let now = cal.quarter_of(today);
            let q = if now.year == o.meta.year {
                now
            } else {
                o.meta.year.quarters()[0]
            };
            let path = folder.join(format!("{name}.md"));
            write_new(
                &path,
                &scaffold::key_result(q, &o.meta.owner, o.meta.team.as_deref()),
            )?;
            Ok(path)
        }
        Kind::Update => {
            let last = segs.pop().unwrap_or_default();
            let kr_name = last.strip_suffix(".md").unwrap_or(&last).to_string();
            let kr_id = if segs.is_empty() {
                kr_name.clone()
            } else {
                format!("{}/{kr_name}", segs.join("/"))
            };
            let kr = find_kr(&site, &kr_id, &content)?;
            let folder = content.join(&kr_id);
            let path = free_name(&folder, today);
            let value = value_as_of(kr, today);
            let value = if kr.meta.metric == Metric::Boolean {
                (value >= 1.0).to_string()
            } else {
                format_number(value)
            };
            let status = status_as_of(kr, today).map_or("on-track", |s| s.as_str());
            let mid = today >= cal.quarter_midpoint(kr.meta.quarter)
                && today <= cal.quarter_end(kr.meta.quarter);
            write_new(&path, &scaffold::update(status, &value, mid))?;
            Ok(path)
        }
        Kind::Review => create_review(args),
    }
}

fn find_kr<'a>(
    site: &'a Site,
    id: &str,
    content: &Path,
) -> Result<&'a crate::load::KeyResult, String> {
    site.key_results.iter().find(|k| k.id == id).ok_or_else(|| {
        if content.join(format!("{id}.md")).is_file() {
            format!(
                "{}/{id}.md has errors; run `okra check` and fix it first",
                content.display()
            )
        } else {
            format!(
                "there is no key result {}/{id}.md; create it with `okra new kr {}/{id}.md`",
                content.display(),
                content.display()
            )
        }
    })
}

/// `<today>.md`, or `<today>-2.md`, `-3`… if taken: an update is never overwritten.
fn free_name(folder: &Path, today: NaiveDate) -> PathBuf {
    let first = folder.join(format!("{today}.md"));
    if !first.exists() {
        return first;
    }
    (2..)
        .map(|n| folder.join(format!("{today}-{n}.md")))
        .find(|p| !p.exists())
        .unwrap_or(first)
}

/// A TOML number without float noise: `42`, `99.95`.
fn format_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.6}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}
