//! User Markdown (objective, KR and update bodies) to sanitised HTML and plain-text summaries.
//!
//! Anyone in the company can change content with a pull request and the intranet serves the
//! result, so everything pulldown-cmark produces goes through ammonia with a tight allowlist.
//!
//! Classes and ids need care: the markup this module writes uses them (footnotes, table
//! alignment, task lists), but user raw HTML must not be able to set any (no arbitrary classes,
//! no DOM clobbering through `id`). Every class and id written here starts with `MARK`, which
//! user input cannot get into an attribute value, and the sanitiser keeps a class or id only
//! when it starts with the mark, which it then removes.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use ammonia::{Builder, UrlRelative};
use pulldown_cmark::{Alignment, CodeBlockKind, CowStr, Event, Options, Parser, Tag, TagEnd, html};

/// U+0080, a C1 control character. A character reference to it (`&#128;`, `&#x80;`) decodes to
/// '€' in HTML (html5ever follows the spec's windows-1252 remapping) and no named reference
/// yields it, so once [`scrub`] has replaced the literal ones (including those pulldown-cmark
/// decodes from `&#128;` in Markdown text, which a dangling raw tag could pull into an
/// attribute), every mark left in the HTML was written by this module.
const MARK: char = '\u{80}';

/// html5ever's tree builder scans the stack of open elements for most tags, so parsing is
/// quadratic in nesting depth (10,000 nested list items take seconds). Start and end tags
/// nested deeper than this are dropped; their content is kept.
const MAX_DEPTH: usize = 64;

/// Raw HTML nesting cannot be measured without an HTML tokenizer, so bound it by the number of
/// `<` in raw HTML instead: past this, the body's raw HTML is shown as text. No honest body
/// comes close, and the author sees what went wrong.
const MAX_RAW_TAGS: usize = 1000;

/// GitHub-flavoured features only; soft breaks stay soft (pulldown-cmark's default).
fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
}

/// Renders user Markdown (CommonMark + tables, footnotes, strikethrough, task lists) to sanitised HTML.
/// `id_prefix` (e.g. "u3-") is prepended to every id the Markdown creates (footnotes, headings if any)
/// and to the matching `#fragment` links, so several bodies can sit on one page without id clashes.
///
/// Headings get no ids. Footnotes are numbered in order of first use; the definition of
/// footnote `n` is `<div class="footnote-definition" id="{id_prefix}fn-{n}">`.
pub fn render(markdown: &str, id_prefix: &str) -> String {
    render_with(markdown, id_prefix, true)
}

