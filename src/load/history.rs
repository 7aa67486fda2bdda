//! The site's git history: the files exactly as they were committed on a day
//! (`okra build/check --as-of D`), and the target ledger (every change of a
//! KR's `start`, `target`, `metric` or `title`, with its commit).
//!
//! Git is read through the `git` binary, not a library: okra adds no crates
//! for it (a pure-Rust git library would add about a hundred crates and
//! minutes of compile time on a 2-core CI runner), and any machine that has
//! the site's repository checked out has `git`. Only plumbing commands with
//! fixed output formats are used (`rev-parse`, `log --format`, `ls-tree`,
//! `cat-file --batch`), with `LC_ALL=C`, no pager and no user configuration
//! that changes their output, so the same repository and as-of day give the
//! same bytes. Nothing here panics or prints: what went wrong is a warning,
//! and the build falls back to the files on disk.
//!
//! History is first-parent history of `HEAD`; a commit's day is its committer
//! date in UTC.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use chrono::NaiveDate;
use serde::Serialize;

use crate::config::CONFIG_FILE;
use crate::diag::{Diagnostic, Diagnostics, Loc};
use crate::load::model::{KrMeta, Metric, Site};
use crate::load::walk::{CONTENT_DIR, OBJECTIVE_FILE, TEAMS_DIR};
use crate::source::SourceFile;

/// `--history`: where `--as-of` reads the site's files from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Git when the site is in a git repository and `--as-of` is given;
    /// otherwise the files on disk, with no warning.
    #[default]
    Auto,
    /// Git; a warning when it cannot be read (then the files on disk).
    Git,
    /// The files on disk, updates time-travelled; no ledger.
    None,
}

/// A commit of the first-parent history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commit {
    pub id: String,
    /// Committer time, seconds since 1970-01-01 UTC.
    pub time: i64,
    pub subject: String,
}

impl Commit {
    /// The first 7 characters of the id, as `git log --oneline` shows it.
    pub fn short(&self) -> &str {
        &self.id[..self.id.len().min(7)]
    }

    /// The committer day, in UTC.
    pub fn day(&self) -> NaiveDate {
        chrono::DateTime::from_timestamp(self.time, 0)
            .map(|t| t.date_naive())
            .unwrap_or_default()
    }
}

/// A field of a KR that the ledger follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Field {
    Title,
    Metric,
    Start,
    Target,
}

impl Field {
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Title => "title",
            Field::Metric => "metric",
            Field::Start => "start",
            Field::Target => "target",
        }
    }
}

/// A value of a followed field: a number (start, target) or text (title, metric).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Number(f64),
    Text(String),
}

/// One change of a KR's front matter, from history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub date: NaiveDate,
    pub field: Field,
    pub from: Value,
    pub to: Value,
    /// The commit's short id.
    pub commit: String,
    pub subject: String,
    /// The change made the KR easier: the target moved toward the start, or
    /// the start toward the target.
    pub easier: bool,
}

/// The changes of every KR file, by its path relative to the site root (as
/// committed at the end of the history read; a renamed file keeps the changes
/// made under its old name). Oldest first.
pub type Ledger = BTreeMap<PathBuf, Vec<Change>>;

/// A KR file added or removed, or an objective added, in history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub date: NaiveDate,
    /// Relative to the site root (a renamed KR's events follow it).
    pub path: PathBuf,
    pub kind: EventKind,
    /// A KR's title in that commit (empty for objectives).
    pub title: String,
    /// The KR was private or a draft itself in that commit.
    pub hidden: bool,
    pub commit: String,
    pub subject: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    Added,
    Removed,
    NewObjective,
}

/// What history gives a build.
#[derive(Debug, Default)]
pub struct History {
    /// The site root on disk (templates, static files and themes are always
    /// read from disk).
    pub root: PathBuf,
    /// The commit read, when the site's files come from history.
    pub commit: Option<Commit>,
    /// `okra.toml` and the files under `content/` and `data/` as committed, paths
    /// relative to the site root; `None`: the files on disk are used.
    pub files: Option<Snapshot>,
    pub ledger: Ledger,
    /// KRs added and removed, objectives added, oldest first.
    pub events: Vec<Event>,
    /// Warnings about history (not a repository, shallow clone, …).
    pub diagnostics: Diagnostics,
}

