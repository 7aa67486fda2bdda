//! Fiscal years and quarters: parsing the spellings people write, normalising
//! them (`FY2024`, `FY2024-Q1`), and mapping them to calendar dates through the
//! company's fiscal calendar.

use std::fmt;

use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;

/// Whether `FY24` is the fiscal year that ends in 2024 (the default) or starts in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NamedBy {
    #[default]
    End,
    Start,
}

/// The company's fiscal calendar, from `okra.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FiscalCalendar {
    /// Month (1–12) on whose first day the fiscal year starts.
    pub start_month: u32,
    pub named_by: NamedBy,
}

impl Default for FiscalCalendar {
    fn default() -> Self {
        FiscalCalendar {
            start_month: 1,
            named_by: NamedBy::End,
        }
    }
}

/// A fiscal year, by its number (`FY2024` is `FiscalYear(2024)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FiscalYear(pub i32);

/// A quarter (1–4) of a fiscal year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Quarter {
    pub year: FiscalYear,
    pub q: u8,
}

/// What a `period` field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Period {
    Year(FiscalYear),
    Quarter(Quarter),
}

/// Why a period string could not be read; `hint` says what would be accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodError {
    pub message: String,
    pub hint: String,
}

const PERIOD_HINT: &str = "write a fiscal year like `FY24` or `FY2024`, or a quarter like `Q1 FY24`, `FY24 Q1` or `FY2024-Q1`";

impl fmt::Display for FiscalYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FY{}", self.0)
    }
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FY{}-Q{}", self.year.0, self.q)
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Year(y) => y.fmt(f),
            Period::Quarter(q) => q.fmt(f),
        }
    }
}

impl Period {
    /// Parses `FY24`, `FY2024`, `Q1 FY24`, `FY24 Q1`, `FY2024-Q1` (any case, with
    /// spaces, `-`, `_` or nothing between the parts).
    pub fn parse(input: &str) -> Result<Period, PeriodError> {
        let compact: String = input
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '_' | '/' | '\t'))
            .flat_map(char::to_uppercase)
            .collect();
        let bad = || PeriodError {
            message: format!("`{input}` is not a fiscal year or quarter"),
            hint: PERIOD_HINT.to_string(),
        };
        if compact.is_empty() {
            return Err(PeriodError {
                message: "the period is empty".into(),
                hint: PERIOD_HINT.into(),
            });
        }
        // Split into the FY part and an optional Q part, in either order.
        let (fy_digits, q_digits) = if let Some(rest) = compact.strip_prefix("FY") {
            match rest.find('Q') {
                Some(i) => (&rest[..i], Some(&rest[i + 1..])),
                None => (rest, None),
            }
        } else if let Some(rest) = compact.strip_prefix('Q') {
            let i = rest.find("FY").ok_or_else(bad)?;
            (&rest[i + 2..], Some(&rest[..i]))
        } else {
            return Err(bad());
        };
        let year = parse_year(fy_digits).ok_or_else(bad)?;
        if !(1900..=2999).contains(&year) {
            return Err(PeriodError {
                message: format!("`{input}`: fiscal year {year} is out of range"),
                hint: "use a fiscal year between FY1900 and FY2999 (two digits mean 20xx)".into(),
            });
        }
        let year = FiscalYear(year);
        match q_digits {
            None => Ok(Period::Year(year)),
            Some(q) => {
                if q.is_empty() || !q.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(bad());
                }
                match q.parse::<u8>() {
                    Ok(n @ 1..=4) => Ok(Period::Quarter(Quarter { year, q: n })),
                    _ => Err(PeriodError {
                        message: format!(
                            "`{input}`: there is no quarter Q{q}, a fiscal year has Q1 to Q4"
                        ),
                        hint: format!("use Q1, Q2, Q3 or Q4, e.g. `Q4 {year}`"),
                    }),
                }
            }
        }
    }

    pub fn year(&self) -> FiscalYear {
        match self {
            Period::Year(y) => *y,
            Period::Quarter(q) => q.year,
        }
    }
}

/// Two digits mean 20xx; four digits are taken as they are.
fn parse_year(digits: &str) -> Option<i32> {
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match digits.len() {
        2 => digits.parse::<i32>().ok().map(|y| 2000 + y),
        4 => digits.parse::<i32>().ok(),
        _ => None,
    }
}

impl FiscalYear {
    pub fn quarters(self) -> [Quarter; 4] {
        [1, 2, 3, 4].map(|q| Quarter { year: self, q })
    }

