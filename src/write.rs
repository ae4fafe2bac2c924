//! Puts the finished site on disk.
//!
//! Files go into a fresh staging folder beside the output folder, and the
//! site in the output folder is not touched until every file is rendered: a
//! build that fails, or is interrupted while rendering, leaves the previous
//! site as it was.
//!
//! A first build renames the staging folder into place, all at once. A
//! rebuild over a site Hindsight wrote stages only the files whose bytes
//! changed, then moves those in and removes the files no longer part of the
//! site (see `update`): on a knowledge base of thousands of postmortems most
//! pages are unchanged, and creating and deleting tens of thousands of files
//! would cost more than the rest of the build. Unchanged files keep their
//! modification time, so deploy tools that sync by time also copy only what
//! changed.

mod update;

use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, bail};
use rayon::prelude::*;

use crate::render::OutputFile;
use update::{has_contents, holds_links, update};

/// A file in every built site, so that a later build knows the folder is
/// its own to replace.
pub const MARKER: &str = ".hindsight-site";

/// Refuses an output that a build must not replace: a file (such as
/// `/dev/null`), or a folder with content that Hindsight did not write
/// (such as a home folder given to `--output` by mistake).
pub fn check_output(output: &Path) -> anyhow::Result<()> {
    let metadata = match std::fs::symlink_metadata(output) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", output.display())),
    };
    if !metadata.is_dir() {
        bail!(
            "the output {} exists and is not a folder; choose a folder to write the site to",
            output.display()
        );
    }
    let is_empty = std::fs::read_dir(output)
        .with_context(|| format!("cannot read {}", output.display()))?
        .next()
        .is_none();
    if !is_empty && !output.join(MARKER).exists() {
        bail!(
            "the output folder {} is not empty and was not written by Hindsight; \
             choose a new or empty folder, or remove it first",
            output.display()
        );
    }
    Ok(())
}

/// Held while a build may write an output folder (and the cache beside
/// it): two builds into one folder at once would mix their files. The lock
/// is the operating system's, on a file beside the output
/// (`public.hindsight-lock`), so it ends with the process, however it ends.
pub struct OutputLock {
    _file: Option<std::fs::File>,
}

/// Takes the lock on `output`, or says which folder another build holds.
pub fn lock_output(output: &Path) -> anyhow::Result<OutputLock> {
    let path = sibling(output, "lock")?;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open the lock file {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(OutputLock { _file: Some(file) }),
        Err(std::fs::TryLockError::WouldBlock) => bail!(
            "another build is writing {}; wait for it to finish, then build again",
            output.display()
        ),
        // A file system without locks (some network mounts): build
        // unguarded rather than not at all.
        Err(std::fs::TryLockError::Error(e)) => {
            log::debug!("cannot lock {}: {e}; building without the lock", path.display());
            Ok(OutputLock { _file: None })
        }
    }
}

/// Marks errors of the write stage, so a build can tell them from
/// template errors met while rendering.
#[derive(Debug)]
pub struct WriteFailed;

impl std::fmt::Display for WriteFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the site could not be written")
    }
}

/// A site being written: files go into a staging folder as they are
/// rendered, so no build holds the whole site in memory; `finish` puts it
/// in place, and dropping it unfinished removes it.
pub struct Staging {
    output: PathBuf,
    dir: PathBuf,
    previous: PathBuf,
    /// True when `output` holds a site that `finish` updates file by file.
    is_update: bool,
    written: Mutex<Vec<PathBuf>>,
    /// Of the files written, those whose bytes differ from the previous
    /// site's (all of them for a first build).
    changed: Mutex<Vec<PathBuf>>,
    is_finished: bool,
}

impl Staging {
    /// Prepares a fresh staging folder beside `output`.
    pub fn create(output: &Path) -> anyhow::Result<Staging> {
        check_output(output)?;
        let dir = sibling(output, "new")?;
        let previous = sibling(output, "old")?;
        for stale in [&dir, &previous] {
            remove_dir(stale)?;
        }
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        Ok(Staging {
            output: output.to_path_buf(),
            dir,
            previous,
            // A link in the site (put there by hand) could make a file seem
            // unchanged through it; such a site is replaced whole.
            is_update: output.join(MARKER).is_file() && !holds_links(output),
            written: Mutex::new(Vec::new()),
            changed: Mutex::new(Vec::new()),
            is_finished: false,
        })
    }

