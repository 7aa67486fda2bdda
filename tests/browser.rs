//! Browser tests: the built demo site in real headless Chromium (Debian's
//! `chromium`, driven over the DevTools protocol by chromiumoxide).
//!
//! The site is served over HTTP from 127.0.0.1 under a sub-path (`/okrs/`), as
//! an intranet would mount it, which also proves every link is relative.
//! Run alone with `cargo test --test browser`; `.ci/run` installs Chromium.

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
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_okra"))
        .env_remove("SOURCE_DATE_EPOCH")
        .args(["build", "--root"])
        .arg(root)
        .arg("--output")
        .arg(&out)
        .args(["--as-of", as_of])
        .args(extra)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

/// The demo site, built once.
pub fn demo() -> &'static Path {
    static DEMO: OnceLock<PathBuf> = OnceLock::new();
    DEMO.get_or_init(|| build_site(Path::new(env!("CARGO_MANIFEST_DIR")), "2026-11-22", &[]))
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
        let chart_blue = px.iter().filter(|p| near(**p, [0, 114, 178], 10)).count();
        assert!(
            chart_blue > 800,
            "{name}: chart area not drawn ({chart_blue} chart-blue pixels)"
        );
        // The chart SVG is laid out with a real size.
        let size: Vec<f64> = page
            .evaluate("(() => { const r = document.querySelector('svg.chart-svg').getBoundingClientRect(); return [r.width, r.height]; })()")
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
