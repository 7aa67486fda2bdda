//! Reads the front matter of each kind of content file into its raw form.
//! Cross-file facts (a KR's metric for its updates, a team's existence) are
//! checked later, when the pieces are put together.

use chrono::NaiveDate;

use crate::diag::{Diagnostic, Diagnostics};
use crate::load::model::{
    CONFIDENCE_WORDS, Keep, KrMeta, Locs, Metric, ObjectiveMeta, Review, Status, Team, Update,
};
use crate::period::Period;
use crate::source::fields::{At, Fields, NumOrBool, parse_toml};
use crate::source::{SourceFile, split_front_matter};

/// Common fields of objectives and KRs, read before the kind-specific ones.
struct Head {
    title: String,
    owner: String,
    team: Option<String>,
    private: bool,
    draft: bool,
    locs: Locs,
}

/// A parsed objective or KR file: its front matter whole (`meta`), the
/// Markdown after it, and where the cross-referenced fields were written.
#[derive(Debug, Clone)]
pub struct Front<M> {
    pub meta: M,
    pub body: String,
    pub locs: Locs,
}

#[derive(Debug, Clone)]
pub struct RawUpdate {
    pub status: Status,
    pub value: Option<At<NumOrBool>>,
    pub forecast: Option<At<NumOrBool>>,
    pub confidence: Option<f64>,
    pub author: Option<String>,
    pub body: String,
}

