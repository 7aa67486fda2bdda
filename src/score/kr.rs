//! A key result as of a date: value, progress and status (spec §4).

use chrono::NaiveDate;

use crate::load::{KeyResult, Status, Update};
use crate::period::FiscalCalendar;

/// The updates dated on or before `as_of` (updates are sorted by date).
pub fn updates_as_of(kr: &KeyResult, as_of: NaiveDate) -> &[Update] {
    let n = kr.updates.partition_point(|u| u.date <= as_of);
    &kr.updates[..n]
}

/// The latest update dated on or before `as_of`.
pub fn latest_update(kr: &KeyResult, as_of: NaiveDate) -> Option<&Update> {
    updates_as_of(kr, as_of).last()
}

/// The value of the latest dated value on or before `as_of`, from the
/// updates (with a value) and the data file's points together (an update
/// wins over a point of the same day), else `current`, else `start`.
pub fn value_as_of(kr: &KeyResult, as_of: NaiveDate) -> f64 {
    let update = updates_as_of(kr, as_of)
        .iter()
        .rev()
        .find_map(|u| u.value.map(|v| (u.date, v)));
    let n = kr.points.partition_point(|p| p.date <= as_of);
    let point = n
        .checked_sub(1)
        .map(|i| (kr.points[i].date, kr.points[i].value));
    let latest = match (update, point) {
        (Some(u), Some(p)) if p.0 > u.0 => Some(p.1),
        (Some(u), _) => Some(u.1),
        (None, p) => p.map(|p| p.1),
    };
    latest.or(kr.meta.current).unwrap_or(kr.meta.start)
}

/// Progress of a value: (value − start) / (target − start), unclamped
/// (over-achievement is above 1, going the wrong way is below 0).
/// `None` only if start equals target, which validation rejects.
/// A `keep` KR (a health metric) is 1 while the value holds on its side of
/// the target (the target itself holds), else 0.
pub fn progress_of(kr: &KeyResult, value: f64) -> Option<f64> {
    if let Some(keep) = kr.meta.keep {
        return Some(if keep.holds(value, kr.meta.target) {
            1.0
        } else {
            0.0
        });
    }
    let span = kr.meta.target - kr.meta.start;
    let p = (value - kr.meta.start) / span;
    (span != 0.0 && p.is_finite()).then_some(p)
}

/// The status of the latest update on or before `as_of`; `None` is "no update".
pub fn status_as_of(kr: &KeyResult, as_of: NaiveDate) -> Option<Status> {
    latest_update(kr, as_of).map(|u| u.status)
}

/// Clamps progress into [0, 1] for rollups.
pub fn clamp_progress(p: f64) -> f64 {
    if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) }
}

/// Everything the site shows about a KR as of a date.
#[derive(Debug, Clone, PartialEq)]
pub struct KrScore {
    pub value: f64,
    /// Unclamped progress.
    pub progress: Option<f64>,
    /// `None` means no update yet.
    pub status: Option<Status>,
    pub last_update: Option<NaiveDate>,
    /// The latest forecast of the end-of-quarter value (see [`forecast_as_of`]).
    pub forecast: Option<f64>,
    /// The progress that forecast would be.
    pub forecast_progress: Option<f64>,
    /// Where a straight line from start to target stands (see [`super::pace::pace`]).
    pub pace: f64,
}

/// The forecast of the latest update that has one, on or before `as_of`;
/// `None` once a closed status was posted (the result is known then).
pub fn forecast_as_of(kr: &KeyResult, as_of: NaiveDate) -> Option<f64> {
    for u in updates_as_of(kr, as_of).iter().rev() {
        if u.status.is_closed() {
            return None;
        }
        if u.forecast.is_some() {
            return u.forecast;
        }
    }
    None
}

/// One update's forecast and confidence, for the KR page's history of them.
#[derive(Debug, Clone, PartialEq)]
pub struct ForecastPoint {
    pub date: NaiveDate,
    pub forecast: Option<f64>,
    /// The progress the forecast would be.
    pub forecast_progress: Option<f64>,
    pub confidence: Option<f64>,
}

/// The updates on or before `as_of` that gave a forecast or a confidence, oldest first.
pub fn forecast_history(kr: &KeyResult, as_of: NaiveDate) -> Vec<ForecastPoint> {
    updates_as_of(kr, as_of)
        .iter()
        .filter(|u| u.forecast.is_some() || u.confidence.is_some())
        .map(|u| ForecastPoint {
            date: u.date,
            forecast: u.forecast,
            forecast_progress: u.forecast.and_then(|f| progress_of(kr, f)),
            confidence: u.confidence,
        })
        .collect()
}

pub fn score_kr(kr: &KeyResult, cal: &FiscalCalendar, as_of: NaiveDate) -> KrScore {
    let value = value_as_of(kr, as_of);
    let latest = latest_update(kr, as_of);
    let forecast = forecast_as_of(kr, as_of);
    KrScore {
        value,
        progress: progress_of(kr, value),
        status: latest.map(|u| u.status),
        last_update: latest.map(|u| u.date),
        forecast,
        forecast_progress: forecast.and_then(|f| progress_of(kr, f)),
        pace: super::pace::pace(cal, kr.meta.quarter, as_of),
    }
}
