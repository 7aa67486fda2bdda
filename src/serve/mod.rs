//! `okra serve`: a local preview that rebuilds on every change and reloads open pages.
//!
//! The moving parts, each a small function below:
//!
//! - **Rebuilds** are incremental and write nothing: [`Rebuilder`] keeps the
//!   parsed files ([`LoadCache`]), the rendered Markdown and update rows
//!   ([`ViewMemo`]) and the compiled theme between rebuilds, re-reads only the
//!   files that changed, then validates and scores the whole site (milliseconds)
//!   into a [`Prepared`] site.
//!   A rebuild whose content has errors leaves the last good one served.
//! - **Serving** renders each requested file from the served [`Prepared`] site,
//!   with the same page jobs as `okra build` (so the bytes are the same; a test
//!   compares every file). Each request takes the served build once, so a
//!   response comes whole from the build before an edit or the one after it.
//!   HTML pages get a small live-reload script injected on the way out.
//! - **Connections** each have their own thread ([`server`]): idle keep-alive
//!   sockets, slow clients and open event streams hold only their own thread,
//!   so no request waits behind another connection.
//! - **Checking** renders every page once more in the background, on one
//!   thread, after each rebuild: a template that fails only on some pages is
//!   reported like a content error, and the last build that rendered completely
//!   is served again. A newer edit cancels the check.
//! - **Live reload** is Server-Sent Events on `/__okra/events`: one connection
//!   (and thread) per open page, fed by a channel. The page reconnects when the
//!   server restarts, and reloads once it is back. `/__okra/status` says
//!   whether the last build failed and why, and the script shows that as an
//!   overlay.
//! - **Watching** is notify on `content/`, `templates/`, `static/`, `themes/` and
//!   `okra.toml`, debounced so that an editor's burst of events (write, rename,
//!   chmod) is one rebuild.

use crate::render::templates::escape_html;
use std::collections::BTreeSet;
use std::io::{self, Write};
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};

use crate::diag::Diagnostics;
use crate::pipeline;
use crate::render::view::ViewMemo;
use crate::render::{Prepared, RenderError, Sink, Theme};
use cache::{Changes, LoadCache};

/// Quiet time after the last change before rebuilding: long enough to gather an
/// editor's save (a write, a rename and a chmod come within a few milliseconds),
/// short enough not to be noticed.
const DEBOUNCE: Duration = Duration::from_millis(25);
/// A tool that keeps writing (a `git checkout` of many files) still gets a rebuild
/// this often, rather than none until it stops.
const MAX_DEBOUNCE: Duration = Duration::from_secs(1);
/// How long after a rebuild the background check of every page starts (a
/// newer change meanwhile cancels it).
const CHECK_AFTER: Duration = Duration::from_millis(750);
/// Comment sent to idle event streams: proxies keep the connection open, and a
/// closed tab is noticed (the write fails) and its thread ends.
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// How many ports after `--port` are tried when it is taken.
const PORT_TRIES: u16 = 20;
/// Folders of the site that are watched recursively (SPEC §7 layout).
const SOURCE_DIRS: [&str; 5] = ["content", "data", "templates", "static", "themes"];
/// A change under these (or to `okra.toml`) loads the theme again.
const THEME_SOURCES: [&str; 3] = ["templates", "static", "themes"];
/// The live-reload event stream.
const EVENTS_PATH: &str = "/__okra/events";
/// The state of the last build, as JSON, for the overlay.
const STATUS_PATH: &str = "/__okra/status";

/// Injected before `</body>` of every HTML page served (only by `okra serve`).
/// It reloads on `reload`; on `error`, and once on load, it asks `/__okra/status`
/// and shows the diagnostics in a dismissible overlay over the last good page.
/// Text goes in through `textContent`, so diagnostics quoting content cannot inject
/// markup. The paths are absolute: the preview is always served at `/`.
const LIVE_RELOAD_SCRIPT: &str = include_str!("live_reload.html");

