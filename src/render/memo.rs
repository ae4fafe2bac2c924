//! What each page was rendered from, kept between builds.
//!
//! A rebuild after a merge changes a handful of the thousands of pages
//! (postmortems, terms, digests, boards), yet rendering every page to find
//! out which costs more than the rest of the build. The memo keeps, for each
//! page the last build put in place, a hash of everything the page was made
//! of (the theme's templates, the site's values, the page's template
//! variables) and the length of the file written. A page whose hash is
//! unchanged, and whose file is still there with that length, is kept as
//! it is, unrendered. The search index is kept the same way: its files are
//! recorded under one key, a hash of the text and settings it was made
//! from, with its size for the build summary.
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

use crate::StableHasher;
use crate::search::IndexSize;
use feed::feed;

mod feed;

/// The file's first line: the format and the version that wrote it.
fn header() -> String {
    format!("hindsight page memo 3 {}", crate::build_id())
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
    previous: Previous,
    current: Mutex<Vec<(PathBuf, Made)>>,
    /// The search index's key and size, for the summary.
    search: Mutex<Option<(u64, IndexSize)>>,
}

/// What the memo file says of the site in place.
#[derive(Default)]
struct Previous {
    pages: HashMap<PathBuf, Made>,
    search: Option<(u64, IndexSize)>,
}

impl PageMemo {
    /// Loads the memo at `path`; a missing, foreign or damaged file gives
    /// an empty memo, never an error.
    pub fn load(path: PathBuf) -> PageMemo {
        let previous = std::fs::File::open(&path)
            .ok()
            .and_then(|file| parse(std::io::BufReader::new(file)))
            .unwrap_or_default();
        PageMemo { path: Some(path), previous, ..PageMemo::default() }
    }

    /// A memo that knows no pages and is never saved (`check`, tests).
    pub fn none() -> PageMemo {
        PageMemo::default()
    }

    /// The length the file at `path` had when the site in place was built
    /// from `hash`, if it was.
    pub fn length_if_unchanged(&self, path: &Path, hash: u64) -> Option<u64> {
        self.previous.pages.get(path).filter(|made| made.hash == hash).map(|made| made.len)
    }

    /// The search index files of the site in place, with their lengths,
    /// and the index's size, if they were made from `key`. Their paths
    /// were recorded with the key as their hash.
    pub fn search_if_unchanged(&self, key: u64) -> Option<(Vec<(PathBuf, u64)>, IndexSize)> {
        let (previous_key, size) = self.previous.search?;
        if previous_key != key {
            return None;
        }
        let mut files: Vec<(PathBuf, u64)> = self
            .previous
            .pages
            .iter()
            .filter(|(path, made)| made.hash == key && path.starts_with("search"))
            .map(|(path, made)| (path.clone(), made.len))
            .collect();
        files.sort();
        (!files.is_empty()).then_some((files, size))
    }

    /// Notes the key and size of this build's search index; its files are
    /// recorded like pages, with the key as their hash.
    pub fn record_search(&self, key: u64, size: IndexSize) {
        if let Ok(mut search) = self.search.lock() {
            *search = Some((key, size));
        }
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
        crate::write::save_whole(path, |out| {
            writeln!(out, "{}", header())?;
            if let Ok(Some((key, size))) = self.search.lock().as_deref() {
                writeln!(out, "search {key:016x} {} {}", size.raw, size.first_search)?;
            }
            for (page, made) in current.iter() {
                // Page paths come from ids and slugs: no line breaks.
                writeln!(out, "{:016x} {} {}", made.hash, made.len, page.display())?;
            }
            Ok(())
        })
    }
}

fn parse(reader: impl BufRead) -> Option<Previous> {
    let mut lines = reader.lines().peekable();
    if lines.next()?.ok()? != header() {
        return None;
    }
    let mut search = None;
    if let Some(Ok(line)) = lines.peek()
        && let Some(fields) = line.strip_prefix("search ")
    {
        let mut fields = fields.split(' ');
        let key = u64::from_str_radix(fields.next()?, 16).ok()?;
        let raw = fields.next()?.parse().ok()?;
        let first_search = fields.next()?.parse().ok()?;
        search = Some((key, IndexSize { raw, first_search }));
        lines.next();
    }
    let mut pages = HashMap::new();
    for line in lines {
        let line = line.ok()?;
        let mut fields = line.splitn(3, ' ');
        let hash = u64::from_str_radix(fields.next()?, 16).ok()?;
        let len = fields.next()?.parse().ok()?;
        pages.insert(PathBuf::from(fields.next()?), Made { hash, len });
    }
    Some(Previous { pages, search })
}

