//! Turns the knowledge base into pages with the theme's tera templates.
//!
//! Site-wide values go into tera's global context once; each page's own
//! context holds only that page's data, so no page copies the whole site.
//! Templates escape every value; only HTML that Hindsight produced and
//! sanitised is marked safe.

mod chart;
mod collections;
mod dashboard;
mod data;
mod feeds;
mod kb;
mod memo;
mod views;

use std::path::PathBuf;

use anyhow::Context as _;
use jiff::civil::Date;
use rayon::prelude::*;
use serde::Serialize;
use tera::{Context, Kwargs, State, Tera};

use crate::bodies::{Body, LateBodies};
use crate::collection::Collection;
use crate::config::{BaseUrl, Config};
use crate::knowledge::KnowledgeBase;
use crate::link::LinkIndex;
use crate::link::related::Web;
use crate::model::{Kind, Postmortem};
use crate::search::{self, IndexSize, WordsCache};
use crate::site::timed;
use crate::slug::slugify;
use crate::theme::Theme;
use crate::url::UrlStyle;
use kb::KbPages;
pub use memo::PageMemo;
use memo::Vars;
use views::RelatedView;
pub use views::{Entry, Page, display_date};

/// One file of the finished site.
#[derive(Debug)]
pub struct OutputFile {
    /// Path inside the output folder.
    pub path: PathBuf,
    /// What to write.
    pub contents: Vec<u8>,
}

/// Values every page can use, as `site.*`.
#[derive(Debug, Serialize)]
pub struct SiteView {
    /// Site name.
    pub title: String,
    /// One line about the site.
    pub description: String,
    /// Absolute address of the site root, or empty when no `base_url` is
    /// set (a portable site).
    pub base_url: String,
    /// `2025-03-14`.
    pub build_date: String,
    /// `14 Mar 2025`.
    pub build_date_display: String,
    /// The zone times are shown in.
    pub timezone: String,
    /// `Hindsight 0.1.0`.
    pub generator: String,
    /// True when the search box and index are built.
    pub search: bool,
    /// True when links are page-relative (no `base_url`).
    pub portable: bool,
    /// The taxonomies with pages, for navigation: title and folder.
    pub taxonomies: Vec<(String, String)>,
    /// The settings' `[extra]` table.
    pub extra: serde_json::Value,
}

impl SiteView {
    /// The site values for a build on `today`.
    pub fn new(config: &Config, today: Date) -> SiteView {
        SiteView {
            title: config.title.clone(),
            description: config.description.clone(),
            base_url: config.base_url.as_ref().map(BaseUrl::absolute).unwrap_or_default(),
            build_date: today.to_string(),
            build_date_display: display_date(today),
            timezone: config.timezone_name.clone(),
            generator: format!("Hindsight {}", env!("CARGO_PKG_VERSION")),
            search: config.search.enabled,
            portable: config.base_url.is_none(),
            taxonomies: config
                .taxonomies
                .iter()
                .map(|name| {
                    (crate::knowledge::taxonomy::title_of(name), format!("{}/", slugify(name)))
                })
                .collect(),
            extra: config.extra.clone(),
        }
    }
}

/// The theme's templates, ready to render.
pub struct Renderer {
    tera: Tera,
    /// Hash of the templates and the site's values, which every page's
    /// memo hash includes.
    memo_base: u64,
    /// Time spent in each template, for `--verbose`.
    timings: std::sync::Mutex<std::collections::HashMap<String, (usize, std::time::Duration)>>,
}

impl Renderer {
    /// Compiles the theme's templates, with `site` available everywhere and
    /// the `url` filter, which turns a site-relative path into a link from
    /// the page being rendered.
    pub fn new(theme: &Theme, site: &SiteView, style: UrlStyle) -> anyhow::Result<Renderer> {
        // The link style is the `url` filter's: a page's links depend on it.
        let memo_base = memo::hash_base(
            theme.templates.iter().map(|(n, t)| (n.as_str(), t.as_str())),
            &(site, format!("{style:?}")),
        );
        let mut tera = Tera::new();
        tera.register_filter("url", move |target: &str, _: Kwargs, state: &State| {
            // Read as a value, not a `String`: no copy for every link.
            let from: Option<tera::Value> = state.get("page_path").ok().flatten();
            style.href(from.as_ref().and_then(|from| from.as_str()).unwrap_or_default(), target)
        });
        tera.add_raw_templates(theme.templates.iter().map(|(n, t)| (n.as_str(), t.as_str())))
            .map_err(|e| anyhow::anyhow!("{}", describe(&e)))
            .context("the theme's templates do not compile")?;
        tera.global_context().insert("site", site);
        Ok(Renderer { tera, memo_base, timings: Default::default() })
    }

