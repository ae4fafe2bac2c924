//! Reading lists: curated, ordered sets of postmortems with a note each,
//! for onboarding ("the ten incidents every new SRE should read").
//!
//! A collection is a Markdown file in `content/collections/`: a title and
//! an ordered `postmortems` list in the front matter, an introduction in
//! the body. Each becomes a page at `/collections/<name>/`.

use std::path::Path;

use serde_json::Value;

use crate::diagnostic::{Diagnostic, Position};
use crate::frontmatter::{self, KeyLines};
use crate::slug::slugify;

/// One reading list.
#[derive(Debug)]
pub struct Collection {
    /// The file it came from, relative to the root.
    pub source: std::path::PathBuf,
    /// URL segment, from the file name.
    pub slug: String,
    /// Heading.
    pub title: String,
    /// The Markdown introduction.
    pub intro: String,
    /// The postmortems in reading order.
    pub items: Vec<Item>,
}

/// A postmortem on a reading list.
#[derive(Debug)]
pub struct Item {
    /// Its id.
    pub id: String,
    /// Why to read it (inline Markdown), or empty.
    pub note: String,
    /// Where the id is written, for diagnostics.
    pub at: Position,
}

/// Reads a collection file; `shown` names it in messages.
pub fn read(path: &Path, shown: &Path) -> (Option<Collection>, Vec<Diagnostic>) {
    match std::fs::read_to_string(path) {
        Ok(text) => parse(&text, shown),
        Err(e) => {
            (None, vec![Diagnostic::error(shown, Position::file(), format!("cannot read: {e}"))])
        }
    }
}

/// Reads a collection from its text.
pub fn parse(text: &str, shown: &Path) -> (Option<Collection>, Vec<Diagnostic>) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text).replace("\r\n", "\n");
    let fail = |at: Position, message: String, hint: &str| {
        (None, vec![Diagnostic::error(shown, at, message).with_hint(hint)])
    };
    let split = match frontmatter::split(&text) {
        Ok(split) => split,
        Err(e) => return fail(e.at, e.message, &e.hint),
    };
    let Some(block) = &split.front else {
        let hint = "start with front matter: title, and postmortems: [INC-1, INC-2]";
        return fail(Position::new(1, 1), "a reading list needs front matter".into(), hint);
    };
    let map = match frontmatter::parse(block) {
        Ok(map) => map,
        Err(e) => return fail(e.at, e.message, &e.hint),
    };
    let keys = KeyLines::scan(block);
    let mut problems = Vec::new();
    let title = map.get("title").and_then(Value::as_str).unwrap_or_default().trim().to_string();
    if title.is_empty() {
        let hint = "add `title: Start here: incidents every new SRE should read`";
        problems.push(
            Diagnostic::error(shown, keys.key("title"), "the reading list has no title")
                .with_hint(hint),
        );
    }
    let items = match map.get("postmortems") {
        Some(Value::Array(list)) => {
            list.iter().filter_map(|item| read_item(item, &keys, shown, &mut problems)).collect()
        }
        _ => {
            let hint = "list the ids in reading order: `postmortems: [INC-2025-014, INC-2024-003]`";
            problems.push(
                Diagnostic::error(
                    shown,
                    keys.key("postmortems"),
                    "the reading list has no `postmortems` list",
                )
                .with_hint(hint),
            );
            Vec::new()
        }
    };
    let stem = shown.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let collection = Collection {
        source: shown.to_path_buf(),
        slug: slugify(&stem),
        title,
        intro: split.body.to_string(),
        items,
    };
    (Some(collection), problems)
}

fn read_item(
    item: &Value,
    keys: &KeyLines,
    shown: &Path,
    problems: &mut Vec<Diagnostic>,
) -> Option<Item> {
    let (id, note) = match item {
        Value::String(id) => (id.trim().to_string(), String::new()),
        Value::Object(map) => (
            map.get("id").and_then(Value::as_str).unwrap_or_default().trim().to_string(),
            map.get("note").and_then(Value::as_str).unwrap_or_default().to_string(),
        ),
        _ => (String::new(), String::new()),
    };
    if id.is_empty() {
        let hint = "write each entry as an id, or as `- id: INC-1` with an optional `note:`";
        problems.push(
            Diagnostic::error(
                shown,
                keys.key("postmortems"),
                "an entry of `postmortems` has no id",
            )
            .with_hint(hint),
        );
        return None;
    }
    let at = keys.find_after("postmortems", &id);
    Some(Item { id, note, at })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_keep_their_order_notes_and_lines() {
        let text = "---\ntitle: Start here\npostmortems:\n  - INC-2\n  - id: INC-1\n    note: Read the *timeline*.\n---\nWelcome.\n";
        let (collection, problems) = parse(text, Path::new("content/collections/onboarding.md"));
        assert!(problems.is_empty(), "{problems:?}");
        let collection = collection.unwrap();
        assert_eq!(collection.slug, "onboarding");
        let ids: Vec<&str> = collection.items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["INC-2", "INC-1"]);
        assert_eq!(collection.items[1].note, "Read the *timeline*.");
        assert_eq!(collection.items[1].at, Position::new(5, 9));
        assert_eq!(collection.intro, "Welcome.\n");
    }

    #[test]
    fn a_list_without_title_or_postmortems_is_reported() {
        let (_, problems) = parse("---\nsummary: x\n---\n", Path::new("c.md"));
        let messages: Vec<&str> = problems.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            ["the reading list has no title", "the reading list has no `postmortems` list"]
        );
    }
}