/// A page's template variables, hashed as they are set: what the memo
/// compares to decide whether the page must be rendered again. The values
/// are only borrowed: a page the memo keeps never pays for a template
/// context.
pub struct Vars<'a> {
    values: Vec<SetValue<'a>>,
    hasher: StableHasher,
    /// A value could not be hashed: the page must always be rendered.
    unhashable: bool,
}

/// Sets one borrowed value in a template context.
type SetValue<'a> = Box<dyn Fn(&mut tera::Context) + 'a>;

impl<'a> Vars<'a> {
    /// No variables yet.
    pub fn new() -> Vars<'a> {
        Vars { values: Vec::new(), hasher: StableHasher::new(), unhashable: false }
    }

    /// Sets `key` to `value` for the template.
    pub fn insert(&mut self, key: &'static str, value: &'a (impl Serialize + ?Sized)) {
        feed(&mut self.hasher, key);
        self.unhashable |= !feed(&mut self.hasher, value);
        self.values.push(Box::new(move |context| context.insert(key, value)));
    }

    /// Hashes `value`, which the page is made from, though no template
    /// sees it as it is (the key of a body rendered only if the page is).
    pub fn also_made_from(&mut self, value: &(impl Serialize + ?Sized)) {
        feed(&mut self.hasher, "\0also");
        self.unhashable |= !feed(&mut self.hasher, value);
    }

    /// The hash of the variables with `base` (the templates and the
    /// site's values), the template's name and the page's path; none when
    /// a value could not be hashed.
    pub(super) fn hash(&self, base: u64, template: &str, path: &str) -> Option<u64> {
        if self.unhashable {
            return None;
        }
        let mut hasher = self.hasher.clone();
        hasher.write_u64(base);
        hasher.write(template.as_bytes());
        hasher.write_u8(0);
        hasher.write(path.as_bytes());
        Some(hasher.finish())
    }

    /// The template context, for a page that must be rendered.
    pub(super) fn context(&self) -> tera::Context {
        let mut context = tera::Context::new();
        for set in &self.values {
            set(&mut context);
        }
        context
    }
}

/// The hash of what a file made by code (not a template) is made of, with
/// `base`; none when it cannot be hashed.
pub(super) fn hash_inputs(base: u64, inputs: &(impl Serialize + ?Sized)) -> Option<u64> {
    let mut hasher = StableHasher::new();
    hasher.write_u64(base);
    feed(&mut hasher, inputs).then(|| hasher.finish())
}

/// Hashes what every page shares: the templates and the site's values.
pub fn hash_base<'a>(
    templates: impl Iterator<Item = (&'a str, &'a str)>,
    site: &impl Serialize,
) -> u64 {
    let mut hasher = StableHasher::new();
    for template in templates {
        feed(&mut hasher, &template);
    }
    if !feed(&mut hasher, site) {
        // Values that cannot be hashed must never match a memo: a hash
        // seeded at random for this run cannot.
        use std::hash::BuildHasher;
        return std::collections::hash_map::RandomState::new().hash_one(hasher.finish());
    }
    hasher.finish()
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
            vars.hash(base, "postmortem.html", "postmortems/a/").unwrap()
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
        assert!(PageMemo::load(path).previous.pages.is_empty(), "a forgotten memo is gone");
    }

    #[test]
    fn a_saved_memo_knows_the_search_index_by_its_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("public.hindsight-pages");
        let memo = PageMemo::load(path.clone());
        let size = IndexSize { raw: 900, first_search: 300 };
        memo.record("search/part-0.js".into(), 42, 600);
        memo.record("search/index.js".into(), 42, 300);
        memo.record("postmortems/a/index.html".into(), 7, 120);
        memo.record_search(42, size);
        memo.save().unwrap();

        let next = PageMemo::load(path);
        let (files, kept) = next.search_if_unchanged(42).expect("the index is known");
        assert_eq!(files, [("search/index.js".into(), 300), ("search/part-0.js".into(), 600)]);
        assert_eq!((kept.raw, kept.first_search), (900, 300));
        assert!(next.search_if_unchanged(43).is_none(), "another key is another index");
    }

    #[test]
    fn a_damaged_or_foreign_file_is_an_empty_memo() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("memo");
        for text in ["not a memo\n".to_string(), format!("{}\nzz 1 page\n", header())] {
            std::fs::write(&path, text).unwrap();
            assert!(PageMemo::load(path.clone()).previous.pages.is_empty());
        }
    }
}
