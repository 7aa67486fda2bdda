//! Charts in the built site: well-formed SVG, accessible, and the numbers in
//! their text alternatives equal the scores in okrs.json.

use crate::common;

use std::collections::BTreeMap;
use std::path::Path;

fn build(root: &Path, as_of: &str) -> (tempfile::TempDir, BTreeMap<String, String>) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    // The demo is the root of okra's own repository: read it as in this
    // commit, not as committed by the as-of day.
    let stderr = common::build_ok(root, &out, as_of, &["--history", "none"]);
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
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/testsuite/fixtures/sites/scoring");
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

// ---------------------------------------------------------------------------
// Charts on generated sites: geometry checked on data nobody wrote by hand.
// ---------------------------------------------------------------------------

use chrono::{Duration, NaiveDate};
use okra::pipeline::build_in_memory;
use proptest::prelude::*;

/// A small deterministic generator (xorshift), so a failing seed can be rerun.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
    fn unit(&mut self) -> f64 {
        self.below(1_000_001) as f64 / 1_000_000.0
    }
}

const TEAMS: &[&str] = &[
    "Platform",
    "Support & Developer Relations",
    "Go-to-market, Partnerships and Customer Success EMEA",
    "Tech",
    "QA",
];
const UNITS: &[&str] = &[
    "",
    "contracts",
    "ms",
    "%",
    "€",
    "weekly active accounts",
    "qualified enterprise opportunities",
];
const STATUSES: &[&str] = &[
    "on-track",
    "on-track",
    "at-risk",
    "off-track",
    "achieved",
    "partial",
    "missed",
    "dropped",
];

/// okra.toml, files, as-of day, and (series, KR title) of every series member, oldest first.
type GeneratedSite = (
    String,
    Vec<(String, String)>,
    NaiveDate,
    Vec<(String, String)>,
);

/// A company of a random shape: 1–4 teams (long names among them), 1–3
/// objectives per fiscal year in FY24–FY25, 0–4 KRs per objective and
/// quarter of every metric, values from 10⁻³ to 10⁹, 0–7 updates each, and
/// series repeated over up to eight quarters.
fn generated_site(seed: u64) -> GeneratedSite {
    let mut r = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let config = "title = \"Gen\"\ncompany = \"Genco\"\n".to_string();
    let mut files = Vec::new();
    let teams: Vec<&str> = (0..1 + r.below(4))
        .map(|i| TEAMS[(i as usize + seed as usize) % TEAMS.len()])
        .collect();
    for (i, t) in teams.iter().enumerate() {
        files.push((
            format!("content/teams/team-{i}.md"),
            format!("+++\nname = \"{t}\"\nlead = \"Ada\"\n+++\nA team.\n"),
        ));
    }
    // (series name, KR title) of every series member, oldest first.
    let mut series_titles = Vec::new();
    let series_count = 1 + r.below(3);
    for year in [24, 25] {
        for o in 0..1 + r.below(3) {
            let team = r.below(teams.len() as u64 + 1);
            let team_line = if team < teams.len() as u64 {
                format!("team = \"team-{team}\"\n")
            } else {
                String::new()
            };
            let dir = format!("content/fy{year}/obj-{o}");
            files.push((
                format!("{dir}/objective.md"),
                format!(
                    "+++\ntitle = \"Objective {o} of FY{year}\"\nowner = \"Ada\"\nperiod = \"FY{year}\"\n{team_line}+++\nWhy.\n"
                ),
            ));
            for q in 1..=4u32 {
                for k in 0..r.below(5) {
                    let metric = r.pick(&["number", "number", "percent", "currency", "boolean"]);
                    let scale = 10f64.powi(r.below(13) as i32 - 3);
                    let start = (r.unit() * scale * 100.0).round() / 100.0;
                    let target = start + (r.unit() - 0.3) * scale * 4.0;
                    let unit = match metric {
                        "currency" => "€",
                        "boolean" | "percent" => "",
                        _ => r.pick(UNITS),
                    };
                    let unit_line = if unit.is_empty() {
                        String::new()
                    } else {
                        format!("unit = \"{unit}\"\n")
                    };
                    let len = r.below(90) as usize + 8;
                    let title: String = format!("KR {k} of Q{q} FY{year} objective {o} ")
                        .chars()
                        .chain("with a long tail of words ".chars().cycle())
                        .take(len)
                        .collect::<String>()
                        .trim()
                        .to_string();
                    let series = (k == 0 && o == 0).then(|| format!("s-{}", r.below(series_count)));
                    let series_line = series
                        .as_ref()
                        .map(|s| format!("series = \"{s}\"\n"))
                        .unwrap_or_default();
                    let numbers = if metric == "boolean" {
                        "current = false\n".to_string()
                    } else {
                        format!("start = {start:?}\ntarget = {target:?}\n")
                    };
                    let path = format!("{dir}/kr-q{q}-{k}");
                    files.push((
                        format!("{path}.md"),
                        format!(
                            "+++\ntitle = \"{title}\"\nowner = \"Ada\"\nperiod = \"Q{q} FY{year}\"\nmetric = \"{metric}\"\n{numbers}{unit_line}{series_line}+++\nScored.\n"
                        ),
                    ));
                    if let Some(s) = series {
                        series_titles.push((s, title.clone()));
                    }
                    let q_start = NaiveDate::from_ymd_opt(2000 + year, 3 * q - 2, 1).unwrap();
                    let mut days: Vec<i64> = (0..r.below(8)).map(|_| r.below(92) as i64).collect();
                    days.sort();
                    days.dedup();
                    for (n, d) in days.iter().enumerate() {
                        let value = if metric == "boolean" {
                            (r.below(3) == 0).to_string()
                        } else {
                            format!("{:?}", start + (target - start) * (r.unit() * 1.6 - 0.2))
                        };
                        let status = r.pick(STATUSES);
                        files.push((
                            format!("{path}/{}-u{n}.md", q_start + Duration::days(*d)),
                            format!("+++\nstatus = \"{status}\"\nvalue = {value}\n+++\nNote.\n"),
                        ));
                    }
                }
            }
        }
    }
    let as_of = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + Duration::days(r.below(760) as i64);
    (config, files, as_of, series_titles)
}

