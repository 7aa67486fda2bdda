//! Loading templates: the built-in default theme, an optional site theme
//! (`themes/<name>/`), and the site's own `templates/` overriding single files
//! by name. Template problems are diagnostics naming the file and line.

use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};
use tera::Tera;

use crate::config::{CONFIG_FILE, Config};
use crate::diag::{Diagnostic, Diagnostics, Loc};

/// The default theme, compiled into the binary.
pub static DEFAULT_THEME: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/themes/default");

/// A template's text and where it came from (for error messages).
struct Source {
    name: String,
    text: String,
    origin: PathBuf,
    /// The default theme's own templates are not checked for Tera 1 syntax.
    built_in: bool,
}

/// Static files of the theme and the site, output path → bytes (site wins).
pub type StaticFiles = std::collections::BTreeMap<String, Vec<u8>>;

/// Reads templates and static files of the configured theme and the site's overrides.
pub fn load(root: &Path, config: &Config, diags: &mut Diagnostics) -> Option<(Tera, StaticFiles)> {
    let mut sources: Vec<Source> = Vec::new();
    let mut statics = StaticFiles::new();
    for file in files_of(&DEFAULT_THEME) {
        let rel = file.path().to_string_lossy().replace('\\', "/");
        if let Some(name) = rel.strip_prefix("templates/") {
            sources.push(Source {
                name: name.to_string(),
                text: String::from_utf8_lossy(file.contents()).into_owned(),
                origin: PathBuf::from("(built-in theme)").join(&rel),
                built_in: true,
            });
        } else if let Some(name) = rel.strip_prefix("static/") {
            statics.insert(name.to_string(), file.contents().to_vec());
        }
    }
    if config.theme != "default" || root.join("themes/default").is_dir() {
        let theme_dir = root.join("themes").join(&config.theme);
        if !theme_dir.is_dir() {
            diags.push(Diagnostic::error(
                "unknown-theme",
                config.theme_loc.clone().unwrap_or_else(|| Loc::file(CONFIG_FILE)),
                format!("theme `{}` not found: there is no folder themes/{}/", config.theme, config.theme),
                "use `theme = \"default\"` (built in), or create themes/<name>/templates/ with your templates",
            ));
            return None;
        }
        read_dir_into(
            root,
            &theme_dir.join("templates"),
            &mut sources,
            None,
            diags,
        );
        read_dir_into(
            root,
            &theme_dir.join("static"),
            &mut Vec::new(),
            Some(&mut statics),
            diags,
        );
    }
    read_dir_into(root, &root.join("templates"), &mut sources, None, diags);
    read_dir_into(
        root,
        &root.join("static"),
        &mut Vec::new(),
        Some(&mut statics),
        diags,
    );

    // Later sources override earlier ones of the same name.
    let mut by_name: std::collections::BTreeMap<String, Source> = std::collections::BTreeMap::new();
    for s in sources {
        by_name.insert(s.name.clone(), s);
    }
    let tera = compile(&by_name, diags)?;
    Some((tera, statics))
}

/// A fresh engine set up as okra renders: autoescaping for HTML, XML and
/// SVG templates, with okra's escape function.
fn engine() -> Tera {
    let mut tera = Tera::default();
    tera.autoescape_on(vec![".html", ".xml", ".svg"]);
    tera.set_escape_fn(escape_html_to);
    tera
}

/// Compiles every template, reporting every problem found, each at its file,
/// line and column.
///
/// Tera stops at the first syntax error of a batch, so each template is first
/// parsed on its own (a template that only fails for want of its parent or a
/// component defined elsewhere passes this step); what is left, the checks across
/// templates (unknown parents, components, filters), comes from compiling them
/// together.
fn compile(
    by_name: &std::collections::BTreeMap<String, Source>,
    diags: &mut Diagnostics,
) -> Option<Tera> {
    let before = diags.error_count();
    for s in by_name.values() {
        if !s.built_in {
            for d in tera1_constructs(s) {
                diags.push(d);
            }
        }
    }
    if diags.error_count() > before {
        return None;
    }
    for s in by_name.values() {
        if let Err(e) = engine().add_raw_template(&s.name, &s.text)
            && let tera::ErrorKind::SyntaxError(report) = e.kind()
        {
            diags.push(report_diagnostic(report, by_name));
        }
    }
    if diags.error_count() > before {
        return None;
    }
    let mut tera = engine();
    if let Err(e) =
        tera.add_raw_templates(by_name.values().map(|s| (s.name.as_str(), s.text.as_str())))
    {
        for d in batch_diagnostics(&e, by_name) {
            diags.push(d);
        }
        return None;
    }
    Some(tera)
}

