//! The wall (`/wall/`): the current quarter on one printed sheet.

use serde::Serialize;

use super::{Card, QuarterInfo, Stats, krs_of_quarter, quarter_info, stats, year_cards};
use crate::render::{PageJob, Renderer};

#[derive(Serialize)]
struct Wall<'v> {
    quarter: QuarterInfo,
    stats: Stats,
    company: Vec<Card<'v>>,
    unaligned: Vec<Card<'v>>,
}

pub fn pages(r: &Renderer<'_>) -> Vec<PageJob> {
    let q = r.views.current;
    let (company, unaligned) = year_cards(r, q.year, Some(q));
    let ctx = Wall {
        quarter: quarter_info(r, q),
        stats: stats(r, &krs_of_quarter(r, q)),
        company,
        unaligned,
    };
    vec![PageJob::new("wall.html", "wall/", "wall", &ctx)]
}
