//! The updates list (`/updates/`, paginated as `/updates/page/2/`).

use serde::Serialize;

use std::sync::Arc;

use crate::render::view::UpdateView;
use crate::render::{PageJob, Renderer, urls};

/// Updates per page: enough to scroll a month of a large company.
pub const PER_PAGE: usize = 100;

#[derive(Serialize)]
struct Pager {
    number: usize,
    total: usize,
    prev_url: Option<String>,
    next_url: Option<String>,
}

#[derive(Serialize)]
struct UpdatesPage<'v> {
    updates: &'v [Arc<UpdateView>],
    pager: Pager,
    total: usize,
}

pub fn pages<'r>(r: &'r Renderer<'_>) -> Vec<PageJob<'r>> {
    let all = &r.views.updates;
    let chunks: Vec<&[Arc<UpdateView>]> = if all.is_empty() {
        vec![&[]]
    } else {
        all.chunks(PER_PAGE).collect()
    };
    let total = chunks.len();
    chunks
        .into_iter()
        .enumerate()
        .map(|(i, updates)| {
            let n = i + 1;
            let ctx = UpdatesPage {
                updates,
                pager: Pager {
                    number: n,
                    total,
                    prev_url: (n > 1).then(|| urls::updates_page(n - 1)),
                    next_url: (n < total).then(|| urls::updates_page(n + 1)),
                },
                total: all.len(),
            };
            PageJob::lazy(
                "updates.html",
                urls::updates_page(n),
                "updates",
                move || ctx,
            )
        })
        .collect()
}
