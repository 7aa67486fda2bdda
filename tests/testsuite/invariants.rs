//! Invariants over many generated sites (`common::sitegen`): content nobody
//! wrote by hand, with random shapes, fiscal calendars and as-of days.
//!
//! Every site is built by the real binary; then, on every page:
//! - every relative link and image resolves to a file of the site;
//! - every KR row shows the progress and status that `okrs.json` has for it;
//! - every objective card shows the progress `okrs.json` has for its scope;
//! - the yearly review's quarter cells equal `okrs.json`'s quarters;
//! - a team page lists exactly the team's KRs of the current quarter, and its
//!   count says how many it lists; a quarter page's count equals `okrs.json`;
//! - the build finishes in seconds whatever the numbers (a timeout kills it).

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

/// Sites per run. Each is small; together they cover the shapes above.
const SITES: u64 = 40;

/// Extreme numbers (±1e308, 1e-300) in some KRs.
const EXTREMES: bool = true;

/// A build that takes longer than this on a small site is a hang.
const BUILD_LIMIT: Duration = Duration::from_secs(60);

fn build(root: &Path, out: &Path, as_of: &str) {
    let mut child = common::okra()
        .args(["build", "--root"])
        .arg(root)
        .arg("--output")
        .arg(out)
        .args(["--as-of", as_of])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let t = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            use std::io::Read as _;
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut err)
                .unwrap();
            assert!(status.success(), "{}: build failed:\n{err}", root.display());
            return;
        }
        if t.elapsed() > BUILD_LIMIT {
            let _ = child.kill();
            panic!(
                "{}: build still running after {BUILD_LIMIT:?}",
                root.display()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `progress` as a page shows it: `62%`, or `no progress yet`.
fn shown(p: &Value) -> String {
    match p.as_f64() {
        Some(v) if v.is_finite() => format!("{}%", (v * 100.0).round() as i64),
        _ => "no progress yet".into(),
    }
}

/// The text of the first `<span class="progress-text">` in `html`.
fn first_progress(html: &str) -> Option<String> {
    let i = html.find("class=\"progress-text\">")? + "class=\"progress-text\">".len();
    Some(html[i..i + html[i..].find('<')?].to_string())
}

/// The first status class (`status-on-track`) in `html`.
fn first_status(html: &str) -> Option<String> {
    let i = html.find("class=\"status status-")? + "class=\"status status-".len();
    Some(html[i..i + html[i..].find('"')?].to_string())
}

/// Every `<tag … attr="value"…>` element's value of `attr`, with the HTML
/// from that tag to the matching end `</tag>` (elements of one kind do not
/// nest in these templates, except cards, handled by the caller).
fn elements<'h>(html: &'h str, tag: &str, attr: &str) -> Vec<(String, &'h str)> {
    let needle = format!(" {attr}=\"");
    let close = format!("</{tag}>");
    let open = format!("<{tag} ");
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = html[from..].find(&open) {
        let start = from + i;
        let tag_end = start + html[start..].find('>').unwrap();
        from = tag_end;
        let Some(a) = html[start..tag_end].find(&needle) else {
            continue;
        };
        let v = start + a + needle.len();
        let value = html[v..v + html[v..].find('"').unwrap()].to_string();
        let end = html[tag_end..]
            .find(&close)
            .map_or(html.len(), |e| tag_end + e);
        out.push((value, &html[tag_end..end]));
    }
    out
}

/// Every relative `href`/`src` of `page` (a path relative to the site) must be a file.
fn check_links(site: &Path, page: &str, html: &str, problems: &mut Vec<String>) {
    let dir = Path::new(page).parent().unwrap_or(Path::new(""));
    for tag in common::tags(html) {
        for attr in ["href=\"", "src=\""] {
            let mut rest = tag.as_str();
            while let Some(i) = rest.find(attr) {
                // Only whole attributes (` href="`), not `data-href="`.
                let whole = i == 0 || rest.as_bytes()[i - 1].is_ascii_whitespace();
                rest = &rest[i + attr.len()..];
                let end = rest.find('"').unwrap_or(rest.len());
                let url = &rest[..end];
                rest = &rest[end..];
                if !whole
                    || url.is_empty()
                    || url.starts_with('#')
                    || url.contains(':')
                    || url.starts_with('/')
                {
                    continue;
                }
                let path = url.split(['#', '?']).next().unwrap();
                let mut target = dir.to_path_buf();
                for seg in path.split('/') {
                    match seg {
                        "" | "." => {}
                        ".." => {
                            if !target.pop() {
                                problems.push(format!("{page}: link {url} leaves the site"));
                            }
                        }
                        s => target.push(s),
                    }
                }
                let mut file = site.join(&target);
                if path.ends_with('/') || path.is_empty() || file.is_dir() {
                    file = file.join("index.html");
                }
                if !file.is_file() {
                    problems.push(format!("{page}: broken link {url}"));
                }
            }
        }
    }
}

struct Json {
    as_of: String,
    krs: BTreeMap<String, Value>,
    objectives: BTreeMap<String, Value>,
}

fn json(site: &Path) -> Json {
    let v: Value = serde_json::from_slice(&std::fs::read(site.join("okrs.json")).unwrap()).unwrap();
    let mut krs = BTreeMap::new();
    let mut objectives = BTreeMap::new();
    for o in v["objectives"].as_array().unwrap() {
        for k in o["key_results"].as_array().unwrap() {
            krs.insert(k["id"].as_str().unwrap().to_string(), k.clone());
        }
        objectives.insert(o["id"].as_str().unwrap().to_string(), o.clone());
    }
    Json {
        as_of: v["as_of"].as_str().unwrap().to_string(),
        krs,
        objectives,
    }
}

fn status_key(v: &Value) -> String {
    v.as_str().unwrap_or("no-update").to_string()
}

/// Checks one built site; returns what is wrong and how many pages it read.
#[derive(Default, Debug)]
struct Checks {
    pages: usize,
    kr_rows: usize,
    cards: usize,
    review_cells: usize,
    teams: usize,
    attention: usize,
    alignment: usize,
}

fn check_site(site: &Path, as_of: &str, checks: &mut Checks) -> Vec<String> {
    let j = json(site);
    let mut problems = Vec::new();
    if j.as_of != as_of {
        problems.push(format!(
            "okrs.json is as of {}, the build as of {as_of}",
            j.as_of
        ));
    }
    for (rel, bytes) in common::read_tree(site) {
        if !rel.ends_with(".html") {
            continue;
        }
        checks.pages += 1;
        let html = String::from_utf8(bytes).unwrap();
        if rel != "404.html" {
            check_links(site, &rel, &html, &mut problems);
        }
        // KR rows agree with okrs.json.
        for (id, row) in elements(&html, "tr", "data-kr") {
            checks.kr_rows += 1;
            let Some(k) = j.krs.get(&id) else {
                problems.push(format!("{rel}: row of unknown KR {id}"));
                continue;
            };
            let want = shown(&k["progress"]);
            if first_progress(row).as_deref() != Some(&want) {
                problems.push(format!(
                    "{rel}: KR {id} shows {:?}, okrs.json {want}",
                    first_progress(row)
                ));
            }
            let st = status_key(&k["status"]);
            if first_status(row).as_deref() != Some(&st) {
                problems.push(format!(
                    "{rel}: KR {id} status {:?}, okrs.json {st}",
                    first_status(row)
                ));
            }
        }
        // Objective cards agree with okrs.json for their scope.
        let mut from = 0;
        while let Some(i) = html[from..].find("data-objective=\"") {
            let at = from + i + "data-objective=\"".len();
            from = at;
            let id = &html[at..at + html[at..].find('"').unwrap()];
            let tag_start = html[..at].rfind('<').unwrap();
            let tag = &html[tag_start..at + html[at..].find('>').unwrap()];
            let Some(o) = j.objectives.get(id) else {
                problems.push(format!("{rel}: card of unknown objective {id}"));
                continue;
            };
            if tag.starts_with("<article") {
                checks.cards += 1;
                let s = tag.find("data-scope=\"").unwrap() + "data-scope=\"".len();
                let scope = &tag[s..s + tag[s..].find('"').unwrap()];
                let want = if scope.contains("-Q") {
                    shown(&o["quarters"][scope])
                } else {
                    shown(&o["progress"])
                };
                let score = &html[at..];
                let score = &score[score.find("card-score").unwrap()..];
                if first_progress(score).as_deref() != Some(&want) {
                    problems.push(format!(
                        "{rel}: card {id} ({scope}) shows {:?}, okrs.json {want}",
                        first_progress(score)
                    ));
                }
            }
        }
        // The alignment tree and the office screen: every KR agrees with
        // okrs.json; every objective node of the tree too, and every
        // objective of the year is in the tree.
        if rel.starts_with("alignment/") || rel.starts_with("tv/") {
            checks.alignment += 1;
            for (id, item) in elements(&html, "li", "data-kr") {
                let Some(k) = j.krs.get(&id) else {
                    problems.push(format!("{rel}: node of unknown KR {id}"));
                    continue;
                };
                let (want, st) = (shown(&k["progress"]), status_key(&k["status"]));
                if first_progress(item).as_deref() != Some(&want)
                    || first_status(item).as_deref() != Some(&st)
                {
                    problems.push(format!(
                        "{rel}: KR {id} node differs from okrs.json {want} {st}"
                    ));
                }
            }
            let mut shown_ids = BTreeSet::new();
            let mut from = 0;
            while let Some(i) = html[from..].find("<li class=\"align-node") {
                let at = from + i;
                from = at + 1;
                let d =
                    at + html[at..].find("data-objective=\"").unwrap() + "data-objective=\"".len();
                let id = &html[d..d + html[d..].find('"').unwrap()];
                shown_ids.insert(id.to_string());
                let Some(o) = j.objectives.get(id) else {
                    problems.push(format!("{rel}: node of unknown objective {id}"));
                    continue;
                };
                let score = &html[d..];
                let score = &score[score.find("align-score").unwrap()..];
                let (want, st) = (shown(&o["progress"]), status_key(&o["status"]));
                if first_progress(score).as_deref() != Some(&want)
                    || first_status(score).as_deref() != Some(&st)
                {
                    problems.push(format!(
                        "{rel}: objective {id} node differs from okrs.json {want} {st}"
                    ));
                }
            }
            if let Some(fy) = rel
                .strip_prefix("alignment/fy")
                .and_then(|y| y.strip_suffix("/index.html"))
            {
                let period = format!("FY{fy}");
                for (id, o) in &j.objectives {
                    if o["period"].as_str() == Some(&period) && !shown_ids.contains(id) {
                        problems.push(format!(
                            "{rel}: objective {id} of {period} is not in the tree"
                        ));
                    }
                }
            }
        }
        // Yearly review cells.
        if rel.starts_with("review/") {
            for (id, row) in elements(&html, "tr", "data-objective") {
                let o = &j.objectives[&id];
                for (q, cell) in elements(row, "td", "data-quarter") {
                    checks.review_cells += 1;
                    let want = match o["quarters"][&q].as_f64() {
                        Some(_) => shown(&o["quarters"][&q]),
                        None => "–".into(),
                    };
                    if !cell.contains(&want) {
                        problems.push(format!("{rel}: review cell {id} {q} lacks {want}: {cell}"));
                    }
                }
            }
        }
        // The dashboard's attention list holds every at-risk and off-track
        // KR of the current quarter.
        if rel == "index.html"
            && let Some((_, section)) = elements(&html, "section", "id")
                .into_iter()
                .find(|(id, _)| id == "attention")
        {
            let listed: BTreeSet<String> = elements(section, "tr", "data-kr")
                .into_iter()
                .map(|(id, _)| id)
                .collect();
            let q = html.find("data-quarter=\"").unwrap() + "data-quarter=\"".len();
            let current = &html[q..q + html[q..].find('"').unwrap()];
            for (id, k) in &j.krs {
                let risky = matches!(k["status"].as_str(), Some("at-risk" | "off-track"));
                if risky && k["period"].as_str() == Some(current) && !listed.contains(id) {
                    problems.push(format!(
                        "{rel}: {id} is {} but not listed first",
                        k["status"]
                    ));
                }
            }
            checks.attention += 1;
        }
        // Team pages: the current quarter lists exactly the team's KRs.
        if let Some(team) = rel
            .strip_prefix("teams/")
            .and_then(|t| t.strip_suffix("/index.html"))
        {
            let (count, section) = elements(&html, "section", "data-kr-count")
                .into_iter()
                .next()
                .expect("team page has a current-quarter section");
            let q = html.find("data-kr-count=").unwrap();
            let q = q + html[q..].find("data-quarter=\"").unwrap() + "data-quarter=\"".len();
            let current_quarter = &html[q..q + html[q..].find('"').unwrap()];
            let listed: BTreeSet<String> = elements(section, "tr", "data-kr")
                .into_iter()
                .map(|(id, _)| id)
                .collect();
            let want: BTreeSet<String> = j
                .krs
                .iter()
                .filter(|(_, k)| k["team"].as_str() == Some(team))
                .filter(|(_, k)| k["period"].as_str() == Some(current_quarter))
                .map(|(id, _)| id.clone())
                .collect();
            checks.teams += 1;
            if listed != want {
                problems.push(format!("{rel}: lists {listed:?}, the team has {want:?}"));
            }
            if count != listed.len().to_string() {
                problems.push(format!("{rel}: says {count} KRs, lists {}", listed.len()));
            }
            // A card that lists none of its quarter's KRs because they all
            // belong to other teams says so, rather than "no key results".
            for (id, card) in elements(section, "article", "data-objective") {
                let of_others = j
                    .krs
                    .values()
                    .filter(|k| k["period"].as_str() == Some(current_quarter))
                    .filter(|k| {
                        k["id"]
                            .as_str()
                            .is_some_and(|k| k.starts_with(&format!("{id}/")))
                    })
                    .filter(|k| k["team"].as_str() != Some(team))
                    .count();
                if !card.contains("data-kr=") && of_others > 0 && !card.contains("from other team")
                {
                    problems.push(format!(
                        "{rel}: card {id} hides its {of_others} KRs of other teams"
                    ));
                }
            }
        }
        // Quarter pages count the quarter's KRs.
        if let Some(slug) = rel
            .strip_prefix("quarters/")
            .and_then(|t| t.strip_suffix("/index.html"))
        {
            let key = slug.to_uppercase();
            let want = j
                .krs
                .values()
                .filter(|k| k["period"].as_str() == Some(&key))
                .count();
            let count = elements(&html, "dd", "data-kr-count");
            if count.first().map(|c| c.0.as_str()) != Some(&want.to_string()) {
                problems.push(format!("{rel}: counts {count:?}, okrs.json has {want}"));
            }
        }
    }
    problems
}

#[test]
fn generated_sites_agree_with_okrs_json_and_link_only_to_real_pages() {
    let mut all = Vec::new();
    let mut checks = Checks::default();
    let mut total = (0, 0);
    for seed in 0..SITES {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("site");
        let g = common::sitegen::write(&root, seed, EXTREMES);
        total.0 += g.objectives;
        total.1 += g.krs;
        let out = dir.path().join("public");
        build(&root, &out, &g.as_of.to_string());
        let problems = check_site(&out, &g.as_of.to_string(), &mut checks);
        all.extend(problems.into_iter().map(|p| format!("seed {seed}: {p}")));
    }
    eprintln!(
        "{SITES} sites, {} objectives, {} KRs; checked {checks:?}",
        total.0, total.1
    );
    // The checks must have had something to check.
    assert!(checks.kr_rows > 1000 && checks.cards > 500 && checks.teams > 20);
    assert!(
        checks.alignment > 10,
        "{} alignment pages",
        checks.alignment
    );
    assert!(
        checks.review_cells > 100 && checks.attention > 5,
        "{checks:?}"
    );
    assert!(
        all.is_empty(),
        "{} problems:\n{}",
        all.len(),
        all.join("\n")
    );
}
