//! KR data files: `source = { file, date, value }` names a CSV file (header
//! row first) or a JSON file (an array of objects) under the site root; each
//! row is a dated value. Problems point into the data file
//! (`data/signups.csv:5:1`), or at the KR's `source` line when the file
//! cannot be used at all.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use chrono::NaiveDate;

use crate::diag::{Diagnostic, Diagnostics};
use crate::load::model::{DataSource, Metric, Point};
use crate::source::SourceFile;

/// The folder data files are kept in by convention: the one folder besides
/// `content/` read as committed when a build reads git history (`--as-of`).
pub const DATA_DIR: &str = "data";

/// Where data files are read from.
#[derive(Debug, Clone, Copy)]
pub enum DataFiles<'a> {
    /// The site root on disk.
    Disk(&'a Path),
    /// Files in memory, paths relative to the site root (a history snapshot,
    /// tests); a file not among them is missing.
    Memory(&'a [(String, String)]),
}

impl DataFiles<'_> {
    fn read(&self, rel: &Path) -> Result<Vec<u8>, String> {
        match self {
            DataFiles::Disk(root) => {
                let abs = root.join(rel);
                // A symlink may lead out of the root: the real path must stay in it.
                let (Ok(real), Ok(real_root)) = (abs.canonicalize(), root.canonicalize()) else {
                    return Err(match std::fs::metadata(&abs) {
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => NO_FILE.into(),
                        Err(e) => e.to_string(),
                        Ok(_) => "cannot resolve the path".into(),
                    });
                };
                if !real.starts_with(&real_root) {
                    return Err(OUTSIDE.into());
                }
                std::fs::read(&real).map_err(|e| e.to_string())
            }
            DataFiles::Memory(files) => files
                .iter()
                .find(|(p, _)| Path::new(p) == rel)
                .map(|(_, t)| t.as_bytes().to_vec())
                .ok_or_else(|| NO_FILE.into()),
        }
    }
}

const NO_FILE: &str = "there is no such file";
const OUTSIDE: &str = "it leads outside the site root";

/// The path of `file` relative to the site root, or why it is not under it.
fn under_root(file: &str) -> Result<PathBuf, &'static str> {
    let mut out = PathBuf::new();
    for c in Path::new(file).components() {
        match c {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return Err(OUTSIDE);
                }
            }
            Component::RootDir | Component::Prefix(_) => return Err("it is an absolute path"),
        }
    }
    if out.as_os_str().is_empty() {
        return Err("it names no file");
    }
    Ok(out)
}

/// Why a data file cannot be used at all (an error on the KR's `source` line).
enum Problem {
    Outside,
    Missing,
    Kind,
}

const FILE_HINT: &str = "`file` is a path relative to the site root (where okra.toml is), such as `data/signups.csv`; the file must exist under that folder";