/// Builds a site in memory on another thread, failing the test if it takes
/// longer than `secs` (a hang would otherwise hang the test suite).
fn build_within(
    config: String,
    files: Vec<(String, String)>,
    as_of: NaiveDate,
    secs: u64,
) -> okra::pipeline::MemoryBuild {
    let (tx, rx) = std::sync::mpsc::channel();
    let what = format!("{files:?}");
    std::thread::spawn(move || {
        let _ = tx.send(build_in_memory(&config, &files, as_of, false));
    });
    rx.recv_timeout(std::time::Duration::from_secs(secs))
        .unwrap_or_else(|_| panic!("build took more than {secs} s: {what}"))
}

/// A text's estimated box: 0.55 em per ASCII character, 0.9 em for symbols,
/// from the baseline plotters sets with `dy` (as `charts::text_box` does,
/// a little less generously, so that near misses are not reported).
fn text_box(t: roxmltree::Node<'_, '_>) -> [f64; 4] {
    let num = |a: &str| t.attribute(a).unwrap().parse::<f64>().unwrap();
    let (x, y, s) = (num("x"), num("y"), num("font-size"));
    let text = t.text().unwrap_or_default();
    let w: f64 = text
        .chars()
        .map(|c| if c.is_ascii() { 0.55 } else { 0.9 })
        .sum::<f64>()
        * s;
    let x0 = match t.attribute("text-anchor") {
        Some("end") => x - w,
        Some("middle") => x - w / 2.0,
        _ => x,
    };
    let base = y + match t.attribute("dy") {
        Some("0.76em") => 0.76 * s,
        Some("0.5ex") => 0.25 * s,
        Some("-0.5ex") => -0.25 * s,
        _ => 0.0,
    };
    [x0, base - 0.75 * s, x0 + w, base + 0.15 * s]
}

