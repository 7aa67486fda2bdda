//! The wall (`/wall/`): the current quarter on one printed sheet.
//!
//! CSS cannot shrink content to fit a page, so the density (columns and type
//! size) is chosen here from the paper size and an estimate of each card's
//! height. The browser tests print the demo and a 12 × 5 fixture to PDF and
//! check for exactly one page. When even the smallest type would not fit, the
//! wall splits: `/wall/` shows the company level and one line per team, and
//! `/wall/<team>/` gives each team its own sheet.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{QuarterInfo, Stats, average, quarter_info, sorted_objectives, stats};
use crate::config::{Orientation, Paper};
use crate::render::format::{self, Progress, StatusView};
use crate::render::view::{KrView, Link, ObjectiveView, QuarterScore};
use crate::render::{PageJob, Renderer};

/// An objective on the wall with this quarter's KRs.
#[derive(Serialize)]
struct WallCard<'v> {
    /// The team (or company) heading, on the first card of each group.
    heading: Option<String>,
    o: &'v ObjectiveView,
    q: &'v QuarterScore,
    krs: Vec<&'v KrView>,
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
    objectives: usize,
    krs: usize,
    progress: Progress,
    status: StatusView,
}

/// Type size, columns and KR row layout for print.
#[derive(Serialize, Clone, Copy, Debug, PartialEq)]
pub struct Density {
    pub font_pt: f64,
    pub columns: u32,
    /// KR rows on two lines (title above; owner, numbers and bar below), for narrow columns.
    pub two_line: bool,
}

#[derive(Serialize)]
struct Wall<'v> {
    quarter: QuarterInfo,
    stats: Stats,
    /// Cards laid out in print columns, in reading order.
    columns: Vec<Vec<WallCard<'v>>>,
    teams: Vec<TeamLine>,
    density: Density,
    /// CSS `@page` size in millimetres, e.g. `420mm 297mm` (A3 landscape).
    page_size: String,
    /// Set on a team's own wall.
    team: Option<String>,
    legend: Vec<StatusView>,
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

/// Page margin on every side, in mm (also in the template's `@page`).
pub const MARGIN_MM: f64 = 8.0;
const PT_MM: f64 = 0.3528;
/// Type sizes tried, largest first.
const SIZES: [f64; 14] = [
    18.0, 16.0, 15.0, 14.0, 13.0, 12.0, 11.0, 10.0, 9.0, 8.5, 8.0, 7.5, 7.0, 6.5,
];

/// What the height of a card depends on.
#[derive(Debug, Clone, PartialEq)]
pub struct CardShape {
    /// Characters in the objective's title.
    pub title: usize,
    /// Characters of the owner and alignment line beside the title.
    pub meta: usize,
    /// Whether the card starts a group (and carries its heading).
    pub new_group: bool,
    /// Characters of each KR's title and of its owner.
    pub krs: Vec<(usize, usize)>,
}

/// The largest type (and the columns it allows) at which cards of the given
/// shapes fit one sheet, with the cards' column assignment (in order);
/// `None` if they do not fit even at the smallest size.
pub fn fit(cards: &[CardShape], paper: (f64, f64)) -> Option<(Density, Vec<usize>)> {
    // Full titles first; only if nothing fits, clamp the longest to two or three lines.
    fit_with(cards, paper, false).or_else(|| fit_with(cards, paper, true))
}

