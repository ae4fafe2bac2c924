//! Highlighted code kept between builds, addressed by its content.
//!
//! Highlighting is the costliest part of reading a body, and between two
//! builds (a CI run with a cache, or `serve` after a save) almost every
//! code block is unchanged. The cache maps a hash of the language label and
//! the code to the HTML; entries not used by a build are dropped when it is
//! saved, so it never grows past the site it serves.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// What names a cached block: a 128-bit hash of the label and the code,
/// in two halves.
pub type Key = (u64, u64);

/// The file's first bytes: the format, and the version that wrote it (a
/// new Hindsight may highlight differently). The id of its contents and a
/// newline follow.
fn header() -> String {
    format!("hindsight highlight cache 2 {} ", crate::build_id())
}

/// Hex digits of the id after the header.
const ID_DIGITS: usize = 32;

/// A cache file, read when first needed.
#[derive(Default)]
pub struct HighlightCache {
    path: Option<PathBuf>,
    known: OnceLock<HashMap<Key, String>>,
    fresh: Mutex<HashMap<Key, String>>,
    used: Mutex<HashSet<Key>>,
}

impl HighlightCache {
    /// The cache at `path`, read when first needed; a missing, foreign or
    /// damaged file gives an empty cache, never an error.
    pub fn at(path: PathBuf) -> HighlightCache {
        HighlightCache { path: Some(path), ..HighlightCache::default() }
    }

    fn known(&self) -> &HashMap<Key, String> {
        self.known.get_or_init(|| {
            let bytes = self.path.as_ref().and_then(|path| std::fs::read(path).ok());
            bytes.and_then(|bytes| parse(&bytes)).unwrap_or_default()
        })
    }

    /// The HTML for `code`, from the cache or made by `highlight`, and the
    /// key it is kept under.
    pub fn get_or_make(
        &self,
        label: &str,
        code: &str,
        highlight: impl FnOnce() -> String,
    ) -> (String, Key) {
        let key = key(label, code);
        self.keep(&[key]);
        if let Some(html) = self.known().get(&key) {
            return (html.clone(), key);
        }
        if let Some(html) = self.fresh.lock().ok().and_then(|f| f.get(&key).cloned()) {
            return (html, key);
        }
        let html = highlight();
        if let Ok(mut fresh) = self.fresh.lock() {
            fresh.insert(key, html.clone());
        }
        (html, key)
    }

    /// Marks the entries under `keys` as used by this build: the code of a
    /// body that was not rendered again, whose entries must outlive it.
    pub fn keep(&self, keys: &[Key]) {
        if let Ok(mut used) = self.used.lock() {
            used.extend(keys);
        }
    }

    /// False when a block this build kept for a body it did not render is
    /// neither in the file nor made since: the file was damaged or lost,
    /// and the bodies that count on it must be rendered again. A file never
    /// read is taken to hold what it held when its id was noted.
    pub fn is_complete(&self) -> bool {
        let (Some(known), Ok(used), Ok(fresh)) =
            (self.known.get(), self.used.lock(), self.fresh.lock())
        else {
            return true;
        };
        used.iter().all(|key| known.contains_key(key) || fresh.contains_key(key))
    }

    /// Writes the entries this build used, when anything changed. A cache
    /// never read (nothing was highlighted) is left as it is.
    pub fn save(&self) -> std::io::Result<()> {
        let (Some(path), Some(known)) = (&self.path, self.known.get()) else { return Ok(()) };
        let (Ok(used), Ok(fresh)) = (self.used.lock(), self.fresh.lock()) else { return Ok(()) };
        if fresh.is_empty() && used.len() == known.len() {
            return Ok(());
        }
        let mut entries: Vec<(&Key, &String)> =
            known.iter().chain(fresh.iter()).filter(|(k, _)| used.contains(k)).collect();
        entries.sort_by_key(|(k, _)| **k);
        // Entries are named by their contents, so the keys name the file's.
        let mut id = crate::StableHasher::new();
        for ((a, b), _) in &entries {
            id.update(&a.to_le_bytes());
            id.update(&b.to_le_bytes());
        }
        // Streamed to the file: the cache of a large site is tens of MB.
        crate::write::save_whole(path, |out| {
            writeln!(out, "{}{:0width$x}", header(), id.digest128(), width = ID_DIGITS)?;
            for ((a, b), html) in entries {
                out.write_all(&a.to_le_bytes())?;
                out.write_all(&b.to_le_bytes())?;
                out.write_all(&(html.len() as u32).to_le_bytes())?;
                out.write_all(html.as_bytes())?;
            }
            Ok(())
        })
    }
}

/// What tells the cache file at `path` from another: the id of its
/// contents written after its header, or none when there is no such file.
/// A record of a body not rendered again (see `bodies`) counts on its code
/// being in the cache it was saved beside; a file deleted or replaced
/// since has another id, and a copy (a CI cache restored) the same. Only
/// the header is read.
pub fn file_id(path: &Path) -> Option<String> {
    use std::io::Read;
    let mut start = vec![0; header().len() + ID_DIGITS + 1];
    std::fs::File::open(path).ok()?.read_exact(&mut start).ok()?;
    let (id, _) = split_header(&start)?;
    Some(id.to_string())
}

/// The id after the header, and the entries after it.
fn split_header(bytes: &[u8]) -> Option<(&str, &[u8])> {
    let rest = bytes.strip_prefix(header().as_bytes())?;
    let (id, rest) = rest.split_at_checked(ID_DIGITS)?;
    let rest = rest.strip_prefix(b"\n")?;
    let id = std::str::from_utf8(id).ok().filter(|id| id.bytes().all(|b| b.is_ascii_hexdigit()))?;
    Some((id, rest))
}

