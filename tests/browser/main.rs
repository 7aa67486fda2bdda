//! Browser tests: the built demo site in real headless Chromium (Debian's
//! `chromium`, driven over the DevTools protocol by chromiumoxide).
//!
//! The site is served over HTTP from 127.0.0.1 under a sub-path (`/okrs/`), as
//! an intranet would mount it, which also proves every link is relative.
//! Run alone with `cargo test --test browser`; `.ci/run` installs Chromium.
//! A binary of its own (not a module of `tests/testsuite/`) so the suite runs
//! without a browser; it shares the suite's helpers. Its sites are the demo
//! and companies generated at test time (`wall::limit_company` and others);
//! `live_reload` runs the real `okra serve` on a copy of a suite fixture.

// The suite's helpers (`okra`, `build_ok`, `sitegen`): one copy for both binaries.
#[path = "../testsuite/common/mod.rs"]
mod common;

mod a11y;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use chromiumoxide::browser::{Browser, BrowserConfig};
use chromiumoxide::page::ScreenshotParams;
use futures::StreamExt;

pub const CHROMIUM: &str = "/usr/bin/chromium";
const MOUNT: &str = "/okrs/";

/// Builds `root` as of `as_of` into a fresh folder (kept for the whole test run).
pub fn build_site(root: &Path, as_of: &str, extra: &[&str]) -> PathBuf {
    let out = tempfile::tempdir().unwrap().keep().join("public");
    common::build_ok(root, &out, as_of, extra);
    out
}

/// The demo site, built once.
pub fn demo() -> &'static Path {
    static DEMO: OnceLock<PathBuf> = OnceLock::new();
    // The demo is at the root of okra's own repository: `--history none`, so
    // the suite sees the content as it is in this commit, not as committed by
    // 2026-11-22.
    DEMO.get_or_init(|| {
        build_site(
            Path::new(env!("CARGO_MANIFEST_DIR")),
            "2026-11-22",
            &["--history", "none"],
        )
    })
}

/// Serves `dir` at http://127.0.0.1:<port>/okrs/ from a background thread; returns the base URL.
pub fn serve(dir: &Path) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let dir = dir.to_path_buf();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let dir = dir.clone();
            std::thread::spawn(move || {
                let mut line = String::new();
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                if reader.read_line(&mut line).is_err() {
                    return;
                }
                // Drain the headers.
                let mut h = String::new();
                while reader.read_line(&mut h).is_ok_and(|n| n > 2) {
                    h.clear();
                }
                let path = line
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or("/")
                    .split(['?', '#'])
                    .next()
                    .unwrap_or("/");
                let (status, body, kind) = match path.strip_prefix(MOUNT) {
                    Some(rel) if !rel.split('/').any(|s| s == "..") => {
                        let mut file = dir.join(rel);
                        if file.is_dir() {
                            file = file.join("index.html");
                        }
                        match std::fs::read(&file) {
                            Ok(b) => ("200 OK", b, content_type(&file)),
                            Err(_) => (
                                "404 Not Found",
                                std::fs::read(dir.join("404.html")).unwrap_or_default(),
                                "text/html",
                            ),
                        }
                    }
                    _ => ("404 Not Found", Vec::new(), "text/plain"),
                };
                let head = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&body);
            });
        }
    });
    format!("http://127.0.0.1:{port}{MOUNT}")
}

fn content_type(p: &Path) -> &'static str {
    match p.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css",
        Some("json") => "application/json",
        Some("xml") => "application/atom+xml",
        Some("csv") => "text/csv",
        Some("js") => "text/javascript",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

/// Headless Chromium with the flags this machine needs (no network beyond loopback).
pub async fn launch(width: u32, height: u32) -> (Browser, tokio::task::JoinHandle<()>) {
    assert!(
        Path::new(CHROMIUM).exists(),
        "browser tests need Debian's chromium at {CHROMIUM}: apt-get install -y chromium (.ci/run does)"
    );
    let profile = tempfile::tempdir().unwrap().keep();
    let config = BrowserConfig::builder()
        .chrome_executable(CHROMIUM)
        .no_sandbox()
        .user_data_dir(profile)
        .window_size(width, height)
        .viewport(None)
        .args([
            "disable-gpu",
            "disable-quic",
            "no-first-run",
            "disable-background-networking",
            "disable-component-update",
            "disable-sync",
            "hide-scrollbars",
        ])
        .launch_timeout(Duration::from_secs(60))
        .request_timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let (browser, mut handler) = Browser::launch(config).await.expect("Chromium starts");
    let task = tokio::spawn(async move { while handler.next().await.is_some() {} });
    (browser, task)
}

