//! How numbers, values and progress read on a page (statuses: `status`).

use serde::{Serialize, Serializer};

use crate::load::{KeyResult, Metric};

/// A number with thousands separators and at most three decimals, trailing
/// zeros trimmed (uptime KRs live in the third decimal):
/// `1234567.5` → `1,234,567.5`, `99.9780` → `99.978`, `-0.0004` → `0`.
pub fn number(n: f64) -> String {
    if !n.is_finite() {
        return "—".into();
    }
    // Beyond 10¹⁵ digits stop meaning anything (and `n * 1000` below would
    // overflow near 1e308): scientific notation, `1.798e308`.
    if n.abs() >= 1e15 {
        let s = format!("{n:.3e}");
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
        return format!("{mantissa}e{exp}");
    }
    let thousandths = (n * 1000.0).round();
    if thousandths.abs() < 1e15 {
        // Charts, tables and views format hundreds of thousands of numbers;
        // `{:.3}` is an exact decimal conversion each time. Below 2⁵³ the
        // thousandths are an exact integer, and their digits are what `{:.3}`
        // of `thousandths / 1000` prints (a test compares both).
        return grouped_thousandths(thousandths);
    }
    decimal_thousandths(thousandths)
}

/// [`number`] of `thousandths / 1000` for any whole `thousandths`, through
/// an exact decimal conversion of the float.
fn decimal_thousandths(thousandths: f64) -> String {
    let rounded = thousandths / 1000.0;
    let s = format!("{:.3}", rounded.abs());
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let frac = frac.trim_end_matches('0');
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if rounded < 0.0 { "-" } else { "" };
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{frac}")
    }
}

/// [`number`] of `thousandths / 1000` for a whole `thousandths` below 10¹⁵ in
/// magnitude: digits grouped by three, up to three decimals, no trailing zeros.
fn grouped_thousandths(thousandths: f64) -> String {
    let m = thousandths.abs() as u64;
    let (int, frac) = (m / 1000, m % 1000);
    // At most 12 integer digits, 4 commas, the sign, the point and 3 decimals.
    let mut out = String::with_capacity(21);
    if thousandths < 0.0 {
        out.push('-');
    }
    let mut digits = [0u8; 20];
    let mut len = 0;
    let mut rest = int;
    loop {
        digits[len] = b'0' + (rest % 10) as u8;
        len += 1;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for i in (0..len).rev() {
        out.push(char::from(digits[i]));
        if i > 0 && i % 3 == 0 {
            out.push(',');
        }
    }
    if frac != 0 {
        out.push('.');
        let decimals = [frac / 100, frac / 10 % 10, frac % 10];
        let keep = if decimals[2] != 0 {
            3
        } else if decimals[1] != 0 {
            2
        } else {
            1
        };
        for d in &decimals[..keep] {
            out.push(char::from(b'0' + *d as u8));
        }
    }
    out
}

/// A KR value with its unit: `151 ms`, `99.95%`, `€120,000`, `EUR 120,000`, `done`.
pub fn value(kr: &KeyResult, v: f64) -> String {
    if kr.meta.metric == Metric::Boolean {
        return if v >= 1.0 {
            "done".into()
        } else {
            "not done".into()
        };
    }
    let n = number(v);
    let unit = kr
        .meta
        .unit
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty());
    match (kr.meta.metric, unit) {
        (Metric::Percent, None) | (_, Some("%")) => format!("{n}%"),
        (_, Some(u)) if is_currency_symbol(u) => format!("{u}{n}"),
        (Metric::Currency, Some(u)) => format!("{u} {n}"),
        (_, Some(u)) => format!("{n} {u}"),
        (_, None) => n,
    }
}

/// A short number for tight spaces: `158.3k`, `2.4M`, and as `number` below 10,000.
pub fn compact(n: f64) -> String {
    let a = n.abs();
    if a >= 1e9 {
        format!("{}B", number((n / 1e8).round() / 10.0))
    } else if a >= 1e6 {
        format!("{}M", number((n / 1e5).round() / 10.0))
    } else if a >= 1e4 {
        format!("{}k", number((n / 1e2).round() / 10.0))
    } else {
        number(n)
    }
}

/// Value and target together with the unit once, for tight spaces:
/// `151 / 120 ms`, `€173.1k / €250k`, `99.9 / 99.99%`, `not done`.
pub fn value_of_target(kr: &KeyResult, v: f64) -> String {
    if kr.meta.metric == Metric::Boolean {
        return value(kr, v);
    }
    let unit = kr
        .meta
        .unit
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty());
    let (a, b) = (compact(v), compact(kr.meta.target));
    match (kr.meta.metric, unit) {
        (Metric::Percent, None) | (_, Some("%")) => format!("{a} / {b}%"),
        (_, Some(u)) if is_currency_symbol(u) => format!("{u}{a} / {u}{b}"),
        (_, Some(u)) => format!("{a} / {b} {u}"),
        (_, None) => format!("{a} / {b}"),
    }
}

fn is_currency_symbol(u: &str) -> bool {
    matches!(u, "$" | "€" | "£" | "¥" | "₹" | "CHF" | "US$")
}

