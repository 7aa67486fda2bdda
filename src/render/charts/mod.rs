//! SVG charts drawn by plotters (SVG backend, no system fonts: plotters' naive
//! text metrics are enough for SVG, where the browser lays out the text).
//!
//! Every chart is inline SVG with a `<title>` and `<desc>`, and carries a data
//! table with the same numbers for screen readers. Axes and labels use
//! `currentColor`, so charts follow the page's light or dark scheme; series
//! differ by marker shape and dash pattern as well as colour, so they survive
//! black-and-white printing; status and value colours come from the theme
//! (classes, see [`THEMED_STATUSES`]), so they keep their contrast in dark mode.
//!
//! Plotters draws the shapes; okra computes the value axis ([`Axis`]: bounded
//! for any finite numbers) and places every label itself ([`Labels`]: none
//! overlaps another). Each chart is drawn narrow and wide ([`both`]) and the
//! stylesheet shows the one that fits its card.

mod bars;
mod kr;
mod series;
mod sparkline;

pub use bars::{Markers, columns, hbars, stacked};
pub use kr::kr_chart;
pub use series::series_chart;
pub use sparkline::{sparkline, sparkline_file, sparkline_title};

use crate::render::html::SafeHtml;
use crate::render::status::StatusView;
use plotters::style::RGBColor;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde::Serialize;

/// One cell of a chart's data table; `value` is the exact number (a fraction
/// for progress) so tools and tests can compare it with okrs.json.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Cell {
    pub text: String,
    #[serde(serialize_with = "crate::render::format::opt_whole_as_int")]
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
    /// Both drawings ([`both`]), or one for a sparkline.
    pub svg: SafeHtml,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    /// Legend entries shown under the chart: (symbol or line sample, label,
    /// class colouring the sample as it is drawn, e.g. `legend-achieved`).
    pub legend: Vec<(String, String, String)>,
    /// Always false: charts no longer scroll in their box (each comes drawn
    /// narrow and wide, see [`both`]). Kept for themes that test it.
    pub wide: bool,
    /// Always 0, for the same reason; kept for themes that use it.
    pub min_width: u32,
}

/// A legend entry: sample, label and the class that colours the sample.
pub fn legend(mark: &str, label: &str, class: &str) -> (String, String, String) {
    (mark.into(), label.into(), class.into())
}

/// Drawn with this colour, text and axes become `currentColor`.
pub const INK: RGBColor = RGBColor(0, 0, 0);
/// Sentinel colours turned into dashed `currentColor` lines after drawing.
pub const TARGET_LINE: RGBColor = RGBColor(1, 2, 3);
pub const PACE_LINE: RGBColor = RGBColor(1, 2, 4);
pub const AS_OF_LINE: RGBColor = RGBColor(1, 2, 5);
/// From the latest value to the owner's forecast at the quarter's end.
pub const FORECAST_LINE: RGBColor = RGBColor(1, 2, 6);
/// The value line and progress bars. In a page the theme's `--fill` replaces
/// it (see [`THEMED_STATUSES`]); the literal is the light theme's, for standalone files.
pub const VALUE: RGBColor = RGBColor(59, 76, 202);
/// Bars of aligned objectives next to their parent's (theme's `--muted`).
pub const MARKER: RGBColor = RGBColor(91, 100, 117);
/// Filled with the card's own colour (theme's `--surface`): symbols inside
/// coloured segments and the hollow "open" segments.
pub const SURFACE: RGBColor = RGBColor(255, 255, 254);
/// Font size passed to plotters; the SVG gets size / 1.24 (13 px in a 400 px wide chart,
/// so labels stay at 11 px or more down to a 340 px wide phone column).
/// Every label of every chart uses it: one type scale across charts.
pub const FONT: f64 = 16.0;
/// Status symbols drawn as markers are a little larger than labels.
pub const MARK_FONT: f64 = FONT * 1.1;

/// A plotters chart with numeric axes on the SVG backend.
pub type Cartesian<'a> = plotters::chart::ChartContext<
    'a,
    plotters::prelude::SVGBackend<'a>,
    plotters::coord::cartesian::Cartesian2d<
        plotters::coord::types::RangedCoordf64,
        plotters::coord::types::RangedCoordf64,
    >,
>;

/// A value axis: its range and tick values, the ticks covering the data.
///
/// Plotters' own tick search loops forever on ranges near the limits of f64
/// (`start = -1e308`, `target = 1e308`: the span overflows to infinity) and
/// on subnormal spans, so charts never give it data values: they plot
/// [`Axis::t`], the position in `0..=1`, and draw the tick labels themselves.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub lo: f64,
    pub hi: f64,
    pub ticks: Vec<f64>,
}

