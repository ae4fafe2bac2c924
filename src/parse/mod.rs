//! Reads one Markdown file into a `Postmortem`.
//!
//! `parse` is the pure twin of `read_file`: it takes the text, so tests need
//! no disk. Whatever the file lacks is inferred where it honestly can be
//! (title from the first heading, date from the file name or heading) and
//! the author is told what was inferred and what is missing.

mod cache;
mod fields;
mod items;

use std::ops::Range;
use std::path::Path;

use jiff::civil::Date;
use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};
use serde_json::Value;

use crate::config::Config;
use crate::dates;
use crate::diagnostic::{Diagnostic, Position};
use crate::frontmatter::{self, KeyLines};
use crate::history::FileHistory;
use crate::model::{Body, FieldLines, Kind, Postmortem, Status};
use crate::slug::slugify;
use fields::Fields;

pub use cache::ParseCache;
pub use fields::suggest;

/// What reading one file gave: the postmortem, unless the file could not be
/// read at all, and every problem found on the way.
#[derive(Debug, Default)]
pub struct Parsed {
    /// The postmortem, when the file could be read.
    pub postmortem: Option<Postmortem>,
    /// Problems, in the order found.
    pub diagnostics: Vec<Diagnostic>,
}

impl Parsed {
    fn failed(diagnostic: Diagnostic) -> Parsed {
        Parsed { postmortem: None, diagnostics: vec![diagnostic] }
    }
}

/// Reads the file at `path`; `shown` is how messages name it. A file
/// unchanged since the build that filled `cache` is not read again.
pub fn read_file(
    path: &Path,
    shown: &Path,
    config: &Config,
    history: Option<&FileHistory>,
    cache: &ParseCache,
) -> Parsed {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) => {
            return Parsed::failed(Diagnostic::error(
                shown,
                Position::file(),
                format!("cannot read: {e}"),
            ));
        }
    };
    match String::from_utf8(bytes) {
        Ok(text) => {
            let text = normalise(&text);
            let key = cache.key(text.as_bytes(), shown, history);
            if let Some(parsed) = cache.get(key, &text) {
                return parsed;
            }
            let parsed = parse_normalised(&text, shown, config, history);
            cache.put(key, &text, &parsed);
            parsed
        }
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.as_bytes();
            let prefix = std::str::from_utf8(&bytes[..valid]).unwrap_or_default();
            let at = Position::of_offset(prefix, valid, 1);
            let message = format!("the file is not UTF-8 text (byte 0x{:02X})", bytes[valid]);
            let hint = "save it as UTF-8; most editors offer this under \"Save with encoding\"";
            Parsed::failed(Diagnostic::error(shown, at, message).with_hint(hint))
        }
    }
}

/// Reads a postmortem from its text; `path` names it in messages and gives
/// the default id.
#[cfg(test)]
pub fn parse(text: &str, path: &Path, config: &Config) -> Parsed {
    parse_normalised(&normalise(text), path, config, None)
}

/// The text without what editors on Windows add: a byte order mark and
/// CRLF line endings.
fn normalise(text: &str) -> String {
    text.strip_prefix('\u{feff}').unwrap_or(text).replace("\r\n", "\n")
}

/// Reads a postmortem from text that `normalise` gave, and what git knows
/// of its file: the first commit dates a postmortem that gives no date of
/// its own.
fn parse_normalised(
    text: &str,
    path: &Path,
    config: &Config,
    history: Option<&FileHistory>,
) -> Parsed {
    if text.trim().is_empty() {
        let hint = "write a front matter block with at least `title:`, or delete the file";
        return Parsed::failed(
            Diagnostic::error(path, Position::file(), "the file is empty").with_hint(hint),
        );
    }
    let split = match frontmatter::split(text) {
        Ok(split) => split,
        Err(e) => {
            return Parsed::failed(Diagnostic::error(path, e.at, e.message).with_hint(e.hint));
        }
    };
    let (map, keys) = match &split.front {
        None => (serde_json::Map::new(), KeyLines::default()),
        Some(block) => match frontmatter::parse(block) {
            Ok(map) => (map, KeyLines::scan(block)),
            Err(e) => {
                return Parsed::failed(Diagnostic::error(path, e.at, e.message).with_hint(e.hint));
            }
        },
    };
    let has_front_matter = split.front.is_some();
    let body = Body { markdown: split.body.to_string(), first_line: split.body_line };
    let mut fields = Fields::new(map, &keys, path, config);
    // A date that is written but wrong already has its error; guessing
    // another one, or calling it missing, would only confuse.
    let (has_date, has_start) = (fields.has("date"), fields.has("start_time"));
    let mut postmortem = read_fields(&mut fields, body);
    if let Some(history) = history {
        postmortem.updated = history.updated;
        postmortem.contributors = history.contributors.clone();
        postmortem.created = history.created;
    }
    let is_date_written = has_date || (has_start && postmortem.start_time.is_none());
    infer_missing(&mut postmortem, &mut fields, has_front_matter, is_date_written);
    check_times(&postmortem, &mut fields);
    let diagnostics = fields.finish();
    Parsed { postmortem: Some(postmortem), diagnostics }
}

