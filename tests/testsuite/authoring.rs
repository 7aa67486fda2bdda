//! Authoring workflow with the real binary: init → check → build, `okra new`
//! for each kind, refusals, completions, and the CI recipe's commands.

use crate::common::okra;

use std::path::Path;
use std::process::{Command, Output};

/// `okra` run in `dir` on a fixed day: the example content and new files are
/// dated by it.
fn okra_in(dir: &Path) -> Command {
    let mut c = okra();
    c.current_dir(dir).env("SOURCE_DATE_EPOCH", "1795305600"); // 2026-11-22
    c
}

fn run(dir: &Path, args: &[&str]) -> Output {
    okra_in(dir).args(args).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn assert_ok(o: &Output, what: &str) {
    assert_eq!(
        o.status.code(),
        Some(0),
        "{what}: {}{}",
        text(&o.stdout),
        text(&o.stderr)
    );
}

/// `okra check --strict --format json` reports nothing at all.
fn assert_checks_clean(dir: &Path) {
    let o = run(dir, &["check", "--strict", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["diagnostics"].as_array().unwrap().len(), 0, "{v:#}");
    assert_eq!(o.status.code(), Some(0));
}

/// `okra check --format json` reports only `okra new`'s placeholders, in `file`.
fn assert_only_placeholders(dir: &Path, file: &str) {
    let o = run(dir, &["check", "--format", "json"]);
    assert_ok(&o, "check with placeholders");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let found = v["diagnostics"].as_array().unwrap();
    assert!(!found.is_empty(), "the placeholders are reported");
    for d in found {
        assert_eq!(
            (d["code"].as_str(), d["file"].as_str()),
            (Some("placeholder"), Some(file)),
            "{v:#}"
        );
    }
}

/// Replaces the texts `okra new` asks the author to replace, as an author would.
fn fill_in(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    let text = text
        .replace("\"New objective\"", "\"Grow signups\"")
        .replace("\"New key result\"", "\"Halve the error rate\"")
        .replace("\"Your Name\"", "\"Ada Lovelace\"")
        .replace(
            "How this key result is scored: the data source, what counts, and when it is measured.",
            "Errors per thousand requests, from the load balancer logs.",
        )
        .replace(
            "Why this objective matters this year, and how it serves the company's goals.",
            "Growth pays for everything else.",
        )
        .replace(
            "What happened since the last update, what's next, and any blockers.",
            "Shipped the fix.",
        )
        .replace(
            "Mid-quarter scoring: where the KR stands and the end-of-quarter result you expect.",
            "Expect to reach the target.",
        );
    std::fs::write(path, text).unwrap();
}

#[test]
fn init_then_check_and_build_clean() {
    let tmp = tempfile::tempdir().unwrap();
    let o = run(tmp.path(), &["init", "okrs"]);
    assert_ok(&o, "init");
    let site = tmp.path().join("okrs");
    for f in [
        "okra.toml",
        "README.md",
        ".gitignore",
        "content/teams/engineering.md",
        "content/fy26/company/objective.md",
        "content/fy26/reliability/objective.md",
    ] {
        assert!(site.join(f).is_file(), "init writes {f}");
    }
    let aligned =
        std::fs::read_to_string(site.join("content/fy26/reliability/objective.md")).unwrap();
    assert!(
        aligned.contains("parent = \"fy26/company\""),
        "a team objective aligned to the company one"
    );
    assert_checks_clean(&site);
    let o = run(&site, &["build"]);
    assert_ok(&o, "build");
    assert!(
        site.join("public/index.html").is_file() && site.join("public/wall/index.html").is_file()
    );
}

#[test]
fn init_refuses_a_non_empty_folder_and_never_overwrites() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("okra.toml"), "title = \"Mine\"\n").unwrap();
    let o = run(tmp.path(), &["init"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("not empty"), "{}", text(&o.stderr));
    assert!(!tmp.path().join("content").exists(), "nothing written");
    let o = run(tmp.path(), &["init", "--force", "."]);
    assert_ok(&o, "init --force");
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("okra.toml")).unwrap(),
        "title = \"Mine\"\n",
        "kept"
    );
    assert!(
        text(&o.stderr).contains("kept ./okra.toml"),
        "{}",
        text(&o.stderr)
    );
    assert!(
        tmp.path()
            .join("content/fy26/company/objective.md")
            .is_file()
    );
    // A file where the folder should be.
    let f = tmp.path().join("file");
    std::fs::write(&f, "x").unwrap();
    assert_eq!(run(tmp.path(), &["init", "file"]).status.code(), Some(2));
}

