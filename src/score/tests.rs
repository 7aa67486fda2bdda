//! Unit tests of scoring: KR value/progress/status, rollups, health flags.

use chrono::NaiveDate;

use super::*;
use crate::config::Config;
use crate::load::model::Locs;
use crate::load::{
    KeyResult, KrMeta, Metric, Objective, ObjectiveId, ObjectiveMeta, Status, Update,
};
use crate::period::{FiscalYear, Quarter};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// The `i`th KR of a site built here (tests know the order they wrote).
fn krid(i: usize) -> KrId {
    KrId::nth(i)
}

/// The `i`th objective of a site built here.
fn obj(i: usize) -> ObjectiveId {
    ObjectiveId::nth(i)
}

fn q(n: u8) -> Quarter {
    Quarter {
        year: FiscalYear(2024),
        q: n,
    }
}

fn kr(id: &str, objective: &str, quarter: Quarter, start: f64, target: f64) -> KeyResult {
    KeyResult {
        id: format!("{objective}/{id}"),
        objective_id: objective.into(),
        objective: ObjectiveId::UNLINKED,
        meta: KrMeta {
            title: id.into(),
            owner: "Ada".into(),
            team: None,
            quarter,
            metric: Metric::Number,
            start,
            target,
            current: None,
            unit: None,
            weight: 1.0,
            series: None,
            keep: None,
            private: false,
            draft: false,
            rebaseline: None,
            source: None,
        },
        body: "scored".into(),
        source: format!("content/{objective}/{id}.md").into(),
        updates: Vec::new(),
        locs: Locs::default(),
        changes: Vec::new(),
        points: Vec::new(),
    }
}

fn upd(date: &str, status: Status, value: Option<f64>) -> Update {
    Update {
        date: d(date),
        status,
        value,
        forecast: None,
        confidence: None,
        author: "Ada".into(),
        body: String::new(),
        source: format!("u/{date}.md").into(),
        slug: date.into(),
    }
}

fn with(mut k: KeyResult, updates: Vec<Update>) -> KeyResult {
    k.updates = updates;
    k
}

fn objective(id: &str, parent: Option<&str>) -> Objective {
    Objective {
        id: id.into(),
        meta: ObjectiveMeta {
            title: id.into(),
            owner: "Ada".into(),
            team: None,
            year: FiscalYear(2024),
            parent: parent.map(str::to_string),
            private: false,
            draft: false,
        },
        body: String::new(),
        source: format!("content/{id}/objective.md").into(),
        key_results: Vec::new(),
        children: Vec::new(),
        locs: Locs::default(),
    }
}

