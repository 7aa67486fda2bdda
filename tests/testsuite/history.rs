//! Git-native history: real repositories with backdated commits, built with
//! `--as-of` (files as committed that day), the target ledger, and the bad
//! cases (not a repository, shallow clone, renames, as-of before history).

use std::path::Path;
use std::process::Command;

use crate::common::{build, build_ok, okra};

/// Runs git in `dir` with author and committer date `day` (noon UTC).
fn git(dir: &Path, day: &str, args: &[&str]) {
    let date = format!("{day}T12:00:00Z");
    let o = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@example.com",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .env("GIT_AUTHOR_DATE", &date)
        .env("GIT_COMMITTER_DATE", &date)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn commit(repo: &Path, day: &str, subject: &str) {
    git(repo, day, &["add", "-A"]);
    git(repo, day, &["commit", "-q", "-m", subject]);
}

const CONFIG: &str = "title = \"History OKRs\"\ncompany = \"Testco\"\n";
const OBJECTIVE: &str = "+++\ntitle = \"Be reliable\"\nowner = \"Ada\"\nperiod = \"FY2024\"\n+++\n";

fn kr(title: &str, start: f64, target: f64, extra: &str) -> String {
    format!(
        "+++\ntitle = \"{title}\"\nowner = \"Ada\"\nperiod = \"FY2024-Q1\"\nmetric = \"number\"\nstart = {start}\ntarget = {target}\n{extra}+++\n"
    )
}

fn update(value: f64) -> String {
    format!("+++\nstatus = \"on-track\"\nvalue = {value}\n+++\n")
}

const UPTIME: &str = "content/fy24/rel/signups.md";

/// A site in `repo/site` (so the site root is not the repository root) with:
/// 2023-12-20 the site; 2024-01-20 an update; 2024-02-21 the target lowered
/// from 200 to 180; 2024-03-10 a new KR `latency`.
pub(crate) fn history_repo(repo: &Path) -> std::path::PathBuf {
    let site = repo.join("site");
    git(repo, "2023-12-20", &["init", "-q"]);
    write(&site, "okra.toml", CONFIG);
    write(&site, "content/fy24/rel/objective.md", OBJECTIVE);
    write(&site, UPTIME, &kr("Signups", 100.0, 200.0, ""));
    commit(repo, "2023-12-20", "Plan Q1");
    write(
        &site,
        "content/fy24/rel/signups/2024-01-20.md",
        &update(140.0),
    );
    commit(repo, "2024-01-20", "Signups update");
    write(&site, UPTIME, &kr("Signups", 100.0, 180.0, ""));
    commit(repo, "2024-02-21", "Lower the signups target");
    write(
        &site,
        "content/fy24/rel/latency.md",
        &kr("Latency", 300.0, 200.0, ""),
    );
    commit(repo, "2024-03-10", "Add a latency KR");
    site
}

fn okrs_json(out: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(out.join("okrs.json")).unwrap()).unwrap()
}

fn krs(json: &serde_json::Value) -> Vec<serde_json::Value> {
    json["objectives"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|o| o["key_results"].as_array().unwrap().clone())
        .collect()
}

fn kr_json(json: &serde_json::Value, id: &str) -> Option<serde_json::Value> {
    krs(json).into_iter().find(|k| k["id"] == id)
}

