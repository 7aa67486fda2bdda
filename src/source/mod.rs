//! Source files and their fields, shared by `okra.toml` and the content:
//! a file as read from disk with the `+++` front matter split, and typed
//! TOML fields that remember where they came from (`file:line:column`).
//! Both `config` and `content` build on this; neither imports the other's
//! parsing.

pub mod fields;

use std::path::PathBuf;

use crate::diag::{Diagnostic, LineIndex, Loc};

/// One text file of the site, with a line index for diagnostics.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the site root, e.g. `content/fy24/platform/uptime.md`.
    pub path: PathBuf,
    pub text: String,
    lines: LineIndex,
}

impl SourceFile {
    pub fn new(path: impl Into<PathBuf>, text: String) -> Self {
        let lines = LineIndex::new(&text);
        SourceFile {
            path: path.into(),
            text,
            lines,
        }
    }

    /// Reads bytes that should be UTF-8; otherwise an error naming the line of the first bad byte.
    pub fn from_bytes(path: impl Into<PathBuf>, bytes: Vec<u8>) -> Result<Self, Diagnostic> {
        let path = path.into();
        match String::from_utf8(bytes) {
            Ok(text) => Ok(SourceFile::new(path, text)),
            Err(e) => {
                let valid = e.utf8_error().valid_up_to();
                let bytes = e.as_bytes();
                let good = std::str::from_utf8(&bytes[..valid]).unwrap_or_default();
                let line = good.matches('\n').count() as u32 + 1;
                let column = good.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u32 + 1;
                Err(Diagnostic::error(
                    "not-utf8",
                    Loc::new(path, line, column),
                    format!(
                        "the file is not valid UTF-8 (byte 0x{:02x} at offset {valid})",
                        bytes[valid]
                    ),
                    "save the file as UTF-8 (most editors: \"Save with encoding\" > UTF-8)",
                ))
            }
        }
    }

    /// File location of a byte offset into `text`.
    pub fn loc(&self, offset: usize) -> Loc {
        let (line, column) = self.lines.line_col(&self.text, offset);
        Loc::new(self.path.clone(), line, column)
    }

    pub fn start(&self) -> Loc {
        Loc::file(self.path.clone())
    }
}

/// The parts of a content file: the TOML between the `+++` lines and the Markdown after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split<'a> {
    pub front_matter: &'a str,
    /// Byte offset of `front_matter` in the file, to map TOML spans to file positions.
    pub front_matter_offset: usize,
    pub body: &'a str,
}

/// Splits `+++` front matter from the body. Accepts a UTF-8 BOM and CRLF line endings.
pub fn split_front_matter(file: &SourceFile) -> Result<Split<'_>, Diagnostic> {
    let text = file.text.as_str();
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let rest = &text[start..];
    if rest.trim().is_empty() {
        return Err(Diagnostic::error(
            "empty-file",
            file.start(),
            "the file is empty",
            "add front matter between `+++` lines (run `okra new` to get a ready file), or delete the file",
        ));
    }
    let (first, after_first) = next_line(rest);
    if first.trim_end() != "+++" {
        let hint = if first.trim_end() == "---" {
            "okra reads TOML front matter between `+++` lines (as Zola and Hugo do); replace the `---` lines with `+++` and write the keys as TOML (`title = \"...\"`)"
        } else {
            "start the file with a line `+++`, then the TOML keys, then another `+++` line, then the Markdown body"
        };
        return Err(Diagnostic::error(
            "missing-front-matter",
            file.start(),
            "the file does not start with `+++` front matter",
            hint,
        ));
    }
    let fm_offset = start + after_first;
    let mut pos = fm_offset;
    while pos < text.len() {
        let (line, next) = next_line(&text[pos..]);
        if line.trim_end() == "+++" {
            let body_offset = pos + next;
            return Ok(Split {
                front_matter: &text[fm_offset..pos],
                front_matter_offset: fm_offset,
                body: &text[body_offset..],
            });
        }
        pos += next;
    }
    Err(Diagnostic::error(
        "unclosed-front-matter",
        file.start(),
        "the front matter opened on this line is never closed",
        "add a line with only `+++` after the last front matter key, before the Markdown body",
    ))
}

/// The first line of `s` (without its line ending) and the offset where the next line starts.
fn next_line(s: &str) -> (&str, usize) {
    match s.find('\n') {
        Some(i) => (s[..i].strip_suffix('\r').unwrap_or(&s[..i]), i + 1),
        None => (s, s.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> SourceFile {
        SourceFile::new("content/x.md", text.to_string())
    }

    #[test]
    fn splits_front_matter_and_body() {
        let f = file("+++\ntitle = \"x\"\n+++\nBody\n");
        let s = split_front_matter(&f).unwrap();
        assert_eq!(s.front_matter, "title = \"x\"\n");
        assert_eq!(s.front_matter_offset, 4);
        assert_eq!(s.body, "Body\n");
    }

    #[test]
    fn accepts_bom_and_crlf() {
        let f = file("\u{feff}+++\r\ntitle = \"x\"\r\n+++\r\nBody\r\n");
        let s = split_front_matter(&f).unwrap();
        assert_eq!(s.front_matter, "title = \"x\"\r\n");
        assert_eq!(s.body, "Body\r\n");
        assert_eq!(f.loc(s.front_matter_offset).line, 2);
    }

    #[test]
    fn empty_body_and_no_trailing_newline() {
        let f = file("+++\na = 1\n+++");
        assert_eq!(split_front_matter(&f).unwrap().body, "");
    }

    #[test]
    fn errors() {
        assert_eq!(
            split_front_matter(&file("")).unwrap_err().code,
            "empty-file"
        );
        assert_eq!(
            split_front_matter(&file("# Title\n")).unwrap_err().code,
            "missing-front-matter"
        );
        let yaml = split_front_matter(&file("---\ntitle: x\n---\n")).unwrap_err();
        assert!(yaml.hint.contains("+++"));
        let open = split_front_matter(&file("+++\ntitle = \"x\"\nbody\n")).unwrap_err();
        assert_eq!(open.code, "unclosed-front-matter");
        assert_eq!(open.loc.line, 1);
    }

    #[test]
    fn non_utf8_names_the_line() {
        let err = SourceFile::from_bytes("a.md", b"+++\nx = 1\n\xff\n".to_vec()).unwrap_err();
        assert_eq!((err.loc.line, err.loc.column), (3, 1));
        assert_eq!(err.code, "not-utf8");
    }
}
