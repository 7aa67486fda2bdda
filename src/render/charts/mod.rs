//! SVG charts drawn by plotters (SVG backend, no system fonts: plotters' naive
//! text metrics are enough for SVG, where the browser lays out the text).
//!
//! Every chart is inline SVG with a `<title>` and `<desc>`, and carries a data
//! table with the same numbers for screen readers. Axes and labels use
//! `currentColor`, so charts follow the page's light or dark scheme; series
//! differ by marker shape and dash pattern as well as colour, so they survive
//! black-and-white printing.

mod bars;
mod kr;
mod series;
mod sparkline;

pub use bars::{Markers, columns, hbars, stacked};
pub use kr::kr_chart;
pub use series::series_chart;
pub use sparkline::{sparkline, sparkline_file, sparkline_title};

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use plotters::style::RGBColor;
use serde::Serialize;

static CHART_NANOS: AtomicU64 = AtomicU64::new(0);
static CHART_COUNT: AtomicUsize = AtomicUsize::new(0);

/// Runs a chart builder, counting it and the time spent, for the build summary.
pub fn timed<T>(f: impl FnOnce() -> T) -> T {
    let t = std::time::Instant::now();
    let out = f();
    CHART_NANOS.fetch_add(t.elapsed().as_nanos() as u64, Ordering::Relaxed);
    CHART_COUNT.fetch_add(1, Ordering::Relaxed);
    out
}

/// Charts drawn and CPU time spent drawing them (summed over threads) since the last call.
pub fn take_stats() -> (usize, std::time::Duration) {
    let n = CHART_COUNT.swap(0, Ordering::Relaxed);
    let t = CHART_NANOS.swap(0, Ordering::Relaxed);
    (n, std::time::Duration::from_nanos(t))
}

/// One cell of a chart's data table; `value` is the exact number (a fraction
/// for progress) so tools and tests can compare it with okrs.json.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Cell {
    pub text: String,
    pub value: Option<f64>,
}

impl Cell {
    pub fn text(t: impl Into<String>) -> Cell {
        Cell {
            text: t.into(),
            value: None,
        }
    }

    pub fn num(text: impl Into<String>, value: Option<f64>) -> Cell {
        Cell {
            text: text.into(),
            value: value.filter(|v| v.is_finite()),
        }
    }
}

/// A chart ready for a template: the SVG, and the same numbers as a table.
#[derive(Debug, Clone, Serialize)]
pub struct Chart {
    pub id: String,
    pub title: String,
    pub desc: String,
    pub svg: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    /// Legend entries shown under the chart: (symbol or line sample, label).
    pub legend: Vec<(String, String)>,
    /// Wide charts scroll inside their box on phones instead of shrinking their labels.
    pub wide: bool,
    /// Narrowest width (px) at which labels are still 11 px on screen.
    pub min_width: u32,
}

/// Drawn with this colour, text and axes become `currentColor`.
pub const INK: RGBColor = RGBColor(0, 0, 0);
/// Sentinel colours turned into dashed `currentColor` lines after drawing.
pub const TARGET_LINE: RGBColor = RGBColor(1, 2, 3);
pub const PACE_LINE: RGBColor = RGBColor(1, 2, 4);
pub const AS_OF_LINE: RGBColor = RGBColor(1, 2, 5);
/// The value line and progress bars: Okabe–Ito blue.
pub const VALUE: RGBColor = RGBColor(0, 114, 178);
/// Font size passed to plotters; the SVG gets size / 1.24 (13 px in a 400 px wide chart,
/// so labels stay at 11 px or more down to a 340 px wide phone column).
pub const FONT: f64 = 16.0;

/// A plotters chart with numeric axes on the SVG backend.
pub type Cartesian<'a> = plotters::chart::ChartContext<
    'a,
    plotters::prelude::SVGBackend<'a>,
    plotters::coord::cartesian::Cartesian2d<
        plotters::coord::types::RangedCoordf64,
        plotters::coord::types::RangedCoordf64,
    >,
>;

/// Width of the value-axis label area for labels `format` makes over `lo..hi`:
/// enough for the longest one, unit words such as "contracts" included, so no
/// label is cut at the chart's left edge.
pub fn y_label_width(lo: f64, hi: f64, format: &dyn Fn(&f64) -> String) -> u32 {
    let longest = (0..=8)
        .map(|i| {
            format(&(lo + (hi - lo) * f64::from(i) / 8.0))
                .chars()
                .count()
        })
        .max()
        .unwrap_or(4);
    // About 0.55 em per character of the sans-serif label font, plus tick and gap.
    ((longest as f64 * FONT * 0.55).ceil() as u32 + 14).clamp(40, 180)
}