/// Progress as it shows and as a bar.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Progress {
    /// Fraction (1.0 = 100 %), unclamped; `None` when there is nothing to measure.
    #[serde(serialize_with = "opt_whole_as_int")]
    pub value: Option<f64>,
    /// Rounded whole percent, unclamped (over-achievement shows as 120).
    pub pct: Option<i64>,
    /// `62%`, or `no progress yet` when there is none.
    pub text: String,
    /// Width of the bar in percent, clamped to 0–100.
    #[serde(serialize_with = "whole_as_int")]
    pub bar: f64,
    pub over: bool,
}

pub fn progress(p: Option<f64>) -> Progress {
    match p {
        Some(v) if v.is_finite() => {
            let pct = (v * 100.0).round() as i64;
            Progress {
                value: Some(v),
                pct: Some(pct),
                text: format!("{pct}%"),
                bar: ((v * 1000.0).round() / 10.0).clamp(0.0, 100.0),
                over: v > 1.0,
            }
        }
        _ => Progress {
            value: None,
            pct: None,
            text: "no progress yet".into(),
            bar: 0.0,
            over: false,
        },
    }
}

/// `Q1 FY24` for a quarter, as people say it.
pub fn quarter_label(q: crate::period::Quarter) -> String {
    format!("Q{} FY{:02}", q.q, q.year.0 % 100)
}

/// `FY24` for a fiscal year.
pub fn year_label(y: crate::period::FiscalYear) -> String {
    format!("FY{:02}", y.0 % 100)
}

/// A URL-safe slug for a person's name: `Tomás Herrera` → `tomas-herrera`.
pub fn slug(name: &str) -> String {
    crate::load::walk::suggest_segment(name)
}

/// Serialises a float for templates with whole values as integers. Tera 2
/// prints a whole float as `34.0` where okra's pages (and Tera 1) always said
/// `34`; the value stays a number, so `is number` tests still hold.
pub fn whole_as_int<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    // Beyond 2^53 not every integer is a float, and beyond i64 none fits.
    if v.fract() == 0.0 && v.abs() < 9_007_199_254_740_992.0 {
        #[allow(clippy::cast_possible_truncation)]
        s.serialize_i64(*v as i64)
    } else {
        s.serialize_f64(*v)
    }
}

/// [`whole_as_int`] for optional numbers.
pub fn opt_whole_as_int<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => whole_as_int(v, s),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_thousandths_print_as_exact_decimal_formatting_would() {
        let mut rng = crate::render::test_rng::Rng::new(0x2545_F491_4F6C_DD1D);
        let mut values = vec![
            0.0,
            -0.0,
            0.0004,
            -0.0004,
            0.0005,
            -0.0005,
            0.001,
            0.01,
            0.1,
            0.5,
            1.0,
            9.999_5,
            99.95,
            99.978,
            999.0,
            1000.0,
            999_999.999,
            1_000_000.0,
            123_456_789.012,
            999_999_999_999.999,
            -999_999_999_999.999,
            0.1 + 0.2,
            2.675,
            1.005,
        ];
        for _ in 0..200_000 {
            let state = rng.next_u64();
            let mantissa = (state >> 11) as f64 / (1u64 << 53) as f64;
            let scale = 10f64.powi((state % 16) as i32 - 4);
            let sign = if state & 1 == 0 { 1.0 } else { -1.0 };
            values.push(sign * mantissa * scale);
            // Exact halves and whole thousandths, where rounding could differ.
            values.push(sign * ((state >> 20) % 10_000_000) as f64 / 2000.0);
        }
        for v in values {
            let thousandths = (v * 1000.0).round();
            if thousandths.abs() < 1e15 {
                assert_eq!(number(v), decimal_thousandths(thousandths), "{v:?}");
            }
        }
    }

    #[test]
    fn numbers() {
        assert_eq!(number(1234567.5), "1,234,567.5");
        assert_eq!(number(99.950), "99.95");
        assert_eq!(number(99.978), "99.978");
        assert_eq!(number(180.0), "180");
        assert_eq!(number(-1500.0), "-1,500");
        assert_eq!(number(-0.0004), "0");
        assert_eq!(number(0.12345), "0.123");
        assert_eq!(number(f64::NAN), "—");
        assert_eq!(number(1e308), "1e308");
        assert_eq!(number(-f64::MAX), "-1.798e308");
        assert_eq!(number(5e-324), "0");
    }

    #[test]
    fn compact_numbers() {
        assert_eq!(compact(158_300.0), "158.3k");
        assert_eq!(compact(2_000_000.0), "2M");
        assert_eq!(compact(9_999.0), "9,999");
        assert_eq!(compact(-12_345.0), "-12.3k");
    }

    #[test]
    fn progress_text() {
        let p = progress(Some(1.2));
        assert_eq!(
            (p.pct, p.text.as_str(), p.bar, p.over),
            (Some(120), "120%", 100.0, true)
        );
        let p = progress(Some(-0.5));
        assert_eq!((p.text.as_str(), p.bar), ("-50%", 0.0));
        assert_eq!(progress(None).text, "no progress yet");
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("Tomás Herrera"), "tomas-herrera");
        assert_eq!(
            quarter_label(crate::period::Quarter {
                year: crate::period::FiscalYear(2024),
                q: 1
            }),
            "Q1 FY24"
        );
    }
}