#[test]
fn as_of_reads_the_files_as_committed_that_day() {
    let tmp = tempfile::tempdir().unwrap();
    let site = history_repo(tmp.path());
    // An uncommitted edit on disk: --as-of ignores it.
    write(&site, UPTIME, &kr("Signups (edited)", 100.0, 500.0, ""));
    let out = tmp.path().join("out");

    let stderr = build_ok(&site, &out, "2024-02-01", &[]);
    assert!(stderr.contains("(commit "), "{stderr}");
    let json = okrs_json(&out);
    let signups = kr_json(&json, "fy24/rel/signups").unwrap();
    assert_eq!(signups["title"], "Signups");
    assert_eq!(signups["target"], 200.0);
    assert_eq!(signups["changes"], serde_json::json!([]));
    assert!(kr_json(&json, "fy24/rel/latency").is_none(), "added later");
    let first = std::fs::read(out.join("okrs.json")).unwrap();

    // Same repository and day, same bytes.
    let out2 = tmp.path().join("out2");
    build_ok(&site, &out2, "2024-02-01", &[]);
    assert_eq!(
        crate::common::read_tree(&out),
        crate::common::read_tree(&out2)
    );
    assert_eq!(first, std::fs::read(out2.join("okrs.json")).unwrap());

    // Later: the lowered target and the new KR.
    build_ok(&site, &out, "2024-03-31", &[]);
    let json = okrs_json(&out);
    assert_eq!(kr_json(&json, "fy24/rel/signups").unwrap()["target"], 180.0);
    assert!(kr_json(&json, "fy24/rel/latency").is_some());

    // --history none: the files on disk, only updates time-travelled.
    build_ok(&site, &out, "2024-02-01", &["--history", "none"]);
    let json = okrs_json(&out);
    let signups = kr_json(&json, "fy24/rel/signups").unwrap();
    assert_eq!(signups["target"], 500.0);
    assert_eq!(signups["title"], "Signups (edited)");
    assert!(kr_json(&json, "fy24/rel/latency").is_some());
}

#[test]
fn the_day_ends_at_midnight_utc() {
    let tmp = tempfile::tempdir().unwrap();
    let site = history_repo(tmp.path());
    let out = tmp.path().join("out");
    // The target was lowered at noon on 2024-02-21.
    build_ok(&site, &out, "2024-02-20", &[]);
    assert_eq!(
        kr_json(&okrs_json(&out), "fy24/rel/signups").unwrap()["target"],
        200.0
    );
    build_ok(&site, &out, "2024-02-21", &[]);
    assert_eq!(
        kr_json(&okrs_json(&out), "fy24/rel/signups").unwrap()["target"],
        180.0
    );
}

#[test]
fn ledger_in_okrs_json() {
    let tmp = tempfile::tempdir().unwrap();
    let site = history_repo(tmp.path());
    let out = tmp.path().join("out");
    build_ok(&site, &out, "2024-03-31", &[]);
    let json = okrs_json(&out);
    let changes = &kr_json(&json, "fy24/rel/signups").unwrap()["changes"];
    let changes = changes.as_array().unwrap();
    assert_eq!(changes.len(), 1, "{changes:?}");
    let c = &changes[0];
    assert_eq!(c["date"], "2024-02-21");
    assert_eq!(c["field"], "target");
    assert_eq!(c["from"], 200.0);
    assert_eq!(c["to"], 180.0);
    assert_eq!(c["subject"], "Lower the signups target");
    assert_eq!(c["easier"], true);
    assert_eq!(c["commit"].as_str().unwrap().len(), 7);
    // The KR created during the quarter has no changes.
    assert_eq!(
        kr_json(&json, "fy24/rel/latency").unwrap()["changes"],
        serde_json::json!([])
    );
    // Without --as-of (files on disk), the ledger comes from HEAD's history.
    let o = okra()
        .args(["build", "--root"])
        .arg(&site)
        .arg("--output")
        .arg(&out)
        .env("SOURCE_DATE_EPOCH", "1711843200") // 2024-03-31
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json = okrs_json(&out);
    assert_eq!(
        kr_json(&json, "fy24/rel/signups").unwrap()["changes"][0]["to"],
        180.0
    );
}

#[test]
fn changes_before_the_quarter_are_not_in_the_ledger() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path();
    git(repo, "2023-12-01", &["init", "-q"]);
    write(repo, "okra.toml", CONFIG);
    write(repo, "content/fy24/rel/objective.md", OBJECTIVE);
    write(repo, UPTIME, &kr("Signups", 100.0, 200.0, ""));
    commit(repo, "2023-12-01", "Draft");
    write(repo, UPTIME, &kr("More signups", 100.0, 250.0, ""));
    commit(repo, "2023-12-15", "Raise while planning");
    let out = repo.join("public");
    build_ok(repo, &out, "2024-03-31", &[]);
    assert_eq!(
        kr_json(&okrs_json(&out), "fy24/rel/signups").unwrap()["changes"],
        serde_json::json!([])
    );
}

