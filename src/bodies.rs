//! Postmortem bodies as HTML, with a memo of what each was made from kept
//! between builds.
//!
//! Rendering bodies (Markdown, links, highlighted code) is a quarter of a
//! rebuild's work, yet most bodies are as they were, and a page the page
//! memo keeps never shows its body. A body's HTML depends only on its text
//! and on how each of its links resolves. So the memo keeps, for each
//! body: a hash of its text; each link it asked about, with a hash of the
//! answer; and what a build needs of the body even when its page is kept
//! (the postmortems it links to, its broken links, its headings' anchors,
//! and the keys of its code blocks, whose highlight cache entries must
//! outlive this build). A body whose text hashes the same and whose links
//! all resolve as they did is rendered only if its page must be.
//!
//! The memo is saved beside the output, as `public.hindsight-bodies`. It
//! names the binary that wrote it, and entries a build does not use are
//! dropped when it saves. It also names the highlight cache file it was
//! saved beside: a body with code is vouched for only while that file is
//! the same, since a deleted or replaced cache no longer holds its code.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use log::debug;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::StableHasher;
use crate::diagnostic::{Diagnostic, Level, Position};
use crate::highlight::{CodeKey, HighlightCache, Highlighter};
use crate::link::{self, LinkIndex};
use crate::markdown::{self, LinkTarget, Links};
use crate::model::Postmortem;

/// The file's first line: the format and the version that wrote it.
fn header() -> String {
    format!("hindsight body memo 2 {}", crate::build_id())
}

/// A body, ready for its page.
pub struct Body {
    /// The HTML, when this build rendered it; otherwise it is rendered
    /// only if the page must be (see `LateBodies`).
    pub html: Option<String>,
    /// A hash of everything the HTML is made from, for the page memo.
    pub key: u64,
    /// Ids of the postmortems it links to, in order of appearance.
    pub targets: Vec<String>,
    /// Its broken links.
    pub problems: Vec<Diagnostic>,
}

/// What a body was made from, and what a build needs of it, as stored.
#[derive(Debug, Serialize, Deserialize)]
struct BodyRecord {
    /// The postmortem's file, which names the entry (see `name_of`).
    source: String,
    /// The 128-bit hash of the body's Markdown, in hex (JSON numbers do
    /// not hold 128 bits).
    text: String,
    /// Each link the body asked about (its address as written, whether it
    /// is a `[[wiki]]` link) and the hash of the answer.
    links: Vec<(String, bool, u64)>,
    /// Ids of the postmortems linked to.
    targets: Vec<String>,
    /// Broken links: byte offset in the Markdown, message, hint.
    broken: Vec<(usize, String, String)>,
    /// The highlight cache's keys of its code blocks.
    code: Vec<CodeKey>,
    /// The anchor ids of its headings, which links into it may name.
    anchors: Vec<String>,
}

impl BodyRecord {
    /// The page memo's hash of the body: its text and its links' answers.
    fn key(&self) -> u64 {
        let mut hasher = StableHasher::new();
        hasher.write(self.text.as_bytes());
        for (dest, is_wiki, answer) in &self.links {
            hasher.write(dest.as_bytes());
            hasher.write_u8(u8::from(*is_wiki));
            hasher.write_u64(*answer);
        }
        hasher.finish()
    }

    /// True when the body whose text hashes to `text` is the one this was
    /// made from and every link it asked about resolves as it did then.
    fn is_still_true(&self, text: &str, links: &dyn Links) -> bool {
        self.text == text
            && self.links.iter().all(|(dest, is_wiki, answer)| {
                hash_answer(&links.resolve(dest, *is_wiki)) == *answer
            })
    }

    /// The body of `pm`, which this was made from, with its `html` if it
    /// was rendered.
    fn to_body(&self, pm: &Postmortem, html: Option<String>, broken_links: Level) -> Body {
        let at = |offset: usize| Position::of_offset(&pm.body.markdown, offset, pm.body.first_line);
        Body {
            html,
            key: self.key(),
            targets: self.targets.clone(),
            problems: self
                .broken
                .iter()
                .map(|(offset, message, hint)| {
                    link::broken_link(pm, broken_links, at(*offset), message.clone(), hint.clone())
                })
                .collect(),
        }
    }
}

