//! Quarter pages (`/quarters/fy2024-q1/`), the quarter index and the
//! quarterly history (`/history/`).

use std::collections::BTreeMap;

use serde::Serialize;

use super::{
    Card, QuarterInfo, Stats, history_charts, quarter_info, stats, team_scores_chart, with_rows,
    year_cards,
};
use crate::load::KrId;
use crate::period::Quarter;
use crate::render::charts::Chart;
use crate::render::view::{KrView, UpdateView};
use crate::render::{PageJob, Renderer, urls};

#[derive(Serialize)]
struct QuarterPage<'v> {
    quarter: QuarterInfo,
    stats: Stats,
    company: Vec<Card<'v>>,
    unaligned: Vec<Card<'v>>,
    flagged: Vec<&'v KrView>,
    updates: Vec<&'v UpdateView>,
    update_count: usize,
    prev: Option<QuarterInfo>,
    next: Option<QuarterInfo>,
    is_current: bool,
    is_future: bool,
    /// When this quarter has no KRs: the nearest quarter that has.
    nearest: Option<QuarterInfo>,
    team_chart: Chart,
    /// How good the mid-quarter forecasts were, once the quarter has ended.
    accuracy: Option<super::accuracy::AccuracyView>,
}

#[derive(Serialize)]
struct HistoryRow {
    quarter: QuarterInfo,
    stats: Stats,
    is_current: bool,
}

/// Series charted on the history page.
const MAX_HISTORY_SERIES: usize = 24;

/// Every quarter that gets a page, oldest first, with its KRs: the
/// quarters of the current fiscal year and of every year that has objectives.
/// Objective pages and yearly reviews link all four quarters of their year,
/// so a quarter without KRs gets a page that says so rather than a 404.
fn quarters(r: &Renderer<'_>) -> BTreeMap<Quarter, Vec<KrId>> {
    let mut map: BTreeMap<Quarter, Vec<KrId>> = BTreeMap::new();
    let years = r.site.objectives.iter().map(|o| o.meta.year);
    for y in years.chain([r.views.current.year]) {
        for q in y.quarters() {
            map.entry(q).or_default();
        }
    }
    for (k, kr) in r.site.key_results.iter_enumerated() {
        map.entry(kr.meta.quarter).or_default().push(k);
    }
    map
}

pub fn pages<'r>(r: &'r Renderer<'_>) -> Vec<PageJob<'r>> {
    let v = r.views;
    let all = quarters(r);
    let keys: Vec<Quarter> = all.keys().copied().collect();
    let mut updates_by_quarter: BTreeMap<Quarter, Vec<&UpdateView>> = BTreeMap::new();
    for (u, &k) in v.updates.iter().zip(&v.update_krs) {
        updates_by_quarter
            .entry(r.site.key_results[k].meta.quarter)
            .or_default()
            .push(u);
    }
    let mut jobs = Vec::new();
    let mut rows = Vec::new();
    for (n, (&q, krs)) in all.iter().enumerate() {
        let (company, unaligned) = year_cards(r, q.year, Some(q));
        let mut ups = updates_by_quarter.remove(&q).unwrap_or_default();
        let update_count = ups.len();
        ups.truncate(30);
        let key = q.to_string();
        let mut ctx = QuarterPage {
            quarter: quarter_info(r, q),
            stats: stats(r, krs),
            company,
            unaligned,
            flagged: krs
                .iter()
                .map(|&k| &v.krs[k])
                .filter(|k| !k.flags.is_empty() && k.quarter == key)
                .collect(),
            updates: ups,
            update_count,
            prev: n.checked_sub(1).map(|p| quarter_info(r, keys[p])),
            next: keys.get(n + 1).map(|&nq| quarter_info(r, nq)),
            is_current: q == v.current,
            is_future: q > v.current,
            nearest: krs
                .is_empty()
                .then(|| super::nearest_quarter_with_krs(r, q).map(|n| quarter_info(r, n)))
                .flatten(),
            team_chart: team_scores_chart(
                r,
                krs,
                "quarter-teams",
                &format!(
                    "{}: average score by team",
                    crate::render::format::quarter_label(q)
                ),
            ),
            accuracy: super::accuracy::view(r, krs),
        };
        let url = urls::quarter(q);
        jobs.push(PageJob::lazy_try(
            "quarter.html",
            url.clone(),
            "quarters",
            move || {
                ctx.company = with_rows(ctx.company, r, &url)?;
                ctx.unaligned = with_rows(ctx.unaligned, r, &url)?;
                Ok(ctx)
            },
        ));
        // History and the quarter index list the quarters that have KRs, and
        // the current one.
        if krs.is_empty() && q != v.current {
            continue;
        }
        rows.push(HistoryRow {
            quarter: quarter_info(r, q),
            stats: stats(r, krs),
            is_current: q == v.current,
        });
    }
    rows.reverse();
    #[derive(Serialize)]
    struct SeriesRow {
        name: String,
        chart: Chart,
    }
    #[derive(Serialize)]
    struct History {
        rows: Vec<HistoryRow>,
        charts: [Chart; 2],
        series: Vec<SeriesRow>,
    }
    // Every repeated KR, charted across its quarters.
    let mut by_series: BTreeMap<&str, Vec<KrId>> = BTreeMap::new();
    for (k, kr) in r.site.key_results.iter_enumerated() {
        if let Some(s) = &kr.meta.series {
            by_series.entry(s).or_default().push(k);
        }
    }
    // A large company has hundreds of series: chart the first few here, the
    // rest stay charted on their KR pages.
    let series = by_series
        .into_iter()
        .filter(|(_, ks)| ks.len() > 1)
        .take(MAX_HISTORY_SERIES)
        .map(|(name, mut ks)| {
            ks.sort_by_key(|&k| (r.site.key_results[k].meta.quarter, k));
            let members: Vec<_> = ks
                .iter()
                .map(|&k| (&r.site.key_results[k], &r.scores.krs[k]))
                .collect();
            let id = format!("series-{}", crate::render::format::slug(name));
            SeriesRow {
                name: name.to_string(),
                chart: r
                    .stats
                    .chart(|| crate::render::charts::series_chart(&id, name, &members)),
            }
        })
        .collect();
    let with_krs: Vec<(Quarter, Vec<KrId>)> =
        all.into_iter().filter(|(_, k)| !k.is_empty()).collect();
    let history = History {
        rows,
        charts: history_charts(r, &with_krs, "history", ""),
        series,
    };
    jobs.push(PageJob::new(
        "history.html",
        urls::HISTORY,
        "history",
        &history,
    ));
    jobs.push(PageJob::new(
        "quarters.html",
        urls::QUARTERS,
        "quarters",
        &history,
    ));
    jobs
}