/// The site's files as committed.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub config: String,
    pub files: Vec<(String, String)>,
}

impl History {
    /// No history: the files on disk, no ledger.
    pub fn disk(root: &Path) -> History {
        History {
            root: root.to_path_buf(),
            ..History::default()
        }
    }

    /// Reads the history of the site at `root`: with `as_of`, the files as
    /// committed on or before the end of that day; the ledger up to that
    /// commit (or `HEAD` without `as_of`).
    pub fn open(root: &Path, as_of: Option<NaiveDate>, mode: Mode) -> History {
        let mut h = History::disk(root);
        if mode == Mode::None {
            return h;
        }
        // Without --as-of, history only gives the ledger: problems reading it
        // are warnings only when git was asked for.
        let loud = as_of.is_some() || mode == Mode::Git;
        let warn = move |h: &mut History, d: Diagnostic| {
            if loud {
                h.diagnostics.push(d);
            }
        };
        let repo = match Repo::discover(root) {
            Ok(r) => r,
            Err(Why::NoGit(e)) => {
                warn(
                    &mut h,
                    warning(
                        "history-unavailable",
                        format!(
                            "cannot run `git` ({e}); the files on disk are used, with updates as of the day"
                        ),
                        "install git and put it on PATH, or pass `--history none` to read the files on disk without this warning",
                    ),
                );
                return h;
            }
            Err(Why::NotARepo) => {
                if mode == Mode::Git {
                    warn(
                        &mut h,
                        warning(
                            "history-unavailable",
                            "the site is not in a git repository; the files on disk are used"
                                .into(),
                            "run okra inside a clone of the site's repository, or leave out `--history git`",
                        ),
                    );
                }
                return h;
            }
            Err(Why::Failed(e)) => {
                warn(
                    &mut h,
                    warning(
                        "history-unavailable",
                        format!("cannot read the git history: {e}; the files on disk are used"),
                        "check that `git log` works in the site's folder, or pass `--history none`",
                    ),
                );
                return h;
            }
        };
        let commits = match repo.first_parent() {
            Ok(c) => c,
            Err(e) => {
                warn(
                    &mut h,
                    warning(
                        "history-unavailable",
                        format!("cannot read the git history: {e}; the files on disk are used"),
                        "commit the site first, or pass `--history none`",
                    ),
                );
                return h;
            }
        };
        // Without --as-of a shallow clone only shortens the ledger: CI's
        // default checkout is shallow, and `check --strict` must not fail on it.
        if repo.shallow {
            let oldest = commits
                .last()
                .map(|c| c.day().to_string())
                .unwrap_or_default();
            warn(
                &mut h,
                warning(
                    "shallow-clone",
                    format!(
                        "the repository is a shallow clone: history before {oldest} is missing, so older days and target changes cannot be read"
                    ),
                    "fetch the whole history (`git fetch --unshallow`; in GitHub Actions `actions/checkout` with `fetch-depth: 0`)",
                ),
            );
        }
        // Newest first: the first commit on or before the end of the day.
        let upto = match as_of {
            None => 0,
            Some(day) => match commits.iter().position(|c| c.day() <= day) {
                Some(i) => i,
                None => {
                    let first = commits
                        .last()
                        .map(|c| c.day().to_string())
                        .unwrap_or_default();
                    warn(
                        &mut h,
                        warning(
                            "as-of-before-history",
                            format!(
                                "{day} is before the first commit{} ({first}); the files on disk are used, with updates as of {day}",
                                if repo.shallow {
                                    " of this shallow clone"
                                } else {
                                    ""
                                }
                            ),
                            "pick a later --as-of day, or pass `--history none` to time-travel only the updates",
                        ),
                    );
                    return h;
                }
            },
        };
        let history = &commits[upto..];
        if as_of.is_some() {
            let commit = &history[0];
            match repo.snapshot(&commit.id) {
                Ok(Some(s)) => {
                    h.files = Some(s);
                    h.commit = Some(commit.clone());
                }
                Ok(None) => {
                    warn(
                        &mut h,
                        warning(
                            "as-of-before-history",
                            format!(
                                "the site has no {CONFIG_FILE} in commit {} ({}), the last one on or before {}; the files on disk are used",
                                commit.short(),
                                commit.day(),
                                as_of.unwrap_or_default()
                            ),
                            "pick a day after the site was first committed, or pass `--history none`",
                        ),
                    );
                    return h;
                }
                Err(e) => {
                    warn(
                        &mut h,
                        warning(
                            "history-unavailable",
                            format!(
                                "cannot read commit {}: {e}; the files on disk are used",
                                commit.short()
                            ),
                            "check the repository with `git fsck`, or pass `--history none`",
                        ),
                    );
                    return h;
                }
            }
        }
        match repo.ledger(&history[0].id) {
            Ok((l, e)) => (h.ledger, h.events) = (l, e),
            Err(e) => warn(
                &mut h,
                warning(
                    "history-unavailable",
                    format!("cannot read the target ledger from git: {e}"),
                    "check that `git log` works in the site's folder, or pass `--history none`",
                ),
            ),
        }
        h
    }
}

