//! Charts in the built site: well-formed SVG, accessible, and the numbers in
//! their text alternatives equal the scores in okrs.json.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

fn build(root: &Path, as_of: &str) -> (tempfile::TempDir, BTreeMap<String, String>) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    let stderr = common::build_ok(root, &out, as_of, &[]);
    assert!(
        !stderr.contains(" 0 charts"),
        "the summary counts charts: {stderr}"
    );
    let tree = walkdir::WalkDir::new(&out)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| {
            e.file_type().is_file()
                && e.path()
                    .extension()
                    .is_some_and(|x| x == "html" || x == "json" || x == "svg")
        })
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(&out)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read_to_string(e.path()).unwrap())
        })
        .collect();
    (tmp, tree)
}

/// The inline chart SVGs of a page.
fn svgs(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find("<svg class=\"chart-svg\"") {
        let end = rest[i..].find("</svg>").unwrap() + i + "</svg>".len();
        out.push(&rest[i..end]);
        rest = &rest[end..];
    }
    out
}

/// `data-value`s of the chart data table `id` on a page, row by row.
fn table_values(html: &str, id: &str) -> Vec<Vec<Option<f64>>> {
    let start = html
        .find(&format!("data-chart=\"{id}\""))
        .unwrap_or_else(|| panic!("no data table for {id}"));
    let table = &html[start..start + html[start..].find("</table>").unwrap()];
    table
        .split("<tr>")
        .skip(2) // before the header row, the header row
        .map(|row| {
            row.split("<td")
                .skip(1)
                .map(|cell| {
                    cell.split_once("data-value=\"")
                        .filter(|(before, _)| !before.contains('>'))
                        .map(|(_, v)| v.split('"').next().unwrap().parse::<f64>().unwrap())
                })
                .collect()
        })
        .collect()
}

fn json(tree: &BTreeMap<String, String>) -> serde_json::Value {
    serde_json::from_str(&tree["okrs.json"]).unwrap()
}

fn close(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() < 1e-9,
        (None, None) => true,
        _ => false,
    }
}

#[test]
fn every_chart_is_well_formed_accessible_svg() {
    let (_t, tree) = build(Path::new(env!("CARGO_MANIFEST_DIR")), "2026-11-22");
    let mut count = 0;
    for (path, html) in &tree {
        for svg in svgs(html) {
            count += 1;
            let doc = roxmltree::Document::parse(svg)
                .unwrap_or_else(|e| panic!("{path}: SVG does not parse: {e}\n{svg}"));
            let root = doc.root_element();
            assert_eq!(root.tag_name().name(), "svg");
            assert_eq!(root.attribute("role"), Some("img"), "{path}");
            let title = root
                .children()
                .find(|n| n.has_tag_name("title"))
                .expect("title");
            assert!(
                !title.text().unwrap_or_default().trim().is_empty(),
                "{path}: empty title"
            );
            assert!(
                root.children().any(|n| n.has_tag_name("desc")),
                "{path}: no desc"
            );
            assert!(root.attribute("viewBox").is_some(), "{path}: not scalable");
            // Labels are at least 11 px in a 400-unit chart shown at its 340 px minimum.
            for t in root.descendants().filter(|n| n.has_tag_name("text")) {
                let size: f64 = t.attribute("font-size").unwrap().parse().unwrap();
                let width: f64 = root.attribute("width").unwrap().parse().unwrap();
                if width > 100.0 {
                    assert!(size >= 12.0, "{path}: label font {size}");
                }
                // Right-aligned axis labels ("5 contracts") fit left of their x:
                // at most 0.6 em per character of a sans-serif font.
                if t.attribute("text-anchor") == Some("end") {
                    let x: f64 = t.attribute("x").unwrap().parse().unwrap();
                    let chars = t.text().unwrap_or_default().chars().count() as f64;
                    assert!(
                        x - chars * size * 0.6 >= 0.0,
                        "{path}: label {:?} is cut at the left edge (x = {x})",
                        t.text()
                    );
                }
            }
        }
    }
    assert!(count > 200, "{count} charts");
}

