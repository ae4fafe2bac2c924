//! Settings from `hindsight.toml`, read raw and then resolved.
//!
//! Every key has a default, so a bare folder of Markdown files builds. The
//! raw form mirrors the file (unknown keys are refused, never dropped); the
//! resolved `Config` holds checked values the pipeline can trust.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use jiff::tz::TimeZone;
use serde::Deserialize;

use crate::diagnostic::{Level, Position};
use crate::knowledge::period::PeriodKind;
use crate::search::SearchConfig;
use crate::url::UrlStyle;
use crate::validate::CheckConfig;

/// The settings file's name, at the repository root.
pub const FILE_NAME: &str = "hindsight.toml";

/// `hindsight.toml` as written.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawConfig {
    title: String,
    description: String,
    base_url: Option<String>,
    timezone: String,
    theme: String,
    content_dir: PathBuf,
    output_dir: PathBuf,
    severities: Vec<String>,
    triggers: Vec<String>,
    root_cause_categories: Vec<String>,
    home_recent: usize,
    broken_links: String,
    taxonomies: Vec<String>,
    lessons_theme: String,
    digest_period: String,
    search: SearchConfig,
    check: CheckConfig,
    repo_url: Option<String>,
    repo_branch: String,
    extra: toml::Table,
}

impl Default for RawConfig {
    fn default() -> RawConfig {
        RawConfig {
            title: "Postmortems".to_string(),
            description: String::new(),
            base_url: None,
            timezone: "UTC".to_string(),
            theme: "default".to_string(),
            content_dir: PathBuf::from("content"),
            output_dir: PathBuf::from("public"),
            severities: ["SEV1", "SEV2", "SEV3", "SEV4", "SEV5"].map(String::from).to_vec(),
            triggers: Vec::new(),
            root_cause_categories: Vec::new(),
            home_recent: 10,
            broken_links: "error".to_string(),
            taxonomies: ["tags", "services", "teams", "severity"].map(String::from).to_vec(),
            lessons_theme: "tags".to_string(),
            digest_period: "quarter".to_string(),
            search: SearchConfig::default(),
            check: CheckConfig::default(),
            repo_url: None,
            repo_branch: "main".to_string(),
            extra: toml::Table::new(),
        }
    }
}

/// Checked settings for one repository.
#[derive(Clone, Debug)]
pub struct Config {
    /// The repository root: where `hindsight.toml` lives.
    pub root: PathBuf,
    /// Site name, shown in every page header.
    pub title: String,
    /// One line about the site, for the home page and the feed.
    pub description: String,
    /// Where the site is published, when the settings say; without it the
    /// site is written with portable, page-relative links.
    pub base_url: Option<BaseUrl>,
    /// The zone for times written without one, and for showing times.
    pub timezone: TimeZone,
    /// The zone's name as written in the settings, for pages.
    pub timezone_name: String,
    /// Theme folder name under `themes/`.
    pub theme: String,
    /// Folder holding the postmortems, relative to `root`.
    pub content_dir: PathBuf,
    /// Folder the site is written to, relative to `root` unless absolute.
    pub output_dir: PathBuf,
    /// The severity scale, most severe first.
    pub severities: Vec<String>,
    /// Allowed `trigger` values; empty means any.
    pub triggers: Vec<String>,
    /// Allowed root-cause categories; empty means any.
    pub root_cause_categories: Vec<String>,
    /// How many postmortems the home page lists.
    pub home_recent: usize,
    /// How a link to a missing postmortem or heading is reported.
    pub broken_links: Level,
    /// Taxonomies with index and term pages, such as tags and services.
    pub taxonomies: Vec<String>,
    /// The taxonomy that groups lessons into themes.
    pub lessons_theme: String,
    /// How lessons-learned digests are cut.
    pub digest_period: PeriodKind,
    /// The `[search]` table.
    pub search: SearchConfig,
    /// The `[check]` table.
    pub check: CheckConfig,
    /// The repository's web address on GitHub or GitLab, for "edit" links.
    pub repo_url: Option<String>,
    /// The branch "edit" links open.
    pub repo_branch: String,
    /// The `[extra]` table, handed to templates untouched.
    pub extra: serde_json::Value,
}

impl Config {
    /// Reads `hindsight.toml` under `root`, or the defaults when it is absent.
    pub fn load(root: &Path) -> anyhow::Result<Config> {
        let path = root.join(FILE_NAME);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        Config::parse(&text, root)
    }

