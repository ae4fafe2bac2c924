//! Postmortem bodies as HTML, with a memo of what each was made from kept
//! between builds.
//!
//! Rendering bodies (Markdown, links, highlighted code) is a quarter of a
//! rebuild's work, yet most bodies are as they were, and a page the page
//! memo keeps never shows its body. A body's HTML depends only on its text
//! and on how each of its links resolves. So the memo keeps, for each
//! body: a hash of its text; each link it asked about, with a hash of the
//! answer; and what a build needs of the body even when its page is kept
//! (the postmortems it links to, its broken links, and the keys of its code
//! blocks, whose highlight cache entries must outlive this build). A body
//! whose text hashes the same and whose links all resolve as they did is
//! rendered only if its page must be.
//!
//! The memo is saved beside the output, as `public.hindsight-bodies`. It
//! names the binary that wrote it, and entries a build does not use are
//! dropped when it saves.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

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
    /// only if the page must be (see `Late`).
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
struct Made {
    /// The postmortem's file, which names the entry.
    source: PathBuf,
    /// The 128-bit hash of the body's Markdown, in hex.
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

impl Made {
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
    fn holds_for(&self, text: &str, links: &dyn Links) -> bool {
        self.text == text
            && self.links.iter().all(|(dest, is_wiki, answer)| {
                answer_hash(&links.resolve(dest, *is_wiki)) == *answer
            })
    }

    /// The body of `pm`, which this was made from, with its `html` if it
    /// was rendered.
    fn body(&self, pm: &Postmortem, html: Option<String>, broken_links: Level) -> Body {
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

fn text_hash(markdown: &str) -> String {
    let mut hasher = StableHasher::new();
    hasher.update(markdown.as_bytes());
    format!("{:032x}", hasher.digest128())
}

fn answer_hash(answer: &LinkTarget) -> u64 {
    let mut hasher = StableHasher::new();
    answer.hash(&mut hasher);
    hasher.finish()
}

/// Passes questions on to the link stage and notes each with its answer.
struct Asked<'a> {
    links: &'a dyn Links,
    asked: RefCell<Vec<(String, bool, u64)>>,
}

impl Links for Asked<'_> {
    fn resolve(&self, dest: &str, is_wiki: bool) -> LinkTarget {
        let answer = self.links.resolve(dest, is_wiki);
        self.asked.borrow_mut().push((dest.to_string(), is_wiki, answer_hash(&answer)));
        answer
    }
}

/// The memo of the previous build's bodies, and what this build made.
#[derive(Default)]
pub struct BodyMemo {
    path: Option<PathBuf>,
    previous: HashMap<PathBuf, Made>,
    /// Sources whose previous entries this build used.
    used: Mutex<Vec<PathBuf>>,
    /// Entries made by this build.
    fresh: Mutex<Vec<Made>>,
}

impl BodyMemo {
    /// Loads the memo at `path`; a missing, foreign or damaged file gives
    /// an empty memo, never an error.
    pub fn load(path: PathBuf) -> BodyMemo {
        let previous = std::fs::File::open(&path)
            .ok()
            .and_then(|file| parse(std::io::BufReader::new(file)))
            .unwrap_or_default();
        BodyMemo { path: Some(path), previous, ..BodyMemo::default() }
    }

    /// A memo that knows no bodies and is never saved (`check`, tests).
    pub fn none() -> BodyMemo {
        BodyMemo::default()
    }

