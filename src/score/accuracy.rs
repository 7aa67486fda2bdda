//! How good the mid-quarter forecasts were (spec: forecast accuracy on the
//! yearly review and closed quarter pages).
//!
//! For each KR of an ended quarter that was scored at mid-quarter and then
//! closed: its **mid-quarter update** is the first update dated on or after
//! the quarter's midpoint (the one the *missing mid-quarter scoring* flag
//! waits for), unless that update already closes the KR; its **final result**
//! is the first closed status (a KR dropped is left out). The forecast error
//! is the forecast's progress minus the final progress, both clamped to
//! [0, 1] as rollups do, in points (1 point = 1 % of the way to target).

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::load::{KrId, Site, Status};
use crate::score::kr::{clamp_progress, progress_of, updates_as_of};

/// A forecast at or above this progress at mid-quarter, then missed, is a surprise.
pub const SURPRISE_FORECAST: f64 = 0.7;

/// One KR's mid-quarter scoring against its final result.
#[derive(Debug, Clone, PartialEq)]
pub struct ForecastCheck {
    pub kr: KrId,
    pub mid_date: NaiveDate,
    pub mid_status: Status,
    /// The forecast value given at mid-quarter, if any.
    pub forecast: Option<f64>,
    /// Its progress, clamped to [0, 1].
    pub forecast_progress: Option<f64>,
    pub final_date: NaiveDate,
    pub final_status: Status,
    /// The final progress, clamped to [0, 1].
    pub final_progress: f64,
    /// (forecast − final) × 100: positive when the forecast was too optimistic.
    pub error_points: Option<f64>,
    pub optimistic: bool,
    /// On track or forecast at 70 % or more at mid-quarter, then missed.
    pub surprise: bool,
}

/// Totals over a set of checks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccuracySummary {
    /// KRs scored at mid-quarter and closed.
    pub checked: usize,
    /// Of those, how many gave a forecast.
    pub forecasts: usize,
    /// Mean absolute error of the forecasts, in points; `None` without forecasts.
    pub mae_points: Option<f64>,
    /// Forecasts above the final result.
    pub optimistic: usize,
    pub surprises: usize,
}

/// Forecast accuracy of a set of KRs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Accuracy {
    /// In the order of the KRs given.
    pub krs: Vec<ForecastCheck>,
    /// Per team (`None`: company level), company first, then by team ID.
    pub teams: Vec<(Option<String>, AccuracySummary)>,
    pub total: AccuracySummary,
}

/// The mid-quarter forecast of `kr` against its final result, as of `as_of`;
/// `None` unless its quarter has ended, it was scored at mid-quarter and it
/// closed with a result (not dropped).
pub fn check(site: &Site, k: KrId, as_of: NaiveDate) -> Option<ForecastCheck> {
    let kr = &site.key_results[k];
    let cal = &site.config.calendar;
    if cal.quarter_end(kr.meta.quarter) >= as_of {
        return None;
    }
    let updates = updates_as_of(kr, as_of);
    let closing = updates.iter().find(|u| u.status.is_closed())?;
    if closing.status == Status::Dropped {
        return None;
    }
    let midpoint = cal.quarter_midpoint(kr.meta.quarter);
    let mid = updates.iter().find(|u| u.date >= midpoint)?;
    if mid.status.is_closed() {
        return None;
    }
    let final_progress = clamp_progress(progress_of(kr, closing.value?)?);
    let forecast_progress = mid
        .forecast
        .and_then(|f| progress_of(kr, f))
        .map(clamp_progress);
    let error_points = forecast_progress.map(|f| (f - final_progress) * 100.0);
    let surprise = closing.status == Status::Missed
        && (mid.status == Status::OnTrack
            || forecast_progress.is_some_and(|f| f >= SURPRISE_FORECAST));
    Some(ForecastCheck {
        kr: k,
        mid_date: mid.date,
        mid_status: mid.status,
        forecast: mid.forecast,
        forecast_progress,
        final_date: closing.date,
        final_status: closing.status,
        final_progress,
        error_points,
        optimistic: error_points.is_some_and(|e| e > 0.0),
        surprise,
    })
}

fn summarise<'a>(checks: impl Iterator<Item = &'a ForecastCheck>) -> AccuracySummary {
    let mut s = AccuracySummary::default();
    let mut abs_sum = 0.0;
    for c in checks {
        s.checked += 1;
        if let Some(e) = c.error_points {
            s.forecasts += 1;
            abs_sum += e.abs();
        }
        s.optimistic += usize::from(c.optimistic);
        s.surprises += usize::from(c.surprise);
    }
    s.mae_points = (s.forecasts > 0).then(|| abs_sum / s.forecasts as f64);
    s
}

/// Forecast accuracy of `krs` as of `as_of`, per KR, per team and in total.
pub fn accuracy(site: &Site, krs: &[KrId], as_of: NaiveDate) -> Accuracy {
    let checks: Vec<ForecastCheck> = krs.iter().filter_map(|&k| check(site, k, as_of)).collect();
    let mut by_team: BTreeMap<Option<&str>, Vec<&ForecastCheck>> = BTreeMap::new();
    for c in &checks {
        by_team
            .entry(site.key_results[c.kr].meta.team.as_deref())
            .or_default()
            .push(c);
    }
    let teams = by_team
        .into_iter()
        .map(|(t, cs)| (t.map(str::to_string), summarise(cs.into_iter())))
        .collect();
    Accuracy {
        total: summarise(checks.iter()),
        teams,
        krs: checks,
    }
}
