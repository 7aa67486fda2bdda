//! `okra diff`: a [`Comparison`] as Markdown, ready for a pull request comment.

use std::fmt::Write as _;

use crate::render::format;
use crate::render::status::StatusView;
use crate::score::compare::{Comparison, Moved, Side};

/// Text safe inside a Markdown table cell (and a PR comment: no raw HTML).
fn cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace(['\n', '\r'], " ")
}

fn side<S: Copy>(s: &Side<S>, status: impl Fn(S) -> StatusView) -> String {
    match s {
        Side::Absent => "—".to_string(),
        Side::Scored {
            progress,
            status: st,
        } => {
            let p = format::progress(*progress);
            format!("{} · {}", p.text, status(*st).label())
        }
    }
}

fn table<S: Copy>(
    out: &mut String,
    heading: &str,
    rows: &[Moved<S>],
    status: impl Fn(S) -> StatusView + Copy,
) {
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(out, "| {heading} | Before | After |\n|---|---|---|");
    for m in rows {
        let note = match (&m.before, &m.after) {
            (Side::Absent, _) => " (added)",
            (_, Side::Absent) => " (removed)",
            _ => "",
        };
        let _ = writeln!(
            out,
            "| {} `{}`{note} | {} | {} |",
            cell(&m.title),
            cell(&m.id),
            side(&m.before, status),
            side(&m.after, status),
        );
    }
    out.push('\n');
}

/// The comparison as Markdown: a heading, what was compared, then a table of
/// objectives and one of key results whose progress or status moves.
/// `before`/`after` name the two sides (`main (abc1234)`, `the working tree`).
pub fn markdown(c: &Comparison, before: &str, after: &str, as_of: chrono::NaiveDate) -> String {
    let mut out = String::from("### OKR score changes\n\n");
    let _ = writeln!(
        out,
        "From {} to {}, both scored as of {as_of}.\n",
        cell(before),
        cell(after)
    );
    if c.is_empty() {
        out.push_str("No objective or key result changes its progress or status.\n");
        return out;
    }
    table(&mut out, "Objective", &c.objectives, StatusView::objective);
    table(&mut out, "Key result", &c.krs, StatusView::kr);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Status;

    #[test]
    fn rows() {
        let c = Comparison {
            objectives: vec![],
            krs: vec![
                Moved {
                    id: "fy24/a/b".into(),
                    title: "Signups | <b>".into(),
                    before: Side::Scored {
                        progress: Some(0.4),
                        status: Some(Status::AtRisk),
                    },
                    after: Side::Scored {
                        progress: Some(0.8),
                        status: Some(Status::OnTrack),
                    },
                },
                Moved {
                    id: "fy24/a/c".into(),
                    title: "New".into(),
                    before: Side::Absent,
                    after: Side::Scored {
                        progress: Some(0.0),
                        status: None,
                    },
                },
            ],
        };
        let day = chrono::NaiveDate::from_ymd_opt(2024, 3, 31).unwrap();
        let md = markdown(&c, "main (abc1234)", "the working tree", day);
        assert!(
            md.contains("From main (abc1234) to the working tree, both scored as of 2024-03-31."),
            "{md}"
        );
        assert!(
            md.contains("| Signups \\| &lt;b> `fy24/a/b` | 40% · At risk | 80% · On track |"),
            "{md}"
        );
        assert!(md.contains("| New `fy24/a/c` (added) | — | 0% · "), "{md}");
        assert!(!md.contains("| Objective |"));
        let empty = markdown(&Comparison::default(), "a", "b", day);
        assert!(empty.ends_with("No objective or key result changes its progress or status.\n"));
    }
}
