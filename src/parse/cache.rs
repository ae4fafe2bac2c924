//! Postmortems read by an earlier build, kept between builds.
//!
//! Reading front matter (YAML, then every field) is a fifth of a rebuild of
//! 10,000 postmortems, and between two builds almost every file is
//! unchanged. The cache maps a hash of everything a file's reading depends
//! on (its bytes, its path, its git history, the settings and the version
//! of Hindsight) to what was read: the postmortem and its problems. Bodies
//! are not stored: they are the end of the file, which is read anyway to
//! hash it. Entries a build does not use are dropped when it saves, so the
//! cache never grows past the site it serves.

use std::collections::HashMap;
use std::hash::Hasher;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::Parsed;
use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::history::FileHistory;
use crate::model::Postmortem;

/// The file's first line: the format, and the version that wrote it.
fn header() -> String {
    format!("hindsight parse cache 1 {}", crate::build_id())
}

/// One file's reading, as stored.
#[derive(Serialize, Deserialize)]
struct Stored {
    postmortem: Option<Postmortem>,
    diagnostics: Vec<Diagnostic>,
    /// The body, when it is not the end of the file as written (a first
    /// heading that repeats the title is blanked out of it).
    body: Option<String>,
}

/// A cache file, loaded at the start of a build.
#[derive(Default)]
pub struct ParseCache {
    path: Option<PathBuf>,
    /// Hash of the settings, which every key includes.
    settings: u64,
    /// The file as loaded: one entry a line.
    text: String,
    /// Key to (body length in bytes, the entry's JSON in `text`).
    known: HashMap<u64, (usize, std::ops::Range<usize>)>,
    /// Entries made by this build, as lines to save.
    fresh: Mutex<Vec<(u64, String)>>,
    /// Keys this build used from `known`.
    used: Mutex<Vec<u64>>,
}

impl ParseCache {
    /// Loads the cache at `path` for a build with `config`; a missing,
    /// foreign or damaged file gives an empty cache, never an error.
    pub fn load(path: PathBuf, config: &Config) -> ParseCache {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let known = index(&text).unwrap_or_default();
        ParseCache {
            path: Some(path),
            settings: settings_hash(config),
            text,
            known,
            ..ParseCache::default()
        }
    }

    /// A cache that knows nothing and saves nothing (`check`, tests).
    pub fn none() -> ParseCache {
        ParseCache::default()
    }

    /// The key of the reading of the file whose text is `bytes`.
    pub fn key(&self, bytes: &[u8], shown: &Path, history: Option<&FileHistory>) -> u64 {
        let mut hasher = crate::StableHasher::new();
        hasher.write_u64(self.settings);
        hasher.write(shown.as_os_str().as_encoded_bytes());
        hasher.write_u8(0);
        hasher.write(format!("{history:?}").as_bytes());
        hasher.write_u8(0);
        hasher.write(bytes);
        hasher.finish()
    }

    /// What an earlier build read from the file whose text is `text` and
    /// whose key is `key`, with its body taken from `text`.
    pub fn get(&self, key: u64, text: &str) -> Option<Parsed> {
        let (body_len, range) = self.known.get(&key)?;
        let stored: Stored = serde_json::from_str(&self.text[range.clone()]).ok()?;
        let mut postmortem = stored.postmortem;
        if let Some(pm) = &mut postmortem {
            pm.body.markdown = match stored.body {
                Some(body) => body,
                None => text.get(text.len().checked_sub(*body_len)?..)?.to_string(),
            };
        }
        if let Ok(mut used) = self.used.lock() {
            used.push(key);
        }
        Some(Parsed { postmortem, diagnostics: stored.diagnostics })
    }

    /// Keeps what this build read from the file whose text is `text`, for
    /// the next build.
    pub fn put(&self, key: u64, text: &str, parsed: &Parsed) {
        if self.path.is_none() {
            return;
        }
        let body = parsed.postmortem.as_ref().map(|pm| pm.body.markdown.as_str());
        let body_len = body.map_or(0, str::len);
        let stored = StoredRef {
            postmortem: parsed.postmortem.as_ref(),
            diagnostics: &parsed.diagnostics,
            body: body.filter(|body| !text.ends_with(body)),
        };
        // The model is strings, numbers and dates: it always serialises.
        if let Ok(json) = serde_json::to_string(&stored)
            && let Ok(mut fresh) = self.fresh.lock()
        {
            fresh.push((key, format!("{key:016x} {body_len} {json}")));
        }
    }

    /// Writes the entries this build used, when anything changed.
    pub fn save(&self) -> std::io::Result<()> {
        let Some(path) = &self.path else { return Ok(()) };
        let (Ok(used), Ok(fresh)) = (self.used.lock(), self.fresh.lock()) else { return Ok(()) };
        if fresh.is_empty() && used.len() == self.known.len() {
            return Ok(());
        }
        let mut lines: Vec<(u64, &str)> =
            fresh.iter().map(|(k, line)| (*k, line.as_str())).collect();
        for key in used.iter() {
            if let Some((_, range)) = self.known.get(key) {
                lines.push((*key, self.line_of(range)));
            }
        }
        lines.sort_by_key(|(key, _)| *key);
        lines.dedup_by_key(|(key, _)| *key);
        crate::write::save_whole(path, |out| {
            writeln!(out, "{}", header())?;
            for (_, line) in lines {
                writeln!(out, "{line}")?;
            }
            Ok(())
        })
    }

