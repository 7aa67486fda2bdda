//! `okra.toml`: the site's configuration.

use std::path::Path;

use toml::de::DeValue;

use crate::diag::{Diagnostic, Diagnostics};
use crate::period::{FiscalCalendar, NamedBy};
use crate::source::SourceFile;
use crate::source::fields::{Fields, parse_toml};

pub const CONFIG_FILE: &str = "okra.toml";

/// Paper sizes the wall can be printed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Paper {
    #[default]
    A3,
    A4,
    Letter,
    Tabloid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Orientation {
    #[default]
    Landscape,
    Portrait,
}

impl Paper {
    pub fn as_str(self) -> &'static str {
        match self {
            Paper::A3 => "A3",
            Paper::A4 => "A4",
            Paper::Letter => "letter",
            Paper::Tabloid => "tabloid",
        }
    }
}

impl Orientation {
    pub fn as_str(self) -> &'static str {
        match self {
            Orientation::Landscape => "landscape",
            Orientation::Portrait => "portrait",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct WallConfig {
    pub paper: Paper,
    pub orientation: Orientation,
}

/// `[tv]`: the office screen's rotation (`/tv/`).
#[derive(Debug, Clone, PartialEq)]
pub struct TvConfig {
    /// How long each page shows before the next.
    pub seconds_per_page: i64,
}

impl Default for TvConfig {
    fn default() -> Self {
        TvConfig {
            seconds_per_page: 20,
        }
    }
}

/// The parsed `okra.toml`, with defaults filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub title: String,
    /// Name of the company level (objectives without a team).
    pub company: String,
    /// Absolute URL the site is published at; only used where absolute URLs are required (feed).
    pub base_url: Option<String>,
    pub calendar: FiscalCalendar,
    pub theme: String,
    /// Where `theme` was set, for errors about a missing theme.
    pub theme_loc: Option<crate::diag::Loc>,
    pub stale_after_days: i64,
    pub final_scoring_grace_days: i64,
    /// How far below pace (in progress, 0.25 = 25 points) an on-track KR may be.
    pub behind_pace_margin: f64,
    pub wall: WallConfig,
    pub tv: TvConfig,
    pub search: SearchConfig,
}

/// `[search]`: the site's search page and its index (`/search/`).
#[derive(Debug, Clone, PartialEq)]
pub struct SearchConfig {
    /// Whether the search index, the search page and the header's search box
    /// are made.
    pub enabled: bool,
}

impl Default for SearchConfig {
    fn default() -> Self {
        SearchConfig { enabled: true }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            title: "OKRs".into(),
            company: "Company".into(),
            base_url: None,
            calendar: FiscalCalendar::default(),
            theme: "default".into(),
            theme_loc: None,
            stale_after_days: 14,
            final_scoring_grace_days: 14,
            behind_pace_margin: 0.25,
            wall: WallConfig::default(),
            tv: TvConfig::default(),
            search: SearchConfig::default(),
        }
    }
}

const KEYS: &[&str] = &[
    "title",
    "company",
    "base_url",
    "fiscal_year_start",
    "fiscal_year_named_by",
    "theme",
    "stale_after_days",
    "final_scoring_grace_days",
    "behind_pace_margin",
    "wall",
    "tv",
    "search",
];
const WALL_KEYS: &[&str] = &["paper", "orientation"];
const TV_KEYS: &[&str] = &["seconds_per_page"];
const SEARCH_KEYS: &[&str] = &["enabled"];

impl Config {
    /// Reads `okra.toml` from the site root. A missing file is an error naming it.
    pub fn load(root: &Path, diags: &mut Diagnostics) -> Config {
        let path = root.join(CONFIG_FILE);
        match std::fs::read(&path) {
            Ok(bytes) => match SourceFile::from_bytes(CONFIG_FILE, bytes) {
                Ok(file) => Config::parse(&file, diags),
                Err(d) => {
                    diags.push(d);
                    Config::default()
                }
            },
            Err(e) => {
                diags.push(Diagnostic::error(
                    "no-config",
                    crate::diag::Loc::file(CONFIG_FILE),
                    format!("cannot read {CONFIG_FILE}: {e}"),
                    "run okra in the site's folder (or pass --root DIR); `okra init` creates a new site",
                ));
                Config::default()
            }
        }
    }

