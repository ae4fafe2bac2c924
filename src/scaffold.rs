//! Writing new files: a postmortem from the template (`hindsight new`) and
//! a whole postmortem repository (`hindsight init`). Neither ever
//! overwrites a file.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use jiff::ToSpan;
use jiff::civil::Date;

use crate::config::Config;
use crate::slug::slugify;

/// The postmortem template used when a repository has none of its own.
pub const POSTMORTEM_TEMPLATE: &str = include_str!("scaffold/postmortem.md");

/// Where a repository keeps its own template.
pub const TEMPLATE_PATH: &str = "templates/postmortem.md";

/// What `hindsight new` was asked for.
#[derive(Debug)]
pub struct NewPostmortem {
    /// The title, as the author typed it.
    pub title: String,
    /// The severity, checked against the scale; the scale's last level when
    /// not given.
    pub severity: Option<String>,
    /// The incident's date; the build date when not given.
    pub date: Option<Date>,
}

/// Why `hindsight new` wrote nothing.
#[derive(Debug)]
pub enum NewError {
    /// The request or the settings are unusable (exit status 2).
    Usage(anyhow::Error),
    /// The file exists already and was left alone (exit status 1).
    Exists(PathBuf),
    /// The file could not be written (exit status 1).
    Io(anyhow::Error),
}

impl NewError {
    /// The exit status for this failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            NewError::Usage(_) => 2,
            NewError::Exists(_) | NewError::Io(_) => 1,
        }
    }
}

impl std::fmt::Display for NewError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NewError::Usage(e) | NewError::Io(e) => write!(f, "{e:#}"),
            NewError::Exists(path) => write!(
                f,
                "{} already exists and was left as it is; choose another title or date",
                path.display()
            ),
        }
    }
}

/// Writes a new postmortem into the content folder and returns its path.
pub fn new_postmortem(
    config: &Config,
    request: &NewPostmortem,
    today: Date,
) -> Result<PathBuf, NewError> {
    let (path, text) = render_new(config, request, today).map_err(NewError::Usage)?;
    match write_new(&path, &text) {
        Ok(()) => Ok(path),
        Err(_) if path.exists() => Err(NewError::Exists(path)),
        Err(e) => Err(NewError::Io(e)),
    }
}

/// The file name and text of a new postmortem.
fn render_new(
    config: &Config,
    request: &NewPostmortem,
    today: Date,
) -> anyhow::Result<(PathBuf, String)> {
    let slug = slugify(&request.title);
    if slug.is_empty() {
        bail!("the title `{}` has no letters or digits to name the file after", request.title);
    }
    let severity = match &request.severity {
        Some(wanted) => config
            .severities
            .iter()
            .find(|s| s.eq_ignore_ascii_case(wanted))
            .with_context(|| {
                format!("unknown severity `{wanted}`; use one of: {}", config.severities.join(", "))
            })?
            .clone(),
        None => config.severities.last().cloned().unwrap_or_default(),
    };
    let date = request.date.unwrap_or(today);
    let template = match std::fs::read_to_string(config.root.join(TEMPLATE_PATH)) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => POSTMORTEM_TEMPLATE.to_string(),
        Err(e) => return Err(e).context(format!("cannot read {TEMPLATE_PATH}")),
    };
    // A JSON string is a valid YAML double-quoted scalar: titles with
    // colons, quotes or a leading `[` stay text.
    let title = serde_json::to_string(&request.title)?;
    let text = template
        .replace("{{title}}", &title)
        .replace("{{date}}", &date.to_string())
        .replace("{{severity}}", &severity);
    let path = folder_for_new(config).join(format!("{date}-{slug}.md"));
    Ok((path, text))
}

/// The content folder when there is one; the root when it already holds
/// postmortems as a bare folder; else a new content folder.
fn folder_for_new(config: &Config) -> PathBuf {
    let content = config.root.join(&config.content_dir);
    if content.is_dir() {
        return content;
    }
    let root_has_markdown = std::fs::read_dir(&config.root).is_ok_and(|entries| {
        entries.flatten().any(|e| e.path().extension().is_some_and(|x| x == "md"))
    });
    if root_has_markdown { config.root.clone() } else { content }
}

/// What `hindsight init` wrote and left alone.
#[derive(Debug, Default)]
pub struct InitReport {
    /// Files created.
    pub written: Vec<PathBuf>,
    /// Files that existed and were kept.
    pub kept: Vec<PathBuf>,
}

/// Creates a postmortem repository in `dir`. A folder with anything in it
/// is refused unless `force`; even then no existing file is replaced.
pub fn init(dir: &Path, force: bool, today: Date) -> anyhow::Result<InitReport> {
    if dir.exists() && !dir.is_dir() {
        bail!("{} exists and is not a folder", dir.display());
    }
    let is_empty = !dir.exists()
        || std::fs::read_dir(dir)
            .with_context(|| format!("cannot read {}", dir.display()))?
            .next()
            .is_none();
    if !is_empty && !force {
        bail!(
            "{} is not empty; run `hindsight init` in a new or empty folder, or pass --force \
             to add the missing files (existing files are never replaced)",
            dir.display()
        );
    }
    let due = today.checked_add(30.days()).unwrap_or(today);
    let example = include_str!("scaffold/example.md")
        .replace("{{date}}", &today.to_string())
        .replace("{{due}}", &due.to_string());
    let files: [(&str, &str); 7] = [
        ("hindsight.toml", include_str!("scaffold/hindsight.toml")),
        (".gitignore", include_str!("scaffold/gitignore")),
        ("netlify.toml", include_str!("scaffold/netlify.toml")),
        (".github/workflows/postmortems.yml", include_str!("scaffold/github-workflow.yml")),
        (".gitlab-ci.yml", include_str!("scaffold/gitlab-ci.yml")),
        (TEMPLATE_PATH, POSTMORTEM_TEMPLATE),
        ("content/example-checkout-config-push.md", &example),
    ];
    let mut report = InitReport::default();
    for (relative, text) in files {
        let path = dir.join(relative);
        if path.exists() {
            report.kept.push(path);
            continue;
        }
        write_new(&path, text)?;
        report.written.push(path);
    }
    Ok(report)
}

/// Creates `path` with `text`, failing if anything is already there.
fn write_new(path: &Path, text: &str) -> anyhow::Result<()> {
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder)
            .with_context(|| format!("cannot create {}", folder.display()))?;
    }
    let mut file =
        std::fs::OpenOptions::new().write(true).create_new(true).open(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                anyhow::anyhow!("{} already exists; it was left as it is", path.display())
            } else {
                anyhow::Error::new(e).context(format!("cannot create {}", path.display()))
            }
        })?;
    std::io::Write::write_all(&mut file, text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn the_built_in_template_and_example_are_valid_postmortems() {
        let config = Config::parse("", Path::new(".")).unwrap();
        let template = POSTMORTEM_TEMPLATE
            .replace("{{title}}", "\"Checkout: down\"")
            .replace("{{date}}", "2025-03-14")
            .replace("{{severity}}", "SEV2");
        let parsed = crate::parse::parse(&template, Path::new("x.md"), &config);
        let errors: Vec<_> = parsed.diagnostics.iter().filter(|d| d.is_error()).collect();
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(parsed.postmortem.unwrap().title, "Checkout: down");

        let example = include_str!("scaffold/example.md")
            .replace("{{date}}", "2025-03-14")
            .replace("{{due}}", "2025-04-14");
        let parsed = crate::parse::parse(&example, Path::new("x.md"), &config);
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        let _ = date(2025, 1, 1);
    }
}
