//! The search index (`search/index.json`), the search page and the header's
//! search box, from the real binary. The browser side is `tests/browser/search.rs`.

use crate::common::{self, copy_dir, read_tree};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn site(name: &str) -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    if name == "demo" {
        manifest.to_path_buf()
    } else {
        manifest.join("tests/testsuite/fixtures/sites").join(name)
    }
}

fn build(root: &Path, as_of: &str) -> (tempfile::TempDir, BTreeMap<String, Vec<u8>>) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    // The demo as on disk, not as committed in okra's own history.
    let o = common::build(root, &out, as_of, &["--history", "none"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let tree = read_tree(&out);
    (tmp, tree)
}

fn index(tree: &BTreeMap<String, Vec<u8>>) -> serde_json::Value {
    serde_json::from_slice(&tree["search/index.json"]).expect("the index is JSON")
}

/// `[kind, title, url, context]` of every document.
fn docs(index: &serde_json::Value) -> Vec<[String; 4]> {
    serde_json::from_value(index["docs"].clone()).unwrap()
}

/// The refs of the documents holding `token` (as the indexer stems it) in `field`.
fn refs(index: &serde_json::Value, field: &str, token: &str) -> Vec<String> {
    let mut node = &index["index"]["index"][field]["root"];
    for c in token.chars() {
        node = &node[c.to_string()];
    }
    node["docs"]
        .as_object()
        .map(|d| d.keys().cloned().collect())
        .unwrap_or_default()
}

#[test]
fn the_index_holds_public_words_and_nothing_private() {
    let (_tmp, tree) = build(&site("hostile"), "2024-02-20");
    let bytes = String::from_utf8_lossy(&tree["search/index.json"]).to_lowercase();
    for private in ["zebra", "secret", "acquir", "confidential"] {
        assert!(!bytes.contains(private), "the index holds `{private}`");
    }
    let index = index(&tree);
    assert_eq!(index["index"]["ref"], "id");
    let docs = docs(&index);
    let kr = docs
        .iter()
        .position(|d| d[0] == "kr" && d[1] == "Public KR")
        .expect("the public KR is a document");
    assert_eq!(docs[kr][2], "fy24/child/kr/");
    assert!(refs(&index, "title", "public").contains(&kr.to_string()));
    // Titles are data: the script sets them as text, never as HTML.
    assert!(
        docs.iter()
            .any(|d| d[1] == "<script>alert(\"title\")</script> Fast & safe")
    );
    // No document store: titles are in `docs` once, not again in the index.
    assert_eq!(index["index"]["documentStore"]["save"], false);
    assert!(
        index["index"]["documentStore"]["docs"]
            .as_object()
            .unwrap()
            .values()
            .all(|d| d.as_object().unwrap().is_empty())
    );
}

#[test]
fn every_document_is_a_written_page_and_the_index_is_deterministic() {
    let (_a, first) = build(&site("demo"), "2026-11-22");
    let (_b, second) = build(&site("demo"), "2026-11-22");
    assert!(
        first["search/index.json"] == second["search/index.json"],
        "two builds write the same index"
    );
    let index = index(&first);
    let docs = docs(&index);
    let kinds: std::collections::BTreeSet<&str> = docs.iter().map(|d| d[0].as_str()).collect();
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        ["kr", "objective", "person", "team", "update"]
    );
    for [kind, title, url, _] in &docs {
        // An update's row names its KR's row and its anchor on the KR's page.
        let (title, url) = if kind == "update" {
            let kr = &docs[title.parse::<usize>().expect("an update names a row")];
            assert_eq!(kr[0], "kr", "an update's row is its KR's");
            (&kr[1], &format!("{}{url}", kr[2]))
        } else {
            (title, url)
        };
        assert!(!title.is_empty(), "a {kind} without a title");
        let (folder, anchor) = url.split_once('#').unwrap_or((url, ""));
        assert!(folder.ends_with('/') && !folder.starts_with('/'), "{url}");
        let page = first
            .get(&format!("{folder}index.html"))
            .unwrap_or_else(|| panic!("{kind} {title}: {url} is no page"));
        if !anchor.is_empty() {
            let id = format!("id=\"{anchor}\"");
            assert!(
                String::from_utf8_lossy(page).contains(&id),
                "{url}: no #{anchor}"
            );
        }
    }
    assert!(
        docs.iter()
            .any(|d| d[0] == "update" && d[2].starts_with("#u-"))
    );
    // An owner's name finds what they own; words of an update's text find it.
    let person = docs.iter().position(|d| d[0] == "person").unwrap();
    let name = docs[person][1]
        .split_whitespace()
        .next()
        .unwrap()
        .to_lowercase();
    assert!(!refs(&index, "title", &name).is_empty());
    assert!(!refs(&index, "who", &name).is_empty());
    // The search page loads the index beside it and names the lists to browse
    // without JavaScript; every page's header has the box.
    let search = String::from_utf8_lossy(&first["search/index.html"]).into_owned();
    assert!(search.contains("data-index=\"index.json\""));
    assert!(search.contains("<noscript>") && search.contains("href=\"../teams/\""));
    for page in ["index.html", "teams/index.html", "search/index.html"] {
        let html = String::from_utf8_lossy(&first[page]).into_owned();
        assert!(
            html.contains("role=\"search\"") && html.contains("name=\"q\" type=\"search\""),
            "{page}"
        );
    }
    assert!(first.contains_key("search.js") && first.contains_key("elasticlunr.min.js"));
}

#[test]
fn search_can_be_turned_off() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&site("hostile"), tmp.path());
    let config = tmp.path().join("okra.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("\n[search]\nenabled = false\n");
    std::fs::write(&config, text).unwrap();
    let (_out, tree) = build(tmp.path(), "2024-02-20");
    assert!(!tree.keys().any(|k| k.starts_with("search/")));
    let home = String::from_utf8_lossy(&tree["index.html"]).into_owned();
    assert!(!home.contains("role=\"search\""));
}

#[test]
fn a_content_folder_named_search_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&site("hostile"), tmp.path());
    std::fs::create_dir_all(tmp.path().join("content/search")).unwrap();
    std::fs::copy(
        tmp.path().join("content/fy24/child/objective.md"),
        tmp.path().join("content/search/objective.md"),
    )
    .unwrap();
    let o = common::okra()
        .args(["check", "--as-of", "2024-02-20", "--root"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("reserved-name") || err.contains("is reserved"),
        "{err}"
    );
}
