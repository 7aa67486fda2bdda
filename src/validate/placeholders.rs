//! Text that `okra new` writes for the author to replace.
//!
//! A new objective, KR or update checks clean on purpose (so `okra new` never
//! leaves a broken site), which means a forgotten "New key result" would be
//! published as it is. These warnings catch it before review.
//!
//! The strings must match what `crate::scaffold` writes; a unit test below
//! generates the scaffolds and checks that every one of them is recognised.

use crate::diag::{Diagnostic, Diagnostics, Loc};
use crate::load::Site;

/// The title `okra new objective` writes.
pub const OBJECTIVE_TITLE: &str = "New objective";
/// The title `okra new kr` writes.
pub const KR_TITLE: &str = "New key result";
/// The owner `okra new` writes when `git config user.name` is not set.
pub const OWNER: &str = "Your Name";
/// The description `okra new objective` writes.
pub const OBJECTIVE_BODY: &str =
    "Why this objective matters this year, and how it serves the company's goals.";
/// The scoring description `okra new kr` writes.
pub const KR_BODY: &str =
    "How this key result is scored: the data source, what counts, and when it is measured.";
/// The texts `okra new update` writes (during the quarter, and at mid-quarter scoring).
pub const UPDATE_BODIES: [&str; 2] = [
    "What happened since the last update, what's next, and any blockers.",
    "Mid-quarter scoring: where the KR stands and the end-of-quarter result you expect.",
];

/// The text `okra new review` writes.
pub const REVIEW_BODY: &str = "What the year's OKRs tell us: what went well, what did not, how good the forecasts were, and what changes next year.";

fn same(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b)
}

/// What `okra new` wrote for one kind of file, and what should replace it.
struct Kind {
    what: &'static str,
    title: &'static str,
    body: &'static str,
    want_title: &'static str,
    want_body: &'static str,
}

const OBJECTIVE: Kind = Kind {
    what: "objective",
    title: OBJECTIVE_TITLE,
    body: OBJECTIVE_BODY,
    want_title: "a short, clear statement of what the team wants to achieve this year",
    want_body: "why the objective matters this year and how it serves the company's goals",
};

const KEY_RESULT: Kind = Kind {
    what: "key result",
    title: KR_TITLE,
    body: KR_BODY,
    want_title: "a measurable result, e.g. \"Raise weekly signups from 200 to 500\"",
    want_body: "how the key result is scored: the data source, what counts, and when it is measured",
};

/// The fields of an objective or KR that `okra new` fills in.
struct Head<'a> {
    kind: &'static Kind,
    source: &'a std::path::Path,
    locs: &'a crate::load::model::Locs,
    title: &'a str,
    owner: &'a str,
    body: &'a str,
}