/// [`render`], with the sanitiser skipped for [`plain`] Markdown when `trust_plain`.
fn render_with(markdown: &str, id_prefix: &str, trust_plain: bool) -> String {
    let events: Vec<Event> = limit_depth(Parser::new_ext(markdown, options()).map(scrub)).collect();
    let plain = trust_plain && plain(markdown, &events);
    let raw_tags: usize = events
        .iter()
        .map(|event| match event {
            Event::Html(raw) | Event::InlineHtml(raw) => raw.matches('<').count(),
            _ => 0,
        })
        .sum();
    let prefix = escape_attr(id_prefix);

    let mut footnotes: HashMap<String, usize> = HashMap::new();
    let mut defined = HashSet::new();
    let (mut alignments, mut in_head, mut column) = (Vec::new(), false, 0);
    let mut in_image = 0;
    let mut out = Vec::with_capacity(events.len());
    for (i, event) in events.iter().enumerate() {
        out.push(match event {
            Event::Html(raw) | Event::InlineHtml(raw) if raw_tags > MAX_RAW_TAGS => {
                Event::Text(raw.clone())
            }
            // pulldown-cmark keys footnotes by the label as written, so `[^A]` and `[^a]` (the
            // same footnote) would get different numbers; its ids are also raw user labels.
            Event::FootnoteReference(label) => {
                let n = footnote_number(&mut footnotes, label);
                if in_image > 0 {
                    // Inside alt text: raw markup would be escaped into the attribute.
                    Event::Text(format!("[{n}]").into())
                } else {
                    Event::InlineHtml(
                        format!(
                            "<sup class=\"{MARK}footnote-reference\">\
                             <a href=\"#{prefix}fn-{n}\">{n}</a></sup>"
                        )
                        .into(),
                    )
                }
            }
            Event::Start(Tag::FootnoteDefinition(label)) => {
                let n = footnote_number(&mut footnotes, label);
                // A repeated definition renders, but must not repeat the id.
                let id = if defined.insert(n) {
                    format!(" id=\"{MARK}{prefix}fn-{n}\"")
                } else {
                    String::new()
                };
                Event::Html(
                    format!(
                        "<div class=\"{MARK}footnote-definition\"{id}>\
                         <sup class=\"{MARK}footnote-definition-label\">{n}</sup>"
                    )
                    .into(),
                )
            }
            Event::End(TagEnd::FootnoteDefinition) => Event::Html("</div>\n".into()),
            // Alignment becomes a class: ammonia strips `style`, and allowing it is riskier.
            Event::Start(Tag::Table(a)) => {
                alignments.clone_from(a);
                event.clone()
            }
            Event::Start(Tag::TableHead) | Event::End(TagEnd::TableHead) => {
                in_head = matches!(event, Event::Start(_));
                column = 0;
                event.clone()
            }
            Event::Start(Tag::TableRow) => {
                column = 0;
                event.clone()
            }
            Event::Start(Tag::TableCell) => {
                let class = match alignments.get(column) {
                    Some(Alignment::Left) => "left",
                    Some(Alignment::Center) => "center",
                    Some(Alignment::Right) => "right",
                    Some(Alignment::None) | None => "",
                };
                let class = if class.is_empty() {
                    String::new()
                } else {
                    format!(" class=\"{MARK}align-{class}\"")
                };
                Event::InlineHtml(format!("<{}{class}>", cell_tag(in_head)).into())
            }
            Event::End(TagEnd::TableCell) => {
                column += 1;
                Event::InlineHtml(format!("</{}>", cell_tag(in_head)).into())
            }
            // The marker follows the item's start, or its first paragraph's in a loose list.
            Event::Start(Tag::Item)
                if matches!(events.get(i + 1), Some(Event::TaskListMarker(_)))
                    || matches!(
                        (events.get(i + 1), events.get(i + 2)),
                        (
                            Some(Event::Start(Tag::Paragraph)),
                            Some(Event::TaskListMarker(_))
                        )
                    ) =>
            {
                Event::Html(format!("<li class=\"{MARK}task-list-item\">").into())
            }
            // A checkbox needs an accessible name (WCAG 4.1.2): screen readers
            // would announce only "checkbox, disabled". `title` gives it one
            // and is already allowed on every element.
            Event::TaskListMarker(done) => Event::InlineHtml(
                if *done {
                    "<input disabled=\"\" checked=\"\" title=\"Done\">\n"
                } else {
                    "<input disabled=\"\" title=\"Not done\">\n"
                }
                .into(),
            ),
            Event::Start(Tag::Image { .. }) => {
                in_image += 1;
                event.clone()
            }
            Event::End(TagEnd::Image) => {
                in_image -= 1;
                event.clone()
            }
            _ => event.clone(),
        });
    }

    let mut unsanitised = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsanitised, out.into_iter());
    if plain {
        return unsanitised;
    }
    SANITISER.clean(&unsanitised).to_string()
}

/// Nesting deeper than this is left to the sanitiser (its tree builder, not
/// pulldown-cmark, has the last word on what deep markup becomes).
const PLAIN_DEPTH: usize = 16;