impl History {
    /// The site as committed at `rev` (any git revision: `main`,
    /// `origin/main`, a commit id), with the ledger up to it: the "before"
    /// side of `okra diff`. An error says why it cannot be read.
    pub fn at_rev(root: &Path, rev: &str) -> Result<History, String> {
        let repo = Repo::discover(root).map_err(|w| match w {
            Why::NoGit(e) => format!("cannot run `git`: {e}"),
            Why::NotARepo => "the site is not in a git repository".to_string(),
            Why::Failed(e) => e,
        })?;
        let commit = repo.resolve(rev)?;
        let files = repo.snapshot(&commit.id)?.ok_or_else(|| {
            format!(
                "{rev} (commit {}) has no {CONFIG_FILE} at the site root",
                commit.short()
            )
        })?;
        let (ledger, events) = repo.ledger(&commit.id)?;
        Ok(History {
            root: root.to_path_buf(),
            commit: Some(commit),
            files: Some(files),
            ledger,
            events,
            diagnostics: Diagnostics::new(),
        })
    }
}

/// The files of the site (paths relative to its root) that differ between
/// the merge base of `rev` and `HEAD` and the working tree, untracked files
/// included: what a pull request based on `rev` changed.
pub fn changed_since(
    root: &Path,
    rev: &str,
) -> Result<std::collections::BTreeSet<PathBuf>, String> {
    let repo = Repo::discover(root).map_err(|w| match w {
        Why::NoGit(e) => format!("cannot run `git`: {e}"),
        Why::NotARepo => "the site is not in a git repository".to_string(),
        Why::Failed(e) => e,
    })?;
    let base = repo.resolve(rev)?;
    let head_base = repo
        .git(&["merge-base", &base.id, "HEAD"])
        .map(|o| String::from_utf8_lossy(&o).trim().to_string())
        .map_err(|e| format!("{rev} and HEAD have no common history ({e})"))?;
    let site = if repo.prefix.is_empty() {
        ".".to_string()
    } else {
        repo.prefix.clone()
    };
    let diff = repo.git(&[
        "diff",
        "--name-only",
        "-z",
        "--no-renames",
        &head_base,
        "--",
        &site,
    ])?;
    let untracked = repo.git(&[
        "ls-files",
        "-z",
        "--others",
        "--exclude-standard",
        "--",
        &site,
    ])?;
    Ok(diff
        .split(|b| *b == 0)
        .chain(untracked.split(|b| *b == 0))
        .filter(|p| !p.is_empty())
        .filter_map(|p| {
            let p = String::from_utf8_lossy(p);
            p.strip_prefix(repo.prefix.as_str()).map(PathBuf::from)
        })
        .collect())
}

/// A warning about history, on `okra.toml` (it is about the whole site).
fn warning(code: &'static str, message: String, hint: &str) -> Diagnostic {
    Diagnostic::warning(code, Loc::file(CONFIG_FILE), message, hint)
}

/// Puts each KR's changes made after its quarter started on the KR.
pub fn attach(site: &mut Site, ledger: &Ledger, events: &[Event]) {
    site.events = events.to_vec();
    for kr in site.key_results.iter_mut() {
        let start = site.config.calendar.quarter_start(kr.meta.quarter);
        kr.changes = ledger
            .get(&kr.source)
            .map(|c| c.iter().filter(|c| c.date > start).cloned().collect())
            .unwrap_or_default();
    }
}