/// What `okra serve` tells its user. The library prints nothing: the command
/// line decides where lines go and how "busy" looks (a spinner in a terminal).
pub enum Say<'a> {
    /// A line of the log (diagnostics come as one multi-line message).
    Line(&'a str),
    /// Work that may take a moment has started.
    Busy(&'a str),
    /// That work is done.
    Idle,
}

/// Where [`Say`] goes; shared by the threads of the server.
pub type Log = Arc<dyn Fn(Say<'_>) + Send + Sync>;

/// Sends one formatted line to a [`Log`].
macro_rules! say {
    ($log:expr, $($arg:tt)*) => {
        ($log)($crate::serve::Say::Line(&format!($($arg)*)))
    };
}

/// Diagnostics as one message, unless there are none.
fn say_diagnostics(log: &Log, text: &str) {
    if !text.is_empty() {
        log(Say::Line(text.trim_end_matches('\n')));
    }
}

mod cache;
mod http;
mod rebuild;
mod server;
mod watch;

use rebuild::*;
use watch::*;

/// What `okra serve` was asked for.
#[derive(Clone)]
pub struct ServeOptions {
    pub root: PathBuf,
    /// The address listened on: 127.0.0.1 unless the preview is shared.
    pub interface: IpAddr,
    /// The first port tried (0: any free port).
    pub port: u16,
    /// Open the preview in the default browser once it is up.
    pub open: bool,
    pub as_of: NaiveDate,
    /// Rebuilds use the current day rather than `as_of` (no date was given), so
    /// a preview left running overnight does not keep yesterday's scores.
    pub follow_today: bool,
    pub drafts: bool,
    /// Colour in the diagnostics printed to the terminal.
    pub color: bool,
    pub log: Log,
}

/// Why `okra serve` could not start.
#[derive(Debug)]
pub enum ServeError {
    /// Something the user can fix with other arguments (exit code 2).
    Usage(String),
    /// The preview could not be set up (exit code 1).
    Failed(String),
}

/// Builds, serves and watches until Ctrl-C (or SIGTERM). A failing build does
/// not stop it: the errors are printed and shown in the browser until they are
/// fixed. Nothing is written to disk.
pub fn serve(opts: &ServeOptions) -> Result<(), ServeError> {
    let root = std::fs::canonicalize(&opts.root)
        .map_err(|e| ServeError::Usage(format!("--root {}: {e}", opts.root.display())))?;
    let (listener, requested_port_taken) = bind(opts.interface, opts.port)?;
    let address = listener
        .local_addr()
        .map_err(|e| ServeError::Failed(format!("cannot read the server's address: {e}")))?;
    // 0.0.0.0 is no address to browse to; this machine is.
    let browse = match address.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => std::net::Ipv4Addr::LOCALHOST.into(),
        IpAddr::V6(ip) if ip.is_unspecified() => std::net::Ipv6Addr::LOCALHOST.into(),
        ip => ip,
    };
    let url = format!("http://{}/", SocketAddr::new(browse, address.port()));
    if let Some(taken) = requested_port_taken {
        say!(opts.log, "port {taken} is in use; serving on {url} instead");
    }
    if !opts.interface.is_loopback() {
        say!(
            opts.log,
            "note: listening on {address}{}: anyone who can reach this machine on port {} can read the preview{} (private OKRs are never served)",
            if opts.interface.is_unspecified() {
                " (every network interface)"
            } else {
                ""
            },
            address.port(),
            if opts.drafts { ", drafts included" } else { "" }
        );
    }

    let (events, inbox) = mpsc::channel();
    stop_on_signal(events.clone(), &opts.log);
    // Watching starts before the first build, so an edit made during it is not lost.
    let mut watch = Watch::start(&root, events.clone(), opts.log.clone());

    let shared = Arc::new(Shared {
        log: opts.log.clone(),
        state: Default::default(),
        clients: Default::default(),
        generation: Default::default(),
        stopping: Default::default(),
    });
    let checker = Checker::start(Arc::clone(&shared), events);
    let mut rebuilder = Rebuilder::new(&root, opts);
    (opts.log)(Say::Busy("loading content"));
    let first = rebuilder.rebuild(&BTreeSet::new());
    (opts.log)(Say::Idle);
    let mut lp = MainLoop {
        inbox,
        rebuilder,
        shared: Arc::clone(&shared),
        reporter: Reporter::new(opts.color),
        checker,
        generation: 0,
        checked: None,
    };
    lp.publish(first, true);

    {
        let shared = Arc::clone(&shared);
        thread::Builder::new()
            .name("okra-serve-accept".to_string())
            .spawn(move || server::accept(listener, shared))
            .map_err(|e| ServeError::Failed(format!("cannot start the server on {url}: {e}")))?;
    }
    say!(
        opts.log,
        "serving {url} (as of {}); Ctrl-C to stop",
        opts.as_of
    );
    if opts.open {
        open_browser(&url, &opts.log);
    }

    lp.run(&mut watch);

    // Open event streams end (their channel closes) and connections are not
    // kept alive; the process exits without waiting for idle ones.
    shared.stopping.store(true, Ordering::SeqCst);
    shared.clients().clear();
    say!(opts.log, "stopped");
    Ok(())
}

/// Binds `interface`:`port`, or one of the next [`PORT_TRIES`] ports if it is taken.
/// Returns the listener and, when another port was used, the one asked for.
fn bind(interface: IpAddr, port: u16) -> Result<(TcpListener, Option<u16>), ServeError> {
    let last = port.saturating_add(PORT_TRIES);
    let candidates = if port == 0 { 0..=0 } else { port..=last };
    for candidate in candidates {
        let address = SocketAddr::new(interface, candidate);
        match TcpListener::bind(address) {
            Ok(listener) => return Ok((listener, (candidate != port).then_some(port))),
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => continue,
            Err(e) if e.kind() == io::ErrorKind::AddrNotAvailable => {
                return Err(ServeError::Usage(format!(
                    "cannot listen on {address}: {e}; --interface takes an address of this machine (127.0.0.1, the default, or 0.0.0.0 for every interface)"
                )));
            }
            Err(e) => {
                return Err(ServeError::Usage(format!(
                    "cannot listen on {address}: {e}; choose another port with --port N"
                )));
            }
        }
    }
    Err(ServeError::Usage(format!(
        "ports {port} to {last} on {interface} are all in use; choose another with --port N"
    )))
}

/// Messages to the main loop, from the watcher and the signal handler.
enum Message {
    Changed(Vec<PathBuf>),
    WatchFailed(String),
    /// The background check of a build finished.
    Checked(CheckResult),
    Stop,
}

/// Ctrl-C, SIGTERM and SIGHUP end the main loop.
fn stop_on_signal(events: Sender<Message>, log: &Log) {
    if let Err(e) = ctrlc::set_handler(move || {
        let _ = events.send(Message::Stop);
    }) {
        say!(
            log,
            "warning: cannot handle Ctrl-C ({e}); stop okra serve by closing its terminal"
        );
    }
}

/// The main loop's state: the rebuilder, and which build is served and checked.
struct MainLoop {
    inbox: Receiver<Message>,
    rebuilder: Rebuilder,
    shared: Arc<Shared>,
    reporter: Reporter,
    checker: Checker,
    /// Counts batches of changes; the build made from batch n has generation n.
    generation: u64,
    /// The last build whose every page rendered: what a failing check reverts to.
    checked: Option<Arc<Prepared>>,
}

impl MainLoop {
    /// Waits for changes, lets them settle, rebuilds; until a stop.
    fn run(&mut self, watch: &mut Watch) {
        let mut changed = BTreeSet::new();
        loop {
            match self.inbox.recv() {
                Err(_) | Ok(Message::Stop) => return,
                Ok(Message::WatchFailed(e)) => {
                    say!(self.shared.log, "warning: watching for changes: {e}")
                }
                Ok(Message::Checked(result)) => self.checked(result),
                Ok(Message::Changed(paths)) => {
                    collect_changes(&watch.root, paths, &mut changed);
                    if changed.is_empty() {
                        continue;
                    }
                    // The check of the served build is now out of date: stop it.
                    self.generation += 1;
                    self.shared
                        .generation
                        .store(self.generation, Ordering::SeqCst);
                    let mut late = Vec::new();
                    if !settle(
                        &self.shared.log,
                        &self.inbox,
                        &watch.root,
                        &mut changed,
                        &mut late,
                    ) {
                        return;
                    }
                    watch.refresh(&changed);
                    let outcome = self.rebuilder.rebuild(&changed);
                    self.publish(outcome, false);
                    for result in late {
                        self.checked(result);
                    }
                    changed.clear();
                }
            }
        }
    }

    /// Serves a successful rebuild and has it checked; reports a failed one.
    fn publish(&mut self, outcome: Result<Success, Failure>, first: bool) {
        match outcome {
            Ok(success) => {
                let prepared = Arc::clone(&success.prepared);
                self.reporter.succeeded(&self.shared, success, first);
                self.shared.state().served_generation = self.generation;
                self.checker.check(self.generation, prepared);
            }
            Err(failure) => self.reporter.failed(&self.shared, failure, first),
        }
    }

    /// The background check of build `generation` finished.
    fn checked(&mut self, result: CheckResult) {
        let served = self.shared.state().served_generation;
        if result.generation != served {
            return; // a newer build is served (or being made); this one is gone
        }
        match result.outcome {
            Ok((pages, took)) => {
                say!(
                    self.shared.log,
                    "checked: all {pages} pages render ({} ms)",
                    took.as_millis()
                );
                self.checked = self.shared.state().served.clone();
            }
            Err(diagnostics) => {
                let first = self.checked.is_none();
                self.shared.state().served = self.checked.clone();
                self.reporter
                    .failed(&self.shared, Failure::Content(diagnostics), first);
            }
        }
    }
}

/// Debounce: gathers changes until [`DEBOUNCE`] passes without a relevant one (or
/// [`MAX_DEBOUNCE`] in all). Check results that arrive meanwhile go to `late`.
/// Returns false if asked to stop meanwhile.
fn settle(
    log: &Log,
    inbox: &Receiver<Message>,
    root: &Path,
    changed: &mut BTreeSet<PathBuf>,
    late: &mut Vec<CheckResult>,
) -> bool {
    let started = Instant::now();
    let mut quiet_from = started + DEBOUNCE;
    loop {
        let now = Instant::now();
        if now >= quiet_from || now >= started + MAX_DEBOUNCE {
            return true;
        }
        match inbox.recv_timeout(quiet_from - now) {
            Ok(Message::Changed(paths)) => {
                let before = changed.len();
                collect_changes(root, paths, changed);
                if changed.len() > before {
                    quiet_from = Instant::now() + DEBOUNCE;
                }
            }
            Ok(Message::WatchFailed(e)) => say!(log, "warning: watching for changes: {e}"),
            Ok(Message::Checked(result)) => late.push(result),
            Err(RecvTimeoutError::Timeout) => return true,
            Ok(Message::Stop) | Err(RecvTimeoutError::Disconnected) => return false,
        }
    }
}

/// Prints the outcome of each build and publishes it to the server and the open pages.
struct Reporter {
    color: bool,
    /// Warnings of the last successful build, printed again only when they change.
    warnings: String,
}

impl Reporter {
    fn new(color: bool) -> Reporter {
        Reporter {
            color,
            warnings: String::new(),
        }
    }

    fn succeeded(&mut self, shared: &Shared, success: Success, first: bool) {
        let Success {
            prepared,
            read,
            elapsed,
            diagnostics,
        } = success;
        let warnings = diagnostics.warning_count();
        let plain = diagnostics.render_human(false);
        if plain != self.warnings {
            say_diagnostics(&shared.log, &diagnostics.render_human(self.color));
            self.warnings = plain.clone();
        }
        say!(
            shared.log,
            "{} in {} ms ({read} file{} read{})",
            if first { "built" } else { "rebuilt" },
            elapsed.as_millis(),
            if read == 1 { "" } else { "s" },
            match warnings {
                0 => String::new(),
                1 => ", 1 warning".to_string(),
                n => format!(", {n} warnings"),
            }
        );
        let old = {
            let mut state = shared.state();
            state.status = Status {
                ok: true,
                errors: 0,
                warnings,
                text: plain,
            };
            state.served.replace(prepared)
        };
        shared.broadcast(LiveEvent::Reload);
        // Freeing a large site takes tens of milliseconds: not while the
        // state is locked, nor before the open pages hear of the new one.
        drop_later(old);
    }

    fn failed(&mut self, shared: &Shared, failure: Failure, first: bool) {
        let Failure::Content(d) = &failure;
        say_diagnostics(&shared.log, &d.render_human(self.color));
        let (errors, warnings, text) = (d.error_count(), d.warning_count(), d.render_human(false));
        // Warnings are printed with the errors; print them again once fixed.
        self.warnings.clear();
        say!(
            shared.log,
            "build failed: {errors} error{}; {}",
            if errors == 1 { "" } else { "s" },
            if first {
                "serving an error page until it is fixed"
            } else {
                "still serving the last good build"
            }
        );
        shared.state().status = Status {
            ok: false,
            errors,
            warnings,
            text,
        };
        shared.broadcast(LiveEvent::Error);
    }
}

/// What the request threads share with the main loop.
struct Shared {
    /// Where messages go.
    log: Log,
    state: Mutex<State>,
    /// One sender per open event stream; a send fails once its page is gone.
    clients: Mutex<Vec<Sender<LiveEvent>>>,
    /// The newest batch of changes seen; a check of an older build stops.
    generation: AtomicU64,
    /// Set once Ctrl-C came: connections are closed after their answer.
    stopping: AtomicBool,
}

#[derive(Default)]
struct State {
    /// The build being served; None until one succeeds.
    served: Option<Arc<Prepared>>,
    /// Its generation (see [`MainLoop::generation`]).
    served_generation: u64,
    status: Status,
}

/// The last build's outcome, as `/__okra/status` reports it.
#[derive(Default, Clone)]
struct Status {
    ok: bool,
    errors: usize,
    warnings: usize,
    /// Diagnostics in human form, without colour.
    text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LiveEvent {
    Reload,
    Error,
}

impl Shared {
    /// A panicking request thread must not take the preview down with it.
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn clients(&self) -> MutexGuard<'_, Vec<Sender<LiveEvent>>> {
        self.clients.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Tells every open page; pages that closed are forgotten.
    fn broadcast(&self, event: LiveEvent) {
        self.clients().retain(|client| client.send(event).is_ok());
    }
}

/// Opens the preview in the default browser. A missing opener (a server without a
/// desktop) is a warning, not a reason to stop serving.
fn open_browser(url: &str, log: &Log) {
    let mut command = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        let mut c = std::process::Command::new("cmd");
        // The empty argument is `start`'s window title, so the URL is not taken for one.
        c.args(["/C", "start", ""]);
        c
    } else {
        std::process::Command::new("xdg-open")
    };
    command
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let url = url.to_string();
    match command.spawn() {
        // Waited for on a thread: no zombie, and its failure is still reported.
        Ok(mut child) => {
            let log = log.clone();
            thread::spawn(move || match child.wait() {
                Ok(status) if !status.success() => {
                    say!(
                        log,
                        "warning: could not open a browser ({status}); open {url} yourself"
                    )
                }
                _ => {}
            });
        }
        Err(e) => say!(
            log,
            "warning: could not open a browser ({e}); open {url} yourself"
        ),
    }
}

/// Frees `value` on a thread of its own, so that whoever let go of it can go on.
fn drop_later<T: Send + 'static>(value: T) {
    // If no thread can be made, freeing it here is only slower.
    let _ = thread::Builder::new()
        .name("okra-serve-free".into())
        .spawn(move || drop(value));
}