    /// Parses the text of `okra.toml`; problems go to `diags`, defaults fill the gaps.
    pub fn parse(file: &SourceFile, diags: &mut Diagnostics) -> Config {
        let mut config = Config::default();
        let Some(table) = parse_toml(file, &file.text, 0, diags) else {
            return config;
        };
        let mut f = Fields::new(file, 0, table.get_ref(), "okra.toml", KEYS);
        if let Some(t) = f.string("title", "\"Acme OKRs\"") {
            config.title = t.value;
        }
        if let Some(c) = f.string("company", "\"Acme\"") {
            config.company = c.value;
        }
        if let Some(u) = f.string("base_url", "\"https://okrs.example.com/\"") {
            if u.value.starts_with("http://") || u.value.starts_with("https://") {
                config.base_url = Some(u.value);
            } else {
                f.error(
                    "bad-value",
                    u.loc,
                    format!("base_url `{}` is not an absolute http(s) URL", u.value),
                    "write it as `base_url = \"https://okrs.example.com/\"`, or remove it",
                );
            }
        }
        if let Some(m) = whole_number(&mut f, "fiscal_year_start", 1, 12) {
            config.calendar.start_month = m as u32;
        }
        if let Some(n) = f.choice(
            "fiscal_year_named_by",
            &[("end", NamedBy::End), ("start", NamedBy::Start)],
        ) {
            config.calendar.named_by = n.value;
        }
        if let Some(t) = f.string("theme", "\"default\"") {
            config.theme = t.value;
            config.theme_loc = Some(t.loc);
        }
        if let Some(n) = whole_number(&mut f, "stale_after_days", 1, 3650) {
            config.stale_after_days = n;
        }
        if let Some(n) = whole_number(&mut f, "final_scoring_grace_days", 0, 3650) {
            config.final_scoring_grace_days = n;
        }
        if let Some(m) = f.number("behind_pace_margin", "0.25") {
            if (0.0..=1.0).contains(&m.value) {
                config.behind_pace_margin = m.value;
            } else {
                f.error(
                    "bad-value",
                    m.loc,
                    format!("`behind_pace_margin` must be from 0 to 1, found {}", m.value),
                    "write a fraction of the way to target, e.g. `behind_pace_margin = 0.25` (25 points)",
                );
            }
        }
        let top = table.get_ref();
        diags.extend(f.diags);
        SEARCH.read(file, top, diags, |w| {
            if let Some(b) = w.boolean("enabled") {
                config.search.enabled = b.value;
            }
        });
        TV.read(file, top, diags, |w| {
            if let Some(n) = whole_number(w, "seconds_per_page", 5, 3600) {
                config.tv.seconds_per_page = n;
            }
        });
        WALL.read(file, top, diags, |w| {
            let papers = [
                ("a3", Paper::A3),
                ("a4", Paper::A4),
                ("letter", Paper::Letter),
                ("tabloid", Paper::Tabloid),
            ];
            if let Some(p) = w.choice("paper", &papers) {
                config.wall.paper = p.value;
            }
            let orientations = [
                ("landscape", Orientation::Landscape),
                ("portrait", Orientation::Portrait),
            ];
            if let Some(o) = w.choice("orientation", &orientations) {
                config.wall.orientation = o.value;
            }
        });
        config
    }
}

/// A sub-table of okra.toml (`[wall]`, `[tv]`, `[search]`).
struct Section {
    name: &'static str,
    /// How diagnostics name the table.
    what: &'static str,
    keys: &'static [&'static str],
    /// A key and value to show in the fix when the section is not a table.
    example: &'static str,
}

const WALL: Section = Section {
    name: "wall",
    what: "[wall] table of okra.toml",
    keys: WALL_KEYS,
    example: "`paper = \"A3\"`",
};
const TV: Section = Section {
    name: "tv",
    what: "[tv] table of okra.toml",
    keys: TV_KEYS,
    example: "`seconds_per_page = 20`",
};
const SEARCH: Section = Section {
    name: "search",
    what: "[search] table of okra.toml",
    keys: SEARCH_KEYS,
    example: "`enabled = false`",
};

