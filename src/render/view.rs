//! View models: the scored site turned into what templates show, computed
//! once per build. Rows (`KrView`, `ObjectiveView`) carry no bodies, so pages
//! that list thousands of them stay cheap; bodies are kept beside them.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;
use rayon::prelude::*;
use serde::Serialize;

use crate::load::{IdVec, Keep, KrId, ObjectiveId, Site};
use crate::period::Quarter;
use crate::render::charts;
use crate::render::format::{self, Progress};
use crate::render::html::SafeHtml;
use crate::render::markdown;
use crate::render::memo;
use crate::render::status::StatusView;
use crate::render::urls;
use crate::score::{Flag, Scores};

/// A titled link, URL relative to the site root (`fy24/platform/`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Link {
    pub title: String,
    pub url: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FlagView {
    pub code: &'static str,
    pub label: &'static str,
    pub detail: String,
}

/// A KR as pages show it (see [`KrView`]).
#[derive(Debug, Clone, Serialize)]
pub struct KrFields {
    /// Where the KR is in the site, for Rust code (its table row is cached by it).
    #[serde(skip)]
    pub key: KrId,
    pub id: String,
    pub url: String,
    pub title: String,
    pub owner: Link,
    pub team: Option<Link>,
    pub objective: Link,
    /// Normal form, `FY2024-Q1`.
    pub quarter: String,
    /// As people say it, `Q1 FY24`.
    pub quarter_label: String,
    pub quarter_url: String,
    pub metric: &'static str,
    pub unit: Option<String>,
    pub start: String,
    pub target: String,
    pub value: String,
    /// `151 / 120 ms`: value and target with the unit once.
    pub value_of_target: String,
    pub decreasing: bool,
    /// `above` / `below` for a health metric that holds on that side of its target.
    pub keep: Option<&'static str>,
    pub progress: Progress,
    pub status: StatusView,
    #[serde(serialize_with = "crate::render::format::whole_as_int")]
    pub weight: f64,
    /// `×2` style text when the weight is not the default 1.
    pub weight_text: Option<String>,
    pub series: Option<String>,
    pub flags: Vec<FlagView>,
    pub last_update: Option<String>,
    pub update_count: usize,
    pub draft: bool,
    pub summary: String,
    /// Text alternative of the sparkline file `<url>trend.svg`.
    pub sparkline_title: String,
    /// The target ledger: changes after the quarter started, oldest first.
    pub changes: Vec<ChangeView>,
    /// Why they were made (`rebaseline`), shown as a note beside them.
    pub rebaseline: Option<String>,
}

/// One line of a KR's target ledger.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeView {
    pub date: String,
    /// `start`, `target`, `metric` or `title`.
    pub field: &'static str,
    pub from: String,
    pub to: String,
    pub commit: String,
    pub subject: String,
    pub easier: bool,
    /// `Target changed from 200 to 180 on 2024-02-21, commit abc1234: Lower it`.
    pub text: String,
}

