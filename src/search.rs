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

use crate::markdown;
use crate::model::Postmortem;
use crate::render::{Entry, OutputFile};

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
    /// index part.
    pub first_search: usize,
}

/// A search result as the browser shows it: `[title, url, date, severity,
/// summary]`. An array, not an object, so keys are not repeated 10,000
/// times.
#[derive(Serialize)]
struct ResultDoc<'a>(&'a str, &'a str, &'a str, &'a str, String);

/// Builds the index files over `postmortems` (with their list views).
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
pub fn build(
    postmortems: &[&Postmortem],
    entries: &[Entry],
    config: &SearchConfig,
) -> anyhow::Result<(Vec<OutputFile>, IndexSize)> {
    use rayon::prelude::*;
    let analysed: Vec<Analysed> = crate::site::timed("    analyse text", || {
        postmortems
            .par_iter()
            .map_init(
                || Analyser::new(&config.language),
                |analyser, pm| analyser.analyse(fields_of(pm, config.body_words)),
            )
            .collect()
    });
    let store = document_store(&analysed)?;
    let shards: Vec<String> = crate::site::timed("    index documents", || {
        let plan = plan_shards(&analysed, SHARDS);
        deal(analysed, &plan).par_iter().map(|docs| index_shard(docs)).collect()
    });
    let mut tries = Vec::with_capacity(shards.len());
    for json in &shards {
        let shard: RawIndex<'_> =
            serde_json::from_str(json).context("elasticlunr wrote an index that is not JSON")?;
        tries.push(shard.index);
    }
    let parts = split_tries(&tries);
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
    drop(tries);
    drop(shards);
    let largest_part = part_files.iter().max_by_key(|f| f.contents.len());
    let largest_part = largest_part.map(|f| gzipped_len(&f.contents)).transpose()?.unwrap_or(0);
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

/// Shards the tries are built in: enough to keep both cores busy to the
/// end, and each shard's tree small.
const SHARDS: usize = 8;

/// One document's fields after the language's pipeline: the words,
/// joined by spaces, and how many there are (what elasticlunr.js divides
/// by when it scores a field).
struct Analysed {
    words: [String; 3],
    lengths: [usize; 3],
}

/// The language's tokenizer and pipeline (stop words, stemming), one per
/// thread: elasticlunr's pipeline functions are not shareable.
struct Analyser {
    language: Box<dyn elasticlunr::Language>,
    pipeline: elasticlunr::Pipeline,
}

impl Analyser {
    fn new(code: &str) -> Analyser {
        let language = language(code);
        let pipeline = language.make_pipeline();
        Analyser { language, pipeline }
    }

    fn analyse(&self, fields: [String; 3]) -> Analysed {
        let mut lengths = [0; 3];
        let words = std::array::from_fn(|i| {
            let words = self.pipeline.run(self.language.tokenize(&fields[i]));
            lengths[i] = words.len();
            words.join(" ")
        });
        Analysed { words, lengths }
    }
}

/// elasticlunr's document store for the analysed documents: each one's
/// field lengths, and no copies of the text.
fn document_store(analysed: &[Analysed]) -> anyhow::Result<String> {
    let mut store = elasticlunr::document_store::DocumentStore::new(false);
    for (position, doc) in analysed.iter().enumerate() {
        let reference = position.to_string();
        store.add_doc(&reference, BTreeMap::new());
        for (field, length) in FIELDS.iter().zip(doc.lengths) {
            store.add_field_length(&reference, field, length);
        }
    }
    Ok(serde_json::to_string(&store)?)
}

/// A range of first characters whose words are indexed together: from
/// the character after the previous shard's last, to `last`.
struct Shard {
    last: char,
}

/// Cuts the first characters, in order, into about `count` ranges of
/// similar numbers of words.
fn plan_shards(analysed: &[Analysed], count: usize) -> Vec<Shard> {
    let mut words_by_char: BTreeMap<char, usize> = BTreeMap::new();
    for doc in analysed {
        for word in doc.words.iter().flat_map(|w| w.split(' ')) {
            if let Some(c) = word.chars().next() {
                *words_by_char.entry(c).or_default() += 1;
            }
        }
    }
    let total: usize = words_by_char.values().sum();
    let target = total.div_ceil(count.max(1)).max(1);
    let mut shards = Vec::with_capacity(count);
    let mut current: Option<(char, usize)> = None;
    for (c, words) in words_by_char {
        let sum = current.map_or(0, |(_, sum)| sum) + words;
        current = Some((c, sum));
        if sum >= target {
            shards.push(Shard { last: c });
            current = None;
        }
    }
    if let Some((last, _)) = current {
        shards.push(Shard { last });
    }
    shards
}

/// Deals each document's words out to the shards: `[shard][document]`.
fn deal(analysed: Vec<Analysed>, plan: &[Shard]) -> Vec<Vec<[String; 3]>> {
    use rayon::prelude::*;
    let by_document: Vec<Vec<[String; 3]>> = analysed
        .into_par_iter()
        .map(|doc| {
            let mut dealt: Vec<[String; 3]> = vec![Default::default(); plan.len()];
            for (field, words) in doc.words.iter().enumerate() {
                for word in words.split(' ') {
                    let Some(c) = word.chars().next() else { continue };
                    let shard = plan.partition_point(|s| s.last < c).min(plan.len() - 1);
                    let text = &mut dealt[shard][field];
                    if !text.is_empty() {
                        text.push(' ');
                    }
                    text.push_str(word);
                }
            }
            dealt
        })
        .collect();
    let mut by_shard: Vec<Vec<[String; 3]>> =
        plan.iter().map(|_| Vec::with_capacity(by_document.len())).collect();
    for dealt in by_document {
        for (shard, fields) in by_shard.iter_mut().zip(dealt) {
            shard.push(fields);
        }
    }
    by_shard
}

/// elasticlunr's JSON for one shard's words of every document, compacted.
fn index_shard(docs: &[[String; 3]]) -> String {
    let mut index = IndexBuilder::with_language(Box::new(Pretokenized))
        .save_docs(false)
        .add_fields(FIELDS)
        .build();
    for (position, fields) in docs.iter().enumerate() {
        if fields.iter().any(|f| !f.is_empty()) {
            index.add_doc(&position.to_string(), fields);
        }
    }
    let json = index.to_json();
    drop(index);
    compact_json(&json)
}

/// Words that have been through the pipeline already: split on the
/// spaces that joined them, and kept as they are.
struct Pretokenized;

impl elasticlunr::Language for Pretokenized {
    fn name(&self) -> String {
        "Pretokenized".into()
    }

    fn code(&self) -> String {
        "xx".into()
    }

    fn tokenize(&self, text: &str) -> Vec<String> {
        text.split(' ').filter(|w| !w.is_empty()).map(str::to_string).collect()
    }

    fn make_pipeline(&self) -> elasticlunr::Pipeline {
        elasticlunr::Pipeline { queue: Vec::new() }
    }
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
    #[serde(borrow)]
    index: BTreeMap<String, RawField<'a>>,
    #[serde(borrow)]
    lang: &'a RawValue,
}

/// One field's trie: the root's children by first character.
#[derive(Deserialize)]
struct RawField<'a> {
    #[serde(borrow)]
    root: BTreeMap<String, &'a RawValue>,
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

/// Groups every field's first-character subtrees into parts of about
/// `PART_BYTES`, in character order.
/// `shards` are tries by field whose first characters do not overlap.
fn split_tries<'a>(shards: &'a [BTreeMap<String, RawField<'a>>]) -> Vec<Part> {
    // first character -> (field, subtree)
    let mut by_char: BTreeMap<&str, Vec<(&str, &RawValue)>> = BTreeMap::new();
    for (field, trie) in shards.iter().flatten() {
        for (key, subtree) in &trie.root {
            if key != "docs" && key != "df" {
                by_char.entry(key).or_default().push((field, subtree));
            }
        }
    }
    let mut parts = Vec::new();
    let mut current: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut chars = Vec::new();
    let mut bytes = 0;
    for (ch, subtrees) in by_char {
        let size: usize = subtrees.iter().map(|(_, s)| s.get().len()).sum();
        if bytes > 0 && bytes + size > PART_BYTES {
            parts.push(Part {
                chars: std::mem::take(&mut chars),
                json: part_json(&std::mem::take(&mut current)),
            });
            bytes = 0;
        }
        for (field, subtree) in subtrees {
            current.entry(field).or_default().push(format!("{}:{}", quote(ch), subtree.get()));
        }
        chars.push(ch.to_string());
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

fn gzipped_len(bytes: &[u8]) -> anyhow::Result<usize> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes)?;
    Ok(encoder.finish()?.len())
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let raw: RawIndex<'_> = serde_json::from_str(&json).unwrap();
        let parts = split_tries(std::slice::from_ref(&raw.index));
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
        let original: serde_json::Value = serde_json::from_str(&json).unwrap();
        for field in ["title", "text"] {
            let mut root = original["index"][field]["root"].as_object().unwrap().clone();
            root.remove("docs");
            root.remove("df");
            assert_eq!(serde_json::Value::Object(root), rebuilt[field], "{field}");
        }
    }

    /// Documents with words in several scripts, repeated words and stop
    /// words, spread over many first characters.
    fn sample_documents() -> Vec<[String; 3]> {
        (0..120)
            .map(|doc| {
                let words: Vec<String> = (0..40)
                    .map(|w| {
                        let n = doc * 31 + w * 17;
                        match n % 7 {
                            0 => "the".to_string(),
                            1 => format!("données{}", n % 5),
                            2 => format!("Restarting {}", n % 11),
                            _ => format!("{}{}", (b'a' + (n % 26) as u8) as char, n % 13),
                        }
                    })
                    .collect();
                [format!("Outage {doc}"), format!("C++ tag{}", doc % 3), words.join(" ")]
            })
            .collect()
    }

    #[test]
    fn sharded_tries_and_store_match_one_elasticlunr_index() {
        for language in ["en", "fr"] {
            let documents = sample_documents();
            let mut whole = new_index(language);
            for (position, fields) in documents.iter().enumerate() {
                whole.add_doc(&position.to_string(), fields);
            }
            let whole: serde_json::Value =
                serde_json::from_str(&compact_json(&whole.to_json())).unwrap();

            let analyser = Analyser::new(language);
            let analysed: Vec<Analysed> =
                documents.into_iter().map(|fields| analyser.analyse(fields)).collect();
            let store: serde_json::Value =
                serde_json::from_str(&document_store(&analysed).unwrap()).unwrap();
            assert_eq!(store, whole["documentStore"], "{language}");
            let plan = plan_shards(&analysed, 4);
            assert!(plan.len() >= 3, "{} shards", plan.len());
            let mut rebuilt = serde_json::json!({});
            for docs in deal(analysed, &plan) {
                let json: serde_json::Value = serde_json::from_str(&index_shard(&docs)).unwrap();
                for field in FIELDS {
                    for (c, subtree) in json["index"][field]["root"].as_object().unwrap() {
                        if c != "docs" && c != "df" {
                            assert!(rebuilt[field].get(c).is_none(), "{c} is in two shards");
                            rebuilt[field][c] = subtree.clone();
                        }
                    }
                }
            }
            for field in FIELDS {
                let mut root = whole["index"][field]["root"].as_object().unwrap().clone();
                root.remove("docs");
                root.remove("df");
                assert_eq!(serde_json::Value::Object(root), rebuilt[field], "{language} {field}");
            }
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
