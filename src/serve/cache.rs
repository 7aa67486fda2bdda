//! `okra serve`'s parse cache: the files parsed by an earlier load, so that a
//! rebuild after an edit reads only what changed. It lives in the serve wing,
//! not in the load stage: `okra build` loads each file once and needs none of
//! it. The result of a cached load always equals a fresh [`load::load`] (the
//! unit test below checks it after every kind of change).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::config::Config;
use crate::diag::Diagnostics;
use crate::load::walk::{self, Found, Kind};
use crate::load::{self, ParsedFile, Site};

/// Files parsed by an earlier load, kept by `okra serve` so that a rebuild
/// after an edit reads only what changed.
#[derive(Default)]
pub struct LoadCache {
    /// What the last walk found, in its order, and what it reported.
    walked: Option<(Vec<Found>, Diagnostics)>,
    /// The parse of each file found, in the same order.
    files: Vec<Cached>,
    /// Index of each file found, by absolute path (for the watcher's reports).
    index: HashMap<PathBuf, usize>,
    /// Files found that are symlinks: the watcher reports their targets, not
    /// them, so they are read again on every load.
    links: Vec<usize>,
    /// Files read (not taken from the cache) by the last load.
    pub last_read: usize,
    /// Whether the last load walked the tree.
    pub last_walked: bool,
}

struct Cached {
    abs: PathBuf,
    kind: Kind,
    stamp: Option<Stamp>,
    file: ParsedFile,
}

/// What tells a changed file apart without reading it: size and modification
/// time (of the target, for a symlink).
#[derive(Clone, Copy, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: std::time::SystemTime,
}

impl Stamp {
    fn of(path: &Path) -> Option<Stamp> {
        let meta = std::fs::metadata(path).ok()?;
        Some(Stamp {
            len: meta.len(),
            modified: meta.modified().ok()?,
        })
    }
}

/// What is known about the changes since the last load.
pub enum Changes<'a> {
    /// Nothing: walk the tree, compare every file's size and modification time.
    /// (`okra serve` always knows what its watcher reported; the unit test
    /// uses this as the baseline.)
    #[cfg_attr(not(test), allow(dead_code))]
    Unknown,
    /// Exactly these paths (absolute) changed, as a file watcher reported them.
    Paths(&'a std::collections::BTreeSet<PathBuf>),
}

/// Like [`load::load`], reading only what changed since the last load with `cache`;
/// the result is the same as [`load::load`]'s.
///
/// When the watcher reports only edits of files already known (the common case:
/// someone saved a file), the tree is not walked again and only those files are
/// read. Otherwise (a file or folder added, removed or renamed, or no report)
/// the tree is walked, and a file is read again unless it has the same place in
/// the tree, size and modification time as before and was not reported.
pub fn load_cached(
    root: &Path,
    cache: &mut LoadCache,
    changes: Changes<'_>,
) -> (Site, Diagnostics) {
    let mut diags = Diagnostics::new();
    let config = Config::load(root, &mut diags);
    let content = root.join(walk::CONTENT_DIR);
    let changed = |abs: &Path| match changes {
        Changes::Unknown => false,
        Changes::Paths(paths) => paths.contains(abs),
    };
    let edits_only = match (&changes, &cache.walked) {
        (Changes::Paths(paths), Some(_)) => paths
            .iter()
            .filter(|p| p.starts_with(&content))
            .all(|p| cache.index.contains_key(p.as_path()) && p.is_file()),
        _ => false,
    };
    cache.last_walked = !edits_only;
    if let (true, Changes::Paths(paths), Some((found, _))) = (edits_only, &changes, &cache.walked) {
        let mut edited: Vec<usize> = paths
            .iter()
            .filter_map(|p| cache.index.get(p.as_path()).copied())
            .chain(cache.links.iter().copied())
            .collect();
        edited.sort_unstable();
        edited.dedup();
        let read: Vec<(usize, Cached)> = edited
            .par_iter()
            .map(|&i| (i, read_one(&found[i])))
            .collect();
        cache.last_read = read.len();
        for (i, cached) in read {
            cache.files[i] = cached;
        }
    } else {
        let mut walk_diags = Diagnostics::new();
        let found = walk::walk(root, &mut walk_diags);
        let mut previous: HashMap<PathBuf, Cached> = match cache.walked.take() {
            Some((old, _)) => old
                .into_iter()
                .map(|f| f.rel)
                .zip(std::mem::take(&mut cache.files))
                .collect(),
            None => HashMap::new(),
        };
        let olds: Vec<Option<Cached>> = found.iter().map(|f| previous.remove(&f.rel)).collect();
        let fresh: Vec<(Cached, bool)> = found
            .par_iter()
            .zip(olds)
            .map(|(f, old)| {
                let stamp = Stamp::of(&f.abs);
                match old {
                    Some(c)
                        if stamp.is_some()
                            && c.stamp == stamp
                            && c.abs == f.abs
                            && c.kind == f.kind
                            && !changed(&f.abs) =>
                    {
                        (c, false)
                    }
                    _ => (read_one(f), true),
                }
            })
            .collect();
        cache.last_read = fresh.iter().filter(|(_, read)| *read).count();
        cache.files = fresh.into_iter().map(|(c, _)| c).collect();
        cache.index = found
            .iter()
            .enumerate()
            .map(|(i, f)| (f.abs.clone(), i))
            .collect();
        cache.links = found
            .par_iter()
            .enumerate()
            .filter(|(_, f)| std::fs::symlink_metadata(&f.abs).is_ok_and(|m| m.is_symlink()))
            .map(|(i, _)| i)
            .collect();
        cache.walked = Some((found, walk_diags));
    }
    let (found, walk_diags) = cache.walked.as_ref().expect("walked above or before");
    diags.extend(walk_diags.clone());
    let files: Vec<ParsedFile> = cache.files.par_iter().map(|c| c.file.clone()).collect();
    load::assemble_files(root, config, files, found, diags)
}

