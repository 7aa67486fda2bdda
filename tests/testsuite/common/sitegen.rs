//! Random OKR sites for invariant tests: content nobody wrote by hand.
//!
//! A seed gives one company: a fiscal calendar (any start month, named by its
//! start or end year), 0–5 teams (some nested), one or two fiscal years of
//! company and team objectives (some aligned to a company objective), 0–4
//! KRs each in any quarter of the year (every metric, cross-team KRs, series,
//! weights, now and then extreme numbers), 0–4 status updates per KR dated
//! inside its quarter window, and an as-of day anywhere from before the first
//! year to after the last. The same seed writes the same files.

#![allow(dead_code)] // not every test crate generates sites

use std::fmt::Write as _;
use std::path::Path;

use chrono::{Datelike, Duration, NaiveDate};

/// A small deterministic PRNG (xorshift64*): the tests need no crate for it.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const WORDS: &[&str] = &[
    "grow",
    "revenue",
    "ship",
    "latency",
    "customers",
    "reliable",
    "onboarding",
    "churn",
    "platform",
    "mobile",
    "support",
    "pipeline",
    "security",
    "hiring",
    "quality",
    "region",
];
const PEOPLE: &[&str] = &[
    "Ada Lovelace",
    "Grace Hopper",
    "Tomás Herrera",
    "Zoë Ng",
    "Li Wei",
    "Amara Okafor",
];

fn title(rng: &mut Rng) -> String {
    // Mostly short, sometimes a 120-character title.
    let n = if rng.chance(10) {
        20
    } else {
        rng.range(2, 7) as usize
    };
    let mut t: Vec<&str> = (0..n).map(|_| *rng.pick(WORDS)).collect();
    t[0] = "Improve";
    let mut s = t.join(" ");
    s.truncate(120);
    s.trim_end().to_string()
}

/// The first day of fiscal year `fy` for a calendar starting in `start_month`.
pub fn year_start(fy: i32, start_month: u32, named_by_end: bool) -> NaiveDate {
    let y = if named_by_end && start_month != 1 {
        fy - 1
    } else {
        fy
    };
    NaiveDate::from_ymd_opt(y, start_month, 1).unwrap()
}

fn add_months(d: NaiveDate, months: u32) -> NaiveDate {
    let m0 = d.month0() + months;
    NaiveDate::from_ymd_opt(d.year() + (m0 / 12) as i32, m0 % 12 + 1, 1).unwrap()
}

/// What [`write`] made, for tests that want to know the shape.
pub struct Generated {
    pub as_of: NaiveDate,
    pub objectives: usize,
    pub krs: usize,
}

