//! `okra import csv`: a spreadsheet export, one row per objective or key result.
//!
//! Columns (header row, any order, any case): `level`, `title`, `owner`,
//! `team`, `period`, `parent`, `metric`, `start`, `target`, `unit`, and
//! optionally `weight`, `series`, `description`. `level` is `objective` or
//! `key result`; a key result row belongs to the objective row above it;
//! `parent` names another objective by its title. Quoted fields, a UTF-8 BOM
//! and CRLF line ends are accepted.

use std::collections::BTreeMap;

use super::{Import, Names, body, site_config, team_file, toml_number, year_dir};
use crate::diag::{Diagnostic, Loc, did_you_mean};
use crate::load::walk::suggest_segment;
use crate::period::{FiscalYear, Period};
use crate::scaffold::toml_str;

/// Every column okra reads; the first four are required.
pub const COLUMNS: [&str; 13] = [
    "level",
    "title",
    "owner",
    "period",
    "team",
    "parent",
    "metric",
    "start",
    "target",
    "unit",
    "weight",
    "series",
    "description",
];
const REQUIRED: usize = 4;

struct Objective {
    line: u32,
    id: String,
    title: String,
    owner: String,
    team: Option<String>,
    year: FiscalYear,
    parent: Option<String>,
    description: String,
}

