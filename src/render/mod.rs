//! Stage 4, render: the scored public site to pages, feeds and exports, all in
//! memory. Nothing here touches the output folder; `crate::write` does.
//!
//! Every page gets `root`, the relative path back to the site root (`../../`),
//! so links work wherever the site is mounted.

pub mod charts;
pub mod diff;
pub mod export;
pub mod feed;
pub mod format;
pub mod html;
pub mod markdown;
pub mod memo;
mod pages;
pub mod qr;
mod rows;
pub mod search;
pub mod stats;
pub mod status;
pub mod templates;
#[cfg(test)]
mod test_rng;
pub mod urls;
pub mod view;

use std::collections::BTreeMap;
use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;
use tera::{Context, Tera};

use crate::diag::{Diagnostic, Diagnostics};
use crate::load::Site;
use crate::score::Scores;
use html::SafeHtml;
use view::Views;

/// A rendered site: output path (`fy24/platform/index.html`) → bytes.
pub type Files = BTreeMap<String, Vec<u8>>;

/// What every page knows about the site.
#[derive(Debug, Clone, Serialize)]
pub struct Globals {
    pub title: String,
    pub company: String,
    pub as_of: String,
    pub current_quarter: String,
    pub current_quarter_label: String,
    pub current_quarter_url: String,
    pub base_url: Option<String>,
    pub paper: &'static str,
    pub orientation: &'static str,
    pub generator: String,
    pub drafts: bool,
    /// Whether the site has a search page (the header shows its box).
    pub search: bool,
}

/// Options of a build that change what is rendered.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    pub base_url: Option<String>,
    pub drafts: bool,
}

/// Compiled templates and static files: the built-in theme, a site theme and the
/// site's own overrides. Loaded once per build; `okra serve` keeps it between
/// rebuilds until a template, a static file or `okra.toml` changes.
pub struct Theme {
    tera: Tera,
    statics: templates::StaticFiles,
}

impl Theme {
    /// None when a template has errors (they are in `diags`).
    pub fn load(
        root: &Path,
        config: &crate::config::Config,
        diags: &mut Diagnostics,
    ) -> Option<Theme> {
        let (tera, statics) = templates::load(root, config, diags)?;
        Some(Theme { tera, statics })
    }
}

/// A scored public site made ready to render: theme loaded, views computed.
/// It owns everything, so `okra serve` can keep one and render any file of it
/// on request ([`Prepared::render_file`]), while `okra build` renders them all
/// ([`Prepared::render_all`]); both go through the same page jobs.
pub struct Prepared {
    theme: std::sync::Arc<Theme>,
    /// The theme's engine with this build's `site` as its global context.
    tera: Tera,
    site: Site,
    scores: Scores,
    views: Views,
    /// KR table rows, rendered on first use (`fragments/kr-row.html`).
    rows: rows::KrRows,
    base_url: Option<String>,
    stats: stats::RenderStats,
}

/// What a page template sees of the site, borrowed from a [`Prepared`].
pub struct Renderer<'a> {
    tera: &'a Tera,
    pub site: &'a Site,
    pub scores: &'a Scores,
    pub views: &'a Views,
    rows: &'a rows::KrRows,
    pub stats: &'a stats::RenderStats,
    /// The absolute URL the site is published at, when known (`--base-url`
    /// or okra.toml): the feeds and the wall sheets' QR codes need it.
    pub base_url: Option<&'a str>,
}

/// One page to render: template, the folder URL it lives at (`fy24/x/`, `` for
/// the root) and its context. Large pages build their context lazily, on the
/// rendering thread, so only the pages being rendered hold one in memory.
pub struct PageJob<'a> {
    pub template: &'static str,
    pub url: String,
    pub section: &'static str,
    context: PageContext<'a>,
}

type LazyContext<'a> = Box<dyn FnOnce() -> Result<Context, Diagnostic> + Send + Sync + 'a>;

enum PageContext<'a> {
    Ready(Context),
    Lazy(LazyContext<'a>),
}

