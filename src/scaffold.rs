//! Files written by `okra init` and `okra new`: a small example company that
//! checks and builds clean on the day it is created, and ready-to-edit
//! objectives, key results and status updates.

use chrono::NaiveDate;

use crate::period::{FiscalCalendar, FiscalYear, Quarter};

/// `FY26` as written in front matter.
fn fy(y: FiscalYear) -> String {
    format!("FY{:02}", y.0 % 100)
}

/// `Q1 FY26` as written in front matter.
fn q_label(q: Quarter) -> String {
    format!("Q{} {}", q.q, fy(q.year))
}

/// TOML string literal (quoted and escaped).
pub fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The files of a new site as of `today`: (path relative to the site, text).
pub fn example_site(name: &str, today: NaiveDate) -> Vec<(String, String)> {
    let cal = FiscalCalendar::default();
    let q = cal.quarter_of(today);
    let year = q.year;
    let dir = format!("content/fy{:02}", year.0 % 100);
    let n = q.q;
    let kickoff = cal.quarter_start(q);
    let company = format!("fy{:02}/company", year.0 % 100);
    // NPS keeps pace with the quarter, so the example is on track on any day
    // (an on-track KR far below its pace is flagged behind pace).
    let days = (cal.quarter_end(q) - kickoff).num_days() + 1;
    let elapsed = (today - kickoff).num_days() + 1;
    let nps = 30 + ((15 * elapsed) as f64 / days as f64).round().max(1.0) as i64;
    let update = |status: &str, value: &str, body: &str| {
        format!("+++\nstatus = \"{status}\"\nvalue = {value}\n+++\n{body}\n")
    };
    vec![
        (
            "okra.toml".into(),
            format!(
                "# Site configuration; see README.md in this folder.\ntitle = {}\ncompany = {}\nfiscal_year_start = 1          # month the fiscal year starts\nfiscal_year_named_by = \"end\"   # FY24 ends in 2024\nstale_after_days = 14\nfinal_scoring_grace_days = 14\n\n[wall]\npaper = \"A3\"                    # A3 | A4 | letter | tabloid\norientation = \"landscape\"\n",
                toml_str(&format!("{name} OKRs")),
                toml_str(name)
            ),
        ),
        (".gitignore".into(), "public/\n".into()),
        ("README.md".into(), readme(name, &dir, year, q)),
        (
            "content/teams/engineering.md".into(),
            "+++\nname = \"Engineering\"\nlead = \"Ada Lovelace\"\n+++\nEveryone who builds and runs the product.\n".into(),
        ),
        (
            format!("{dir}/company/objective.md"),
            format!(
                "+++\ntitle = \"Delight our customers\"\nowner = \"Grace Hopper\"\nperiod = \"{}\"\n+++\nThe company objective for the year: every team objective aligns to it.\n",
                fy(year)
            ),
        ),
        (
            format!("{dir}/company/nps-q{n}.md"),
            format!(
                "+++\ntitle = \"Raise NPS from 30 to 45\"\nowner = \"Grace Hopper\"\nperiod = \"{}\"\nmetric = \"number\"\nstart = 30\ntarget = 45\nseries = \"nps\"\n+++\nNet Promoter Score from the in-app survey, 30-day rolling average on the last day of the quarter.\n",
                q_label(q)
            ),
        ),
        (format!("{dir}/company/nps-q{n}/{kickoff}-kickoff.md"), update("on-track", "30", "Survey is live in the app; baseline 30.")),
        (format!("{dir}/company/nps-q{n}/{today}.md"), update("on-track", &nps.to_string(), &format!("Onboarding changes moved NPS to {nps}. Next: follow up with every detractor."))),
        (
            format!("{dir}/reliability/objective.md"),
            format!(
                "+++\ntitle = \"Make the product fast and reliable\"\nowner = \"Ada Lovelace\"\nteam = \"engineering\"\nperiod = \"{}\"\nparent = \"{company}\"\n+++\nCustomers notice speed and outages first; this is Engineering's part of delighting them.\n",
                fy(year)
            ),
        ),
        (
            format!("{dir}/reliability/latency-q{n}.md"),
            format!(
                "+++\ntitle = \"Reduce p95 page load from 400 ms to 200 ms\"\nowner = \"Ada Lovelace\"\nperiod = \"{}\"\nmetric = \"number\"\nstart = 400\ntarget = 200\nunit = \"ms\"\n+++\np95 of full page load from real-user monitoring, over the last two weeks of the quarter.\n",
                q_label(q)
            ),
        ),
        (format!("{dir}/reliability/latency-q{n}/{today}.md"), update("at-risk", "320", "Caching landed (400 → 320 ms); the image pipeline is the next big win but needs a second engineer.")),
        (
            format!("{dir}/reliability/uptime-q{n}.md"),
            format!(
                "+++\ntitle = \"Keep uptime at 99.9%\"\nowner = \"Linus Torvalds\"\nperiod = \"{}\"\nmetric = \"percent\"\nstart = 99.5\ntarget = 99.9\nseries = \"uptime\"\n+++\nMonthly uptime from the status page, averaged over the quarter.\n",
                q_label(q)
            ),
        ),
        (format!("{dir}/reliability/uptime-q{n}/{today}.md"), update("on-track", "99.8", "One short incident (database failover, 6 minutes); runbook updated.")),
        (
            format!("{dir}/reliability/status-page-q{n}.md"),
            format!(
                "+++\ntitle = \"Launch a public status page\"\nowner = \"Linus Torvalds\"\nperiod = \"{}\"\nmetric = \"boolean\"\n+++\nDone when status.example.com shows live component status and incident history.\n",
                q_label(q)
            ),
        ),
        (format!("{dir}/reliability/status-page-q{n}/{today}.md"), update("on-track", "false", "Vendor chosen; DNS and branding next week.")),
    ]
}