#[cfg(test)]
mod tests {
    use super::http::*;
    use super::*;

    #[test]
    fn resolves_folders_to_their_index() {
        let file = |p: &str| Target::File(p.to_string());
        assert_eq!(resolve("/"), file("index.html"));
        assert_eq!(resolve("/fy24/eng/"), file("fy24/eng/index.html"));
        assert_eq!(resolve("//fy24//eng/"), file("fy24/eng/index.html"));
        assert_eq!(resolve("/okra.css"), Target::Bare("okra.css".into()));
        assert_eq!(resolve("/fy24/eng"), Target::Bare("fy24/eng".into()));
        assert_eq!(resolve("/okra%2Ecss"), Target::Bare("okra.css".into()));
    }

    #[test]
    fn refuses_paths_outside_the_site() {
        for bad in [
            "/../etc/passwd",
            "/fy24/../../x",
            "/%2e%2e/x",
            "/%2E%2E%2Fx",
            "/a\\..\\b",
            "/c:/x",
            "/%00",
            "/%zz",
            "/%e9",
            "relative",
        ] {
            assert_eq!(resolve(bad), Target::BadRequest, "{bad}");
        }
    }

    #[test]
    fn injects_the_script_before_the_last_body_end() {
        let html = inject_script(b"<body><p>x</p></BODY>\n</html>".to_vec());
        let html = String::from_utf8(html).unwrap();
        assert!(html.starts_with("<body><p>x</p><script>"));
        assert!(html.ends_with("</script>\n</BODY>\n</html>"));
        assert!(html.contains(EVENTS_PATH) && html.contains(STATUS_PATH));
        let bare = String::from_utf8(inject_script(b"<p>x</p>".to_vec())).unwrap();
        assert!(bare.starts_with("<p>x</p><script>"));
    }