impl Section {
    /// Reads the section of okra.toml's top-level `table` with `read`, its
    /// keys checked; anything but a table is an error.
    fn read(
        &self,
        file: &SourceFile,
        table: &toml::de::DeTable<'_>,
        diags: &mut Diagnostics,
        read: impl FnOnce(&mut Fields<'_, '_>),
    ) {
        let Some(value) = table.get(self.name) else {
            return;
        };
        match value.get_ref() {
            DeValue::Table(t) => {
                let mut w = Fields::new(file, 0, t, self.what, self.keys);
                read(&mut w);
                diags.extend(w.diags);
            }
            other => diags.push(Diagnostic::error(
                "wrong-type",
                file.loc(value.span().start),
                format!(
                    "`{}` must be a table, found {}",
                    self.name,
                    other.type_str()
                ),
                format!(
                    "write it as a section: `[{}]` on its own line, then {}",
                    self.name, self.example
                ),
            )),
        }
    }
}

/// A whole number within `min..=max`.
fn whole_number(f: &mut Fields<'_, '_>, key: &str, min: i64, max: i64) -> Option<i64> {
    let n = f.number(key, &min.to_string())?;
    if n.value.fract() != 0.0 || n.value < min as f64 || n.value > max as f64 {
        f.error(
            "bad-value",
            n.loc,
            format!(
                "`{key}` must be a whole number from {min} to {max}, found {}",
                n.value
            ),
            format!("write e.g. `{key} = {min}`"),
        );
        return None;
    }
    Some(n.value as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Config, Diagnostics) {
        let mut d = Diagnostics::new();
        let c = Config::parse(&SourceFile::new(CONFIG_FILE, text.into()), &mut d);
        (c, d)
    }

    #[test]
    fn defaults() {
        let (c, d) = parse("");
        assert!(d.is_empty());
        assert_eq!(c, Config::default());
    }

    #[test]
    fn sections_must_be_tables_with_known_keys() {
        let (c, d) = parse("tv = 5\nsearch = \"no\"\n[wall]\npaper = \"a4\"\nsize = 2\n");
        let found: Vec<(&str, &str, &str)> = d
            .iter()
            .map(|d| (d.code, d.message.as_str(), d.hint.as_str()))
            .collect();
        assert_eq!(found.len(), 3, "{found:?}");
        assert_eq!(found[0].0, "wrong-type");
        assert_eq!(found[0].1, "`search` must be a table, found string");
        assert_eq!(
            found[0].2,
            "write it as a section: `[search]` on its own line, then `enabled = false`"
        );
        assert_eq!(found[1].1, "`tv` must be a table, found integer");
        assert!(
            found[1]
                .2
                .contains("`[tv]` on its own line, then `seconds_per_page = 20`")
        );
        assert!(found[2].1.contains("size"), "{found:?}");
        assert!(
            found[2].1.contains("[wall] table of okra.toml"),
            "{found:?}"
        );
        // What was right is kept.
        assert_eq!(c.wall.paper, Paper::A4);
    }

    #[test]
    fn full_config() {
        let (c, d) = parse(
            "title = \"Acme OKRs\"\ncompany = \"Acme\"\nfiscal_year_start = 4\nfiscal_year_named_by = \"Start\"\nstale_after_days = 7\n[wall]\npaper = \"a4\"\norientation = \"portrait\"\n[search]\nenabled = false\n",
        );
        assert!(d.is_empty(), "{d:?}");
        assert!(!c.search.enabled);
        assert_eq!(c.calendar.start_month, 4);
        assert_eq!(c.calendar.named_by, NamedBy::Start);
        assert_eq!(c.stale_after_days, 7);
        assert_eq!(c.wall.paper, Paper::A4);
        assert_eq!(c.wall.orientation, Orientation::Portrait);
        let (c, d) = parse("[tv]\nseconds_per_page = 45\n");
        assert!(d.is_empty());
        assert_eq!(c.tv.seconds_per_page, 45);
        let (c, d) = parse("[tv]\nseconds_per_page = 2\n");
        assert_eq!(d.error_count(), 1);
        assert_eq!(c.tv, TvConfig::default());
    }

    #[test]
    fn bad_values_are_reported_together() {
        let (_, d) = parse("fiscal_year_start = 13\nstale_afterdays = 3\n[wall]\npaper = \"A5\"\n");
        let codes: Vec<_> = d.sorted().iter().map(|d| (d.code, d.loc.line)).collect();
        assert_eq!(
            codes,
            [("bad-value", 1), ("unknown-key", 2), ("bad-value", 4)]
        );
    }
}
