//! The search index of the site (`search/index.json`), read by the search page
//! in the reader's browser: no server searches.
//!
//! It is made from the views of the published site, the same rows the pages
//! show, so nothing private or draft can be indexed. One document per
//! objective, KR, team and person (title, the people and team it belongs to,
//! its whole text) and per status update (its author and the summary the
//! update lists show, not the whole body: 50k updates with bodies would make
//! the index six times larger).
//!
//! The file holds two things: `index`, an elasticlunr.js index (built with
//! elasticlunr-rs, without a document store), whose document refs are
//! positions in `docs`; and `docs`, one `[kind, title, url, context]` row per
//! document for the result list (`url` relative to the site root). Both are
//! made in the site's order with ordered maps only, so a build writes the same
//! bytes every time.

use elasticlunr::{Index, IndexBuilder};
use pulldown_cmark::{Event, Parser};
use serde::Serialize;

use super::Renderer;

/// Where the index is written, beside the search page.
pub const INDEX: &str = "search/index.json";

/// The fields of every document, in the order `add_doc` takes them.
const FIELDS: [&str; 3] = ["title", "who", "text"];

#[derive(Serialize)]
struct SearchFile<'a> {
    /// `[kind, title, url, context]` per document, by ref.
    docs: Vec<[String; 4]>,
    index: &'a Index,
}

struct Docs {
    index: Index,
    rows: Vec<[String; 4]>,
}

impl Docs {
    /// A document: `title` is shown, `words` (title, people and team, text)
    /// are indexed.
    fn add(&mut self, kind: &str, title: &str, url: &str, context: String, words: [&str; 3]) {
        let r = self.rows.len().to_string();
        self.index.add_doc(&r, words);
        self.rows
            .push([kind.into(), title.into(), url.into(), context]);
    }
}

/// The text of a Markdown body, every block of it: words only, no markup and
/// no raw HTML (which the sanitiser would not show either).
fn plain_text(markdown: &str) -> String {
    let mut text = String::new();
    for event in Parser::new(markdown) {
        match event {
            Event::Text(t) | Event::Code(t) => {
                text.push_str(&t);
                text.push(' ');
            }
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            _ => {}
        }
    }
    text
}

/// The index file of a site, as JSON. Empty documents are never indexed.
pub fn index(r: &Renderer<'_>) -> String {
    let site = r.site;
    let views = r.views;
    let mut docs = Docs {
        index: IndexBuilder::new()
            .save_docs(false)
            .add_fields(&FIELDS)
            .build(),
        rows: Vec::new(),
    };
    let team_name = |t: &Option<super::view::Link>| t.as_ref().map(|l| l.title.clone());
    for (id, o) in site.objectives.iter_enumerated() {
        let v = &views.objectives[id];
        let team = team_name(&v.team).unwrap_or_else(|| site.config.company.clone());
        docs.add(
            "objective",
            &v.title,
            &v.url,
            format!("{} · {team}", v.year_label),
            [
                &v.title,
                &format!("{} {team}", v.owner.title),
                &plain_text(&o.body),
            ],
        );
    }
    for (id, k) in site.key_results.iter_enumerated() {
        let v = &views.krs[id];
        let team = team_name(&v.team).unwrap_or_else(|| site.config.company.clone());
        docs.add(
            "kr",
            &v.title,
            &v.url,
            format!("{} · {team}", v.quarter_label),
            [
                &v.title,
                &format!("{} {team}", v.owner.title),
                &plain_text(&k.body),
            ],
        );
    }
    for t in &views.teams {
        let body = site
            .teams
            .iter()
            .find(|s| s.id == t.id)
            .map(|s| plain_text(&s.body))
            .unwrap_or_default();
        let lead = t.lead.as_ref().map(|l| l.title.as_str()).unwrap_or("");
        docs.add(
            "team",
            &t.name,
            &t.url,
            "Team".into(),
            [&t.name, lead, &body],
        );
    }
    for p in &views.people {
        docs.add(
            "person",
            &p.name,
            &p.url,
            "Person".into(),
            [&p.name, "", ""],
        );
    }
    for (u, &kr) in views.updates.iter().zip(&views.update_krs) {
        let team = team_name(&views.krs[kr].team).unwrap_or_else(|| site.config.company.clone());
        docs.add(
            "update",
            &u.kr.title,
            &u.url,
            format!("{} · {}", u.date, u.author.title),
            // The KR's own document has its title: the update is found by
            // its author, team and words.
            ["", &format!("{} {team}", u.author.title), &u.summary],
        );
    }
    let file = SearchFile {
        docs: docs.rows,
        index: &docs.index,
    };
    serde_json::to_string(&file).expect("the search index serialises")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_keeps_every_block_and_drops_markup() {
        let t = plain_text("# Plan\n\nShip **fast** `code`.\n\n- one\n- two\n\n<b>raw</b> html\n");
        let words: Vec<&str> = t.split_whitespace().collect();
        assert_eq!(
            words,
            ["Plan", "Ship", "fast", "code", ".", "one", "two", "html"]
        );
    }
}