/// A ledger entry as the KR page says it.
pub fn change_view(kr: &crate::load::KeyResult, c: &crate::load::history::Change) -> ChangeView {
    use crate::load::history::Value;
    let value = |v: &Value| match v {
        Value::Number(n) => format::value(kr, *n),
        Value::Text(t) => t.clone(),
    };
    let (from, to) = (value(&c.from), value(&c.to));
    let field = c.field.as_str();
    let mut label = field.to_string();
    label[..1].make_ascii_uppercase();
    ChangeView {
        date: c.date.to_string(),
        field,
        text: format!(
            "{label} changed from {from} to {to} on {}, commit {}: {}",
            c.date, c.commit, c.subject
        ),
        from,
        to,
        commit: c.commit.clone(),
        subject: c.subject.clone(),
        easier: c.easier,
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct QuarterScore {
    pub quarter: String,
    pub label: String,
    pub url: String,
    pub progress: Progress,
    pub status: StatusView,
    pub kr_count: usize,
    /// Once closed, what the quarter's KRs ended as: `2 achieved · 1 missed`.
    pub outcome: Option<String>,
}

/// An objective as pages show it (see [`ObjectiveView`]).
#[derive(Debug, Clone, Serialize)]
pub struct ObjectiveFields {
    pub id: String,
    pub url: String,
    pub title: String,
    pub owner: Link,
    pub team: Option<Link>,
    /// `FY2024`.
    pub year: String,
    pub year_label: String,
    pub review_url: String,
    pub parent: Option<Link>,
    pub progress: Progress,
    pub status: StatusView,
    pub quarters: Vec<QuarterScore>,
    pub kr_count: usize,
    /// Once closed, what the year's KRs ended as: `5 achieved · 2 partial`.
    pub outcome: Option<String>,
    pub draft: bool,
    pub summary: String,
}

/// A status update as pages show it. Not a [`Shared`] view: an update is
/// listed on few pages, and keeping a value tree of every update body cost
/// more memory (+45 % peak at 10k KRs) than it saved time.
#[derive(Debug, Clone, Serialize)]
pub struct UpdateView {
    pub kr: SharedLink,
    /// Anchor on the KR page.
    pub anchor: String,
    pub url: String,
    pub date: String,
    pub status: StatusView,
    pub value: Option<String>,
    pub author: SharedLink,
    pub body_html: SafeHtml,
    pub summary: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TeamView {
    pub id: String,
    pub url: String,
    pub name: String,
    pub lead: Option<Link>,
    pub parent: Option<Link>,
    pub subteams: Vec<Link>,
    pub body_html: SafeHtml,
}

#[derive(Debug, Clone, Serialize)]
pub struct PersonView {
    pub name: String,
    pub slug: String,
    pub url: String,
}

/// A view with the template value it turns into, made once, when a page
/// first shows it.
///
/// A KR is listed on its own page, its objective's, its team's, its quarter's,
/// its owner's, the dashboard and the alignment tree; turning the same view
/// into Tera's value tree for each of those pages cost about 7 % of a 10k
/// build's CPU (for ~50 MB more peak memory held in the trees). Serialising
/// a `Shared` hands Tera the finished tree (Tera clones a `Value` it meets
/// while serialising, an `Arc` clone, instead of walking it again); Rust code
/// reads the fields through `Deref`. Made on first use rather than with the
/// views, so that `okra serve`, which makes new views at every save and
/// renders only the pages being looked at, does not pay for all of them.
#[derive(Clone)]
pub struct Shared<T> {
    view: T,
    value: std::sync::OnceLock<tera::Value>,
}

impl<T: Serialize> Shared<T> {
    pub fn new(view: T) -> Self {
        Shared {
            view,
            value: std::sync::OnceLock::new(),
        }
    }
}

impl<T> std::ops::Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.view
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.view.fmt(f)
    }
}

impl<T: Serialize> Serialize for Shared<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value
            .get_or_init(|| tera::Value::from_serializable(&self.view))
            .serialize(serializer)
    }
}

/// A link many rows share (a KR's, a person's): its template value is made
/// once, and every update row that shows it hands Tera that value. Turning
/// the two links of each of 35,000 update rows into maps again on the KR
/// page and on the updates page was 2 % of a 10k build's CPU.
pub type SharedLink = Arc<Shared<Link>>;

/// A KR row: every page that lists the KR shows these fields.
pub type KrView = Shared<KrFields>;
/// An objective row.
pub type ObjectiveView = Shared<ObjectiveFields>;

/// Everything pages are made of, by the site's own ids.
pub struct Views {
    pub as_of: NaiveDate,
    pub current: Quarter,
    pub krs: IdVec<KrId, KrView>,
    pub kr_bodies: IdVec<KrId, SafeHtml>,
    /// Update indices (into `updates`) per KR, oldest first.
    pub kr_updates: IdVec<KrId, Vec<usize>>,
    pub objectives: IdVec<ObjectiveId, ObjectiveView>,
    pub objective_bodies: IdVec<ObjectiveId, SafeHtml>,
    pub teams: Vec<TeamView>,
    pub people: Vec<PersonView>,
    /// Every update dated on or before the as-of day, newest first (shared
    /// with `okra serve`'s memo, which keeps the rows of unchanged updates).
    pub updates: Vec<Arc<UpdateView>>,
    /// Each update's KR, parallel to `updates`.
    pub update_krs: Vec<KrId>,
}

