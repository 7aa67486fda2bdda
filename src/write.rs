//! Writing a built site to `--output` (SPEC §6). The new site goes into a fresh
//! sibling folder and replaces the previous one only once complete, so a failed
//! build leaves the previous site untouched; and since replacing means deleting,
//! okra refuses output folders that hold anything the user wrote.

use std::collections::{BTreeMap, HashSet};
use std::ffi::{OsStr, OsString};
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Marker file written into every built site; a folder with it may be replaced by the next build.
pub const MARKER: &str = ".okra-build";

/// What the marker says to whoever opens it.
const MARKER_TEXT: &str =
    "Built by okra: this folder is replaced by every build, do not edit it.\n";

/// Folders of the site root that hold the user's sources (SPEC §7 layout).
const SOURCE_DIRS: [&str; 5] = ["content", "data", "templates", "static", "themes"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WriteStats {
    /// Files of the site, the marker not counted.
    pub files: usize,
    pub bytes: u64,
}

/// Refuses output folders that would destroy what the user wrote. `root` is the
/// site root (where okra.toml is), `output` the --output folder (relative paths are
/// relative to the current dir). Both are compared as real paths, so `public/..`
/// or a symlink to the root is caught even when `output` does not exist yet.
pub fn check_output(root: &Path, output: &Path) -> Result<(), String> {
    let resolved =
        |path: &Path| resolve(path).map_err(|e| format!("cannot resolve {}: {e}", path.display()));
    let root = resolved(root)?;
    let out = resolved(output)?;
    let shown = if out == output {
        output.display().to_string()
    } else {
        format!("{} ({})", output.display(), out.display())
    };
    let refuse = |why: &str| {
        Err(format!(
            "refusing to write the site to {shown}: {why}; choose another --output, e.g. public"
        ))
    };

    if out.parent().is_none() {
        return refuse("it is the filesystem root");
    }
    if out == root {
        return refuse("it is the site root");
    }
    if root.starts_with(&out) {
        return refuse(&format!("it contains the site root {}", root.display()));
    }
    if let Some(home) = std::env::home_dir().and_then(|home| resolve(&home).ok())
        && home.starts_with(&out)
    {
        return refuse("it is your home folder or contains it");
    }
    for dir in SOURCE_DIRS {
        // Resolved on its own: content/ may be a symlink to sources elsewhere.
        let sources = resolved(&root.join(dir))?;
        if out.starts_with(&sources) || sources.starts_with(&out) {
            return refuse(&format!("it overlaps the site's {dir}/ folder"));
        }
    }
    if out == root.join("okra.toml") {
        return refuse("it is the site's okra.toml");
    }
    match fs::metadata(&out) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("cannot use {shown} as --output: {e}")),
        Ok(meta) if !meta.is_dir() => refuse("it is a file, not a folder"),
        Ok(_) => {
            let mut entries =
                fs::read_dir(&out).map_err(|e| format!("cannot read {shown}: {e}"))?;
            if entries.next().is_none() || out.join(MARKER).is_file() {
                Ok(())
            } else {
                Err(format!(
                    "refusing to replace {shown}: it is not empty and was not built by okra; \
                     remove it or choose another --output"
                ))
            }
        }
    }
}

/// The real absolute path of `path`, which need not exist. The deepest existing
/// ancestor is canonicalized, so symlinks (and a `..` after one) resolve as the OS
/// would; the rest cannot contain symlinks and is normalized lexically.
fn resolve(path: &Path) -> io::Result<PathBuf> {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()?.join(path)
    };
    let parts: Vec<Component> = absolute.components().collect();
    for split in (1..=parts.len()).rev() {
        let Ok(mut real) = fs::canonicalize(parts[..split].iter().collect::<PathBuf>()) else {
            continue;
        };
        for part in &parts[split..] {
            match part {
                Component::ParentDir => {
                    real.pop();
                }
                Component::CurDir => {}
                other => real.push(other),
            }
        }
        return Ok(real);
    }
    Err(io::Error::new(
        io::ErrorKind::NotFound,
        "no part of the path exists",
    ))
}

