//! `okra serve`: a local preview that rebuilds on every change and reloads open pages.
//!
//! The moving parts, each a small function below:
//!
//! - **Builds** go into a private temporary folder (never the site's `public/`),
//!   each into a fresh `build-<n>` subfolder through the ordinary [`build`]. Only a
//!   successful build replaces the folder being served, so a broken edit leaves the
//!   last good site on screen; the previous folder is kept until the next success
//!   because a request may still be reading from it.
//! - **Serving** is tiny_http on 127.0.0.1 with a few worker threads. HTML pages get
//!   a small live-reload script injected on the way out (the files on disk stay
//!   exactly what `okra build` writes).
//! - **Live reload** is Server-Sent Events on `/__okra/events`: one thread per open
//!   page, fed by a channel. `/__okra/status` says whether the last build failed and
//!   why, and the script shows that as an overlay.
//! - **Watching** is notify on `content/`, `templates/`, `static/`, `themes/` and
//!   `okra.toml`, debounced so that an editor's burst of events (write, rename,
//!   chmod) is one rebuild.
//!
//! Rebuilds are full builds today. [`Rebuilder::rebuild`] receives the set of
//! changed files, which is where an incremental path would start.

use crate::render::templates::escape_html;
use std::collections::{BTreeSet, VecDeque};
use std::fs;
use std::io::{self, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use tiny_http::{Header, Method, Request, Response, StatusCode};

use crate::diag::Diagnostics;
use crate::site::build::{BuildError, BuildOptions, build};

/// Quiet time after the last change before rebuilding: long enough to gather an
/// editor's save (often a write, a rename and a chmod), short enough to feel instant.
const DEBOUNCE: Duration = Duration::from_millis(100);
/// A tool that keeps writing (a `git checkout` of many files) still gets a rebuild
/// this often, rather than none until it stops.
const MAX_DEBOUNCE: Duration = Duration::from_secs(1);
/// Comment sent to idle event streams: proxies keep the connection open, and a
/// closed tab is noticed (the write fails) and its thread ends.
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// How many ports after `--port` are tried when it is taken.
const PORT_TRIES: u16 = 20;
/// Threads answering ordinary requests; event streams get their own threads.
const WORKERS: usize = 4;
/// Folders of the site that are watched recursively (SPEC §7 layout).
const SOURCE_DIRS: [&str; 4] = ["content", "templates", "static", "themes"];
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
    /// Folder for the builds instead of a fresh temporary one; must be outside the site.
    pub output: Option<PathBuf>,
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

/// Builds, serves and watches until Ctrl-C (or SIGTERM); then removes the
/// temporary builds and returns. A failing build does not stop it: the errors are
/// printed and shown in the browser until they are fixed.
pub fn serve(opts: &ServeOptions) -> Result<(), ServeError> {
    let root = fs::canonicalize(&opts.root)
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
    let work = WorkDir::create(&root, opts.output.as_deref())?;
    eprintln!("building into {}", work.path.display());

    let (events, inbox) = mpsc::channel();
    stop_on_signal(events.clone());
    // Watching starts before the first build, so an edit made during it is not lost.
    let mut watch = Watch::start(&root, events);

    let shared = Arc::new(Shared::default());
    let mut rebuilder = Rebuilder::new(&root, &work.path, opts);
    let spinner = indicatif::ProgressBar::new_spinner();
    spinner.enable_steady_tick(Duration::from_millis(120));
    let first = rebuilder.rebuild(&BTreeSet::new(), |stage| {
        spinner.set_message(stage.to_string())
    });
    spinner.finish_and_clear();
    if let Err(Failure::Unsafe(msg)) = &first {
        return Err(ServeError::Usage(msg.clone()));
    }
    let mut reporter = Reporter::new(opts.color);
    reporter.report(&shared, first, true);

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

    watch_and_rebuild(&inbox, &mut watch, &mut rebuilder, &shared, &mut reporter);

    // Stop accepting before the builds are removed; `work` is removed when dropped.
    for _ in 0..WORKERS {
        server.unblock();
    }
    drop(work);
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

/// The folder the builds go into: a fresh temporary one, or `--output`. Removed
/// (or emptied, if it existed) when dropped, which is how Ctrl-C cleans up.
struct WorkDir {
    path: PathBuf,
    /// Whether okra created the folder itself, and so may remove it whole.
    created: bool,
}

impl WorkDir {
    fn create(root: &Path, output: Option<&Path>) -> Result<WorkDir, ServeError> {
        match output {
            Some(dir) => Self::given(root, dir),
            None => Self::temporary(root),
        }
    }

    /// `okra-serve-<pid>` in the system's temporary folder; a suffix is added if a
    /// folder of that name is left over (never reuse a folder okra did not just create).
    fn temporary(root: &Path) -> Result<WorkDir, ServeError> {
        let base = std::env::temp_dir();
        let base = fs::canonicalize(&base).unwrap_or(base);
        refuse_inside_site(root, &base, "the temporary folder (TMPDIR)")?;
        let pid = std::process::id();
        for attempt in 0..100 {
            let name = match attempt {
                0 => format!("okra-serve-{pid}"),
                n => format!("okra-serve-{pid}-{n}"),
            };
            let path = base.join(name);
            match fs::create_dir(&path) {
                Ok(()) => {
                    return Ok(WorkDir {
                        path,
                        created: true,
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => {
                    return Err(ServeError::Failed(format!(
                        "cannot create a temporary folder {}: {e}",
                        path.display()
                    )));
                }
            }
        }
        Err(ServeError::Failed(format!(
            "cannot create a temporary folder in {}: too many okra-serve-{pid}* folders",
            base.display()
        )))
    }

    /// A folder given with `--output`: outside the site, and empty if it exists,
    /// since everything in it is removed at the end.
    fn given(root: &Path, dir: &Path) -> Result<WorkDir, ServeError> {
        let usage = |why: String| ServeError::Usage(format!("--output {}: {why}", dir.display()));
        let absolute = std::path::absolute(dir).map_err(|e| usage(e.to_string()))?;
        let exists = absolute.exists();
        let resolved = if exists {
            fs::canonicalize(&absolute).map_err(|e| usage(e.to_string()))?
        } else {
            let (Some(parent), Some(name)) = (absolute.parent(), absolute.file_name()) else {
                return Err(usage("not a folder name".into()));
            };
            fs::canonicalize(parent)
                .map_err(|e| usage(format!("its parent folder cannot be used: {e}")))?
                .join(name)
        };
        refuse_inside_site(root, &resolved, "--output")?;
        if exists {
            let empty = fs::read_dir(&resolved)
                .map_err(|e| usage(e.to_string()))?
                .next()
                .is_none();
            if !empty {
                return Err(usage(
                    "not empty; okra serve removes what it builds there, so give it an empty or new folder".into(),
                ));
            }
        } else {
            fs::create_dir(&resolved).map_err(|e| usage(e.to_string()))?;
        }
        Ok(WorkDir {
            path: resolved,
            created: !exists,
        })
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        if self.created {
            let _ = fs::remove_dir_all(&self.path);
        } else if let Ok(entries) = fs::read_dir(&self.path) {
            for entry in entries.flatten() {
                let _ = fs::remove_dir_all(entry.path());
            }
        }
    }
}

/// The preview never writes into the site: not `public/`, and not anywhere the
/// watcher would see its own output as a change.
fn refuse_inside_site(root: &Path, dir: &Path, what: &str) -> Result<(), ServeError> {
    if dir.starts_with(root) {
        Err(ServeError::Usage(format!(
            "{what} {} is inside the site {}; okra serve builds outside the site (it never writes public/)",
            dir.display(),
            root.display()
        )))
    } else {
        Ok(())
    }
}

/// Messages to the main loop, from the watcher and the signal handler.
enum Message {
    Changed(Vec<PathBuf>),
    WatchFailed(String),
    Stop,
}

/// Ctrl-C, SIGTERM and SIGHUP end the main loop, which then removes the builds.
fn stop_on_signal(events: Sender<Message>) {
    if let Err(e) = ctrlc::set_handler(move || {
        let _ = events.send(Message::Stop);
    }) {
        eprintln!("warning: cannot handle Ctrl-C ({e}); the temporary builds may be left behind");
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
        let handler = move |result: notify::Result<notify::Event>| {
            let message = match result {
                // Reads are events too (inotify reports opens): the build reading the
                // content must not trigger the next build.
                Ok(event) if matches!(event.kind, EventKind::Access(_)) => return,
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

/// The main loop: waits for changes, lets them settle, rebuilds; until a stop.
fn watch_and_rebuild(
    inbox: &Receiver<Message>,
    watch: &mut Watch,
    rebuilder: &mut Rebuilder,
    shared: &Shared,
    reporter: &mut Reporter,
) {
    let mut changed = BTreeSet::new();
    loop {
        match inbox.recv() {
            Err(_) | Ok(Message::Stop) => return,
            Ok(Message::WatchFailed(e)) => eprintln!("warning: watching for changes: {e}"),
            Ok(Message::Changed(paths)) => {
                collect_changes(&watch.root, paths, &mut changed);
                if changed.is_empty() {
                    continue;
                }
                if !settle(inbox, &watch.root, &mut changed) {
                    return;
                }
                watch.refresh(&changed);
                let outcome = rebuilder.rebuild(&changed, |_| {});
                reporter.report(shared, outcome, false);
                rebuilder.retire_old();
                changed.clear();
            }
        }
    }
}

fn collect_changes(root: &Path, paths: Vec<PathBuf>, changed: &mut BTreeSet<PathBuf>) {
    changed.extend(paths.into_iter().filter(|p| is_source_change(root, p)));
}

/// Debounce: gathers changes until [`DEBOUNCE`] passes without a relevant one (or
/// [`MAX_DEBOUNCE`] in all). Returns false if asked to stop meanwhile.
fn settle(inbox: &Receiver<Message>, root: &Path, changed: &mut BTreeSet<PathBuf>) -> bool {
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
            Err(RecvTimeoutError::Timeout) => return true,
            Ok(Message::Stop) | Err(RecvTimeoutError::Disconnected) => return false,
        }
    }
}

/// A successful build, ready to serve.
struct Success {
    dir: PathBuf,
    pages: usize,
    elapsed: Duration,
    diagnostics: Diagnostics,
}

/// A build that produced nothing to serve.
enum Failure {
    /// Content or template errors.
    Content(Diagnostics),
    /// The build folder was refused (a usage error, only possible with `--output`).
    Unsafe(String),
    /// Writing failed (disk full, the temporary folder removed under us...).
    Write(String),
}

/// Builds the site into successive folders of the work folder and remembers the
/// good ones, so that older builds can be removed once nothing serves them.
struct Rebuilder {
    options: BuildOptions,
    work: PathBuf,
    next: usize,
    /// Successful builds still on disk, oldest first; the last one is served.
    good: VecDeque<PathBuf>,
    follow_today: bool,
}

impl Rebuilder {
    fn new(root: &Path, work: &Path, opts: &ServeOptions) -> Rebuilder {
        Rebuilder {
            options: BuildOptions {
                root: root.to_path_buf(),
                output: work.join("build-0"),
                as_of: opts.as_of,
                // Links are relative, so the preview needs no base URL; the feed
                // falls back to okra.toml's base_url as in a plain build.
                base_url: None,
                drafts: opts.drafts,
            },
            work: work.to_path_buf(),
            next: 0,
            good: VecDeque::new(),
            follow_today: opts.follow_today,
        }
    }

    /// A full build into a fresh folder. `_changed` (the files changed since the
    /// last build; empty for the first) is unused by a full build: it is the input
    /// an incremental rebuild would start from.
    fn rebuild(
        &mut self,
        _changed: &BTreeSet<PathBuf>,
        progress: impl FnMut(&str),
    ) -> Result<Success, Failure> {
        self.next += 1;
        self.options.output = self.work.join(format!("build-{}", self.next));
        if self.follow_today {
            self.options.as_of = chrono::Local::now().date_naive();
        }
        let started = Instant::now();
        let built = build(&self.options, progress).map_err(|e| match e {
            BuildError::Content(d) => Failure::Content(d),
            BuildError::Output(msg) => Failure::Unsafe(msg),
            BuildError::Write(e) => Failure::Write(e.to_string()),
        })?;
        let dir = self.options.output.clone();
        self.good.push_back(dir.clone());
        Ok(Success {
            dir,
            pages: built.pages,
            elapsed: started.elapsed(),
            diagnostics: built.diagnostics,
        })
    }

    /// Removes the good builds older than the previous one. Called after the new
    /// build is being served, so at most an in-flight request reads the previous one.
    fn retire_old(&mut self) {
        while self.good.len() > 2 {
            if let Some(old) = self.good.pop_front() {
                let _ = fs::remove_dir_all(old);
            }
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

    fn report(&mut self, shared: &Shared, outcome: Result<Success, Failure>, first: bool) {
        match outcome {
            Ok(success) => self.succeeded(shared, success, first),
            Err(failure) => self.failed(shared, failure, first),
        }
    }

    fn succeeded(&mut self, shared: &Shared, success: Success, first: bool) {
        let Success {
            dir,
            pages,
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
            "{} in {} ms ({pages} pages{})",
            if first { "built" } else { "rebuilt" },
            elapsed.as_millis(),
            match warnings {
                0 => String::new(),
                1 => ", 1 warning".to_string(),
                n => format!(", {n} warnings"),
            }
        );
        {
            let mut state = shared.state();
            state.served = Some(dir);
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
        let (errors, warnings, text) = match &failure {
            Failure::Content(d) => {
                eprint!("{}", d.render_human(self.color));
                (d.error_count(), d.warning_count(), d.render_human(false))
            }
            Failure::Unsafe(msg) | Failure::Write(msg) => {
                let text = format!("error: writing the preview failed: {msg}\n");
                eprint!("{text}");
                (1, 0, text)
            }
        };
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
}

#[derive(Default)]
struct State {
    /// The last good build; None until one succeeds.
    served: Option<PathBuf>,
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
                Some(dir) => file_response(&dir, path),
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

/// Where a request path leads in a built site.
#[derive(Debug, PartialEq, Eq)]
enum Target {
    File(PathBuf),
    /// A folder asked for without its trailing slash: relative links only work
    /// from `/fy24/eng/`, so redirect there.
    Redirect(String),
    NotFound,
    BadRequest,
}

/// Maps a URL path to a file of the site in `dir`: `/a/b/` is `a/b/index.html`.
/// Percent-escapes are decoded first, then any `.`/`..` segment, backslash, colon
/// or NUL is refused, so no request reaches outside `dir`.
fn resolve(dir: &Path, url_path: &str) -> Target {
    let Some(decoded) = percent_decode(url_path) else {
        return Target::BadRequest;
    };
    if !decoded.starts_with('/') {
        return Target::BadRequest;
    }
    let mut file = dir.to_path_buf();
    for segment in decoded.split('/').filter(|s| !s.is_empty()) {
        let unsafe_segment =
            segment == "." || segment == ".." || segment.contains(['\\', ':', '\0']);
        if unsafe_segment {
            return Target::BadRequest;
        }
        file.push(segment);
    }
    if decoded.ends_with('/') {
        file.push("index.html");
    } else if file.is_dir() {
        return Target::Redirect(format!("{url_path}/"));
    }
    if file.is_file() {
        Target::File(file)
    } else {
        Target::NotFound
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

/// The response for a path of the served build: the file, a redirect, or the
/// site's own 404 page.
fn file_response(dir: &Path, url_path: &str) -> Response<io::Cursor<Vec<u8>>> {
    match resolve(dir, url_path) {
        Target::File(file) => match fs::read(&file) {
            Ok(data) => page_response(200, &file, data),
            Err(_) => not_found(dir),
        },
        Target::Redirect(location) => match Header::from_bytes("Location", location.as_bytes()) {
            Ok(location) => text_response(301, "moved\n").with_header(location),
            Err(()) => text_response(400, "bad request\n"),
        },
        Target::NotFound => not_found(dir),
        Target::BadRequest => text_response(400, "bad request\n"),
    }
}

fn not_found(dir: &Path) -> Response<io::Cursor<Vec<u8>>> {
    let page = dir.join("404.html");
    match fs::read(&page) {
        Ok(data) => page_response(404, &page, data),
        Err(_) => text_response(404, "not found\n"),
    }
}

/// A file with its content type; HTML gets the live-reload script.
fn page_response(status: u16, file: &Path, data: Vec<u8>) -> Response<io::Cursor<Vec<u8>>> {
    let content_type = content_type(file, &data);
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

    fn site() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("fy24/eng")).unwrap();
        fs::write(dir.path().join("index.html"), "<p>home</p>").unwrap();
        fs::write(dir.path().join("fy24/eng/index.html"), "<p>eng</p>").unwrap();
        fs::write(dir.path().join("okra.css"), "p{}").unwrap();
        dir
    }

    #[test]
    fn resolves_folders_to_their_index() {
        let dir = site();
        let d = dir.path();
        assert_eq!(resolve(d, "/"), Target::File(d.join("index.html")));
        assert_eq!(
            resolve(d, "/fy24/eng/"),
            Target::File(d.join("fy24/eng/index.html"))
        );
        assert_eq!(resolve(d, "/okra.css"), Target::File(d.join("okra.css")));
        assert_eq!(
            resolve(d, "/fy24/eng"),
            Target::Redirect("/fy24/eng/".into())
        );
        assert_eq!(resolve(d, "/no/such/"), Target::NotFound);
        assert_eq!(resolve(d, "/okra%2Ecss"), Target::File(d.join("okra.css")));
    }

    #[test]
    fn refuses_paths_outside_the_site() {
        let dir = site();
        let d = dir.path();
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
            assert_eq!(resolve(d, bad), Target::BadRequest, "{bad}");
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
