//! Objective pages and KR pages (`/<id>/`).

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use serde::Serialize;

use super::{Card, card, sorted_objectives};
use crate::diag::Diagnostic;
use crate::load::{KrId, ObjectiveId};
use crate::render::charts::{self, Chart, Markers};
use crate::render::format;
use crate::render::html::SafeHtml;
use crate::render::view::{KrView, ObjectiveView, QuarterScore, UpdateView};
use crate::render::{PageJob, Renderer};

#[derive(Serialize)]
struct QuarterGroup<'v> {
    q: &'v QuarterScore,
    krs: Vec<&'v KrView>,
    /// Their table rows (`fragments/kr-row.html`).
    rows: Vec<SafeHtml>,
}

#[derive(Serialize)]
struct ObjectivePage<'v> {
    o: &'v ObjectiveView,
    body_html: &'v SafeHtml,
    groups: Vec<QuarterGroup<'v>>,
    children: Vec<Card<'v>>,
    chart: Chart,
}

#[derive(Serialize)]
struct KrPage<'v> {
    kr: &'v KrView,
    objective: ObjectiveRef<'v>,
    body_html: &'v SafeHtml,
    /// Newest first.
    updates: Vec<&'v UpdateView>,
    /// Every KR of the series, by quarter, this one included.
    series: Vec<SeriesItem<'v>>,
    chart: Chart,
    /// The series chart, rendered once (`fragments/series-chart.html`).
    series_chart: Option<SafeHtml>,
    /// The forecasts and confidence given in updates, oldest first (may be empty).
    forecasts: Vec<ForecastRow>,
}

/// A row of the KR page's forecast and confidence table.
#[derive(Serialize)]
struct ForecastRow {
    date: String,
    /// The forecast value, or `—`.
    forecast: String,
    /// What that would score, or `—`.
    forecast_progress: String,
    /// `75%`, or `—`.
    confidence: String,
}

fn forecast_rows(kr: &crate::load::KeyResult, as_of: chrono::NaiveDate) -> Vec<ForecastRow> {
    let dash = || "—".to_string();
    crate::score::kr::forecast_history(kr, as_of)
        .into_iter()
        .map(|p| ForecastRow {
            date: p.date.to_string(),
            forecast: p.forecast.map_or_else(dash, |f| format::value(kr, f)),
            forecast_progress: p
                .forecast_progress
                .map_or_else(dash, |f| format::progress(Some(f)).text),
            confidence: p
                .confidence
                .map_or_else(dash, |c| format::progress(Some(c)).text),
        })
        .collect()
}

/// A row of the series table on a KR page: which KR, and its cells, rendered
/// once per KR (`fragments/series-row.html`) rather than once per page.
#[derive(Serialize)]
struct SeriesItem<'v> {
    id: &'v str,
    cells: SafeHtml,
}

/// What a KR page shows of its objective. Ten thousand KR pages each
/// serialise their context: only what the template uses goes in.
#[derive(Serialize)]
struct ObjectiveRef<'v> {
    review_url: &'v str,
    year_label: &'v str,
}

/// What `fragments/series-row.html` shows of a KR.
#[derive(Serialize)]
struct SeriesRow<'v> {
    id: &'v str,
    url: &'v str,
    title: &'v str,
    quarter_label: &'v str,
    quarter_url: &'v str,
    value: &'v str,
    target: &'v str,
    progress: &'v crate::render::format::Progress,
    status: &'v crate::render::status::StatusView,
}

#[derive(Serialize)]
struct RowFragment<'v> {
    s: SeriesRow<'v>,
}

#[derive(Serialize)]
struct ChartFragment<'c> {
    chart: &'c Chart,
}

/// A rendered fragment, or why its template failed.
type Fragment = Result<SafeHtml, Diagnostic>;

/// The row of series member `k` (`fragments/series-row.html`).
fn series_row(r: &Renderer<'_>, k: KrId) -> Fragment {
    let view = &r.views.krs[k];
    let row = RowFragment {
        s: SeriesRow::from(view),
    };
    r.fragment("fragments/series-row.html", &view.url, &row)
}

/// The chart of a series (`fragments/series-chart.html`), for pages at the
/// folder depth of its members.
fn series_chart(r: &Renderer<'_>, name: &str, members: &[KrId]) -> Fragment {
    let list: Vec<_> = members
        .iter()
        .map(|&m| (&r.site.key_results[m], &r.scores.krs[m]))
        .collect();
    let chart = r
        .stats
        .chart(|| charts::series_chart("series-chart", name, &list));
    let url = &r.views.krs[members[0]].url;
    r.fragment(
        "fragments/series-chart.html",
        url,
        &ChartFragment { chart: &chart },
    )
}

impl<'v> From<&'v KrView> for SeriesRow<'v> {
    fn from(k: &'v KrView) -> Self {
        SeriesRow {
            id: &k.id,
            url: &k.url,
            title: &k.title,
            quarter_label: &k.quarter_label,
            quarter_url: &k.quarter_url,
            value: &k.value,
            target: &k.target,
            progress: &k.progress,
            status: &k.status,
        }
    }
}

