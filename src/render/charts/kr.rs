//! The KR chart: value at each update against the target and the straight-line
//! pace across the quarter; a milestone timeline for boolean KRs.

use chrono::{Datelike, NaiveDate};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    AS_OF_LINE, Cell, Chart, FONT, FORECAST_LINE, INK, PACE_LINE, TARGET_LINE, VALUE, status_color,
    value_axis,
};
use crate::load::{KeyResult, Metric};
use crate::period::FiscalCalendar;
use crate::render::format;
use crate::render::status::StatusView;
use crate::score::kr::{forecast_as_of, progress_of, updates_as_of};

fn month_label(d: NaiveDate) -> String {
    const M: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!("{} {}", M[d.month0() as usize], d.day())
}

/// The chart of one KR as of a day. `x` is days since the quarter start.
pub fn kr_chart(kr: &KeyResult, cal: &FiscalCalendar, as_of: NaiveDate) -> Chart {
    let start = cal.quarter_start(kr.meta.quarter);
    let end = cal.quarter_end(kr.meta.quarter);
    let updates = updates_as_of(kr, as_of);
    let data = &kr.points[..kr.points.partition_point(|p| p.date <= as_of)];
    let day = |d: NaiveDate| (d - start).num_days() as f64;
    // The x axis is the quarter, widened to show updates and data points just
    // before or after it.
    let dates = updates
        .iter()
        .map(|u| u.date)
        .chain(data.iter().map(|p| p.date));
    let x0 = dates.clone().map(day).fold(0.0, f64::min);
    let x1 = dates.map(day).fold(day(end), f64::max) + 1.0;
    let label = format::quarter_label(kr.meta.quarter);
    let forecast = forecast_as_of(kr, as_of);
    let mut rows = Vec::new();
    let mut points: Vec<(f64, f64)> = vec![(0.0, kr.meta.current.unwrap_or(kr.meta.start))];
    for u in updates {
        let status = StatusView::kr(Some(u.status));
        rows.push(vec![
            Cell::text(u.date.to_string()),
            Cell::text(status.label()),
            Cell::num(
                u.value
                    .map_or_else(|| "—".to_string(), |v| format::value(kr, v)),
                u.value,
            ),
            Cell::num(
                u.value
                    .and_then(|v| crate::score::kr::progress_of(kr, v))
                    .map_or_else(|| "—".into(), |p| format::progress(Some(p)).text),
                u.value.and_then(|v| crate::score::kr::progress_of(kr, v)),
            ),
        ]);
        if let Some(v) = u.value {
            points.push((day(u.date), v));
        }
    }
    // Data points join the value line; an update's value wins on its day (as
    // in scoring). Each is a row of the table too.
    for p in data {
        let x = day(p.date);
        let progress = progress_of(kr, p.value);
        rows.push(vec![
            Cell::text(p.date.to_string()),
            Cell::text("data file"),
            Cell::num(format::value(kr, p.value), Some(p.value)),
            Cell::num(format::progress(progress).text, progress),
        ]);
        if !updates
            .iter()
            .any(|u| u.date == p.date && u.value.is_some())
        {
            points.push((x, p.value));
        }
    }
    // Stable: the table stays in date order, updates before data rows of a day.
    rows.sort_by(|a, b| a[0].text.cmp(&b[0].text));
    // An update dated before the quarter starts goes before the start point.
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    let id = "kr-chart";
    let title = format!(
        "{}: {} over {label}",
        kr.meta.title,
        if kr.meta.metric == Metric::Boolean {
            "milestones"
        } else {
            "value"
        }
    );
    let mut desc;
    let svg;
    if kr.meta.metric == Metric::Boolean {
        desc = format!(
            "Milestone timeline from {start} to {end}. {} update{}; {}.",
            updates.len(),
            if updates.len() == 1 { "" } else { "s" },
            match updates.iter().find(|u| u.value == Some(1.0)) {
                Some(u) => format!("done on {}", u.date),
                None => "not done yet".to_string(),
            }
        );
        svg = super::both(id, &title, &desc, |size| {
            let mut svg = String::new();
            let labels = draw_timeline(&mut svg, size, updates, (x0, x1), start, end, as_of);
            (svg, labels)
        });
    } else {
        let latest = points.last().map_or(kr.meta.start, |p| p.1);
        desc = if let Some(keep) = kr.meta.keep {
            format!(
                "Value over {label}, {} now, against a threshold of {}: the key result holds while the value stays {} it (the dashed line).",
                format::value(kr, latest),
                format::value(kr, kr.meta.target),
                keep.as_str(),
            )
        } else {
            format!(
                "Value from {} at the start of {label} to {} now, against a target of {}; the dotted line is the straight-line pace from start to target, the dashed line the target.",
                format::value(kr, kr.meta.start),
                format::value(kr, latest),
                format::value(kr, kr.meta.target),
            )
        };
        if let Some(f) = forecast {
            desc.push_str(&format!(
                " The owner's latest forecast for the quarter's end is {} ({}), drawn at the quarter's end.",
                format::value(kr, f),
                format::progress(progress_of(kr, f)).text,
            ));
        }
        svg = super::both(id, &title, &desc, |size| {
            let mut svg = String::new();
            let labels = draw_values(
                &mut svg,
                size,
                kr,
                updates,
                data,
                &points,
                forecast,
                (x0, x1),
                start,
                end,
                as_of,
            );
            (svg, labels)
        });
    }
    let mut chart = Chart {
        id: id.into(),
        svg,
        title,
        desc,
        headers: vec![
            "Date".into(),
            "Status".into(),
            "Value".into(),
            "Progress".into(),
        ],
        rows,
        legend: if kr.meta.metric == Metric::Boolean {
            vec![super::legend("◇", "due at quarter end", "")]
        } else if let Some(keep) = kr.meta.keep {
            vec![
                super::legend("━", "value", "legend-value"),
                super::legend(
                    "╌",
                    &format!(
                        "threshold: keep {} {}",
                        keep.as_str(),
                        format::value(kr, kr.meta.target)
                    ),
                    "",
                ),
            ]
        } else {
            vec![
                super::legend("━", "value", "legend-value"),
                super::legend(
                    "╌",
                    &format!("target {}", format::value(kr, kr.meta.target)),
                    "",
                ),
                super::legend("┈", "pace", ""),
            ]
        },
        wide: false,
        min_width: 0,
    };
    if !data.is_empty() && kr.meta.metric != Metric::Boolean {
        chart.legend.push(super::legend(
            "•",
            "value from the data file",
            "legend-value",
        ));
    }
    if let (Some(f), false) = (forecast, kr.meta.metric == Metric::Boolean) {
        chart.legend.push(super::legend(
            "◆",
            &format!("forecast {}", format::value(kr, f)),
            "",
        ));
    }
    // The as-of line is drawn only when the day falls on the chart.
    let a = day(as_of);
    if a >= x0 && a <= x1 {
        chart.legend.push(super::legend("┆", "as of", ""));
    }
    chart
}