/// What tera 1 had and tera 2 does not, with the change to make: templates
/// written for okra 0.1 fail with this instead of a parse error.
const TERA1: &[(&str, &str, &str)] = &[
    (
        "{% macro ",
        "macros are gone in Tera 2",
        "write `{% component name(arg, other=\"default\") %}` … `{% endcomponent name %}`",
    ),
    (
        "{% endmacro",
        "macros are gone in Tera 2",
        "end a component with `{% endcomponent name %}`",
    ),
    (
        "{% import ",
        "`import` is gone in Tera 2: components are global",
        "delete the `{% import … %}` line",
    ),
    (
        "self::",
        "macro calls are gone in Tera 2",
        "call a component as `{{<name arg={value} />}}`",
    ),
    (
        "m::",
        "macro calls are gone in Tera 2",
        "call a component as `{{<name arg={value} />}}` (okra's are status, progress, person, team, flags, kr_table, card, update, distribution, chart, pct)",
    ),
    (
        "w::",
        "macro calls are gone in Tera 2",
        "call a component as `{{<pct p={value} />}}`",
    ),
    (
        "set_global ",
        "`set_global` is gone in Tera 2",
        "build the list with a comprehension: `{% set xs = [f(x) for x in items] %}`",
    ),
    (
        "| trim_end_matches",
        "`trim_end_matches` is now `trim_end`",
        "write `| trim_end(pat=\"/\")`",
    ),
    (
        "| trim_start_matches",
        "`trim_start_matches` is now `trim_start`",
        "write `| trim_start(pat=\"/\")`",
    ),
    (
        "| linebreaksbr",
        "`linebreaksbr` is now `newlines_to_br`",
        "write `| newlines_to_br`",
    ),
    (
        "divisibleby",
        "the `divisibleby` test is now `divisible_by`",
        "write `is divisible_by(divisor=2)`",
    ),
    (
        "| as_str",
        "the `as_str` filter is now `str`",
        "write `| str`",
    ),
    (
        "| escape ",
        "the `escape` filter is now `escape_html`",
        "write `| escape_html`",
    ),
];

