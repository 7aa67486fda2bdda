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
    assert!(stderr.contains("0 files created, 14 skipped"), "{stderr}");
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