    #[test]
    fn content_types() {
        let ct = |name: &str, data: &[u8]| content_type(Path::new(name), data);
        assert_eq!(ct("a/index.html", b""), "text/html; charset=utf-8");
        assert_eq!(ct("okra.css", b""), "text/css; charset=utf-8");
        assert_eq!(ct("c.svg", b""), "image/svg+xml");
        assert_eq!(ct("okrs.json", b""), "application/json");
        assert_eq!(ct("okrs.csv", b""), "text/csv; charset=utf-8");
        assert_eq!(
            ct(
                "updates.xml",
                b"<?xml version=\"1.0\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">"
            ),
            "application/atom+xml; charset=utf-8"
        );
        assert_eq!(
            ct("sitemap.xml", b"<urlset>"),
            "application/xml; charset=utf-8"
        );
        assert_eq!(ct("logo.PNG", b""), "image/png");
        assert_eq!(ct("f.woff2", b""), "font/woff2");
        assert_eq!(ct("blob", b""), "application/octet-stream");
    }

    #[test]
    fn only_sources_trigger_rebuilds() {
        let root = Path::new("/site");
        let yes = |p: &str| is_source_change(root, &root.join(p));
        assert!(yes("okra.toml"));
        assert!(yes("content/fy24/eng/objective.md"));
        assert!(yes("data/signups.csv"));
        assert!(yes("content"));
        assert!(yes("templates/base.html"));
        assert!(yes("static/logo.png"));
        assert!(yes("themes/dark/templates/base.html"));
        assert!(!yes("public/index.html"));
        assert!(!yes("target/debug/okra"));
        assert!(!yes(".git/index"));
        assert!(!yes("README.md"));
        assert!(!yes("content/fy24/.objective.md.swp"));
        assert!(!yes("content/fy24/objective.md~"));
        assert!(!yes("content/fy24/#objective.md#"));
        assert!(!is_source_change(root, Path::new("/elsewhere/okra.toml")));
    }

    #[test]
    fn error_page_escapes_the_diagnostics() {
        let page = error_page("content/a.md:1:1: error: <script>alert(1)</script> & more\n");
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; more"));
        assert!(!page.contains("<script>alert(1)"));
        assert!(page.contains(EVENTS_PATH));
    }
}