    /// `fy2024`, for URLs.
    pub fn slug(self) -> String {
        format!("fy{}", self.0)
    }
}

impl Quarter {
    /// `fy2024-q1`, for URLs.
    pub fn slug(self) -> String {
        format!("fy{}-q{}", self.year.0, self.q)
    }

    /// The quarter after this one.
    pub fn next(self) -> Quarter {
        if self.q == 4 {
            Quarter {
                year: FiscalYear(self.year.0 + 1),
                q: 1,
            }
        } else {
            Quarter {
                year: self.year,
                q: self.q + 1,
            }
        }
    }

    /// The quarter before this one.
    pub fn prev(self) -> Quarter {
        if self.q == 1 {
            Quarter {
                year: FiscalYear(self.year.0 - 1),
                q: 4,
            }
        } else {
            Quarter {
                year: self.year,
                q: self.q - 1,
            }
        }
    }
}

impl FiscalCalendar {
    /// First day of a fiscal year.
    pub fn year_start(&self, fy: FiscalYear) -> NaiveDate {
        // The calendar year in which the fiscal year starts.
        let start_year = match (self.named_by, self.start_month) {
            (_, 1) => fy.0,
            (NamedBy::End, _) => fy.0 - 1,
            (NamedBy::Start, _) => fy.0,
        };
        NaiveDate::from_ymd_opt(start_year, self.start_month, 1).expect("valid fiscal year start")
    }

    /// Last day of a fiscal year.
    pub fn year_end(&self, fy: FiscalYear) -> NaiveDate {
        self.year_start(FiscalYear(fy.0 + 1))
            .pred_opt()
            .expect("date in range")
    }

    /// First day of a quarter.
    pub fn quarter_start(&self, q: Quarter) -> NaiveDate {
        self.year_start(q.year) + Months::new(3 * (q.q as u32 - 1))
    }

    /// Last day of a quarter.
    pub fn quarter_end(&self, q: Quarter) -> NaiveDate {
        self.quarter_start(q.next())
            .pred_opt()
            .expect("date in range")
    }

    /// The day of mid-quarter scoring: halfway between the first and the last day.
    pub fn quarter_midpoint(&self, q: Quarter) -> NaiveDate {
        let start = self.quarter_start(q);
        let days = (self.quarter_end(q) - start).num_days();
        start + chrono::Duration::days(days / 2)
    }

    /// The fiscal year a date falls in.
    pub fn year_of(&self, date: NaiveDate) -> FiscalYear {
        // Guess by the calendar year, then correct by at most one.
        let mut fy = FiscalYear(match self.named_by {
            NamedBy::End if self.start_month != 1 && date.month() >= self.start_month => {
                date.year() + 1
            }
            _ => date.year(),
        });
        if date < self.year_start(fy) {
            fy = FiscalYear(fy.0 - 1);
        } else if date > self.year_end(fy) {
            fy = FiscalYear(fy.0 + 1);
        }
        fy
    }