pub fn pages<'r>(r: &'r Renderer<'_>) -> Vec<PageJob<'r>> {
    let v = r.views;
    let mut jobs = Vec::new();
    for (i, o) in r.site.objectives.iter_enumerated() {
        let view = &v.objectives[i];
        jobs.push(PageJob::lazy_try(
            "objective.html",
            view.url.clone(),
            "objectives",
            move || {
                let groups = view
                    .quarters
                    .iter()
                    .enumerate()
                    .filter(|(_, q)| q.kr_count > 0)
                    .map(|(n, q)| {
                        let krs: Vec<&KrView> = o
                            .key_results
                            .iter()
                            .filter(|&&k| r.site.key_results[k].meta.quarter.q as usize == n + 1)
                            .map(|&k| &v.krs[k])
                            .collect();
                        Ok(QuarterGroup {
                            q,
                            rows: r.kr_rows(&krs, &view.url, false)?,
                            krs,
                        })
                    })
                    .collect::<Result<_, Diagnostic>>()?;
                let children = sorted_objectives(r, o.children.iter().copied())
                    .into_iter()
                    .map(|c| card(r, c, None, 1).with_rows(r, &view.url))
                    .collect::<Result<_, _>>()?;
                Ok(ObjectivePage {
                    o: view,
                    body_html: &v.objective_bodies[i],
                    groups,
                    children,
                    chart: r.stats.chart(|| objective_chart(r, i)),
                })
            },
        ));
    }
    // Series members, grouped once; each series chart is drawn once and shared
    // by the pages of all its members.
    let mut series: BTreeMap<&str, Vec<KrId>> = BTreeMap::new();
    for (k, kr) in r.site.key_results.iter_enumerated() {
        if let Some(s) = &kr.meta.series {
            series.entry(s.as_str()).or_default().push(k);
        }
    }
    for list in series.values_mut() {
        list.sort_by_key(|&k| (r.site.key_results[k].meta.quarter, k));
    }
    // Series tables and charts repeat on every member's page: each row and
    // chart is rendered once, by the first page that needs it (on whichever
    // thread renders that page), and the other pages include the HTML.
    let series: BTreeMap<&str, Vec<KrId>> =
        series.into_iter().filter(|(_, m)| m.len() > 1).collect();
    let charts: BTreeMap<&str, OnceLock<Fragment>> =
        series.keys().map(|&name| (name, OnceLock::new())).collect();
    let cells: BTreeMap<KrId, OnceLock<Fragment>> = series
        .values()
        .flatten()
        .map(|&k| (k, OnceLock::new()))
        .collect();
    let shared = Arc::new((series, charts, cells));
    for (k, kr) in r.site.key_results.iter_enumerated() {
        let view = &v.krs[k];
        let shared = Arc::clone(&shared);
        jobs.push(PageJob::lazy_try(
            "kr.html",
            view.url.clone(),
            "objectives",
            move || {
                let (series, charts, cells) = &*shared;
                let name = kr.meta.series.as_deref().unwrap_or_default();
                let rows = match series.get(name) {
                    Some(members) => members
                        .iter()
                        .map(|&m| {
                            let html = cells[&m].get_or_init(|| series_row(r, m));
                            Ok(SeriesItem {
                                id: &v.krs[m].id,
                                cells: html.clone()?,
                            })
                        })
                        .collect::<Result<Vec<_>, Diagnostic>>()?,
                    None => Vec::new(),
                };
                let series_chart = match (charts.get(name), series.get(name)) {
                    (Some(chart), Some(members)) => Some(
                        chart
                            .get_or_init(|| series_chart(r, name, members))
                            .clone()?,
                    ),
                    _ => None,
                };
                Ok(KrPage {
                    kr: view,
                    objective: ObjectiveRef {
                        review_url: &v.objectives[kr.objective].review_url,
                        year_label: &v.objectives[kr.objective].year_label,
                    },
                    body_html: &v.kr_bodies[k],
                    updates: v.kr_updates[k]
                        .iter()
                        .rev()
                        .map(|&u| &*v.updates[u])
                        .collect(),
                    series: rows,
                    chart: r
                        .stats
                        .chart(|| charts::kr_chart(kr, &r.site.config.calendar, r.scores.as_of)),
                    series_chart,
                    forecasts: forecast_rows(kr, r.scores.as_of),
                })
            },
        ));
    }
    jobs
}

/// Progress per quarter and for the year, with aligned objectives as numbered markers.
fn objective_chart(r: &Renderer<'_>, i: ObjectiveId) -> Chart {
    let o = &r.site.objectives[i];
    let s = &r.scores.objectives[i];
    let mut categories: Vec<String> = o
        .meta
        .year
        .quarters()
        .iter()
        .map(|q| format!("Q{}", q.q))
        .collect();
    categories.push(format::year_label(o.meta.year));
    let scopes = |sc: &crate::score::ObjectiveScore| -> Vec<Option<f64>> {
        let mut v: Vec<Option<f64>> = sc.quarters.iter().map(|q| q.progress).collect();
        v.push(sc.year.progress);
        v
    };
    const SYMBOLS: [&str; 9] = ["①", "②", "③", "④", "⑤", "⑥", "⑦", "⑧", "⑨"];
    let markers: Vec<Markers> = o
        .children
        .iter()
        .take(SYMBOLS.len())
        .enumerate()
        .map(|(n, &c)| Markers {
            symbol: SYMBOLS[n].to_string(),
            label: r.site.objectives[c].meta.title.clone(),
            values: scopes(&r.scores.objectives[c]),
        })
        .collect();
    let desc = format!(
        "Progress of the objective in each quarter of {} and for the whole year{}.",
        format::year_label(o.meta.year),
        if markers.is_empty() {
            String::new()
        } else {
            format!(
                ", with its {} aligned objectives as numbered markers",
                markers.len()
            )
        }
    );
    charts::columns(
        "objective-chart",
        &format!("{}: progress by quarter", o.meta.title),
        &desc,
        &categories,
        &scopes(s),
        &markers,
    )
}
