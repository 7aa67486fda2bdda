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
//! The file holds two things: `index`, an elasticlunr.js index (without a
//! document store), whose document refs are positions in `docs`; and `docs`,
//! one `[kind, title, url, context]` row per document for the result list
//! (`url` relative to the site root), except that an update's row is
//! `["update", its KR's row, "#anchor", context]`. Both are written in the
//! site's order, maps in sorted order, so a build writes the same bytes every
//! time.
//!
//! elasticlunr-rs reads the words (its English stop words and stemmer, run
//! in parallel, once per distinct word: see [`Terms`]), and [`write_index`]
//! writes the index itself in the format elasticlunr-rs's `Index` serialises
//! to, byte for byte (a unit test compares the two). elasticlunr-rs's `Index` keeps every term as a tree
//! of one map per character and every posting keyed by a string: filling and
//! serialising it was a sixth of a 10k-KR build's CPU, on one core; one hash
//! map of terms, sorted once, writes the same file in a fraction of that.

use elasticlunr::lang::{English, Language};
use elasticlunr::pipeline::Pipeline;
use pulldown_cmark::{Event, Parser};
use rayon::prelude::*;

use super::Renderer;
use crate::load::{IdVec, KrId};

/// Where the index is written, beside the search page.
pub const INDEX: &str = "search/index.json";

/// The fields of every document, in the order a document's terms hold them.
const FIELDS: [&str; 3] = ["title", "who", "text"];

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

/// English's pipeline (trimmer, stop words, stemmer), with what it made of
/// each word seen so far: a site's text repeats the same words, and stemming
/// each again was most of making the index.
struct Terms {
    pipeline: Pipeline,
    /// Word as written → its term, or None for a dropped word.
    seen: std::collections::HashMap<Box<str>, Option<Box<str>>>,
    /// How many words `seen` may hold ([`SEEN_WORDS`]).
    limit: usize,
}

/// Distinct words a [`Terms`] remembers: bounded, so a site of random
/// strings cannot grow it without end (beyond it, words are stemmed each time).
const SEEN_WORDS: usize = 100_000;

impl Terms {
    fn new() -> Terms {
        Terms {
            pipeline: English::new().make_pipeline(),
            seen: Default::default(),
            limit: SEEN_WORDS,
        }
    }

    /// The terms English indexes `text` as, joined by spaces (what
    /// [`write_index`] splits): `pipeline.run(language.tokenize(text))`
    /// joined, word by word. The pipeline takes each word alone, so a word
    /// always gives the same term.
    fn of(&mut self, text: &str) -> String {
        let mut out = String::new();
        let mut first = true;
        // elasticlunr's `tokenize_whitespace`: split at whitespace and
        // hyphens, each word lower-cased (the trim it also does is a no-op
        // after such a split).
        for word in text
            .split(|c: char| c.is_whitespace() || c == '-')
            .filter(|w| !w.is_empty())
        {
            let made;
            let term = match self.seen.get(word) {
                Some(term) => term.as_deref(),
                None => {
                    made = self.pipeline.run(vec![word.to_lowercase()]).pop();
                    if self.seen.len() < self.limit {
                        self.seen
                            .insert(word.into(), made.as_deref().map(Box::from));
                    }
                    made.as_deref()
                }
            };
            if let Some(term) = term {
                if !first {
                    out.push(' ');
                }
                first = false;
                out.push_str(term);
            }
        }
        out
    }
}

/// The postings of one term in one field: (document, term frequency) in
/// document order.
type Postings = Vec<(u32, f64)>;

