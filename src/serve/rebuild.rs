//! Rebuilds through the pipeline with the serve caches, and the background
//! check that renders every page of a new build once.

use super::*;

/// A successful rebuild, ready to serve.
pub(super) struct Success {
    pub(super) prepared: Arc<Prepared>,
    /// Content files read (the others came from the cache).
    pub(super) read: usize,
    pub(super) elapsed: Duration,
    pub(super) diagnostics: Diagnostics,
}

/// A rebuild that produced nothing to serve: content or template errors.
pub(super) enum Failure {
    Content(Diagnostics),
}

/// Makes a [`Prepared`] site from the files on disk, keeping what it can
/// between rebuilds: parsed files, rendered Markdown and the compiled theme.
pub(super) struct Rebuilder {
    pub(super) root: PathBuf,
    pub(super) as_of: NaiveDate,
    pub(super) follow_today: bool,
    pub(super) drafts: bool,
    pub(super) cache: LoadCache,
    pub(super) memo: ViewMemo,
    pub(super) theme: Option<Arc<Theme>>,
    /// The target ledger and history's events, read from git once when serve
    /// starts (the files themselves always come from disk: serve previews
    /// edits). Empty outside a repository.
    pub(super) history: crate::load::history::History,
}

impl Rebuilder {
    pub(super) fn new(root: &Path, opts: &ServeOptions) -> Rebuilder {
        Rebuilder {
            root: root.to_path_buf(),
            as_of: opts.as_of,
            follow_today: opts.follow_today,
            drafts: opts.drafts,
            cache: LoadCache::default(),
            memo: ViewMemo::default(),
            theme: None,
            history: crate::load::history::History::open(
                root,
                None,
                crate::load::history::Mode::Auto,
            ),
        }
    }

    /// Load (changed files only) → validate → score → views, as `okra build`
    /// does. `changed` holds the paths the watcher reported (empty the first time).
    pub(super) fn rebuild(&mut self, changed: &BTreeSet<PathBuf>) -> Result<Success, Failure> {
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
        let (mut site, diagnostics) =
            cache::load_cached(root, &mut self.cache, Changes::Paths(changed));
        crate::load::history::attach(&mut site, &self.history.ledger, &self.history.events);
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
pub(super) struct Checker {
    pub(super) jobs: Sender<(u64, Arc<Prepared>)>,
}

/// Whether every page of build `generation` rendered.
pub(super) struct CheckResult {
    pub(super) generation: u64,
    pub(super) outcome: Result<(usize, Duration), Diagnostics>,
}

/// Discards what it is given; cancelled once a newer batch of changes arrived.
pub(super) struct Discard<'a> {
    pub(super) generation: u64,
    pub(super) shared: &'a Shared,
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
    pub(super) fn start(shared: Arc<Shared>, results: Sender<Message>) -> Checker {
        let (jobs, inbox) = mpsc::channel::<(u64, Arc<Prepared>)>();
        thread::spawn(move || {
            let pool = match rayon::ThreadPoolBuilder::new().num_threads(1).build() {
                Ok(pool) => pool,
                Err(e) => {
                    say!(
                        shared.log,
                        "warning: pages are not checked in the background ({e})"
                    );
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

    pub(super) fn check(&self, generation: u64, prepared: Arc<Prepared>) {
        let _ = self.jobs.send((generation, prepared));
    }
}
