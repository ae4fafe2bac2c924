//! What templates see: postmortems and actions as plain, display-ready
//! values.
//!
//! Dates come formatted, Markdown fields come as sanitised HTML, and every
//! URL is a path from the site root that the `url` filter turns into a
//! link, so templates stay free of logic that a theme author would have to
//! repeat.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::knowledge::taxonomy::term_slug;
use crate::link::LinkIndex;
use crate::markdown::{inline, plain};
use crate::model::{Action, Postmortem, RootCause};

/// A postmortem as listed in catalogues and on the home page.
#[derive(Debug, Serialize)]
pub struct Entry {
    /// The stable id.
    pub id: String,
    /// Page folder relative to the site root (`postmortems/inc-1/`);
    /// templates turn it into a link with the `url` filter.
    pub url: String,
    /// Title as text (templates escape it).
    pub title: String,
    /// `2025-03-14`, or empty when undated.
    pub date: String,
    /// `14 Mar 2025`, or empty when undated.
    pub date_display: String,
    /// The year, or empty when undated: the catalogue groups by it.
    pub year: String,
    /// Severity, or empty.
    pub severity: String,
    /// `incident`, `near-miss` or `drill`.
    pub kind: &'static str,
    /// `Incident`, `Near miss` or `Drill`.
    pub kind_label: &'static str,
    /// `draft`, `review` or `published`.
    pub status: &'static str,
    /// The summary as inline HTML, or empty.
    pub summary_html: String,
    /// The summary as plain text, for meta descriptions.
    pub summary_text: String,
    /// Organisation or business unit.
    pub organization: String,
    /// Services involved.
    pub services: Vec<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Teams involved.
    pub teams: Vec<String>,
}

impl Entry {
    /// The list view of `pm`.
    pub fn new(pm: &Postmortem, links: &LinkIndex<'_>) -> Entry {
        let summary = pm.summary.as_deref().unwrap_or_default();
        Entry {
            id: pm.id.clone(),
            url: links.path(pm),
            title: pm.title.clone(),
            date: pm.date.map(|d| d.to_string()).unwrap_or_default(),
            date_display: pm.date.map(display_date).unwrap_or_default(),
            year: pm.date.map(|d| d.year().to_string()).unwrap_or_default(),
            severity: pm.severity.clone().unwrap_or_default(),
            kind: pm.kind.key(),
            kind_label: pm.kind.label(),
            status: pm.status.key(),
            summary_html: inline(summary),
            summary_text: plain(summary),
            organization: pm.organization.clone().unwrap_or_default(),
            services: pm.services.clone(),
            tags: pm.tags.clone(),
            teams: pm.teams.clone(),
        }
    }
}

/// Everything a postmortem page shows.
#[derive(Debug, Serialize)]
pub struct Page {
    /// The fields lists show too.
    #[serde(flatten)]
    pub entry: Entry,
    /// The file it came from, relative to the repository.
    pub source: String,
    /// Start, detection and end, shown in the site's zone.
    pub times: Vec<TimeRow>,
    /// Time to detect, to resolve, and total impact, where times allow.
    pub durations: Vec<DurationRow>,
    /// Authors.
    pub authors: Vec<String>,
    /// Impact as inline HTML.
    pub impact_html: String,
    /// Detection as inline HTML.
    pub detection_html: String,
    /// Trigger category.
    pub trigger: String,
    /// Response steps as inline HTML.
    pub response_actions: Vec<String>,
    /// Root causes with their whys.
    pub root_causes: Vec<CauseView>,
    /// Contributing factors as inline HTML.
    pub contributing_factors: Vec<String>,
    /// Lessons as inline HTML.
    pub lessons_learned: Vec<String>,
    /// Improvement actions, as a table.
    pub actions: Vec<ActionView>,
    /// How many actions are past due and still open.
    pub overdue_count: usize,
    /// Related incidents: those named in `related`, then the most alike.
    pub related: Vec<RelatedView>,
    /// Postmortems that link to this one ("Referenced by").
    pub backlinks: Vec<RelatedView>,
    /// Evidence, linked when it is a web address.
    pub sources: Vec<SourceView>,
    /// The team's own fields, untouched.
    pub extra: serde_json::Map<String, serde_json::Value>,
    /// The rendered, sanitised body.
    pub body_html: String,
    /// `2025-03-20`: the last commit that changed the file, or empty.
    pub updated: String,
    /// `20 Mar 2025`, or empty.
    pub updated_display: String,
    /// Authors of the file's commits.
    pub contributors: Vec<String>,
    /// Where to edit the file on the forge, or empty.
    pub edit_url: String,
}