/// Writes `files` (paths relative to the output, `/`-separated) as the new site
/// at `output`: see [`SiteWriter`]. Every path is checked before anything is
/// written. Callers must run [`check_output`] first.
pub fn write_site(output: &Path, files: &BTreeMap<String, Vec<u8>>) -> io::Result<WriteStats> {
    // All paths first: a bad one must not leave half a site anywhere.
    for rel in files.keys() {
        check_relative(rel)?;
    }
    let writer = SiteWriter::create(output)?;
    for (rel, data) in files {
        writer.write(rel, data)?;
    }
    writer.finish()
}

/// A site being written: files go into a fresh sibling folder of the output
/// (`.<name>.okra-tmp-<pid>-<n>`) as they are rendered, from any thread, and
/// [`SiteWriter::finish`] swaps it into place. Dropped unfinished (a failed
/// build), it removes its folder and the previous output stays as it was.
pub struct SiteWriter {
    output: PathBuf,
    parent: PathBuf,
    name: OsString,
    temp: PathBuf,
    id: String,
    /// Folders already created, so each is created once.
    folders: Mutex<HashSet<PathBuf>>,
    files: AtomicUsize,
    bytes: AtomicU64,
    finished: bool,
}

impl SiteWriter {
    /// Prepares the temporary folder beside `output` (creating `output`'s parent if needed).
    pub fn create(output: &Path) -> io::Result<SiteWriter> {
        // A symlinked output (say, a web server's document root) keeps its link and
        // the folder it points to is replaced: that folder is what check_output vetted.
        let output = match fs::symlink_metadata(output) {
            Ok(meta) if meta.file_type().is_symlink() => {
                fs::canonicalize(output).map_err(|e| with_path(e, "cannot resolve", output))?
            }
            _ => output.to_path_buf(),
        };
        let name = output
            .file_name()
            .ok_or_else(|| {
                invalid(format!(
                    "--output {} does not end in a folder name",
                    output.display()
                ))
            })?
            .to_os_string();
        let parent = match output.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(|e| with_path(e, "cannot create", &parent))?;
        if fs::metadata(&output).is_ok_and(|meta| !meta.is_dir()) {
            return Err(invalid(format!(
                "cannot replace {}: it is a file, not a folder",
                output.display()
            )));
        }
        remove_stale(&parent, &name);
        // Builds running at once (in one process or several) each get their own
        // folder: `create_dir` fails on an existing one, and the next number is
        // tried. No counter is kept between builds.
        let mut attempt = 0u32;
        let (id, temp) = loop {
            let id = format!("{}-{attempt}", std::process::id());
            let temp = parent.join(sibling(&name, "tmp", &id));
            // create_dir, not create_dir_all: never write into a folder someone else owns.
            match fs::create_dir(&temp) {
                Ok(()) => break (id, temp),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 1000 => {
                    attempt += 1
                }
                Err(e) => return Err(with_path(e, "cannot create", &temp)),
            }
        };
        Ok(SiteWriter {
            output,
            parent,
            name,
            temp,
            id,
            folders: Mutex::new(HashSet::new()),
            files: AtomicUsize::new(0),
            bytes: AtomicU64::new(0),
            finished: false,
        })
    }

    /// Writes one file of the new site (a later write of the same path replaces it).
    pub fn write(&self, rel: &str, data: &[u8]) -> io::Result<()> {
        check_relative(rel)?;
        if let Some((folder, _)) = rel.rsplit_once('/') {
            let folder = self.temp.join(folder);
            // A folder is recorded only once it exists: another thread writing
            // into the same folder must not skip creating it while it is
            // still being made (create_dir_all is safe to race).
            let known = self.folders.lock().is_ok_and(|f| f.contains(&folder));
            if !known {
                fs::create_dir_all(&folder).map_err(|e| with_path(e, "cannot create", &folder))?;
                if let Ok(mut f) = self.folders.lock() {
                    f.insert(folder);
                }
            }
        }
        let path = self.temp.join(rel);
        fs::write(&path, data).map_err(|e| with_path(e, "cannot write", &path))?;
        self.files.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(data.len() as u64, Ordering::Relaxed);
        Ok(())
    }