/// Reads the points of one KR's data source, sorted by date (the last row of
/// a day wins). Every problem is reported; bad rows are left out.
pub fn read_points(
    src: &DataSource,
    metric: Metric,
    files: DataFiles<'_>,
    diags: &mut Diagnostics,
) -> Vec<Point> {
    let fail = |diags: &mut Diagnostics, problem: Problem, why: String| {
        let loc = src.loc.clone();
        let message = format!("cannot read the data file `{}`: {why}", src.file);
        diags.push(match problem {
            Problem::Outside => Diagnostic::error("data-file-outside", loc, message, FILE_HINT),
            Problem::Missing => Diagnostic::error("data-file-missing", loc, message, FILE_HINT),
            Problem::Kind => Diagnostic::error("data-file-kind", loc, message, FILE_HINT),
        });
        Vec::new()
    };
    let rel = match under_root(&src.file) {
        Ok(r) => r,
        Err(why) => return fail(diags, Problem::Outside, why.into()),
    };
    let bytes = match files.read(&rel) {
        Ok(b) => b,
        Err(why) if why == OUTSIDE => return fail(diags, Problem::Outside, why),
        Err(why) => return fail(diags, Problem::Missing, why),
    };
    let file = match SourceFile::from_bytes(rel.clone(), bytes) {
        Ok(f) => f,
        Err(d) => {
            diags.push(d);
            return Vec::new();
        }
    };
    let rows = match rel.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("csv") => csv_rows(&file, src, diags),
        Some(e) if e.eq_ignore_ascii_case("json") => json_rows(&file, src, diags),
        _ => {
            return fail(
                diags,
                Problem::Kind,
                "only `.csv` and `.json` files are read".into(),
            );
        }
    };
    let mut by_day = BTreeMap::new();
    for row in rows {
        let date = NaiveDate::parse_from_str(row.date.trim(), "%Y-%m-%d");
        let Ok(date) = date else {
            diags.push(Diagnostic::error(
                "data-bad-date",
                file.loc(row.date_at),
                format!("\"{}\" is not a date", row.date),
                format!(
                    "write the `{}` column as YYYY-MM-DD, such as 2024-04-03",
                    src.date
                ),
            ));
            continue;
        };
        let text = row.value.trim();
        if text.is_empty() {
            continue; // no value that day
        }
        let value = match (metric, text) {
            (Metric::Boolean, "true") => Some(1.0),
            (Metric::Boolean, "false") => Some(0.0),
            (Metric::Boolean, _) => None,
            _ => text.parse::<f64>().ok().filter(|v| v.is_finite()),
        };
        let Some(value) = value else {
            let want = if metric == Metric::Boolean {
                "true or false"
            } else {
                "a number such as 1250 or 99.5 (no unit, no thousands separator)"
            };
            diags.push(Diagnostic::error(
                "data-bad-value",
                file.loc(row.value_at),
                format!("\"{text}\" is not a {} value", metric.as_str()),
                format!("write the `{}` column as {want}", src.value),
            ));
            continue;
        };
        by_day.insert(date, value);
    }
    by_day
        .into_iter()
        .map(|(date, value)| Point { date, value })
        .collect()
}

/// One row's date and value text, with the byte offsets they start at.
struct Row {
    date: String,
    date_at: usize,
    value: String,
    value_at: usize,
}

fn missing_column(
    file: &SourceFile,
    at: usize,
    src: &DataSource,
    col: &str,
    have: &[String],
) -> Diagnostic {
    let have = if have.is_empty() {
        "none".to_string()
    } else {
        have.iter()
            .map(|h| format!("`{h}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    Diagnostic::error(
        "data-missing-column",
        file.loc(at),
        format!("no column `{col}`; the columns are {have}"),
        format!(
            "name an existing column in the KR's `source` ({}:{}), or add the column to the file",
            src.loc.file.display(),
            src.loc.line
        ),
    )
}

fn csv_rows(file: &SourceFile, src: &DataSource, diags: &mut Diagnostics) -> Vec<Row> {
    let text = file.text.strip_prefix('\u{feff}').unwrap_or(&file.text);
    let bom = file.text.len() - text.len();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header: Vec<String> = match records.next() {
        Some(Ok(h)) => h.iter().map(|s| s.trim().to_string()).collect(),
        Some(Err(e)) => {
            diags.push(csv_error(file, bom, &e));
            return Vec::new();
        }
        None => Vec::new(),
    };
    let find = |col: &str| header.iter().position(|h| h == col);
    let (Some(di), Some(vi)) = (find(&src.date), find(&src.value)) else {
        for col in [&src.date, &src.value] {
            if find(col).is_none() {
                diags.push(missing_column(file, bom, src, col, &header));
            }
        }
        return Vec::new();
    };
    let mut rows = Vec::new();
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                diags.push(csv_error(file, bom, &e));
                break;
            }
        };
        let start = bom + record.position().map_or(0, |p| p.byte() as usize);
        if record.iter().all(|f| f.trim().is_empty()) {
            continue; // a blank line
        }
        // Where each field starts: found in order from the record's start.
        let mut at = start;
        let mut offsets = Vec::with_capacity(record.len());
        for field in record.iter() {
            let pos = file.text[at..].find(field).map_or(at, |i| at + i);
            offsets.push(pos);
            at = pos + field.len();
        }
        let get = |i: usize| record.get(i).unwrap_or("").to_string();
        let end = offsets.last().copied().unwrap_or(start);
        rows.push(Row {
            date: get(di),
            date_at: offsets.get(di).copied().unwrap_or(end),
            value: get(vi),
            value_at: offsets.get(vi).copied().unwrap_or(end),
        });
    }
    rows
}

