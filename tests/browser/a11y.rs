//! Accessibility: every page type passes axe-core's WCAG 2.0/2.1 A and AA
//! rules (and its best practices), in light and dark mode and at phone width,
//! on the demo site and on a site of another shape.
//!
//! OKRs are public to everyone in the company, so the site must be readable by
//! everyone: low-vision readers (contrast), keyboard and screen-reader users
//! (names, landmarks, headings). axe-core is vendored (`vendor/axe-core` beside
//! this file) so the check runs offline and gives the same answer on every
//! machine.
//!
//! Pages are found by walking the built site, not listed by hand, so a new
//! page type is checked the day it appears. One page of each type per site
//! (`OKRA_A11Y_ALL=1` checks every page). A failure prints one line per
//! violating element: mode, page, rule, element and axe's explanation (for
//! contrast: the two colours and the ratio).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chromiumoxide::Page;
use chromiumoxide::browser::Browser;
use chromiumoxide::cdp::browser_protocol::emulation::{
    MediaFeature, SetDeviceMetricsOverrideParams, SetEmulatedMediaParams,
};
use chromiumoxide::cdp::browser_protocol::page::AddScriptToEvaluateOnNewDocumentParams;
use chromiumoxide::cdp::js_protocol::runtime::EvaluateParams;
use chromiumoxide::page::ScreenshotParams;

use super::{build_site, demo, launch, serve};

/// axe-core, unmodified (see its README for the version and origin).
const AXE: &str = include_str!("vendor/axe-core/axe.min.js");

/// The rule sets checked: WCAG 2.0 and 2.1, levels A and AA, plus axe's
/// best practices (landmarks, heading order, one main region), which are what
/// make a page quick to find one's way around with a screen reader.
const TAGS: &str = "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']";

/// The colour schemes and widths every page is checked in. Dark mode is what
/// many people's laptops choose for them; the phone width lays tables out as
/// lists and makes the navigation scroll, which has rules of its own.
const MODES: [(&str, i64); 3] = [("light", 1280), ("dark", 1280), ("light", 390)];

/// The kind of page a site path (relative, ending in `/`, "" for the
/// dashboard) is, by its URL shape: one page of each kind gets checked.
fn page_type(path: &str) -> String {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match segs.as_slice() {
        [] => "dashboard".into(),
        [s @ ("teams" | "people" | "quarters" | "history" | "review" | "updates" | "wall")] => {
            format!("{s} index")
        }
        ["updates", "page", _] => "updates page".into(),
        ["search", ..] => "search".into(),
        [s @ ("teams" | "people" | "quarters" | "review" | "wall"), _] => format!("{s} page"),
        [_, _] => "objective".into(),
        [_, _, _] => "key result".into(),
        other => format!("other (depth {})", other.len()),
    }
}

/// The pages of a built site to check: one of each type (the first in
/// sorted order), plus `extra`, plus a missing page (the 404).
fn pages_to_check(site: &Path, extra: &[&str]) -> Vec<String> {
    let all = std::env::var_os("OKRA_A11Y_ALL").is_some();
    let mut by_type: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for e in walkdir::WalkDir::new(site).sort_by_file_name() {
        let e = e.unwrap();
        if e.file_name() != "index.html" {
            continue;
        }
        let dir = e.path().parent().unwrap().strip_prefix(site).unwrap();
        let mut rel = dir.to_string_lossy().replace('\\', "/");
        if !rel.is_empty() {
            rel.push('/');
        }
        by_type.entry(page_type(&rel)).or_default().push(rel);
    }
    let mut pages: Vec<String> = by_type
        .into_values()
        .flat_map(|v| {
            if all {
                v
            } else {
                v.into_iter().take(1).collect()
            }
        })
        .collect();
    for p in extra {
        if !pages.iter().any(|q| q == p) {
            pages.push(p.to_string());
        }
    }
    pages.push("no/such/page/".into());
    pages
}

