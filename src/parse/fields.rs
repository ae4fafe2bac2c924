//! Typed reading of front-matter fields, with a diagnostic for every value
//! that does not fit.
//!
//! Each accessor removes the key it reads, so whatever is left at the end is
//! unknown to Hindsight and gets a "did you mean" warning.

use std::path::Path;

use jiff::Timestamp;
use jiff::civil::Date;
use serde_json::{Map, Value};

use crate::config::Config;
use crate::dates;
use crate::diagnostic::{Diagnostic, Position};
use crate::frontmatter::{KeyLines, kind_of};

/// Other spellings teams use for a field, read as the canonical name.
const ALIASES: &[(&str, &str)] = &[
    ("action_items", "improvement_actions"),
    ("actions", "improvement_actions"),
    ("follow_ups", "improvement_actions"),
    ("followups", "improvement_actions"),
    ("lessons", "lessons_learned"),
    ("root_cause", "root_causes"),
    ("causes", "root_causes"),
    ("service", "services"),
    ("team", "teams"),
    ("tag", "tags"),
    ("author", "authors"),
    ("description", "summary"),
    ("started_at", "start_time"),
    ("detected_time", "detected_at"),
    ("detection_time", "detected_at"),
    ("ended_at", "end_time"),
    ("resolved_at", "end_time"),
    ("org", "organization"),
    ("organisation", "organization"),
    ("related_incidents", "related"),
    ("links", "sources"),
];

/// Every field of the format, for "did you mean" suggestions.
pub const KNOWN: &[&str] = &[
    "title",
    "id",
    "date",
    "start_time",
    "detected_at",
    "end_time",
    "severity",
    "status",
    "kind",
    "summary",
    "services",
    "teams",
    "organization",
    "tags",
    "authors",
    "impact",
    "detection",
    "response_actions",
    "trigger",
    "root_causes",
    "contributing_factors",
    "lessons_learned",
    "improvement_actions",
    "related",
    "sources",
    "extra",
];

/// Keys that Zola and Hugo front matter carries and Hindsight reads or
/// knowingly ignores, so imported posts do not drown in warnings.
pub const FOREIGN: &[&str] = &[
    "path",
    "aliases",
    "slug",
    "weight",
    "template",
    "draft",
    "taxonomies",
    "categories",
    "updated",
    "lastmod",
    "layout",
    "url",
    "toc",
    "in_search_index",
    "render",
];

/// The front matter of one file, being read field by field.
pub struct Fields<'a> {
    map: Map<String, Value>,
    keys: &'a KeyLines,
    path: &'a Path,
    config: &'a Config,
    /// Problems found so far in this file.
    pub diagnostics: Vec<Diagnostic>,
}

