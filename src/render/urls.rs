//! Every URL of the site, and the way back from an output path to the page
//! family that writes it.
//!
//! URLs are relative to the site root (pages prefix them with `root`, see
//! [`super::root_prefix`]) and a page's URL is its folder (`fy24/eng/`), so
//! links stay clean wherever the site is mounted. Keeping them all here means
//! a page, the links to it and `okra serve`'s on-demand lookup
//! ([`family`]) cannot disagree.

use crate::period::{FiscalYear, Quarter};

/// The dashboard: the site root.
pub const DASHBOARD: &str = "";
/// The page for links that lead nowhere (servers serve it for any 404).
pub const NOT_FOUND: &str = "404.html";
/// The Atom feed of status updates.
pub const FEED: &str = "updates.xml";
/// The JSON export of every objective and KR.
pub const JSON: &str = "okrs.json";
/// The CSV export, one row per objective and KR.
pub const CSV: &str = "okrs.csv";
/// The list of teams.
pub const TEAMS: &str = "teams/";
/// The list of people.
pub const PEOPLE: &str = "people/";
/// The list of quarters.
pub const QUARTERS: &str = "quarters/";
/// Every quarter and year side by side.
pub const HISTORY: &str = "history/";
/// The list of yearly reviews.
pub const REVIEWS: &str = "review/";
/// The first page of the update stream.
pub const UPDATES: &str = "updates/";
/// What changed in the last days.
pub const CHANGES: &str = "changes/";
/// Its export.
pub const CHANGES_JSON: &str = "changes.json";
/// The company's wall printout.
pub const WALL: &str = "wall/";

/// The search page (`search/?q=words`).
pub const SEARCH: &str = "search/";

/// The office screen's rotation (its first page; the others are `tv/2/`…).
pub const TV: &str = "tv/";
/// The alignment tree of the current fiscal year.
pub const ALIGNMENT: &str = "alignment/";

/// The alignment tree of a fiscal year (`alignment/fy2024/`).
pub fn alignment(year: FiscalYear) -> String {
    format!("{ALIGNMENT}{}/", year.slug())
}

/// An objective's page: its ID is its folder (`fy24/eng/`).
pub fn objective(id: &str) -> String {
    format!("{id}/")
}

/// A KR's page, nested in its objective's folder (`fy24/eng/latency/`).
pub fn kr(id: &str) -> String {
    format!("{id}/")
}

/// A KR's sparkline, a file of its own beside the KR's page, shared by every
/// page that lists the KR.
pub fn trend(kr_id: &str) -> String {
    format!("{kr_id}/trend.svg")
}

/// The KR whose sparkline `path` is (the reverse of [`trend`]).
pub fn trend_kr(path: &str) -> Option<&str> {
    path.strip_suffix("/trend.svg")
}

/// The anchor of an update on its KR's page (`u-2024-02-12`).
pub fn update_anchor(slug: &str) -> String {
    format!("u-{slug}")
}

/// An update: its KR's page at the update's anchor.
pub fn update(kr_id: &str, anchor: &str) -> String {
    format!("{}#{anchor}", kr(kr_id))
}

/// A team's page.
pub fn team(id: &str) -> String {
    format!("{TEAMS}{id}/")
}

/// A team's Atom feed of its KRs' updates (`teams/eng/updates.xml`).
pub fn team_feed(id: &str) -> String {
    format!("{TEAMS}{id}/updates.xml")
}

/// The team whose feed `path` is (the reverse of [`team_feed`]).
pub fn team_feed_team(path: &str) -> Option<&str> {
    path.strip_prefix(TEAMS)?
        .strip_suffix("/updates.xml")
        .filter(|t| !t.is_empty() && !t.contains('/'))
}

/// A person's page, by the slug of their name made unique across the site.
pub fn person(slug: &str) -> String {
    format!("{PEOPLE}{slug}/")
}

/// A quarter's page (`quarters/fy2024-q1/`).
pub fn quarter(q: Quarter) -> String {
    format!("{QUARTERS}{}/", q.slug())
}

/// A fiscal year's review (`review/fy2024/`).
pub fn review(year: FiscalYear) -> String {
    format!("{REVIEWS}{}/", year.slug())
}

/// Page `n` (from 1) of the update stream; the first is [`UPDATES`] itself.
pub fn updates_page(n: usize) -> String {
    if n == 1 {
        UPDATES.into()
    } else {
        format!("{UPDATES}page/{n}/")
    }
}

/// A team's wall printout (`wall/eng/`).
pub fn wall(team_id: &str) -> String {
    format!("{WALL}{team_id}/")
}

/// The file a URL is written to: folders get their `index.html`, files
/// (`404.html`, the feed) are their own path.
pub fn output_path(url: String) -> String {
    if url.ends_with(".html") || url.ends_with(".xml") {
        url
    } else {
        format!("{url}index.html")
    }
}

/// Which module of `pages` writes a page: `okra serve` makes only that
/// family's pages to answer a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Dashboard,
    NotFound,
    Teams,
    People,
    /// The quarter pages, their list and the history.
    Quarters,
    Reviews,
    Updates,
    Changes,
    Wall,
    Alignment,
    Tv,
    Search,
    /// Objectives and KRs: every path under no other family's folder.
    Okrs,
}