fn people_urls(site: &Site) -> (Vec<PersonView>, BTreeMap<String, String>) {
    let mut names: Vec<&str> = site
        .objectives
        .iter()
        .map(|o| o.meta.owner.as_str())
        .chain(site.key_results.iter().map(|k| k.meta.owner.as_str()))
        .collect();
    names.sort_unstable();
    names.dedup();
    let mut taken = std::collections::BTreeSet::new();
    let mut people = Vec::new();
    let mut urls = BTreeMap::new();
    for name in names {
        let base = format::slug(name);
        let mut slug = base.clone();
        let mut n = 2;
        while !taken.insert(slug.clone()) {
            slug = format!("{base}-{n}");
            n += 1;
        }
        let url = urls::person(&slug);
        urls.insert(name.to_string(), url.clone());
        people.push(PersonView {
            name: name.to_string(),
            slug,
            url,
        });
    }
    (people, urls)
}

fn flag_view(f: &Flag) -> FlagView {
    let detail = match f {
        Flag::Stale {
            since,
            never_updated: true,
            ..
        } => format!("no update since the quarter started ({since})"),
        Flag::Stale { since, days, .. } => format!("no update for {days} days (since {since})"),
        Flag::MissingMidQuarter { midpoint } => {
            format!("no update since the quarter's midpoint, {midpoint}")
        }
        Flag::MissingFinal { quarter_end, .. } => {
            format!("quarter ended {quarter_end}; no closed status yet")
        }
        Flag::UpdateAfterClosed { closed_on, .. } => {
            format!("updated after closing on {closed_on}")
        }
        Flag::BehindPace { progress, pace } => format!(
            "on track, but {} against a pace of {}",
            format::progress(Some(*progress)).text,
            format::progress(Some(*pace)).text
        ),
    };
    FlagView {
        code: f.code(),
        label: f.label(),
        detail,
    }
}

