//! Objective pages and KR pages (`/<id>/`).

use serde::Serialize;

use super::{Card, card, sorted_objectives};
use crate::render::view::{KrView, ObjectiveView, QuarterScore, UpdateView};
use crate::render::{PageJob, Renderer};

#[derive(Serialize)]
struct QuarterGroup<'v> {
    q: &'v QuarterScore,
    krs: Vec<&'v KrView>,
}

#[derive(Serialize)]
struct ObjectivePage<'v> {
    o: &'v ObjectiveView,
    body_html: &'v str,
    groups: Vec<QuarterGroup<'v>>,
    children: Vec<Card<'v>>,
}

#[derive(Serialize)]
struct KrPage<'v> {
    kr: &'v KrView,
    objective: &'v ObjectiveView,
    body_html: &'v str,
    /// Newest first.
    updates: Vec<&'v UpdateView>,
    /// Every KR of the series, by quarter, this one included.
    series: Vec<&'v KrView>,
}

pub fn pages(r: &Renderer<'_>) -> Vec<PageJob> {
    let v = r.views;
    let mut jobs = Vec::new();
    for (i, o) in r.site.objectives.iter().enumerate() {
        let view = &v.objectives[i];
        let groups = view
            .quarters
            .iter()
            .enumerate()
            .filter(|(_, q)| q.kr_count > 0)
            .map(|(n, q)| QuarterGroup {
                q,
                krs: o
                    .key_results
                    .iter()
                    .filter(|&&k| r.site.key_results[k].quarter.q as usize == n + 1)
                    .map(|&k| &v.krs[k])
                    .collect(),
            })
            .collect();
        let children = sorted_objectives(r, o.children.iter().copied())
            .into_iter()
            .map(|c| card(r, c, None, 1))
            .collect();
        let ctx = ObjectivePage {
            o: view,
            body_html: &v.objective_bodies[i],
            groups,
            children,
        };
        jobs.push(PageJob::new(
            "objective.html",
            view.url.clone(),
            "objectives",
            &ctx,
        ));
    }
    // Series members, grouped once.
    let mut series: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
    for (k, kr) in r.site.key_results.iter().enumerate() {
        if let Some(s) = &kr.series {
            series.entry(s.as_str()).or_default().push(k);
        }
    }
    for list in series.values_mut() {
        list.sort_by_key(|&k| (r.site.key_results[k].quarter, k));
    }
    for (k, kr) in r.site.key_results.iter().enumerate() {
        let view = &v.krs[k];
        let ctx = KrPage {
            kr: view,
            objective: &v.objectives[kr.objective],
            body_html: &v.kr_bodies[k],
            updates: v.kr_updates[k]
                .iter()
                .rev()
                .map(|&u| &v.updates[u])
                .collect(),
            series: kr
                .series
                .as_deref()
                .and_then(|s| series.get(s))
                .map(|l| l.iter().map(|&m| &v.krs[m]).collect())
                .unwrap_or_default(),
        };
        jobs.push(PageJob::new(
            "kr.html",
            view.url.clone(),
            "objectives",
            &ctx,
        ));
    }
    jobs
}