    /// Renders the page whose folder is `folder` (site-relative, such as
    /// `postmortems/`; empty for the home page) into `folder/index.html`.
    fn page(&self, template: &str, folder: &str, context: Context) -> anyhow::Result<OutputFile> {
        self.file(template, folder, &format!("{folder}index.html"), context)
    }

    fn file(
        &self,
        template: &str,
        folder: &str,
        path: &str,
        mut context: Context,
    ) -> anyhow::Result<OutputFile> {
        context.insert("page_path", folder);
        let started = std::time::Instant::now();
        let html = self
            .tera
            .render(template, &context)
            .map_err(|e| anyhow::anyhow!("template {template}: {}", describe(&e)))?;
        if let Ok(mut timings) = self.timings.lock() {
            let entry = timings.entry(template.to_string()).or_default();
            entry.0 += 1;
            entry.1 += started.elapsed();
        }
        Ok(OutputFile { path: PathBuf::from(path), contents: html.into_bytes() })
    }
}

/// Where pages go: each is rendered into the sink, or kept from the site
/// in place when the memo shows it made of the same variables and
/// templates as then.
pub(crate) struct Out<'a> {
    renderer: &'a Renderer,
    sink: &'a dyn Sink,
    memo: &'a PageMemo,
}

impl Out<'_> {
    /// Files made by code rather than a template (the data files), all
    /// from the same `inputs`: kept from the site in place when the inputs
    /// hash as they did then and every file is still there, else made by
    /// `make` and written.
    fn files(
        &self,
        paths: &[&str],
        inputs: &(impl Serialize + ?Sized),
        make: impl FnOnce() -> anyhow::Result<Vec<OutputFile>>,
    ) -> anyhow::Result<()> {
        let hash = memo::hash_inputs(self.renderer.memo_base, &(paths, inputs));
        if let Some(hash) = hash {
            let before: Option<Vec<(PathBuf, u64)>> = paths
                .iter()
                .map(|path| {
                    let path = PathBuf::from(path);
                    self.memo.length_if_unchanged(&path, hash).map(|len| (path, len))
                })
                .collect();
            if before.is_some_and(|before| self.keep_all(before, hash)) {
                return Ok(());
            }
        }
        self.put_all(make()?, hash)
    }

    /// Keeps the site in place's `files` (path and length), made from what
    /// hashes to `hash`, when every one of them is still there: a group is
    /// kept whole or made again, never in part.
    fn keep_all(&self, files: Vec<(PathBuf, u64)>, hash: u64) -> bool {
        if !(files.iter().all(|(path, len)| self.sink.is_there(path, *len))
            && files.iter().all(|(path, len)| self.sink.keep(path, *len)))
        {
            return false;
        }
        for (path, len) in files {
            self.memo.record(path, hash, len);
        }
        true
    }

    /// Writes `files`, recording them in the memo as made from what hashes
    /// to `hash`, when it could be hashed.
    fn put_all(&self, files: Vec<OutputFile>, hash: Option<u64>) -> anyhow::Result<()> {
        if let Some(hash) = hash {
            for file in &files {
                self.memo.record(file.path.clone(), hash, file.contents.len() as u64);
            }
        }
        put_all(self.sink, files)
    }

    /// The page at `folder` (`folder/index.html`), from `template`.
    fn page(&self, template: &str, folder: &str, vars: Vars) -> anyhow::Result<()> {
        // A page whose variables cannot be hashed is rendered every time.
        let hash = vars.hash(self.renderer.memo_base, template, folder);
        self.page_from(template, folder, hash, || vars.context())
    }

    /// The page at `folder`, from `template` with the variables `context`
    /// gives: kept when the memo shows it made from what hashes to `hash`.
    fn page_from(
        &self,
        template: &str,
        folder: &str,
        hash: Option<u64>,
        context: impl FnOnce() -> Context,
    ) -> anyhow::Result<()> {
        let path = PathBuf::from(format!("{folder}index.html"));
        if let Some(hash) = hash
            && let Some(len) = self.memo.length_if_unchanged(&path, hash)
            && self.sink.keep(&path, len)
        {
            self.memo.record(path, hash, len);
            return Ok(());
        }
        let file = self.renderer.page(template, folder, context())?;
        if let Some(hash) = hash {
            self.memo.record(path, hash, file.contents.len() as u64);
        }
        self.sink.put(file)
    }
}

