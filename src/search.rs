//! The full-text search index, built at build time for a search that runs
//! in the reader's browser with no server.
//!
//! The index is elasticlunr's format (what elasticlunr.js loads), written
//! as a JavaScript file that assigns a global, so search also works when
//! the site is opened from disk. Index size is what readers pay for, so
//! the index carries no document copies: results are shown from a compact
//! table of title, link, date, severity and a short summary, and the body
//! is indexed only up to a number of words the settings choose.

use std::io::Write;

use anyhow::Context;
use elasticlunr::{Index, IndexBuilder};
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

mod shard;
mod trie;
mod words;

pub use words::WordsCache;

use crate::markdown;
use crate::model::Postmortem;
use crate::render::{Entry, OutputFile};
use shard::{
    Analysed, Analyser, SHARDS, deal, document_store, index_shard, plan_shards, ref_order,
};

/// The script that loads first: fields, document lengths, and which part
/// holds the words starting with each character.
pub const INDEX_PATH: &str = "search/index.js";

/// Index parts aim for about this many bytes: a query loads only the parts
/// for the first characters of its words.
const PART_BYTES: usize = 192 * 1024;

/// Result rows per docs file: a result page loads only the files holding
/// its results.
const DOCS_PER_FILE: usize = 500;

/// Indexed fields. Each field is a separate character trie in elasticlunr's
/// format, so prose fields share one (`text`: summary, root causes,
/// lessons and body) and only what deserves its own boost stands apart:
/// titles, and keywords (tags, services, root-cause categories). Boosts
/// are applied at query time, in the theme's search script.
const FIELDS: [&str; 3] = ["title", "keywords", "text"];

/// The longest summary carried into results, in characters.
const SUMMARY_CHARS: usize = 180;

/// `[search]` in `hindsight.toml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SearchConfig {
    /// Build the index and show the search box.
    pub enabled: bool,
    /// Stemmer language, as an ISO 639-1 code (`en`, `fr`, `de`, …).
    pub language: String,
    /// How many words of each body are indexed; 0 leaves bodies out.
    pub body_words: usize,
    /// Warn when a first search could load more than this many kilobytes,
    /// gzipped (the first file and the largest index part).
    pub warn_kb: usize,
}

impl Default for SearchConfig {
    fn default() -> SearchConfig {
        SearchConfig { enabled: true, language: "en".into(), body_words: 120, warn_kb: 1024 }
    }
}

impl SearchConfig {
    /// Checks the language before any work is done.
    pub fn check(&self) -> anyhow::Result<()> {
        let is_code =
            self.language.len() == 2 && self.language.chars().all(|c| c.is_ascii_lowercase());
        if !is_code {
            anyhow::bail!(
                "[search] language = \"{}\" is not a two-letter ISO 639-1 code such as en, fr or de",
                self.language
            );
        }
        Ok(())
    }
}

/// What the index cost, for the build summary.
#[derive(Debug, Default, Clone, Copy)]
pub struct IndexSize {
    /// Bytes of every index file together.
    pub raw: usize,
    /// What a first search loads at most before its result rows, gzipped as
    /// a server with compression sends it: the first file and the largest
    /// index part (found among the largest few before compression).
    pub first_search: usize,
}

/// A search result as the browser shows it: `[title, url, date, severity,
/// summary]`. An array, not an object, so keys are not repeated 10,000
/// times.
#[derive(Serialize)]
struct ResultDoc<'a>(&'a str, &'a str, &'a str, &'a str, String);

/// The text of each indexed field of a postmortem, as `FIELDS` lists them.
pub type Fields = [String; 3];

/// The text every postmortem gives each indexed field, on all cores.
pub fn fields(postmortems: &[&Postmortem], config: &SearchConfig) -> Vec<Fields> {
    use rayon::prelude::*;
    postmortems.par_iter().map(|pm| fields_of(pm, config.body_words)).collect()
}

