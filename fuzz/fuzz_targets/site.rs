//! A whole site from fuzzer bytes: up to eight files separated by NUL bytes
//! (okra.toml, a team, two objectives with a KR and an update each), run
//! through load → validate → score → render in memory, as `okra build` would.
//!
//! Besides "no panic", two oracles:
//! - no page has a `<script>` element, an `on…` event-handler attribute or a
//!   `javascript:`/`vbscript:`/scriptable `data:` URL (the theme has none but
//!   the search page's two bundled scripts, [`THEME_SCRIPTS`]);
//! - when the second objective is hidden (private, or a draft), the site is
//!   byte for byte the site built without it: nothing of it leaks.
#![no_main]

use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use okra::pipeline::build_in_memory;

const SLOTS: [&str; 7] = [
    "content/teams/platform.md",
    "content/fy24/alpha/objective.md",
    "content/fy24/alpha/kr-one.md",
    "content/fy24/alpha/kr-one/2024-02-14.md",
    "content/fy24/beta/objective.md",
    "content/fy24/beta/kr-two.md",
    "content/fy24/beta/kr-two/2024-03-01.md",
];

/// The only scripts the theme writes: the search page's, files of the theme.
const THEME_SCRIPTS: [&str; 2] = [
    "<script src=\"../elasticlunr.min.js\"></script>",
    "<script src=\"../search.js\" data-root=\"../\" data-index=\"index.json\"></script>",
];

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.split('\0');
    let config = parts.next().unwrap_or_default().to_string();
    let files: Vec<(String, String)> = SLOTS
        .iter()
        .zip(parts)
        .filter(|(_, t)| !t.is_empty())
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect();
    let as_of = NaiveDate::from_ymd_opt(2024, 2, 20).unwrap();
    let built = build_in_memory(&config, &files, as_of, false);
    assert_eq!(built.files.is_none(), built.diagnostics.has_errors());
    let Some(out) = built.files else { return };
    for (path, bytes) in &out {
        if path.ends_with(".html") || path.ends_with(".xml") || path.ends_with(".svg") {
            let mut page = String::from_utf8_lossy(bytes).into_owned();
            if path == "search/index.html" {
                for ours in THEME_SCRIPTS {
                    page = page.replacen(ours, "", 1);
                }
            }
            if let Some(bad) = scripting(&page) {
                panic!("{path}: {bad}");
            }
        }
    }
    // Differential privacy check: hide-by-visibility must equal absence.
    let beta_public = String::from_utf8_lossy(&out["okrs.json"]).contains("\"fy24/beta\"");
    if !beta_public {
        let without: Vec<_> = files
            .iter()
            .filter(|(p, _)| !p.starts_with("content/fy24/beta/"))
            .cloned()
            .collect();
        if let Some(expected) = build_in_memory(&config, &without, as_of, false).files {
            for (path, bytes) in &out {
                assert!(
                    expected.get(path) == Some(bytes),
                    "{path} differs from the site without the hidden objective"
                );
            }
            assert_eq!(out.len(), expected.len());
        }
    }
});

/// The first scripting construct in `html`, read the way a browser tokenizes
/// tags: quoted attribute values are skipped, so text that merely mentions
/// `<script>` inside an attribute is not mistaken for a tag.
fn scripting(html: &str) -> Option<String> {
    let b = html.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'<' {
            i += 1;
            continue;
        }
        i += 1;
        if html[i..].starts_with("!--") {
            i = html[i..].find("-->").map_or(b.len(), |e| i + e + 3);
            continue;
        }
        let start = i;
        while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'/' || b[i] == b'!') {
            i += 1;
        }
        let name = html[start..i].to_ascii_lowercase();
        if name == "script" {
            return Some("a <script> element".into());
        }
        // Attributes up to the closing '>'.
        loop {
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            if i >= b.len() || b[i] == b'>' {
                break;
            }
            let a = i;
            while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'=' && b[i] != b'>' {
                i += 1;
            }
            let attr = html[a..i].to_ascii_lowercase();
            let mut value = "";
            if i < b.len() && b[i] == b'=' {
                i += 1;
                if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                    let q = b[i];
                    let v = i + 1;
                    i = v + b[v..].iter().position(|&c| c == q).unwrap_or(b.len() - v);
                    value = &html[v..i];
                    i = (i + 1).min(b.len());
                } else {
                    let v = i;
                    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                        i += 1;
                    }
                    value = &html[v..i];
                }
            }
            if attr.starts_with("on") && attr.len() > 2 {
                return Some(format!("an event-handler attribute {attr}"));
            }
            let v: String = value
                .chars()
                .filter(|c| !c.is_whitespace() && !c.is_control())
                .collect::<String>()
                .to_ascii_lowercase();
            // (The theme's own 404 page has an empty `data:,` icon.)
            let scripted = ["javascript:", "vbscript:", "data:text/html", "data:image/svg"];
            if (attr == "href" || attr == "src") && scripted.iter().any(|s| v.starts_with(s)) {
                return Some(format!("a {attr}={value:?} URL"));
            }
        }
    }
    None
}
