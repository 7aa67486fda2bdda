//! What changed (`/changes/`) and its export (`/changes.json`): the last 7
//! days up to the as-of day, since mid-quarter and since the last final
//! scoring. The lists are [`crate::score::changes`]; this only links and
//! formats them.

use serde::Serialize;

use crate::render::status::StatusView;
use crate::render::view::{ChangeView, Link, change_view};
use crate::render::{PageJob, Renderer, format, urls};
use crate::score::changes::{self, Changes, Moved};

#[derive(Serialize)]
pub struct ChangesPage {
    pub as_of: String,
    /// Git history was read: added, removed and re-targeted KRs and new
    /// objectives are known (otherwise only what updates tell).
    pub history: bool,
    pub windows: Vec<WindowView>,
}

#[derive(Serialize)]
pub struct WindowView {
    /// `last-7-days`, `since-mid-quarter`, `since-final-scoring` (the anchor).
    pub key: &'static str,
    pub label: String,
    /// Days after `from` up to and including `to`.
    pub from: String,
    pub to: String,
    /// How many changes the lists hold.
    pub count: usize,
    pub status: Vec<MovedView>,
    pub values: Vec<MovedView>,
    pub added: Vec<Dated>,
    pub removed: Vec<RemovedView>,
    pub retargeted: Vec<RetargetedView>,
    pub new_objectives: Vec<Dated>,
}

#[derive(Serialize)]
pub struct MovedView {
    pub kr: Link,
    pub objective: Link,
    pub from_status: StatusView,
    pub to_status: StatusView,
    pub from_value: String,
    pub to_value: String,
}

#[derive(Serialize)]
pub struct Dated {
    pub link: Link,
    pub date: String,
}

#[derive(Serialize)]
pub struct RemovedView {
    pub title: String,
    /// The file it was, relative to the site root.
    pub path: String,
    pub date: String,
    pub commit: String,
}

#[derive(Serialize)]
pub struct RetargetedView {
    pub kr: Link,
    pub changes: Vec<ChangeView>,
}

fn label(key: &str) -> String {
    match key {
        "last-7-days" => "Last 7 days".to_string(),
        "since-mid-quarter" => "Since mid-quarter".to_string(),
        _ => "Since the last final scoring".to_string(),
    }
}

fn window_view(r: &Renderer<'_>, key: &'static str, c: Changes) -> WindowView {
    let kr_link = |k| Link {
        title: r.views.krs[k].title.clone(),
        url: r.views.krs[k].url.clone(),
    };
    let moved = |m: Moved| {
        let kr = &r.site.key_results[m.kr];
        MovedView {
            kr: kr_link(m.kr),
            objective: r.views.krs[m.kr].objective.clone(),
            from_status: StatusView::kr(m.status.0),
            to_status: StatusView::kr(m.status.1),
            from_value: format::value(kr, m.value.0),
            to_value: format::value(kr, m.value.1),
        }
    };
    let count = c.count();
    let status: Vec<_> = c.status.into_iter().map(moved).collect();
    let values: Vec<_> = c.values.into_iter().map(moved).collect();
    let added: Vec<_> = c
        .added
        .into_iter()
        .map(|(k, d)| Dated {
            link: kr_link(k),
            date: d.to_string(),
        })
        .collect();
    let removed: Vec<_> = c
        .removed
        .into_iter()
        .map(|x| RemovedView {
            title: x.title,
            path: x.path,
            date: x.date.to_string(),
            commit: x.commit,
        })
        .collect();
    let retargeted: Vec<_> = c
        .retargeted
        .into_iter()
        .map(|(k, idx)| {
            let kr = &r.site.key_results[k];
            RetargetedView {
                kr: kr_link(k),
                changes: idx
                    .iter()
                    .map(|&i| change_view(kr, &kr.changes[i]))
                    .collect(),
            }
        })
        .collect();
    let new_objectives: Vec<_> = c
        .new_objectives
        .into_iter()
        .map(|(o, d)| Dated {
            link: Link {
                title: r.site.objectives[o].meta.title.clone(),
                url: urls::objective(&r.site.objectives[o].id),
            },
            date: d.to_string(),
        })
        .collect();
    WindowView {
        key,
        label: label(key),
        from: c.window.from.to_string(),
        to: c.window.to.to_string(),
        count,
        status,
        values,
        added,
        removed,
        retargeted,
        new_objectives,
    }
}

/// The three windows, computed once for the page and the export.
pub fn view(r: &Renderer<'_>) -> ChangesPage {
    let as_of = r.scores.as_of;
    ChangesPage {
        as_of: as_of.to_string(),
        history: !r.site.events.is_empty(),
        windows: changes::windows(r.site, as_of)
            .into_iter()
            .map(|(key, w)| window_view(r, key, changes::changes(r.site, w)))
            .collect(),
    }
}

/// `/changes.json`.
pub fn json(r: &Renderer<'_>) -> String {
    let mut s = serde_json::to_string_pretty(&view(r)).unwrap_or_default();
    s.push('\n');
    s
}

pub fn pages<'r>(r: &'r Renderer<'_>) -> Vec<PageJob<'r>> {
    vec![PageJob::lazy(
        "changes.html",
        urls::CHANGES,
        "changes",
        move || view(r),
    )]
}
