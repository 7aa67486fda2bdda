//! The loaded site: teams, objectives, key results and their status updates.
//!
//! Everything here is plain data read from files; scores are computed from it
//! by `score`, never stored in it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use chrono::NaiveDate;
use serde::Serialize;

use crate::config::Config;
use crate::diag::Loc;
use crate::load::id::{IdVec, KrId, ObjectiveId};
use crate::period::{FiscalYear, Quarter};

/// How a key result is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    Percent,
    Number,
    Currency,
    Boolean,
}

impl Metric {
    pub const CHOICES: [(&'static str, Metric); 4] = [
        ("percent", Metric::Percent),
        ("number", Metric::Number),
        ("currency", Metric::Currency),
        ("boolean", Metric::Boolean),
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Percent => "percent",
            Metric::Number => "number",
            Metric::Currency => "currency",
            Metric::Boolean => "boolean",
        }
    }
}

/// The seven statuses an owner can post. Open ones during the quarter; closed
/// ones give the final score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    OnTrack,
    AtRisk,
    OffTrack,
    Achieved,
    Partial,
    Missed,
    Dropped,
}

impl Status {
    pub const CHOICES: [(&'static str, Status); 7] = [
        ("on-track", Status::OnTrack),
        ("at-risk", Status::AtRisk),
        ("off-track", Status::OffTrack),
        ("achieved", Status::Achieved),
        ("partial", Status::Partial),
        ("missed", Status::Missed),
        ("dropped", Status::Dropped),
    ];

    pub fn is_closed(self) -> bool {
        matches!(
            self,
            Status::Achieved | Status::Partial | Status::Missed | Status::Dropped
        )
    }

    pub fn as_str(self) -> &'static str {
        Status::CHOICES
            .iter()
            .find(|c| c.1 == self)
            .map(|c| c.0)
            .unwrap_or_default()
    }
}

/// The side of `target` a health-metric KR (`keep = "above"` / `"below"`)
/// must stay on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Keep {
    Above,
    Below,
}

impl Keep {
    pub const CHOICES: [(&'static str, Keep); 2] = [("above", Keep::Above), ("below", Keep::Below)];

    pub fn as_str(self) -> &'static str {
        match self {
            Keep::Above => "above",
            Keep::Below => "below",
        }
    }

    /// Whether `value` holds on this side of `target` (the target itself holds).
    pub fn holds(self, value: f64, target: f64) -> bool {
        match self {
            Keep::Above => value >= target,
            Keep::Below => value <= target,
        }
    }
}

/// A team (`content/teams/<id>.md`).
#[derive(Debug, Clone)]
pub struct Team {
    pub id: String,
    pub name: String,
    pub lead: Option<String>,
    pub parent: Option<String>,
    pub body: String,
    pub source: PathBuf,
    pub parent_loc: Option<Loc>,
}

impl Team {
    /// The keys a team's front matter may hold, for "unknown key, did you mean".
    pub const KEYS: &[&str] = &["name", "lead", "parent"];
}

/// An objective's front matter, as the author wrote it: parsed once by
/// `load::parse` and kept whole, so a new field is declared here (and in
/// [`ObjectiveMeta::KEYS`]) and read where it is used, not copied stage by stage.
#[derive(Debug, Clone)]
pub struct ObjectiveMeta {
    pub title: String,
    pub owner: String,
    /// `None` for a company-level objective.
    pub team: Option<String>,
    /// From `period`, which must name a fiscal year.
    pub year: FiscalYear,
    /// The ID of the objective this one is aligned to (slashes trimmed).
    pub parent: Option<String>,
    /// From `privacy = "private"`.
    pub private: bool,
    pub draft: bool,
}

impl ObjectiveMeta {
    /// The keys an objective's front matter may hold, for "unknown key, did
    /// you mean" (`period` is read into `year`).
    pub const KEYS: &[&str] = &[
        "title", "owner", "team", "period", "parent", "privacy", "draft",
    ];
}

/// A yearly objective (`<folder>/objective.md`).
#[derive(Debug, Clone)]
pub struct Objective {
    pub id: String,
    pub meta: ObjectiveMeta,
    pub body: String,
    pub source: PathBuf,
    /// This objective's KRs, in ID order.
    pub key_results: Vec<KrId>,
    /// The objectives aligned to this one, in ID order.
    pub children: Vec<ObjectiveId>,
    pub locs: Locs,
}

/// Where cross-referencing fields were written, for validation messages.
#[derive(Debug, Clone, Default)]
pub struct Locs {
    pub title: Option<Loc>,
    pub owner: Option<Loc>,
    pub team: Option<Loc>,
    pub parent: Option<Loc>,
    pub period: Option<Loc>,
    pub series: Option<Loc>,
    /// A KR's `metric`, `start` and `target` where written (the target ledger's
    /// warning points at the changed key).
    pub metric: Option<Loc>,
    pub start: Option<Loc>,
    pub target: Option<Loc>,
}

/// A key result's front matter, kept whole from the parser to the exports
/// (see [`ObjectiveMeta`] for why). Assembly completes it from the objective:
/// `team`, `private` and `draft` are inherited, so every later stage reads
/// one value.
#[derive(Debug, Clone)]
pub struct KrMeta {
    pub title: String,
    pub owner: String,
    /// The KR's own team, or else (after assembly) its objective's.
    pub team: Option<String>,
    /// From `period`, which must name a quarter.
    pub quarter: Quarter,
    pub metric: Metric,
    /// Numeric start and target; booleans are 0 (false) and 1 (true).
    pub start: f64,
    pub target: f64,
    pub current: Option<f64>,
    pub unit: Option<String>,
    /// 1 when not given; always greater than 0.
    pub weight: f64,
    pub series: Option<String>,
    /// A health metric: holds while the value stays on this side of `target`
    /// (such a KR has no `start`; `start` is then `target`).
    pub keep: Option<Keep>,
    /// Private itself or (after assembly) through its objective.
    pub private: bool,
    /// Draft itself or (after assembly) through its objective.
    pub draft: bool,
    /// Why the KR's start, target, metric or title changed after its quarter
    /// started: turns `okra check`'s `target-changed` warning into a note on
    /// the KR page.
    pub rebaseline: Option<String>,
    /// `source = { file, date, value }`: dated values read from a data file.
    pub source: Option<Box<DataSource>>,
}

/// Where a KR's dated values come from: a CSV (with a header row) or JSON
/// (an array of objects) file under the site root, and the two columns read.
#[derive(Debug, Clone, PartialEq)]
pub struct DataSource {
    /// As written, relative to the site root (`data/signups.csv`).
    pub file: String,
    /// The column (CSV) or key (JSON) holding the day, `YYYY-MM-DD`.
    pub date: String,
    /// The column or key holding the value.
    pub value: String,
    /// Where `source` is written in the KR file.
    pub loc: Loc,
}

/// One dated value read from a KR's data file.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Point {
    pub date: NaiveDate,
    pub value: f64,
}

