//! `okra check` run as a real binary on fixture sites under tests/fixtures/.
//!
//! Every folder in tests/fixtures/invalid/ is a broken site with an
//! `expect.txt`: diagnostic lines (`path:line:col: error: message…`) that must
//! appear in this order, `hint: …` lines that must appear, and `errors: N`, the
//! exact number of errors (so one mistake does not cascade into many).

mod common;
use common::copy_dir;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn okra() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_okra"));
    c.env_remove("SOURCE_DATE_EPOCH").env("NO_COLOR", "1");
    c
}

fn fixtures(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
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
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid/minimal")
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