/// The elasticlunr.js index of documents whose terms are `words` (one row per
/// document, the [`FIELDS`] in order, terms joined by spaces as [`terms`]
/// makes them), as the JSON elasticlunr-rs writes for an `Index` of the
/// fields with English and no document store: the same keys in the same
/// order, numbers formatted alike.
fn write_index(words: &[[String; 3]]) -> String {
    use std::collections::HashMap;
    use std::fmt::Write;
    let mut postings: [HashMap<&str, Postings>; 3] = Default::default();
    let mut lengths: Vec<[usize; 3]> = Vec::with_capacity(words.len());
    let mut tokens: Vec<&str> = Vec::new();
    for (doc, row) in words.iter().enumerate() {
        let doc = u32::try_from(doc).expect("fewer than 4 billion documents");
        let mut length = [0; 3];
        for (field, text) in row.iter().enumerate() {
            tokens.clear();
            tokens.extend(text.split(' ').filter(|t| !t.is_empty()));
            length[field] = tokens.len();
            tokens.sort_unstable();
            for run in tokens.chunk_by(|a, b| a == b) {
                // elasticlunr's term frequency: the root of the count.
                let tf = (run.len() as f64).sqrt();
                postings[field].entry(run[0]).or_default().push((doc, tf));
            }
        }
        lengths.push(length);
    }
    // Maps keyed by document ref are ordered as strings: "0", "1", "10", "100", …
    let refs: Vec<String> = (0..words.len()).map(|r| r.to_string()).collect();
    let mut by_ref: Vec<u32> = (0..u32::try_from(words.len()).unwrap_or(u32::MAX)).collect();
    by_ref.sort_unstable_by(|a, b| refs[*a as usize].cmp(&refs[*b as usize]));
    let mut rank = vec![0u32; words.len()];
    for (i, &doc) in by_ref.iter().enumerate() {
        rank[doc as usize] = i as u32;
    }
    let json = |value: &str| serde_json::to_string(value).expect("a string serialises");
    let english = English::new();
    let pipeline: Vec<String> = english
        .make_pipeline()
        .queue
        .iter()
        .map(|step| step.name())
        .collect();
    let mut out = String::with_capacity(words.len() * 256);
    let _ = write!(
        out,
        "{{\"fields\":{},\"pipeline\":{},\"ref\":\"id\",\"version\":{},\"index\":{{",
        serde_json::to_string(&FIELDS).expect("field names serialise"),
        serde_json::to_string(&pipeline).expect("step names serialise"),
        json(elasticlunr::ELASTICLUNR_VERSION),
    );
    // Fields by name, as elasticlunr's map of them, with their names as JSON.
    let mut fields: Vec<usize> = (0..FIELDS.len()).collect();
    fields.sort_by_key(|&f| FIELDS[f]);
    let field_keys: Vec<String> = fields.iter().map(|&f| json(FIELDS[f])).collect();
    let mut tf_text: HashMap<u64, String> = HashMap::new();
    for (n, &field) in fields.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        let _ = write!(out, "{}:{{\"root\":", field_keys[n]);
        let mut terms: Vec<(&str, &mut Postings)> = postings[field]
            .iter_mut()
            .map(|(term, p)| (*term, p))
            .collect();
        terms.sort_unstable_by(|a, b| a.0.cmp(b.0));
        write_tree(&mut out, &mut terms, &rank, &refs, &mut tf_text);
        out.push('}');
    }
    out.push_str("},\"documentStore\":{\"save\":false,\"docs\":{");
    for (i, &doc) in by_ref.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "\"{}\":{{}}", refs[doc as usize]);
    }
    out.push_str("},\"docInfo\":{");
    for (i, &doc) in by_ref.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "\"{}\":{{", refs[doc as usize]);
        for (n, &field) in fields.iter().enumerate() {
            if n > 0 {
                out.push(',');
            }
            let _ = write!(out, "{}:{}", field_keys[n], lengths[doc as usize][field]);
        }
        out.push('}');
    }
    let _ = write!(
        out,
        "}},\"length\":{}}},\"lang\":{}}}",
        words.len(),
        json(&english.name())
    );
    out
}

