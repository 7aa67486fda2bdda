//! Property tests (proptest) of the pipeline on generated sites:
//! - progress and rollups stay finite and within bounds for any numbers the
//!   front matter can hold (huge, tiny, negative zero, NaN and infinities are
//!   refused with a diagnostic), and non-positive weights are rejected;
//! - scoring is monotonic in the as-of day;
//! - the built site does not depend on the order files were created in.

use crate::common;

use std::path::Path;

use chrono::{Duration, NaiveDate};
use okra::pipeline::check_in_memory;
use okra::score::kr::{latest_update, updates_as_of};
use proptest::prelude::*;
use proptest::test_runner::{FailurePersistence, FileFailurePersistence};

const CONFIG: &str = "title = \"Props\"\ncompany = \"Propco\"\n";

/// Failing cases are kept in `properties.proptest-regressions` beside this
/// file. proptest's default would look up from here for a `main.rs`, find the
/// suite's, and use `tests/proptest-regressions/properties.txt` instead.
fn regressions() -> Option<Box<dyn FailurePersistence>> {
    Some(Box::new(FileFailurePersistence::WithSource(
        "proptest-regressions",
    )))
}

/// A number as it can be written in TOML, from ordinary to hostile.
fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (-1000i64..1000).prop_map(|n| n.to_string()),
        2 => any::<i64>().prop_map(|n| n.to_string()),
        3 => any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| format!("{f:e}")),
        2 => prop::sample::select(vec![
            "0", "0.0", "-0.0", "1e308", "-1e308", "1.7976931348623157e308", "5e-324",
            "-5e-324", "1e-300", "nan", "+nan", "-nan", "inf", "-inf", "+inf",
        ])
        .prop_map(str::to_string),
    ]
}

/// The value a TOML number literal stands for (None for NaN and infinities).
fn finite_value(literal: &str) -> Option<f64> {
    literal.parse::<f64>().ok().filter(|f| f.is_finite())
}

#[derive(Debug, Clone)]
struct Kr {
    start: String,
    target: String,
    weight: Option<String>,
    /// (day offset into the quarter, status, value)
    updates: Vec<(i64, &'static str, String)>,
}

fn kr() -> impl Strategy<Value = Kr> {
    let status = prop::sample::select(vec![
        "on-track",
        "at-risk",
        "off-track",
        "achieved",
        "partial",
        "missed",
    ]);
    (
        number(),
        number(),
        // Huge weights often, so that several of them meet in one rollup.
        prop::option::of(prop_oneof![3 => number(), 1 => Just("1e308".to_string())]),
        prop::collection::vec((0i64..91, status, number()), 0..4),
    )
        .prop_map(|(start, target, weight, updates)| Kr {
            start,
            target,
            weight,
            updates,
        })
}

const Q1: fn() -> NaiveDate = || NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();

/// One objective (FY24) with its KRs in Q1 FY24 and their updates.
fn site(krs: &[Kr]) -> Vec<(String, String)> {
    let mut files = vec![(
        "content/fy24/growth/objective.md".to_string(),
        "+++\ntitle = \"Grow\"\nowner = \"Ada\"\nperiod = \"FY24\"\n+++\nWhy.\n".to_string(),
    )];
    for (i, k) in krs.iter().enumerate() {
        let weight = k
            .weight
            .as_ref()
            .map(|w| format!("weight = {w}\n"))
            .unwrap_or_default();
        files.push((
            format!("content/fy24/growth/kr-{i}.md"),
            format!(
                "+++\ntitle = \"KR {i}\"\nowner = \"Ada\"\nperiod = \"Q1 FY24\"\nmetric = \"number\"\nstart = {}\ntarget = {}\n{weight}+++\nScored.\n",
                k.start, k.target
            ),
        ));
        for (n, (day, status, value)) in k.updates.iter().enumerate() {
            let date = Q1() + Duration::days(*day);
            files.push((
                format!("content/fy24/growth/kr-{i}/{date}-u{n}.md"),
                format!("+++\nstatus = \"{status}\"\nvalue = {value}\n+++\nNote {n}.\n"),
            ));
        }
    }
    files
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: regressions(), ..ProptestConfig::default() })]

    #[test]
    fn progress_and_rollups_stay_finite_and_bounded(
        krs in prop::collection::vec(kr(), 1..5),
        as_of_day in 0i64..366,
    ) {
        let as_of = Q1() + Duration::days(as_of_day);
        let checked = check_in_memory(CONFIG, &site(&krs), as_of);
        let codes: Vec<&str> = checked.diagnostics.iter().map(|d| d.code).collect();

        // Non-positive weights are rejected, NaN and infinities anywhere too.
        let bad_weight = krs.iter().any(|k| {
            k.weight.as_deref().and_then(finite_value).is_some_and(|w| w <= 0.0)
        });
        prop_assert_eq!(bad_weight, codes.contains(&"bad-weight"), "{:?}", codes);
        let non_finite = krs.iter().any(|k| {
            [&k.start, &k.target]
                .into_iter()
                .chain(k.weight.as_ref())
                .chain(k.updates.iter().map(|u| &u.2))
                .any(|n| finite_value(n).is_none())
        });
        prop_assert_eq!(non_finite, codes.contains(&"not-finite"), "{:?}", codes);
        if checked.diagnostics.has_errors() {
            return Ok(());
        }

        for (k, s) in checked.scores.krs.iter().enumerate() {
            prop_assert!(s.value.is_finite(), "KR {} value {}", k, s.value);
            if let Some(p) = s.progress {
                prop_assert!(p.is_finite(), "KR {} progress {}", k, p);
            }
        }
        for o in &checked.scores.objectives {
            for r in o.quarters.iter().chain([&o.year]) {
                if let Some(p) = r.progress {
                    prop_assert!((0.0..=1.0).contains(&p), "rollup progress {}", p);
                }
            }
        }
        // A KR with updates in Q1 has progress in Q1's rollup unless every
        // progress is undefined.
        let first = checked.scores.objectives.iter().next().expect("the site has one objective");
        let q1 = first.quarters[0].progress;
        if checked.scores.krs.iter().any(|s| s.progress.is_some()) {
            prop_assert!(q1.is_some());
        }
    }

    #[test]
    fn scoring_is_monotonic_in_the_as_of_day(
        krs in prop::collection::vec(kr(), 1..4),
        a in 0i64..200,
        b in 0i64..200,
    ) {
        let (early, late) = (Q1() + Duration::days(a.min(b)), Q1() + Duration::days(a.max(b)));
        let files = site(&krs);
        let first = check_in_memory(CONFIG, &files, early);
        if first.diagnostics.has_errors() {
            return Ok(());
        }
        for kr in &first.site.key_results {
            // What was known then is still known later: updates only accumulate.
            let (then, now) = (updates_as_of(kr, early), updates_as_of(kr, late));
            prop_assert!(then.len() <= now.len());
            let dates = |us: &[okra::load::Update]| us.iter().map(|u| (u.date, u.slug.clone())).collect::<Vec<_>>();
            prop_assert_eq!(dates(then), dates(&now[..then.len()]));
            let (l1, l2) = (latest_update(kr, early), latest_update(kr, late));
            prop_assert!(l1.map(|u| u.date) <= l2.map(|u| u.date));
            prop_assert!(l1.is_none() || l2.is_some());
        }
        // Scoring a later day never forgets a status.
        let second = check_in_memory(CONFIG, &files, late);
        for (s1, s2) in first.scores.krs.iter().zip(&second.scores.krs) {
            prop_assert!(s1.status.is_none() || s2.status.is_some());
            prop_assert!(s1.last_update <= s2.last_update);
        }
    }
}

