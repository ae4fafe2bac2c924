//! Pages of the knowledge base as a whole: the dashboard, the archive,
//! taxonomies, lessons and digests, and the action board with its data
//! files.

use rayon::prelude::*;
use serde::Serialize;

use super::Out;
use super::dashboard::DashboardView;
use super::memo::Vars;
use super::views::{ActionView, Entry};
use crate::knowledge::{ActionRef, Group, KnowledgeBase, Theme};
use crate::markdown::inline;
use crate::model::{ActionStatus, Postmortem};

/// An action on the board, with its postmortem.
pub struct ActionRow<'e> {
    /// The action itself.
    pub action: ActionView,
    /// The postmortem it was promised in.
    pub postmortem: PmRef<'e>,
}

/// The action's fields with `postmortem` beside them, as
/// `#[serde(flatten)]` would give them, written out: serde writes a
/// flattened struct as a map, key by key, and these rows are the most
/// numerous values on boards and term pages.
impl Serialize for ActionRow<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let action = &self.action;
        let mut row = serializer.serialize_struct("ActionRow", 12)?;
        row.serialize_field("action_html", &action.action_html)?;
        row.serialize_field("owner", &action.owner)?;
        row.serialize_field("owner_url", &action.owner_url)?;
        row.serialize_field("status", &action.status)?;
        row.serialize_field("status_label", &action.status_label)?;
        row.serialize_field("due", &action.due)?;
        row.serialize_field("due_display", &action.due_display)?;
        row.serialize_field("ticket", &action.ticket)?;
        row.serialize_field("gate", &action.gate)?;
        row.serialize_field("is_overdue", &action.is_overdue)?;
        row.serialize_field("is_closed", &action.is_closed)?;
        row.serialize_field("postmortem", &self.postmortem)?;
        row.end()
    }
}

/// A term or group with its page and count.
#[derive(Serialize)]
pub(super) struct TermLink {
    pub(super) name: String,
    pub(super) url: String,
    pub(super) count: usize,
}

/// A lesson with where it was learned.
#[derive(Serialize)]
struct LessonView<'e> {
    html: &'e str,
    postmortem: PmRef<'e>,
}

/// What a list row needs of a postmortem: a link. Serialising whole
/// entries (summaries and all) into every row cost seconds at 10,000.
#[derive(Clone, Copy, Serialize)]
pub struct PmRef<'e> {
    id: &'e str,
    url: &'e str,
    title: &'e str,
}

impl<'e> PmRef<'e> {
    fn of(entry: &'e Entry) -> PmRef<'e> {
        PmRef { id: &entry.id, url: &entry.url, title: &entry.title }
    }
}

/// A postmortem in a compact list: a link with its date and badges. The
/// link's fields are its own, not a flattened `PmRef`: serde writes a
/// flattened struct as a map, key by key.
#[derive(Serialize)]
struct Compact<'e> {
    id: &'e str,
    url: &'e str,
    title: &'e str,
    date: &'e str,
    date_display: &'e str,
    year: &'e str,
    severity: &'e str,
    kind: &'e str,
    kind_label: &'e str,
}

impl<'e> Compact<'e> {
    fn of(entry: &'e Entry) -> Compact<'e> {
        Compact {
            id: &entry.id,
            url: &entry.url,
            title: &entry.title,
            date: &entry.date,
            date_display: &entry.date_display,
            year: &entry.year,
            severity: &entry.severity,
            kind: entry.kind,
            kind_label: entry.kind_label,
        }
    }
}

/// Rows a board or term page shows at most; the data files hold all.
const PAGE_ROWS: usize = 1000;
/// Lessons and open actions a term page shows at most.
const TERM_ROWS: usize = 100;

/// The page of one theme's lessons.
fn theme_url(slug: &str) -> String {
    format!("lessons/themes/{slug}/")
}

/// Lessons the lessons page shows under each theme; each theme's own page
/// holds all of them.
const THEME_PREVIEW: usize = 5;

/// Lessons under one theme.
#[derive(Serialize)]
struct ThemeView<'e> {
    label: String,
    anchor: String,
    /// The theme's own page, with all its lessons.
    url: String,
    /// Lessons under the theme in all.
    total: usize,
    lessons: Vec<LessonView<'e>>,
}