    /// Writes one file of the site; safe to call from many threads.
    pub fn put(&self, file: OutputFile) -> anyhow::Result<()> {
        self.write_file(file).context(WriteFailed)
    }

    fn write_file(&self, file: OutputFile) -> anyhow::Result<()> {
        ensure_inside(&file.path)?;
        let is_unchanged =
            self.is_update && has_contents(&self.output.join(&file.path), &file.contents);
        if !is_unchanged {
            let path = self.dir.join(&file.path);
            if let Some(folder) = path.parent() {
                std::fs::create_dir_all(folder)
                    .with_context(|| format!("cannot create {}", folder.display()))?;
            }
            std::fs::write(&path, &file.contents)
                .with_context(|| format!("cannot write {}", path.display()))?;
            if let Ok(mut changed) = self.changed.lock() {
                changed.push(file.path.clone());
            }
        }
        if let Ok(mut written) = self.written.lock() {
            written.push(file.path);
        }
        Ok(())
    }

    /// The files written so far, relative to the site root, sorted.
    pub fn written(&self) -> Vec<PathBuf> {
        self.sorted_written().unwrap_or_default()
    }

    fn sorted_written(&self) -> anyhow::Result<Vec<PathBuf>> {
        let mut written = self.written.lock().map_err(poisoned)?.clone();
        written.sort();
        // A file kept, then written after all, is one file.
        written.dedup();
        Ok(written)
    }

    /// How many of the files written differ from the previous site's.
    pub fn changed(&self) -> usize {
        self.changed.lock().map(|c| c.len()).unwrap_or_default()
    }

    /// Moves the finished site into place.
    pub fn finish(mut self) -> anyhow::Result<()> {
        if self.is_update {
            let changed = std::mem::take(&mut *self.changed.lock().map_err(poisoned)?);
            update(&self.dir, &self.output, &changed, &self.sorted_written()?)?;
            remove_dir(&self.dir)?;
        } else {
            write_marker(&self.dir)?;
            swap(&self.dir, &self.output, &self.previous)?;
        }
        self.is_finished = true;
        Ok(())
    }
}