/// A hash of everything the index files are made of: what each
/// postmortem's fields are read from, the result rows and the settings.
/// Equal keys make equal files. The fields themselves are not read for it:
/// a body's first words cost a Markdown parse, which a build that keeps
/// the index need not pay.
pub fn key(postmortems: &[&Postmortem], entries: &[Entry], config: &SearchConfig) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = crate::StableHasher::new();
    crate::build_id().hash(&mut hasher);
    format!("{config:?}").hash(&mut hasher);
    for pm in postmortems {
        field_sources(pm).hash(&mut hasher);
    }
    for e in entries {
        (&e.title, &e.url, &e.date, &e.severity, &e.summary_text).hash(&mut hasher);
    }
    hasher.finish()
}

/// Builds the index files from each postmortem's `fields` (with their list
/// views, in the same order).
///
/// elasticlunr keeps, per field, a trie of characters. The trie is cut by
/// first character into parts of about `PART_BYTES`, and the result rows
/// into files of `DOCS_PER_FILE`: the browser loads the small first file,
/// then only the parts its query's words need, then only the rows of the
/// results it shows. Each file is a script calling a loader function, so it
/// also loads from disk.
///
/// Building is parallel: every document's words go through the language's
/// pipeline on all cores, then the tries are built as shards, one per
/// range of first characters, each an elasticlunr index of its own. A word
/// lives in exactly one shard, so its frequencies are what one index over
/// everything would hold, and the shards join into parts without a merge.
///
/// A document whose fields `cache` knows is not analysed again; the cache
/// is saved with this build's documents.
pub fn build(
    fields: Vec<Fields>,
    entries: &[Entry],
    config: &SearchConfig,
    cache: &WordsCache,
) -> anyhow::Result<(Vec<OutputFile>, IndexSize)> {
    use rayon::prelude::*;
    let (keys, analysed): (Vec<u64>, Vec<Analysed>) =
        crate::site::timed("    analyse text", || {
            fields
                .into_par_iter()
                .map_init(
                    || Analyser::new(&config.language),
                    |analyser, f| {
                        let key = words::key(&f);
                        (key, cache.get(key).unwrap_or_else(|| analyser.analyse(f)))
                    },
                )
                .unzip()
        });
    let documents: Vec<(u64, &Analysed)> = keys.into_iter().zip(&analysed).collect();
    if let Err(e) = cache.save(&config.language, &documents) {
        log::warn!(
            "warning: cannot save the analysed search words: {e}; the next build analyses every postmortem"
        );
    }
    drop(documents);
    let store = document_store(&analysed)?;
    let shards: Vec<Tries> = crate::site::timed("    index documents", || {
        let plan = plan_shards(&analysed, SHARDS);
        let order = ref_order(analysed.len());
        deal(analysed, &plan).par_iter().map(|docs| index_shard(docs, &order)).collect()
    });
    let parts = split_tries(&shards);
    let mut files = Vec::with_capacity(parts.len() + entries.len() / DOCS_PER_FILE + 2);

    let docs: Vec<ResultDoc<'_>> = entries
        .iter()
        .map(|e| ResultDoc(&e.title, &e.url, &e.date, &e.severity, shorten(&e.summary_text)))
        .collect();
    for (number, chunk) in docs.chunks(DOCS_PER_FILE).enumerate() {
        let json = serde_json::to_string(chunk)?;
        files.push(script(&format!("search/docs-{number}.js"), "docs", number, &json));
    }
    let part_files: Vec<OutputFile> = parts
        .par_iter()
        .enumerate()
        .map(|(number, part)| {
            script(&format!("search/part-{number}.js"), "part", number, &part.json)
        })
        .collect();
    drop(shards);
    let largest_part = largest_gzipped(&part_files)?;
    files.extend(part_files);
    let first_chars: serde_json::Map<String, serde_json::Value> = parts
        .iter()
        .enumerate()
        .flat_map(|(n, part)| {
            part.chars.iter().map(move |c| (c.clone(), serde_json::Value::from(n)))
        })
        .collect();
    let layout = serde_json::json!({ "docsPerFile": DOCS_PER_FILE, "parts": first_chars });
    let empty = new_index(&config.language).to_json();
    let empty: RawIndex<'_> =
        serde_json::from_str(&empty).context("elasticlunr wrote an index that is not JSON")?;
    let base = format!(
        "window.HINDSIGHT_SEARCH={{\"index\":{},\"layout\":{layout}}};\n",
        compact_json(&empty.without_tries(&store))
    );
    let first_file = gzipped_len(base.as_bytes())?;
    files.push(OutputFile { path: INDEX_PATH.into(), contents: base.into_bytes() });
    let size = IndexSize {
        raw: files.iter().map(|f| f.contents.len()).sum(),
        first_search: first_file + largest_part,
    };
    Ok((files, size))
}

