//! The postmortem as Hindsight understands it, independent of any page.
//!
//! Nothing here knows about HTML or templates: the render stage turns these
//! types into views. Times are instants (`Timestamp`); the site's time zone
//! is applied only when they are shown.

use std::path::PathBuf;

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// One incident write-up, read from one Markdown file.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Postmortem {
    /// The file it was read from, relative to the repository root.
    pub source: PathBuf,
    /// The stable identifier: front matter `id`, else the file name.
    pub id: String,
    /// The URL segment derived from the id: `/postmortems/<slug>/`.
    pub slug: String,
    /// Headline of the postmortem.
    pub title: String,
    /// Day of the incident, when known.
    pub date: Option<Date>,
    /// When the incident began.
    pub start_time: Option<Timestamp>,
    /// When someone (or something) noticed.
    pub detected_at: Option<Timestamp>,
    /// When the impact ended.
    pub end_time: Option<Timestamp>,
    /// A level of the site's severity scale, spelled as the scale spells it.
    pub severity: Option<String>,
    /// How far the write-up has matured.
    pub status: Status,
    /// Incident, near miss or drill.
    pub kind: Kind,
    /// One paragraph (inline Markdown) for lists, feeds and search results.
    pub summary: Option<String>,
    /// Services involved.
    pub services: Vec<String>,
    /// Teams involved.
    pub teams: Vec<String>,
    /// Business unit, for collections shared between organisations.
    pub organization: Option<String>,
    /// Free-form tags.
    pub tags: Vec<String>,
    /// People who wrote the postmortem.
    pub authors: Vec<String>,
    /// Who or what was affected, and how badly (inline Markdown).
    pub impact: Option<String>,
    /// How the incident was noticed (inline Markdown).
    pub detection: Option<String>,
    /// What responders did, in order.
    pub response_actions: Vec<String>,
    /// The category of change or event that set it off.
    pub trigger: Option<String>,
    /// Why it happened.
    pub root_causes: Vec<RootCause>,
    /// Conditions that made it worse or more likely.
    pub contributing_factors: Vec<String>,
    /// What the organisation learned.
    pub lessons_learned: Vec<String>,
    /// Follow-up work promised after the incident.
    pub improvement_actions: Vec<Action>,
    /// Ids of other postmortems the authors consider related.
    pub related: Vec<String>,
    /// Evidence: chat archives, dashboards, tickets, public write-ups.
    pub sources: Vec<String>,
    /// Anything of the team's own, handed to templates untouched.
    pub extra: serde_json::Map<String, serde_json::Value>,
    /// The Markdown body and where it starts in the file.
    pub body: Body,
    /// Lines of fields that later stages check, for their diagnostics.
    pub lines: FieldLines,
    /// When git first saw the file, when the repository is in git.
    pub created: Option<Timestamp>,
    /// When git last saw the file change.
    pub updated: Option<Timestamp>,
    /// Authors of the file's commits, most commits first.
    pub contributors: Vec<String>,
}

/// Where fields checked after parsing are written (0: not written).
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
pub struct FieldLines {
    /// The `id:` line.
    pub id: usize,
    /// The `related:` line.
    pub related: usize,
    /// The `status:` line.
    pub status: usize,
}

impl FieldLines {
    /// Where to point at the id: its line, or the whole file.
    pub fn id_position(&self) -> crate::diagnostic::Position {
        line_position(self.id)
    }

    /// Where to point at the related list.
    pub fn related_position(&self) -> crate::diagnostic::Position {
        line_position(self.related)
    }
}

fn line_position(line: usize) -> crate::diagnostic::Position {
    crate::diagnostic::Position::new(line, usize::from(line > 0))
}

/// The Markdown after the front matter.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Body {
    /// The Markdown text. Left out of the parse cache, which takes it from
    /// the file itself.
    #[serde(skip)]
    pub markdown: String,
    /// The file line on which `markdown` starts, for diagnostics.
    pub first_line: usize,
}

impl Postmortem {
    /// Time from the start of the incident until it was detected.
    pub fn time_to_detect(&self) -> Option<SignedDuration> {
        span(self.start_time, self.detected_at)
    }

    /// Time from detection until the impact ended.
    pub fn time_to_resolve(&self) -> Option<SignedDuration> {
        span(self.detected_at, self.end_time)
    }

    /// Time from the start of the incident until the impact ended.
    pub fn impact_duration(&self) -> Option<SignedDuration> {
        span(self.start_time, self.end_time)
    }

    /// True when this postmortem is published only with `--drafts`.
    pub fn is_draft(&self) -> bool {
        self.status == Status::Draft
    }
}

fn span(from: Option<Timestamp>, to: Option<Timestamp>) -> Option<SignedDuration> {
    Some(to?.duration_since(from?)).filter(|d| !d.is_negative())
}

