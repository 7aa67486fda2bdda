//! Writes a synthetic company in okra's format, for benchmarks and scale tests.
//!
//! ```sh
//! cargo run --release --example gen_corpus -- --teams 140 --years 2 --out /tmp/okra-10k
//! ```
//!
//! Per fiscal year: 5 company objectives; per team 3 objectives aligned to them;
//! `--krs` key results per objective per quarter (default 3), each with
//! `--updates` status updates (default 5) carrying Markdown bodies. KRs repeat
//! across quarters as series. The result passes `okra check`. Deterministic
//! for the same arguments (a fixed pseudo-random sequence, no clock).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

struct Args {
    teams: usize,
    years: usize,
    krs: usize,
    updates: usize,
    out: PathBuf,
    last_year: i32,
}

fn parse() -> Args {
    let mut a = Args {
        teams: 20,
        years: 2,
        krs: 3,
        updates: 5,
        out: PathBuf::from("okra-corpus"),
        last_year: 2026,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < argv.len() {
        let v = argv.get(i + 1).cloned().unwrap_or_default();
        let num = || {
            v.parse::<usize>()
                .unwrap_or_else(|_| panic!("{} needs a number", argv[i]))
        };
        match argv[i].as_str() {
            "--teams" => a.teams = num(),
            "--years" => a.years = num(),
            "--krs" => a.krs = num(),
            "--updates" => a.updates = num(),
            "--last-year" => a.last_year = num() as i32,
            "--out" => a.out = PathBuf::from(&v),
            "--help" | "-h" => {
                eprintln!(
                    "gen_corpus --teams N --years Y [--krs K] [--updates U] [--last-year 2026] --out DIR"
                );
                std::process::exit(0);
            }
            other => panic!("unknown argument {other}"),
        }
        i += 2;
    }
    a
}

/// A small deterministic generator (xorshift), so corpora are reproducible.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
    fn unit(&mut self) -> f64 {
        (self.next() % 10_000) as f64 / 10_000.0
    }
}

const PEOPLE: &[&str] = &[
    "Ada Lovelace",
    "Grace Hopper",
    "Alan Turing",
    "Katherine Johnson",
    "Linus Torvalds",
    "Margaret Hamilton",
    "Barbara Liskov",
    "Edsger Dijkstra",
    "Frances Allen",
    "Ken Thompson",
    "Radia Perlman",
    "Tim Berners-Lee",
    "Hedy Lamarr",
    "Donald Knuth",
    "Sophie Wilson",
    "Dennis Ritchie",
    "Anita Borg",
    "John Backus",
];
const VERBS: &[&str] = &[
    "Grow", "Reduce", "Raise", "Cut", "Increase", "Improve", "Lower", "Expand",
];
const THINGS: &[&str] = &[
    "weekly active accounts",
    "p95 API latency",
    "NPS",
    "monthly churn",
    "self-serve signups",
    "support first response time",
    "test coverage",
    "deploy frequency",
    "incident count",
    "qualified pipeline",
    "docs search success",
    "activation rate",
];
const BODIES: &[&str] = &[
    "Shipped the **onboarding checklist** to all new accounts; early numbers look good.",
    "Blocked on the data pipeline migration; *workaround* in place until next sprint.",
    "Mid-quarter scoring: forecasting the target if the pricing page test holds.\n\n- experiment A: +4%\n- experiment B: flat",
    "Two incidents this month (database failover, cache stampede); both have follow-up actions.",
    "Hiring closed for the second engineer, who starts next month.\n\n| metric | now | goal |\n|---|---|---|\n| value | 12 | 20 |",
    "Final scoring: reached most of the target; the remainder moves to next quarter's KR.",
];

fn write(path: &Path, text: &str) {
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p).unwrap();
    }
    std::fs::write(path, text).unwrap();
}

