//! Walks `content/` and sorts every file into what it is (team, objective, KR,
//! status update), reporting files and folders that fit nowhere and names that
//! are not valid IDs.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rayon::prelude::*;
use walkdir::WalkDir;

use crate::diag::{Diagnostic, Diagnostics, Loc};

pub const CONTENT_DIR: &str = "content";
pub const TEAMS_DIR: &str = "teams";
/// Where the written yearly reviews live: `content/reviews/<fiscal year>.md`.
pub const REVIEWS_DIR: &str = "reviews";
pub const OBJECTIVE_FILE: &str = "objective.md";
/// Top-level names under `content/` that would collide with okra's own pages.
pub const RESERVED: &[&str] = &[
    "people",
    "quarters",
    "history",
    "review",
    "updates",
    "wall",
    "page",
    "changes",
    "alignment",
    "tv",
    "search",
];

/// A content file and what its place in the tree makes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Path relative to the site root (`content/...`), used in diagnostics.
    pub rel: PathBuf,
    /// Where to read it from (differs from `root/rel` only for followed symlinks).
    pub abs: PathBuf,
    pub kind: Kind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Team {
        id: String,
    },
    Objective {
        id: String,
    },
    KeyResult {
        id: String,
        objective: String,
    },
    Update {
        kr: String,
        date: NaiveDate,
        slug: String,
    },
    /// `content/reviews/fy2024.md`: the written review of a fiscal year.
    Review {
        year: crate::period::FiscalYear,
    },
}

/// Does `s` match `[a-z0-9][a-z0-9_-]*`?
pub fn is_valid_segment(s: &str) -> bool {
    let mut bytes = s.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z' | b'0'..=b'9'))
        && bytes.all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-'))
}

/// A valid segment close to `s`: lower case, other characters as `-`.
pub fn suggest_segment(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'a'..='z' | '0'..='9' | '_' => c,
            'à'..='å' => 'a',
            'ç' => 'c',
            'è'..='ë' => 'e',
            'ì'..='ï' => 'i',
            'ñ' => 'n',
            'ò'..='ö' | 'ø' => 'o',
            'ù'..='ü' => 'u',
            _ => '-',
        };
        if c == '-' && (out.is_empty() || out.ends_with('-')) {
            continue;
        }
        out.push(c);
    }
    let out = out.trim_matches(|c| c == '-' || c == '_').to_string();
    if out.is_empty() {
        "new-name".into()
    } else {
        out
    }
}

/// Parses an update file stem: `YYYY-MM-DD` or `YYYY-MM-DD-<word>`.
pub fn parse_update_name(stem: &str) -> Result<NaiveDate, String> {
    let shape_ok = stem.len() >= 10
        && stem.is_char_boundary(10)
        && stem[..10].bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !shape_ok {
        return Err("is not named after a date".into());
    }
    let rest = &stem[10..];
    let word_ok = rest.is_empty() || rest.strip_prefix('-').is_some_and(is_valid_segment);
    if !word_ok {
        return Err(
            "has a word after the date that is not lower-case letters, digits, `-` or `_`".into(),
        );
    }
    NaiveDate::parse_from_str(&stem[..10], "%Y-%m-%d")
        .map_err(|_| format!("is named after `{}`, which is not a real date", &stem[..10]))
}

#[derive(Debug)]
struct Entry {
    rel: PathBuf,
    abs: PathBuf,
    /// Components under `content/`.
    parts: Vec<String>,
    is_dir: bool,
}

/// Walks `root/content` in sorted order. Symlinks are followed only to files
/// inside the site; anything else is reported and skipped.
pub fn walk(root: &Path, diags: &mut Diagnostics) -> Vec<Found> {
    let content = root.join(CONTENT_DIR);
    if !content.is_dir() {
        diags.push(Diagnostic::error(
            "no-content",
            Loc::file(CONTENT_DIR),
            "the site has no content/ folder",
            "create content/ with one folder per objective (`okra init` makes an example site)",
        ));
        return Vec::new();
    }
    let canonical_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let sorted = |from: &Path, min_depth: usize, max_depth: usize| {
        WalkDir::new(from)
            .follow_links(false)
            .sort_by_file_name()
            .min_depth(min_depth)
            .max_depth(max_depth)
            .into_iter()
            .filter_entry(|e| !e.file_name().to_string_lossy().starts_with('.'))
    };
    // The top level in order, then each top-level folder walked on its own
    // core: the same sorted, depth-first order (and diagnostics) as one walk
    // of the whole tree, which kept a core idle for a fifth of a second at
    // 10k KRs (61k files) before any file could be read.
    let top: Vec<walkdir::Result<walkdir::DirEntry>> = sorted(&content, 1, 1).collect();
    let walked: Vec<(Vec<Entry>, Diagnostics)> = top
        .into_par_iter()
        .map(|item| {
            let mut d = Diagnostics::new();
            let folder = item
                .as_ref()
                .ok()
                .filter(|e| e.file_type().is_dir())
                .map(|e| e.path().to_path_buf());
            let mut entries: Vec<Entry> = visit(item, root, &content, &canonical_root, &mut d)
                .into_iter()
                .collect();
            if let Some(folder) = folder {
                for item in sorted(&folder, 1, usize::MAX) {
                    entries.extend(visit(item, root, &content, &canonical_root, &mut d));
                }
            }
            (entries, d)
        })
        .collect();
    let mut entries = Vec::new();
    for (e, d) in walked {
        entries.extend(e);
        diags.extend(d);
    }
    classify(entries, diags)
}

