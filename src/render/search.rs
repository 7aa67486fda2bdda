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
//! document for the result list (`url` relative to the site root), except that
//! an update's row is `["update", its KR's row, "#anchor", context]`. Both are
//! made in the site's order with ordered maps only, so a build writes the same
//! bytes every time.

use elasticlunr::lang::{English, Language};
use elasticlunr::pipeline::{Pipeline, PipelineFn};
use elasticlunr::{Index, IndexBuilder};
use pulldown_cmark::{Event, Parser};
use rayon::prelude::*;
use serde::Serialize;

use super::Renderer;
use crate::load::{IdVec, KrId};

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

/// What a document's `text` field is made of.
enum Text<'a> {
    Plain(&'a str),
    /// A Markdown body, turned into its words on a worker thread.
    Markdown(&'a str),
}

/// A document to index: its row of `docs`, and its title, people and team,
/// and text.
struct Doc<'a> {
    row: [String; 4],
    title: &'a str,
    who: String,
    text: Text<'a>,
}

/// The text of a Markdown body, every block of it: words only, no markup, no
/// HTML tags and no HTML blocks.
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

/// English as elasticlunr-rs indexes it, with the work split in two: words
/// are tokenised and stemmed by [`English`] in parallel ([`terms`]), then
/// handed to the (single-threaded) index as they are. Its pipeline carries
/// English's names, so elasticlunr.js treats queries the same way, but
/// changes nothing a second time (stemming is not idempotent).
struct Prepared;

/// A pipeline step that keeps its token and only lends its name.
struct Named(&'static str);

impl PipelineFn for Named {
    fn name(&self) -> String {
        self.0.into()
    }

    fn filter(&self, token: String) -> Option<String> {
        Some(token)
    }
}

impl Language for Prepared {
    fn name(&self) -> String {
        English::new().name()
    }

    fn code(&self) -> String {
        English::new().code()
    }

    fn tokenize(&self, text: &str) -> Vec<String> {
        // Terms hold no whitespace, and none is empty (English's stop words
        // include the empty word).
        text.split(' ')
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect()
    }

    fn make_pipeline(&self) -> Pipeline {
        let queue = English::new()
            .make_pipeline()
            .queue
            .iter()
            .map(|step| {
                let name: &'static str = match step.name().as_str() {
                    "trimmer" => "trimmer",
                    "stopWordFilter" => "stopWordFilter",
                    "stemmer" => "stemmer",
                    other => unreachable!("English has no `{other}` step"),
                };
                Box::new(Named(name)) as Box<dyn PipelineFn>
            })
            .collect();
        Pipeline { queue }
    }
}

/// The terms English indexes `text` as, joined by spaces (what
/// [`Prepared::tokenize`] splits).
fn terms(english: &(English, Pipeline), text: &str) -> String {
    let (language, pipeline) = english;
    pipeline.run(language.tokenize(text)).join(" ")
}

/// An empty index of [`FIELDS`], read with `language`.
fn empty_index(language: Box<dyn Language>) -> Index {
    IndexBuilder::with_language(language)
        .save_docs(false)
        .add_fields(&FIELDS)
        .build()
}

