//! Bar charts shared by objective, history, quarter, team and review pages:
//! progress columns, stacked status counts and horizontal score bars.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    Axis, Cell, Chart, FONT, INK, Labels, MARKER, SURFACE, Size, VALUE, short, status_color,
    value_axis,
};

/// Characters per line of the name column of horizontal bars (up to two
/// lines a name): 20 in the narrow drawing (so "Support & Developer
/// Relations" takes two whole lines), 42 in the wide one.
fn name_chars(size: Size) -> usize {
    (size.w as usize / 18).max(20)
}

/// `text` in at most `max_lines` lines of at most `width` characters, broken
/// between words where it can; what does not fit ends in "…" (the chart's
/// table has the whole name).
fn wrap(text: &str, width: usize, max_lines: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        let len = cur.chars().count();
        if len > 0 && len + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    lines.push(cur);
    let over = lines.len() > max_lines;
    lines.truncate(max_lines);
    for (i, l) in lines.iter_mut().enumerate() {
        if over && i == max_lines - 1 {
            let mut cut: String = l.chars().take(width - 1).collect();
            cut.truncate(cut.trim_end().len());
            cut.push('…');
            *l = cut;
        } else if l.chars().count() > width {
            *l = short(l, width);
        }
    }
    lines
}
use crate::render::format;
use crate::render::status::StatusView;

/// Extra points drawn over columns, e.g. aligned objectives: (symbol, label, value per column).
pub struct Markers {
    pub symbol: String,
    pub label: String,
    pub values: Vec<Option<f64>>,
}

/// Vertical progress columns (fractions, shown 0–100 %), one per category,
/// with optional marker series on top. A missing value draws no column and
/// says "no progress" in the table (never 0 %).
pub fn columns(
    id: &str,
    title: &str,
    desc: &str,
    categories: &[String],
    values: &[Option<f64>],
    markers: &[Markers],
) -> Chart {
    let n = categories.len().max(1);
    // The axis covers every column up to 300 %; taller ones are drawn to the
    // top and their label says the real number.
    let top = values
        .iter()
        .chain(markers.iter().flat_map(|m| m.values.iter()))
        .flatten()
        .fold(1.0f64, |a, &b| a.max(b))
        .min(3.0);
    let axis = Axis::new(0.0, top, 4);
    let pct = |v: &f64| format!("{}%", (v * 100.0).round());
    let draw = |size: Size| {
        let y_area = super::y_label_width(&axis, &pct);
        let rows = super::category_rows(categories, size, y_area);
        let mut svg = String::new();
        let mut label_svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, (size.w, size.h)).into_drawing_area();
            if let Ok(mut chart) = ChartBuilder::on(&root)
                .margin(12)
                // Room for the label over a full column.
                .margin_top(28)
                .x_label_area_size(super::category_area(rows))
                .y_label_area_size(y_area)
                .build_cartesian_2d(0.0..n as f64, 0.0..1.0)
            {
                let mut labels = Labels::default();
                value_axis(&mut chart, &mut labels, &axis, &pct);
                let t = |v: f64| axis.t(v);
                let center_bottom = Pos::new(HPos::Center, VPos::Bottom);
                super::category_labels(&chart, &mut labels, categories, rows, size.w);
                // With markers, each column is a group: the main bar, then a
                // narrower bar per marker series labelled with its symbol.
                let (main_w, side) = if markers.is_empty() {
                    (0.6, 0.0)
                } else {
                    (0.4, 0.4 / markers.len() as f64)
                };
                let x0 = |i: usize| i as f64 + (1.0 - main_w - side * markers.len() as f64) / 2.0;
                let _ = chart.draw_series(values.iter().enumerate().filter_map(|(i, v)| {
                    let v = (*v)?.max(0.0);
                    Some(Rectangle::new(
                        [(x0(i), 0.0), (x0(i) + main_w, t(v))],
                        VALUE.filled(),
                    ))
                }));
                for (i, v) in values.iter().enumerate().rev() {
                    let text =
                        v.map_or_else(|| "–".to_string(), |v| format::progress(Some(v)).text);
                    let (px, py) =
                        chart.backend_coord(&(x0(i) + main_w / 2.0, t(v.unwrap_or(0.0).max(0.0))));
                    labels.add(text, (px, py - 2), center_bottom, FONT, INK);
                }
                for (m_i, m) in markers.iter().enumerate() {
                    let left = |i: usize| x0(i) + main_w + side * m_i as f64;
                    let _ = chart.draw_series(m.values.iter().enumerate().filter_map(|(i, v)| {
                        let v = (*v)?.max(0.0);
                        Some(Rectangle::new(
                            [(left(i) + 0.01, 0.0), (left(i) + side - 0.01, t(v))],
                            MARKER.filled(),
                        ))
                    }));
                    // The symbol over each marker bar where it fits; the table has every value.
                    for (i, v) in m.values.iter().enumerate() {
                        let Some(v) = v else { continue };
                        let (px, py) = chart.backend_coord(&(left(i) + side / 2.0, t(v.max(0.0))));
                        labels.add(m.symbol.clone(), (px, py - 2), center_bottom, FONT, INK);
                    }
                }
                label_svg = labels.into_svg();
            }
            let _ = root.present();
        }
        (svg, label_svg)
    };
    let mut headers = vec!["Scope".to_string(), "Progress".to_string()];
    headers.extend(markers.iter().map(|m| format!("{} {}", m.symbol, m.label)));
    let rows = categories
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut row = vec![
                Cell::text(c.clone()),
                progress_cell(values.get(i).copied().flatten()),
            ];
            row.extend(
                markers
                    .iter()
                    .map(|m| progress_cell(m.values.get(i).copied().flatten())),
            );
            row
        })
        .collect();
    // A legend only where there is more than one kind of bar to tell apart.
    let mut legend = Vec::new();
    if !markers.is_empty() {
        legend.push(super::legend("█", "this objective", "legend-value"));
        legend.extend(
            markers
                .iter()
                .map(|m| super::legend(&format!("▌{}", m.symbol), &m.label, "legend-marker")),
        );
    }
    Chart {
        id: id.into(),
        svg: super::both(id, title, desc, draw),
        title: title.into(),
        desc: desc.into(),
        headers,
        rows,
        legend,
        wide: false,
        min_width: 0,
    }
}