/// One item of the walk: the entry to classify, or None when it is reported
/// (unreadable, a special file, a symlink okra does not follow) and skipped.
fn visit(
    item: walkdir::Result<walkdir::DirEntry>,
    root: &Path,
    content: &Path,
    canonical_root: &Path,
    diags: &mut Diagnostics,
) -> Option<Entry> {
    let entry = match item {
        Ok(e) => e,
        Err(err) => {
            let rel = err
                .path()
                .and_then(|p| p.strip_prefix(root).ok())
                .map_or_else(|| PathBuf::from(CONTENT_DIR), Path::to_path_buf);
            diags.push(Diagnostic::error(
                "unreadable",
                Loc::file(rel),
                format!("cannot read this path: {err}"),
                "check the file permissions (okra needs to read every file under content/)",
            ));
            return None;
        }
    };
    let rel = entry
        .path()
        .strip_prefix(root)
        .unwrap_or(entry.path())
        .to_path_buf();
    let parts: Vec<String> = entry
        .path()
        .strip_prefix(content)
        .unwrap_or(entry.path())
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let mut is_dir = entry.file_type().is_dir();
    let abs = entry.path().to_path_buf();
    let special = |rel: &Path| {
        Diagnostic::error(
            "special-file",
            Loc::file(rel),
            "this is not a regular file (a named pipe, socket or device); okra does not read it",
            "remove it: content/ holds only folders and Markdown files",
        )
    };
    let file_type = entry.file_type();
    if !file_type.is_dir() && !file_type.is_file() && !file_type.is_symlink() {
        // Reading a named pipe would block the build forever.
        diags.push(special(&rel));
        return None;
    }
    if entry.file_type().is_symlink() {
        match std::fs::canonicalize(entry.path()) {
            Ok(target) if !target.starts_with(canonical_root) => {
                diags.push(Diagnostic::warning(
                    "symlink-outside",
                    Loc::file(&rel),
                    format!(
                        "symlink to {} points outside the site; it is not followed",
                        target.display()
                    ),
                    "copy the file into the site instead of linking to it",
                ));
                return None;
            }
            Ok(target) if target.is_dir() => {
                diags.push(Diagnostic::warning(
                    "symlink-dir",
                    Loc::file(&rel),
                    "symlinked folders are not followed",
                    "move the folder here instead of linking to it (links to folders can loop)",
                ));
                return None;
            }
            Ok(target) if !target.is_file() => {
                diags.push(special(&rel));
                return None;
            }
            Ok(_) => is_dir = false,
            Err(_) => {
                diags.push(Diagnostic::warning(
                    "symlink-broken",
                    Loc::file(&rel),
                    "broken symlink (its target is missing, or it loops); it is ignored",
                    "remove the link or point it at an existing file inside the site",
                ));
                return None;
            }
        }
    }
    Some(Entry {
        rel,
        abs,
        parts,
        is_dir,
    })
}

/// Sorts files given by their paths (relative to the site root, such as
/// `content/fy24/x/objective.md`) the way [`walk`] sorts a real tree, with
/// the folders they imply: for sites held in memory (fuzzing, property tests).
/// Paths outside `content/` are ignored.
pub fn classify_paths(paths: &[PathBuf], diags: &mut Diagnostics) -> Vec<Found> {
    let mut entries: std::collections::BTreeMap<Vec<String>, Entry> = Default::default();
    for rel in paths {
        let Ok(under) = rel.strip_prefix(CONTENT_DIR) else {
            continue;
        };
        let parts: Vec<String> = under
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if parts.is_empty() {
            continue;
        }
        for n in 1..=parts.len() {
            let is_dir = n < parts.len();
            let path: PathBuf = std::iter::once(CONTENT_DIR.to_string())
                .chain(parts[..n].iter().cloned())
                .collect();
            let entry = entries.entry(parts[..n].to_vec()).or_insert(Entry {
                rel: path.clone(),
                abs: path,
                parts: parts[..n].to_vec(),
                is_dir,
            });
            entry.is_dir |= is_dir;
        }
    }
    // Sorted component by component, as walkdir's sorted depth-first walk yields them.
    classify(entries.into_values().collect(), diags)
}