/// Reads and parses one file for the cache; stamped before reading, so an
/// edit made while it is read is seen next time.
fn read_one(f: &Found) -> Cached {
    let stamp = Stamp::of(&f.abs);
    Cached {
        abs: f.abs.clone(),
        kind: f.kind.clone(),
        stamp,
        file: load::read_and_parse(f),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::load;
    use std::collections::BTreeSet;

    fn copy_fixture(to: &Path) {
        let from =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/testsuite/fixtures/sites/scoring");
        for e in walkdir::WalkDir::new(&from) {
            let e = e.unwrap();
            let dest = to.join(e.path().strip_prefix(&from).unwrap());
            if e.file_type().is_dir() {
                std::fs::create_dir_all(&dest).unwrap();
            } else {
                std::fs::copy(e.path(), &dest).unwrap();
            }
        }
    }

    /// The site and diagnostics, compared as text (they hold no floats that
    /// could differ between two loads of the same files).
    fn snapshot((site, diags): (Site, Diagnostics)) -> String {
        format!("{site:?}\n{}", diags.render_human(false))
    }

    #[test]
    fn a_cached_load_equals_a_fresh_load_after_every_kind_of_change() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        copy_fixture(&root);
        let mut cache = LoadCache::default();
        let first = load_cached(&root, &mut cache, Changes::Unknown);
        assert!(cache.last_walked);
        assert_eq!(snapshot(first), snapshot(load(&root)));

        // An edit the watcher reports: only that file is read, nothing is walked.
        let kr = root.join("content/fy24/eng/latency-q1.md");
        let text = std::fs::read_to_string(&kr).unwrap();
        std::fs::write(&kr, text.replace("Latency to 100 ms", "Latency to 90 ms")).unwrap();
        let reported = BTreeSet::from([kr.clone()]);
        let cached = load_cached(&root, &mut cache, Changes::Paths(&reported));
        assert!(!cache.last_walked);
        assert_eq!(cache.last_read, 1);
        let cached = snapshot(cached);
        assert!(cached.contains("Latency to 90 ms"));
        assert_eq!(cached, snapshot(load(&root)));

        // An edit that keeps the size and the modification time is still read
        // when the watcher reports it.
        let modified = std::fs::metadata(&kr).unwrap().modified().unwrap();
        let text = std::fs::read_to_string(&kr).unwrap();
        std::fs::write(&kr, text.replace("Latency to 90 ms", "Latency to 80 ms")).unwrap();
        std::fs::File::options()
            .write(true)
            .open(&kr)
            .unwrap()
            .set_modified(modified)
            .unwrap();
        let cached = snapshot(load_cached(&root, &mut cache, Changes::Paths(&reported)));
        assert!(cached.contains("Latency to 80 ms"));
        assert_eq!(cached, snapshot(load(&root)));

        // A new file, a deleted one and a broken one: the tree is walked again.
        let new_update = root.join("content/fy24/eng/latency-q1/2024-02-20.md");
        std::fs::write(
            &new_update,
            "+++\nstatus = \"at-risk\"\nvalue = 150\n+++\nNew.\n",
        )
        .unwrap();
        std::fs::remove_file(root.join("content/fy24/eng/uptime-q2.md")).unwrap();
        std::fs::write(
            root.join("content/fy24/eng/dropped-q2.md"),
            "+++\ntitle = \n",
        )
        .unwrap();
        let reported = BTreeSet::from([
            new_update,
            root.join("content/fy24/eng/uptime-q2.md"),
            root.join("content/fy24/eng/dropped-q2.md"),
        ]);
        let cached = load_cached(&root, &mut cache, Changes::Paths(&reported));
        assert!(cache.last_walked);
        assert_eq!(
            cache.last_read, 2,
            "only the new and the edited file are read"
        );
        let cached = snapshot(cached);
        assert!(cached.contains("dropped-q2.md:"), "{cached}");
        assert_eq!(cached, snapshot(load(&root)));

        // Nothing reported (the watcher's queue overflowed): size and mtime decide.
        std::fs::write(&kr, "+++\ntitle = \"Latency\"\n").unwrap();
        let cached = snapshot(load_cached(&root, &mut cache, Changes::Unknown));
        assert_eq!(cached, snapshot(load(&root)));
    }
}
