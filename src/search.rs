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
use serde::{Deserialize, Serialize};

use crate::markdown;
use crate::model::Postmortem;
use crate::render::{Entry, OutputFile};

/// Where the index is written, relative to the site root.
pub const INDEX_PATH: &str = "search/index.js";

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
    /// Warn when the index is larger than this many kilobytes.
    pub warn_kb: usize,
}

impl Default for SearchConfig {
    fn default() -> SearchConfig {
        SearchConfig { enabled: true, language: "en".into(), body_words: 120, warn_kb: 2048 }
    }
}

impl SearchConfig {
    /// Checks the language before any work is done.
    pub fn check(&self) -> anyhow::Result<()> {
        if self.language != "en" && elasticlunr::lang::from_code(&self.language).is_none() {
            anyhow::bail!(
                "[search] language = \"{}\" has no stemmer here; use en, da, de, du, es, fi, fr, \
                 it, no, pt, ru or sv",
                self.language
            );
        }
        Ok(())
    }
}

/// What the index cost, for the build summary.
#[derive(Debug, Default, Clone, Copy)]
pub struct IndexSize {
    /// Bytes of `search/index.js`.
    pub raw: usize,
    /// Bytes after gzip, what a server with compression sends.
    pub gzipped: usize,
}

/// A search result as the browser shows it: `[title, url, date, severity,
/// summary]`. An array, not an object, so keys are not repeated 10,000
/// times.
#[derive(Serialize)]
struct ResultDoc<'a>(&'a str, &'a str, &'a str, &'a str, String);

/// Builds the index file over `postmortems` (with their list views).
pub fn build(
    postmortems: &[&Postmortem],
    entries: &[Entry],
    config: &SearchConfig,
) -> anyhow::Result<(OutputFile, IndexSize)> {
    let mut index = new_index(&config.language);
    let texts: Vec<[String; 3]> = {
        use rayon::prelude::*;
        postmortems.par_iter().map(|pm| fields_of(pm, config.body_words)).collect()
    };
    for (position, fields) in texts.iter().enumerate() {
        index.add_doc(&position.to_string(), fields.iter().map(String::as_str));
    }
    let docs: Vec<ResultDoc<'_>> = entries
        .iter()
        .map(|e| ResultDoc(&e.title, &e.url, &e.date, &e.severity, shorten(&e.summary_text)))
        .collect();
    let mut js = String::from("window.HINDSIGHT_SEARCH={\"index\":");
    js.push_str(&compact(&index.to_json())?);
    js.push_str(",\"docs\":");
    js.push_str(&serde_json::to_string(&docs).context("cannot write the search results table")?);
    js.push_str("};\n");
    let size = IndexSize { raw: js.len(), gzipped: gzipped_len(js.as_bytes())? };
    Ok((OutputFile { path: INDEX_PATH.into(), contents: js.into_bytes() }, size))
}

fn new_index(language: &str) -> Index {
    let builder = match elasticlunr::lang::from_code(language) {
        Some(lang) if language != "en" => IndexBuilder::with_language(lang),
        _ => IndexBuilder::new(),
    };
    builder.save_docs(false).add_fields(FIELDS).build()
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
fn compact(json: &str) -> anyhow::Result<String> {
    let mut value: serde_json::Value =
        serde_json::from_str(json).context("elasticlunr wrote an index that is not JSON")?;
    if let Some(fields) = value.get_mut("index").and_then(|i| i.as_object_mut()) {
        for field in fields.values_mut() {
            if let Some(root) = field.get_mut("root") {
                compact_node(root);
            }
        }
    }
    Ok(serde_json::to_string(&value)?)
}

fn compact_node(node: &mut serde_json::Value) {
    let Some(map) = node.as_object_mut() else { return };
    let is_empty = map.get("docs").and_then(|d| d.as_object()).is_some_and(|d| d.is_empty());
    if is_empty {
        map.remove("docs");
        map.remove("df");
    }
    if let Some(docs) = map.get_mut("docs").and_then(|d| d.as_object_mut()) {
        for info in docs.values_mut() {
            if let Some(tf) = info.get_mut("tf") {
                let rounded = (tf.as_f64().unwrap_or(1.0) * 1000.0).round() / 1000.0;
                *tf = if rounded.fract() == 0.0 {
                    serde_json::Value::from(rounded as i64)
                } else {
                    serde_json::Value::from(rounded)
                };
            }
        }
    }
    for (key, child) in map.iter_mut() {
        if key != "docs" && key != "df" {
            compact_node(child);
        }
    }
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
    fn unknown_languages_are_refused_before_building() {
        let config = SearchConfig { language: "xx".into(), ..SearchConfig::default() };
        assert!(config.check().is_err());
        assert!(SearchConfig { language: "fr".into(), ..SearchConfig::default() }.check().is_ok());
    }
}
