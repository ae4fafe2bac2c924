//! Reading the structured lists of a postmortem: root causes and
//! improvement actions, each either a bare string or a map.

use serde_json::{Map, Value};

use super::fields::{Fields, scalar_text, suggest};
use crate::dates;
use crate::frontmatter::kind_of;
use crate::model::{Action, ActionStatus, RootCause};

const ACTION_KEYS: &[&str] = &["action", "owner", "status", "due", "ticket", "gate"];
const CAUSE_KEYS: &[&str] = &["cause", "category", "whys"];

/// Reads `root_causes`: strings, or `{cause, category, whys}` maps.
pub fn root_causes(fields: &mut Fields<'_>) -> Vec<RootCause> {
    let items = list_of_items(fields, "root_causes");
    let mut causes = Vec::with_capacity(items.len());
    for item in items {
        let cause = match item {
            Value::Object(map) => root_cause_from_map(fields, map),
            scalar => scalar_text(&scalar).map(|cause| RootCause { cause, ..RootCause::default() }),
        };
        causes.extend(cause);
    }
    if let Some(allowed) = Some(&fields.config().root_cause_categories).filter(|l| !l.is_empty()) {
        for cause in &causes {
            let Some(category) = &cause.category else {
                continue;
            };
            if !allowed.contains(category) {
                let at = fields.at_text("root_causes", category);
                let message = format!("root-cause category `{category}` is not in the settings");
                let hint = format!("use one of: {}", allowed.join(", "));
                fields.warn(at, message, hint);
            }
        }
    }
    causes
}

fn root_cause_from_map(fields: &mut Fields<'_>, mut map: Map<String, Value>) -> Option<RootCause> {
    rename(&mut map, "description", "cause");
    rename(&mut map, "why", "whys");
    let Some(cause) = map.remove("cause").as_ref().and_then(scalar_text) else {
        let at = fields.at("root_causes");
        let hint = "write `- cause: what went wrong` (with optional `category:` and `whys:`)";
        fields.error(at, "a root cause has no `cause` text".to_string(), hint);
        return None;
    };
    let category = map.remove("category").as_ref().and_then(scalar_text);
    let whys = match map.remove("whys") {
        Some(Value::Array(items)) => items.iter().filter_map(scalar_text).collect(),
        Some(other) => scalar_text(&other).into_iter().collect(),
        None => Vec::new(),
    };
    warn_unknown(fields, "root_causes", &map, CAUSE_KEYS);
    Some(RootCause { cause, category, whys })
}

/// Reads `improvement_actions`: strings (open, no owner) or maps.
pub fn actions(fields: &mut Fields<'_>) -> Vec<Action> {
    let items = list_of_items(fields, "improvement_actions");
    let mut actions = Vec::with_capacity(items.len());
    for item in items {
        let action = match item {
            Value::Object(map) => action_from_map(fields, map),
            scalar => scalar_text(&scalar).map(|text| Action {
                at: fields.at_text("improvement_actions", &text),
                action: text,
                owner: None,
                status: ActionStatus::Open,
                due: None,
                ticket: None,
                gate: None,
            }),
        };
        actions.extend(action);
    }
    actions
}

