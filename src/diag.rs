//! Diagnostics: every problem okra finds, with where it is and how to fix it.
//!
//! Stages never stop at the first problem: they push into a [`Diagnostics`]
//! list so that one run reports everything, sorted by file and line.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

/// How bad a diagnostic is. Errors stop a build; warnings only fail `check --strict`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A position in a source file: path relative to the site root, 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Loc {
    pub file: PathBuf,
    pub line: u32,
    pub column: u32,
}

impl Loc {
    pub fn new(file: impl Into<PathBuf>, line: u32, column: u32) -> Self {
        Loc {
            file: file.into(),
            line,
            column,
        }
    }

    /// The start of a file: for problems about the file as a whole.
    pub fn file(file: impl Into<PathBuf>) -> Self {
        Loc::new(file, 1, 1)
    }
}

/// One problem found in the site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable machine-readable kind, e.g. `unknown-key` (for `--format json` and tests).
    pub code: &'static str,
    pub loc: Loc,
    pub message: String,
    /// How to fix it. Every diagnostic okra emits has one.
    pub hint: String,
}

impl Diagnostic {
    pub fn error(
        code: &'static str,
        loc: Loc,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            loc,
            message: message.into(),
            hint: hint.into(),
        }
    }

    pub fn warning(
        code: &'static str,
        loc: Loc,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, loc, message, hint)
        }
    }
}

/// The diagnostics of one run.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    /// Keeps only the diagnostics `keep` says yes to.
    pub fn retain(&mut self, keep: impl FnMut(&Diagnostic) -> bool) {
        self.items.retain(keep);
    }

    pub fn error_count(&self) -> usize {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    pub fn warning_count(&self) -> usize {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count()
    }

    pub fn has_errors(&self) -> bool {
        self.error_count() > 0
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Sorted by file, line, column, then severity and message, and deduplicated,
    /// so output is stable whatever order the stages found things in.
    pub fn sorted(&self) -> Vec<&Diagnostic> {
        let mut v: Vec<&Diagnostic> = self.items.iter().collect();
        // Files by their displayed path (plain string order, as `sort` would),
        // then line and column.
        v.sort_by_cached_key(|d| {
            let path = display_path(&d.loc.file);
            (
                path,
                d.loc.line,
                d.loc.column,
                d.severity,
                d.message.clone(),
            )
        });
        v.dedup();
        v
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    /// Human form, one block per diagnostic:
    /// `path:line:col: error: message` then `  = hint: ...`.
    pub fn render_human(&self, color: bool) -> String {
        let mut out = String::new();
        for d in self.sorted() {
            let (label, code) = match d.severity {
                Severity::Error => ("error", "\x1b[1;31m"),
                Severity::Warning => ("warning", "\x1b[1;33m"),
            };
            let path = display_path(&d.loc.file);
            if color {
                let _ = writeln!(
                    out,
                    "\x1b[1m{}:{}:{}:\x1b[0m {code}{label}\x1b[0m: \x1b[1m{}\x1b[0m",
                    path, d.loc.line, d.loc.column, d.message
                );
                let _ = writeln!(out, "  \x1b[36m= hint:\x1b[0m {}", d.hint);
            } else {
                let _ = writeln!(
                    out,
                    "{}:{}:{}: {label}: {}",
                    path, d.loc.line, d.loc.column, d.message
                );
                let _ = writeln!(out, "  = hint: {}", d.hint);
            }
        }
        out
    }

    /// Machine form for CI: `{"errors": n, "warnings": n, "diagnostics": [...]}`.
    pub fn render_json(&self) -> String {
        #[derive(Serialize)]
        struct J<'a> {
            file: String,
            line: u32,
            column: u32,
            severity: Severity,
            code: &'a str,
            message: &'a str,
            hint: &'a str,
        }
        #[derive(Serialize)]
        struct Report<'a> {
            errors: usize,
            warnings: usize,
            diagnostics: Vec<J<'a>>,
        }
        let diagnostics = self
            .sorted()
            .into_iter()
            .map(|d| J {
                file: display_path(&d.loc.file),
                line: d.loc.line,
                column: d.loc.column,
                severity: d.severity,
                code: d.code,
                message: &d.message,
                hint: &d.hint,
            })
            .collect();
        let report = Report {
            errors: self.error_count(),
            warnings: self.warning_count(),
            diagnostics,
        };
        serde_json::to_string_pretty(&report).expect("diagnostics serialise") + "\n"
    }
}

/// Paths are shown with `/` on every platform, relative to the site root.
pub fn display_path(p: &Path) -> String {
    let joined = p
        .components()
        .filter(|c| !matches!(c, std::path::Component::RootDir))
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    if p.has_root() && !joined.starts_with('/') {
        format!("/{joined}")
    } else {
        joined
    }
}

/// Maps byte offsets of a file's text to 1-based line and column (in characters).
#[derive(Debug, Clone)]
pub struct LineIndex {
    line_starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { line_starts }
    }

    pub fn line_col(&self, text: &str, offset: usize) -> (u32, u32) {
        let offset = offset.min(text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let mut end = offset;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let col = text[start..end].chars().count() + 1;
        (line as u32 + 1, col as u32)
    }
}

/// Suggests the closest of `candidates` to `word`, if one is close enough to be a typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let word = word.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&word, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index_counts_characters_not_bytes() {
        let text = "ab\nçé x\n";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_col(text, 0), (1, 1));
        assert_eq!(idx.line_col(text, 3), (2, 1));
        // byte 8 is the 'x' after two 2-byte characters and a space
        assert_eq!(idx.line_col(text, 8), (2, 4));
    }

    #[test]
    fn suggestions_catch_typos_only() {
        assert_eq!(did_you_mean("titel", ["title", "owner"]), Some("title"));
        assert_eq!(did_you_mean("Ownr", ["title", "owner"]), Some("owner"));
        assert_eq!(did_you_mean("zzz", ["title", "owner"]), None);
    }

    #[test]
    fn sorted_by_file_then_line() {
        let mut d = Diagnostics::new();
        d.push(Diagnostic::error("x", Loc::new("b.md", 1, 1), "b", "h"));
        d.push(Diagnostic::error("x", Loc::new("a.md", 9, 1), "a9", "h"));
        d.push(Diagnostic::warning("x", Loc::new("a.md", 2, 1), "a2", "h"));
        let msgs: Vec<_> = d.sorted().iter().map(|d| d.message.clone()).collect();
        assert_eq!(msgs, ["a2", "a9", "b"]);
        // `x.md` comes before the files in folder `x/`, as in a sorted listing.
        d.push(Diagnostic::error(
            "x",
            Loc::new("k/x/2024-01-01.md", 1, 1),
            "in folder",
            "h",
        ));
        d.push(Diagnostic::error(
            "x",
            Loc::new("k/x.md", 5, 1),
            "file",
            "h",
        ));
        let msgs: Vec<_> = d.sorted().iter().map(|d| d.message.clone()).collect();
        assert_eq!(msgs[3..], ["file", "in folder"]);
    }
}

#[cfg(test)]
mod render_tests {
    use super::*;

    #[test]
    fn colour_only_when_asked() {
        let mut d = Diagnostics::new();
        d.push(Diagnostic::error(
            "x",
            Loc::new("content/a.md", 3, 7),
            "bad",
            "fix it",
        ));
        let plain = d.render_human(false);
        assert_eq!(plain, "content/a.md:3:7: error: bad\n  = hint: fix it\n");
        let coloured = d.render_human(true);
        assert!(coloured.contains("\x1b[1;31merror"));
        assert!(!plain.contains('\x1b'));
    }
}