#[test]
fn renamed_and_re_added_krs_keep_their_history() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path();
    git(repo, "2023-12-20", &["init", "-q"]);
    write(repo, "okra.toml", CONFIG);
    write(repo, "content/fy24/rel/objective.md", OBJECTIVE);
    write(
        repo,
        UPTIME,
        &kr("Signups", 100.0, 200.0, "unit = \"users\"\n"),
    );
    write(
        repo,
        "content/fy24/rel/churn.md",
        &kr("Churn", 10.0, 5.0, ""),
    );
    commit(repo, "2023-12-20", "Plan");
    // Renamed, then its target raised: the change is on the new file.
    git(
        repo,
        "2024-01-10",
        &["mv", UPTIME, "content/fy24/rel/users.md"],
    );
    commit(repo, "2024-01-10", "Rename signups to users");
    write(
        repo,
        "content/fy24/rel/users.md",
        &kr("Signups", 100.0, 220.0, "unit = \"users\"\n"),
    );
    commit(repo, "2024-01-12", "Raise users");
    // Deleted and added again with an easier target.
    std::fs::remove_file(repo.join("content/fy24/rel/churn.md")).unwrap();
    commit(repo, "2024-02-01", "Drop churn");
    write(
        repo,
        "content/fy24/rel/churn.md",
        &kr("Churn", 10.0, 8.0, ""),
    );
    commit(repo, "2024-02-02", "Churn is back");
    let out = repo.join("public");
    build_ok(repo, &out, "2024-03-31", &[]);
    let json = okrs_json(&out);
    let users = kr_json(&json, "fy24/rel/users").unwrap();
    assert_eq!(users["changes"][0]["to"], 220.0, "{users}");
    assert_eq!(users["changes"][0]["easier"], false);
    let churn = kr_json(&json, "fy24/rel/churn").unwrap();
    assert_eq!(churn["changes"][0]["from"], 5.0, "{churn}");
    assert_eq!(churn["changes"][0]["to"], 8.0);
    assert_eq!(churn["changes"][0]["easier"], true);
    assert_eq!(churn["changes"][0]["subject"], "Churn is back");
}

fn check_json(root: &Path, args: &[&str]) -> (i32, serde_json::Value) {
    let o = okra()
        .args(["check", "--format", "json", "--root"])
        .arg(root)
        .args(args)
        .output()
        .unwrap();
    let json = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)));
    (o.status.code().unwrap(), json)
}

/// The codes of history's diagnostics (the sites here are not healthy).
fn codes(json: &serde_json::Value) -> Vec<String> {
    history_diags(json)
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

fn history_diags(json: &serde_json::Value) -> Vec<serde_json::Value> {
    const HISTORY: &[&str] = &[
        "history-unavailable",
        "shallow-clone",
        "as-of-before-history",
        "target-changed",
    ];
    json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| HISTORY.contains(&d["code"].as_str().unwrap()))
        .cloned()
        .collect()
}

#[test]
fn not_a_repository() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path();
    write(site, "okra.toml", CONFIG);
    write(site, "content/fy24/rel/objective.md", OBJECTIVE);
    write(site, UPTIME, &kr("Signups", 100.0, 200.0, ""));
    // Default: the files on disk, no warning.
    let (code, json) = check_json(site, &["--as-of", "2024-02-01"]);
    assert_eq!(code, 0, "{json}");
    assert!(codes(&json).is_empty(), "{json}");
    // Asked for: a warning, then the files on disk.
    let (code, json) = check_json(site, &["--as-of", "2024-02-01", "--history", "git"]);
    assert_eq!(code, 0);
    assert_eq!(codes(&json), ["history-unavailable"], "{json}");
    let out = site.join("public");
    let stderr = build_ok(site, &out, "2024-02-01", &["--history", "git"]);
    assert!(stderr.contains("not in a git repository"), "{stderr}");
}

#[test]
fn as_of_before_the_first_commit() {
    let tmp = tempfile::tempdir().unwrap();
    let site = history_repo(tmp.path());
    let (code, json) = check_json(&site, &["--as-of", "2023-12-01"]);
    assert_eq!(code, 0);
    assert_eq!(codes(&json), ["as-of-before-history"], "{json}");
    let msg = history_diags(&json)[0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        msg.contains("before the first commit (2023-12-20)"),
        "{msg}"
    );
    // The files on disk are used: the latest KR is there.
    let out = tmp.path().join("out");
    build_ok(&site, &out, "2023-12-01", &[]);
    assert!(kr_json(&okrs_json(&out), "fy24/rel/latency").is_some());
}