fn action_from_map(fields: &mut Fields<'_>, mut map: Map<String, Value>) -> Option<Action> {
    for alias in ["title", "description", "task", "summary"] {
        rename(&mut map, alias, "action");
    }
    rename(&mut map, "assignee", "owner");
    rename(&mut map, "due_date", "due");
    rename(&mut map, "issue", "ticket");
    let text =
        |map: &mut Map<String, Value>, key: &str| map.remove(key).as_ref().and_then(scalar_text);

    let Some(action) = text(&mut map, "action") else {
        let at = fields.at("improvement_actions");
        let hint = "write `- action: what will be done` with owner, status and due";
        fields.error(at, "an improvement action has no `action` text".to_string(), hint);
        return None;
    };
    let status = match text(&mut map, "status") {
        None => ActionStatus::Open,
        Some(written) => action_status(&written).unwrap_or_else(|| {
            let at = fields.at_text("improvement_actions", &written);
            let message = format!("unknown action status `{written}`");
            let keys: Vec<_> = ActionStatus::ALL.iter().map(|s| s.key()).collect();
            fields.error(at, message, format!("use one of: {}", keys.join(", ")));
            ActionStatus::Open
        }),
    };
    let due = text(&mut map, "due").and_then(|written| {
        let parsed = dates::parse_date(&written, &fields.config().timezone);
        parsed
            .map_err(|cause| {
                let at = fields.at_text("improvement_actions", &written);
                let message = format!("action due date `{written}` is not a valid date ({cause})");
                fields.error(at, message, "write a date as YYYY-MM-DD, e.g. 2025-04-15");
            })
            .ok()
    });
    let owner = text(&mut map, "owner");
    let ticket = text(&mut map, "ticket");
    let gate = text(&mut map, "gate");
    warn_unknown(fields, "improvement_actions", &map, ACTION_KEYS);
    let at = fields.at_text("improvement_actions", &action);
    Some(Action { action, owner, status, due, ticket, gate, at })
}

/// Reads a written action status, forgiving case, spaces and hyphens.
pub fn action_status(written: &str) -> Option<ActionStatus> {
    let key = written.trim().to_lowercase().replace(['-', ' '], "_").replace('\'', "");
    let status = match key.as_str() {
        "open" | "todo" | "to_do" => ActionStatus::Open,
        "in_progress" | "doing" | "started" => ActionStatus::InProgress,
        "blocked" => ActionStatus::Blocked,
        "done" | "closed" | "complete" | "completed" | "fixed" => ActionStatus::Done,
        "wont_do" | "wontdo" | "wont_fix" | "wontfix" => ActionStatus::WontDo,
        _ => return None,
    };
    Some(status)
}

/// A list whose items may be maps; a single string stands for one item.
fn list_of_items(fields: &mut Fields<'_>, key: &str) -> Vec<Value> {
    match fields.take(key) {
        None => Vec::new(),
        Some(Value::Array(items)) => {
            let mut kept = Vec::with_capacity(items.len());
            for item in items {
                if item.is_array() {
                    let message = format!("an item of `{key}` is a list, not text or a map");
                    fields.error(fields.at(key), message, "give each item its own `- ` line");
                } else if !super::fields::is_blank(&item) {
                    kept.push(item);
                }
            }
            kept
        }
        Some(Value::Object(_)) => {
            let message = format!("`{key}` should be a list, found a map");
            let hint = "start each item with `- ` on its own line under the key";
            fields.error(fields.at(key), message, hint);
            Vec::new()
        }
        Some(scalar) => vec![scalar],
    }
}

fn rename(map: &mut Map<String, Value>, alias: &str, canonical: &str) {
    if !map.contains_key(canonical)
        && let Some(value) = map.remove(alias)
    {
        map.insert(canonical.to_string(), value);
    }
}

fn warn_unknown(fields: &mut Fields<'_>, list: &str, map: &Map<String, Value>, known: &[&str]) {
    for (key, value) in map {
        let at = fields.at_text(list, &format!("{key}:"));
        let message = format!("unknown field `{key}` in `{list}` ({})", kind_of(value));
        let hint = match suggest(key, known) {
            Some(k) => format!("did you mean `{k}`?"),
            None => format!("an item of `{list}` takes: {}", known.join(", ")),
        };
        fields.warn(at, message, hint);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_statuses_forgive_spelling() {
        let cases = [
            ("open", Some(ActionStatus::Open)),
            ("In Progress", Some(ActionStatus::InProgress)),
            ("in-progress", Some(ActionStatus::InProgress)),
            ("won't do", Some(ActionStatus::WontDo)),
            ("DONE", Some(ActionStatus::Done)),
            ("finished-ish", None),
        ];
        for (written, expected) in cases {
            assert_eq!(action_status(written), expected, "{written}");
        }
    }
}
