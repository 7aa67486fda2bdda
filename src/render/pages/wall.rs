//! The wall (`/wall/`): the current quarter on one printed sheet.
//!
//! The sheet is read from a couple of metres away, so it should be filled:
//! few objectives get large type, many get small type, and beyond a legible
//! minimum the wall splits into a company sheet (company objectives and one
//! line per team). Every team also has a sheet of its own (`/wall/<team>/`),
//! with a QR code of its live page when the site's address is known.
//!
//! CSS cannot grow or shrink type to fit a page and the site ships no
//! JavaScript, so the type size and column count are chosen here. Every box
//! of the printed sheet has a height fixed by the wall CSS (`.wall-*` in
//! okra.css) in em of one base size, except where text wraps; wrapping is
//! simulated word by word with the advance widths of DejaVu Sans, the widest
//! of the sans-serif faces the theme's font stack ends up with, so the
//! estimate is an upper bound on Chromium's layout there and a little more on
//! narrower faces. The largest size whose estimate fits is printed; the
//! template's print CSS stretches the sheet to the page height, so what is
//! left over goes between the cards and the legend at the foot of the sheet.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Stats, quarter_info, sorted_objectives, stats};
use crate::config::{Orientation, Paper};
use crate::load::model::{KeyResult, Metric};
use crate::load::{KrId, ObjectiveId};
use crate::render::format::{self, Progress};
use crate::render::html::SafeHtml;
use crate::render::status::StatusView;
use crate::render::view::{FlagView, KrView, Link, ObjectiveView, QuarterScore};
use crate::render::{PageJob, Renderer};
use crate::render::{qr, urls};

/// A KR row: the KR with its value and target in full (never abbreviated).
#[derive(Serialize)]
struct WallKr<'v> {
    kr: &'v KrView,
    /// `1,591.3`, or `$1,591.3` when the unit goes before the number, or `done`.
    value: String,
    /// `/ 2,500 signups/month`; empty for a yes/no KR.
    target: String,
}

/// An objective on the wall with this quarter's KRs.
#[derive(Serialize)]
struct WallCard<'v> {
    /// The team (or company) heading, on the first card of each group.
    heading: Option<String>,
    o: &'v ObjectiveView,
    q: &'v QuarterScore,
    krs: Vec<WallKr<'v>>,
    /// okra's estimate of the card's height with its margin, in mm (for the tests).
    #[serde(serialize_with = "crate::render::format::whole_as_int")]
    estimate_mm: f64,
}

/// The cards of one team (or the company level).
struct Group<'v> {
    cards: Vec<WallCard<'v>>,
}

/// One line per team on a split wall.
#[derive(Serialize)]
struct TeamLine {
    team: Link,
    wall_url: String,
    /// `2 objectives · 7 KRs`.
    counts: String,
    progress: Progress,
    status: StatusView,
}

/// Type size, columns and KR row layout for print.
#[derive(Serialize, Clone, Copy, Debug, PartialEq)]
pub struct Density {
    /// Base type size in points (KR rows; titles and headings are larger).
    #[serde(serialize_with = "crate::render::format::whole_as_int")]
    pub font_pt: f64,
    pub columns: u32,
    /// KR rows on two lines (title above; value, bar and status below), for narrow columns.
    pub two_line: bool,
    /// Titles clamped to two lines: only when nothing else fits, far beyond the limit.
    pub clamp: bool,
    /// Estimated height of the content over the sheet's printable height.
    #[serde(serialize_with = "crate::render::format::whole_as_int")]
    pub fill: f64,
}

#[derive(Serialize)]
struct Wall<'v> {
    /// `Relay OKRs · Q4 FY26`, with the team on a team's sheet.
    heading: String,
    /// `As of 2026-11-22 · 12 objectives · 60 key results · average score 62%`.
    subline: String,
    average: Progress,
    /// Cards laid out in print columns, in reading order.
    columns: Vec<Vec<WallCard<'v>>>,
    teams: Vec<TeamLine>,
    density: Density,
    /// CSS `@page` size in millimetres, e.g. `420mm 297mm` (A3 landscape).
    page_size: String,
    #[serde(serialize_with = "crate::render::format::whole_as_int")]
    margin_mm: f64,
    /// The sheet's minimum height in print, in mm: the printable height less 1 mm.
    #[serde(serialize_with = "crate::render::format::whole_as_int")]
    sheet_mm: f64,
    /// Set on a team's own wall.
    team: Option<String>,
    legend: Vec<StatusView>,
    /// The flags a KR row can carry, explained in the legend.
    flag_legend: Vec<String>,
    /// On a team's sheet when the site's address is known: the QR code (an
    /// inline SVG) of the team's live page, and that page's absolute URL.
    qr: Option<SafeHtml>,
    qr_url: Option<String>,
}

/// Paper size in millimetres, as oriented.
pub fn paper_mm(paper: Paper, orientation: Orientation) -> (f64, f64) {
    let (w, h) = match paper {
        Paper::A3 => (297.0, 420.0),
        Paper::A4 => (210.0, 297.0),
        Paper::Letter => (215.9, 279.4),
        Paper::Tabloid => (279.4, 431.8),
    };
    match orientation {
        Orientation::Portrait => (w, h),
        Orientation::Landscape => (h, w),
    }
}