/// Checks one chart SVG; returns how many texts it checked.
fn check_chart(path: &str, svg: &str) -> usize {
    let doc = roxmltree::Document::parse(svg)
        .unwrap_or_else(|e| panic!("{path}: SVG does not parse: {e}\n{svg}"));
    let root = doc.root_element();
    let view: Vec<f64> = root
        .attribute("viewBox")
        .unwrap()
        .split(' ')
        .map(|v| v.parse().unwrap())
        .collect();
    let texts: Vec<_> = root
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .collect();
    let boxes: Vec<[f64; 4]> = texts.iter().map(|t| text_box(*t)).collect();
    for (i, a) in boxes.iter().enumerate() {
        // Inside the drawing (labels are not cut at its edges).
        assert!(
            a[0] >= -0.5 && a[2] <= view[2] + 0.5 && a[1] >= -0.5 && a[3] <= view[3] + 0.5,
            "{path}: {:?} leaves the chart {a:?}",
            texts[i].text()
        );
        for (j, b) in boxes.iter().enumerate().skip(i + 1) {
            let apart = a[2] <= b[0] + 0.5
                || b[2] <= a[0] + 0.5
                || a[3] <= b[1] + 0.5
                || b[3] <= a[1] + 0.5;
            assert!(
                apart,
                "{path}: labels {:?} {a:?} and {:?} {b:?} overlap",
                texts[i].text(),
                texts[j].text()
            );
        }
    }
    // The value axis: its tick labels are the end-anchored texts at the axis.
    let ticks: Vec<f64> = texts
        .iter()
        .filter(|t| t.attribute("text-anchor") == Some("end"))
        .map(|t| t.attribute("y").unwrap().parse().unwrap())
        .collect();
    let value_lines: Vec<_> = root
        .descendants()
        .filter(|n| n.attribute("class") == Some("s-value"))
        .collect();
    if !value_lines.is_empty() {
        let top = ticks.iter().copied().fold(f64::INFINITY, f64::min);
        let bottom = ticks.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        assert!(ticks.len() >= 2, "{path}: a value axis without ticks");
        for line in value_lines {
            for p in line
                .attribute("points")
                .unwrap_or_default()
                .split_whitespace()
            {
                let y: f64 = p.split(',').nth(1).unwrap().parse().unwrap();
                assert!(
                    y >= top - 1.0 && y <= bottom + 1.0,
                    "{path}: a point at y = {y} outside the axis {top}..{bottom}"
                );
            }
        }
    }
    texts.len()
}

fn chart_svgs(files: &okra::render::Files) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (path, bytes) in files.iter().filter(|(p, _)| p.ends_with(".html")) {
        let html = String::from_utf8_lossy(bytes);
        for svg in svgs(&html) {
            out.push((path.clone(), svg.to_string()));
        }
    }
    out
}

#[test]
fn charts_on_generated_sites_keep_points_on_their_axes_and_labels_apart() {
    let (mut sites, mut charts, mut texts, mut series_checked) = (0, 0, 0, 0);
    for seed in 1..=24u64 {
        let (config, files, as_of, series) = generated_site(seed);
        let built = build_within(config, files, as_of, 60);
        let errors: Vec<String> = built
            .diagnostics
            .iter()
            .filter(|d| d.severity == okra::diag::Severity::Error)
            .map(|d| format!("{}: {}", d.code, d.message))
            .collect();
        let files = built
            .files
            .unwrap_or_else(|| panic!("seed {seed}: {errors:?}"));
        sites += 1;
        for (path, svg) in chart_svgs(&files) {
            charts += 1;
            texts += check_chart(&format!("seed {seed}: {path}"), &svg);
        }
        // A series chart is titled by the title of its latest KR, not the series id.
        let mut latest: BTreeMap<&str, &str> = BTreeMap::new();
        for (s, title) in &series {
            latest.insert(s, title);
        }
        for (path, bytes) in &files {
            let html = String::from_utf8_lossy(bytes);
            let Some(i) = html.find("<title id=\"series-chart-title\">") else {
                continue;
            };
            let rest = &html[i + "<title id=\"series-chart-title\">".len()..];
            let title = &rest[..rest.find("</title>").unwrap()];
            assert!(
                latest
                    .values()
                    .any(|t| title == format!("{}: value across quarters", t.replace('&', "&amp;"))),
                "seed {seed}: {path}: series chart titled {title:?}, latest KR titles {latest:?}"
            );
            series_checked += 1;
        }
    }
    eprintln!(
        "{sites} generated sites, {charts} charts, {texts} labels, {series_checked} series charts checked"
    );
    assert!(
        charts > 24 * 20 && series_checked > 10,
        "{charts} charts, {series_checked} series"
    );
}

