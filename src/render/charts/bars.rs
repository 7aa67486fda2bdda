//! Bar charts shared by objective, history, quarter, team and review pages:
//! progress columns, stacked status counts and horizontal score bars.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    Cell, Chart, FONT, INK, VALUE, finish_svg, min_width, short, status_color, value_axis,
};
use crate::render::format::{self, StatusView};

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
    let width = (80 + 64 * n as u32).max(400);
    let top = values
        .iter()
        .chain(markers.iter().flat_map(|m| m.values.iter()))
        .flatten()
        .fold(1.0f64, |a, &b| a.max(b))
        .min(3.0);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, 240)).into_drawing_area();
        if let Ok(mut chart) = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(26)
            .y_label_area_size(48)
            .build_cartesian_2d(0.0..n as f64, 0.0..top * 1.12)
        {
            value_axis(&mut chart, 5, &|v| format!("{}%", (v * 100.0).round()));
            let font = ("sans-serif", FONT).into_font();
            let center_top = Pos::new(HPos::Center, VPos::Top);
            let center_bottom = Pos::new(HPos::Center, VPos::Bottom);
            let _ = chart.draw_series(categories.iter().enumerate().map(|(i, c)| {
                Text::new(
                    c.clone(),
                    (i as f64 + 0.5, 0.0),
                    font.clone().color(&INK).pos(center_top),
                )
            }));
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
                    [(x0(i), 0.0), (x0(i) + main_w, v)],
                    VALUE.filled(),
                ))
            }));
            let _ = chart.draw_series(values.iter().enumerate().map(|(i, v)| {
                let text = v.map_or_else(|| "–".to_string(), |v| format::progress(Some(v)).text);
                let y = v.unwrap_or(0.0).max(0.0);
                Text::new(
                    text,
                    (x0(i) + main_w / 2.0, y),
                    font.clone().color(&INK).pos(center_bottom),
                )
            }));
            let small = ("sans-serif", FONT * 0.95).into_font();
            for (m_i, m) in markers.iter().enumerate() {
                let left = |i: usize| x0(i) + main_w + side * m_i as f64;
                let _ = chart.draw_series(m.values.iter().enumerate().filter_map(|(i, v)| {
                    let v = (*v)?.clamp(0.0, top);
                    Some(Rectangle::new(
                        [(left(i) + 0.01, 0.0), (left(i) + side - 0.01, v)],
                        RGBColor(86, 180, 233).filled(),
                    ))
                }));
                let _ = chart.draw_series(m.values.iter().enumerate().filter_map(|(i, v)| {
                    let v = (*v)?.clamp(0.0, top);
                    Some(Text::new(
                        m.symbol.clone(),
                        (left(i) + side / 2.0, v),
                        small.clone().color(&INK).pos(center_bottom),
                    ))
                }));
            }
        }
        let _ = root.present();
    }
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
    let mut legend = vec![("█".to_string(), "progress".to_string())];
    legend.extend(
        markers
            .iter()
            .map(|m| (format!("▌{}", m.symbol), m.label.clone())),
    );
    Chart {
        id: id.into(),
        svg: finish_svg(&svg, id, title, desc),
        title: title.into(),
        desc: desc.into(),
        headers,
        rows,
        legend,
        wide: width > 400,
        min_width: min_width(width),
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
    let width = (80 + 64 * n as u32).max(400);
    let totals: Vec<usize> = (0..n)
        .map(|i| {
            segments
                .iter()
                .map(|s| s.1.get(i).copied().unwrap_or(0))
                .sum()
        })
        .collect();
    let top = totals.iter().copied().max().unwrap_or(0).max(1) as f64;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, 240)).into_drawing_area();
        if let Ok(mut chart) = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(26)
            .y_label_area_size(40)
            .build_cartesian_2d(0.0..n as f64, 0.0..top * 1.08)
        {
            value_axis(&mut chart, 5, &|v| format!("{}", v.round()));
            let font = ("sans-serif", FONT).into_font();
            let _ = chart.draw_series(categories.iter().enumerate().map(|(i, c)| {
                Text::new(
                    c.clone(),
                    (i as f64 + 0.5, 0.0),
                    font.clone()
                        .color(&INK)
                        .pos(Pos::new(HPos::Center, VPos::Top)),
                )
            }));
            let unit = top * 1.08 / 190.0; // data units per pixel of plot height, roughly
            for i in 0..n {
                let mut base = 0.0;
                for (status, counts) in segments {
                    let c = counts.get(i).copied().unwrap_or(0) as f64;
                    if c == 0.0 {
                        continue;
                    }
                    let color = status_color(status.key);
                    let rect = [(i as f64 + 0.2, base), (i as f64 + 0.8, base + c)];
                    let _ =
                        chart.draw_series(std::iter::once(Rectangle::new(rect, color.filled())));
                    let _ = chart
                        .draw_series(std::iter::once(Rectangle::new(rect, WHITE.stroke_width(1))));
                    // The status symbol inside segments tall enough to hold it: readable in black and white.
                    if c / unit >= 16.0 {
                        let _ = chart.draw_series(std::iter::once(Text::new(
                            status.symbol.to_string(),
                            (i as f64 + 0.5, base + c / 2.0),
                            font.clone()
                                .color(&WHITE)
                                .pos(Pos::new(HPos::Center, VPos::Center)),
                        )));
                    }
                    base += c;
                }
            }
        }
        let _ = root.present();
    }
    let mut headers = vec!["Scope".to_string()];
    headers.extend(segments.iter().map(|s| s.0.label.to_string()));
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
        svg: finish_svg(&svg, id, title, desc),
        title: title.into(),
        desc: desc.into(),
        headers,
        rows,
        legend: segments
            .iter()
            .map(|s| (s.0.symbol.to_string(), s.0.label.to_string()))
            .collect(),
        wide: width > 400,
        min_width: min_width(width),
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
    let height = (40 + 30 * n as u32).max(100);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (400, height)).into_drawing_area();
        if let Ok(mut chart) = ChartBuilder::on(&root)
            .margin(10)
            .x_label_area_size(24)
            .y_label_area_size(150)
            .build_cartesian_2d(0.0..1.12, 0.0..n as f64)
        {
            let _ = chart
                .configure_mesh()
                .disable_y_mesh()
                .y_labels(0)
                .x_labels(5)
                .x_label_formatter(&|v: &f64| format!("{}%", (v * 100.0).round()))
                .label_style(("sans-serif", FONT).into_font().color(&INK))
                .axis_style(INK.mix(0.5))
                .light_line_style(INK.mix(0.0))
                .bold_line_style(INK.mix(0.12))
                .draw();
            let font = ("sans-serif", FONT).into_font();
            // Rows top to bottom in the given order.
            let y = |i: usize| (n - 1 - i) as f64;
            let _ = chart.draw_series(labels.iter().enumerate().map(|(i, l)| {
                Text::new(
                    format!("{}  ", short(l, 20)),
                    (0.0, y(i) + 0.5),
                    font.clone()
                        .color(&INK)
                        .pos(Pos::new(HPos::Right, VPos::Center)),
                )
            }));
            let _ = chart.draw_series(values.iter().enumerate().filter_map(|(i, v)| {
                let v = (*v)?.clamp(0.0, 1.0);
                Some(Rectangle::new(
                    [(0.0, y(i) + 0.2), (v, y(i) + 0.8)],
                    VALUE.filled(),
                ))
            }));
            let _ = chart.draw_series(values.iter().enumerate().map(|(i, v)| {
                let text = v.map_or_else(
                    || " no progress".to_string(),
                    |v| format!(" {}", format::progress(Some(v)).text),
                );
                Text::new(
                    text,
                    (v.unwrap_or(0.0).clamp(0.0, 1.0), y(i) + 0.5),
                    font.clone()
                        .color(&INK)
                        .pos(Pos::new(HPos::Left, VPos::Center)),
                )
            }));
        }
        let _ = root.present();
    }
    Chart {
        id: id.into(),
        svg: finish_svg(&svg, id, title, desc),
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
        min_width: min_width(400),
    }
}