/// A postmortem in a digest: its summary, lessons and actions.
#[derive(Serialize)]
struct DigestItem<'e> {
    entry: &'e Entry,
    lessons: Vec<String>,
    actions: Vec<ActionView>,
}

/// Everything the knowledge-base pages share.
pub struct KbPages<'a> {
    /// The computed views.
    pub kb: &'a KnowledgeBase<'a>,
    /// List views of the published postmortems, same order.
    pub entries: &'a [Entry],
    /// Every action, as shown on the board (same order as `kb.actions`).
    pub rows: Vec<ActionRow<'a>>,
    /// Each postmortem's lessons as HTML, rendered once for every page
    /// that lists them.
    lessons: Vec<Vec<String>>,
    /// Each postmortem's open actions, as positions in `rows`.
    open_actions: Vec<Vec<usize>>,
}

impl<'a> KbPages<'a> {
    /// Prepares the shared views.
    pub fn new(
        kb: &'a KnowledgeBase<'a>,
        entries: &'a [Entry],
        today: jiff::civil::Date,
    ) -> KbPages<'a> {
        let rows = kb
            .actions
            .par_iter()
            .map(|a: &ActionRef<'_>| ActionRow {
                action: ActionView::new(a.action, today),
                postmortem: PmRef::of(&entries[a.postmortem]),
            })
            .collect();
        let lessons = kb
            .postmortems
            .par_iter()
            .map(|pm| pm.lessons_learned.iter().map(|l| inline(l)).collect())
            .collect();
        let mut open_actions = vec![Vec::new(); kb.postmortems.len()];
        for (position, action) in kb.actions.iter().enumerate() {
            if !action.action.status.is_closed() {
                open_actions[action.postmortem].push(position);
            }
        }
        KbPages { kb, entries, rows, lessons, open_actions }
    }

    fn entries_of(&self, members: &[usize]) -> Vec<&'a Entry> {
        members.iter().map(|&i| &self.entries[i]).collect()
    }

    fn rows_of(&self, members: &[usize]) -> Vec<&ActionRow<'a>> {
        members.iter().map(|&i| &self.rows[i]).collect()
    }

    /// The archive: one page per year, and one for undated postmortems.
    pub fn years(&self, out: &Out<'_>) -> anyhow::Result<()> {
        self.kb.years.par_iter().try_for_each(|group| {
            let entries = self.entries_of(&group.members);
            let mut vars = Vars::new();
            vars.insert("label", &group.label);
            vars.insert("entries", &entries);
            out.page("year.html", &format!("postmortems/{}/", group.slug), vars)
        })
    }

    /// Every taxonomy's index page and term pages. Term pages of the
    /// `lessons_theme` taxonomy send readers to their theme's lessons page.
    pub fn taxonomies(&self, out: &Out<'_>, lessons_theme: &str) -> anyhow::Result<()> {
        for taxonomy in &self.kb.taxonomies {
            let terms: Vec<TermLink> = taxonomy
                .terms
                .iter()
                .map(|t| TermLink {
                    name: t.name.clone(),
                    url: format!("{}/{}/", taxonomy.slug, t.slug),
                    count: t.members.len(),
                })
                .collect();
            let mut vars = Vars::new();
            vars.insert("title", &taxonomy.title);
            vars.insert("terms", &terms);
            out.page("taxonomy.html", &format!("{}/", taxonomy.slug), vars)?;
        }
        // Every term of every taxonomy, on all cores at once: a few large
        // terms (a common tag) would otherwise leave a core idle.
        let terms: Vec<_> = self
            .kb
            .taxonomies
            .iter()
            .flat_map(|taxonomy| taxonomy.terms.iter().map(move |term| (taxonomy, term)))
            .collect();
        terms.par_iter().try_for_each(|&(taxonomy, term)| {
            let taxonomy_url = format!("{}/", taxonomy.slug);
            let compact: Vec<Compact<'_>> =
                term.members.iter().map(|&i| Compact::of(&self.entries[i])).collect();
            let lesson_total: usize = term.members.iter().map(|&i| self.lessons[i].len()).sum();
            let lessons: Vec<LessonView<'_>> =
                self.lessons_of(&term.members).take(TERM_ROWS).collect();
            // Only the lessons taxonomy's terms have a page of all
            // their lessons; the data file has everyone's.
            let all_lessons =
                if taxonomy.name == lessons_theme { theme_url(&term.slug) } else { String::new() };
            let (action_total, actions) = self.open_actions_of(&term.members, TERM_ROWS);
            let mut vars = Vars::new();
            vars.insert("taxonomy", &taxonomy.title);
            vars.insert("taxonomy_url", &taxonomy_url);
            vars.insert("term", &term.name);
            vars.insert("entries", &compact);
            vars.insert("lesson_total", &lesson_total);
            vars.insert("lessons", &lessons);
            vars.insert("lessons_url", &all_lessons);
            vars.insert("action_total", &action_total);
            vars.insert("actions", &actions);
            out.page("term.html", &format!("{}/{}/", taxonomy.slug, term.slug), vars)
        })
    }

    /// The lessons of some postmortems, in their order.
    fn lessons_of<'s>(&'s self, members: &'s [usize]) -> impl Iterator<Item = LessonView<'s>> {
        members.iter().flat_map(move |&i| {
            self.lessons[i]
                .iter()
                .map(move |html| LessonView { html, postmortem: PmRef::of(&self.entries[i]) })
        })
    }

    /// How many open actions some postmortems have, and the first `limit`
    /// of them in board order (overdue first).
    fn open_actions_of(&self, members: &[usize], limit: usize) -> (usize, Vec<&ActionRow<'a>>) {
        let mut positions: Vec<usize> =
            members.iter().flat_map(|&i| self.open_actions[i].iter().copied()).collect();
        positions.sort_unstable();
        (positions.len(), positions.iter().take(limit).map(|&p| &self.rows[p]).collect())
    }

    /// `/lessons/`: the newest lessons of each theme, and the list of
    /// digests; `/lessons/themes/<theme>/`: all lessons of one theme.
    pub fn lessons(&self, out: &Out<'_>, theme_name: &str) -> anyhow::Result<()> {
        let theme_title = crate::knowledge::taxonomy::title_of(theme_name);
        let view = |theme: &Theme, limit: usize| ThemeView {
            label: theme.label.clone(),
            anchor: format!("theme-{}", theme.slug),
            url: theme_url(&theme.slug),
            total: theme.lessons.len(),
            lessons: theme
                .lessons
                .iter()
                .take(limit)
                .map(|&(pm, lesson)| LessonView {
                    html: &self.lessons[pm][lesson],
                    postmortem: PmRef::of(&self.entries[pm]),
                })
                .collect(),
        };
        self.kb.themes.par_iter().try_for_each(|theme| {
            let theme_view = view(theme, usize::MAX);
            let mut vars = Vars::new();
            vars.insert("theme", &theme_view);
            out.page("lessons_theme.html", &theme_url(&theme.slug), vars)
        })?;
        let themes: Vec<ThemeView<'_>> =
            self.kb.themes.iter().map(|theme| view(theme, THEME_PREVIEW)).collect();
        let digests: Vec<TermLink> = self
            .kb
            .periods
            .iter()
            .map(|(period, members)| TermLink {
                name: period.label.clone(),
                url: format!("lessons/{}/", period.key),
                count: members.len(),
            })
            .collect();
        let lessons: usize = self.kb.postmortems.iter().map(|pm| pm.lessons_learned.len()).sum();
        let sources =
            self.kb.postmortems.iter().filter(|pm| !pm.lessons_learned.is_empty()).count();
        let mut vars = Vars::new();
        vars.insert("themes", &themes);
        vars.insert("theme_name", &theme_title);
        vars.insert("digests", &digests);
        vars.insert("lesson_count", &lessons);
        vars.insert("lesson_sources", &sources);
        out.page("lessons.html", "lessons/", vars)
    }

    /// One digest per period with postmortems.
    pub fn digests(&self, out: &Out<'_>, today: jiff::civil::Date) -> anyhow::Result<()> {
        self.kb.periods.par_iter().try_for_each(|(period, members)| {
            let items: Vec<DigestItem<'a>> = members
                .iter()
                .map(|&i| {
                    let pm: &Postmortem = self.kb.postmortems[i];
                    DigestItem {
                        entry: &self.entries[i],
                        lessons: self.lessons[i].clone(),
                        actions: pm
                            .improvement_actions
                            .iter()
                            .map(|a| ActionView::new(a, today))
                            .collect(),
                    }
                })
                .collect();
            let mut vars = Vars::new();
            vars.insert("label", &period.label);
            vars.insert("items", &items);
            out.page("digest.html", &format!("lessons/{}/", period.key), vars)
        })
    }

    /// `/actions/` and its views by owner and by status.
    pub fn actions(&self, out: &Out<'_>) -> anyhow::Result<()> {
        let statuses: Vec<TermLink> = ActionStatus::ALL
            .iter()
            .map(|s| TermLink {
                name: s.label().to_string(),
                url: format!("actions/status/{}/", s.key()),
                count: self.kb.actions_with(*s).len(),
            })
            .collect();
        let owners: Vec<TermLink> =
            self.kb.owners.iter().map(|g| group_link(g, "actions/owners")).collect();
        let overdue = self.rows.iter().filter(|r| r.action.is_overdue).count();
        let all: Vec<usize> = (0..self.rows.len()).collect();

        let board = |title: &str, heading: &str, members: &[usize], folder: &str| {
            let rows = self.rows_of(&members[..members.len().min(PAGE_ROWS)]);
            let (count, total) = (members.len(), self.rows.len());
            let mut vars = Vars::new();
            vars.insert("title", title);
            vars.insert("heading", heading);
            vars.insert("actions", &rows);
            vars.insert("count", &count);
            vars.insert("statuses", &statuses);
            vars.insert("owners", &owners);
            vars.insert("overdue", &overdue);
            vars.insert("total", &total);
            out.page("actions.html", folder, vars)
        };
        let overdue_rows: Vec<usize> =
            (0..self.rows.len()).filter(|&i| self.rows[i].action.is_overdue).collect();
        // (title, heading, members, folder) of every board, made on all cores.
        let mut boards: Vec<(String, String, Vec<usize>, String)> = vec![
            ("Improvement actions".into(), "All actions".into(), all, "actions/".into()),
            (
                "Overdue actions".into(),
                "Overdue actions".into(),
                overdue_rows,
                "actions/overdue/".into(),
            ),
        ];
        for group in &self.kb.owners {
            let heading = format!("Owner: {}", group.label);
            let folder = format!("actions/owners/{}/", group.slug);
            boards.push((heading.clone(), heading, group.members.clone(), folder));
        }
        for status in ActionStatus::ALL {
            let heading = format!("Status: {}", status.label());
            let folder = format!("actions/status/{}/", status.key());
            boards.push((heading.clone(), heading, self.kb.actions_with(status), folder));
        }
        boards.par_iter().try_for_each(|(title, heading, members, folder)| {
            board(title, heading, members, folder)
        })
    }

    /// The dashboard's figures, display-ready.
    pub fn dashboard(&self) -> DashboardView<'a> {
        let configured: Vec<&str> = self.kb.taxonomies.iter().map(|t| t.name.as_str()).collect();
        DashboardView::new(&self.kb.dashboard, self.entries, &configured)
    }
}

fn group_link(group: &Group, folder: &str) -> TermLink {
    TermLink {
        name: group.label.clone(),
        url: format!("{folder}/{}/", group.slug),
        count: group.members.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // ActionRow's fields are written out by hand: every field of the
    // action must reach the templates as flattening would give it.
    #[test]
    fn an_action_row_shows_every_field_of_its_action() {
        let action = ActionView {
            action_html: "Alert on <em>lag</em>".into(),
            owner: "ana".into(),
            owner_url: "actions/owners/ana/".into(),
            status: "open",
            status_label: "Open",
            due: "2025-04-15".into(),
            due_display: "15 Apr 2025".into(),
            ticket: "OPS-1".into(),
            gate: "lag-check".into(),
            is_overdue: true,
            is_closed: false,
        };
        let postmortem = PmRef { id: "INC-1", url: "postmortems/inc-1/", title: "Queue stalled" };
        let mut expected = serde_json::to_value(&action).unwrap();
        expected["postmortem"] = serde_json::to_value(postmortem).unwrap();
        let row = serde_json::to_value(ActionRow { action, postmortem }).unwrap();
        assert_eq!(row, expected);
    }
}