impl Renderer {
    /// Logs the templates that took longest in all, at debug level.
    pub fn log_slowest_templates(&self) {
        let Ok(timings) = self.timings.lock() else { return };
        let mut slowest: Vec<(&String, &(usize, std::time::Duration))> = timings.iter().collect();
        slowest.sort_by(|a, b| b.1.1.cmp(&a.1.1).then_with(|| a.0.cmp(b.0)));
        for (template, (pages, total)) in slowest.into_iter().take(5) {
            log::debug!(
                "  template {template}: {:.1} ms for {pages} pages",
                total.as_secs_f64() * 1000.0
            );
        }
    }
}

/// tera's errors keep the useful part (template line, what failed) in the
/// source chain; show all of it.
fn describe(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Headline figures for the home page.
#[derive(Debug, Default, Serialize)]
pub struct Counts {
    /// Postmortems published.
    pub postmortems: usize,
    /// Of which incidents.
    pub incidents: usize,
    /// Of which near misses.
    pub near_misses: usize,
    /// Of which drills.
    pub drills: usize,
    /// Improvement actions in all.
    pub actions: usize,
    /// Actions not done and not dropped.
    pub open_actions: usize,
    /// Open actions past their due date.
    pub overdue_actions: usize,
}

impl Counts {
    fn of(postmortems: &[&Postmortem], today: Date) -> Counts {
        let mut counts = Counts { postmortems: postmortems.len(), ..Counts::default() };
        for pm in postmortems {
            match pm.kind {
                Kind::Incident => counts.incidents += 1,
                Kind::NearMiss => counts.near_misses += 1,
                Kind::Drill => counts.drills += 1,
            }
            for action in &pm.improvement_actions {
                counts.actions += 1;
                counts.open_actions += usize::from(!action.status.is_closed());
                counts.overdue_actions += usize::from(action.is_overdue(today));
            }
        }
        counts
    }
}

/// Postmortems of one year in the catalogue.
#[derive(Debug, Serialize)]
struct YearGroup<'a> {
    /// `2025`, or `Undated`.
    label: String,
    /// Anchor for the year's heading.
    anchor: String,
    /// The year's archive page.
    url: String,
    entries: Vec<&'a Entry>,
}

/// Everything the page templates need from earlier stages.
pub struct SiteInput<'a> {
    /// Published postmortems, newest first.
    pub postmortems: &'a [&'a Postmortem],
    /// Their bodies, in the same order.
    pub bodies: Vec<Body>,
    /// Renders the bodies left unrendered whose pages must be made.
    pub late_bodies: &'a LateBodies<'a>,
    /// Cross-reference tables.
    pub links: &'a LinkIndex<'a>,
    /// Related incidents and backlinks, by position.
    pub web: &'a Web,
    /// The views across postmortems.
    pub kb: &'a KnowledgeBase<'a>,
    /// Settings.
    pub config: &'a Config,
    /// The root's folder inside its git repository, for "edit" links.
    pub repo_prefix: &'a str,
    /// Reading lists.
    pub collections: &'a [Collection],
    /// The build date, for overdue actions.
    pub today: Date,
    /// The build time, for the feed's `updated` when nothing is dated.
    pub now: jiff::Timestamp,
    /// Where analysed search words are kept between builds, if anywhere.
    pub words_cache: Option<PathBuf>,
}

/// Where rendered files go: the write stage's staging folder.
pub trait Sink: Sync {
    /// Stores one file of the site.
    fn put(&self, file: OutputFile) -> anyhow::Result<()>;
    /// Whether the previous site has the file `path`, `len` bytes long,
    /// where a rebuild could keep it.
    fn is_there(&self, path: &std::path::Path, len: u64) -> bool;
    /// Keeps the previous site's file at `path` as it is, when it is there
    /// and `len` bytes long; false when it must be rendered again.
    fn keep(&self, path: &std::path::Path, len: u64) -> bool;
    /// The files stored so far, relative to the site root, sorted.
    fn written(&self) -> Vec<PathBuf>;
}

/// Stores a group of files, on every core.
fn put_all(sink: &dyn Sink, files: Vec<OutputFile>) -> anyhow::Result<()> {
    files.into_par_iter().try_for_each(|file| sink.put(file))
}

