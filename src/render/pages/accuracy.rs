//! The forecast accuracy section of closed quarter pages and yearly reviews:
//! the figures of `score::accuracy`, formatted.

use serde::Serialize;

use super::Renderer;
use crate::load::KrId;
use crate::render::format;
use crate::render::status::StatusView;
use crate::render::view::Link;
use crate::score::accuracy::{self, AccuracySummary};

#[derive(Serialize)]
pub struct AccuracyView {
    pub total: SummaryView,
    pub teams: Vec<TeamRow>,
    pub krs: Vec<CheckRow>,
}

#[derive(Serialize)]
pub struct SummaryView {
    pub checked: usize,
    pub forecasts: usize,
    /// `12.5 points`, or `—` without forecasts.
    pub mae: String,
    pub optimistic: usize,
    pub surprises: usize,
}

#[derive(Serialize)]
pub struct TeamRow {
    /// The team, or the company (without a URL).
    pub team: Link,
    pub summary: SummaryView,
}

#[derive(Serialize)]
pub struct CheckRow {
    pub kr: Link,
    pub quarter_label: String,
    pub mid_date: String,
    pub mid_status: StatusView,
    /// `90 (90%)`, or `—` when no forecast was given.
    pub forecast: String,
    pub final_status: StatusView,
    /// `60%`.
    pub final_progress: String,
    /// `+30`, `−50`, or `—`.
    pub error: String,
    pub optimistic: bool,
    pub surprise: bool,
}

/// Points with one decimal at most, signed when asked: `+30`, `−12.5`, `33.3`.
fn points(p: f64, signed: bool) -> String {
    let rounded = (p * 10.0).round() / 10.0;
    let n = format::number(rounded.abs());
    match (signed, rounded) {
        (true, r) if r > 0.0 => format!("+{n}"),
        (_, r) if r < 0.0 => format!("−{n}"),
        _ => n,
    }
}

fn summary(s: &AccuracySummary) -> SummaryView {
    SummaryView {
        checked: s.checked,
        forecasts: s.forecasts,
        mae: s.mae_points.map_or_else(
            || "—".to_string(),
            |m| format!("{} points", points(m, false)),
        ),
        optimistic: s.optimistic,
        surprises: s.surprises,
    }
}

/// The section for `krs`, or `None` when none of them can be judged yet.
pub fn view(r: &Renderer<'_>, krs: &[KrId]) -> Option<AccuracyView> {
    let acc = accuracy::accuracy(r.site, krs, r.scores.as_of);
    if acc.krs.is_empty() {
        return None;
    }
    let teams = acc
        .teams
        .iter()
        .map(|(t, s)| TeamRow {
            team: t.as_deref().and_then(|id| r.site.team(id)).map_or_else(
                || Link {
                    title: r.site.config.company.clone(),
                    url: String::new(),
                },
                |t| Link {
                    title: t.name.clone(),
                    url: crate::render::urls::team(&t.id),
                },
            ),
            summary: summary(s),
        })
        .collect();
    let krs = acc
        .krs
        .iter()
        .map(|c| {
            let kr = &r.site.key_results[c.kr];
            let view = &r.views.krs[c.kr];
            CheckRow {
                kr: Link {
                    title: view.title.clone(),
                    url: view.url.clone(),
                },
                quarter_label: view.quarter_label.clone(),
                mid_date: c.mid_date.to_string(),
                mid_status: StatusView::kr(Some(c.mid_status)),
                forecast: match (c.forecast, c.forecast_progress) {
                    (Some(f), Some(p)) => {
                        format!(
                            "{} ({})",
                            format::value(kr, f),
                            format::progress(Some(p)).text
                        )
                    }
                    _ => "—".to_string(),
                },
                final_status: StatusView::kr(Some(c.final_status)),
                final_progress: format::progress(Some(c.final_progress)).text,
                error: c
                    .error_points
                    .map_or_else(|| "—".into(), |e| points(e, true)),
                optimistic: c.optimistic,
                surprise: c.surprise,
            }
        })
        .collect();
    Some(AccuracyView {
        total: summary(&acc.total),
        teams,
        krs,
    })
}

#[cfg(test)]
mod tests {
    use super::points;

    #[test]
    fn points_are_rounded_and_signed() {
        assert_eq!(points(30.0, true), "+30");
        assert_eq!(points(-50.0, true), "−50");
        assert_eq!(points(100.0 / 3.0, false), "33.3");
        assert_eq!(points(0.04, true), "0");
    }
}
