//! One build, stage by stage: discover, parse, link, render, write.
//!
//! Each stage reports problems instead of stopping, so the author sees
//! everything at once; the site is written only when no stage found an
//! error.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::bail;
use jiff::civil::Date;
use log::debug;
use rayon::prelude::*;

use crate::bodies::{self, Body, BodyMemo, LateBodies};
use crate::collection::{self, Collection};
use crate::config::Config;
use crate::dates;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::discover::{discover, discover_collections};
use crate::highlight::{self, HighlightCache, Highlighter};
use crate::history::History;
use crate::knowledge::KnowledgeBase;
use crate::link::LinkIndex;
use crate::link::related::Web;
use crate::model::Postmortem;
use crate::parse::{self, ParseCache};
use crate::render::{self, OutputFile, PageMemo, Renderer, SiteInput, SiteView};
use crate::search::IndexSize;
use crate::theme::Theme;
use crate::validate;
use crate::write::{Staging, WriteFailed};

/// What the command line asked for.
#[derive(Clone, Debug, Default)]
pub struct BuildOptions {
    /// The postmortem repository.
    pub root: PathBuf,
    /// Where to write the site, instead of the settings' `output_dir`.
    pub output: Option<PathBuf>,
    /// Published address, instead of the settings' `base_url`.
    pub base_url: Option<String>,
    /// Also publish postmortems with `status: draft`.
    pub drafts: bool,
    /// Check only: report problems, render and write nothing, and add the
    /// checks of follow-up work (owners, due dates, overdue actions).
    pub check_only: bool,
}

/// What a build did.
#[derive(Debug)]
pub struct BuildReport {
    /// The repository root, to which diagnostic paths are relative.
    pub root: PathBuf,
    /// Postmortems read.
    pub postmortems: usize,
    /// Drafts read but not published.
    pub drafts_skipped: usize,
    /// Files written (pages and assets); zero when nothing was written.
    pub pages: usize,
    /// Every problem found, in file order.
    pub diagnostics: Vec<Diagnostic>,
    /// Where the site went.
    pub output: PathBuf,
    /// True when the site was written.
    pub written: bool,
    /// True when links are page-relative (no base URL): the site opens
    /// from disk.
    pub portable: bool,
    /// Size of the search index, when one was built.
    pub search_index: Option<IndexSize>,
    /// Wall time of the whole build.
    pub elapsed: Duration,
}

impl BuildReport {
    /// Number of errors.
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    /// Number of warnings.
    pub fn warnings(&self) -> usize {
        self.diagnostics.len() - self.errors()
    }
}

/// Why a build could not run at all.
#[derive(Debug)]
pub enum BuildError {
    /// Settings, theme or options are unusable (exit status 2).
    Setup(anyhow::Error),
    /// The site could not be written (exit status 1).
    Output(anyhow::Error),
}

/// Builds the site described by `options` (or only checks it).
pub fn build(options: &BuildOptions) -> Result<BuildReport, BuildError> {
    let started = Instant::now();
    let setup =
        timed("settings and theme", || Setup::prepare(options)).map_err(BuildError::Setup)?;
    let mut diagnostics = Diagnostics::default();
    let (postmortems, repo_prefix) = read_all(&setup, options, &mut diagnostics);
    let collections = read_collections(&setup.config, &mut diagnostics);
    let mut report = BuildReport {
        root: setup.config.root.clone(),
        postmortems: postmortems.len(),
        drafts_skipped: 0,
        pages: 0,
        diagnostics: Vec::new(),
        output: setup.output.clone(),
        written: false,
        portable: setup.config.base_url.is_none(),
        search_index: None,
        elapsed: Duration::ZERO,
    };
    let sources =
        Sources { postmortems: &postmortems, collections: &collections, repo_prefix: &repo_prefix };
    publish(&setup, options, &sources, &mut diagnostics, &mut report)?;
    report.diagnostics = diagnostics.sorted();
    report.elapsed = started.elapsed();
    // Freeing every postmortem took tens of milliseconds at 10,000 in which
    // nothing else ran: a thread of their own frees them, and a one-shot
    // build leaves them to the process's exit. Should the system refuse a
    // thread, spawn drops the closure, and the postmortems with it, here.
    let _ = std::thread::Builder::new()
        .name("free postmortems".into())
        .spawn(move || drop((postmortems, collections)));
    Ok(report)
}

