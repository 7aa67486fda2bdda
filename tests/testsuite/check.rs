//! `okra check` run as a real binary on fixture sites under tests/testsuite/fixtures/.
//!
//! Every folder in tests/testsuite/fixtures/invalid/ is a broken site with an
//! `expect.txt`: diagnostic lines (`path:line:col: error: message…`) that must
//! appear in this order, `hint: …` lines that must appear, and `errors: N`, the
//! exact number of errors (so one mistake does not cascade into many).

use crate::common;
use crate::common::{copy_dir, okra};

use std::path::{Path, PathBuf};
use std::process::Output;

fn fixtures(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/testsuite/fixtures")
        .join(kind);
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

fn check(root: &Path, extra: &[&str]) -> Output {
    okra()
        .args(["check", "--root"])
        .arg(root)
        .args(["--as-of", "2024-02-20"])
        .args(extra)
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn every_invalid_fixture_fails_with_its_diagnostics() {
    let mut failures = Vec::new();
    let all = fixtures("invalid");
    assert!(
        all.len() >= 20,
        "expected the full set of bad-input fixtures"
    );
    for dir in all {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let expect = std::fs::read_to_string(dir.join("expect.txt")).unwrap();
        let out = check(&dir, &[]);
        let stderr = text(&out.stderr);
        let mut problems = Vec::new();
        if out.status.code() != Some(1) {
            problems.push(format!("exit code {:?}, want 1", out.status.code()));
        }
        if stderr.contains("panicked") {
            problems.push("panicked".into());
        }
        let mut last = 0;
        for line in expect.lines().filter(|l| !l.trim().is_empty()) {
            if let Some(n) = line.strip_prefix("errors: ") {
                let got = stderr.lines().filter(|l| l.contains(": error: ")).count();
                if got.to_string() != n.trim() {
                    problems.push(format!("{got} errors, want {n}"));
                }
            } else if let Some(h) = line.strip_prefix("hint: ") {
                if !stderr
                    .lines()
                    .any(|l| l.starts_with("  = hint: ") && l.contains(h))
                {
                    problems.push(format!("missing hint: {h}"));
                }
            } else {
                match stderr[last..].find(line) {
                    Some(i) => last += i + line.len(),
                    None if stderr.contains(line) => problems.push(format!("out of order: {line}")),
                    None => problems.push(format!("missing: {line}")),
                }
            }
        }
        if !problems.is_empty() {
            failures.push(format!(
                "== {name}:\n  {}\n--- stderr:\n{stderr}",
                problems.join("\n  ")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn valid_fixture_checks_clean_even_strict() {
    for dir in fixtures("valid") {
        let out = check(&dir, &["--strict"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}: {}",
            dir.display(),
            text(&out.stderr)
        );
        assert!(
            text(&out.stderr).contains("0 errors, 0 warnings"),
            "{}",
            text(&out.stderr)
        );
    }
}

fn minimal() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/testsuite/fixtures/valid/minimal")
}

#[test]
fn strict_fails_on_warnings_only() {
    // Two months after Q1 ended with no final scoring: warnings, not errors.
    let dir = minimal();
    let late = ["--as-of", "2024-05-01"];
    let out = okra()
        .args(["check", "--root"])
        .arg(&dir)
        .args(late)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("content/fy24/reliability/uptime.md:1:1: warning: missing final scoring: FY2024-Q1 ended on 2024-03-31"),
        "{stderr}"
    );
    let out = okra()
        .args(["check", "--strict", "--root"])
        .arg(&dir)
        .args(late)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("--strict fails on warnings"));
}

#[test]
fn json_format_is_machine_readable() {
    let out = check(
        &fixtures("invalid")
            .into_iter()
            .find(|d| d.ends_with("many-errors"))
            .unwrap(),
        &["--format", "json"],
    );
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert_eq!(v["errors"], 6);
    let first = &v["diagnostics"][0];
    assert_eq!(first["file"], "content/fy24/reliability/objective.md");
    assert_eq!(first["line"], 1);
    assert_eq!(first["column"], 1);
    assert_eq!(first["severity"], "error");
    assert_eq!(first["code"], "missing-key");
    assert!(first["hint"].as_str().unwrap().contains("title"));
    let files: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["file"].as_str().unwrap())
        .collect();
    let mut sorted = files.clone();
    sorted.sort();
    assert_eq!(files, sorted, "sorted by file");
}

#[test]
fn source_date_epoch_sets_the_as_of_day() {
    // 2024-05-01T00:00:00Z: past Q1's final scoring grace, so the warning shows.
    let out = okra()
        .args(["check", "--format", "json", "--root"])
        .arg(minimal())
        .env("SOURCE_DATE_EPOCH", "1714521600")
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"missing-final-scoring"), "{codes:?}");
    // --as-of wins over SOURCE_DATE_EPOCH.
    let out = okra()
        .args([
            "check",
            "--format",
            "json",
            "--as-of",
            "2024-02-20",
            "--root",
        ])
        .arg(minimal())
        .env("SOURCE_DATE_EPOCH", "1714521600")
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["warnings"], 0);
}

