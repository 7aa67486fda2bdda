//! Stage 1, load: walk `content/`, split front matter, parse every file, and
//! put the pieces together into a [`Site`]. Problems become diagnostics; the
//! loader never stops at the first one.

pub mod data;
pub mod history;
pub mod id;
pub mod model;
pub mod parse;
pub mod walk;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::config::Config;
use crate::diag::{Diagnostic, Diagnostics, Loc};
use crate::source::SourceFile;
pub use id::{IdVec, KrId, ObjectiveId};
pub use model::{
    DataSource, Keep, KeyResult, KrMeta, Metric, Objective, ObjectiveMeta, Point, Review, Site,
    Status, Team, Update, Visibility,
};
use parse::{Front, RawUpdate};
use walk::{Found, Kind};

/// One parsed file, before linking.
#[derive(Clone)]
enum Parsed {
    Team(Box<Team>),
    Objective(Box<(String, PathBuf, Front<ObjectiveMeta>)>),
    KeyResult(Box<(String, String, PathBuf, Front<KrMeta>)>),
    Update(Box<(String, chrono::NaiveDate, String, PathBuf, RawUpdate)>),
    Review(Box<Review>),
}

/// Loads the site at `root`. The returned site holds everything that could be
/// read (including private and draft OKRs); `diags` holds every problem found.
pub fn load(root: &Path) -> (Site, Diagnostics) {
    let mut diags = Diagnostics::new();
    let config = Config::load(root, &mut diags);
    let found = walk::walk(root, &mut diags);
    let parsed: Vec<(Option<Parsed>, Diagnostics)> = found.par_iter().map(parse_one).collect();
    let mut items = Vec::with_capacity(parsed.len());
    for (item, d) in parsed {
        diags.extend(d);
        items.extend(item);
    }
    finish(config, items, &found, data::DataFiles::Disk(root), diags)
}

fn finish(
    config: Config,
    items: Vec<Parsed>,
    found: &[Found],
    data: data::DataFiles<'_>,
    mut diags: Diagnostics,
) -> (Site, Diagnostics) {
    let mut site = assemble(config, items, data, &mut diags);
    site.unloaded = unloaded(&site, found);
    (site, diags)
}

/// One content file parsed on its own, with what was wrong in it: the unit
/// `okra serve`'s parse cache keeps between rebuilds.
#[derive(Clone)]
pub struct ParsedFile {
    parsed: Option<Parsed>,
    diags: Diagnostics,
}

/// Reads and parses one file found by the walk.
pub fn read_and_parse(found: &Found) -> ParsedFile {
    let (parsed, diags) = parse_one(found);
    ParsedFile { parsed, diags }
}

/// Puts parsed files together into a site, as [`load`] does: `files` are the
/// parses of `found`, in its order; `diags` holds what came before (config, walk);
/// KR data files are read from `root`.
pub fn assemble_files(
    root: &Path,
    config: Config,
    files: Vec<ParsedFile>,
    found: &[Found],
    mut diags: Diagnostics,
) -> (Site, Diagnostics) {
    let mut items = Vec::with_capacity(files.len());
    for f in files {
        diags.extend(f.diags);
        items.extend(f.parsed);
    }
    finish(config, items, found, data::DataFiles::Disk(root), diags)
}

/// Teams and objectives that were found on disk but are not in the site.
fn unloaded(site: &Site, found: &[Found]) -> std::collections::BTreeSet<String> {
    found
        .iter()
        .filter_map(|f| match &f.kind {
            Kind::Team { id } if site.team(id).is_none() => Some(id.clone()),
            Kind::Objective { id } if site.find_objective(id).is_none() => Some(id.clone()),
            _ => None,
        })
        .collect()
}

/// Loads a site from in-memory files (paths relative to the root, e.g.
/// `content/a/objective.md`), for tests and fuzzing. Tree rules are not
/// checked here: paths are assumed to be well-formed. KR data files are read
/// from `data`.
pub fn load_files(
    config: Config,
    files: &[Found],
    texts: &[String],
    data: data::DataFiles<'_>,
) -> (Site, Diagnostics) {
    let mut diags = Diagnostics::new();
    let mut items = Vec::new();
    for (f, text) in files.iter().zip(texts) {
        let file = SourceFile::new(f.rel.clone(), text.clone());
        let mut d = Diagnostics::new();
        items.extend(parse_file(f, &file, &mut d));
        diags.extend(d);
    }
    let site = assemble(config, items, data, &mut diags);
    (site, diags)
}