fn poisoned<T>(_: std::sync::PoisonError<T>) -> anyhow::Error {
    anyhow::anyhow!("a thread writing the site failed")
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.is_finished {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

impl crate::render::Sink for Staging {
    fn put(&self, file: OutputFile) -> anyhow::Result<()> {
        Staging::put(self, file)
    }

    fn written(&self) -> Vec<PathBuf> {
        Staging::written(self)
    }

    fn is_there(&self, path: &Path, len: u64) -> bool {
        self.is_update
            && ensure_inside(path).is_ok()
            && std::fs::symlink_metadata(self.output.join(path))
                .is_ok_and(|m| m.is_file() && m.len() == len)
    }

    fn keep(&self, path: &Path, len: u64) -> bool {
        let is_there = self.is_there(path, len);
        if is_there && let Ok(mut written) = self.written.lock() {
            written.push(path.to_path_buf());
        }
        is_there
    }
}

/// Writes `files` as the new content of `output`.
#[cfg(test)]
pub fn write_site(output: &Path, files: Vec<OutputFile>) -> anyhow::Result<()> {
    let staging = Staging::create(output)?;
    files.into_par_iter().try_for_each(|file| staging.put(file))?;
    staging.finish()
}

fn write_marker(staging: &Path) -> anyhow::Result<()> {
    let note = "This folder is written by Hindsight and replaced on every build.\n";
    let path = staging.join(MARKER);
    std::fs::write(&path, note).with_context(|| format!("cannot write {}", path.display()))
}

fn swap(staging: &Path, output: &Path, previous: &Path) -> anyhow::Result<()> {
    let had_site = output.exists();
    if had_site {
        std::fs::rename(output, previous)
            .with_context(|| format!("cannot move the previous site {} aside", output.display()))?;
    }
    if let Err(e) = std::fs::rename(staging, output) {
        if had_site {
            let _ = std::fs::rename(previous, output);
        }
        return Err(e)
            .with_context(|| format!("cannot move the new site into {}", output.display()));
    }
    remove_dir(previous)
}

/// Writes the file at `path` (one of the files kept beside the site)
/// whole or not at all: `write` fills `path.partial`, which then replaces
/// `path`, so the next build never reads half a file. Each file has a
/// partial of its own, as two could be saved at once.
pub(crate) fn save_whole(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    use std::io::Write;
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let written = std::fs::File::create(&partial).and_then(|file| {
        let mut out = std::io::BufWriter::new(file);
        write(&mut out)?;
        out.flush()
    });
    match written {
        Ok(()) => std::fs::rename(&partial, path),
        Err(e) => {
            // Best effort: the error that matters is the write's.
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

/// A path next to `output` for the staging and the previous site (on the
/// same file system, so that the swap is a rename), the lock and the cache.
pub(crate) fn sibling(output: &Path, role: &str) -> anyhow::Result<PathBuf> {
    let Some(name) = output.file_name() else {
        bail!("the output folder {} has no name to write beside", output.display());
    };
    let mut sibling = name.to_os_string();
    sibling.push(format!(".hindsight-{role}"));
    Ok(output.with_file_name(sibling))
}

/// Removes a folder tree; a previous site holds a folder per page, so the
/// top-level folders go in parallel.
fn remove_dir(path: &Path) -> anyhow::Result<()> {
    let entries: Vec<PathBuf> = match std::fs::read_dir(path) {
        Ok(entries) => entries.flatten().map(|e| e.path()).collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    entries.par_iter().try_for_each(|entry| {
        let is_folder = entry.symlink_metadata().is_ok_and(|m| m.is_dir());
        let removed =
            if is_folder { std::fs::remove_dir_all(entry) } else { std::fs::remove_file(entry) };
        removed.with_context(|| format!("cannot remove {}", entry.display()))
    })?;
    match std::fs::remove_dir_all(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("cannot remove {}", path.display())),
    }
}

/// Output paths come from ids and theme file names; none may climb out of
/// the output folder.
fn ensure_inside(path: &Path) -> anyhow::Result<()> {
    let is_plain = path.components().all(|c| matches!(c, Component::Normal(_)));
    if !is_plain {
        bail!("refusing to write {} outside the output folder", path.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_of(path: &str, text: &str) -> OutputFile {
        OutputFile { path: PathBuf::from(path), contents: text.as_bytes().to_vec() }
    }

    // A save that fails part-way (a full disk) must leave the file of the
    // previous build as it was, and no partial file beside it.
    #[test]
    fn a_file_beside_the_site_is_saved_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("public.hindsight-pages");
        std::fs::write(&path, "old").unwrap();
        let failed = save_whole(&path, |out| {
            std::io::Write::write_all(out, b"half")?;
            Err(std::io::Error::other("disk full"))
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "a partial file was left");

        save_whole(&path, |out| std::io::Write::write_all(out, b"new")).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
    }

    #[test]
    fn a_new_site_replaces_the_old_one_entirely() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("public");
        write_site(&output, vec![file_of("old.html", "old")]).unwrap();
        write_site(&output, vec![file_of("a/index.html", "new")]).unwrap();
        assert!(!output.join("old.html").exists());
        assert_eq!(std::fs::read_to_string(output.join("a/index.html")).unwrap(), "new");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "staging folders must not remain");
    }

    fn modified(path: &Path) -> std::time::SystemTime {
        std::fs::metadata(path).unwrap().modified().unwrap()
    }

    #[test]
    fn a_rebuild_rewrites_only_what_changed_and_removes_what_went() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("public");
        write_site(
            &output,
            vec![
                file_of("index.html", "home"),
                file_of("postmortems/a/index.html", "a"),
                file_of("postmortems/b/index.html", "b"),
                file_of("tags/x/index.html", "x"),
                file_of("feed.xml", "folder next time"),
            ],
        )
        .unwrap();
        let kept = output.join("postmortems/a/index.html");
        let before = modified(&kept);
        std::thread::sleep(std::time::Duration::from_millis(20));
        write_site(
            &output,
            vec![
                file_of("index.html", "home, again"),
                file_of("postmortems/a/index.html", "a"),
                file_of("postmortems/c/index.html", "c"),
                file_of("feed.xml/index.html", "now a folder"),
            ],
        )
        .unwrap();
        assert_eq!(modified(&kept), before, "an unchanged page must not be rewritten");
        let read = |p: &str| std::fs::read_to_string(output.join(p)).unwrap();
        assert_eq!(read("index.html"), "home, again");
        assert_eq!(read("postmortems/c/index.html"), "c");
        assert_eq!(read("feed.xml/index.html"), "now a folder");
        assert!(!output.join("postmortems/b").exists(), "a page that went must go, folder too");
        assert!(!output.join("tags").exists(), "emptied folders must go");
        assert!(output.join(MARKER).is_file());
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "staging folders must not remain");
    }

    #[cfg(unix)]
    #[test]
    fn a_site_holding_a_link_is_replaced_whole_and_what_it_points_to_kept() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("public");
        write_site(&output, vec![file_of("index.html", "home"), file_of("pages/a.html", "a")])
            .unwrap();
        let elsewhere = dir.path().join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        std::fs::write(elsewhere.join("a.html"), "a").unwrap();
        std::fs::remove_dir_all(output.join("pages")).unwrap();
        std::os::unix::fs::symlink(&elsewhere, output.join("pages")).unwrap();

        write_site(&output, vec![file_of("index.html", "home"), file_of("pages/a.html", "a")])
            .unwrap();
        let pages = std::fs::symlink_metadata(output.join("pages")).unwrap();
        assert!(pages.is_dir(), "the link must give way to the site's own folder");
        assert_eq!(std::fs::read_to_string(output.join("pages/a.html")).unwrap(), "a");
        assert!(elsewhere.join("a.html").exists(), "what the link pointed to must stay");
    }

    #[test]
    fn a_second_build_into_the_same_folder_is_refused_while_one_runs() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("public");
        let held = lock_output(&output).unwrap();
        let err = lock_output(&output).err().expect("the second lock must be refused");
        assert!(err.to_string().contains("another build is writing"), "{err}");
        drop(held);
        assert!(lock_output(&output).is_ok(), "the lock must end with its holder");
    }

    #[test]
    fn a_failed_rebuild_leaves_the_previous_site_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("public");
        write_site(&output, vec![file_of("index.html", "old"), file_of("a.html", "a")]).unwrap();
        let staging = Staging::create(&output).unwrap();
        staging.put(file_of("index.html", "new")).unwrap();
        drop(staging);
        assert_eq!(std::fs::read_to_string(output.join("index.html")).unwrap(), "old");
        assert!(output.join("a.html").exists());
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "staging folders must not remain");
    }

    #[test]
    fn files_and_foreign_folders_are_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("notes.txt");
        std::fs::write(&file, "keep me").unwrap();
        assert!(write_site(&file, vec![file_of("index.html", "x")]).is_err());
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep me");

        let folder = dir.path().join("home");
        std::fs::create_dir(&folder).unwrap();
        std::fs::write(folder.join("thesis.tex"), "years of work").unwrap();
        let err = write_site(&folder, vec![file_of("index.html", "x")]).unwrap_err();
        assert!(err.to_string().contains("was not written by Hindsight"), "{err}");
        assert!(folder.join("thesis.tex").exists());
    }

    #[test]
    fn paths_that_climb_out_are_refused_and_the_old_site_kept() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("public");
        write_site(&output, vec![file_of("index.html", "old")]).unwrap();
        let err = write_site(&output, vec![file_of("../escape.html", "x")]).unwrap_err();
        assert!(format!("{err:#}").contains("outside the output folder"), "{err:#}");
        assert_eq!(std::fs::read_to_string(output.join("index.html")).unwrap(), "old");
        assert!(!dir.path().join("escape.html").exists());
    }
}