/// The family of the page written to `path` (an output path such as
/// `teams/eng/index.html`), by the folder it lies in.
pub fn family(path: &str) -> Family {
    const FOLDERS: [(&str, Family); 11] = [
        (TV, Family::Tv),
        (SEARCH, Family::Search),
        (ALIGNMENT, Family::Alignment),
        (CHANGES, Family::Changes),
        (TEAMS, Family::Teams),
        (PEOPLE, Family::People),
        (QUARTERS, Family::Quarters),
        (HISTORY, Family::Quarters),
        (REVIEWS, Family::Reviews),
        (UPDATES, Family::Updates),
        (WALL, Family::Wall),
    ];
    if path == NOT_FOUND {
        return Family::NotFound;
    }
    if path == output_path(DASHBOARD.into()) {
        return Family::Dashboard;
    }
    FOLDERS
        .iter()
        .find(|(folder, _)| path.starts_with(folder))
        .map_or(Family::Okrs, |&(_, f)| f)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn family_of(url: String) -> Family {
        family(&output_path(url))
    }

    /// Every URL maker's page is found again in the family that makes it,
    /// for IDs and slugs of many shapes, including ones that begin with the
    /// name of another family's folder.
    #[test]
    fn every_url_finds_its_family() {
        let q = Quarter {
            year: FiscalYear(2024),
            q: 3,
        };
        assert_eq!(family_of(DASHBOARD.into()), Family::Dashboard);
        assert_eq!(family_of(NOT_FOUND.into()), Family::NotFound);
        assert_eq!(family_of(TEAMS.into()), Family::Teams);
        assert_eq!(family_of(PEOPLE.into()), Family::People);
        assert_eq!(family_of(QUARTERS.into()), Family::Quarters);
        assert_eq!(family_of(CHANGES.into()), Family::Changes);
        assert_eq!(family_of(HISTORY.into()), Family::Quarters);
        assert_eq!(family_of(REVIEWS.into()), Family::Reviews);
        assert_eq!(family_of(WALL.into()), Family::Wall);
        assert_eq!(family_of(ALIGNMENT.into()), Family::Alignment);
        assert_eq!(family_of(TV.into()), Family::Tv);
        assert_eq!(family_of(SEARCH.into()), Family::Search);
        assert_eq!(family_of(format!("{TV}3/")), Family::Tv);
        assert_eq!(family_of(alignment(q.year)), Family::Alignment);
        assert_eq!(family_of(quarter(q)), Family::Quarters);
        assert_eq!(family_of(review(q.year)), Family::Reviews);
        for n in 1..40 {
            assert_eq!(family_of(updates_page(n)), Family::Updates);
        }
        let ids = [
            "fy24/eng",
            "fy24/eng/latency",
            "fy2024/teams-growth/nps-q1",
            "fy24/wall",
            "alignments/x",
            "tvs/y",
            "searches/y",
            "teamsters/x",
            "peoples/y",
            "reviewed/z",
            "updates-2/a",
            "index/b",
        ];
        for id in ids {
            assert_eq!(family_of(objective(id)), Family::Okrs, "{id}");
            assert_eq!(family_of(kr(id)), Family::Okrs, "{id}");
            let slug = id.replace('/', "-");
            assert_eq!(family_of(team(&slug)), Family::Teams, "{id}");
            assert_eq!(family_of(person(&slug)), Family::People, "{id}");
            assert_eq!(family_of(wall(&slug)), Family::Wall, "{id}");
            assert_eq!(trend_kr(&trend(id)), Some(id));
            assert_eq!(team_feed_team(&team_feed(&slug)), Some(slug.as_str()));
        }
    }

    /// An objective ID never falls into another family's folder: the load
    /// stage refuses content folders named like them (or keeps them for teams).
    #[test]
    fn site_folders_are_reserved_for_content() {
        use crate::load::walk::{RESERVED, TEAMS_DIR};
        for url in [
            TEAMS, PEOPLE, QUARTERS, HISTORY, REVIEWS, UPDATES, WALL, ALIGNMENT, TV, SEARCH,
        ] {
            let folder = url.trim_end_matches('/');
            assert!(
                RESERVED.contains(&folder) || folder == TEAMS_DIR,
                "{folder}"
            );
        }
    }

    #[test]
    fn shapes() {
        assert_eq!(kr("fy24/eng/latency"), "fy24/eng/latency/");
        assert_eq!(trend("fy24/eng/latency"), "fy24/eng/latency/trend.svg");
        assert_eq!(
            update("fy24/eng/latency", &update_anchor("2024-02-12")),
            "fy24/eng/latency/#u-2024-02-12"
        );
        assert_eq!(updates_page(1), "updates/");
        assert_eq!(updates_page(3), "updates/page/3/");
        assert_eq!(
            quarter(Quarter {
                year: FiscalYear(2024),
                q: 1
            }),
            "quarters/fy2024-q1/"
        );
        assert_eq!(review(FiscalYear(2024)), "review/fy2024/");
        assert_eq!(output_path(DASHBOARD.into()), "index.html");
        assert_eq!(output_path(FEED.into()), FEED);
        assert_eq!(trend_kr("fy24/eng/index.html"), None);
    }
}