fn site(objectives: Vec<Objective>, key_results: Vec<KeyResult>) -> Site {
    let mut s = Site {
        config: Config::default(),
        teams: Vec::new(),
        objectives: objectives.into(),
        key_results: key_results.into(),
        reviews: Vec::new(),
        unloaded: Default::default(),
        events: Vec::new(),
    };
    s.link();
    s
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

#[test]
fn value_is_latest_update_on_or_before_the_day() {
    let k = with(
        kr("k", "o", q(1), 0.0, 100.0),
        vec![
            upd("2024-01-10", Status::OnTrack, Some(20.0)),
            upd("2024-02-15", Status::AtRisk, Some(40.0)),
            upd("2024-04-02", Status::Partial, Some(70.0)),
        ],
    );
    assert_eq!(kr::value_as_of(&k, d("2024-01-09")), 0.0); // before any: start
    assert_eq!(kr::value_as_of(&k, d("2024-01-10")), 20.0); // on the day counts
    assert_eq!(kr::value_as_of(&k, d("2024-03-31")), 40.0); // later updates ignored
    assert_eq!(kr::status_as_of(&k, d("2024-03-31")), Some(Status::AtRisk));
    assert_eq!(kr::status_as_of(&k, d("2024-01-01")), None);
    assert_eq!(kr::value_as_of(&k, d("2030-01-01")), 70.0);
}

#[test]
fn value_falls_back_to_current_then_start() {
    let mut k = kr("k", "o", q(1), 10.0, 20.0);
    assert_eq!(kr::value_as_of(&k, d("2024-02-01")), 10.0);
    k.meta.current = Some(12.0);
    assert_eq!(kr::value_as_of(&k, d("2024-02-01")), 12.0);
    assert!(close(
        kr::score_kr(&k, &Default::default(), d("2024-02-01")).progress,
        0.2
    ));
    // A dropped update without a value keeps the last known value.
    k.updates = vec![
        upd("2024-01-10", Status::OnTrack, Some(15.0)),
        upd("2024-02-10", Status::Dropped, None),
    ];
    assert_eq!(kr::value_as_of(&k, d("2024-03-01")), 15.0);
}

#[test]
fn progress_for_decreasing_targets() {
    // Reduce latency from 180 ms to 120 ms; now at 150 ms: half way.
    let k = with(
        kr("k", "o", q(1), 180.0, 120.0),
        vec![upd("2024-02-01", Status::OnTrack, Some(150.0))],
    );
    assert!(close(
        kr::score_kr(&k, &Default::default(), d("2024-03-01")).progress,
        0.5
    ));
    // Getting worse is negative progress.
    assert!(close(kr::progress_of(&k, 200.0), -1.0 / 3.0));
}

#[test]
fn over_achievement_is_unclamped_for_krs_but_clamped_in_rollups() {
    let k = with(
        kr("k", "o", q(1), 0.0, 100.0),
        vec![upd("2024-03-30", Status::Achieved, Some(120.0))],
    );
    let s = site(vec![objective("o", None)], vec![k]);
    let scores = score(&s, d("2024-04-01"));
    assert!(close(scores.krs[krid(0)].progress, 1.2));
    assert!(close(scores.objectives[obj(0)].quarter(q(1)).progress, 1.0));
    assert!(close(scores.objectives[obj(0)].year.progress, 1.0));
}

#[test]
fn boolean_progress() {
    let mut k = kr("k", "o", q(1), 0.0, 1.0);
    k.meta.metric = Metric::Boolean;
    assert!(close(
        kr::score_kr(&k, &Default::default(), d("2024-02-01")).progress,
        0.0
    ));
    k.updates = vec![upd("2024-02-01", Status::Achieved, Some(1.0))];
    assert!(close(
        kr::score_kr(&k, &Default::default(), d("2024-02-01")).progress,
        1.0
    ));
}

#[test]
fn weighted_rollup_skips_dropped_krs() {
    let mut a = with(
        kr("a", "o", q(1), 0.0, 10.0),
        vec![upd("2024-02-01", Status::OnTrack, Some(5.0))],
    );
    a.meta.weight = 3.0;
    let b = with(
        kr("b", "o", q(1), 0.0, 10.0),
        vec![upd("2024-02-01", Status::AtRisk, Some(10.0))],
    );
    let c = with(
        kr("c", "o", q(1), 0.0, 10.0),
        vec![upd("2024-02-01", Status::Dropped, None)],
    );
    let s = site(vec![objective("o", None)], vec![a, b, c]);
    let r = score(&s, d("2024-02-02")).objectives[obj(0)].quarter(q(1));
    // (0.5 * 3 + 1.0 * 1) / 4; the dropped KR is left out.
    assert!(close(r.progress, 0.625));
    assert_eq!(r.status, ObjectiveStatus::AtRisk);
}

#[test]
fn negative_progress_is_clamped_to_zero_in_rollups() {
    let k = with(
        kr("a", "o", q(1), 100.0, 50.0),
        vec![upd("2024-02-01", Status::OffTrack, Some(150.0))],
    );
    let s = site(vec![objective("o", None)], vec![k]);
    let sc = score(&s, d("2024-02-02"));
    assert!(close(sc.krs[krid(0)].progress, -1.0));
    assert!(close(sc.objectives[obj(0)].year.progress, 0.0));
    assert_eq!(sc.objectives[obj(0)].year.status, ObjectiveStatus::OffTrack);
}

#[test]
fn quarters_and_year_scopes() {
    let a = with(
        kr("a", "o", q(1), 0.0, 10.0),
        vec![upd("2024-03-30", Status::Achieved, Some(10.0))],
    );
    let b = with(
        kr("b", "o", q(2), 0.0, 10.0),
        vec![upd("2024-05-01", Status::OnTrack, Some(2.0))],
    );
    let s = site(vec![objective("o", None)], vec![a, b]);
    let o = &score(&s, d("2024-05-02")).objectives[obj(0)];
    assert!(close(o.quarter(q(1)).progress, 1.0));
    assert_eq!(o.quarter(q(1)).status, ObjectiveStatus::Closed);
    assert!(close(o.quarter(q(2)).progress, 0.2));
    assert_eq!(
        o.quarter(q(3)).progress,
        None,
        "no KRs in Q3: no progress, not 0"
    );
    assert_eq!(o.quarter(q(3)).status, ObjectiveStatus::NoUpdate);
    assert!(close(o.year.progress, 0.6));
    assert_eq!(o.year.status, ObjectiveStatus::OnTrack);
}

#[test]
fn aligned_objectives_count_with_weight_one() {
    // Company objective with one KR at 100 % (weight 4) and two aligned team objectives.
    let mut top = with(
        kr("k", "company", q(1), 0.0, 1.0),
        vec![upd("2024-02-01", Status::OnTrack, Some(1.0))],
    );
    top.meta.weight = 4.0;
    let t1 = with(
        kr("k", "team1", q(1), 0.0, 10.0),
        vec![upd("2024-02-01", Status::AtRisk, Some(5.0))],
    );
    // team2 has only a Q2 KR: it has no progress in Q1 and is left out there.
    let t2 = with(
        kr("k", "team2", q(2), 0.0, 10.0),
        vec![upd("2024-04-10", Status::OffTrack, Some(0.0))],
    );
    let s = site(
        vec![
            objective("company", None),
            objective("team1", Some("company")),
            objective("team2", Some("company")),
        ],
        vec![top, t1, t2],
    );
    let sc = score(&s, d("2024-04-15"));
    let company = &sc.objectives[obj(0)];
    // Q1: (1.0*4 + 0.5*1) / 5 = 0.9; team2 left out of progress.
    assert!(close(company.quarter(q(1)).progress, 0.9));
    // team2 has no sub-goals in Q1: its own status is no-update and counts,
    // but team1's at-risk is worse.
    assert_eq!(company.quarter(q(1)).status, ObjectiveStatus::AtRisk);
    assert_eq!(
        sc.objectives[obj(2)].quarter(q(1)).status,
        ObjectiveStatus::NoUpdate
    );
    // Year: (1.0*4 + 0.5 + team2's 0.0) / 6.
    assert!(close(company.year.progress, 4.5 / 6.0));
    assert_eq!(company.year.status, ObjectiveStatus::OffTrack);
}

#[test]
fn objective_without_sub_goals_has_no_progress() {
    let s = site(vec![objective("o", None)], vec![]);
    let o = &score(&s, d("2024-05-02")).objectives[obj(0)];
    assert_eq!(o.year.progress, None);
    assert_eq!(o.year.status, ObjectiveStatus::NoUpdate);
}

#[test]
fn alignment_cycles_do_not_hang() {
    let k = with(
        kr("k", "a", q(1), 0.0, 10.0),
        vec![upd("2024-02-01", Status::OnTrack, Some(5.0))],
    );
    let s = site(
        vec![objective("a", Some("b")), objective("b", Some("a"))],
        vec![k],
    );
    let sc = score(&s, d("2024-02-02"));
    assert!(close(sc.objectives[obj(0)].year.progress, 0.5));
}

#[test]
fn status_order_and_closed() {
    let a = with(
        kr("a", "o", q(1), 0.0, 1.0),
        vec![upd("2024-02-01", Status::OnTrack, Some(0.5))],
    );
    let b = kr("b", "o", q(1), 0.0, 1.0);
    let s = site(vec![objective("o", None)], vec![a.clone(), b]);
    assert_eq!(
        score(&s, d("2024-02-02")).objectives[obj(0)].year.status,
        ObjectiveStatus::NoUpdate
    );
    let c = with(
        kr("c", "o", q(1), 0.0, 1.0),
        vec![upd("2024-02-01", Status::Missed, Some(0.0))],
    );
    let s = site(vec![objective("o", None)], vec![a, c]);
    assert_eq!(
        score(&s, d("2024-02-02")).objectives[obj(0)].year.status,
        ObjectiveStatus::OnTrack
    );
}

fn rules() -> HealthRules {
    HealthRules::from_config(&Config::default())
}

fn codes(k: &KeyResult, as_of: &str) -> Vec<&'static str> {
    health::flags(k, &rules(), d(as_of))
        .iter()
        .map(Flag::code)
        .collect()
}