    /// Adds the marker and swaps the new site in for the old one.
    pub fn finish(mut self) -> io::Result<WriteStats> {
        let marker = self.temp.join(MARKER);
        fs::write(&marker, MARKER_TEXT).map_err(|e| with_path(e, "cannot write", &marker))?;
        let (output, temp) = (&self.output, &self.temp);
        let old = self.parent.join(sibling(&self.name, "old", &self.id));
        // std has no atomic exchange of two folders, so for a moment between the two
        // renames `output` does not exist; it is never half written.
        let had_old = fs::symlink_metadata(output).is_ok();
        if had_old {
            fs::rename(output, &old).map_err(|e| with_path(e, "cannot move aside", output))?;
        }
        if let Err(e) = fs::rename(temp, output) {
            if had_old {
                let _ = fs::rename(&old, output);
            }
            return Err(with_path(e, "cannot move the new site to", output));
        }
        self.finished = true;
        if had_old {
            // The new site is in place: a leftover is only clutter, and the next
            // build removes it as stale.
            remove_tree(&old);
        }
        Ok(WriteStats {
            files: self.files.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
        })
    }
}

/// Removes a folder tree, several files at a time: deleting the previous site
/// (20,000 files at 10k KRs) one file after another took a tenth of the build.
/// Symlinks are removed, never followed.
fn remove_tree(dir: &Path) {
    use rayon::prelude::*;
    // A symlink (an output folder that was a link) goes, not what it points to.
    if !fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir()) {
        let _ = fs::remove_file(dir);
        return;
    }
    if let Ok(entries) = fs::read_dir(dir) {
        let entries: Vec<fs::DirEntry> = entries.flatten().collect();
        entries.par_iter().for_each(|e| {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                remove_tree(&e.path());
            } else {
                let _ = fs::remove_file(e.path());
            }
        });
    }
    // Whatever is left (a file that appeared meanwhile) goes the slow way.
    if fs::remove_dir(dir).is_err() {
        let _ = fs::remove_dir_all(dir);
    }
}

impl Drop for SiteWriter {
    fn drop(&mut self) {
        if !self.finished {
            let _ = fs::remove_dir_all(&self.temp);
        }
    }
}

/// Accepts only plain relative paths that stay inside the output folder.
fn check_relative(rel: &str) -> io::Result<()> {
    // Every segment must be one ordinary name: this rejects "", ".", "..", a
    // leading '/' (empty first segment) and, on Windows, drive prefixes; a
    // backslash would be a separator there, so it is refused everywhere.
    let plain = |segment: &str| {
        let mut parts = Path::new(segment).components();
        !segment.contains('\\')
            && matches!(
                (parts.next(), parts.next()),
                (Some(Component::Normal(_)), None)
            )
    };
    if rel != MARKER && rel.split('/').all(plain) {
        Ok(())
    } else {
        Err(invalid(format!(
            "invalid output path {rel:?}: expected a relative path like \"fy24/index.html\""
        )))
    }
}

/// `.<name>.okra-<kind>-<id>`: hidden, and next to the output so the final
/// rename stays on one filesystem.
fn sibling(name: &OsStr, kind: &str, id: &str) -> OsString {
    let mut sibling = OsString::from(".");
    sibling.push(name);
    sibling.push(format!(".okra-{kind}-{id}"));
    sibling
}

/// Removes temporary and old folders that crashed builds of this output left
/// behind. Folders of this process, or (on Linux, where it is cheap to tell) of
/// a live one, may belong to a build still running and are kept.
fn remove_stale(parent: &Path, name: &OsStr) {
    let (Some(name), Ok(entries)) = (name.to_str(), fs::read_dir(parent)) else {
        return;
    };
    let prefixes = [format!(".{name}.okra-tmp-"), format!(".{name}.okra-old-")];
    let own = std::process::id().to_string();
    for entry in entries.flatten() {
        let entry_name = entry.file_name();
        let Some(id) = entry_name
            .to_str()
            .and_then(|n| prefixes.iter().find_map(|p| n.strip_prefix(p.as_str())))
        else {
            continue;
        };
        let number = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let Some((pid, seq)) = id.split_once('-') else {
            continue;
        };
        if !number(pid) || !number(seq) || pid == own {
            continue;
        }
        if cfg!(target_os = "linux") && Path::new("/proc").join(pid).exists() {
            continue;
        }
        let path = entry.path();
        let _ = match entry.file_type() {
            Ok(kind) if kind.is_dir() => fs::remove_dir_all(&path),
            _ => fs::remove_file(&path),
        };
    }
}

