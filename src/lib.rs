//! Hindsight turns a git repository of incident postmortems, written as
//! Markdown with YAML front matter, into a static knowledge-base website.
//!
//! The modules follow the pipeline: `discover` finds files, `parse` reads
//! them into the `model`, `link` resolves cross-references, `markdown` and
//! `render` produce pages with the `theme`, and `write` puts the finished
//! site in place. `site` runs them in order.

mod bodies;
pub mod cli;
mod collection;
mod config;
mod dates;
mod diagnostic;
mod discover;
mod frontmatter;
mod highlight;
mod history;
mod knowledge;
mod link;
mod markdown;
pub mod messages;
mod model;
mod parse;
mod render;
pub mod scaffold;
mod search;
pub mod serve;
mod site;
mod slug;
mod theme;
mod url;
mod validate;
mod write;

pub use diagnostic::{Diagnostic, Level};
pub use search::IndexSize;
pub use site::{BuildError, BuildOptions, BuildReport, build};

/// `hindsight new`: writes a postmortem from the template into `root`'s
/// content folder and returns its path.
pub fn new_postmortem(
    root: &std::path::Path,
    title: &str,
    severity: Option<String>,
    date: Option<&str>,
) -> Result<std::path::PathBuf, scaffold::NewError> {
    use scaffold::NewError::Usage;
    let config = config::Config::load(root).map_err(Usage)?;
    let date = date
        .map(|d| {
            d.parse::<jiff::civil::Date>()
                .map_err(|e| anyhow::anyhow!("--date `{d}` is not a date like 2025-03-14 ({e})"))
        })
        .transpose()
        .map_err(Usage)?;
    let today = today(&config).map_err(Usage)?;
    let request = scaffold::NewPostmortem { title: title.to_string(), severity, date };
    scaffold::new_postmortem(&config, &request, today)
}

/// `hindsight init`: creates a postmortem repository in `dir`.
pub fn init(dir: &std::path::Path, force: bool) -> anyhow::Result<scaffold::InitReport> {
    let now = dates::build_time().map_err(anyhow::Error::msg)?;
    scaffold::init(dir, force, now.to_zoned_datetime(jiff::tz::TimeZone::UTC).date())
}

fn today(config: &config::Config) -> anyhow::Result<jiff::civil::Date> {
    let now = dates::build_time().map_err(anyhow::Error::msg)?;
    Ok(now.to_zoned_datetime(config.timezone.clone()).date())
}

/// The hasher for what a build keeps to compare with the next one: the
/// page memo, the search index's key and the caches beside the output.
/// xxh3 gives the same hash in every run and reads long texts (every
/// page's variables, every file's bytes) several times faster than the
/// standard library's SipHash, which is built to resist hash flooding,
/// a threat that keys chosen by Hindsight itself do not face.
pub(crate) type StableHasher = xxhash_rust::xxh3::Xxh3Default;

/// What names this build of Hindsight in the files it keeps beside a site
/// between builds: the version, and the executable's length and time of
/// modification. A binary compiled since (a developer's, or an upgrade
/// that kept the version number) never trusts what another one kept; CI
/// that caches its compiled binary keeps its caches too.
pub(crate) fn build_id() -> &'static str {
    use std::hash::{Hash, Hasher};
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(|| {
        let mut hasher = StableHasher::new();
        if let Ok(exe) = std::env::current_exe().and_then(std::fs::metadata) {
            (exe.len(), exe.modified().ok()).hash(&mut hasher);
        }
        format!("{}+{:016x}", env!("CARGO_PKG_VERSION"), hasher.finish())
    })
}