#[test]
fn a_chart_on_every_kr_objective_series_history_and_review_page() {
    let (_t, tree) = build(Path::new(env!("CARGO_MANIFEST_DIR")), "2026-11-22");
    let v = json(&tree);
    for o in v["objectives"].as_array().unwrap() {
        let page = &tree[&format!("{}/index.html", o["id"].as_str().unwrap())];
        assert!(
            page.contains("data-chart=\"objective-chart\""),
            "objective chart on {}",
            o["id"]
        );
        for k in o["key_results"].as_array().unwrap() {
            let page = &tree[&format!("{}/index.html", k["id"].as_str().unwrap())];
            assert!(
                page.contains("<svg class=\"chart-svg\"")
                    && page.contains("aria-labelledby=\"kr-chart-title"),
                "KR chart on {}",
                k["id"]
            );
            if k["series"] == "api-uptime" {
                assert!(
                    page.contains("data-chart=\"series-chart\""),
                    "series chart on {}",
                    k["id"]
                );
            }
        }
    }
    assert!(tree["history/index.html"].contains("data-chart=\"history-score\""));
    assert!(tree["history/index.html"].contains("data-chart=\"history-statuses\""));
    assert!(
        tree["history/index.html"].contains("data-chart=\"series-api-uptime\""),
        "series on the history page"
    );
    for review in ["review/fy2025/index.html", "review/fy2026/index.html"] {
        for id in [
            "review-score",
            "review-statuses",
            "review-teams",
            "review-team-statuses",
        ] {
            assert!(
                tree[review].contains(&format!("data-chart=\"{id}\"")),
                "{review}: {id}"
            );
        }
    }
    assert!(tree["teams/platform/index.html"].contains("data-chart=\"team-score\""));
    // Sparklines next to KRs on the dashboard: one shared SVG file per KR, with its numbers as alt text.
    assert!(tree["index.html"].matches("<img class=\"spark\"").count() >= 10);
    assert!(tree["index.html"].contains("alt=\"Progress over time: "));
    for k in v["objectives"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|o| o["key_results"].as_array().unwrap())
    {
        let svg = &tree[&format!("{}/trend.svg", k["id"].as_str().unwrap())];
        let doc = roxmltree::Document::parse(svg).expect("sparkline SVG parses");
        assert!(
            doc.root_element()
                .children()
                .any(|n| n.has_tag_name("title"))
        );
        assert!(
            svg.contains("prefers-color-scheme:dark"),
            "a standalone SVG carries its dark colours"
        );
    }
}

#[test]
fn chart_numbers_equal_the_export() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sites/scoring");
    let (_t, tree) = build(&fixture, "2024-05-20");
    let v = json(&tree);
    let mut checked = 0;
    for o in v["objectives"].as_array().unwrap() {
        let id = o["id"].as_str().unwrap();
        let rows = table_values(&tree[&format!("{id}/index.html")], "objective-chart");
        // Q1..Q4 then the year; column 1 is the objective's progress.
        let quarters = o["quarters"].as_object().unwrap();
        for (n, (q, p)) in quarters.iter().enumerate() {
            assert!(
                close(rows[n][1], p.as_f64()),
                "{id} {q}: chart {:?} vs json {p}",
                rows[n][1]
            );
            checked += 1;
        }
        assert!(close(rows[4][1], o["progress"].as_f64()), "{id} year");
        for k in o["key_results"].as_array().unwrap() {
            let kid = k["id"].as_str().unwrap();
            let rows = table_values(&tree[&format!("{kid}/index.html")], "kr-chart");
            // The latest update with a value carries the KR's current progress.
            if let Some(last) = rows.iter().rev().find(|r| r[3].is_some()) {
                assert!(
                    close(last[3], k["progress"].as_f64()),
                    "{kid}: chart {:?} vs json {}",
                    last[3],
                    k["progress"]
                );
                checked += 1;
            }
        }
    }
    // The aligned objective's markers on the company chart are its own scores.
    let company_rows = table_values(&tree["fy24/company/index.html"], "objective-chart");
    let eng = v["objectives"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == "fy24/eng")
        .unwrap();
    assert!(close(company_rows[4][2], eng["progress"].as_f64()));
    // History: the average score of Q1 FY24 is the mean of its KRs' clamped progress.
    let history = table_values(&tree["history/index.html"], "history-score");
    assert!(
        close(history[0][1], Some((1.0 + 0.75) / 2.0)),
        "{:?}",
        history[0]
    );
    assert!(checked >= 10, "{checked}");
}