/// Whether pulldown-cmark's HTML for `events` is already what the sanitiser
/// would return, byte for byte, so that sanitising it can be skipped: most
/// status updates are a few paragraphs, lists and a table, and sanitising them
/// was two fifths of rendering Markdown.
///
/// True only for text, inline code, emphasis, strong, strikethrough, soft
/// breaks, paragraphs, headings, block quotes, lists and tables without
/// alignment. Everything else (raw HTML, links, images, code blocks, rules,
/// hard breaks, footnotes, task lists, aligned table cells) goes through the
/// sanitiser as before, and so does Markdown with a carriage return, a NUL or
/// a no-break space (in the source or decoded from an entity), which the
/// sanitiser's parser normalises or its writer writes differently (`&nbsp;`).
/// What is left cannot make markup: text is escaped (`&`, `<`, `>`) and every
/// tag is one pulldown-cmark writes without attributes, except an ordered
/// list's numeric `start`. A unit test compares
/// both paths on thousands of generated bodies.
fn plain(markdown: &str, events: &[Event<'_>]) -> bool {
    // Checked in the decoded text too: `&nbsp;` in Markdown is a no-break space there.
    let odd = ['\r', '\0', '\u{a0}'];
    if markdown.contains(odd) {
        return false;
    }
    let mut depth = 0usize;
    events.iter().all(|event| match event {
        Event::Start(tag) => {
            depth += 1;
            depth <= PLAIN_DEPTH
                && match tag {
                    Tag::Paragraph
                    | Tag::Emphasis
                    | Tag::Strong
                    | Tag::Strikethrough
                    | Tag::List(_)
                    | Tag::Item
                    | Tag::TableHead
                    | Tag::TableRow
                    | Tag::TableCell => true,
                    Tag::Heading {
                        id, classes, attrs, ..
                    } => id.is_none() && classes.is_empty() && attrs.is_empty(),
                    Tag::BlockQuote(kind) => kind.is_none(),
                    Tag::Table(alignments) => alignments.iter().all(|a| *a == Alignment::None),
                    _ => false,
                }
        }
        Event::End(_) => {
            depth -= 1;
            true
        }
        Event::Text(text) | Event::Code(text) => !text.contains(odd),
        Event::SoftBreak => true,
        _ => false,
    })
}

/// The first paragraph (or first ~200 chars) of the Markdown as plain text, for summaries, feeds, and title attributes. No HTML; entities decoded; whitespace collapsed; ends with "…" when cut (cut on a word boundary).
///
/// "First paragraph" is the first top-level block with text (a paragraph, list, table, ...; a
/// heading only if nothing else has text); raw HTML tags and footnote definitions contribute
/// nothing. The result has at most `max_chars` characters, the "…" included. It is text, not
/// HTML: escape it when writing it out.
pub fn summary(markdown: &str, max_chars: usize) -> String {
    // `text` collects the current top-level block; a leading heading ("## Progress") is a poor
    // summary, so headings are kept aside and used only when there is nothing else.
    let (mut text, mut heading) = (String::new(), String::new());
    let (mut depth, mut in_footnote) = (0usize, 0usize);
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Start(tag) => {
                depth += 1;
                in_footnote += usize::from(matches!(tag, Tag::FootnoteDefinition(_)));
            }
            Event::End(tag) => {
                depth -= 1;
                in_footnote -= usize::from(matches!(tag, TagEnd::FootnoteDefinition));
                // Keep words of neighbouring blocks and cells apart; inline ends join words.
                if !matches!(
                    tag,
                    TagEnd::Emphasis
                        | TagEnd::Strong
                        | TagEnd::Strikethrough
                        | TagEnd::Link
                        | TagEnd::Image
                        | TagEnd::Superscript
                        | TagEnd::Subscript
                ) {
                    text.push(' ');
                }
                if depth == 0 && matches!(tag, TagEnd::Heading(_)) {
                    if heading.trim().is_empty() {
                        heading = std::mem::take(&mut text);
                    }
                    text.clear();
                } else if depth == 0 && !text.trim().is_empty() {
                    break;
                }
            }
            Event::Text(t) | Event::Code(t) if in_footnote == 0 => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            _ => {}
        }
    }
    if text.trim().is_empty() {
        text = heading;
    }
    truncate_words(&text, max_chars)
}

/// Collapses whitespace and cuts to at most `max_chars` characters on a word boundary.
fn truncate_words(text: &str, max_chars: usize) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let full = words.join(" ");
    if full.chars().count() <= max_chars {
        return full;
    }
    let Some(budget) = max_chars.checked_sub(1) else {
        return String::new();
    };
    let mut cut = String::new();
    let mut len = 0;
    for word in &words {
        let needed = word.chars().count() + usize::from(len > 0);
        if len + needed > budget {
            break;
        }
        if len > 0 {
            cut.push(' ');
        }
        cut.push_str(word);
        len += needed;
    }
    if cut.is_empty() {
        // A single word longer than the budget: cut inside it rather than return nothing.
        cut = full.chars().take(budget).collect();
    }
    // "done, …" reads worse than "done…".
    let cut = cut.trim_end_matches(|c: char| c.is_whitespace() || ",;:.!?-–—".contains(c));
    format!("{cut}…")
}

fn cell_tag(in_head: bool) -> &'static str {
    if in_head { "th" } else { "td" }
}

/// Footnote labels match case-insensitively with whitespace collapsed, as in CommonMark;
/// numbers go in order of first appearance, as pulldown-cmark's own renderer numbers them.
fn footnote_number(numbers: &mut HashMap<String, usize>, label: &str) -> usize {
    let key = label
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    let next = numbers.len() + 1;
    *numbers.entry(key).or_insert(next)
}

/// Replaces every [`MARK`] in text that reaches the HTML, so only this module can write one.
fn scrub(event: Event<'_>) -> Event<'_> {
    fn s(text: CowStr<'_>) -> CowStr<'_> {
        if text.contains(MARK) {
            text.replace(MARK, "\u{FFFD}").into()
        } else {
            text
        }
    }
    match event {
        Event::Text(t) => Event::Text(s(t)),
        Event::Code(t) => Event::Code(s(t)),
        Event::Html(t) => Event::Html(s(t)),
        Event::InlineHtml(t) => Event::InlineHtml(s(t)),
        Event::InlineMath(t) => Event::InlineMath(s(t)),
        Event::DisplayMath(t) => Event::DisplayMath(s(t)),
        Event::FootnoteReference(t) => Event::FootnoteReference(s(t)),
        Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(s(info))))
        }
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: s(dest_url),
            title: s(title),
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Image {
            link_type,
            dest_url: s(dest_url),
            title: s(title),
            id,
        }),
        // Footnote labels never reach the HTML (ids are numbers); heading attributes and
        // metadata blocks are not enabled.
        other => other,
    }
}

