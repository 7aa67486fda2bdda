//! Stage 4, render: the scored public site to pages, feeds and exports, all in
//! memory. Nothing here touches the output folder; `site::write` does.
//!
//! Every page gets `root`, the relative path back to the site root (`../../`),
//! so links work wherever the site is mounted.

pub mod charts;
pub mod export;
pub mod feed;
pub mod format;
pub mod markdown;
mod pages;
pub mod templates;
pub mod view;

use std::collections::BTreeMap;
use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;
use tera::{Context, Tera};

use crate::content::Site;
use crate::diag::{Diagnostic, Diagnostics, Loc};
use crate::score::Scores;
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
}

/// Options of a build that change what is rendered.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    pub base_url: Option<String>,
    pub drafts: bool,
}

pub struct Renderer<'a> {
    tera: Tera,
    pub site: &'a Site,
    pub scores: &'a Scores,
    pub views: &'a Views,
    globals: Globals,
}

/// One page to render: template, the folder URL it lives at (`fy24/x/`, `` for
/// the root) and its context.
pub struct PageJob {
    pub template: &'static str,
    pub url: String,
    pub section: &'static str,
    pub context: Context,
}

impl PageJob {
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
            context: Context::from_serialize(ctx).expect("page context serialises"),
        }
    }
}

/// `../` once per folder level of `url`.
pub fn root_prefix(url: &str) -> String {
    "../".repeat(url.matches('/').count())
}

impl<'a> Renderer<'a> {
    pub fn render(&self, job: PageJob) -> Result<(String, Vec<u8>), Diagnostic> {
        let mut ctx = job.context;
        ctx.insert("site", &self.globals);
        ctx.insert("root", &root_prefix(&job.url));
        ctx.insert("page_url", &job.url);
        ctx.insert("section", job.section);
        let html = self.tera.render(job.template, &ctx).map_err(|e| {
            let origin = Path::new("templates").join(job.template);
            let mut d = templates::template_error(&origin, &e);
            d.loc = Loc::file(origin);
            d.message = format!("rendering /{}: {}", job.url, d.message);
            d
        })?;
        let path = if job.url.ends_with(".html") || job.url.ends_with(".xml") {
            job.url
        } else {
            format!("{}index.html", job.url)
        };
        Ok((path, html.into_bytes()))
    }
}

/// Renders every page, feed and export of a public site.
pub fn render_site(
    root: &Path,
    site: &Site,
    scores: &Scores,
    opts: &RenderOptions,
    diags: &mut Diagnostics,
) -> Option<(Files, usize)> {
    let (tera, statics) = templates::load(root, &site.config, diags)?;
    let views = view::build(site, scores);
    let cfg = &site.config;
    let base_url = opts.base_url.clone().or_else(|| cfg.base_url.clone());
    let globals = Globals {
        title: cfg.title.clone(),
        company: cfg.company.clone(),
        as_of: scores.as_of.to_string(),
        current_quarter: views.current.to_string(),
        current_quarter_label: format::quarter_label(views.current),
        current_quarter_url: view::quarter_url(views.current),
        base_url: base_url.clone(),
        paper: cfg.wall.paper.as_str(),
        orientation: cfg.wall.orientation.as_str(),
        generator: format!("okra {}", env!("CARGO_PKG_VERSION")),
        drafts: opts.drafts,
    };
    let renderer = Renderer {
        tera,
        site,
        scores,
        views: &views,
        globals,
    };
    let jobs = pages::all(&renderer);
    let page_count = jobs.len();
    let rendered: Vec<Result<(String, Vec<u8>), Diagnostic>> =
        jobs.into_par_iter().map(|j| renderer.render(j)).collect();
    let mut files = statics;
    // A broken template fails every page that uses it: report it once.
    let mut failed = std::collections::BTreeSet::new();
    for r in rendered {
        match r {
            Ok((path, bytes)) => {
                files.insert(path, bytes);
            }
            Err(d) => {
                if failed.insert(d.loc.file.clone()) {
                    diags.push(d);
                }
            }
        }
    }
    if !failed.is_empty() {
        return None;
    }
    files.insert("okrs.json".into(), export::json(site, scores).into_bytes());
    files.insert("okrs.csv".into(), export::csv(site, scores).into_bytes());
    files.insert(
        "updates.xml".into(),
        feed::atom(&renderer, base_url.as_deref()).into_bytes(),
    );
    Some((files, page_count))
}