impl Axis {
    /// About `n` intervals of a "nice" step (1, 2, 2.5 or 5 × 10ⁿ) whose first
    /// tick is at or below `min` and last at or above `max`. A flat range is
    /// widened around its value. Any finite input gives at most `2n + 3`
    /// finite, increasing ticks in bounded time; inputs that are not finite
    /// give the unit range.
    pub fn new(min: f64, max: f64, n: usize) -> Axis {
        let n = n.max(1);
        let (mut lo, mut hi) = if min.is_finite() && max.is_finite() {
            (min.min(max), min.max(max))
        } else {
            (0.0, 1.0)
        };
        let mag = lo.abs().max(hi.abs());
        // Halves: `hi - lo` overflows for ±1e308, `hi / 2 - lo / 2` cannot.
        if hi / 2.0 - lo / 2.0 < (mag * 5e-10).max(5e-7) {
            let c = lo / 2.0 + hi / 2.0;
            let d = (c.abs() * 0.1).max(1.0);
            lo = (c - d).max(f64::MIN);
            hi = (c + d).min(f64::MAX);
        }
        let raw = (hi / 2.0 - lo / 2.0) / n as f64 * 2.0;
        if let Some(step) = nice_step(raw) {
            let (a, b) = ((lo / step).floor(), (hi / step).ceil());
            let count = b - a;
            if count.is_finite() && count >= 1.0 && count <= (2 * n + 2) as f64 {
                let ticks: Vec<f64> = (0..=count as usize)
                    .map(|i| (a + i as f64) * step)
                    .collect();
                let ok = ticks.iter().all(|t| t.is_finite())
                    && ticks.windows(2).all(|w| w[0] < w[1])
                    && ticks[0] <= lo
                    && ticks[ticks.len() - 1] >= hi;
                if ok {
                    return Axis {
                        lo: ticks[0],
                        hi: ticks[ticks.len() - 1],
                        ticks,
                    };
                }
            }
        }
        // Near the ends of f64 no round step fits: evenly spaced ticks from lo to hi.
        let ticks = (0..=n)
            .map(|i| {
                let t = i as f64 / n as f64;
                if i == n { hi } else { lo * (1.0 - t) + hi * t }
            })
            .collect();
        Axis { lo, hi, ticks }
    }

    /// An axis for counts `0..=max`: whole-number ticks (1, 2 or 5 × 10ⁿ apart).
    pub fn counts(max: usize) -> Axis {
        let max = max.max(1) as f64;
        let mut base = 1.0;
        // At most 20 rounds: a count is below 1e20.
        let step = loop {
            if let Some(s) = [1.0, 2.0, 5.0]
                .into_iter()
                .map(|m| m * base)
                .find(|s| max / s <= 5.0)
            {
                break s;
            }
            base *= 10.0;
        };
        let n = (max / step).ceil() as usize;
        let ticks: Vec<f64> = (0..=n).map(|i| i as f64 * step).collect();
        Axis {
            lo: 0.0,
            hi: ticks[n],
            ticks,
        }
    }

    /// Where `v` sits on the axis, 0 at `lo` and 1 at `hi` (clamped).
    pub fn t(&self, v: f64) -> f64 {
        let span = self.hi / 2.0 - self.lo / 2.0;
        let t = (v / 2.0 - self.lo / 2.0) / span;
        if t.is_finite() {
            t.clamp(0.0, 1.0)
        } else {
            0.0
        }
    }
}

/// 1, 2, 2.5, 5 or 10 × a power of ten, at least `raw`; None when there is none in f64.
fn nice_step(raw: f64) -> Option<f64> {
    if !(raw.is_finite() && raw > 0.0) {
        return None;
    }
    let base = 10f64.powi(raw.log10().floor() as i32);
    if !base.is_normal() {
        return None;
    }
    let f = raw / base;
    let m = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .find(|m| f <= m * (1.0 + 1e-9))
        .unwrap_or(10.0);
    let step = m * base;
    (step.is_finite() && step > 0.0).then_some(step)
}

/// Width of the value-axis label area for the tick labels of `axis`: enough
/// for the longest one, unit words such as "contracts" included, so no label
/// is cut at the chart's left edge.
pub fn y_label_width(axis: &Axis, format: &dyn Fn(&f64) -> String) -> u32 {
    let longest = axis
        .ticks
        .iter()
        .map(|t| text_width(&format(t), FONT / 1.24))
        .fold(0.0, f64::max);
    (longest.ceil() as u32 + 14).clamp(40, 320)
}

/// How a value axis writes its tick values.
pub type TickFormat<'k> = Box<dyn Fn(&f64) -> String + 'k>;

/// The value-axis labels of a KR's chart `size.w` wide: with the unit
/// (`5 contracts`) when they fit in 30 % of the width, else bare numbers and
/// the unit once as a caption above the axis (returned, to draw with
/// [`unit_caption`]), so a long unit never squeezes the plot or gets cut.
pub fn kr_ticks<'k>(
    kr: &'k crate::load::KeyResult,
    axis: &Axis,
    size: Size,
) -> (TickFormat<'k>, Option<String>) {
    let full = move |v: &f64| crate::render::format::value(kr, *v);
    let unit = kr
        .meta
        .unit
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty());
    match unit {
        Some(u) if y_label_width(axis, &full) > size.w * 3 / 10 => (
            Box::new(|v: &f64| crate::render::format::number(*v)),
            Some(u.to_string()),
        ),
        _ => (Box::new(full), None),
    }
}

/// Top margin of a chart with a unit caption above its plot.
pub const CAPTION_SPACE: u32 = 32;

/// Adds the unit caption at the chart's top left, shortened to its width.
pub fn unit_caption(labels: &mut Labels, caption: &str, size: Size) {
    let chars = ((f64::from(size.w) - 16.0) / (FONT / 1.24 * 0.6)) as usize;
    labels.add(
        short(caption, chars),
        (8, 8),
        Pos::new(HPos::Left, VPos::Top),
        FONT,
        INK,
    );
}