#[test]
fn usage_errors_exit_2() {
    let cases: [&[&str]; 4] = [
        &["check", "--as-of", "yesterday"],
        &["check", "--frobnicate"],
        &["check", "--root", "/definitely/not/here"],
        &["check", "--format", "xml"],
    ];
    for args in cases {
        let out = okra().args(args).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(!text(&out.stderr).is_empty());
    }
    let out = okra()
        .args(["check", "--root"])
        .arg(minimal())
        .env("SOURCE_DATE_EPOCH", "soon")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("SOURCE_DATE_EPOCH"));
}

#[test]
fn not_a_site_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let out = check(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("okra.toml:1:1: error: cannot read okra.toml"),
        "{stderr}"
    );
    assert!(
        stderr.contains("content:1:1: error: the site has no content/ folder"),
        "{stderr}"
    );
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_site_are_not_followed() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.md"), "+++\ntitle = 1\n+++\n").unwrap();
    let site = tempfile::tempdir().unwrap();
    copy_dir(&minimal(), site.path());
    let obj = site.path().join("content/fy24/reliability");
    std::os::unix::fs::symlink(outside.path().join("secret.md"), obj.join("leak.md")).unwrap();
    std::os::unix::fs::symlink(site.path().join("content"), obj.join("loop")).unwrap();
    // A link to a file inside the site is read like the file itself.
    std::os::unix::fs::symlink(obj.join("launch.md"), obj.join("launch-copy.md")).unwrap();
    let out = check(site.path(), &[]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("content/fy24/reliability/leak.md:1:1: warning: symlink to"),
        "{stderr}"
    );
    assert!(
        stderr.contains("points outside the site; it is not followed"),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "content/fy24/reliability/loop:1:1: warning: symlinked folders are not followed"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("3 key results"), "{stderr}");
}

#[test]
fn demo_content_checks_without_errors() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = okra()
        .args([
            "check",
            "--format",
            "json",
            "--as-of",
            "2026-11-22",
            "--history",
            "none",
            "--root",
        ])
        .arg(root)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["errors"],
        0,
        "{}",
        serde_json::to_string_pretty(&v).unwrap()
    );
    assert_eq!(out.status.code(), Some(0));
}

/// Writes `files` (path under the site, text) over a copy of the minimal fixture.
fn site_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&minimal(), dir.path());
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

const UPDATE: &str = "+++\nstatus = \"on-track\"\nvalue = 99.6\n+++\nNews.\n";