/// Splits and parses the front matter, then hands the fields to `read`.
/// Returns `None` (with diagnostics) when anything required is missing or wrong.
fn with_fields<T>(
    file: &SourceFile,
    what: &'static str,
    allowed: &[&str],
    diags: &mut Diagnostics,
    read: impl FnOnce(&mut Fields<'_, '_>, &str) -> Option<T>,
) -> Option<T> {
    let split = match split_front_matter(file) {
        Ok(s) => s,
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    let table = parse_toml(file, split.front_matter, split.front_matter_offset, diags)?;
    let mut f = Fields::new(
        file,
        split.front_matter_offset,
        table.get_ref(),
        what,
        allowed,
    );
    // Items whose required fields are readable are kept even when other keys
    // had errors, so that cross-file checks still run on them; the errors
    // already recorded stop any build.
    let out = read(&mut f, split.body);
    diags.extend(f.diags);
    out
}

pub fn team(file: &SourceFile, id: &str, diags: &mut Diagnostics) -> Option<Team> {
    with_fields(file, "team front matter", Team::KEYS, diags, |f, body| {
        let name = f.required_string("name", "\"Platform Engineering\"");
        let lead = f.string("lead", "\"Jane Doe\"").map(|s| s.value);
        let parent = f.string("parent", "\"engineering\"");
        Some(Team {
            id: id.to_string(),
            name: name?.value,
            lead,
            parent_loc: parent.as_ref().map(|p| p.loc.clone()),
            parent: parent.map(|p| p.value),
            body: body.to_string(),
            source: file.path.clone(),
        })
    })
}

pub fn review(
    file: &SourceFile,
    year: crate::period::FiscalYear,
    diags: &mut Diagnostics,
) -> Option<Review> {
    with_fields(
        file,
        "yearly review front matter",
        Review::KEYS,
        diags,
        |f, body| {
            let title = f.required_string("title", "\"FY2024 in review\"");
            let author = f
                .string("author", "\"Tech Team Management\"")
                .map(|a| a.value);
            let date = f.date("date").map(|d| d.value);
            Some(Review {
                year,
                title: title?.value,
                author,
                date,
                body: body.to_string(),
                source: file.path.clone(),
            })
        },
    )
}

fn head(f: &mut Fields<'_, '_>) -> Option<Head> {
    let title = f.required_string("title", "\"Make the platform boringly reliable\"");
    let owner = f.required_string("owner", "\"Jane Doe\"");
    let team = f.string("team", "\"platform\"");
    let privacy = f.choice("privacy", &[("public", false), ("private", true)]);
    let draft = f.boolean("draft");
    let (title, owner) = (title?, owner?);
    Some(Head {
        locs: Locs {
            title: Some(title.loc),
            owner: Some(owner.loc),
            team: team.as_ref().map(|t| t.loc.clone()),
            parent: None,
            period: None,
            series: None,
            metric: None,
            start: None,
            target: None,
        },
        title: title.value,
        owner: owner.value,
        team: team.map(|t| t.value),
        private: privacy.is_some_and(|p| p.value),
        draft: draft.is_some_and(|d| d.value),
    })
}

/// Reads `period` and checks it is the wanted kind (a year or a quarter).
fn period(f: &mut Fields<'_, '_>, want_quarter: bool) -> Option<At<Period>> {
    let example = if want_quarter {
        "\"Q1 FY24\""
    } else {
        "\"FY24\""
    };
    let s = if f.has("period") {
        f.string("period", example)?
    } else {
        f.missing("period", example);
        return None;
    };
    match Period::parse(&s.value) {
        Ok(p @ Period::Quarter(q)) if !want_quarter => {
            f.error(
                "bad-period",
                s.loc,
                format!(
                    "an objective is set for a fiscal year, but `{}` is a quarter",
                    s.value
                ),
                format!(
                    "write `period = \"FY{}\"`; put quarters on its key results",
                    q.year.0 % 100
                ),
            );
            let _ = p;
            None
        }
        Ok(Period::Year(y)) if want_quarter => {
            f.error(
                "bad-period",
                s.loc,
                format!(
                    "a key result is set for a quarter, but `{}` is a whole fiscal year",
                    s.value
                ),
                format!("write the quarter, e.g. `period = \"Q1 FY{}\"`", y.0 % 100),
            );
            None
        }
        Ok(p) => Some(At {
            value: p,
            loc: s.loc,
        }),
        Err(e) => {
            f.error("bad-period", s.loc, e.message, e.hint);
            None
        }
    }
}

pub fn objective(file: &SourceFile, diags: &mut Diagnostics) -> Option<Front<ObjectiveMeta>> {
    with_fields(
        file,
        "objective front matter",
        ObjectiveMeta::KEYS,
        diags,
        |f, body| {
            let head = head(f);
            let period = period(f, false);
            let parent = f.string("parent", "\"fy24/company-goal\"");
            let mut head = head?;
            let period = period?;
            head.locs.period = Some(period.loc);
            head.locs.parent = parent.as_ref().map(|p| p.loc.clone());
            Some(Front {
                meta: ObjectiveMeta {
                    title: head.title,
                    owner: head.owner,
                    team: head.team,
                    year: period.value.year(),
                    parent: parent.map(|p| p.value.trim_matches('/').to_string()),
                    private: head.private,
                    draft: head.draft,
                },
                body: body.to_string(),
                locs: head.locs,
            })
        },
    )
}

pub fn key_result(file: &SourceFile, diags: &mut Diagnostics) -> Option<Front<KrMeta>> {
    with_fields(
        file,
        "key result front matter",
        KrMeta::KEYS,
        diags,
        |f, body| {
            let head = head(f);
            let period = period(f, true);
            let metric = if f.has("metric") {
                f.choice("metric", &Metric::CHOICES)
            } else {
                f.missing("metric", "\"percent\"");
                None
            };
            let unit = f.string("unit", "\"ms\"").map(|u| u.value);
            let rebaseline = f
                .string("rebaseline", "\"new baseline after the Q1 data fix\"")
                .map(|r| r.value);
            let source = data_source(f);
            let series = f.string("series", "\"api-uptime\"");
            let mut weight = f.number("weight", "2");
            if let Some(w) = weight.take_if(|w| w.value <= 0.0) {
                f.error(
                    "bad-weight",
                    w.loc,
                    format!("`weight` must be greater than 0, found {}", w.value),
                    "use a positive number such as `weight = 2`, or remove it for the default of 1",
                );
            }
            let keep = f.choice("keep", &Keep::CHOICES);
            if keep.is_none() && f.has("keep") {
                return None; // reported; without knowing the side, start and target mean nothing
            }
            let metric = metric?.value;
            if let Some(k) = &keep
                && metric == Metric::Boolean
            {
                f.error(
                    "bad-value",
                    k.loc.clone(),
                    "a boolean key result cannot be a `keep` health metric",
                    "use a numeric metric with `keep` and a `target`, or remove `keep`",
                );
                return None;
            }
            let (start, target, current) = if let Some(k) = &keep {
                // A health metric holds on one side of its target: no start.
                if f.has("start") {
                    let loc = f.loc_of("start");
                    f.error(
                        "keep-with-start",
                        loc,
                        format!(
                            "a `keep = \"{}\"` key result holds on one side of its target, so it has no `start`",
                            k.value.as_str()
                        ),
                        "remove `start` (or remove `keep` to measure progress from start to target)",
                    );
                }
                if !f.has("target") {
                    f.missing("target", "100");
                }
                let target = f.number("target", "100");
                let current = f.number("current", "0").map(|c| c.value);
                let target = target?.value;
                (target, target, current)
            } else if metric == Metric::Boolean {
                for key in ["start", "target"] {
                    if let Some(v) = f.number_or_bool(key)
                        && v.value != NumOrBool::Bool(key == "target")
                    {
                        f.error(
                        "bad-value",
                        v.loc,
                        format!("a boolean key result always goes from false to true; `{key}` cannot be changed"),
                        format!("remove `{key}`: boolean KRs start at false and target true"),
                    );
                    }
                }
                let current = match f.number_or_bool("current") {
                    Some(At {
                        value: NumOrBool::Bool(b),
                        ..
                    }) => Some(if b { 1.0 } else { 0.0 }),
                    Some(At { loc, .. }) => {
                        f.error(
                            "wrong-type",
                            loc,
                            "`current` of a boolean key result must be true or false",
                            "write `current = false` (or remove it)",
                        );
                        None
                    }
                    None => None,
                };
                (0.0, 1.0, current)
            } else {
                let start = f.number("start", "0");
                let target = f.number("target", "100");
                if !f.has("start") {
                    f.missing("start", "0");
                }
                if !f.has("target") {
                    f.missing("target", "100");
                }
                let current = f.number("current", "0").map(|c| c.value);
                let (start, target) = (start?, target?);
                if start.value == target.value {
                    f.error(
                    "target-equals-start",
                    target.loc,
                    format!("`target` equals `start` ({}), so progress cannot be measured", start.value),
                    "set the target the KR should move to (it may be lower than start, for \"reduce to\" KRs)",
                );
                    return None;
                }
                (start.value, target.value, current)
            };
            let mut head = head?;
            let period = period?;
            let Period::Quarter(quarter) = period.value else {
                return None;
            };
            head.locs.period = Some(period.loc);
            head.locs.series = series.as_ref().map(|s| s.loc.clone());
            head.locs.metric = f.has("metric").then(|| f.loc_of("metric"));
            head.locs.start = f.has("start").then(|| f.loc_of("start"));
            head.locs.target = f.has("target").then(|| f.loc_of("target"));
            Some(Front {
                meta: KrMeta {
                    title: head.title,
                    owner: head.owner,
                    team: head.team,
                    quarter,
                    metric,
                    start,
                    target,
                    current,
                    unit,
                    weight: weight.map_or(1.0, |w| w.value),
                    series: series.map(|s| s.value),
                    keep: keep.map(|k| k.value),
                    private: head.private,
                    draft: head.draft,
                    rebaseline,
                    source,
                },
                body: body.to_string(),
                locs: head.locs,
            })
        },
    )
}

pub fn update(
    file: &SourceFile,
    name_date: NaiveDate,
    diags: &mut Diagnostics,
) -> Option<RawUpdate> {
    with_fields(
        file,
        "status update front matter",
        Update::KEYS,
        diags,
        |f, body| {
            let status = if f.has("status") {
                f.choice("status", &Status::CHOICES)
            } else {
                f.missing("status", "\"on-track\"");
                None
            };
            let value = f.number_or_bool("value");
            let mut forecast = f.number_or_bool("forecast");
            let confidence = confidence(f);
            let author = f.string("author", "\"Jane Doe\"").map(|a| a.value);
            if let Some(date) = f.date("date")
                && date.value != name_date
            {
                f.error(
                    "date-mismatch",
                    date.loc,
                    format!(
                        "`date = {}` differs from the file name's date {name_date}",
                        date.value
                    ),
                    format!(
                        "remove `date` (the file name gives it) or rename the file to {}.md",
                        date.value
                    ),
                );
            }
            let status = status?.value;
            if status == Status::Dropped
                && let Some(fc) = forecast.take()
            {
                f.warning(
                    "forecast-on-dropped",
                    fc.loc,
                    "a dropped key result has no end-of-quarter result to forecast; the forecast is ignored",
                    "remove `forecast` from this update (and `confidence`, if any)",
                );
            }
            if value.is_none() && status != Status::Dropped && !f.has("value") {
                f.missing("value", "42");
                return None;
            }
            Some(RawUpdate {
                status,
                value,
                forecast,
                confidence,
                author,
                body: body.to_string(),
            })
        },
    )
}

/// `confidence`: a number in [0, 1], or `low` / `medium` / `high`.
fn confidence(f: &mut Fields<'_, '_>) -> Option<f64> {
    if !f.has("confidence") {
        return None;
    }
    let loc = f.loc_of("confidence");
    let words: Vec<&str> = CONFIDENCE_WORDS.iter().map(|w| w.0).collect();
    let hint = format!(
        "write a number from 0 to 1 (`confidence = 0.7`) or one of: {}",
        words.join(", ")
    );
    if f.is_string("confidence") {
        return f.choice("confidence", &CONFIDENCE_WORDS).map(|c| c.value);
    }
    match f.number("confidence", "0.7") {
        Some(n) if (0.0..=1.0).contains(&n.value) => Some(n.value),
        Some(n) => {
            f.error(
                "bad-value",
                loc,
                format!("`confidence` must be from 0 to 1, found {}", n.value),
                hint,
            );
            None
        }
        None => None,
    }
}

/// An update's `value` (or `forecast`, named by `key`) checked against its KR's metric.
pub fn update_value(value: &At<NumOrBool>, metric: Metric, key: &str) -> Result<f64, Diagnostic> {
    match (value.value, metric) {
        (NumOrBool::Bool(b), Metric::Boolean) => Ok(if b { 1.0 } else { 0.0 }),
        (NumOrBool::Num(n), m) if m != Metric::Boolean => Ok(n),
        (NumOrBool::Num(_), _) => Err(Diagnostic::error(
            "wrong-type",
            value.loc.clone(),
            format!("the key result is boolean, so `{key}` must be true or false"),
            format!("write `{key} = true` or `{key} = false`"),
        )),
        (NumOrBool::Bool(_), m) => Err(Diagnostic::error(
            "wrong-type",
            value.loc.clone(),
            format!(
                "the key result's metric is {}, so `{key}` must be a number",
                m.as_str()
            ),
            format!("write a value of the metric, e.g. `{key} = 42`"),
        )),
    }
}

const SOURCE_EXAMPLE: &str = "{ file = \"data/signups.csv\", date = \"day\", value = \"signups\" }";

/// A KR's `source = { file, date, value }`; the file itself is read later.
fn data_source(f: &mut Fields<'_, '_>) -> Option<Box<crate::load::model::DataSource>> {
    let (mut t, loc) = f.table(
        "source",
        "KR's `source`",
        &["file", "date", "value"],
        SOURCE_EXAMPLE,
    )?;
    let get = |t: &mut Fields<'_, '_>, key: &str, example: &str| {
        if !t.has(key) {
            t.error(
                "missing-key",
                loc.clone(),
                format!("the KR's `source` has no `{key}`"),
                format!("write it as `source = {SOURCE_EXAMPLE}`"),
            );
            return None;
        }
        t.string(key, example).map(|s| s.value)
    };
    let file = get(&mut t, "file", "\"data/signups.csv\"");
    let date = get(&mut t, "date", "\"day\"");
    let value = get(&mut t, "value", "\"signups\"");
    f.diags.extend(std::mem::take(&mut t.diags));
    Some(Box::new(crate::load::model::DataSource {
        file: file?,
        date: date?,
        value: value?,
        loc,
    }))
}
