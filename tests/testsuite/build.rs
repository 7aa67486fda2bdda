//! `okra build` run as a real binary on fixture sites and the demo content.

use crate::common;
use crate::common::{copy_dir, okra, read_tree, tags};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> PathBuf {
    manifest().join("tests/testsuite/fixtures/sites").join(name)
}

/// A copy of the demo site (`content/` and `okra.toml`) for a test to change,
/// and an output folder outside it: `(site, output's parent, output)`.
fn demo_copy() -> (tempfile::TempDir, tempfile::TempDir, PathBuf) {
    let src = tempfile::tempdir().unwrap();
    copy_dir(&manifest().join("content"), &src.path().join("content"));
    std::fs::copy(manifest().join("okra.toml"), src.path().join("okra.toml")).unwrap();
    let out_parent = tempfile::tempdir().unwrap();
    let out = out_parent.path().join("public");
    (src, out_parent, out)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn build_ok(
    root: &Path,
    as_of: &str,
    extra: &[&str],
) -> (tempfile::TempDir, BTreeMap<String, Vec<u8>>) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    let o = common::build(root, &out, as_of, extra);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let tree = read_tree(&out);
    (tmp, tree)
}

fn page(tree: &BTreeMap<String, Vec<u8>>, path: &str) -> String {
    text(tree.get(path).unwrap_or_else(|| {
        panic!(
            "missing {path}; have {:?}",
            tree.keys().take(40).collect::<Vec<_>>()
        )
    }))
}

/// Every `href="…"` and `src="…"` value in an HTML page.
fn links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["href=\"", "src=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            let end = rest.find('"').unwrap();
            out.push(rest[..end].replace("&amp;", "&"));
            rest = &rest[end..];
        }
    }
    out
}

/// Resolves a relative link from the page at `from` (e.g. `a/b/index.html`) to a file path.
fn resolve(from: &str, link: &str) -> Option<(String, Option<String>)> {
    let (path, fragment) = match link.split_once('#') {
        Some((p, f)) => (p, Some(f.to_string())),
        None => (link, None),
    };
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    if path.is_empty() {
        return Some((from.to_string(), fragment));
    }
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    let mut target = parts.join("/");
    if path.ends_with('/') || target.is_empty() {
        if !target.is_empty() {
            target.push('/');
        }
        target.push_str("index.html");
    }
    Some((target, fragment))
}

#[test]
fn demo_site_has_every_page_of_the_spec_and_no_broken_links() {
    // The demo as in this commit, not as committed in okra's own history.
    let (_tmp, tree) = build_ok(manifest(), "2026-11-22", &["--history", "none"]);
    for p in [
        "index.html",
        "404.html",
        "okra.css",
        "okrs.json",
        "okrs.csv",
        "updates.xml",
        "updates/index.html",
        "wall/index.html",
        "alignment/index.html",
        "tv/index.html",
        "alignment/fy2026/index.html",
        "alignment/fy2025/index.html",
        "teams/tech/updates.xml",
        "history/index.html",
        "quarters/index.html",
        "quarters/fy2026-q4/index.html",
        "quarters/fy2025-q1/index.html",
        "review/index.html",
        "review/fy2025/index.html",
        "review/fy2026/index.html",
        "teams/index.html",
        "teams/tech/index.html",
        "teams/devrel/index.html",
        "people/index.html",
        "people/tomas-herrera/index.html",
        "fy2026/platform-reliability/index.html",
        "fy2026/platform-reliability/publish-latency-q4/index.html",
    ] {
        assert!(tree.contains_key(p), "missing {p}");
    }
    // One page per objective and KR of the export.
    let json: serde_json::Value = serde_json::from_slice(&tree["okrs.json"]).unwrap();
    for o in json["objectives"].as_array().unwrap() {
        let id = o["id"].as_str().unwrap();
        assert!(
            tree.contains_key(&format!("{id}/index.html")),
            "objective page {id}"
        );
        for k in o["key_results"].as_array().unwrap() {
            let id = k["id"].as_str().unwrap();
            assert!(
                tree.contains_key(&format!("{id}/index.html")),
                "KR page {id}"
            );
        }
    }
    // The dashboard shows the current quarter.
    let index = page(&tree, "index.html");
    assert!(index.contains("Q4 FY26"), "dashboard names the quarter");

    let mut broken = Vec::new();
    let mut checked = 0;
    for (path, bytes) in &tree {
        if !path.ends_with(".html") {
            continue;
        }
        let html = text(bytes);
        for link in links(&html) {
            if link.starts_with("http://")
                || link.starts_with("https://")
                || link.starts_with("mailto:")
                || link.starts_with("data:")
            {
                continue;
            }
            if path == "404.html" {
                // Served at any URL, at any depth: its links are absolute from
                // the site root (`base_url`'s path when set, else `/`).
                let rel = link.trim_start_matches('/');
                let target = if rel.is_empty() || rel.ends_with('/') {
                    format!("{rel}index.html")
                } else {
                    rel.to_string()
                };
                if !link.starts_with('/') || !tree.contains_key(&target) {
                    broken.push(format!("{path}: {link} is not an absolute link to a page"));
                }
                continue;
            }
            if link.starts_with('/') {
                broken.push(format!("{path}: root-absolute link {link}"));
                continue;
            }
            checked += 1;
            match resolve(path, &link) {
                Some((target, fragment)) => match tree.get(&target) {
                    None => broken.push(format!("{path}: {link} -> {target} missing")),
                    Some(t) => {
                        if let Some(f) = fragment
                            && !f.is_empty()
                            && !text(t).contains(&format!("id=\"{f}\""))
                        {
                            broken.push(format!("{path}: {link} -> no id {f}"));
                        }
                    }
                },
                None => broken.push(format!("{path}: {link} escapes the site")),
            }
        }
    }
    assert!(checked > 1000, "checked {checked} links");
    assert!(
        broken.is_empty(),
        "{} broken links:\n{}",
        broken.len(),
        broken[..broken.len().min(30)].join("\n")
    );
}