/// One of start, detection and end.
#[derive(Debug, Serialize)]
pub struct TimeRow {
    /// What the time marks.
    pub label: &'static str,
    /// Machine-readable, for `<time datetime>`.
    pub iso: String,
    /// As readers see it, in the site's zone.
    pub display: String,
}

/// A computed duration.
#[derive(Debug, Serialize)]
pub struct DurationRow {
    /// What was measured.
    pub label: &'static str,
    /// `PT34M`, for `<time datetime>`.
    pub iso: String,
    /// `34 min`.
    pub display: String,
}

/// A root cause for display.
#[derive(Debug, Serialize)]
pub struct CauseView {
    /// The cause as inline HTML.
    pub cause_html: String,
    /// Category, or empty.
    pub category: String,
    /// The whys as inline HTML.
    pub whys: Vec<String>,
}

/// An improvement action for display.
#[derive(Debug, Serialize)]
pub struct ActionView {
    /// The action as inline HTML.
    pub action_html: String,
    /// Owner, or empty when nobody is named.
    pub owner: String,
    /// The owner's action page, relative to the site root.
    pub owner_url: String,
    /// `open`, `in_progress`, …: for CSS classes.
    pub status: &'static str,
    /// `Open`, `In progress`, …
    pub status_label: &'static str,
    /// `2025-04-15`, or empty.
    pub due: String,
    /// `15 Apr 2025`, or empty.
    pub due_display: String,
    /// Tracker reference, or empty.
    pub ticket: String,
    /// Guarding check, or empty.
    pub gate: String,
    /// Due before the build date and not closed.
    pub is_overdue: bool,
    /// Done or decided against: a missing owner or date no longer matters.
    pub is_closed: bool,
}

/// A related postmortem.
#[derive(Debug, Serialize)]
pub struct RelatedView {
    /// The id as written.
    pub id: String,
    /// Its page folder, or empty when it does not exist or is not published.
    pub url: String,
    /// Its title, or empty.
    pub title: String,
}

/// A piece of evidence.
#[derive(Debug, Serialize)]
pub struct SourceView {
    /// As written.
    pub text: String,
    /// The same, when it is an http(s) address safe to link.
    pub url: String,
}

impl Page {
    /// The page view of `pm`; `body_html` is rendered by the caller.
    pub fn new(
        pm: &Postmortem,
        links: &LinkIndex<'_>,
        zone: &TimeZone,
        today: Date,
        body_html: String,
    ) -> Page {
        let actions: Vec<ActionView> =
            pm.improvement_actions.iter().map(|a| ActionView::new(a, today)).collect();
        let updated = pm.updated.map(|t| t.to_zoned_datetime(zone.clone()).date());
        Page {
            entry: Entry::new(pm, links),
            source: pm.source.to_string_lossy().replace('\\', "/"),
            times: time_rows(pm, zone),
            durations: duration_rows(pm),
            authors: pm.authors.clone(),
            impact_html: pm.impact.as_deref().map(inline).unwrap_or_default(),
            detection_html: pm.detection.as_deref().map(inline).unwrap_or_default(),
            trigger: pm.trigger.clone().unwrap_or_default(),
            response_actions: pm.response_actions.iter().map(|s| inline(s)).collect(),
            root_causes: pm.root_causes.iter().map(CauseView::new).collect(),
            contributing_factors: pm.contributing_factors.iter().map(|s| inline(s)).collect(),
            lessons_learned: pm.lessons_learned.iter().map(|s| inline(s)).collect(),
            overdue_count: actions.iter().filter(|a| a.is_overdue).count(),
            actions,
            related: Vec::new(),
            backlinks: Vec::new(),
            sources: pm.sources.iter().map(|s| SourceView::new(s)).collect(),
            extra: pm.extra.clone(),
            body_html,
            updated: updated.map(|d| d.to_string()).unwrap_or_default(),
            updated_display: updated.map(display_date).unwrap_or_default(),
            contributors: pm.contributors.clone(),
            edit_url: String::new(),
        }
    }
}