#[test]
fn health_stale_and_mid_quarter() {
    // Q2 2024: Apr 1 – Jun 30, midpoint May 16.
    let k = with(
        kr("k", "o", q(2), 0.0, 10.0),
        vec![upd("2024-04-05", Status::OnTrack, Some(4.0))],
    );
    assert_eq!(
        codes(&k, "2024-04-19"),
        Vec::<&str>::new(),
        "14 days is not yet stale"
    );
    assert_eq!(codes(&k, "2024-04-20"), ["stale"]);
    assert_eq!(
        codes(&k, "2024-05-16"),
        ["stale"],
        "on the midpoint itself nothing is missing yet"
    );
    assert_eq!(
        codes(&k, "2024-05-17"),
        ["stale", "missing-mid-quarter-scoring"]
    );
    let k = with(k, vec![upd("2024-05-16", Status::AtRisk, Some(4.0))]);
    assert_eq!(codes(&k, "2024-05-20"), Vec::<&str>::new());
    // A future quarter has no flags; a quarter with no update at all is stale from its start.
    let fresh = kr("k", "o", q(3), 0.0, 10.0);
    assert!(codes(&fresh, "2024-05-20").is_empty());
    assert_eq!(codes(&fresh, "2024-07-16"), ["stale"]);
}

#[test]
fn health_behind_pace() {
    // Q2 2024 (91 days); on 2024-05-16 (day 46) pace is 46/91 ≈ 0.505.
    let at = |status, value| {
        with(
            kr("k", "o", q(2), 0.0, 100.0),
            vec![upd("2024-05-10", status, Some(value))],
        )
    };
    let pace = 46.0 / 91.0;
    let flags = health::flags(&at(Status::OnTrack, 25.0), &rules(), d("2024-05-16"));
    assert_eq!(
        flags,
        [Flag::BehindPace {
            progress: 0.25,
            pace
        }]
    );
    // Within the margin (0.25 below pace at most), or honestly at risk: no flag.
    assert!(codes(&at(Status::OnTrack, 26.0), "2024-05-16").is_empty());
    assert!(codes(&at(Status::AtRisk, 5.0), "2024-05-16").is_empty());
    // A "reduce to" KR: 180 → 120 ms, at 170 is 1/6 progress.
    let reduce = with(
        kr("k", "o", q(2), 180.0, 120.0),
        vec![upd("2024-05-10", Status::OnTrack, Some(170.0))],
    );
    assert_eq!(codes(&reduce, "2024-05-16"), ["behind-pace"]);
    // The margin comes from okra.toml.
    let loose = HealthRules {
        behind_pace_margin: 0.5,
        ..rules()
    };
    assert!(health::flags(&at(Status::OnTrack, 25.0), &loose, d("2024-05-16")).is_empty());
    // Not for booleans, and not after the quarter (missing final scoring then).
    let mut boolean = at(Status::OnTrack, 0.0);
    boolean.meta.metric = Metric::Boolean;
    boolean.meta.target = 1.0;
    assert!(codes(&boolean, "2024-05-16").is_empty());
    let late = |as_of| -> Vec<&str> {
        codes(&at(Status::OnTrack, 25.0), as_of)
            .into_iter()
            .filter(|c| *c == "behind-pace")
            .collect()
    };
    assert_eq!(late("2024-06-30"), ["behind-pace"]);
    assert!(late("2024-07-01").is_empty());
}

