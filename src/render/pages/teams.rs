//! Team pages (`/teams/<team>/`) and the team index (`/teams/`).

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Card, Stats, card, history_charts, sorted_objectives, stats};
use crate::render::charts::Chart;
use crate::render::view::{Link, ObjectiveView, TeamView};
use crate::render::{PageJob, Renderer};

#[derive(Serialize)]
struct TeamRow<'v> {
    team: &'v TeamView,
    objective_count: usize,
    kr_count: usize,
    current: Stats,
}

#[derive(Serialize)]
struct YearGroup<'v> {
    year: String,
    year_label: String,
    objectives: Vec<&'v ObjectiveView>,
}

#[derive(Serialize)]
struct TeamPage<'v> {
    team: &'v TeamView,
    /// Current fiscal year's objectives with this quarter's KRs.
    current: Vec<Card<'v>>,
    current_stats: Stats,
    /// Earlier and later years, newest first.
    other_years: Vec<YearGroup<'v>>,
    people: Vec<Link>,
    charts: Option<[Chart; 2]>,
}

pub fn pages<'r>(r: &'r Renderer<'_>) -> Vec<PageJob<'r>> {
    let v = r.views;
    let q = v.current;
    // One pass to group by team instead of a scan per team.
    let mut by_team: BTreeMap<&str, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
    for (i, o) in r.site.objectives.iter().enumerate() {
        if let Some(t) = &o.team {
            by_team.entry(t).or_default().0.push(i);
        }
    }
    for (k, kr) in r.site.key_results.iter().enumerate() {
        if let Some(t) = &kr.team {
            by_team.entry(t).or_default().1.push(k);
        }
    }
    let mut rows = Vec::new();
    let mut jobs = Vec::new();
    for team in &v.teams {
        let (objectives, krs) = by_team.remove(team.id.as_str()).unwrap_or_default();
        let current_krs: Vec<usize> = krs
            .iter()
            .copied()
            .filter(|&k| r.site.key_results[k].quarter == q)
            .collect();
        let current = sorted_objectives(
            r,
            objectives
                .iter()
                .copied()
                .filter(|&i| r.site.objectives[i].year == q.year),
        )
        .into_iter()
        .map(|i| {
            let mut c = card(r, i, Some(q), 16);
            c.children.clear();
            c
        })
        .collect();
        let mut years: Vec<_> = objectives
            .iter()
            .map(|&i| r.site.objectives[i].year)
            .filter(|y| *y != q.year)
            .collect();
        years.sort_unstable_by(|a, b| b.cmp(a));
        years.dedup();
        let other_years = years
            .into_iter()
            .map(|y| YearGroup {
                year: y.to_string(),
                year_label: crate::render::format::year_label(y),
                objectives: objectives
                    .iter()
                    .filter(|&&i| r.site.objectives[i].year == y)
                    .map(|&i| &v.objectives[i])
                    .collect(),
            })
            .collect();
        let mut people: Vec<Link> = objectives
            .iter()
            .map(|&i| v.objectives[i].owner.clone())
            .chain(krs.iter().map(|&k| v.krs[k].owner.clone()))
            .collect();
        people.sort();
        people.dedup();
        rows.push(TeamRow {
            team,
            objective_count: objectives.len(),
            kr_count: krs.len(),
            current: stats(r, &current_krs),
        });
        let mut by_quarter: BTreeMap<crate::period::Quarter, Vec<usize>> = BTreeMap::new();
        for &k in &krs {
            by_quarter
                .entry(r.site.key_results[k].quarter)
                .or_default()
                .push(k);
        }
        let by_quarter: Vec<_> = by_quarter.into_iter().collect();
        let charts = (!by_quarter.is_empty())
            .then(|| history_charts(r, &by_quarter, "team", &format!("{}: ", team.name)));
        let ctx = TeamPage {
            charts,
            team,
            current,
            current_stats: stats(r, &current_krs),
            other_years,
            people,
        };
        jobs.push(PageJob::lazy(
            "team.html",
            team.url.clone(),
            "teams",
            move || ctx,
        ));
    }
    #[derive(Serialize)]
    struct Index<'v> {
        teams: Vec<TeamRow<'v>>,
    }
    jobs.push(PageJob::new(
        "teams.html",
        "teams/",
        "teams",
        &Index { teams: rows },
    ));
    jobs
}