impl CauseView {
    fn new(cause: &RootCause) -> CauseView {
        CauseView {
            cause_html: inline(&cause.cause),
            category: cause.category.clone().unwrap_or_default(),
            whys: cause.whys.iter().map(|w| inline(w)).collect(),
        }
    }
}

impl ActionView {
    /// The display form of `action` as of `today`.
    pub fn new(action: &Action, today: Date) -> ActionView {
        ActionView {
            action_html: inline(&action.action),
            owner: action.owner.clone().unwrap_or_default(),
            owner_url: format!(
                "actions/owners/{}/",
                action.owner.as_deref().map_or(crate::knowledge::NO_OWNER.to_string(), term_slug)
            ),
            status: action.status.key(),
            status_label: action.status.label(),
            due: action.due.map(|d| d.to_string()).unwrap_or_default(),
            due_display: action.due.map(display_date).unwrap_or_default(),
            ticket: action.ticket.clone().unwrap_or_default(),
            gate: action.gate.clone().unwrap_or_default(),
            is_overdue: action.is_overdue(today),
            is_closed: action.status.is_closed(),
        }
    }
}

impl RelatedView {
    /// A link to a listed postmortem.
    pub fn of(entry: &Entry) -> RelatedView {
        RelatedView { id: entry.id.clone(), url: entry.url.clone(), title: entry.title.clone() }
    }
}

impl SourceView {
    fn new(text: &str) -> SourceView {
        let is_web = text.starts_with("https://") || text.starts_with("http://");
        let url = if is_web && !text.contains(char::is_whitespace) {
            text.to_string()
        } else {
            String::new()
        };
        SourceView { text: text.to_string(), url }
    }
}

fn time_rows(pm: &Postmortem, zone: &TimeZone) -> Vec<TimeRow> {
    let rows = [("Started", pm.start_time), ("Detected", pm.detected_at), ("Ended", pm.end_time)];
    rows.into_iter().filter_map(|(label, time)| Some(time_row(label, time?, zone))).collect()
}

fn time_row(label: &'static str, time: Timestamp, zone: &TimeZone) -> TimeRow {
    let zoned = time.to_zoned_datetime(zone.clone());
    TimeRow {
        label,
        iso: zoned.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string(),
        display: zoned.strftime("%-d %b %Y, %H:%M %Z").to_string(),
    }
}

fn duration_rows(pm: &Postmortem) -> Vec<DurationRow> {
    let rows = [
        ("Time to detect", pm.time_to_detect()),
        ("Time to resolve", pm.time_to_resolve()),
        ("Total impact", pm.impact_duration()),
    ];
    rows.into_iter()
        .filter_map(|(label, d)| {
            let d = d?;
            Some(DurationRow {
                label,
                iso: format!("PT{}S", d.as_secs()),
                display: display_duration(d),
            })
        })
        .collect()
}

/// `14 Mar 2025`.
pub fn display_date(date: Date) -> String {
    date.strftime("%-d %b %Y").to_string()
}

/// `34 min`, `2 h 5 min`, `3 d 4 h`: as precise as a reader needs.
pub fn display_duration(duration: SignedDuration) -> String {
    let minutes = duration.as_secs() / 60;
    let (days, hours, mins) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    match (days, hours, mins) {
        (0, 0, 0) => format!("{} s", duration.as_secs()),
        (0, 0, m) => format!("{m} min"),
        (0, h, 0) => format!("{h} h"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, 0, _) => format!("{d} d"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        let cases = [
            (45, "45 s"),
            (34 * 60, "34 min"),
            (7200, "2 h"),
            (7500, "2 h 5 min"),
            (3 * 86400 + 4 * 3600 + 60, "3 d 4 h"),
        ];
        for (seconds, expected) in cases {
            assert_eq!(display_duration(SignedDuration::from_secs(seconds)), expected);
        }
    }

    #[test]
    fn only_web_addresses_become_links() {
        assert_eq!(SourceView::new("https://x.example/a").url, "https://x.example/a");
        assert_eq!(SourceView::new("javascript:alert(1)").url, "");
        assert_eq!(SourceView::new("OPS-4400").url, "");
    }
}
