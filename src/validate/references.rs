//! Rules across files: teams and parents that must exist, alignment cycles,
//! periods that must agree, series that must not repeat within a quarter.

use std::collections::{BTreeMap, BTreeSet};

use crate::diag::{Diagnostic, Diagnostics, Loc, did_you_mean};
use crate::load::Site;
use crate::load::walk::{CONTENT_DIR, TEAMS_DIR};

fn team_missing(site: &Site, id: &str, loc: Loc) -> Diagnostic {
    let known = site.teams.iter().map(|t| t.id.as_str());
    let hint = match did_you_mean(id, known) {
        Some(m) => format!(
            "did you mean `{m}`? Otherwise create {CONTENT_DIR}/{TEAMS_DIR}/{id}.md with `name = \"...\"`"
        ),
        None => format!(
            "create {CONTENT_DIR}/{TEAMS_DIR}/{id}.md with at least `name = \"...\"` in its front matter"
        ),
    };
    Diagnostic::error(
        "unknown-team",
        loc,
        format!("team `{id}` has no team file"),
        hint,
    )
}

/// Teams referenced by objectives, KRs and other teams must have a file; team parents must not loop.
pub fn teams(site: &Site, diags: &mut Diagnostics) {
    for o in &site.objectives {
        if let Some(t) = &o.meta.team
            && site.team(t).is_none()
            && !site.unloaded.contains(t)
        {
            diags.push(team_missing(
                site,
                t,
                o.locs.team.clone().unwrap_or_else(|| Loc::file(&o.source)),
            ));
        }
    }
    for k in &site.key_results {
        if let (Some(t), Some(loc)) = (&k.meta.team, &k.locs.team)
            && site.team(t).is_none()
            && !site.unloaded.contains(t)
        {
            diags.push(team_missing(site, t, loc.clone()));
        }
    }
    let parents: BTreeMap<&str, &str> = site
        .teams
        .iter()
        .filter_map(|t| t.parent.as_deref().map(|p| (t.id.as_str(), p)))
        .collect();
    for t in &site.teams {
        let (Some(p), Some(loc)) = (&t.parent, &t.parent_loc) else {
            continue;
        };
        if site.team(p).is_none() {
            if site.unloaded.contains(p) {
                continue;
            }
            diags.push(team_missing(site, p, loc.clone()));
        } else if let Some(cycle) = find_cycle(&t.id, |id| parents.get(id).map(|s| s.to_string())) {
            diags.push(Diagnostic::error(
                "team-cycle",
                loc.clone(),
                format!("team parents form a cycle: {}", cycle.join(" → ")),
                "a team's parent must be above it; remove `parent` from one of these teams",
            ));
        }
    }
}

/// Follows `next` from `start`; if it comes back to `start`, returns the loop.
fn find_cycle(start: &str, next: impl Fn(&str) -> Option<String>) -> Option<Vec<String>> {
    let mut path = vec![start.to_string()];
    let mut seen = BTreeSet::from([start.to_string()]);
    let mut cur = start.to_string();
    while let Some(n) = next(&cur) {
        if n == start {
            path.push(n);
            return Some(path);
        }
        if !seen.insert(n.clone()) {
            return None; // a loop further up, reported on its own members
        }
        path.push(n.clone());
        cur = n;
    }
    None
}

/// Objective parents must exist, be another objective of the same fiscal year, and not loop.
pub fn alignment(site: &Site, diags: &mut Diagnostics) {
    let parents: BTreeMap<&str, &str> = site
        .objectives
        .iter()
        .filter_map(|o| o.meta.parent.as_deref().map(|p| (o.id.as_str(), p)))
        .collect();
    for o in &site.objectives {
        let Some(p) = &o.meta.parent else { continue };
        let loc = o
            .locs
            .parent
            .clone()
            .unwrap_or_else(|| Loc::file(&o.source));
        if p == &o.id {
            diags.push(Diagnostic::error(
                "parent-cycle",
                loc,
                "the objective aligns to itself",
                "set `parent` to the company objective this one supports, or remove it",
            ));
            continue;
        }
        let Some(pi) = site.find_objective(p) else {
            if site.unloaded.contains(p) {
                continue; // its own errors are reported
            }
            let hint = if site.key_results.iter().any(|k| &k.id == p) {
                format!(
                    "`{p}` is a key result; align to its objective `{}` instead",
                    p.rsplit_once('/').map_or("", |x| x.0)
                )
            } else {
                match did_you_mean(p, site.objectives.iter().map(|o| o.id.as_str())) {
                    Some(m) => format!("did you mean `{m}`? A parent is an objective's folder path under content/"),
                    None => "a parent is an objective's folder path under content/, e.g. `parent = \"fy24/grow-revenue\"`".into(),
                }
            };
            diags.push(Diagnostic::error(
                "unknown-parent",
                loc,
                format!("parent objective `{p}` does not exist"),
                hint,
            ));
            continue;
        };
        let parent = &site.objectives[pi];
        if parent.meta.year != o.meta.year {
            diags.push(Diagnostic::error(
                "parent-year",
                loc.clone(),
                format!(
                    "the objective is for {} but its parent `{p}` is for {}",
                    o.meta.year, parent.meta.year
                ),
                "align to an objective of the same fiscal year",
            ));
        }
        if let Some(cycle) = find_cycle(&o.id, |id| parents.get(id).map(|s| s.to_string())) {
            diags.push(Diagnostic::error(
                "parent-cycle",
                loc,
                format!("alignment forms a cycle: {}", cycle.join(" → ")),
                "alignment goes from team objectives up to company objectives; remove `parent` from one of these",
            ));
        }
    }
}

/// A KR's quarter must be inside its objective's fiscal year.
pub fn periods(site: &Site, diags: &mut Diagnostics) {
    for k in &site.key_results {
        let o = &site.objectives[k.objective];
        if k.meta.quarter.year != o.meta.year {
            diags.push(Diagnostic::error(
                "kr-period-outside-objective",
                k.locs.period.clone().unwrap_or_else(|| Loc::file(&k.source)),
                format!("the key result is for {} but its objective is for {}", k.meta.quarter, o.meta.year),
                format!(
                    "use a quarter of {} (e.g. `period = \"Q{} FY{}\"`), or move the KR to an objective of {}",
                    o.meta.year,
                    k.meta.quarter.q,
                    o.meta.year.0 % 100,
                    k.meta.quarter.year
                ),
            ));
        }
    }
}

/// A series links one KR per quarter; two KRs of a series in one quarter is a mistake.
pub fn series(site: &Site, diags: &mut Diagnostics) {
    let mut seen: BTreeMap<(&str, crate::period::Quarter), &str> = BTreeMap::new();
    for k in &site.key_results {
        let Some(s) = &k.meta.series else { continue };
        if let Some(first) = seen.insert((s.as_str(), k.meta.quarter), k.id.as_str()) {
            // Put it back so a third one is also compared with the first.
            seen.insert((s.as_str(), k.meta.quarter), first);
            diags.push(Diagnostic::error(
                "series-repeat",
                k.locs.series.clone().unwrap_or_else(|| Loc::file(&k.source)),
                format!("series `{s}` already has a key result in {}: `{first}`", k.meta.quarter),
                "a series has one KR per quarter; give this KR its own series name or move it to another quarter",
            ));
        }
    }
}