/// The memo's name for `pm`'s entry: its path's bytes, escaped, so that a
/// name that is not UTF-8 is text and two such names stay two.
fn name_of(pm: &Postmortem) -> String {
    pm.source.as_os_str().as_encoded_bytes().escape_ascii().to_string()
}

fn hash_text(markdown: &str) -> String {
    let mut hasher = StableHasher::new();
    hasher.update(markdown.as_bytes());
    format!("{:032x}", hasher.digest128())
}

fn hash_answer(answer: &LinkTarget) -> u64 {
    let mut hasher = StableHasher::new();
    answer.hash(&mut hasher);
    hasher.finish()
}

/// Passes questions on to the link stage and notes each with its answer.
struct LinkRecorder<'a> {
    links: &'a dyn Links,
    asked: RefCell<Vec<(String, bool, u64)>>,
}

impl Links for LinkRecorder<'_> {
    fn resolve(&self, dest: &str, is_wiki: bool) -> LinkTarget {
        let answer = self.links.resolve(dest, is_wiki);
        self.asked.borrow_mut().push((dest.to_string(), is_wiki, hash_answer(&answer)));
        answer
    }
}

/// The memo of the previous build's bodies, and what this build made.
#[derive(Default)]
pub struct BodyMemo {
    path: Option<PathBuf>,
    previous: HashMap<String, BodyRecord>,
    /// The id of the highlight cache file the previous memo was saved
    /// beside (see `highlight::cache_file_id`).
    previous_cache_id: Option<String>,
    /// True when the highlight cache file is still that one, so the code
    /// of a body not rendered again is in it.
    is_cache_unchanged: bool,
    /// Names of the previous records this build used.
    used: Mutex<Vec<String>>,
    /// Records made by this build.
    fresh: Mutex<Vec<BodyRecord>>,
}

impl BodyMemo {
    /// Loads the memo at `path`, for a build whose highlight cache file
    /// has the id `cache_id` (see `highlight::cache_file_id`); a missing,
    /// foreign or damaged file gives an empty memo, never an error.
    pub fn load(path: PathBuf, cache_id: Option<String>) -> BodyMemo {
        let file = std::fs::File::open(&path)
            .ok()
            .and_then(|file| parse(std::io::BufReader::new(file)))
            .unwrap_or_default();
        let is_cache_unchanged = cache_id.is_some() && file.cache_id == cache_id;
        BodyMemo {
            path: Some(path),
            previous: file.records,
            previous_cache_id: file.cache_id,
            is_cache_unchanged,
            ..BodyMemo::default()
        }
    }

    /// A memo that knows no bodies and is never saved (`check`, tests).
    pub fn none() -> BodyMemo {
        BodyMemo::default()
    }

    /// The previous record under `name`, when it holds for the body whose
    /// text hashes to `text`, with links resolved by `links`.
    fn vouch(&self, name: &str, text: &str, links: &dyn Links) -> Option<&BodyRecord> {
        let record = self.previous.get(name)?;
        let is_code_kept = record.code.is_empty() || self.is_cache_unchanged;
        (is_code_kept && record.is_still_true(text, links)).then_some(record)
    }