/// Runs axe (already injected, see [`check_site`]) on the loaded page; one
/// line per violating element.
async fn axe_violations(page: &Page) -> Result<Vec<String>, String> {
    let run = format!(
        "axe.run(document, {{ runOnly: {{ type: 'tag', values: {TAGS} }}, resultTypes: ['violations'] }})
           .then(r => JSON.stringify(r.violations.flatMap(v => v.nodes.map(n => {{
             const why = [...n.any, ...n.all, ...n.none].map(c => c.message).filter(Boolean);
             return `${{v.id}} (${{v.impact}}) at ${{n.target.join(' ')}}: ${{why[0] || v.help}}  html: ${{n.html.slice(0, 120)}}`;
           }}))))"
    );
    let json: String = page
        .evaluate_expression(EvaluateParams::new(run))
        .await
        .map_err(|e| format!("running axe: {e}"))?
        .into_value()
        .map_err(|e| format!("axe result: {e}"))?;
    serde_json::from_str(&json).map_err(|e| format!("axe result {json}: {e}"))
}

/// Serves the built `site` and checks its pages ([`pages_to_check`]) in
/// every mode, in one tab per mode; returns one line per violation.
/// Screenshots (the first screen) go to a temporary folder, so a failure or
/// a palette change can be looked at.
async fn check_site(browser: &Browser, label: &str, site: &Path, extra: &[&str]) -> Vec<String> {
    let base = serve(site);
    let pages = pages_to_check(site, extra);
    let shots = std::env::temp_dir().join("okra-a11y-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let mut failures = Vec::new();
    for (scheme, width) in MODES {
        let mode = format!("{scheme} {width}px");
        let page = browser.new_page("about:blank").await.unwrap();
        page.execute(SetDeviceMetricsOverrideParams::new(
            width,
            900,
            1.0,
            width < 600,
        ))
        .await
        .unwrap();
        page.execute(
            SetEmulatedMediaParams::builder()
                .features(vec![MediaFeature::new("prefers-color-scheme", scheme)])
                .build(),
        )
        .await
        .unwrap();
        // Injected into every document the tab loads, before its own content.
        page.execute(AddScriptToEvaluateOnNewDocumentParams::new(AXE))
            .await
            .unwrap();
        for path in &pages {
            let at = format!("{label} /{path} [{mode}]");
            if let Err(e) = page.goto(format!("{base}{path}")).await {
                failures.push(format!("{at}: does not load: {e}"));
                continue;
            }
            if path.contains("?q=") {
                // The search page's results come after the page has loaded.
                for _ in 0..100 {
                    let done: bool = page
                        .evaluate("!document.getElementById('search-status').textContent.startsWith('Searching')")
                        .await
                        .ok()
                        .and_then(|v| v.into_value().ok())
                        .unwrap_or(false);
                    if done {
                        break;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            }
            match axe_violations(&page).await {
                Ok(v) => failures.extend(v.into_iter().map(|v| format!("{at}: {v}"))),
                Err(e) => failures.push(format!("{at}: {e}")),
            }
            let slug = if path.is_empty() {
                "dashboard".to_string()
            } else {
                path.trim_end_matches('/').replace('/', "_")
            };
            if let Ok(png) = page.screenshot(ScreenshotParams::builder().build()).await {
                let file = shots.join(format!("{label}-{scheme}-{width}-{slug}.png"));
                std::fs::write(file, png).unwrap();
            }
        }
        page.close().await.unwrap();
    }
    eprintln!(
        "a11y {label}: {} pages × {} modes, {} violations",
        pages.len(),
        MODES.len(),
        failures.len()
    );
    failures
}

#[test]
fn pages_are_grouped_by_their_url_shape() {
    for (path, kind) in [
        ("", "dashboard"),
        ("teams/", "teams index"),
        ("teams/tech/", "teams page"),
        ("updates/page/2/", "updates page"),
        ("wall/platform/", "wall page"),
        ("fy2026/enterprise-ready/", "objective"),
        ("fy2026/enterprise-ready/sso-q4/", "key result"),
    ] {
        assert_eq!(page_type(path), kind, "{path}");
    }
}

/// Every page type of okra, by [`page_type`]'s names.
const ALL_TYPES: [&str; 17] = [
    "dashboard",
    "objective",
    "key result",
    "teams index",
    "teams page",
    "people index",
    "people page",
    "quarters index",
    "quarters page",
    "history index",
    "review index",
    "review page",
    "updates index",
    "updates page",
    "wall index",
    "wall page",
    "search",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_type_passes_axe_in_light_and_dark_mode() {
    // A company beyond the wall's limit: 3 teams, per-team walls, other
    // objectives, owners and numbers than the demo.
    let big = build_site(&super::wall::limit_company(4, 8), "2026-11-22", &[]);
    // Together the two sites have every page type, so none goes unchecked.
    let found: BTreeSet<String> = [demo(), big.as_path()]
        .iter()
        .flat_map(|site| pages_to_check(site, &[]))
        .map(|p| page_type(&p))
        .collect();
    for kind in ALL_TYPES {
        assert!(found.contains(kind), "no {kind} page to check: {found:?}");
    }
    let (mut browser, task) = launch(1280, 900).await;
    let mut failures = check_site(&browser, "demo", demo(), &super::PAGE_TYPES).await;
    failures.extend(check_site(&browser, "wall-big", &big, &[]).await);
    browser.close().await.unwrap();
    let _ = browser.wait().await;
    task.abort();
    report(&failures);
}

/// The check itself works: a page whose text is readable only in light mode
/// at desktop width fails exactly in dark mode and at phone width. Without
/// this, a broken emulation or an axe that never ran would pass silently.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_check_sees_dark_mode_and_phone_width() {
    let site = tempfile::tempdir().unwrap().keep();
    let page = |body: &str| {
        format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>Probe</title><style>\n\
             body {{ background: #fff; color: #000; }}\n\
             @media (prefers-color-scheme: dark) {{ body {{ background: #000; color: #fff; }} .dark-fails {{ color: #333; }} }}\n\
             @media (max-width: 600px) {{ .phone-fails {{ color: #bbb; }} }}\n\
             </style></head><body><main><h1>Probe</h1>{body}</main></body></html>"
        )
    };
    std::fs::write(
        site.join("index.html"),
        page("<p class=\"dark-fails\">Dark</p><p class=\"phone-fails\">Phone</p>"),
    )
    .unwrap();
    std::fs::write(site.join("404.html"), page("<p>Not found</p>")).unwrap();
    let (mut browser, task) = launch(1280, 900).await;
    let failures = check_site(&browser, "probe", &site, &[]).await;
    browser.close().await.unwrap();
    let _ = browser.wait().await;
    task.abort();
    let seen: BTreeSet<(&str, &str)> = failures
        .iter()
        .map(|f| {
            let mode = f.split(" [").nth(1).and_then(|m| m.split(']').next());
            let class = if f.contains("dark-fails") {
                "dark-fails"
            } else if f.contains("phone-fails") {
                "phone-fails"
            } else {
                "other"
            };
            (mode.unwrap_or("?"), class)
        })
        .collect();
    assert_eq!(
        seen,
        BTreeSet::from([
            ("dark 1280px", "dark-fails"),
            ("light 390px", "phone-fails")
        ]),
        "{failures:#?}"
    );
    assert!(
        failures.iter().all(|f| f.contains(": color-contrast (")),
        "{failures:#?}"
    );
}

/// Fails with a readable report: how many elements break each rule (with the
/// first explanation, e.g. the colours of a contrast failure), then every
/// violation, one per line (also written to a file, as there can be many).
fn report(failures: &[String]) {
    if failures.is_empty() {
        return;
    }
    let list = std::env::temp_dir().join("okra-a11y-violations.txt");
    std::fs::write(&list, failures.join("\n")).unwrap();
    // "site /page [mode]: rule (impact) at target: why  html: …" → rule + why.
    let mut by_cause: BTreeMap<String, usize> = BTreeMap::new();
    for f in failures {
        let (_, v) = f.split_once("]: ").unwrap_or(("", f));
        let rule = v.split(' ').next().unwrap_or(v);
        let why = v
            .split_once(": ")
            .map(|(_, w)| w.split("  html:").next().unwrap_or(w))
            .unwrap_or("");
        // Contrast messages differ only by font size: group by the colours.
        let why = why.split(", font size").next().unwrap_or(why);
        *by_cause.entry(format!("{rule}: {why}")).or_default() += 1;
    }
    let summary: Vec<String> = by_cause
        .iter()
        .map(|(cause, n)| format!("{n:>5} × {cause}"))
        .collect();
    const SHOWN: usize = 300;
    panic!(
        "{} accessibility violations (all listed in {}; screenshots in {}).\nBy cause:\n{}\n\nEach (first {SHOWN}):\n{}",
        failures.len(),
        list.display(),
        std::env::temp_dir().join("okra-a11y-screenshots").display(),
        summary.join("\n"),
        failures
            .iter()
            .take(SHOWN)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
