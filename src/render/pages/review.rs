//! Yearly review (`/review/fy2024/`) and the index of years (`/review/`).

use std::collections::BTreeMap;

use serde::Serialize;

use super::{QuarterInfo, Stats, history_charts, quarter_info, stats, team_scores_chart};
use crate::load::KrId;
use crate::period::FiscalYear;
use crate::render::charts::{self, Chart};
use crate::render::format;
use crate::render::html::SafeHtml;
use crate::render::status::StatusView;
use crate::render::urls;
use crate::render::view::Link;
use crate::render::{PageJob, Renderer};

#[derive(Serialize)]
struct TeamSummary {
    team: Link,
    objective_count: usize,
    stats: Stats,
}

#[derive(Serialize)]
struct QuarterRow {
    quarter: QuarterInfo,
    stats: Stats,
}

#[derive(Serialize)]
struct Review<'v> {
    year: String,
    year_label: String,
    start: String,
    end: String,
    /// The year is over as of the build day.
    complete: bool,
    stats: Stats,
    quarters: Vec<QuarterRow>,
    teams: Vec<TeamSummary>,
    /// Every objective of the year: company level first, then by team.
    objectives: Vec<&'v crate::render::view::ObjectiveView>,
    charts: [Chart; 2],
    team_chart: Chart,
    team_statuses: Chart,
    /// KRs whose start, target, metric or title changed after their quarter
    /// started (git history).
    retargeted: crate::score::Retargeted,
    /// The review written by people (`content/reviews/<fy>.md`), shown first.
    written: Option<Written>,
    /// How good the mid-quarter forecasts of the year's ended quarters were.
    accuracy: Option<super::accuracy::AccuracyView>,
}

#[derive(Serialize)]
struct Written {
    title: String,
    author: Option<String>,
    date: Option<String>,
    /// Sanitised HTML.
    body_html: SafeHtml,
}

#[derive(Serialize)]
struct YearRow {
    year: String,
    year_label: String,
    url: String,
    objective_count: usize,
    stats: Stats,
}

pub fn pages<'r>(r: &'r Renderer<'_>) -> Vec<PageJob<'r>> {
    let cal = &r.site.config.calendar;
    let mut years: BTreeMap<FiscalYear, Vec<KrId>> = BTreeMap::new();
    // The current year always has a review page: the dashboard and every
    // quarter page link it.
    years.entry(r.views.current.year).or_default();
    for o in &r.site.objectives {
        years.entry(o.meta.year).or_default();
    }
    for (k, kr) in r.site.key_results.iter_enumerated() {
        years.entry(kr.meta.quarter.year).or_default().push(k);
    }
    let mut jobs = Vec::new();
    let mut rows = Vec::new();
    for (&year, krs) in &years {
        let quarters = year
            .quarters()
            .into_iter()
            .map(|q| {
                let in_q: Vec<KrId> = krs
                    .iter()
                    .copied()
                    .filter(|&k| r.site.key_results[k].meta.quarter == q)
                    .collect();
                QuarterRow {
                    quarter: quarter_info(r, q),
                    stats: stats(r, &in_q),
                }
            })
            .collect();
        let mut by_team: BTreeMap<String, (Link, Vec<KrId>, usize)> = BTreeMap::new();
        for &k in krs {
            let link = r.views.krs[k].team.clone().unwrap_or_else(|| Link {
                title: r.site.config.company.clone(),
                url: String::new(),
            });
            by_team
                .entry(link.title.clone())
                .or_insert_with(|| (link, Vec::new(), 0))
                .1
                .push(k);
        }
        for o in r
            .views
            .objectives
            .iter()
            .filter(|o| o.year == year.to_string())
        {
            let title = o
                .team
                .as_ref()
                .map_or_else(|| r.site.config.company.clone(), |t| t.title.clone());
            if let Some(e) = by_team.get_mut(&title) {
                e.2 += 1;
            }
        }
        let team_statuses = {
            // Whole names: the chart cuts what does not fit, its table keeps them.
            let labels: Vec<String> = by_team.values().map(|t| t.0.title.clone()).collect();
            let segments: Vec<_> = StatusView::FINAL
                .into_iter()
                .chain([StatusView::Open])
                .map(|shown| {
                    let counts = by_team
                        .values()
                        .map(|t| {
                            t.1.iter()
                                .filter(|&&k| {
                                    let s = r.views.krs[k].status;
                                    if shown == StatusView::Open {
                                        !s.is_closed()
                                    } else {
                                        s == shown
                                    }
                                })
                                .count()
                        })
                        .collect();
                    (shown, counts)
                })
                .collect();
            r.stats.chart(|| {
                charts::stacked(
                    "review-team-statuses",
                    &format!("{}: statuses by team", format::year_label(year)),
                    "Number of key results of the year per team by final status, and still open.",
                    &labels,
                    &segments,
                )
            })
        };
        let by_quarter: Vec<_> = year
            .quarters()
            .into_iter()
            .map(|q| {
                (
                    q,
                    krs.iter()
                        .copied()
                        .filter(|&k| r.site.key_results[k].meta.quarter == q)
                        .collect::<Vec<_>>(),
                )
            })
            .collect();
        let year_charts = history_charts(
            r,
            &by_quarter,
            "review",
            &format!("{}: ", format::year_label(year)),
        );
        let team_chart = team_scores_chart(
            r,
            krs,
            "review-teams",
            &format!("{}: average score by team", format::year_label(year)),
        );
        let teams = by_team
            .into_values()
            .map(|(team, ks, objective_count)| TeamSummary {
                team,
                objective_count,
                stats: stats(r, &ks),
            })
            .collect();
        // A row per objective (its quarters and year): the review compares, the
        // objective pages hold the detail.
        let objectives = super::sorted_objectives(
            r,
            r.site
                .objectives
                .iter_enumerated()
                .filter(|(_, o)| o.meta.year == year)
                .map(|(i, _)| i),
        )
        .into_iter()
        .map(|i| &r.views.objectives[i])
        .collect();
        let year_stats = stats(r, krs);
        rows.push(YearRow {
            year: year.to_string(),
            year_label: format::year_label(year),
            url: urls::review(year),
            objective_count: r
                .site
                .objectives
                .iter()
                .filter(|o| o.meta.year == year)
                .count(),
            stats: stats(r, krs),
        });
        let ctx = Review {
            year: year.to_string(),
            year_label: format::year_label(year),
            start: cal.year_start(year).to_string(),
            end: cal.year_end(year).to_string(),
            complete: r.scores.as_of > cal.year_end(year),
            stats: year_stats,
            quarters,
            teams,
            objectives,
            charts: year_charts,
            team_chart,
            team_statuses,
            retargeted: crate::score::retargeted(r.site, krs),
            written: r
                .site
                .reviews
                .iter()
                .find(|w| w.year == year)
                .map(|w| Written {
                    title: w.title.clone(),
                    author: w.author.clone(),
                    date: w.date.map(|d| d.to_string()),
                    body_html: SafeHtml::new(&crate::render::markdown::render(&w.body, "review-")),
                }),
            accuracy: super::accuracy::view(r, krs),
        };
        jobs.push(PageJob::lazy(
            "review.html",
            urls::review(year),
            "review",
            move || ctx,
        ));
    }
    rows.reverse();
    #[derive(Serialize)]
    struct Index {
        years: Vec<YearRow>,
    }
    jobs.push(PageJob::new(
        "reviews.html",
        urls::REVIEWS,
        "review",
        &Index { years: rows },
    ));
    jobs
}