fn fit_with(cards: &[CardShape], paper: (f64, f64), clamp: bool) -> Option<(Density, Vec<usize>)> {
    let (w, h) = (paper.0 - 2.0 * MARGIN_MM, paper.1 - 2.0 * MARGIN_MM);
    for &f in &SIZES {
        let em = f * PT_MM;
        let max_columns = ((w / (MIN_COLUMN_EMS * em)).floor() as u32).clamp(1, 6);
        // One-line KR rows read best; fewer, wider columns wrap titles less.
        // When titles must be clamped, two-line rows cut them least.
        let modes: [bool; 2] = if clamp { [true, false] } else { [false, true] };
        for two_line in modes {
            for columns in 1..=max_columns {
                let col_w = (w - (columns - 1) as f64 * 1.2 * em) / columns as f64;
                let Some(heights) = cards
                    .iter()
                    .map(|c| card_height(c, col_w / em, two_line, em, clamp).map(|x| x * em))
                    .collect::<Option<Vec<f64>>>()
                else {
                    continue; // some title would be cut off
                };
                // 5 % to spare: the estimate is within a few percent of Chromium's layout.
                let avail = (h - HEADER_EMS * em - 3.0) * 0.95;
                if let Some(assignment) = assign(&heights, columns as usize, avail) {
                    return Some((
                        Density {
                            font_pt: f,
                            columns,
                            two_line,
                        },
                        assignment,
                    ));
                }
            }
        }
    }
    None
}

/// Top and bottom border of a status badge (1 px each at 96 px per inch), in mm.
const BADGE_BORDER_MM: f64 = 0.53;
/// Columns narrower than this (in em) leave KR titles too little room.
const MIN_COLUMN_EMS: f64 = 25.0;
/// Height of the sheet's header, in em.
const HEADER_EMS: f64 = 5.6;
/// Average character width of the sans-serif type, in em (DejaVu Sans, a wide face).
const CHAR_EM: f64 = 0.56;

/// Lines a text of `chars` characters (at `scale` of the base type) takes in
/// `width_em`; `None` if more than `max` (the CSS would clamp it and hide text).
fn lines(chars: f64, width_em: f64, scale: f64, max: f64, clamp: bool) -> Option<f64> {
    let n = ((chars * CHAR_EM * scale) / width_em.max(1.0))
        .ceil()
        .max(1.0);
    if clamp {
        Some(n.min(max))
    } else {
        (n <= max).then_some(n)
    }
}

/// Height of a card in em of the base type, in a column `col_em` wide, or
/// `None` if a title would be cut off (unless `clamp` allows it). Mirrors the wall CSS (`.wall-*` in
/// okra.css): KR table at 0.9 em with line-height 1.25, titles clamped.
fn card_height(c: &CardShape, col_em: f64, two_line: bool, em: f64, clamp: bool) -> Option<f64> {
    let inner = col_em - 1.2 - 0.15; // card padding and border
    let heading = if c.new_group { 1.2 } else { 0.0 };
    // Title (1.1 em) and owner line (0.72 em) share a paragraph beside the score (~10.5 em).
    let obj_chars = c.title as f64 * 1.1 + c.meta as f64 * 0.72 + 1.0;
    let obj = lines(obj_chars, inner - 10.5, 1.0, 4.0, clamp)? * 1.1 * 1.2;
    let row = 0.9 * 1.25;
    let pad = 0.9 * 0.3 + 0.06;
    let mut krs = 0.0;
    for &(title, owner) in &c.krs {
        krs += if two_line {
            // Title above (status beside it), owner, numbers and bar below.
            (lines(title as f64, (inner - 0.9 * 6.4) / 0.9, 1.0, 2.0, clamp)? + 1.0) * row + pad
        } else {
            let title_em = (inner - 0.9 * (8.8 + 5.6 + 6.4)) / 0.9;
            // A one-line row is as tall as its status badge (0.72 em type, 1 px borders).
            let text = lines(
                title as f64 + owner as f64 * 0.85 + 1.0,
                title_em,
                1.0,
                3.0,
                clamp,
            )? * row;
            text.max(0.72 * 1.2 + BADGE_BORDER_MM / em) + pad
        };
    }
    let krs = if c.krs.is_empty() { 0.85 * 1.3 } else { krs };
    Some(0.8 + 0.15 + heading + obj + 0.25 + krs + 0.55)
}