/// Renders every page of the site into `sink`, in parallel where pages are
/// many, and the search index beside them, both on rayon's pool; returns
/// the index's size when there is one. Pages go to the sink as they are
/// made, so the site is never whole in memory; pages and an index the memo
/// shows unchanged are kept as the site in place has them.
pub fn render_site(
    renderer: &Renderer,
    mut input: SiteInput<'_>,
    sink: &dyn Sink,
    memo: &PageMemo,
) -> anyhow::Result<Option<IndexSize>> {
    // Each body is dropped as soon as its page is written.
    let bodies = std::mem::take(&mut input.bodies);
    let entries: Vec<Entry> =
        input.postmortems.par_iter().map(|pm| Entry::new(pm, input.links)).collect();
    let out = Out { renderer, sink, memo };
    let search = || -> anyhow::Result<Option<IndexSize>> {
        if !input.config.search.enabled {
            return Ok(None);
        }
        timed("  search index", || search_index(&input, &entries, &out)).map(Some)
    };
    let (pages, index_size) = rayon::join(|| render_pages(&out, &input, bodies, &entries), search);
    pages?;
    let index_size = index_size?;
    if index_size.is_some() {
        sink.put(renderer.page("search.html", "search/", Context::new())?)?;
    }
    if let Some(base) = &input.config.base_url {
        let pages: Vec<String> = sink
            .written()
            .iter()
            .filter_map(|p| p.to_str())
            .filter(|p| p.ends_with("index.html"))
            .map(|p| p.trim_end_matches("index.html").to_string())
            .collect();
        sink.put(feeds::sitemap(&base.absolute(), &pages))?;
    }
    Ok(index_size)
}

/// The search index, kept from the site in place when the memo shows it
/// made of the same text, entries and settings.
fn search_index(
    input: &SiteInput<'_>,
    entries: &[Entry],
    out: &Out<'_>,
) -> anyhow::Result<IndexSize> {
    let config = input.config;
    let key = search::key(input.postmortems, entries, &config.search);
    if let Some((files, size)) = out.memo.search_if_unchanged(key)
        && out.keep_all(files, key)
    {
        out.memo.record_search(key, size);
        return Ok(size);
    }
    let words = match &input.words_cache {
        Some(path) => WordsCache::load(path.clone(), &config.search.language),
        None => WordsCache::default(),
    };
    let fields = search::fields(input.postmortems, &config.search);
    let (files, size) = search::build(fields, entries, &config.search, &words)?;
    out.memo.record_search(key, size);
    out.put_all(files, Some(key))?;
    Ok(size)
}

/// Every HTML page and data file. Postmortem pages are most of the work;
/// the pages across postmortems are made beside them, each group a task of
/// its own, so that no core waits on a single large page (the catalogue,
/// the feed) while the other finishes.
fn render_pages(
    out: &Out<'_>,
    input: &SiteInput<'_>,
    bodies: Vec<Body>,
    entries: &[Entry],
) -> anyhow::Result<()> {
    let (postmortems, others) = rayon::join(
        || timed("  postmortem pages", || postmortem_pages(out, input, bodies, entries)),
        || knowledge_pages(out, input, entries),
    );
    postmortems.and(others)
}

/// A group of pages or files, made on whichever core is free.
type Task<'t> = Box<dyn Fn() -> anyhow::Result<()> + Send + Sync + 't>;

/// The pages across postmortems, the feed and the data files.
fn knowledge_pages(out: &Out<'_>, input: &SiteInput<'_>, entries: &[Entry]) -> anyhow::Result<()> {
    let pages = KbPages::new(input.kb, entries, input.today);
    let pages = &pages;
    let theme = &input.config.lessons_theme;
    let tasks: Vec<Task<'_>> = vec![
        Box::new(|| timed("  taxonomies", || pages.taxonomies(out, theme))),
        Box::new(|| timed("  actions", || pages.actions(out))),
        // The data files say nothing that the postmortems (every field
        // but the Markdown of the body, which they leave out), their rows
        // and the date do not.
        Box::new(|| {
            timed("  data files", || {
                let inputs = (input.postmortems, entries, input.today);
                out.files(&["data/postmortems.json"], &inputs, || {
                    Ok(vec![feeds::model_json(input.postmortems, entries, input.today)?])
                })
            })
        }),
        Box::new(|| timed("  digests", || pages.digests(out, input.today))),
        Box::new(|| pages.lessons(out, theme)),
        Box::new(|| timed("  archive", || pages.years(out))),
        Box::new(|| home_page(out, input, entries, pages)),
        Box::new(|| catalogue_page(out, input, entries)),
        Box::new(|| {
            let lists = collections::views(input.collections, input.postmortems, entries);
            collections::pages(out, &lists)
        }),
        Box::new(|| {
            let inputs = (input.postmortems, input.today);
            out.files(data::ACTION_FILES, &inputs, || data::action_files(input.kb))
        }),
        Box::new(|| out.sink.put(feeds::atom(input.postmortems, entries, input.config, input.now))),
        // Hosts serve 404.html at any depth; it links as if from the root.
        Box::new(|| out.sink.put(out.renderer.file("404.html", "", "404.html", Context::new())?)),
    ];
    tasks.into_par_iter().try_for_each(|task| task())
}