fn main() {
    let a = parse();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let content = a.out.join("content");
    if a.out.exists() {
        std::fs::remove_dir_all(&a.out).unwrap();
    }
    write(
        &a.out.join("okra.toml"),
        "title = \"Corpus OKRs\"\ncompany = \"Corpus\"\nfiscal_year_start = 1\nstale_after_days = 14\n\n[wall]\npaper = \"A3\"\norientation = \"landscape\"\n",
    );
    for t in 0..a.teams {
        write(
            &content.join(format!("teams/team-{t:04}.md")),
            &format!(
                "+++\nname = \"Team {t:04}\"\nlead = \"{}\"\n+++\nTeam {t} builds part of the product.\n",
                rng.pick(PEOPLE)
            ),
        );
    }
    let (mut objectives, mut krs, mut updates) = (0, 0, 0);
    let first_year = a.last_year - a.years as i32 + 1;
    for year in first_year..=a.last_year {
        let fy = format!("fy{:02}", year % 100);
        for c in 0..5 {
            objectives += 1;
            write(
                &content.join(format!("{fy}/company-{c}/objective.md")),
                &format!(
                    "+++\ntitle = \"Company goal {c} for {year}\"\nowner = \"{}\"\nperiod = \"FY{year}\"\n+++\nWhy this matters in {year}: alignment across every team.\n",
                    rng.pick(PEOPLE)
                ),
            );
        }
        for t in 0..a.teams {
            for o in 0..3 {
                objectives += 1;
                let dir = content.join(format!("{fy}/team-{t:04}-{o}"));
                write(
                    &dir.join("objective.md"),
                    &format!(
                        "+++\ntitle = \"Team {t} objective {o}: {} {}\"\nowner = \"{}\"\nteam = \"team-{t:04}\"\nperiod = \"FY{year}\"\nparent = \"{fy}/company-{}\"\n+++\nHow team {t} supports the company goal.\n",
                        rng.pick(VERBS),
                        rng.pick(THINGS),
                        rng.pick(PEOPLE),
                        (t + o) % 5
                    ),
                );
                for q in 1..=4u32 {
                    for k in 0..a.krs {
                        krs += 1;
                        let name = format!("kr{k}-q{q}");
                        let (start, target) = if k % 2 == 0 {
                            (100.0, 200.0)
                        } else {
                            (400.0, 250.0)
                        };
                        let boolean = k == 2;
                        let mut fm = format!(
                            "+++\ntitle = \"{} {} (KR {k})\"\nowner = \"{}\"\nperiod = \"Q{q} FY{year}\"\nseries = \"t{t}-o{o}-k{k}\"\n",
                            rng.pick(VERBS),
                            rng.pick(THINGS),
                            rng.pick(PEOPLE)
                        );
                        if boolean {
                            fm.push_str("metric = \"boolean\"\n");
                        } else {
                            let _ = write!(
                                fm,
                                "metric = \"number\"\nstart = {start}\ntarget = {target}\nunit = \"ms\"\n"
                            );
                        }
                        write(
                            &dir.join(format!("{name}.md")),
                            &format!("{fm}+++\nScored from the weekly dashboard export.\n"),
                        );
                        // Updates through the quarter: kickoff, mid-quarter, final (after it ends).
                        let q_start = chrono_like(year, 3 * (q - 1) + 1, 5);
                        for u in 0..a.updates {
                            updates += 1;
                            let last = u + 1 == a.updates;
                            let month_offset = (u * 3 / a.updates.max(1)) as u32;
                            let date = if last {
                                chrono_like(
                                    year + (q == 4) as i32,
                                    if q == 4 { 1 } else { 3 * q + 1 },
                                    3,
                                )
                            } else {
                                (q_start.0, q_start.1 + month_offset, 5 + (u as u32 * 7) % 20)
                            };
                            let status = if last {
                                ["achieved", "partial", "missed"][(rng.next() % 3) as usize]
                            } else {
                                ["on-track", "at-risk", "off-track", "on-track"]
                                    [(rng.next() % 4) as usize]
                            };
                            let frac = (u + 1) as f64 / a.updates as f64 * (0.6 + 0.5 * rng.unit());
                            let value = if boolean {
                                (last && status == "achieved").to_string()
                            } else {
                                format!("{:.1}", start + (target - start) * frac)
                            };
                            write(
                                &dir.join(&name).join(format!(
                                    "{:04}-{:02}-{:02}-u{u}.md",
                                    date.0, date.1, date.2
                                )),
                                &format!(
                                    "+++\nstatus = \"{status}\"\nvalue = {value}\n+++\n{}\n",
                                    rng.pick(BODIES)
                                ),
                            );
                        }
                    }
                }
            }
        }
    }
    eprintln!(
        "wrote {}: {} teams, {objectives} objectives, {krs} key results, {updates} updates",
        a.out.display(),
        a.teams
    );
}

/// (year, month, day) without a date library: months past 12 roll into the next year.
fn chrono_like(year: i32, month: u32, day: u32) -> (i32, u32, u32) {
    (year + ((month - 1) / 12) as i32, (month - 1) % 12 + 1, day)
}