enum Why {
    NoGit(std::io::Error),
    NotARepo,
    Failed(String),
}

/// A repository the site is in.
struct Repo {
    top: PathBuf,
    /// The site root's path inside the repository, `""` or ending in `/`.
    prefix: String,
    shallow: bool,
}

fn git_command(dir: &Path) -> Command {
    let mut c = Command::new("git");
    c.arg("-C")
        .arg(dir)
        // User configuration that would change the output parsed here.
        .args([
            "-c",
            "core.quotepath=off",
            "-c",
            "log.showSignature=false",
            "-c",
            "log.showRoot=true",
            "-c",
            "color.ui=never",
            "-c",
            "diff.relative=false",
            "--no-pager",
        ])
        .env("LC_ALL", "C")
        .env("GIT_OPTIONAL_LOCKS", "0")
        .env_remove("GIT_EXTERNAL_DIFF")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

fn first_line(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .lines()
        .next()
        .unwrap_or("")
        .trim_start_matches("fatal: ")
        .to_string()
}

impl Repo {
    fn discover(root: &Path) -> Result<Repo, Why> {
        let out = git_command(root)
            .args([
                "rev-parse",
                "--show-toplevel",
                "--show-prefix",
                "--is-shallow-repository",
            ])
            .output()
            .map_err(Why::NoGit)?;
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            return Err(if err.contains("not a git repository") {
                Why::NotARepo
            } else {
                Why::Failed(first_line(&out.stderr))
            });
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let lines: Vec<&str> = text.lines().collect();
        let [top, prefix, shallow] = lines[..] else {
            return Err(Why::NotARepo); // e.g. inside .git or a bare repository
        };
        Ok(Repo {
            top: PathBuf::from(top),
            prefix: prefix.to_string(),
            shallow: shallow == "true",
        })
    }

    fn git(&self, args: &[&str]) -> Result<Vec<u8>, String> {
        let out = git_command(&self.top)
            .args(args)
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(out.stdout)
        } else {
            Err(first_line(&out.stderr))
        }
    }

    /// A revision as a commit, or why it is not one.
    fn resolve(&self, rev: &str) -> Result<Commit, String> {
        if rev.starts_with('-') {
            return Err(format!("`{rev}` is not a git revision"));
        }
        let spec = format!("{rev}^{{commit}}");
        let out = self
            .git(&[
                "rev-parse",
                "--verify",
                "--quiet",
                "--end-of-options",
                &spec,
            ])
            .map_err(|_| {
                format!(
                    "`{rev}` is not a commit of this repository (in CI, fetch it: `fetch-depth: 0`)"
                )
            })?;
        let id = String::from_utf8_lossy(&out).trim().to_string();
        let out = self.git(&["log", "-1", "--format=%H%x09%ct%x09%s", &id, "--"])?;
        parse_commit_line(String::from_utf8_lossy(&out).trim_end_matches('\n'))
            .ok_or_else(|| format!("cannot read commit {id}"))
    }

    /// The first-parent history of `HEAD`, newest first.
    fn first_parent(&self) -> Result<Vec<Commit>, String> {
        let out = self.git(&[
            "log",
            "--first-parent",
            "--format=%H%x09%ct%x09%s",
            "HEAD",
            "--",
        ])?;
        let text = String::from_utf8_lossy(&out);
        let commits: Vec<Commit> = text.lines().filter_map(parse_commit_line).collect();
        if commits.is_empty() {
            return Err("the repository has no commits".into());
        }
        Ok(commits)
    }

    /// The site's `okra.toml` and `content/` files in a commit; `None` when the
    /// commit has no `okra.toml` at the site root.
    fn snapshot(&self, commit: &str) -> Result<Option<Snapshot>, String> {
        let config_path = format!("{}{CONFIG_FILE}", self.prefix);
        let content = format!("{}{CONTENT_DIR}", self.prefix);
        // KR data files under `data/` are read as committed too.
        let data = format!("{}{}", self.prefix, crate::load::data::DATA_DIR);
        let out = self.git(&[
            "ls-tree",
            "-r",
            "-z",
            "--full-tree",
            commit,
            "--",
            &config_path,
            &content,
            &data,
        ])?;
        let mut entries = Vec::new();
        for entry in out.split(|b| *b == 0).filter(|e| !e.is_empty()) {
            let entry = String::from_utf8_lossy(entry);
            let Some((head, path)) = entry.split_once('\t') else {
                continue;
            };
            let mut parts = head.split(' ');
            let (Some(mode), Some(kind), Some(id)) = (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            // Symlinks and submodules are not site files.
            if kind != "blob" || mode == "120000" {
                continue;
            }
            let Some(rel) = path.strip_prefix(&self.prefix) else {
                continue;
            };
            entries.push((rel.to_string(), id.to_string()));
        }
        let ids: Vec<&str> = entries.iter().map(|(_, id)| id.as_str()).collect();
        let blobs = self.blobs(&ids)?;
        let mut snapshot = Snapshot::default();
        let mut has_config = false;
        for ((rel, _), bytes) in entries.into_iter().zip(blobs) {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            if rel == CONFIG_FILE {
                snapshot.config = text;
                has_config = true;
            } else {
                snapshot.files.push((rel, text));
            }
        }
        Ok(has_config.then_some(snapshot))
    }

    /// The contents of blobs, in order.
    fn blobs(&self, ids: &[&str]) -> Result<Vec<Vec<u8>>, String> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut child = git_command(&self.top)
            .args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .spawn()
            .map_err(|e| e.to_string())?;
        let input: String = ids.iter().map(|id| format!("{id}\n")).collect();
        let mut stdin = child.stdin.take().ok_or("no stdin")?;
        // Written from a thread: git answers while it reads, and a full pipe
        // either way would otherwise block both.
        let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
        let mut out = Vec::new();
        let read = child
            .stdout
            .take()
            .ok_or("no stdout")?
            .read_to_end(&mut out);
        let _ = writer.join();
        let status = child.wait().map_err(|e| e.to_string())?;
        read.map_err(|e| e.to_string())?;
        if !status.success() {
            return Err("git cat-file failed".into());
        }
        let mut blobs = Vec::with_capacity(ids.len());
        let mut pos = 0;
        for id in ids {
            let Some(nl) = out[pos..].iter().position(|b| *b == b'\n') else {
                return Err(format!("object {id}: short answer from git cat-file"));
            };
            let header = String::from_utf8_lossy(&out[pos..pos + nl]).into_owned();
            pos += nl + 1;
            let size: usize = match header.split(' ').collect::<Vec<_>>()[..] {
                [_, _, size] => size.parse().map_err(|_| format!("bad header `{header}`"))?,
                _ => return Err(format!("object {id}: {header}")),
            };
            if pos + size > out.len() {
                return Err(format!("object {id}: short answer from git cat-file"));
            }
            blobs.push(out[pos..pos + size].to_vec());
            pos += size + 1;
        }
        Ok(blobs)
    }

    /// Every change of a KR's followed fields up to `commit`, from its
    /// first-parent history (renames followed).
    fn ledger(&self, commit: &str) -> Result<(Ledger, Vec<Event>), String> {
        let content = format!("{}{CONTENT_DIR}", self.prefix);
        let out = self.git(&[
            "log",
            "--first-parent",
            "--diff-merges=first-parent",
            "--reverse",
            "--raw",
            "--no-abbrev",
            "-M",
            "--format=%x01%H%x09%ct%x09%s",
            commit,
            "--",
            &content,
        ])?;
        let text = String::from_utf8_lossy(&out);
        // Per commit, the KR-looking files it added or changed: (old path, new path, blob).
        let mut steps: Vec<(Commit, Vec<Touched>)> = Vec::new();
        for line in text.lines() {
            if let Some(c) = line.strip_prefix('\u{1}') {
                if let Some(c) = parse_commit_line(c) {
                    steps.push((c, Vec::new()));
                }
                continue;
            }
            let Some(raw) = line.strip_prefix(':') else {
                continue;
            };
            let Some((head, paths)) = raw.split_once('\t') else {
                continue;
            };
            let fields: Vec<&str> = head.split(' ').collect();
            let [_, _, _, blob, status] = fields[..] else {
                continue;
            };
            let paths: Vec<&str> = paths.split('\t').collect();
            let rel = |p: &str| p.strip_prefix(self.prefix.as_str()).map(str::to_string);
            let step = match steps.last_mut() {
                Some(step) => &mut step.1,
                None => continue,
            };
            let change = match (status.as_bytes().first(), &paths[..]) {
                (Some(b'R'), [from, to]) => rel(to).map(|t| (rel(from), t)),
                (Some(b'C'), [_, to]) | (Some(b'A' | b'M' | b'T'), [to]) => {
                    rel(to).map(|t| (None, t))
                }
                (Some(b'D'), [path]) => {
                    if let Some(p) = rel(path).filter(|p| looks_like_kr(p)) {
                        step.push(Touched::Delete(p));
                    }
                    None
                }
                _ => None,
            };
            let Some((from, to)) = change else {
                continue;
            };
            let added = status.starts_with(['A', 'C', 'R']);
            if added && to.ends_with(&format!("/{OBJECTIVE_FILE}")) {
                step.push(Touched::NewObjective(to.clone()));
            }
            if !looks_like_kr(&to) {
                continue;
            }
            step.push(Touched::Write(from, to, blob.to_string()));
        }
        let ids: Vec<&str> = steps
            .iter()
            .flat_map(|s| s.1.iter())
            .filter_map(|t| match t {
                Touched::Write(_, _, blob) => Some(blob.as_str()),
                _ => None,
            })
            .collect();
        let mut blobs = self.blobs(&ids)?.into_iter();
        let mut state: BTreeMap<String, Followed> = BTreeMap::new();
        let mut ledger: BTreeMap<String, Vec<Change>> = BTreeMap::new();
        let mut events: Vec<Event> = Vec::new();
        for (commit, files) in &steps {
            let event = |path: &str, kind, title: &str, hidden| Event {
                date: commit.day(),
                path: PathBuf::from(path),
                kind,
                title: title.to_string(),
                hidden,
                commit: commit.short().to_string(),
                subject: commit.subject.clone(),
            };
            for touched in files {
                let (from, to) = match touched {
                    Touched::Write(from, to, _) => (from, to),
                    Touched::Delete(path) => {
                        if let Some(s) = state.get(path) {
                            events.push(event(path, EventKind::Removed, &s.title, s.hidden));
                        }
                        continue;
                    }
                    Touched::NewObjective(path) => {
                        events.push(event(path, EventKind::NewObjective, "", false));
                        continue;
                    }
                };
                let bytes = blobs.next().unwrap_or_default();
                if let Some(from) = from {
                    if let Some(s) = state.remove(from) {
                        state.insert(to.clone(), s);
                    }
                    if let Some(l) = ledger.remove(from) {
                        ledger.entry(to.clone()).or_default().extend(l);
                    }
                    for e in events.iter_mut().filter(|e| e.path == Path::new(from)) {
                        e.path = PathBuf::from(to);
                    }
                }
                let Some(now) = followed(to, bytes) else {
                    continue; // not a KR, or not readable in this commit
                };
                // A file deleted and added again is compared with what it was.
                match state.get(to) {
                    Some(before) => {
                        let changes = before.diff(&now, commit);
                        if !changes.is_empty() {
                            ledger.entry(to.clone()).or_default().extend(changes);
                        }
                    }
                    None => events.push(event(to, EventKind::Added, &now.title, now.hidden)),
                }
                // Deleted, now back: added again.
                if from.is_none()
                    && events
                        .iter()
                        .rev()
                        .find(|e| e.path == Path::new(to))
                        .is_some_and(|e| e.kind == EventKind::Removed)
                {
                    events.push(event(to, EventKind::Added, &now.title, now.hidden));
                }
                state.insert(to.clone(), now);
            }
        }
        let ledger = ledger
            .into_iter()
            .map(|(p, c)| (PathBuf::from(p), c))
            .collect();
        Ok((ledger, events))
    }
}