/// Writes site number `seed` into `root` (an empty folder). With `extremes`,
/// about one KR in twelve has values like ±1e308 or 1e-300.
pub fn write(root: &Path, seed: u64, extremes: bool) -> Generated {
    let mut rng = Rng::new(seed);
    let start_month = rng.range(1, 12) as u32;
    let named_by_end = rng.chance(60);
    let first_fy = rng.range(2023, 2026) as i32;
    let years = rng.range(1, 2) as i32;
    let files = |rel: &str, text: &str| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    let paper = *rng.pick(&["A3", "A4", "letter", "tabloid"]);
    let orientation = *rng.pick(&["landscape", "portrait"]);
    files(
        "okra.toml",
        &format!(
            "title = \"Gen {seed} OKRs\"\ncompany = \"Gen{seed}\"\nfiscal_year_start = {start_month}\n\
             fiscal_year_named_by = \"{}\"\n\n[wall]\npaper = \"{paper}\"\norientation = \"{orientation}\"\n",
            if named_by_end { "end" } else { "start" }
        ),
    );
    let n_teams = rng.range(0, 5) as usize;
    let teams: Vec<String> = (0..n_teams).map(|i| format!("team-{i}")).collect();
    for (i, t) in teams.iter().enumerate() {
        let name = if rng.chance(20) {
            format!("Support & Developer Relations {i}")
        } else {
            format!("Team {i}")
        };
        let parent = if i > 0 && rng.chance(30) {
            format!("parent = \"team-{}\"\n", rng.below(i as u64))
        } else {
            String::new()
        };
        files(
            &format!("content/teams/{t}.md"),
            &format!(
                "+++\nname = \"{name}\"\nlead = \"{}\"\n{parent}+++\n",
                rng.pick(PEOPLE)
            ),
        );
    }
    let (mut n_obj, mut n_kr) = (0, 0);
    for fy in first_fy..first_fy + years {
        let ystart = year_start(fy, start_month, named_by_end);
        let mut company: Vec<String> = Vec::new();
        for o in 0..rng.range(1, 6) {
            let team = (!teams.is_empty() && rng.chance(65)).then(|| rng.pick(&teams).clone());
            let id = format!("fy{fy}/obj-{o}");
            let parent = match (&team, company.is_empty()) {
                (Some(_), false) if rng.chance(60) => {
                    format!("parent = \"{}\"\n", rng.pick(&company))
                }
                _ => String::new(),
            };
            if team.is_none() {
                company.push(id.clone());
            }
            let team_line = team
                .as_ref()
                .map(|t| format!("team = \"{t}\"\n"))
                .unwrap_or_default();
            files(
                &format!("content/{id}/objective.md"),
                &format!(
                    "+++\ntitle = \"{}\"\nowner = \"{}\"\n{team_line}period = \"FY{fy}\"\n{parent}+++\nWhy it matters.\n",
                    title(&mut rng),
                    rng.pick(PEOPLE)
                ),
            );
            n_obj += 1;
            for k in 0..rng.range(0, 4) {
                let q = rng.range(1, 4) as u32;
                let qstart = add_months(ystart, 3 * (q - 1));
                let qend = add_months(qstart, 3) - Duration::days(1);
                let metric = *rng.pick(&["percent", "number", "currency", "boolean"]);
                let extreme = rng.chance(8) && extremes;
                let (start, target) = if extreme {
                    *rng.pick(&[(-1e308, 1e308), (0.0, 1e15), (1e-300, 2e-300), (5e12, 1.0)])
                } else {
                    let s = rng.range(0, 200) as f64;
                    let mut t = rng.range(0, 200) as f64;
                    if t == s {
                        t += 10.0;
                    }
                    (s, t)
                };
                let mut fm = format!(
                    "+++\ntitle = \"{}\"\nowner = \"{}\"\nperiod = \"Q{q} FY{fy}\"\nmetric = \"{metric}\"\n",
                    title(&mut rng),
                    rng.pick(PEOPLE)
                );
                if metric != "boolean" {
                    let _ = writeln!(fm, "start = {start:?}\ntarget = {target:?}");
                    if rng.chance(40) {
                        let unit = *rng.pick(&["%", "ms", "EUR", "signed enterprise contracts"]);
                        let _ = writeln!(fm, "unit = \"{unit}\"");
                    }
                }
                if !teams.is_empty() && rng.chance(25) {
                    let _ = writeln!(fm, "team = \"{}\"", rng.pick(&teams));
                }
                if rng.chance(20) {
                    let _ = writeln!(fm, "weight = 2");
                }
                if rng.chance(25) {
                    let _ = writeln!(fm, "series = \"s-{o}-{k}\"");
                }
                let kr_id = format!("{id}/kr-{k}");
                files(
                    &format!("content/{kr_id}.md"),
                    &format!("{fm}+++\nScored by the dashboard.\n"),
                );
                n_kr += 1;
                // Updates on distinct days inside the quarter (and a few
                // final scorings just after it).
                let n_up = rng.range(0, 4);
                let mut days: Vec<i64> = (0..n_up).map(|_| rng.range(0, 100)).collect();
                days.sort_unstable();
                days.dedup();
                for d in days {
                    let date = qstart + Duration::days(d);
                    let after = date > qend;
                    let status = if after {
                        *rng.pick(&["achieved", "partial", "missed", "dropped"])
                    } else {
                        *rng.pick(&["on-track", "at-risk", "off-track", "on-track"])
                    };
                    let value = if metric == "boolean" {
                        rng.chance(50).to_string()
                    } else if extreme {
                        format!("{:?}", *rng.pick(&[start, target, 0.0, 1e300]))
                    } else {
                        format!("{:?}", rng.range(-20, 250) as f64)
                    };
                    let value_line = if status == "dropped" {
                        String::new()
                    } else {
                        format!("value = {value}\n")
                    };
                    files(
                        &format!("content/{kr_id}/{date}.md"),
                        &format!("+++\nstatus = \"{status}\"\n{value_line}+++\nContext.\n"),
                    );
                }
            }
        }
    }
    let first = year_start(first_fy, start_month, named_by_end);
    let span = (year_start(first_fy + years, start_month, named_by_end) - first).num_days();
    let as_of = first + Duration::days(rng.range(-40, span + 80));
    Generated {
        as_of,
        objectives: n_obj,
        krs: n_kr,
    }
}