/// The home page: counts, the newest postmortems and the dashboard.
fn home_page(
    out: &Out<'_>,
    input: &SiteInput<'_>,
    entries: &[Entry],
    pages: &KbPages<'_>,
) -> anyhow::Result<()> {
    let counts = Counts::of(input.postmortems, input.today);
    let dashboard = pages.dashboard();
    let collection_links = collections::links(input.collections);
    let mut vars = Vars::new();
    vars.insert("counts", &counts);
    vars.insert("recent", &entries[..entries.len().min(input.config.home_recent)]);
    vars.insert("dashboard", &dashboard);
    vars.insert("collections", &collection_links);
    out.page("index.html", "", vars)
}

/// `/postmortems/`: every postmortem by year.
fn catalogue_page(out: &Out<'_>, input: &SiteInput<'_>, entries: &[Entry]) -> anyhow::Result<()> {
    let years: Vec<YearGroup<'_>> = input
        .kb
        .years
        .iter()
        .map(|group| YearGroup {
            label: group.label.clone(),
            anchor: format!("y-{}", group.slug),
            url: format!("postmortems/{}/", group.slug),
            entries: group.members.iter().map(|&i| &entries[i]).collect(),
        })
        .collect();
    let total = entries.len();
    let mut vars = Vars::new();
    vars.insert("years", &years);
    vars.insert("total", &total);
    out.page("catalogue.html", "postmortems/", vars)
}

/// One page per published postmortem, each stored as soon as it is made,
/// or kept from the previous site when the memo shows it made of the same.
fn postmortem_pages(
    out: &Out<'_>,
    input: &SiteInput<'_>,
    bodies: Vec<Body>,
    entries: &[Entry],
) -> anyhow::Result<()> {
    input.postmortems.par_iter().zip(bodies.into_par_iter()).enumerate().try_for_each(
        |(i, (pm, body))| {
            let zone = &input.config.timezone;
            let mut page = Page::new(pm, input.links, zone, input.today, String::new());
            page.related = related_views(pm, &input.web.related[i], entries, input.links);
            page.edit_url = input
                .config
                .edit_url(&format!("{}{}", input.repo_prefix, page.source))
                .unwrap_or_default();
            page.backlinks =
                input.web.backlinks[i].iter().map(|&j| RelatedView::of(&entries[j])).collect();
            // The page is hashed with its body's key in place of the HTML,
            // which is rendered only if the page is.
            let folder = input.links.path(pm);
            let hash = {
                let mut vars = Vars::new();
                vars.insert("page", &page);
                vars.also_made_from(&body.key);
                vars.hash(out.renderer.memo_base, "postmortem.html", &folder)
            };
            out.page_from("postmortem.html", &folder, hash, || {
                page.body_html = input.late_bodies.render(pm, body.html);
                let mut context = Context::new();
                context.insert("page", &page);
                context
            })
        },
    )
}

/// Related incidents for a page: the computed ones, then any id the
/// author named that is not published here, so the mistake stays visible.
fn related_views(
    pm: &Postmortem,
    related: &[usize],
    entries: &[Entry],
    links: &LinkIndex<'_>,
) -> Vec<RelatedView> {
    let mut views: Vec<RelatedView> =
        related.iter().map(|&j| RelatedView::of(&entries[j])).collect();
    for id in &pm.related {
        let published = links.find(id).is_some_and(|target| links.is_published(target));
        if !published {
            views.push(RelatedView { id: id.clone(), url: String::new(), title: String::new() });
        }
    }
    views
}