/// Warns about placeholder titles, owners and texts. Drafts are exempt: a
/// draft is where a half-written OKR is supposed to live.
pub fn placeholders(site: &Site, diags: &mut Diagnostics) {
    let objectives = site
        .objectives
        .iter()
        .filter(|o| !o.meta.draft)
        .map(|o| Head {
            kind: &OBJECTIVE,
            source: &o.source,
            locs: &o.locs,
            title: &o.meta.title,
            owner: &o.meta.owner,
            body: &o.body,
        });
    let key_results = site
        .key_results
        .iter()
        .filter(|k| !k.meta.draft)
        .map(|k| Head {
            kind: &KEY_RESULT,
            source: &k.source,
            locs: &k.locs,
            title: &k.meta.title,
            owner: &k.meta.owner,
            body: &k.body,
        });
    for h in objectives.chain(key_results) {
        let Kind { what, .. } = h.kind;
        if same(h.title, h.kind.title) {
            diags.push(Diagnostic::warning(
                "placeholder",
                h.locs.title.clone().unwrap_or_else(|| Loc::file(h.source)),
                format!(
                    "the {what}'s title is still the placeholder \"{}\"",
                    h.kind.title
                ),
                format!("set `title` to {}", h.kind.want_title),
            ));
        }
        if same(h.owner, OWNER) {
            diags.push(Diagnostic::warning(
                "placeholder",
                h.locs.owner.clone().unwrap_or_else(|| Loc::file(h.source)),
                format!("the {what}'s owner is still the placeholder \"{OWNER}\""),
                "set `owner` to the one accountable person (okra new takes it from `git config user.name`)",
            ));
        }
        if h.body.contains(h.kind.body) {
            diags.push(Diagnostic::warning(
                "placeholder",
                Loc::file(h.source),
                format!(
                    "the {what}'s text is still the placeholder \"{}\"",
                    h.kind.body
                ),
                format!(
                    "below the closing `+++`, replace it with {}",
                    h.kind.want_body
                ),
            ));
        }
    }
    // Every update's text is searched: memchr's searchers, made once, are
    // several times quicker than `str::contains` over a large site.
    let finders = UPDATE_BODIES.map(|p| (p, memchr::memmem::Finder::new(p)));
    for k in site.key_results.iter().filter(|k| !k.meta.draft) {
        for u in &k.updates {
            let found = finders
                .iter()
                .find(|(_, f)| f.find(u.body.as_bytes()).is_some());
            if let Some((p, _)) = found {
                diags.push(Diagnostic::warning(
                    "placeholder",
                    Loc::file(&u.source),
                    format!("the update's text is still the placeholder \"{p}\""),
                    "below the closing `+++`, say what happened, what's next and any blockers (at mid-quarter: the end-of-quarter result you expect)",
                ));
            }
        }
    }
    for r in &site.reviews {
        if r.body.contains(REVIEW_BODY) || r.author.as_deref() == Some(OWNER) {
            diags.push(Diagnostic::warning(
                "placeholder",
                Loc::file(&r.source),
                "the yearly review still holds the placeholder text or author that `okra new review` wrote",
                "below the closing `+++`, write the analysis of the year's OKRs; set `author` to who wrote it",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::period::{FiscalYear, Quarter};
    use crate::scaffold;

    /// Front matter `key = "value"` of a scaffold, and its body.
    fn field<'a>(text: &'a str, key: &str) -> &'a str {
        let line = text
            .lines()
            .find(|l| l.starts_with(&format!("{key} = ")))
            .unwrap();
        line.split('"').nth(1).unwrap()
    }

    fn body(text: &str) -> &str {
        text.rsplit("+++\n").next().unwrap()
    }

    #[test]
    fn the_placeholders_are_what_okra_new_writes() {
        let r = scaffold::review(FiscalYear(2024), OWNER);
        assert!(body(&r).contains(REVIEW_BODY), "{r}");
        assert_eq!(field(&r, "author"), OWNER);
        assert_eq!(field(&r, "title"), "FY24 in review");
        let o = scaffold::objective(FiscalYear(2026), OWNER, &[], &[]);
        assert_eq!(field(&o, "title"), OBJECTIVE_TITLE);
        assert_eq!(field(&o, "owner"), OWNER);
        assert!(body(&o).contains(OBJECTIVE_BODY), "{o}");
        let q = Quarter {
            year: FiscalYear(2026),
            q: 4,
        };
        let k = scaffold::key_result(q, OWNER, Some("tech"));
        assert_eq!(field(&k, "title"), KR_TITLE);
        assert!(body(&k).contains(KR_BODY), "{k}");
        for mid in [false, true] {
            let u = scaffold::update("on-track", "1", mid);
            assert!(UPDATE_BODIES.iter().any(|p| body(&u).contains(p)), "{u}");
        }
    }

    /// The placeholder warnings of a site made of `okra new`'s own files: one
    /// published objective with a KR and an update, and the same as drafts.
    #[test]
    fn every_placeholder_is_found_in_published_okrs_and_none_in_drafts() {
        let q = Quarter {
            year: FiscalYear(2026),
            q: 2,
        };
        let draft = |text: String| text.replacen("+++\n", "+++\ndraft = true\n", 1);
        let objective = scaffold::objective(FiscalYear(2026), OWNER, &[], &[]);
        let kr = scaffold::key_result(q, OWNER, None);
        let files = vec![
            ("content/fy26/o/objective.md".to_string(), objective.clone()),
            ("content/fy26/o/k.md".to_string(), kr.clone()),
            (
                "content/fy26/o/k/2026-04-10.md".to_string(),
                scaffold::update("on-track", "1", false),
            ),
            ("content/fy26/d/objective.md".to_string(), draft(objective)),
            ("content/fy26/d/k.md".to_string(), draft(kr)),
            (
                "content/fy26/d/k/2026-04-10.md".to_string(),
                scaffold::update("on-track", "1", true),
            ),
        ];
        let checked = crate::pipeline::check_in_memory(
            "title = \"T\"\n",
            &files,
            "2026-05-01".parse().unwrap(),
        );
        let mut found: Vec<(String, u32, String)> = checked
            .diagnostics
            .iter()
            .filter(|d| d.code == "placeholder")
            .map(|d| {
                (
                    crate::diag::display_path(&d.loc.file),
                    d.loc.line,
                    d.message.clone(),
                )
            })
            .collect();
        found.sort();
        let messages: Vec<String> = found.iter().map(|f| f.2.clone()).collect();
        assert_eq!(
            messages,
            [
                format!("the key result's text is still the placeholder \"{KR_BODY}\""),
                "the key result's title is still the placeholder \"New key result\"".into(),
                "the key result's owner is still the placeholder \"Your Name\"".into(),
                "the update's text is still the placeholder \"What happened since the last update, what's next, and any blockers.\"".into(),
                format!("the objective's text is still the placeholder \"{OBJECTIVE_BODY}\""),
                "the objective's title is still the placeholder \"New objective\"".into(),
                "the objective's owner is still the placeholder \"Your Name\"".into(),
            ],
            "{found:#?}"
        );
        // Every warning is in the published objective's folder, and the title
        // and owner point at their own lines.
        assert!(
            found.iter().all(|f| f.0.starts_with("content/fy26/o/")),
            "{found:#?}"
        );
        assert!(found.iter().filter(|f| f.1 > 1).count() >= 4, "{found:#?}");
    }

    #[test]
    fn comparison_ignores_case_and_surrounding_space() {
        assert!(same(" new Key Result ", KR_TITLE));
        assert!(!same("New key results for growth", KR_TITLE));
    }
}