/// Tera 1 syntax in a site's or theme's template, as diagnostics saying what
/// to change (see the migration table in the README).
fn tera1_constructs(s: &Source) -> Vec<Diagnostic> {
    let index = crate::diag::LineIndex::new(&s.text);
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for &(needle, what, fix) in TERA1 {
        for (at, _) in s.text.match_indices(needle) {
            // `m::` inside a word (`item::`) is not a macro call.
            let word_before = s.text[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_');
            // A tag's own opening (`{% import`) counts as inside it.
            let probe = if needle.starts_with('{') { at + 2 } else { at };
            if needle.ends_with("::") && word_before || !inside_tag(&s.text, probe) {
                continue;
            }
            if seen.insert(at) {
                let (line, column) = index.line_col(&s.text, at);
                out.push(Diagnostic::error(
                    "template-tera1",
                    Loc::new(&s.origin, line, column),
                    format!("this template is written for Tera 1: {what}"),
                    format!("{fix}; okra now renders with Tera 2 (README, \"Templates written for okra 0.1\")"),
                ));
            }
        }
    }
    // `x.0`: tuple and array fields by position are `x[0]` in Tera 2.
    let bytes = s.text.as_bytes();
    for (at, _) in s.text.match_indices('.') {
        let before = at.checked_sub(1).map(|i| bytes[i]);
        let after = bytes.get(at + 1);
        if before.is_some_and(|b| b.is_ascii_alphabetic() || b == b'_' || b == b']')
            && after.is_some_and(u8::is_ascii_digit)
            && inside_tag(&s.text, at)
        {
            let (line, column) = index.line_col(&s.text, at);
            out.push(Diagnostic::error(
                "template-tera1",
                Loc::new(&s.origin, line, column),
                "this template is written for Tera 1: `x.0` (an item by position) is `x[0]` in Tera 2",
                "write `x[0]` for the first item; okra now renders with Tera 2 (README, \"Templates written for okra 0.1\")",
            ));
        }
    }
    out.sort_by_key(|d| (d.loc.line, d.loc.column));
    out
}

/// True when byte `at` is inside a `{{ }}` or `{% %}` tag.
fn inside_tag(text: &str, at: usize) -> bool {
    let before = &text[..at];
    let open = before.rfind("{{").max(before.rfind("{%"));
    let close = before.rfind("}}").max(before.rfind("%}"));
    match (open, close) {
        (Some(o), Some(c)) => o > c,
        (Some(_), None) => true,
        _ => false,
    }
}

/// A Tera error report as a diagnostic at the template's file, line and column.
fn report_diagnostic(
    report: &tera::ReportError,
    by_name: &std::collections::BTreeMap<String, Source>,
) -> Diagnostic {
    let span = report.span();
    let origin = origin_of(report.filename(), by_name);
    Diagnostic::error(
        "template",
        Loc::new(
            origin,
            to_u32(span.start_line.max(1)),
            to_u32(span.start_col + 1),
        ),
        format!("template error: {}", one_line(report.message())),
        HINT,
    )
}

const HINT: &str = "fix the template (Tera 2 syntax); delete the override in templates/ to fall back to the theme's";

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn origin_of(name: &str, by_name: &std::collections::BTreeMap<String, Source>) -> PathBuf {
    by_name
        .get(name)
        .map_or_else(|| Path::new("templates").join(name), |s| s.origin.clone())
}

/// Errors of compiling the templates together. Tera joins one report per
/// problem (`error: …` then ` --> name:line:column`); other errors (a cycle of
/// `extends`, a missing parent) name the template in quotes.
fn batch_diagnostics(
    e: &tera::Error,
    by_name: &std::collections::BTreeMap<String, Source>,
) -> Vec<Diagnostic> {
    if let tera::ErrorKind::SyntaxError(r) | tera::ErrorKind::RenderingError(r) = e.kind() {
        return vec![report_diagnostic(r, by_name)];
    }
    let text = e.to_string();
    let mut out = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let Some(message) = line.strip_prefix("error: ") else {
            continue;
        };
        let at = lines
            .peek()
            .and_then(|l| l.trim_start().strip_prefix("--> "));
        if let Some((name, line, column)) = at.and_then(parse_locus) {
            out.push(Diagnostic::error(
                "template",
                Loc::new(origin_of(name, by_name), line, column),
                format!("template error: {}", one_line(message)),
                HINT,
            ));
        }
    }
    if out.is_empty() {
        // Tera names the broken template in quotes or backticks; point at its file.
        let origin = by_name
            .values()
            .filter_map(|s| {
                [format!("'{}'", s.name), format!("`{}`", s.name)]
                    .iter()
                    .filter_map(|q| text.find(q.as_str()))
                    .min()
                    .map(|at| (at, s))
            })
            .min_by_key(|(at, _)| *at)
            .map_or_else(|| PathBuf::from("templates"), |(_, s)| s.origin.clone());
        out.push(Diagnostic::error(
            "template",
            Loc::file(origin),
            format!("template error: {}", one_line(&text)),
            HINT,
        ));
    }
    out
}

/// `name:line:column` from a report's ` --> ` line (the name may hold colons).
fn parse_locus(s: &str) -> Option<(&str, u32, u32)> {
    let (rest, column) = s.rsplit_once(':')?;
    let (name, line) = rest.rsplit_once(':')?;
    Some((name, line.trim().parse().ok()?, column.trim().parse().ok()?))
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// [`escape_html`] as Tera's escape function, writing into its output.
fn escape_html_to(s: &str, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let bytes = s.as_bytes();
    let mut copied = 0;
    for (i, b) in bytes.iter().enumerate() {
        let entity: &[u8] = match b {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            b'"' => b"&quot;",
            b'\'' => b"&#39;",
            _ => continue,
        };
        out.write_all(&bytes[copied..i])?;
        out.write_all(entity)?;
        copied = i + 1;
    }
    out.write_all(&bytes[copied..])
}

/// Escapes text for HTML element content and quoted attributes. Unlike
/// Tera's default it leaves `/` alone, so URLs in the output stay readable.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    // Every special character is ASCII, so byte offsets are char boundaries;
    // copying the runs between them is several times faster than char by char
    // (escaping is on every `{{ }}` of every page).
    let mut copied = 0;
    for (i, b) in s.bytes().enumerate() {
        let entity = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.push_str(&s[copied..i]);
        out.push_str(entity);
        copied = i + 1;
    }
    out.push_str(&s[copied..]);
    out
}