fn read_fields(fields: &mut Fields<'_>, body: Body) -> Postmortem {
    let path = fields.path();
    let lines = FieldLines {
        id: if fields.has("id") { fields.at("id").line } else { 0 },
        related: if fields.has("related") { fields.at("related").line } else { 0 },
        status: if fields.has("status") { fields.at("status").line } else { 0 },
    };
    let id = read_id(fields);
    let foreign_draft = fields.take("draft").is_some_and(|v| v == Value::Bool(true));
    let status = read_status(fields, foreign_draft);
    let mut tags = fields.list("tags");
    tags.extend(foreign_tags(fields));
    Postmortem {
        source: path.to_path_buf(),
        slug: slugify(&id),
        id,
        title: fields.text("title").unwrap_or_default(),
        date: fields.date("date"),
        start_time: fields.time("start_time"),
        detected_at: fields.time("detected_at"),
        end_time: fields.time("end_time"),
        severity: read_severity(fields),
        status,
        kind: read_kind(fields),
        summary: fields.text("summary"),
        services: fields.list("services"),
        teams: fields.list("teams"),
        organization: fields.text("organization"),
        tags,
        authors: fields.list("authors"),
        impact: fields.text("impact"),
        detection: fields.text("detection"),
        response_actions: fields.list("response_actions"),
        trigger: read_trigger(fields),
        root_causes: items::root_causes(fields),
        contributing_factors: fields.list("contributing_factors"),
        lessons_learned: fields.list("lessons_learned"),
        improvement_actions: items::actions(fields),
        related: fields.list("related"),
        sources: fields.list("sources"),
        extra: fields.map("extra"),
        body,
        lines,
        created: None,
        updated: None,
        contributors: Vec::new(),
    }
}

/// The longest id accepted: it becomes a folder name, and file systems
/// refuse names over 255 bytes.
const MAX_ID_BYTES: usize = 120;

fn read_id(fields: &mut Fields<'_>) -> String {
    let stem = file_stem(fields.path());
    let Some(id) = fields.text("id") else { return stem };
    if id.len() > MAX_ID_BYTES {
        let message =
            format!("`id` is {} bytes long; at most {MAX_ID_BYTES} fit in a URL", id.len());
        fields.error(fields.at("id"), message, "use a short id such as INC-2025-014");
        return stem;
    }
    id
}

fn read_severity(fields: &mut Fields<'_>) -> Option<String> {
    let written = fields.text("severity")?;
    let scale = &fields.config().severities;
    if let Some(level) = scale.iter().find(|s| s.eq_ignore_ascii_case(written.trim())) {
        return Some(level.clone());
    }
    let message = format!("unknown severity `{written}`");
    let hint = format!("use one of the scale in hindsight.toml: {}", scale.join(", "));
    fields.error(fields.at("severity"), message, hint);
    None
}

fn read_status(fields: &mut Fields<'_>, foreign_draft: bool) -> Status {
    let Some(written) = fields.text("status") else {
        return if foreign_draft { Status::Draft } else { Status::Published };
    };
    match written.trim().to_lowercase().as_str() {
        "draft" => Status::Draft,
        "review" | "in_review" | "in-review" => Status::Review,
        "published" | "final" => Status::Published,
        _ => {
            let message = format!("unknown status `{written}`");
            fields.error(
                fields.at("status"),
                message,
                format!("use one of: {}", Status::KEYS.join(", ")),
            );
            Status::Published
        }
    }
}

