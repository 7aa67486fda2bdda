//! `okra import asana`: Asana Goals, saved from the API as JSON.
//!
//! - `goals.json`: `GET /goals` (opt_fields name, notes, owner.name, team.name,
//!   time_period.{display_name,period,start_on,end_on}, metric.*, status);
//! - `relationships.json`: `GET /goal_relationships` responses (which goal or
//!   project supports which goal, with its contribution weight);
//! - `status_updates.json` (optional): `GET /status_updates` for the goals.
//!
//! Each file may hold one response (`{"data": [...]}`), an array of responses
//! (one per call or page), or a bare array of records.
//!
//! Yearly goals become objectives; quarterly goals supporting a yearly goal its
//! key results; a yearly goal supporting another one aligns to it (`parent`).
//! The latest status update of a quarterly goal becomes its update, with the
//! goal's current value (Asana keeps no value per status update); earlier ones
//! are quoted in its text. Everything else is listed as not imported.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::NaiveDate;
use serde_json::Value;

use super::{Import, Names, body, team_file, toml_number, year_dir};
use crate::diag::{Diagnostic, Diagnostics, Loc};
use crate::load::walk::suggest_segment;
use crate::period::{FiscalYear, Period, Quarter};
use crate::scaffold::toml_str;

/// The files read from the folder.
pub const GOALS: &str = "goals.json";
pub const RELATIONSHIPS: &str = "relationships.json";
pub const STATUS_UPDATES: &str = "status_updates.json";

/// Reads the saved responses in `dir` and imports them. A missing
/// `goals.json` or `relationships.json` is a usage error (`Err`).
pub fn read_dir(dir: &Path) -> Result<Import, String> {
    let read = |name: &str, required: bool| -> Result<Option<(String, String)>, String> {
        let path = dir.join(name);
        match std::fs::read(&path) {
            Ok(bytes) => Ok(Some((
                path.display().to_string(),
                String::from_utf8_lossy(&bytes).into_owned(),
            ))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => Ok(None),
            Err(e) => Err(format!(
                "cannot read {}: {e} (the folder holds {GOALS}, {RELATIONSHIPS} and optionally {STATUS_UPDATES}; docs/cli.md gives the curl calls)",
                path.display()
            )),
        }
    };
    let goals = read(GOALS, true)?.unwrap_or_default();
    let relationships = read(RELATIONSHIPS, true)?.unwrap_or_default();
    let updates = read(STATUS_UPDATES, false)?;
    Ok(import(
        (&goals.0, &goals.1),
        (&relationships.0, &relationships.1),
        updates.as_ref().map(|(f, t)| (f.as_str(), t.as_str())),
    ))
}

/// The records of a saved file: the `data` of one response, of an array of
/// responses, or a bare array. JSON errors point into the file.
fn records(file: &str, text: &str, diags: &mut Diagnostics) -> Vec<Value> {
    let v: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            diags.push(Diagnostic::error(
                "import-asana",
                Loc::new(file, e.line() as u32, e.column() as u32),
                format!("not valid JSON: {e}"),
                "save the API response as it came (`curl … -o FILE`); several responses go in a JSON array",
            ));
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    let mut take = |v: Value, diags: &mut Diagnostics| match v {
        Value::Object(mut o) => {
            if let Some(errors) = o.get("errors") {
                diags.push(Diagnostic::error(
                    "import-asana",
                    Loc::file(file),
                    format!("the saved response is an error from Asana: {errors}"),
                    "check the token and the ids in the curl call, then save the response again",
                ));
            } else if let Some(Value::Array(data)) = o.remove("data") {
                out.extend(data);
            } else if let Some(Value::Object(one)) = o.remove("data") {
                out.push(Value::Object(one));
            } else {
                out.push(Value::Object(o));
            }
        }
        other => diags.push(Diagnostic::error(
            "import-asana",
            Loc::file(file),
            format!("expected an API response (an object with `data`), found {other}"),
            "save the API response as it came; several responses go in a JSON array",
        )),
    };
    match v {
        Value::Array(items) => {
            for i in items {
                take(i, diags);
            }
        }
        v => take(v, diags),
    }
    out
}

fn s<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut v = v;
    for p in path {
        v = v.get(p)?;
    }
    v.as_str().map(str::trim).filter(|s| !s.is_empty())
}