/// Page margin on every side, in mm (the template's `@page`).
pub const MARGIN_MM: f64 = 8.0;
/// One typographic point in mm.
const PT_MM: f64 = 25.4 / 72.0;
/// One CSS pixel in mm (borders are 1 or 2 px whatever the type size).
const PX_MM: f64 = 25.4 / 96.0;
/// The smallest base type before the wall splits into one sheet per team:
/// KR titles, values and statuses stay at least this size.
pub const LEGIBLE_PT: f64 = 7.0;
/// The smallest type a sheet ever gets (a single team far beyond the limit).
pub const FLOOR_PT: f64 = 5.0;
/// The largest base type, for a company with one or two objectives.
const MAX_PT: f64 = 48.0;
/// Type sizes are tried in steps of this many points.
const STEP_PT: f64 = 0.25;
/// Share of the printable height the estimate may use: what the estimate
/// cannot see (rounding to device pixels, glyphs outside DejaVu Sans).
const SAFETY: f64 = 0.97;
/// Narrowest print column, in em: a KR's value, bar and status side by side.
const MIN_COLUMN_EMS: f64 = 24.0;
/// Card content at least this wide (em) puts a KR on one line.
const ONE_LINE_EMS: f64 = 37.5;

// The wall CSS, in em of the base type. Keep in step with okra.css ("The wall").
/// Base line height.
const LH: f64 = 1.3;
const H1_SIZE: f64 = 2.0;
const H1_LH: f64 = 1.15;
/// Header: padding below, margin below (plus a 2 px rule).
const HEAD_EMS: f64 = 0.35 + 0.7;
const COL_GAP: f64 = 1.2;
/// Card padding (each side), horizontal padding and margin below.
const CARD_PAD: f64 = 0.45;
const CARD_PAD_X: f64 = 0.7;
const CARD_GAP: f64 = 0.6;
/// The company cards' thicker top rule.
const COMPANY_RULE: f64 = 0.2;
const GROUP_SIZE: f64 = 0.85;
const GROUP_LH: f64 = 1.25;
const GROUP_GAP: f64 = 0.15;
const GROUP_TRACKING: f64 = 0.06;
const OBJ_SIZE: f64 = 1.2;
const OBJ_LH: f64 = 1.2;
/// Margins above and below the owner and score line.
const META_GAP: f64 = 0.15 + 0.35;
const OWNER_SIZE: f64 = 0.85;
const STATUS_SIZE: f64 = 0.9;
const STATUS_LH: f64 = 1.2;
/// Horizontal padding of a status badge (both sides, at its size).
const STATUS_PAD: f64 = 0.7;
/// Gap between a status badge's symbol and word (at its size).
const STATUS_GAP: f64 = 0.3;
/// KR grid: value, bar and status columns, and the gap between columns.
const VALUE_COL: f64 = 9.0;
const BAR_COL: f64 = 5.6;
const STATUS_COL: f64 = 7.4;
const KR_GAP: f64 = 0.5;
/// Padding above and below a KR row, and the gap between its two lines.
const ROW_PAD: f64 = 0.25;
const ROW_GAP: f64 = 0.1;
const FLAG_SIZE: f64 = 0.85;
/// Footer: margin above, padding above (plus a 2 px rule), legend gaps.
const FOOT_EMS: f64 = 0.6 + 0.35;
const LEGEND_GAP_X: f64 = 0.8;
const LEGEND_GAP_Y: f64 = 0.3;
const FOOT_SIZE: f64 = 0.9;

/// Advance widths (em) of printable ASCII (space to `~`) in DejaVu Sans
/// Book, as Chromium lays it out.
#[allow(clippy::approx_constant)] // 0.318 em is the width of a space, not 1/π
const REGULAR: [f64; 95] = [
    0.318, 0.401, 0.460, 0.838, 0.636, 0.950, 0.780, 0.275, 0.390, 0.390, 0.500, 0.838, 0.318,
    0.361, 0.318, 0.337, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636, 0.636,
    0.337, 0.337, 0.838, 0.838, 0.838, 0.531, 1.000, 0.709, 0.686, 0.698, 0.770, 0.632, 0.575,
    0.775, 0.752, 0.295, 0.295, 0.656, 0.557, 0.863, 0.748, 0.787, 0.603, 0.787, 0.695, 0.635,
    0.595, 0.732, 0.684, 0.989, 0.685, 0.611, 0.685, 0.390, 0.337, 0.390, 0.838, 0.500, 0.500,
    0.613, 0.635, 0.550, 0.635, 0.615, 0.344, 0.635, 0.634, 0.278, 0.278, 0.579, 0.278, 0.974,
    0.634, 0.612, 0.635, 0.635, 0.395, 0.521, 0.392, 0.634, 0.592, 0.818, 0.592, 0.592, 0.525,
    0.636, 0.337, 0.636, 0.838,
];
/// The same in DejaVu Sans Bold (Chromium's weight 600 and 700).
const BOLD: [f64; 95] = [
    0.348, 0.456, 0.521, 0.838, 0.696, 1.002, 0.872, 0.306, 0.457, 0.457, 0.523, 0.838, 0.380,
    0.415, 0.380, 0.365, 0.696, 0.696, 0.696, 0.696, 0.696, 0.696, 0.696, 0.696, 0.696, 0.696,
    0.400, 0.400, 0.838, 0.838, 0.838, 0.580, 1.000, 0.774, 0.762, 0.734, 0.830, 0.683, 0.683,
    0.821, 0.837, 0.372, 0.372, 0.775, 0.637, 0.995, 0.837, 0.850, 0.733, 0.850, 0.770, 0.680,
    0.703, 0.812, 0.774, 1.103, 0.771, 0.724, 0.725, 0.457, 0.365, 0.457, 0.838, 0.500, 0.500,
    0.675, 0.716, 0.593, 0.716, 0.678, 0.405, 0.716, 0.712, 0.343, 0.343, 0.665, 0.343, 1.042,
    0.712, 0.687, 0.716, 0.716, 0.493, 0.595, 0.478, 0.712, 0.652, 0.924, 0.645, 0.652, 0.582,
    0.712, 0.365, 0.712, 0.838,
];