/// What the KRs `krs` of a closed scope ended as, in the order of the final
/// statuses: `2 achieved · 1 missed`. A closed objective's chip alone says
/// "Closed", which hides whether the quarter went well.
fn outcome(status: crate::score::ObjectiveStatus, krs: &[KrId], scores: &Scores) -> Option<String> {
    if status != crate::score::ObjectiveStatus::Closed {
        return None;
    }
    let parts: Vec<String> = StatusView::FINAL
        .iter()
        .filter_map(|&shown| {
            let n = krs
                .iter()
                .filter(|&&k| StatusView::kr(scores.krs[k].status) == shown)
                .count();
            (n > 0).then(|| format!("{n} {}", shown.key()))
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(" · "))
}

/// Everything the views keep between rebuilds.
#[derive(Default)]
pub struct ViewMemo {
    /// Rendered bodies, kept as the template values pages use (an `Arc`
    /// clone per rebuild rather than a copy of each body).
    html: memo::Memo<SafeHtml>,
    text: memo::Memo<String>,
    updates: memo::Memo<Arc<UpdateView>>,
}

impl ViewMemo {
    /// [`markdown::render`], remembered.
    pub fn html(&self, body: &str, id_prefix: &str) -> SafeHtml {
        let key = memo::key(&(b'h', id_prefix, body));
        self.html
            .get(key, || SafeHtml::new(&markdown::render(body, id_prefix)))
    }

    /// [`markdown::summary`], remembered.
    pub fn summary(&self, body: &str, max_chars: usize) -> String {
        let key = memo::key(&(b's', max_chars, body));
        self.text.get(key, || markdown::summary(body, max_chars))
    }

    pub fn rotate(&mut self) {
        self.html.rotate();
        self.text.rotate();
        self.updates.rotate();
    }
}

/// Builds every view of a (public) site. Markdown bodies are rendered in
/// parallel, through `memo` when one is given (`okra serve`).
pub fn build(site: &Site, scores: &Scores, memo: Option<&ViewMemo>) -> Views {
    let as_of = scores.as_of;
    let html = |body: &str, id_prefix: &str| match memo {
        Some(m) => m.html(body, id_prefix),
        None => SafeHtml::new(&markdown::render(body, id_prefix)),
    };
    let summary = |body: &str, max_chars: usize| match memo {
        Some(m) => m.summary(body, max_chars),
        None => markdown::summary(body, max_chars),
    };
    let cal = site.config.calendar;
    let (people, person_urls) = people_urls(site);
    let person = |name: &str| Link {
        title: name.to_string(),
        url: person_urls.get(name).cloned().unwrap_or_default(),
    };
    let team_link = |id: &Option<String>| -> Option<Link> {
        let id = id.as_ref()?;
        let t = site.team(id)?;
        Some(Link {
            title: t.name.clone(),
            url: urls::team(&t.id),
        })
    };
    let objective_link = |i: ObjectiveId| Link {
        title: site.objectives[i].meta.title.clone(),
        url: urls::objective(&site.objectives[i].id),
    };

    let krs: IdVec<KrId, KrView> = site
        .key_results
        .par_iter_enumerated()
        .map(|(k, kr)| {
            let s = &scores.krs[k];
            Shared::new(KrFields {
                key: k,
                id: kr.id.clone(),
                url: urls::kr(&kr.id),
                title: kr.meta.title.clone(),
                owner: person(&kr.meta.owner),
                team: team_link(&kr.meta.team),
                objective: objective_link(kr.objective),
                quarter: kr.meta.quarter.to_string(),
                quarter_label: format::quarter_label(kr.meta.quarter),
                quarter_url: urls::quarter(kr.meta.quarter),
                metric: kr.meta.metric.as_str(),
                unit: kr.meta.unit.clone(),
                start: format::value(kr, kr.meta.start),
                target: format::value(kr, kr.meta.target),
                value: format::value(kr, s.value),
                value_of_target: format::value_of_target(kr, s.value),
                decreasing: kr.meta.target < kr.meta.start,
                keep: kr.meta.keep.map(Keep::as_str),
                progress: format::progress(s.progress),
                status: StatusView::kr(s.status),
                weight: kr.meta.weight,
                weight_text: (kr.meta.weight != 1.0)
                    .then(|| format!("×{}", format::number(kr.meta.weight))),
                series: kr.meta.series.clone(),
                flags: scores.flags[k].iter().map(flag_view).collect(),
                last_update: s.last_update.map(|d| d.to_string()),
                update_count: crate::score::kr::updates_as_of(kr, as_of).len(),
                draft: kr.meta.draft,
                summary: summary(&kr.body, 160),
                sparkline_title: charts::sparkline_title(kr, as_of),
                changes: kr.changes.iter().map(|c| change_view(kr, c)).collect(),
                rebaseline: kr.meta.rebaseline.clone(),
            })
        })
        .collect();
    let kr_bodies: IdVec<KrId, SafeHtml> = site
        .key_results
        .par_iter()
        .map(|k| html(&k.body, "kr-"))
        .collect();

    let objectives: IdVec<ObjectiveId, ObjectiveView> = site
        .objectives
        .par_iter_enumerated()
        .map(|(i, o)| {
            let s = &scores.objectives[i];
            let quarters = o
                .meta
                .year
                .quarters()
                .into_iter()
                .map(|q| {
                    let r = s.quarter(q);
                    let in_q: Vec<KrId> = o
                        .key_results
                        .iter()
                        .copied()
                        .filter(|&k| site.key_results[k].meta.quarter == q)
                        .collect();
                    QuarterScore {
                        quarter: q.to_string(),
                        label: format::quarter_label(q),
                        url: urls::quarter(q),
                        progress: format::progress(r.progress),
                        status: StatusView::objective(r.status),
                        kr_count: in_q.len(),
                        outcome: outcome(r.status, &in_q, scores),
                    }
                })
                .collect();
            Shared::new(ObjectiveFields {
                id: o.id.clone(),
                url: urls::objective(&o.id),
                title: o.meta.title.clone(),
                owner: person(&o.meta.owner),
                team: team_link(&o.meta.team),
                year: o.meta.year.to_string(),
                year_label: format::year_label(o.meta.year),
                review_url: urls::review(o.meta.year),
                parent: o
                    .meta
                    .parent
                    .as_deref()
                    .and_then(|p| site.find_objective(p))
                    .map(objective_link),
                progress: format::progress(s.year.progress),
                status: StatusView::objective(s.year.status),
                quarters,
                kr_count: o.key_results.len(),
                outcome: outcome(s.year.status, &o.key_results, scores),
                draft: o.meta.draft,
                summary: summary(&o.body, 200),
            })
        })
        .collect();
    let objective_bodies = site
        .objectives
        .par_iter()
        .map(|o| html(&o.body, "obj-"))
        .collect();

    // Updates as of the day, newest first; each KR keeps its own list oldest first.
    let mut flat: Vec<(KrId, &crate::load::Update)> = site
        .key_results
        .iter_enumerated()
        .flat_map(|(k, kr)| {
            crate::score::kr::updates_as_of(kr, as_of)
                .iter()
                .map(move |u| (k, u))
        })
        .collect();
    flat.sort_by(|a, b| {
        (b.1.date, &site.key_results[a.0].id, &b.1.slug).cmp(&(
            a.1.date,
            &site.key_results[b.0].id,
            &a.1.slug,
        ))
    });
    // The links update rows show, one per KR and one per author.
    let kr_links: IdVec<KrId, SharedLink> = krs.map(|kr| {
        Arc::new(Shared::new(Link {
            title: kr.title.clone(),
            url: kr.url.clone(),
        }))
    });
    let mut author_links: BTreeMap<&str, SharedLink> = BTreeMap::new();
    for (_, u) in &flat {
        author_links
            .entry(u.author.as_str())
            .or_insert_with(|| Arc::new(Shared::new(person(&u.author))));
    }
    let updates: Vec<Arc<UpdateView>> = flat
        .par_iter()
        .map(|&(k, u)| {
            let kr = &site.key_results[k];
            let author = &author_links[u.author.as_str()];
            let make = || {
                let anchor = urls::update_anchor(&u.slug);
                Arc::new(UpdateView {
                    kr: Arc::clone(&kr_links[k]),
                    url: urls::update(&kr.id, &anchor),
                    // Unique per update, so bodies listed together never share footnote ids.
                    body_html: html(&u.body, &format!("{}-{anchor}-", kr.id.replace('/', "-"))),
                    anchor,
                    date: u.date.to_string(),
                    status: StatusView::kr(Some(u.status)),
                    value: u.value.map(|v| format::value(kr, v)),
                    author: Arc::clone(author),
                    summary: summary(&u.body, 200),
                })
            };
            let Some(memo) = memo else {
                return make();
            };
            // Everything the row is made of.
            let key = memo::key(&(
                (
                    &kr.id,
                    &kr.meta.title,
                    kr.meta.metric.as_str(),
                    &kr.meta.unit,
                ),
                (
                    u.date,
                    &u.slug,
                    u.status.as_str(),
                    u.value.map(f64::to_bits),
                ),
                (&u.author, &author.url, &u.body),
            ));
            memo.updates.get(key, make)
        })
        .collect();
    let update_krs: Vec<KrId> = flat.iter().map(|&(k, _)| k).collect();
    let mut kr_updates = site.key_results.map(|_| Vec::new());
    for (i, &k) in update_krs.iter().enumerate().rev() {
        kr_updates[k].push(i);
    }

    let teams = site
        .teams
        .iter()
        .map(|t| TeamView {
            id: t.id.clone(),
            url: urls::team(&t.id),
            name: t.name.clone(),
            lead: t.lead.as_deref().map(person),
            parent: team_link(&t.parent),
            subteams: site
                .teams
                .iter()
                .filter(|c| c.parent.as_deref() == Some(t.id.as_str()))
                .map(|c| Link {
                    title: c.name.clone(),
                    url: urls::team(&c.id),
                })
                .collect(),
            body_html: html(&t.body, "team-"),
        })
        .collect();

    Views {
        as_of,
        current: cal.quarter_of(as_of),
        krs,
        kr_bodies,
        kr_updates,
        objectives,
        objective_bodies,
        teams,
        people,
        updates,
        update_krs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_tell_apart_what_output_depends_on() {
        let memo = ViewMemo::default();
        let a = memo.html("A [note][^1]\n\n[^1]: x", "u1-");
        let b = memo.html("A [note][^1]\n\n[^1]: x", "u2-");
        assert_ne!(&*a, &*b, "the id prefix is part of the key");
        assert_eq!(&*a, markdown::render("A [note][^1]\n\n[^1]: x", "u1-"));
        assert_ne!(memo::key(&("ab", "c")), memo::key(&("a", "bc")));
        assert_eq!(memo.summary("Hello **world**", 200), "Hello world");
    }

    #[test]
    fn a_shared_view_reads_and_serialises_as_its_fields() {
        let link = Link {
            title: "Ada".into(),
            url: "people/ada/".into(),
        };
        let shared = Shared::new(link.clone());
        assert_eq!(shared.title, "Ada");
        assert_eq!(format!("{shared:?}"), format!("{link:?}"));
        assert_eq!(
            serde_json::to_string(&shared).unwrap(),
            serde_json::to_string(&link).unwrap()
        );
        let mut ctx = tera::Context::new();
        ctx.insert("l", &shared);
        let mut tera = tera::Tera::default();
        tera.add_raw_template("t", "{{ l.title }} {{ l.url }}")
            .unwrap();
        assert_eq!(tera.render("t", &ctx).unwrap(), "Ada people/ada/");
    }
}
