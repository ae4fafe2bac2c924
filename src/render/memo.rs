//! What each page was rendered from, kept between builds.
//!
//! A rebuild after a merge changes a handful of the thousands of pages
//! (postmortems, terms, digests, boards), yet rendering every page to find
//! out which costs more than the rest of the build. The memo keeps, for each
//! page the last build put in place, a hash of everything the page was made
//! of (the theme's templates, the site's values, the page's template
//! variables) and the length of the file written. A page whose hash is unchanged, and whose file is still
//! there with that length, is kept as it is, unrendered.
//!
//! The memo is removed before a site is moved into place and written again
//! after, so a rebuild that fails part-way leaves no memo to trust; the
//! next build renders every page.

use std::collections::HashMap;
use std::hash::Hasher;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Serialize;

/// The file's first line: the format and the version that wrote it.
fn header() -> String {
    format!("hindsight page memo 1 {}", env!("CARGO_PKG_VERSION"))
}

/// A page's hash and the length of its file.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Made {
    hash: u64,
    len: u64,
}

/// The memo of the site in place, and what this build made.
#[derive(Default)]
pub struct PageMemo {
    path: Option<PathBuf>,
    previous: HashMap<PathBuf, Made>,
    current: Mutex<Vec<(PathBuf, Made)>>,
}

impl PageMemo {
    /// Loads the memo at `path`; a missing, foreign or damaged file gives
    /// an empty memo, never an error.
    pub fn load(path: PathBuf) -> PageMemo {
        let previous = std::fs::File::open(&path)
            .ok()
            .and_then(|file| parse(std::io::BufReader::new(file)))
            .unwrap_or_default();
        PageMemo { path: Some(path), previous, current: Mutex::default() }
    }

    /// A memo that knows no pages and is never saved (`check`, tests).
    pub fn none() -> PageMemo {
        PageMemo::default()
    }

    /// The length the file at `path` had when the site in place was built
    /// from `hash`, if it was.
    pub fn length_if_unchanged(&self, path: &Path, hash: u64) -> Option<u64> {
        self.previous.get(path).filter(|made| made.hash == hash).map(|made| made.len)
    }

    /// Notes that this build's site has the file `path`, `len` bytes long,
    /// made from `hash`.
    pub fn record(&self, path: PathBuf, hash: u64, len: u64) {
        if self.path.is_some()
            && let Ok(mut current) = self.current.lock()
        {
            current.push((path, Made { hash, len }));
        }
    }

    /// Removes the memo of the site in place, before that site changes.
    pub fn forget(&self) -> std::io::Result<()> {
        match &self.path {
            Some(path) if path.exists() => std::fs::remove_file(path),
            _ => Ok(()),
        }
    }

    /// Writes what this build made, for the next build.
    pub fn save(&self) -> std::io::Result<()> {
        let Some(path) = &self.path else { return Ok(()) };
        let Ok(mut current) = self.current.lock() else { return Ok(()) };
        current.sort_by(|a, b| a.0.cmp(&b.0));
        let partial = path.with_extension("partial");
        let mut out = std::io::BufWriter::new(std::fs::File::create(&partial)?);
        writeln!(out, "{}", header())?;
        for (page, made) in current.iter() {
            // Page paths come from ids and slugs: no line breaks.
            writeln!(out, "{:016x} {} {}", made.hash, made.len, page.display())?;
        }
        out.flush()?;
        drop(out);
        std::fs::rename(&partial, path)
    }
}

fn parse(reader: impl BufRead) -> Option<HashMap<PathBuf, Made>> {
    let mut lines = reader.lines();
    if lines.next()?.ok()? != header() {
        return None;
    }
    let mut pages = HashMap::new();
    for line in lines {
        let line = line.ok()?;
        let mut fields = line.splitn(3, ' ');
        let hash = u64::from_str_radix(fields.next()?, 16).ok()?;
        let len = fields.next()?.parse().ok()?;
        pages.insert(PathBuf::from(fields.next()?), Made { hash, len });
    }
    Some(pages)
}

/// A page's template variables, hashed as they are set: what the memo
/// compares to decide whether the page must be rendered again.
pub struct Vars {
    pub(super) context: tera::Context,
    hasher: HashWriter,
}

impl Vars {
    /// No variables yet.
    pub fn new() -> Vars {
        Vars { context: tera::Context::new(), hasher: HashWriter(std::hash::DefaultHasher::new()) }
    }

    /// Sets `key` to `value` for the template.
    pub fn insert(&mut self, key: &'static str, value: &(impl Serialize + ?Sized)) {
        self.hasher.0.write(key.as_bytes());
        self.hasher.0.write_u8(0);
        // Serialising into a hasher allocates nothing; it cannot fail.
        let _ = serde_json::to_writer(&mut self.hasher, value);
        self.hasher.0.write_u8(0);
        self.context.insert(key, value);
    }

    /// The hash of the variables with `base` (the templates and the
    /// site's values), the template's name and the page's path.
    pub(super) fn hash(&self, base: u64, template: &str, path: &str) -> u64 {
        let mut hasher = self.hasher.0.clone();
        hasher.write_u64(base);
        hasher.write(template.as_bytes());
        hasher.write_u8(0);
        hasher.write(path.as_bytes());
        hasher.finish()
    }
}

/// Hashes what every page shares: the templates and the site's values.
pub fn hash_base<'a>(
    templates: impl Iterator<Item = (&'a str, &'a str)>,
    site: &impl Serialize,
) -> u64 {
    let mut hasher = HashWriter(std::hash::DefaultHasher::new());
    for (name, source) in templates {
        hasher.0.write(name.as_bytes());
        hasher.0.write_u8(0);
        hasher.0.write(source.as_bytes());
        hasher.0.write_u8(0);
    }
    let _ = serde_json::to_writer(&mut hasher, site);
    hasher.0.finish()
}

/// Feeds serde_json's output straight into a hasher.
#[derive(Clone)]
struct HashWriter(std::hash::DefaultHasher);

impl Write for HashWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.write(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_memo_knows_its_pages_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("public.hindsight-pages");
        let memo = PageMemo::load(path.clone());
        let hash_of = |base: u64, data: &str| {
            let mut vars = Vars::new();
            vars.insert("page", data);
            vars.hash(base, "postmortem.html", "postmortems/a/")
        };
        let hash = hash_of(7, "data");
        memo.record("postmortems/a/index.html".into(), hash, 120);
        memo.save().unwrap();

        let next = PageMemo::load(path.clone());
        let page = Path::new("postmortems/a/index.html");
        assert_eq!(next.length_if_unchanged(page, hash), Some(120));
        // Other data, another path, other templates: all unknown.
        let changed = hash_of(7, "other");
        assert_eq!(next.length_if_unchanged(page, changed), None);
        assert_eq!(next.length_if_unchanged(Path::new("postmortems/b/index.html"), hash), None);
        assert_ne!(hash, hash_of(8, "data"));

        next.forget().unwrap();
        assert!(PageMemo::load(path).previous.is_empty(), "a forgotten memo is gone");
    }

    #[test]
    fn a_damaged_or_foreign_file_is_an_empty_memo() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("memo");
        for text in ["not a memo\n".to_string(), format!("{}\nzz 1 page\n", header())] {
            std::fs::write(&path, text).unwrap();
            assert!(PageMemo::load(path.clone()).previous.is_empty());
        }
    }
}