/// Any number a TOML front matter can hold, weighted to the hostile ones.
fn finite_number() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => -1000.0f64..1000.0,
        3 => any::<f64>().prop_filter("finite", |f| f.is_finite()),
        4 => prop::sample::select(vec![
            0.0, -0.0, 1e308, -1e308, f64::MAX, f64::MIN, 5e-324, -5e-324, 1e-300, 1e300,
            -1e300, 1e15, 123_456_789_012.5,
        ]),
    ]
}

fn extreme_site(
    start: f64,
    target: f64,
    current: Option<f64>,
    values: &[f64],
) -> Vec<(String, String)> {
    let mut files = vec![(
        "content/fy24/g/objective.md".to_string(),
        "+++\ntitle = \"Grow\"\nowner = \"Ada\"\nperiod = \"FY24\"\n+++\nWhy.\n".to_string(),
    )];
    let current = current
        .map(|c| format!("current = {c:e}\n"))
        .unwrap_or_default();
    // The same numbers in two quarters of one series: a KR chart and a series chart each.
    for q in [1, 2] {
        files.push((
            format!("content/fy24/g/kr-{q}.md"),
            format!(
                "+++\ntitle = \"Huge {q}\"\nowner = \"Ada\"\nperiod = \"Q{q} FY24\"\nmetric = \"number\"\nunit = \"units\"\nstart = {start:e}\ntarget = {target:e}\n{current}series = \"huge\"\n+++\nx\n"
            ),
        ));
        for (n, v) in values.iter().enumerate() {
            files.push((
                format!("content/fy24/g/kr-{q}/2024-0{}-1{n}-u.md", 3 * q - 1),
                format!("+++\nstatus = \"at-risk\"\nvalue = {v:e}\n+++\nx\n"),
            ));
        }
    }
    files
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Any finite numbers build in seconds (plotters' tick search used to
    /// spin forever on ±1e308), and their charts keep their points on the axis.
    #[test]
    fn any_finite_numbers_chart_in_seconds(
        start in finite_number(),
        target in finite_number(),
        current in prop::option::of(finite_number()),
        values in prop::collection::vec(finite_number(), 0..4),
    ) {
        let files = extreme_site(start, target, current, &values);
        let config = "title = \"X\"\ncompany = \"Xco\"\n".to_string();
        let built = build_within(config, files, NaiveDate::from_ymd_opt(2024, 5, 20).unwrap(), 30);
        if let Some(files) = built.files {
            let charts = chart_svgs(&files);
            prop_assert!(charts.iter().any(|(p, _)| p == "fy24/g/kr-2/index.html"), "no KR chart");
            for (path, svg) in &charts {
                check_chart(path, svg);
            }
        }
    }
}

#[test]
fn extreme_numbers_build_in_seconds_with_the_real_binary() {
    let site = tempfile::tempdir().unwrap();
    std::fs::write(
        site.path().join("okra.toml"),
        "title = \"X\"\ncompany = \"Xco\"\n",
    )
    .unwrap();
    for (path, text) in extreme_site(-1e308, 1e308, Some(5e-324), &[1e300, -f64::MAX, 5e-324]) {
        let path = site.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let out = tempfile::tempdir().unwrap();
    let mut child = common::okra()
        .args(["build", "--as-of", "2024-05-20", "--root"])
        .arg(site.path())
        .arg("--output")
        .arg(out.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > std::time::Duration::from_secs(20) {
            let _ = child.kill();
            panic!("okra build of ±1e308 still running after 20 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(status.success(), "{status}");
    let page = std::fs::read_to_string(out.path().join("fy24/g/kr-1/index.html")).unwrap();
    let charts = svgs(&page);
    assert!(charts.len() >= 4, "KR and series charts, narrow and wide");
    for svg in charts {
        check_chart("fy24/g/kr-1", svg);
        assert!(!svg.contains("inf") && !svg.contains("NaN"), "{svg}");
    }
    assert!(
        page.contains("1e308 units"),
        "huge values read in scientific notation"
    );
}

/// A `keep` KR is charted as a threshold: the target line, no pace line,
/// and says so in its legend and text alternative.
#[test]
fn keep_krs_are_charted_as_a_threshold() {
    let files: Vec<(String, String)> = [
        (
            "content/fy24/o/objective.md",
            "+++\ntitle = \"O\"\nowner = \"A\"\nperiod = \"FY24\"\n+++\nWhy.\n",
        ),
        (
            "content/fy24/o/uptime.md",
            "+++\ntitle = \"Uptime holds\"\nowner = \"A\"\nperiod = \"Q2 FY24\"\nmetric = \"percent\"\nkeep = \"above\"\ntarget = 99.9\n+++\nStatus page.\n",
        ),
        (
            "content/fy24/o/uptime/2024-04-10.md",
            "+++\nstatus = \"on-track\"\nvalue = 99.95\n+++\nFine.\n",
        ),
        (
            "content/fy24/o/uptime/2024-05-10.md",
            "+++\nstatus = \"at-risk\"\nvalue = 99.8\n+++\nAn outage.\n",
        ),
    ]
    .iter()
    .map(|(p, t)| (p.to_string(), t.to_string()))
    .collect();
    let as_of = chrono::NaiveDate::from_ymd_opt(2024, 5, 20).unwrap();
    let built = okra::pipeline::build_in_memory("title = \"T\"\n", &files, as_of, false);
    let files = built.files.expect("builds");
    let page = String::from_utf8(files["fy24/o/uptime/index.html"].clone()).unwrap();
    assert!(page.contains("threshold: keep above 99.9%"), "legend");
    assert!(
        page.contains("against a threshold of 99.9%"),
        "text alternative"
    );
    assert!(!page.contains("┈"), "no pace line in the legend");
    assert!(
        page.contains("Keep above"),
        "the numbers say keep, not target"
    );
    for (path, svg) in chart_svgs(&files) {
        check_chart(&path, &svg);
    }
    let v: serde_json::Value = serde_json::from_slice(&files["okrs.json"]).unwrap();
    let kr = &v["objectives"][0]["key_results"][0];
    assert!(kr["start"].is_null(), "a keep KR has no start");
    assert_eq!(kr["progress"], 0.0, "99.8 is below 99.9");
}

/// The KR page draws the latest forecast at the quarter's end and lists the
/// forecasts and confidence given over time.
#[test]
fn kr_page_shows_the_forecast_and_confidence() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/testsuite/fixtures/sites/scoring");
    let (_tmp, tree) = build(&root, "2024-05-20");
    let page = &tree["fy24/eng/uptime-q2/index.html"];
    assert!(page.contains("forecast 99.8%"), "legend");
    assert!(
        page.contains("latest forecast for the quarter&#39;s end is 99.8% (89%)"),
        "text alternative: 99.8 of 99 → 99.9 is 89%"
    );
    assert!(
        page.contains("stroke-dasharray=\"5 2 1 2\""),
        "the forecast line"
    );
    assert!(page.contains("<h2>Forecasts and confidence</h2>"));
    assert!(page.contains(
        "<td class=\"num\">99.8%</td><td class=\"num\">89%</td><td class=\"num\">75%</td>"
    ));
    for svg in svgs(page) {
        check_chart("fy24/eng/uptime-q2/index.html", svg);
    }
    // A KR without forecasts has no such table.
    assert!(!tree["fy24/eng/latency-q1/index.html"].contains("Forecasts and confidence"));
}