    /// The whole line holding the entry at `range`.
    fn line_of(&self, range: &std::ops::Range<usize>) -> &str {
        let start = self.text[..range.start].rfind('\n').map_or(0, |n| n + 1);
        &self.text[start..range.end]
    }
}

/// `Stored`, borrowed from a fresh reading.
#[derive(Serialize)]
struct StoredRef<'a> {
    postmortem: Option<&'a Postmortem>,
    diagnostics: &'a [Diagnostic],
    body: Option<&'a str>,
}

/// Each line's key, body length and where its JSON lies; `None` when the
/// file is not a cache of this version.
fn index(text: &str) -> Option<HashMap<u64, (usize, std::ops::Range<usize>)>> {
    let rest = text.strip_prefix(&header())?.strip_prefix('\n')?;
    let mut known = HashMap::new();
    let mut at = text.len() - rest.len();
    for line in rest.split_terminator('\n') {
        let (key, tail) = line.split_once(' ')?;
        let (body_len, json) = tail.split_once(' ')?;
        let start = at + key.len() + body_len.len() + 2;
        known.insert(
            u64::from_str_radix(key, 16).ok()?,
            (body_len.parse().ok()?, start..start + json.len()),
        );
        at += line.len() + 1;
    }
    Some(known)
}

/// The settings, as far as reading a file depends on them. Their debug
/// form holds every value; a change of it only costs a full reading.
fn settings_hash(config: &Config) -> u64 {
    let mut hasher = crate::StableHasher::new();
    hasher.write(format!("{config:?}").as_bytes());
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config::parse("", Path::new(".")).unwrap()
    }

    /// Reads `text` through `cache`, as a build does.
    fn read(cache: &ParseCache, text: &str, shown: &Path) -> (u64, Option<Parsed>) {
        let key = cache.key(text.as_bytes(), shown, None);
        let cached = cache.get(key, text);
        if cached.is_none() {
            cache.put(key, text, &super::super::parse(text, shown, &config()));
        }
        (key, cached)
    }

    #[test]
    fn a_saved_reading_serves_the_next_build_with_the_body_from_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("parsed");
        let plain = "---\ntitle: Disk full\ndate: 2025-01-02\n---\nThe body.\n";
        // A first heading that repeats the title is blanked out of the body.
        let repeated =
            "---\ntitle: Pool exhausted\ndate: 2025-01-03\n---\n# Pool exhausted\n\nText.\n";
        let (disk, pool) = (Path::new("content/disk.md"), Path::new("content/pool.md"));
        let first = ParseCache::load(path.clone(), &config());
        assert!(read(&first, plain, disk).1.is_none());
        assert!(read(&first, repeated, pool).1.is_none());
        first.save().unwrap();

        let second = ParseCache::load(path.clone(), &config());
        for (text, shown) in [(plain, disk), (repeated, pool)] {
            let cached = read(&second, text, shown).1.expect("a cached reading");
            let fresh = super::super::parse(text, shown, &config());
            let (cached, fresh) = (cached.postmortem.unwrap(), fresh.postmortem.unwrap());
            assert_eq!(cached.title, fresh.title);
            assert_eq!(cached.body.markdown, fresh.body.markdown);
            assert_eq!(cached.body.first_line, fresh.body.first_line);
        }
        // Another path, other bytes or other history: other keys.
        let key = second.key(plain.as_bytes(), disk, None);
        assert_ne!(key, second.key(plain.as_bytes(), pool, None));
        assert_ne!(key, second.key(b"---\ntitle: x\n---\n", disk, None));
        let history = FileHistory { contributors: vec!["jdoe".into()], ..FileHistory::default() };
        assert_ne!(key, second.key(plain.as_bytes(), disk, Some(&history)));
        second.save().unwrap();

        // A build that reads neither file drops both.
        ParseCache::load(path.clone(), &config()).save().unwrap();
        assert!(ParseCache::load(path, &config()).known.is_empty());
    }

    #[test]
    fn other_settings_give_other_keys() {
        let cache = ParseCache::load(PathBuf::from("unused"), &config());
        let strict = Config::parse("severities = [\"P1\", \"P2\"]", Path::new(".")).unwrap();
        let other = ParseCache::load(PathBuf::from("unused"), &strict);
        let shown = Path::new("a.md");
        assert_ne!(cache.key(b"x", shown, None), other.key(b"x", shown, None));
    }

    #[test]
    fn a_damaged_or_foreign_file_is_an_empty_cache() {
        for text in ["not a cache".to_string(), format!("{}\nzz 1 {{}}\n", header())] {
            assert!(index(&text).is_none_or(|known| known.is_empty()), "{text}");
        }
    }
}