/// The value axis every chart shares: `y_labels` labels formatted by
/// `format`, faint horizontal grid lines, no x labels (charts draw their own).
pub fn value_axis(chart: &mut Cartesian<'_>, y_labels: usize, format: &dyn Fn(&f64) -> String) {
    use plotters::prelude::*;
    let _ = chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_labels(y_labels)
        .y_label_formatter(format)
        .label_style(("sans-serif", FONT).into_font().color(&INK))
        .axis_style(INK.mix(0.5))
        .light_line_style(INK.mix(0.0))
        .bold_line_style(INK.mix(0.12))
        .draw();
}

/// Okabe–Ito colours per status, readable on light and dark backgrounds.
pub fn status_color(key: &str) -> RGBColor {
    match key {
        "on-track" => RGBColor(0, 158, 115),
        "at-risk" => RGBColor(230, 159, 0),
        "off-track" => RGBColor(213, 94, 0),
        "achieved" => RGBColor(0, 114, 178),
        "partial" => RGBColor(86, 180, 233),
        "missed" => RGBColor(204, 121, 167),
        _ => RGBColor(150, 150, 150),
    }
}

fn hex(c: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

/// Turns plotters' SVG into an accessible, responsive, theme-aware inline SVG.
pub fn finish_svg(raw: &str, id: &str, title: &str, desc: &str) -> String {
    let body_start = raw.find('>').map_or(0, |i| i + 1);
    let (w, h) = raw[..body_start]
        .split("viewBox=\"0 0 ")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .and_then(|v| v.split_once(' '))
        .unwrap_or(("400", "240"));
    let esc = super::templates::escape_html;
    let mut out = format!(
        "<svg class=\"chart-svg\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" xmlns=\"http://www.w3.org/2000/svg\"><title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
        esc(title),
        esc(desc)
    );
    let mut body = raw[body_start..].replace("\"#000000\"", "\"currentColor\"");
    for (sentinel, dashes) in [
        (TARGET_LINE, "7 4"),
        (PACE_LINE, "2 4"),
        (AS_OF_LINE, "1 3"),
    ] {
        let from = format!("stroke=\"{}\"", hex(sentinel));
        // Most charts have no such line: skip the copy.
        if body.contains(&from) {
            body = body.replace(
                &from,
                &format!("stroke=\"currentColor\" stroke-dasharray=\"{dashes}\""),
            );
        }
    }
    // plotters puts every attribute and element on its own line; keep it compact.
    out.reserve(body.len());
    for line in body.lines() {
        out.push_str(line.trim());
    }
    out
}

/// The narrowest on-screen width of a chart `width` units wide at which its
/// 13-unit labels are still 11 px.
pub fn min_width(width: u32) -> u32 {
    (width * 11).div_ceil(13)
}

/// Shortens a label to `max` characters with an ellipsis.
pub fn short(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_string()
    } else {
        let mut s: String = label.chars().take(max.saturating_sub(1)).collect();
        s = s.trim_end().to_string();
        s.push('…');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finish_svg_adds_title_desc_and_themes_colours() {
        let raw = "<svg width=\"400\" height=\"240\" viewBox=\"0 0 400 240\" xmlns=\"http://www.w3.org/2000/svg\">\n<text fill=\"#000000\">\na &lt; b\n</text>\n<polyline stroke=\"#010203\" points=\"1,1 2,2\"/>\n</svg>\n";
        let svg = finish_svg(raw, "c1", "Title <x>", "Desc");
        assert!(svg.starts_with("<svg class=\"chart-svg\" viewBox=\"0 0 400 240\""));
        assert!(svg.contains(
            "<title id=\"c1-title\">Title &lt;x&gt;</title><desc id=\"c1-desc\">Desc</desc>"
        ));
        assert!(svg.contains("fill=\"currentColor\""));
        assert!(svg.contains("stroke-dasharray=\"7 4\""));
        assert!(svg.ends_with("</svg>"));
    }

    #[test]
    fn short_labels() {
        assert_eq!(short("Platform", 10), "Platform");
        assert_eq!(short("Support & Developer Relations", 12), "Support & D…");
    }
}