/// A file a commit touched.
enum Touched {
    /// Added or changed: its old path when renamed, its path, its new blob.
    Write(Option<String>, String, String),
    /// Deleted.
    Delete(String),
    /// An objective file added (or moved here).
    NewObjective(String),
}

fn parse_commit_line(line: &str) -> Option<Commit> {
    let mut parts = line.splitn(3, '\t');
    let id = parts.next()?.to_string();
    let time = parts.next()?.parse().ok()?;
    let subject = parts.next().unwrap_or("").to_string();
    Some(Commit { id, time, subject })
}

/// Could this path be a KR file? (`content/<…>/<name>.md`, not an objective,
/// team or status update.) Files that are not are skipped by parsing anyway.
fn looks_like_kr(rel: &str) -> bool {
    let parts: Vec<&str> = rel.split('/').collect();
    parts.len() >= 3
        && parts[0] == CONTENT_DIR
        && parts[1] != TEAMS_DIR
        && parts.last().is_some_and(|n| {
            n.ends_with(".md")
                && *n != OBJECTIVE_FILE
                && crate::load::walk::parse_update_name(n.trim_end_matches(".md")).is_err()
        })
}

/// The followed fields of one version of a KR file.
struct Followed {
    title: String,
    metric: Metric,
    start: f64,
    target: f64,
    /// Private or draft itself (objectives are checked against the site).
    hidden: bool,
}

