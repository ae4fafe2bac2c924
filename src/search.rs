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
    crate::site::timed("    index documents", || {
        for (position, fields) in texts.iter().enumerate() {
            index.add_doc(&position.to_string(), fields.iter().map(String::as_str));
        }
    });
    let docs: Vec<ResultDoc<'_>> = entries
        .iter()
        .map(|e| ResultDoc(&e.title, &e.url, &e.date, &e.severity, shorten(&e.summary_text)))
        .collect();
    let mut js = String::from("window.HINDSIGHT_SEARCH={\"index\":");
    js.push_str(&crate::site::timed("    compact", || compact(&index))?);
    js.push_str(",\"docs\":");
    js.push_str(&serde_json::to_string(&docs).context("cannot write the search results table")?);
    js.push_str("};\n");
    let gzipped = crate::site::timed("    gzip", || gzipped_len(js.as_bytes()))?;
    let size = IndexSize { raw: js.len(), gzipped };
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
///
/// One pass over the text: trie keys are single characters and document
/// refs are numbers, so neither pattern can occur inside a key.
fn compact(index: &Index) -> anyhow::Result<String> {
    const EMPTY_NODE: &str = "\"docs\":{},\"df\":0";
    const TF: &str = "\"tf\":";
    let json = serde_json::to_string(index).context("elasticlunr's index is not JSON")?;
    let mut out = String::with_capacity(json.len() / 2);
    let mut rest = json.as_str();
    while let Some(at) = rest.find(['"']) {
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
    Ok(out)
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
        let compacted = compact(&index).unwrap();
        assert!(!compacted.contains("\"docs\":{},\"df\":0"), "{compacted}");
        assert!(compacted.contains("\"tf\":1}"), "{compacted}");
        assert!(compacted.contains("\"tf\":1.414}"), "{compacted}");
        let value: serde_json::Value = serde_json::from_str(&compacted).expect("still JSON");
        let leaf = &value["index"]["text"]["root"]["d"]["a"]["t"]["a"]["b"]["a"]["s"]["docs"];
        assert_eq!(leaf["1"]["tf"], 1);
    }

    #[test]
    fn unknown_languages_are_refused_before_building() {
        let config = SearchConfig { language: "xx".into(), ..SearchConfig::default() };
        assert!(config.check().is_err());
        assert!(SearchConfig { language: "fr".into(), ..SearchConfig::default() }.check().is_ok());
    }
}
