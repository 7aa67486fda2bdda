//! `okra import csv` and `okra import asana`: the round trip from a sheet or
//! saved Asana responses to a site that checks and builds, with the numbers
//! of `okrs.json` equal to the source's.

use std::path::{Path, PathBuf};

use crate::common::{build_ok, okra};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/testsuite/fixtures/import")
        .join(name)
}

fn import(kind: &str, from: &Path, root: &Path) -> std::process::Output {
    okra()
        .args(["import", kind])
        .arg(from)
        .arg("--root")
        .arg(root)
        .output()
        .unwrap()
}

fn check_ok(root: &Path, as_of: &str) {
    let o = okra()
        .args(["check", "--root"])
        .arg(root)
        .args(["--as-of", as_of])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains(": error:"), "{stderr}");
}

/// Every KR of `okrs.json`, by title.
fn krs_by_title(out: &Path) -> std::collections::BTreeMap<String, serde_json::Value> {
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("okrs.json")).unwrap()).unwrap();
    let mut m = std::collections::BTreeMap::new();
    for o in json["objectives"].as_array().unwrap() {
        for k in o["key_results"].as_array().unwrap() {
            m.insert(k["title"].as_str().unwrap().to_string(), k.clone());
        }
    }
    m
}

#[test]
fn csv_round_trip_keeps_every_number_of_the_sheet() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("okrs");
    let sheet = fixture("okrs.csv");
    let o = import("csv", &sheet, &root);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert!(root.join("okra.toml").is_file());
    assert!(
        stderr.contains("column `Notes` is not imported"),
        "{stderr}"
    );
    check_ok(&root, "2026-02-15");
    let out = tmp.path().join("public");
    build_ok(&root, &out, "2026-02-15", &[]);
    let krs = krs_by_title(&out);
    // The sheet, read independently of okra.
    let mut rdr = csv::Reader::from_path(&sheet).unwrap();
    let mut n = 0;
    for r in rdr.records() {
        let r = r.unwrap();
        if !r[0].eq_ignore_ascii_case("key result") {
            continue;
        }
        n += 1;
        let kr = &krs[&r[1]];
        assert_eq!(kr["owner"], r[2].trim(), "{kr}");
        let num = |s: &str| s.replace([',', '%'], "").parse::<f64>().unwrap();
        if &r[6] == "boolean" {
            assert_eq!(kr["metric"], "boolean");
            assert_eq!(kr["value"], false);
        } else {
            assert_eq!(kr["start"].as_f64(), Some(num(&r[7])), "{kr}");
            assert_eq!(kr["target"].as_f64(), Some(num(&r[8])), "{kr}");
            assert_eq!(kr["value"].as_f64(), Some(num(&r[7])), "{kr}");
        }
    }
    assert_eq!(n, krs.len());

    // A second run writes nothing and says what it skipped.
    let before = crate::common::read_tree(&root);
    let o = import("csv", &sheet, &root);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("skipped okra.toml (already exists)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("0 files created, 14 files skipped"),
        "{stderr}"
    );
    assert_eq!(before, crate::common::read_tree(&root));
}

#[test]
fn csv_errors_name_the_file_and_line_and_write_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let sheet = tmp.path().join("bad.csv");
    std::fs::write(
        &sheet,
        "level,title,owner,team,period,parent,metric,start,target,unit\r\n\
         objective,Grow,Ann,,FY26,Nothing like it,,,,\r\n\
         key result,\"Sign \"\"big\"\" deals\",Ann,,Q1 FY26,,number,ten,20,\r\n\
         key result,Launch,Ann,,Q9 FY26,,boolean,,,\r\n",
    )
    .unwrap();
    let root = tmp.path().join("site");
    let o = import("csv", &sheet, &root);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    let shown = sheet.display().to_string();
    assert!(
        stderr.contains(&format!("{shown}:2:1: error: parent `Nothing like it`")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{shown}:3:1: error: start `ten` is not a number")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{shown}:4:1: error: period:")),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was written"), "{stderr}");
    assert!(!root.exists());
}

/// A goal of the saved `goals.json`, by name.
fn asana_goal(name: &str) -> serde_json::Value {
    let goals: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture("asana/goals.json")).unwrap()).unwrap();
    goals["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == name)
        .unwrap_or_else(|| panic!("no goal {name}"))
        .clone()
}