/// elasticlunr's JSON, read without building a tree: the tries stay
/// slices of the text, so splitting them costs no copies.
#[derive(Deserialize)]
struct RawIndex<'a> {
    #[serde(borrow)]
    fields: &'a RawValue,
    #[serde(borrow)]
    pipeline: &'a RawValue,
    #[serde(rename = "ref", borrow)]
    reference: &'a RawValue,
    #[serde(borrow)]
    version: &'a RawValue,
    /// The fields' tries, of which only the names are kept.
    index: BTreeMap<String, serde::de::IgnoredAny>,
    #[serde(borrow)]
    lang: &'a RawValue,
}

impl RawIndex<'_> {
    /// The index with every trie emptied: what the browser loads first.
    /// `document_store` is the store's JSON, as the shards leave it out.
    fn without_tries(&self, document_store: &str) -> String {
        let fields: Vec<String> =
            self.index.keys().map(|f| format!("{}:{{\"root\":{{}}}}", quote(f))).collect();
        format!(
            "{{\"fields\":{},\"pipeline\":{},\"ref\":{},\"version\":{},\"index\":{{{}}},\"documentStore\":{},\"lang\":{}}}",
            self.fields.get(),
            self.pipeline.get(),
            self.reference.get(),
            self.version.get(),
            fields.join(","),
            document_store,
            self.lang.get()
        )
    }
}