/// Width of one character in em. Outside ASCII: Latin letters with accents
/// are about as wide as ASCII ones, symbols (status marks, arrows) under 1 em,
/// and ideographs a full em; 1 em covers all of them.
fn char_em(c: char, bold: bool) -> f64 {
    let i = c as usize;
    if (32..127).contains(&i) {
        if bold { BOLD[i - 32] } else { REGULAR[i - 32] }
    } else if c.is_whitespace() {
        0.35
    } else {
        1.0
    }
}

/// A run of text in one style: size relative to the base type, weight and
/// letter spacing (em of its own size).
#[derive(Clone, Copy)]
struct Run<'a> {
    text: &'a str,
    size: f64,
    bold: bool,
    tracking: f64,
}

fn run(text: &str, size: f64, bold: bool) -> Run<'_> {
    Run {
        text,
        size,
        bold,
        tracking: 0.0,
    }
}

fn text_em(r: &Run<'_>) -> f64 {
    r.text
        .chars()
        .map(|c| char_em(c, r.bold) + r.tracking)
        .sum::<f64>()
        * r.size
}

/// Lines the runs take in a box `width` em (of the base type) wide, as
/// browsers break lines: at spaces; inside a word too long for a line, first
/// after its hyphens (and slashes, in some browsers: both are tried and the
/// worse kept), and only then anywhere (the wall sets `overflow-wrap:
/// anywhere`). Words that fit a line are kept whole, which can only cost
/// lines compared with breaking them at their hyphens, so this is an upper bound.
fn wrap(runs: &[Run<'_>], width: f64) -> usize {
    wrap_with(runs, width, false).max(wrap_with(runs, width, true))
}

fn wrap_with(runs: &[Run<'_>], width: f64, slash_breaks: bool) -> usize {
    let width = width.max(1.0);
    let (mut lines, mut line) = (1usize, 0.0f64);
    for r in runs {
        let space = char_em(' ', r.bold) * r.size;
        let em = |t: &str| text_em(&Run { text: t, ..*r });
        for word in r.text.split(' ').filter(|w| !w.is_empty()) {
            let w = em(word);
            if line > 0.0 && line + space + w <= width {
                line += space + w;
                continue;
            }
            if line > 0.0 {
                lines += 1;
                line = 0.0;
            }
            if w <= width {
                line = w;
                continue;
            }
            // Too long for any line: broken after hyphens (and slashes), then anywhere.
            let segments = word.split_inclusive(|c| c == '-' || (slash_breaks && c == '/'));
            for seg in segments {
                let sw = em(seg);
                if line + sw <= width {
                    line += sw;
                    continue;
                }
                if line > 0.0 {
                    lines += 1;
                    line = 0.0;
                }
                if sw <= width {
                    line = sw;
                    continue;
                }
                for c in seg.chars() {
                    let cw = (char_em(c, r.bold) + r.tracking) * r.size;
                    if line > 0.0 && line + cw > width {
                        lines += 1;
                        line = 0.0;
                    }
                    line += cw;
                }
            }
        }
    }
    lines
}

/// Width in em of a status badge.
fn badge_em(s: StatusView) -> f64 {
    // The widest status symbol (■) is 0.945 em.
    (0.95 + STATUS_GAP + text_em(&run(s.label(), 1.0, true)) + STATUS_PAD) * STATUS_SIZE
}

/// What the height of a KR row depends on: the texts as printed.
#[derive(Debug, Clone, PartialEq)]
pub struct RowShape {
    pub title: String,
    pub owner: String,
    pub flags: Vec<String>,
    /// Value (in bold) and target, as printed in the value column.
    pub value: (String, String),
}

/// What the height of a card depends on.
#[derive(Debug, Clone, PartialEq)]
pub struct CardShape {
    /// The group heading on the first card of a team (or the company).
    pub heading: Option<String>,
    /// The objective's title; `None` for the list of teams on a split wall.
    pub title: Option<String>,
    /// The owner and alignment line beside the score.
    pub meta: String,
    pub krs: Vec<RowShape>,
    /// The company's cards carry a thicker rule on top.
    pub company: bool,
}

/// What the sheet's header and footer say, as printed.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub heading: String,
    pub subline: String,
    /// Legend entries: status badges and flag explanations.
    pub legend: Vec<String>,
    /// A QR code of [`QR_MM`] sits right of the heading (a team's sheet when
    /// the site's address is known).
    pub qr: bool,
}

/// The printed side of a wall sheet's QR code, quiet zone included, and the
/// gap left of it, in mm: at 37 modules for a team page's address of about
/// 50 characters, a module is 0.65 mm, which phones read from a metre away.
/// Keep in step with okra.css (`.wall-qr`).
pub const QR_MM: f64 = 24.0;
const QR_GAP_MM: f64 = 4.0;

/// Heights in mm at one type size, for a column layout.
struct Measure {
    /// One em of the base type, in mm.
    em: f64,
    /// Content width of a card, in em.
    inner: f64,
    two_line: bool,
    clamp: bool,
}

impl Measure {
    fn new(paper: (f64, f64), font_pt: f64, columns: u32, clamp: bool) -> Measure {
        let em = font_pt * PT_MM;
        let w = paper.0 - 2.0 * MARGIN_MM;
        let col = (w / em - (columns - 1) as f64 * COL_GAP) / columns as f64;
        let inner = col - 2.0 * CARD_PAD_X - 2.0 * PX_MM / em;
        Measure {
            em,
            inner,
            two_line: inner < ONE_LINE_EMS,
            clamp,
        }
    }

    fn px(&self, n: f64) -> f64 {
        n * PX_MM / self.em
    }

    /// A status badge's height in em: its line plus 1 px borders.
    fn badge(&self) -> f64 {
        STATUS_SIZE * STATUS_LH + self.px(2.0)
    }

    fn clamped(&self, lines: usize) -> f64 {
        if self.clamp {
            lines.min(2) as f64
        } else {
            lines as f64
        }
    }

    fn row(&self, k: &RowShape) -> f64 {
        let flags: Vec<Run<'_>> = k.flags.iter().map(|f| run(f, FLAG_SIZE, true)).collect();
        let owner = format!("· {}", k.owner);
        let mut title = vec![run(&k.title, 1.0, false), run(&owner, OWNER_SIZE, false)];
        title.extend(flags);
        let value = [run(&k.value.0, 1.0, true), run(&k.value.1, 1.0, false)];
        let content = if self.two_line {
            let title_w = self.inner;
            let value_w = self.inner - BAR_COL - STATUS_COL - 2.0 * KR_GAP;
            self.clamped(wrap(&title, title_w)) * LH
                + ROW_GAP
                + (wrap(&value, value_w) as f64 * LH).max(self.badge())
        } else {
            let title_w = self.inner - VALUE_COL - BAR_COL - STATUS_COL - 3.0 * KR_GAP;
            (self.clamped(wrap(&title, title_w)) * LH)
                .max(wrap(&value, VALUE_COL) as f64 * LH)
                .max(self.badge())
        };
        content + 2.0 * ROW_PAD + self.px(1.0)
    }

    /// Height of a card in em, margin below included.
    fn card(&self, c: &CardShape) -> f64 {
        let mut h = 2.0 * CARD_PAD + CARD_GAP + self.px(2.0);
        if c.company {
            h += COMPANY_RULE;
        }
        if let Some(heading) = &c.heading {
            let upper = heading.to_uppercase();
            let r = Run {
                text: &upper,
                size: GROUP_SIZE,
                bold: true,
                tracking: GROUP_TRACKING,
            };
            h += wrap(&[r], self.inner) as f64 * GROUP_SIZE * GROUP_LH + GROUP_GAP;
        }
        if let Some(title) = &c.title {
            let lines = wrap(&[run(title, OBJ_SIZE, true)], self.inner);
            h += self.clamped(lines) * OBJ_SIZE * OBJ_LH;
            // Owner and score share a line when they fit, else the score goes below.
            let owner = [run(&c.meta, OWNER_SIZE, false)];
            let score = badge_em(StatusView::NoUpdate) + 0.4 + BAR_COL;
            let one = text_em(&owner[0]) + 0.6 + score <= self.inner;
            let meta = if one {
                LH.max(self.badge())
            } else {
                wrap(&owner, self.inner) as f64 * LH + LH.max(self.badge())
            };
            h += meta + META_GAP;
        }
        if c.krs.is_empty() {
            h += LH;
        }
        h + c.krs.iter().map(|k| self.row(k)).sum::<f64>()
    }

    /// Height of the header and footer in em.
    fn frame(&self, f: &Frame, width: f64) -> f64 {
        // The heading and subline wrap left of the QR code, which the header
        // is at least as tall as.
        let qr_em = if f.qr {
            (QR_MM + QR_GAP_MM) / self.em
        } else {
            0.0
        };
        let text_width = width - qr_em;
        let h1 = wrap(&[run(&f.heading, H1_SIZE, true)], text_width) as f64 * H1_SIZE * H1_LH;
        let sub = wrap(&[run(&f.subline, 1.0, false)], text_width) as f64 * LH;
        let (h1, sub) = if f.qr {
            (h1.max(QR_MM / self.em - sub), sub)
        } else {
            (h1, sub)
        };
        // Legend entries flow in lines, as a wrapping flex row.
        let item_h = (FOOT_SIZE * LH).max(self.badge());
        let (mut lines, mut line) = (0usize, 0.0f64);
        for item in &f.legend {
            let w = text_em(&run(item, FOOT_SIZE, true)) + STATUS_PAD * STATUS_SIZE;
            if w > width {
                // An entry wider than the sheet wraps on lines of its own.
                lines += wrap(&[run(item, FOOT_SIZE, true)], width);
                line = 0.0;
            } else if line > 0.0 && line + LEGEND_GAP_X + w <= width {
                line += LEGEND_GAP_X + w;
            } else {
                lines += 1;
                line = w;
            }
        }
        let lines = lines.max(1);
        let legend = lines as f64 * item_h + (lines - 1) as f64 * LEGEND_GAP_Y;
        h1 + sub + HEAD_EMS + FOOT_EMS + self.px(4.0) + legend
    }
}

/// The largest type (and the columns it takes) at which cards of the given
/// shapes fit one sheet, not below `min_pt`, with each card's column (in
/// order); `None` if they do not fit even at `min_pt`.
pub fn fit(
    cards: &[CardShape],
    frame: &Frame,
    paper: (f64, f64),
    min_pt: f64,
    clamp: bool,
) -> Option<(Density, Vec<usize>)> {
    let (w, h) = (paper.0 - 2.0 * MARGIN_MM, paper.1 - 2.0 * MARGIN_MM);
    let avail = h * SAFETY;
    let try_font = |f: f64| -> Option<(Density, Vec<usize>)> {
        let em = f * PT_MM;
        let max_columns = ((w / em + COL_GAP) / (MIN_COLUMN_EMS + COL_GAP)).floor() as u32;
        for columns in 1..=max_columns.clamp(1, 8) {
            let m = Measure::new(paper, f, columns, clamp);
            let frame_mm = m.frame(frame, w / em) * em;
            let room = avail - frame_mm;
            // Stop measuring as soon as the cards cannot fit: most sizes tried
            // are far too large, and a big company is measured many times.
            let mut heights = Vec::with_capacity(cards.len());
            let mut total = 0.0;
            for c in cards {
                let x = m.card(c) * em;
                total += x;
                if x > room || total > room * columns as f64 {
                    break;
                }
                heights.push(x);
            }
            if heights.len() < cards.len() {
                continue;
            }
            if let Some((assignment, tallest)) = assign(&heights, columns as usize, room) {
                let density = Density {
                    font_pt: f,
                    columns,
                    two_line: m.two_line,
                    clamp,
                    fill: ((frame_mm + tallest) / h * 1000.0).round() / 1000.0,
                };
                return Some((density, assignment));
            }
        }
        None
    };
    // Sizes from the largest down, in steps of STEP_PT: first every eighth
    // (2 pt apart), then the steps just above the first that fits.
    let top = MAX_PT.min(w / (MIN_COLUMN_EMS * PT_MM));
    let steps = ((top - min_pt) / STEP_PT).floor().max(0.0) as usize;
    let size = |step: usize| min_pt + (steps - step) as f64 * STEP_PT;
    let coarse = (0..=steps)
        .step_by(8)
        .chain((!steps.is_multiple_of(8)).then_some(steps))
        .find_map(|step| try_font(size(step)).map(|found| (step, found)))?;
    let (first, found) = coarse;
    (first.saturating_sub(7)..first)
        .find_map(|step| try_font(size(step)))
        .or(Some(found))
}

/// Splits cards, in order, into at most `columns` columns so that the
/// tallest column is as short as possible (binary search on that height,
/// packing greedily); `None` if even that is taller than `avail`. Returns
/// the columns and the tallest column's height.
fn assign(heights: &[f64], columns: usize, avail: f64) -> Option<(Vec<usize>, f64)> {
    let pack = |cap: f64| -> Option<(Vec<usize>, f64)> {
        let mut out = Vec::with_capacity(heights.len());
        let (mut col, mut used, mut tallest) = (0, 0.0f64, 0.0f64);
        for &h in heights {
            if used > 0.0 && used + h > cap {
                col += 1;
                used = 0.0;
            }
            if col >= columns || h > cap {
                return None;
            }
            used += h;
            tallest = tallest.max(used);
            out.push(col);
        }
        Some((out, tallest))
    };
    let (mut lo, mut hi) = (
        heights.iter().copied().fold(0.0, f64::max),
        heights.iter().sum::<f64>(),
    );
    if lo > avail {
        return None;
    }
    for _ in 0..40 {
        let mid = (lo + hi) / 2.0;
        if pack(mid).is_some() {
            hi = mid
        } else {
            lo = mid
        }
    }
    if hi > avail {
        return None;
    }
    pack(hi)
}

/// Value and target as the wall prints them: whole numbers (never `158.3k`)
/// with the unit once, after the target, or before each number when it is a
/// currency symbol (`$1,200 / $2,000`).
fn value_and_target(kr: &KeyResult, v: f64) -> (String, String) {
    if kr.meta.metric == Metric::Boolean {
        return (format::value(kr, v), String::new());
    }
    let with_unit = format::value(kr, v);
    let n = format::number(v);
    let value = if with_unit.starts_with(&n) {
        n
    } else {
        with_unit
    };
    (value, format!("/ {}", format::value(kr, kr.meta.target)))
}

fn groups<'v>(r: &'v Renderer<'_>, objectives: &[ObjectiveId]) -> Vec<Group<'v>> {
    let q = r.views.current;
    let mut by_team: BTreeMap<(bool, String), Vec<ObjectiveId>> = BTreeMap::new();
    for &i in objectives {
        let key = match &r.views.objectives[i].team {
            None => (false, r.site.config.company.clone()),
            Some(t) => (true, t.title.clone()),
        };
        by_team.entry(key).or_default().push(i);
    }
    by_team
        .into_iter()
        .map(|((_, name), ids)| Group {
            cards: sorted_objectives(r, ids.into_iter())
                .into_iter()
                .enumerate()
                .map(|(n, i)| WallCard {
                    heading: (n == 0).then(|| name.clone()),
                    o: &r.views.objectives[i],
                    q: &r.views.objectives[i].quarters[(q.q - 1) as usize],
                    krs: r.site.objectives[i]
                        .key_results
                        .iter()
                        .filter(|&&k| r.site.key_results[k].meta.quarter == q)
                        .map(|&k| {
                            let (value, target) =
                                value_and_target(&r.site.key_results[k], r.scores.krs[k].value);
                            WallKr {
                                kr: &r.views.krs[k],
                                value,
                                target,
                            }
                        })
                        .collect(),
                    estimate_mm: 0.0,
                })
                .collect(),
        })
        .collect()
}

fn flag_texts(flags: &[FlagView]) -> Vec<String> {
    flags.iter().map(|f| format!("⚑ {}", f.label)).collect()
}

fn shapes(groups: &[Group<'_>]) -> Vec<CardShape> {
    groups
        .iter()
        .flat_map(|g| {
            g.cards.iter().map(|c| CardShape {
                heading: c.heading.clone(),
                title: Some(c.o.title.clone()),
                meta: match &c.o.parent {
                    Some(p) => format!("{} · ↳ {}", c.o.owner.title, p.title),
                    None => c.o.owner.title.clone(),
                },
                krs: c
                    .krs
                    .iter()
                    .map(|k| RowShape {
                        title: k.kr.title.clone(),
                        owner: k.kr.owner.title.clone(),
                        flags: flag_texts(&k.kr.flags),
                        value: (k.value.clone(), k.target.clone()),
                    })
                    .collect(),
                company: c.o.team.is_none(),
            })
        })
        .collect()
}

/// Lays cards out in columns at the largest type that fits the sheet, not
/// below `min_pt`; `None` if they do not fit at `min_pt`. With `force`, the
/// cards are laid out whatever happens: below the legible size, then with
/// titles clamped, and at worst at the floor size in as many columns as it
/// allows.
fn layout<'v>(
    groups: Vec<Group<'v>>,
    extra: Option<CardShape>,
    frame: &Frame,
    paper: (f64, f64),
    force: bool,
) -> Option<(Density, Vec<Vec<WallCard<'v>>>)> {
    let mut shape = shapes(&groups);
    shape.extend(extra);
    let found = fit(&shape, frame, paper, LEGIBLE_PT, false);
    let (density, assignment) = match found {
        Some(found) => found,
        None if !force => return None,
        None => fit(&shape, frame, paper, FLOOR_PT, false)
            .or_else(|| fit(&shape, frame, paper, FLOOR_PT, true))
            .unwrap_or_else(|| {
                let em = FLOOR_PT * PT_MM;
                let w = paper.0 - 2.0 * MARGIN_MM;
                let columns = ((w / em + COL_GAP) / (MIN_COLUMN_EMS + COL_GAP))
                    .floor()
                    .clamp(1.0, 8.0) as u32;
                let n = shape.len().max(1);
                let a = (0..shape.len()).map(|i| i * columns as usize / n).collect();
                let d = Density {
                    font_pt: FLOOR_PT,
                    columns,
                    two_line: true,
                    clamp: true,
                    fill: 1.0,
                };
                (d, a)
            }),
    };
    let m = Measure::new(paper, density.font_pt, density.columns, density.clamp);
    let mut columns: Vec<Vec<WallCard<'v>>> = (0..density.columns).map(|_| Vec::new()).collect();
    for ((mut card, col), s) in groups
        .into_iter()
        .flat_map(|g| g.cards)
        .zip(assignment.iter().copied())
        .zip(&shape)
    {
        card.estimate_mm = (m.card(s) * m.em * 100.0).round() / 100.0;
        columns[col].push(card);
    }
    // Keep every column up to the last one used (the extra card, if any, goes last).
    columns.truncate(assignment.iter().max().map_or(1, |m| m + 1));
    Some((density, columns))
}

/// `1 objective`, `2 objectives`.
fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub fn pages<'r>(r: &'r Renderer<'_>) -> Vec<PageJob<'r>> {
    let q = r.views.current;
    let cfg = &r.site.config;
    let paper = paper_mm(cfg.wall.paper, cfg.wall.orientation);
    // Explicit sizes: CSS has no keyword for tabloid.
    let page_size = format!("{}mm {}mm", paper.0, paper.1);
    let sheet_mm = ((paper.1 - 2.0 * MARGIN_MM - 1.0) * 10.0).round() / 10.0;
    let this_year: Vec<ObjectiveId> = r
        .site
        .objectives
        .iter_enumerated()
        .filter(|(_, o)| o.meta.year == q.year)
        .map(|(i, _)| i)
        .collect();
    let legend: Vec<StatusView> = StatusView::KR_ORDER.to_vec();
    // One entry per flag a KR row can print (the labels of `score::Flag`).
    let flag_legend = vec![
        format!(
            "⚑ Stale: no update for {} days or more",
            cfg.stale_after_days
        ),
        "⚑ No update yet: none since the quarter started".to_string(),
        "⚑ Missing scoring: no mid-quarter or final update".to_string(),
        format!(
            "⚑ Behind pace: on track, yet over {} points below the line to target",
            format::number(cfg.behind_pace_margin * 100.0)
        ),
    ];
    let label = quarter_info(r, q).label;
    let krs_of = |ids: &[ObjectiveId]| -> Vec<KrId> {
        ids.iter()
            .flat_map(|&i| r.site.objectives[i].key_results.iter().copied())
            .filter(|&k| r.site.key_results[k].meta.quarter == q)
            .collect()
    };
    let frame = |team: Option<&str>, objectives: usize, krs: &[KrId], qr: bool| {
        let stats: Stats = stats(r, krs);
        let heading = match team {
            Some(t) => format!("{} OKRs · {label} · {t}", cfg.company),
            None => format!("{} OKRs · {label}", cfg.company),
        };
        let mut subline = format!(
            "As of {} · {} · {}",
            r.scores.as_of,
            plural(objectives, "objective", "objectives"),
            plural(krs.len(), "key result", "key results"),
        );
        if stats.average.value.is_some() {
            subline.push_str(&format!(" · average score {}", stats.average.text));
        }
        let mut items: Vec<String> = legend
            .iter()
            .map(|s| format!("{} {}", s.symbol(), s.label()))
            .collect();
        items.extend(flag_legend.iter().cloned());
        (
            Frame {
                heading,
                subline,
                legend: items,
                qr,
            },
            stats.average,
        )
    };
    let wall = |frame: Frame,
                average,
                density,
                columns,
                teams,
                team: Option<String>,
                qr: Option<(String, String)>| Wall {
        heading: frame.heading,
        subline: frame.subline,
        average,
        columns,
        teams,
        density,
        page_size: page_size.clone(),
        margin_mm: MARGIN_MM,
        sheet_mm,
        team,
        legend: legend.clone(),
        flag_legend: flag_legend.clone(),
        qr_url: qr.as_ref().map(|q| q.0.clone()),
        qr: qr.map(|q| SafeHtml::new(&q.1)),
    };
    let all_krs = krs_of(&this_year);
    let (company_frame, company_average) = frame(None, this_year.len(), &all_krs, false);
    let single = layout(groups(r, &this_year), None, &company_frame, paper, false);
    // A sheet per team with objectives this year, whether the company fits one
    // sheet or not: teams hang their own. With the site's address known, each
    // carries a QR code of the team's live page.
    let mut team_objectives: BTreeMap<String, Vec<ObjectiveId>> = BTreeMap::new();
    for &i in &this_year {
        if let Some(t) = &r.site.objectives[i].meta.team {
            team_objectives.entry(t.clone()).or_default().push(i);
        }
    }
    let mut jobs = Vec::new();
    let mut lines = Vec::new();
    for (team_id, ids) in &team_objectives {
        let Some(team) = r.site.team(team_id) else {
            continue;
        };
        let krs = krs_of(ids);
        let worst = ids
            .iter()
            .map(|&i| r.scores.objectives[i].quarter(q).status)
            .min()
            .unwrap_or(crate::score::ObjectiveStatus::NoUpdate);
        let wall_url = urls::wall(team_id);
        lines.push(TeamLine {
            team: Link {
                title: team.name.clone(),
                url: urls::team(team_id),
            },
            wall_url: wall_url.clone(),
            counts: format!(
                "{} · {}",
                plural(ids.len(), "objective", "objectives"),
                plural(krs.len(), "KR", "KRs")
            ),
            progress: format::progress(r.scores.average(&krs)),
            status: StatusView::objective(worst),
        });
        let qr = r.base_url.and_then(|base| {
            let url = format!("{}/{}", base.trim_end_matches('/'), urls::team(team_id));
            let svg = qr::svg(
                &url,
                &format!("QR code of {}'s live page: {url}", team.name),
            )?;
            Some((url, svg))
        });
        let (team_frame, team_average) = frame(Some(&team.name), ids.len(), &krs, qr.is_some());
        let (density, columns) = layout(groups(r, ids), None, &team_frame, paper, true)
            .expect("a forced layout always places the cards");
        let ctx = wall(
            team_frame,
            team_average,
            density,
            columns,
            Vec::new(),
            Some(team.name.clone()),
            qr,
        );
        jobs.push(PageJob::lazy("wall.html", wall_url, "wall", move || ctx));
    }
    if let Some((density, columns)) = single {
        let ctx = wall(
            company_frame,
            company_average,
            density,
            columns,
            Vec::new(),
            None,
            None,
        );
        jobs.push(PageJob::lazy("wall.html", urls::WALL, "wall", move || ctx));
        return jobs;
    }
    // Too much for one sheet: company level plus a line per team.
    let company: Vec<ObjectiveId> = this_year
        .iter()
        .copied()
        .filter(|&i| r.site.objectives[i].meta.team.is_none())
        .collect();
    let team_card = CardShape {
        heading: Some("Teams".into()),
        title: None,
        meta: String::new(),
        krs: lines
            .iter()
            .map(|l| RowShape {
                title: l.team.title.clone(),
                owner: String::new(),
                flags: Vec::new(),
                value: (String::new(), l.counts.clone()),
            })
            .collect(),
        company: false,
    };
    let (density, columns) = layout(
        groups(r, &company),
        Some(team_card),
        &company_frame,
        paper,
        true,
    )
    .expect("a forced layout always places the cards");
    let ctx = wall(
        company_frame,
        company_average,
        density,
        columns,
        lines,
        None,
        None,
    );
    jobs.push(PageJob::lazy("wall.html", urls::WALL, "wall", move || ctx));
    jobs
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAPERS: [Paper; 4] = [Paper::A3, Paper::A4, Paper::Letter, Paper::Tabloid];
    const ORIENTATIONS: [Orientation; 2] = [Orientation::Landscape, Orientation::Portrait];

    fn frame() -> Frame {
        Frame {
            heading: "Limitco OKRs · Q4 FY26".into(),
            subline: "As of 2026-11-22 · 12 objectives · 60 key results · average score 62%".into(),
            legend: StatusView::KR_ORDER
                .iter()
                .map(|s| format!("{} {}", s.symbol(), s.label()))
                .chain(["⚑ Stale: no update for 14 days or more".to_string()])
                .collect(),
            qr: false,
        }
    }

    fn card(title: usize, heading: bool, krs: usize, kr_title: usize) -> CardShape {
        let words = |n: usize| "Increase weekly active ".repeat(n / 23 + 1)[..n].to_string();
        CardShape {
            heading: heading.then(|| "Platform Engineering".into()),
            title: Some(words(title)),
            meta: "Chiara Bellandi · ↳ Make the company the default".into(),
            krs: (0..krs)
                .map(|_| RowShape {
                    title: words(kr_title),
                    owner: "Dmitri Volkov".into(),
                    flags: vec![],
                    value: ("1,591.3".into(), "/ 2,500 integrations".into()),
                })
                .collect(),
            company: false,
        }
    }

    #[test]
    fn wrapping_breaks_at_spaces_and_inside_words_too_long_for_a_line() {
        let one = [run("aaaa aaaa", 1.0, false)];
        assert_eq!(wrap(&one, 10.0), 1);
        assert_eq!(wrap(&one, 3.0), 2);
        // A 40-character word in a 10 em line: about 2.5 lines' worth.
        let word = "a".repeat(40);
        let long = [run(&word, 1.0, false)];
        assert_eq!(wrap(&long, 10.0), 3);
        assert_eq!(wrap(&[run("", 1.0, false)], 10.0), 1);
        // Browsers break a long word after its hyphens first, which can leave
        // lines short: "requests-per-" / "second-per-" / "region" in 9 em.
        let unit = [run("requests-per-second-per-region", 1.0, false)];
        assert_eq!(wrap(&unit, 9.0), 3);
    }

    #[test]
    fn fewer_objectives_get_larger_type_and_still_fill_the_sheet() {
        let a3 = paper_mm(Paper::A3, Orientation::Landscape);
        let few = vec![card(40, true, 3, 50); 3];
        let many: Vec<_> = (0..12).map(|i| card(60, i % 3 == 0, 5, 60)).collect();
        let (d_few, _) = fit(&few, &frame(), a3, LEGIBLE_PT, false).unwrap();
        let (d_many, _) = fit(&many, &frame(), a3, LEGIBLE_PT, false).unwrap();
        assert!(d_few.font_pt > d_many.font_pt * 1.5, "{d_few:?} {d_many:?}");
        for d in [d_few, d_many] {
            assert!(d.fill > 0.85 && d.fill <= SAFETY, "{d:?}");
        }
    }

    /// The documented limit, with titles of 60 characters: 12 objectives
    /// with 5 KRs each on A3 and tabloid, 6 on A4 and letter, in either
    /// orientation, at the legible size or more.
    #[test]
    fn the_documented_limit_fits_every_paper_at_a_legible_size() {
        for paper in PAPERS {
            let n = match paper {
                Paper::A3 | Paper::Tabloid => 12,
                Paper::A4 | Paper::Letter => 6,
            };
            let limit: Vec<_> = (0..n).map(|i| card(60, i % 3 == 0, 5, 60)).collect();
            for o in ORIENTATIONS {
                let d = fit(&limit, &frame(), paper_mm(paper, o), LEGIBLE_PT, false);
                let (d, _) = d.unwrap_or_else(|| panic!("12 × 5 on {paper:?} {o:?}"));
                assert!(d.font_pt >= LEGIBLE_PT, "{paper:?} {o:?}: {d:?}");
            }
        }
    }

    #[test]
    fn far_beyond_the_limit_nothing_fits_a_legible_sheet() {
        let huge: Vec<_> = (0..60).map(|i| card(120, i % 3 == 0, 6, 120)).collect();
        let a4 = paper_mm(Paper::A4, Orientation::Portrait);
        assert_eq!(fit(&huge, &frame(), a4, LEGIBLE_PT, false), None);
    }

    #[test]
    fn one_small_objective_gets_type_as_large_as_the_sheet_allows() {
        let one = vec![card(20, true, 0, 0)];
        for paper in PAPERS {
            for o in ORIENTATIONS {
                let mm = paper_mm(paper, o);
                let (d, _) = fit(&one, &frame(), mm, LEGIBLE_PT, false).unwrap();
                // As large as the height allows (one more step would wrap a line
                // more), or as the width allows one column.
                let width_bound = (mm.0 - 2.0 * MARGIN_MM) / (MIN_COLUMN_EMS * PT_MM);
                assert!(
                    d.fill > 0.85 || d.font_pt >= width_bound.min(MAX_PT) - STEP_PT,
                    "{paper:?} {o:?}: {d:?}"
                );
                assert!(d.font_pt > 20.0, "{paper:?} {o:?}: {d:?}");
            }
        }
    }
}
