//! Typed reading of TOML tables (front matter and `okra.toml`) with a diagnostic
//! at the exact key or value for every problem: unknown keys (with a "did you
//! mean"), wrong types, missing required keys, bad enum spellings.
//!
//! We read the span-preserving `toml::de::DeTable` by hand instead of deriving
//! `Deserialize`, because serde stops at the first error and knows no positions.

use chrono::NaiveDate;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::diag::{Diagnostic, Diagnostics, Loc, did_you_mean};
use crate::source::SourceFile;

/// Parses TOML that sits at `offset` in `file`; syntax errors are reported at their file position.
pub fn parse_toml<'a>(
    file: &SourceFile,
    toml_text: &'a str,
    offset: usize,
    diags: &mut Diagnostics,
) -> Option<Spanned<DeTable<'a>>> {
    match DeTable::parse(toml_text) {
        Ok(t) => Some(t),
        Err(e) => {
            let at = e.span().map_or(0, |s| s.start);
            let message = e.message().trim().trim_end_matches('.').to_string();
            diags.push(Diagnostic::error(
                "toml-syntax",
                file.loc(offset + at),
                format!("invalid TOML: {message}"),
                toml_hint(&message),
            ));
            None
        }
    }
}

fn toml_hint(message: &str) -> String {
    let m = message.to_lowercase();
    if m.contains("duplicate key") {
        "each key may appear only once; remove or rename one of them".into()
    } else if m.contains("string") || m.contains("quote") {
        "quote text values (`title = \"Grow revenue\"`) and close every quote on the same line"
            .into()
    } else {
        "front matter is TOML: one `key = value` per line, text in double quotes (`owner = \"Jane Doe\"`), numbers bare (`target = 99.9`), dates bare (`date = 2024-04-03`)".into()
    }
}

/// A TOML table being read, with the file it came from for positions.
pub struct Fields<'f, 'a> {
    file: &'f SourceFile,
    offset: usize,
    table: &'f DeTable<'a>,
    /// What the table is, for messages: "objective front matter", "okra.toml", ...
    pub what: &'static str,
    pub diags: Diagnostics,
}

/// A value read from a table, with where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct At<T> {
    pub value: T,
    pub loc: Loc,
}

/// A field that holds either a number or a boolean (KR `current`, update `value`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NumOrBool {
    Num(f64),
    Bool(bool),
}

impl<'f, 'a> Fields<'f, 'a> {
    /// Wraps `table` and reports keys not in `allowed` at once.
    pub fn new(
        file: &'f SourceFile,
        offset: usize,
        table: &'f DeTable<'a>,
        what: &'static str,
        allowed: &[&str],
    ) -> Self {
        let mut f = Fields {
            file,
            offset,
            table,
            what,
            diags: Diagnostics::new(),
        };
        for (key, _) in table.iter() {
            let name: &str = key.get_ref();
            if !allowed.contains(&name) {
                let hint = match did_you_mean(name, allowed.iter().copied()) {
                    Some(s) => {
                        format!("did you mean `{s}`? (allowed keys: {})", allowed.join(", "))
                    }
                    None => format!(
                        "remove it; the {what} takes only these keys: {}",
                        allowed.join(", ")
                    ),
                };
                let loc = f.loc(key.span().start);
                f.diags.push(Diagnostic::error(
                    "unknown-key",
                    loc,
                    format!("unknown key `{name}` in the {what}"),
                    hint,
                ));
            }
        }
        f
    }

    fn loc(&self, span_start: usize) -> Loc {
        self.file.loc(self.offset + span_start)
    }

    fn get(&self, key: &str) -> Option<(&'f Spanned<DeValue<'a>>, Loc)> {
        let v = self.table.get(key)?;
        Some((v, self.loc(v.span().start)))
    }

    pub fn has(&self, key: &str) -> bool {
        self.table.get(key).is_some()
    }

    /// Where a key is, or the start of the file when it is absent.
    pub fn loc_of(&self, key: &str) -> Loc {
        self.get(key).map_or_else(|| self.file.start(), |(_, l)| l)
    }

    pub fn error(
        &mut self,
        code: &'static str,
        loc: Loc,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.diags.push(Diagnostic::error(code, loc, message, hint));
    }

    fn type_error(
        &mut self,
        key: &str,
        expected: &str,
        found: &DeValue<'_>,
        loc: Loc,
        example: &str,
    ) {
        self.error(
            "wrong-type",
            loc,
            format!("`{key}` must be {expected}, found {}", found.type_str()),
            format!("write it as `{key} = {example}`"),
        );
    }

    pub fn warning(
        &mut self,
        code: &'static str,
        loc: Loc,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.diags
            .push(Diagnostic::warning(code, loc, message, hint));
    }