impl<'a> PageJob<'a> {
    /// A page whose (small) context is built now.
    pub fn new(
        template: &'static str,
        url: impl Into<String>,
        section: &'static str,
        ctx: &impl Serialize,
    ) -> Self {
        PageJob {
            template,
            url: url.into(),
            section,
            context: PageContext::Ready(
                Context::from_serialize(ctx).expect("page context serialises"),
            ),
        }
    }

    /// A page whose context `build` makes when the page is rendered.
    pub fn lazy<T: Serialize>(
        template: &'static str,
        url: impl Into<String>,
        section: &'static str,
        build: impl FnOnce() -> T + Send + Sync + 'a,
    ) -> Self {
        Self::lazy_try(template, url, section, move || Ok(build()))
    }

    /// Like [`PageJob::lazy`], for contexts that include rendered fragments
    /// (which can fail on a broken template).
    pub fn lazy_try<T: Serialize>(
        template: &'static str,
        url: impl Into<String>,
        section: &'static str,
        build: impl FnOnce() -> Result<T, Diagnostic> + Send + Sync + 'a,
    ) -> Self {
        PageJob {
            template,
            url: url.into(),
            section,
            context: PageContext::Lazy(Box::new(move || {
                build().map(|t| Context::from_serialize(&t).expect("page context serialises"))
            })),
        }
    }
}

/// The file a page URL is written to: `fy24/x/` → `fy24/x/index.html`.
pub use urls::output_path;

/// `../` once per folder level of `url`.
pub fn root_prefix(url: &str) -> String {
    "../".repeat(url.matches('/').count())
}

impl<'a> Renderer<'a> {
    /// Renders a piece of HTML that many pages share (a theme template under
    /// `fragments/`) once, for pages at the folder depth of `url`. Pages then
    /// print it (`{{ row }}`, safe HTML) instead of re-rendering it each time.
    pub fn fragment(
        &self,
        template: &'static str,
        url: &str,
        ctx: &impl Serialize,
    ) -> Result<SafeHtml, Diagnostic> {
        let mut ctx = Context::from_serialize(ctx).expect("fragment context serialises");
        ctx.insert("root", &root_prefix(url));
        let html = self.render_template(template, &ctx, url)?;
        // The file's final newline is not part of the fragment.
        Ok(SafeHtml::new(html.trim_end()))
    }

    fn render_template(
        &self,
        template: &str,
        ctx: &Context,
        url: &str,
    ) -> Result<String, Diagnostic> {
        self.tera
            .render(template, ctx)
            .map_err(|e| render_failed(template, url, &e))
    }

    pub fn render(&self, job: PageJob<'_>) -> Result<(String, Vec<u8>), Diagnostic> {
        let mut ctx = match job.context {
            PageContext::Ready(c) => c,
            PageContext::Lazy(build) => build()?,
        };
        ctx.insert("root", &root_prefix(&job.url));
        ctx.insert("page_url", &job.url);
        ctx.insert("section", job.section);
        // Rendered as bytes, which is what is written: `Tera::render` makes a
        // `String` of them, checking the whole page is UTF-8 (Tera writes
        // only strings, so it is), about 1 % of a build's CPU. Room for a KR
        // page (25-30 kB at 10k KRs) from the start.
        let mut html = Vec::with_capacity(32 * 1024);
        self.tera
            .render_to(job.template, &ctx, &mut html)
            .map_err(|e| render_failed(job.template, &job.url, &e))?;
        Ok((output_path(job.url), html))
    }
}

/// The diagnostic of `template` failing on the page at `url`.
fn render_failed(template: &str, url: &str, e: &tera::Error) -> Diagnostic {
    let mut d = templates::render_error(template, e);
    d.message = format!("rendering /{url}: {}", d.message);
    d
}

/// Where rendered files go, as they are rendered (from any thread).
pub trait Sink: Sync {
    fn put(&self, path: &str, bytes: &[u8]) -> std::io::Result<()>;

    /// True once the files are no longer wanted (`okra serve` checking a build
    /// that a newer edit already replaced): rendering stops with [`Cancelled`].
    fn cancelled(&self) -> bool {
        false
    }
}

