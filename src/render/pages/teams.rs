//! Team pages (`/teams/<team>/`) and the team index (`/teams/`).

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Card, Stats, card, history_charts, sorted_objectives, stats, with_rows};
use crate::load::{KrId, ObjectiveId};
use crate::period::{FiscalYear, Quarter};
use crate::render::charts::Chart;
use crate::render::html::SafeHtml;
use crate::render::view::{KrView, Link, ObjectiveView, TeamView};
use crate::render::{PageJob, Renderer, urls};

#[derive(Serialize)]
struct TeamRow<'v> {
    team: &'v TeamView,
    objective_count: usize,
    kr_count: usize,
    current: Stats,
}

/// A fiscal year of the team's OKRs outside the current quarter.
#[derive(Serialize)]
struct YearGroup<'v> {
    year: String,
    year_label: String,
    is_current_year: bool,
    /// The team's own objectives of that year (none for the current year:
    /// they are shown as cards above).
    objectives: Vec<&'v ObjectiveView>,
    /// Every KR of the team in that year outside the current quarter, by
    /// quarter: the per-quarter charts are computed from exactly these.
    krs: Vec<&'v KrView>,
    /// Their table rows (`fragments/kr-row.html`).
    rows: Vec<SafeHtml>,
}

#[derive(Serialize)]
struct TeamPage<'v> {
    team: &'v TeamView,
    /// The team's objectives of the current fiscal year, each with the team's
    /// KRs of the current quarter.
    current: Vec<Card<'v>>,
    /// Other teams' and company objectives to which this team contributes KRs
    /// this quarter, with just those KRs.
    contributions: Vec<Card<'v>>,
    /// KRs of other teams under this team's objectives this quarter: counted
    /// on their own team's page, named here so nothing is hidden.
    others: usize,
    /// Computed from exactly the KRs listed in `current` and `contributions`.
    current_stats: Stats,
    /// Years with the team's objectives or KRs outside the current quarter, newest first.
    other_years: Vec<YearGroup<'v>>,
    people: Vec<Link>,
    charts: Option<[Chart; 2]>,
    /// The team's Atom feed of its KRs' updates.
    feed_url: String,
}

/// A card of objective `i` in quarter `q` listing only the KRs of the team
/// whose page is `team_url`.
fn team_card<'v>(r: &'v Renderer<'_>, i: ObjectiveId, q: Quarter, team_url: &str) -> Card<'v> {
    let mut c = card(r, i, Some(q), 16);
    c.children.clear();
    let all = c.krs.len();
    c.krs
        .retain(|k| k.team.as_ref().is_some_and(|t| t.url == team_url));
    c.others = all - c.krs.len();
    c.flagged = c.krs.iter().filter(|k| !k.flags.is_empty()).count();
    c
}

pub fn pages<'r>(r: &'r Renderer<'_>) -> Vec<PageJob<'r>> {
    let v = r.views;
    let q = v.current;
    // One pass to group by team instead of a scan per team.
    let mut by_team: BTreeMap<&str, (Vec<ObjectiveId>, Vec<KrId>)> = BTreeMap::new();
    for (i, o) in r.site.objectives.iter_enumerated() {
        if let Some(t) = &o.meta.team {
            by_team.entry(t).or_default().0.push(i);
        }
    }
    for (k, kr) in r.site.key_results.iter_enumerated() {
        if let Some(t) = &kr.meta.team {
            by_team.entry(t).or_default().1.push(k);
        }
    }
    let mut rows = Vec::new();
    let mut jobs = Vec::new();
    for team in &v.teams {
        let (objectives, krs) = by_team.remove(team.id.as_str()).unwrap_or_default();
        let current_krs: Vec<KrId> = krs
            .iter()
            .copied()
            .filter(|&k| r.site.key_results[k].meta.quarter == q)
            .collect();
        let own: Vec<ObjectiveId> = sorted_objectives(
            r,
            objectives
                .iter()
                .copied()
                .filter(|&i| r.site.objectives[i].meta.year == q.year),
        );
        let mut foreign: Vec<ObjectiveId> = current_krs
            .iter()
            .map(|&k| r.site.key_results[k].objective)
            .filter(|&i| r.site.objectives[i].meta.team.as_deref() != Some(team.id.as_str()))
            .collect();
        foreign.sort_unstable();
        foreign.dedup();
        let current: Vec<Card> = own
            .into_iter()
            .map(|i| team_card(r, i, q, &team.url))
            .collect();
        // Other teams' KRs under this team's objectives: what the cards left out.
        let others = current.iter().map(|c| c.others).sum();
        let contributions = sorted_objectives(r, foreign.into_iter())
            .into_iter()
            .map(|i| team_card(r, i, q, &team.url))
            .collect();
        let mut years: Vec<FiscalYear> = objectives
            .iter()
            .map(|&i| r.site.objectives[i].meta.year)
            .filter(|y| *y != q.year)
            .chain(
                krs.iter()
                    .map(|&k| r.site.key_results[k].meta.quarter)
                    .filter(|kq| *kq != q)
                    .map(|kq| kq.year),
            )
            .collect();
        years.sort_unstable_by(|a, b| b.cmp(a));
        years.dedup();
        let other_years = years
            .into_iter()
            .map(|y| {
                let mut year_krs: Vec<KrId> = krs
                    .iter()
                    .copied()
                    .filter(|&k| {
                        let kq = r.site.key_results[k].meta.quarter;
                        kq.year == y && kq != q
                    })
                    .collect();
                year_krs.sort_by_key(|&k| (r.site.key_results[k].meta.quarter, k));
                YearGroup {
                    year: y.to_string(),
                    year_label: crate::render::format::year_label(y),
                    is_current_year: y == q.year,
                    objectives: objectives
                        .iter()
                        .filter(|&&i| y != q.year && r.site.objectives[i].meta.year == y)
                        .map(|&i| &v.objectives[i])
                        .collect(),
                    krs: year_krs.iter().map(|&k| &v.krs[k]).collect(),
                    rows: Vec::new(),
                }
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
        let mut by_quarter: BTreeMap<crate::period::Quarter, Vec<KrId>> = BTreeMap::new();
        for &k in &krs {
            by_quarter
                .entry(r.site.key_results[k].meta.quarter)
                .or_default()
                .push(k);
        }
        let by_quarter: Vec<_> = by_quarter.into_iter().collect();
        let charts = (!by_quarter.is_empty())
            .then(|| history_charts(r, &by_quarter, "team", &format!("{}: ", team.name)));
        let mut ctx = TeamPage {
            charts,
            team,
            current,
            contributions,
            others,
            current_stats: stats(r, &current_krs),
            other_years,
            people,
            feed_url: urls::team_feed(&team.id),
        };
        jobs.push(PageJob::lazy_try(
            "team.html",
            team.url.clone(),
            "teams",
            move || {
                let url = &team.url;
                ctx.current = with_rows(ctx.current, r, url)?;
                ctx.contributions = with_rows(ctx.contributions, r, url)?;
                for y in &mut ctx.other_years {
                    y.rows = r.kr_rows(&y.krs, url, true)?;
                }
                Ok(ctx)
            },
        ));
    }
    #[derive(Serialize)]
    struct Index<'v> {
        teams: Vec<TeamRow<'v>>,
    }
    jobs.push(PageJob::new(
        "teams.html",
        urls::TEAMS,
        "teams",
        &Index { teams: rows },
    ));
    jobs
}
