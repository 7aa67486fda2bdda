//! Pace (spec §4): where a straight line from `start` to `target` over the
//! KR's quarter stands on a day, as progress.

use chrono::NaiveDate;

use crate::period::{FiscalCalendar, Quarter};

/// The fraction of `quarter` elapsed by the end of `as_of`: 0 before the
/// quarter starts, 1 from its last day on. The straight line the KR chart
/// draws from `start` (the quarter's first morning) to `target` (its last
/// evening) reaches this progress that evening.
pub fn pace(cal: &FiscalCalendar, quarter: Quarter, as_of: NaiveDate) -> f64 {
    let start = cal.quarter_start(quarter);
    let end = cal.quarter_end(quarter);
    if as_of < start {
        return 0.0;
    }
    if as_of >= end {
        return 1.0;
    }
    let days = (end - start).num_days() + 1;
    let elapsed = (as_of - start).num_days() + 1;
    elapsed as f64 / days as f64
}

/// Whether an on-track KR's progress is more than `margin` below `pace`.
pub fn behind(progress: f64, pace: f64, margin: f64) -> bool {
    progress < pace - margin
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::period::{FiscalYear, NamedBy};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn q(year: i32, n: u8) -> Quarter {
        Quarter {
            year: FiscalYear(year),
            q: n,
        }
    }

    fn calendar(start_month: u32, named_by: NamedBy) -> FiscalCalendar {
        FiscalCalendar {
            start_month,
            named_by,
        }
    }

    #[test]
    fn quarter_boundaries() {
        let cal = FiscalCalendar::default();
        // Q2 FY2024: 2024-04-01 ..= 2024-06-30, 91 days.
        assert_eq!(pace(&cal, q(2024, 2), d(2024, 3, 31)), 0.0);
        assert_eq!(pace(&cal, q(2024, 2), d(2024, 4, 1)), 1.0 / 91.0);
        assert_eq!(pace(&cal, q(2024, 2), d(2024, 6, 29)), 90.0 / 91.0);
        assert_eq!(pace(&cal, q(2024, 2), d(2024, 6, 30)), 1.0);
        assert_eq!(pace(&cal, q(2024, 2), d(2024, 7, 1)), 1.0);
        assert_eq!(pace(&cal, q(2024, 2), d(2030, 1, 1)), 1.0);
        // Q4 crosses into the next calendar year only at its end.
        assert_eq!(pace(&cal, q(2024, 4), d(2024, 12, 31)), 1.0);
        assert_eq!(pace(&cal, q(2024, 4), d(2024, 11, 15)), 46.0 / 92.0);
    }

    #[test]
    fn leap_years() {
        let cal = FiscalCalendar::default();
        // Q1 2024 has 91 days (29 February), Q1 2023 has 90.
        assert_eq!(pace(&cal, q(2024, 1), d(2024, 2, 29)), 60.0 / 91.0);
        assert_eq!(pace(&cal, q(2024, 1), d(2024, 3, 1)), 61.0 / 91.0);
        assert_eq!(pace(&cal, q(2023, 1), d(2023, 3, 1)), 60.0 / 90.0);
        assert_eq!(pace(&cal, q(2023, 1), d(2023, 3, 31)), 1.0);
        // 2100 is not a leap year.
        assert_eq!(pace(&cal, q(2100, 1), d(2100, 2, 28)), 59.0 / 90.0);
    }

    #[test]
    fn fiscal_calendars() {
        // FY2025 starting in April, named by its end: Q1 = 2024-04-01 ..= 2024-06-30.
        let april = calendar(4, NamedBy::End);
        assert_eq!(pace(&april, q(2025, 1), d(2024, 3, 31)), 0.0);
        assert_eq!(pace(&april, q(2025, 1), d(2024, 5, 15)), 45.0 / 91.0);
        // Its Q4 (2025-01-01 ..= 2025-03-31) holds no leap day; FY2024's does.
        assert_eq!(pace(&april, q(2025, 4), d(2025, 3, 1)), 60.0 / 90.0);
        assert_eq!(pace(&april, q(2024, 4), d(2024, 3, 1)), 61.0 / 91.0);
        // Named by its start: FY2024 Q1 starting in October is 2024-10-01 ..= 2024-12-31.
        let october = calendar(10, NamedBy::Start);
        assert_eq!(pace(&october, q(2024, 1), d(2024, 9, 30)), 0.0);
        assert_eq!(pace(&october, q(2024, 1), d(2024, 10, 1)), 1.0 / 92.0);
        assert_eq!(pace(&october, q(2024, 1), d(2024, 12, 31)), 1.0);
        // A quarter spanning February in a leap year: December to February.
        let december = calendar(12, NamedBy::End);
        assert_eq!(pace(&december, q(2024, 1), d(2024, 2, 29)), 1.0);
        assert_eq!(pace(&december, q(2024, 1), d(2024, 1, 31)), 62.0 / 91.0);
    }

    #[test]
    fn behind_is_strictly_more_than_the_margin() {
        assert!(!behind(0.25, 0.5, 0.25));
        assert!(behind(0.24, 0.5, 0.25));
        assert!(!behind(0.9, 0.5, 0.25));
    }
}