fn n(v: &Value, key: &str) -> Option<f64> {
    v.get(key)?.as_f64().filter(|x| x.is_finite())
}

struct Metric {
    okra: &'static str,
    unit: Option<String>,
    initial: Option<f64>,
    target: Option<f64>,
    current: Option<f64>,
}

impl Metric {
    fn read(m: &Value) -> Option<Metric> {
        if !m.is_object() {
            return None;
        }
        // Asana stores a percentage as a fraction: 0.25 is 25%.
        let (okra, unit, scale) = match s(m, &["unit"]).unwrap_or("none") {
            "percentage" => ("percent", None, 100.0),
            "currency" => ("currency", s(m, &["currency_code"]).map(String::from), 1.0),
            _ => ("number", None, 1.0),
        };
        // 0.145 × 100 is 14.499999999999998: round to a millionth.
        let scaled = |k| n(m, k).map(|x| (x * scale * 1e6).round() / 1e6);
        Some(Metric {
            okra,
            unit,
            initial: scaled("initial_number_value"),
            target: scaled("target_number_value"),
            current: scaled("current_number_value"),
        })
    }
}

struct Goal {
    gid: String,
    name: String,
    notes: String,
    owner: Option<String>,
    team: Option<String>,
    period: Option<Period>,
    period_text: String,
    metric: Option<Metric>,
    status: Option<String>,
}

/// Asana's status words → okra's.
fn status(word: &str) -> Option<&'static str> {
    Some(match word {
        "on_track" | "green" => "on-track",
        "at_risk" | "yellow" => "at-risk",
        "off_track" | "red" => "off-track",
        "achieved" => "achieved",
        "partial" => "partial",
        "missed" => "missed",
        "dropped" => "dropped",
        _ => return None,
    })
}

struct Kr {
    goal: usize,
    weight: Option<f64>,
}