/// Collects files in memory (tests, and callers that want the bytes).
impl Sink for std::sync::Mutex<Files> {
    fn put(&self, path: &str, bytes: &[u8]) -> std::io::Result<()> {
        self.lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .insert(path.to_string(), bytes.to_vec());
        Ok(())
    }
}

/// Why rendering stopped.
#[derive(Debug)]
pub enum RenderError {
    /// Template problems, already in the diagnostics.
    Templates,
    Write(std::io::Error),
}

/// The feed, the exports and the search index: one file each, made from the
/// whole site (the teams' feeds are written beside them, one per team).
const SITE_FILES: [&str; 5] = [
    search::INDEX,
    urls::JSON,
    urls::CSV,
    urls::FEED,
    urls::CHANGES_JSON,
];

impl Prepared {
    /// Computes the views of `site` (Markdown through `memo`, when given, so that
    /// unchanged bodies are not rendered again).
    pub fn new(
        theme: std::sync::Arc<Theme>,
        site: Site,
        scores: Scores,
        opts: &RenderOptions,
        memo: Option<&view::ViewMemo>,
    ) -> Prepared {
        let stats = stats::RenderStats::default();
        let t = std::time::Instant::now();
        let views = view::build(&site, &scores, memo);
        stats.stage("views (markdown, sparklines)", t);
        let cfg = &site.config;
        let base_url = opts.base_url.clone().or_else(|| cfg.base_url.clone());
        let globals = Globals {
            title: cfg.title.clone(),
            company: cfg.company.clone(),
            as_of: scores.as_of.to_string(),
            current_quarter: views.current.to_string(),
            current_quarter_label: format::quarter_label(views.current),
            current_quarter_url: urls::quarter(views.current),
            base_url: base_url.clone(),
            paper: cfg.wall.paper.as_str(),
            orientation: cfg.wall.orientation.as_str(),
            generator: format!("okra {}", env!("CARGO_PKG_VERSION")),
            drafts: opts.drafts,
            search: cfg.search.enabled,
        };
        let mut tera = theme.tera.clone();
        tera.global_context().insert("site", &globals);
        Prepared {
            theme,
            tera,
            site,
            scores,
            rows: rows::KrRows::new(&views.krs),
            views,
            base_url,
            stats,
        }
    }

    /// The compiled theme, for `okra serve` to reuse while it is unchanged.
    pub fn theme(&self) -> std::sync::Arc<Theme> {
        std::sync::Arc::clone(&self.theme)
    }

    /// What rendering this site has measured so far.
    pub fn stats(&self) -> &stats::RenderStats {
        &self.stats
    }