impl KrMeta {
    /// The keys a KR's front matter may hold, for "unknown key, did you mean"
    /// (`period` is read into `quarter`, `privacy` into `private`).
    pub const KEYS: &[&str] = &[
        "title",
        "owner",
        "team",
        "period",
        "metric",
        "start",
        "target",
        "current",
        "unit",
        "weight",
        "series",
        "keep",
        "privacy",
        "draft",
        "rebaseline",
        "source",
    ];
}

/// A quarterly key result (any other `.md` in an objective folder).
#[derive(Debug, Clone)]
pub struct KeyResult {
    pub id: String,
    /// ID of the objective this KR belongs to.
    pub objective_id: String,
    /// The objective `objective_id` names, in the same site.
    pub objective: ObjectiveId,
    pub meta: KrMeta,
    pub body: String,
    pub source: PathBuf,
    /// Sorted by date, then file name.
    pub updates: Vec<Update>,
    pub locs: Locs,
    /// Changes of `start`, `target`, `metric` and `title` committed after the
    /// KR's quarter started, oldest first (from git history; empty without).
    pub changes: Vec<crate::load::history::Change>,
    /// Dated values from the KR's `source` data file, sorted by date (the
    /// last row of a day wins); merged with the updates' values by scoring.
    pub points: Vec<Point>,
}

/// A status update (`<kr>/<YYYY-MM-DD>[-<word>].md`).
#[derive(Debug, Clone)]
pub struct Update {
    pub date: NaiveDate,
    pub status: Status,
    /// The metric's value (booleans as 0/1); `None` only for `dropped`.
    pub value: Option<f64>,
    /// The value the owner expects at the end of the quarter (same type as
    /// `value`), given at mid-quarter scoring.
    pub forecast: Option<f64>,
    /// The owner's confidence in reaching the target, in [0, 1]
    /// (`low`, `medium`, `high` are [`CONFIDENCE_WORDS`]).
    pub confidence: Option<f64>,
    pub author: String,
    pub body: String,
    pub source: PathBuf,
    /// The file name without `.md`, unique within the KR.
    pub slug: String,
}

impl Update {
    /// The keys an update's front matter may hold, for "unknown key, did you
    /// mean" (`date`, if given, must repeat the file name's).
    pub const KEYS: &[&str] = &[
        "status",
        "value",
        "date",
        "author",
        "forecast",
        "confidence",
    ];
}

/// The words `confidence` may be written as, and the number each stands for.
pub const CONFIDENCE_WORDS: [(&str, f64); 3] = [("low", 0.25), ("medium", 0.5), ("high", 0.75)];

/// A yearly review written by people (`content/reviews/<fiscal year>.md`),
/// shown at the top of `/review/<fy>/`.
#[derive(Debug, Clone)]
pub struct Review {
    pub year: FiscalYear,
    pub title: String,
    pub author: Option<String>,
    pub date: Option<NaiveDate>,
    /// Markdown, sanitised when rendered.
    pub body: String,
    pub source: PathBuf,
}

impl Review {
    /// The keys a review's front matter may hold.
    pub const KEYS: &[&str] = &["title", "author", "date"];
}