#[test]
fn okrs_json_matches_hand_computed_scores() {
    let (_tmp, tree) = build_ok(&fixture("scoring"), "2024-05-20", &[]);
    let v: serde_json::Value = serde_json::from_slice(&tree["okrs.json"]).unwrap();
    assert_eq!(v["as_of"], "2024-05-20");
    let objective = |id: &str| {
        v["objectives"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["id"] == id)
            .unwrap()
            .clone()
    };
    let close = |x: &serde_json::Value, want: f64| {
        let got = x.as_f64().unwrap_or_else(|| panic!("not a number: {x}"));
        assert!((got - want).abs() < 1e-9, "got {got}, want {want}");
    };
    let company = objective("fy24/company");
    // Year: revenue 1.1 clamped to 1 (weight 3), launch 0, aligned eng 0.625 → 3.625 / 5.
    close(&company["progress"], 0.725);
    close(&company["quarters"]["FY2024-Q1"], 0.9375);
    close(&company["quarters"]["FY2024-Q2"], 0.25);
    assert!(
        company["quarters"]["FY2024-Q3"].is_null(),
        "no sub-goals: null, never 0"
    );
    assert_eq!(company["status"], "at-risk");
    assert_eq!(company["period"], "FY2024");
    assert!(company["team"].is_null() && company["parent"].is_null());

    let eng = objective("fy24/eng");
    close(&eng["progress"], 0.625);
    close(&eng["quarters"]["FY2024-Q1"], 0.75);
    close(&eng["quarters"]["FY2024-Q2"], 0.5);
    assert_eq!(eng["status"], "on-track");
    assert_eq!(eng["parent"], "fy24/company");
    assert_eq!(eng["team"], "eng");

    let kr = |o: &serde_json::Value, id: &str| {
        o["key_results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["id"] == id)
            .unwrap()
            .clone()
    };
    let revenue = kr(&company, "fy24/company/revenue-q1");
    close(&revenue["progress"], 1.1);
    close(&revenue["value"], 210.0);
    assert_eq!(revenue["status"], "achieved");
    assert_eq!(revenue["period"], "FY2024-Q1");
    assert_eq!(revenue["metric"], "currency");
    let launch = kr(&company, "fy24/company/launch-q2");
    assert_eq!(launch["value"], false);
    assert_eq!(launch["start"], false);
    assert_eq!(launch["target"], true);
    close(&launch["progress"], 0.0);
    let uptime = kr(&eng, "fy24/eng/uptime-q2");
    close(&uptime["progress"], 0.5);
    assert_eq!(uptime["series"], "uptime");
    let updates = uptime["updates"].as_array().unwrap();
    assert_eq!(
        updates.len(),
        1,
        "the update after the as-of day is left out"
    );
    assert_eq!(updates[0]["author"], "Margaret Hamilton");
    assert_eq!(updates[0]["date"], "2024-05-16");
    close(&updates[0]["forecast"], 99.8);
    close(&updates[0]["confidence"], 0.75);
    close(&uptime["forecast"], 99.8);
    // 2024-05-20 is the 50th of Q2's 91 days.
    close(&uptime["pace"], 50.0 / 91.0);
    // A closed KR's result is known: no forecast; its quarter is over: pace 1.
    assert!(revenue["forecast"].is_null() && revenue["updates"][0]["forecast"].is_null());
    close(&revenue["pace"], 1.0);
    let dropped = kr(&eng, "fy24/eng/dropped-q2");
    assert_eq!(dropped["status"], "dropped");
    assert!(dropped["updates"][0]["value"].is_null());
    let latency = kr(&eng, "fy24/eng/latency-q1");
    close(&latency["progress"], 0.75);

    let teams = v["teams"].as_array().unwrap();
    assert_eq!(teams[0]["id"], "eng");
    assert_eq!(teams[0]["name"], "Engineering");
    assert_eq!(teams[0]["lead"], "Ada Lovelace");
    assert!(teams[0]["parent"].is_null());

    // Pages show the same numbers.
    let page_eng = page(&tree, "fy24/eng/index.html");
    assert!(
        page_eng.contains("63%"),
        "year progress 62.5% rounds to 63%"
    );
    let kr_page = page(&tree, "fy24/company/revenue-q1/index.html");
    assert!(kr_page.contains("110%"), "over-achievement shows unclamped");
    assert!(kr_page.contains("EUR 210"));
    let latency_page = page(&tree, "fy24/eng/latency-q1/index.html");
    assert!(latency_page.contains("125 ms") && latency_page.contains("(reduce to)"));

    // The CSV has a row per objective and KR.
    let csv = page(&tree, "okrs.csv");
    assert!(csv.starts_with("type,id,objective,parent,title,owner,team,period,metric"));
    assert_eq!(csv.lines().count(), 1 + 2 + 5);
    assert!(csv.contains("key_result,fy24/company/revenue-q1,fy24/company,,Revenue to 200k,Grace Hopper,,FY2024-Q1,currency,EUR,100,200,210,1.1,achieved,,3,2024-04-03"));
}

#[test]
fn same_input_same_bytes() {
    // The files on disk (`--history none`) for all three: the demo's content
    // has commits after 2026-11-22, which git history would leave out.
    let (_a, one) = build_ok(manifest(), "2026-11-22", &["--history", "none"]);
    let (_b, two) = build_ok(manifest(), "2026-11-22", &["--history", "none"]);
    assert_eq!(
        one.keys().collect::<Vec<_>>(),
        two.keys().collect::<Vec<_>>()
    );
    for (k, v) in &one {
        assert!(v == &two[k], "{k} differs between two builds");
    }
    // SOURCE_DATE_EPOCH gives the same site as the same --as-of.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("p");
    let o = okra()
        .args(["build", "--root"])
        .arg(manifest())
        .arg("--output")
        .arg(&out)
        .args(["--history", "none"])
        .env("SOURCE_DATE_EPOCH", "1795305600") // 2026-11-22T00:00:00Z
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        read_tree(&out) == one,
        "SOURCE_DATE_EPOCH build differs from --as-of build"
    );
}

