//! Owner pages (`/people/<slug>/`) and the people index (`/people/`).

use serde::Serialize;

use crate::render::html::SafeHtml;
use crate::render::view::{KrView, ObjectiveView, PersonView, UpdateView};
use crate::render::{PageJob, Renderer, urls};

#[derive(Serialize)]
struct PersonPage<'v> {
    person: &'v PersonView,
    objectives: Vec<&'v ObjectiveView>,
    /// KRs of the current quarter.
    current: Vec<&'v KrView>,
    /// Other KRs, newest quarter first.
    earlier: Vec<&'v KrView>,
    /// The table rows of `current` and of `earlier` (`fragments/kr-row.html`).
    current_rows: Vec<SafeHtml>,
    earlier_rows: Vec<SafeHtml>,
    updates: Vec<&'v UpdateView>,
}

#[derive(Serialize)]
struct PersonRow<'v> {
    person: &'v PersonView,
    objective_count: usize,
    kr_count: usize,
    current_count: usize,
}

pub fn pages<'r>(r: &'r Renderer<'_>) -> Vec<PageJob<'r>> {
    let v = r.views;
    let current = v.current.to_string();
    // One pass to group by owner instead of a scan per person.
    let mut objectives: std::collections::BTreeMap<&str, Vec<&ObjectiveView>> = Default::default();
    for o in &v.objectives {
        objectives
            .entry(o.owner.title.as_str())
            .or_default()
            .push(o);
    }
    let mut krs: std::collections::BTreeMap<&str, Vec<&KrView>> = Default::default();
    for k in &v.krs {
        krs.entry(k.owner.title.as_str()).or_default().push(k);
    }
    let mut updates: std::collections::BTreeMap<&str, Vec<&UpdateView>> = Default::default();
    for u in &v.updates {
        let list = updates.entry(u.author.title.as_str()).or_default();
        if list.len() < 20 {
            list.push(u);
        }
    }
    let mut jobs = Vec::new();
    let mut rows = Vec::new();
    for person in &v.people {
        let name = person.name.as_str();
        let mine = krs.get(name).cloned().unwrap_or_default();
        let (now, mut earlier): (Vec<&KrView>, Vec<&KrView>) =
            mine.iter().partition(|k| k.quarter == current);
        earlier.sort_by(|a, b| b.quarter.cmp(&a.quarter).then(a.id.cmp(&b.id)));
        let objs = objectives.get(name).cloned().unwrap_or_default();
        rows.push(PersonRow {
            person,
            objective_count: objs.len(),
            kr_count: mine.len(),
            current_count: now.len(),
        });
        let mut ctx = PersonPage {
            person,
            objectives: objs,
            current: now,
            earlier,
            current_rows: Vec::new(),
            earlier_rows: Vec::new(),
            updates: updates.get(name).cloned().unwrap_or_default(),
        };
        jobs.push(PageJob::lazy_try(
            "person.html",
            person.url.clone(),
            "people",
            move || {
                ctx.current_rows = r.kr_rows(&ctx.current, &person.url, false)?;
                ctx.earlier_rows = r.kr_rows(&ctx.earlier, &person.url, true)?;
                Ok(ctx)
            },
        ));
    }
    #[derive(Serialize)]
    struct Index<'v> {
        people: Vec<PersonRow<'v>>,
    }
    jobs.push(PageJob::new(
        "people.html",
        urls::PEOPLE,
        "people",
        &Index { people: rows },
    ));
    jobs
}