/// Imports the spreadsheet `bytes`; `file` is how diagnostics name it.
pub fn import(file: &str, bytes: &[u8]) -> Import {
    let mut out = Import::default();
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(bytes);
    let err = |line: u64, msg: String, hint: &str| {
        Diagnostic::error(
            "import-csv",
            Loc::new(file, line as u32, 1),
            msg,
            hint.to_string(),
        )
    };
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            out.diagnostics.push(err(
                1,
                format!("cannot read the header row: {e}"),
                "save the sheet as CSV (UTF-8) with a header row",
            ));
            return out;
        }
    };
    // Column name → index.
    let mut cols: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut present = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        let name = h.trim().to_lowercase().replace(['_', '-'], " ");
        present.push(format!("`{}`", h.trim()));
        match COLUMNS.iter().find(|c| **c == name) {
            Some(c) => {
                cols.insert(c, i);
            }
            None if name.is_empty() => {}
            None => out.unmapped.push(match did_you_mean(&name, COLUMNS) {
                Some(s) => format!(
                    "{file}: column `{}` is not imported (did you mean `{s}`?)",
                    h.trim()
                ),
                None => format!("{file}: column `{}` is not imported", h.trim()),
            }),
        }
    }
    let missing: Vec<&str> = COLUMNS[..REQUIRED]
        .iter()
        .filter(|c| !cols.contains_key(*c))
        .copied()
        .collect();
    if !missing.is_empty() {
        out.diagnostics.push(err(
            1,
            format!(
                "the header row has no column {}; it has {}",
                missing
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                present.join(", ")
            ),
            &format!(
                "the first row names the columns: {} (`level` is `objective` or `key result`)",
                COLUMNS.join(",")
            ),
        ));
        return out;
    }

    let mut names = Names::default();
    let mut objectives: Vec<Objective> = Vec::new();
    let mut krs: Vec<(usize, String)> = Vec::new(); // (objective, file text) per KR, with its path
    let mut kr_paths: Vec<String> = Vec::new();
    let mut teams: BTreeMap<String, String> = BTreeMap::new(); // id → name
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| line_of(bytes, p.byte()));
                out.diagnostics.push(err(
                    line,
                    format!("cannot read this row: {e}"),
                    "save the sheet as CSV with UTF-8 text; a quote inside a quoted field is written twice (\"\")",
                ));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| line_of(bytes, p.byte()));
        let get = |c: &str| -> String {
            cols.get(c)
                .and_then(|&i| record.get(i))
                .unwrap_or("")
                .trim()
                .to_string()
        };
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let mut bad = |msg: String, hint: &str| out.diagnostics.push(err(line, msg, hint));
        let level = get("level").to_lowercase().replace(['_', '-'], " ");
        let level = level.split_whitespace().collect::<Vec<_>>().join(" ");
        let is_objective = match level.as_str() {
            "objective" | "o" => true,
            "key result" | "keyresult" | "kr" => false,
            other => {
                bad(
                    format!("level `{other}` is neither `objective` nor `key result`"),
                    "write `objective` on an objective's row and `key result` on each of its key results below it",
                );
                continue;
            }
        };
        let title = get("title");
        let owner = get("owner");
        if title.is_empty() {
            bad("the title is empty".into(), "every row needs a title");
        }
        if owner.is_empty() {
            bad(
                "the owner is empty".into(),
                "every objective and key result has an accountable owner: a person's name",
            );
        }
        let period_text = get("period");
        let period = match Period::parse(&period_text) {
            Ok(p) => Some(p),
            Err(e) => {
                bad(format!("period: {}", e.message), &e.hint);
                None
            }
        };
        let team = {
            let t = get("team");
            if t.is_empty() {
                None
            } else {
                let id = suggest_segment(&t);
                teams.entry(id.clone()).or_insert(t);
                Some(id)
            }
        };
        if is_objective {
            let year = match period {
                Some(Period::Year(y)) => y,
                Some(Period::Quarter(q)) => {
                    bad(
                        format!(
                            "an objective's period is a fiscal year, not the quarter `{period_text}`"
                        ),
                        &format!(
                            "write `{}`; the quarters are its key results' periods",
                            q.year
                        ),
                    );
                    q.year
                }
                None => continue,
            };
            for c in ["metric", "start", "target", "unit", "weight", "series"] {
                if !get(c).is_empty() {
                    out.unmapped.push(format!(
                        "{file}:{line}: `{c}` of objective `{title}` is not imported (objectives are measured by their key results)"
                    ));
                }
            }
            let parent = Some(get("parent")).filter(|p| !p.is_empty());
            let id = names.unique(&year_dir(year), &title);
            objectives.push(Objective {
                line: line as u32,
                id,
                title,
                owner,
                team,
                year,
                parent,
                description: get("description"),
            });
            continue;
        }
        // A key result.
        let Some(oi) = objectives.len().checked_sub(1) else {
            bad(
                "a key result before any objective row".into(),
                "put the objective's row (level `objective`) above its key results",
            );
            continue;
        };
        let o = &objectives[oi];
        let quarter = match period {
            Some(Period::Quarter(q)) => {
                if q.year != o.year {
                    bad(
                        format!(
                            "the key result's quarter `{period_text}` is not in its objective's fiscal year {}",
                            o.year
                        ),
                        "a key result belongs to a quarter of its objective's year; move the row under an objective of that year",
                    );
                }
                q
            }
            Some(Period::Year(y)) => {
                bad(
                    format!(
                        "a key result's period is a quarter, not the fiscal year `{period_text}`"
                    ),
                    &format!("write e.g. `Q1 {y}`"),
                );
                continue;
            }
            None => continue,
        };
        if !get("parent").is_empty() {
            out.unmapped.push(format!(
                "{file}:{line}: `parent` of key result `{title}` is not imported (a key result belongs to the objective above it)"
            ));
        }
        let metric_text = get("metric");
        let metric = match metric_text
            .to_lowercase()
            .replace(['_', '-', ' '], "")
            .as_str()
        {
            "percent" | "percentage" | "%" => "percent",
            "number" | "count" => "number",
            "currency" | "money" => "currency",
            "boolean" | "bool" | "yes/no" | "yesno" | "done" => "boolean",
            _ => {
                bad(
                    if metric_text.is_empty() {
                        "the key result has no metric".to_string()
                    } else {
                        format!(
                            "metric `{metric_text}` is not one of percent, number, currency, boolean"
                        )
                    },
                    "write `percent`, `number`, `currency` or `boolean` (done or not)",
                );
                continue;
            }
        };
        let mut fm = format!(
            "+++\ntitle = {}\nowner = {}\n",
            toml_str(&title),
            toml_str(&owner)
        );
        if team.is_some() && team != o.team {
            fm += &format!("team = {}\n", toml_str(team.as_deref().unwrap_or_default()));
        }
        fm += &format!(
            "period = \"Q{} FY{:02}\"\nmetric = \"{metric}\"\n",
            quarter.q,
            quarter.year.0 % 100
        );
        let number = |c: &str| -> Result<Option<f64>, String> {
            let t = get(c);
            if t.is_empty() {
                return Ok(None);
            }
            parse_number(&t)
                .map(Some)
                .ok_or_else(|| format!("{c} `{t}` is not a number"))
        };
        if metric == "boolean" {
            for c in ["start", "target"] {
                let t = get(c).to_lowercase();
                if !matches!(t.as_str(), "" | "0" | "1" | "false" | "true" | "no" | "yes") {
                    bad(
                        format!("{c} `{t}` of a boolean key result"),
                        "a boolean key result goes from not done to done: leave start and target empty",
                    );
                }
            }
        } else {
            let mut ok = true;
            for c in ["start", "target"] {
                match number(c) {
                    Ok(Some(x)) => fm += &format!("{c} = {}\n", toml_number(x)),
                    Ok(None) => {
                        ok = false;
                        bad(
                            format!("the key result has no {c}"),
                            &format!("a {metric} key result needs a start and a target value"),
                        );
                    }
                    Err(m) => {
                        ok = false;
                        bad(
                            m,
                            "write a plain number: `45`, `99.9`, `1200` (a trailing % is fine)",
                        );
                    }
                }
            }
            if !ok {
                continue;
            }
        }
        let unit = get("unit");
        if !unit.is_empty() {
            fm += &format!("unit = {}\n", toml_str(&unit));
        }
        match number("weight") {
            Ok(Some(w)) if w > 0.0 => fm += &format!("weight = {}\n", toml_number(w)),
            Ok(None) => {}
            Ok(Some(_)) | Err(_) => bad(
                format!("weight `{}` is not a number above 0", get("weight")),
                "a weight is a positive number (default 1)",
            ),
        }
        let series = get("series");
        if !series.is_empty() {
            fm += &format!("series = {}\n", toml_str(&series));
        }
        fm += "+++\n";
        fm += &body(&get("description"));
        let dir = format!("{}/{}", year_dir(o.year), o.id);
        let kr = names.unique(&dir, &title);
        kr_paths.push(format!("{dir}/{kr}.md"));
        krs.push((oi, fm));
    }

    // Parents by title (case and spacing ignored).
    let key = |t: &str| {
        t.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    // The first objective of each title, and of each title in each year (a
    // parent is looked for in the objective's own year first).
    let by_title: BTreeMap<String, usize> = objectives
        .iter()
        .enumerate()
        .rev()
        .map(|(i, o)| (key(&o.title), i))
        .collect();
    let by_year_title: BTreeMap<(FiscalYear, String), usize> = objectives
        .iter()
        .enumerate()
        .rev()
        .map(|(i, o)| ((o.year, key(&o.title)), i))
        .collect();
    let mut files = vec![site_config("OKRs", None)];
    for (id, name) in &teams {
        files.push(team_file(id, name));
    }
    for o in &objectives {
        let mut fm = format!(
            "+++\ntitle = {}\nowner = {}\nperiod = \"FY{:02}\"\n",
            toml_str(&o.title),
            toml_str(&o.owner),
            o.year.0 % 100
        );
        if let Some(t) = &o.team {
            fm += &format!("team = {}\n", toml_str(t));
        }
        if let Some(p) = &o.parent {
            let found = by_year_title
                .get(&(o.year, key(p)))
                .or_else(|| by_title.get(&key(p)));
            match found {
                Some(&pi) if objectives[pi].year == o.year && objectives[pi].id != o.id => {
                    let po = &objectives[pi];
                    fm += &format!("parent = \"fy{:02}/{}\"\n", po.year.0 % 100, po.id);
                }
                Some(&pi) if objectives[pi].id == o.id => out.diagnostics.push(err(
                    o.line as u64,
                    format!("objective `{}` names itself as its parent", o.title),
                    "`parent` is the title of the objective this one aligns to",
                )),
                Some(&pi) => out.diagnostics.push(err(
                    o.line as u64,
                    format!(
                        "parent `{p}` is an objective of {}, not {}",
                        objectives[pi].year, o.year
                    ),
                    "an objective aligns to an objective of the same fiscal year",
                )),
                None => {
                    let titles: Vec<&str> = objectives.iter().map(|o| o.title.as_str()).collect();
                    let hint = match did_you_mean(p, titles.iter().copied()) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => {
                            "`parent` is the title of another objective row of the sheet".into()
                        }
                    };
                    out.diagnostics.push(err(
                        o.line as u64,
                        format!("parent `{p}` is not the title of an objective in the sheet"),
                        &hint,
                    ));
                }
            }
        }
        fm += "+++\n";
        fm += &body(&o.description);
        files.push((format!("{}/{}/objective.md", year_dir(o.year), o.id), fm));
    }
    for (path, (_, text)) in kr_paths.into_iter().zip(krs) {
        files.push((path, text));
    }
    out.files = files;
    out
}