#[test]
fn new_objective_kr_and_update_check_clean() {
    let tmp = tempfile::tempdir().unwrap();
    assert_ok(&run(tmp.path(), &["init", "site"]), "init");
    let site = tmp.path().join("site");

    let o = run(&site, &["new", "objective", "content/fy26/growth"]);
    assert_ok(&o, "new objective");
    assert_eq!(text(&o.stdout).trim(), "content/fy26/growth/objective.md");
    let obj = std::fs::read_to_string(site.join("content/fy26/growth/objective.md")).unwrap();
    assert!(
        obj.contains("period = \"FY26\""),
        "current fiscal year: {obj}"
    );
    // Its title and text are placeholders to replace: warnings until they are.
    assert_only_placeholders(&site, "content/fy26/growth/objective.md");
    fill_in(&site.join("content/fy26/growth/objective.md"));
    assert_checks_clean(&site);

    // A KR takes owner and team from its objective and the current quarter.
    let o = run(
        &site,
        &["new", "kr", "content/fy26/reliability/errors-q4.md"],
    );
    assert_ok(&o, "new kr");
    let kr = std::fs::read_to_string(site.join("content/fy26/reliability/errors-q4.md")).unwrap();
    assert!(
        kr.contains("owner = \"Ada Lovelace\"")
            && kr.contains("team = \"engineering\"")
            && kr.contains("period = \"Q4 FY26\""),
        "{kr}"
    );
    fill_in(&site.join("content/fy26/reliability/errors-q4.md"));
    // No errors; health warns that it has no update yet, which the next command posts.
    let o = run(&site, &["check", "--format", "json"]);
    assert_ok(&o, "check after new kr");
    let o = run(
        &site,
        &["new", "update", "content/fy26/reliability/errors-q4"],
    );
    assert_ok(&o, "first update of the new KR");
    let first =
        std::fs::read_to_string(site.join("content/fy26/reliability/errors-q4/2026-11-22.md"))
            .unwrap();
    assert!(
        first.contains("status = \"on-track\"") && first.contains("value = 0"),
        "{first}"
    );
    fill_in(&site.join("content/fy26/reliability/errors-q4/2026-11-22.md"));
    // On track at 0 % of the way, 58 % into the quarter, is behind pace: the
    // owner says where it really stands.
    let first_path = site.join("content/fy26/reliability/errors-q4/2026-11-22.md");
    let filled = std::fs::read_to_string(&first_path).unwrap();
    let filled = filled.replacen("status = \"on-track\"", "status = \"at-risk\"", 1);
    std::fs::write(&first_path, filled).unwrap();
    assert_checks_clean(&site);

    // An update is named after today and pre-filled with the latest value and status.
    let o = run(
        &site,
        &["new", "update", "content/fy26/reliability/latency-q4"],
    );
    assert_ok(&o, "new update");
    let path = text(&o.stdout).trim().to_string();
    assert_eq!(
        path, "content/fy26/reliability/latency-q4/2026-11-22-2.md",
        "today is taken by the example update"
    );
    let update = std::fs::read_to_string(site.join(&path)).unwrap();
    assert!(
        update.contains("status = \"at-risk\"") && update.contains("value = 320"),
        "{update}"
    );
    // 2026-11-22 is past Q4's midpoint: mid-quarter scoring asks for a
    // forecast (the value so far to start from) and a confidence.
    assert!(
        update.contains("\nforecast = 320 ") && update.contains("\nconfidence = \"medium\""),
        "{update}"
    );
    // Also from the KR file's path, and for a boolean KR.
    let o = run(
        &site,
        &[
            "new",
            "update",
            "content/fy26/reliability/status-page-q4.md",
        ],
    );
    assert_ok(&o, "new update (file path)");
    let update = std::fs::read_to_string(site.join(text(&o.stdout).trim())).unwrap();
    assert!(
        update.contains("value = false") && update.contains("forecast = false"),
        "{update}"
    );
    fill_in(&site.join(&path));
    fill_in(&site.join(text(&o.stdout).trim()));
    assert_checks_clean(&site);

    // A written yearly review, from anywhere in the site; placeholders until filled in.
    let o = run(&site.join("content/fy26"), &["new", "review", "FY26"]);
    assert_ok(&o, "new review");
    let review_path = site.join("content/reviews/fy2026.md");
    let review = std::fs::read_to_string(&review_path).unwrap();
    assert!(review.contains("title = \"FY26 in review\""), "{review}");
    assert_only_placeholders(&site, "content/reviews/fy2026.md");
    std::fs::write(
        &review_path,
        "+++\ntitle = \"FY26 in review\"\nauthor = \"Ada Lovelace\"\n+++\nA good year.\n",
    )
    .unwrap();
    assert_checks_clean(&site);
    assert_eq!(
        run(&site, &["new", "review", "FY26"]).status.code(),
        Some(2),
        "never overwrites"
    );
    assert_eq!(
        run(&site, &["new", "review", "Q1 FY26"]).status.code(),
        Some(2),
        "a quarter"
    );

    // From inside a sub-folder, paths are relative to where you are.
    let o = run(
        &site.join("content/fy26"),
        &["new", "kr", "growth/signups-q4.md"],
    );
    assert_ok(&o, "new kr from a sub-folder");
    assert!(site.join("content/fy26/growth/signups-q4.md").is_file());
}