#[test]
fn private_okrs_appear_in_no_output_byte() {
    for extra in [&[][..], &["--drafts"][..]] {
        let (_tmp, tree) = build_ok(&fixture("hostile"), "2024-02-20", extra);
        for (path, bytes) in &tree {
            let t = text(bytes).to_lowercase();
            assert!(!t.contains("zebra"), "{path} leaks a private OKR");
            assert!(
                !t.contains("fy24/secret"),
                "{path} leaks the private objective's ID"
            );
        }
        assert!(
            !tree
                .keys()
                .any(|k| k.contains("secret") || k.contains("zebra"))
        );
        // The public child is there, without its private parent.
        let child = page(&tree, "fy24/child/index.html");
        assert!(child.contains("Public child"));
        let json: serde_json::Value = serde_json::from_slice(&tree["okrs.json"]).unwrap();
        let child = json["objectives"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["id"] == "fy24/child")
            .unwrap();
        assert!(child["parent"].is_null());
        assert_eq!(
            child["key_results"].as_array().unwrap().len(),
            1,
            "the private KR is not counted"
        );
        // Its progress is the public KR's alone (5 of 10), not including the private KR at 100%.
        assert!((child["progress"].as_f64().unwrap() - 0.5).abs() < 1e-9);
    }
}

#[test]
fn drafts_only_with_the_flag() {
    let (_a, without) = build_ok(&fixture("hostile"), "2024-02-20", &[]);
    assert!(!without.keys().any(|k| k.starts_with("fy25/draftplan")));
    assert!(without.values().all(|b| !text(b).contains("DRAFTMARK")));
    let (_b, with) = build_ok(&fixture("hostile"), "2024-02-20", &["--drafts"]);
    assert!(page(&with, "fy25/draftplan/index.html").contains("DRAFTMARK plan"));
}

#[test]
fn markdown_and_front_matter_cannot_inject_script() {
    let (_tmp, tree) = build_ok(&fixture("hostile"), "2024-02-20", &[]);
    let mut checked = 0;
    // okra's own chart SVGs may only hold drawing elements.
    const CHART_TAGS: [&str; 9] = [
        "svg", "title", "desc", "text", "rect", "polyline", "line", "circle", "path",
    ];
    for (path, bytes) in tree.iter().filter(|(p, _)| p.ends_with(".html")) {
        let mut html = common::theme_scripts_removed(path, &text(bytes));
        while let Some(start) = html.find("<svg class=\"chart-svg\"") {
            let end = start + html[start..].find("</svg>").unwrap() + "</svg>".len();
            for tag in tags(&html[start..end]) {
                let name = tag
                    .trim_start_matches('/')
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .trim_end_matches('/');
                assert!(CHART_TAGS.contains(&name), "{path}: <{tag}> in a chart");
                assert!(
                    !tag.split_whitespace().any(|a| a.starts_with("on")),
                    "{path}: handler in chart <{tag}>"
                );
            }
            html.replace_range(start..end, "");
        }
        for tag in tags(&html) {
            checked += 1;
            let name = tag
                .split(|c: char| c.is_whitespace() || c == '/')
                .find(|s| !s.is_empty())
                .unwrap_or("");
            assert!(
                ![
                    "script",
                    "iframe",
                    "object",
                    "embed",
                    "svg",
                    "math",
                    "form",
                    "base",
                    "meta http-equiv"
                ]
                .contains(&name),
                "{path}: <{tag}>"
            );
            for attr in tag.split_whitespace().skip(1) {
                assert!(!attr.starts_with("on"), "{path}: event handler in <{tag}>");
                assert!(
                    !attr.contains("javascript:") && !attr.contains("data:text"),
                    "{path}: script URL in <{tag}>"
                );
                if let Some(style) = attr.strip_prefix("style=") {
                    assert!(
                        style.starts_with("\"width:") || style.starts_with("\"min-width:"),
                        "{path}: style other than our own widths in <{tag}>"
                    );
                }
            }
        }
    }
    assert!(checked > 500);
    let o = page(&tree, "fy24/xss/index.html");
    assert!(
        o.contains("&lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt; Fast &amp; safe"),
        "title escaped"
    );
    // Markdown features survive the sanitiser.
    assert!(
        o.contains("<table>")
            && o.contains("<del>struck</del>")
            && o.contains("<strong>bold</strong>")
    );
    assert!(o.contains("type=\"checkbox\""), "task lists survive");
    // The feed and exports escape too.
    let feed = page(&tree, "updates.xml");
    assert!(feed.contains("&lt;/script&gt;&lt;script&gt;alert(8)"));
    let json: serde_json::Value = serde_json::from_slice(&tree["okrs.json"]).unwrap();
    assert!(
        json.to_string()
            .contains("<script>alert(\\\"title\\\")</script>"),
        "JSON keeps the text as data"
    );
}

