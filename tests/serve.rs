//! `okra serve` run as a real binary: serving, live reload, broken edits, port
//! fallback and a clean stop. HTTP is spoken by hand over std's TcpStream (no
//! client crate), and every wait is bounded, so a broken server fails the test
//! instead of hanging it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

const AS_OF: &str = "2024-05-20";
/// How long the server may take to come up (a debug build on a busy CI runner).
const STARTUP: Duration = Duration::from_secs(30);
/// How long a rebuild may take to show, from the edit to the event.
const REBUILD: Duration = Duration::from_secs(15);

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sites")
        .join(name)
}

/// Copies a fixture site into a fresh temporary folder.
fn copy_site(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let from = fixture(name);
    for entry in walkdir::WalkDir::new(&from) {
        let entry = entry.unwrap();
        let to = dir.path().join(entry.path().strip_prefix(&from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
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
        let mut child = Command::new(env!("CARGO_BIN_EXE_okra"))
            .args(["serve", "--root"])
            .arg(root)
            .args(["--port", &port.to_string(), "--as-of", AS_OF])
            .env_remove("SOURCE_DATE_EPOCH")
            .env("NO_COLOR", "1")
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

    /// The temporary folder it said it builds into.
    fn build_folder(&self) -> PathBuf {
        let out = self.output();
        let line = out
            .lines()
            .find_map(|l| l.strip_prefix("building into "))
            .unwrap_or_else(|| panic!("no `building into` line:\n{out}"));
        PathBuf::from(line.trim())
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
    /// After a failed assertion: SIGTERM first, so the server still removes its
    /// temporary builds, then a kill if it does not stop within a few seconds.
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
    let build_folder = server.build_folder();
    assert!(build_folder.is_dir(), "{}", build_folder.display());
    assert!(!build_folder.starts_with(root));

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
    // The injected script is only in what is served, not on disk.
    let on_disk = std::fs::read_to_string(build_folder.join("build-1/fy24/eng/index.html"));
    assert!(on_disk.is_ok_and(|html| !html.contains("__okra")));

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
    let second_folder = second.build_folder();
    second.stop();
    assert!(
        !second_folder.exists(),
        "{} left behind",
        second_folder.display()
    );

    // Stopping removes the temporary builds; the site is as it was.
    drop(events);
    server.stop();
    assert!(
        !build_folder.exists(),
        "{} left behind",
        build_folder.display()
    );
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