    /// Resolves settings from the text of a `hindsight.toml`.
    pub fn parse(text: &str, root: &Path) -> anyhow::Result<Config> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let at = e.span().map_or(Position::file(), |s| Position::of_offset(text, s.start, 1));
            anyhow::anyhow!("{}:{}:{}: {}", FILE_NAME, at.line, at.column, e.message())
        })?;
        Config::resolve(raw, root)
    }

    fn resolve(raw: RawConfig, root: &Path) -> anyhow::Result<Config> {
        let base_url = match &raw.base_url {
            Some(url) => Some(
                BaseUrl::parse(url)
                    .with_context(|| format!("{FILE_NAME}: base_url `{url}` is not usable"))?,
            ),
            None => None,
        };
        let timezone = TimeZone::get(&raw.timezone).with_context(|| {
            format!(
                "{FILE_NAME}: unknown timezone `{}`; use an IANA name such as \
                 `Europe/Paris` or `UTC`",
                raw.timezone
            )
        })?;
        check_content_dir(&raw.content_dir, root)?;
        let mut seen = std::collections::HashSet::new();
        if let Some(twice) = raw.severities.iter().find(|s| !seen.insert(s.to_lowercase())) {
            bail!(
                "{FILE_NAME}: severity `{twice}` is listed twice in `severities` (case is ignored)"
            );
        }
        if raw.severities.is_empty() {
            bail!("{FILE_NAME}: `severities` is empty; list the scale, e.g. [\"SEV1\", \"SEV2\"]");
        }
        if raw.theme.contains(['/', '\\']) || raw.theme.starts_with('.') {
            bail!("{FILE_NAME}: theme `{}` must be a folder name under themes/", raw.theme);
        }
        let broken_links = match raw.broken_links.as_str() {
            "error" => Level::Error,
            "warning" => Level::Warning,
            other => bail!("{FILE_NAME}: broken_links = \"{other}\"; use \"error\" or \"warning\""),
        };
        let digest_period = PeriodKind::parse(&raw.digest_period).with_context(|| {
            format!(
                "{FILE_NAME}: digest_period = \"{}\"; use \"month\", \"quarter\" or \"year\"",
                raw.digest_period
            )
        })?;
        check_taxonomies(&raw.taxonomies)?;
        raw.search.check().with_context(|| format!("{FILE_NAME}: [search] is not usable"))?;
        raw.check.check().with_context(|| format!("{FILE_NAME}: [check] is not usable"))?;
        Ok(Config {
            root: root.to_path_buf(),
            title: raw.title,
            description: raw.description,
            base_url,
            timezone,
            timezone_name: raw.timezone,
            theme: raw.theme,
            content_dir: raw.content_dir,
            output_dir: raw.output_dir,
            severities: raw.severities,
            triggers: raw.triggers,
            root_cause_categories: raw.root_cause_categories,
            home_recent: raw.home_recent,
            broken_links,
            taxonomies: raw.taxonomies,
            lessons_theme: raw.lessons_theme,
            digest_period,
            search: raw.search,
            check: raw.check,
            repo_url: raw.repo_url.map(|u| u.trim_end_matches('/').to_string()),
            repo_branch: raw.repo_branch,
            extra: serde_json::to_value(raw.extra).unwrap_or_default(),
        })
    }

    /// Replaces the published address, as `--base-url` does.
    pub fn set_base_url(&mut self, url: &str) -> anyhow::Result<()> {
        self.base_url =
            Some(BaseUrl::parse(url).with_context(|| format!("--base-url `{url}` is not usable"))?);
        Ok(())
    }

    /// How pages link to each other.
    pub fn url_style(&self) -> UrlStyle {
        match &self.base_url {
            Some(base) => UrlStyle::Rooted(base.path.clone()),
            None => UrlStyle::Portable,
        }
    }

    /// The forge page that edits `path` (relative to the repository's top
    /// folder): GitHub's `/edit/` shape, or GitLab's `/-/edit/`.
    pub fn edit_url(&self, path: &str) -> Option<String> {
        let repo = self.repo_url.as_deref()?;
        let edit = if repo.contains("gitlab") { "-/edit" } else { "edit" };
        Some(format!("{repo}/{edit}/{}/{path}", self.repo_branch))
    }

    /// The content folder as a path on disk. A repository without the
    /// default `content/` folder is a bare folder of postmortems: the root
    /// itself is the content.
    pub fn content_path(&self) -> PathBuf {
        let content = self.root.join(&self.content_dir);
        if self.content_dir == Path::new("content") && !content.exists() {
            return self.root.clone();
        }
        content
    }
}