#[test]
fn new_refuses_what_would_be_invalid() {
    let tmp = tempfile::tempdir().unwrap();
    assert_ok(&run(tmp.path(), &["init", "site"]), "init");
    let site = tmp.path().join("site");
    let refused = |args: &[&str], says: &str| {
        let o = run(&site, args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o.stderr));
        assert!(
            text(&o.stderr).contains(says),
            "{args:?}: {}",
            text(&o.stderr)
        );
    };
    refused(
        &["new", "kr", "content/fy26/reliability/latency-q4.md"],
        "never overwrites",
    );
    refused(
        &["new", "objective", "content/fy26/company"],
        "never overwrites",
    );
    refused(
        &["new", "kr", "content/fy26/Growth Team/x.md"],
        "not a valid name",
    );
    refused(
        &["new", "kr", "content/fy26/nowhere/x.md"],
        "has no objective.md",
    );
    refused(
        &["new", "objective", "content/fy26/reliability/nested"],
        "do not nest",
    );
    refused(
        &["new", "update", "content/fy26/reliability/missing-q4"],
        "no key result",
    );
    refused(
        &["new", "objective", "elsewhere/x"],
        "not under the site's content/",
    );
    let outside = tempfile::tempdir().unwrap();
    let o = run(outside.path(), &["new", "objective", "content/x"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("not inside an okra site"));
    assert_eq!(
        run(&site, &["new", "story", "content/x"]).status.code(),
        Some(2),
        "unknown kind is a usage error"
    );
}

#[test]
fn completions_and_help() {
    let tmp = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let o = run(tmp.path(), &["completions", shell]);
        assert_ok(&o, shell);
        let script = text(&o.stdout);
        assert!(
            script.contains("okra") && script.contains("serve") && script.contains("as-of"),
            "{shell}"
        );
    }
    for cmd in ["build", "check", "init", "new", "serve"] {
        let o = run(tmp.path(), &[cmd, "--help"]);
        assert_ok(&o, cmd);
        assert!(
            text(&o.stdout).contains("Examples:"),
            "{cmd} --help has examples"
        );
    }
}

/// The CI recipes call docs/ci/okra-ci.sh; run it on the demo content.
#[test]
fn ci_recipe_commands_run_on_the_demo() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_okra"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = tmp.path().join("site");
    let o = Command::new("bash")
        .arg(manifest.join("docs/ci/okra-ci.sh"))
        .current_dir(manifest)
        .env("PATH", path)
        .env("SOURCE_DATE_EPOCH", "1795305600")
        .env("OKRA_OUTPUT", &out)
        .env("OKRA_BASE_URL", "https://okrs.example.com/")
        .env("OKRA_DIAGNOSTICS", tmp.path().join("diagnostics.json"))
        .env("OKRA_WALL_PDF", tmp.path().join("wall.pdf"))
        .env(
            "CHROMIUM",
            if Path::new("/usr/bin/chromium").exists() {
                "/usr/bin/chromium"
            } else {
                "no-such-browser"
            },
        )
        .output()
        .unwrap();
    assert_ok(&o, "okra-ci.sh");
    assert!(out.join("index.html").is_file());
    let feed = std::fs::read_to_string(out.join("updates.xml")).unwrap();
    assert!(
        feed.contains("https://okrs.example.com/"),
        "base URL reaches the feed"
    );
    let diagnostics: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("diagnostics.json")).unwrap())
            .unwrap();
    assert_eq!(diagnostics["errors"], 0);
    if Path::new("/usr/bin/chromium").exists() {
        let pdf = std::fs::read(tmp.path().join("wall.pdf")).expect("the wall PDF");
        assert!(pdf.starts_with(b"%PDF"));
    }
    // Strict mode fails on the demo's (deliberate) stale KRs: that is what PRs get.
    let o = Command::new("bash")
        .arg(manifest.join("docs/ci/okra-ci.sh"))
        .current_dir(manifest)
        .env(
            "PATH",
            format!(
                "{}:{}",
                bin.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env("SOURCE_DATE_EPOCH", "1795305600")
        .env("OKRA_OUTPUT", &out)
        .env("OKRA_STRICT", "1")
        .env("OKRA_DIAGNOSTICS", tmp.path().join("diagnostics.json"))
        .env("CHROMIUM", "no-such-browser")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    // Both recipes run the script, install a pinned okra from its repository
    // at a tag (cached), fetch the whole history, check pull requests against
    // their base and publish as of today.
    for recipe in ["docs/ci/github-actions.yml", "docs/ci/gitlab-ci.yml"] {
        let y = std::fs::read_to_string(manifest.join(recipe)).unwrap();
        for needed in [
            "docs/ci/okra-ci.sh",
            "OKRA_VERSION",
            "--git \"$OKRA_GIT\" --tag \"v$OKRA_VERSION\" --locked",
            "cache",
            "OKRA_CHANGED_SINCE",
            "OKRA_AS_OF",
            "okra-diff.md",
        ] {
            assert!(y.contains(needed), "{recipe} lacks {needed}");
        }
        assert!(
            y.contains("fetch-depth: 0") || y.contains("GIT_DEPTH: \"0\""),
            "{recipe}: shallow clones have no history"
        );
    }
    let gha = std::fs::read_to_string(manifest.join("docs/ci/github-actions.yml")).unwrap();
    assert!(
        gha.contains("schedule:") && gha.contains("cron:"),
        "daily build"
    );
}