impl<'a> Fields<'a> {
    /// Starts reading `map`, folding aliases into their canonical names.
    pub fn new(
        mut map: Map<String, Value>,
        keys: &'a KeyLines,
        path: &'a Path,
        config: &'a Config,
    ) -> Fields<'a> {
        let mut diagnostics = Vec::new();
        for &(alias, canonical) in ALIASES {
            let Some(value) = map.remove(alias) else {
                continue;
            };
            if map.contains_key(canonical) {
                let message = format!("both `{alias}` and `{canonical}` are set");
                diagnostics.push(
                    Diagnostic::error(path, keys.key(alias), message).with_hint(format!(
                        "`{alias}` is another name for `{canonical}`; keep one"
                    )),
                );
            } else {
                map.insert(canonical.to_string(), value);
            }
        }
        Fields { map, keys, path, config, diagnostics }
    }

    /// The site settings, for checks against configured lists.
    pub fn config(&self) -> &'a Config {
        self.config
    }

    /// The file being read.
    pub fn path(&self) -> &'a Path {
        self.path
    }

    /// Where a top-level key is written.
    pub fn at(&self, key: &str) -> Position {
        self.keys.key(key)
    }

    /// Where `needle` is written at or after `key`.
    pub fn at_text(&self, key: &str, needle: &str) -> Position {
        self.keys.find_after(key, needle)
    }

    /// Records an error at a key.
    pub fn error(&mut self, at: Position, message: String, hint: impl Into<String>) {
        self.diagnostics.push(Diagnostic::error(self.path, at, message).with_hint(hint));
    }

    /// Records a warning at a key.
    pub fn warn(&mut self, at: Position, message: String, hint: impl Into<String>) {
        self.diagnostics.push(Diagnostic::warning(self.path, at, message).with_hint(hint));
    }

    /// True when a problem has been reported at `key`'s line.
    pub fn is_reported(&self, key: &str) -> bool {
        let at = self.at(key);
        self.keys.nth_key(key, 0).is_some() && self.diagnostics.iter().any(|d| d.line == at.line)
    }

    /// True when the front matter writes `key`, even with a bad value.
    pub fn has(&self, key: &str) -> bool {
        self.map.get(key).is_some_and(|v| !is_blank(v))
    }

    /// Removes and returns a raw value; `null` and `""` count as absent,
    /// as templates leave fields to fill in that way.
    pub fn take(&mut self, key: &str) -> Option<Value> {
        self.map.remove(key).filter(|v| !is_blank(v))
    }

    /// A text field. Numbers and booleans are kept as written, so
    /// `title: 404` is the title "404" and `version: 1.10` keeps its zero.
    pub fn text(&mut self, key: &str) -> Option<String> {
        let value = self.take(key)?;
        match value {
            Value::String(s) => Some(s),
            Value::Number(_) | Value::Bool(_) => {
                let raw = self.keys.raw_value(key).map(str::to_string);
                Some(raw.unwrap_or_else(|| value.to_string()))
            }
            other => {
                let message = format!("`{key}` should be text, found a {}", kind_of(&other));
                self.error(self.at(key), message, format!("write `{key}: some text`"));
                None
            }
        }
    }

    /// A list of texts; a single text counts as a list of one.
    pub fn list(&mut self, key: &str) -> Vec<String> {
        let Some(value) = self.take(key) else {
            return Vec::new();
        };
        match value {
            Value::Array(items) => {
                let mut texts = Vec::with_capacity(items.len());
                for item in items {
                    match scalar_text(&item) {
                        Some(text) => texts.push(text),
                        None if is_blank(&item) => {}
                        None => {
                            let message = format!(
                                "items of `{key}` should be text, found a {}",
                                kind_of(&item)
                            );
                            let hint =
                                format!("write `{key}: [first, second]` or one `- item` per line");
                            self.error(self.at(key), message, hint);
                        }
                    }
                }
                texts
            }
            Value::Object(_) => {
                let message = format!("`{key}` should be a list, found a map");
                let hint = format!("write `{key}: [first, second]` or one `- item` per line");
                self.error(self.at(key), message, hint);
                Vec::new()
            }
            scalar => scalar_text(&scalar).into_iter().collect(),
        }
    }

    /// A calendar date such as `2025-03-14`.
    pub fn date(&mut self, key: &str) -> Option<Date> {
        let text = self.text(key)?;
        match dates::parse_date(&text, &self.config.timezone) {
            Ok(date) => Some(date),
            Err(cause) => {
                let message = format!("`{key}` is not a valid date: `{text}` ({cause})");
                self.error(self.at(key), message, "write a date as YYYY-MM-DD, e.g. 2025-03-14");
                None
            }
        }
    }

    /// A point in time such as `2025-03-14T02:10:00+01:00`.
    pub fn time(&mut self, key: &str) -> Option<Timestamp> {
        let text = self.text(key)?;
        match dates::parse_time(&text, &self.config.timezone) {
            Ok(time) => Some(time),
            Err(cause) => {
                let message = format!("`{key}` is not a valid time: `{text}` ({cause})");
                let hint = "write a time as 2025-03-14T02:10:00+01:00; without an offset \
                            the site's timezone is used";
                self.error(self.at(key), message, hint);
                None
            }
        }
    }

    /// A map left as is, for `extra`.
    pub fn map(&mut self, key: &str) -> Map<String, Value> {
        match self.take(key) {
            None => Map::new(),
            Some(Value::Object(map)) => map,
            Some(other) => {
                let message = format!("`{key}` should be a map, found a {}", kind_of(&other));
                self.error(self.at(key), message, format!("write `{key}: {{name: value}}`"));
                Map::new()
            }
        }
    }

    /// Warns about every key nobody read, suggesting the nearest known one.
    pub fn finish(mut self) -> Vec<Diagnostic> {
        let leftover: Vec<String> = self.map.keys().cloned().collect();
        for key in leftover {
            if FOREIGN.contains(&key.as_str()) {
                continue;
            }
            let message = format!("unknown field `{key}`");
            let hint = match suggest(&key, KNOWN) {
                Some(known) => format!("did you mean `{known}`? Own fields go under `extra:`"),
                None => "fields of your own go under `extra:`, e.g. `extra: {cost_eur: 1200}`"
                    .to_string(),
            };
            self.warn(self.at(&key), message, hint);
        }
        self.diagnostics
    }
}

/// True for `null` and for a string of spaces.
pub fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

/// The text of a scalar; `None` for lists, maps, null and empty strings.
pub fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if s.trim().is_empty() => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The nearest of `candidates` to `word`, when it is close enough to be a
/// likely typo.
pub fn suggest<'c>(word: &str, candidates: &[&'c str]) -> Option<&'c str> {
    let word = word.to_lowercase();
    candidates
        .iter()
        .map(|&c| (strsim::jaro_winkler(&word, &c.to_lowercase()), c))
        .filter(|&(score, _)| score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_catch_typos_and_ignore_strangers() {
        assert_eq!(suggest("severty", KNOWN), Some("severity"));
        assert_eq!(suggest("lesons_learned", KNOWN), Some("lessons_learned"));
        assert_eq!(suggest("Tags", KNOWN), Some("tags"));
        assert_eq!(suggest("cost_eur", KNOWN), None);
    }
}