fn files_of(dir: &'static Dir<'static>) -> Vec<&'static include_dir::File<'static>> {
    let mut out: Vec<_> = dir.files().collect();
    for d in dir.dirs() {
        out.extend(files_of(d));
    }
    out.sort_by_key(|f| f.path());
    out
}

/// Reads every file under `dir` (sorted) as templates, or as static files when `statics` is given.
fn read_dir_into(
    root: &Path,
    dir: &Path,
    templates: &mut Vec<Source>,
    mut statics: Option<&mut StaticFiles>,
    diags: &mut Diagnostics,
) {
    if !dir.is_dir() {
        return;
    }
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
    {
        let Ok(entry) = entry else { continue };
        if !entry.file_type().is_file() || entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path());
        let name = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let origin = entry
            .path()
            .strip_prefix(root)
            .unwrap_or(entry.path())
            .to_path_buf();
        match std::fs::read(entry.path()) {
            Ok(bytes) => match statics.as_deref_mut() {
                Some(s) => {
                    s.insert(name, bytes);
                }
                None => match String::from_utf8(bytes) {
                    Ok(text) => templates.push(Source {
                        name,
                        text,
                        origin,
                        built_in: false,
                    }),
                    Err(_) => diags.push(Diagnostic::error(
                        "not-utf8",
                        Loc::file(origin),
                        "the template is not valid UTF-8",
                        "save the template as UTF-8",
                    )),
                },
            },
            Err(e) => diags.push(Diagnostic::error(
                "unreadable",
                Loc::file(origin),
                format!("cannot read the file: {e}"),
                "check the file permissions",
            )),
        }
    }
}

