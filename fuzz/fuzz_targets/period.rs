//! Period strings (`Q1 FY24`, `FY2024`, ...) and fiscal-calendar arithmetic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use okra::period::{FiscalCalendar, NamedBy, Period};

fuzz_target!(|data: &[u8]| {
    let Some((&month, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let Ok(period) = Period::parse(text) else {
        return;
    };
    let calendar = FiscalCalendar {
        start_month: u32::from(month % 12) + 1,
        named_by: if month >= 128 { NamedBy::Start } else { NamedBy::End },
    };
    let year = period.year();
    let (start, end) = (calendar.year_start(year), calendar.year_end(year));
    assert!(start < end);
    assert_eq!(calendar.year_of(start), year);
    assert_eq!(calendar.year_of(end), year);
    for q in year.quarters() {
        let (qs, qe) = (calendar.quarter_start(q), calendar.quarter_end(q));
        assert!(start <= qs && qs < qe && qe <= end);
        assert!(qs <= calendar.quarter_midpoint(q) && calendar.quarter_midpoint(q) <= qe);
        assert_eq!(q.next().prev(), q);
    }
    // Parsing what we print gives the same period back.
    assert_eq!(Period::parse(&year.slug()).map(|p| p.year()), Ok(year));
});
