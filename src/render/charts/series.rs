//! The series chart: a repeated KR across quarters, each quarter's final (or
//! current) value against that quarter's target.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    Cell, Chart, FONT, INK, TARGET_LINE, VALUE, finish_svg, min_width, status_color, value_axis,
};
use crate::content::KeyResult;
use crate::render::format::{self, StatusView};
use crate::score::KrScore;

/// `members` are the series' KRs in quarter order with their scores.
pub fn series_chart(id: &str, name: &str, members: &[(&KeyResult, &KrScore)]) -> Chart {
    let n = members.len().max(1);
    let first = members.first().map(|m| m.0);
    let values = members
        .iter()
        .flat_map(|(k, s)| [k.target, s.value, k.start]);
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
        (l.min(v), h.max(v))
    });
    let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
    let pad = ((hi - lo).abs() * 0.15).max(hi.abs() * 1e-6).max(1e-9);
    let format = |v: &f64| first.map_or_else(|| format::number(*v), |k| format::value(k, *v));
    let label_width = super::y_label_width(lo - pad, hi + pad, &format);
    // A column per quarter, wide enough for its `Q1 FY24` label.
    let width = (label_width + 24 + 72 * n as u32).max(400);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, 240)).into_drawing_area();
        if let Ok(mut chart) = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(26)
            .y_label_area_size(label_width)
            .build_cartesian_2d(0.0..n as f64, (lo - pad)..(hi + pad))
        {
            value_axis(&mut chart, 5, &format);
            let font = ("sans-serif", FONT).into_font();
            let _ = chart.draw_series(members.iter().enumerate().map(|(i, (k, _))| {
                Text::new(
                    format::quarter_label(k.quarter),
                    (i as f64 + 0.5, lo - pad),
                    font.clone()
                        .color(&INK)
                        .pos(Pos::new(HPos::Center, VPos::Top)),
                )
            }));
            // Each quarter's target as a dashed step.
            for (i, (k, _)) in members.iter().enumerate() {
                let _ = chart.draw_series(LineSeries::new(
                    [(i as f64 + 0.15, k.target), (i as f64 + 0.85, k.target)],
                    TARGET_LINE.stroke_width(2),
                ));
            }
            let _ = chart.draw_series(LineSeries::new(
                members
                    .iter()
                    .enumerate()
                    .map(|(i, (_, s))| (i as f64 + 0.5, s.value)),
                VALUE.stroke_width(3),
            ));
            let marker = ("sans-serif", FONT * 1.1).into_font();
            let _ = chart.draw_series(members.iter().enumerate().map(|(i, (_, s))| {
                let st = StatusView::kr(s.status);
                Text::new(
                    st.symbol.to_string(),
                    (i as f64 + 0.5, s.value),
                    marker
                        .clone()
                        .color(&status_color(st.key))
                        .pos(Pos::new(HPos::Center, VPos::Center)),
                )
            }));
        }
        let _ = root.present();
    }
    let title = format!("Series {name} across quarters");
    let desc = format!(
        "{} quarters of the repeated key result: the line is each quarter's final or current value, the dashed steps each quarter's target.",
        members.len()
    );
    let rows = members
        .iter()
        .map(|(k, s)| {
            vec![
                Cell::text(format::quarter_label(k.quarter)),
                Cell::num(format::value(k, s.value), Some(s.value)),
                Cell::num(format::value(k, k.target), Some(k.target)),
                Cell::num(format::progress(s.progress).text, s.progress),
                Cell::text(StatusView::kr(s.status).label),
            ]
        })
        .collect();
    Chart {
        id: id.into(),
        svg: finish_svg(&svg, id, &title, &desc),
        title,
        desc,
        headers: vec![
            "Quarter".into(),
            "Value".into(),
            "Target".into(),
            "Progress".into(),
            "Status".into(),
        ],
        rows,
        legend: vec![("━".into(), "value".into()), ("╌".into(), "target".into())],
        wide: width > 400,
        min_width: min_width(width),
    }
}
