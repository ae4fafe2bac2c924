//! The harness: a postmortem repository in a temporary folder, built by the
//! real `hindsight` binary, with helpers to read what a user would see.

use std::path::{Path, PathBuf};
use std::process::Command;

use scraper::{Html, Selector};

/// 2025-06-01T12:00:00Z: a fixed build date, so overdue actions and the
/// footer are the same on every run.
pub const BUILD_EPOCH: &str = "1748779200";

/// A repository under a temporary folder.
pub struct Repo {
    dir: tempfile::TempDir,
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts the exit status, printing the output when it differs.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Run {
        assert_eq!(self.code, code, "unexpected exit status\nstderr:\n{}", self.stderr);
        self
    }

    /// Asserts that stderr holds `text`.
    #[track_caller]
    pub fn expect_stderr(&self, text: &str) -> &Run {
        assert!(self.stderr.contains(text), "stderr lacks {text:?}\nstderr:\n{}", self.stderr);
        self
    }
}

impl Repo {
    /// An empty repository.
    pub fn new() -> Repo {
        Repo { dir: tempfile::tempdir().expect("temporary folder") }
    }

    /// A copy of `tests/fixtures/<name>`.
    pub fn fixture(name: &str) -> Repo {
        let repo = Repo::new();
        copy_tree(&fixtures().join(name), repo.path());
        repo
    }

    /// The repository root.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file (creating folders), relative to the root.
    pub fn write(&self, relative: &str, contents: impl AsRef<[u8]>) -> &Repo {
        let path = self.path().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
        self
    }

    /// Runs `hindsight build --root <repo>` with extra arguments.
    pub fn build(&self, args: &[&str]) -> Run {
        let mut all = vec!["build", "--root"];
        let root = self.path().to_str().unwrap().to_string();
        all.push(&root);
        all.extend(args);
        hindsight(&all)
    }

    /// A file of the built site, as text.
    #[track_caller]
    pub fn output(&self, relative: &str) -> String {
        let path = self.path().join("public").join(relative);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// True when the built site has this file.
    pub fn has_output(&self, relative: &str) -> bool {
        self.path().join("public").join(relative).exists()
    }

    /// Every HTML file of the built site, relative to its root, sorted.
    pub fn html_files(&self) -> Vec<String> {
        let public = self.path().join("public");
        let mut pages: Vec<String> = files_under(&public)
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "html"))
            .map(|p| p.strip_prefix(&public).unwrap().to_string_lossy().replace('\\', "/"))
            .collect();
        pages.sort();
        pages
    }

    /// A page of the built site, parsed.
    #[track_caller]
    pub fn page(&self, relative: &str) -> Html {
        Html::parse_document(&self.output(relative))
    }
}

/// A copy of the project's demo knowledge base (content/ and settings).
pub fn demo() -> Repo {
    let repo = Repo::new();
    copy_tree(&project_root().join("content"), &repo.path().join("content"));
    std::fs::copy(project_root().join("hindsight.toml"), repo.path().join("hindsight.toml"))
        .unwrap();
    repo
}

/// Runs the binary with a fixed build date.
pub fn hindsight(args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_hindsight"))
        .args(args)
        .env("SOURCE_DATE_EPOCH", BUILD_EPOCH)
        .env_remove("HINDSIGHT_LOG")
        .output()
        .expect("the hindsight binary runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The site file a relative link on `page` points at: `../a/index.html`
/// from `postmortems/x/index.html` is `postmortems/a/index.html`.
pub fn resolve(page: &str, href: &str) -> String {
    let href = href.split('#').next().unwrap_or_default();
    let mut parts: Vec<&str> = page.split('/').collect();
    parts.pop();
    for segment in href.split('/') {
        match segment {
            ".." => {
                parts.pop();
            }
            "." | "" => {}
            other => parts.push(other),
        }
    }
    let path = parts.join("/");
    if href.ends_with('/') || href.is_empty() { format!("{path}/index.html") } else { path }
}

/// The texts of every element matching `selector`, whitespace collapsed.
pub fn texts(html: &Html, selector: &str) -> Vec<String> {
    let selector = Selector::parse(selector).expect("valid selector");
    html.select(&selector).map(|e| collapse(&e.text().collect::<Vec<_>>().join(" "))).collect()
}

/// The values of `attribute` on every element matching `selector`.
pub fn attrs(html: &Html, selector: &str, attribute: &str) -> Vec<String> {
    let selector = Selector::parse(selector).expect("valid selector");
    html.select(&selector).filter_map(|e| e.value().attr(attribute).map(str::to_string)).collect()
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `tests/fixtures`.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The repository's own root, which holds the demo site.
pub fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every file under `root` (folders left out), sorted.
pub fn files_under(root: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir(root).into_iter().filter(|p| p.is_file()).collect();
    files.sort();
    files
}

/// Copies a folder tree.
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir(from) {
        let relative = entry.strip_prefix(from).unwrap();
        let target = to.join(relative);
        if entry.is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::copy(&entry, &target).unwrap();
        }
    }
}

fn walkdir(root: &Path) -> Vec<PathBuf> {
    let mut found = vec![root.to_path_buf()];
    let mut index = 0;
    while index < found.len() {
        let path = found[index].clone();
        if path.is_dir() {
            let mut children: Vec<PathBuf> =
                std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()).collect();
            children.sort();
            found.extend(children);
        }
        index += 1;
    }
    found
}