fn readme(name: &str, dir: &str, year: FiscalYear, q: Quarter) -> String {
    let company = format!("fy{:02}/company", year.0 % 100);
    format!(
        r#"# {name} OKRs

Objectives, key results (KRs) and status updates, kept in git and published by
[okra](https://crates.io/crates/okra) as the company OKR site.

```sh
okra serve          # preview with live reload at http://127.0.0.1:1111/
okra check          # every error and warning with file:line:column
okra build          # the site, into public/
```

## The format

```
okra.toml                                site settings (fiscal year, wall paper size)
content/teams/<team>.md                  a team: name, lead, parent
{dir}/<objective>/objective.md       a yearly objective
{dir}/<objective>/<kr>.md            a quarterly key result
{dir}/<objective>/<kr>/YYYY-MM-DD.md a status update
```

Names are lower-case letters, digits, `-` and `_`. Front matter is TOML between `+++`
lines; the Markdown below it is the description (for a KR: how it is scored; for an
update: what happened and what's next).

- **Objective**: `title`, `owner`, `period = "{fy}"`, optional `team`, `parent` (the
  company objective it aligns to, e.g. `"{company}"`), `privacy = "private"`,
  `draft = true`.
- **Key result**: `title`, `owner`, `period = "{ql}"`, `metric` (`percent`, `number`,
  `currency`, `boolean`), `start` and `target` (numeric metrics; the target may be
  lower: "reduce to"), optional `unit`, `weight`, `series` (links a KR repeated every
  quarter), `current`.
- **Status update**: `status` (`on-track`, `at-risk`, `off-track` during the quarter;
  `achieved`, `partial`, `missed`, `dropped` for the final score) and `value`.

New files with the right front matter:

```sh
okra new objective {dir}/growth
okra new kr {dir}/growth/signups-q{n}.md
okra new update {dir}/growth/signups-q{n}          # today's update, pre-filled
```

## The calendar

Set yearly objectives before the fiscal year; KRs at the start of each quarter;
**mid-quarter scoring** around the quarter's midpoint (forecast the end-of-quarter
result); **final scoring** right after the quarter ends (a closed status). `okra check`
warns about stale KRs and missing mid-quarter or final scoring; `okra check --strict`
fails on them in CI.
"#,
        fy = fy(year),
        ql = q_label(q),
        n = q.q,
    )
}

/// A new objective for fiscal year `year`.
pub fn objective(year: FiscalYear, owner: &str, teams: &[String], parents: &[String]) -> String {
    let team_hint = if teams.is_empty() {
        "# team = \"engineering\"      # a team id from content/teams/; none = company level"
            .to_string()
    } else {
        format!(
            "# team = \"{}\"      # one of: {}; none = company level",
            teams[0],
            teams.join(", ")
        )
    };
    let parent_hint = match parents.first() {
        Some(p) => format!(
            "# parent = \"{p}\"      # the company objective this aligns to: {}",
            parents.join(", ")
        ),
        None => "# parent = \"fy26/company\"   # the company objective this aligns to".to_string(),
    };
    format!(
        "+++\ntitle = \"New objective\"       # a short, clear statement\nowner = {}\nperiod = \"{}\"\n{team_hint}\n{parent_hint}\n+++\nWhy this objective matters this year, and how it serves the company's goals.\n",
        toml_str(owner),
        fy(year)
    )
}

/// A new key result of an objective owned by `owner` (and `team`), for quarter `q`.
pub fn key_result(q: Quarter, owner: &str, team: Option<&str>) -> String {
    let team = team.map_or_else(String::new, |t| format!("team = {}\n", toml_str(t)));
    format!(
        "+++\ntitle = \"New key result\"      # measurable: \"Raise X from A to B\"\nowner = {}\n{team}period = \"{}\"\nmetric = \"number\"           # percent | number | currency | boolean\nstart = 0                     # value at the start of the quarter\ntarget = 100                  # value to reach (may be lower than start)\n# unit = \"ms\"\n# series = \"name\"            # links this KR to the same KR in other quarters\n+++\nHow this key result is scored: the data source, what counts, and when it is measured.\n",
        toml_str(owner),
        q_label(q)
    )
}

/// A written review of fiscal year `year` (`content/reviews/fy2024.md`).
pub fn review(year: FiscalYear, author: &str) -> String {
    format!(
        "+++\ntitle = \"{} in review\"\nauthor = {}\n# date = 2025-01-15\n+++\n{}\n",
        fy(year),
        toml_str(author),
        "What the year's OKRs tell us: what went well, what did not, how good the forecasts were, and what changes next year."
    )
}

/// A status update pre-filled with the KR's latest status and value.
pub fn update(status: &str, value: &str, mid_quarter: bool) -> String {
    let hint = if mid_quarter {
        "Mid-quarter scoring: where the KR stands and the end-of-quarter result you expect."
    } else {
        "What happened since the last update, what's next, and any blockers."
    };
    // Mid-quarter scoring asks for the end-of-quarter forecast and how sure
    // the owner is; the value today is the starting guess.
    let forecast = if mid_quarter {
        format!(
            "forecast = {value}            # the value you expect at the end of the quarter\nconfidence = \"medium\"     # low | medium | high, or a number from 0 to 1\n"
        )
    } else {
        String::new()
    };
    format!(
        "+++\nstatus = \"{status}\"            # on-track | at-risk | off-track | achieved | partial | missed | dropped\nvalue = {value}\n{forecast}+++\n{hint}\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_files_are_dated_in_the_current_quarter() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let files = example_site("Acme", today);
        let paths: Vec<&str> = files.iter().map(|f| f.0.as_str()).collect();
        assert!(paths.contains(&"content/fy26/company/nps-q4/2026-10-01-kickoff.md"));
        assert!(paths.contains(&"content/fy26/reliability/latency-q4/2026-11-22.md"));
        assert!(files.iter().any(|f| f.1.contains("period = \"Q4 FY26\"")));
    }

    #[test]
    fn toml_strings_are_escaped() {
        for name in [
            "Ada \"the\" Lovelace",
            "O'Brien",
            "back\\slash",
            "line\nbreak",
        ] {
            let parsed: toml::Table = toml::from_str(&format!("x = {}", toml_str(name))).unwrap();
            assert_eq!(parsed["x"].as_str(), Some(name));
        }
    }
}