    pub fn renderer(&self) -> Renderer<'_> {
        Renderer {
            tera: &self.tera,
            site: &self.site,
            scores: &self.scores,
            views: &self.views,
            rows: &self.rows,
            stats: &self.stats,
            base_url: self.base_url.as_deref(),
        }
    }

    /// The site's own files that are not pages: the feed, the exports and the
    /// search index (when search is on).
    fn site_file(&self, path: &str) -> Option<String> {
        let r = self.renderer();
        match path {
            urls::JSON => Some(export::json(r.site, r.scores)),
            urls::CSV => Some(export::csv(r.site, r.scores)),
            urls::FEED => Some(feed::atom(&r, self.base_url.as_deref())),
            urls::CHANGES_JSON => Some(pages::changes::json(&r)),
            search::INDEX => r.site.config.search.enabled.then(|| search::index(&r)),
            _ => feed::team_atom(&r, urls::team_feed_team(path)?, self.base_url.as_deref()),
        }
    }

    /// Renders one output file (`fy24/eng/index.html`, `okra.css`,
    /// `fy24/eng/latency/trend.svg`): exactly the bytes [`Prepared::render_all`]
    /// writes there. None when the site has no such file.
    pub fn render_file(&self, path: &str) -> Option<Result<Vec<u8>, Diagnostic>> {
        if let Some(text) = self.site_file(path) {
            return Some(Ok(text.into_bytes()));
        }
        if let Some(kr_id) = urls::trend_kr(path)
            && let Some(kr) = self.site.key_results.iter().find(|k| k.id == kr_id)
        {
            return Some(Ok(
                charts::sparkline_file(kr, self.scores.as_of).into_bytes()
            ));
        }
        let r = self.renderer();
        let job = pages::for_path(&r, path);
        match job {
            Some(job) => Some(r.render(job).map(|(_, bytes)| bytes)),
            None => self.theme.statics.get(path).map(|b| Ok(b.clone())),
        }
    }

    /// Renders every page, feed and export into `sink`, pages in parallel, each
    /// written as soon as it is rendered. Returns the page count.
    pub fn render_all(
        &self,
        diags: &mut Diagnostics,
        sink: &dyn Sink,
    ) -> Result<usize, RenderError> {
        let (site, scores) = (&self.site, &self.scores);
        let renderer = self.renderer();
        // Static files first: a generated page of the same path replaces one.
        for (path, bytes) in &self.theme.statics {
            sink.put(path, bytes).map_err(RenderError::Write)?;
        }
        // Sparklines, one file per KR, shared by every page listing it.
        let cancelled = || {
            if sink.cancelled() {
                Err(std::io::Error::other(Cancelled))
            } else {
                Ok(())
            }
        };
        site.key_results
            .par_iter()
            .try_for_each(|kr| {
                cancelled()?;
                let svg = self
                    .stats
                    .chart(|| charts::sparkline_file(kr, scores.as_of));
                sink.put(&urls::trend(&kr.id), svg.as_bytes())
            })
            .map_err(RenderError::Write)?;
        cancelled().map_err(RenderError::Write)?;
        // A broken template fails every page that uses it: report it once.
        let failed: std::sync::Mutex<BTreeMap<std::path::PathBuf, Diagnostic>> = Default::default();
        // The exports and the feed are one file each: they are made alongside the
        // pages rather than after them, so no core idles at the end of the build,
        // and alongside the making of the page jobs, which keeps only some of
        // the cores busy (a few page families take most of its time).
        let (pages, exports) = rayon::join(
            || {
                let t = std::time::Instant::now();
                let jobs = pages::all(&renderer);
                self.stats.stage("page jobs", t);
                let page_count = jobs.len();
                // At most a few pages per task: rayon otherwise splits the
                // list only while threads steal, and one core was left to
                // render the last thousand KR pages alone (0.3-0.4 s at 10k
                // KRs) while the other idled.
                let rendered = jobs.into_par_iter().with_max_len(4).try_for_each(|job| {
                    cancelled()?;
                    let (template, started) = (job.template, std::time::Instant::now());
                    let result = match renderer.render(job) {
                        Ok((path, bytes)) => sink.put(&path, &bytes),
                        Err(d) => {
                            if let Ok(mut f) = failed.lock() {
                                f.entry(d.loc.file.clone()).or_insert(d);
                            }
                            Ok(())
                        }
                    };
                    self.stats.page(template, started);
                    result
                });
                rendered.map(|()| page_count)
            },
            || -> std::io::Result<()> {
                let t = std::time::Instant::now();
                for path in SITE_FILES {
                    cancelled()?;
                    if let Some(text) = self.site_file(path) {
                        sink.put(path, text.as_bytes())?;
                    }
                }
                cancelled()?;
                for (path, text) in feed::team_atoms(&self.renderer(), self.base_url.as_deref()) {
                    cancelled()?;
                    sink.put(&path, text.as_bytes())?;
                }
                self.stats.stage("exports, feed and search index", t);
                Ok(())
            },
        );
        let page_count = pages
            .and_then(|n| exports.map(|()| n))
            .map_err(RenderError::Write)?;
        let failed = failed.into_inner().unwrap_or_default();
        if !failed.is_empty() {
            for d in failed.into_values() {
                diags.push(d);
            }
            return Err(RenderError::Templates);
        }
        Ok(page_count)
    }
}

/// The error a [`Sink`] that was [cancelled](Sink::cancelled) ends rendering with.
#[derive(Debug)]
pub struct Cancelled;

impl std::fmt::Display for Cancelled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("rendering was cancelled")
    }
}

impl std::error::Error for Cancelled {}