/// Decides what each entry is, from the shape of the tree alone.
fn classify(entries: Vec<Entry>, diags: &mut Diagnostics) -> Vec<Found> {
    // Folders that hold an objective.md, as their parts joined by '/'.
    let objective_dirs: BTreeSet<String> = entries
        .iter()
        .filter(|e| !e.is_dir && e.parts.last().is_some_and(|n| n == OBJECTIVE_FILE))
        .map(|e| e.parts[..e.parts.len() - 1].join("/"))
        .collect();
    // KR files, as `<objective dir>/<stem>`, to check update folders against.
    let kr_files: BTreeSet<String> = entries
        .iter()
        .filter(|e| !e.is_dir && e.parts.len() >= 2)
        .filter(|e| objective_dirs.contains(&e.parts[..e.parts.len() - 1].join("/")))
        .filter_map(|e| e.parts.join("/").strip_suffix(".md").map(str::to_string))
        .collect();
    let mut rejected: Vec<Vec<String>> = Vec::new();
    let mut found = Vec::new();

    for e in entries {
        if rejected.iter().any(|r| e.parts.starts_with(r)) {
            continue; // inside a folder already reported
        }
        let n = e.parts.len();
        let name = &e.parts[n - 1];
        let parent = e.parts[..n - 1].join("/");
        let grandparent = if n >= 2 {
            e.parts[..n - 2].join("/")
        } else {
            String::new()
        };
        let parent_is_objective = n >= 2 && objective_dirs.contains(&parent);
        let in_update_folder = n >= 3 && objective_dirs.contains(&grandparent);
        let in_teams = e.parts[0] == TEAMS_DIR;
        let in_reviews = e.parts[0] == REVIEWS_DIR && !objective_dirs.contains(REVIEWS_DIR);

        if e.is_dir {
            if let Some(stem) = name.strip_suffix(".md").filter(|s| is_valid_segment(s)) {
                diags.push(Diagnostic::error(
                    "folder-named-like-file",
                    Loc::file(&e.rel),
                    format!("`{name}` is a folder, but only Markdown files end in `.md`"),
                    format!("make `{name}` a file (a key result or a status update); a key result's updates go in a folder named `{stem}/`"),
                ));
                rejected.push(e.parts.clone());
            } else if !is_valid_segment(name) {
                diags.push(bad_name(&e.rel, name, "folder"));
                rejected.push(e.parts.clone());
            } else if n == 1 && RESERVED.contains(&name.as_str()) {
                diags.push(Diagnostic::error(
                    "reserved-name",
                    Loc::file(&e.rel),
                    format!("the folder name `{name}` is reserved: the site has its own /{name}/ pages"),
                    format!("rename it, e.g. to `{name}-okrs`, or put it inside a year folder such as content/fy24/{name}/"),
                ));
                rejected.push(e.parts.clone());
            } else if in_teams && n > 1 {
                diags.push(Diagnostic::error(
                    "stray-folder",
                    Loc::file(&e.rel),
                    "folders inside content/teams/ are not read",
                    "teams are single files: content/teams/<team>.md",
                ));
                rejected.push(e.parts.clone());
            } else if in_reviews && n > 1 {
                diags.push(Diagnostic::error(
                    "stray-folder",
                    Loc::file(&e.rel),
                    "folders inside content/reviews/ are not read",
                    "a yearly review is a single file named after its fiscal year: content/reviews/fy2024.md",
                ));
                rejected.push(e.parts.clone());
            } else if in_update_folder {
                diags.push(Diagnostic::error(
                    "stray-folder",
                    Loc::file(&e.rel),
                    "folders inside a KR's update folder are not allowed",
                    "updates are files named by date directly in the KR's folder, e.g. 2024-02-14.md",
                ));
                rejected.push(e.parts.clone());
            } else if parent_is_objective {
                let path = e.parts.join("/");
                if objective_dirs.contains(&path) {
                    diags.push(Diagnostic::error(
                        "nested-objective",
                        Loc::file(&e.rel),
                        "objective folders do not nest: this folder has an objective.md inside another objective's folder",
                        format!("move it next to its parent and align it with `parent = \"{parent}\"` in its objective.md"),
                    ));
                    rejected.push(e.parts.clone());
                } else if !kr_files.contains(&path) {
                    diags.push(Diagnostic::error(
                        "update-folder-without-kr",
                        Loc::file(&e.rel),
                        format!("update folder `{name}/` has no key result `{name}.md` next to it"),
                        format!("create {parent}/{name}.md for the key result, or rename the folder after an existing KR"),
                    ));
                    rejected.push(e.parts.clone());
                }
            }
            continue;
        }

        let Some(stem) = name.strip_suffix(".md") else {
            diags.push(Diagnostic::error(
                "stray-file",
                Loc::file(&e.rel),
                format!(
                    "`{name}` is not a Markdown file; okra reads only .md files under content/"
                ),
                "put images and other files in static/ (copied as-is to the site) and link to them",
            ));
            continue;
        };

        if in_update_folder {
            match parse_update_name(stem) {
                Ok(date) => found.push(Found {
                    rel: e.rel,
                    abs: e.abs,
                    kind: Kind::Update {
                        kr: parent,
                        date,
                        slug: stem.to_string(),
                    },
                }),
                Err(why) => diags.push(Diagnostic::error(
                    "bad-update-name",
                    Loc::file(&e.rel),
                    format!("status update `{name}` {why}"),
                    "name updates YYYY-MM-DD.md or YYYY-MM-DD-<word>.md, e.g. 2024-02-14.md or 2024-02-14-mid-quarter.md",
                )),
            }
            continue;
        }
        if !is_valid_segment(stem) {
            diags.push(bad_name(&e.rel, stem, "file"));
            continue;
        }
        if in_teams && n == 2 {
            found.push(Found {
                rel: e.rel,
                abs: e.abs,
                kind: Kind::Team {
                    id: stem.to_string(),
                },
            });
        } else if in_reviews && n == 2 {
            match crate::period::Period::parse(stem) {
                Ok(crate::period::Period::Year(year)) => found.push(Found {
                    rel: e.rel,
                    abs: e.abs,
                    kind: Kind::Review { year },
                }),
                _ => diags.push(Diagnostic::error(
                    "bad-review-name",
                    Loc::file(&e.rel),
                    format!("`{name}` in content/reviews/ is not named after a fiscal year"),
                    "name a yearly review after its fiscal year, e.g. content/reviews/fy2024.md (`okra new review FY24` writes one)",
                )),
            }
        } else if parent_is_objective && name == OBJECTIVE_FILE {
            found.push(Found {
                rel: e.rel,
                abs: e.abs,
                kind: Kind::Objective { id: parent },
            });
        } else if parent_is_objective {
            found.push(Found {
                rel: e.rel,
                abs: e.abs,
                kind: Kind::KeyResult {
                    id: format!("{parent}/{stem}"),
                    objective: parent,
                },
            });
        } else {
            let hint = if n == 1 {
                "put each objective in its own folder: content/<folder>/objective.md, with its KRs beside it".to_string()
            } else {
                format!(
                    "add {}/objective.md to make this folder an objective, or move the file into an objective's folder",
                    Path::new(CONTENT_DIR).join(&parent).display()
                )
            };
            diags.push(Diagnostic::error(
                "stray-file",
                Loc::file(&e.rel),
                format!(
                    "`{name}` is not inside an objective folder, so okra does not know what it is"
                ),
                hint,
            ));
        }
    }
    found
}