fn read_kind(fields: &mut Fields<'_>) -> Kind {
    let Some(written) = fields.text("kind") else {
        return Kind::Incident;
    };
    match written.trim().to_lowercase().replace(['_', ' '], "-").as_str() {
        "incident" | "outage" => Kind::Incident,
        "near-miss" | "nearmiss" => Kind::NearMiss,
        "drill" | "game-day" | "gameday" | "exercise" => Kind::Drill,
        _ => {
            let message = format!("unknown kind `{written}`");
            fields.error(
                fields.at("kind"),
                message,
                format!("use one of: {}", Kind::KEYS.join(", ")),
            );
            Kind::Incident
        }
    }
}

fn read_trigger(fields: &mut Fields<'_>) -> Option<String> {
    let trigger = fields.text("trigger")?;
    let allowed = &fields.config().triggers;
    if !allowed.is_empty() && !allowed.contains(&trigger) {
        let message = format!("trigger `{trigger}` is not in the settings' list");
        let names: Vec<&str> = allowed.iter().map(String::as_str).collect();
        let hint = match suggest(&trigger, &names) {
            Some(near) => format!("did you mean `{near}`?"),
            None => format!("use one of: {}", allowed.join(", ")),
        };
        fields.warn(fields.at("trigger"), message, hint);
    }
    Some(trigger)
}

/// Zola keeps tags under `[taxonomies]` and Hugo under `categories`.
fn foreign_tags(fields: &mut Fields<'_>) -> Vec<String> {
    let mut tags = fields.list("categories");
    if let Some(Value::Object(mut taxonomies)) = fields.take("taxonomies") {
        for key in ["tags", "categories"] {
            if let Some(Value::Array(items)) = taxonomies.remove(key) {
                tags.extend(items.iter().filter_map(fields::scalar_text));
            }
        }
    }
    tags
}

/// Fills the title and date from the body and file name when the front
/// matter does not give them, and says what was inferred.
fn infer_missing(
    pm: &mut Postmortem,
    fields: &mut Fields<'_>,
    has_front_matter: bool,
    is_date_written: bool,
) {
    let heading = first_heading(&pm.body.markdown);
    let mut inferred = Vec::new();
    // A body that repeats the title as its first heading would show it twice.
    if let Some((text, range)) = &heading
        && !pm.title.trim().is_empty()
        && text.eq_ignore_ascii_case(pm.title.trim())
    {
        blank_out(&mut pm.body.markdown, range.clone());
    }
    if pm.title.trim().is_empty() {
        match &heading {
            Some((text, range)) => {
                pm.title = text.clone();
                blank_out(&mut pm.body.markdown, range.clone());
                inferred.push("title from the first heading");
            }
            // A title that was written but unusable already has its error.
            None if fields.is_reported("title") => {}
            None if has_front_matter => {
                let hint = "add `title: What happened` to the front matter or a `# Heading`";
                fields.error(fields.at("title"), "the postmortem has no title".to_string(), hint);
            }
            None => {
                pm.title = humanise(&file_stem(&pm.source));
                inferred.push("title from the file name");
            }
        }
    }
    if pm.date.is_none() && !is_date_written {
        pm.date = infer_date(pm, fields, heading.as_ref().map(|h| h.0.as_str()), &mut inferred);
    }
    let is_undated = pm.date.is_none() && !is_date_written;
    report_inferred(pm, fields, has_front_matter, is_undated, &inferred);
}