#[test]
fn health_final_scoring() {
    let k = with(
        kr("k", "o", q(1), 0.0, 10.0),
        vec![upd("2024-02-20", Status::OnTrack, Some(6.0))],
    );
    // Q1 ends Mar 31; grace 14 days: due Apr 14.
    assert_eq!(codes(&k, "2024-04-14"), Vec::<&str>::new());
    assert_eq!(codes(&k, "2024-04-15"), ["missing-final-scoring"]);
    let done = with(
        k.clone(),
        vec![
            upd("2024-02-20", Status::OnTrack, Some(6.0)),
            upd("2024-04-02", Status::Partial, Some(7.0)),
        ],
    );
    assert!(codes(&done, "2024-06-01").is_empty());
    // Updates after the as-of day are ignored.
    assert_eq!(codes(&done, "2024-04-01"), Vec::<&str>::new());
}

#[test]
fn health_update_after_closed() {
    let k = with(
        kr("k", "o", q(1), 0.0, 10.0),
        vec![
            upd("2024-02-20", Status::Achieved, Some(10.0)),
            upd("2024-03-01", Status::OnTrack, Some(9.0)),
        ],
    );
    assert_eq!(codes(&k, "2024-02-25"), Vec::<&str>::new());
    let flags = health::flags(&k, &rules(), d("2024-03-02"));
    assert_eq!(
        flags,
        [Flag::UpdateAfterClosed {
            closed_on: d("2024-02-20"),
            later: 1
        }]
    );
}