fn csv_error(file: &SourceFile, bom: usize, e: &csv::Error) -> Diagnostic {
    let at = e.position().map_or(0, |p| p.byte() as usize);
    Diagnostic::error(
        "data-bad-csv",
        file.loc(bom + at),
        format!("cannot read the CSV: {e}"),
        "a CSV data file has a header row, then one row per day, fields separated by commas (quote a field with a comma in it)",
    )
}

fn json_rows(file: &SourceFile, src: &DataSource, diags: &mut Diagnostics) -> Vec<Row> {
    let items: Vec<serde_json::Value> = match serde_json::from_str(&file.text) {
        Ok(serde_json::Value::Array(a)) => a,
        Ok(_) => {
            diags.push(Diagnostic::error(
                "data-bad-json",
                file.loc(0),
                "the JSON data file is not an array",
                format!(
                    "write it as an array of objects: [{{\"{}\": \"2024-04-03\", \"{}\": 12}}]",
                    src.date, src.value
                ),
            ));
            return Vec::new();
        }
        Err(e) => {
            let loc =
                crate::diag::Loc::new(file.path.clone(), e.line() as u32, e.column().max(1) as u32);
            let message = e.to_string();
            let message = message.split(" at line ").next().unwrap_or(&message);
            diags.push(Diagnostic::error(
                "data-bad-json",
                loc,
                format!("invalid JSON: {message}"),
                "a JSON data file is an array of objects, one per day",
            ));
            return Vec::new();
        }
    };
    let starts = element_starts(&file.text);
    let mut rows = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = starts.get(i).copied().unwrap_or(0);
        let Some(obj) = item.as_object() else {
            diags.push(Diagnostic::error(
                "data-bad-json",
                file.loc(at),
                "this element of the array is not an object",
                format!(
                    "write each day as an object: {{\"{}\": \"2024-04-03\", \"{}\": 12}}",
                    src.date, src.value
                ),
            ));
            continue;
        };
        let have: Vec<String> = obj.keys().cloned().collect();
        let field = |key: &str, diags: &mut Diagnostics| -> Option<(String, usize)> {
            let Some(v) = obj.get(key) else {
                diags.push(missing_column(file, at, src, key, &have));
                return None;
            };
            let text = match v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => String::new(),
                other => other.to_string(),
            };
            // The value's position: its key's first appearance in this element.
            let needle = serde_json::to_string(key).unwrap_or_default();
            let pos = file.text[at..].find(&needle).map_or(at, |k| {
                let after = at + k + needle.len();
                let colon = file.text[after..]
                    .find(':')
                    .map_or(after, |c| after + c + 1);
                colon + (file.text[colon..].len() - file.text[colon..].trim_start().len())
            });
            Some((text, pos))
        };
        let date = field(&src.date, diags);
        let value = field(&src.value, diags);
        if let (Some((date, date_at)), Some((value, value_at))) = (date, value) {
            rows.push(Row {
                date,
                date_at,
                value,
                value_at,
            });
        }
    }
    rows
}