fn parse(bytes: &[u8]) -> Option<HashMap<Key, String>> {
    let (_, mut rest) = split_header(bytes)?;
    let mut entries = HashMap::new();
    while !rest.is_empty() {
        let (a, tail) = rest.split_first_chunk::<8>()?;
        let (b, tail) = tail.split_first_chunk::<8>()?;
        let (len, tail) = tail.split_first_chunk::<4>()?;
        let len = u32::from_le_bytes(*len) as usize;
        let html = std::str::from_utf8(tail.get(..len)?).ok()?;
        entries.insert((u64::from_le_bytes(*a), u64::from_le_bytes(*b)), html.to_string());
        rest = &tail[len..];
    }
    Some(entries)
}

fn key(label: &str, code: &str) -> Key {
    let mut hasher = crate::StableHasher::new();
    hasher.update(label.as_bytes());
    hasher.update(&[0]);
    hasher.update(code.as_bytes());
    let hash = hasher.digest128();
    ((hash >> 64) as u64, hash as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_cache_serves_the_next_build_and_forgets_unused_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache");
        let first = HighlightCache::at(path.clone());
        assert_eq!(first.get_or_make("yaml", "a: 1\n", || "<one>".into()).0, "<one>");
        let (two, sql) = first.get_or_make("sql", "select 1;\n", || "<two>".into());
        assert_eq!(two, "<two>");
        first.save().unwrap();

        let second = HighlightCache::at(path.clone());
        let made = second.get_or_make("yaml", "a: 1\n", || panic!("should come from the cache"));
        assert_eq!(made.0, "<one>");
        second.save().unwrap();

        let third = HighlightCache::at(path.clone());
        assert_eq!(third.known().len(), 1, "the unused SQL block was dropped");
        assert!(!third.known().contains_key(&sql));
    }

    #[test]
    fn blocks_kept_for_bodies_not_rendered_stay_and_an_unread_cache_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache");
        let first = HighlightCache::at(path.clone());
        let (_, yaml) = first.get_or_make("yaml", "a: 1\n", || "<one>".into());
        let (_, sql) = first.get_or_make("sql", "select 1;\n", || "<two>".into());
        first.save().unwrap();

        // Nothing highlighted: the file is not even read, and stays whole.
        let idle = HighlightCache::at(path.clone());
        idle.keep(&[yaml]);
        idle.save().unwrap();
        assert!(idle.known.get().is_none(), "a build that highlights nothing reads nothing");
        assert_eq!(HighlightCache::at(path.clone()).known().len(), 2);

        // One block highlighted, the other vouched for: both stay.
        let busy = HighlightCache::at(path.clone());
        busy.keep(&[sql]);
        busy.get_or_make("go", "package main\n", || "<three>".into());
        busy.save().unwrap();
        let kept = HighlightCache::at(path);
        assert!(kept.known().contains_key(&sql), "the vouched-for block was dropped");
        assert!(!kept.known().contains_key(&yaml), "the unused block was kept");
        assert_eq!(kept.known().len(), 2);
    }

    // The body memo compares ids to know the cache still holds the code of
    // bodies it did not render: a copy (a CI cache restored, with a new
    // modification time) must keep its id, other contents must not.
    #[test]
    fn the_id_names_the_contents_and_a_copy_keeps_it() {
        let dir = tempfile::tempdir().unwrap();
        let (path, copy) = (dir.path().join("cache"), dir.path().join("copy"));
        assert_eq!(file_id(&path), None);
        let first = HighlightCache::at(path.clone());
        first.get_or_make("yaml", "a: 1\n", || "<one>".into());
        first.save().unwrap();
        let id = file_id(&path).expect("a saved cache has an id");
        std::fs::copy(&path, &copy).unwrap();
        assert_eq!(file_id(&copy).as_ref(), Some(&id));

        let second = HighlightCache::at(path.clone());
        second.get_or_make("sql", "select 1;\n", || "<two>".into());
        second.save().unwrap();
        assert_ne!(file_id(&path), Some(id));
        std::fs::write(&path, b"not a cache").unwrap();
        assert_eq!(file_id(&path), None);
    }

    // A block kept for a body not rendered again, missing from a damaged
    // file, makes the cache incomplete; present, it does not.
    #[test]
    fn a_cache_missing_a_kept_block_is_incomplete() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache");
        let first = HighlightCache::at(path.clone());
        let (_, yaml) = first.get_or_make("yaml", "a: 1\n", || "<one>".into());
        first.save().unwrap();

        let intact = HighlightCache::at(path.clone());
        intact.keep(&[yaml]);
        intact.get_or_make("sql", "select 1;\n", || "<two>".into());
        assert!(intact.is_complete());

        std::fs::write(&path, b"damaged").unwrap();
        let damaged = HighlightCache::at(path);
        damaged.keep(&[yaml]);
        damaged.get_or_make("sql", "select 1;\n", || "<two>".into());
        assert!(!damaged.is_complete());
    }

    #[test]
    fn a_damaged_or_foreign_file_is_an_empty_cache() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache");
        std::fs::write(&path, b"not a cache").unwrap();
        assert!(HighlightCache::at(path.clone()).known().is_empty());
        let mut truncated = header().into_bytes();
        truncated.extend_from_slice(&[1, 2, 3]);
        std::fs::write(&path, truncated).unwrap();
        assert!(HighlightCache::at(path).known().is_empty());
    }
}