/// The 1-based line of the record starting at byte `at`. (After a CRLF the
/// csv crate starts the next record at the LF, and its line count is one short.)
fn line_of(bytes: &[u8], at: u64) -> u64 {
    let mut at = (at as usize).min(bytes.len());
    while at < bytes.len() && matches!(bytes[at], b'\r' | b'\n') {
        at += 1;
    }
    bytes[..at].iter().filter(|&&b| b == b'\n').count() as u64 + 1
}

/// `45`, `-3.5`, `99.9%`, `1,200,000`, `1 200`: a number as a sheet writes it.
pub fn parse_number(s: &str) -> Option<f64> {
    let t = s.trim().trim_end_matches('%').trim();
    let plain: String = if t.contains(',') {
        // Only thousands separators: groups of three digits after each comma.
        let (int, frac) = t.split_once('.').unwrap_or((t, ""));
        let mut parts = int.split(',');
        let first = parts.next()?;
        let digits = first.trim_start_matches('-');
        if digits.is_empty() || digits.len() > 3 {
            return None;
        }
        let mut out = first.to_string();
        for p in parts {
            if p.len() != 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            out.push_str(p);
        }
        if frac.is_empty() {
            out
        } else {
            format!("{out}.{frac}")
        }
    } else {
        t.replace(['\u{a0}', ' ', '_'], "")
    };
    plain.parse::<f64>().ok().filter(|x| x.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(i: &Import) -> BTreeMap<&str, &str> {
        i.files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect()
    }

    #[test]
    fn a_sheet_with_bom_crlf_and_quotes() {
        let sheet = "\u{feff}Level,Title,Owner,Team,Period,Parent,Metric,Start,Target,Unit\r\n\
            objective,\"Grow, and keep, customers\",Ana Ruiz,,FY26,,,,,\r\n\
            objective,Sell to mid-market,Ben Okafor,Sales,FY26,\"Grow, and keep, customers\",,,,\r\n\
            key result,\"Raise NPS from 30 to \"\"45\"\"\",Ben Okafor,,Q1 FY26,,number,30,45,\r\n\
            key result,Win 20 deals,Ben Okafor,Sales,FY26 Q1,,number,\"1,000\",\"2,000\",EUR\r\n";
        let i = import("okrs.csv", sheet.as_bytes());
        assert!(
            i.diagnostics.is_empty(),
            "{}",
            i.diagnostics.render_human(false)
        );
        let f = files(&i);
        let o = f["content/fy26/sell-to-mid-market/objective.md"];
        assert!(
            o.contains("parent = \"fy26/grow-and-keep-customers\""),
            "{o}"
        );
        assert!(o.contains("team = \"sales\""), "{o}");
        let kr = f["content/fy26/sell-to-mid-market/raise-nps-from-30-to-45.md"];
        assert!(
            kr.contains(r#"title = 'Raise NPS from 30 to "45"'"#),
            "{kr}"
        );
        assert!(kr.contains("period = \"Q1 FY26\""), "{kr}");
        let kr = f["content/fy26/sell-to-mid-market/win-20-deals.md"];
        assert!(
            kr.contains("start = 1000\ntarget = 2000\nunit = \"EUR\""),
            "{kr}"
        );
        assert!(f["content/teams/sales.md"].contains("name = \"Sales\""));
    }

    #[test]
    fn errors_name_the_line() {
        let sheet = "level,title,owner,period,metric,start,target\n\
            key result,Orphan,Ann,Q1 FY26,number,1,2\n\
            objective,O,Ann,FY26,,,\n\
            key result,K,Ann,Q5 FY26,number,1,2\n\
            key result,K2,Ann,Q1 FY26,number,one,2\n";
        let i = import("s.csv", sheet.as_bytes());
        let h = i.diagnostics.render_human(false);
        assert!(
            h.contains("s.csv:2:1: error: a key result before any objective row"),
            "{h}"
        );
        assert!(h.contains("s.csv:4:1: error: period:"), "{h}");
        assert!(
            h.contains("s.csv:5:1: error: start `one` is not a number"),
            "{h}"
        );
    }

    #[test]
    fn a_missing_column_names_the_columns_there_are() {
        let i = import("s.csv", b"level,name,owner,period\n");
        let h = i.diagnostics.render_human(false);
        assert!(
            h.contains("no column `title`; it has `level`, `name`, `owner`, `period`"),
            "{h}"
        );
        assert!(
            i.unmapped[0].contains("column `name` is not imported"),
            "{:?}",
            i.unmapped
        );
    }

    #[test]
    fn odd_input_never_panics() {
        for input in [
            &b""[..],
            b"\xef\xbb\xbf",
            b"level,title,owner,period\n",
            b"level,title,owner,period\n\xff\xfe,\x00\n",
            b"level,title,owner,period\n\"unterminated,x\n",
            b"level,title,owner,period\nobjective,,,\nkey result\n,,,,,,,,\n",
            b"level,title,owner,period,metric,start,target\nobjective,A,B,FY99,,,\nkr,K,B,Q4 FY99,percent,1e400,-1e400\n",
        ] {
            let _ = import("x.csv", input);
        }
        let long = format!(
            "level,title,owner,period\nobjective,{},B,FY26\n",
            "é".repeat(10_000)
        );
        let i = import("x.csv", long.as_bytes());
        assert!(i.files.iter().all(|(p, _)| p.len() < 200));
    }

    #[test]
    fn numbers_as_sheets_write_them() {
        assert_eq!(parse_number("45"), Some(45.0));
        assert_eq!(parse_number(" 99.9% "), Some(99.9));
        assert_eq!(parse_number("1,200,000.5"), Some(1_200_000.5));
        assert_eq!(parse_number("1,5"), None);
        assert_eq!(parse_number("-3"), Some(-3.0));
        assert_eq!(parse_number("n/a"), None);
    }
}