/// The index file of a site, as JSON.
pub fn index(r: &Renderer<'_>) -> String {
    let site = r.site;
    let views = r.views;
    let mut docs: Vec<Doc<'_>> = Vec::new();
    let company = site.config.company.as_str();
    fn team_name<'v>(t: &'v Option<super::view::Link>, company: &'v str) -> &'v str {
        t.as_ref().map_or(company, |l| l.title.as_str())
    }
    for (id, o) in site.objectives.iter_enumerated() {
        let v = &views.objectives[id];
        let team = team_name(&v.team, company);
        docs.push(Doc {
            row: [
                "objective".into(),
                v.title.clone(),
                v.url.clone(),
                format!("{} · {team}", v.year_label),
            ],
            title: &v.title,
            who: format!("{} {team}", v.owner.title),
            text: Text::Markdown(&o.body),
        });
    }
    // Each KR's row, for its updates' rows to point at.
    let mut kr_rows: IdVec<KrId, usize> = IdVec::new();
    for (id, k) in site.key_results.iter_enumerated() {
        kr_rows.push(docs.len());
        let v = &views.krs[id];
        let team = team_name(&v.team, company);
        docs.push(Doc {
            row: [
                "kr".into(),
                v.title.clone(),
                v.url.clone(),
                format!("{} · {team}", v.quarter_label),
            ],
            title: &v.title,
            who: format!("{} {team}", v.owner.title),
            text: Text::Markdown(&k.body),
        });
    }
    for t in &views.teams {
        let body = site
            .teams
            .iter()
            .find(|s| s.id == t.id)
            .map_or("", |s| &s.body);
        docs.push(Doc {
            row: ["team".into(), t.name.clone(), t.url.clone(), "Team".into()],
            title: &t.name,
            who: t.lead.as_ref().map(|l| l.title.clone()).unwrap_or_default(),
            text: Text::Markdown(body),
        });
    }
    for p in &views.people {
        docs.push(Doc {
            row: [
                "person".into(),
                p.name.clone(),
                p.url.clone(),
                "Person".into(),
            ],
            title: &p.name,
            who: String::new(),
            text: Text::Plain(""),
        });
    }
    // An update's row points at its KR's row (title and page) and adds the
    // anchor: 50k updates would otherwise repeat their KR's title and URL.
    // The KR's own document has its title and team: the update is found by
    // its author and the words of its summary.
    for (u, &kr) in views.updates.iter().zip(&views.update_krs) {
        let anchor = u.url.rsplit_once('#').map_or("", |(_, a)| a);
        docs.push(Doc {
            row: [
                "update".into(),
                kr_rows[kr].to_string(),
                format!("#{anchor}"),
                format!("{} · {}", u.date, u.author.title),
            ],
            title: "",
            who: u.author.title.clone(),
            text: Text::Plain(&u.summary),
        });
    }
    // Tokenising and stemming, most of the work, in parallel; the index itself
    // is one tree, filled in the site's order.
    let words: Vec<[String; 3]> = docs
        .par_iter()
        .map_init(
            || {
                let english = English::new();
                let pipeline = english.make_pipeline();
                (english, pipeline)
            },
            |english, doc| {
                let text = match doc.text {
                    Text::Plain(t) => terms(english, t),
                    Text::Markdown(md) => terms(english, &plain_text(md)),
                };
                [terms(english, doc.title), terms(english, &doc.who), text]
            },
        )
        .collect();
    let mut index = empty_index(Box::new(Prepared));
    for (r, words) in words.iter().enumerate() {
        index.add_doc(&r.to_string(), words);
    }
    let file = SearchFile {
        docs: docs.into_iter().map(|d| d.row).collect(),
        index: &index,
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
            [
                "Plan", "Ship", "fast", "code", ".", "one", "two", "raw", "html"
            ]
        );
    }

    /// Terms made in advance give the index elasticlunr-rs's English makes
    /// from the text itself, byte for byte, pipeline names included.
    #[test]
    fn prepared_terms_index_as_english_does() {
        let texts = [
            [
                "Reduce p99 latency",
                "Ana Ruiz Platform",
                "Caching the hot paths — ‘fast’ re-runs; it's the running of runners, ½ of 2024’s goal.",
            ],
            ["", "Bo", "the of and · -- «quoted» CAPS Straße naïve café"],
            ["· — …", "- -", "'' \" ! ?"],
            ["Ünïcode ünïcode", "", ""],
        ];
        let mut direct = empty_index(Box::new(English::new()));
        let mut prepared = empty_index(Box::new(Prepared));
        let english = (English::new(), English::new().make_pipeline());
        for (r, t) in texts.iter().enumerate() {
            direct.add_doc(&r.to_string(), t);
            prepared.add_doc(&r.to_string(), t.map(|t| terms(&english, t)));
        }
        assert_eq!(prepared.to_json(), direct.to_json());
        assert!(
            direct
                .to_json()
                .contains("\"pipeline\":[\"trimmer\",\"stopWordFilter\",\"stemmer\"]")
        );
    }
}