#[test]
fn asana_round_trip_keeps_goals_weights_and_values() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("okrs");
    let o = import("asana", &fixture("asana"), &root);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    // What cannot be mapped is listed, each once.
    for listed in [
        "not imported: goal `Hire five engineers` (H1 FY26)",
        "not imported: project `Status page launch` supporting goal",
        "not imported: goal `Cut dashboard cold start to 2 s` supporting the quarterly goal",
        "not imported: status update `On hold until pricing is decided` of yearly goal",
    ] {
        assert_eq!(stderr.matches(listed).count(), 1, "{listed}\n{stderr}");
    }
    assert!(
        !stderr.contains("quarterly goal `Cut dashboard cold start to 2 s`: it supports no"),
        "{stderr}"
    );
    check_ok(&root, "2026-02-20");
    let out = tmp.path().join("public");
    build_ok(&root, &out, "2026-02-20", &[]);

    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("okrs.json")).unwrap()).unwrap();
    let objectives = json["objectives"].as_array().unwrap();
    let titles: Vec<&str> = objectives
        .iter()
        .map(|o| o["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles.len(), 3, "{titles:?}");
    let krs = krs_by_title(&out);
    assert_eq!(krs.len(), 5, "{:?}", krs.keys());
    for (name, scale) in [
        ("Raise trial-to-paid conversion from 12% to 18%", 100.0),
        ("Win €500k of new self-serve ARR", 1.0),
        ("Cut p95 report load from 1200 ms to 400 ms", 1.0),
        ("Raise NPS from 31 to 45", 1.0),
    ] {
        let m = &asana_goal(name)["metric"];
        let kr = &krs[name];
        let close = |a: &serde_json::Value, b: &serde_json::Value| {
            (a.as_f64().unwrap() - b.as_f64().unwrap() * scale).abs() < 1e-9
        };
        assert!(close(&kr["start"], &m["initial_number_value"]), "{kr}");
        assert!(close(&kr["target"], &m["target_number_value"]), "{kr}");
        assert!(close(&kr["value"], &m["current_number_value"]), "{kr}");
    }
    let conv = &krs["Raise trial-to-paid conversion from 12% to 18%"];
    assert_eq!(conv["status"], "at-risk", "{conv}");
    assert_eq!(conv["updates"].as_array().unwrap().len(), 1, "{conv}");
    assert_eq!(conv["updates"][0]["date"], "2026-02-16", "{conv}");
    assert_eq!(krs["Launch a public status page"]["value"], false);
    assert_eq!(krs["Win €500k of new self-serve ARR"]["team"], "growth");
    // Weights 0.6 / 0.4 carry over; the company objective is the parent.
    let growth =
        std::fs::read_to_string(root.join(
            "content/fy26/double-self-serve-revenue/raise-trial-to-paid-conversion-from-12.md",
        ))
        .unwrap();
    assert!(growth.contains("weight = 0.6"), "{growth}");
    let growth_o =
        std::fs::read_to_string(root.join("content/fy26/double-self-serve-revenue/objective.md"))
            .unwrap();
    assert!(
        growth_o.contains("parent = \"fy26/become-the-default-tool-for-small\""),
        "{growth_o}"
    );
    let update = std::fs::read_to_string(root.join(
        "content/fy26/double-self-serve-revenue/raise-trial-to-paid-conversion-from-12/2026-02-16.md",
    ))
    .unwrap();
    assert!(
        update.contains("- 2026-01-12 (on-track) **Kick-off**: Experiments planned"),
        "{update}"
    );

    // A second run writes nothing and says what it skipped.
    let o = import("asana", &fixture("asana"), &root);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("0 files created"), "{stderr}");
}

#[test]
fn asana_bad_json_points_into_the_file_and_a_missing_file_is_a_usage_error() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("saved");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("goals.json"),
        "{\n  \"data\": [\n    {\"gid\": \"1\",,}\n  ]\n}\n",
    )
    .unwrap();
    let root = tmp.path().join("site");
    let o = import("asana", &dir, &root);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("relationships.json"), "{stderr}");
    std::fs::write(dir.join("relationships.json"), "[]").unwrap();
    let o = import("asana", &dir, &root);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("goals.json:3:17: error: not valid JSON"),
        "{stderr}"
    );
    assert!(!root.exists());
}