fn followed(rel: &str, bytes: Vec<u8>) -> Option<Followed> {
    let file = SourceFile::from_bytes(rel, bytes).ok()?;
    let mut d = Diagnostics::new();
    let KrMeta {
        title,
        metric,
        start,
        target,
        private,
        draft,
        ..
    } = crate::load::parse::key_result(&file, &mut d)?.meta;
    Some(Followed {
        title,
        metric,
        start,
        target,
        hidden: private || draft,
    })
}

impl Followed {
    fn diff(&self, now: &Followed, commit: &Commit) -> Vec<Change> {
        let change = |field, from, to, easier| Change {
            date: commit.day(),
            field,
            from,
            to,
            commit: commit.short().to_string(),
            subject: commit.subject.clone(),
            easier,
        };
        let mut out = Vec::new();
        if self.title != now.title {
            out.push(change(
                Field::Title,
                Value::Text(self.title.clone()),
                Value::Text(now.title.clone()),
                false,
            ));
        }
        if self.metric != now.metric {
            out.push(change(
                Field::Metric,
                Value::Text(self.metric.as_str().into()),
                Value::Text(now.metric.as_str().into()),
                false,
            ));
        }
        if self.start != now.start {
            // Easier when the start moved toward the (new) target.
            let easier = (now.target - now.start).abs() < (now.target - self.start).abs();
            out.push(change(
                Field::Start,
                Value::Number(self.start),
                Value::Number(now.start),
                easier,
            ));
        }
        if self.target != now.target {
            // Easier when the target moved toward the (old) start.
            let easier = (now.target - self.start).abs() < (self.target - self.start).abs();
            out.push(change(
                Field::Target,
                Value::Number(self.target),
                Value::Number(now.target),
                easier,
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kr_paths() {
        assert!(looks_like_kr("content/fy24/growth/signups-q1.md"));
        assert!(!looks_like_kr("content/fy24/growth/objective.md"));
        assert!(!looks_like_kr("content/teams/web.md"));
        assert!(!looks_like_kr(
            "content/fy24/growth/signups-q1/2024-02-01.md"
        ));
        assert!(!looks_like_kr("okra.toml"));
    }

    #[test]
    fn commit_lines() {
        let c = parse_commit_line("0123456789abcdef\t1708473600\tRaise: the target").unwrap();
        assert_eq!(c.short(), "0123456");
        assert_eq!(c.day(), NaiveDate::from_ymd_opt(2024, 2, 21).unwrap());
        assert_eq!(c.subject, "Raise: the target");
        assert!(parse_commit_line("garbage").is_none());
    }

    #[test]
    fn easier() {
        let v = |start, target| Followed {
            title: "t".into(),
            metric: Metric::Number,
            start,
            target,
            hidden: false,
        };
        let c = parse_commit_line("abc\t0\ts").unwrap();
        let d = v(100.0, 200.0).diff(&v(100.0, 180.0), &c);
        assert_eq!(d.len(), 1);
        assert!(d[0].easier);
        assert!(!v(100.0, 180.0).diff(&v(100.0, 200.0), &c)[0].easier);
        assert!(v(100.0, 200.0).diff(&v(150.0, 200.0), &c)[0].easier);
        // A decreasing KR: the target moving up is easier.
        assert!(v(500.0, 200.0).diff(&v(500.0, 300.0), &c)[0].easier);
    }
}