/// Drops start and end tags nested deeper than [`MAX_DEPTH`], keeping their content.
fn limit_depth<'a>(events: impl Iterator<Item = Event<'a>>) -> impl Iterator<Item = Event<'a>> {
    let mut depth = 0usize;
    events.filter(move |event| match event {
        Event::Start(_) => {
            depth += 1;
            depth <= MAX_DEPTH
        }
        Event::End(_) => {
            depth -= 1;
            depth < MAX_DEPTH
        }
        _ => true,
    })
}

/// The id prefix comes from the caller, not the user, but still must not break out of `"…"`.
fn escape_attr(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Elements that Markdown produces, plus harmless inline and block extras people write by hand.
#[rustfmt::skip]
const TAGS: &[&str] = &[
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd",
    "del", "details", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4",
    "h5", "h6", "hr", "i", "img", "input", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s",
    "samp", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot",
    "th", "thead", "tr", "u", "ul", "var", "wbr",
];

/// Removed with their content, not just unwrapped: their text is code, a fallback or foreign
/// (SVG, MathML) content, where namespace-confusion tricks live.
#[rustfmt::skip]
const DROPPED_WITH_CONTENT: &[&str] = &[
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "noscript",
    "noembed", "noframes", "template", "svg", "math", "title", "textarea", "select",
];

/// Built once: the configuration is the same for every body, and the builder is `Sync`, so
/// rayon workers share it. Starts from ammonia's defaults (comments stripped, relative URLs
/// passed through, `rel="noopener noreferrer"` on links) but replaces every allowlist, so the
/// whole policy is here.
static SANITISER: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut builder = Builder::default();
    builder
        .tags(TAGS.iter().copied().collect())
        .clean_content_tags(DROPPED_WITH_CONTENT.iter().copied().collect())
        // `class` and `id` only survive `attribute_filter` below when they carry the mark.
        .generic_attributes(HashSet::from(["title", "lang", "class", "id"]))
        .tag_attributes(HashMap::from([
            ("a", HashSet::from(["href"])),
            ("img", HashSet::from(["src", "alt", "width", "height"])),
            ("input", HashSet::from(["checked", "disabled"])),
            ("ol", HashSet::from(["start"])),
            ("td", HashSet::from(["colspan", "rowspan"])),
            ("th", HashSet::from(["colspan", "rowspan"])),
            ("col", HashSet::from(["span"])),
            ("colgroup", HashSet::from(["span"])),
        ]))
        // Task list boxes; a user's `<input>` can only ever be a checkbox, never a text or
        // password field. One forced attribute only: ammonia adds them in HashMap order.
        .set_tag_attribute_value("input", "type", "checkbox")
        // Applies to href and src; relative URLs (no scheme) pass through.
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .url_relative(UrlRelative::PassThrough)
        .link_rel(Some("noopener noreferrer"))
        .strip_comments(true)
        .attribute_filter(|_element, attribute, value| match attribute {
            "class" | "id" => value
                .strip_prefix(MARK)
                .map(|ours| Cow::Owned(ours.to_owned())),
            _ => Some(Cow::Borrowed(value)),
        });
    builder
});

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn r(markdown: &str) -> String {
        render(markdown, "u3-")
    }

    /// Asserts none of `needles` occurs in the lowercased HTML.
    fn assert_absent(html: &str, needles: &[&str]) {
        let lower = html.to_lowercase();
        for needle in needles {
            assert!(!lower.contains(needle), "{needle:?} in {html}");
        }
    }

    #[test]
    fn basic_markdown() {
        let html = r("# Title\n\nSome *em*, **strong** and `code`.\n\n> quote\n\n1. one\n2. two\n");
        assert!(html.contains("<h1>Title</h1>"), "{html}");
        assert!(html.contains("<em>em</em>, <strong>strong</strong> and <code>code</code>"));
        assert!(html.contains("<blockquote>"));
        assert!(html.contains("<ol>\n<li>one</li>"));
    }

    #[test]
    fn table_alignment_becomes_classes() {
        let html = r("| a | b | c | d |\n|:--|:-:|--:|---|\n| 1 | 2 | 3 | 4 |\n");
        assert!(html.contains("<table><thead><tr>"), "{html}");
        assert!(html.contains("<th class=\"align-left\">a</th>"), "{html}");
        assert!(html.contains("<th class=\"align-center\">b</th>"));
        assert!(html.contains("<th class=\"align-right\">c</th>"));
        assert!(html.contains("<th>d</th>"));
        assert!(html.contains("<td class=\"align-left\">1</td>"));
        assert!(html.contains("<td class=\"align-right\">3</td><td>4</td>"));
        assert_absent(&html, &["style", "\u{80}"]);
    }

    #[test]
    fn footnotes_get_prefixed_ids_and_matching_links() {
        let html = r("Claim[^src] and again[^SRC], other[^2].\n\n[^src]: A source.\n[^2]: B.\n");
        assert!(
            html.contains(
                "<sup class=\"footnote-reference\"><a href=\"#u3-fn-1\" rel=\"noopener noreferrer\">1</a></sup>"
            ),
            "{html}"
        );
        assert_eq!(html.matches("href=\"#u3-fn-1\"").count(), 2, "{html}");
        assert!(html.contains("href=\"#u3-fn-2\""));
        assert!(html.contains(
            "<div class=\"footnote-definition\" id=\"u3-fn-1\"><sup class=\"footnote-definition-label\">1</sup>"
        ));
        assert!(html.contains("id=\"u3-fn-2\""));
        // Another body on the same page gets different ids.
        assert!(render("x[^a]\n\n[^a]: y\n", "u4-").contains("id=\"u4-fn-1\""));
    }

    #[test]
    fn duplicate_footnote_definition_does_not_repeat_id() {
        let html = r("x[^a]\n\n[^a]: one\n\n[^a]: two\n");
        assert_eq!(html.matches("id=").count(), 1, "{html}");
    }

    #[test]
    fn strikethrough() {
        assert!(r("~~gone~~ and ~also~").contains("<del>gone</del> and <del>also</del>"));
    }

    #[test]
    fn task_lists() {
        let html = r("- [x] done\n- [ ] todo\n- plain\n");
        assert!(
            html.contains(
                "<li class=\"task-list-item\"><input disabled=\"\" checked=\"\" title=\"Done\" type=\"checkbox\">\ndone</li>"
            ),
            "{html}"
        );
        assert!(html.contains(
            "<li class=\"task-list-item\"><input disabled=\"\" title=\"Not done\" type=\"checkbox\">\ntodo</li>"
        ));
        assert!(html.contains("<li>plain</li>"));
        // Loose list: the marker is inside the item's paragraph.
        let loose = r("- [x] done\n\n- [ ] todo\n");
        assert_eq!(
            loose.matches("<li class=\"task-list-item\">").count(),
            2,
            "{loose}"
        );
    }

    #[test]
    fn hard_wrapped_paragraph_stays_one_paragraph() {
        let html = r("This objective is about\nshipping the thing\nby March.\n");
        assert_eq!(
            html,
            "<p>This objective is about\nshipping the thing\nby March.</p>\n"
        );
    }

    #[test]
    fn links_and_images_survive() {
        let html = r("[a](https://x.test/a) [b](../b/) [c](mailto:c@x.test) ![i](img/c.png \"t\")");
        assert!(html.contains("<a href=\"https://x.test/a\" rel=\"noopener noreferrer\">a</a>"));
        assert!(html.contains("<a href=\"../b/\" rel=\"noopener noreferrer\">b</a>"));
        assert!(html.contains("href=\"mailto:c@x.test\""));
        assert!(
            html.contains("<img src=\"img/c.png\" alt=\"i\" title=\"t\">"),
            "{html}"
        );
    }

    #[test]
    fn raw_html_that_is_allowed_survives() {
        let html = r(
            "H<sub>2</sub>O, <kbd>Ctrl</kbd>\n\n<details><summary>More</summary>\n\nHidden *text*\n\n</details>\n",
        );
        assert!(html.contains("H<sub>2</sub>O, <kbd>Ctrl</kbd>"), "{html}");
        assert!(html.contains("<details><summary>More</summary>"));
        assert!(html.contains("<em>text</em>"));
    }

    #[test]
    fn script_is_removed_with_its_content() {
        for md in [
            "<script>alert(1)</script>",
            "x <script>alert(1)</script> y",
            "<SCRIPT SRC=//x.test/x.js></SCRIPT>",
            "<style>body{display:none}</style>",
        ] {
            let html = r(md);
            assert_absent(&html, &["<script", "<style", "alert(1)", "display:none"]);
        }
    }

    #[test]
    fn event_handlers_are_removed() {
        let html = r(
            "<img src=x onerror=alert(1)> <p onclick=\"alert(1)\">p</p> <b onmouseover=alert(1)>b</b>",
        );
        assert_absent(&html, &["onerror", "onclick", "onmouseover", "alert"]);
        assert!(html.contains("<img src=\"x\">"), "{html}");
    }

    #[test]
    fn script_urls_are_removed() {
        for md in [
            "[x](javascript:alert(1))",
            "[x](JaVaScRiPt:alert(1))",
            "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
            "<a href=\"java\tscript:alert(1)\">x</a>",
            "<a href=\"&#106;avascript:alert(1)\">x</a>",
            "<a href=\" javascript:alert(1)\">x</a>",
            "[x](vbscript:msgbox(1))",
            "<a href=\"data:text/html,<script>alert(1)</script>\">x</a>",
            "![x](data:image/svg+xml;base64,PHN2Zz4=)",
            "<img src=\"javascript:alert(1)\">",
        ] {
            let html = r(md);
            assert_absent(
                &html,
                &[
                    "javascript",
                    "vbscript",
                    "data:",
                    "href=\"java",
                    "src=\"java",
                ],
            );
            assert!(html.contains('x') || html.contains("<img"), "{md} → {html}");
        }
    }

    #[test]
    fn embedding_and_form_elements_are_removed() {
        let html = r(concat!(
            "<iframe src=\"https://evil.test\">fallback</iframe>\n\n",
            "<object data=\"x.swf\"></object><embed src=\"x.swf\">\n\n",
            "<form action=\"https://evil.test\"><input type=\"password\" name=\"pw\">",
            "<button formaction=\"https://evil.test\">Go</button></form>\n",
        ));
        assert_absent(
            &html,
            &[
                "<iframe", "fallback", "<object", "<embed", "<form", "action", "password", "name=",
                "<button",
            ],
        );
        // What is left of the input is a harmless checkbox.
        assert!(html.contains("<input type=\"checkbox\">"), "{html}");
    }

    #[test]
    fn style_attributes_are_removed() {
        let html = r("<div style=\"position:fixed;top:0\">x</div>");
        assert_eq!(html, "<div>x</div>");
    }

    #[test]
    fn svg_and_math_tricks_are_removed() {
        for md in [
            "<svg><script>alert(1)</script></svg>",
            "<svg><a xlink:href=\"javascript:alert(1)\"><text>x</text></a></svg>",
            "<svg><animate attributeName=href values=javascript:alert(1) /></svg>",
            "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
            "<math><maction actiontype=statusline xlink:href=javascript:alert(1)>x</maction></math>",
            "<svg></p><style><a id=\"</style><img src=1 onerror=alert(1)>\">",
            "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
        ] {
            let html = r(md);
            assert_absent(
                &html,
                &[
                    "<script",
                    "<svg",
                    "<math",
                    "onerror",
                    "javascript",
                    "<style",
                ],
            );
        }
    }

    #[test]
    fn user_ids_names_and_classes_are_removed() {
        let html = r(concat!(
            "<p id=\"x\" name=\"y\" class=\"btn-danger footnote-definition\">a</p>\n\n",
            "<a name=\"x\" id=\"u3-fn-1\">b</a> <img name=\"getElementById\" src=\"i.png\">\n\n",
            "```rust\ncode\n```\n",
        ));
        assert_absent(&html, &["id=", "name=", "class="]);
    }

    #[test]
    fn the_mark_cannot_be_forged() {
        // Literal and entity-decoded U+0080, including text pulled into a dangling raw tag.
        let html = r(concat!(
            "<p class=\"\u{80}evil\" id=\"\u{80}x\">a</p>\n\n",
            "<p class=\"&#128;evil\" id=\"&#x80;x\">b</p>\n\n",
            "```&#128;x\nc\n```\n\n",
            "<div title=\"\n\nd\" id=\"&#128;forged\" class=\"&#128;evil\">e\n",
        ));
        assert_absent(&html, &["evil", "forged", "id=\"x\"", "class=", "\u{80}"]);
    }

    #[test]
    fn comments_are_removed() {
        let html = r("a <!-- secret --> b\n\n<!--\nblock secret\n-->\n");
        assert_absent(&html, &["secret", "<!--"]);
    }

    #[test]
    fn id_prefix_is_escaped() {
        let html = render("x[^a]\n\n[^a]: y\n", "a\"><script>alert(1)</script>");
        assert_absent(&html, &["<script"]);
    }

    /// Random Markdown bodies built from the constructs status updates use,
    /// the ones [`plain`] accepts and the ones it must leave to the sanitiser.
    fn generated_body(seed: u64) -> String {
        let mut rng =
            crate::render::test_rng::Rng::new(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let mut next = move |n: usize| rng.below(n);
        // Words plain Markdown is made of, and (rarer) ones that make it not plain.
        const WORDS: &[&str] = &[
            "shipped",
            "the",
            "API",
            "p95",
            "is",
            "151 ms",
            "a & b",
            "x < y",
            "y > z",
            "\"quoted\"",
            "it's",
            "€120",
            "日本",
            "**bold**",
            "*em*",
            "_em_",
            "~~old~~",
            "`a<b>`",
            "``c`d``",
            "\\*",
            "&amp;",
            "&copy;",
            "&#169;",
            "&#128;",
            "\u{80}",
            "'",
            "=",
            "#",
            "|",
            "+4%",
            "1.",
            "javascript:alert(1)",
            "\t",
            "  ",
            "é",
            "x[^1]",
            "*",
            "_",
            "<",
            "&",
        ];
        const NOT_PLAIN: &[&str] = &[
            "<b>hi</b>",
            "<br>",
            "[a](b)",
            "<https://x.test>",
            "![i](c.png)",
            "a  \nb",
            "a\\\nb",
            "\u{a0}",
            "&nbsp;",
            "<!-- c -->",
            "<script>x</script>",
        ];
        let inline = |next: &mut dyn FnMut(usize) -> usize| {
            let n = 1 + next(8);
            (0..n)
                .map(|_| {
                    if next(40) == 0 {
                        NOT_PLAIN[next(NOT_PLAIN.len())]
                    } else {
                        WORDS[next(WORDS.len())]
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut out = String::new();
        for _ in 0..1 + next(5) {
            let block = match next(16) {
                0..=4 => inline(&mut next),
                5 => format!("{} {}", "#".repeat(1 + next(6)), inline(&mut next)),
                6 => format!("> {}\n> {}", inline(&mut next), inline(&mut next)),
                7 | 8 => {
                    let ordered = next(2) == 0;
                    let start = next(3);
                    (0..1 + next(4))
                        .map(|i| {
                            let indent = "  ".repeat(next(2) * usize::from(i > 0));
                            let marker = if ordered {
                                format!("{}.", start + i)
                            } else {
                                "-".into()
                            };
                            format!("{indent}{marker} {}", inline(&mut next))
                        })
                        .collect::<Vec<_>>()
                        .join(if next(3) == 0 { "\n\n" } else { "\n" })
                }
                9 | 10 => {
                    let cols = 1 + next(3);
                    let align = ["---", ":--", "--:", ":-:"];
                    let delim: Vec<&str> = (0..cols)
                        .map(|_| if next(3) == 0 { align[next(4)] } else { "---" })
                        .collect();
                    let row = |next: &mut dyn FnMut(usize) -> usize| {
                        let cells: Vec<String> = (0..cols)
                            .map(|_| WORDS[next(WORDS.len())].replace('|', "\\|"))
                            .collect();
                        format!("| {} |", cells.join(" | "))
                    };
                    let mut t = format!("{}\n| {} |", row(&mut next), delim.join(" | "));
                    for _ in 0..next(3) {
                        t.push('\n');
                        t.push_str(&row(&mut next));
                    }
                    t
                }
                11 if next(4) == 0 => {
                    format!("```{}\n{}\n```", ["", "rust"][next(2)], inline(&mut next))
                }
                12 if next(4) == 0 => "***".into(),
                13 if next(4) == 0 => format!("- [{}] {}", [" ", "x"][next(2)], inline(&mut next)),
                14 if next(4) == 0 => format!("<div>{}</div>", inline(&mut next)),
                15 if next(4) == 0 => format!("{}\r\n{}", inline(&mut next), inline(&mut next)),
                _ => inline(&mut next),
            };
            out.push_str(&block);
            out.push_str(if next(4) == 0 { "\n" } else { "\n\n" });
        }
        out
    }

    #[test]
    fn plain_markdown_skips_the_sanitiser_with_the_same_html() {
        let mut trusted = 0;
        for seed in 0..5000 {
            let md = generated_body(seed);
            let sanitised = render_with(&md, "u3-", false);
            assert_eq!(render(&md, "u3-"), sanitised, "seed {seed}: {md:?}");
            let events: Vec<Event> =
                limit_depth(Parser::new_ext(&md, options()).map(scrub)).collect();
            trusted += usize::from(plain(&md, &events));
        }
        // Both kinds are exercised.
        assert!((1000..4000).contains(&trusted), "{trusted} of 5000 plain");
    }

    #[test]
    fn what_plain_leaves_to_the_sanitiser() {
        let is_plain = |md: &str| {
            let events: Vec<Event> =
                limit_depth(Parser::new_ext(md, options()).map(scrub)).collect();
            plain(md, &events)
        };
        for md in [
            "Shipped **it**; *mostly* ~~done~~ with `code`.\n\n- a\n- b\n\n3. c\n\n> q\n\n## h\n",
            "| a | b |\n|---|---|\n| 1 | 2 |\n",
            "a & b < c > d \"e\" 'f'\n",
        ] {
            assert!(is_plain(md), "{md:?}");
        }
        for md in [
            "<b>x</b>",
            "a <br> b",
            "[a](https://x.test)",
            "<https://x.test>",
            "![i](c.png)",
            "```\ncode\n```",
            "    indented code",
            "***",
            "a  \nb",
            "x[^1]\n\n[^1]: y",
            "- [x] done",
            "| a |\n|:-:|\n| 1 |",
            "a\r\nb",
            "a\u{a0}b",
            "a\0b",
            &"> ".repeat(PLAIN_DEPTH + 1),
        ] {
            assert!(!is_plain(md), "{md:?}");
        }
        // Under the depth limit, nesting is fine, and depth is nesting, not length.
        assert!(is_plain(&format!("{}x", "> ".repeat(PLAIN_DEPTH - 1))));
        assert!(is_plain(
            &"A paragraph\nwrapped.\n\n".repeat(PLAIN_DEPTH * 2)
        ));
        // Heading ids and classes are not enabled in `options()`, but if they
        // were, the sanitiser would have to see them.
        let heading = |id: Option<&'static str>, class: Option<&'static str>| {
            [
                Event::Start(Tag::Heading {
                    level: pulldown_cmark::HeadingLevel::H2,
                    id: id.map(CowStr::from),
                    classes: class.into_iter().map(CowStr::from).collect(),
                    attrs: Vec::new(),
                }),
                Event::Text("h".into()),
                Event::End(TagEnd::Heading(pulldown_cmark::HeadingLevel::H2)),
            ]
        };
        assert!(plain("", &heading(None, None)));
        assert!(!plain("", &heading(Some("x"), None)));
        assert!(!plain("", &heading(None, Some("x"))));
    }

    #[test]
    fn output_is_deterministic() {
        let md = "| a |\n|:-:|\n| 1 |\n\n- [x] t[^n]\n\n[^n]: <input type=text checked disabled>\n";
        let first = r(md);
        for _ in 0..20 {
            assert_eq!(r(md), first);
        }
    }

    fn assert_quick(name: &str, markdown: &str) {
        let start = Instant::now();
        let html = r(markdown);
        let summary = summary(markdown, 200);
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "{name} took {:?}",
            start.elapsed()
        );
        assert!(!html.is_empty() || !summary.is_empty(), "{name}");
    }

    /// Runs on the test thread's 2 MiB stack, like a rayon worker.
    #[test]
    fn deep_nesting_is_flattened_quickly() {
        assert_quick("blockquotes", &format!("{}x", "> ".repeat(10_000)));
        assert_quick("bullets", &format!("{}x", "- ".repeat(10_000)));
        assert_quick("numbers", &format!("{}x", "1. ".repeat(10_000)));
        assert_quick(
            "emphasis",
            &format!("{}x{}", "*".repeat(10_000), "*".repeat(10_000)),
        );
        assert_quick("links", &"[".repeat(10_000));
        assert_quick("raw divs", &"<div>".repeat(20_000));
        assert_quick("raw divs within budget", &"<div>".repeat(MAX_RAW_TAGS));
        let lines: String = (0..1_000)
            .map(|i| format!("{}- x\n", "  ".repeat(i)))
            .collect();
        assert_quick("indented list", &lines);
        let html = r(&format!("{}x", "> ".repeat(10_000)));
        assert_eq!(html.matches("<blockquote>").count(), MAX_DEPTH);
    }

    #[test]
    fn too_much_raw_html_is_shown_as_text() {
        let html = r(&"<div>".repeat(MAX_RAW_TAGS + 1));
        assert!(html.starts_with("&lt;div&gt;"), "{}", &html[..40]);
        assert!(!html.contains("<div>"));
    }

    #[test]
    fn summary_is_first_paragraph_as_plain_text() {
        let md = "Ship **v2** to &amp; <b>fro</b> [docs](https://x.test)\nby `March`.\n\nSecond paragraph.";
        assert_eq!(summary(md, 200), "Ship v2 to & fro docs by March.");
    }

    #[test]
    fn summary_skips_raw_html_blocks_and_footnotes() {
        assert_eq!(
            summary("<div>\n</div>\n\n- one\n- two\n\nlater", 200),
            "one two"
        );
        assert_eq!(summary("[^a]: note\n\nBody[^a] text.", 200), "Body text.");
        assert_eq!(summary("# Heading\n\nBody", 200), "Body");
        assert_eq!(summary("# Only\n\n## Headings", 200), "Only");
        assert_eq!(summary("", 200), "");
    }

    #[test]
    fn summary_cuts_on_a_word_boundary() {
        let md = "The quick brown fox, jumps over the lazy dog";
        assert_eq!(summary(md, 100), md);
        assert_eq!(summary(md, md.len()), md);
        assert_eq!(summary(md, 21), "The quick brown fox…");
        assert_eq!(summary(md, 23), "The quick brown fox…", "no dangling comma");
        assert_eq!(summary("Supercalifragilistic", 6), "Super…");
        assert_eq!(summary("héllo wörld ünïcode", 12), "héllo wörld…");
        assert!(summary(&"word ".repeat(100), 50).chars().count() <= 50);
        assert_eq!(summary("x y", 0), "");
    }
}