/// Pixels of a PNG screenshot as RGB triples, with the image width.
fn pixels(png_bytes: &[u8]) -> (Vec<[u8; 3]>, u32) {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let px = buf[..info.buffer_size()]
        .chunks(channels)
        .map(|c| [c[0], c[1], c[2]])
        .collect();
    (px, info.width)
}

fn near(a: [u8; 3], b: [u8; 3], tolerance: i32) -> bool {
    a.iter()
        .zip(b)
        .all(|(x, y)| (*x as i32 - y as i32).abs() <= tolerance)
}

/// A screenshot that is not blank and shows drawn charts (the chart blue).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kr_and_history_pages_render_their_charts() {
    let base = serve(demo());
    let (mut browser, task) = launch(1280, 1000).await;
    let shots = std::env::temp_dir().join("okra-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    for (name, path) in [
        ("kr", "fy2026/platform-reliability/publish-latency-q4/"),
        ("history", "history/"),
    ] {
        let page = browser.new_page(format!("{base}{path}")).await.unwrap();
        page.wait_for_navigation().await.unwrap();
        let png_bytes = page
            .screenshot(ScreenshotParams::builder().full_page(true).build())
            .await
            .unwrap();
        std::fs::write(shots.join(format!("{name}.png")), &png_bytes).unwrap();
        let (px, width) = pixels(&png_bytes);
        assert!(width >= 1200, "{name}: width {width}");
        let distinct: std::collections::BTreeSet<[u8; 3]> = px.iter().copied().collect();
        assert!(
            distinct.len() > 50,
            "{name}: looks blank ({} colours)",
            distinct.len()
        );
        let chart_blue = px.iter().filter(|p| near(**p, [59, 76, 202], 10)).count();
        assert!(
            chart_blue > 800,
            "{name}: chart area not drawn ({chart_blue} chart-blue pixels)"
        );
        // The chart SVG is laid out with a real size.
        let size: Vec<f64> = page
            .evaluate("(() => { const r = [...document.querySelectorAll('svg.chart-svg')].map(s => s.getBoundingClientRect()).find(r => r.width > 0); return [r.width, r.height]; })()")
            .await
            .unwrap()
            .into_value()
            .unwrap();
        assert!(
            size[0] > 300.0 && size[1] > 100.0,
            "{name}: chart is {size:?}"
        );
        page.close().await.unwrap();
    }
    browser.close().await.unwrap();
    let _ = browser.wait().await;
    task.abort();
}

use chromiumoxide::Page;
use chromiumoxide::cdp::browser_protocol::emulation::SetDeviceMetricsOverrideParams;
use chromiumoxide::cdp::browser_protocol::log::{EventEntryAdded, LogEntryLevel};
use chromiumoxide::cdp::browser_protocol::network::{EventLoadingFailed, EventResponseReceived};
use chromiumoxide::cdp::js_protocol::runtime::{
    ConsoleApiCalledType, EventConsoleApiCalled, EventExceptionThrown,
};
use std::sync::{Arc, Mutex};

