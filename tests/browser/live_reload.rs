//! Live reload in a real browser: an open page survives an `okra serve`
//! restart. The server is stopped with Ctrl-C (SIGINT) while the tab is open
//! and must exit 0; started again on the same port, the page's script opens
//! its event stream again, and an edit made after that reloads the page by
//! itself (the test never navigates) to show the new text.
//!
//! Every wait is a bounded poll, so a page that never reconnects fails the
//! test instead of hanging it. The server is the real binary on loopback, and
//! it is stopped (then killed) when dropped.

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chromiumoxide::Page;
use chromiumoxide::cdp::browser_protocol::network::{EventResponseReceived, ResourceType};
use futures::StreamExt;

use super::{common, launch};

/// The scoring fixture's day.
const AS_OF: &str = "2024-05-20";
/// A debug build coming up on a busy machine.
const STARTUP: Duration = Duration::from_secs(30);
/// From a restart or an edit to the page showing it: the script retries every
/// second at first, and a rebuild of the fixture takes well under that.
const RELOAD: Duration = Duration::from_secs(15);
/// A KR page of the fixture, and the update it shows.
const KR: &str = "/fy24/company/launch-q2/";
const UPDATE: &str = "content/fy24/company/launch-q2/2024-05-16.md";
const NEW_TEXT: &str = "Unblocked while the tab stayed open";

/// A running `okra serve`; stopped (or killed) when dropped.
struct Server {
    child: Child,
    output: Arc<Mutex<String>>,
}

impl Server {
    fn start(root: &Path, port: u16) -> Server {
        let mut child = common::okra()
            .args(["serve", "--root"])
            .arg(root)
            .args(["--port", &port.to_string(), "--as-of", AS_OF])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let output = Arc::new(Mutex::new(String::new()));
        collect(child.stdout.take().unwrap(), Arc::clone(&output));
        collect(child.stderr.take().unwrap(), Arc::clone(&output));
        Server { child, output }
    }

    fn output(&self) -> String {
        self.output.lock().unwrap().clone()
    }

    /// Waits until it says it serves on `port` (and not on another one).
    async fn wait_until_serving(&mut self, port: u16) {
        let url = format!("serving http://127.0.0.1:{port}/ ");
        let deadline = Instant::now() + STARTUP;
        loop {
            let out = self.output();
            assert!(!out.contains("is in use"), "port {port} was taken:\n{out}");
            if out.contains(&url) {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("okra serve exited ({status}):\n{out}");
            }
            assert!(
                Instant::now() < deadline,
                "okra serve did not print {url:?} within {STARTUP:?}:\n{out}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Sends SIGINT, as Ctrl-C in its terminal would; returns how it exited
    /// (within 10 s) and its whole output.
    async fn interrupt(&mut self) -> (ExitStatus, String) {
        let pid = self.child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-INT", &pid])
                .status()
                .unwrap()
                .success()
        );
        let deadline = Instant::now() + Duration::from_secs(10);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "okra serve did not stop within 10 s of SIGINT with a tab open:\n{}",
                self.output()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        // The output threads finish once the pipes close.
        let deadline = Instant::now() + Duration::from_secs(5);
        while !self.output().contains("stopped") && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        (status, self.output())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-INT", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn collect(pipe: impl Read + Send + 'static, into: Arc<Mutex<String>>) {
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { return };
            let mut out = into.lock().unwrap();
            out.push_str(&line);
            out.push('\n');
        }
    });
}

/// Counts the page's live-reload event streams that the server answered
/// (each reload of the page opens one, and so does each reconnection).
fn count_streams(
    page_events: impl futures::Stream<Item = Arc<EventResponseReceived>> + Send + 'static,
) -> Arc<Mutex<usize>> {
    let count = Arc::new(Mutex::new(0));
    let c = Arc::clone(&count);
    tokio::spawn(async move {
        let mut events = Box::pin(page_events);
        while let Some(e) = events.next().await {
            if e.r#type == ResourceType::EventSource
                && e.response.url.ends_with("/__okra/events")
                && e.response.status == 200
            {
                *c.lock().unwrap() += 1;
            }
        }
    });
    count
}

/// Polls until `at_least` event streams have been answered.
async fn wait_for_streams(count: &Mutex<usize>, at_least: usize, what: &str) {
    let deadline = Instant::now() + RELOAD;
    while *count.lock().unwrap() < at_least {
        assert!(
            Instant::now() < deadline,
            "{what}: {} live-reload stream(s) within {RELOAD:?}, expected {at_least}",
            *count.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Runs `js` in the page; false while the page is between two documents.
async fn holds(page: &Page, js: &str) -> bool {
    page.evaluate(js)
        .await
        .ok()
        .and_then(|v| v.into_value::<bool>().ok())
        .unwrap_or(false)
}

/// Polls until `js` is true in the page.
async fn wait_until(page: &Page, js: &str, what: &str) {
    let deadline = Instant::now() + RELOAD;
    while !holds(page, js).await {
        assert!(Instant::now() < deadline, "{what} within {RELOAD:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Marks the current document; a reload replaces it with an unmarked one.
async fn mark(page: &Page) {
    page.evaluate("window.okraTestMark = true").await.unwrap();
}

const RELOADED: &str = "window.okraTestMark !== true && document.readyState === 'complete'";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_page_reconnects_to_a_restarted_serve_and_reloads_on_an_edit() {
    let site = tempfile::tempdir().unwrap();
    common::copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/testsuite/fixtures/sites/scoring"),
        site.path(),
    );
    let root = site.path();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Server::start(root, port);
    server.wait_until_serving(port).await;

    // The KR page, with its event stream connected.
    let (mut browser, task) = launch(1024, 768).await;
    let page = browser.new_page("about:blank").await.unwrap();
    let streams = count_streams(
        page.event_listener::<EventResponseReceived>()
            .await
            .unwrap(),
    );
    page.goto(format!("http://127.0.0.1:{port}{KR}"))
        .await
        .unwrap();
    page.wait_for_navigation().await.unwrap();
    wait_until(
        &page,
        "document.body.innerText.includes('Blocked.')",
        "the KR page shows its update",
    )
    .await;
    wait_for_streams(&streams, 1, "the page opened").await;
    mark(&page).await;

    // Ctrl-C with the tab open: a clean stop.
    let (status, out) = server.interrupt().await;
    assert!(status.success(), "exit {status} after SIGINT:\n{out}");
    assert!(out.contains("stopped"), "{out}");
    drop(server);

    // Started again on the same port: the page reconnects, and reloads
    // since the site may have changed meanwhile (its new document opens a
    // stream of its own).
    let mut server = Server::start(root, port);
    server.wait_until_serving(port).await;
    wait_until(
        &page,
        RELOADED,
        "the page did not reload after reconnecting",
    )
    .await;
    wait_for_streams(&streams, 3, "after the restart").await;
    mark(&page).await;

    // An edit: the open page reloads by itself and shows the new text.
    let update = root.join(UPDATE);
    let text = std::fs::read_to_string(&update).unwrap();
    assert!(text.contains("Blocked."), "{text}");
    std::fs::write(&update, text.replace("Blocked.", NEW_TEXT)).unwrap();
    wait_until(
        &page,
        &format!("{RELOADED} && document.body.innerText.includes('{NEW_TEXT}')"),
        "the page did not reload to show the edit",
    )
    .await;

    let (status, out) = server.interrupt().await;
    assert!(status.success(), "exit {status} after SIGINT:\n{out}");
    browser.close().await.unwrap();
    let _ = browser.wait().await;
    task.abort();
}