#[test]
fn site_not_yet_in_the_commit() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path();
    git(repo, "2023-11-01", &["init", "-q"]);
    write(repo, "README.md", "hello\n");
    commit(repo, "2023-11-01", "Start");
    write(repo, "site/okra.toml", CONFIG);
    write(repo, "site/content/fy24/rel/objective.md", OBJECTIVE);
    commit(repo, "2023-12-01", "Site");
    let (_, json) = check_json(&repo.join("site"), &["--as-of", "2023-11-15"]);
    assert_eq!(codes(&json), ["as-of-before-history"], "{json}");
}

#[test]
fn shallow_clone() {
    let tmp = tempfile::tempdir().unwrap();
    let origin = tmp.path().join("origin");
    std::fs::create_dir(&origin).unwrap();
    history_repo(&origin);
    let clone = tmp.path().join("clone");
    let url = format!("file://{}", origin.display());
    let o = Command::new("git")
        .args(["clone", "-q", "--depth", "1", &url])
        .arg(&clone)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let site = clone.join("site");
    // Without --as-of a shallow clone is fine (CI's default checkout).
    let (code, json) = check_json(&site, &[]);
    assert_eq!(code, 0, "{json}");
    assert!(codes(&json).is_empty(), "{json}");
    // With it: a warning; a day before the one commit there falls back to disk.
    let (_, json) = check_json(&site, &["--as-of", "2024-03-31"]);
    assert_eq!(codes(&json), ["shallow-clone"], "{json}");
    let (_, json) = check_json(&site, &["--as-of", "2024-02-01"]);
    assert_eq!(
        codes(&json),
        ["as-of-before-history", "shallow-clone"],
        "{json}"
    );
    assert!(
        history_diags(&json)[1]["hint"]
            .as_str()
            .unwrap()
            .contains("fetch-depth: 0"),
        "{json}"
    );
}

#[test]
fn missing_git_is_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let site = history_repo(tmp.path());
    let out = tmp.path().join("out");
    let o = okra()
        .args(["build", "--as-of", "2024-02-01", "--root"])
        .arg(&site)
        .arg("--output")
        .arg(&out)
        .env("PATH", tmp.path().join("no-bin"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("cannot run `git`"), "{stderr}");
    assert!(
        stderr.contains("history-unavailable") || stderr.contains("warning"),
        "{stderr}"
    );
}

