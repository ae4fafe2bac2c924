//! Splits a postmortem into front matter and body, and reads the front
//! matter into a plain tree of values.
//!
//! YAML (`---`) and TOML (`+++`, as Zola and Hugo write it) both become the
//! same `serde_json` tree, so the parse stage checks fields once for both.
//! This is the only module that touches serde_yaml: swapping it for a
//! maintained fork is a change here alone.

use serde_json::{Map, Value};

use crate::diagnostic::Position;

/// The syntax of a front-matter block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Between `---` lines.
    Yaml,
    /// Between `+++` lines.
    Toml,
}

/// A file cut into its two parts.
#[derive(Debug, PartialEq, Eq)]
pub struct Split<'a> {
    /// The front matter, when the file has one.
    pub front: Option<Block<'a>>,
    /// The Markdown after the closing delimiter.
    pub body: &'a str,
    /// The file line the body starts on.
    pub body_line: usize,
}

/// A front-matter block without its delimiters.
#[derive(Debug, PartialEq, Eq)]
pub struct Block<'a> {
    /// YAML or TOML.
    pub format: Format,
    /// The text between the delimiters.
    pub text: &'a str,
    /// The file line the text starts on (2: the line after the opener).
    pub first_line: usize,
}

/// A front-matter problem that stops the file from being read.
#[derive(Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// Where in the file.
    pub at: Position,
    /// What is wrong.
    pub message: String,
    /// What would be right.
    pub hint: String,
}

/// Cuts `text` (BOM removed, line endings `\n`) at its front-matter fences.
///
/// A body may hold `---` lines of its own (thematic breaks): only the first
/// closing fence after the opener counts.
pub fn split(text: &str) -> Result<Split<'_>, SyntaxError> {
    let Some((format, fence)) = opening_fence(text) else {
        return Ok(Split { front: None, body: text, body_line: 1 });
    };
    let start = text.find('\n').map_or(text.len(), |i| i + 1);
    let mut offset = start;
    for (index, line) in text[start..].split_inclusive('\n').enumerate() {
        let bare = line.trim_end();
        let closes = bare == fence || (format == Format::Yaml && bare == "...");
        if closes {
            let block = Block { format, text: &text[start..offset], first_line: 2 };
            let body_start = offset + line.len();
            return Ok(Split {
                front: Some(block),
                body: &text[body_start..],
                body_line: index + 3,
            });
        }
        offset += line.len();
    }
    Err(SyntaxError {
        at: Position::new(1, 1),
        message: format!("front matter opened with `{fence}` is never closed"),
        hint: format!("add a line holding only `{fence}` after the last field"),
    })
}

fn opening_fence(text: &str) -> Option<(Format, &'static str)> {
    let first = text.lines().next()?.trim_end();
    match first {
        "---" => Some((Format::Yaml, "---")),
        "+++" => Some((Format::Toml, "+++")),
        _ => None,
    }
}

/// Reads a front-matter block into a map of top-level keys.
pub fn parse(block: &Block<'_>) -> Result<Map<String, Value>, SyntaxError> {
    let value = match block.format {
        Format::Yaml => parse_yaml(block)?,
        Format::Toml => parse_toml(block)?,
    };
    match value {
        Value::Object(map) => Ok(map),
        Value::Null => Ok(Map::new()),
        other => Err(SyntaxError {
            at: Position::new(block.first_line, 1),
            message: format!("front matter is a {}, not a set of fields", kind_of(&other)),
            hint: "write one `key: value` per line, e.g. `title: Checkout outage`".to_string(),
        }),
    }
}

fn parse_yaml(block: &Block<'_>) -> Result<Value, SyntaxError> {
    let yaml: serde_yaml::Value =
        serde_yaml::from_str(block.text).map_err(|e| yaml_error(block, &e))?;
    Ok(yaml_to_json(yaml))
}