    /// Writes the records this build used or made, with the id of the
    /// highlight cache file that holds their code (none when the cache
    /// could not be saved), when anything changed.
    pub fn save(&self, cache_id: Option<String>) -> std::io::Result<()> {
        let Some(path) = &self.path else { return Ok(()) };
        let (Ok(used), Ok(fresh)) = (self.used.lock(), self.fresh.lock()) else { return Ok(()) };
        // Every record used, none made, beside the same cache file: the
        // file already says exactly this.
        if fresh.is_empty()
            && used.len() == self.previous.len()
            && cache_id == self.previous_cache_id
        {
            return Ok(());
        }
        let mut records: Vec<&BodyRecord> =
            used.iter().filter_map(|name| self.previous.get(name)).chain(fresh.iter()).collect();
        records.sort_by(|a, b| a.source.cmp(&b.source));
        crate::write::save_whole(path, |out| {
            writeln!(out, "{}", header())?;
            writeln!(out, "{}", serde_json::to_string(&cache_id)?)?;
            for record in records {
                serde_json::to_writer(&mut *out, record)?;
                out.write_all(b"\n")?;
            }
            Ok(())
        })
    }
}

/// What a saved memo holds.
#[derive(Default)]
struct MemoFile {
    /// The id of the highlight cache file it was saved beside, written on
    /// the second line.
    cache_id: Option<String>,
    /// The records, by the name of the file each body came from.
    records: HashMap<String, BodyRecord>,
}

fn parse(reader: impl BufRead) -> Option<MemoFile> {
    let mut lines = reader.lines();
    if lines.next()?.ok()? != header() {
        return None;
    }
    let cache_id = serde_json::from_str(&lines.next()?.ok()?).ok()?;
    let mut records = HashMap::new();
    for line in lines {
        let record: BodyRecord = serde_json::from_str(&line.ok()?).ok()?;
        records.insert(record.source.clone(), record);
    }
    Some(MemoFile { cache_id, records })
}

/// The bodies of `postmortems`, on every core: each one the memo vouches
/// for is left unrendered, the others are rendered now.
pub fn render_all(
    postmortems: &[&Postmortem],
    links: &LinkIndex<'_>,
    highlighter: &Highlighter,
    broken_links: Level,
    memo: &BodyMemo,
) -> Vec<Body> {
    // Each body's memo name and text hash, made once.
    let keys: Vec<(String, String)> =
        postmortems.par_iter().map(|pm| (name_of(pm), hash_text(&pm.body.markdown))).collect();
    // Links to a heading are checked against the target's anchors: known
    // from the memo for every unchanged body, so no link check reads one
    // again.
    for (pm, (name, text)) in postmortems.iter().zip(&keys) {
        if let Some(record) = memo.previous.get(name).filter(|r| r.text == *text) {
            links.know_anchors(pm, &record.anchors);
        }
    }
    let bodies: Vec<Body> = postmortems
        .par_iter()
        .zip(keys)
        .map(|(pm, (name, text))| {
            let from = links.links_from(pm);
            if let Some(record) = memo.vouch(&name, &text, &from) {
                highlighter.keep(&record.code);
                if let Ok(mut used) = memo.used.lock() {
                    used.push(name);
                }
                return record.to_body(pm, None, broken_links);
            }
            let (html, record) = render(pm, name, text, &from, highlighter);
            let body = record.to_body(pm, Some(html), broken_links);
            // A memo that is never saved (`check`) need not hold records.
            if memo.path.is_some()
                && let Ok(mut fresh) = memo.fresh.lock()
            {
                fresh.push(record);
            }
            body
        })
        .collect();
    let rendered = bodies.iter().filter(|body| body.html.is_some()).count();
    debug!("  bodies rendered: {rendered}; kept by the body memo: {}", bodies.len() - rendered);
    bodies
}

/// Renders `pm`'s body, named `name` in the memo and whose text hashes to
/// `text`, noting what it was made from.
fn render(
    pm: &Postmortem,
    name: String,
    text: String,
    links: &dyn Links,
    highlighter: &Highlighter,
) -> (String, BodyRecord) {
    let recorder = LinkRecorder { links, asked: RefCell::default() };
    let rendered = markdown::render(&pm.body.markdown, &recorder, highlighter);
    let record = BodyRecord {
        source: name,
        text,
        links: recorder.asked.into_inner(),
        targets: rendered.targets,
        broken: rendered.broken,
        code: rendered.code,
        anchors: rendered.anchors,
    };
    (rendered.html, record)
}

