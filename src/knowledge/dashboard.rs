//! The figures on the home page: trends, durations, what keeps breaking.

use std::collections::{BTreeMap, HashMap};

use jiff::civil::Date;
use jiff::{SignedDuration, ToSpan};

use super::period::{PeriodKind, period_of};
use super::stats::{median, percentile};
use super::taxonomy::{common_names, term_slug, values_of};
use crate::model::Postmortem;

/// How many months the trend chart covers, ending with the build month.
const CHART_MONTHS: i32 = 36;
/// How many quarters of durations the dashboard shows.
const DURATION_QUARTERS: usize = 8;
/// How many of the most frequent services, tags and triggers are listed.
const TOP: usize = 5;

/// Everything the dashboard shows beyond plain counts.
#[derive(Debug, Default)]
pub struct Dashboard {
    /// Postmortems per month, oldest first, ending with the build month.
    pub per_month: Vec<MonthCount>,
    /// Time to detect and to resolve by quarter, newest first.
    pub quarters: Vec<QuarterTimes>,
    /// Most frequent services of the last 12 months, with counts.
    pub top_services: Vec<(String, usize)>,
    /// Most frequent tags of the last 12 months.
    pub top_tags: Vec<(String, usize)>,
    /// Most frequent triggers of the last 12 months.
    pub top_triggers: Vec<(String, usize)>,
    /// Causes seen in two or more postmortems, most frequent first.
    pub recurring: Vec<Recurring>,
    /// What recurring causes are drawn from: categories, or tags.
    pub recurring_source: &'static str,
    /// Postmortems whose anniversary falls in the build week.
    pub on_this_day: Vec<usize>,
}

/// Postmortems in one month.
#[derive(Debug)]
pub struct MonthCount {
    /// `2025-03`.
    pub key: String,
    /// `Mar 2025`.
    pub label: String,
    /// How many postmortems are dated in it.
    pub count: usize,
}

/// Durations of one quarter's incidents.
#[derive(Debug)]
pub struct QuarterTimes {
    /// `Q1 2025`.
    pub label: String,
    /// Incidents with a time to detect.
    pub detected: usize,
    /// Median time to detect.
    pub detect_median: Option<SignedDuration>,
    /// 90th percentile of time to detect.
    pub detect_p90: Option<SignedDuration>,
    /// Incidents with a time to resolve.
    pub resolved: usize,
    /// Median time to resolve.
    pub resolve_median: Option<SignedDuration>,
    /// 90th percentile of time to resolve.
    pub resolve_p90: Option<SignedDuration>,
}

/// A cause that keeps coming back.
#[derive(Debug)]
pub struct Recurring {
    /// The category or tag.
    pub name: String,
    /// Its postmortems, newest first.
    pub members: Vec<usize>,
}

impl Dashboard {
    /// Computes the figures as of `today`.
    pub fn build(postmortems: &[&Postmortem], today: Date) -> Dashboard {
        let year_ago = today.checked_sub(1.year()).unwrap_or(today);
        let recent: Vec<&Postmortem> = postmortems
            .iter()
            .copied()
            .filter(|pm| pm.date.is_some_and(|d| d > year_ago && d <= today))
            .collect();
        let (recurring_source, recurring) = recurring(postmortems);
        Dashboard {
            per_month: per_month(postmortems, today),
            quarters: quarter_times(postmortems),
            top_services: top(&recent, postmortems, "services"),
            top_tags: top(&recent, postmortems, "tags"),
            top_triggers: top(&recent, postmortems, "trigger"),
            recurring,
            recurring_source,
            on_this_day: on_this_day(postmortems, today),
        }
    }
}

fn per_month(postmortems: &[&Postmortem], today: Date) -> Vec<MonthCount> {
    let mut counts: HashMap<(i16, i8), usize> = HashMap::new();
    for date in postmortems.iter().filter_map(|pm| pm.date) {
        *counts.entry((date.year(), date.month())).or_default() += 1;
    }
    let first = today.first_of_month();
    (0..CHART_MONTHS)
        .rev()
        .filter_map(|back| first.checked_sub(back.months()).ok())
        .map(|month| MonthCount {
            key: format!("{}-{:02}", month.year(), month.month()),
            label: month.strftime("%b %Y").to_string(),
            count: counts.get(&(month.year(), month.month())).copied().unwrap_or(0),
        })
        .collect()
}