#[test]
fn drafts_and_private_are_removed_from_views() {
    let mut secret = objective("secret", None);
    secret.meta.private = true;
    let mut kid = objective("kid", Some("secret"));
    kid.meta.draft = true;
    let mut k = kr("k", "secret", q(1), 0.0, 1.0);
    k.meta.private = true;
    let s = site(vec![secret, kid, objective("open", None)], vec![k]);
    let public = s.view(crate::load::Visibility {
        private: false,
        drafts: false,
    });
    assert_eq!(
        public
            .objectives
            .iter()
            .map(|o| o.id.as_str())
            .collect::<Vec<_>>(),
        ["open"]
    );
    assert!(public.key_results.is_empty());
    let drafts = s.view(crate::load::Visibility {
        private: false,
        drafts: true,
    });
    let kid = &drafts.objectives[drafts.find_objective("kid").unwrap()];
    assert_eq!(
        kid.meta.parent, None,
        "link to the private parent is dropped"
    );
}

#[test]
fn huge_weights_do_not_overflow_the_mean() {
    // Found by the property tests: 1e308 + 1e308 is infinite, and inf/inf is NaN.
    use crate::score::rollup::{ObjectiveStatus, combine};
    let r = combine([
        (Some(1.0), 1e308, ObjectiveStatus::OnTrack),
        (Some(0.0), 1e308, ObjectiveStatus::OnTrack),
        (Some(0.5), 5e-324, ObjectiveStatus::OnTrack),
    ]);
    assert_eq!(r.progress, Some(0.5));
}

#[test]
fn the_average_score_clamps_and_leaves_out_dropped_and_unscored_krs() {
    let krs = vec![
        // 150 % counts as 100 %.
        with(
            kr("o/a", "o", q(1), 0.0, 10.0),
            vec![upd("2024-01-10", Status::OnTrack, Some(15.0))],
        ),
        // -50 % counts as 0 %.
        with(
            kr("o/b", "o", q(1), 0.0, 10.0),
            vec![upd("2024-01-10", Status::AtRisk, Some(-5.0))],
        ),
        // Dropped: left out, whatever its value.
        with(
            kr("o/c", "o", q(1), 0.0, 10.0),
            vec![upd("2024-01-10", Status::Dropped, Some(10.0))],
        ),
        // 50 %.
        with(
            kr("o/d", "o", q(1), 0.0, 10.0),
            vec![upd("2024-01-10", Status::OnTrack, Some(5.0))],
        ),
    ];
    let s = score(&site(vec![objective("o", None)], krs), d("2024-02-01"));
    assert!(
        close(s.average(&[krid(0), krid(1), krid(2), krid(3)]), 0.5),
        "{:?}",
        s.average(&[krid(0), krid(1), krid(2), krid(3)])
    );
    assert!(close(s.average(&[krid(3)]), 0.5));
    assert_eq!(
        s.average(&[krid(2)]),
        None,
        "only a dropped KR: nothing to average"
    );
    assert_eq!(s.average(&[]), None);
}

#[test]
fn retargeted_counts_the_ledger() {
    use crate::load::history::{Change, Field, Value};
    let change = |easier| Change {
        date: d("2024-02-21"),
        field: Field::Target,
        from: Value::Number(200.0),
        to: Value::Number(180.0),
        commit: "abc1234".into(),
        subject: "Lower it".into(),
        easier,
    };
    let mut a = kr("a", "o", q(1), 100.0, 180.0);
    a.changes = vec![change(true), change(false)];
    let mut b = kr("b", "o", q(1), 100.0, 180.0);
    b.changes = vec![change(true)];
    b.meta.rebaseline = Some("why".into());
    let c = kr("c", "o", q(1), 100.0, 180.0);
    let s = site(vec![objective("o", None)], vec![a, b, c]);
    let all: Vec<KrId> = s.kr_ids().collect();
    assert_eq!(
        retargeted(&s, &all),
        Retargeted {
            krs: 2,
            changes: 3,
            easier: 2,
            explained: 1
        }
    );
    assert_eq!(retargeted(&s, &all[2..]), Retargeted::default());
}

#[test]
fn change_windows() {
    use crate::score::changes::windows;
    let s = site(vec![], vec![]);
    let w = windows(&s, d("2024-03-14"));
    assert_eq!(w[0].0, "last-7-days");
    assert_eq!((w[0].1.from, w[0].1.to), (d("2024-03-07"), d("2024-03-14")));
    assert_eq!(w[1].1.from, d("2024-02-15"), "Q1's midpoint");
    assert_eq!(w[2].1.from, d("2024-01-14"), "Q4's final scoring deadline");
    // Before Q1's midpoint and Q4's deadline: the ones before.
    let w = windows(&s, d("2024-01-10"));
    assert_eq!(w[1].1.from, d("2023-11-15"));
    assert_eq!(w[2].1.from, d("2023-10-14"));
    // On the midpoint and on the deadline themselves: those days start the
    // windows (empty so far), not the ones a quarter earlier.
    let w = windows(&s, d("2024-02-15"));
    assert_eq!(w[1].1.from, d("2024-02-15"));
    let w = windows(&s, d("2024-01-14"));
    assert_eq!(w[2].1.from, d("2024-01-14"));
    assert!(w[0].1.contains(d("2024-01-10")) && !w[0].1.contains(d("2024-01-03")));
}

