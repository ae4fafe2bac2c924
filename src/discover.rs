//! Finds the postmortem files under the content folder.
//!
//! The walk is sorted by name so every run sees files in the same order.
//! Hidden entries, non-Markdown files and repository boilerplate (README,
//! LICENSE and the like) are skipped. Symbolic links are not followed into
//! folders, which rules out loops; a linked file is read only when it
//! resolves to a place inside the repository.

use std::path::{Path, PathBuf};

use walkdir::{DirEntry, WalkDir};

use crate::diagnostic::{Diagnostic, Position};

/// File stems that document a folder rather than describe an incident.
const BOILERPLATE: &[&str] = &[
    "readme",
    "provenance",
    "license",
    "licence",
    "copying",
    "changelog",
    "contributing",
    "code_of_conduct",
    "security",
    "authors",
    "_index",
];

/// The folder under the content folder that holds reading lists.
pub const COLLECTIONS: &str = "collections";

/// The reading lists: Markdown files directly in `content/collections/`,
/// sorted by name.
pub fn discover_collections(root: &Path, content: &Path) -> Vec<SourceFile> {
    let folder = content.join(COLLECTIONS);
    let Ok(entries) = std::fs::read_dir(&folder) else { return Vec::new() };
    let mut files: Vec<SourceFile> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "md") && !is_boilerplate(p))
        .map(|path| SourceFile { shown: shown_path(root, &path), path })
        .collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

/// A Markdown file to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceFile {
    /// Where it is on disk.
    pub path: PathBuf,
    /// How messages name it: relative to the repository root.
    pub shown: PathBuf,
}

/// Lists the postmortem files under `content`, in a stable order, with a
/// diagnostic for anything that could not be walked. The `output` folder is
/// never read, for repositories whose root is their content, and the
/// `collections` folder holds reading lists, not postmortems.
pub fn discover(root: &Path, content: &Path, output: &Path) -> (Vec<SourceFile>, Vec<Diagnostic>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    let canonical_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let walker =
        WalkDir::new(content).follow_links(false).sort_by_file_name().into_iter().filter_entry(
            |e| {
                let is_collections = e.depth() == 1 && e.file_name() == COLLECTIONS;
                e.depth() == 0
                    || !(is_hidden(e) || e.path() == output || is_staging(e) || is_collections)
            },
        );
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let path = e.path().map_or_else(|| content.to_path_buf(), Path::to_path_buf);
                let shown = shown_path(root, &path);
                problems.push(Diagnostic::error(
                    &shown,
                    Position::file(),
                    format!("cannot read: {e}"),
                ));
                continue;
            }
        };
        if !is_postmortem(&entry, &canonical_root) {
            continue;
        }
        let path = entry.into_path();
        files.push(SourceFile { shown: shown_path(root, &path), path });
    }
    (files, problems)
}

/// The write stage's folders beside the output (`public.hindsight-new`).
fn is_staging(entry: &DirEntry) -> bool {
    entry.file_name().to_string_lossy().contains(".hindsight-")
}

fn is_hidden(entry: &DirEntry) -> bool {
    entry.file_name().to_string_lossy().starts_with('.')
}

fn is_postmortem(entry: &DirEntry, canonical_root: &Path) -> bool {
    let path = entry.path();
    let is_markdown = path
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("md") || ext.eq_ignore_ascii_case("markdown"));
    if !is_markdown || is_boilerplate(path) {
        return false;
    }
    let file_type = entry.file_type();
    if file_type.is_file() {
        return true;
    }
    if file_type.is_symlink() {
        // A link is read only when it lands on a file inside the repository.
        return path
            .canonicalize()
            .is_ok_and(|target| target.starts_with(canonical_root) && target.is_file());
    }
    false
}

fn is_boilerplate(path: &Path) -> bool {
    let stem = path.file_stem().map(|s| s.to_string_lossy().to_lowercase()).unwrap_or_default();
    BOILERPLATE.contains(&stem.as_str())
}

/// `path` relative to `root` when it is inside it, for messages.
pub fn shown_path(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root).map_or_else(|_| path.to_path_buf(), Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_markdown_in_order_and_skips_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let content = dir.path().join("content");
        for file in [
            "b.md",
            "a.md",
            "nested/c.markdown",
            "README.md",
            "LICENSE",
            "notes.txt",
            ".hidden/d.md",
            ".e.md",
        ] {
            let path = content.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "# x\n").unwrap();
        }
        let (files, problems) = discover(dir.path(), &content, &dir.path().join("public"));
        let shown: Vec<_> = files.iter().map(|f| f.shown.to_string_lossy().into_owned()).collect();
        assert_eq!(shown, ["content/a.md", "content/b.md", "content/nested/c.markdown"]);
        assert!(problems.is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn links_out_of_the_root_and_into_loops_are_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.md"), "# s\n").unwrap();
        let content = dir.path().join("content");
        std::fs::create_dir_all(&content).unwrap();
        std::fs::write(content.join("real.md"), "# r\n").unwrap();
        let link = std::os::unix::fs::symlink;
        link(outside.path().join("secret.md"), content.join("secret.md")).unwrap();
        link(content.clone(), content.join("loop")).unwrap();
        link(content.join("real.md"), content.join("alias.md")).unwrap();
        let (files, _) = discover(dir.path(), &content, &dir.path().join("public"));
        let shown: Vec<_> = files.iter().map(|f| f.shown.to_string_lossy().into_owned()).collect();
        assert_eq!(shown, ["content/alias.md", "content/real.md"]);
    }
}
