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
//!   compares every file). tiny_http on 127.0.0.1 with a few worker threads;
//!   HTML pages get a small live-reload script injected on the way out.
//! - **Checking** renders every page once more in the background, on one
//!   thread, after each rebuild: a template that fails only on some pages is
//!   reported like a content error, and the last build that rendered completely
//!   is served again. A newer edit cancels the check.
//! - **Live reload** is Server-Sent Events on `/__okra/events`: one thread per open
//!   page, fed by a channel. `/__okra/status` says whether the last build failed and
//!   why, and the script shows that as an overlay.
//! - **Watching** is notify on `content/`, `templates/`, `static/`, `themes/` and
//!   `okra.toml`, debounced so that an editor's burst of events (write, rename,
//!   chmod) is one rebuild.

use crate::render::templates::escape_html;
use std::collections::BTreeSet;
use std::io::{self, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use tiny_http::{Header, Method, Request, Response, StatusCode};

mod cache;

use crate::diag::Diagnostics;
use crate::pipeline;
use crate::render::memo::ViewMemo;
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
/// Threads answering ordinary requests; event streams get their own threads.
const WORKERS: usize = 4;
/// Folders of the site that are watched recursively (SPEC §7 layout).
const SOURCE_DIRS: [&str; 4] = ["content", "templates", "static", "themes"];
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
const LIVE_RELOAD_SCRIPT: &str = r#"<script>
(function () {
  "use strict";
  var box = null;
  function hide() {
    if (box) { box.remove(); box = null; }
  }
  function show(s) {
    var page = document.getElementById("okra-error-text");
    if (page) { page.textContent = s.text; return; }
    if (s.ok) { hide(); return; }
    hide();
    box = document.createElement("div");
    box.id = "okra-serve-overlay";
    box.setAttribute("role", "alert");
    box.style.cssText = "position:fixed;top:0;left:0;right:0;z-index:2147483647;max-height:70vh;overflow:auto;" +
      "margin:0;padding:.75rem 1rem;background:#3b0d0d;color:#ffe3e3;border-bottom:3px solid #e5484d;" +
      "font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;box-shadow:0 4px 16px rgba(0,0,0,.35);text-align:left";
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = "\u00d7";
    close.setAttribute("aria-label", "Dismiss");
    close.style.cssText = "float:right;font:inherit;font-size:18px;line-height:1;background:none;color:inherit;border:0;cursor:pointer;padding:0 .25rem";
    close.addEventListener("click", hide);
    var title = document.createElement("strong");
    title.textContent = "okra: the build failed (" + s.errors + (s.errors === 1 ? " error" : " errors") +
      "); this is the last good build";
    var text = document.createElement("pre");
    text.style.cssText = "margin:.5rem 0 0;white-space:pre-wrap;overflow-wrap:anywhere;font:inherit";
    text.textContent = s.text;
    box.appendChild(close);
    box.appendChild(title);
    box.appendChild(text);
    document.body.appendChild(box);
  }
  function check() {
    fetch("/__okra/status", { cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(show, function () {});
  }
  if (!window.EventSource) return;
  var lost = false;
  var events = new EventSource("/__okra/events");
  events.onmessage = function (e) {
    if (e.data === "reload") location.reload();
    else if (e.data === "error") check();
  };
  events.onerror = function () { lost = true; };
  events.onopen = function () { if (lost) location.reload(); };
  check();
})();
</script>
"#;

/// What `okra serve` was asked for.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub root: PathBuf,
    /// The first port tried on 127.0.0.1 (0: any free port).
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
    let (listener, requested_port_taken) = bind(opts.port)?;
    let port = listener
        .local_addr()
        .map_err(|e| ServeError::Failed(format!("cannot read the server's address: {e}")))?
        .port();
    let url = format!("http://127.0.0.1:{port}/");
    if let Some(taken) = requested_port_taken {
        eprintln!("port {taken} is in use; serving on {url} instead");
    }

    let (events, inbox) = mpsc::channel();
    stop_on_signal(events.clone());
    // Watching starts before the first build, so an edit made during it is not lost.
    let mut watch = Watch::start(&root, events.clone());

    let shared = Arc::new(Shared::default());
    let checker = Checker::start(Arc::clone(&shared), events);
    let mut rebuilder = Rebuilder::new(&root, opts);
    let spinner = indicatif::ProgressBar::new_spinner();
    spinner.enable_steady_tick(Duration::from_millis(120));
    spinner.set_message("loading content");
    let first = rebuilder.rebuild(&BTreeSet::new());
    spinner.finish_and_clear();
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

    let server = tiny_http::Server::from_listener(listener, None)
        .map(Arc::new)
        .map_err(|e| ServeError::Failed(format!("cannot start the server on {url}: {e}")))?;
    for _ in 0..WORKERS {
        let (server, shared) = (Arc::clone(&server), Arc::clone(&shared));
        thread::spawn(move || answer_requests(&server, &shared));
    }
    eprintln!("serving {url} (as of {}); Ctrl-C to stop", opts.as_of);
    if opts.open {
        open_browser(&url);
    }

    lp.run(&mut watch);

    for _ in 0..WORKERS {
        server.unblock();
    }
    eprintln!("stopped");
    Ok(())
}

/// Binds 127.0.0.1:`port`, or one of the next [`PORT_TRIES`] ports if it is taken.
/// Returns the listener and, when another port was used, the one asked for.
/// Binding here (rather than inside tiny_http) tells "in use" apart from other errors.
fn bind(port: u16) -> Result<(TcpListener, Option<u16>), ServeError> {
    let last = port.saturating_add(PORT_TRIES);
    let candidates = if port == 0 { 0..=0 } else { port..=last };
    for candidate in candidates {
        match TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, candidate))) {
            Ok(listener) => return Ok((listener, (candidate != port).then_some(port))),
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => continue,
            Err(e) => {
                return Err(ServeError::Usage(format!(
                    "cannot listen on 127.0.0.1:{candidate}: {e}; choose another port with --port N"
                )));
            }
        }
    }
    Err(ServeError::Usage(format!(
        "ports {port} to {last} on 127.0.0.1 are all in use; choose another with --port N"
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
fn stop_on_signal(events: Sender<Message>) {
    if let Err(e) = ctrlc::set_handler(move || {
        let _ = events.send(Message::Stop);
    }) {
        eprintln!("warning: cannot handle Ctrl-C ({e}); stop okra serve by closing its terminal");
    }
}

/// The notify watcher and the folders it watches.
struct Watch {
    watcher: Option<RecommendedWatcher>,
    root: PathBuf,
    watched: BTreeSet<PathBuf>,
}

impl Watch {
    /// Watches the root itself non-recursively (for `okra.toml`, and for source
    /// folders that appear later) and each source folder recursively. Failures are
    /// warnings: the preview still serves, it just does not see those changes.
    fn start(root: &Path, events: Sender<Message>) -> Watch {
        let rescan_root = root.to_path_buf();
        let handler = move |result: notify::Result<notify::Event>| {
            let message = match result {
                // Reads are events too (inotify reports opens): the build reading the
                // content must not trigger the next build.
                Ok(event) if matches!(event.kind, EventKind::Access(_)) => return,
                // The kernel's queue overflowed: events were lost, so look at
                // everything (a folder among the changes makes the rebuild walk).
                Ok(event) if event.need_rescan() => {
                    Message::Changed(SOURCE_DIRS.iter().map(|d| rescan_root.join(d)).collect())
                }
                Ok(event) => Message::Changed(event.paths),
                Err(e) => Message::WatchFailed(e.to_string()),
            };
            let _ = events.send(message);
        };
        let mut watch = Watch {
            watcher: None,
            root: root.to_path_buf(),
            watched: BTreeSet::new(),
        };
        match notify::recommended_watcher(handler) {
            Ok(mut watcher) => {
                if let Err(e) = watcher.watch(root, RecursiveMode::NonRecursive) {
                    eprintln!(
                        "warning: cannot watch {} ({e}); changes to okra.toml will not rebuild",
                        root.display()
                    );
                }
                watch.watcher = Some(watcher);
                watch.refresh(&BTreeSet::new());
            }
            Err(e) => eprintln!(
                "warning: cannot watch for changes ({e}); the preview will not rebuild, restart okra serve after editing"
            ),
        }
        watch
    }

    /// Watches the source folders that exist and are not watched yet. A folder that
    /// itself changed (deleted, or replaced by a `git checkout`) is watched afresh,
    /// since a watch on the old folder sees nothing in the new one.
    fn refresh(&mut self, changed: &BTreeSet<PathBuf>) {
        let Some(watcher) = self.watcher.as_mut() else {
            return;
        };
        for name in SOURCE_DIRS {
            let dir = self.root.join(name);
            if changed.contains(&dir) && self.watched.remove(&dir) {
                let _ = watcher.unwatch(&dir);
            }
            if !dir.is_dir() {
                if self.watched.remove(&dir) {
                    let _ = watcher.unwatch(&dir);
                }
                continue;
            }
            if self.watched.contains(&dir) {
                continue;
            }
            match watcher.watch(&dir, RecursiveMode::Recursive) {
                Ok(()) => {
                    self.watched.insert(dir);
                }
                Err(e) => {
                    eprintln!("warning: cannot watch {name}/ ({e}); changes there will not rebuild")
                }
            }
        }
    }
}

/// Whether a changed path can change the site: `okra.toml`, or a file in a source
/// folder that is not an editor's temporary (dotfiles, `file~`, `#file#`). Anything
/// else in the root (`public/`, `target/`, `.git/`) is ignored.
fn is_source_change(root: &Path, path: &Path) -> bool {
    let Ok(rel) = path.strip_prefix(root) else {
        return false;
    };
    let names: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    match names.split_first() {
        Some((first, [])) if first == "okra.toml" => true,
        Some((first, rest)) if SOURCE_DIRS.contains(&first.as_str()) => {
            rest.iter().all(|name| !name.starts_with('.'))
                && rest
                    .last()
                    .is_none_or(|name| !name.ends_with('~') && !name.starts_with('#'))
        }
        _ => false,
    }
}

fn collect_changes(root: &Path, paths: Vec<PathBuf>, changed: &mut BTreeSet<PathBuf>) {
    changed.extend(paths.into_iter().filter(|p| is_source_change(root, p)));
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
                Ok(Message::WatchFailed(e)) => eprintln!("warning: watching for changes: {e}"),
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
                    if !settle(&self.inbox, &watch.root, &mut changed, &mut late) {
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
                eprintln!(
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
            Ok(Message::WatchFailed(e)) => eprintln!("warning: watching for changes: {e}"),
            Ok(Message::Checked(result)) => late.push(result),
            Err(RecvTimeoutError::Timeout) => return true,
            Ok(Message::Stop) | Err(RecvTimeoutError::Disconnected) => return false,
        }
    }
}

/// A successful rebuild, ready to serve.
struct Success {
    prepared: Arc<Prepared>,
    /// Content files read (the others came from the cache).
    read: usize,
    elapsed: Duration,
    diagnostics: Diagnostics,
}

/// A rebuild that produced nothing to serve: content or template errors.
enum Failure {
    Content(Diagnostics),
}

/// Makes a [`Prepared`] site from the files on disk, keeping what it can
/// between rebuilds: parsed files, rendered Markdown and the compiled theme.
struct Rebuilder {
    root: PathBuf,
    as_of: NaiveDate,
    follow_today: bool,
    drafts: bool,
    cache: LoadCache,
    memo: ViewMemo,
    theme: Option<Arc<Theme>>,
}

impl Rebuilder {
    fn new(root: &Path, opts: &ServeOptions) -> Rebuilder {
        Rebuilder {
            root: root.to_path_buf(),
            as_of: opts.as_of,
            follow_today: opts.follow_today,
            drafts: opts.drafts,
            cache: LoadCache::default(),
            memo: ViewMemo::default(),
            theme: None,
        }
    }

    /// Load (changed files only) → validate → score → views, as `okra build`
    /// does. `changed` holds the paths the watcher reported (empty the first time).
    fn rebuild(&mut self, changed: &BTreeSet<PathBuf>) -> Result<Success, Failure> {
        let started = Instant::now();
        if self.follow_today {
            self.as_of = chrono::Local::now().date_naive();
        }
        let root = &self.root;
        let theme_changed = changed.iter().any(|p| {
            p.strip_prefix(root).is_ok_and(|rel| {
                rel == Path::new(crate::config::CONFIG_FILE)
                    || THEME_SOURCES.iter().any(|d| rel.starts_with(d))
            })
        });
        if theme_changed {
            self.theme = None;
        }
        let (site, diagnostics) =
            cache::load_cached(root, &mut self.cache, Changes::Paths(changed));
        let checked = pipeline::check_loaded(site, diagnostics, self.as_of);
        let opts = pipeline::Options {
            as_of: self.as_of,
            // Links are relative, so the preview needs no base URL; the feed
            // falls back to okra.toml's base_url as in a plain build.
            base_url: None,
            drafts: self.drafts,
        };
        let reuse = pipeline::Reuse {
            theme: self.theme.clone(),
            memo: Some(&self.memo),
        };
        // As in `okra build`: private OKRs are gone before anything is scored.
        let (prepared, diagnostics) =
            pipeline::prepare(root, checked, &opts, reuse).map_err(Failure::Content)?;
        self.theme = Some(prepared.theme());
        self.memo.rotate();
        Ok(Success {
            prepared: Arc::new(prepared),
            read: self.cache.last_read,
            elapsed: started.elapsed(),
            diagnostics,
        })
    }
}

/// The background check: renders every page of each new build on one thread
/// (the other core stays free for the pages being viewed), discarding the bytes.
struct Checker {
    jobs: Sender<(u64, Arc<Prepared>)>,
}

/// Whether every page of build `generation` rendered.
struct CheckResult {
    generation: u64,
    outcome: Result<(usize, Duration), Diagnostics>,
}

/// Discards what it is given; cancelled once a newer batch of changes arrived.
struct Discard<'a> {
    generation: u64,
    shared: &'a Shared,
}

impl Sink for Discard<'_> {
    fn put(&self, _: &str, _: &[u8]) -> io::Result<()> {
        Ok(())
    }

    fn cancelled(&self) -> bool {
        self.shared.generation.load(Ordering::SeqCst) != self.generation
    }
}

impl Checker {
    fn start(shared: Arc<Shared>, results: Sender<Message>) -> Checker {
        let (jobs, inbox) = mpsc::channel::<(u64, Arc<Prepared>)>();
        thread::spawn(move || {
            let pool = match rayon::ThreadPoolBuilder::new().num_threads(1).build() {
                Ok(pool) => pool,
                Err(e) => {
                    eprintln!("warning: pages are not checked in the background ({e})");
                    return;
                }
            };
            while let Ok((mut generation, mut prepared)) = inbox.recv() {
                // Only the newest build is worth checking.
                while let Ok(newer) = inbox.try_recv() {
                    (generation, prepared) = newer;
                }
                let sink = Discard {
                    generation,
                    shared: &shared,
                };
                // Saves come in bursts, and the page being looked at is
                // rendered right after a rebuild: check once things are quiet.
                let quiet_from = Instant::now() + CHECK_AFTER;
                while Instant::now() < quiet_from && !sink.cancelled() {
                    thread::sleep(Duration::from_millis(10));
                }
                if sink.cancelled() {
                    continue;
                }
                let started = Instant::now();
                let mut diagnostics = Diagnostics::new();
                let outcome = match pool.install(|| prepared.render_all(&mut diagnostics, &sink)) {
                    Ok(pages) => Ok((pages, started.elapsed())),
                    Err(RenderError::Templates) => Err(diagnostics),
                    Err(RenderError::Write(_)) => continue, // cancelled
                };
                drop(prepared);
                let result = CheckResult {
                    generation,
                    outcome,
                };
                if results.send(Message::Checked(result)).is_err() {
                    return;
                }
            }
        });
        Checker { jobs }
    }

    fn check(&self, generation: u64, prepared: Arc<Prepared>) {
        let _ = self.jobs.send((generation, prepared));
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
            eprint!("{}", diagnostics.render_human(self.color));
            self.warnings = plain.clone();
        }
        eprintln!(
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
        {
            let mut state = shared.state();
            state.served = Some(prepared);
            state.status = Status {
                ok: true,
                errors: 0,
                warnings,
                text: plain,
            };
        }
        shared.broadcast(LiveEvent::Reload);
    }

    fn failed(&mut self, shared: &Shared, failure: Failure, first: bool) {
        let Failure::Content(d) = &failure;
        eprint!("{}", d.render_human(self.color));
        let (errors, warnings, text) = (d.error_count(), d.warning_count(), d.render_human(false));
        // Warnings are printed with the errors; print them again once fixed.
        self.warnings.clear();
        eprintln!(
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
#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    /// One sender per open event stream; a send fails once its page is gone.
    clients: Mutex<Vec<Sender<LiveEvent>>>,
    /// The newest batch of changes seen; a check of an older build stops.
    generation: AtomicU64,
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

/// A request thread: answers until the server is unblocked at shutdown.
fn answer_requests(server: &tiny_http::Server, shared: &Arc<Shared>) {
    while let Ok(request) = server.recv() {
        answer(request, shared);
    }
}

fn answer(request: Request, shared: &Arc<Shared>) {
    let url = request.url().to_string();
    let path = url.split(['?', '#']).next().unwrap_or_default();
    if !matches!(request.method(), Method::Get | Method::Head) {
        let response = text_response(405, "okra serve only answers GET and HEAD\n")
            .with_header(header("Allow", "GET, HEAD"));
        let _ = request.respond(response);
        return;
    }
    match path {
        EVENTS_PATH => stream_events(request, shared),
        STATUS_PATH => {
            let status = shared.state().status.clone();
            let body = serde_json::json!({
                "ok": status.ok,
                "errors": status.errors,
                "warnings": status.warnings,
                "text": status.text,
            })
            .to_string();
            let _ = request.respond(bytes_response(200, "application/json", body.into_bytes()));
        }
        _ => {
            let (served, status) = {
                let state = shared.state();
                (state.served.clone(), state.status.clone())
            };
            let response = match served {
                Some(site) => file_response(&site, path),
                None => bytes_response(
                    500,
                    "text/html; charset=utf-8",
                    error_page(&status.text).into_bytes(),
                ),
            };
            let _ = request.respond(response);
        }
    }
}

/// Where a request path leads in the site.
#[derive(Debug, PartialEq, Eq)]
enum Target {
    /// An output file, by its path in the site (`fy24/eng/index.html`).
    File(String),
    /// A path without a trailing slash (`okra.css`, or `fy24/eng`): a file, or
    /// a folder with a page, redirected to `/fy24/eng/` since relative links only
    /// work from there.
    Bare(String),
    BadRequest,
}

/// Maps a URL path to a file of the site: `/a/b/` is `a/b/index.html`.
/// Percent-escapes are decoded first, then any `.`/`..` segment, backslash, colon
/// or NUL is refused (files are looked up by name, never on disk, but a URL that
/// tries to climb out is still a bad request).
fn resolve(url_path: &str) -> Target {
    let Some(decoded) = percent_decode(url_path) else {
        return Target::BadRequest;
    };
    if !decoded.starts_with('/') {
        return Target::BadRequest;
    }
    let mut segments = Vec::new();
    for segment in decoded.split('/').filter(|s| !s.is_empty()) {
        let unsafe_segment =
            segment == "." || segment == ".." || segment.contains(['\\', ':', '\0']);
        if unsafe_segment {
            return Target::BadRequest;
        }
        segments.push(segment);
    }
    let path = segments.join("/");
    if decoded.ends_with('/') {
        Target::File(if path.is_empty() {
            "index.html".to_string()
        } else {
            format!("{path}/index.html")
        })
    } else {
        Target::Bare(path)
    }
}

/// Decodes `%XX` escapes; None for a malformed escape or a result that is not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The response for a path of the served site: the file, rendered now; a
/// redirect; or the site's own 404 page. A page whose template fails gets the
/// error page with the diagnostic.
fn file_response(site: &Prepared, url_path: &str) -> Response<io::Cursor<Vec<u8>>> {
    let (file, folder) = match resolve(url_path) {
        Target::BadRequest => return text_response(400, "bad request\n"),
        Target::File(file) => (file, None),
        Target::Bare(path) => (path.clone(), Some(path)),
    };
    match site.render_file(&file) {
        Some(Ok(data)) => page_response(200, &file, data),
        Some(Err(d)) => failed_page(&d),
        None => {
            let index = folder.map(|f| format!("{f}/index.html"));
            match index.and_then(|index| site.render_file(&index)) {
                Some(_) => {
                    match Header::from_bytes("Location", format!("{url_path}/").as_bytes()) {
                        Ok(location) => text_response(301, "moved\n").with_header(location),
                        Err(()) => text_response(400, "bad request\n"),
                    }
                }
                None => match site.render_file("404.html") {
                    Some(Ok(data)) => page_response(404, "404.html", data),
                    Some(Err(d)) => failed_page(&d),
                    None => text_response(404, "not found\n"),
                },
            }
        }
    }
}

/// A page whose template failed while serving it: the diagnostic, as a page.
fn failed_page(d: &crate::diag::Diagnostic) -> Response<io::Cursor<Vec<u8>>> {
    let mut diags = Diagnostics::new();
    diags.push(d.clone());
    let text = diags.render_human(false);
    bytes_response(
        500,
        "text/html; charset=utf-8",
        error_page(&text).into_bytes(),
    )
}

/// A file with its content type; HTML gets the live-reload script.
fn page_response(status: u16, file: &str, data: Vec<u8>) -> Response<io::Cursor<Vec<u8>>> {
    let content_type = content_type(Path::new(file), &data);
    let data = if content_type.starts_with("text/html") {
        inject_script(data)
    } else {
        data
    };
    bytes_response(status, content_type, data)
}

/// Inserts [`LIVE_RELOAD_SCRIPT`] right before the last `</body>` (any case), or at
/// the end of a page without one.
fn inject_script(mut html: Vec<u8>) -> Vec<u8> {
    let needle = b"</body>";
    let at = html
        .windows(needle.len())
        .rposition(|w| w.eq_ignore_ascii_case(needle))
        .unwrap_or(html.len());
    html.splice(at..at, LIVE_RELOAD_SCRIPT.bytes());
    html
}

/// Content type by extension; `.xml` is told apart as an Atom feed by its root element.
fn content_type(file: &Path, data: &[u8]) -> &'static str {
    let ext = file
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "csv" => "text/csv; charset=utf-8",
        "txt" | "md" => "text/plain; charset=utf-8",
        "xml" if is_atom(data) => "application/atom+xml; charset=utf-8",
        "xml" => "application/xml; charset=utf-8",
        "atom" => "application/atom+xml; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "pdf" => "application/pdf",
        "wasm" => "application/wasm",
        _ => "application/octet-stream",
    }
}

fn is_atom(data: &[u8]) -> bool {
    let head = &data[..data.len().min(512)];
    head.windows(5).any(|w| w == b"<feed")
}

/// Every response of the preview: never cached, so a reload shows the new build.
fn bytes_response(status: u16, content_type: &str, data: Vec<u8>) -> Response<io::Cursor<Vec<u8>>> {
    Response::from_data(data)
        .with_status_code(StatusCode(status))
        .with_header(header("Content-Type", content_type))
        .with_header(header("Cache-Control", "no-store"))
        .with_header(header("X-Content-Type-Options", "nosniff"))
}

fn text_response(status: u16, text: &str) -> Response<io::Cursor<Vec<u8>>> {
    bytes_response(
        status,
        "text/plain; charset=utf-8",
        text.as_bytes().to_vec(),
    )
}

/// A header from okra's own constants, which are ASCII.
fn header(name: &'static str, value: &str) -> Header {
    Header::from_bytes(name, value).expect("okra's own headers are ASCII")
}

/// Served for every path while no build has succeeded yet: the diagnostics, and
/// the script, so the page reloads into the site once they are fixed.
fn error_page(text: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <link rel=\"icon\" href=\"data:,\">\n<title>Build failed · okra serve</title>\n\
         <style>body{{font:16px/1.5 system-ui,sans-serif;margin:2rem;color:#1d2330;background:#fff5f5}}\
         pre{{font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;white-space:pre-wrap;\
         overflow-wrap:anywhere;background:#3b0d0d;color:#ffe3e3;padding:1rem;border-radius:4px}}</style>\n\
         </head>\n<body>\n<h1>The site has errors</h1>\n\
         <p>okra serve keeps watching: this page turns into the site as soon as they are fixed.</p>\n\
         <pre id=\"okra-error-text\">{}</pre>\n{LIVE_RELOAD_SCRIPT}</body>\n</html>\n",
        escape_html(text)
    )
}

/// An open page's event stream, on its own thread: it may stay open for hours.
/// The response is written raw, since tiny_http's chunked responses buffer (8 kB)
/// and an event must reach the page at once. The client is registered before the
/// headers go out, so a page that has seen them gets every later event.
fn stream_events(request: Request, shared: &Arc<Shared>) {
    let (sender, events) = mpsc::channel();
    shared.clients().push(sender);
    thread::spawn(move || {
        let mut out = request.into_writer();
        let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\n\
                    Connection: close\r\nX-Accel-Buffering: no\r\n\r\nretry: 1000\n\n";
        if send(&mut out, head.as_bytes()).is_err() {
            return;
        }
        loop {
            let chunk: &[u8] = match events.recv_timeout(KEEP_ALIVE) {
                Ok(LiveEvent::Reload) => b"data: reload\n\n",
                Ok(LiveEvent::Error) => b"data: error\n\n",
                Err(RecvTimeoutError::Timeout) => b":\n\n",
                Err(RecvTimeoutError::Disconnected) => return,
            };
            // A failed write means the page is gone; dropping `events` makes the
            // next broadcast forget it.
            if send(&mut out, chunk).is_err() {
                return;
            }
        }
    });
}

fn send(out: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
    out.write_all(bytes)?;
    out.flush()
}

/// Opens the preview in the default browser. A missing opener (a server without a
/// desktop) is a warning, not a reason to stop serving.
fn open_browser(url: &str) {
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
            thread::spawn(move || match child.wait() {
                Ok(status) if !status.success() => {
                    eprintln!("warning: could not open a browser ({status}); open {url} yourself")
                }
                _ => {}
            });
        }
        Err(e) => eprintln!("warning: could not open a browser ({e}); open {url} yourself"),
    }
}

#[cfg(test)]
mod tests {
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
