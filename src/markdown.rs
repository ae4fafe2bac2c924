//! Markdown to safe HTML: bodies of postmortems and short inline fields.
//!
//! pulldown-cmark parses; each event kind that needs care has its own
//! handler (headings get stable ids, code fences are highlighted, links to
//! other postmortems are resolved), and ammonia sanitises the result so raw
//! HTML in a postmortem cannot run script in a reader's browser.

use std::collections::HashMap;
use std::collections::HashSet;
use std::sync::LazyLock;

use pulldown_cmark::{CowStr, Event, LinkType, Options, Parser, Tag, TagEnd};

use crate::highlight::{CodeKey, Highlighter};

/// What the link stage decided about one link in a body.
#[derive(Debug, PartialEq, Eq, Hash)]
pub enum LinkTarget {
    /// Not a link Hindsight manages (web address, image, same-page anchor).
    Keep,
    /// A link to another postmortem, now pointing at its page.
    Page {
        /// The page URL, with any anchor.
        url: String,
        /// The target's title, shown on hover.
        title: String,
        /// The target's id, for backlinks.
        id: String,
    },
    /// A link to a postmortem or heading that does not exist.
    Broken {
        /// What is wrong.
        message: String,
        /// What would be right.
        hint: String,
    },
}

/// Decides where links in a body point. Implemented by the link stage.
pub trait Links {
    /// Resolves `dest`; `is_wiki` is true for `[[ID]]` links.
    fn resolve(&self, dest: &str, is_wiki: bool) -> LinkTarget;
}

/// A body turned into HTML, with the problems met on the way.
#[derive(Debug, Default)]
pub struct Rendered {
    /// Sanitised HTML.
    pub html: String,
    /// Broken links: byte offset in the Markdown, message, hint.
    pub broken: Vec<(usize, String, String)>,
    /// Ids of the postmortems linked to, in order of appearance.
    pub targets: Vec<String>,
    /// The highlight cache's keys of the code blocks highlighted.
    pub code: Vec<CodeKey>,
    /// The anchor ids its headings got, in order: what `heading_ids`
    /// gives for the same text.
    pub anchors: Vec<String>,
}

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_WIKILINKS
}

/// Renders a postmortem body.
pub fn render(markdown: &str, links: &dyn Links, highlighter: &Highlighter) -> Rendered {
    let mut body = BodyRenderer {
        links,
        highlighter,
        ids: HeadingIds::default(),
        broken: Vec::new(),
        targets: Vec::new(),
        code: Vec::new(),
        anchors: Vec::new(),
        open_links: Vec::new(),
        has_raw_html: false,
    };
    let mut events = Vec::new();
    let mut parser = Parser::new_ext(markdown, options()).into_offset_iter();
    while let Some((event, range)) = parser.next() {
        match event {
            Event::Start(Tag::Heading { level, id, classes, attrs }) => {
                let inner =
                    collect_until(&mut parser, |e| matches!(e, Event::End(TagEnd::Heading(_))));
                body.has_raw_html |= inner.iter().any(is_raw_html);
                body.on_heading(level, id, classes, attrs, inner, &mut events);
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                let inner =
                    collect_until(&mut parser, |e| matches!(e, Event::End(TagEnd::CodeBlock)));
                events.push(body.on_code_block(&kind, &inner));
            }
            Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
                events.push(body.on_link(link_type, dest_url, title, id, range.start));
            }
            Event::End(TagEnd::Link) => events.push(body.on_link_end()),
            Event::Start(Tag::Image { link_type, dest_url, title, id }) => {
                let dest_url = if is_safe_url(&dest_url) { dest_url } else { CowStr::Borrowed("") };
                events.push(Event::Start(Tag::Image { link_type, dest_url, title, id }));
            }
            other => {
                body.has_raw_html |= is_raw_html(&other);
                events.push(other);
            }
        }
    }
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    // Without raw HTML, everything pulldown-cmark writes is escaped and
    // every link and image address has been checked above, so the
    // sanitiser (nearly half the cost of a body) has nothing to remove.
    let html = if body.has_raw_html { sanitise(&html) } else { html };
    Rendered {
        html,
        broken: body.broken,
        targets: body.targets,
        code: body.code,
        anchors: body.anchors,
    }
}