fn bad_name(rel: &Path, name: &str, what: &str) -> Diagnostic {
    Diagnostic::error(
        "bad-id",
        Loc::file(rel),
        format!(
            "{what} name `{name}` is not a valid ID: use lower-case letters, digits, `-` and `_`, starting with a letter or digit"
        ),
        format!(
            "rename it to `{}`",
            suggest_segment(name) + if what == "file" { ".md" } else { "" }
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments() {
        for ok in ["a", "fy24", "0-day", "a_b-c"] {
            assert!(is_valid_segment(ok), "{ok}");
        }
        for bad in ["", "A", "-a", "_a", "a b", "a.b", "é", "a/b", ".."] {
            assert!(!is_valid_segment(bad), "{bad}");
        }
        assert_eq!(suggest_segment("Uptime Q1"), "uptime-q1");
        assert_eq!(suggest_segment("--Café!!"), "cafe");
        assert_eq!(suggest_segment("???"), "new-name");
        assert!(is_valid_segment(&suggest_segment("Ünïcode Name_2")));
    }

    #[test]
    fn update_names() {
        assert!(parse_update_name("2024-02-14").is_ok());
        assert!(parse_update_name("2024-02-14-mid_q").is_ok());
        assert!(
            parse_update_name("2024-02-30")
                .unwrap_err()
                .contains("not a real date")
        );
        assert!(
            parse_update_name("feb-14")
                .unwrap_err()
                .contains("not named after a date")
        );
        assert!(parse_update_name("2024-02-14-Mid").is_err());
        assert!(parse_update_name("2024-02-14x").is_err());
        assert!(parse_update_name("2024-02-1é").is_err());
    }
}