fn progress_cell(v: Option<f64>) -> Cell {
    Cell::num(
        v.map_or_else(|| "no progress".into(), |v| format::progress(Some(v)).text),
        v,
    )
}

/// Stacked counts per category, one segment per status (in the given order).
pub fn stacked(
    id: &str,
    title: &str,
    desc: &str,
    categories: &[String],
    segments: &[(StatusView, Vec<usize>)],
) -> Chart {
    let n = categories.len().max(1);
    let totals: Vec<usize> = (0..n)
        .map(|i| {
            segments
                .iter()
                .map(|s| s.1.get(i).copied().unwrap_or(0))
                .sum()
        })
        .collect();
    let axis = Axis::counts(totals.iter().copied().max().unwrap_or(0));
    let count = |v: &f64| format!("{}", v.round());
    let draw = |size: Size| {
        let y_area = super::y_label_width(&axis, &count);
        let rows = super::category_rows(categories, size, y_area);
        let mut svg = String::new();
        let mut label_svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, (size.w, size.h)).into_drawing_area();
            if let Ok(mut chart) = ChartBuilder::on(&root)
                .margin(12)
                .x_label_area_size(super::category_area(rows))
                .y_label_area_size(y_area)
                .build_cartesian_2d(0.0..n as f64, 0.0..1.0)
            {
                let mut labels = Labels::default();
                value_axis(&mut chart, &mut labels, &axis, &count);
                let t = |v: f64| axis.t(v);
                super::category_labels(&chart, &mut labels, categories, rows, size.w);
                for i in 0..n {
                    let mut base = 0.0;
                    for (status, counts) in segments {
                        let c = counts.get(i).copied().unwrap_or(0) as f64;
                        if c == 0.0 {
                            continue;
                        }
                        let rect = [(i as f64 + 0.2, t(base)), (i as f64 + 0.8, t(base + c))];
                        // "Open" is hollow (outlined in the text colour), so it
                        // never looks like the solid grey of "dropped".
                        let (fill, edge) = if *status == StatusView::Open {
                            (SURFACE, INK.mix(0.7))
                        } else {
                            (status_color(*status), SURFACE.mix(1.0))
                        };
                        let _ =
                            chart.draw_series(std::iter::once(Rectangle::new(rect, fill.filled())));
                        let _ = chart.draw_series(std::iter::once(Rectangle::new(
                            rect,
                            edge.stroke_width(1),
                        )));
                        // The status symbol inside segments tall enough to hold it: readable in black and white.
                        let (_, top) = chart.backend_coord(&(0.0, t(base + c)));
                        let (px, bottom) = chart.backend_coord(&(i as f64 + 0.5, t(base)));
                        if bottom - top >= 16 {
                            labels.add(
                                status.symbol().to_string(),
                                (px, (top + bottom) / 2),
                                Pos::new(HPos::Center, VPos::Center),
                                FONT,
                                if *status == StatusView::Open {
                                    INK
                                } else {
                                    SURFACE
                                },
                            );
                        }
                        base += c;
                    }
                }
                label_svg = labels.into_svg();
            }
            let _ = root.present();
        }
        (svg, label_svg)
    };
    let mut headers = vec!["Scope".to_string()];
    headers.extend(segments.iter().map(|s| s.0.label().to_string()));
    headers.push("Total".into());
    let rows = categories
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut row = vec![Cell::text(c.clone())];
            row.extend(segments.iter().map(|s| {
                let v = s.1.get(i).copied().unwrap_or(0);
                Cell::num(v.to_string(), Some(v as f64))
            }));
            row.push(Cell::num(totals[i].to_string(), Some(totals[i] as f64)));
            row
        })
        .collect();
    Chart {
        id: id.into(),
        svg: super::both(id, title, desc, draw),
        title: title.into(),
        desc: desc.into(),
        headers,
        rows,
        legend: segments
            .iter()
            .map(|s| super::legend(s.0.symbol(), s.0.label(), &format!("legend-{}", s.0.key())))
            .collect(),
        wide: false,
        min_width: 0,
    }
}