/// Discovers and parses every postmortem, newest first; also returns the
/// root's folder inside its git repository (empty outside git).
fn read_all(
    setup: &Setup,
    options: &BuildOptions,
    diagnostics: &mut Diagnostics,
) -> (Vec<Postmortem>, String) {
    let config = &setup.config;
    let (files, problems) =
        timed("discover", || discover(&config.root, &config.content_path(), &setup.output));
    diagnostics.extend(problems);
    let history = timed("read git history", || History::read(&config.root));
    // Beside the output, as `public.hindsight-parsed`; a check writes nothing.
    let cache = match (options.check_only, crate::write::sibling(&setup.output, "parsed")) {
        (false, Ok(path)) => timed("load parse cache", || ParseCache::load(path, config)),
        _ => ParseCache::none(),
    };
    let parsed: Vec<parse::Parsed> = timed("parse", || {
        files
            .par_iter()
            .map(|f| {
                let past = history.as_ref().and_then(|h| h.of(&f.shown));
                parse::read_file(&f.path, &f.shown, config, past, &cache)
            })
            .collect()
    });
    if let Err(e) = timed("save parse cache", || cache.save()) {
        log::warn!("warning: cannot save the parse cache: {e}; the next build reads every file");
    }
    let mut postmortems = Vec::with_capacity(parsed.len());
    for result in parsed {
        diagnostics.extend(result.diagnostics);
        postmortems.extend(result.postmortem);
    }
    sort_newest_first(&mut postmortems);
    (postmortems, history.map(|h| h.prefix).unwrap_or_default())
}

/// The reading lists, in file-name order.
fn read_collections(config: &Config, diagnostics: &mut Diagnostics) -> Vec<Collection> {
    let files = discover_collections(&config.root, &config.content_path());
    let mut collections = Vec::with_capacity(files.len());
    for file in files {
        let (collection, problems) = collection::read(&file.path, &file.shown);
        diagnostics.extend(problems);
        collections.extend(collection);
    }
    collections
}

/// What was read from the repository.
struct Sources<'a> {
    postmortems: &'a [Postmortem],
    collections: &'a [Collection],
    repo_prefix: &'a str,
}