fn parse_one(found: &Found) -> (Option<Parsed>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let bytes = match std::fs::read(&found.abs) {
        Ok(b) => b,
        Err(e) => {
            diags.push(Diagnostic::error(
                "unreadable",
                Loc::file(&found.rel),
                format!("cannot read the file: {e}"),
                "check that the file exists and is readable by the user running okra",
            ));
            return (None, diags);
        }
    };
    let file = match SourceFile::from_bytes(found.rel.clone(), bytes) {
        Ok(f) => f,
        Err(d) => {
            diags.push(d);
            return (None, diags);
        }
    };
    let parsed = parse_file(found, &file, &mut diags);
    (parsed, diags)
}

fn parse_file(found: &Found, file: &SourceFile, diags: &mut Diagnostics) -> Option<Parsed> {
    let rel = found.rel.clone();
    match &found.kind {
        Kind::Team { id } => parse::team(file, id, diags).map(|t| Parsed::Team(Box::new(t))),
        Kind::Objective { id } => {
            parse::objective(file, diags).map(|o| Parsed::Objective(Box::new((id.clone(), rel, o))))
        }
        Kind::KeyResult { id, objective } => parse::key_result(file, diags)
            .map(|k| Parsed::KeyResult(Box::new((id.clone(), objective.clone(), rel, k)))),
        Kind::Update { kr, date, slug } => parse::update(file, *date, diags)
            .map(|u| Parsed::Update(Box::new((kr.clone(), *date, slug.clone(), rel, u)))),
        Kind::Review { year } => {
            parse::review(file, *year, diags).map(|r| Parsed::Review(Box::new(r)))
        }
    }
}

/// Links parsed files: KRs inherit from their objective, updates are checked
/// against their KR's metric and attached in date order.
fn assemble(
    config: Config,
    items: Vec<Parsed>,
    data: data::DataFiles<'_>,
    diags: &mut Diagnostics,
) -> Site {
    let mut site = Site {
        config,
        ..Site::default()
    };
    let mut objectives: BTreeMap<String, Objective> = BTreeMap::new();
    let mut krs: BTreeMap<String, KeyResult> = BTreeMap::new();
    let mut updates = Vec::new();
    let mut raw_krs = Vec::new();
    for item in items {
        match item {
            Parsed::Team(t) => site.teams.push(*t),
            Parsed::Objective(o) => {
                let (id, source, o) = *o;
                objectives.insert(
                    id.clone(),
                    Objective {
                        id,
                        meta: o.meta,
                        body: o.body,
                        source,
                        key_results: Vec::new(),
                        children: Vec::new(),
                        locs: o.locs,
                    },
                );
            }
            Parsed::KeyResult(k) => raw_krs.push(k),
            Parsed::Update(u) => updates.push(u),
            Parsed::Review(r) => site.reviews.push(*r),
        }
    }
    for k in raw_krs {
        let (id, objective_id, source, k) = *k;
        // A KR whose objective failed to load is skipped; the objective's error says why.
        let Some(o) = objectives.get(&objective_id) else {
            continue;
        };
        let mut meta = k.meta;
        let points = meta
            .source
            .as_ref()
            .map(|s| data::read_points(s, meta.metric, data, diags))
            .unwrap_or_default();
        meta.team = meta.team.or_else(|| o.meta.team.clone());
        meta.private |= o.meta.private;
        meta.draft |= o.meta.draft;
        krs.insert(
            id.clone(),
            KeyResult {
                id,
                objective: ObjectiveId::UNLINKED,
                meta,
                body: k.body,
                source,
                updates: Vec::new(),
                locs: k.locs,
                objective_id,
                changes: Vec::new(),
                points,
            },
        );
    }
    for u in updates {
        let (kr_id, date, slug, source, u) = *u;
        let Some(kr) = krs.get_mut(&kr_id) else {
            continue; // the KR failed to load or the folder was reported
        };
        let metric = kr.meta.metric;
        let read = |v: &Option<_>, key, diags: &mut Diagnostics| match v {
            Some(v) => parse::update_value(v, metric, key).map(Some).map_err(|d| {
                diags.push(d);
            }),
            None => Ok(None),
        };
        let (Ok(value), Ok(forecast)) = (
            read(&u.value, "value", diags),
            read(&u.forecast, "forecast", diags),
        ) else {
            continue;
        };
        kr.updates.push(Update {
            date,
            status: u.status,
            value,
            forecast,
            confidence: u.confidence,
            author: u.author.unwrap_or_else(|| kr.meta.owner.clone()),
            body: u.body,
            source,
            slug,
        });
    }
    for kr in krs.values_mut() {
        kr.updates
            .sort_by(|a, b| (a.date, &a.slug).cmp(&(b.date, &b.slug)));
    }
    site.objectives = objectives.into_values().collect();
    site.key_results = krs.into_values().collect();
    site.link();
    site
}