fn ticks(start: NaiveDate, x: (f64, f64)) -> Vec<f64> {
    // The first day of each month in range.
    let mut out = Vec::new();
    let mut d = NaiveDate::from_ymd_opt(start.year(), start.month(), 1).unwrap_or(start);
    for _ in 0..6 {
        let off = (d - start).num_days() as f64;
        if off >= x.0 && off <= x.1 - 4.0 {
            out.push(off);
        }
        d = d.checked_add_months(chrono::Months::new(1)).unwrap_or(d);
    }
    out
}

use super::{Axis, Cartesian, Labels, MARK_FONT};

/// Month starts as x labels under the axis (a little below it, clear of the
/// lowest value label).
fn month_ticks(chart: &Cartesian<'_>, labels: &mut Labels, start: NaiveDate, x: (f64, f64)) {
    for t in ticks(start, x) {
        let label = month_label(start + chrono::Duration::days(t as i64));
        let (px, py) = chart.backend_coord(&(t, 0.0));
        labels.add(
            label,
            (px, py + 8),
            Pos::new(HPos::Center, VPos::Top),
            FONT,
            INK,
        );
    }
}

/// The status symbol of each update at its value, the latest first so that
/// when updates crowd together the newest stays visible (the table has all).
fn markers(
    chart: &Cartesian<'_>,
    labels: &mut Labels,
    points: impl DoubleEndedIterator<Item = ((f64, f64), StatusView)>,
) {
    for ((x, y), s) in points.rev() {
        labels.add(
            s.symbol().to_string(),
            chart.backend_coord(&(x, y)),
            Pos::new(HPos::Center, VPos::Center),
            MARK_FONT,
            status_color(s),
        );
    }
}