/// A site of one objective with the given KR files (path under the
/// objective, text) in Q2 FY24, checked in memory.
fn keep_site(krs: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut files = vec![(
        "content/fy24/o/objective.md".to_string(),
        "+++\ntitle = \"O\"\nowner = \"A\"\nperiod = \"FY24\"\n+++\nWhy.\n".to_string(),
    )];
    for (path, text) in krs {
        files.push((format!("content/fy24/o/{path}"), text.to_string()));
    }
    files
}

#[test]
fn keep_krs_score_one_while_the_value_holds() {
    let head = "title = \"K\"\nowner = \"A\"\nperiod = \"Q2 FY24\"\nmetric = \"percent\"\n";
    let files = keep_site(&[
        (
            "uptime.md",
            &format!("+++\n{head}keep = \"above\"\ntarget = 99.9\n+++\nStatus page.\n"),
        ),
        (
            "uptime/2024-04-10.md",
            "+++\nstatus = \"on-track\"\nvalue = 99.95\n+++\nFine.\n",
        ),
        (
            "uptime/2024-05-10.md",
            "+++\nstatus = \"at-risk\"\nvalue = 99.8\n+++\nAn outage.\n",
        ),
        (
            "uptime/2024-05-20.md",
            "+++\nstatus = \"on-track\"\nvalue = 99.9\n+++\nOn the line holds.\n",
        ),
        (
            "churn.md",
            &format!(
                "+++\n{head}keep = \"below\"\ntarget = 2\ncurrent = 1.5\n+++\nMonthly churn.\n"
            ),
        ),
    ]);
    let progress = |as_of: &str| {
        let checked = crate::pipeline::check_in_memory("", &files, d(as_of));
        assert!(
            checked.diagnostics.error_count() == 0,
            "{:?}",
            checked.diagnostics
        );
        let k = |i| checked.scores.krs[krid(i)].progress.unwrap();
        (
            k(0),
            k(1),
            checked.scores.objectives[obj(0)].quarter(q(2)).progress,
        )
    };
    // churn (KR 0, sorted by ID) holds from `current`; uptime (KR 1) above 99.9.
    assert_eq!(progress("2024-04-15"), (1.0, 1.0, Some(1.0)));
    assert_eq!(progress("2024-05-15"), (1.0, 0.0, Some(0.5)));
    assert_eq!(progress("2024-05-25"), (1.0, 1.0, Some(1.0)));
    // Never behind pace: a threshold has no line to follow.
    let checked = crate::pipeline::check_in_memory("", &files, d("2024-06-25"));
    assert!(!checked.diagnostics.iter().any(|d| d.code == "behind-pace"));
    // The KR is "keep" with no start; `progress_of` says so directly.
    let churn = &checked.site.key_results[krid(0)];
    assert_eq!(kr::progress_of(churn, 2.0), Some(1.0));
    assert_eq!(kr::progress_of(churn, 2.01), Some(0.0));
}