fn quote(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

/// One index part: the first characters it covers and its JSON,
/// `{"field": {"c": subtree, ...}, ...}`.
struct Part {
    chars: Vec<String>,
    json: String,
}

/// One shard's tries: for each of `FIELDS`, the JSON of the subtree of
/// each first character.
type Tries = [BTreeMap<char, String>; 3];

/// Groups every field's first-character subtrees into parts of about
/// `PART_BYTES`, in character order. The shards' first characters do not
/// overlap.
fn split_tries(shards: &[Tries]) -> Vec<Part> {
    // first character -> (field, subtree)
    let mut by_char: BTreeMap<char, Vec<(&str, &str)>> = BTreeMap::new();
    for tries in shards {
        for (field, subtrees) in FIELDS.iter().zip(tries) {
            for (&c, subtree) in subtrees {
                by_char.entry(c).or_default().push((field, subtree));
            }
        }
    }
    let mut parts = Vec::new();
    let mut current: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut chars = Vec::new();
    let mut bytes = 0;
    for (c, subtrees) in by_char {
        let size: usize = subtrees.iter().map(|(_, s)| s.len()).sum();
        if bytes > 0 && bytes + size > PART_BYTES {
            parts.push(Part {
                chars: std::mem::take(&mut chars),
                json: part_json(&std::mem::take(&mut current)),
            });
            bytes = 0;
        }
        let key = quote(c.encode_utf8(&mut [0; 4]));
        for (field, subtree) in subtrees {
            current.entry(field).or_default().push(format!("{key}:{subtree}"));
        }
        chars.push(c.to_string());
        bytes += size;
    }
    if !chars.is_empty() {
        parts.push(Part { chars, json: part_json(&current) });
    }
    parts
}

fn part_json(fields: &BTreeMap<&str, Vec<String>>) -> String {
    let fields: Vec<String> = fields
        .iter()
        .map(|(field, entries)| format!("{}:{{{}}}", quote(field), entries.join(",")))
        .collect();
    format!("{{{}}}", fields.join(","))
}

/// A file that hands its data to the search script's loader.
fn script(path: &str, kind: &str, number: usize, json: &str) -> OutputFile {
    let text = format!("window.HINDSIGHT_SEARCH_LOADED(\"{kind}\",{number},{json});\n");
    OutputFile { path: path.into(), contents: text.into_bytes() }
}

fn new_index(code: &str) -> Index {
    IndexBuilder::with_language(language(code)).save_docs(false).add_fields(FIELDS).build()
}

/// English is stemmed; any other language keeps its words as written.
fn language(code: &str) -> Box<dyn elasticlunr::Language> {
    match code {
        "en" => Box::new(elasticlunr::lang::English::new()),
        code => Box::new(Unstemmed { code: code.to_string() }),
    }
}

/// Words as written, for knowledge bases not in English.
///
/// The browser must process a query exactly as the index was processed,
/// and elasticlunr.js only knows English stemming: an index stemmed in
/// French would make every French query miss (or fail to load). So other
/// languages keep their words unstemmed, trimmed the way elasticlunr.js
/// trims, and searches match word forms and their prefixes.
struct Unstemmed {
    code: String,
}

impl elasticlunr::lang::Language for Unstemmed {
    fn name(&self) -> String {
        format!("Unstemmed ({})", self.code)
    }

    fn code(&self) -> String {
        self.code.clone()
    }

    fn tokenize(&self, text: &str) -> Vec<String> {
        elasticlunr::lang::tokenize_whitespace(text)
    }

    fn make_pipeline(&self) -> elasticlunr::Pipeline {
        elasticlunr::Pipeline {
            queue: vec![Box::new(elasticlunr::pipeline::FnWrapper("trimmer".into(), trim_token))],
        }
    }
}

/// elasticlunr.js's trimmer: strips what is not `[A-Za-z0-9_]` from both
/// ends of a token.
fn trim_token(token: String) -> Option<String> {
    Some(token.trim_matches(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).to_string())
}

/// Everything `fields_of` reads from a postmortem.
fn field_sources(pm: &Postmortem) -> impl std::hash::Hash + '_ {
    let causes: Vec<(&str, Option<&str>)> =
        pm.root_causes.iter().map(|c| (c.cause.as_str(), c.category.as_deref())).collect();
    (&pm.title, &pm.tags, &pm.services, causes, &pm.lessons_learned, &pm.summary, &pm.body.markdown)
}

fn fields_of(pm: &Postmortem, body_words: usize) -> [String; 3] {
    let categories = pm.root_causes.iter().filter_map(|c| c.category.as_deref());
    let keywords: Vec<&str> =
        pm.tags.iter().chain(&pm.services).map(String::as_str).chain(categories).collect();
    let causes: Vec<&str> = pm.root_causes.iter().map(|c| c.cause.as_str()).collect();
    let mut text = markdown::plain(pm.summary.as_deref().unwrap_or_default());
    for part in [causes.join(" "), pm.lessons_learned.join(" ")] {
        text.push(' ');
        text.push_str(&markdown::plain(&part));
    }
    if body_words > 0 {
        text.push(' ');
        text.push_str(&markdown::words(&pm.body.markdown, body_words));
    }
    [markdown::plain(&pm.title), keywords.join(" "), text]
}