#[test]
fn a_broken_history_is_never_a_crash() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path();
    git(site, "2024-01-01", &["init", "-q"]);
    write(site, "okra.toml", CONFIG);
    write(site, "content/fy24/rel/objective.md", OBJECTIVE);
    // No commits yet.
    let (code, json) = check_json(site, &["--as-of", "2024-02-01"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(codes(&json), ["history-unavailable"], "{json}");
    let out = site.join("public");
    let o = build(site, &out, "2024-02-01", &["--history", "git"]);
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn target_changed_warns_until_a_reason_is_recorded() {
    let tmp = tempfile::tempdir().unwrap();
    let site = history_repo(tmp.path());
    let (_, json) = check_json(&site, &["--as-of", "2024-03-31"]);
    let d = history_diags(&json);
    assert_eq!(codes(&json), ["target-changed"], "{json}");
    assert_eq!(d[0]["file"], UPTIME.to_string());
    // At the changed key, `target = 180` on line 7.
    assert_eq!(d[0]["line"], 7, "{json}");
    let msg = d[0]["message"].as_str().unwrap();
    assert!(
        msg.contains(
            "changed after FY2024-Q1 started on 2024-01-01: target 200 → 180 on 2024-02-21 (commit "
        ),
        "{msg}"
    );
    assert!(
        msg.contains("\"Lower the signups target\", easier)"),
        "{msg}"
    );
    assert!(d[0]["hint"].as_str().unwrap().contains("rebaseline = "));
    // Before the change: nothing to say.
    let (_, json) = check_json(&site, &["--as-of", "2024-02-20"]);
    assert!(codes(&json).is_empty(), "{json}");
    // --history none: no ledger.
    let (_, json) = check_json(&site, &["--as-of", "2024-03-31", "--history", "none"]);
    assert!(codes(&json).is_empty(), "{json}");

    // A reason turns the warning into a note on the KR.
    write(
        &site,
        UPTIME,
        &kr(
            "Signups",
            100.0,
            180.0,
            "rebaseline = \"the campaign was cancelled\"\n",
        ),
    );
    commit(tmp.path(), "2024-02-22", "Say why");
    let (_, json) = check_json(&site, &["--as-of", "2024-03-31"]);
    assert!(codes(&json).is_empty(), "{json}");
    let out = tmp.path().join("out");
    build_ok(&site, &out, "2024-03-31", &[]);
    let signups = kr_json(&okrs_json(&out), "fy24/rel/signups").unwrap();
    assert_eq!(signups["rebaseline"], "the campaign was cancelled");
    assert_eq!(signups["changes"].as_array().unwrap().len(), 1);
}

fn run(root: &Path, args: &[&str]) -> (i32, String, String) {
    let o = okra().args(args).arg("--root").arg(root).output().unwrap();
    (
        o.status.code().unwrap(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn check_changed_since_reports_only_changed_files() {
    let tmp = tempfile::tempdir().unwrap();
    let site = history_repo(tmp.path());
    git(tmp.path(), "2024-03-10", &["branch", "base"]);
    let all = |args: &[&str]| {
        let (_, json) = check_json(&site, args);
        let mut files: Vec<String> = json["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["file"].as_str().unwrap().to_string())
            .collect();
        files.dedup();
        files
    };
    let files = all(&["--as-of", "2024-03-31"]);
    assert!(files.contains(&UPTIME.to_string()), "{files:?}");
    // Nothing changed since base: no warnings.
    assert!(all(&["--as-of", "2024-03-31", "--changed-since", "base"]).is_empty());
    // A new KR (untracked) and an update to latency (uncommitted).
    write(
        &site,
        "content/fy24/rel/errors.md",
        &kr("Errors", 50.0, 10.0, ""),
    );
    write(
        &site,
        "content/fy24/rel/latency/2024-03-20.md",
        &update(250.0),
    );
    let files = all(&[
        "--changed-since",
        "base",
        "--as-of",
        "2024-03-31",
        "--history",
        "none",
    ]);
    assert_eq!(
        files,
        ["content/fy24/rel/errors.md", "content/fy24/rel/latency.md"],
        "the KR whose update changed counts as changed"
    );
    // An error anywhere is still reported.
    write(&site, UPTIME, "+++\ntitle = \n+++\n");
    git(
        tmp.path(),
        "2024-03-21",
        &["commit", "-qam", "Break signups"],
    );
    git(tmp.path(), "2024-03-21", &["branch", "-f", "base"]);
    let (code, json) = check_json(
        &site,
        &[
            "--changed-since",
            "base",
            "--as-of",
            "2024-03-31",
            "--history",
            "none",
        ],
    );
    assert_eq!(code, 1, "{json}");
    assert!(
        json["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["file"] == UPTIME)
    );
    // An unknown revision is a usage error.
    let (code, _, stderr) = run(&site, &["check", "--changed-since", "nope"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("`nope` is not a commit"), "{stderr}");
}

#[test]
fn diff_prints_score_moves_as_markdown() {
    let tmp = tempfile::tempdir().unwrap();
    let site = history_repo(tmp.path());
    // Between two commits: the lowered target moves signups from 40% to 50%.
    let (code, md, stderr) = run(
        &site,
        &["diff", "HEAD~2", "HEAD~1", "--as-of", "2024-03-31"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(md.starts_with("### OKR score changes\n"), "{md}");
    assert!(md.contains("From HEAD~2 ("), "{md}");
    assert!(md.contains("both scored as of 2024-03-31."), "{md}");
    assert!(md.contains("| Be reliable `fy24/rel` | 40% · "), "{md}");
    assert!(md.contains("| Signups `fy24/rel/signups` | 40% · "), "{md}");
    assert!(md.contains(" | 50% · "), "{md}");
    assert!(!md.contains("Latency"), "{md}");
    // Against the working tree: a new update and a private KR (never shown).
    write(
        &site,
        "content/fy24/rel/latency/2024-03-20.md",
        &update(250.0),
    );
    write(
        &site,
        "content/fy24/rel/secret.md",
        &kr("Secret plan", 0.0, 10.0, "privacy = \"private\"\n"),
    );
    let (code, md, _) = run(&site, &["diff", "HEAD", "--as-of", "2024-03-31"]);
    assert_eq!(code, 0);
    assert!(md.contains("to the files on disk"), "{md}");
    assert!(md.contains("| Latency `fy24/rel/latency` | 0% · "), "{md}");
    assert!(md.contains(" | 50% · On track |"), "{md}");
    assert!(!md.contains("ecret"), "{md}");
    // No moves.
    let (_, md, _) = run(&site, &["diff", "HEAD", "HEAD", "--as-of", "2024-03-31"]);
    assert!(md.contains("No objective or key result changes"), "{md}");
    // Bad revisions and sites outside git are usage errors.
    let (code, _, stderr) = run(&site, &["diff", "nope"]);
    assert_eq!(code, 2, "{stderr}");
    let (code, _, stderr) = run(&site, &["diff", "HEAD~10"]);
    assert_eq!(code, 2, "{stderr}");
    let (code, _, stderr) = run(&site, &["diff", "--", "-x"]);
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn ledger_on_the_kr_page_and_in_the_review() {
    let tmp = tempfile::tempdir().unwrap();
    let site = history_repo(tmp.path());
    let out = tmp.path().join("out");
    build_ok(&site, &out, "2024-03-31", &[]);
    let page = std::fs::read_to_string(out.join("fy24/rel/signups/index.html")).unwrap();
    assert!(
        page.contains("Target changed from 200 to 180 on 2024-02-21, commit "),
        "{page}"
    );
    assert!(page.contains(": Lower the signups target"), "{page}");
    assert!(page.contains("made it easier"), "{page}");
    assert!(page.contains("No reason recorded"), "{page}");
    let latency = std::fs::read_to_string(out.join("fy24/rel/latency/index.html")).unwrap();
    assert!(!latency.contains("Changed after the quarter started"));
    let review = std::fs::read_to_string(out.join("review/fy2024/index.html")).unwrap();
    assert!(
        review.contains("<dt>Changed after their quarter started</dt><dd>1 <span class=\"muted\">(1 of 1 changes made it easier, 0 explained)</span>"),
        "{review}"
    );
}

#[test]
fn changes_page_and_json() {
    let tmp = tempfile::tempdir().unwrap();
    let site = history_repo(tmp.path());
    // 2024-03-12: an update moves latency; 2024-03-13: a KR removed, an objective added.
    write(
        &site,
        "content/fy24/rel/old.md",
        &kr("Old KR", 0.0, 10.0, ""),
    );
    commit(tmp.path(), "2024-03-05", "Old KR");
    write(
        &site,
        "content/fy24/rel/latency/2024-03-12.md",
        &update(250.0),
    );
    commit(tmp.path(), "2024-03-12", "Latency update");
    std::fs::remove_file(site.join("content/fy24/rel/old.md")).unwrap();
    write(
        &site,
        "content/fy24/growth/objective.md",
        "+++\ntitle = \"Grow\"\nowner = \"Ada\"\nperiod = \"FY2024\"\n+++\n",
    );
    commit(tmp.path(), "2024-03-13", "Drop the old KR, add growth");
    let out = tmp.path().join("out");
    build_ok(&site, &out, "2024-03-14", &[]);
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("changes.json")).unwrap()).unwrap();
    assert_eq!(json["as_of"], "2024-03-14");
    assert_eq!(json["history"], true);
    let w = &json["windows"][0];
    assert_eq!(w["key"], "last-7-days");
    assert_eq!(w["from"], "2024-03-07");
    assert_eq!(w["added"][0]["link"]["title"], "Latency", "{w}");
    assert_eq!(w["added"][0]["date"], "2024-03-10");
    assert_eq!(w["status"][0]["kr"]["url"], "fy24/rel/latency/", "{w}");
    assert_eq!(w["status"][0]["to_value"], "250");
    assert_eq!(w["removed"][0]["title"], "Old KR", "{w}");
    assert_eq!(w["new_objectives"][0]["link"]["url"], "fy24/growth/", "{w}");
    assert_eq!(w["retargeted"], serde_json::json!([]));
    // Since mid-quarter (2024-02-15): the lowered target too.
    let w = &json["windows"][1];
    assert_eq!(w["key"], "since-mid-quarter");
    assert_eq!(w["retargeted"][0]["kr"]["title"], "Signups", "{w}");
    let page = std::fs::read_to_string(out.join("changes/index.html")).unwrap();
    assert!(page.contains("<h3>Key results removed</h3>"), "{page}");
    assert!(
        page.contains("href=\"../fy24/rel/latency/\">Latency</a>"),
        "{page}"
    );
    assert!(
        page.contains("Target changed from 200 to 180 on 2024-02-21"),
        "{page}"
    );

    // Without git: what updates tell.
    let out = tmp.path().join("out-none");
    build_ok(&site, &out, "2024-03-14", &["--history", "none"]);
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("changes.json")).unwrap()).unwrap();
    assert_eq!(json["history"], false);
    let w = &json["windows"][0];
    assert_eq!(w["status"][0]["kr"]["title"], "Latency");
    assert_eq!(w["added"], serde_json::json!([]));
}

#[test]
fn private_krs_never_reach_the_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let site = history_repo(tmp.path());
    write(
        &site,
        "content/fy24/rel/secret.md",
        &kr("Secret plan", 0.0, 10.0, "privacy = \"private\"\n"),
    );
    write(&site, "content/fy24/rel/secret/2024-03-12.md", &update(5.0));
    commit(tmp.path(), "2024-03-12", "Secret");
    std::fs::remove_file(site.join("content/fy24/rel/secret.md")).unwrap();
    std::fs::remove_dir_all(site.join("content/fy24/rel/secret")).unwrap();
    commit(tmp.path(), "2024-03-13", "Remove the secret");
    let out = tmp.path().join("out");
    build_ok(&site, &out, "2024-03-12", &[]);
    let all = crate::common::read_tree(&out);
    assert!(
        !all.values()
            .any(|b| String::from_utf8_lossy(b).contains("Secret plan"))
    );
    build_ok(&site, &out, "2024-03-14", &[]);
    let all = crate::common::read_tree(&out);
    assert!(
        !all.values()
            .any(|b| String::from_utf8_lossy(b).contains("Secret plan"))
    );
}

/// docs/ci/okra-ci.sh on a pull request: only the change's warnings, and the
/// score diff written for the comment; on the published site, as of today.
#[test]
fn ci_script_on_a_pull_request() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    let site = history_repo(&repo);
    git(&repo, "2024-03-10", &["branch", "base"]);
    write(
        &site,
        "content/fy24/rel/latency/2024-03-20.md",
        &update(250.0),
    );
    commit(&repo, "2024-03-20", "Latency update");
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bin = Path::new(env!("CARGO_BIN_EXE_okra")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let script = |envs: &[(&str, &str)]| {
        let mut c = Command::new("bash");
        c.arg(manifest.join("docs/ci/okra-ci.sh"))
            .current_dir(&site)
            .env("PATH", &path)
            .env_remove("SOURCE_DATE_EPOCH")
            .env("OKRA_OUTPUT", tmp.path().join("out"))
            .env("OKRA_DIAGNOSTICS", tmp.path().join("diagnostics.json"))
            .env("OKRA_DIFF", tmp.path().join("diff.md"))
            .env("CHROMIUM", "no-such-browser");
        for (k, v) in envs {
            c.env(k, v);
        }
        c.output().unwrap()
    };
    let o = script(&[("OKRA_CHANGED_SINCE", "base")]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let md = std::fs::read_to_string(tmp.path().join("diff.md")).unwrap();
    assert!(md.contains("| Latency `fy24/rel/latency` | 0% · "), "{md}");
    assert!(md.contains("both scored as of 2024-03-20."), "{md}");
    let d: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("diagnostics.json")).unwrap())
            .unwrap();
    let files: Vec<&str> = d["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["file"].as_str().unwrap())
        .collect();
    assert!(
        files.iter().all(|f| *f == "content/fy24/rel/latency.md"),
        "{d}"
    );
    // The published site: as of today.
    let o = script(&[("OKRA_AS_OF", "today")]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    let today = chrono::Utc::now().date_naive().to_string();
    assert!(stderr.contains(&format!("as of {today}")), "{stderr}");
}