/// Splits cards, in order, into at most `columns` columns so that the
/// tallest column is as short as possible (binary search on that height,
/// packing greedily); `None` if even that is taller than `avail`.
fn assign(heights: &[f64], columns: usize, avail: f64) -> Option<Vec<usize>> {
    let pack = |cap: f64| -> Option<Vec<usize>> {
        let mut out = Vec::with_capacity(heights.len());
        let (mut col, mut used) = (0, 0.0);
        for &h in heights {
            if used > 0.0 && used + h > cap {
                col += 1;
                used = 0.0;
            }
            if col >= columns || h > cap {
                return None;
            }
            used += h;
            out.push(col);
        }
        Some(out)
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

fn groups<'v>(r: &'v Renderer<'_>, objectives: &[usize]) -> Vec<Group<'v>> {
    let q = r.views.current;
    let mut by_team: BTreeMap<(bool, String), Vec<usize>> = BTreeMap::new();
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
                        .filter(|&&k| r.site.key_results[k].quarter == q)
                        .map(|&k| &r.views.krs[k])
                        .collect(),
                })
                .collect(),
        })
        .collect()
}

fn shapes(groups: &[Group<'_>]) -> Vec<CardShape> {
    groups
        .iter()
        .flat_map(|g| {
            g.cards.iter().enumerate().map(|(n, c)| CardShape {
                title: c.o.title.chars().count(),
                meta: c.o.owner.title.chars().count()
                    + c.o
                        .parent
                        .as_ref()
                        .map_or(0, |p| p.title.chars().count() + 4),
                new_group: n == 0,
                krs: c
                    .krs
                    .iter()
                    .map(|k| (k.title.chars().count(), k.owner.title.chars().count()))
                    .collect(),
            })
        })
        .collect()
}

/// Lays cards out in columns at the largest type that fits the sheet, or the
/// smallest type in as many columns as it allows when nothing fits.
fn layout<'v>(
    groups: Vec<Group<'v>>,
    extra: Option<CardShape>,
    paper: (f64, f64),
) -> (Density, Vec<Vec<WallCard<'v>>>, bool) {
    let mut shape = shapes(&groups);
    shape.extend(extra);
    let (density, assignment, fits) = match fit(&shape, paper) {
        Some((d, a)) => (d, a, true),
        None => {
            let f = SIZES[SIZES.len() - 1];
            let columns = (((paper.0 - 2.0 * MARGIN_MM) / (MIN_COLUMN_EMS * f * PT_MM)).floor()
                as u32)
                .clamp(1, 6);
            let n = shape.len().max(1);
            let a = (0..shape.len()).map(|i| i * columns as usize / n).collect();
            (
                Density {
                    font_pt: f,
                    columns,
                    two_line: true,
                },
                a,
                false,
            )
        }
    };
    let mut columns: Vec<Vec<WallCard<'v>>> = (0..density.columns).map(|_| Vec::new()).collect();
    for (card, col) in groups
        .into_iter()
        .flat_map(|g| g.cards)
        .zip(assignment.iter().copied())
    {
        columns[col].push(card);
    }
    // Keep every column up to the last one used (the extra card, if any, goes last).
    columns.truncate(assignment.iter().max().map_or(1, |m| m + 1));
    (density, columns, fits)
}