/// Drops link and image addresses with an unsafe scheme.
fn safe_addresses(event: Event<'_>) -> Event<'_> {
    match event {
        Event::Start(Tag::Link { link_type, dest_url, title, id }) if !is_safe_url(&dest_url) => {
            Event::Start(Tag::Link { link_type, dest_url: CowStr::Borrowed(""), title, id })
        }
        Event::Start(Tag::Image { link_type, dest_url, title, id }) if !is_safe_url(&dest_url) => {
            Event::Start(Tag::Image { link_type, dest_url: CowStr::Borrowed(""), title, id })
        }
        other => other,
    }
}

fn is_raw_html(event: &Event<'_>) -> bool {
    matches!(event, Event::Html(_) | Event::InlineHtml(_))
}

/// Address schemes a link may use; anything else (`javascript:`, `data:`,
/// `vbscript:`) is dropped, as the sanitiser would.
const SAFE_SCHEMES: &[&str] =
    &["http", "https", "mailto", "tel", "ftp", "ftps", "ssh", "irc", "ircs", "news", "xmpp"];

/// True for relative addresses and those with a safe scheme.
fn is_safe_url(url: &str) -> bool {
    let url = url.trim_start();
    let Some((scheme, _)) = url.split_once(':') else { return true };
    // A colon after a path, query or fragment starts is not a scheme.
    if scheme.contains(['/', '?', '#']) {
        return true;
    }
    SAFE_SCHEMES.iter().any(|safe| safe.eq_ignore_ascii_case(scheme))
}

/// The anchor ids a body's headings get, in order: what `#anchor` links to
/// this postmortem may point at.
pub fn heading_ids(markdown: &str) -> Vec<String> {
    let mut ids = HeadingIds::default();
    let mut found = Vec::new();
    let mut parser = Parser::new_ext(markdown, options());
    while let Some(event) = parser.next() {
        if let Event::Start(Tag::Heading { id, .. }) = event {
            let mut text = String::new();
            for inner in parser.by_ref() {
                match inner {
                    Event::End(TagEnd::Heading(_)) => break,
                    Event::Text(t) | Event::Code(t) => text.push_str(&t),
                    _ => {}
                }
            }
            found.push(ids.assign(id.as_deref(), &text));
        }
    }
    found
}

/// Renders a short front-matter field (summary, impact, an action) as
/// inline HTML: emphasis, code and links, without a wrapping paragraph.
pub fn inline(text: &str) -> String {
    if is_plain_text(text) { text.to_string() } else { parse_inline(text) }
}

fn parse_inline(text: &str) -> String {
    let mut html = String::with_capacity(text.len() + 16);
    let mut has_raw_html = false;
    let parser = Parser::new_ext(text, Options::ENABLE_STRIKETHROUGH).map(|event| {
        has_raw_html |= is_raw_html(&event);
        safe_addresses(event)
    });
    pulldown_cmark::html::push_html(&mut html, parser);
    // As for bodies: without raw HTML there is nothing for the sanitiser to
    // remove, and these fields are rendered tens of thousands of times.
    let html = if has_raw_html { sanitise(&html) } else { html };
    let trimmed = html.trim();
    match trimmed.strip_prefix("<p>").and_then(|s| s.strip_suffix("</p>")) {
        Some(inner) if !inner.contains("<p>") => inner.to_string(),
        _ => trimmed.to_string(),
    }
}

/// Plain text of inline Markdown, for attributes, feeds and search.
pub fn plain(text: &str) -> String {
    if is_plain_text(text) { text.to_string() } else { parse_plain(text) }
}

fn parse_plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for event in Parser::new(text) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::End(TagEnd::Paragraph) => out.push(' '),
            _ => {}
        }
    }
    out.trim().to_string()
}

/// True when Markdown gives `text` back as it is, as HTML and as plain
/// text: one line that starts with a letter, ends in no space, and holds
/// no character that could open Markdown syntax or need escaping. Most
/// short fields are such sentences, and a parser for each of them was a
/// tenth of a rebuild of 10,000 postmortems.
fn is_plain_text(text: &str) -> bool {
    // A pattern, not a search of a string of allowed characters: this runs
    // over every character of every short field, each build.
    let is_harmless_ascii = |b: u8| {
        matches!(b,
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b' '
            | b',' | b'.' | b';' | b':' | b'?' | b'(' | b')' | b'/' | b'%' | b'\'' | b'-' | b'+'
            | b'=' | b'@' | b'$')
    };
    let is_harmless = |c: char| {
        if c.is_ascii() {
            is_harmless_ascii(c as u8)
        } else {
            !(c.is_whitespace() || c.is_control())
        }
    };
    text.starts_with(char::is_alphabetic)
        && !text.ends_with(char::is_whitespace)
        // Most fields are ASCII, and bytes are cheaper to walk than chars.
        && if text.is_ascii() {
            text.bytes().all(is_harmless_ascii)
        } else {
            text.chars().all(is_harmless)
        }
}

