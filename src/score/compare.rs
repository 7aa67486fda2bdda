//! What a change does to the scores (`okra diff`): the objectives and KRs of
//! two scored sites whose progress or status differ, matched by ID.

use std::collections::BTreeMap;

use crate::load::{Site, Status};
use crate::score::{ObjectiveStatus, Scores};

/// A score on one side of a change.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Side<S> {
    /// Not in this site.
    Absent,
    Scored {
        progress: Option<f64>,
        status: S,
    },
}

/// An objective or KR whose score moved.
#[derive(Debug, Clone, PartialEq)]
pub struct Moved<S> {
    pub id: String,
    /// The title after the change (before, when it was removed).
    pub title: String,
    pub before: Side<S>,
    pub after: Side<S>,
}

/// Every move between two scored sites, in ID order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Comparison {
    /// Year rollups of objectives.
    pub objectives: Vec<Moved<ObjectiveStatus>>,
    /// KR status `None` is "no update yet".
    pub krs: Vec<Moved<Option<Status>>>,
}

impl Comparison {
    pub fn is_empty(&self) -> bool {
        self.objectives.is_empty() && self.krs.is_empty()
    }
}

/// Progress that differs by less than this is the same (float noise).
const EPSILON: f64 = 1e-9;

fn same<S: PartialEq>(a: &Side<S>, b: &Side<S>) -> bool {
    match (a, b) {
        (Side::Absent, Side::Absent) => true,
        (
            Side::Scored {
                progress: p,
                status: s,
            },
            Side::Scored {
                progress: q,
                status: t,
            },
        ) => {
            s == t
                && match (p, q) {
                    (Some(p), Some(q)) => (p - q).abs() < EPSILON,
                    (None, None) => true,
                    _ => false,
                }
        }
        _ => false,
    }
}

fn moves<S: PartialEq + Copy>(before: Sides<'_, S>, after: Sides<'_, S>) -> Vec<Moved<S>> {
    let mut ids: Vec<&str> = before.keys().chain(after.keys()).copied().collect();
    ids.sort_unstable();
    ids.dedup();
    ids.into_iter()
        .filter_map(|id| {
            let (t0, b) = before.get(id).copied().unwrap_or(("", Side::Absent));
            let (t1, a) = after.get(id).copied().unwrap_or(("", Side::Absent));
            (!same(&b, &a)).then(|| Moved {
                id: id.to_string(),
                title: if t1.is_empty() { t0 } else { t1 }.to_string(),
                before: b,
                after: a,
            })
        })
        .collect()
}

type Sides<'a, S> = BTreeMap<&'a str, (&'a str, Side<S>)>;

fn objective_sides<'a>(site: &'a Site, scores: &Scores) -> Sides<'a, ObjectiveStatus> {
    site.objectives
        .iter_enumerated()
        .map(|(i, o)| {
            let r = scores.objectives[i].year;
            let side = Side::Scored {
                progress: r.progress,
                status: r.status,
            };
            (o.id.as_str(), (o.meta.title.as_str(), side))
        })
        .collect()
}

fn kr_sides<'a>(site: &'a Site, scores: &Scores) -> Sides<'a, Option<Status>> {
    site.key_results
        .iter_enumerated()
        .map(|(k, kr)| {
            let s = &scores.krs[k];
            let side = Side::Scored {
                progress: s.progress,
                status: s.status,
            };
            (kr.id.as_str(), (kr.meta.title.as_str(), side))
        })
        .collect()
}

/// Compares two scored sites (both already published: what they show).
pub fn compare(before: (&Site, &Scores), after: (&Site, &Scores)) -> Comparison {
    Comparison {
        objectives: moves(
            objective_sides(before.0, before.1),
            objective_sides(after.0, after.1),
        ),
        krs: moves(kr_sides(before.0, before.1), kr_sides(after.0, after.1)),
    }
}
