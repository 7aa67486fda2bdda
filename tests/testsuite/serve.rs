//! `okra serve` run as a real binary: serving, live reload, broken edits, port
//! fallback and a clean stop. HTTP is spoken by hand over std's TcpStream (no
//! client crate), and every wait is bounded, so a broken server fails the test
//! instead of hanging it.

use crate::common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

const AS_OF: &str = "2024-05-20";
/// A day in the demo company's second year, with quarters open and closed.
const AS_OF_DEMO: &str = "2026-06-10";
/// How long the server may take to come up (a debug build on a busy CI runner).
const STARTUP: Duration = Duration::from_secs(30);
/// How long a rebuild may take to show, from the edit to the event.
const REBUILD: Duration = Duration::from_secs(15);

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/testsuite/fixtures/sites")
        .join(name)
}

/// Copies a fixture site into a fresh temporary folder.
fn copy_site(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(&fixture(name), dir.path());
    dir
}

/// Every path in a folder, relative, sorted.
fn tree(dir: &Path) -> Vec<String> {
    let mut paths: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .map(|e| {
            e.path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    paths.sort();
    paths
}

/// A port that was free a moment ago.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running `okra serve`; killed when dropped, so a failing test leaves no server behind.
struct Server {
    child: Child,
    /// stdout and stderr, as they come.
    output: Arc<Mutex<String>>,
}

impl Server {
    fn start(root: &Path, port: u16) -> Server {
        Self::start_as_of(root, port, AS_OF)
    }

    fn start_as_of(root: &Path, port: u16, as_of: &str) -> Server {
        let mut child = common::okra()
            .args(["serve", "--root"])
            .arg(root)
            .args(["--port", &port.to_string(), "--as-of", as_of])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let output = Arc::new(Mutex::new(String::new()));
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        collect(stdout, Arc::clone(&output));
        collect(stderr, Arc::clone(&output));
        Server { child, output }
    }

    fn output(&self) -> String {
        self.output.lock().unwrap().clone()
    }

    /// Waits until the output contains `needle`; returns the whole output.
    fn wait_for_output(&mut self, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let out = self.output();
            if out.contains(needle) {
                return out;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("okra serve exited ({status}) before printing {needle:?}:\n{out}");
            }
            assert!(
                Instant::now() < deadline,
                "okra serve did not print {needle:?} within {timeout:?}:\n{out}"
            );
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until GET / answers `status`.
    fn wait_until_serving(&mut self, port: u16, status: u16) {
        let deadline = Instant::now() + STARTUP;
        loop {
            if let Ok(response) = get(port, "/")
                && response.status == status
            {
                return;
            }
            if let Ok(Some(exit)) = self.child.try_wait() {
                panic!("okra serve exited ({exit}):\n{}", self.output());
            }
            assert!(
                Instant::now() < deadline,
                "okra serve did not answer {status} on port {port} within {STARTUP:?}:\n{}",
                self.output()
            );
            thread::sleep(Duration::from_millis(100));
        }
    }

    /// Stops it as Ctrl-C would (SIGTERM, which okra handles the same way) and
    /// checks that it exits 0 saying "stopped". Elsewhere it is simply killed.
    fn stop(mut self) {
        #[cfg(unix)]
        {
            let pid = self.child.id().to_string();
            let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
            assert!(sent.success());
            let deadline = Instant::now() + Duration::from_secs(10);
            let status = loop {
                if let Some(status) = self.child.try_wait().unwrap() {
                    break status;
                }
                assert!(
                    Instant::now() < deadline,
                    "okra serve did not stop within 10 s of SIGTERM:\n{}",
                    self.output()
                );
                thread::sleep(Duration::from_millis(50));
            };
            // The output threads finish once the pipes close.
            let out = self.wait_for_output("stopped", Duration::from_secs(5));
            assert!(status.success(), "exit {status} after SIGTERM:\n{out}");
        }
        #[cfg(not(unix))]
        {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Drop for Server {
    /// After a failed assertion: SIGTERM first, so the server stops as it would
    /// on Ctrl-C, then a kill if it does not stop within a few seconds.
    fn drop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        #[cfg(unix)]
        {
            let pid = self.child.id().to_string();
            let _ = Command::new("kill").args(["-TERM", &pid]).status();
            let deadline = Instant::now() + Duration::from_secs(3);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                thread::sleep(Duration::from_millis(50));
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn collect(pipe: impl Read + Send + 'static, into: Arc<Mutex<String>>) {
    thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { return };
            let mut out = into.lock().unwrap();
            out.push_str(&line);
            out.push('\n');
        }
    });
}

struct HttpResponse {
    status: u16,
    head: String,
    body: String,
}

impl HttpResponse {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then_some(value.trim())
        })
    }
}

/// Opens a connection with timeouts and sends a GET for `path`.
fn request(port: u16, path: &str, read_timeout: Duration) -> std::io::Result<TcpStream> {
    let addr = ([127, 0, 0, 1], port).into();
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(read_timeout))?;
    stream.set_write_timeout(Some(Duration::from_secs(5)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )?;
    stream.flush()?;
    Ok(stream)
}

/// GET over HTTP/1.1 with `Connection: close`: the body is everything until EOF.
fn get(port: u16, path: &str) -> std::io::Result<HttpResponse> {
    let mut stream = request(port, path, Duration::from_secs(10))?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw
        .split_once("\r\n\r\n")
        .ok_or_else(|| std::io::Error::other(format!("no end of headers in {raw:?}")))?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no status in {head:?}")))?;
    Ok(HttpResponse {
        status,
        head: head.to_string(),
        body: body.to_string(),
    })
}

fn get_ok(port: u16, path: &str) -> HttpResponse {
    get(port, path).unwrap_or_else(|e| panic!("GET {path}: {e}"))
}

/// Polls GET `path` until its body contains `needle`.
fn wait_for_page(port: u16, path: &str, needle: &str, timeout: Duration) -> HttpResponse {
    let deadline = Instant::now() + timeout;
    loop {
        let response = get_ok(port, path);
        if response.body.contains(needle) {
            return response;
        }
        assert!(
            Instant::now() < deadline,
            "GET {path} did not contain {needle:?} within {timeout:?}:\n{}",
            response.body
        );
        thread::sleep(Duration::from_millis(100));
    }
}

/// An open `/__okra/events` stream.
struct Events {
    stream: TcpStream,
    /// What arrived and was not consumed by a `wait_for` yet.
    pending: String,
}

impl Events {
    /// Connects and waits for the response headers: from then on the server
    /// delivers every event to this stream.
    fn open(port: u16) -> Events {
        let stream = request(port, "/__okra/events", Duration::from_millis(200)).unwrap();
        let mut events = Events {
            stream,
            pending: String::new(),
        };
        let head = events.wait_for("\r\n\r\n", Duration::from_secs(10));
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert!(head.contains("text/event-stream"), "{head}");
        events
    }

    /// Reads until `needle` arrives; consumes and returns everything up to and including it.
    fn wait_for(&mut self, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        let mut buf = [0; 4096];
        loop {
            if let Some(at) = self.pending.find(needle) {
                return self.pending.drain(..at + needle.len()).collect();
            }
            assert!(
                Instant::now() < deadline,
                "no {needle:?} on the event stream within {timeout:?}; got {:?}",
                self.pending
            );
            match self.stream.read(&mut buf) {
                Ok(0) => panic!("the event stream closed; got {:?}", self.pending),
                Ok(n) => self.pending.push_str(&String::from_utf8_lossy(&buf[..n])),
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(e) => panic!("reading the event stream: {e}"),
            }
        }
    }
}

impl Drop for Events {
    fn drop(&mut self) {
        let _ = self.stream.shutdown(Shutdown::Both);
    }
}

#[test]
fn serves_rebuilds_reloads_and_keeps_the_last_good_build() {
    let site = copy_site("scoring");
    let root = site.path();
    let before = tree(root);
    let port = free_port();
    let mut server = Server::start(root, port);
    server.wait_until_serving(port, 200);

    // Pages, the live-reload script, content types, the 404 page, redirects.
    let page = get_ok(port, "/fy24/eng/");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Ship"), "{}", page.body);
    assert!(
        page.body.contains("/__okra/events"),
        "no live reload script"
    );
    assert!(
        page.header("Content-Type")
            .unwrap()
            .starts_with("text/html")
    );
    let css = get_ok(port, "/okra.css");
    assert_eq!(css.status, 200);
    assert!(css.header("Content-Type").unwrap().starts_with("text/css"));
    assert!(!css.body.contains("__okra"));
    let json = get_ok(port, "/okrs.json");
    assert_eq!(json.header("Content-Type"), Some("application/json"));
    let missing = get_ok(port, "/no/such/");
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("Page not found"), "{}", missing.body);
    let folder = get_ok(port, "/fy24/eng");
    assert_eq!(folder.status, 301);
    assert_eq!(folder.header("Location"), Some("/fy24/eng/"));
    assert_eq!(get_ok(port, "/../okra.toml").status, 400);
    assert_eq!(get_ok(port, "/%2e%2e/okra.toml").status, 400);
    let status = get_ok(port, "/__okra/status");
    assert!(status.body.contains(r#""ok":true"#), "{}", status.body);
    // Nothing is written into the site, least of all public/.
    assert!(!root.join("public").exists());

    // An edit: the page changes and open pages are told to reload.
    let mut events = Events::open(port);
    let objective = root.join("content/fy24/eng/objective.md");
    let text = std::fs::read_to_string(&objective).unwrap();
    std::fs::write(
        &objective,
        text.replace("title = \"Ship\"", "title = \"Ship faster\""),
    )
    .unwrap();
    events.wait_for("data: reload", REBUILD);
    wait_for_page(port, "/fy24/eng/", "Ship faster", Duration::from_secs(5));
    server.wait_for_output("rebuilt in ", Duration::from_secs(5));

    // A broken edit: an error event, the diagnostics in the status, the last
    // good build still served.
    let kr = root.join("content/fy24/eng/latency-q1.md");
    let good_kr = std::fs::read_to_string(&kr).unwrap();
    std::fs::write(&kr, "+++\ntitle = \n").unwrap();
    events.wait_for("data: error", REBUILD);
    let status = get_ok(port, "/__okra/status");
    assert!(status.body.contains(r#""ok":false"#), "{}", status.body);
    assert!(
        status.body.contains("content/fy24/eng/latency-q1.md:"),
        "{}",
        status.body
    );
    let page = get_ok(port, "/fy24/eng/");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Ship faster"), "{}", page.body);
    let out = server.wait_for_output("still serving the last good build", Duration::from_secs(5));
    assert!(
        out.contains("content/fy24/eng/latency-q1.md:1:1: error"),
        "{out}"
    );

    // Fixed again: reload, and the status is clean.
    std::fs::write(&kr, good_kr).unwrap();
    events.wait_for("data: reload", REBUILD);
    let status = get_ok(port, "/__okra/status");
    assert!(status.body.contains(r#""ok":true"#), "{}", status.body);

    // A second server on the same port moves to another one, and says so.
    let mut second = Server::start(root, port);
    let out = second.wait_for_output(
        &format!("port {port} is in use; serving on http://127.0.0.1:"),
        STARTUP,
    );
    let other: u16 = out
        .split("serving on http://127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in:\n{out}"));
    assert_ne!(other, port);
    second.wait_until_serving(other, 200);
    second.stop();

    // Stopping leaves the site as it was.
    drop(events);
    server.stop();
    assert_eq!(tree(root), before);
}

#[test]
fn a_site_broken_from_the_start_is_served_as_an_error_page_until_fixed() {
    let site = copy_site("scoring");
    let root = site.path();
    let kr = root.join("content/fy24/eng/latency-q1.md");
    let good_kr = std::fs::read_to_string(&kr).unwrap();
    std::fs::write(&kr, "+++\ntitle = \n").unwrap();
    let port = free_port();
    let mut server = Server::start(root, port);
    server.wait_until_serving(port, 500);
    server.wait_for_output(
        "serving an error page until it is fixed",
        Duration::from_secs(5),
    );

    let page = get_ok(port, "/fy24/eng/");
    assert_eq!(page.status, 500);
    assert!(
        page.body
            .contains("content/fy24/eng/latency-q1.md:1:1: error"),
        "{}",
        page.body
    );
    assert!(page.body.contains("/__okra/events"));

    let mut events = Events::open(port);
    std::fs::write(&kr, good_kr).unwrap();
    events.wait_for("data: reload", REBUILD);
    let page = get_ok(port, "/fy24/eng/");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Ship"));
    drop(events);
    server.stop();
    assert!(!root.join("public").exists());
}

/// GET `path`: status and body bytes.
fn get_bytes(port: u16, path: &str) -> (u16, Vec<u8>) {
    let mut stream = request(port, path, Duration::from_secs(30)).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let at = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("GET {path}: no end of headers"));
    let head = String::from_utf8_lossy(&raw[..at]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("GET {path}: no status in {head:?}"));
    let body = raw[at + 4..].to_vec();
    // Every response is rendered whole in memory and says its length.
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .unwrap_or_else(|| panic!("GET {path}: no Content-Length in {head:?}"));
    assert_eq!(length, body.len().to_string(), "GET {path}");
    (status, body)
}

/// The URL a built file is served at: `a/index.html` at `/a/`.
fn url_of(file: &str) -> String {
    match file.strip_suffix("index.html") {
        Some(folder) => format!("/{folder}"),
        None => format!("/{file}"),
    }
}

/// Every file `okra build` wrote is served with the same bytes (HTML pages
/// with the live-reload script added before `</body>`, and nothing else).
fn assert_serves_exactly(port: u16, built: &std::collections::BTreeMap<String, Vec<u8>>) {
    assert_serves_exactly_pages(port, built, 50);
}

/// [`assert_serves_exactly`] for a site of more than `min_pages` pages.
fn assert_serves_exactly_pages(
    port: u16,
    built: &std::collections::BTreeMap<String, Vec<u8>>,
    min_pages: usize,
) {
    let mut pages = 0;
    // The marker that lets `okra build` replace its own output is not a page.
    for (file, expected) in built.iter().filter(|(f, _)| *f != ".okra-build") {
        let url = url_of(file);
        let (status, served) = get_bytes(port, &url);
        assert_eq!(status, 200, "GET {url}");
        if !file.ends_with(".html") {
            assert!(
                served == *expected,
                "GET {url}: differs from okra build's {file}"
            );
            continue;
        }
        pages += 1;
        let at = expected
            .windows(7)
            .rposition(|w| w.eq_ignore_ascii_case(b"</body>"))
            .unwrap_or(expected.len());
        let (head, tail) = expected.split_at(at);
        let ok = served.len() > expected.len()
            && served.starts_with(head)
            && served.ends_with(tail)
            && String::from_utf8_lossy(&served[head.len()..served.len() - tail.len()])
                .contains("/__okra/events");
        if !ok {
            let first = served
                .iter()
                .zip(expected.iter())
                .position(|(a, b)| a != b)
                .unwrap_or(0);
            let from = first.saturating_sub(200);
            panic!(
                "GET {url}: differs from okra build's {file} at byte {first}:\nserved: {}\nbuilt:  {}",
                String::from_utf8_lossy(&served[from..(first + 200).min(served.len())]),
                String::from_utf8_lossy(&expected[from..(first + 200).min(expected.len())]),
            );
        }
    }
    assert!(pages > min_pages, "only {pages} pages compared");
}

/// The incremental preview never shows what a full build would not: every
/// file of the demo is served byte for byte as `okra build` writes it, before
/// and after edits of every kind (an update's text, a KR's title, a new update,
/// a deleted KR, okra.toml), and files that are gone are 404s.
#[test]
fn serves_exactly_what_okra_build_writes_before_and_after_edits() {
    let site = tempfile::tempdir().unwrap();
    let root = site.path();
    let demo = Path::new(env!("CARGO_MANIFEST_DIR"));
    common::copy_dir(&demo.join("content"), &root.join("content"));
    std::fs::copy(demo.join("okra.toml"), root.join("okra.toml")).unwrap();
    let built_dir = tempfile::tempdir().unwrap();
    let build = |n: usize| {
        let out = built_dir.path().join(format!("build-{n}"));
        common::build_ok(root, &out, AS_OF_DEMO, &[]);
        common::read_tree(&out)
    };

    let port = free_port();
    let mut server = Server::start_as_of(root, port, AS_OF_DEMO);
    server.wait_until_serving(port, 200);
    let before = build(1);
    assert_serves_exactly(port, &before);
    let out = server.wait_for_output("checked: all ", REBUILD);
    let pages = before.keys().filter(|f| f.ends_with(".html")).count();
    assert!(
        out.contains(&format!("checked: all {pages} pages render")),
        "{out}"
    );

    // Edits of every kind, one at a time; after each, the preview matches a
    // full build of the edited site.
    let objective = root.join("content/fy2026/sdk-v3");
    let kr = objective.join("sdk-v3-ga-q2.md");
    let update = objective.join("sdk-v3-ga-q2/2026-05-19-mid.md");
    let mut events = Events::open(port);
    let mut last = before.clone();
    let mut gone = Vec::new();
    type Edit<'a> = (&'a str, Box<dyn Fn() + 'a>);
    let edits: Vec<Edit> = vec![
        (
            "an update's text",
            Box::new(|| {
                let text = std::fs::read_to_string(&update).unwrap();
                std::fs::write(&update, format!("{text}\nEdited *in place*.\n")).unwrap();
            }),
        ),
        (
            "a KR's title",
            Box::new(|| {
                let text = std::fs::read_to_string(&kr).unwrap();
                let text = text.replace("Release JavaScript SDK v3.0", "Ship SDK v3.0 to everyone");
                std::fs::write(&kr, text).unwrap();
            }),
        ),
        (
            "a new update",
            Box::new(|| {
                std::fs::write(
                    objective.join("sdk-v3-ga-q2/2026-06-08-late.md"),
                    "+++\nstatus = \"at-risk\"\nvalue = false\n+++\nAdded while serving.\n",
                )
                .unwrap();
            }),
        ),
        (
            "a deleted KR",
            Box::new(|| {
                std::fs::remove_dir_all(objective.join("sdk-issue-age-q4")).unwrap();
                std::fs::remove_file(objective.join("sdk-issue-age-q4.md")).unwrap();
            }),
        ),
        (
            "okra.toml",
            Box::new(|| {
                let config = std::fs::read_to_string(root.join("okra.toml")).unwrap();
                std::fs::write(
                    root.join("okra.toml"),
                    config.replace("Relay OKRs", "Relay goals"),
                )
                .unwrap();
            }),
        ),
    ];
    for (n, (what, edit)) in edits.iter().enumerate() {
        edit();
        events.wait_for("data: reload", REBUILD);
        let now = build(n + 2);
        assert_ne!(now, last, "{what}: the build did not change");
        assert_serves_exactly(port, &now);
        gone.extend(last.keys().filter(|f| !now.contains_key(*f)).cloned());
        last = now;
    }
    assert!(
        last.values()
            .any(|b| String::from_utf8_lossy(b).contains("Ship SDK v3.0 to everyone"))
    );
    assert!(!gone.is_empty(), "the deleted KR left no page behind");
    for file in gone {
        let (status, _) = get_bytes(port, &url_of(&file));
        assert_eq!(
            status, 404,
            "{file} is gone from the build but still served"
        );
    }
    drop(events);
    server.stop();
}

/// A template that fails only for some content is found by the background
/// check of every page: the failure is reported like a content error, and the
/// last build whose every page rendered is served again.
#[test]
fn a_template_failing_on_one_page_is_reported_and_the_last_good_build_served() {
    let site = copy_site("scoring");
    let root = site.path();
    let theme = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/templates/kr.html");
    let kr_template = std::fs::read_to_string(theme).unwrap().replace(
        "{% block content %}",
        "{% block content %}{% if kr.title == \"Boom\" %}{{ no_such_variable }}{% endif %}",
    );
    std::fs::create_dir_all(root.join("templates")).unwrap();
    std::fs::write(root.join("templates/kr.html"), kr_template).unwrap();
    let port = free_port();
    let mut server = Server::start(root, port);
    server.wait_until_serving(port, 200);
    server.wait_for_output("checked: all ", REBUILD);
    let page = "/fy24/eng/latency-q1/";
    assert!(get_ok(port, page).body.contains("Latency to 100 ms"));

    let mut events = Events::open(port);
    let kr = root.join("content/fy24/eng/latency-q1.md");
    let text = std::fs::read_to_string(&kr).unwrap();
    std::fs::write(&kr, text.replace("Latency to 100 ms", "Boom")).unwrap();
    // The content is fine, so the rebuild is served at once; the check then
    // finds the page that fails and goes back to the last good build.
    events.wait_for("data: reload", REBUILD);
    events.wait_for("data: error", REBUILD);
    let status = get_ok(port, "/__okra/status");
    assert!(status.body.contains(r#""ok":false"#), "{}", status.body);
    assert!(status.body.contains("kr.html"), "{}", status.body);
    assert!(status.body.contains("no_such_variable"), "{}", status.body);
    let served = get_ok(port, page);
    assert_eq!(served.status, 200);
    assert!(served.body.contains("Latency to 100 ms"), "{}", served.body);
    let out = server.wait_for_output("still serving the last good build", REBUILD);
    assert!(out.contains("kr.html"), "{out}");

    // Fixed: served again, and the status is clean.
    std::fs::write(&kr, text.replace("Latency to 100 ms", "Latency to 90 ms")).unwrap();
    events.wait_for("data: reload", REBUILD);
    wait_for_page(port, page, "Latency to 90 ms", REBUILD);
    server.wait_for_output("checked: all ", REBUILD);
    drop(events);
    server.stop();
}

/// One response read off a connection: the head must give a `Content-Length`
/// and exactly that many bytes must follow.
struct Whole {
    status: u16,
    body: Vec<u8>,
    took: Duration,
}

/// Sends GET `path` on `stream` and reads exactly one response.
fn get_whole(stream: &mut TcpStream, path: &str, keep_alive: bool) -> Whole {
    let started = Instant::now();
    let connection = if keep_alive { "keep-alive" } else { "close" };
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: {connection}\r\n\r\n"
    )
    .unwrap_or_else(|e| panic!("GET {path}: {e}"));
    let mut raw = Vec::new();
    let mut byte = [0; 1];
    while !raw.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => raw.push(byte[0]),
            other => panic!(
                "GET {path}: the head ended with {other:?}: {:?}",
                String::from_utf8_lossy(&raw)
            ),
        }
    }
    let head = String::from_utf8(raw).unwrap();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    let length: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().unwrap())
        })
        .unwrap_or_else(|| panic!("GET {path}: no Content-Length in {head:?}"));
    let mut body = vec![0; length];
    stream.read_exact(&mut body).unwrap_or_else(|e| {
        panic!("GET {path}: a body shorter than its Content-Length {length}: {e}")
    });
    if !keep_alive {
        let mut rest = Vec::new();
        stream.read_to_end(&mut rest).unwrap();
        assert!(
            rest.is_empty(),
            "GET {path}: {} bytes after the body",
            rest.len()
        );
    }
    Whole {
        status,
        body,
        took: started.elapsed(),
    }
}

fn connect(port: u16) -> TcpStream {
    let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
        .set_write_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
}

/// A browser's load, bounded and on loopback: idle, half-open and slow
/// sockets opened in a burst (a browser preconnects), an event stream per tab, page
/// requests from several clients at once, and an edit in the middle. Every
/// response is whole and is the file of the build before the edit or the
/// build after it; none waits behind another connection; every tab is told to
/// reload; idle connections still work afterwards; Ctrl-C with all of it open
/// stops the server; and a page's event stream reconnects to a restarted one.
#[test]
fn answers_every_request_whole_under_a_browsers_load_and_an_edit() {
    const IDLE: usize = 16;
    const TABS: usize = 8;
    const CLIENTS: usize = 8;
    /// Requests before the edit, and after its reload event.
    const PHASE: usize = 100;
    /// A hang check, not a speed target: a debug build on a shared runner.
    const SLOWEST: Duration = Duration::from_secs(2);
    let paths = ["/", "/fy24/eng/", "/okra.css", "/okrs.json", "/no/such/"];
    let statuses = [200, 200, 200, 200, 404];

    let site = copy_site("scoring");
    let root = site.path();
    let port = free_port();
    let mut server = Server::start(root, port);
    server.wait_until_serving(port, 200);
    let before: Vec<Vec<u8>> = paths
        .iter()
        .map(|p| get_whole(&mut connect(port), p, false).body)
        .collect();

    // Idle and slow sockets, all opened at once: a quarter send nothing, a
    // quarter half a request line, a quarter a request that is answered, then
    // stay open, and a quarter ask for many pages and never read them.
    let idle: Vec<(usize, TcpStream)> = (0..IDLE)
        .map(|n| {
            thread::spawn(move || {
                let mut stream = connect(port);
                match n % 4 {
                    0 => {}
                    1 => stream.write_all(b"GET / HT").unwrap(),
                    2 => assert_eq!(get_whole(&mut stream, "/okra.css", true).status, 200),
                    _ => {
                        let many = "GET /okrs.json HTTP/1.1\r\nHost: x\r\n\r\n".repeat(64);
                        stream.write_all(many.as_bytes()).unwrap();
                    }
                }
                (n, stream)
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| t.join().unwrap())
        .collect();
    let mut tabs: Vec<Events> = (0..TABS).map(|_| Events::open(port)).collect();

    // Clients request pages until told to stop (at most 400 each); half keep
    // their connection alive, half open one per request.
    let answered = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (answered, done) = (Arc::clone(&answered), Arc::clone(&done));
            thread::spawn(move || {
                let keep_alive = c % 2 == 0;
                let mut stream = connect(port);
                let mut got = Vec::new();
                for n in 0..400 {
                    if done.load(std::sync::atomic::Ordering::SeqCst) {
                        break;
                    }
                    let which = (c + n) % paths.len();
                    if !keep_alive {
                        stream = connect(port);
                    }
                    got.push((which, get_whole(&mut stream, paths[which], keep_alive)));
                    answered.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
                got
            })
        })
        .collect();
    let count = || answered.load(std::sync::atomic::Ordering::SeqCst);
    let wait_for_count = |n: usize| {
        let deadline = Instant::now() + REBUILD;
        while count() < n {
            assert!(
                Instant::now() < deadline,
                "only {} of {n} requests answered",
                count()
            );
            thread::sleep(Duration::from_millis(1));
        }
    };

    // The edit, mid-way, in one step (a rename), so there is one new build.
    wait_for_count(PHASE);
    let objective = root.join("content/fy24/eng/objective.md");
    let text = std::fs::read_to_string(&objective).unwrap();
    let edited = root.join("objective.md.new");
    std::fs::write(
        &edited,
        text.replace("title = \"Ship\"", "title = \"Ship faster\""),
    )
    .unwrap();
    std::fs::rename(&edited, &objective).unwrap();
    for tab in &mut tabs {
        tab.wait_for("data: reload", REBUILD);
    }
    wait_for_count(count() + PHASE);
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let per_client: Vec<Vec<(usize, Whole)>> =
        clients.into_iter().map(|c| c.join().unwrap()).collect();
    let after: Vec<Vec<u8>> = paths
        .iter()
        .map(|p| get_whole(&mut connect(port), p, false).body)
        .collect();
    assert_ne!(before[0], after[0], "the edit did not change the dashboard");
    assert!(String::from_utf8_lossy(&after[1]).contains("Ship faster"));

    // Responses of files the edit changed: [before, after]; others count once.
    let mut of_each_build = [0, 0];
    for got in &per_client {
        let mut seen_new = false;
        for (which, response) in got {
            let path = paths[*which];
            assert_eq!(response.status, statuses[*which], "GET {path}");
            if response.body == before[*which] && response.body == after[*which] {
                continue;
            } else if response.body == before[*which] {
                assert!(!seen_new, "GET {path}: the old build after the new one");
                of_each_build[0] += 1;
            } else if response.body == after[*which] {
                seen_new = true;
                of_each_build[1] += 1;
            } else {
                panic!(
                    "GET {path}: neither the build before the edit nor the one after:\n{}",
                    String::from_utf8_lossy(&response.body)
                );
            }
        }
    }
    let responses: Vec<&Whole> = per_client.iter().flatten().map(|(_, r)| r).collect();
    let slowest = responses.iter().map(|r| r.took).max().unwrap();
    eprintln!(
        "{IDLE} idle or slow sockets and {TABS} event streams held; {} requests from {CLIENTS} clients \
         answered whole (of files the edit changed, {} from the build before it, {} after); \
         slowest {} ms",
        responses.len(),
        of_each_build[0],
        of_each_build[1],
        slowest.as_millis()
    );
    assert!(
        of_each_build[0] > 0 && of_each_build[1] > 0,
        "{of_each_build:?}"
    );
    assert!(slowest < SLOWEST, "a response took {slowest:?}");

    // The idle keep-alive connections still answer, with the new build.
    for (n, mut stream) in idle {
        if n % 4 == 2 {
            let response = get_whole(&mut stream, "/", false);
            assert_eq!((response.status, &response.body), (200, &after[0]));
        }
    }

    // Ctrl-C with every tab open: the server stops, and the streams end.
    server.stop();
    for tab in &mut tabs {
        let mut rest = Vec::new();
        let _ = tab.stream.set_read_timeout(Some(Duration::from_secs(5)));
        tab.stream
            .read_to_end(&mut rest)
            .expect("the event stream ends when the server stops");
    }

    // A restarted server on the same port: the page's stream connects again
    // (the script then reloads the page).
    let mut restarted = Server::start(root, port);
    restarted.wait_until_serving(port, 200);
    drop(Events::open(port));
    restarted.stop();
}

/// What is not a request gets an error status and a closed connection, and
/// the server keeps answering: garbage, an HTTP/2 preface, a head too large,
/// another method, a body to skip on a kept connection.
#[test]
fn refuses_what_is_not_a_request_and_keeps_serving() {
    let site = copy_site("scoring");
    let port = free_port();
    let mut server = Server::start(site.path(), port);
    server.wait_until_serving(port, 200);
    let raw = |bytes: &[u8]| {
        let mut stream = connect(port);
        stream.write_all(bytes).unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).unwrap();
        String::from_utf8_lossy(&answer).into_owned()
    };
    for (sent, status) in [
        (b"\x16\x03\x01\x02\x00garbage\r\n\r\n".to_vec(), "400"),
        (b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec(), "505"),
        (b"GET /\r\nHost: x\r\n\r\n".to_vec(), "400"),
        (
            format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(64 * 1024)).into_bytes(),
            "431",
        ),
        (
            b"DELETE / HTTP/1.1\r\nConnection: close\r\n\r\n".to_vec(),
            "405",
        ),
    ] {
        let answer = raw(&sent);
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {status} ")),
            "{:?} got {answer:?}",
            String::from_utf8_lossy(&sent[..sent.len().min(40)])
        );
    }
    // A body is skipped and the connection kept for the next request.
    let mut stream = connect(port);
    stream
        .write_all(b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello")
        .unwrap();
    let mut head = Vec::new();
    let mut byte = [0; 1];
    while !head.ends_with(b"\r\n\r\n") {
        stream.read_exact(&mut byte).unwrap();
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).unwrap();
    assert!(head.starts_with("HTTP/1.1 405 "), "{head}");
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .unwrap()
        .parse()
        .unwrap();
    stream.read_exact(&mut vec![0; length]).unwrap();
    assert_eq!(get_whole(&mut stream, "/", false).status, 200);
    server.stop();
}

/// `--interface` takes an address of this machine; anything else is a usage
/// error that says what to give instead.
#[test]
fn an_interface_that_is_not_this_machines_is_a_usage_error() {
    let site = copy_site("scoring");
    // 192.0.2.1 is reserved for documentation: no machine has it.
    for (interface, says) in [
        ("192.0.2.1", "--interface takes an address of this machine"),
        ("not-an-address", "invalid value 'not-an-address'"),
    ] {
        let out = common::okra()
            .args(["serve", "--root"])
            .arg(site.path())
            .args(["--interface", interface, "--port", "0", "--as-of", AS_OF])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{interface}: {stderr}");
        assert!(stderr.contains(says), "{interface}: {stderr}");
    }
}

/// A site in git: the preview shows the target ledger read when serve starts,
/// and with a clean working tree serves exactly what `okra build --as-of`
/// writes from the commit of that day.
#[test]
fn serves_the_ledger_of_a_site_in_git() {
    let tmp = tempfile::tempdir().unwrap();
    let root = crate::history::history_repo(tmp.path());
    let out = tmp.path().join("out");
    common::build_ok(&root, &out, "2024-03-31", &[]);
    let built = common::read_tree(&out);
    let port = free_port();
    let mut server = Server::start_as_of(&root, port, "2024-03-31");
    server.wait_until_serving(port, 200);
    assert_serves_exactly_pages(port, &built, 10);
    let page = get_ok(port, "/fy24/rel/signups/");
    assert!(
        page.body.contains("Target changed from 200 to 180"),
        "the ledger is on the served KR page"
    );
}
