//! HTML okra made itself and already made safe: a sanitised Markdown body, a
//! chart, a rendered fragment.
//!
//! Held as Tera's own string value, marked safe: a page's context takes it
//! as it is (Tera clones a value it meets while serialising, an `Arc`
//! clone) and a template prints it unescaped without the `safe` filter,
//! which copies its input. Held as a `String`, each KR page copied its
//! body, chart, series chart and series rows twice, once into the context and
//! once through `| safe`: about 30 kB per page, 300 MB per 10k-KR build.
//! Rust code reads it as a `&str`.

use serde::{Serialize, Serializer};

/// Safe HTML as a template value; see the module documentation.
#[derive(Clone)]
pub struct SafeHtml(tera::Value);

impl SafeHtml {
    /// Marks `html` safe. Only for HTML okra made or sanitised itself.
    pub fn new(html: &str) -> SafeHtml {
        SafeHtml(tera::Value::safe_string(html))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str().unwrap_or_default()
    }
}

impl Default for SafeHtml {
    fn default() -> SafeHtml {
        SafeHtml::new("")
    }
}

impl std::ops::Deref for SafeHtml {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Debug for SafeHtml {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_str().fmt(f)
    }
}

/// Into Tera, the value itself; into anything else (JSON), a string.
impl Serialize for SafeHtml {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Page {
        body: SafeHtml,
        text: &'static str,
    }

    /// Printed as it is with or without `| safe`; other strings are still
    /// escaped; JSON gets the string.
    #[test]
    fn safe_html_prints_unescaped_and_serialises_as_a_string() {
        let mut tera = tera::Tera::default();
        tera.autoescape_on(vec![".html"]);
        tera.add_raw_templates(vec![
            ("a.html", "{{ body }}|{{ body | safe }}|{{ text }}"),
            ("b.html", "{% if body %}yes{% else %}no{% endif %}"),
        ])
        .unwrap();
        let page = Page {
            body: SafeHtml::new("<p>a &amp; b</p>"),
            text: "<b>",
        };
        let ctx = tera::Context::from_serialize(&page).unwrap();
        assert_eq!(
            tera.render("a.html", &ctx).unwrap(),
            "<p>a &amp; b</p>|<p>a &amp; b</p>|&lt;b&gt;"
        );
        let empty = Page {
            body: SafeHtml::default(),
            text: "",
        };
        let ctx = tera::Context::from_serialize(&empty).unwrap();
        assert_eq!(tera.render("b.html", &ctx).unwrap(), "no");
        assert_eq!(
            serde_json::to_string(&page).unwrap(),
            r#"{"body":"<p>a &amp; b</p>","text":"<b>"}"#
        );
        assert_eq!(&*page.body, "<p>a &amp; b</p>");
        // Debug output (chart and view dumps in tests) shows the HTML itself.
        assert_eq!(format!("{:?}", page.body), r#""<p>a &amp; b</p>""#);
    }
}