/// Horizontal progress bars, one per labelled row (teams, objectives).
pub fn hbars(
    id: &str,
    title: &str,
    desc: &str,
    labels: &[String],
    values: &[Option<f64>],
) -> Chart {
    let n = labels.len().max(1);
    // Every row is as tall as two lines when some name takes two, in both
    // drawings, so that both have the same height.
    let two_lines = labels.iter().any(|l| {
        wrap(l, name_chars(super::WIDE), 2).len() > 1
            || wrap(l, name_chars(super::NARROW), 2).len() > 1
    });
    let row = if two_lines { 44 } else { 30 };
    let height = (44 + row * n as u32).max(100);
    let draw = |size: Size| {
        let mut svg = String::new();
        let mut label_svg = String::new();
        let chars = name_chars(size);
        let lines: Vec<Vec<String>> = labels.iter().map(|l| wrap(l, chars, 2)).collect();
        {
            let root = SVGBackend::with_string(&mut svg, (size.w, height)).into_drawing_area();
            if let Ok(mut chart) = ChartBuilder::on(&root)
                .margin(10)
                .x_label_area_size(28)
                .y_label_area_size((chars as f64 * FONT / 1.24 * 0.6) as u32 + 14)
                .build_cartesian_2d(0.0..1.25, 0.0..n as f64)
            {
                let _ = chart
                    .configure_mesh()
                    .disable_mesh()
                    .x_labels(0)
                    .y_labels(0)
                    .axis_style(INK.mix(0.5))
                    .draw();
                let mut texts = Labels::default();
                // Quarter steps where there is room for them.
                let steps: &[f64] = if size == super::NARROW {
                    &[0.0, 0.5, 1.0]
                } else {
                    &[0.0, 0.25, 0.5, 0.75, 1.0]
                };
                for &tick in steps {
                    if tick > 0.0 {
                        let _ = chart.draw_series(LineSeries::new(
                            [(tick, 0.0), (tick, n as f64)],
                            INK.mix(0.12),
                        ));
                    }
                    let (px, py) = chart.backend_coord(&(tick, 0.0));
                    texts.add(
                        format!("{}%", tick * 100.0),
                        (px, py + 6),
                        Pos::new(HPos::Center, VPos::Top),
                        FONT,
                        INK,
                    );
                }
                // Rows top to bottom in the given order.
                let y = |i: usize| (n - 1 - i) as f64;
                let line_h = (FONT / 1.24 * 1.15).round() as i32;
                for (i, name) in lines.iter().enumerate() {
                    let (px, py) = chart.backend_coord(&(0.0, y(i) + 0.5));
                    let first = py - line_h * (name.len() as i32 - 1) / 2;
                    for (j, line) in name.iter().enumerate() {
                        texts.add(
                            line.clone(),
                            (px - 8, first + line_h * j as i32),
                            Pos::new(HPos::Right, VPos::Center),
                            FONT,
                            INK,
                        );
                    }
                }
                let _ = chart.draw_series(values.iter().enumerate().filter_map(|(i, v)| {
                    let v = (*v)?.clamp(0.0, 1.0);
                    Some(Rectangle::new(
                        [(0.0, y(i) + 0.2), (v, y(i) + 0.8)],
                        VALUE.filled(),
                    ))
                }));
                for (i, v) in values.iter().enumerate() {
                    let text = v.map_or_else(
                        || "no progress".to_string(),
                        |v| format::progress(Some(v)).text,
                    );
                    let (px, py) =
                        chart.backend_coord(&(v.unwrap_or(0.0).clamp(0.0, 1.0), y(i) + 0.5));
                    texts.add(
                        text,
                        (px + 5, py),
                        Pos::new(HPos::Left, VPos::Center),
                        FONT,
                        INK,
                    );
                }
                label_svg = texts.into_svg();
            }
            let _ = root.present();
        }
        (svg, label_svg)
    };
    Chart {
        id: id.into(),
        svg: super::both(id, title, desc, draw),
        title: title.into(),
        desc: desc.into(),
        headers: vec!["Name".into(), "Progress".into()],
        rows: labels
            .iter()
            .zip(values)
            .map(|(l, v)| vec![Cell::text(l.clone()), progress_cell(*v)])
            .collect(),
        legend: Vec::new(),
        wide: false,
        min_width: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn names_wrap_to_two_lines_between_words() {
        assert_eq!(wrap("Platform", 18, 2), vec!["Platform"]);
        assert_eq!(
            wrap("Support & Developer Relations", 20, 2),
            vec!["Support & Developer", "Relations"]
        );
        let long = wrap("Customer Success and Support Operations Europe", 18, 2);
        assert_eq!(long.len(), 2);
        assert!(long[1].ends_with('…'), "{long:?}");
        assert!(long.iter().all(|l| l.chars().count() <= 18), "{long:?}");
        assert_eq!(
            wrap("Abcdefghijklmnopqrstuvwxyz", 10, 2),
            vec!["Abcdefghi…"]
        );
    }
}