fn build(root: &Path, out: &Path) -> Vec<(String, Vec<u8>)> {
    common::build_ok(root, out, "2024-02-20", &[]);
    common::read_tree(out).into_iter().collect()
}

fn write_site(root: &Path, files: &[(String, String)]) {
    std::fs::write(root.join("okra.toml"), CONFIG).unwrap();
    for (path, text) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// Small, valid KRs, so that every generated site builds.
fn plain_kr() -> impl Strategy<Value = Kr> {
    let status = prop::sample::select(vec!["on-track", "at-risk", "achieved"]);
    (
        0u32..50,
        51u32..200,
        prop::option::of(1u32..5),
        prop::collection::vec((0i64..91, status, 0u32..250), 0..4),
    )
        .prop_map(|(start, target, weight, updates)| Kr {
            start: start.to_string(),
            target: target.to_string(),
            weight: weight.map(|w| w.to_string()),
            updates: updates
                .into_iter()
                .map(|(d, s, v)| (d, s, v.to_string()))
                .collect(),
        })
}

proptest! {
    // Each case runs the real binary twice: few cases, but every one a whole site.
    #![proptest_config(ProptestConfig { cases: 12, failure_persistence: regressions(), ..ProptestConfig::default() })]

    #[test]
    fn the_site_does_not_depend_on_file_order(
        (files, shuffled) in prop::collection::vec(plain_kr(), 1..6)
            .prop_map(|krs| site(&krs))
            .prop_flat_map(|files| (Just(files.clone()), Just(files).prop_shuffle())),
    ) {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        // Files created in another order come back from the file system in
        // another order (tmpfs and ext4 list newest or hashed first).
        write_site(a.path(), &files);
        write_site(b.path(), &shuffled);
        let out = tempfile::tempdir().unwrap();
        let first = build(a.path(), &out.path().join("a"));
        let second = build(b.path(), &out.path().join("b"));
        prop_assert_eq!(first.len(), second.len());
        for ((p1, b1), (p2, b2)) in first.iter().zip(&second) {
            prop_assert_eq!(p1, p2);
            prop_assert!(b1 == b2, "{} differs", p1);
        }
    }
}