/// Imports the saved responses: each is (how diagnostics name it, its text).
pub fn import(
    goals: (&str, &str),
    relationships: (&str, &str),
    updates: Option<(&str, &str)>,
) -> Import {
    let mut out = Import::default();
    let goal_records = records(goals.0, goals.1, &mut out.diagnostics);
    let rel_records = records(relationships.0, relationships.1, &mut out.diagnostics);
    let update_records = updates
        .map(|(f, t)| records(f, t, &mut out.diagnostics))
        .unwrap_or_default();
    if out.diagnostics.has_errors() {
        return out;
    }

    // Goals, in the order of the file; the first FY period gives the calendar.
    let mut calendar: Option<(u32, &'static str)> = None;
    let mut gs: Vec<Goal> = Vec::new();
    for g in &goal_records {
        let Some(gid) = s(g, &["gid"]) else { continue };
        let name = s(g, &["name"]).unwrap_or("(untitled goal)").to_string();
        let period_text = s(g, &["time_period", "display_name"])
            .unwrap_or("")
            .to_string();
        let kind = s(g, &["time_period", "period"]).unwrap_or("");
        let period = match Period::parse(&period_text) {
            Ok(p) if !matches!(kind, "H1" | "H2") => Some(p),
            _ => None,
        };
        let day = |k: &str| {
            s(g, &["time_period", k]).and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        };
        if let (Some(Period::Year(y)), None, Some(start), Some(end)) =
            (period, calendar, day("start_on"), day("end_on"))
        {
            use chrono::Datelike;
            let named = if end.year() == y.0 { "end" } else { "start" };
            calendar = Some((start.month(), named));
        }
        gs.push(Goal {
            gid: gid.to_string(),
            name,
            notes: s(g, &["notes"]).unwrap_or("").to_string(),
            owner: s(g, &["owner", "name"]).map(String::from),
            team: s(g, &["team", "name"]).map(String::from),
            period,
            period_text,
            metric: g.get("metric").and_then(Metric::read),
            status: s(g, &["status"]).map(String::from),
        });
    }
    let by_gid: BTreeMap<&str, usize> = gs
        .iter()
        .enumerate()
        .map(|(i, g)| (g.gid.as_str(), i))
        .collect();
    let mut usable = vec![true; gs.len()];
    for (i, g) in gs.iter().enumerate() {
        if g.period.is_none() {
            usable[i] = false;
            out.unmapped.push(format!(
                "goal `{}` ({}): its time period is neither a fiscal year nor a quarter",
                g.name,
                if g.period_text.is_empty() {
                    "no time period"
                } else {
                    &g.period_text
                }
            ));
        } else if g.owner.is_none() {
            usable[i] = false;
            out.unmapped.push(format!(
                "goal `{}`: it has no owner (set one in Asana and save goals.json again)",
                g.name
            ));
        }
    }
    let year_of = |g: &Goal| g.period.map(|p| p.year());
    let is_year = |g: &Goal| matches!(g.period, Some(Period::Year(_)));

    // Relationships.
    let mut parent: BTreeMap<usize, usize> = BTreeMap::new();
    let mut krs: BTreeMap<usize, Vec<Kr>> = BTreeMap::new(); // objective → its KRs
    let mut kr_of: BTreeMap<usize, usize> = BTreeMap::new(); // KR goal → objective
    let mut nested: BTreeSet<usize> = BTreeSet::new(); // listed: supports a quarterly goal
    for r in &rel_records {
        let supported = s(r, &["supported_goal", "gid"]).and_then(|g| by_gid.get(g).copied());
        let supporting_name = s(r, &["supporting_resource", "name"]).unwrap_or("(unnamed)");
        let rtype = s(r, &["supporting_resource", "resource_type"]).unwrap_or("goal");
        let supported_name = s(r, &["supported_goal", "name"]).unwrap_or("(unnamed)");
        if rtype != "goal" {
            out.unmapped.push(format!(
                "{rtype} `{supporting_name}` supporting goal `{supported_name}`: only goals are imported"
            ));
            continue;
        }
        let supporting = s(r, &["supporting_resource", "gid"]).and_then(|g| by_gid.get(g).copied());
        let (Some(sup), Some(kid)) = (supported, supporting) else {
            out.unmapped.push(format!(
                "goal `{supporting_name}` supporting goal `{supported_name}`: one of them is not in goals.json"
            ));
            continue;
        };
        if !usable[sup] || !usable[kid] {
            continue;
        }
        let (sg, kg) = (&gs[sup], &gs[kid]);
        if !is_year(sg) {
            nested.insert(kid);
            out.unmapped.push(format!(
                "goal `{}` supporting the quarterly goal `{}`: key results do not nest",
                kg.name, sg.name
            ));
        } else if year_of(sg) != year_of(kg) {
            out.unmapped.push(format!(
                "goal `{}` ({}) supporting goal `{}` ({}): not the same fiscal year",
                kg.name, kg.period_text, sg.name, sg.period_text
            ));
        } else if is_year(kg) {
            // Walk up from the supported goal: reaching the supporting one is a cycle.
            let mut up = Some(sup);
            let mut steps = 0;
            while let Some(u) = up.filter(|&u| u != kid && steps <= gs.len()) {
                up = parent.get(&u).copied();
                steps += 1;
            }
            if up == Some(kid) {
                out.unmapped.push(format!(
                    "goal `{}` supporting goal `{}`: objectives cannot align in a circle",
                    kg.name, sg.name
                ));
            } else if let Some(&p) = parent.get(&kid) {
                out.unmapped.push(format!(
                    "goal `{}` also supports `{}`: an objective aligns to one parent (kept `{}`)",
                    kg.name, sg.name, gs[p].name
                ));
            } else {
                parent.insert(kid, sup);
            }
        } else if let Some(&o) = kr_of.get(&kid) {
            out.unmapped.push(format!(
                "goal `{}` also supports `{}`: a key result belongs to one objective (kept `{}`)",
                kg.name, sg.name, gs[o].name
            ));
        } else {
            kr_of.insert(kid, sup);
            krs.entry(sup).or_default().push(Kr {
                goal: kid,
                weight: n(r, "contribution_weight"),
            });
        }
    }
    for (i, g) in gs.iter().enumerate() {
        if usable[i] && !is_year(g) && !kr_of.contains_key(&i) && !nested.contains(&i) {
            out.unmapped.push(format!(
                "quarterly goal `{}`: it supports no yearly goal, and a key result needs its objective",
                g.name
            ));
        }
    }

    // Status updates by goal, oldest first.
    let mut updates: BTreeMap<usize, Vec<&Value>> = BTreeMap::new();
    for u in &update_records {
        let goal = s(u, &["parent", "gid"]).and_then(|g| by_gid.get(g).copied());
        match goal {
            Some(g) if kr_of.contains_key(&g) => updates.entry(g).or_default().push(u),
            Some(g) if usable[g] && is_year(&gs[g]) => out.unmapped.push(format!(
                "status update `{}` of yearly goal `{}`: an objective's status comes from its key results",
                s(u, &["title"]).unwrap_or(""),
                gs[g].name
            )),
            _ => {}
        }
    }
    for list in updates.values_mut() {
        list.sort_by_key(|u| s(u, &["created_at"]).unwrap_or("").to_string());
    }

    // Files.
    let mut names = Names::default();
    let mut teams: BTreeMap<String, String> = BTreeMap::new();
    let mut team_id = |name: &Option<String>| -> Option<String> {
        name.as_ref().map(|n| {
            let id = suggest_segment(n);
            teams.entry(id.clone()).or_insert_with(|| n.clone());
            id
        })
    };
    let mut ids: BTreeMap<usize, String> = BTreeMap::new();
    for (i, g) in gs.iter().enumerate() {
        if usable[i] && is_year(g) {
            let y = year_of(g).unwrap_or(FiscalYear(2000));
            ids.insert(
                i,
                format!("{}/{}", year_dir(y), names.unique(&year_dir(y), &g.name)),
            );
        }
    }
    let mut files = Vec::new();
    for (&i, dir) in &ids {
        let g = &gs[i];
        let y = year_of(g).unwrap_or(FiscalYear(2000));
        let team = team_id(&g.team);
        let mut fm = format!(
            "+++\ntitle = {}\nowner = {}\nperiod = \"FY{:02}\"\n",
            toml_str(&g.name),
            toml_str(g.owner.as_deref().unwrap_or_default()),
            y.0 % 100
        );
        if let Some(t) = &team {
            fm += &format!("team = {}\n", toml_str(t));
        }
        if let Some(p) = parent.get(&i).and_then(|p| ids.get(p)) {
            fm += &format!("parent = {}\n", toml_str(p.trim_start_matches("content/")));
        }
        fm += "+++\n";
        fm += &body(&g.notes);
        files.push((format!("{dir}/objective.md"), fm));

        let list = krs.get(&i).map(Vec::as_slice).unwrap_or_default();
        let weights: BTreeSet<String> = list.iter().map(|k| format!("{:?}", k.weight)).collect();
        for k in list {
            let kg = &gs[k.goal];
            let Some(Period::Quarter(q)) = kg.period else {
                continue;
            };
            match kr_file(
                kg,
                q,
                team.as_deref(),
                &mut team_id,
                weights.len() > 1,
                k.weight,
            ) {
                Ok(mut fm) => {
                    let kr = names.unique(dir, &kg.name);
                    let ups = updates.get(&k.goal).map(Vec::as_slice).unwrap_or_default();
                    let update = latest_update(kg, ups, &mut out.unmapped);
                    if update.is_none() {
                        if let Some(m) = &kg.metric
                            && let Some(c) = m.current
                            && Some(c) != m.initial
                        {
                            fm += &format!("current = {}\n", toml_number(c));
                        }
                        if let Some(st) = &kg.status {
                            out.unmapped.push(format!(
                                "status `{st}` of goal `{}`: Asana gives it no date (post it with `okra new update`)",
                                kg.name
                            ));
                        }
                    }
                    fm += "+++\n";
                    fm += &body(&kg.notes);
                    files.push((format!("{dir}/{kr}.md"), fm));
                    if let Some((date, text)) = update {
                        files.push((format!("{dir}/{kr}/{date}.md"), text));
                    }
                }
                Err(why) => out.unmapped.push(format!("goal `{}`: {why}", kg.name)),
            }
        }
    }
    let mut all = vec![super::site_config("OKRs", calendar)];
    for (id, name) in &teams {
        all.push(team_file(id, name));
    }
    all.extend(files);
    out.files = all;
    out
}

/// The front matter of a key result for goal `g` (still open: the caller
/// may add `current` and closes it), or why it cannot be one.
fn kr_file(
    g: &Goal,
    q: Quarter,
    objective_team: Option<&str>,
    team_id: &mut impl FnMut(&Option<String>) -> Option<String>,
    weighted: bool,
    weight: Option<f64>,
) -> Result<String, String> {
    let mut fm = format!(
        "+++\ntitle = {}\nowner = {}\n",
        toml_str(&g.name),
        toml_str(g.owner.as_deref().unwrap_or_default())
    );
    let team = team_id(&g.team);
    if team.is_some() && team.as_deref() != objective_team {
        fm += &format!("team = {}\n", toml_str(team.as_deref().unwrap_or_default()));
    }
    fm += &format!("period = \"Q{} FY{:02}\"\n", q.q, q.year.0 % 100);
    match &g.metric {
        None => fm += "metric = \"boolean\"\n",
        Some(m) => {
            let (Some(a), Some(b)) = (m.initial, m.target) else {
                return Err("its metric has no initial or no target value".into());
            };
            if a == b {
                return Err(format!(
                    "its metric's initial and target values are both {a}: progress could not be measured"
                ));
            }
            fm += &format!(
                "metric = \"{}\"\nstart = {}\ntarget = {}\n",
                m.okra,
                toml_number(a),
                toml_number(b)
            );
            if let Some(u) = &m.unit {
                fm += &format!("unit = {}\n", toml_str(u));
            }
        }
    }
    if weighted && let Some(w) = weight.filter(|w| *w > 0.0) {
        fm += &format!("weight = {}\n", toml_number(w));
    }
    Ok(fm)
}

/// The latest status update of `g` that okra can read, as (day, file text),
/// with the goal's current value; earlier ones are quoted in its text.
fn latest_update(
    g: &Goal,
    ups: &[&Value],
    unmapped: &mut Vec<String>,
) -> Option<(NaiveDate, String)> {
    let mut mapped: Vec<(NaiveDate, &'static str, &Value)> = Vec::new();
    for u in ups {
        let title = s(u, &["title"]).unwrap_or("");
        let word = s(u, &["status_type"]).unwrap_or("");
        let date = s(u, &["created_at"])
            .and_then(|d| d.get(..10))
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
        match (status(word), date) {
            (Some(st), Some(d)) => mapped.push((d, st, u)),
            (None, _) => unmapped.push(format!(
                "status update `{title}` of goal `{}`: status `{word}` has no okra equivalent",
                g.name
            )),
            (_, None) => unmapped.push(format!(
                "status update `{title}` of goal `{}`: no `created_at` date",
                g.name
            )),
        }
    }
    let (date, st, last) = mapped.pop()?;
    let value = match &g.metric {
        None => Some(if st == "achieved" { "true" } else { "false" }.to_string()),
        Some(m) => m.current.map(toml_number),
    };
    let value = match (value, st) {
        (Some(v), _) => format!("value = {v}\n"),
        (None, "dropped") => String::new(),
        (None, _) => {
            unmapped.push(format!(
                "status updates of goal `{}`: its metric has no current value",
                g.name
            ));
            return None;
        }
    };
    let mut text = format!("+++\nstatus = \"{st}\"\n{value}");
    if let Some(a) = s(last, &["author", "name"]) {
        text += &format!("author = {}\n", toml_str(a));
    }
    text += "+++\n";
    let mut b = update_text(last);
    if !mapped.is_empty() {
        b += "\n\n**Earlier status updates in Asana:**\n";
        for (d, st, u) in mapped.iter().rev() {
            let title = s(u, &["title"])
                .map(|t| format!(" **{t}**"))
                .unwrap_or_default();
            let text = s(u, &["text"])
                .unwrap_or("")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            b += &format!("\n- {d} ({st}){title}: {text}");
        }
    }
    text += &body(&b);
    Some((date, text))
}

fn update_text(u: &Value) -> String {
    let title = s(u, &["title"]).unwrap_or("");
    let text = s(u, &["text"]).unwrap_or("");
    match (title.is_empty(), text.is_empty()) {
        (false, false) => format!("**{title}**\n\n{text}"),
        (false, true) => format!("**{title}**"),
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_are_fractions_in_asana() {
        let m = Metric::read(&serde_json::json!({
            "unit": "percentage", "initial_number_value": 0.12,
            "target_number_value": 0.18, "current_number_value": 0.145
        }))
        .unwrap();
        assert_eq!(
            (m.initial, m.target, m.current),
            (Some(12.0), Some(18.0), Some(14.5))
        );
        assert_eq!(m.okra, "percent");
    }

    #[test]
    fn odd_responses_never_panic() {
        for goals in [
            "{}",
            "[]",
            "[1, \"x\", null]",
            "{\"data\": {\"gid\": \"1\"}}",
            "{\"errors\": [{\"message\": \"Not Authorized\"}]}",
            "{\"data\": [{\"gid\": \"1\", \"name\": \"A\", \"owner\": {\"name\": \"B\"}, \"time_period\": {\"display_name\": \"FY26\", \"period\": \"FY\", \"start_on\": \"x\"}, \"metric\": {\"unit\": \"percentage\", \"initial_number_value\": 1e308, \"target_number_value\": -1e308}}]}",
        ] {
            for rel in [
                "[]",
                "{\"data\": [{\"supported_goal\": {\"gid\": \"1\"}, \"supporting_resource\": {\"gid\": \"1\"}}]}",
            ] {
                let _ = import(
                    ("g.json", goals),
                    ("r.json", rel),
                    Some(("s.json", "[{\"data\": [{}]}]")),
                );
            }
        }
    }

    #[test]
    fn goals_supporting_each_other_are_listed_not_a_cycle() {
        let goal = |gid: &str| {
            format!(
                r#"{{"gid": "{gid}", "name": "G{gid}", "owner": {{"name": "A"}}, "time_period": {{"display_name": "FY26", "period": "FY"}}}}"#
            )
        };
        let goals = format!(r#"{{"data": [{}, {}]}}"#, goal("1"), goal("2"));
        let rel = |a: &str, b: &str| {
            format!(
                r#"{{"supported_goal": {{"gid": "{a}"}}, "supporting_resource": {{"gid": "{b}", "resource_type": "goal"}}}}"#
            )
        };
        let rels = format!("[{}, {}, {}]", rel("1", "2"), rel("2", "1"), rel("1", "1"));
        let i = import(("g.json", &goals), ("r.json", &rels), None);
        assert_eq!(
            i.unmapped
                .iter()
                .filter(|u| u.contains("in a circle"))
                .count(),
            2,
            "{:?}",
            i.unmapped
        );
        let parents = i
            .files
            .iter()
            .filter(|(_, t)| t.contains("parent = "))
            .count();
        assert_eq!(parents, 1);
    }

    #[test]
    fn bad_json_points_into_the_file() {
        let i = import(
            ("goals.json", "{\n  \"data\": [\n    {,\n"),
            ("r.json", "[]"),
            None,
        );
        let h = i.diagnostics.render_human(false);
        assert!(
            h.starts_with("goals.json:3:6: error: not valid JSON"),
            "{h}"
        );
    }
}
