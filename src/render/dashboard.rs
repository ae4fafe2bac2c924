//! The home page's dashboard as templates see it: figures formatted,
//! terms linked, the chart drawn.

use serde::Serialize;

use super::kb::TermLink;
use super::views::{Entry, display_duration};
use crate::knowledge::dashboard::Dashboard;

/// The dashboard as templates see it.
#[derive(Serialize)]
pub struct DashboardView<'e> {
    chart_svg: String,
    months: Vec<(String, usize)>,
    quarters: Vec<QuarterRow>,
    top_services: Vec<TermLink>,
    top_tags: Vec<TermLink>,
    top_triggers: Vec<TermLink>,
    recurring_source: &'static str,
    recurring: Vec<RecurringView<'e>>,
    on_this_day: Vec<&'e Entry>,
}

#[derive(Serialize)]
struct QuarterRow {
    label: String,
    detected: usize,
    detect_median: String,
    detect_p90: String,
    resolved: usize,
    resolve_median: String,
    resolve_p90: String,
}

#[derive(Serialize)]
struct RecurringView<'e> {
    name: String,
    postmortems: Vec<&'e Entry>,
}

impl<'e> DashboardView<'e> {
    /// The display form of `dashboard`; `configured` names the taxonomies
    /// that have pages to link to.
    pub fn new(
        dashboard: &Dashboard,
        entries: &'e [Entry],
        configured: &[&str],
    ) -> DashboardView<'e> {
        let shown =
            |d: Option<jiff::SignedDuration>| d.map(display_duration).unwrap_or_else(|| "–".into());
        // Terms link to their page when the taxonomy has pages.
        let links = |items: &[(String, usize)], taxonomy: &str| -> Vec<TermLink> {
            let has_pages = configured.contains(&taxonomy);
            items
                .iter()
                .map(|(name, count)| TermLink {
                    name: name.clone(),
                    url: if has_pages {
                        format!("{taxonomy}/{}/", crate::knowledge::taxonomy::term_slug(name))
                    } else {
                        String::new()
                    },
                    count: *count,
                })
                .collect()
        };
        DashboardView {
            chart_svg: super::chart::months_svg(&dashboard.per_month),
            months: dashboard.per_month.iter().map(|m| (m.label.clone(), m.count)).collect(),
            quarters: dashboard
                .quarters
                .iter()
                .map(|q| QuarterRow {
                    label: q.label.clone(),
                    detected: q.detected,
                    detect_median: shown(q.detect_median),
                    detect_p90: shown(q.detect_p90),
                    resolved: q.resolved,
                    resolve_median: shown(q.resolve_median),
                    resolve_p90: shown(q.resolve_p90),
                })
                .collect(),
            top_services: links(&dashboard.top_services, "services"),
            top_tags: links(&dashboard.top_tags, "tags"),
            top_triggers: links(&dashboard.top_triggers, "trigger"),
            recurring_source: dashboard.recurring_source,
            recurring: dashboard
                .recurring
                .iter()
                .map(|r| RecurringView {
                    name: r.name.clone(),
                    postmortems: r.members.iter().map(|&i| &entries[i]).collect(),
                })
                .collect(),
            on_this_day: dashboard.on_this_day.iter().map(|&i| &entries[i]).collect(),
        }
    }
}