/// The first `limit` words of a body's prose, for the search index: code
/// blocks and HTML are left out, since their tokens bloat the index and are
/// rarely what a reader types.
///
/// pulldown-cmark reads a whole text before it gives its first event, and
/// the words wanted are near the start: so growing beginnings of the body
/// are read, each cut at a blank line. Nothing after a blank line changes
/// how the text before it reads (a fence or a list left open by the cut
/// only runs on to the end of the beginning), except link and footnote
/// definitions, which can sit anywhere (in a quote, a list item, over two
/// lines): a body with anything like one is read whole.
pub fn words(markdown: &str, limit: usize) -> String {
    if !has_definitions(markdown) {
        let mut wanted = limit.saturating_mul(16).max(1024);
        while let Some(cut) = blank_line_after(markdown, wanted) {
            let (out, count) = first_words(&markdown[..cut], limit);
            if count == limit {
                return out;
            }
            wanted = cut.saturating_mul(4);
        }
    }
    first_words(markdown, limit).0
}

/// The first `limit` words of `markdown`'s prose, and how many there were.
fn first_words(markdown: &str, limit: usize) -> (String, usize) {
    let mut out = String::new();
    let mut count = 0;
    let mut in_code = false;
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_code = true,
            Event::End(TagEnd::CodeBlock) => in_code = false,
            Event::Text(text) | Event::Code(text) if !in_code => {
                for word in text.split_whitespace() {
                    if count == limit {
                        return (out, count);
                    }
                    if count > 0 {
                        out.push(' ');
                    }
                    out.push_str(word);
                    count += 1;
                }
            }
            _ => {}
        }
    }
    (out, count)
}

/// Whether the text could define a link or footnote (`[label]: ...`).
fn has_definitions(markdown: &str) -> bool {
    markdown.contains("]:")
}

/// The end of the first blank line that starts at or after byte `from`,
/// unless that is the end of the text.
fn blank_line_after(markdown: &str, from: usize) -> Option<usize> {
    // Searching bytes: a line break is never inside a character.
    let bytes = markdown.as_bytes();
    let next_line = |from: usize| bytes.get(from..)?.iter().position(|&b| b == b'\n');
    let mut at = next_line(from)? + from + 1;
    while at < bytes.len() {
        let line_end = next_line(at).map_or(bytes.len(), |n| at + n + 1);
        // CommonMark's blank line: spaces and tabs only.
        if bytes[at..line_end].iter().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n')) {
            return (line_end < markdown.len()).then_some(line_end);
        }
        at = line_end;
    }
    None
}

struct BodyRenderer<'a> {
    links: &'a dyn Links,
    highlighter: &'a Highlighter,
    ids: HeadingIds,
    broken: Vec<(usize, String, String)>,
    targets: Vec<String>,
    code: Vec<CodeKey>,
    anchors: Vec<String>,
    /// For each open link, whether it was broken (and became a span).
    open_links: Vec<bool>,
    /// True once the author's own HTML has been seen.
    has_raw_html: bool,
}

type Attrs<'e> = Vec<(CowStr<'e>, Option<CowStr<'e>>)>;

impl<'e> BodyRenderer<'_> {
    fn on_heading(
        &mut self,
        level: pulldown_cmark::HeadingLevel,
        id: Option<CowStr<'e>>,
        classes: Vec<CowStr<'e>>,
        attrs: Attrs<'e>,
        inner: Vec<Event<'e>>,
        events: &mut Vec<Event<'e>>,
    ) {
        let text: String = inner
            .iter()
            .filter_map(|e| match e {
                Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
                _ => None,
            })
            .collect();
        let id = self.ids.assign(id.as_deref(), &text);
        self.anchors.push(id.clone());
        events.push(Event::Start(Tag::Heading { level, id: Some(id.into()), classes, attrs }));
        events.extend(inner);
        events.push(Event::End(TagEnd::Heading(level)));
    }