/// How far a postmortem has matured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Status {
    /// Being written; left out of the site unless drafts are asked for.
    #[default]
    Draft,
    /// Written, waiting for review.
    Review,
    /// Reviewed and final.
    Published,
}

/// What sort of event the postmortem describes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Kind {
    /// Real impact happened.
    #[default]
    Incident,
    /// Something almost went wrong and was caught.
    NearMiss,
    /// A rehearsal, game day or chaos experiment.
    Drill,
}

/// One cause, optionally with its category and a chain of whys.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct RootCause {
    /// The cause, in a sentence (inline Markdown).
    pub cause: String,
    /// A category from the site's list, for recurring-cause views.
    pub category: Option<String>,
    /// The five-whys chain, in asking order.
    pub whys: Vec<String>,
}

/// An improvement action promised after an incident.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Action {
    /// What will be done (inline Markdown).
    pub action: String,
    /// Person or team accountable; `None` when nobody is named.
    pub owner: Option<String>,
    /// Where the work stands.
    pub status: ActionStatus,
    /// When it was promised for.
    pub due: Option<Date>,
    /// Tracker reference.
    pub ticket: Option<String>,
    /// The automated check (CI job, lint) that now guards against a repeat.
    pub gate: Option<String>,
    /// Where the action is written, for diagnostics (zeros: unknown).
    pub at: crate::diagnostic::Position,
}

impl Action {
    /// True when the action is due before `today` and still not closed.
    pub fn is_overdue(&self, today: Date) -> bool {
        !self.status.is_closed() && self.due.is_some_and(|due| due < today)
    }
}

/// Where an improvement action stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ActionStatus {
    /// Not started.
    #[default]
    Open,
    /// Someone is working on it.
    InProgress,
    /// Waiting on something else.
    Blocked,
    /// Finished.
    Done,
    /// Deliberately not done.
    WontDo,
}

impl ActionStatus {
    /// Every status, in the order the site lists them.
    pub const ALL: [ActionStatus; 5] = [
        ActionStatus::Open,
        ActionStatus::InProgress,
        ActionStatus::Blocked,
        ActionStatus::Done,
        ActionStatus::WontDo,
    ];

    /// True once nothing more is expected: done, or decided against.
    pub fn is_closed(self) -> bool {
        matches!(self, ActionStatus::Done | ActionStatus::WontDo)
    }

    /// The spelling used in front matter and in URLs.
    pub fn key(self) -> &'static str {
        match self {
            ActionStatus::Open => "open",
            ActionStatus::InProgress => "in_progress",
            ActionStatus::Blocked => "blocked",
            ActionStatus::Done => "done",
            ActionStatus::WontDo => "wont_do",
        }
    }

    /// The label shown to readers.
    pub fn label(self) -> &'static str {
        match self {
            ActionStatus::Open => "Open",
            ActionStatus::InProgress => "In progress",
            ActionStatus::Blocked => "Blocked",
            ActionStatus::Done => "Done",
            ActionStatus::WontDo => "Won't do",
        }
    }
}

impl Status {
    /// Every status, as spelled in front matter.
    pub const KEYS: [&'static str; 3] = ["draft", "review", "published"];

    /// The spelling used in front matter.
    pub fn key(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Review => "review",
            Status::Published => "published",
        }
    }
}

impl Kind {
    /// Every kind, as spelled in front matter.
    pub const KEYS: [&'static str; 3] = ["incident", "near-miss", "drill"];

    /// The spelling used in front matter.
    pub fn key(self) -> &'static str {
        match self {
            Kind::Incident => "incident",
            Kind::NearMiss => "near-miss",
            Kind::Drill => "drill",
        }
    }

    /// The label shown to readers.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Incident => "Incident",
            Kind::NearMiss => "Near miss",
            Kind::Drill => "Drill",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn action(status: ActionStatus, due: Option<Date>) -> Action {
        Action {
            action: "x".into(),
            owner: None,
            status,
            due,
            ticket: None,
            gate: None,
            at: Default::default(),
        }
    }

    #[test]
    fn overdue_means_due_before_today_and_not_closed() {
        let today = date(2025, 4, 16);
        let cases = [
            (ActionStatus::Open, Some(date(2025, 4, 15)), true),
            (ActionStatus::Blocked, Some(date(2025, 4, 15)), true),
            (ActionStatus::InProgress, Some(date(2025, 4, 16)), false),
            (ActionStatus::Done, Some(date(2025, 1, 1)), false),
            (ActionStatus::WontDo, Some(date(2025, 1, 1)), false),
            (ActionStatus::Open, None, false),
        ];
        for (status, due, expected) in cases {
            assert_eq!(action(status, due).is_overdue(today), expected, "{status:?} {due:?}");
        }
    }
}