/// The byte offsets where the elements of a top-level JSON array start.
fn element_starts(text: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let (mut depth, mut in_string, mut escaped, mut expect) = (0u32, false, false, false);
    for (i, c) in text.char_indices() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        if expect && !c.is_whitespace() && c != ']' {
            starts.push(i);
            expect = false;
        }
        match c {
            '"' => in_string = true,
            '[' | '{' => {
                depth += 1;
                if depth == 1 {
                    expect = true;
                }
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            ',' if depth == 1 => expect = true,
            _ => {}
        }
    }
    starts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Loc;

    fn src(file: &str) -> DataSource {
        DataSource {
            file: file.into(),
            date: "day".into(),
            value: "signups".into(),
            loc: Loc::new("content/a/kr.md", 8, 10),
        }
    }

    fn read(path: &str, text: &str) -> (Vec<Point>, Vec<String>) {
        let files = [(path.to_string(), text.to_string())];
        let mut d = Diagnostics::new();
        let p = read_points(
            &src(path),
            Metric::Number,
            DataFiles::Memory(&files),
            &mut d,
        );
        let msgs = d
            .sorted()
            .iter()
            .map(|d| {
                format!(
                    "{}:{}:{}: {}",
                    d.loc.file.display(),
                    d.loc.line,
                    d.loc.column,
                    d.message
                )
            })
            .collect();
        (p, msgs)
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn csv_points_sorted_last_of_a_day_wins() {
        let (p, m) = read(
            "data/s.csv",
            "day,signups\n2024-04-03,12\n2024-04-01,5\n\n2024-04-03,13\n2024-04-02,\n",
        );
        assert!(m.is_empty(), "{m:?}");
        let want = [(day("2024-04-01"), 5.0), (day("2024-04-03"), 13.0)];
        let got: Vec<_> = p.iter().map(|p| (p.date, p.value)).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn csv_errors_point_into_the_file() {
        let (p, m) = read(
            "data/s.csv",
            "n,day,signups\n1,2024-04-01,5\n2,2024-13-01,6\n3,2024-04-03,many\n",
        );
        assert_eq!(p.len(), 1);
        assert_eq!(
            m,
            [
                "data/s.csv:3:3: \"2024-13-01\" is not a date",
                "data/s.csv:4:14: \"many\" is not a number value",
            ]
        );
        let (_, m) = read("data/s.csv", "date,count\n2024-04-01,5\n");
        assert_eq!(
            m,
            [
                "data/s.csv:1:1: no column `day`; the columns are `date`, `count`",
                "data/s.csv:1:1: no column `signups`; the columns are `date`, `count`",
            ]
        );
    }

    #[test]
    fn json_points_and_errors() {
        let text = "[\n  {\"day\": \"2024-04-01\", \"signups\": 5},\n  {\"day\": \"2024-13-01\", \"signups\": 6},\n  {\"day\": \"2024-04-02\"}\n]\n";
        let (p, m) = read("data/x.json", text);
        assert_eq!(
            p,
            [Point {
                date: day("2024-04-01"),
                value: 5.0
            }]
        );
        assert_eq!(
            m,
            [
                "data/x.json:3:11: \"2024-13-01\" is not a date",
                "data/x.json:4:3: no column `signups`; the columns are `day`",
            ]
        );
        let (_, m) = read("data/x.json", "[{\"day\": }]");
        assert_eq!(m.len(), 1);
        assert!(m[0].starts_with("data/x.json:1:10: invalid JSON"), "{m:?}");
    }

    #[test]
    fn missing_and_outside_files_are_errors_on_the_source_line() {
        let mut d = Diagnostics::new();
        for f in [
            "../secret.csv",
            "/etc/passwd.csv",
            "data/none.csv",
            "data/x.txt",
        ] {
            read_points(&src(f), Metric::Number, DataFiles::Memory(&[]), &mut d);
        }
        let got: Vec<_> = d.sorted().iter().map(|d| d.code).collect();
        assert_eq!(
            got,
            [
                "data-file-outside",
                "data-file-outside",
                "data-file-missing",
                "data-file-missing"
            ]
        );
        assert!(d.sorted().iter().all(|d| d.loc == src("x").loc));
    }
}