/// The accuracy figures of tests/testsuite/fixtures/sites/forecasts, computed
/// by hand (Q1 FY24: 2024-01-01 – 2024-03-31, midpoint 2024-02-15):
///
/// | KR | mid-quarter update | forecast | final | error |
/// |---|---|---|---|---|
/// | platform/a 0→100 | 02-20 on-track | 90 → 90 % | partial 60 → 60 % | +30, optimistic |
/// | platform/b 0→10 | 02-16 at-risk | 5 → 50 % | achieved 12 → 100 % (clamped) | −50 |
/// | platform/c 200→100 | 02-15 on-track | none | missed 170 → 30 % | surprise |
/// | sales/d 0→50 | 03-01 on-track (the 01-20 forecast is before the midpoint) | 40 → 80 % | missed 30 → 60 % | +20, optimistic, surprise |
/// | company/e | | | dropped | left out |
/// | company/f | none on or after the midpoint | | | left out |
#[test]
fn forecast_accuracy_matches_hand_computed_values() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/testsuite/fixtures/sites/forecasts");
    let (site, diags) = crate::load::load(&root);
    assert_eq!(diags.error_count(), 0, "{diags:?}");
    let all: Vec<KrId> = site.kr_ids().collect();
    let acc = accuracy::accuracy(&site, &all, d("2024-04-20"));
    let ids: Vec<&str> = acc
        .krs
        .iter()
        .map(|c| site.key_results[c.kr].id.as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "fy24/platform/a",
            "fy24/platform/b",
            "fy24/platform/c",
            "fy24/sales/d"
        ]
    );
    let errors: Vec<Option<f64>> = acc.krs.iter().map(|c| c.error_points).collect();
    assert!(close(errors[0], 30.0) && close(errors[1], -50.0) && close(errors[3], 20.0));
    assert_eq!(errors[2], None);
    assert_eq!(acc.krs[3].mid_date, d("2024-03-01"));
    let flags: Vec<(bool, bool)> = acc.krs.iter().map(|c| (c.optimistic, c.surprise)).collect();
    assert_eq!(
        flags,
        [(true, false), (false, false), (false, true), (true, true)]
    );
    assert!(close(Some(acc.krs[1].final_progress), 1.0));

    let total = &acc.total;
    assert_eq!(
        (
            total.checked,
            total.forecasts,
            total.optimistic,
            total.surprises
        ),
        (4, 3, 2, 2)
    );
    assert!(close(total.mae_points, 100.0 / 3.0));
    let teams: Vec<(Option<&str>, usize, usize, usize, usize)> = acc
        .teams
        .iter()
        .map(|(t, s)| {
            (
                t.as_deref(),
                s.checked,
                s.forecasts,
                s.optimistic,
                s.surprises,
            )
        })
        .collect();
    assert_eq!(
        teams,
        [(Some("platform"), 3, 2, 1, 1), (Some("sales"), 1, 1, 1, 1)]
    );
    assert!(close(acc.teams[0].1.mae_points, 40.0));
    assert!(close(acc.teams[1].1.mae_points, 20.0));

    // Before the quarter ends nothing is judged yet.
    assert!(
        accuracy::accuracy(&site, &all, d("2024-03-31"))
            .krs
            .is_empty()
    );
}

/// The edges of forecast accuracy: a forecast of exactly 70 % that then
/// misses is a surprise and one of 50 % is not; a forecast that comes true
/// is not optimistic; with no forecasts there is no mean error (not NaN).
#[test]
fn forecast_accuracy_at_its_boundaries() {
    let head = |t: &str| {
        format!(
            "+++\ntitle = \"{t}\"\nowner = \"A\"\nperiod = \"Q2 FY24\"\nmetric = \"number\"\nstart = 0\ntarget = 100\n+++\nHow.\n"
        )
    };
    let update = |status: &str, value: f64, forecast: Option<f64>| {
        let forecast = forecast.map_or(String::new(), |f| format!("forecast = {f}\n"));
        format!("+++\nstatus = \"{status}\"\nvalue = {value}\n{forecast}+++\nText.\n")
    };
    let mut krs: Vec<(String, String)> = Vec::new();
    // (KR, mid-quarter status and forecast, final status and value), by ID.
    for (name, mid_status, forecast, final_status, final_value) in [
        ("a-at-70", "at-risk", Some(70.0), "missed", 40.0),
        ("b-at-50", "at-risk", Some(50.0), "missed", 40.0),
        ("c-exact", "on-track", Some(60.0), "partial", 60.0),
        ("d-none", "at-risk", None, "missed", 10.0),
    ] {
        krs.push((format!("{name}.md"), head(name)));
        krs.push((
            format!("{name}/2024-05-20.md"),
            update(mid_status, 20.0, forecast),
        ));
        krs.push((
            format!("{name}/2024-07-05.md"),
            update(final_status, final_value, None),
        ));
    }
    let refs: Vec<(&str, &str)> = krs.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    let files = keep_site(&refs);
    let checked = crate::pipeline::check_in_memory("", &files, d("2024-07-10"));
    assert_eq!(
        checked.diagnostics.error_count(),
        0,
        "{:?}",
        checked.diagnostics
    );
    let site = &checked.site;
    let all: Vec<KrId> = site.kr_ids().collect();
    let acc = accuracy::accuracy(site, &all, d("2024-07-10"));
    let got: Vec<(&str, bool, bool, Option<f64>)> = acc
        .krs
        .iter()
        .map(|c| {
            (
                site.key_results[c.kr].id.as_str(),
                c.surprise,
                c.optimistic,
                c.error_points,
            )
        })
        .collect();
    assert_eq!(got.len(), 4, "{got:?}");
    assert_eq!(
        (got[0].1, got[0].2),
        (true, true),
        "70 % then missed: {got:?}"
    );
    assert_eq!(
        (got[1].1, got[1].2),
        (false, true),
        "50 % then missed: {got:?}"
    );
    assert_eq!((got[2].1, got[2].2), (false, false), "came true: {got:?}");
    assert!(close(got[2].3, 0.0));
    assert_eq!((got[3].1, got[3].3), (false, None), "no forecast: {got:?}");
    // Only the KR without a forecast: checked, but no mean error.
    let none = accuracy::accuracy(site, &all[3..], d("2024-07-10"));
    assert_eq!((none.total.checked, none.total.forecasts), (1, 0));
    assert_eq!(none.total.mae_points, None);
}