/// Shrinks elasticlunr's JSON without changing what elasticlunr.js reads
/// from it: every trie node carries `"docs":{},"df":0` even when no word
/// ends there, and term frequencies carry sixteen digits. The loader only
/// walks the trie, and treats a missing `docs` like an empty one.
///
/// One pass over the text: trie keys are single characters and document
/// refs are numbers, so neither pattern can occur inside a key.
fn compact_json(json: &str) -> String {
    const EMPTY_NODE: &str = "\"docs\":{},\"df\":0";
    const TF: &str = "\"tf\":";
    let mut out = String::with_capacity(json.len() / 2);
    let mut rest = json;
    while let Some(at) = rest.find('"') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        if let Some(after) = rest.strip_prefix(EMPTY_NODE) {
            // Drop the pair and the comma that joins it to the next key.
            rest = after.strip_prefix(',').unwrap_or(after);
        } else if let Some(after) = rest.strip_prefix(TF) {
            let end = after
                .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == 'e' || c == '-'))
                .unwrap_or(after.len());
            let value: f64 = after[..end].parse().unwrap_or(1.0);
            out.push_str(TF);
            out.push_str(&round_tf(value));
            rest = &after[end..];
        } else {
            out.push('"');
            rest = &rest[1..];
        }
    }
    out.push_str(rest);
    out
}

/// Three decimals are plenty for ranking; whole numbers lose their `.0`.
fn round_tf(value: f64) -> String {
    let rounded = (value * 1000.0).round() / 1000.0;
    if rounded.fract() == 0.0 { format!("{}", rounded as i64) } else { format!("{rounded}") }
}

/// A summary cut at a word boundary near `SUMMARY_CHARS`.
fn shorten(text: &str) -> String {
    if text.chars().count() <= SUMMARY_CHARS {
        return text.to_string();
    }
    let cut: String = text.chars().take(SUMMARY_CHARS).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{}…", cut.trim_end_matches([',', ';', ':', '.']))
}

/// The gzipped size of the largest of `parts`. Gzipping all of them costs
/// half a second at 10,000 postmortems; parts compress alike, so the
/// largest gzipped is among the few largest raw.
fn largest_gzipped(parts: &[OutputFile]) -> anyhow::Result<usize> {
    use rayon::prelude::*;
    // At 10,000 postmortems the largest parts gzip to within 1% of one
    // another's ratio (0.168-0.170): the two largest raw settle it.
    const CANDIDATES: usize = 2;
    let mut by_size: Vec<&OutputFile> = parts.iter().collect();
    by_size.sort_by_key(|f| std::cmp::Reverse(f.contents.len()));
    by_size.truncate(CANDIDATES);
    let sizes: Vec<usize> =
        by_size.par_iter().map(|f| gzipped_len(&f.contents)).collect::<anyhow::Result<_>>()?;
    Ok(sizes.into_iter().max().unwrap_or(0))
}

