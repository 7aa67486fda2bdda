//! Status updates dated outside their key result's quarter.
//!
//! An update is scored by its date, so a typo in the year (`2025-11-14` for
//! `2026-11-14`) or an update filed under last quarter's KR is not an error
//! the build can see: it silently moves the KR's value to another day. The
//! window below is wide enough for every honest update, late final scores
//! included, so a warning here is almost always a mistake worth fixing.

use chrono::{Datelike, Duration, NaiveDate};

use crate::diag::{Diagnostic, Diagnostics, Loc};
use crate::load::walk::CONTENT_DIR;
use crate::load::{KeyResult, Site, Update};
use crate::period::FiscalCalendar;

/// How long after the final-scoring deadline (quarter end + grace) an update
/// is still accepted: a final score posted up to a quarter late is late, not
/// wrong (and `missing-final-scoring` has already said so while it was due).
pub const LATE_MARGIN_DAYS: i64 = 92;

/// The days a KR's updates may be dated: from the first day of its quarter to
/// [`LATE_MARGIN_DAYS`] after the final-scoring deadline.
pub fn window(cal: &FiscalCalendar, grace_days: i64, kr: &KeyResult) -> (NaiveDate, NaiveDate) {
    let start = cal.quarter_start(kr.meta.quarter);
    let deadline = cal.quarter_end(kr.meta.quarter) + Duration::days(grace_days);
    (start, deadline + Duration::days(LATE_MARGIN_DAYS))
}

/// Warns about every update dated outside its KR's [`window`].
pub fn update_dates(site: &Site, diags: &mut Diagnostics) {
    let cal = &site.config.calendar;
    let grace = site.config.final_scoring_grace_days;
    for k in &site.key_results {
        let (first, last) = window(cal, grace, k);
        for u in &k.updates {
            if u.date < first || u.date > last {
                diags.push(outside(site, k, u, first, last));
            }
        }
    }
}

fn outside(
    site: &Site,
    k: &KeyResult,
    u: &Update,
    first: NaiveDate,
    last: NaiveDate,
) -> Diagnostic {
    let cal = &site.config.calendar;
    let deadline = last - Duration::days(LATE_MARGIN_DAYS);
    let message = if u.date < first {
        format!(
            "the update is dated {}, before its key result's quarter {} starts on {first}",
            u.date, k.meta.quarter
        )
    } else {
        format!(
            "the update is dated {}, {} days after the final scoring of its key result's quarter {} was due ({deadline})",
            u.date,
            (u.date - deadline).num_days(),
            k.meta.quarter
        )
    };
    let range = format!(
        "updates of this key result are dated from {first} to {last} ({} and its final scoring)",
        k.meta.quarter
    );
    let hint = if let Some(fixed) = likely_typo(u.date, first, last) {
        format!(
            "did you mean {fixed}? Rename the file to {}; {range}",
            renamed(u, fixed)
        )
    } else if let Some(other) = series_kr_of(site, k, u.date) {
        format!(
            "the update belongs to `{}`, the key result of {} in the same series: move it to {CONTENT_DIR}/{}/, or fix the date",
            other.id, other.meta.quarter, other.id
        )
    } else if u.date < first && (first - u.date).num_days() <= 31 {
        format!(
            "date it on or after {first} (rename the file to {}); the value at the start of the quarter belongs in the key result's `start` or `current`",
            renamed(u, first)
        )
    } else {
        format!(
            "fix the date in the file name, or move the update to a key result of {}; {range}",
            cal.quarter_of(u.date)
        )
    };
    Diagnostic::warning(
        "update-outside-quarter",
        Loc::file(&u.source),
        message,
        hint,
    )
}