/// Turns serde_yaml's error into one placed in the file.
///
/// Its messages carry positions counted inside the block ("at line 3
/// column 1"), and for some mistakes the useful place is not the one it
/// reports: an unclosed `[` is noticed at the closing fence, a duplicate key
/// at the start of the mapping.
fn yaml_error(block: &Block<'_>, error: &serde_yaml::Error) -> SyntaxError {
    let text = error.to_string();
    let mut at = match error.location() {
        Some(l) => Position::of_offset(block.text, l.index(), block.first_line),
        None => Position::new(block.first_line, 1),
    };
    let mut message = text.split(" at line ").next().unwrap_or(&text).to_string();
    if let Some((what, opened)) = opening_context(&text) {
        at = Position::new(block.first_line + opened.line - 1, opened.column);
        message = format!("{message} for the {what} that starts here");
    }
    if let Some(line) = tab_indented_line(block.text) {
        let at = Position::new(block.first_line + line, 1);
        let message = "invalid YAML front matter: this line is indented with a tab".to_string();
        let hint = "YAML indentation must use spaces; replace the tab with spaces".to_string();
        return SyntaxError { at, message, hint };
    }
    if text.contains("unexpected end of stream")
        && let Some(line) = unclosed_quote_line(block.text)
    {
        let at = Position::new(block.first_line + line, 1);
        let message = "invalid YAML front matter: a quote opened on this line is never closed";
        let hint = "close the quote at the end of the value, e.g. title: \"Checkout outage\"";
        return SyntaxError { at, message: message.to_string(), hint: hint.to_string() };
    }
    let hint = if let Some(key) = duplicate_key(&text) {
        at = KeyLines::scan(block).nth_key(&key, 1).unwrap_or(at);
        "each key may appear once; merge the two values or delete one"
    } else if message.contains("mapping values are not allowed") {
        "a value holding `: ` must be quoted, e.g. title: \"Outage: checkout\""
    } else if message.contains("expected ',' or ']'") {
        "close the list with `]`, or write one `- item` per line"
    } else {
        "check the YAML near this line: indentation, quotes and `key: value` pairs"
    };
    SyntaxError { at, message: format!("invalid YAML front matter: {message}"), hint: hint.into() }
}

/// The first line (0-based) indented with a tab, which YAML forbids.
fn tab_indented_line(text: &str) -> Option<usize> {
    text.lines().position(|line| {
        let indent = &line[..line.len() - line.trim_start().len()];
        indent.contains('\t')
    })
}

/// The first line (0-based) whose value opens a double or single quote
/// that the line does not close.
fn unclosed_quote_line(text: &str) -> Option<usize> {
    text.lines().position(|line| {
        let value = line.split_once(": ").map_or(line.trim_start_matches(['-', ' ']), |(_, v)| v);
        let value = value.trim();
        let unclosed = |q: char| value.starts_with(q) && (value.len() == 1 || !value.ends_with(q));
        unclosed('"') || unclosed('\'')
    })
}

/// "…, while parsing a flow sequence at line 3 column 7": what was being
/// read and where it began, counted in the block.
fn opening_context(text: &str) -> Option<(String, Position)> {
    let (_, context) = text.split_once("while parsing a ")?;
    let (what, place) = context.split_once(" at line ")?;
    let (line, column) = place.split_once(" column ")?;
    let number = |s: &str| s.trim_matches(|c: char| !c.is_ascii_digit()).parse::<usize>().ok();
    let what = what.replace("flow sequence", "list").replace("flow mapping", "map");
    Some((what, Position::new(number(line)?, number(column)?)))
}

/// The key named by serde_yaml's "duplicate entry with key \"title\"".
fn duplicate_key(text: &str) -> Option<String> {
    let (_, rest) = text.split_once("duplicate entry with key ")?;
    let key = rest.split(" at line ").next()?.trim();
    Some(key.trim_matches('"').to_string())
}

fn yaml_to_json(value: serde_yaml::Value) -> Value {
    use serde_yaml::Value as Yaml;
    match value {
        Yaml::Null => Value::Null,
        Yaml::Bool(b) => Value::Bool(b),
        Yaml::Number(n) => yaml_number(&n),
        Yaml::String(s) => Value::String(s),
        Yaml::Sequence(items) => Value::Array(items.into_iter().map(yaml_to_json).collect()),
        Yaml::Mapping(map) => {
            Value::Object(map.into_iter().map(|(k, v)| (yaml_key(k), yaml_to_json(v))).collect())
        }
        Yaml::Tagged(tagged) => yaml_to_json(tagged.value),
    }
}

fn yaml_number(n: &serde_yaml::Number) -> Value {
    if let Some(i) = n.as_i64() {
        Value::from(i)
    } else if let Some(u) = n.as_u64() {
        Value::from(u)
    } else {
        // NaN and infinities have no JSON form; keep what YAML printed.
        n.as_f64()
            .and_then(serde_json::Number::from_f64)
            .map_or(Value::String(n.to_string()), Value::Number)
    }
}

/// Keys such as `2024:` or `true:` are read as the text written.
fn yaml_key(key: serde_yaml::Value) -> String {
    match key {
        serde_yaml::Value::String(s) => s,
        other => serde_yaml::to_string(&other).unwrap_or_default().trim().to_string(),
    }
}

fn parse_toml(block: &Block<'_>) -> Result<Value, SyntaxError> {
    let table: toml::Table = toml::from_str(block.text).map_err(|e| {
        let at = match e.span() {
            Some(span) => Position::of_offset(block.text, span.start, block.first_line),
            None => Position::new(block.first_line, 1),
        };
        SyntaxError {
            at,
            message: format!("invalid TOML front matter: {}", e.message().trim_end()),
            hint: "check the TOML near this line: `key = \"value\"`, lists in [ ]".to_string(),
        }
    })?;
    Ok(toml_to_json(toml::Value::Table(table)))
}

