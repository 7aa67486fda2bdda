//! Odd and hostile content, each case run through the real `okra build`:
//! symlinks out of the site and in loops, huge bodies, many files, deep
//! nesting, names and titles that try path traversal or HTML, BOM and CRLF,
//! empty files, folders named like files, special and unreadable files.
//! The build must answer with a clear diagnostic or a correct site: never a
//! panic, a hang, a leak or a file outside the output folder.

use crate::common;
use crate::common::{copy_dir, read_tree, tags};

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const AS_OF: &str = "2024-02-20";

fn minimal() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/testsuite/fixtures/valid/minimal"),
        &root,
    );
    (dir, root)
}

/// `okra build`, killed (and the test failed) if it runs for more than 120 s:
/// a hang is a bug like any other.
fn build(root: &Path) -> (Output, PathBuf) {
    let out = root.parent().unwrap().join("public");
    let mut child = common::okra()
        .args(["build", "--as-of", AS_OF, "--root"])
        .arg(root)
        .arg("--output")
        .arg(&out)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(120) {
            child.kill().unwrap();
            panic!("okra build hung on {}", root.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    (child.wait_with_output().unwrap(), out)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn assert_built(o: &Output) {
    assert_eq!(o.status.code(), Some(0), "{}", stderr(o));
    assert!(!stderr(o).contains("panicked"), "{}", stderr(o));
}

fn assert_failed(o: &Output, out: &Path) {
    assert_eq!(o.status.code(), Some(1), "{}", stderr(o));
    assert!(!stderr(o).contains("panicked"), "{}", stderr(o));
    assert!(stderr(o).contains("nothing was written"), "{}", stderr(o));
    assert!(!out.exists(), "a failed build wrote {}", out.display());
}

const UPTIME: &str = "content/fy24/reliability/uptime";

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_site_and_loops_are_not_followed() {
    use std::os::unix::fs::symlink;
    let (dir, root) = minimal();
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    let secret = outside.join("2024-02-01.md");
    std::fs::write(
        &secret,
        "+++\nstatus = \"on-track\"\nvalue = 99.7\n+++\nOUTSIDE-SECRET payroll numbers\n",
    )
    .unwrap();
    // A file link out of the site, a folder link out of it, a folder loop,
    // a two-link loop and a dangling link.
    symlink(&secret, root.join(UPTIME).join("2024-02-01.md")).unwrap();
    symlink(&outside, root.join("content/fy24/elsewhere")).unwrap();
    symlink("..", root.join("content/fy24/reliability/up")).unwrap();
    symlink("b.md", root.join("content/fy24/reliability/a.md")).unwrap();
    symlink("a.md", root.join("content/fy24/reliability/b.md")).unwrap();
    symlink("missing.md", root.join("content/fy24/reliability/gone.md")).unwrap();

    let (o, out) = build(&root);
    assert_built(&o);
    let err = stderr(&o);
    assert!(
        err.contains("content/fy24/reliability/uptime/2024-02-01.md:1:1: warning: symlink to")
            && err.contains("points outside the site; it is not followed"),
        "{err}"
    );
    assert!(
        err.contains("content/fy24/elsewhere:1:1: warning:"),
        "{err}"
    );
    assert!(
        err.contains(
            "content/fy24/reliability/up:1:1: warning: symlinked folders are not followed"
        ),
        "{err}"
    );
    for link in ["a.md", "b.md", "gone.md"] {
        assert!(
            err.contains(&format!(
                "content/fy24/reliability/{link}:1:1: warning: broken symlink"
            )),
            "{err}"
        );
    }
    for (path, bytes) in read_tree(&out) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains("OUTSIDE-SECRET"),
            "{path} has the outside file's text"
        );
    }
}

/// A link to a file elsewhere in the site is read as that file; a link to a
/// named pipe in the site is refused like the pipe itself (reading it would
/// block the build forever).
#[cfg(unix)]
#[test]
fn symlinks_inside_the_site_are_followed_to_files_only() {
    use std::os::unix::fs::symlink;
    let (_dir, root) = minimal();
    let shared = root.join("shared");
    std::fs::create_dir_all(&shared).unwrap();
    std::fs::write(
        shared.join("update.md"),
        "+++\nstatus = \"on-track\"\nvalue = 99.6\n+++\nLINKED-UPDATE from the shared folder\n",
    )
    .unwrap();
    symlink(
        shared.join("update.md"),
        root.join(UPTIME).join("2024-02-20.md"),
    )
    .unwrap();
    let (o, out) = build(&root);
    assert_built(&o);
    let err = stderr(&o);
    assert!(!err.contains("2024-02-20.md"), "{err}");
    assert!(
        read_tree(&out)
            .iter()
            .any(|(_, bytes)| String::from_utf8_lossy(bytes).contains("LINKED-UPDATE")),
        "the linked update is on no page"
    );

    let made = Command::new("mkfifo")
        .arg(shared.join("pipe"))
        .status()
        .unwrap();
    assert!(made.success());
    symlink(shared.join("pipe"), root.join(UPTIME).join("2024-02-21.md")).unwrap();
    std::fs::remove_dir_all(&out).unwrap();
    let (o, out) = build(&root);
    assert_failed(&o, &out);
    assert!(
        stderr(&o).contains("uptime/2024-02-21.md:1:1: error: this is not a regular file"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn huge_bodies_long_files_and_ten_thousand_files_in_a_folder_build() {
    let (_dir, root) = minimal();
    let uptime = root.join(UPTIME);
    // A 50 MB body (a pasted log) and a file of 100,000 lines.
    let para = "Latency **improved** by [10%](https://example.com) after the `cache` change.\n\n";
    let mut big = String::from("+++\nstatus = \"on-track\"\nvalue = 99.6\n+++\n");
    while big.len() < 50 << 20 {
        big.push_str(para);
    }
    big.push_str("END-OF-BIG-BODY\n");
    std::fs::write(uptime.join("2024-02-10-big.md"), &big).unwrap();
    let mut lines = String::from("+++\nstatus = \"on-track\"\nvalue = 99.6\n+++\n");
    for i in 0..100_000 {
        lines.push_str(&format!("line {i}\\\n"));
    }
    lines.push_str("END-OF-LINES\n");
    std::fs::write(uptime.join("2024-02-11-lines.md"), &lines).unwrap();
    // 10,000 status updates in one KR's folder.
    let launch = root.join("content/fy24/reliability/launch");
    for i in 0..10_000 {
        std::fs::write(
            launch.join(format!("2024-01-{:02}-n{i}.md", 1 + i % 28)),
            format!("+++\nstatus = \"on-track\"\nvalue = false\n+++\nNote {i}.\n"),
        )
        .unwrap();
    }

    let (o, out) = build(&root);
    assert_built(&o);
    assert!(
        stderr(&o).contains("2024-02-10-big.md:1:1: warning: the text is 52.4 MB"),
        "{}",
        stderr(&o)
    );
    let kr =
        String::from_utf8(std::fs::read(out.join("fy24/reliability/uptime/index.html")).unwrap())
            .unwrap();
    assert!(kr.contains("END-OF-BIG-BODY"));
    assert!(kr.contains("line 99999<br>") && kr.contains("END-OF-LINES"));
    let launch =
        String::from_utf8(std::fs::read(out.join("fy24/reliability/launch/index.html")).unwrap())
            .unwrap();
    assert!(launch.contains("Note 9999.") && launch.contains("Note 0."));
    assert!(launch.contains("Status updates <span class=\"count\">10001</span>"));
}

#[test]
fn deeply_nested_markdown_and_html_are_capped_not_fatal() {
    let (_dir, root) = minimal();
    let mut body = String::from("+++\nstatus = \"at-risk\"\nvalue = 99.5\n+++\n");
    body.push_str(&"- ".repeat(10_000));
    body.push_str("deep-list\n\n");
    body.push_str(&">".repeat(10_000));
    body.push_str(" deep-quote\n\n");
    body.push_str(&"<div>".repeat(20_000));
    body.push_str("deep-div");
    body.push_str(&"</div>".repeat(20_000));
    body.push_str("\n\n");
    body.push_str(&"<ul><li>".repeat(5_000));
    body.push_str("deep-li\n\n");
    body.push_str(&"**".repeat(20_000));
    body.push_str("\n\n");
    body.push_str(&"[".repeat(20_000));
    body.push('\n');
    std::fs::write(root.join(UPTIME).join("2024-02-12.md"), body).unwrap();

    let (o, out) = build(&root);
    assert_built(&o);
    let kr =
        String::from_utf8(std::fs::read(out.join("fy24/reliability/uptime/index.html")).unwrap())
            .unwrap();
    for text in ["deep-list", "deep-quote"] {
        assert!(kr.contains(text), "{text} lost");
    }
    // Nesting in the output stays bounded.
    let mut depth: i64 = 0;
    let mut max = 0;
    for piece in kr.split('<').skip(1) {
        if piece.starts_with("blockquote") || piece.starts_with("ul") || piece.starts_with("div") {
            depth += 1;
        } else if piece.starts_with("/blockquote")
            || piece.starts_with("/ul")
            || piece.starts_with("/div")
        {
            depth -= 1;
        }
        max = max.max(depth);
    }
    assert!(max < 200, "output nests {max} levels deep");
}

#[test]
fn ids_that_try_path_traversal_are_rejected_with_a_rename_hint() {
    let (_dir, root) = minimal();
    // (Names starting with `.`, such as `..`, are hidden files: never read.)
    for name in ["%2e%2e%2fetc", "Evil<script>", "a b", "x.y"] {
        let dir = root.join("content/fy24").join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("objective.md"),
            "+++\ntitle = \"t\"\nowner = \"o\"\nperiod = \"FY24\"\n+++\n",
        )
        .unwrap();
    }
    std::fs::write(
        root.join("content/fy24/reliability/..hidden-kr.md"),
        "+++\ntitle = \"t\"\n+++\n",
    )
    .unwrap();
    let (o, out) = build(&root);
    assert_failed(&o, &out);
    let err = stderr(&o);
    for (name, suggestion) in [
        ("%2e%2e%2fetc", "2e-2e-2fetc"),
        ("Evil<script>", "evil-script"),
        ("a b", "a-b"),
        ("x.y", "x-y"),
    ] {
        assert!(
            err.contains(&format!(
                "content/fy24/{name}:1:1: error: folder name `{name}` is not a valid ID"
            )),
            "{err}"
        );
        assert!(
            err.contains(&format!("rename it to `{suggestion}`")),
            "{err}"
        );
    }
}

#[test]
fn titles_and_names_that_look_like_paths_or_html_stay_text() {
    let (_dir, root) = minimal();
    let objective = root.join("content/fy24/reliability/objective.md");
    let text = std::fs::read_to_string(&objective)
        .unwrap()
        .replace(
            "Be reliable",
            "../../../etc/passwd <script>alert(1)</script>",
        )
        .replace("Ada Lovelace", "<img src=x onerror=alert(1)>");
    std::fs::write(&objective, text).unwrap();
    let kr = root.join(UPTIME).with_extension("md");
    let text = std::fs::read_to_string(&kr)
        .unwrap()
        .replace("Uptime 99.9%", "\\\" onmouseover=\\\"alert(1)\\\" x=\\\"")
        .replace("unit = \"%\"", "unit = \"</title><svg onload=alert(1)>\"");
    std::fs::write(&kr, text).unwrap();
    std::fs::write(
        root.join("content/teams/platform.md"),
        "+++\nname = \"<iframe src=javascript:alert(1)>\"\nlead = \"{{ site.title }}\"\n+++\n",
    )
    .unwrap();
    // A private objective whose title looks like markup: in no output byte.
    std::fs::create_dir_all(root.join("content/fy24/hush")).unwrap();
    std::fs::write(
        root.join("content/fy24/hush/objective.md"),
        "+++\ntitle = \"<b>Quokka</b> merger\"\nowner = \"Quentin Quokka\"\nperiod = \"FY24\"\nprivacy = \"private\"\n+++\nQuokka body.\n",
    )
    .unwrap();

    let (o, out) = build(&root);
    assert_built(&o);
    let all = read_tree(&out);
    let mut pages = 0;
    for (path, bytes) in &all {
        assert!(!path.contains(".."), "{path}");
        let text = String::from_utf8_lossy(bytes);
        assert!(
            !text.to_lowercase().contains("quokka"),
            "{path} leaks the private objective"
        );
        if !path.ends_with(".html") {
            continue;
        }
        pages += 1;
        for tag in tags(&common::theme_scripts_removed(path, &text)) {
            let name = tag.split_whitespace().next().unwrap_or("");
            // okra's own charts are the only SVG, and carry their class.
            let chart = name == "svg" && tag.contains("class=\"chart-svg\"");
            assert!(
                !["script", "iframe", "svg"].contains(&name) || chart,
                "{path}: <{tag}>"
            );
            for attr in tag.split_whitespace().skip(1) {
                assert!(!attr.starts_with("on"), "{path}: event handler in <{tag}>");
            }
        }
    }
    assert!(pages > 10);
    let objective =
        String::from_utf8(std::fs::read(out.join("fy24/reliability/index.html")).unwrap()).unwrap();
    assert!(objective.contains("../../../etc/passwd &lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(objective.contains("&lt;img src=x onerror=alert(1)&gt;"));
    // The team name is text too; template syntax in content is not evaluated.
    let team =
        String::from_utf8(std::fs::read(out.join("teams/platform/index.html")).unwrap()).unwrap();
    assert!(team.contains("&lt;iframe src=javascript:alert(1)&gt;"));
    assert!(team.contains("{{ site.title }}"));
    // The feed stays well-formed XML and the exports valid JSON, with the hostile
    // text as plain data.
    let feed = String::from_utf8(std::fs::read(out.join("updates.xml")).unwrap()).unwrap();
    let doc = roxmltree::Document::parse(&feed).expect("the feed is well-formed XML");
    let titles: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("title"))
        .filter_map(|n| n.text())
        .collect();
    assert!(
        titles
            .iter()
            .any(|t| t.contains("\" onmouseover=\"alert(1)\" x=\"")),
        "{titles:?}"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("okrs.json")).unwrap()).unwrap();
    assert_eq!(
        json["objectives"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["id"] == "fy24/reliability")
            .unwrap()["title"],
        "../../../etc/passwd <script>alert(1)</script>"
    );
}

#[test]
fn bom_and_crlf_front_matter_is_accepted() {
    let (_dir, root) = minimal();
    for e in walkdir::WalkDir::new(root.join("content")) {
        let e = e.unwrap();
        if e.file_type().is_file() {
            let text = std::fs::read_to_string(e.path()).unwrap();
            let crlf = format!("\u{feff}{}", text.replace('\n', "\r\n"));
            std::fs::write(e.path(), crlf).unwrap();
        }
    }
    let toml = root.join("okra.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(&toml, format!("\u{feff}{}", text.replace('\n', "\r\n"))).unwrap();
    let (o, out) = build(&root);
    assert_built(&o);
    let json = String::from_utf8(std::fs::read(out.join("okrs.json")).unwrap()).unwrap();
    assert!(json.contains("\"title\": \"Be reliable\""), "{json}");
    assert!(json.contains("\"title\": \"Uptime 99.9%\""));
    let page = String::from_utf8(std::fs::read(out.join("index.html")).unwrap()).unwrap();
    assert!(page.contains("Test OKRs"));
    assert!(!page.contains('\u{feff}'));
}

#[test]
fn empty_files_are_errors_at_their_first_line() {
    let (_dir, root) = minimal();
    let empties = [
        "content/teams/platform.md",
        "content/fy24/company/objective.md",
        "content/fy24/reliability/uptime.md",
        "content/fy24/reliability/launch/2024-02-16.md",
    ];
    for f in empties {
        std::fs::write(root.join(f), "").unwrap();
    }
    let (o, out) = build(&root);
    assert_failed(&o, &out);
    for f in empties {
        assert!(
            stderr(&o).contains(&format!("{f}:1:1: error: the file is empty")),
            "{}",
            stderr(&o)
        );
    }
}

#[test]
fn folders_named_like_files_are_explained() {
    let (_dir, root) = minimal();
    std::fs::create_dir_all(root.join("content/fy24/reliability/latency.md")).unwrap();
    std::fs::create_dir_all(root.join(UPTIME).join("2024-02-18.md")).unwrap();
    let (o, out) = build(&root);
    assert_failed(&o, &out);
    let err = stderr(&o);
    assert!(err.contains("content/fy24/reliability/latency.md:1:1: error: `latency.md` is a folder, but only Markdown files end in `.md`"), "{err}");
    assert!(
        err.contains("a key result's updates go in a folder named `latency/`"),
        "{err}"
    );
    assert!(
        err.contains("uptime/2024-02-18.md:1:1: error: `2024-02-18.md` is a folder"),
        "{err}"
    );
}

#[test]
fn unreadable_special_and_non_utf8_files_are_errors_not_hangs() {
    let (_dir, root) = minimal();
    std::fs::write(
        root.join(UPTIME).join("2024-02-17.md"),
        b"+++\nstatus = \"on-track\"\nvalue = 99.5\n+++\nCaf\xe9 latin-1\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        // A named pipe: reading it would block the build forever.
        let fifo = root.join(UPTIME).join("2024-02-18.md");
        let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(made.success());
    }
    // A file without read permission (root reads it anyway: then it is skipped).
    let locked = root.join(UPTIME).join("2024-02-19.md");
    std::fs::write(&locked, "+++\nstatus = \"on-track\"\nvalue = 99.5\n+++\n").unwrap();
    #[cfg(unix)]
    let locked_out = {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
        std::fs::read(&locked).is_err()
    };
    #[cfg(not(unix))]
    let locked_out = false;

    let (o, out) = build(&root);
    assert_failed(&o, &out);
    let err = stderr(&o);
    assert!(
        err.contains("uptime/2024-02-17.md:5:4: error: the file is not valid UTF-8"),
        "{err}"
    );
    #[cfg(unix)]
    assert!(
        err.contains("uptime/2024-02-18.md:1:1: error: this is not a regular file"),
        "{err}"
    );
    if locked_out {
        assert!(
            err.contains("uptime/2024-02-19.md:1:1: error: cannot read the file"),
            "{err}"
        );
    }
}