/// The content folder must be inside the repository, and must exist when
/// the settings name one other than the default.
fn check_content_dir(dir: &Path, root: &Path) -> anyhow::Result<()> {
    let climbs = dir
        .components()
        .any(|c| !matches!(c, std::path::Component::Normal(_) | std::path::Component::CurDir));
    if climbs {
        bail!(
            "{FILE_NAME}: content_dir = \"{}\" leaves the repository; name a folder inside it, \
             such as \"content\"",
            dir.display()
        );
    }
    if dir != Path::new("content") && !root.join(dir).is_dir() {
        bail!(
            "{FILE_NAME}: content_dir = \"{}\" is not a folder in {}; create it or fix the name",
            dir.display(),
            root.display()
        );
    }
    Ok(())
}

/// Site folders that a taxonomy must not take over.
const RESERVED: &[&str] =
    &["postmortems", "lessons", "actions", "assets", "data", "search", "collections"];

/// Taxonomy names become top-level folders: they must be usable and
/// distinct from the site's own.
fn check_taxonomies(names: &[String]) -> anyhow::Result<()> {
    let mut seen = std::collections::HashSet::new();
    for name in names {
        let slug = crate::slug::slugify(name);
        if slug.is_empty() || RESERVED.contains(&slug.as_str()) {
            bail!(
                "{FILE_NAME}: taxonomy `{name}` cannot have its own pages; \
                 choose a name other than {}",
                RESERVED.join(", ")
            );
        }
        if !seen.insert(slug) {
            bail!("{FILE_NAME}: taxonomy `{name}` is listed twice");
        }
    }
    Ok(())
}

/// Where the site is published: an absolute URL or a path on the host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaseUrl {
    /// Scheme and host, without a trailing slash; empty for a bare path.
    pub origin: String,
    /// The path prefix of every page, starting and ending with `/`.
    pub path: String,
}

impl BaseUrl {
    /// Reads `https://host/sub/path/`, `/sub/path` or `/`.
    pub fn parse(url: &str) -> anyhow::Result<BaseUrl> {
        let url = url.trim();
        let (origin, path) = match url.split_once("://") {
            Some((scheme, rest)) => {
                if scheme != "http" && scheme != "https" {
                    bail!("only http:// and https:// addresses can be published to");
                }
                let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
                if host.is_empty() {
                    bail!("the address has no host; write it like https://intranet.example/kb/");
                }
                (format!("{scheme}://{host}"), path)
            }
            None if url.starts_with('/') => (String::new(), url),
            None => bail!("write an absolute address (https://host/path/) or a path (/path/)"),
        };
        if path.contains(['?', '#']) {
            bail!("a base address cannot hold a query or a fragment");
        }
        if path.starts_with("//")
            || path.contains(char::is_whitespace)
            || path.contains(['"', '<', '>'])
        {
            bail!("the path `{path}` is not a plain URL path; write it like /kb/");
        }
        let trimmed = path.trim_matches('/');
        let path = if trimmed.is_empty() { "/".to_string() } else { format!("/{trimmed}/") };
        Ok(BaseUrl { origin, path })
    }

    /// The full address of the site root, for feeds and canonical links.
    pub fn absolute(&self) -> String {
        format!("{}{}", self.origin, self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_keep_their_sub_path_with_one_trailing_slash() {
        let cases = [
            ("/", "", "/"),
            ("https://intranet.example/kb", "https://intranet.example", "/kb/"),
            ("https://intranet.example/kb/", "https://intranet.example", "/kb/"),
            ("http://localhost:1111", "http://localhost:1111", "/"),
            ("/docs/incidents", "", "/docs/incidents/"),
        ];
        for (input, origin, path) in cases {
            let url = BaseUrl::parse(input).unwrap();
            assert_eq!((url.origin.as_str(), url.path.as_str()), (origin, path), "{input}");
        }
    }

    #[test]
    fn base_urls_without_scheme_or_slash_are_refused() {
        for input in ["intranet.example/kb", "ftp://x/", "https:///kb", "/kb?x=1"] {
            assert!(BaseUrl::parse(input).is_err(), "{input}");
        }
    }

    #[test]
    fn an_empty_settings_file_gives_the_defaults() {
        let config = Config::parse("", Path::new(".")).unwrap();
        assert_eq!(config.title, "Postmortems");
        assert_eq!(config.severities.len(), 5);
        assert_eq!(config.base_url, None);
    }

    #[test]
    fn unknown_settings_are_refused_with_their_line() {
        let err = Config::parse("title = \"x\"\ntitel = \"y\"\n", Path::new(".")).unwrap_err();
        let message = err.to_string();
        assert!(message.starts_with("hindsight.toml:2:1:"), "{message}");
        assert!(message.contains("titel"), "{message}");
    }

    #[test]
    fn unknown_timezones_are_refused() {
        let err = Config::parse("timezone = \"Mars/Olympus\"", Path::new(".")).unwrap_err();
        assert!(err.to_string().contains("Mars/Olympus"));
    }
}