    /// An inline table (`key = { a = "x" }`), read with its own [`Fields`]
    /// (unknown keys reported as for the outer table), and where it was written.
    pub fn table(
        &mut self,
        key: &str,
        what: &'static str,
        allowed: &[&str],
        example: &str,
    ) -> Option<(Fields<'f, 'a>, Loc)> {
        let (v, loc) = self.get(key)?;
        match v.get_ref() {
            DeValue::Table(t) => Some((Fields::new(self.file, self.offset, t, what, allowed), loc)),
            other => {
                self.type_error(key, "a table", other, loc, example);
                None
            }
        }
    }

    /// Whether the key holds text (to tell a word from a number).
    pub fn is_string(&self, key: &str) -> bool {
        self.table
            .get(key)
            .is_some_and(|v| matches!(v.get_ref(), DeValue::String(_)))
    }

    /// Reports a missing required key.
    pub fn missing(&mut self, key: &str, example: &str) {
        let loc = self.file.start();
        let what = self.what;
        self.error(
            "missing-key",
            loc,
            format!("the {what} has no `{key}`"),
            format!("add `{key} = {example}` to the front matter"),
        );
    }

    /// A text value; non-empty after trimming.
    pub fn string(&mut self, key: &str, example: &str) -> Option<At<String>> {
        let (v, loc) = self.get(key)?;
        match v.get_ref() {
            DeValue::String(s) if !s.trim().is_empty() => Some(At {
                value: s.trim().to_string(),
                loc,
            }),
            DeValue::String(_) => {
                self.error(
                    "empty-value",
                    loc,
                    format!("`{key}` is empty"),
                    format!("write it as `{key} = {example}` or remove the key"),
                );
                None
            }
            other => {
                self.type_error(key, "text in quotes", other, loc, example);
                None
            }
        }
    }

    pub fn required_string(&mut self, key: &str, example: &str) -> Option<At<String>> {
        if !self.has(key) {
            self.missing(key, example);
            return None;
        }
        self.string(key, example)
    }

    /// A finite number (integer or float). NaN and infinities are refused.
    pub fn number(&mut self, key: &str, example: &str) -> Option<At<f64>> {
        let (v, loc) = self.get(key)?;
        match to_number(v.get_ref()) {
            Some(n) if n.is_finite() => Some(At { value: n, loc }),
            Some(_) => {
                self.error(
                    "not-finite",
                    loc,
                    format!("`{key}` must be a finite number, not nan or inf"),
                    format!("write a real number, e.g. `{key} = {example}`"),
                );
                None
            }
            None => {
                self.type_error(key, "a number", v.get_ref(), loc, example);
                None
            }
        }
    }

    pub fn boolean(&mut self, key: &str) -> Option<At<bool>> {
        let (v, loc) = self.get(key)?;
        match v.get_ref() {
            DeValue::Boolean(b) => Some(At { value: *b, loc }),
            other => {
                self.type_error(key, "true or false", other, loc, "true");
                None
            }
        }
    }

    /// A number or a boolean, as the metric decides later.
    pub fn number_or_bool(&mut self, key: &str) -> Option<At<NumOrBool>> {
        let (v, loc) = self.get(key)?;
        match v.get_ref() {
            DeValue::Boolean(b) => Some(At {
                value: NumOrBool::Bool(*b),
                loc,
            }),
            other => match to_number(other) {
                Some(n) if n.is_finite() => Some(At {
                    value: NumOrBool::Num(n),
                    loc,
                }),
                Some(_) => {
                    self.error(
                        "not-finite",
                        loc,
                        format!("`{key}` must be a finite number, not nan or inf"),
                        format!("write a real number, e.g. `{key} = 42`"),
                    );
                    None
                }
                None => {
                    self.type_error(
                        key,
                        "a number (or true/false for a boolean metric)",
                        other,
                        loc,
                        "42",
                    );
                    None
                }
            },
        }
    }

    /// A date: a bare TOML date (`2024-04-03`) or the same in quotes.
    pub fn date(&mut self, key: &str) -> Option<At<NaiveDate>> {
        let (v, loc) = self.get(key)?;
        let parsed = match v.get_ref() {
            DeValue::Datetime(dt) => match (dt.date, dt.time) {
                (Some(d), None) => {
                    NaiveDate::from_ymd_opt(d.year as i32, d.month as u32, d.day as u32)
                }
                _ => None,
            },
            DeValue::String(s) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok(),
            _ => None,
        };
        if parsed.is_none() {
            self.error(
                "wrong-type",
                loc.clone(),
                format!("`{key}` must be a date like 2024-04-03"),
                format!("write it as `{key} = 2024-04-03` (a day, without a time)"),
            );
        }
        parsed.map(|value| At { value, loc })
    }