/// Everything loaded from a site, linked by typed ids.
#[derive(Debug, Clone, Default)]
pub struct Site {
    pub config: Config,
    /// Sorted by ID.
    pub teams: Vec<Team>,
    /// Sorted by ID.
    pub objectives: IdVec<ObjectiveId, Objective>,
    /// Sorted by ID.
    pub key_results: IdVec<KrId, KeyResult>,
    /// Written yearly reviews, sorted by year.
    pub reviews: Vec<Review>,
    /// IDs of teams and objectives whose files exist but could not be loaded
    /// (their errors are already reported), so references to them are not
    /// reported again as missing.
    pub unloaded: BTreeSet<String>,
    /// KRs added and removed and objectives added, from git history (empty
    /// without), oldest first. A view keeps only the events of what it shows.
    pub events: Vec<crate::load::history::Event>,
}

/// Which objectives and KRs a view of the site keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Visibility {
    pub private: bool,
    pub drafts: bool,
}

impl Site {
    /// Sorts everything by ID and rebuilds the index links (objective ↔ KRs,
    /// parent → children). Links to objectives that are not in the site are dropped.
    pub fn link(&mut self) {
        self.teams.sort_by(|a, b| a.id.cmp(&b.id));
        self.objectives.sort_by(|a, b| a.id.cmp(&b.id));
        self.key_results.sort_by(|a, b| a.id.cmp(&b.id));
        self.reviews
            .sort_by(|a, b| (a.year, &a.source).cmp(&(b.year, &b.source)));
        let index: BTreeMap<String, ObjectiveId> = self
            .objectives
            .iter_enumerated()
            .map(|(i, o)| (o.id.clone(), i))
            .collect();
        for o in &mut self.objectives {
            o.key_results.clear();
            o.children.clear();
        }
        self.key_results
            .retain(|kr| index.contains_key(&kr.objective_id));
        for (k, kr) in self.key_results.iter_enumerated_mut() {
            let o = index[&kr.objective_id];
            kr.objective = o;
            self.objectives[o].key_results.push(k);
        }
        for i in self.objective_ids() {
            let parent = self.objectives[i]
                .meta
                .parent
                .as_ref()
                .and_then(|p| index.get(p))
                .copied();
            match parent {
                Some(p) if p != i => self.objectives[p].children.push(i),
                _ => {}
            }
        }
    }

    /// The site as a given audience sees it: private and draft objectives and
    /// KRs removed as asked, and every link to them dropped, so that later
    /// stages cannot leak them by accident.
    pub fn view(&self, vis: Visibility) -> Site {
        self.clone().into_view(vis)
    }

    /// [`Site::view`] without a copy, for a caller done with the whole site.
    pub fn into_view(self, vis: Visibility) -> Site {
        let keep = |private: bool, draft: bool| (vis.private || !private) && (vis.drafts || !draft);
        let sources = |s: &Site| -> BTreeSet<PathBuf> {
            s.objectives
                .iter()
                .map(|o| o.source.clone())
                .chain(s.key_results.iter().map(|k| k.source.clone()))
                .collect()
        };
        let all = sources(&self);
        let mut site = self;
        site.objectives
            .retain(|o| keep(o.meta.private, o.meta.draft));
        site.key_results
            .retain(|k| keep(k.meta.private, k.meta.draft));
        let ids: BTreeSet<String> = site.objectives.iter().map(|o| o.id.clone()).collect();
        for o in &mut site.objectives {
            if o.meta.parent.as_ref().is_some_and(|p| !ids.contains(p)) {
                o.meta.parent = None;
            }
        }
        site.link();
        // History's events: only of objectives and KRs the view shows, or of
        // removed KRs that were public in an objective it shows.
        let shown = sources(&site);
        site.events.retain(|e| {
            if shown.contains(&e.path) {
                return !e.hidden || e.kind == crate::load::history::EventKind::NewObjective;
            }
            let objective_shown = e
                .path
                .parent()
                .is_some_and(|dir| shown.contains(&dir.join(crate::load::walk::OBJECTIVE_FILE)));
            !all.contains(&e.path) && !e.hidden && objective_shown
        });
        site
    }

    /// The objective with this ID, if the site has it.
    pub fn find_objective(&self, id: &str) -> Option<ObjectiveId> {
        self.objectives.binary_search_by(|o| o.id.as_str().cmp(id))
    }

    /// Every KR's id, in ID order.
    pub fn kr_ids(&self) -> impl DoubleEndedIterator<Item = KrId> + ExactSizeIterator + use<> {
        self.key_results.ids()
    }

    /// Every objective's id, in ID order.
    pub fn objective_ids(
        &self,
    ) -> impl DoubleEndedIterator<Item = ObjectiveId> + ExactSizeIterator + use<> {
        self.objectives.ids()
    }

    pub fn team(&self, id: &str) -> Option<&Team> {
        self.teams
            .binary_search_by(|t| t.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.teams[i])
    }

    pub fn update_count(&self) -> usize {
        self.key_results.iter().map(|k| k.updates.len()).sum()
    }
}