/// The value axis every chart shares, in [`Axis::t`] coordinates (the chart's
/// y range is `0..1`): the axis line, a faint grid line per tick and its
/// label, added to `labels` first so that no later label covers one.
pub fn value_axis(
    chart: &mut Cartesian<'_>,
    labels: &mut Labels,
    axis: &Axis,
    format: &dyn Fn(&f64) -> String,
) {
    use plotters::prelude::*;
    let (x0, x1) = {
        let r = chart.x_range();
        (r.start, r.end)
    };
    let _ = chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(0)
        .y_labels(0)
        .axis_style(INK.mix(0.5))
        .draw();
    for &v in &axis.ticks {
        let t = axis.t(v);
        if t > 0.0 {
            let _ = chart.draw_series(LineSeries::new([(x0, t), (x1, t)], INK.mix(0.12)));
        }
        let (px, py) = chart.backend_coord(&(x0, t));
        labels.add(
            format(&v),
            (px - 6, py),
            Pos::new(HPos::Right, VPos::Center),
            FONT,
            INK,
        );
    }
}

/// Estimated width of `text` at font size `size` (SVG units): 0.6 em per
/// ASCII character, 1 em for symbols and other wide glyphs. Labels are
/// placed with it so that none overlaps another.
pub fn text_width(text: &str, size: f64) -> f64 {
    text.chars()
        .map(|c| if c.is_ascii() { 0.6 } else { 1.0 })
        .sum::<f64>()
        * size
}

/// The box `(x0, y0, x1, y1)` a text drawn by plotters at `(x, y)` with
/// anchor `pos` and plotters font size `font` covers, estimated.
pub fn text_box(text: &str, (x, y): (i32, i32), pos: Pos, font: f64) -> [f64; 4] {
    let s = font / 1.24;
    let w = text_width(text, s);
    let (x, y) = (f64::from(x), f64::from(y));
    let x0 = match pos.h_pos {
        HPos::Left => x,
        HPos::Center => x - w / 2.0,
        HPos::Right => x - w,
    };
    // plotters sets dy = 0.76em (top), 0.5ex (center) or -0.5ex (bottom);
    // glyphs reach 0.8 em above the baseline and 0.2 em below it.
    let base = match pos.v_pos {
        VPos::Top => y + 0.76 * s,
        VPos::Center => y + 0.25 * s,
        VPos::Bottom => y - 0.25 * s,
    };
    [x0, base - 0.8 * s, x0 + w, base + 0.2 * s]
}

/// Texts of a chart placed so that none overlaps another: each is kept only
/// if its box is clear of those already kept, so add the most important first.
#[derive(Default)]
pub struct Labels {
    kept: Vec<Label>,
}

/// A kept label: text, where, anchor, plotters font size, colour, and its box.
struct Label {
    text: String,
    at: (i32, i32),
    pos: Pos,
    font: f64,
    color: RGBColor,
    bounds: [f64; 4],
}

impl Label {
    /// Its `text-anchor` and `dy`: plotters' anchor names and baseline
    /// shifts, which [`text_box`] accounts for.
    fn anchor_and_shift(&self) -> (&'static str, &'static str) {
        let anchor = match self.pos.h_pos {
            HPos::Left => "start",
            HPos::Center => "middle",
            HPos::Right => "end",
        };
        let dy = match self.pos.v_pos {
            VPos::Top => "0.76em",
            VPos::Center => "0.5ex",
            VPos::Bottom => "-0.5ex",
        };
        (anchor, dy)
    }
}

impl Labels {
    /// Keeps the label unless it would overlap one kept before; says which.
    pub fn add(
        &mut self,
        text: String,
        at: (i32, i32),
        pos: Pos,
        font: f64,
        color: RGBColor,
    ) -> bool {
        let b = text_box(&text, at, pos, font);
        let clear = self
            .kept
            .iter()
            .map(|k| k.bounds)
            .all(|k| b[2] <= k[0] || k[2] <= b[0] || b[3] <= k[1] || k[3] <= b[1]);
        if clear {
            self.kept.push(Label {
                text,
                at,
                pos,
                font,
                color,
                bounds: b,
            });
        }
        clear
    }