/// A rendering error as a diagnostic: Tera's report points into the template
/// that failed (a page, its parent or a component), at line and column.
pub fn render_error(template: &str, e: &tera::Error) -> Diagnostic {
    let origin = Path::new("templates").join(template);
    match e.kind() {
        tera::ErrorKind::SyntaxError(r) | tera::ErrorKind::RenderingError(r) => {
            let span = r.span();
            Diagnostic::error(
                "template",
                Loc::new(
                    Path::new("templates").join(r.filename()),
                    to_u32(span.start_line.max(1)),
                    to_u32(span.start_col + 1),
                ),
                format!("template error: {}", one_line(r.message())),
                HINT,
            )
        }
        _ => {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                text.push_str(": ");
                text.push_str(&s.to_string());
                source = s.source();
            }
            Diagnostic::error(
                "template",
                Loc::file(origin),
                format!("template error: {}", one_line(&text)),
                HINT,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site_template(text: &str) -> Source {
        Source {
            name: "kr.html".into(),
            text: text.into(),
            origin: PathBuf::from("templates/kr.html"),
            built_in: false,
        }
    }

    fn located(text: &str) -> Vec<(u32, u32)> {
        tera1_constructs(&site_template(text))
            .iter()
            .map(|d| (d.loc.line, d.loc.column))
            .collect()
    }

    #[test]
    fn tera1_syntax_is_found_only_inside_tags() {
        assert_eq!(located("{% import \"macros.html\" as m %}"), [(1, 1)]);
        assert_eq!(located("a\n  {{ m::status(s=x) }}"), [(2, 6)]);
        assert_eq!(located("{{ self::card(c=c) }}"), [(1, 4)]);
        assert_eq!(located("{{ charts.1 }} {{ xs[0].2 }}"), [(1, 10), (1, 24)]);
        // Text outside tags, numbers, and `::` inside a word are not Tera 1.
        assert!(located("m::x and charts.0 in prose, {{ 1.5 }} {{ a.b }}").is_empty());
        assert!(located("{{ item::x }}").is_empty());
        assert!(located("{{<status s={kr.status} />}} {{ charts[0] }}").is_empty());
        // Each construct once, even where two patterns match.
        assert_eq!(
            located("{% macro x() %}{% endmacro x %}"),
            [(1, 1), (1, 16)]
        );
    }

    #[test]
    fn inside_tag_looks_at_the_nearest_delimiters() {
        let t = "a {{ b }} c {% d %} e";
        assert!(!inside_tag(t, 0));
        assert!(inside_tag(t, 5));
        assert!(!inside_tag(t, 10));
        assert!(inside_tag(t, 15));
        assert!(!inside_tag(t, 20));
        assert!(inside_tag("{{ open", 4));
    }

    #[test]
    fn a_locus_may_have_colons_in_its_name() {
        assert_eq!(parse_locus("kr.html:3:7"), Some(("kr.html", 3, 7)));
        assert_eq!(parse_locus("a:b.html:10:1"), Some(("a:b.html", 10, 1)));
        assert_eq!(parse_locus("kr.html:x:1"), None);
        assert_eq!(parse_locus("kr.html"), None);
    }

    #[test]
    fn batch_errors_become_one_diagnostic_each() {
        let mut by_name = std::collections::BTreeMap::new();
        for (name, text) in [
            ("a.html", "{{<nope x={1} />}}"),
            ("b.html", "\n\n  {{<gone />}}"),
        ] {
            by_name.insert(
                name.to_string(),
                Source {
                    name: name.into(),
                    text: text.into(),
                    origin: PathBuf::from("templates").join(name),
                    built_in: false,
                },
            );
        }
        let mut diags = Diagnostics::new();
        assert!(compile(&by_name, &mut diags).is_none());
        let locs: Vec<_> = diags
            .sorted()
            .iter()
            .map(|d| (d.loc.file.clone(), d.loc.line, d.loc.column))
            .collect();
        assert_eq!(
            locs,
            [
                (PathBuf::from("templates/a.html"), 1, 3),
                (PathBuf::from("templates/b.html"), 3, 5)
            ]
        );
    }

    #[test]
    fn a_syntax_error_is_reported_once_and_stops_compiling() {
        let mut by_name = std::collections::BTreeMap::new();
        let source = site_template("<p>\n{{ 1 + }}</p>");
        by_name.insert(source.name.clone(), source);
        let mut diags = Diagnostics::new();
        assert!(compile(&by_name, &mut diags).is_none());
        let found: Vec<_> = diags
            .iter()
            .map(|d| (d.code, d.loc.line, d.loc.column))
            .collect();
        // Tera's columns count from 0; okra's from 1, as editors do.
        assert_eq!(found, [("template", 2, 8)]);
    }

    #[test]
    fn only_the_sites_and_themes_templates_are_checked_for_tera1() {
        // Text that looks like Tera 1 to the check but is valid Tera 2.
        let text = "{{ \"self::x\" }}";
        for (built_in, tera1_errors) in [(true, 0), (false, 1)] {
            let mut by_name = std::collections::BTreeMap::new();
            let mut source = site_template(text);
            source.built_in = built_in;
            by_name.insert(source.name.clone(), source);
            let mut diags = Diagnostics::new();
            let compiled = compile(&by_name, &mut diags);
            assert_eq!(compiled.is_some(), tera1_errors == 0);
            assert_eq!(
                diags.iter().filter(|d| d.code == "template-tera1").count(),
                tera1_errors
            );
        }
    }

    #[test]
    fn escaping_into_a_writer_matches_escaping_to_a_string() {
        for s in [
            "",
            "plain/text",
            r#"<a href="x">Tom & Jerry's</a>"#,
            "é<ü>ß&",
            "<<",
        ] {
            let mut out = Vec::new();
            escape_html_to(s, &mut out).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), escape_html(s));
        }
    }

    #[test]
    fn escapes_the_five_specials_and_keeps_everything_else() {
        assert_eq!(escape_html(""), "");
        assert_eq!(escape_html("plain/text"), "plain/text");
        assert_eq!(
            escape_html(r#"<a href="x">Tom & Jerry's</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;"
        );
        // Multi-byte text around and between specials survives intact.
        assert_eq!(escape_html("é<ü>ß&"), "é&lt;ü&gt;ß&amp;");
        assert_eq!(escape_html("<<"), "&lt;&lt;");
    }
}
