//! The theme: templates and static files.
//!
//! The default theme is compiled into the binary, so a repository without a
//! `themes/` folder still builds. A repository's own
//! `themes/<name>/templates/*.html` and `themes/<name>/static/**` replace
//! the built-in files of the same name, one file at a time.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use walkdir::WalkDir;

use crate::config::Config;

macro_rules! embed {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../themes/default/", $name)))),*]
    };
}

/// The default theme's files, as shipped in the binary.
const DEFAULT_TEMPLATES: &[(&str, &str)] = embed!(
    "templates/base.html",
    "templates/index.html",
    "templates/catalogue.html",
    "templates/postmortem.html",
    "templates/entry.html",
    "templates/404.html",
    "templates/action_table.html",
    "templates/actions.html",
    "templates/taxonomy.html",
    "templates/term.html",
    "templates/year.html",
    "templates/lessons.html",
    "templates/lessons_theme.html",
    "templates/digest.html",
    "templates/search.html",
    "templates/collection.html",
    "templates/collections.html",
);

const DEFAULT_STATIC: &[(&str, &str)] = embed!(
    "static/style.css",
    "static/search.js",
    // elasticlunr.js 0.9.5, unmodified: the reader of the index format
    // that elasticlunr-rs writes. MIT licence alongside.
    "static/elasticlunr.min.js",
    "static/elasticlunr.LICENSE.txt",
);

/// Templates and static files, after overrides.
#[derive(Debug)]
pub struct Theme {
    /// Template name (`postmortem.html`) and source.
    pub templates: Vec<(String, String)>,
    /// Output path (`assets/style.css`) and contents.
    pub assets: Vec<(PathBuf, Vec<u8>)>,
}

impl Theme {
    /// The built-in theme with the repository's overrides applied.
    pub fn load(config: &Config) -> anyhow::Result<Theme> {
        let mut theme = Theme {
            templates: DEFAULT_TEMPLATES
                .iter()
                .map(|(path, text)| (strip_folder(path, "templates/"), text.to_string()))
                .collect(),
            assets: DEFAULT_STATIC
                .iter()
                .map(|(path, text)| {
                    (
                        Path::new("assets").join(strip_folder(path, "static/")),
                        text.as_bytes().to_vec(),
                    )
                })
                .collect(),
        };
        let folder = config.root.join("themes").join(&config.theme);
        if !folder.is_dir() {
            if config.theme != "default" {
                bail!(
                    "theme `{}` not found: expected a folder at {}",
                    config.theme,
                    folder.display()
                );
            }
            return Ok(theme);
        }
        theme.override_templates(&folder.join("templates"))?;
        theme.override_assets(&folder.join("static"))?;
        Ok(theme)
    }

    fn override_templates(&mut self, folder: &Path) -> anyhow::Result<()> {
        for (relative, path) in files_under(folder)? {
            let name = relative.to_string_lossy().replace('\\', "/");
            if !name.ends_with(".html") && !name.ends_with(".xml") {
                continue;
            }
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read template {}", path.display()))?;
            match self.templates.iter_mut().find(|(n, _)| *n == name) {
                Some(slot) => slot.1 = text,
                None => self.templates.push((name, text)),
            }
        }
        Ok(())
    }

    fn override_assets(&mut self, folder: &Path) -> anyhow::Result<()> {
        for (relative, path) in files_under(folder)? {
            let bytes =
                std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
            let target = Path::new("assets").join(relative);
            match self.assets.iter_mut().find(|(p, _)| *p == target) {
                Some(slot) => slot.1 = bytes,
                None => self.assets.push((target, bytes)),
            }
        }
        Ok(())
    }
}

fn strip_folder(path: &str, folder: &str) -> String {
    path.strip_prefix(folder).unwrap_or(path).to_string()
}

/// Regular files under `folder` (none when it is absent), sorted, with
/// their paths relative to it. Hidden files are skipped.
fn files_under(folder: &Path) -> anyhow::Result<Vec<(PathBuf, PathBuf)>> {
    if !folder.is_dir() {
        return Ok(Vec::new());
    }
    let mut files = Vec::new();
    let walker = WalkDir::new(folder)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        let entry =
            entry.with_context(|| format!("cannot read the theme folder {}", folder.display()))?;
        if entry.file_type().is_file() {
            let relative = entry.path().strip_prefix(folder).unwrap_or(entry.path()).to_path_buf();
            files.push((relative, entry.into_path()));
        }
    }
    Ok(files)
}