/// The date as it was probably meant: the same day in a nearby year, or with
/// day and month swapped, when exactly that lands inside the window.
fn likely_typo(date: NaiveDate, first: NaiveDate, last: NaiveDate) -> Option<NaiveDate> {
    let inside = |d: &NaiveDate| (first..=last).contains(d);
    let years = [1, -1, 2, -2, 10, -10]
        .into_iter()
        .filter_map(|dy| date.with_year(date.year() + dy));
    let swapped = NaiveDate::from_ymd_opt(date.year(), date.day(), date.month())
        .filter(|_| date.day() != date.month());
    years.chain(swapped).find(inside)
}

/// The KR of the same series whose own window holds `date` (the update was
/// filed under the wrong quarter's KR).
fn series_kr_of<'a>(site: &'a Site, k: &KeyResult, date: NaiveDate) -> Option<&'a KeyResult> {
    let series = k.meta.series.as_ref()?;
    let cal = &site.config.calendar;
    let quarter = cal.quarter_of(date);
    site.key_results.iter().find(|o| {
        o.id != k.id && o.meta.series.as_ref() == Some(series) && o.meta.quarter == quarter
    })
}

/// The update's path with its date replaced by `date` (the `-word` suffix kept).
fn renamed(u: &Update, date: NaiveDate) -> String {
    let rest = u.slug.get(10..).unwrap_or_default();
    let file = format!("{date}{rest}.md");
    let path = u.source.with_file_name(file);
    crate::diag::display_path(&path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn typos_are_found_only_when_they_land_in_the_window() {
        let (first, last) = (d("2026-10-01"), d("2027-04-15"));
        // The year of the previous one, typed by habit in January.
        assert_eq!(
            likely_typo(d("2025-11-14"), first, last),
            Some(d("2026-11-14"))
        );
        assert_eq!(
            likely_typo(d("2036-11-14"), first, last),
            Some(d("2026-11-14"))
        );
        // Day and month swapped.
        assert_eq!(
            likely_typo(d("2026-02-11"), d("2026-10-01"), d("2026-12-31")),
            Some(d("2026-11-02"))
        );
        // Nothing plausible: no guess.
        assert_eq!(likely_typo(d("2026-05-05"), first, last), None);
        // 29 February has no twin in the neighbouring years; no panic.
        assert_eq!(likely_typo(d("2024-02-29"), first, last), None);
    }

    /// The warning and hint for each update of a small site with a series.
    fn outside_warnings() -> Vec<(String, String, String)> {
        let kr = |q: u32| {
            format!(
                "+++\ntitle = \"K\"\nowner = \"A\"\nperiod = \"Q{q} FY2026\"\nmetric = \"number\"\nstart = 0\ntarget = 10\nseries = \"s\"\n+++\nHow.\n"
            )
        };
        let up = "+++\nstatus = \"on-track\"\nvalue = 1\n+++\nNews.\n".to_string();
        let files = vec![
            (
                "content/fy26/o/objective.md".to_string(),
                "+++\ntitle = \"O\"\nowner = \"A\"\nperiod = \"FY2026\"\n+++\nWhy.\n".to_string(),
            ),
            ("content/fy26/o/q2.md".into(), kr(2)),
            ("content/fy26/o/q3.md".into(), kr(3)),
            // Q3 starts 2026-07-01 (final scoring due 2026-10-14, updates accepted to 2027-01-14).
            ("content/fy26/o/q3/2026-06-20.md".into(), up.clone()), // Q2's window: series hint
            ("content/fy26/o/q3/2027-01-20.md".into(), up.clone()), // 7 days too late
            ("content/fy26/o/q2/2026-03-13.md".into(), up.clone()), // 19 days early
            ("content/fy26/o/q2/2026-01-20.md".into(), up),         // months early, no typo
        ];
        let checked = crate::pipeline::check_in_memory("title = \"T\"\n", &files, d("2027-06-01"));
        let mut out: Vec<(String, String, String)> = checked
            .diagnostics
            .iter()
            .filter(|w| w.code == "update-outside-quarter")
            .map(|w| {
                (
                    crate::diag::display_path(&w.loc.file),
                    w.message.clone(),
                    w.hint.clone(),
                )
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn each_kind_of_misdated_update_gets_its_own_message_and_hint() {
        let w = outside_warnings();
        assert_eq!(w.len(), 4, "{w:#?}");
        let get = |file: &str| {
            w.iter()
                .find(|x| x.0.ends_with(file))
                .unwrap_or_else(|| panic!("{file} not in {w:#?}"))
        };
        // Filed under the next quarter's KR of the same series.
        let (_, m, h) = get("q3/2026-06-20.md");
        assert!(
            m.contains("before its key result's quarter FY2026-Q3 starts on 2026-07-01"),
            "{m}"
        );
        assert!(
            h.starts_with("the update belongs to `fy26/o/q2`, the key result of FY2026-Q2"),
            "{h}"
        );
        // Too late: says by how many days, and when final scoring was due.
        let (_, m, h) = get("q3/2027-01-20.md");
        assert!(
            m.contains("2027-01-20, 98 days after the final scoring"),
            "{m}"
        );
        assert!(m.contains("(2026-10-14)"), "{m}");
        assert!(h.starts_with("fix the date in the file name, or move the update to a key result of FY2027-Q1; updates of this key result are dated from 2026-07-01 to 2027-01-14"), "{h}");
        // A few weeks early: date it on the first day.
        let (_, m, h) = get("q2/2026-03-13.md");
        assert!(
            m.contains("before its key result's quarter FY2026-Q2 starts on 2026-04-01"),
            "{m}"
        );
        assert!(h.starts_with("date it on or after 2026-04-01 (rename the file to content/fy26/o/q2/2026-04-01.md)"), "{h}");
        // Months early, no typo, no series KR in that quarter: the general hint.
        let (_, _, h) = get("q2/2026-01-20.md");
        assert!(
            h.starts_with(
                "fix the date in the file name, or move the update to a key result of FY2026-Q1"
            ),
            "{h}"
        );
    }

    #[test]
    fn typos_try_nearby_years_in_both_directions() {
        let (first, last) = (d("2026-04-01"), d("2026-06-30"));
        assert_eq!(
            likely_typo(d("2027-05-05"), first, last),
            Some(d("2026-05-05"))
        );
        assert_eq!(
            likely_typo(d("2024-05-05"), first, last),
            Some(d("2026-05-05"))
        );
        assert_eq!(
            likely_typo(d("2028-05-05"), first, last),
            Some(d("2026-05-05"))
        );
        assert_eq!(
            likely_typo(d("2016-05-05"), first, last),
            Some(d("2026-05-05"))
        );
        // The window's edges are inside.
        assert_eq!(likely_typo(d("2025-04-01"), first, last), Some(first));
        assert_eq!(likely_typo(d("2025-06-30"), first, last), Some(last));
    }

    #[test]
    fn renaming_keeps_the_word_after_the_date() {
        let u = Update {
            date: d("2025-11-14"),
            status: crate::load::Status::OnTrack,
            value: Some(1.0),
            forecast: None,
            confidence: None,
            author: "A".into(),
            body: String::new(),
            source: "content/fy26/o/k/2025-11-14-mid.md".into(),
            slug: "2025-11-14-mid".into(),
        };
        assert_eq!(
            renamed(&u, d("2026-11-14")),
            "content/fy26/o/k/2026-11-14-mid.md"
        );
    }
}

/// Generated calendars and quarters: the window's edges, and the hint for a
/// year typed wrong, hold for every fiscal calendar, not only January years.
#[cfg(test)]
mod generated {
    use chrono::{Datelike, Duration, NaiveDate};

    use crate::period::{FiscalCalendar, FiscalYear, NamedBy, Quarter};
    use crate::pipeline::check_in_memory;

    fn quarter_label(q: Quarter) -> String {
        format!("Q{} FY{}", q.q, q.year.0)
    }

    #[test]
    fn window_edges_and_year_typos_on_every_calendar() {
        let mut sites = 0;
        let mut updates = 0;
        for start_month in 1..=12u32 {
            for (named_by, named) in [(NamedBy::End, "end"), (NamedBy::Start, "start")] {
                let grace = [0i64, 14, 45][(start_month % 3) as usize];
                let cal = FiscalCalendar {
                    start_month,
                    named_by,
                };
                let config = format!(
                    "title = \"T\"\nfiscal_year_start = {start_month}\nfiscal_year_named_by = \"{named}\"\nfinal_scoring_grace_days = {grace}\n"
                );
                let mut files = Vec::new();
                // (update path, expected: None = no warning, Some(hint date) = warning)
                let mut expect: Vec<(String, Option<Option<NaiveDate>>)> = Vec::new();
                for fy in [2025, 2026] {
                    let dir = format!("content/fy{fy}/o");
                    files.push((
                        format!("{dir}/objective.md"),
                        format!(
                            "+++\ntitle = \"O\"\nowner = \"A\"\nperiod = \"FY{fy}\"\n+++\nWhy.\n"
                        ),
                    ));
                    for q in FiscalYear(fy).quarters() {
                        let kr = format!("{dir}/k{}", q.q);
                        files.push((
                            format!("{kr}.md"),
                            format!(
                                "+++\ntitle = \"K\"\nowner = \"A\"\nperiod = \"{}\"\nmetric = \"number\"\nstart = 0\ntarget = 10\n+++\nHow.\n",
                                quarter_label(q)
                            ),
                        ));
                        let first = cal.quarter_start(q);
                        let last =
                            cal.quarter_end(q) + Duration::days(grace + super::LATE_MARGIN_DAYS);
                        // A day inside the quarter that exists in every year.
                        let mid = first + Duration::days(20);
                        let mid = mid.with_day(mid.day().min(28)).unwrap();
                        let cases = [
                            (first, None),
                            (last, None),
                            (mid, None),
                            (first.pred_opt().unwrap(), Some(None)),
                            (last.succ_opt().unwrap(), Some(None)),
                            (mid.with_year(mid.year() - 1).unwrap(), Some(Some(mid))),
                            (mid.with_year(mid.year() + 1).unwrap(), Some(Some(mid))),
                        ];
                        for (i, (date, want)) in cases.into_iter().enumerate() {
                            // Suffixes keep file names unique when two cases share a day.
                            let path = format!("{kr}/{date}-c{i}.md");
                            files.push((
                                path.clone(),
                                "+++\nstatus = \"on-track\"\nvalue = 1\n+++\nNews.\n".into(),
                            ));
                            expect.push((path, want));
                            updates += 1;
                        }
                    }
                }
                sites += 1;
                let as_of = NaiveDate::from_ymd_opt(2030, 1, 1).unwrap();
                let checked = check_in_memory(&config, &files, as_of);
                assert_eq!(checked.diagnostics.error_count(), 0, "{config}");
                let found: Vec<_> = checked
                    .diagnostics
                    .iter()
                    .filter(|d| d.code == "update-outside-quarter")
                    .collect();
                for (path, want) in &expect {
                    let got = found
                        .iter()
                        .find(|d| crate::diag::display_path(&d.loc.file) == *path);
                    match (want, got) {
                        (None, None) => {}
                        (Some(hint), Some(d)) => {
                            assert_eq!((d.loc.line, d.loc.column), (1, 1));
                            if let Some(date) = hint {
                                assert!(
                                    d.hint.starts_with(&format!("did you mean {date}?")),
                                    "{config}{path}: {}",
                                    d.hint
                                );
                            }
                        }
                        (want, got) => {
                            panic!("{config}{path}: want {want:?}, got {got:?}")
                        }
                    }
                }
                assert_eq!(
                    found.len(),
                    expect.iter().filter(|e| e.1.is_some()).count(),
                    "{config}"
                );
            }
        }
        assert_eq!((sites, updates), (24, 24 * 8 * 7));
    }
}