/// Links, checks and (unless only checking) renders and writes the site.
fn publish(
    setup: &Setup,
    options: &BuildOptions,
    sources: &Sources<'_>,
    diagnostics: &mut Diagnostics,
    report: &mut BuildReport,
) -> Result<(), BuildError> {
    let config = &setup.config;
    let postmortems = sources.postmortems;
    let (links, problems) =
        timed("link", || LinkIndex::build(postmortems, config.url_style(), options.drafts));
    diagnostics.extend(problems);
    for pm in postmortems {
        diagnostics.extend(links.check_related(pm));
        // The gate of a maturing postmortem is `check`'s; a build (and the
        // preview) still publishes a half-written postmortem.
        if options.check_only {
            diagnostics.extend(validate::required_fields(pm, &config.check));
            diagnostics.extend(validate::follow_ups(pm, setup.today));
        }
    }
    for list in sources.collections {
        diagnostics.extend(links.check_collection(list));
    }
    let published: Vec<&Postmortem> =
        postmortems.iter().filter(|pm| links.is_published(pm)).collect();
    report.drafts_skipped = postmortems.len() - published.len();
    // A check reads every body, drafts included; a build, what it publishes.
    let checked: Vec<&Postmortem> =
        if options.check_only { postmortems.iter().collect() } else { published.clone() };

    // The knowledge base needs no bodies: it is built on whichever core
    // the bodies leave free.
    let (mut bodies, (kb, kb_problems)) = rayon::join(
        || render_bodies(setup, options, &checked, &links),
        || timed("knowledge base", || KnowledgeBase::build(&published, config, setup.today)),
    );
    let mut outgoing = Vec::with_capacity(bodies.len());
    for body in &mut bodies {
        outgoing.push(std::mem::take(&mut body.targets));
        diagnostics.extend(std::mem::take(&mut body.problems));
    }
    diagnostics.extend(kb_problems);
    if options.check_only || diagnostics.has_errors() {
        return Ok(());
    }

    let web = timed("relate", || Web::build(&published, &outgoing));
    let input = SiteInput {
        postmortems: &published,
        bodies,
        late_bodies: &LateBodies::new(&links, cache_path(&setup.output).as_deref()),
        links: &links,
        web: &web,
        kb: &kb,
        config,
        repo_prefix: sources.repo_prefix,
        collections: sources.collections,
        today: setup.today,
        now: setup.now,
        words_cache: crate::write::sibling(&setup.output, "words").ok(),
    };
    let staging = Staging::create(&setup.output).map_err(BuildError::Output)?;
    // A template that fails is a theme problem; a file that cannot be
    // written, an output problem.
    let classify = |e: anyhow::Error| {
        if e.downcast_ref::<WriteFailed>().is_some() {
            BuildError::Output(e)
        } else {
            BuildError::Setup(e)
        }
    };
    let memo = match page_memo_path(&setup.output) {
        Some(path) => PageMemo::load(path),
        None => PageMemo::none(),
    };
    let index_size = timed("render and write pages", || {
        render::render_site(&setup.renderer, input, &staging, &memo)
    })
    .map_err(classify)?;
    setup.renderer.log_slowest_templates();
    report.search_index = index_size;
    warn_if_large(index_size, config);
    for asset in setup.assets() {
        staging.put(asset).map_err(BuildError::Output)?;
    }
    report.pages = staging.written().len();
    debug!("files changed since the previous site: {} of {}", staging.changed(), report.pages);
    // The memo describes the site in place: gone while that site changes,
    // so a rebuild that fails part-way leaves none to trust.
    // If it cannot be removed, the site is not changed under it.
    memo.forget().map_err(|e| {
        BuildError::Output(anyhow::anyhow!(
            "cannot remove the page memo beside {}: {e}; the site in place was left as it was",
            setup.output.display()
        ))
    })?;
    timed("put in place", || staging.finish()).map_err(BuildError::Output)?;
    if let Err(e) = memo.save() {
        log::warn!("warning: cannot save the page memo: {e}; the next build renders every page");
    }
    report.written = true;
    Ok(())
}

/// Renders the bodies of `checked`, but for those the body memo vouches
/// for, and saves the highlight cache and the memo for the next build.
fn render_bodies(
    setup: &Setup,
    options: &BuildOptions,
    checked: &[&Postmortem],
    links: &LinkIndex<'_>,
) -> Vec<Body> {
    // A check saves nothing beside the output, so it reads nothing there.
    let (cache_path, memo_path) = if options.check_only {
        (None, None)
    } else {
        (cache_path(&setup.output), crate::write::sibling(&setup.output, "bodies").ok())
    };
    let highlighter = timed("load syntaxes", || match &cache_path {
        Some(path) => Highlighter::with_cache(HighlightCache::at(path.clone())),
        None => Highlighter::new(),
    });
    let cache_file_id = || cache_path.as_deref().and_then(highlight::cache_file_id);
    let memo = match &memo_path {
        Some(path) => timed("load body memo", || BodyMemo::load(path.clone(), cache_file_id())),
        None => BodyMemo::none(),
    };
    let broken_links = setup.config.broken_links;
    let bodies = timed("render bodies", || {
        bodies::render_all(checked, links, &highlighter, broken_links, &memo)
    });
    let saved_cache = timed("save highlight cache", || highlighter.save_cache());
    if let (Err(e), Some(path)) = (&saved_cache, &cache_path) {
        log::warn!(
            "warning: cannot save the highlight cache {}: {e}; the next build highlights again",
            path.display()
        );
    }
    // After the cache: the memo names the cache file as this build left
    // it. A cache that was not saved lacks this build's code, and one that
    // was damaged the code of bodies left unrendered, so the memo then
    // names none, and the next build renders every body with code.
    let cache_id = match saved_cache {
        Ok(()) if highlighter.cache_is_complete() => cache_file_id(),
        _ => None,
    };
    if let (Err(e), Some(path)) = (timed("save body memo", || memo.save(cache_id)), &memo_path) {
        log::warn!(
            "warning: cannot save the body memo {}: {e}; the next build renders every body",
            path.display()
        );
    }
    bodies
}

