//! `target-changed`: a KR's start, target, metric or title changed (in git
//! history) after its quarter started, with no `rebaseline` reason recorded.
//! "Don't edit OKRs after the quarter starts" becomes a rule okra can check.

use crate::diag::{Diagnostic, Diagnostics, Loc};
use crate::load::Site;
use crate::load::history::{Change, Field, Value};

pub fn target_changed(site: &Site, diags: &mut Diagnostics) {
    for k in &site.key_results {
        // Drafts are work in progress; a reason turns the warning into a note
        // on the KR page.
        if k.changes.is_empty() || k.meta.draft || k.meta.rebaseline.is_some() {
            continue;
        }
        let list: Vec<String> = k.changes.iter().map(describe).collect();
        diags.push(Diagnostic::warning(
            "target-changed",
            changed_key(k),
            format!(
                "changed after {} started on {}: {}",
                k.meta.quarter,
                site.config.calendar.quarter_start(k.meta.quarter),
                list.join("; ")
            ),
            "if the change is meant, say why in the KR's front matter, e.g. `rebaseline = \"the Q1 baseline was measured wrongly\"`: the KR page then shows the change with the reason and this warning goes; otherwise revert the change",
        ));
    }
}

/// Where the KR's first changed key is written today (the file's start when
/// the key is absent, e.g. a boolean KR's implicit start).
fn changed_key(k: &crate::load::KeyResult) -> Loc {
    let locs = &k.locs;
    k.changes
        .iter()
        .find_map(|c| match c.field {
            Field::Title => locs.title.clone(),
            Field::Metric => locs.metric.clone(),
            Field::Start => locs.start.clone(),
            Field::Target => locs.target.clone(),
        })
        .unwrap_or_else(|| Loc::file(&k.source))
}

fn value(v: &Value) -> String {
    match v {
        Value::Number(n) => n.to_string(),
        Value::Text(t) => format!("`{t}`"),
    }
}

/// `target 200 → 180 on 2024-02-21 (commit abc1234 "Lower it", easier)`.
pub fn describe(c: &Change) -> String {
    format!(
        "{} {} → {} on {} (commit {} \"{}\"{})",
        c.field.as_str(),
        value(&c.from),
        value(&c.to),
        c.date,
        c.commit,
        c.subject,
        if c.easier { ", easier" } else { "" }
    )
}
