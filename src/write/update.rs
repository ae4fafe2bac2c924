//! Rebuilding a site in place: only the files whose bytes changed are
//! moved in from staging, and files the new site no longer has are removed.
//!
//! Each move is a rename, so no reader sees half a file; but a rebuild
//! interrupted while it moves files in leaves a site that is part old and
//! part new, which the next build puts right.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::MARKER;

/// True when `path` is a file holding exactly `contents`.
pub(super) fn has_contents(path: &Path, contents: &[u8]) -> bool {
    let same_length =
        std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() == contents.len() as u64);
    same_length && std::fs::read(path).is_ok_and(|old| old == contents)
}

/// Brings the site in `output` up to date: moves the `changed` files in
/// from `staging`, then removes every file that is not among `written`,
/// and the folders left empty.
pub(super) fn update(
    staging: &Path,
    output: &Path,
    changed: &[PathBuf],
    written: &[PathBuf],
) -> anyhow::Result<()> {
    for path in changed {
        let target = output.join(path);
        make_room(output, path)?;
        std::fs::rename(staging.join(path), &target)
            .with_context(|| format!("cannot move the new {} into place", target.display()))?;
    }
    let keep: HashSet<&Path> = written.iter().map(PathBuf::as_path).collect();
    // On a file system that ignores case, a file renamed only in case
    // (`Logo.png` to `logo.png`) is the same file: keep it.
    let folded: HashSet<String> =
        written.iter().map(|p| p.to_string_lossy().to_lowercase()).collect();
    // Deepest first, so a folder is seen after what it held.
    for entry in walkdir::WalkDir::new(output).min_depth(1).contents_first(true) {
        let entry = entry.with_context(|| format!("cannot read {}", output.display()))?;
        let relative = entry.path().strip_prefix(output).unwrap_or(entry.path());
        if entry.file_type().is_dir() {
            // Fails, harmlessly, while the folder still holds files.
            let _ = std::fs::remove_dir(entry.path());
        } else if relative != Path::new(MARKER)
            && !keep.contains(relative)
            && !folded.contains(&relative.to_string_lossy().to_lowercase())
        {
            std::fs::remove_file(entry.path())
                .with_context(|| format!("cannot remove {}", entry.path().display()))?;
        }
    }
    Ok(())
}

/// Clears the way for a file at `path` inside `output`: a folder now
/// standing where the file goes, or a file where one of its folders goes,
/// belonged to the previous site.
fn make_room(output: &Path, path: &Path) -> anyhow::Result<()> {
    let mut at = output.to_path_buf();
    let mut components = path.components().peekable();
    while let Some(component) = components.next() {
        at.push(component);
        let is_last = components.peek().is_none();
        let Ok(metadata) = std::fs::symlink_metadata(&at) else {
            if !is_last {
                std::fs::create_dir_all(&at)
                    .with_context(|| format!("cannot create {}", at.display()))?;
            }
            continue;
        };
        let in_the_way = if is_last { metadata.is_dir() } else { !metadata.is_dir() };
        if in_the_way {
            let removed = if metadata.is_dir() {
                std::fs::remove_dir_all(&at)
            } else {
                std::fs::remove_file(&at)
            };
            removed.with_context(|| format!("cannot remove {}", at.display()))?;
            if !is_last {
                std::fs::create_dir(&at)
                    .with_context(|| format!("cannot create {}", at.display()))?;
            }
        }
    }
    Ok(())
}

/// True when the tree under `output` holds a symbolic link.
pub(super) fn holds_links(output: &Path) -> bool {
    walkdir::WalkDir::new(output)
        .min_depth(1)
        .into_iter()
        .any(|entry| entry.map_or(true, |e| e.path_is_symlink()))
}