/// Opens `url` at a viewport width and collects every console error, script
/// exception, failed request and HTTP error while it loads.
async fn visit(
    browser: &Browser,
    url: &str,
    width: i64,
    height: i64,
    expect_status: i64,
) -> (Page, Vec<String>) {
    let page = browser.new_page("about:blank").await.unwrap();
    page.execute(SetDeviceMetricsOverrideParams::new(
        width,
        height,
        1.0,
        width < 600,
    ))
    .await
    .unwrap();
    let problems = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut console = page
        .event_listener::<EventConsoleApiCalled>()
        .await
        .unwrap();
    let mut exceptions = page.event_listener::<EventExceptionThrown>().await.unwrap();
    let mut failed = page.event_listener::<EventLoadingFailed>().await.unwrap();
    let mut responses = page
        .event_listener::<EventResponseReceived>()
        .await
        .unwrap();
    let mut log = page.event_listener::<EventEntryAdded>().await.unwrap();
    page.enable_log().await.unwrap();
    let p = problems.clone();
    let page_url = url.to_string();
    let collector = tokio::spawn(async move {
        loop {
            let msg = tokio::select! {
                Some(e) = console.next() => matches!(e.r#type, ConsoleApiCalledType::Error | ConsoleApiCalledType::Assert).then(|| format!("console error: {:?}", e.args.first().and_then(|a| a.value.clone()))),
                Some(e) = exceptions.next() => Some(format!("exception: {}", e.exception_details.text)),
                Some(e) = failed.next() => Some(format!("failed request: {}", e.error_text)),
                Some(e) = responses.next() => {
                    let status = e.response.status;
                    let main = e.response.url == page_url;
                    let bad = if main { status != expect_status } else { !(200..300).contains(&status) };
                    bad.then(|| format!("HTTP {status} for {}", e.response.url))
                }
                Some(e) = log.next() => {
                    // The expected 404 of the page itself is logged too; anything else is a problem.
                    let expected = expect_status == 404 && e.entry.text.contains("404") && e.entry.url.as_deref() == Some(page_url.as_str());
                    (e.entry.level == LogEntryLevel::Error && !expected).then(|| format!("log error: {} ({:?})", e.entry.text, e.entry.url))
                }
                else => break,
            };
            if let Some(m) = msg {
                p.lock().unwrap().push(m);
            }
        }
    });
    page.goto(url).await.unwrap();
    page.wait_for_navigation().await.unwrap();
    tokio::time::sleep(Duration::from_millis(150)).await;
    collector.abort();
    let found = problems.lock().unwrap().clone();
    (page, found)
}

/// One page of each type of the demo site.
const PAGE_TYPES: [&str; 18] = [
    "",
    "fy2026/enterprise-ready/",
    "fy2026/platform-reliability/publish-latency-q4/",
    "fy2026/multi-region/failover-drill-q4/",
    "teams/",
    "teams/tech/",
    "people/",
    "people/tomas-herrera/",
    "quarters/",
    "quarters/fy2026-q4/",
    "history/",
    "review/",
    "review/fy2025/",
    "updates/",
    "updates/page/2/",
    "wall/",
    "alignment/",
    "search/?q=latency",
];

/// How many pixels the page is wider than its window (0 when it fits).
pub async fn horizontal_overflow(page: &Page) -> i64 {
    page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        .await
        .unwrap()
        .into_value()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_type_loads_cleanly_at_desktop_and_phone_width() {
    let base = serve(demo());
    let (mut browser, task) = launch(1280, 900).await;
    let mut failures = Vec::new();
    for width in [1280, 390] {
        for path in PAGE_TYPES.iter().copied().chain(["no/such/page/"]) {
            let url = format!("{base}{path}");
            let status = if path.starts_with("no/") { 404 } else { 200 };
            let (page, problems) = visit(&browser, &url, width, 900, status).await;
            for p in problems {
                failures.push(format!("{width}px /{path}: {p}"));
            }
            let overflow = horizontal_overflow(&page).await;
            if overflow > 0 {
                let culprits: String = page
                    .evaluate("(() => { const w = document.documentElement.clientWidth; const clipped = e => { for (let p = e.parentElement; p; p = p.parentElement) { if (getComputedStyle(p).overflowX !== 'visible') return true; } return false; }; return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > w + 1 && !clipped(e)).slice(0, 4).map(e => e.tagName + '.' + (e.getAttribute('class') || '') + ' ' + Math.round(e.getBoundingClientRect().right)).join(', '); })()")
                    .await
                    .map(|v| v.into_value().unwrap_or_default())
                    .unwrap_or_default();
                failures.push(format!(
                    "{width}px /{path}: horizontal overflow of {overflow}px ({culprits})"
                ));
            }
            // Every page type at both widths, for people to look at.
            let shots = std::env::temp_dir().join("okra-screenshots");
            std::fs::create_dir_all(&shots).unwrap();
            let name = path.trim_end_matches('/').replace('/', "_");
            let name = if name.is_empty() {
                "dashboard".into()
            } else {
                name
            };
            let png = page
                .screenshot(ScreenshotParams::builder().full_page(true).build())
                .await
                .unwrap();
            std::fs::write(shots.join(format!("{name}-{width}.png")), png).unwrap();
            let title: String = page
                .evaluate("document.title")
                .await
                .unwrap()
                .into_value()
                .unwrap();
            if title.is_empty() {
                failures.push(format!("{width}px /{path}: no title"));
            }
            page.close().await.unwrap();
        }
    }
    browser.close().await.unwrap();
    let _ = browser.wait().await;
    task.abort();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The wall: printed sheets of generated companies and the demo.
mod wall;

/// Live reload across an `okra serve` restart.
mod live_reload;

/// The office screen's rotation at 1920×1080 and 3840×2160.
mod tv;

/// Search: the header's box, the search page and its results.
mod search;