fn toml_to_json(value: toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(items) => Value::Array(items.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => {
            Value::Object(t.into_iter().map(|(k, v)| (k, toml_to_json(v))).collect())
        }
    }
}

/// A short name for a value's shape, for messages.
pub fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "empty value",
        Value::Bool(_) => "true/false value",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "map",
    }
}

/// Where each top-level key sits in the front matter, for diagnostics.
///
/// The parsers give no positions for values, so this scans the lines:
/// a top-level key starts at column 1 (`key:` in YAML, `key =` in TOML).
#[derive(Debug, Default)]
pub struct KeyLines {
    entries: Vec<KeyLine>,
    text: String,
    /// Where each line of `text` starts and its text ends (before `\n` or
    /// `\r\n`), as `str::lines` splits it.
    lines: Vec<(usize, usize)>,
    first_line: usize,
}

#[derive(Debug)]
struct KeyLine {
    key: String,
    line: usize,
    value: String,
}

impl KeyLines {
    /// Indexes the top-level keys of a block.
    pub fn scan(block: &Block<'_>) -> KeyLines {
        let separator = match block.format {
            Format::Yaml => ':',
            Format::Toml => '=',
        };
        let mut entries = Vec::new();
        for (index, line) in block.text.lines().enumerate() {
            if line.starts_with([' ', '\t', '#', '-', '[']) {
                continue;
            }
            let Some((key, value)) = line.split_once(separator) else {
                continue;
            };
            let key = key.trim().trim_matches(['"', '\'']);
            entries.push(KeyLine {
                key: key.to_string(),
                line: block.first_line + index,
                value: value.trim().to_string(),
            });
        }
        let text = block.text.to_string();
        let lines = line_spans(&text);
        KeyLines { entries, text, lines, first_line: block.first_line }
    }

    /// The position of a top-level key; the block start when not found.
    pub fn key(&self, key: &str) -> Position {
        self.entry(key)
            .map_or(Position::new(self.first_line.max(1), 1), |e| Position::new(e.line, 1))
    }

    /// The position of the first `needle` at or after a key's line, such as
    /// a bad status inside a list of actions.
    pub fn find_after(&self, key: &str, needle: &str) -> Position {
        let start = self.key(key);
        let skip = start.line.saturating_sub(self.first_line);
        let Some(&(mut from, _)) = self.lines.get(skip) else {
            return start;
        };
        // One search of the rest of the block, not one per line: this runs
        // for every action of every postmortem. A match that runs past the
        // end of its line is none; the search goes on after its start.
        while let Some(found) = self.text[from..].find(needle).map(|byte| from + byte) {
            let index = self.lines.partition_point(|&(line_start, _)| line_start <= found) - 1;
            let (line_start, line_end) = self.lines[index];
            if found + needle.len() <= line_end {
                let column = self.text[line_start..found].chars().count() + 1;
                return Position::new(self.first_line + index, column);
            }
            from = found + self.text[found..].chars().next().map_or(1, char::len_utf8);
        }
        start
    }

    /// The text written after a top-level key, unquoted and without a
    /// trailing comment: how `title: 404` keeps its spelling.
    pub fn raw_value(&self, key: &str) -> Option<&str> {
        let value = self.entry(key)?.value.as_str();
        let value = value.split(" #").next().unwrap_or(value).trim();
        Some(value.trim_matches(['"', '\'']))
    }

    /// The position of the `n`th (from 0) time a top-level key is written.
    pub fn nth_key(&self, key: &str, n: usize) -> Option<Position> {
        let entry = self.entries.iter().filter(|e| e.key == key).nth(n)?;
        Some(Position::new(entry.line, 1))
    }

    fn entry(&self, key: &str) -> Option<&KeyLine> {
        self.entries.iter().find(|e| e.key == key)
    }
}