    /// The quarter a date falls in.
    pub fn quarter_of(&self, date: NaiveDate) -> Quarter {
        let year = self.year_of(date);
        let start = self.year_start(year);
        let months = (date.year() - start.year()) * 12 + date.month() as i32 - start.month() as i32;
        Quarter {
            year,
            q: (months / 3 + 1).clamp(1, 4) as u8,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn q(y: i32, q: u8) -> Quarter {
        Quarter {
            year: FiscalYear(y),
            q,
        }
    }

    #[test]
    fn parses_every_spelling() {
        for s in ["FY24", "fy24", "FY2024", "FY 2024", "fy-24"] {
            assert_eq!(Period::parse(s), Ok(Period::Year(FiscalYear(2024))), "{s}");
        }
        for s in [
            "Q1 FY24",
            "FY24 Q1",
            "FY2024-Q1",
            "q1-fy2024",
            "FY24Q1",
            "Q1 FY2024",
            "fy2024_q1",
        ] {
            assert_eq!(Period::parse(s), Ok(Period::Quarter(q(2024, 1))), "{s}");
        }
    }

    #[test]
    fn normal_form() {
        assert_eq!(Period::parse("Q3 FY24").unwrap().to_string(), "FY2024-Q3");
        assert_eq!(Period::parse("FY24").unwrap().to_string(), "FY2024");
        assert_eq!(q(2024, 3).slug(), "fy2024-q3");
    }

    #[test]
    fn rejects_impossible_periods() {
        for s in [
            "Q5 FY24", "Q0 FY24", "FY24 Q12", "FY123", "2024", "Q1", "FY", "", "FYxx", "Q1 FYxx",
            "QA FY24",
        ] {
            let err = Period::parse(s).unwrap_err();
            assert!(!err.hint.is_empty(), "{s}");
        }
        assert!(
            Period::parse("Q5 FY24")
                .unwrap_err()
                .message
                .contains("no quarter Q5")
        );
    }

    #[test]
    fn january_fiscal_year() {
        let cal = FiscalCalendar::default();
        assert_eq!(cal.year_start(FiscalYear(2024)), d(2024, 1, 1));
        assert_eq!(cal.year_end(FiscalYear(2024)), d(2024, 12, 31));
        assert_eq!(cal.quarter_start(q(2024, 2)), d(2024, 4, 1));
        assert_eq!(cal.quarter_end(q(2024, 1)), d(2024, 3, 31));
        assert_eq!(cal.quarter_end(q(2024, 4)), d(2024, 12, 31));
        assert_eq!(cal.quarter_midpoint(q(2024, 4)), d(2024, 11, 15));
        assert_eq!(cal.quarter_of(d(2024, 11, 22)), q(2024, 4));
        assert_eq!(cal.quarter_of(d(2024, 1, 1)), q(2024, 1));
    }

    #[test]
    fn april_fiscal_year_named_by_end() {
        // FY24 runs April 2023 to March 2024 (like the UK government).
        let cal = FiscalCalendar {
            start_month: 4,
            named_by: NamedBy::End,
        };
        assert_eq!(cal.year_start(FiscalYear(2024)), d(2023, 4, 1));
        assert_eq!(cal.year_end(FiscalYear(2024)), d(2024, 3, 31));
        assert_eq!(cal.quarter_start(q(2024, 4)), d(2024, 1, 1));
        assert_eq!(cal.quarter_of(d(2024, 3, 31)), q(2024, 4));
        assert_eq!(cal.quarter_of(d(2024, 4, 1)), q(2025, 1));
        assert_eq!(cal.quarter_of(d(2023, 7, 1)), q(2024, 2));
        assert_eq!(cal.year_of(d(2023, 12, 25)), FiscalYear(2024));
    }

    #[test]
    fn october_fiscal_year_named_by_start() {
        // FY24 runs October 2024 to September 2025.
        let cal = FiscalCalendar {
            start_month: 10,
            named_by: NamedBy::Start,
        };
        assert_eq!(cal.year_start(FiscalYear(2024)), d(2024, 10, 1));
        assert_eq!(cal.year_end(FiscalYear(2024)), d(2025, 9, 30));
        assert_eq!(cal.quarter_start(q(2024, 2)), d(2025, 1, 1));
        assert_eq!(cal.quarter_of(d(2024, 9, 30)), q(2023, 4));
        assert_eq!(cal.quarter_of(d(2025, 2, 14)), q(2024, 2));
        assert_eq!(cal.quarter_midpoint(q(2024, 1)), d(2024, 11, 15));
    }

    #[test]
    fn named_by_does_not_matter_for_january() {
        let a = FiscalCalendar {
            start_month: 1,
            named_by: NamedBy::Start,
        };
        assert_eq!(a.year_start(FiscalYear(2024)), d(2024, 1, 1));
        assert_eq!(a.quarter_of(d(2024, 7, 1)), q(2024, 3));
    }

    #[test]
    fn quarter_of_is_inverse_of_start_end_for_all_calendars() {
        for start_month in 1..=12 {
            for named_by in [NamedBy::End, NamedBy::Start] {
                let cal = FiscalCalendar {
                    start_month,
                    named_by,
                };
                for y in 2020..2027 {
                    for qq in FiscalYear(y).quarters() {
                        assert_eq!(cal.quarter_of(cal.quarter_start(qq)), qq, "{cal:?} {qq}");
                        assert_eq!(cal.quarter_of(cal.quarter_end(qq)), qq, "{cal:?} {qq}");
                        assert_eq!(cal.quarter_of(cal.quarter_midpoint(qq)), qq);
                    }
                }
            }
        }
    }

    #[test]
    fn next_and_prev_cross_years() {
        assert_eq!(q(2024, 4).next(), q(2025, 1));
        assert_eq!(q(2025, 1).prev(), q(2024, 4));
    }
}
