//! Helpers shared by the integration tests.

use std::path::Path;
use std::process::Command;

pub mod sitegen;

/// The real `okra` binary, without colour (so output can be matched) and
/// without `SOURCE_DATE_EPOCH` (so a value in the caller's environment cannot
/// change "today"). Every test runs okra through this; a test that wants a
/// fixed day sets it again on the returned command.
pub fn okra() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_okra"));
    // The fixtures are inside okra's own repository: git must not find it,
    // or `--as-of` would read them as committed instead of as on disk.
    c.env_remove("SOURCE_DATE_EPOCH")
        .env("NO_COLOR", "1")
        .env("GIT_CEILING_DIRECTORIES", env!("CARGO_MANIFEST_DIR"));
    c
}

/// Copies a fixture site into a (temporary) folder.
#[allow(dead_code)] // not every test binary copies fixtures
pub fn copy_dir(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from) {
        let e = e.unwrap();
        let dest = to.join(e.path().strip_prefix(from).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

/// `html` (the page written to `path`) without the only form and scripts the
/// theme writes: the header's search box (its `<form>` and `</form>` tags, what
/// is inside stays) and, on the search page, its two bundled scripts (files of
/// the theme, no inline code). Tests that no page has a script or a form from
/// content look at what is left.
#[allow(dead_code)] // not every test binary looks for scripts
pub fn theme_scripts_removed(path: &str, html: &str) -> String {
    let mut html = html.to_string();
    const FORM: &str = "<form class=\"site-search\" role=\"search\" action=\"";
    if let Some(start) = html.find(FORM) {
        let open_end = start + html[start..].find('>').expect("the form tag ends") + 1;
        let close = open_end + html[open_end..].find("</form>").expect("the form ends");
        html.replace_range(close..close + "</form>".len(), "");
        html.replace_range(start..open_end, "");
    }
    if path == "search/index.html" {
        for ours in [
            "<script src=\"../elasticlunr.min.js\"></script>",
            "<script src=\"../search.js\" data-root=\"../\" data-index=\"index.json\"></script>",
        ] {
            html = html.replacen(ours, "", 1);
        }
    }
    html
}

/// Every file of a built site, path relative to `dir` (with `/`) → bytes.
#[allow(dead_code)] // not every test binary reads whole sites
pub fn read_tree(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

/// Runs `okra build` on `root` into `out` as of `as_of` (plus `extra` flags),
/// without colour or `SOURCE_DATE_EPOCH`, and returns what it did.
#[allow(dead_code)] // not every test binary builds sites this way
pub fn build(root: &Path, out: &Path, as_of: &str, extra: &[&str]) -> std::process::Output {
    okra()
        .args(["build", "--root"])
        .arg(root)
        .arg("--output")
        .arg(out)
        .args(["--as-of", as_of])
        .args(extra)
        .output()
        .unwrap()
}

/// [`build`], failing the test unless it succeeds. Returns what it printed on stderr.
#[allow(dead_code)] // not every test binary builds sites this way
pub fn build_ok(root: &Path, out: &Path, as_of: &str, extra: &[&str]) -> String {
    let o = build(root, out, as_of, extra);
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    stderr
}

/// The real tags of an HTML page, with quoted attribute values skipped (a
/// literal `<` can only appear inside one).
#[allow(dead_code)] // not every test binary reads tags
pub fn tags(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let mut end = 0;
        let mut quote = None;
        for (j, c) in rest.char_indices() {
            match (quote, c) {
                (None, '"' | '\'') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (None, '>') => {
                    end = j;
                    break;
                }
                _ => {}
            }
            end = j;
        }
        out.push(rest[..end].to_lowercase());
        rest = &rest[end..];
    }
    out
}