/// The start and the end of the text of each line of `text`, split as
/// `str::lines` splits it: at `\n`, with a `\r` before it left out.
fn line_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let content = match line.strip_suffix('\n') {
            Some(content) => content.strip_suffix('\r').unwrap_or(content),
            None => line,
        };
        spans.push((start, start + content.len()));
        start += line.len();
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_yaml_and_toml_and_keeps_later_fences_in_the_body() {
        let yaml = split("---\ntitle: a\n---\nbody\n---\nmore\n").unwrap();
        let front = yaml.front.unwrap();
        assert_eq!((front.format, front.text), (Format::Yaml, "title: a\n"));
        assert_eq!((yaml.body, yaml.body_line), ("body\n---\nmore\n", 4));

        let toml = split("+++\ntitle = \"a\"\n+++\n").unwrap();
        assert_eq!(toml.front.unwrap().format, Format::Toml);
    }

    #[test]
    fn a_file_without_front_matter_is_all_body() {
        let split = split("# Title\n\ntext\n").unwrap();
        assert_eq!((split.front, split.body_line), (None, 1));
    }

    #[test]
    fn an_unclosed_fence_is_an_error_on_line_one() {
        let err = split("---\ntitle: a\nbody\n").unwrap_err();
        assert_eq!(err.at, Position::new(1, 1));
        assert!(err.message.contains("never closed"));
    }

    #[test]
    fn yaml_errors_point_at_the_file_line() {
        let block = Block { format: Format::Yaml, text: "title: a\ntags: [x\n", first_line: 2 };
        let err = parse(&block).unwrap_err();
        assert!(err.at.line >= 3, "{err:?}");
        assert!(!err.message.contains("at line"), "{}", err.message);
    }

    #[test]
    fn duplicate_yaml_keys_are_errors_at_the_second_key() {
        let block =
            Block { format: Format::Yaml, text: "title: a\ndate: x\ntitle: b\n", first_line: 2 };
        let err = parse(&block).unwrap_err();
        assert!(err.message.contains("duplicate"), "{}", err.message);
        assert_eq!(err.at, Position::new(4, 1));
    }

    #[test]
    fn tabs_and_unclosed_quotes_are_named_on_their_line() {
        let block = Block { format: Format::Yaml, text: "title: a\ntags:\n\t- x\n", first_line: 2 };
        let err = parse(&block).unwrap_err();
        assert_eq!(err.at, Position::new(4, 1));
        assert!(err.message.contains("tab"), "{}", err.message);

        let block = Block {
            format: Format::Yaml,
            text: "title: \"Unclosed\ndate: 2025-01-01\n",
            first_line: 2,
        };
        let err = parse(&block).unwrap_err();
        assert_eq!(err.at, Position::new(2, 1), "{err:?}");
        assert!(err.message.contains("never closed"), "{}", err.message);
    }

    #[test]
    fn an_unclosed_list_is_reported_where_it_opens() {
        let block = Block { format: Format::Yaml, text: "title: a\ntags: [x, y\n", first_line: 2 };
        let err = parse(&block).unwrap_err();
        assert_eq!(err.at, Position::new(3, 7), "{err:?}");
        assert!(err.message.contains("list that starts here"), "{}", err.message);
    }

    #[test]
    fn yaml_1_1_booleans_stay_strings() {
        let block = Block { format: Format::Yaml, text: "tags: [no, on, yes]\n", first_line: 2 };
        let map = parse(&block).unwrap();
        assert_eq!(map["tags"], serde_json::json!(["no", "on", "yes"]));
    }

    #[test]
    fn raw_values_keep_the_spelling_written() {
        let block =
            Block { format: Format::Yaml, text: "title: 1.10 # v\nid: \"7\"\n", first_line: 2 };
        let keys = KeyLines::scan(&block);
        assert_eq!(keys.raw_value("title"), Some("1.10"));
        assert_eq!(keys.raw_value("id"), Some("7"));
        assert_eq!(keys.key("id"), Position::new(3, 1));
    }

    // Text is found on its line at or after the key, not earlier in the
    // block, and its column counts characters, not bytes.
    #[test]
    fn text_under_a_key_is_found_on_its_line_and_column() {
        let text = "title: Pager é down\r\nactions:\r\n  - action: é down\r\n  - action: down\r\n";
        let block = Block { format: Format::Yaml, text, first_line: 2 };
        let keys = KeyLines::scan(&block);
        assert_eq!(keys.find_after("actions", "down"), Position::new(4, 15));
        assert_eq!(keys.find_after("title", "down"), Position::new(2, 16));
        assert_eq!(keys.find_after("actions", "action: down"), Position::new(5, 5));
        assert_eq!(keys.find_after("actions", "absent"), Position::new(3, 1));
        assert_eq!(keys.find_after("actions", "down\r\n  -"), Position::new(3, 1));

        // A bare `\r` is inside a line; the `\r` of `\r\n` is not.
        let text = "actions:\n  - action: x\ry\r\n  - z\r";
        let block = Block { format: Format::Yaml, text, first_line: 2 };
        let keys = KeyLines::scan(&block);
        assert_eq!(keys.find_after("actions", "x\ry"), Position::new(3, 13));
        assert_eq!(keys.find_after("actions", "y\r"), Position::new(2, 1));
        assert_eq!(keys.find_after("actions", "z\r"), Position::new(4, 5));
        let lines: Vec<&str> = line_spans(text).iter().map(|&(a, b)| &text[a..b]).collect();
        assert_eq!(lines, text.lines().collect::<Vec<_>>());
    }
}
