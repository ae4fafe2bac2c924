//! The index built in parallel: every document's words go through the
//! language's pipeline on all cores, then the tries are built as shards,
//! one per range of first characters, each written by `trie`. A word lives
//! in exactly one shard, so its frequencies are what one index over
//! everything would hold, and the shards join into parts without a merge.

use std::collections::{BTreeMap, HashMap};

use super::{FIELDS, language, trie};

/// Shards the tries are built in: enough to keep both cores busy to the
/// end, and each shard's tree small.
pub(super) const SHARDS: usize = 8;

/// One document's fields after the language's pipeline: the words,
/// joined by spaces, and how many there are (what elasticlunr.js divides
/// by when it scores a field).
#[derive(Clone, Debug)]
pub(super) struct Analysed {
    pub(super) words: [String; 3],
    pub(super) lengths: [usize; 3],
}

/// The language's tokenizer and pipeline (stop words, stemming), one per
/// rayon job: elasticlunr's pipeline functions are not shareable.
pub(super) struct Analyser {
    language: Box<dyn elasticlunr::Language>,
    pipeline: elasticlunr::Pipeline,
    /// What the pipeline made of each token this analyser has seen: a
    /// word, or none for a stop word. Its functions read one token and
    /// nothing else, and postmortems repeat their words: stemming each
    /// word once a job, not each time it is written, saves most of the
    /// pipeline's work. It lives as long as the job's analyser, holding
    /// at most the distinct words of that job's documents.
    seen: HashMap<String, Option<String>>,
}

impl Analyser {
    pub(super) fn new(code: &str) -> Analyser {
        let language = language(code);
        let pipeline = language.make_pipeline();
        Analyser { language, pipeline, seen: HashMap::new() }
    }

    pub(super) fn analyse(&mut self, fields: [String; 3]) -> Analysed {
        let Analyser { language, pipeline, seen } = self;
        let mut lengths = [0; 3];
        let words = std::array::from_fn(|i| {
            let mut words = String::with_capacity(fields[i].len());
            for token in language.tokenize(&fields[i]) {
                let word = seen
                    .entry(token)
                    .or_insert_with_key(|token| pipeline.run(vec![token.clone()]).pop());
                if let Some(word) = word {
                    if lengths[i] > 0 {
                        words.push(' ');
                    }
                    words.push_str(word);
                    lengths[i] += 1;
                }
            }
            words
        });
        Analysed { words, lengths }
    }
}

/// elasticlunr's document store for the analysed documents: each one's
/// field lengths, and no copies of the text.
pub(super) fn document_store(analysed: &[Analysed]) -> anyhow::Result<String> {
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

/// Cuts the first characters, in order, into about `count` ranges of
/// similar numbers of words. A shard is given by the last first character
/// it holds: it starts after the previous shard's.
pub(super) fn plan_shards(analysed: &[Analysed], count: usize) -> Vec<char> {
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
    let mut lasts = Vec::with_capacity(count);
    let mut sum = 0;
    for (&c, &words) in &words_by_char {
        sum += words;
        if sum >= target {
            lasts.push(c);
            sum = 0;
        }
    }
    if sum > 0 {
        lasts.extend(words_by_char.keys().next_back());
    }
    lasts
}

/// Deals each document's words out to the shards: `[shard][document]`.
pub(super) fn deal(analysed: Vec<Analysed>, plan: &[char]) -> Vec<Vec<[String; 3]>> {
    use rayon::prelude::*;
    let by_document: Vec<Vec<[String; 3]>> = analysed
        .into_par_iter()
        .map(|doc| {
            let mut dealt: Vec<[String; 3]> = vec![Default::default(); plan.len()];
            for (field, words) in doc.words.iter().enumerate() {
                for word in words.split(' ') {
                    let Some(c) = word.chars().next() else { continue };
                    // The plan was cut from these same words, so every first
                    // character is at most the last shard's last.
                    let shard = plan.partition_point(|&last| last < c);
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

/// One shard's part of every field's trie: `[field]`, then the JSON of
/// each first character's subtree. `order` is the documents' positions in
/// the order of their refs as strings, as elasticlunr writes them.
pub(super) fn index_shard(docs: &[[String; 3]], order: &[usize]) -> [BTreeMap<char, String>; 3] {
    std::array::from_fn(|field| trie::field_subtrees(|p| docs[p][field].as_str(), order))
}

/// Document positions `0..count` in the order elasticlunr keeps refs:
/// sorted as strings, so `"10"` comes before `"2"`.
pub(super) fn ref_order(count: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..count).collect();
    order.sort_by_cached_key(|p| p.to_string());
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::new_index;

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
                serde_json::from_str(&crate::search::compact_json(&whole.to_json())).unwrap();

            let mut analyser = Analyser::new(language);
            let analysed: Vec<Analysed> =
                documents.into_iter().map(|fields| analyser.analyse(fields)).collect();
            let store: serde_json::Value =
                serde_json::from_str(&document_store(&analysed).unwrap()).unwrap();
            assert_eq!(store, whole["documentStore"], "{language}");
            let plan = plan_shards(&analysed, 4);
            assert!(plan.len() >= 3, "{} shards", plan.len());
            let order = ref_order(analysed.len());
            let mut rebuilt = serde_json::json!({});
            for docs in deal(analysed, &plan) {
                for (field, subtrees) in FIELDS.iter().zip(index_shard(&docs, &order)) {
                    for (c, subtree) in subtrees {
                        let c = c.to_string();
                        assert!(rebuilt[field].get(&c).is_none(), "{c} is in two shards");
                        rebuilt[field][c] = serde_json::from_str(&subtree).unwrap();
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
}