    /// Writes the entries this build used or made, when anything changed.
    pub fn save(&self) -> std::io::Result<()> {
        let Some(path) = &self.path else { return Ok(()) };
        let (Ok(used), Ok(fresh)) = (self.used.lock(), self.fresh.lock()) else { return Ok(()) };
        if fresh.is_empty() && used.len() == self.previous.len() {
            return Ok(());
        }
        let mut entries: Vec<&Made> = used
            .iter()
            .filter_map(|source| self.previous.get(source))
            .chain(fresh.iter())
            .collect();
        entries.sort_by(|a, b| a.source.cmp(&b.source));
        crate::write::save_whole(path, |out| {
            writeln!(out, "{}", header())?;
            for made in entries {
                serde_json::to_writer(&mut *out, made)?;
                out.write_all(b"\n")?;
            }
            Ok(())
        })
    }
}

fn parse(reader: impl BufRead) -> Option<HashMap<PathBuf, Made>> {
    let mut lines = reader.lines();
    if lines.next()?.ok()? != header() {
        return None;
    }
    let mut entries = HashMap::new();
    for line in lines {
        let made: Made = serde_json::from_str(&line.ok()?).ok()?;
        entries.insert(made.source.clone(), made);
    }
    Some(entries)
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
    let texts: Vec<String> =
        postmortems.par_iter().map(|pm| text_hash(&pm.body.markdown)).collect();
    // Links to a heading are checked against the target's anchors: known
    // from the memo for every unchanged body, so no link check reads one
    // again.
    for (pm, text) in postmortems.iter().zip(&texts) {
        if let Some(made) = memo.previous.get(&pm.source).filter(|made| made.text == *text) {
            links.know_anchors(pm, &made.anchors);
        }
    }
    postmortems
        .par_iter()
        .zip(texts)
        .map(|(pm, text)| {
            let from = links.links_from(pm);
            if let Some(made) = memo.previous.get(&pm.source).filter(|m| m.holds_for(&text, &from))
            {
                highlighter.keep(&made.code);
                if let Ok(mut used) = memo.used.lock() {
                    used.push(pm.source.clone());
                }
                return made.body(pm, None, broken_links);
            }
            let (html, made) = render(pm, text, &from, highlighter);
            let body = made.body(pm, Some(html), broken_links);
            if memo.path.is_some()
                && let Ok(mut fresh) = memo.fresh.lock()
            {
                fresh.push(made);
            }
            body
        })
        .collect()
}

/// Renders `pm`'s body, whose text hashes to `text`, noting what it was
/// made from.
fn render(
    pm: &Postmortem,
    text: String,
    links: &dyn Links,
    highlighter: &Highlighter,
) -> (String, Made) {
    let asked = Asked { links, asked: RefCell::default() };
    let rendered = markdown::render(&pm.body.markdown, &asked, highlighter);
    let made = Made {
        source: pm.source.clone(),
        text,
        links: asked.asked.into_inner(),
        targets: rendered.targets,
        broken: rendered.broken,
        code: rendered.code,
        anchors: rendered.anchors,
    };
    (rendered.html, made)
}

/// Renders, while pages are made, the bodies the memo left unrendered and
/// whose pages must be made again (a changed title, template or related
/// incident). Its highlighter, and the cache behind it, are loaded only
/// for the first such body.
pub struct Late<'a> {
    links: &'a LinkIndex<'a>,
    cache: Option<PathBuf>,
    highlighter: OnceLock<Highlighter>,
}

impl<'a> Late<'a> {
    /// Renders with `links`, and highlighted code from the cache at
    /// `cache`, if any.
    pub fn new(links: &'a LinkIndex<'a>, cache: Option<&Path>) -> Late<'a> {
        Late { links, cache: cache.map(Path::to_path_buf), highlighter: OnceLock::new() }
    }

    /// `body`'s HTML: as rendered by the body stage, or rendered now.
    pub fn html(&self, pm: &Postmortem, body: Option<String>) -> String {
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

    #[test]
    fn a_saved_memo_vouches_for_a_body_only_while_its_text_and_links_hold() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("public.hindsight-bodies");
        let body = "See [[INC-1]].\n\n```yaml\na: 1\n```\n";
        let pm = postmortem("content/b.md", "INC-2", Status::Published, body);
        let text = text_hash(body);
        let (html, made) = render(&pm, text.clone(), &Titled("Queue stalled"), &Highlighter::new());
        assert!(html.contains("title=\"Queue stalled\""), "{html}");
        assert_eq!((made.targets.as_slice(), made.code.len()), (&["INC-1".to_string()][..], 1));
        let memo = BodyMemo::load(path.clone());
        memo.fresh.lock().unwrap().push(made);
        memo.save().unwrap();

        let next = BodyMemo::load(path);
        let made = &next.previous[Path::new("content/b.md")];
        assert!(made.holds_for(&text, &Titled("Queue stalled")));
        assert!(!made.holds_for(&text, &Titled("Queue stalled again")), "an answer changed");
        let edited = text_hash("See [[INC-1]] too.\n");
        assert!(!made.holds_for(&edited, &Titled("Queue stalled")), "the text changed");
    }

    #[test]
    fn a_damaged_or_foreign_file_is_an_empty_memo() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("memo");
        for text in ["not a memo\n".to_string(), format!("{}\n{{\"source\":1}}\n", header())] {
            std::fs::write(&path, text).unwrap();
            assert!(BodyMemo::load(path.clone()).previous.is_empty());
        }
    }
}