/// Draws a value chart into `svg`; returns its labels ([`super::Labels::into_svg`]).
#[allow(clippy::too_many_arguments)]
fn draw_values(
    svg: &mut String,
    size: super::Size,
    kr: &KeyResult,
    updates: &[crate::load::Update],
    data: &[crate::load::Point],
    points: &[(f64, f64)],
    forecast: Option<f64>,
    x: (f64, f64),
    start: NaiveDate,
    end: NaiveDate,
    as_of: NaiveDate,
) -> String {
    let values = points
        .iter()
        .map(|p| p.1)
        .chain([kr.meta.start, kr.meta.target])
        .chain(forecast);
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
        (l.min(v), h.max(v))
    });
    let axis = Axis::new(lo, hi, 4);
    let day = |d: NaiveDate| (d - start).num_days() as f64;
    let (label, caption) = super::kr_ticks(kr, &axis, size);
    let root = SVGBackend::with_string(svg, (size.w, size.h)).into_drawing_area();
    let Ok(mut chart) = ChartBuilder::on(&root)
        .margin(12)
        .margin_top(if caption.is_some() {
            super::CAPTION_SPACE
        } else {
            12
        })
        .x_label_area_size(30)
        .y_label_area_size(super::y_label_width(&axis, &label))
        .build_cartesian_2d(x.0..x.1, 0.0..1.0)
    else {
        return String::new();
    };
    let mut labels = Labels::default();
    if let Some(c) = &caption {
        super::unit_caption(&mut labels, c, size);
    }
    value_axis(&mut chart, &mut labels, &axis, &label);
    month_ticks(&chart, &mut labels, start, x);
    let t = |v: f64| axis.t(v);
    let _ = chart.draw_series(LineSeries::new(
        [(x.0, t(kr.meta.target)), (x.1, t(kr.meta.target))],
        TARGET_LINE.stroke_width(2),
    ));
    // A `keep` KR has a threshold, not a line to follow.
    if kr.meta.keep.is_none() {
        let _ = chart.draw_series(LineSeries::new(
            [(0.0, t(kr.meta.start)), (day(end) + 1.0, t(kr.meta.target))],
            PACE_LINE.stroke_width(2),
        ));
    }
    let a = day(as_of);
    if a >= x.0 && a <= x.1 {
        let _ = chart.draw_series(LineSeries::new(
            [(a, 0.0), (a, 1.0)],
            AS_OF_LINE.stroke_width(1),
        ));
    }
    let _ = chart.draw_series(LineSeries::new(
        points.iter().map(|&(x, v)| (x, t(v))),
        VALUE.stroke_width(3),
    ));
    // The forecast: a dash-dot line from the latest value to a diamond on
    // the quarter's last evening.
    if let (Some(f), Some(&(lx, lv))) = (forecast, points.last()) {
        let fx = day(end) + 1.0;
        let _ = chart.draw_series(LineSeries::new(
            [(lx, t(lv)), (fx, t(f))],
            FORECAST_LINE.stroke_width(2),
        ));
        labels.add(
            "◆".to_string(),
            chart.backend_coord(&(fx, t(f))),
            Pos::new(HPos::Center, VPos::Center),
            MARK_FONT,
            INK,
        );
    }
    // Data file values: small dots on the line (updates get status marks).
    let _ = chart.draw_series(
        data.iter()
            .map(|p| Circle::new((day(p.date), t(p.value)), 2, VALUE.filled())),
    );
    let marks: Vec<_> = updates
        .iter()
        .filter_map(|u| Some(((day(u.date), t(u.value?)), StatusView::kr(Some(u.status)))))
        .collect();
    markers(&chart, &mut labels, marks.into_iter());
    let _ = root.present();
    labels.into_svg()
}

/// Draws a milestone timeline into `svg`; returns its labels ([`super::Labels::into_svg`]).
#[allow(clippy::too_many_arguments)]
fn draw_timeline(
    svg: &mut String,
    size: super::Size,
    updates: &[crate::load::Update],
    x: (f64, f64),
    start: NaiveDate,
    end: NaiveDate,
    as_of: NaiveDate,
) -> String {
    let day = |d: NaiveDate| (d - start).num_days() as f64;
    let root = SVGBackend::with_string(svg, (size.w, 130)).into_drawing_area();
    let Ok(mut chart) = ChartBuilder::on(&root)
        .margin(12)
        .x_label_area_size(30)
        .y_label_area_size(72)
        .build_cartesian_2d(x.0..x.1, 0.0..1.0)
    else {
        return String::new();
    };
    let _ = chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(0)
        .y_labels(0)
        .axis_style(INK.mix(0.5))
        .draw();
    let mut labels = Labels::default();
    for (text, y) in [("done", 0.8), ("not done", 0.2)] {
        let (px, py) = chart.backend_coord(&(x.0, y));
        labels.add(
            text.to_string(),
            (px - 6, py),
            Pos::new(HPos::Right, VPos::Center),
            FONT,
            INK,
        );
    }
    month_ticks(&chart, &mut labels, start, x);
    let _ = chart.draw_series(LineSeries::new(
        [(x.0, 0.2), (x.1, 0.2)],
        INK.mix(0.25).stroke_width(2),
    ));
    // Due on the quarter's last day (the axis may run on to a late update).
    let end = day(end);
    let a = day(as_of);
    if a >= x.0 && a <= x.1 {
        let _ = chart.draw_series(LineSeries::new(
            [(a, 0.0), (a, 1.0)],
            AS_OF_LINE.stroke_width(1),
        ));
    }
    let marks: Vec<_> = updates
        .iter()
        .map(|u| {
            let y = if u.value == Some(1.0) { 0.8 } else { 0.2 };
            ((day(u.date), y), StatusView::kr(Some(u.status)))
        })
        .collect();
    markers(&chart, &mut labels, marks.into_iter());
    // The due marker gives way to an update drawn where it would go.
    labels.add(
        "◇".to_string(),
        chart.backend_coord(&(end, 0.8)),
        Pos::new(HPos::Center, VPos::Center),
        MARK_FONT,
        INK,
    );
    let _ = root.present();
    labels.into_svg()
}
