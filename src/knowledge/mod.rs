//! The knowledge base as a whole: what no single postmortem can show.
//!
//! Built once from the published postmortems (newest first): taxonomies,
//! the archive by year, digests by period, every improvement action with
//! its state at the build date, lessons grouped by theme, and the figures
//! of the dashboard. Everything refers to postmortems by their position in
//! the published list; nothing here knows about HTML.

pub mod dashboard;
pub mod period;
pub mod stats;
pub mod taxonomy;

use std::collections::BTreeMap;

use jiff::civil::Date;

use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::model::{Action, ActionStatus, Postmortem};
use dashboard::Dashboard;
use period::{Period, period_of};
use taxonomy::{Taxonomy, term_slug};

/// The URL segment of actions with no owner. Term slugs hold only letters,
/// digits and hyphens, so no owner's name can take it.
pub const NO_OWNER: &str = "_none";

/// Everything computed across postmortems for one build.
pub struct KnowledgeBase<'a> {
    /// Published postmortems, newest first, undated last.
    pub postmortems: &'a [&'a Postmortem],
    /// The configured taxonomies, in settings order.
    pub taxonomies: Vec<Taxonomy>,
    /// Archive pages: one per year, then undated.
    pub years: Vec<Group>,
    /// Digests, newest period first.
    pub periods: Vec<(Period, Vec<usize>)>,
    /// Every improvement action: overdue first, then by due date.
    pub actions: Vec<ActionRef<'a>>,
    /// Actions by owner (positions in `actions`), "no owner" last.
    pub owners: Vec<Group>,
    /// Lessons by theme: (postmortem, lesson index) pairs.
    pub themes: Vec<Theme>,
    /// The home page's figures.
    pub dashboard: Dashboard,
}

/// A named group of positions, with a URL segment.
#[derive(Debug)]
pub struct Group {
    /// As readers see it.
    pub label: String,
    /// URL segment.
    pub slug: String,
    /// Positions (of postmortems or actions, depending on the group).
    pub members: Vec<usize>,
}

/// One improvement action with its postmortem.
pub struct ActionRef<'a> {
    /// Position of the postmortem in the published list.
    pub postmortem: usize,
    /// The action.
    pub action: &'a Action,
    /// Due before the build date and not closed.
    pub is_overdue: bool,
}

/// Lessons under one theme (a term of the lessons taxonomy).
#[derive(Debug)]
pub struct Theme {
    /// The term, or "Other" for postmortems without one.
    pub label: String,
    /// Anchor on the lessons page.
    pub slug: String,
    /// (postmortem position, lesson position) pairs, newest first.
    pub lessons: Vec<(usize, usize)>,
}

impl<'a> KnowledgeBase<'a> {
    /// Computes every cross-postmortem view.
    pub fn build(
        postmortems: &'a [&'a Postmortem],
        config: &Config,
        today: Date,
    ) -> (KnowledgeBase<'a>, Vec<Diagnostic>) {
        let mut problems = Vec::new();
        let mut taxonomies = Vec::new();
        for name in &config.taxonomies {
            let order = (name == "severity").then_some(config.severities.as_slice());
            let (taxonomy, found) = taxonomy::build(name, postmortems, order);
            problems.extend(found);
            if taxonomy.terms.is_empty()
                && !postmortems.is_empty()
                && !taxonomy::FIELDS.contains(&name.as_str())
            {
                problems.push(unused_taxonomy(name));
            }
            taxonomies.push(taxonomy);
        }
        let actions = collect_actions(postmortems, today);
        let kb = KnowledgeBase {
            postmortems,
            years: group_by_year(postmortems),
            periods: group_by_period(postmortems, config),
            owners: group_by_owner(&actions),
            themes: group_lessons(postmortems, &config.lessons_theme),
            dashboard: Dashboard::build(postmortems, today),
            actions,
            taxonomies,
        };
        (kb, problems)
    }

    /// Positions in `actions` of those with a given status.
    pub fn actions_with(&self, status: ActionStatus) -> Vec<usize> {
        (0..self.actions.len()).filter(|&i| self.actions[i].action.status == status).collect()
    }
}

/// A taxonomy named in the settings that no postmortem has: likely a typo.
fn unused_taxonomy(name: &str) -> Diagnostic {
    let message = format!("taxonomy `{name}` in `taxonomies` matches no field of any postmortem");
    let hint = match crate::parse::suggest(name, taxonomy::FIELDS) {
        Some(near) => format!("did you mean `{near}`?"),
        None => format!("use a field ({}) or a key under `extra:`", taxonomy::FIELDS.join(", ")),
    };
    let settings = std::path::Path::new(crate::config::FILE_NAME);
    Diagnostic::warning(settings, crate::diagnostic::Position::file(), message).with_hint(hint)
}