    /// The kept labels as SVG `<text>` elements in pixel coordinates, in
    /// their finished form, for [`with_labels`] to add to a chart that
    /// [`finish_svg`] has finished. Written here rather than drawn through
    /// plotters, whose text element formats eight attributes into eight
    /// `String`s (a third of the time of drawing a KR chart); and written as
    /// `finish_svg` would leave them (one line, the colour as the theme
    /// needs it, no font family, opacity or label colour, which the root
    /// element sets once) rather than passed through it: labels were most
    /// of the lines it rewrote.
    pub fn into_svg(self) -> String {
        let mut out = String::with_capacity(self.kept.len() * 100);
        let mut text = String::new();
        let mut sizes: Vec<(u64, String)> = Vec::new();
        for l in self.kept {
            let (anchor, dy) = l.anchor_and_shift();
            // Pieces pushed, not `write!`: formatting was most of this
            // function's time, and it runs for every label of every chart.
            let (x, y) = l.at;
            out.push_str("<text x=\"");
            push_int(&mut out, x);
            out.push_str("\" y=\"");
            push_int(&mut out, y);
            out.push_str("\" dy=\"");
            out.push_str(dy);
            out.push_str("\" text-anchor=\"");
            out.push_str(anchor);
            out.push_str("\" font-size=\"");
            // plotters' font size is 1.24 × the SVG one; two decimals are
            // plenty. A chart has two or three sizes: each is formatted once.
            let bits = l.font.to_bits();
            let size = match sizes.iter().position(|(b, _)| *b == bits) {
                Some(i) => &sizes[i].1,
                None => {
                    let size = format!("{:.2}", l.font / 1.24);
                    let trimmed = size.trim_end_matches('0').trim_end_matches('.').len();
                    sizes.push((bits, size[..trimmed].to_string()));
                    &sizes[sizes.len() - 1].1
                }
            };
            out.push_str(size);
            out.push('"');
            if l.color != INK {
                let color = hex(l.color);
                out.push(' ');
                let kept = ["fill", "=\"", &color, "\"", "", ""];
                for piece in recolor("fill", &color).unwrap_or(kept) {
                    out.push_str(piece);
                }
            }
            out.push('>');
            text.clear();
            for c in l.text.chars() {
                match c {
                    '<' => text.push_str("&lt;"),
                    '>' => text.push_str("&gt;"),
                    '&' => text.push_str("&amp;"),
                    '"' => text.push_str("&quot;"),
                    '\'' => text.push_str("&apos;"),
                    c => text.push(c),
                }
            }
            // Each line trimmed, as `finish_svg` trims every line of an SVG.
            for line in text.split('\n') {
                out.push_str(line.trim());
            }
            out.push_str("</text>");
        }
        out
    }
}

/// Writes `n` in decimal.
fn push_int(out: &mut String, n: i32) {
    let mut digits = [0u8; 11];
    let mut at = digits.len();
    let mut rest = n.unsigned_abs();
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if n < 0 {
        out.push('-');
    }
    out.extend(digits[at..].iter().map(|&d| char::from(d)));
}

/// A chart [`finish_svg`] finished, with the labels' `texts`
/// ([`Labels::into_svg`]) added last, so that they are drawn over the lines
/// and bars.
pub fn with_labels(mut svg: String, texts: &str) -> String {
    if let Some(end) = svg.rfind("</svg>") {
        svg.insert_str(end, texts);
    }
    svg
}

/// Colour of a status in charts; in a page the theme's colour for it
/// replaces the literal (see [`THEMED_STATUSES`]), which is kept for standalone files.
pub fn status_color(s: StatusView) -> RGBColor {
    match s {
        StatusView::OnTrack => RGBColor(0, 158, 115),
        StatusView::AtRisk => RGBColor(230, 159, 0),
        StatusView::OffTrack => RGBColor(213, 94, 0),
        StatusView::Achieved => RGBColor(0, 114, 178),
        StatusView::Partial => RGBColor(86, 180, 233),
        StatusView::Missed => RGBColor(204, 121, 167),
        StatusView::Dropped => RGBColor(107, 114, 128),
        StatusView::Open => SURFACE,
        StatusView::NoUpdate | StatusView::Closed => RGBColor(150, 150, 150),
    }
}

/// Colours that take the theme's value in a page, by the class `finish_svg`
/// adds (`f-<key>` on fills, `s-<key>` on strokes; the stylesheet maps them
/// to the same custom properties as the status badges), so charts keep their
/// contrast in light and dark mode. Statuses first, in this order: a colour
/// shared by two entries gets the first one's class.
pub const THEMED_STATUSES: [StatusView; 8] = [
    StatusView::OnTrack,
    StatusView::AtRisk,
    StatusView::OffTrack,
    StatusView::Achieved,
    StatusView::Partial,
    StatusView::Missed,
    StatusView::Dropped,
    StatusView::NoUpdate,
];

/// Every themed colour with the class key `finish_svg` gives it: the
/// [`THEMED_STATUSES`], then the value line, markers and the surface.
fn themed() -> impl Iterator<Item = (&'static str, RGBColor)> {
    THEMED_STATUSES
        .into_iter()
        .map(|s| (s.key(), status_color(s)))
        .chain([("value", VALUE), ("marker", MARKER), ("surface", SURFACE)])
}

