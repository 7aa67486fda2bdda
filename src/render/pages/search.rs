//! The search page (`/search/?q=words`): a list the bundled script fills in
//! from the search index (`render::search`), in the reader's browser.

use crate::render::{PageJob, Renderer, search, urls};

pub fn pages<'r>(r: &'r Renderer<'_>) -> Vec<PageJob<'r>> {
    if !r.site.config.search.enabled {
        return Vec::new();
    }
    // The script fetches the index relative to the page, so a site served
    // from a sub-path finds it.
    let index = search::INDEX
        .strip_prefix(urls::SEARCH)
        .expect("the index lies beside the search page");
    vec![PageJob::new(
        "search.html",
        urls::SEARCH,
        "search",
        &serde_json::json!({ "index_url": index }),
    )]
}