/// Input that builds but would be silently wrong: updates dated outside their
/// KR's quarter, `okra new` placeholders left in, a KR never updated. All of
/// it, and an unrelated error, is reported in one run, in both formats.
#[test]
fn silently_wrong_input_is_warned_about_in_one_run() {
    let site = site_with(&[
        // A year typed wrong, before the quarter and well after it.
        ("content/fy24/reliability/uptime/2023-02-19.md", UPDATE),
        (
            "content/fy24/reliability/launch/2025-03-01-final.md",
            "+++\nstatus = \"achieved\"\nvalue = true\n+++\nLive.\n",
        ),
        // Filed under Q1's KR, dated in Q3 where the series has its own KR.
        (
            "content/fy24/reliability/uptime.md",
            "+++\ntitle = \"Uptime 99.9%\"\nowner = \"Ada Lovelace\"\nperiod = \"Q1 FY24\"\nmetric = \"percent\"\nstart = 99.0\ntarget = 99.9\nseries = \"uptime\"\n+++\nStatus page.\n",
        ),
        (
            "content/fy24/reliability/uptime-q3.md",
            "+++\ntitle = \"Uptime 99.9%\"\nowner = \"Ada Lovelace\"\nperiod = \"Q3 FY24\"\nmetric = \"percent\"\nstart = 99.0\ntarget = 99.9\nseries = \"uptime\"\n+++\nStatus page.\n",
        ),
        ("content/fy24/reliability/uptime/2024-08-12.md", UPDATE),
        // What `okra new` writes, left as it was.
        (
            "content/fy24/growth/objective.md",
            "+++\ntitle = \"New objective\"       # a short, clear statement\nowner = \"Your Name\"\nperiod = \"FY24\"\n+++\nWhy this objective matters this year, and how it serves the company's goals.\n",
        ),
        (
            "content/fy24/growth/signups.md",
            "+++\ntitle = \"New key result\"\nowner = \"Grace Hopper\"\nperiod = \"Q1 FY24\"\nmetric = \"number\"\nstart = 0\ntarget = 100\n+++\nHow this key result is scored: the data source, what counts, and when it is measured.\n",
        ),
        (
            "content/fy24/reliability/uptime/2024-02-18.md",
            "+++\nstatus = \"on-track\"\nvalue = 99.7\n+++\nWhat happened since the last update, what's next, and any blockers.\n",
        ),
        // An unrelated error: reported with the warnings, not instead of them.
        (
            "content/fy24/company/objective.md",
            "+++\ntitle = \"Win the market\"\nowner = \"Grace Hopper\"\nperiod = \"FY2024\"\ncolour = \"red\"\n+++\nCompany level.\n",
        ),
    ]);
    let out = check(site.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    for line in [
        "content/fy24/company/objective.md:5:1: error: unknown key `colour`",
        "content/fy24/growth/objective.md:1:1: warning: the objective's text is still the placeholder \"Why this objective matters",
        "content/fy24/growth/objective.md:2:9: warning: the objective's title is still the placeholder \"New objective\"",
        "content/fy24/growth/objective.md:3:9: warning: the objective's owner is still the placeholder \"Your Name\"",
        "content/fy24/growth/signups.md:1:1: warning: stale: no update since the quarter started (FY2024-Q1 started on 2024-01-01, 50 days before 2024-02-20)",
        "content/fy24/growth/signups.md:2:9: warning: the key result's title is still the placeholder \"New key result\"",
        "content/fy24/reliability/launch/2025-03-01-final.md:1:1: warning: the update is dated 2025-03-01, 321 days after the final scoring of its key result's quarter FY2024-Q1 was due (2024-04-14)",
        "  = hint: did you mean 2024-03-01? Rename the file to content/fy24/reliability/launch/2024-03-01-final.md; updates of this key result are dated from 2024-01-01 to 2024-07-15 (FY2024-Q1 and its final scoring)",
        "content/fy24/reliability/uptime/2023-02-19.md:1:1: warning: the update is dated 2023-02-19, before its key result's quarter FY2024-Q1 starts on 2024-01-01",
        "  = hint: did you mean 2024-02-19? Rename the file to content/fy24/reliability/uptime/2024-02-19.md",
        "content/fy24/reliability/uptime/2024-02-18.md:1:1: warning: the update's text is still the placeholder \"What happened since the last update",
        "content/fy24/reliability/uptime/2024-08-12.md:1:1: warning: the update is dated 2024-08-12, 120 days after",
        "  = hint: the update belongs to `fy24/reliability/uptime-q3`, the key result of FY2024-Q3 in the same series: move it to content/fy24/reliability/uptime-q3/, or fix the date",
    ] {
        assert!(stderr.contains(line), "missing {line:?} in\n{stderr}");
    }
    assert!(stderr.contains("1 error, "), "{stderr}");

    // The same, machine-readable: codes and positions for CI annotations.
    let out = check(site.path(), &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    let found: Vec<(String, u64, &str)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "update-outside-quarter" || d["code"] == "placeholder")
        .map(|d| {
            assert_eq!(d["severity"], "warning");
            assert!(!d["hint"].as_str().unwrap().is_empty());
            (
                d["file"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["code"].as_str().unwrap(),
            )
        })
        .collect();
    let want = [
        ("content/fy24/growth/objective.md", 1, "placeholder"),
        ("content/fy24/growth/objective.md", 2, "placeholder"),
        ("content/fy24/growth/objective.md", 3, "placeholder"),
        ("content/fy24/growth/signups.md", 1, "placeholder"),
        ("content/fy24/growth/signups.md", 2, "placeholder"),
        (
            "content/fy24/reliability/launch/2025-03-01-final.md",
            1,
            "update-outside-quarter",
        ),
        (
            "content/fy24/reliability/uptime/2023-02-19.md",
            1,
            "update-outside-quarter",
        ),
        (
            "content/fy24/reliability/uptime/2024-02-18.md",
            1,
            "placeholder",
        ),
        (
            "content/fy24/reliability/uptime/2024-08-12.md",
            1,
            "update-outside-quarter",
        ),
    ];
    let want: Vec<(String, u64, &str)> = want
        .iter()
        .map(|(f, l, c)| (f.to_string(), *l, *c))
        .collect();
    assert_eq!(found, want);
    assert_eq!(v["errors"], 1);
}

/// Drafts may hold placeholders (that is what they are for); the page of a
/// KR that never had an update says "No update yet", not a day count.
#[test]
fn drafts_may_hold_placeholders_and_pages_say_no_update_yet() {
    let site = site_with(&[
        (
            "content/fy24/growth/objective.md",
            "+++\ntitle = \"New objective\"\nowner = \"Your Name\"\nperiod = \"FY24\"\ndraft = true\n+++\nWhy this objective matters this year, and how it serves the company's goals.\n",
        ),
        (
            "content/fy24/reliability/errors.md",
            "+++\ntitle = \"Halve errors\"\nowner = \"Ada Lovelace\"\nperiod = \"Q1 FY24\"\nmetric = \"number\"\nstart = 10\ntarget = 5\n+++\nFrom the logs.\n",
        ),
    ]);
    let out = check(site.path(), &["--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["missing-mid-quarter-scoring", "stale"], "{v:#}");
    let out = tempfile::tempdir().unwrap();
    let public = out.path().join("public");
    common::build_ok(site.path(), &public, "2024-02-20", &[]);
    let page = std::fs::read_to_string(public.join("fy24/reliability/errors/index.html")).unwrap();
    assert!(page.contains("No update yet"), "{page}");
    assert!(
        page.contains("no update since the quarter started (2024-01-01)"),
        "{page}"
    );
}

/// Every relative link of the README and docs/ resolves inside the repository,
/// none leaves it, and every diagnostic code the source can emit is documented
/// in docs/scoring.md (and every documented code exists), so the reference
/// cannot drift from the code silently.
#[test]
fn docs_stay_inside_the_repository_and_list_every_diagnostic_code() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut pages = vec![root.join("README.md")];
    for e in std::fs::read_dir(root.join("docs")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "md") {
            pages.push(p);
        }
    }
    let repo = root.canonicalize().unwrap();
    let mut links = 0;
    for page in &pages {
        let text = std::fs::read_to_string(page).unwrap();
        for (i, _) in text.match_indices("](") {
            let target = &text[i + 2..];
            let target = &target[..target.find(')').unwrap()];
            let path = target.split('#').next().unwrap();
            if path.starts_with("http://") || path.starts_with("https://") {
                panic!("{}: external link {target}", page.display());
            }
            let resolved = page.parent().unwrap().join(path);
            let resolved = resolved
                .canonicalize()
                .unwrap_or_else(|_| panic!("{}: broken link {target}", page.display()));
            assert!(
                resolved.starts_with(&repo),
                "{}: link out of the repository: {target}",
                page.display()
            );
            links += 1;
        }
    }
    assert!(links >= 20, "{links} links");

    // Codes in the source: the first argument of error(…)/warning(…) calls.
    let mut in_source = std::collections::BTreeSet::new();
    for e in walkdir::WalkDir::new(root.join("src")) {
        let e = e.unwrap();
        if e.path().extension().is_none_or(|x| x != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(e.path()).unwrap();
        for call in ["error(", "warning("] {
            for (i, _) in text.match_indices(call) {
                let rest = text[i + call.len()..].trim_start();
                let Some(rest) = rest.strip_prefix('"') else {
                    continue;
                };
                let code = &rest[..rest.find('"').unwrap()];
                if code.len() >= 3
                    && code
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                {
                    in_source.insert(code.to_string());
                }
            }
        }
    }
    // Health flags carry their codes in `Flag::code`.
    in_source.extend(
        [
            "stale",
            "missing-mid-quarter-scoring",
            "missing-final-scoring",
            "update-after-closed",
            "behind-pace",
        ]
        .map(String::from),
    );
    assert!(in_source.len() >= 40, "{in_source:?}");
    let scoring = std::fs::read_to_string(root.join("docs/scoring.md")).unwrap();
    let documented: std::collections::BTreeSet<String> = scoring
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|c| {
            c.len() >= 3
                && c.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
        .map(String::from)
        .collect();
    let undocumented: Vec<_> = in_source.difference(&documented).collect();
    assert!(
        undocumented.is_empty(),
        "codes missing from docs/scoring.md: {undocumented:?}"
    );
    // The first column of the tables of warnings and errors.
    let section = &scoring[scoring.find("### Warnings").unwrap()..];
    let listed: Vec<&str> = section
        .lines()
        .filter(|l| l.starts_with("| `"))
        .flat_map(|l| l.split('|').nth(1).unwrap().split('`').skip(1).step_by(2))
        .collect();
    assert!(listed.len() >= 40, "{listed:?}");
    let stale_docs: Vec<_> = listed.iter().filter(|c| !in_source.contains(**c)).collect();
    assert!(
        stale_docs.is_empty(),
        "docs/scoring.md lists codes okra does not emit: {stale_docs:?}"
    );
}