fn with_path(e: io::Error, what: &str, path: &Path) -> io::Error {
    io::Error::new(e.kind(), format!("{what} {}: {e}", path.display()))
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

impl crate::render::Sink for SiteWriter {
    fn put(&self, path: &str, bytes: &[u8]) -> io::Result<()> {
        self.write(path, bytes)
    }
}

/// The default output folder: `public/` inside the site root.
pub fn default_output(root: &Path) -> PathBuf {
    root.join("public")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Threads writing into the same new folder at once all find it made
    /// (the team feeds are written beside the team pages, in parallel).
    #[test]
    fn parallel_writes_into_one_new_folder_all_succeed() {
        for round in 0..20 {
            let tmp = tempfile::tempdir().unwrap();
            let writer = SiteWriter::create(&tmp.path().join("public")).unwrap();
            std::thread::scope(|s| {
                for i in 0..8 {
                    let writer = &writer;
                    s.spawn(move || {
                        writer
                            .write(&format!("teams/t{round}/deep/{i}.html"), b"x")
                            .unwrap()
                    });
                }
            });
            writer.finish().unwrap();
        }
    }

    fn site(entries: &[(&str, &str)]) -> BTreeMap<String, Vec<u8>> {
        entries
            .iter()
            .map(|(path, text)| (path.to_string(), text.as_bytes().to_vec()))
            .collect()
    }

    /// Every file and folder under `dir` with its contents, to compare trees.
    fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
        let mut tree = BTreeMap::new();
        let mut pending = vec![dir.to_path_buf()];
        while let Some(folder) = pending.pop() {
            for entry in fs::read_dir(&folder).unwrap() {
                let path = entry.unwrap().path();
                let rel = path.strip_prefix(dir).unwrap().to_path_buf();
                if path.is_dir() {
                    tree.insert(rel, None);
                    pending.push(path);
                } else {
                    tree.insert(rel, Some(fs::read(&path).unwrap()));
                }
            }
        }
        tree
    }

    fn names(dir: &Path) -> BTreeSet<String> {
        fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect()
    }

    /// A site root with okra.toml and its source folders, in a folder of its
    /// own so that its siblings belong to the test too.
    fn site_root() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("site");
        for folder in SOURCE_DIRS {
            fs::create_dir_all(root.join(folder)).unwrap();
        }
        fs::create_dir(root.join("content/sub")).unwrap();
        fs::write(root.join("okra.toml"), "title = \"OKRs\"\n").unwrap();
        (dir, root)
    }

    #[test]
    fn writes_a_tree_and_replaces_an_older_build_completely() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("out/public");
        let first = site(&[("index.html", "home"), ("fy24/platform/index.html", "kr")]);
        let stats = write_site(&output, &first).unwrap();
        assert_eq!(stats, WriteStats { files: 2, bytes: 6 });
        assert_eq!(
            fs::read_to_string(output.join("fy24/platform/index.html")).unwrap(),
            "kr"
        );
        assert!(output.join(MARKER).is_file());

        write_site(&output, &site(&[("other.html", "new")])).unwrap();
        assert_eq!(
            names(&output),
            BTreeSet::from([MARKER.into(), "other.html".into()])
        );
        assert_eq!(
            names(&dir.path().join("out")),
            BTreeSet::from(["public".into()])
        );
    }

    #[test]
    fn a_failure_mid_write_leaves_the_previous_output_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("public");
        write_site(&output, &site(&[("index.html", "home"), ("a/b.html", "b")])).unwrap();
        let before = snapshot(&output);

        // "a" is both a file and the folder of "a/b": the write fails halfway.
        let error = write_site(&output, &site(&[("a", "x"), ("a/b", "y")])).unwrap_err();
        assert!(error.to_string().contains("okra-tmp-"), "{error}");
        assert_eq!(snapshot(&output), before);
        assert_eq!(names(dir.path()), BTreeSet::from(["public".into()]));

        // With no previous output, nothing at all is left.
        let fresh = dir.path().join("fresh");
        write_site(&fresh, &site(&[("a", "x"), ("a/b", "y")])).unwrap_err();
        assert_eq!(names(dir.path()), BTreeSet::from(["public".into()]));
    }

    #[test]
    fn rejects_paths_that_escape_the_output_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("public");
        for bad in [
            "../x", "/etc/x", "a//b", "a/../b", "", "a/", "./a", "a\\b", MARKER,
        ] {
            let files = site(&[("index.html", "home"), (bad, "evil")]);
            let error = write_site(&output, &files).unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::InvalidInput, "{bad:?}");
        }
        assert!(names(dir.path()).is_empty());
    }

    #[test]
    fn removes_only_stale_folders_of_this_output() {
        let dir = tempfile::tempdir().unwrap();
        // Pid 999999999 is above any pid limit, so no live process has it.
        let stale = [
            ".public.okra-tmp-999999999-0",
            ".public.okra-old-999999999-3",
        ];
        let kept = [
            ".public.okra-tmp-x",
            ".publicity.okra-tmp-999999999-0",
            "notes.okra-old-1-1",
        ];
        for name in stale.iter().chain(&kept) {
            fs::create_dir(dir.path().join(name)).unwrap();
        }
        write_site(&dir.path().join("public"), &site(&[("index.html", "home")])).unwrap();
        let mut expected: BTreeSet<String> = kept.iter().map(|s| s.to_string()).collect();
        expected.insert("public".into());
        assert_eq!(names(dir.path()), expected);
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_output_keeps_its_link() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("www");
        let link = dir.path().join("public");
        write_site(&target, &site(&[("old.html", "old")])).unwrap();
        std::os::unix::fs::symlink(&target, &link).unwrap();
        write_site(&link, &site(&[("new.html", "new")])).unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(
            names(&target),
            BTreeSet::from([MARKER.into(), "new.html".into()])
        );
    }

    #[cfg(unix)]
    #[test]
    fn removing_a_tree_never_follows_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        let keep = dir.path().join("keep");
        fs::create_dir_all(keep.join("sub")).unwrap();
        fs::write(keep.join("sub/file"), "x").unwrap();
        let tree = dir.path().join("tree");
        fs::create_dir_all(tree.join("a/b")).unwrap();
        fs::write(tree.join("a/b/page.html"), "x").unwrap();
        std::os::unix::fs::symlink(&keep, tree.join("a/link")).unwrap();
        let top_link = dir.path().join("top-link");
        std::os::unix::fs::symlink(&keep, &top_link).unwrap();
        remove_tree(&tree);
        remove_tree(&top_link);
        assert!(!tree.exists() && fs::symlink_metadata(&top_link).is_err());
        assert!(
            keep.join("sub/file").is_file(),
            "a link's target was deleted"
        );
    }

    #[test]
    fn check_output_refuses_the_users_files() {
        let (_dir, root) = site_root();
        let root = root.as_path();
        let not_empty = root.join("notes");
        fs::create_dir(&not_empty).unwrap();
        fs::write(not_empty.join("todo.txt"), "keep me").unwrap();
        let refused = [
            root.to_path_buf(),
            root.parent().unwrap().to_path_buf(),
            PathBuf::from("/"),
            root.join("content"),
            root.join("content/sub"),
            root.join("content/sub/new"),
            root.join("templates"),
            root.join("static"),
            root.join("themes"),
            root.join("okra.toml"),
            root.join("public/.."),
            root.join("content/sub/../../.."),
            not_empty.clone(),
        ];
        for output in refused {
            assert!(check_output(root, &output).is_err(), "{}", output.display());
        }
        let message = check_output(root, &not_empty).unwrap_err();
        assert!(
            message.contains("not empty and was not built by okra"),
            "{message}"
        );
        // Through `..` of a folder that exists, too.
        fs::create_dir(root.join("public")).unwrap();
        assert!(check_output(root, &root.join("public/..")).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn check_output_refuses_a_symlink_to_the_root_and_the_home_folder() {
        let (_dir, root) = site_root();
        let elsewhere = tempfile::tempdir().unwrap();
        let link = elsewhere.path().join("site");
        std::os::unix::fs::symlink(&root, &link).unwrap();
        assert!(check_output(&root, &link).is_err());
        assert!(check_output(&root, &link.join("content")).is_err());
        if let Some(home) = std::env::home_dir().filter(|home| home.is_dir()) {
            assert!(check_output(&root, &home).is_err());
        }
    }

    #[test]
    fn check_output_accepts_fresh_empty_and_previously_built_folders() {
        let (_dir, root) = site_root();
        let root = root.as_path();
        let empty = root.join("empty");
        fs::create_dir(&empty).unwrap();
        let built = root.join("built");
        write_site(&built, &site(&[("index.html", "home")])).unwrap();
        for output in [
            root.join("public"),
            root.join("public/nested"),
            empty,
            built,
            root.join("../public-site"),
        ] {
            assert_eq!(check_output(root, &output), Ok(()), "{}", output.display());
        }
    }
}