fn infer_date(
    pm: &Postmortem,
    fields: &mut Fields<'_>,
    heading: Option<&str>,
    inferred: &mut Vec<&'static str>,
) -> Option<Date> {
    if let Some(start) = pm.start_time {
        return Some(start.to_zoned_datetime(fields.config().timezone.clone()).date());
    }
    let from_name = dates::find_date(&file_stem(&pm.source));
    let from_heading = heading.and_then(dates::find_date);
    if let (Some(name), Some(head)) = (from_name, from_heading)
        && name != head
    {
        let message = format!("the file name says {name} but the first heading says {head}");
        let hint = "the file name's date is used; add `date:` to settle it";
        fields.warn(Position::new(pm.body.first_line, 1), message, hint);
    }
    if from_name.is_some() {
        inferred.push("date from the file name");
        return from_name;
    }
    if from_heading.is_some() {
        inferred.push("date from the first heading");
        return from_heading;
    }
    let from_path = fields.take("path").as_ref().and_then(fields::scalar_text);
    let from_path = from_path.as_deref().and_then(dates::find_date);
    if from_path.is_some() {
        inferred.push("date from the `path` field");
        return from_path;
    }
    let from_git = pm.created.map(|t| t.to_zoned_datetime(fields.config().timezone.clone()).date());
    if from_git.is_some() {
        inferred.push("date from the file's first git commit");
    }
    from_git
}

fn report_inferred(
    pm: &Postmortem,
    fields: &mut Fields<'_>,
    has_front_matter: bool,
    is_undated: bool,
    inferred: &[&str],
) {
    let mut missing = Vec::new();
    if is_undated {
        missing.push("no date could be found, so it is listed as undated");
    }
    if !has_front_matter {
        missing.push("no front matter, so severity, services and actions are unknown");
    }
    if inferred.is_empty() && missing.is_empty() {
        return;
    }
    let mut parts: Vec<String> = Vec::new();
    if !inferred.is_empty() {
        parts.push(format!("took the {}", inferred.join(" and the ")));
    }
    parts.extend(missing.iter().map(|s| s.to_string()));
    let message = parts.join("; ");
    let hint = match (pm.date, has_front_matter) {
        (None, _) => {
            "add `date: YYYY-MM-DD` (and the other fields you know) to the front matter".to_string()
        }
        (Some(date), true) => format!("add `date: {date}` to the front matter to state it"),
        (Some(date), false) => format!(
            "add a front matter block with title, date: {date}, severity, services and tags"
        ),
    };
    let at = if has_front_matter { Position::new(1, 1) } else { Position::file() };
    fields.warn(at, message, hint);
}

fn check_times(pm: &Postmortem, fields: &mut Fields<'_>) {
    let order =
        [("start_time", pm.start_time), ("detected_at", pm.detected_at), ("end_time", pm.end_time)];
    for (i, &(later_key, later)) in order.iter().enumerate() {
        for &(earlier_key, earlier) in &order[..i] {
            let (Some(earlier), Some(later)) = (earlier, later) else {
                continue;
            };
            if later < earlier {
                let message =
                    format!("`{later_key}` ({later}) is before `{earlier_key}` ({earlier})");
                let hint = "times must run start_time <= detected_at <= end_time; check the \
                            date and the UTC offset";
                fields.error(fields.at(later_key), message, hint);
            }
        }
    }
}

/// The text and byte range of a body's first heading, when it is a
/// level-1 heading: a title. The scan stops at the first heading of any
/// level, so a long body is not parsed twice.
fn first_heading(markdown: &str) -> Option<(String, Range<usize>)> {
    let mut text: Option<String> = None;
    let mut start = 0;
    for (event, range) in Parser::new(markdown).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level: HeadingLevel::H1, .. }) => {
                text = Some(String::new());
                start = range.start;
            }
            Event::Start(Tag::Heading { .. }) if text.is_none() => return None,
            Event::Text(t) | Event::Code(t) if text.is_some() => text.as_mut()?.push_str(&t),
            Event::End(TagEnd::Heading(HeadingLevel::H1)) => {
                let title = text?.trim().to_string();
                return (!title.is_empty()).then_some((title, start..range.end));
            }
            _ => {}
        }
    }
    None
}

/// Removes a range of the body, keeping its line breaks so that later
/// diagnostics still point at the right line.
fn blank_out(markdown: &mut String, range: Range<usize>) {
    let lines = "\n".repeat(markdown[range.clone()].matches('\n').count());
    markdown.replace_range(range, &lines);
}

fn file_stem(path: &Path) -> String {
    path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
}

/// `jan-2019-dns-outage` becomes `Jan 2019 dns outage`.
fn humanise(stem: &str) -> String {
    let spaced = stem.replace(['-', '_'], " ");
    let mut chars = spaced.trim().chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => stem.to_string(),
    }
}

#[cfg(test)]
mod tests;
