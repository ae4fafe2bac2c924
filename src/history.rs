//! What git knows about each postmortem: when it was first written, when it
//! last changed, and who worked on it.
//!
//! The history is read with one `git log` per build, not a process per
//! file. Outside a git repository, or without git, there is simply no
//! history and everything else works as before.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use jiff::Timestamp;

/// The history of one file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileHistory {
    /// The commit that added it.
    pub created: Option<Timestamp>,
    /// The latest commit that changed it.
    pub updated: Option<Timestamp>,
    /// Authors of its commits, most commits first, then by name.
    pub contributors: Vec<String>,
}

/// The history of every file under the root, keyed by path relative to it.
#[derive(Debug, Default)]
pub struct History {
    files: HashMap<PathBuf, FileHistory>,
    /// The root's path inside the repository (`docs/postmortems/`), for
    /// "edit this page" links.
    pub prefix: String,
}

impl History {
    /// Reads the history of `root`, or `None` outside git.
    pub fn read(root: &Path) -> Option<History> {
        let prefix = git(root, &["rev-parse", "--show-prefix"])?;
        let log = git(
            root,
            &[
                "log",
                "--no-merges",
                "--relative",
                "--name-only",
                "--format=%x1e%aI%x1f%aN",
                "--",
                ".",
            ],
        )?;
        let mut history = History::parse(&log);
        history.prefix = prefix.trim().to_string();
        Some(history)
    }

    /// Reads `git log --name-only --format=%x1e%aI%x1f%aN` output, newest
    /// commit first. The pure twin of `read`.
    pub fn parse(log: &str) -> History {
        let mut counts: HashMap<PathBuf, HashMap<String, usize>> = HashMap::new();
        let mut files: HashMap<PathBuf, FileHistory> = HashMap::new();
        for commit in log.split('\u{1e}').filter(|c| !c.trim().is_empty()) {
            let mut lines = commit.lines();
            let Some((date, author)) = lines.next().and_then(|l| l.split_once('\u{1f}')) else {
                continue;
            };
            let Ok(time) = date.trim().parse::<Timestamp>() else { continue };
            for path in lines.map(str::trim).filter(|l| !l.is_empty()) {
                let path = PathBuf::from(path);
                let entry = files.entry(path.clone()).or_default();
                entry.updated.get_or_insert(time);
                entry.created = Some(time);
                *counts.entry(path).or_default().entry(author.to_string()).or_default() += 1;
            }
        }
        for (path, authors) in counts {
            let mut ranked: Vec<(String, usize)> = authors.into_iter().collect();
            ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            if let Some(entry) = files.get_mut(&path) {
                entry.contributors = ranked.into_iter().map(|(name, _)| name).collect();
            }
        }
        History { files, prefix: String::new() }
    }

    /// The history of a file, by its path relative to the root.
    pub fn of(&self, path: &Path) -> Option<&FileHistory> {
        self.files.get(path)
    }
}

fn git(root: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git").arg("-C").arg(root).args(args).output().ok()?;
    if !output.status.success() {
        return None;
    }
    String::from_utf8(output.stdout).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_gives_creation_update_and_contributors() {
        let log = "\u{1e}2025-03-20T10:00:00+01:00\u{1f}Bo\n\ncontent/a.md\n\
                   \u{1e}2025-03-16T09:00:00+01:00\u{1f}Ann\n\ncontent/a.md\ncontent/b.md\n\
                   \u{1e}2025-03-15T08:00:00+01:00\u{1f}Ann\n\ncontent/a.md\n";
        let history = History::parse(log);
        let a = history.of(Path::new("content/a.md")).unwrap();
        assert_eq!(a.created, Some("2025-03-15T07:00:00Z".parse().unwrap()));
        assert_eq!(a.updated, Some("2025-03-20T09:00:00Z".parse().unwrap()));
        assert_eq!(a.contributors, ["Ann", "Bo"]);
        let b = history.of(Path::new("content/b.md")).unwrap();
        assert_eq!(b.created, b.updated);
        assert!(history.of(Path::new("content/c.md")).is_none());
    }
}