/// Renders, while pages are made, the bodies the memo left unrendered and
/// whose pages must be made again (a changed title, template or related
/// incident). Its highlighter, and the cache behind it, are loaded only
/// for the first such body.
pub struct LateBodies<'a> {
    links: &'a LinkIndex<'a>,
    cache: Option<PathBuf>,
    highlighter: OnceLock<Highlighter>,
}

impl<'a> LateBodies<'a> {
    /// Renders with `links`, and highlighted code from the cache at
    /// `cache`, if any.
    pub fn new(links: &'a LinkIndex<'a>, cache: Option<&Path>) -> LateBodies<'a> {
        LateBodies { links, cache: cache.map(Path::to_path_buf), highlighter: OnceLock::new() }
    }

    /// `body`'s HTML: as the body stage rendered it, or rendered now.
    pub fn render(&self, pm: &Postmortem, body: Option<String>) -> String {
        body.unwrap_or_else(|| {
            let highlighter = self.highlighter.get_or_init(|| match &self.cache {
                Some(path) => Highlighter::with_cache(HighlightCache::at(path.clone())),
                None => Highlighter::new(),
            });
            markdown::render(&pm.body.markdown, &self.links.links_from(pm), highlighter).html
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link::tests::postmortem;
    use crate::model::Status;

    /// Answers every link with INC-1's page, titled as given.
    struct Titled(&'static str);

    impl Links for Titled {
        fn resolve(&self, dest: &str, _: bool) -> LinkTarget {
            LinkTarget::Page {
                url: dest.to_string(),
                title: self.0.to_string(),
                id: "INC-1".into(),
            }
        }
    }

    // What a body renders to is fixed by its text and its links' answers;
    // its code's HTML, by the highlight cache it was saved beside. A
    // change to any of them must cost the record.
    #[test]
    fn a_saved_memo_vouches_for_a_body_only_while_its_text_links_and_cache_hold() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("public.hindsight-bodies");
        let body = "See [[INC-1]].\n\n```yaml\na: 1\n```\n";
        let pm = postmortem("content/b.md", "INC-2", Status::Published, body);
        let (name, text) = (name_of(&pm), hash_text(body));
        let (html, record) =
            render(&pm, name_of(&pm), text.clone(), &Titled("Queue stalled"), &Highlighter::new());
        assert!(html.contains("title=\"Queue stalled\""), "{html}");
        assert_eq!((record.targets.as_slice(), record.code.len()), (&["INC-1".to_string()][..], 1));
        let cache = Some("cache 1".to_string());
        let memo = BodyMemo::load(path.clone(), cache.clone());
        memo.fresh.lock().unwrap().push(record);
        memo.save(cache.clone()).unwrap();

        let next = BodyMemo::load(path.clone(), cache);
        assert!(next.vouch(&name, &text, &Titled("Queue stalled")).is_some());
        assert!(next.vouch(&name, &text, &Titled("Queue stalled again")).is_none(), "an answer");
        let edited = hash_text("See [[INC-1]] too.\n");
        assert!(next.vouch(&name, &edited, &Titled("Queue stalled")).is_none(), "the text");
        let replaced = BodyMemo::load(path.clone(), Some("cache 2".to_string()));
        assert!(replaced.vouch(&name, &text, &Titled("Queue stalled")).is_none(), "the cache");
        let deleted = BodyMemo::load(path, None);
        assert!(deleted.vouch(&name, &text, &Titled("Queue stalled")).is_none(), "no cache");
    }

    // A memo is a speed-up: whatever is in the file, a build goes on.
    #[test]
    fn a_damaged_or_foreign_file_is_an_empty_memo() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("memo");
        let damaged = format!("{}\nnull\n{{\"source\":1}}\n", header());
        for text in ["not a memo\n".to_string(), damaged] {
            std::fs::write(&path, text).unwrap();
            assert!(BodyMemo::load(path.clone(), None).previous.is_empty());
        }
    }
}