#[test]
fn a_failed_build_leaves_the_previous_site_untouched() {
    let src = tempfile::tempdir().unwrap();
    copy_dir(&fixture("scoring"), src.path());
    let out_parent = tempfile::tempdir().unwrap();
    let out = out_parent.path().join("public");
    let o = common::build(src.path(), &out, "2024-05-20", &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let before = read_tree(&out);

    // Break the content: the build fails and writes nothing.
    let kr = src.path().join("content/fy24/eng/latency-q1.md");
    std::fs::write(&kr, "+++\ntitle = \"x\"\n").unwrap();
    let o = common::build(src.path(), &out, "2024-05-21", &[]);
    assert_eq!(o.status.code(), Some(1));
    let stderr = text(&o.stderr);
    assert!(
        stderr.contains("content/fy24/eng/latency-q1.md:1:1: error:"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was written"), "{stderr}");
    assert!(read_tree(&out) == before, "previous output changed");

    // A broken template override: error names the template and line; nothing written.
    std::fs::write(
        &kr,
        std::fs::read(fixture("scoring").join("content/fy24/eng/latency-q1.md")).unwrap(),
    )
    .unwrap();
    std::fs::create_dir_all(src.path().join("templates")).unwrap();
    std::fs::write(
        src.path().join("templates/kr.html"),
        "{% extends \"base.html\" %}\n{% block content %}\n{{ kr.title \n{% endblock content %}\n",
    )
    .unwrap();
    let o = common::build(src.path(), &out, "2024-05-21", &[]);
    assert_eq!(o.status.code(), Some(1));
    let stderr = text(&o.stderr);
    assert!(
        stderr.contains("templates/kr.html:4:1: error: template error: Found `{` but expected }}"),
        "{stderr}"
    );
    assert!(read_tree(&out) == before);

    // A template that renders an unknown variable fails the build too.
    std::fs::write(src.path().join("templates/kr.html"), "{% extends \"base.html\" %}\n{% block content %}{{ no_such_thing.field }}{% endblock content %}\n").unwrap();
    let o = common::build(src.path(), &out, "2024-05-21", &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("templates/kr.html"),
        "{}",
        text(&o.stderr)
    );
    assert!(read_tree(&out) == before);

    // A working override is used.
    std::fs::write(src.path().join("templates/kr.html"), "{% extends \"base.html\" %}\n{% block content %}<p id=\"custom\">{{ kr.title }}</p>{% endblock content %}\n").unwrap();
    let o = common::build(src.path(), &out, "2024-05-21", &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&std::fs::read(out.join("fy24/eng/latency-q1/index.html")).unwrap())
            .contains("<p id=\"custom\">Latency to 100 ms</p>")
    );
    // No temporary folders are left beside the output.
    let siblings: Vec<_> = std::fs::read_dir(out_parent.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(siblings, vec![std::ffi::OsString::from("public")]);
}

#[test]
fn refuses_outputs_that_would_delete_the_users_files() {
    let src = tempfile::tempdir().unwrap();
    let root = src.path().join("site");
    copy_dir(&fixture("scoring"), &root);
    std::fs::create_dir_all(root.join("static")).unwrap();
    std::fs::write(root.join("static/logo.txt"), "logo").unwrap();
    let before = read_tree(src.path());
    for out in [
        root.clone(),
        root.join("content"),
        root.join("content/fy24"),
        root.join("static"),
        src.path().to_path_buf(),
        root.join("public/../content"),
    ] {
        let o = common::build(&root, &out, "2024-05-20", &[]);
        assert_eq!(
            o.status.code(),
            Some(2),
            "--output {}: {}",
            out.display(),
            text(&o.stderr)
        );
        assert!(text(&o.stderr).contains("refusing"), "{}", text(&o.stderr));
    }
    // A folder that has files but was not built by okra is not replaced either.
    let other = src.path().join("documents");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("thesis.txt"), "years of work").unwrap();
    let o = common::build(&root, &other, "2024-05-20", &[]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(other.join("thesis.txt")).unwrap(),
        "years of work"
    );
    let mut after = read_tree(src.path());
    after.remove("documents/thesis.txt");
    assert!(after == before, "nothing the user wrote changed");
}

#[test]
fn base_url_feeds_absolute_links_only_in_the_feed() {
    let (_tmp, tree) = build_ok(
        &fixture("scoring"),
        "2024-05-20",
        &["--base-url", "https://okrs.example.com/okrs"],
    );
    let feed = page(&tree, "updates.xml");
    assert!(
        feed.contains(
            "<link href=\"https://okrs.example.com/okrs/fy24/eng/uptime-q2/#u-2024-05-16\"/>"
        ),
        "{feed}"
    );
    let index = page(&tree, "index.html");
    assert!(!index.contains("okrs.example.com"), "pages stay relative");
    let o = okra()
        .args(["build", "--base-url", "okrs.example.com"])
        .arg("--root")
        .arg(fixture("scoring"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn each_team_has_a_feed_of_its_krs_updates_linked_from_its_page() {
    let (_tmp, tree) = build_ok(
        &fixture("scoring"),
        "2024-05-20",
        &["--base-url", "https://okrs.example.com/okrs"],
    );
    let feed = page(&tree, "teams/eng/updates.xml");
    assert!(feed.contains("<title>"), "{feed}");
    assert!(
        feed.contains(
            "<link rel=\"self\" href=\"https://okrs.example.com/okrs/teams/eng/updates.xml\"/>"
        ),
        "{feed}"
    );
    assert!(
        feed.contains("href=\"https://okrs.example.com/okrs/teams/eng/\""),
        "its page is the team page: {feed}"
    );
    // The team's KRs' updates, and no other team's (the company KRs have none).
    assert!(feed.contains("fy24/eng/uptime-q2/#u-2024-05-16"), "{feed}");
    assert!(!feed.contains("fy24/company/"), "{feed}");
    let site_feed = page(&tree, "updates.xml");
    assert!(
        site_feed.contains("fy24/company/"),
        "the site feed has them"
    );
    let team = page(&tree, "teams/eng/index.html");
    assert!(
        team.contains("href=\"../../teams/eng/updates.xml\""),
        "linked"
    );
    assert!(
        team.contains("type=\"application/atom+xml\" title=\"Engineering: status updates\""),
        "announced in the head"
    );
}

#[test]
fn alignment_nests_team_objectives_and_krs_under_the_company_objective() {
    let (_tmp, tree) = build_ok(&fixture("scoring"), "2024-05-20", &[]);
    let current = page(&tree, "alignment/index.html");
    let year = page(&tree, "alignment/fy2024/index.html").replace("../../", "../");
    assert!(
        current.split("<main").nth(1) == year.split("<main").nth(1),
        "/alignment/ is the current year's tree"
    );
    let company = current.find("data-objective=\"fy24/company\"").unwrap();
    let nested = current
        .find("<ul class=\"align-tree\" aria-label=\"Aligned to Grow\">")
        .unwrap();
    let eng = current.find("data-objective=\"fy24/eng\"").unwrap();
    let eng_kr = current.find("data-kr=\"fy24/eng/uptime-q2\"").unwrap();
    assert!(
        company < nested && nested < eng && eng < eng_kr,
        "company → team → KR"
    );
    // The year's score of each node, as its objective's page shows it.
    assert!(
        current[company..nested].contains("At risk") && current[company..nested].contains(">73%<")
    );
    assert!(current[eng..eng_kr].contains("On track") && current[eng..eng_kr].contains(">63%<"));
    assert!(!current.contains("<table"), "no wide tables on a phone");
}

#[test]
fn the_tv_rotation_shows_every_team_kr_of_the_quarter_once_and_loops() {
    let root = tempfile::tempdir().unwrap();
    copy_dir(&manifest().join("content"), &root.path().join("content"));
    let toml = root.path().join("okra.toml");
    let mut config = std::fs::read_to_string(manifest().join("okra.toml")).unwrap();
    config.push_str("\n[tv]\nseconds_per_page = 45\n");
    std::fs::write(&toml, config).unwrap();
    let (_tmp, tree) = build_ok(root.path(), "2026-11-22", &["--history", "none"]);
    let json: serde_json::Value = serde_json::from_slice(&tree["okrs.json"]).unwrap();
    let pages: Vec<(&String, String)> = tree
        .iter()
        .filter(|(p, _)| p.starts_with("tv/"))
        .map(|(p, b)| (p, text(b)))
        .collect();
    let total = pages.len();
    assert!(total >= 5, "{total}");
    let mut shown = Vec::new();
    for (path, html) in &pages {
        let n: usize = path
            .strip_prefix("tv/")
            .and_then(|p| p.strip_suffix("/index.html"))
            .map_or(1, |n| n.parse().unwrap());
        assert!(
            html.contains(&format!("data-page=\"{n}\" data-pages=\"{total}\"")),
            "{path}"
        );
        let next = if n == total {
            "tv/".to_string()
        } else {
            format!("tv/{}/", n + 1)
        };
        let root = if n == 1 { "../" } else { "../../" };
        assert!(
            html.contains(&format!(
                "<meta http-equiv=\"refresh\" content=\"45; url={root}{next}\">"
            )),
            "{path} leads to {next}"
        );
        let mut rest = html.as_str();
        const ROW: &str = "<li class=\"tv-kr\" data-kr=\"";
        while let Some(i) = rest.find(ROW) {
            rest = &rest[i + ROW.len()..];
            shown.push(rest[..rest.find('"').unwrap()].to_string());
        }
    }
    shown.sort();
    let before = shown.len();
    shown.dedup();
    assert_eq!(before, shown.len(), "no KR twice");
    // Every KR of the quarter under a company or team objective is shown.
    let mut want: Vec<String> = Vec::new();
    for o in json["objectives"].as_array().unwrap() {
        if o["period"] != "FY2026" {
            continue;
        }
        for k in o["key_results"].as_array().unwrap() {
            if k["period"] == "FY2026-Q4" {
                want.push(k["id"].as_str().unwrap().to_string());
            }
        }
    }
    want.sort();
    assert_eq!(shown, want);
}

#[test]
fn content_errors_exit_1_and_write_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    let o = common::build(
        &manifest().join("tests/testsuite/fixtures/invalid/many-errors"),
        &out,
        "2024-02-20",
        &[],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(!out.exists());
    assert_eq!(text(&o.stderr).matches(": error: ").count(), 6);
}

#[test]
fn unknown_theme_is_an_error_in_okra_toml() {
    let src = tempfile::tempdir().unwrap();
    copy_dir(&fixture("scoring"), src.path());
    std::fs::write(
        src.path().join("okra.toml"),
        "title = \"X\"\ntheme = \"fancy\"\n",
    )
    .unwrap();
    let out = src.path().join("public");
    let o = common::build(src.path(), &out, "2024-05-20", &[]);
    assert_eq!(o.status.code(), Some(1));
    let stderr = text(&o.stderr);
    assert!(
        stderr.contains("okra.toml:2:9: error: theme `fancy` not found"),
        "{stderr}"
    );
    assert!(!out.exists());
    // A site theme overrides the default templates it has, and adds its static files.
    std::fs::create_dir_all(src.path().join("themes/fancy/templates")).unwrap();
    std::fs::create_dir_all(src.path().join("themes/fancy/static")).unwrap();
    std::fs::write(
        src.path().join("themes/fancy/templates/teams.html"),
        "<p>fancy teams</p>",
    )
    .unwrap();
    std::fs::write(src.path().join("themes/fancy/static/fancy.css"), "p{}").unwrap();
    let o = common::build(src.path(), &out, "2024-05-20", &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(
        std::fs::read_to_string(out.join("teams/index.html")).unwrap(),
        "<p>fancy teams</p>"
    );
    assert!(out.join("fancy.css").exists() && out.join("okra.css").exists());
}

#[test]
fn series_rows_and_charts_are_theme_fragments() {
    // The series table rows and chart are rendered once per KR/series from
    // templates/fragments/*.html; an override applies to every member's page,
    // and a broken one fails the build like any template.
    let (src, _out_parent, out) = demo_copy();
    let page = "fy2026/repeatable-enterprise/enterprise-deals-q3/index.html";

    let o = common::build(src.path(), &out, "2026-11-22", &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let html = text(&std::fs::read(out.join(page)).unwrap());
    let series_rows = |html: &str| {
        let table = &html[html.find("<table class=\"series\">").expect("series table")..];
        table[..table.find("</table>").unwrap()]
            .matches("<tr")
            .count()
            - 1
    };
    let rows = html.matches("<tr").count();
    let members = series_rows(&html);
    assert!(members > 2, "{html}");
    assert_eq!(
        html.matches("aria-current=\"true\"><td>").count(),
        1,
        "{html}"
    );
    assert!(html.contains("<table class=\"chart-data\" data-chart=\"series-chart\">"));

    std::fs::create_dir_all(src.path().join("templates/fragments")).unwrap();
    std::fs::write(
        src.path().join("templates/fragments/series-row.html"),
        "<td class=\"mine\">{{ s.quarter_label }} {{ s.title }}</td>\n",
    )
    .unwrap();
    let o = common::build(src.path(), &out, "2026-11-22", &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let html = text(&std::fs::read(out.join(page)).unwrap());
    assert_eq!(html.matches("<tr").count(), rows);
    assert_eq!(
        html.matches("<td class=\"mine\">").count(),
        members,
        "{html}"
    );
    assert!(
        html.contains("<tr class=\"current\" aria-current=\"true\"><td class=\"mine\">Q3 FY26 ")
    );

    std::fs::write(
        src.path().join("templates/fragments/series-chart.html"),
        "{{ chart.no_such_field.x }}",
    )
    .unwrap();
    let before = read_tree(&out);
    let o = common::build(src.path(), &out, "2026-11-22", &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("templates/fragments/series-chart.html"),
        "{}",
        text(&o.stderr)
    );
    assert!(read_tree(&out) == before, "a failed build changed the site");
}

#[test]
fn kr_table_rows_are_a_theme_fragment_shared_by_every_table() {
    // Each KR's table row is rendered once per folder depth and quarter-column
    // choice from templates/fragments/kr-row.html and reused by every table:
    // an override shows on the objective, quarter, team, owner and dashboard
    // tables alike, with each page's own links, and a broken one fails the build.
    let (src, _out_parent, out) = demo_copy();
    let as_of = "2026-11-22";
    let o = common::build(src.path(), &out, as_of, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let before = read_tree(&out);
    let rows = |tree: &BTreeMap<String, Vec<u8>>, marker: &str| {
        tree.iter()
            .filter(|(p, _)| p.ends_with(".html"))
            .map(|(p, b)| (p.clone(), text(b).matches(marker).count()))
            .filter(|(_, n)| *n > 0)
            .collect::<BTreeMap<_, _>>()
    };
    let default_rows = rows(&before, "<tr data-kr=");
    for page in [
        "index.html",
        "quarters/fy2026-q4/index.html",
        "teams/platform/index.html",
        "fy2026/multi-region/index.html",
    ] {
        assert!(default_rows.contains_key(page), "no KR table on {page}");
    }

    std::fs::create_dir_all(src.path().join("templates/fragments")).unwrap();
    std::fs::write(
        src.path().join("templates/fragments/kr-row.html"),
        "<tr class=\"mine\" data-q=\"{{ show_quarter }}\"><td><a href=\"{{ root }}{{ kr.url }}\">{{ kr.title }}</a></td></tr>\n",
    )
    .unwrap();
    let o = common::build(src.path(), &out, as_of, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let after = read_tree(&out);
    // The same rows on the same pages, every one from the override.
    assert_eq!(rows(&after, "<tr class=\"mine\""), default_rows);
    // Links are relative to each page, whichever page rendered the row first.
    let dashboard = text(&after["index.html"]);
    let team = text(&after["teams/platform/index.html"]);
    assert!(dashboard.contains("<td><a href=\"fy2026/"), "{dashboard}");
    assert!(!dashboard.contains("href=\"../"), "{dashboard}");
    assert!(team.contains("<td><a href=\"../../fy2026/"), "{team}");
    // Year tables have the quarter column, quarter tables do not.
    assert!(team.contains("data-q=\"true\"") && team.contains("data-q=\"false\""));

    std::fs::write(
        src.path().join("templates/fragments/kr-row.html"),
        "<tr>{{ kr.no_such_field.x }}</tr>\n",
    )
    .unwrap();
    let o = common::build(src.path(), &out, as_of, &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("templates/fragments/kr-row.html"),
        "{}",
        text(&o.stderr)
    );
    assert!(read_tree(&out) == after, "a failed build changed the site");
}

#[test]
fn template_overrides_report_every_problem_at_file_line_and_column() {
    let src = tempfile::tempdir().unwrap();
    copy_dir(&fixture("scoring"), src.path());
    let out = src.path().join("public");
    let templates = src.path().join("templates");
    std::fs::create_dir_all(&templates).unwrap();

    // An override written for okra 0.1 (Tera 1): each construct is named with
    // what to write instead, all of them in one run.
    std::fs::write(
        templates.join("kr.html"),
        "{% extends \"base.html\" %}\n{% import \"macros.html\" as m %}\n{% block content %}\n<p>{{ m::status(s=kr.status) }} {{ charts.0 }}</p>\n{% endblock content %}\n",
    )
    .unwrap();
    let o = common::build(src.path(), &out, "2024-05-21", &[]);
    assert_eq!(o.status.code(), Some(1));
    let stderr = text(&o.stderr);
    for expected in [
        "templates/kr.html:2:1: error: this template is written for Tera 1: `import` is gone",
        "templates/kr.html:4:7: error: this template is written for Tera 1: macro calls are gone",
        "templates/kr.html:4:42: error: this template is written for Tera 1: `x.0`",
    ] {
        assert!(stderr.contains(expected), "{expected}\n{stderr}");
    }
    assert!(stderr.contains("{{<name arg={value} />}}"), "{stderr}");
    assert!(
        stderr.contains("Templates written for okra 0.1"),
        "{stderr}"
    );
    assert!(!out.exists(), "nothing is written");

    // Two broken templates: both reported, each at its line and column.
    std::fs::write(
        templates.join("kr.html"),
        "{% extends \"base.html\" %}\n{% block content %}\n{% if %}\n{% endblock content %}\n",
    )
    .unwrap();
    std::fs::write(templates.join("teams.html"), "<p>\n  {{ 1 + }}</p>\n").unwrap();
    let o = common::build(src.path(), &out, "2024-05-21", &[]);
    assert_eq!(o.status.code(), Some(1));
    let stderr = text(&o.stderr);
    assert!(stderr.contains("templates/kr.html:3:"), "{stderr}");
    assert!(stderr.contains("templates/teams.html:2:"), "{stderr}");
    assert!(stderr.contains("2 errors"), "{stderr}");

    // A component that does not exist is found before any page renders.
    std::fs::remove_file(templates.join("teams.html")).unwrap();
    std::fs::write(
        templates.join("kr.html"),
        "{% extends \"base.html\" %}\n{% block content %}\n  {{<no_such_component x={1} />}}\n{% endblock content %}\n",
    )
    .unwrap();
    let o = common::build(src.path(), &out, "2024-05-21", &[]);
    assert_eq!(o.status.code(), Some(1));
    let stderr = text(&o.stderr);
    assert!(stderr.contains("templates/kr.html:3:"), "{stderr}");
    assert!(stderr.contains("no_such_component"), "{stderr}");

    // A variable that is not defined fails at render time, at its line and column.
    std::fs::write(
        templates.join("kr.html"),
        "{% extends \"base.html\" %}\n{% block content %}\n<p>{{ kr.no_such_field }}</p>\n{% endblock content %}\n",
    )
    .unwrap();
    let o = common::build(src.path(), &out, "2024-05-21", &[]);
    assert_eq!(o.status.code(), Some(1));
    let stderr = text(&o.stderr);
    assert!(stderr.contains("templates/kr.html:3:"), "{stderr}");
    assert!(stderr.contains("no_such_field"), "{stderr}");
    assert!(!out.exists(), "nothing is written");

    // A component written for Tera 2 in the site's templates works.
    std::fs::write(
        templates.join("kr.html"),
        "{% extends \"base.html\" %}\n{% block content %}<p id=\"custom\">{{<status s={kr.status} />}} {{<shout text={kr.title} />}}</p>{% endblock content %}\n",
    )
    .unwrap();
    std::fs::write(
        templates.join("shout.html"),
        "{% component shout(text: string) %}<strong>{{ text | upper }}</strong>{% endcomponent shout %}\n",
    )
    .unwrap();
    let o = common::build(src.path(), &out, "2024-05-21", &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let page = text(&std::fs::read(out.join("fy24/eng/latency-q1/index.html")).unwrap());
    assert!(
        page.contains("<strong>LATENCY TO 100 MS</strong>"),
        "{page}"
    );
    assert!(page.contains("class=\"status status-"), "{page}");
}

/// The forecast accuracy figures on the yearly review and the closed quarter's
/// page equal the values computed by hand (see the unit test
/// `forecast_accuracy_matches_hand_computed_values` for the table).
#[test]
fn forecast_accuracy_on_review_and_closed_quarter_pages() {
    let (_tmp, tree) = build_ok(&fixture("forecasts"), "2024-04-20", &[]);
    for path in ["review/fy2024/index.html", "quarters/fy2024-q1/index.html"] {
        let html = page(&tree, path);
        for want in [
            "<h2>Forecast accuracy</h2>",
            "<div><dt>Forecasts</dt><dd>3 of 4 key results</dd></div>",
            "<div><dt>Mean absolute error</dt><dd>33.3 points</dd></div>",
            "<div><dt>Too optimistic</dt><dd>2</dd></div>",
            "<div><dt>Surprises</dt><dd>2</dd></div>",
            ">Platform</a></td><td class=\"num\">2 of 3</td><td class=\"num\">40 points</td><td class=\"num\">1</td><td class=\"num\">1</td>",
            ">Sales</a></td><td class=\"num\">1 of 1</td><td class=\"num\">20 points</td><td class=\"num\">1</td><td class=\"num\">1</td>",
            "<td class=\"num\">90 (90%)</td>",
            "+30 <span class=\"muted\">optimistic</span>",
            "−50</td>",
        ] {
            assert!(html.contains(want), "{path}: no {want}");
        }
        assert_eq!(
            html.matches("<span class=\"flag\">surprise</span>").count(),
            2,
            "{path}"
        );
        let section = &html[html.find("id=\"forecast-accuracy\"").unwrap()..];
        let section = &section[..section.find("</section>").unwrap()];
        assert!(
            !section.contains(">e</a>") && !section.contains(">f</a>"),
            "dropped and unscored KRs are left out"
        );
    }
    // The review written by people comes first, sanitised.
    let review = page(&tree, "review/fy2024/index.html");
    let written = review
        .find("class=\"panel written-review\"")
        .expect("the written review");
    assert!(
        written < review.find("<h2>Final statuses</h2>").unwrap(),
        "at the top"
    );
    assert!(review.contains("<h2>FY24: what the numbers and the forecasts say</h2>"));
    assert!(review.contains("By Tech Team Management · <time datetime=\"2024-04-20\">"));
    assert!(review.contains("forecast <strong>too high</strong> twice"));
    assert!(!review.contains("alert(\"no\")"), "no script from Markdown");
    // While the quarter runs, nothing is judged.
    let (_tmp, tree) = build_ok(&fixture("forecasts"), "2024-03-31", &[]);
    assert!(!page(&tree, "quarters/fy2024-q1/index.html").contains("Forecast accuracy"));
    assert!(!page(&tree, "review/fy2024/index.html").contains("Forecast accuracy"));
}

/// A KR's `source` data file: its values merge with the updates' (an update
/// wins on its own day), show in okrs.json as `points` up to the as-of day,
/// and are drawn on the KR chart.
#[test]
fn kr_values_from_data_files() {
    let site = fixture("data-source");
    let json = |tree: &BTreeMap<String, Vec<u8>>| -> serde_json::Value {
        serde_json::from_slice(&tree["okrs.json"]).unwrap()
    };
    let kr = |j: &serde_json::Value, id: &str| -> serde_json::Value {
        j["objectives"][0]["key_results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["id"] == id)
            .unwrap()
            .clone()
    };
    for (day, signups, n) in [
        ("2024-01-10", 120.0, 1),
        ("2024-01-20", 450.0, 3), // the update of that day, not the data row
        ("2024-01-30", 520.0, 4),
    ] {
        let (_tmp, tree) = build_ok(&site, day, &["--history", "none"]);
        let k = kr(&json(&tree), "fy24/growth/signups");
        assert_eq!(k["value"], signups, "{day}");
        assert_eq!(k["points"].as_array().unwrap().len(), n, "{day}");
        // Status still comes from the updates only.
        assert_eq!(
            k["updates"].as_array().unwrap().len(),
            usize::from(n > 1),
            "{day}"
        );
    }
    let (_tmp, tree) = build_ok(&site, "2024-03-01", &["--history", "none"]);
    let j = json(&tree);
    assert_eq!(
        kr(&j, "fy24/growth/revenue")["points"],
        serde_json::json!([
            {"date": "2024-01-31", "value": 18000.0},
            {"date": "2024-02-29", "value": 26000.5}
        ])
    );
    assert_eq!(kr(&j, "fy24/growth/revenue")["value"], 26000.5);
    let html = page(&tree, "fy24/growth/signups/index.html");
    assert!(html.contains("value from the data file"));
    assert_eq!(
        html.matches("<circle").count(),
        2 * 5,
        "a dot per data point, in both chart sizes"
    );
    assert!(
        html.contains("<td>2024-01-28</td><td>data file</td>"),
        "data rows in the chart's table"
    );
}

/// The modules of a wall sheet's QR code (the `<svg class="qr">` okra
/// inlines, one `M x y h1v1…` square per dark module), rasterised at 4 pixels
/// per module and decoded.
fn decode_qr(html: &str) -> String {
    let at = html.find("<svg").expect("an inline SVG");
    let svg = &html[at..at + html[at..].find("</svg>").unwrap()];
    let vb = svg.find("viewBox=\"0 0 ").unwrap() + "viewBox=\"0 0 ".len();
    let size: usize = svg[vb..].split(' ').next().unwrap().parse().unwrap();
    let d = svg.find(" d=\"").unwrap() + " d=\"".len();
    let path = &svg[d..d + svg[d..].find('"').unwrap()];
    let mut dark = vec![false; size * size];
    for square in path.split('M').filter(|s| !s.is_empty()) {
        let end = square.find('h').unwrap();
        let (x, y) = square[..end].split_once(' ').unwrap();
        let (x, y): (usize, usize) = (x.parse().unwrap(), y.parse().unwrap());
        dark[y * size + x] = true;
    }
    const PX: usize = 4;
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(size * PX, size * PX, |x, y| {
        if dark[(y / PX) * size + x / PX] {
            0
        } else {
            255
        }
    });
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code");
    grids[0].decode().expect("decodes").1
}

#[test]
fn every_team_has_a_wall_sheet_whose_qr_code_leads_to_its_page() {
    let (_tmp, plain) = build_ok(manifest(), "2026-11-22", &["--history", "none"]);
    let company = page(&plain, "wall/index.html");
    assert!(
        !company.contains("wall-teams"),
        "the demo's wall fits one sheet"
    );
    // A sheet for every team with objectives this year, though the company fits one.
    let sheets: Vec<&String> = plain
        .keys()
        .filter(|p| p.starts_with("wall/") && p.matches('/').count() == 2)
        .collect();
    assert!(sheets.len() >= 5, "{sheets:?}");
    for s in &sheets {
        assert!(
            !page(&plain, s).contains("class=\"qr\""),
            "no QR code without base_url"
        );
    }
    let (_tmp2, tree) = build_ok(
        manifest(),
        "2026-11-22",
        &[
            "--base-url",
            "https://okrs.example.com/okrs/",
            "--history",
            "none",
        ],
    );
    let mut decoded = 0;
    for (path, bytes) in &tree {
        let Some(team) = path
            .strip_prefix("wall/")
            .and_then(|p| p.strip_suffix("/index.html"))
        else {
            continue;
        };
        let html = text(bytes);
        let url = format!("https://okrs.example.com/okrs/teams/{team}/");
        assert_eq!(decode_qr(&html), url, "{path}");
        assert!(html.contains(&format!("<a class=\"wall-qr\" href=\"{url}\">")));
        decoded += 1;
    }
    assert_eq!(decoded, sheets.len(), "team sheets");
    assert!(!page(&tree, "wall/index.html").contains("class=\"qr\""));
}
