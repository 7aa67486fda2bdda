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
    let mut tera = Tera::default();
    tera.autoescape_on(vec![".html", ".xml", ".svg"]);
    tera.set_escape_fn(escape_html);
    if let Err(e) =
        tera.add_raw_templates(by_name.values().map(|s| (s.name.as_str(), s.text.as_str())))
    {
        // Tera names the broken template in quotes; point at its file.
        let text = error_text(&e);
        let origin = by_name
            .values()
            .filter_map(|s| text.find(&format!("'{}'", s.name)).map(|at| (at, s)))
            .min_by_key(|(at, _)| *at)
            .map_or_else(|| PathBuf::from("templates"), |(_, s)| s.origin.clone());
        diags.push(template_error(&origin, &e));
        return None;
    }
    Some((tera, statics))
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
                    Ok(text) => templates.push(Source { name, text, origin }),
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

/// The whole chain of a Tera error as one line.
pub fn error_text(e: &tera::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    parts
        .join(": ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Line and column from Tera's ` --> 3:5` parse error marker.
fn position(text: &str) -> (u32, u32) {
    text.split("--> ")
        .nth(1)
        .and_then(|rest| {
            let mut it = rest
                .split(|c: char| !c.is_ascii_digit())
                .filter(|s| !s.is_empty());
            Some((it.next()?.parse().ok()?, it.next()?.parse().ok()?))
        })
        .unwrap_or((1, 1))
}

/// A template problem as a diagnostic at the template's file and line.
pub fn template_error(origin: &Path, e: &tera::Error) -> Diagnostic {
    let mut raw = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        raw.push('\n');
        raw.push_str(&s.to_string());
        source = s.source();
    }
    let (line, column) = position(&raw);
    Diagnostic::error(
        "template",
        Loc::new(origin, line, column),
        format!("template error: {}", error_text(e)),
        "fix the template syntax (Tera, as in Zola); delete the override in templates/ to fall back to the theme's",
    )
}

#[cfg(test)]
mod tests {
    use super::escape_html;

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
