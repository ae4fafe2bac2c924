//! elasticlunr's inverted index, written straight to JSON.
//!
//! elasticlunr keeps each field's words in a trie of characters whose
//! nodes hold the documents a word occurs in. elasticlunr-rs builds that
//! trie as nested maps, one allocation per character of every word, and
//! then serialises it; at 10,000 postmortems that took a second on both
//! cores. Here the words of one field are counted, sorted, and the trie's
//! JSON is written in one pass over the sorted words: the bytes are those
//! elasticlunr-rs writes (after `compact_json`), as a test checks.

use std::collections::{BTreeMap, HashMap};

/// One word's documents, in the order elasticlunr writes them (its
/// document refs sorted as strings), with the times each holds the word.
type Postings = Vec<(usize, u32)>;

/// The subtrees of one field's trie by first character, as compacted JSON.
///
/// `docs` holds each document's words for the field, separated by spaces;
/// `order` lists the document positions sorted by their refs as strings
/// (`"10"` before `"2"`), as elasticlunr stores them.
pub(super) fn field_subtrees<'a>(
    docs: impl Fn(usize) -> &'a str,
    order: &[usize],
) -> BTreeMap<char, String> {
    let mut postings: HashMap<&str, Postings> = HashMap::new();
    let mut counts: HashMap<&str, u32> = HashMap::new();
    for &position in order {
        for word in docs(position).split(' ').filter(|w| !w.is_empty()) {
            *counts.entry(word).or_default() += 1;
        }
        for (word, count) in counts.drain() {
            postings.entry(word).or_default().push((position, count));
        }
    }
    let mut words: Vec<(&str, Postings)> = postings.into_iter().collect();
    // Byte order of UTF-8 is character order: the order of elasticlunr's
    // character-keyed maps.
    words.sort_unstable_by(|a, b| a.0.cmp(b.0));

    let mut subtrees = BTreeMap::new();
    let mut rest = words.as_slice();
    while let Some((first, _)) = rest.first() {
        let Some(c) = first.chars().next() else { break };
        let end = rest.iter().position(|(w, _)| !w.starts_with(c)).unwrap_or(rest.len());
        subtrees.insert(c, subtree(&rest[..end], c.len_utf8()));
        rest = &rest[end..];
    }
    subtrees
}

/// The JSON of the node for the first `root` bytes shared by every word
/// of `words` (sorted), and of everything below it.
///
/// Written without recursion: a word as long as a pasted certificate would
/// otherwise nest a call per character. The open nodes are the prefixes of
/// the previous word; each new word closes those it does not share and
/// opens one node per character of its own.
fn subtree(words: &[(&str, Postings)], root: usize) -> String {
    let mut out = String::from("{");
    // For each open node: where its prefix ends, and whether something
    // has been written inside it (so the next entry needs a comma).
    let mut open: Vec<(usize, bool)> = vec![(root, false)];
    let mut previous = "";
    for (word, postings) in words {
        let shared = shared_prefix(previous, word).max(root);
        while open.last().is_some_and(|&(end, _)| end > shared) {
            open.pop();
            out.push('}');
        }
        let mut at = open.last().map_or(root, |&(end, _)| end);
        for c in word[at..].chars() {
            separate(&mut out, &mut open);
            push_key(&mut out, c);
            out.push_str(":{");
            at += c.len_utf8();
            open.push((at, false));
        }
        separate(&mut out, &mut open);
        push_docs(&mut out, postings);
        previous = word;
    }
    for _ in open {
        out.push('}');
    }
    out
}

/// Writes the comma before the next entry of the innermost open node.
fn separate(out: &mut String, open: &mut [(usize, bool)]) {
    if let Some((_, has_entries)) = open.last_mut() {
        if *has_entries {
            out.push(',');
        }
        *has_entries = true;
    }
}

/// How many leading bytes two words share, cut back to a character
/// boundary.
fn shared_prefix(a: &str, b: &str) -> usize {
    let mut n = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    while !b.is_char_boundary(n) {
        n -= 1;
    }
    n
}

fn push_key(out: &mut String, c: char) {
    if c.is_ascii_alphanumeric() {
        out.push('"');
        out.push(c);
        out.push('"');
    } else {
        out.push_str(&super::quote(c.encode_utf8(&mut [0; 4])));
    }
}

/// `"docs":{"3":{"tf":1},…},"df":2`: term frequency is the square root
/// of the count, as elasticlunr computes it, to three decimals.
fn push_docs(out: &mut String, postings: &Postings) {
    use std::fmt::Write;
    out.push_str("\"docs\":{");
    for (n, &(position, count)) in postings.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        let tf = match count {
            1 => "1".to_string(),
            _ => super::round_tf(f64::from(count).sqrt()),
        };
        let _ = write!(out, "\"{position}\":{{\"tf\":{tf}}}");
    }
    let _ = write!(out, "}},\"df\":{}", postings.len());
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The root of one field's trie, as elasticlunr-rs writes it and
    /// `compact_json` shrinks it, byte for byte.
    fn elasticlunr_root(docs: &[&str]) -> String {
        #[derive(serde::Deserialize)]
        struct Written<'a> {
            #[serde(borrow)]
            index: BTreeMap<String, Field<'a>>,
        }
        #[derive(serde::Deserialize)]
        struct Field<'a> {
            #[serde(borrow)]
            root: &'a serde_json::value::RawValue,
        }
        // The words go in as they are: a tokenizer that only splits, and
        // no pipeline.
        let mut index = elasticlunr::IndexBuilder::with_language(Box::new(Pretokenized))
            .save_docs(false)
            .add_fields(["text"])
            .build();
        for (position, text) in docs.iter().enumerate() {
            index.add_doc(&position.to_string(), [text]);
        }
        let json = crate::search::compact_json(&index.to_json());
        let written: Written<'_> = serde_json::from_str(&json).unwrap();
        written.index["text"].root.get().to_string()
    }

    /// Words that have been through a pipeline already: split on the
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

    fn written_subtrees(docs: &[&str]) -> String {
        let mut order: Vec<usize> = (0..docs.len()).collect();
        order.sort_by_cached_key(|p| p.to_string());
        let subtrees = field_subtrees(|p| docs[p], &order);
        let entries: Vec<String> = subtrees
            .iter()
            .map(|(c, json)| format!("{}:{json}", crate::search::quote(&c.to_string())))
            .collect();
        format!("{{{}}}", entries.join(","))
    }

    #[test]
    fn written_tries_are_what_elasticlunr_writes() {
        // Words that are prefixes of others, repeats (tf above 1), more
        // than ten documents (refs sort as strings), several scripts and
        // characters JSON must escape.
        let mut docs = vec![
            "fail failover failover failed fa",
            "données donnée dönner \"quoted\" back\\slash",
            "a ab abc abd b",
            "",
            "zeta  zeta zeta C++ c# 😀emoji",
        ];
        docs.extend(["failover kafka"; 9]);
        docs.push("abc abc abc abc");
        assert_eq!(written_subtrees(&docs), elasticlunr_root(&docs));
    }

    #[test]
    fn a_long_word_does_not_nest_calls() {
        let word = "x".repeat(200_000);
        let written = written_subtrees(&[&word]);
        assert_eq!(written.matches("\"x\":{").count(), 200_000);
        assert!(written.contains("{\"docs\":{\"0\":{\"tf\":1}},\"df\":1}"), "{}", &written[..80]);
        assert_eq!(written.matches('{').count(), written.matches('}').count());
    }
}