fn gzipped_len(bytes: &[u8]) -> anyhow::Result<usize> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes)?;
    Ok(encoder.finish()?.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    // The key hashes what the fields are read from, not the fields: an
    // edit to anything `fields_of` reads that left the key as it was
    // would keep a stale index.
    #[test]
    fn the_key_changes_with_everything_the_fields_are_read_from() {
        use crate::link::tests::postmortem;
        use crate::model::{RootCause, Status};
        let mut base = postmortem("content/a.md", "INC-1", Status::Published, "It hung.\n");
        base.tags = vec!["kafka".into()];
        base.services = vec!["billing".into()];
        base.root_causes = vec![RootCause {
            cause: "A poison message".into(),
            category: Some("software".into()),
            whys: Vec::new(),
        }];
        base.lessons_learned = vec!["Alert on lag".into()];
        base.summary = Some("The queue stalled".into());
        type Edit = fn(&mut Postmortem);
        let edits: [(&str, Edit); 8] = [
            ("title", |pm| pm.title.push_str(" again")),
            ("tags", |pm| pm.tags.push("redis".into())),
            ("services", |pm| pm.services.push("ledger".into())),
            ("cause", |pm| pm.root_causes[0].cause.push_str(" again")),
            ("category", |pm| pm.root_causes[0].category = Some("config".into())),
            ("lessons", |pm| pm.lessons_learned.push("Drain first".into())),
            ("summary", |pm| pm.summary = Some("The queue stopped".into())),
            ("body", |pm| pm.body.markdown.push_str("Then it failed over.\n")),
        ];
        let config = SearchConfig::default();
        let key_of = |pm: &Postmortem| key(&[pm], &[], &config);
        for (what, edit) in edits {
            let mut edited = base.clone();
            edit(&mut edited);
            let fields = |pm: &Postmortem| fields_of(pm, config.body_words);
            assert_ne!(fields(&edited), fields(&base), "{what} is not indexed");
            assert_ne!(key_of(&edited), key_of(&base), "the key ignores {what}");
        }
    }

    #[test]
    fn long_summaries_are_cut_at_a_word() {
        let text = "word ".repeat(60);
        let short = shorten(&text);
        assert!(short.ends_with("word…"), "{short}");
        assert!(short.chars().count() <= SUMMARY_CHARS + 1);
        assert_eq!(shorten("brief"), "brief");
    }

    #[test]
    fn compaction_keeps_what_elasticlunr_js_reads() {
        let mut index = new_index("en");
        index.add_doc("0", ["outage", "keywords", "database outage outage"]);
        index.add_doc("1", ["other", "", "database"]);
        let compacted = compact_json(&serde_json::to_string(&index).unwrap());
        assert!(!compacted.contains("\"docs\":{},\"df\":0"), "{compacted}");
        assert!(compacted.contains("\"tf\":1}"), "{compacted}");
        assert!(compacted.contains("\"tf\":1.414}"), "{compacted}");
        let value: serde_json::Value = serde_json::from_str(&compacted).expect("still JSON");
        let leaf = &value["index"]["text"]["root"]["d"]["a"]["t"]["a"]["b"]["a"]["s"]["docs"];
        assert_eq!(leaf["1"]["tf"], 1);
    }

    #[test]
    fn parts_cover_every_first_character_once_and_rebuild_the_tries() {
        let mut index = new_index("en");
        // Enough distinct words for several parts of PART_BYTES.
        for doc in 0..400 {
            let words: Vec<String> = (0..60)
                .map(|w| {
                    let n = doc * 7919 + w * 104_729;
                    let first = (b'a' + (n % 26) as u8) as char;
                    format!("{first}{}x{}", n % 997, n % 89)
                })
                .collect();
            index.add_doc(&doc.to_string(), ["title", "", &words.join(" ")]);
        }
        let json = index.to_json();
        let original: serde_json::Value = serde_json::from_str(&json).unwrap();
        let tries: Tries = std::array::from_fn(|field| {
            original["index"][FIELDS[field]]["root"]
                .as_object()
                .unwrap()
                .iter()
                .filter(|(c, _)| *c != "docs" && *c != "df")
                .map(|(c, subtree)| (c.chars().next().unwrap(), subtree.to_string()))
                .collect()
        });
        let parts = split_tries(std::slice::from_ref(&tries));
        assert!(parts.len() > 1, "{} parts", parts.len());
        let mut rebuilt = serde_json::Map::new();
        let mut seen = std::collections::HashSet::new();
        for part in &parts {
            for c in &part.chars {
                assert!(seen.insert(c.clone()), "{c} is in two parts");
            }
            let value: serde_json::Value = serde_json::from_str(&part.json).unwrap();
            for (field, tries) in value.as_object().unwrap() {
                let entry = rebuilt.entry(field.clone()).or_insert_with(|| serde_json::json!({}));
                for (c, subtree) in tries.as_object().unwrap() {
                    entry[c] = subtree.clone();
                }
            }
        }
        for field in ["title", "text"] {
            let mut root = original["index"][field]["root"].as_object().unwrap().clone();
            root.remove("docs");
            root.remove("df");
            assert_eq!(serde_json::Value::Object(root), rebuilt[field], "{field}");
        }
    }

    #[test]
    fn unknown_languages_are_refused_before_building() {
        let config = SearchConfig { language: "french".into(), ..SearchConfig::default() };
        assert!(config.check().is_err());
        assert!(SearchConfig { language: "fr".into(), ..SearchConfig::default() }.check().is_ok());
        // Only pipeline functions that elasticlunr.js has may be named.
        let json = new_index("fr").to_json();
        assert!(json.contains("\"pipeline\":[\"trimmer\"]"), "{}", &json[..200]);
    }
}
