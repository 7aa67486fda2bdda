//! Sparklines: a tiny progress-over-time line next to each KR in tables.
//!
//! Each is a file of its own (`<kr>/trend.svg`), shared by every page that
//! lists the KR, so a large site does not repeat it inline thousands of times.

use plotters::prelude::*;

use super::{Chart, INK, TARGET_LINE, VALUE, finish_svg};
use crate::load::KeyResult;
use crate::render::format;
use crate::render::html::SafeHtml;
use crate::score::kr::{progress_of, updates_as_of};

/// Progress at the start and after each update on or before `as_of`.
fn points(kr: &KeyResult, as_of: chrono::NaiveDate) -> Vec<f64> {
    let mut points = vec![progress_of(kr, kr.meta.current.unwrap_or(kr.meta.start)).unwrap_or(0.0)];
    points.extend(
        updates_as_of(kr, as_of)
            .iter()
            .filter_map(|u| u.value)
            .filter_map(|v| progress_of(kr, v)),
    );
    points
}

/// The sparkline's text alternative: `Progress over time: 0% → 35% → 48%`.
pub fn sparkline_title(kr: &KeyResult, as_of: chrono::NaiveDate) -> String {
    let texts: Vec<String> = points(kr, as_of)
        .iter()
        .map(|p| format::progress(Some(*p)).text)
        .collect();
    format!("Progress over time: {}", texts.join(" → "))
}

/// The sparkline as a standalone SVG file. An `<img>` does not inherit the
/// page's colours, so the file carries its own, for light and dark schemes.
pub fn sparkline_file(kr: &KeyResult, as_of: chrono::NaiveDate) -> String {
    let svg = sparkline(kr, as_of, "spark").svg;
    let style =
        "<style>svg{color:#1b2130}@media (prefers-color-scheme:dark){svg{color:#e7e9ee}}</style>";
    match svg.find("</desc>") {
        Some(i) => format!("{}{style}{}", &svg[..i + 7], &svg[i + 7..]),
        None => svg.to_string(),
    }
}

/// Progress (clamped to -10–120 %) at the start and at each update; the dashed line is 100 %.
pub fn sparkline(kr: &KeyResult, as_of: chrono::NaiveDate, id: &str) -> Chart {
    let clamped: Vec<f64> = points(kr, as_of)
        .iter()
        .map(|p| p.clamp(-0.1, 1.2))
        .collect();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (96, 24)).into_drawing_area();
        let n = clamped.len().max(2) - 1;
        if let Ok(mut chart) = ChartBuilder::on(&root)
            .margin(3)
            .build_cartesian_2d(0.0..n as f64, -0.1..1.25)
        {
            let _ = chart.draw_series(LineSeries::new(
                [(0.0, 1.0), (n as f64, 1.0)],
                TARGET_LINE.stroke_width(1),
            ));
            let _ = chart.draw_series(LineSeries::new(
                [(0.0, 0.0), (n as f64, 0.0)],
                INK.mix(0.2).stroke_width(1),
            ));
            let line = clamped.iter().enumerate().map(|(i, p)| (i as f64, *p));
            let _ = chart.draw_series(LineSeries::new(line, VALUE.stroke_width(2)));
            if let Some((i, p)) = clamped.iter().enumerate().next_back() {
                let _ = chart.draw_series(std::iter::once(Circle::new(
                    (i as f64, *p),
                    2,
                    VALUE.filled(),
                )));
            }
        }
        let _ = root.present();
    }
    let title = sparkline_title(kr, as_of);
    let desc = "Progress at the start and after each status update; the dashed line is the target.";
    Chart {
        id: id.into(),
        svg: SafeHtml::new(&finish_svg(&svg, id, &title, desc, "chart-svg")),
        title,
        desc: String::new(),
        headers: Vec::new(),
        rows: Vec::new(),
        legend: Vec::new(),
        wide: false,
        min_width: 0,
    }
}