    /// A value from a fixed set, matched case-insensitively with `-`, `_` and space alike.
    pub fn choice<T: Copy>(&mut self, key: &str, options: &[(&'static str, T)]) -> Option<At<T>> {
        let example = options.first().map_or("", |o| o.0);
        let s = self.string(key, &format!("\"{example}\""))?;
        match match_choice(&s.value, options) {
            Some(v) => Some(At {
                value: v,
                loc: s.loc,
            }),
            None => {
                let names: Vec<&str> = options.iter().map(|o| o.0).collect();
                let normal = normalize_choice(&s.value);
                let hint = match did_you_mean(&normal, names.iter().copied()) {
                    Some(m) => format!("did you mean `{m}`? (one of: {})", names.join(", ")),
                    None => format!("use one of: {}", names.join(", ")),
                };
                self.error(
                    "bad-value",
                    s.loc,
                    format!("`{}` is not a valid {key}", s.value),
                    hint,
                );
                None
            }
        }
    }
}

fn to_number(v: &DeValue<'_>) -> Option<f64> {
    match v {
        DeValue::Integer(i) => i64::from_str_radix(&i.as_str().replace('_', ""), i.radix())
            .ok()
            .map(|n| n as f64),
        DeValue::Float(f) => f.as_str().replace('_', "").parse::<f64>().ok(),
        _ => None,
    }
}

/// `On Track`, `on_track` and `ON-TRACK` all become `on-track`.
pub fn normalize_choice(s: &str) -> String {
    let mut out = String::new();
    for word in s
        .split(|c: char| c == '-' || c == '_' || c.is_whitespace())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&word.to_lowercase());
    }
    out
}

pub fn match_choice<T: Copy>(s: &str, options: &[(&'static str, T)]) -> Option<T> {
    let n = normalize_choice(s);
    options.iter().find(|o| o.0 == n).map(|o| o.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_spellings_are_alike() {
        let opts = [("on-track", 1), ("at-risk", 2)];
        for s in [
            "On Track",
            "on_track",
            "ON-TRACK",
            " on  track ",
            "on-track",
        ] {
            assert_eq!(match_choice(s, &opts), Some(1), "{s}");
        }
        assert_eq!(match_choice("ontrack", &opts), None);
    }

    fn read(toml_text: &str, allowed: &[&str]) -> (Diagnostics, Option<f64>, Option<NaiveDate>) {
        let file = SourceFile::new("c/x.md", format!("+++\n{toml_text}+++\n"));
        let mut d = Diagnostics::new();
        let t = parse_toml(&file, &file.text[4..file.text.len() - 4], 4, &mut d).unwrap();
        let mut f = Fields::new(&file, 4, t.get_ref(), "key result front matter", allowed);
        let n = f.number("target", "10");
        let date = f.date("date");
        d.extend(f.diags);
        (d, n.map(|n| n.value), date.map(|d| d.value))
    }

    #[test]
    fn reads_numbers_and_dates() {
        let (d, n, date) = read("target = 1_000\ndate = 2024-04-03\n", &["target", "date"]);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(n, Some(1000.0));
        assert_eq!(date, NaiveDate::from_ymd_opt(2024, 4, 3));
        let (_, n, date) = read(
            "target = 0x10\ndate = \"2024-04-03\"\n",
            &["target", "date"],
        );
        assert_eq!(n, Some(16.0));
        assert!(date.is_some());
    }

    #[test]
    fn unknown_key_points_at_the_key_with_suggestion() {
        let (d, _, _) = read("target = 1\ntagret = 2\n", &["target", "date"]);
        let e = d.iter().next().unwrap();
        assert_eq!(e.code, "unknown-key");
        assert_eq!((e.loc.line, e.loc.column), (3, 1));
        assert!(e.hint.contains("did you mean `target`"), "{}", e.hint);
    }

    #[test]
    fn rejects_nan_and_wrong_types() {
        let (d, n, _) = read("target = nan\n", &["target"]);
        assert_eq!(n, None);
        assert_eq!(d.iter().next().unwrap().code, "not-finite");
        let (d, _, _) = read("target = \"ten\"\n", &["target"]);
        let e = d.iter().next().unwrap();
        assert_eq!(e.code, "wrong-type");
        assert_eq!((e.loc.line, e.loc.column), (2, 10));
    }

    #[test]
    fn syntax_errors_are_shifted_to_the_file_line() {
        let file = SourceFile::new("c/x.md", "+++\ntitle = \"a\"\nowner = \n+++\n".to_string());
        let mut d = Diagnostics::new();
        assert!(parse_toml(&file, &file.text[4..file.text.len() - 4], 4, &mut d).is_none());
        let e = d.iter().next().unwrap();
        assert_eq!(e.code, "toml-syntax");
        assert_eq!(e.loc.line, 3);
    }
}