pub fn pages<'r>(r: &'r Renderer<'_>) -> Vec<PageJob<'r>> {
    let q = r.views.current;
    let cfg = &r.site.config;
    let paper = paper_mm(cfg.wall.paper, cfg.wall.orientation);
    // Explicit sizes: CSS has no keyword for tabloid.
    let page_size = format!("{}mm {}mm", paper.0, paper.1);
    let this_year: Vec<usize> = (0..r.site.objectives.len())
        .filter(|&i| r.site.objectives[i].year == q.year)
        .collect();
    let all_krs = super::krs_of_quarter(r, q);
    let legend: Vec<StatusView> = format::KR_STATUS_KEYS
        .iter()
        .map(|k| StatusView::of(k))
        .collect();
    let wall = |stats: Stats, density, columns, teams, team: Option<String>| Wall {
        quarter: quarter_info(r, q),
        stats,
        columns,
        teams,
        density,
        page_size: page_size.clone(),
        team,
        legend: legend.clone(),
    };
    let (density, columns, fits) = layout(groups(r, &this_year), None, paper);
    if fits {
        let ctx = wall(stats(r, &all_krs), density, columns, Vec::new(), None);
        return vec![PageJob::lazy("wall.html", "wall/", "wall", move || ctx)];
    }
    // Too much for one sheet: company level plus a line per team, and a sheet per team.
    let company: Vec<usize> = this_year
        .iter()
        .copied()
        .filter(|&i| r.site.objectives[i].team.is_none())
        .collect();
    let mut team_objectives: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for &i in &this_year {
        if let Some(t) = &r.site.objectives[i].team {
            team_objectives.entry(t.clone()).or_default().push(i);
        }
    }
    let mut jobs = Vec::new();
    let mut lines = Vec::new();
    for (team_id, ids) in &team_objectives {
        let Some(team) = r.site.team(team_id) else {
            continue;
        };
        let krs: Vec<usize> = all_krs
            .iter()
            .copied()
            .filter(|&k| r.site.key_results[k].team.as_deref() == Some(team_id))
            .collect();
        let worst = ids
            .iter()
            .map(|&i| r.scores.objectives[i].quarter(q).status)
            .min()
            .unwrap_or(crate::score::ObjectiveStatus::NoUpdate);
        let wall_url = format!("wall/{team_id}/");
        lines.push(TeamLine {
            team: Link {
                title: team.name.clone(),
                url: format!("teams/{team_id}/"),
            },
            wall_url: wall_url.clone(),
            objectives: ids.len(),
            krs: krs.len(),
            progress: format::progress(average(r, &krs)),
            status: StatusView::objective(worst),
        });
        let (density, columns, _) = layout(groups(r, ids), None, paper);
        let ctx = wall(
            stats(r, &krs),
            density,
            columns,
            Vec::new(),
            Some(team.name.clone()),
        );
        jobs.push(PageJob::lazy("wall.html", wall_url, "wall", move || ctx));
    }
    let team_card = CardShape {
        title: 5,
        meta: 0,
        new_group: true,
        krs: vec![(24, 0); lines.len()],
    };
    let (density, columns, _) = layout(groups(r, &company), Some(team_card), paper);
    let ctx = wall(stats(r, &all_krs), density, columns, lines, None);
    jobs.push(PageJob::lazy("wall.html", "wall/", "wall", move || ctx));
    jobs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn denser_for_more_content_and_smaller_paper() {
        let a3 = paper_mm(Paper::A3, Orientation::Landscape);
        let a4 = paper_mm(Paper::A4, Orientation::Portrait);
        let card = |title, new_group, krs| CardShape {
            title,
            meta: 30,
            new_group,
            krs: vec![(50, 15); krs],
        };
        let small = vec![card(40, true, 3); 4];
        let limit: Vec<_> = (0..12).map(|i| card(60, i % 3 == 0, 5)).collect();
        let d_small = fit(&small, a3).unwrap().0;
        let d_limit = fit(&limit, a3).unwrap().0;
        assert!(d_small.font_pt > d_limit.font_pt, "{d_small:?} {d_limit:?}");
        let d_a4 = fit(&limit, a4).expect("12 × 5 fits A4 portrait").0;
        assert!(d_a4.font_pt < d_limit.font_pt);
        assert!(d_a4.font_pt >= 6.5);
        // Far beyond the limit: no single sheet.
        let huge: Vec<_> = (0..60).map(|i| card(60, i % 3 == 0, 6)).collect();
        assert_eq!(fit(&huge, a4), None);
    }
}