#[test]
fn value_as_of_merges_data_points_with_updates() {
    use crate::load::Point;
    let mut k = with(
        kr("a/k", "a", q(1), 0.0, 100.0),
        vec![
            upd("2024-04-10", Status::OnTrack, Some(30.0)),
            upd("2024-04-20", Status::AtRisk, None),
        ],
    );
    k.points = [
        ("2024-04-05", 10.0),
        ("2024-04-10", 25.0),
        ("2024-04-15", 40.0),
    ]
    .iter()
    .map(|(date, value)| Point {
        date: d(date),
        value: *value,
    })
    .collect();
    let v = |day| crate::score::kr::value_as_of(&k, d(day));
    assert_eq!(v("2024-04-01"), 0.0, "before any value: start");
    assert_eq!(v("2024-04-05"), 10.0, "a point on the day counts");
    assert_eq!(
        v("2024-04-10"),
        30.0,
        "an update wins over a point of its day"
    );
    assert_eq!(
        v("2024-04-16"),
        40.0,
        "a later point wins over an older update"
    );
    assert_eq!(
        v("2024-04-20"),
        40.0,
        "an update without a value changes nothing"
    );
    // Status still comes from the updates only.
    assert_eq!(
        crate::score::kr::status_as_of(&k, d("2024-04-16")),
        Some(Status::OnTrack)
    );
}

/// The change list of a window: a status that moved, a value that moved
/// with the same status, and KRs with no update in the window or whose
/// update changed nothing, which are not listed.
#[test]
fn changes_in_a_window() {
    use crate::score::changes::{Window, changes};
    let a = with(
        kr("a", "o", q(1), 0.0, 100.0),
        vec![
            upd("2024-02-01", Status::OnTrack, Some(40.0)),
            upd("2024-02-20", Status::AtRisk, Some(45.0)),
        ],
    );
    let b = with(
        kr("b", "o", q(1), 0.0, 100.0),
        vec![
            upd("2024-02-01", Status::OnTrack, Some(40.0)),
            upd("2024-02-20", Status::OnTrack, Some(60.0)),
        ],
    );
    let c = with(
        kr("c", "o", q(1), 0.0, 100.0),
        vec![upd("2024-02-01", Status::OnTrack, Some(40.0))],
    );
    let e = with(
        kr("e", "o", q(1), 0.0, 100.0),
        vec![
            upd("2024-02-01", Status::OnTrack, Some(40.0)),
            upd("2024-02-20", Status::OnTrack, Some(40.0)),
        ],
    );
    let s = site(vec![objective("o", None)], vec![a, b, c, e]);
    let window = Window {
        from: d("2024-02-10"),
        to: d("2024-02-25"),
    };
    let got = changes(&s, window);
    let ids =
        |m: &[crate::score::changes::Moved]| -> Vec<KrId> { m.iter().map(|m| m.kr).collect() };
    assert_eq!(ids(&got.status), [krid(0)]);
    assert_eq!(
        got.status[0].status,
        (Some(Status::OnTrack), Some(Status::AtRisk))
    );
    assert_eq!(got.status[0].value, (40.0, 45.0));
    assert_eq!(ids(&got.values), [krid(1)]);
    assert_eq!(got.values[0].value, (40.0, 60.0));
    // Without history, nothing was added, removed or re-targeted.
    assert!(got.added.is_empty() && got.removed.is_empty() && got.retargeted.is_empty());
    assert_eq!(got.count(), 2);
    // A window before any update in it lists nothing.
    let early = changes(
        &s,
        Window {
            from: d("2024-01-01"),
            to: d("2024-01-31"),
        },
    );
    assert!(early.status.is_empty() && early.values.is_empty());
}
