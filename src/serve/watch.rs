//! Watching the site's sources (notify), and telling a source change from
//! anything else (editor backups, the output folder).

use super::*;

/// The notify watcher and the folders it watches.
pub(super) struct Watch {
    pub(super) watcher: Option<RecommendedWatcher>,
    pub(super) root: PathBuf,
    pub(super) watched: BTreeSet<PathBuf>,
    pub(super) log: Log,
}

impl Watch {
    /// Watches the root itself non-recursively (for `okra.toml`, and for source
    /// folders that appear later) and each source folder recursively. Failures are
    /// warnings: the preview still serves, it just does not see those changes.
    pub(super) fn start(root: &Path, events: Sender<Message>, log: Log) -> Watch {
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
            log,
        };
        match notify::recommended_watcher(handler) {
            Ok(mut watcher) => {
                if let Err(e) = watcher.watch(root, RecursiveMode::NonRecursive) {
                    say!(
                        watch.log,
                        "warning: cannot watch {} ({e}); changes to okra.toml will not rebuild",
                        root.display()
                    );
                }
                watch.watcher = Some(watcher);
                watch.refresh(&BTreeSet::new());
            }
            Err(e) => say!(
                watch.log,
                "warning: cannot watch for changes ({e}); the preview will not rebuild, restart okra serve after editing"
            ),
        }
        watch
    }

    /// Watches the source folders that exist and are not watched yet. A folder that
    /// itself changed (deleted, or replaced by a `git checkout`) is watched afresh,
    /// since a watch on the old folder sees nothing in the new one.
    pub(super) fn refresh(&mut self, changed: &BTreeSet<PathBuf>) {
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
                    say!(
                        self.log,
                        "warning: cannot watch {name}/ ({e}); changes there will not rebuild"
                    )
                }
            }
        }
    }
}

/// Whether a changed path can change the site: `okra.toml`, or a file in a source
/// folder that is not an editor's temporary (dotfiles, `file~`, `#file#`). Anything
/// else in the root (`public/`, `target/`, `.git/`) is ignored.
pub(super) fn is_source_change(root: &Path, path: &Path) -> bool {
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

pub(super) fn collect_changes(root: &Path, paths: Vec<PathBuf>, changed: &mut BTreeSet<PathBuf>) {
    changed.extend(paths.into_iter().filter(|p| is_source_change(root, p)));
}
