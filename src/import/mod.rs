//! `okra import`: OKRs kept elsewhere (a spreadsheet export, Asana Goals)
//! turned into the files of a site.
//!
//! Each importer is a pure function from the input's bytes to an [`Import`]:
//! the files to create (path relative to the site root, text), the problems in
//! the input (diagnostics: with an error nothing is written) and what could not
//! be mapped (listed for the user, never guessed). [`write_new`] then creates
//! the files that do not exist yet; it never overwrites one.

pub mod asana;
pub mod csv;

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::Path;

use crate::diag::Diagnostics;
use crate::load::walk::suggest_segment;
use crate::period::FiscalYear;
use crate::scaffold::toml_str;

/// What an importer made of its input.
#[derive(Debug, Default)]
pub struct Import {
    /// Files to create, in order: path relative to the site root (with `/`), text.
    pub files: Vec<(String, String)>,
    /// Problems in the input, each at its file and line. Any error: write nothing.
    pub diagnostics: Diagnostics,
    /// What could not be mapped, one sentence each (shown to the user).
    pub unmapped: Vec<String>,
}

/// What [`write_new`] did: paths relative to the site root.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Written {
    pub created: Vec<String>,
    /// Files that existed already and were left as they were.
    pub skipped: Vec<String>,
}

/// Creates `root` (when missing) and every file of `files` that does not exist
/// yet; existing files are skipped, never overwritten.
pub fn write_new(root: &Path, files: &[(String, String)]) -> io::Result<Written> {
    std::fs::create_dir_all(root)?;
    let mut out = Written::default();
    for (rel, text) in files {
        let path = root.join(rel);
        if path.exists() {
            out.skipped.push(rel.clone());
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        io::Write::write_all(&mut f, text.as_bytes())?;
        out.created.push(rel.clone());
    }
    Ok(out)
}

/// `okra.toml` of an imported site (written only when the site has none), with
/// the fiscal calendar when the source knows it: (first month, `start` or `end`).
pub fn site_config(title: &str, calendar: Option<(u32, &str)>) -> (String, String) {
    let (month, named) = calendar.unwrap_or((1, "end"));
    (
        "okra.toml".into(),
        format!(
            "# Site configuration (see docs/content.md of okra). Written by `okra import`:\n# check the fiscal calendar before the first build.\ntitle = {}\nfiscal_year_start = {month}          # month the fiscal year starts\nfiscal_year_named_by = \"{named}\"   # FY24 {} in 2024\n",
            toml_str(title),
            if named == "end" { "ends" } else { "starts" }
        ),
    )
}

/// `content/fy26`: the folder of a fiscal year's objectives.
pub fn year_dir(y: FiscalYear) -> String {
    format!("content/fy{:02}", y.0 % 100)
}

/// Valid, unique names made from titles: lower case, other characters as `-`,
/// at most [`Names::MAX`] characters (cut at a word), `-2`, `-3`, … on a clash
/// inside the same folder.
#[derive(Debug, Default)]
pub struct Names {
    taken: BTreeMap<String, BTreeSet<String>>,
}

impl Names {
    pub const MAX: usize = 40;

    /// A name for `title` inside `folder`, never given out before for that folder.
    pub fn unique(&mut self, folder: &str, title: &str) -> String {
        let base = short_name(title);
        // `objective.md` is the objective's own file.
        let base = if base == "objective" {
            "objective-kr".to_string()
        } else {
            base
        };
        let taken = self.taken.entry(folder.to_string()).or_default();
        let mut name = base.clone();
        let mut n = 2;
        while taken.contains(&name) {
            name = format!("{base}-{n}");
            n += 1;
        }
        taken.insert(name.clone());
        name
    }
}

/// `suggest_segment`, cut at the last `-` before [`Names::MAX`] characters.
pub fn short_name(title: &str) -> String {
    let s = suggest_segment(title);
    if s.len() <= Names::MAX {
        return s;
    }
    let cut = &s[..Names::MAX];
    let cut = match cut.rfind('-') {
        Some(i) if i >= 8 => &cut[..i],
        _ => cut,
    };
    cut.trim_end_matches(['-', '_']).to_string()
}

/// A number as TOML: whole numbers without a fraction, others as the shortest
/// decimal that reads back the same.
pub fn toml_number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        let s = format!("{x}");
        // 1e20 prints as 100000000000000000000: too big for a TOML integer.
        if s.contains(['.', 'e', 'E', 'N', 'i']) {
            s
        } else {
            format!("{s}.0")
        }
    }
}

/// A team file: `content/teams/<id>.md`.
pub fn team_file(id: &str, name: &str) -> (String, String) {
    (
        format!("content/teams/{id}.md"),
        format!("+++\nname = {}\n+++\n", toml_str(name)),
    )
}

/// A body for a front matter block: empty, or the text with one final newline.
pub fn body(text: &str) -> String {
    let t = text.trim();
    if t.is_empty() {
        String::new()
    } else {
        format!("{t}\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_valid_short_and_unique() {
        let mut n = Names::default();
        assert_eq!(n.unique("a", "Grow Revenue 20%"), "grow-revenue-20");
        assert_eq!(n.unique("a", "Grow revenue 20 %"), "grow-revenue-20-2");
        assert_eq!(n.unique("b", "Grow revenue 20 %"), "grow-revenue-20");
        assert_eq!(n.unique("a", "Objective"), "objective-kr");
        let long = n.unique(
            "a",
            "Reduce the time from signing the contract to the first invoice sent",
        );
        assert!(long.len() <= Names::MAX, "{long}");
        assert!(crate::load::walk::is_valid_segment(&long), "{long}");
        assert_eq!(n.unique("a", "!!!"), "new-name");
    }

    #[test]
    fn numbers_print_as_toml() {
        assert_eq!(toml_number(45.0), "45");
        assert_eq!(toml_number(99.9), "99.9");
        assert_eq!(toml_number(-3.0), "-3");
        assert_eq!(toml_number(1e20), "100000000000000000000.0");
        assert!(toml::from_str::<toml::Table>(&format!("x = {}", toml_number(1e20))).is_ok());
    }

    #[test]
    fn write_new_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("site");
        let files = vec![("a/b.md".to_string(), "one".to_string())];
        let w = write_new(&root, &files).unwrap();
        assert_eq!(w.created, vec!["a/b.md"]);
        let again = vec![("a/b.md".to_string(), "two".to_string())];
        let w = write_new(&root, &again).unwrap();
        assert_eq!(w.skipped, vec!["a/b.md"]);
        assert_eq!(std::fs::read_to_string(root.join("a/b.md")).unwrap(), "one");
    }
}
