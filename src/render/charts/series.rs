//! The series chart: a repeated KR across quarters, each quarter's final (or
//! current) value against that quarter's target.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{Axis, Cell, Chart, Labels, MARK_FONT, TARGET_LINE, VALUE, status_color, value_axis};
use crate::load::KeyResult;
use crate::render::format;
use crate::render::status::StatusView;
use crate::score::KrScore;

/// `Q1 ’24`: short enough for a column per quarter.
pub(super) fn quarter_short(q: crate::period::Quarter) -> String {
    format!("Q{} ’{:02}", q.q, q.year.0 % 100)
}

/// `members` are the series' KRs in quarter order with their scores. The
/// chart is titled by the latest member's title (what people call the KR),
/// and has a fixed width whatever the number of quarters: columns narrow and
/// quarter labels thin out from the oldest, so the latest quarter always
/// shows, without a scroll box.
pub fn series_chart(id: &str, name: &str, members: &[(&KeyResult, &KrScore)]) -> Chart {
    let n = members.len().max(1);
    let first = members.first().map(|m| m.0);
    let values = members
        .iter()
        .flat_map(|(k, s)| [k.meta.target, s.value, k.meta.start]);
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
        (l.min(v), h.max(v))
    });
    let axis = Axis::new(lo, hi, 4);
    let quarters: Vec<String> = members
        .iter()
        .map(|(k, _)| quarter_short(k.meta.quarter))
        .collect();
    let draw = |size: super::Size| {
        let mut svg = String::new();
        let mut label_svg = String::new();
        let (format, caption): (super::TickFormat<'_>, _) = match first {
            Some(k) => super::kr_ticks(k, &axis, size),
            None => (Box::new(|v: &f64| format::number(*v)), None),
        };
        let y_area = super::y_label_width(&axis, &format);
        let rows = super::category_rows(&quarters, size, y_area);
        {
            let root = SVGBackend::with_string(&mut svg, (size.w, size.h)).into_drawing_area();
            if let Ok(mut chart) = ChartBuilder::on(&root)
                .margin(12)
                .margin_top(if caption.is_some() {
                    super::CAPTION_SPACE
                } else {
                    12
                })
                .x_label_area_size(super::category_area(rows))
                .y_label_area_size(y_area)
                .build_cartesian_2d(0.0..n as f64, 0.0..1.0)
            {
                let mut labels = Labels::default();
                if let Some(c) = &caption {
                    super::unit_caption(&mut labels, c, size);
                }
                value_axis(&mut chart, &mut labels, &axis, &format);
                let t = |v: f64| axis.t(v);
                super::category_labels(&chart, &mut labels, &quarters, rows, size.w);
                // Each quarter's target as a dashed step.
                for (i, (k, _)) in members.iter().enumerate() {
                    let _ = chart.draw_series(LineSeries::new(
                        [
                            (i as f64 + 0.15, t(k.meta.target)),
                            (i as f64 + 0.85, t(k.meta.target)),
                        ],
                        TARGET_LINE.stroke_width(2),
                    ));
                }
                let _ = chart.draw_series(LineSeries::new(
                    members
                        .iter()
                        .enumerate()
                        .map(|(i, (_, s))| (i as f64 + 0.5, t(s.value))),
                    VALUE.stroke_width(3),
                ));
                for (i, (_, s)) in members.iter().enumerate().rev() {
                    let st = StatusView::kr(s.status);
                    labels.add(
                        st.symbol().to_string(),
                        chart.backend_coord(&(i as f64 + 0.5, t(s.value))),
                        Pos::new(HPos::Center, VPos::Center),
                        MARK_FONT,
                        status_color(st),
                    );
                }
                label_svg = labels.into_svg();
            }
            let _ = root.present();
        }
        (svg, label_svg)
    };
    let kr_title = members.last().map_or(name, |m| m.0.meta.title.as_str());
    let title = format!("{kr_title}: value across quarters");
    let desc = format!(
        "{} quarters of the repeated key result (series {name}): the line is each quarter's final or current value, the dashed steps each quarter's target.",
        members.len()
    );
    let rows = members
        .iter()
        .map(|(k, s)| {
            vec![
                Cell::text(format::quarter_label(k.meta.quarter)),
                Cell::num(format::value(k, s.value), Some(s.value)),
                Cell::num(format::value(k, k.meta.target), Some(k.meta.target)),
                Cell::num(format::progress(s.progress).text, s.progress),
                Cell::text(StatusView::kr(s.status).label()),
            ]
        })
        .collect();
    Chart {
        id: id.into(),
        svg: super::both(id, &title, &desc, draw),
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
        legend: vec![
            super::legend("━", "value", "legend-value"),
            super::legend("╌", "target", ""),
        ],
        wide: false,
        min_width: 0,
    }
}
