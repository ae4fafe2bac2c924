//! Highlighted code kept between builds, addressed by its content.
//!
//! Highlighting is the costliest part of reading a body, and between two
//! builds (a CI run with a cache, or `serve` after a save) almost every
//! code block is unchanged. The cache maps a hash of the language label and
//! the code to the HTML; entries not used by a build are dropped when it is
//! saved, so it never grows past the site it serves.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

/// What names a cached block: a 128-bit hash of the label and the code,
/// in two halves.
type Key = (u64, u64);

/// The file's first bytes: the format, and the version that wrote it (a
/// new Hindsight may highlight differently).
fn header() -> String {
    format!("hindsight highlight cache 1 {}\n", crate::build_id())
}

/// A cache file, loaded at the start of a build.
#[derive(Default)]
pub struct HighlightCache {
    path: Option<PathBuf>,
    known: HashMap<Key, String>,
    fresh: Mutex<HashMap<Key, String>>,
    used: Mutex<HashSet<Key>>,
}

impl HighlightCache {
    /// Loads the cache at `path`; a missing, foreign or damaged file gives
    /// an empty cache, never an error.
    pub fn load(path: PathBuf) -> HighlightCache {
        let known = std::fs::read(&path).ok().and_then(|bytes| parse(&bytes)).unwrap_or_default();
        HighlightCache { path: Some(path), known, ..HighlightCache::default() }
    }

    /// The HTML for `code`, from the cache or made by `highlight`.
    pub fn get_or_make(
        &self,
        label: &str,
        code: &str,
        highlight: impl FnOnce() -> String,
    ) -> String {
        let key = key(label, code);
        if let Ok(mut used) = self.used.lock() {
            used.insert(key);
        }
        if let Some(html) = self.known.get(&key) {
            return html.clone();
        }
        if let Some(html) = self.fresh.lock().ok().and_then(|f| f.get(&key).cloned()) {
            return html;
        }
        let html = highlight();
        if let Ok(mut fresh) = self.fresh.lock() {
            fresh.insert(key, html.clone());
        }
        html
    }

    /// Writes the entries this build used, when anything changed.
    pub fn save(&self) -> std::io::Result<()> {
        let Some(path) = &self.path else { return Ok(()) };
        let (Ok(used), Ok(fresh)) = (self.used.lock(), self.fresh.lock()) else { return Ok(()) };
        if fresh.is_empty() && used.len() == self.known.len() {
            return Ok(());
        }
        let mut entries: Vec<(&Key, &String)> =
            self.known.iter().chain(fresh.iter()).filter(|(k, _)| used.contains(k)).collect();
        entries.sort_by_key(|(k, _)| **k);
        // Streamed to the file: the cache of a large site is tens of MB.
        let partial = path.with_extension("partial");
        let mut out = std::io::BufWriter::new(std::fs::File::create(&partial)?);
        out.write_all(header().as_bytes())?;
        for ((a, b), html) in entries {
            out.write_all(&a.to_le_bytes())?;
            out.write_all(&b.to_le_bytes())?;
            out.write_all(&(html.len() as u32).to_le_bytes())?;
            out.write_all(html.as_bytes())?;
        }
        out.flush()?;
        drop(out);
        // Renamed into place, so a reader never sees half a file.
        std::fs::rename(&partial, path)
    }
}

fn parse(bytes: &[u8]) -> Option<HashMap<Key, String>> {
    let mut rest = bytes.strip_prefix(header().as_bytes())?;
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
        let first = HighlightCache::load(path.clone());
        assert_eq!(first.get_or_make("yaml", "a: 1\n", || "<one>".into()), "<one>");
        assert_eq!(first.get_or_make("sql", "select 1;\n", || "<two>".into()), "<two>");
        first.save().unwrap();

        let second = HighlightCache::load(path.clone());
        let made = second.get_or_make("yaml", "a: 1\n", || panic!("should come from the cache"));
        assert_eq!(made, "<one>");
        second.save().unwrap();

        let third = HighlightCache::load(path.clone());
        assert_eq!(third.known.len(), 1, "the unused SQL block was dropped");
    }

    #[test]
    fn a_damaged_or_foreign_file_is_an_empty_cache() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache");
        std::fs::write(&path, b"not a cache").unwrap();
        assert!(HighlightCache::load(path.clone()).known.is_empty());
        let mut truncated = header().into_bytes();
        truncated.extend_from_slice(&[1, 2, 3]);
        std::fs::write(&path, truncated).unwrap();
        assert!(HighlightCache::load(path).known.is_empty());
    }
}
