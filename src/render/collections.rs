//! Reading-list pages: `/collections/` and one page per list, with each
//! postmortem's summary, the curator's note and the lessons learned.

use std::collections::HashMap;

use serde::Serialize;

use super::Out;
use super::memo::Vars;
use super::views::Entry;
use crate::collection::Collection;
use crate::markdown::inline;
use crate::model::Postmortem;

/// A reading list as its page shows it.
#[derive(Serialize)]
pub struct ListView<'e> {
    title: String,
    url: String,
    intro_html: String,
    items: Vec<ItemView<'e>>,
}

#[derive(Serialize)]
struct ItemView<'e> {
    entry: &'e Entry,
    note_html: String,
    lessons: Vec<String>,
}

/// A link to a list, for the home page and the index.
#[derive(Serialize)]
pub struct ListLink {
    title: String,
    url: String,
    count: usize,
}

/// Links to every list.
pub fn links(lists: &[Collection]) -> Vec<ListLink> {
    lists
        .iter()
        .map(|l| ListLink {
            title: l.title.clone(),
            url: format!("collections/{}/", l.slug),
            count: l.items.len(),
        })
        .collect()
}

/// The lists with their postmortems resolved; entries the checks already
/// reported (unknown ids, drafts) are left out.
pub fn views<'e>(
    lists: &[Collection],
    postmortems: &[&Postmortem],
    entries: &'e [Entry],
) -> Vec<ListView<'e>> {
    let by_id: HashMap<String, usize> =
        postmortems.iter().enumerate().map(|(i, pm)| (pm.id.to_lowercase(), i)).collect();
    lists
        .iter()
        .map(|list| ListView {
            title: list.title.clone(),
            url: format!("collections/{}/", list.slug),
            intro_html: crate::markdown::sanitise(&intro_html(&list.intro)),
            items: list
                .items
                .iter()
                .filter_map(|item| {
                    let i = *by_id.get(&item.id.to_lowercase())?;
                    Some(ItemView {
                        entry: &entries[i],
                        note_html: inline(&item.note),
                        lessons: postmortems[i].lessons_learned.iter().map(|l| inline(l)).collect(),
                    })
                })
                .collect(),
        })
        .collect()
}

fn intro_html(markdown: &str) -> String {
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, pulldown_cmark::Parser::new(markdown));
    html
}

/// `/collections/` and a page per list.
pub(super) fn pages(out: &Out<'_>, lists: &[ListView<'_>]) -> anyhow::Result<()> {
    if lists.is_empty() {
        return Ok(());
    }
    for list in lists {
        let mut vars = Vars::new();
        vars.insert("list", list);
        out.page("collection.html", &list.url, vars)?;
    }
    let index: Vec<ListLink> = lists
        .iter()
        .map(|l| ListLink { title: l.title.clone(), url: l.url.clone(), count: l.items.len() })
        .collect();
    let mut vars = Vars::new();
    vars.insert("lists", &index);
    out.page("collections.html", "collections/", vars)
}
