//! `okrs.json` and `okrs.csv`: everything public as of the day, in the shape
//! SPEC.md §6 fixes, for spreadsheets and other tools.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;
use serde_json::Value;

use crate::load::{KeyResult, Metric, Site};
use crate::score::{Scores, kr::updates_as_of};

#[derive(Serialize)]
struct Export<'a> {
    as_of: String,
    objectives: Vec<ObjectiveOut<'a>>,
    teams: Vec<TeamOut<'a>>,
}

#[derive(Serialize)]
struct TeamOut<'a> {
    id: &'a str,
    name: &'a str,
    lead: Option<&'a str>,
    parent: Option<&'a str>,
}

#[derive(Serialize)]
struct ObjectiveOut<'a> {
    id: &'a str,
    title: &'a str,
    owner: &'a str,
    team: Option<&'a str>,
    period: String,
    parent: Option<&'a str>,
    progress: Option<f64>,
    quarters: BTreeMap<String, Option<f64>>,
    status: &'static str,
    key_results: Vec<KrOut<'a>>,
}

#[derive(Serialize)]
struct KrOut<'a> {
    id: &'a str,
    title: &'a str,
    owner: &'a str,
    team: Option<&'a str>,
    period: String,
    metric: &'static str,
    start: Value,
    target: Value,
    value: Value,
    progress: Option<f64>,
    status: &'static str,
    series: Option<&'a str>,
    updates: Vec<UpdateOut<'a>>,
    /// The values read from the KR's `source` data file up to the as-of day,
    /// oldest first (empty without one).
    points: Vec<PointOut>,
    /// Changes of start, target, metric or title after the quarter started
    /// (from git history), oldest first.
    changes: &'a [crate::load::history::Change],
    /// Why they were made, when the KR says (`rebaseline`).
    rebaseline: Option<&'a str>,
    /// The latest forecast of the end-of-quarter value, or null.
    forecast: Value,
    /// The progress a straight line from start to target has reached.
    pace: f64,
}

#[derive(Serialize)]
struct PointOut {
    date: String,
    value: Value,
}

#[derive(Serialize)]
struct UpdateOut<'a> {
    date: String,
    status: &'static str,
    value: Value,
    author: &'a str,
    forecast: Value,
    confidence: Option<f64>,
}

/// A metric value as JSON: booleans stay booleans.
fn metric_value(kr: &KeyResult, v: f64) -> Value {
    if kr.meta.metric == Metric::Boolean {
        Value::Bool(v >= 1.0)
    } else {
        serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
    }
}

/// A KR's status word in the exports: the same key the pages use.
fn kr_status(s: Option<crate::load::Status>) -> &'static str {
    crate::render::status::StatusView::kr(s).key()
}