fn quarter_times(postmortems: &[&Postmortem]) -> Vec<QuarterTimes> {
    let mut by_quarter: BTreeMap<String, (String, Vec<SignedDuration>, Vec<SignedDuration>)> =
        BTreeMap::new();
    for pm in postmortems {
        let Some(date) = pm.date else { continue };
        let (detect, resolve) = (pm.time_to_detect(), pm.time_to_resolve());
        if detect.is_none() && resolve.is_none() {
            continue;
        }
        let period = period_of(date, PeriodKind::Quarter);
        let entry =
            by_quarter.entry(period.key).or_insert_with(|| (period.label, Vec::new(), Vec::new()));
        entry.1.extend(detect);
        entry.2.extend(resolve);
    }
    by_quarter
        .into_values()
        .rev()
        .take(DURATION_QUARTERS)
        .map(|(label, detect, resolve)| QuarterTimes {
            label,
            detected: detect.len(),
            detect_median: median(&detect),
            detect_p90: percentile(&detect, 90.0),
            resolved: resolve.len(),
            resolve_median: median(&resolve),
            resolve_p90: percentile(&resolve, 90.0),
        })
        .collect()
}

fn top(recent: &[&Postmortem], all: &[&Postmortem], taxonomy: &str) -> Vec<(String, usize)> {
    let names = common_names(all, taxonomy);
    let mut counts: HashMap<String, usize> = HashMap::new();
    for pm in recent {
        for value in values_of(pm, taxonomy) {
            *counts.entry(term_slug(value)).or_default() += 1;
        }
    }
    let mut ranked: Vec<(String, usize)> = counts
        .into_iter()
        .map(|(slug, n)| (names.get(&slug).cloned().unwrap_or(slug), n))
        .collect();
    ranked.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then_with(|| a.0.to_lowercase().cmp(&b.0.to_lowercase()))
            .then_with(|| a.0.cmp(&b.0))
    });
    ranked.truncate(TOP);
    ranked
}

/// Root-cause categories seen twice or more; tags when no postmortem
/// categorises its causes.
fn recurring(postmortems: &[&Postmortem]) -> (&'static str, Vec<Recurring>) {
    let has_categories = postmortems.iter().any(|pm| !values_of(pm, "categories").is_empty());
    let (source, taxonomy) =
        if has_categories { ("root-cause categories", "categories") } else { ("tags", "tags") };
    let names = common_names(postmortems, taxonomy);
    let mut groups: HashMap<String, Recurring> = HashMap::new();
    for (index, pm) in postmortems.iter().enumerate() {
        for value in values_of(pm, taxonomy) {
            let slug = term_slug(value);
            let name = names.get(&slug).cloned().unwrap_or_else(|| value.to_string());
            let group =
                groups.entry(slug).or_insert_with(|| Recurring { name, members: Vec::new() });
            if group.members.last() != Some(&index) {
                group.members.push(index);
            }
        }
    }
    let mut recurring: Vec<Recurring> =
        groups.into_values().filter(|g| g.members.len() >= 2).collect();
    recurring
        .sort_by(|a, b| b.members.len().cmp(&a.members.len()).then_with(|| a.name.cmp(&b.name)));
    (source, recurring)
}

/// The Monday of the week holding `today`.
fn build_week_monday(today: Date) -> Date {
    let back = i64::from(today.weekday().to_monday_zero_offset());
    today.checked_sub(back.days()).unwrap_or(today)
}

/// Postmortems of earlier years whose day and month fall in the build
/// week (Monday to Sunday). A 29 February incident is remembered on 28
/// February in other years.
fn on_this_day(postmortems: &[&Postmortem], today: Date) -> Vec<usize> {
    let monday = build_week_monday(today);
    let week: Vec<Date> = (0..7).filter_map(|d| monday.checked_add(d.days()).ok()).collect();
    let anniversary = |date: Date, year: i16| {
        Date::new(year, date.month(), date.day())
            .or_else(|_| Date::new(year, date.month(), date.day() - 1))
            .ok()
    };
    postmortems
        .iter()
        .enumerate()
        .filter(|(_, pm)| {
            pm.date.is_some_and(|date| {
                week.iter().any(|day| {
                    date.year() < day.year() && anniversary(date, day.year()) == Some(*day)
                })
            })
        })
        .map(|(index, _)| index)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn the_build_week_runs_monday_to_sunday() {
        // 2026-12-03 is a Thursday: the week is 30 November to 6 December.
        let today = date(2026, 12, 3);
        assert_eq!(build_week_monday(today), date(2026, 11, 30));
        assert_eq!(build_week_monday(date(2026, 11, 30)), date(2026, 11, 30));
    }
}