    fn on_code_block(
        &mut self,
        kind: &pulldown_cmark::CodeBlockKind<'_>,
        inner: &[Event<'_>],
    ) -> Event<'e> {
        let code: String = inner
            .iter()
            .filter_map(|e| match e {
                Event::Text(t) => Some(t.as_ref()),
                _ => None,
            })
            .collect();
        // The info string may carry more than the language: "yaml title=x".
        let label = match kind {
            pulldown_cmark::CodeBlockKind::Fenced(info) => {
                info.split([' ', ',', '{']).next().unwrap_or_default().to_string()
            }
            pulldown_cmark::CodeBlockKind::Indented => String::new(),
        };
        let (highlighted, key) = self.highlighter.highlight(&code, &label);
        self.code.extend(key);
        let lang = crate::highlight::escape(&label);
        let html = if label.is_empty() {
            format!("<pre class=\"code\"><code>{highlighted}</code></pre>\n")
        } else {
            format!(
                "<pre class=\"code\" data-lang=\"{lang}\"><code class=\"language-{lang}\">\
                 {highlighted}</code></pre>\n"
            )
        };
        Event::Html(html.into())
    }

    fn on_link(
        &mut self,
        link_type: LinkType,
        dest_url: CowStr<'e>,
        title: CowStr<'e>,
        id: CowStr<'e>,
        offset: usize,
    ) -> Event<'e> {
        let is_wiki = matches!(link_type, LinkType::WikiLink { .. });
        let dest_url = if is_safe_url(&dest_url) { dest_url } else { CowStr::Borrowed("") };
        let (dest_url, title) = match self.links.resolve(&dest_url, is_wiki) {
            LinkTarget::Keep => (dest_url, title),
            LinkTarget::Page { url, title, id } => {
                self.targets.push(id);
                (url.into(), title.into())
            }
            LinkTarget::Broken { message, hint } => {
                // Built anyway (broken_links = "warning"): show the text,
                // marked, rather than a link that leads nowhere.
                let span = format!(
                    "<span class=\"broken-link\" title=\"{}\">",
                    crate::highlight::escape(&message)
                );
                self.broken.push((offset, message, hint));
                self.open_links.push(true);
                return Event::Html(span.into());
            }
        };
        self.open_links.push(false);
        Event::Start(Tag::Link { link_type, dest_url, title, id })
    }

    fn on_link_end(&mut self) -> Event<'e> {
        match self.open_links.pop() {
            Some(true) => Event::Html("</span>".into()),
            _ => Event::End(TagEnd::Link),
        }
    }
}

/// Takes events up to and including the one that closes the current tag.
fn collect_until<'e>(
    parser: &mut impl Iterator<Item = (Event<'e>, std::ops::Range<usize>)>,
    is_end: impl Fn(&Event<'e>) -> bool,
) -> Vec<Event<'e>> {
    let mut inner = Vec::new();
    for (event, _) in parser.by_ref() {
        if is_end(&event) {
            break;
        }
        inner.push(event);
    }
    inner
}

/// Gives headings unique anchor ids: an explicit `{#id}` when written,
/// else the text lower-cased with spaces as hyphens, GitHub style, with
/// `-1`, `-2` appended to repeats.
#[derive(Default)]
struct HeadingIds {
    seen: HashMap<String, usize>,
}

impl HeadingIds {
    fn assign(&mut self, explicit: Option<&str>, text: &str) -> String {
        let base = match explicit {
            Some(id) => id.to_string(),
            None => anchor(text),
        };
        let base = if base.is_empty() { "section".to_string() } else { base };
        let count = self.seen.entry(base.clone()).or_insert(0);
        let id = if *count == 0 { base.clone() } else { format!("{base}-{count}") };
        *count += 1;
        id
    }
}

/// The anchor of a heading's text: `## Five whys` is `#five-whys`.
pub fn anchor(text: &str) -> String {
    text.trim()
        .chars()
        .flat_map(char::to_lowercase)
        .filter_map(|c| match c {
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            ' ' => Some('-'),
            _ => None,
        })
        .collect()
}

/// The one sanitiser: what the default theme's styles need, nothing that
/// runs script, loads frames or styles the page.
static SANITISER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .add_tags(["input"])
        .add_generic_attributes(["class", "title"])
        .add_tag_attributes("input", ["type", "checked", "disabled"])
        .add_tag_attributes("pre", ["data-lang"])
        .add_tag_attributes("th", ["style"])
        .add_tag_attributes("td", ["style"])
        .filter_style_properties(HashSet::from(["text-align"]));
    for tag in ["h1", "h2", "h3", "h4", "h5", "h6", "div", "sup", "li", "section", "a"] {
        builder.add_tag_attributes(tag, ["id"]);
    }
    builder
});

/// Removes anything unsafe from rendered HTML.
pub fn sanitise(html: &str) -> String {
    SANITISER.clean(html).to_string()
}

#[cfg(test)]
mod tests;
