//! The checks of a maturing postmortem, beyond what parsing can see.
//!
//! A draft may be half-written; once a postmortem is in review or
//! published, `[check]` in `hindsight.toml` names the fields it must have.
//! `hindsight check` also reports follow-up work that has slipped: actions
//! with no owner or no due date, and actions past their due date.

use jiff::civil::Date;
use serde::Deserialize;

use crate::diagnostic::{Diagnostic, Position};
use crate::model::{Postmortem, Status};

/// Fields that `[check]` can require.
pub const CHECKABLE: &[&str] = &[
    "summary",
    "severity",
    "date",
    "start_time",
    "detected_at",
    "end_time",
    "services",
    "teams",
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
    "sources",
    "organization",
];

/// `[check]` in `hindsight.toml`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CheckConfig {
    /// Fields a postmortem must have once its status is `review`.
    pub required_in_review: Vec<String>,
    /// Fields a postmortem must have once its status is `published`.
    pub required_when_published: Vec<String>,
}

impl CheckConfig {
    /// Refuses field names that cannot be checked.
    pub fn check(&self) -> anyhow::Result<()> {
        for name in self.required_in_review.iter().chain(&self.required_when_published) {
            if !CHECKABLE.contains(&name.as_str()) {
                let near = crate::parse::suggest(name, CHECKABLE)
                    .map(|n| format!("did you mean `{n}`? "))
                    .unwrap_or_default();
                anyhow::bail!(
                    "[check] cannot require `{name}`; {near}fields: {}",
                    CHECKABLE.join(", ")
                );
            }
        }
        Ok(())
    }

    /// The fields required at a postmortem's status.
    fn required(&self, status: Status) -> &[String] {
        match status {
            Status::Draft => &[],
            Status::Review => &self.required_in_review,
            Status::Published => &self.required_when_published,
        }
    }
}

/// Errors for required fields that a postmortem lacks at its status.
pub fn required_fields(pm: &Postmortem, config: &CheckConfig) -> Vec<Diagnostic> {
    let missing: Vec<&str> =
        config.required(pm.status).iter().map(String::as_str).filter(|f| !has(pm, f)).collect();
    if missing.is_empty() {
        return Vec::new();
    }
    let list = missing.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", ");
    let message = format!("a {} postmortem needs {list}", pm.status.key());
    let hint = match pm.status {
        Status::Review => "fill them in, or keep `status: draft` until they are known",
        _ => "fill them in, or move it back to `status: review`",
    };
    let at = Position::new(pm.lines.status.max(1), 1);
    vec![Diagnostic::error(&pm.source, at, message).with_hint(hint)]
}

/// Warnings about follow-up work: no owner, no due date, past due.
pub fn follow_ups(pm: &Postmortem, today: Date) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    for action in pm.improvement_actions.iter().filter(|a| !a.status.is_closed()) {
        let at = action.at;
        let short = shorten(&action.action);
        if action.owner.is_none() {
            let message = format!("action \"{short}\" has no owner");
            found.push(
                Diagnostic::warning(&pm.source, at, message)
                    .with_hint("add `owner:` (a person or a team)"),
            );
        }
        match action.due {
            None => {
                let message = format!("action \"{short}\" has no due date");
                found.push(
                    Diagnostic::warning(&pm.source, at, message).with_hint("add `due: YYYY-MM-DD`"),
                );
            }
            Some(due) if action.is_overdue(today) => {
                let days = (today - due).get_days();
                let message = format!("action \"{short}\" is overdue: due {due}, {days} days ago");
                let hint = "finish it, set a new `due:`, or close it with `status: wont_do`";
                found.push(Diagnostic::warning(&pm.source, at, message).with_hint(hint));
            }
            Some(_) => {}
        }
    }
    found
}

fn has(pm: &Postmortem, field: &str) -> bool {
    let text = |value: &Option<String>| value.as_ref().is_some_and(|v| !v.trim().is_empty());
    match field {
        "summary" => text(&pm.summary),
        "severity" => pm.severity.is_some(),
        "date" => pm.date.is_some(),
        "start_time" => pm.start_time.is_some(),
        "detected_at" => pm.detected_at.is_some(),
        "end_time" => pm.end_time.is_some(),
        "services" => !pm.services.is_empty(),
        "teams" => !pm.teams.is_empty(),
        "tags" => !pm.tags.is_empty(),
        "authors" => !pm.authors.is_empty(),
        "impact" => text(&pm.impact),
        "detection" => text(&pm.detection),
        "response_actions" => !pm.response_actions.is_empty(),
        "trigger" => text(&pm.trigger),
        "root_causes" => !pm.root_causes.is_empty(),
        "contributing_factors" => !pm.contributing_factors.is_empty(),
        "lessons_learned" => !pm.lessons_learned.is_empty(),
        "improvement_actions" => !pm.improvement_actions.is_empty(),
        "sources" => !pm.sources.is_empty(),
        "organization" => text(&pm.organization),
        _ => true,
    }
}

fn shorten(text: &str) -> String {
    let plain = crate::markdown::plain(text);
    if plain.chars().count() <= 60 {
        return plain;
    }
    let cut: String = plain.chars().take(57).collect();
    format!("{}…", cut.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_checkable_field_is_known_to_has() {
        // A new field in CHECKABLE without a branch in `has` would always
        // count as present; this catches the omission.
        let empty = crate::link::tests::postmortem("x.md", "X", Status::Published, "");
        for field in CHECKABLE {
            assert!(!has(&empty, field), "{field} is not checked");
        }
    }

    #[test]
    fn unknown_required_fields_are_refused_with_a_suggestion() {
        let config =
            CheckConfig { required_in_review: vec!["lessons".into()], ..Default::default() };
        let err = config.check().unwrap_err().to_string();
        assert!(err.contains("did you mean `lessons_learned`"), "{err}");
    }
}