/// elasticlunr's tree of terms, one node per character: a node holds the
/// postings of the term that ends there (`docs`, keyed by ref, and their
/// count `df`) and then its children by character. Written from the terms in
/// sorted order with a stack of open nodes, not by recursion: a very long
/// word must not overflow the stack.
fn write_tree(
    out: &mut String,
    terms: &mut [(&str, &mut Postings)],
    rank: &[u32],
    refs: &[String],
    tf_text: &mut std::collections::HashMap<u64, String>,
) {
    let mut open: Vec<char> = Vec::new();
    out.push_str("{\"docs\":{},\"df\":0");
    for (term, postings) in terms.iter_mut() {
        let chars: Vec<char> = term.chars().collect();
        let common = open.iter().zip(&chars).take_while(|(a, b)| a == b).count();
        for _ in common..open.len() {
            out.push('}');
        }
        open.truncate(common);
        for (i, &c) in chars.iter().enumerate().skip(common) {
            let mut key = [0u8; 4];
            out.push(',');
            out.push_str(
                &serde_json::to_string(c.encode_utf8(&mut key) as &str)
                    .expect("a character serialises"),
            );
            out.push_str(":{\"docs\":{");
            if i + 1 == chars.len() {
                postings.sort_unstable_by_key(|&(doc, _)| rank[doc as usize]);
                for (n, &(doc, tf)) in postings.iter().enumerate() {
                    if n > 0 {
                        out.push(',');
                    }
                    let tf = tf_text.entry(tf.to_bits()).or_insert_with(|| {
                        serde_json::to_string(&tf).expect("a term frequency serialises")
                    });
                    out.push('"');
                    out.push_str(&refs[doc as usize]);
                    out.push_str("\":{\"tf\":");
                    out.push_str(tf);
                    out.push('}');
                }
                out.push_str("},\"df\":");
                out.push_str(&postings.len().to_string());
            } else {
                out.push_str("},\"df\":0");
            }
            open.push(c);
        }
    }
    for _ in 0..open.len() {
        out.push('}');
    }
    out.push('}');
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
    // Tokenising and stemming, most of the work, in parallel (in chunks, each
    // with its own memory of words); the index itself is one tree, filled in
    // the site's order.
    let words: Vec<[String; 3]> = docs
        .par_chunks(256)
        .flat_map_iter(|chunk| {
            let mut terms = Terms::new();
            chunk
                .iter()
                .map(|doc| {
                    let text = match doc.text {
                        Text::Plain(t) => terms.of(t),
                        Text::Markdown(md) => terms.of(&plain_text(md)),
                    };
                    [terms.of(doc.title), terms.of(&doc.who), text]
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let rows: Vec<[String; 4]> = docs.into_iter().map(|d| d.row).collect();
    let mut file = String::from("{\"docs\":");
    file.push_str(&serde_json::to_string(&rows).expect("document rows serialise"));
    file.push_str(",\"index\":");
    file.push_str(&write_index(&words));
    file.push('}');
    file
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Remembered words give the terms elasticlunr's own tokenizer and
    /// pipeline give the whole text, with room for every word or for none.
    #[test]
    fn terms_are_elasticlunrs_pipeline_over_its_tokens() {
        let english = English::new();
        let pipeline = english.make_pipeline();
        let pieces = [
            "Reduce",
            "reducing",
            "the",
            "THE",
            "and",
            "-",
            "--",
            " ",
            "\t",
            "\n",
            "\u{a0}",
            "\u{2003}",
            "p99",
            "latency's",
            "İstanbul",
            "ÉTÉ",
            "...",
            "'",
            "\"quoted\"",
            "a-b",
            "x",
            "connections",
            "ΣΑΣ",
            "ß",
            "",
            "running",
            "ran",
        ];
        let mut rng = crate::render::test_rng::Rng::new(11);
        let mut remembering = Terms::new();
        let mut forgetting = Terms::new();
        forgetting.limit = 0;
        for _ in 0..3000 {
            let text: String = (0..rng.below(12))
                .map(|_| pieces[rng.below(pieces.len())])
                .collect();
            let expected = pipeline.run(english.tokenize(&text)).join(" ");
            assert_eq!(remembering.of(&text), expected, "{text:?}");
            assert_eq!(forgetting.of(&text), expected, "{text:?}");
        }
        assert!(forgetting.seen.is_empty());
        assert!(remembering.seen.len() > 20);
    }

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

    /// elasticlunr-rs's own index of the same texts, read with English.
    fn elasticlunr_json(texts: &[[&str; 3]]) -> String {
        let mut index = elasticlunr::IndexBuilder::with_language(Box::new(English::new()))
            .save_docs(false)
            .add_fields(&FIELDS)
            .build();
        for (r, t) in texts.iter().enumerate() {
            index.add_doc(&r.to_string(), t);
        }
        index.to_json()
    }

    fn written_json(texts: &[[&str; 3]]) -> String {
        let mut terms = Terms::new();
        let words: Vec<[String; 3]> = texts.iter().map(|t| t.map(|t| terms.of(t))).collect();
        write_index(&words)
    }

    /// The index okra writes is the one elasticlunr-rs makes from the text
    /// itself, byte for byte: terms, tree, postings ordered by ref as strings,
    /// term frequencies, field lengths, pipeline and language names.
    #[test]
    fn the_written_index_is_elasticlunrs() {
        let texts = [
            [
                "Reduce p99 latency",
                "Ana Ruiz Platform",
                "Caching the hot paths — ‘fast’ re-runs; it's the running of runners, ½ of 2024’s goal.",
            ],
            ["", "Bo", "the of and · -- «quoted» CAPS Straße naïve café"],
            ["· — …", "- -", "'' \" ! ?"],
            ["Ünïcode ünïcode", "", ""],
            [
                "run run run runner",
                "a\\b \"q\" tab\there",
                "x\u{1}y 😀 emoji 😀",
            ],
        ];
        assert_eq!(written_json(&texts), elasticlunr_json(&texts));
        assert!(
            written_json(&texts)
                .contains("\"pipeline\":[\"trimmer\",\"stopWordFilter\",\"stemmer\"]")
        );
        assert_eq!(written_json(&[]), elasticlunr_json(&[]));
    }

    /// The same on many generated documents: more than ten (refs order as
    /// strings), shared prefixes, repeated terms, words of one to many letters.
    #[test]
    fn the_written_index_is_elasticlunrs_on_generated_text() {
        let mut rng = crate::render::test_rng::Rng::new(0x2545_f491_4f6c_dd1d);
        let mut next = move |n: u64| rng.next_u64() % n;
        let syllables = ["ra", "re", "run", "ning", "é", "ß", "x", "ta", "s", "ed"];
        let word = |next: &mut dyn FnMut(u64) -> u64| -> String {
            (0..=next(4))
                .map(|_| syllables[next(10) as usize])
                .collect()
        };
        let owned: Vec<[String; 3]> = (0..137)
            .map(|_| {
                [0, 1, 2].map(|field| {
                    (0..next(if field == 2 { 30 } else { 4 }))
                        .map(|_| word(&mut next))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
            })
            .collect();
        let texts: Vec<[&str; 3]> = owned
            .iter()
            .map(|t| t.each_ref().map(String::as_str))
            .collect();
        assert_eq!(written_json(&texts), elasticlunr_json(&texts));
    }

    /// A word of many thousand letters is one path of the tree: written
    /// without recursion, it cannot overflow the stack.
    #[test]
    fn a_very_long_word_is_written() {
        let long = "a".repeat(200_000);
        let json = write_index(&[[long, String::new(), String::new()]]);
        assert!(json.len() > 200_000 * 20);
    }
}