fn collect_actions<'a>(postmortems: &[&'a Postmortem], today: Date) -> Vec<ActionRef<'a>> {
    let mut actions: Vec<ActionRef<'a>> = postmortems
        .iter()
        .enumerate()
        .flat_map(|(index, pm)| {
            pm.improvement_actions.iter().map(move |action| ActionRef {
                postmortem: index,
                action,
                is_overdue: action.is_overdue(today),
            })
        })
        .collect();
    // Overdue first (oldest due date first), then open work by due date,
    // then closed work; undated due dates after dated ones. The sort is
    // stable, so ties keep the newest-postmortem-first order.
    actions.sort_by_key(|a| {
        (!a.is_overdue, a.action.status.is_closed(), a.action.due.is_none(), a.action.due)
    });
    actions
}

fn group_by_year(postmortems: &[&Postmortem]) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    for (index, pm) in postmortems.iter().enumerate() {
        let (label, slug) = match pm.date {
            Some(date) => (date.year().to_string(), date.year().to_string()),
            None => ("Undated".to_string(), "undated".to_string()),
        };
        match groups.last_mut() {
            Some(group) if group.slug == slug => group.members.push(index),
            _ => groups.push(Group { label, slug, members: vec![index] }),
        }
    }
    groups
}

fn group_by_period(postmortems: &[&Postmortem], config: &Config) -> Vec<(Period, Vec<usize>)> {
    let mut periods: BTreeMap<Period, Vec<usize>> = BTreeMap::new();
    for (index, pm) in postmortems.iter().enumerate() {
        if let Some(date) = pm.date {
            periods.entry(period_of(date, config.digest_period)).or_default().push(index);
        }
    }
    periods.into_iter().rev().collect()
}

fn group_by_owner(actions: &[ActionRef<'_>]) -> Vec<Group> {
    let mut owners: BTreeMap<String, Group> = BTreeMap::new();
    let mut unowned =
        Group { label: "No owner".into(), slug: NO_OWNER.into(), members: Vec::new() };
    for (index, action) in actions.iter().enumerate() {
        match &action.action.owner {
            Some(owner) => {
                let slug = term_slug(owner);
                owners
                    .entry(slug.clone())
                    .or_insert_with(|| Group { label: owner.clone(), slug, members: Vec::new() })
                    .members
                    .push(index);
            }
            None => unowned.members.push(index),
        }
    }
    let mut groups: Vec<Group> = owners.into_values().collect();
    if !unowned.members.is_empty() {
        groups.push(unowned);
    }
    groups
}

fn group_lessons(postmortems: &[&Postmortem], theme: &str) -> Vec<Theme> {
    let names = taxonomy::common_names(postmortems, theme);
    let mut themes: BTreeMap<String, Theme> = BTreeMap::new();
    let none = term_slug(&format!("no {theme}"));
    let mut other = Theme {
        label: format!("No {}", taxonomy::title_of(theme).to_lowercase()),
        slug: none.clone(),
        lessons: Vec::new(),
    };
    for (index, pm) in postmortems.iter().enumerate() {
        let lessons = (0..pm.lessons_learned.len()).map(|l| (index, l));
        let terms = taxonomy::values_of(pm, theme);
        if terms.is_empty() {
            other.lessons.extend(lessons);
            continue;
        }
        // Spellings that merge (`C++` and `c-plus-plus`) are one theme: the
        // postmortem's lessons go under it once.
        let mut slugs: Vec<(String, &str)> = terms.iter().map(|t| (term_slug(t), *t)).collect();
        slugs.sort_by(|a, b| a.0.cmp(&b.0));
        slugs.dedup_by(|a, b| a.0 == b.0);
        for (slug, term) in slugs {
            let label = names.get(&slug).cloned().unwrap_or_else(|| term.to_string());
            themes
                .entry(slug.clone())
                .or_insert_with(|| Theme { label, slug, lessons: Vec::new() })
                .lessons
                .extend(lessons.clone());
        }
    }
    // A theme may itself be called "no tags"; the catch-all then takes a
    // slug no theme has, so the two never share a page.
    let mut n = 2;
    while themes.contains_key(&other.slug) {
        other.slug = format!("{none}-{n}");
        n += 1;
    }
    let mut groups: Vec<Theme> = themes.into_values().filter(|t| !t.lessons.is_empty()).collect();
    if !other.lessons.is_empty() {
        groups.push(other);
    }
    groups
}