/// Where highlighted code is kept between builds: beside the output, as
/// `public.hindsight-cache` (CI can keep it between runs).
fn cache_path(output: &Path) -> Option<PathBuf> {
    crate::write::sibling(output, "cache").ok()
}

/// What the pages in place were made of: beside the output, as
/// `public.hindsight-pages`.
fn page_memo_path(output: &Path) -> Option<PathBuf> {
    crate::write::sibling(output, "pages").ok()
}

/// An oversized index costs every reader on their first search.
fn warn_if_large(size: Option<IndexSize>, config: &Config) {
    if let Some(size) = size.filter(|s| s.first_search > config.search.warn_kb * 1024) {
        log::warn!(
            "warning: a first search can load {} kB of index (gzipped), over [search] warn_kb = {}; \
             lower [search] body_words (0 leaves bodies out) to shrink it",
            size.first_search / 1024,
            config.search.warn_kb
        );
    }
}

/// Everything decided before any postmortem is read.
struct Setup {
    config: Config,
    output: PathBuf,
    now: jiff::Timestamp,
    today: Date,
    theme: Theme,
    renderer: Renderer,
    /// Held from before the highlight cache is read until the site is in
    /// place.
    _lock: Option<crate::write::OutputLock>,
}

impl Setup {
    fn prepare(options: &BuildOptions) -> anyhow::Result<Setup> {
        let root = &options.root;
        if !root.is_dir() {
            bail!("{} is not a folder; pass the repository with --root", root.display());
        }
        let mut config = Config::load(root)?;
        if let Some(url) = &options.base_url {
            config.set_base_url(url)?;
        }
        let output = match &options.output {
            Some(path) => path.clone(),
            None => root.join(&config.output_dir),
        };
        let lock = if options.check_only {
            None
        } else {
            check_output(&config, &output)?;
            crate::write::check_output(&output)?;
            Some(crate::write::lock_output(&output)?)
        };
        let now = dates::build_time().map_err(anyhow::Error::msg)?;
        let today = now.to_zoned_datetime(config.timezone.clone()).date();
        let theme = Theme::load(&config)?;
        let renderer = Renderer::new(&theme, &SiteView::new(&config, today), config.url_style())?;
        Ok(Setup { config, output, now, today, theme, renderer, _lock: lock })
    }

    fn assets(&self) -> Vec<OutputFile> {
        let mut files: Vec<OutputFile> = self
            .theme
            .assets
            .iter()
            .map(|(path, bytes)| OutputFile { path: path.clone(), contents: bytes.clone() })
            .collect();
        let syntax = highlight::stylesheet().into_bytes();
        files.push(OutputFile { path: PathBuf::from("assets/syntax.css"), contents: syntax });
        files
    }
}

/// Refuses output folders whose replacement would destroy the sources.
fn check_output(config: &Config, output: &Path) -> anyhow::Result<()> {
    let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let output = absolute(output);
    let root = absolute(&config.root);
    let content = absolute(&config.content_path());
    if root.starts_with(&output) || content.starts_with(&output) {
        bail!(
            "the output folder {} would overwrite the sources; choose a folder such as {}",
            output.display(),
            root.join("public").display()
        );
    }
    Ok(())
}

/// Newest first; undated postmortems last; ties by id, so the order never
/// depends on the file system or thread timing.
fn sort_newest_first(postmortems: &mut [Postmortem]) {
    postmortems.sort_by(|a, b| {
        let undated = |pm: &Postmortem| pm.date.is_none();
        undated(a)
            .cmp(&undated(b))
            .then_with(|| b.date.cmp(&a.date))
            .then_with(|| b.start_time.cmp(&a.start_time))
            .then_with(|| a.id.cmp(&b.id))
    });
}

/// Runs one stage and logs its time at debug level (`--verbose`).
pub(crate) fn timed<T>(stage: &str, work: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let result = work();
    debug!("{stage}: {:.1} ms", started.elapsed().as_secs_f64() * 1000.0);
    result
}