/// `#RRGGBB`, upper case, as plotters writes a colour.
fn hex(c: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

/// Turns plotters' SVG into an accessible, responsive, theme-aware inline SVG.
pub fn finish_svg(raw: &str, id: &str, title: &str, desc: &str, class: &str) -> String {
    let body_start = raw.find('>').map_or(0, |i| i + 1);
    let (w, h) = raw[..body_start]
        .split("viewBox=\"0 0 ")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .and_then(|v| v.split_once(' '))
        .unwrap_or(("400", "240"));
    let esc = super::templates::escape_html;
    // The label colour and font are set once here: `Labels::into_svg` writes
    // the labels without them.
    let mut out = format!(
        "<svg class=\"{class}\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" fill=\"currentColor\" font-family=\"sans-serif\" xmlns=\"http://www.w3.org/2000/svg\"><title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
        esc(title),
        esc(desc)
    );
    out.reserve(raw.len() - body_start);
    // One pass over plotters' output: each line trimmed (it puts every element
    // and attribute on its own line), and each `="#RRGGBB"` colour rewritten as
    // the page needs it. Rewriting with a `replace` per colour copied the whole
    // SVG twenty times; this was a third of the time of drawing a chart.
    // The searchers are made once: `str::contains` and `match_indices` set
    // one up at each call, three calls for each of a chart's ~80 lines.
    let mut scratch = String::new();
    for line in raw[body_start..].lines() {
        let line = compact(line.trim(), &mut scratch);
        let mut copied = 0;
        for at in SEARCH.color.find_iter(line.as_bytes()) {
            let value_start = at + 2;
            let Some(color) = line.get(value_start..value_start + 7) else {
                continue;
            };
            if !line[value_start + 7..].starts_with('"') {
                continue;
            }
            let attr = attribute_before(line, at);
            let replacement = recolor(attr, color);
            if let Some(pieces) = replacement {
                let attr_start = at - attr.len();
                out.push_str(&line[copied..attr_start]);
                for piece in pieces {
                    out.push_str(piece);
                }
                copied = value_start + 8;
            }
        }
        out.push_str(&line[copied..]);
    }
    out
}

/// What replaces `attr="#RRGGBB"` (`color` with its `#`) in a finished chart,
/// in pieces (no allocation), or None to keep it: black becomes
/// `currentColor`, a sentinel line colour a dashed `currentColor` stroke, and
/// a themed colour keeps its literal (for standalone files) and gains its
/// class (see [`THEMED_STATUSES`]).
fn recolor<'a>(attr: &'a str, color: &'a str) -> Option<[&'a str; 6]> {
    if color == "#000000" {
        Some([attr, "=\"currentColor\"", "", "", "", ""])
    } else if let Some(dashes) = (attr == "stroke").then(|| dashed(color)).flatten() {
        Some([
            "stroke=\"currentColor\" stroke-dasharray=\"",
            dashes,
            "\"",
            "",
            "",
            "",
        ])
    } else {
        let prefix = match attr {
            "fill" => Some("\" class=\"f-"),
            "stroke" => Some("\" class=\"s-"),
            _ => None,
        };
        let key = rgb_of(color)
            .and_then(|rgb| themed().find(|(_, c)| *c == rgb))
            .map(|(key, _)| key);
        prefix
            .zip(key)
            .map(|(prefix, key)| [attr, "=\"", color, prefix, key, "\""])
    }
}

/// Attributes plotters writes on every element that change nothing: SVG's
/// defaults. Together with labels written without font family, opacity and
/// colour (see [`Labels::into_svg`]) this took a quarter off a chart's bytes,
/// and charts are half of a KR page.
const REDUNDANT: [&str; 2] = [" opacity=\"1\"", " stroke-width=\"1\""];

/// Searchers for what [`finish_svg`] looks for on every line of every chart.
struct Searchers {
    redundant: [memchr::memmem::Finder<'static>; 2],
    /// The start of a colour value, `="#`.
    color: memchr::memmem::Finder<'static>,
}

static SEARCH: std::sync::LazyLock<Searchers> = std::sync::LazyLock::new(|| Searchers {
    redundant: REDUNDANT.map(memchr::memmem::Finder::new),
    color: memchr::memmem::Finder::new("=\"#"),
});

/// One line of plotters' SVG without the [`REDUNDANT`] attributes (a
/// pattern holds its closing quote, and values cannot hold one, so it only
/// ever matches a whole attribute). Returns `line` itself when nothing changes.
fn compact<'a>(line: &'a str, scratch: &'a mut String) -> &'a str {
    let find = |text: &str, i: usize| SEARCH.redundant[i].find(text.as_bytes());
    if (0..REDUNDANT.len()).all(|i| find(line, i).is_none()) {
        return line;
    }
    scratch.clear();
    let mut rest = line;
    while let Some((at, len)) = (0..REDUNDANT.len())
        .filter_map(|i| find(rest, i).map(|at| (at, REDUNDANT[i].len())))
        .min()
    {
        scratch.push_str(&rest[..at]);
        rest = &rest[at + len..];
    }
    scratch.push_str(rest);
    scratch
}

/// The attribute name that ends at byte `end` of `line` (`fill` in `fill="#…"`).
fn attribute_before(line: &str, end: usize) -> &str {
    let name = &line[..end];
    let start = name
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == ':'))
        .map_or(0, |i| i + 1);
    &name[start..]
}

/// The colour `#RRGGBB` as plotters writes it (upper-case hex digits), without
/// allocating: this runs for every colour of every chart.
fn rgb_of(color: &str) -> Option<RGBColor> {
    let digits = color.strip_prefix('#')?;
    let byte = |i: usize| {
        let pair = digits.get(i..i + 2)?;
        pair.bytes()
            .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b))
            .then(|| u8::from_str_radix(pair, 16).ok())
            .flatten()
    };
    (digits.len() == 6).then_some(())?;
    Some(RGBColor(byte(0)?, byte(2)?, byte(4)?))
}

/// The dash pattern of a sentinel line colour (`#010203`, the target line).
fn dashed(color: &str) -> Option<&'static str> {
    let rgb = rgb_of(color)?;
    [
        (TARGET_LINE, "7 4"),
        (PACE_LINE, "2 4"),
        (AS_OF_LINE, "1 3"),
        (FORECAST_LINE, "5 2 1 2"),
    ]
    .into_iter()
    .find(|(sentinel, _)| *sentinel == rgb)
    .map(|(_, dashes)| dashes)
}