pub fn json(site: &Site, scores: &Scores) -> String {
    let as_of = scores.as_of;
    let objectives = site
        .objectives
        .iter_enumerated()
        .map(|(i, o)| {
            let s = &scores.objectives[i];
            ObjectiveOut {
                id: &o.id,
                title: &o.meta.title,
                owner: &o.meta.owner,
                team: o.meta.team.as_deref(),
                period: o.meta.year.to_string(),
                parent: o.meta.parent.as_deref(),
                progress: s.year.progress,
                quarters: o
                    .meta
                    .year
                    .quarters()
                    .iter()
                    .map(|&q| (q.to_string(), s.quarter(q).progress))
                    .collect(),
                status: s.year.status.as_str(),
                key_results: o
                    .key_results
                    .iter()
                    .map(|&k| {
                        let kr = &site.key_results[k];
                        let ks = &scores.krs[k];
                        KrOut {
                            id: &kr.id,
                            title: &kr.meta.title,
                            owner: &kr.meta.owner,
                            team: kr.meta.team.as_deref(),
                            period: kr.meta.quarter.to_string(),
                            metric: kr.meta.metric.as_str(),
                            // A `keep` KR has no start.
                            start: if kr.meta.keep.is_some() {
                                Value::Null
                            } else {
                                metric_value(kr, kr.meta.start)
                            },
                            target: metric_value(kr, kr.meta.target),
                            value: metric_value(kr, ks.value),
                            progress: ks.progress,
                            status: kr_status(ks.status),
                            series: kr.meta.series.as_deref(),
                            updates: updates_as_of(kr, as_of)
                                .iter()
                                .map(|u| UpdateOut {
                                    date: u.date.to_string(),
                                    status: u.status.as_str(),
                                    value: u.value.map_or(Value::Null, |v| metric_value(kr, v)),
                                    author: &u.author,
                                    forecast: u
                                        .forecast
                                        .map_or(Value::Null, |v| metric_value(kr, v)),
                                    confidence: u.confidence,
                                })
                                .collect(),
                            points: kr
                                .points
                                .iter()
                                .take_while(|p| p.date <= as_of)
                                .map(|p| PointOut {
                                    date: p.date.to_string(),
                                    value: metric_value(kr, p.value),
                                })
                                .collect(),
                            changes: &kr.changes,
                            rebaseline: kr.meta.rebaseline.as_deref(),
                            forecast: ks.forecast.map_or(Value::Null, |v| metric_value(kr, v)),
                            pace: ks.pace,
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    let teams = site
        .teams
        .iter()
        .map(|t| TeamOut {
            id: &t.id,
            name: &t.name,
            lead: t.lead.as_deref(),
            parent: t.parent.as_deref(),
        })
        .collect();
    let export = Export {
        as_of: as_of.to_string(),
        objectives,
        teams,
    };
    serde_json::to_string_pretty(&export).expect("export serialises") + "\n"
}

const CSV_HEADER: &str = "type,id,objective,parent,title,owner,team,period,metric,unit,start,target,value,progress,status,series,weight,last_update";

/// One row per objective followed by one per KR; numbers unformatted, progress as a fraction.
pub fn csv(site: &Site, scores: &Scores) -> String {
    let mut out = String::from(CSV_HEADER);
    out.push_str("\r\n");
    let num = |v: f64| {
        if v.is_finite() {
            v.to_string()
        } else {
            String::new()
        }
    };
    let opt = |v: Option<f64>| v.map(num).unwrap_or_default();
    for (i, o) in site.objectives.iter_enumerated() {
        let s = &scores.objectives[i];
        let row = [
            "objective".to_string(),
            o.id.clone(),
            String::new(),
            o.meta.parent.clone().unwrap_or_default(),
            o.meta.title.clone(),
            o.meta.owner.clone(),
            o.meta.team.clone().unwrap_or_default(),
            o.meta.year.to_string(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            opt(s.year.progress),
            s.year.status.as_str().to_string(),
            String::new(),
            String::new(),
            String::new(),
        ];
        push_row(&mut out, &row);
        for &k in &o.key_results {
            let kr = &site.key_results[k];
            let ks = &scores.krs[k];
            let v = |x: f64| {
                if kr.meta.metric == Metric::Boolean {
                    (x >= 1.0).to_string()
                } else {
                    num(x)
                }
            };
            let row = [
                "key_result".to_string(),
                kr.id.clone(),
                o.id.clone(),
                String::new(),
                kr.meta.title.clone(),
                kr.meta.owner.clone(),
                kr.meta.team.clone().unwrap_or_default(),
                kr.meta.quarter.to_string(),
                kr.meta.metric.as_str().to_string(),
                kr.meta.unit.clone().unwrap_or_default(),
                v(kr.meta.start),
                v(kr.meta.target),
                v(ks.value),
                opt(ks.progress),
                kr_status(ks.status).to_string(),
                kr.meta.series.clone().unwrap_or_default(),
                num(kr.meta.weight),
                ks.last_update.map(|d| d.to_string()).unwrap_or_default(),
            ];
            push_row(&mut out, &row);
        }
    }
    out
}

/// RFC 4180 quoting; text starting with `=`, `+`, `-`, `@` is prefixed with `'`
/// so spreadsheets do not run it as a formula (CSV injection).
fn push_row(out: &mut String, cells: &[String]) {
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let looks_numeric = cell.parse::<f64>().is_ok();
        let cell = if !looks_numeric && cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            format!("'{cell}")
        } else {
            cell.clone()
        };
        if cell.contains([',', '"', '\n', '\r']) {
            let _ = write!(out, "\"{}\"", cell.replace('"', "\"\""));
        } else {
            out.push_str(&cell);
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quoting_and_formula_guard() {
        let mut s = String::new();
        push_row(
            &mut s,
            &[
                "a,b".into(),
                "say \"hi\"".into(),
                "=HYPERLINK(1)".into(),
                "-5".into(),
                "line\nbreak".into(),
            ],
        );
        assert_eq!(
            s,
            "\"a,b\",\"say \"\"hi\"\"\",'=HYPERLINK(1),-5,\"line\nbreak\"\r\n"
        );
    }
}
