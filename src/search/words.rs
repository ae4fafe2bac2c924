//! Each document's words after the language's pipeline, kept between
//! builds beside the site (`public.hindsight-words`).
//!
//! After an edit the index is made again from every document, yet almost
//! every document's text is as it was: running its words through the
//! tokenizer, stop words and stemmer again is a third of the index's work.
//! The cache maps a hash of a document's field texts and the language to
//! what the pipeline made of them, so only edited documents are analysed.
//! It is content-addressed: a stale or foreign file costs a full analysis,
//! never a wrong index.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io::{BufRead, Write};
use std::path::PathBuf;

use super::Fields;
use super::shard::Analysed;

/// The file's first line: the format, the version that wrote it and the
/// language, since the pipeline depends on all three.
fn header(language: &str) -> String {
    format!("hindsight search words 1 {} {language}", crate::build_id())
}

/// Analysed documents by the hash of their fields.
#[derive(Default)]
pub struct WordsCache {
    path: Option<PathBuf>,
    known: HashMap<u64, Analysed>,
}

impl WordsCache {
    /// The cache at `path`; missing, foreign or damaged, it is empty.
    pub fn load(path: PathBuf, language: &str) -> WordsCache {
        let known = std::fs::File::open(&path)
            .ok()
            .and_then(|file| parse(std::io::BufReader::new(file), language))
            .unwrap_or_default();
        WordsCache { path: Some(path), known }
    }

    /// What an earlier build's pipeline made of fields with this key.
    pub(super) fn get(&self, key: u64) -> Option<Analysed> {
        self.known.get(&key).cloned()
    }

    /// Writes this build's documents, and only them, for the next build.
    pub(super) fn save(
        &self,
        language: &str,
        documents: &[(u64, &Analysed)],
    ) -> std::io::Result<()> {
        let Some(path) = &self.path else { return Ok(()) };
        crate::write::save_whole(path, |out| {
            writeln!(out, "{}", header(language))?;
            for (key, doc) in documents {
                // The format separates with tabs and line breaks.
                // Whitespace tokenizers never leave them in a word, but a
                // language's may: such a document is not kept, and is
                // analysed every time.
                if doc.words.iter().any(|w| w.contains(['\t', '\n', '\r'])) {
                    continue;
                }
                let [a, b, c] = &doc.words;
                let [x, y, z] = doc.lengths;
                writeln!(out, "{key:016x}\t{x} {y} {z}\t{a}\t{b}\t{c}")?;
            }
            Ok(())
        })
    }
}

/// The key of a document's fields.
pub fn key(fields: &Fields) -> u64 {
    let mut hasher = crate::StableHasher::new();
    fields.hash(&mut hasher);
    hasher.finish()
}

fn parse(reader: impl BufRead, language: &str) -> Option<HashMap<u64, Analysed>> {
    let mut lines = reader.lines();
    if lines.next()?.ok()? != header(language) {
        return None;
    }
    let mut known = HashMap::new();
    for line in lines {
        let line = line.ok()?;
        let mut columns = line.split('\t');
        let key = u64::from_str_radix(columns.next()?, 16).ok()?;
        let mut lengths = [0; 3];
        let mut counts = columns.next()?.split(' ');
        for length in &mut lengths {
            *length = counts.next()?.parse().ok()?;
        }
        if counts.next().is_some() {
            return None;
        }
        let words = [columns.next()?, columns.next()?, columns.next()?].map(String::from);
        if columns.next().is_some() {
            return None;
        }
        known.insert(key, Analysed { words, lengths });
    }
    Some(known)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_words_come_back_for_the_same_fields_and_language_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("public.hindsight-words");
        let fields: Fields = ["Queue stalled".into(), "kafka".into(), "The consumer hung".into()];
        let analysed = Analysed {
            words: ["queue stall".into(), "kafka".into(), "consum hung".into()],
            lengths: [2, 1, 2],
        };
        let cache = WordsCache::load(path.clone(), "en");
        assert!(cache.get(key(&fields)).is_none(), "a missing file is an empty cache");
        cache.save("en", &[(key(&fields), &analysed)]).unwrap();

        let cache = WordsCache::load(path.clone(), "en");
        let back = cache.get(key(&fields)).expect("the document is known");
        assert_eq!((back.words, back.lengths), (analysed.words.clone(), analysed.lengths));
        let mut edited = fields.clone();
        edited[2].push_str(" again");
        assert!(cache.get(key(&edited)).is_none());
        assert!(WordsCache::load(path, "fr").get(key(&fields)).is_none(), "another language");
    }
}