/// Rows the labels of `cats` need under their columns in a chart `size`
/// wide whose value labels take `y_area`: 1 when each fits its column, else 2
/// (staggered, each with two columns of room).
pub fn category_rows(cats: &[String], size: Size, y_area: u32) -> usize {
    let col = f64::from(size.w.saturating_sub(y_area + 24)) / cats.len().max(1) as f64;
    let fits = cats.iter().all(|c| text_width(c, FONT / 1.24) <= col - 6.0);
    if fits { 1 } else { 2 }
}

/// Height of the category label area for `rows` rows.
pub fn category_area(rows: usize) -> u32 {
    30 + 16 * (rows as u32).saturating_sub(1)
}

/// `text` cut (with "…") to at most `room` units wide at the label size.
fn fit(text: &str, room: f64) -> String {
    let s = FONT / 1.24;
    let mut chars = text.chars().count();
    let mut out = text.to_string();
    while chars > 1 && text_width(&out, s) > room {
        chars -= 1;
        out = short(text, chars);
    }
    out
}

/// Category labels under columns `0..n` (centred at `i + 0.5`), on `rows`
/// staggered rows, each cut to its room (the chart's table has the whole
/// label). The last (latest) goes first so it always shows.
pub fn category_labels(
    chart: &Cartesian<'_>,
    labels: &mut Labels,
    cats: &[String],
    rows: usize,
    width: u32,
) {
    let n = cats.len();
    let col = f64::from(chart.backend_coord(&(1.0, 0.0)).0 - chart.backend_coord(&(0.0, 0.0)).0);
    for (i, c) in cats.iter().enumerate().rev() {
        let row = (n - 1 - i) % rows.max(1);
        let (px, py) = chart.backend_coord(&(i as f64 + 0.5, 0.0));
        let text = fit(c, (col * rows as f64).min(f64::from(width) - 8.0) - 6.0);
        // Kept inside the drawing: the last label may be wider than its column.
        let half = (text_width(&text, FONT / 1.24) / 2.0).ceil() as i32 + 2;
        let px = px.min(width as i32 - half).max(half);
        labels.add(
            text,
            (px, py + 8 + 16 * row as i32),
            Pos::new(HPos::Center, VPos::Top),
            FONT,
            INK,
        );
    }
}

/// A size a chart is drawn at (SVG units).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    pub w: u32,
    pub h: u32,
}

/// SVG text cannot reflow, and a chart scaled to its card scales its labels
/// with it: one drawing cannot be legible both in a 320 px phone column and a
/// 1,200 px desktop card. So every chart is drawn twice, narrow and wide, and
/// the stylesheet shows the one that fits its card (a container query at
/// 640 px): the 13-unit labels stay between 11 and 18 px on screen.
pub const NARROW: Size = Size { w: 360, h: 240 };
pub const WIDE: Size = Size { w: 760, h: 290 };

/// Both drawings of a chart by `draw`, finished as inline SVG (the wide one
/// with its own element ids), for [`Chart::svg`]. `draw` returns plotters'
/// SVG and the chart's labels ([`Labels::into_svg`]).
pub fn both(
    id: &str,
    title: &str,
    desc: &str,
    draw: impl Fn(Size) -> (String, String),
) -> SafeHtml {
    let finish = |(svg, labels): (String, String), id: &str| {
        with_labels(finish_svg(&svg, id, title, desc, "chart-svg"), &labels)
    };
    let narrow = finish(draw(NARROW), id);
    let wide = finish(draw(WIDE), &format!("{id}-wide"));
    SafeHtml::new(&format!(
        "<div class=\"chart-sm\">{narrow}</div><div class=\"chart-lg\">{wide}</div>"
    ))
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
        let svg = finish_svg(raw, "c1", "Title <x>", "Desc", "chart-svg");
        assert!(svg.starts_with("<svg class=\"chart-svg\" viewBox=\"0 0 400 240\""));
        assert!(svg.contains(
            "<title id=\"c1-title\">Title &lt;x&gt;</title><desc id=\"c1-desc\">Desc</desc>"
        ));
        assert!(svg.contains("fill=\"currentColor\""));
        assert!(svg.contains("stroke-dasharray=\"7 4\""));
        assert!(svg.ends_with("</svg>"));
    }

    #[test]
    fn attribute_names_may_hold_dashes_underscores_and_colons() {
        for (line, name) in [
            ("<use xlink:href=\"#", "xlink:href"),
            ("<stop stop-color=\"#", "stop-color"),
            ("<g data_x=\"#", "data_x"),
            ("fill=\"#", "fill"),
        ] {
            assert_eq!(attribute_before(line, line.len() - 3), name);
        }
    }

    #[test]
    fn compact_drops_default_opacity_and_stroke_width() {
        let mut buf = String::new();
        let line = "<polyline fill=\"none\" opacity=\"1\" stroke=\"#000000\" stroke-width=\"1\" points=\"1,2 3,4 \"/>";
        assert_eq!(
            compact(line, &mut buf),
            "<polyline fill=\"none\" stroke=\"#000000\" points=\"1,2 3,4 \"/>"
        );
        // Not defaults: kept.
        let line =
            "<polyline opacity=\"0.5\" stroke-opacity=\"1\" stroke-width=\"2\" points=\"1,2\"/>";
        assert_eq!(compact(line, &mut buf), line);
        assert_eq!(
            compact("<rect stroke-width=\"1\" opacity=\"1\"/>", &mut buf),
            "<rect/>"
        );
    }

    #[test]
    fn labels_are_written_as_text_elements_without_what_the_root_sets() {
        let mut l = Labels::default();
        let center = Pos::new(HPos::Center, VPos::Center);
        assert!(l.add(
            "a <b> & 'c'".into(),
            (10, 20),
            Pos::new(HPos::Right, VPos::Top),
            FONT,
            INK
        ));
        assert!(l.add(
            "▲".into(),
            (100, 50),
            center,
            MARK_FONT,
            status_color(StatusView::AtRisk)
        ));
        assert!(l.add(
            "x".into(),
            (200, 90),
            Pos::new(HPos::Left, VPos::Bottom),
            12.4,
            INK
        ));
        assert_eq!(
            l.into_svg(),
            "<text x=\"10\" y=\"20\" dy=\"0.76em\" text-anchor=\"end\" font-size=\"12.9\">a &lt;b&gt; &amp; &apos;c&apos;</text>\
             <text x=\"100\" y=\"50\" dy=\"0.5ex\" text-anchor=\"middle\" font-size=\"14.19\" fill=\"#E69F00\" class=\"f-at-risk\">▲</text>\
             <text x=\"200\" y=\"90\" dy=\"-0.5ex\" text-anchor=\"start\" font-size=\"10\">x</text>"
        );
        assert_eq!(
            with_labels("<svg><rect/></svg>".into(), "<text/>"),
            "<svg><rect/><text/></svg>"
        );
    }

    /// A label as plotters writes a text element (an attribute or text per
    /// line), less what the root element sets: how labels were written
    /// before [`Labels::into_svg`] wrote them finished.
    fn plotters_text(l: &Label) -> String {
        let (anchor, dy) = l.anchor_and_shift();
        let size = format!("{:.2}", l.font / 1.24);
        let size = size.trim_end_matches('0').trim_end_matches('.');
        let fill = if l.color == INK {
            String::new()
        } else {
            format!(" fill=\"{}\"", hex(l.color))
        };
        let text: String = l
            .text
            .chars()
            .map(|c| match c {
                '<' => "&lt;".into(),
                '>' => "&gt;".into(),
                '&' => "&amp;".into(),
                '"' => "&quot;".into(),
                '\'' => "&apos;".into(),
                c => c.to_string(),
            })
            .collect();
        let (x, y) = l.at;
        format!(
            "<text x=\"{x}\" y=\"{y}\" dy=\"{dy}\" text-anchor=\"{anchor}\" font-size=\"{size}\"{fill}>\n{text}\n</text>\n"
        )
    }

    /// Labels written finished and added after `finish_svg` give the chart
    /// `finish_svg` made of plotters' SVG with the labels in it, for any
    /// text (spaces, line breaks, markup) and colour.
    #[test]
    fn finished_labels_are_what_finish_svg_made_of_plotters_text() {
        let mut rng = crate::render::test_rng::Rng::new(7);
        let pieces = [
            "a",
            "Q4",
            " ",
            "  ",
            "\n",
            "\r\n",
            "\r",
            "\t",
            "<",
            ">",
            "&",
            "\"",
            "'",
            "▲",
            "é",
            "=\"#000000\"",
            " opacity=\"1\"",
            "\u{a0}",
            "\u{2028}",
            "x y",
        ];
        let colors = [
            INK,
            RGBColor(0, 0, 0),
            status_color(StatusView::OnTrack),
            status_color(StatusView::Open),
            status_color(StatusView::NoUpdate),
            TARGET_LINE,
            VALUE,
            RGBColor(1, 2, 4),
        ];
        let positions = [HPos::Left, HPos::Center, HPos::Right];
        let vertical = [VPos::Top, VPos::Center, VPos::Bottom];
        let plotters = "<svg width=\"360\" height=\"240\" viewBox=\"0 0 360 240\" xmlns=\"http://www.w3.org/2000/svg\">\n<rect x=\"0\" fill=\"#000000\" opacity=\"1\"/>\n</svg>\n";
        for _ in 0..2000 {
            let mut labels = Labels::default();
            for i in 0..rng.below(6) {
                let text: String = (0..rng.below(5))
                    .map(|_| pieces[rng.below(pieces.len())])
                    .collect();
                labels.kept.push(Label {
                    text,
                    at: (rng.below(400) as i32 - 20, (i * 30) as i32),
                    pos: Pos::new(positions[rng.below(3)], vertical[rng.below(3)]),
                    font: [FONT, MARK_FONT, 12.4][rng.below(3)],
                    color: colors[rng.below(colors.len())],
                    bounds: [0.0; 4],
                });
            }
            let raw: String = labels.kept.iter().map(plotters_text).collect();
            let before = plotters.replace("</svg>", &format!("{raw}</svg>"));
            let expected = finish_svg(&before, "c", "t", "d", "k");
            let finished =
                with_labels(finish_svg(plotters, "c", "t", "d", "k"), &labels.into_svg());
            assert_eq!(finished, expected, "labels {raw:?}");
        }
    }

    #[test]
    fn finish_svg_rewrites_each_colour_by_its_attribute() {
        let on_track = hex(status_color(StatusView::OnTrack));
        let target = hex(TARGET_LINE);
        let raw = format!(
            "<svg viewBox=\"0 0 10 20\">\n  <rect fill=\"{on_track}\" stroke=\"{on_track}\"/>\n<line stroke=\"{target}\"/><line fill=\"{target}\"/>\n<stop stop-color=\"#000000\" x=\"#000000\"/><g fill=\"#123456\" data=\"#12\" fill=\"#ABCDEF\"\n</svg>"
        );
        let svg = finish_svg(&raw, "c", "t", "d", "k");
        let body = &svg[svg.find("</desc>").unwrap() + 7..];
        assert_eq!(
            body,
            format!(
                "<rect fill=\"{on_track}\" class=\"f-on-track\" stroke=\"{on_track}\" class=\"s-on-track\"/><line stroke=\"currentColor\" stroke-dasharray=\"7 4\"/><line fill=\"{target}\"/><stop stop-color=\"currentColor\" x=\"currentColor\"/><g fill=\"#123456\" data=\"#12\" fill=\"#ABCDEF\"</svg>"
            )
        );
        assert!(svg.contains("viewBox=\"0 0 10 20\" width=\"10\" height=\"20\""));
        assert_eq!(attribute_before("a stroke-width", 14), "stroke-width");
        assert_eq!(attribute_before("fill", 4), "fill");
        assert_eq!(attribute_before("<x my_fill", 10), "my_fill");
        assert_eq!(attribute_before("<x svg:fill", 11), "svg:fill");
        assert_eq!(dashed(&hex(PACE_LINE)), Some("2 4"));
        assert_eq!(dashed(&hex(AS_OF_LINE)), Some("1 3"));
        assert_eq!(dashed("#000001"), None);
        assert_eq!(rgb_of("#0A9E73"), Some(RGBColor(10, 158, 115)));
        // Only what plotters writes: upper case, six digits.
        assert_eq!(rgb_of("#0a9e73"), None);
        assert_eq!(rgb_of("#0A9E7"), None);
        assert_eq!(rgb_of("#0A9E73F"), None);
        assert_eq!(rgb_of("0A9E73"), None);
        assert_eq!(rgb_of("#+A9E73"), None);
    }

    #[test]
    fn axis_ticks_cover_any_finite_range_in_bounded_time() {
        let a = Axis::new(0.0, 6.0, 4);
        assert_eq!(a.ticks, vec![0.0, 2.0, 4.0, 6.0]);
        let a = Axis::new(99.9, 99.99, 4);
        assert!(a.ticks[0] <= 99.9 && *a.ticks.last().unwrap() >= 99.99);
        let hostile = [
            0.0,
            -0.0,
            5e-324,
            -5e-324,
            1e-300,
            1.0,
            1e15,
            1e300,
            1e308,
            f64::MAX,
            f64::MIN,
            -1e308,
        ];
        for &lo in &hostile {
            for &hi in &hostile {
                let a = Axis::new(lo, hi, 4);
                assert!(
                    a.ticks.len() >= 2 && a.ticks.len() <= 11,
                    "{lo} {hi}: {a:?}"
                );
                assert!(a.ticks.iter().all(|t| t.is_finite()), "{lo} {hi}: {a:?}");
                assert!(a.ticks.windows(2).all(|w| w[0] < w[1]), "{lo} {hi}: {a:?}");
                assert!(a.lo <= lo.min(hi) && a.hi >= lo.max(hi), "{lo} {hi}: {a:?}");
                for v in [lo, hi] {
                    assert!((0.0..=1.0).contains(&a.t(v)), "{lo} {hi}: {}", a.t(v));
                }
            }
        }
        assert_eq!(Axis::new(f64::NAN, f64::INFINITY, 4).ticks.len(), 5);
    }

    #[test]
    fn count_axes_have_whole_ticks_over_the_largest_count() {
        assert_eq!(Axis::counts(0).ticks, vec![0.0, 1.0]);
        assert_eq!(Axis::counts(7).ticks, vec![0.0, 2.0, 4.0, 6.0, 8.0]);
        assert_eq!(Axis::counts(23).hi, 25.0);
        let big = Axis::counts(usize::MAX);
        assert!(big.hi >= usize::MAX as f64 && big.ticks.len() <= 7);
    }

    #[test]
    fn integers_are_written_as_display_writes_them() {
        let mut rng = crate::render::test_rng::Rng::new(3);
        let random = (0..1000).map(|_| rng.next_u64() as i32);
        for n in [0, 1, -1, 9, 10, -10, 99, 100, i32::MAX, i32::MIN]
            .into_iter()
            .chain(random)
        {
            let mut out = String::from("x");
            push_int(&mut out, n);
            assert_eq!(out, format!("x{n}"));
        }
    }

    #[test]
    fn labels_that_would_overlap_are_left_out() {
        let mut l = Labels::default();
        let c = Pos::new(HPos::Center, VPos::Center);
        assert!(l.add("Q1 ’24".into(), (100, 100), c, FONT, INK));
        assert!(!l.add("Q2 ’24".into(), (120, 100), c, FONT, INK));
        assert!(l.add("Q3 ’24".into(), (160, 100), c, FONT, INK));
        assert!(l.add("Q4 ’24".into(), (120, 130), c, FONT, INK));
    }

    #[test]
    fn short_labels() {
        assert_eq!(short("Platform", 10), "Platform");
        assert_eq!(short("Support & Developer Relations", 12), "Support & D…");
    }
}
