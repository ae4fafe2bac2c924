//! Cross-references between postmortems.
//!
//! Builds the lookup tables once (by id, by file, the anchors of each
//! page), checks that ids and page URLs are unique, and answers the Markdown
//! renderer's questions about `[[ID]]` and `other.md#anchor` links.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};
use std::sync::OnceLock;

use crate::collection::Collection;
use crate::diagnostic::{Diagnostic, Level, Position};
use crate::markdown::{self, LinkTarget, Links};
use crate::model::Postmortem;
use crate::url::UrlStyle;

/// Lookup tables over every postmortem of a build.
pub struct LinkIndex<'a> {
    postmortems: &'a [Postmortem],
    by_id: HashMap<String, usize>,
    by_file: HashMap<PathBuf, usize>,
    /// Each postmortem's heading anchors, found the first time a link
    /// needs them: most postmortems are never an anchor's target.
    anchors: Vec<OnceLock<HashSet<String>>>,
    style: UrlStyle,
    include_drafts: bool,
}

impl<'a> LinkIndex<'a> {
    /// Indexes `postmortems`, reporting ids and URLs used twice.
    pub fn build(
        postmortems: &'a [Postmortem],
        style: UrlStyle,
        include_drafts: bool,
    ) -> (LinkIndex<'a>, Vec<Diagnostic>) {
        let mut problems = Vec::new();
        let mut by_id = HashMap::new();
        let mut by_slug: HashMap<&str, usize> = HashMap::new();
        let mut by_file = HashMap::new();
        for (i, pm) in postmortems.iter().enumerate() {
            by_file.insert(normalise(&pm.source), i);
            if pm.slug.is_empty() {
                let message = format!("id `{}` has no letters or digits to make a URL from", pm.id);
                let hint = "use an id such as INC-2025-014";
                problems.push(
                    Diagnostic::error(&pm.source, pm.lines.id_position(), message).with_hint(hint),
                );
                continue;
            }
            if is_archive_page(&pm.slug) {
                let message = format!(
                    "id `{}` would write over the archive page /postmortems/{}/",
                    pm.id, pm.slug
                );
                let hint = "years and `undated` name archive pages; use an id such as INC-2025-014";
                problems.push(
                    Diagnostic::error(&pm.source, pm.lines.id_position(), message).with_hint(hint),
                );
                continue;
            }
            if let Some(&first) = by_id.get(&pm.id.to_lowercase()) {
                problems.push(duplicate(pm, &postmortems[first], "id"));
            } else if let Some(&first) = by_slug.get(pm.slug.as_str()) {
                problems.push(duplicate(pm, &postmortems[first], "page"));
            }
            by_id.entry(pm.id.to_lowercase()).or_insert(i);
            by_slug.entry(&pm.slug).or_insert(i);
        }
        let anchors = postmortems.iter().map(|_| OnceLock::new()).collect();
        let index = LinkIndex { postmortems, by_id, by_file, anchors, style, include_drafts };
        (index, problems)
    }

    /// The postmortem with this id, ignoring case.
    pub fn find(&self, id: &str) -> Option<&'a Postmortem> {
        self.by_id.get(&id.trim().to_lowercase()).map(|&i| &self.postmortems[i])
    }

    /// True when the postmortem gets a page in this build.
    pub fn is_published(&self, pm: &Postmortem) -> bool {
        self.include_drafts || !pm.is_draft()
    }

    /// The folder of a postmortem's page, relative to the site root:
    /// `postmortems/inc-1/`.
    pub fn path(&self, pm: &Postmortem) -> String {
        format!("postmortems/{}/", pm.slug)
    }

    /// Takes `anchors` as the heading ids of `pm`'s body, as a body memo
    /// kept them from rendering the same text, instead of reading the body
    /// again when a link points at one of its headings.
    pub fn know_anchors(&self, pm: &Postmortem, anchors: &[String]) {
        if let Some(&i) = self.by_file.get(&normalise(&pm.source)) {
            let _ = self.anchors[i].set(anchors.iter().cloned().collect());
        }
    }

    /// A resolver for the links in one postmortem's body.
    pub fn links_from(&'a self, from: &'a Postmortem) -> PageLinks<'a> {
        PageLinks { index: self, from }
    }

    /// Errors for reading-list entries that name no published postmortem.
    pub fn check_collection(&self, list: &Collection) -> Vec<Diagnostic> {
        let mut problems = Vec::new();
        for item in &list.items {
            let message = match self.find(&item.id) {
                None => format!(
                    "the reading list names `{}`, which is not the id of any postmortem",
                    item.id
                ),
                Some(pm) if !self.is_published(pm) => {
                    format!(
                        "the reading list names `{}`, which is a draft and has no page",
                        item.id
                    )
                }
                Some(_) => continue,
            };
            let hint = "use the id of a published postmortem (its `id:`, or its file name)";
            problems.push(Diagnostic::error(&list.source, item.at, message).with_hint(hint));
        }
        problems
    }

    /// Warnings for `related` ids that name no postmortem.
    pub fn check_related(&self, pm: &Postmortem) -> Vec<Diagnostic> {
        pm.related
            .iter()
            .filter(|id| self.find(id).is_none())
            .map(|id| {
                let message =
                    format!("`related` names `{id}`, which is not the id of any postmortem");
                Diagnostic::warning(&pm.source, pm.lines.related_position(), message)
                    .with_hint("check the spelling; ids are set by `id:` or the file name")
            })
            .collect()
    }

    fn target(
        &self,
        from: &Postmortem,
        pm: &'a Postmortem,
        anchor: Option<&str>,
        written: &str,
    ) -> LinkTarget {
        if !self.is_published(pm) {
            return LinkTarget::Broken {
                message: format!("`{written}` links to {}, which is a draft", pm.id),
                hint: "drafts get no page; publish it, build with --drafts, or drop the link"
                    .to_string(),
            };
        }
        let mut target = self.path(pm);
        if let Some(anchor) = anchor.filter(|a| !a.is_empty()) {
            let index = self.by_id[&pm.id.to_lowercase()];
            let anchors = self.anchors[index]
                .get_or_init(|| markdown::heading_ids(&pm.body.markdown).into_iter().collect());
            if !anchors.contains(anchor) {
                // Sorted: a set's order changes from run to run, and of two
                // headings as near as each other the hint must name the same.
                let mut known: Vec<&str> = anchors.iter().map(String::as_str).collect();
                known.sort_unstable();
                let hint = match crate::parse::suggest(anchor, &known) {
                    Some(near) => format!("did you mean `#{near}`?"),
                    None => format!(
                        "{} has no heading with the anchor `#{anchor}`",
                        pm.source.display()
                    ),
                };
                return LinkTarget::Broken {
                    message: format!("`{written}` points at a heading that does not exist"),
                    hint,
                };
            }
            target = format!("{target}#{anchor}");
        }
        let url = self.style.href(&self.path(from), &target);
        LinkTarget::Page { url, title: pm.title.clone(), id: pm.id.clone() }
    }
}

/// `/postmortems/2024/` and `/postmortems/undated/` are the archive.
fn is_archive_page(slug: &str) -> bool {
    slug == "undated" || (slug.len() == 4 && slug.bytes().all(|b| b.is_ascii_digit()))
}

fn duplicate(pm: &Postmortem, first: &Postmortem, what: &str) -> Diagnostic {
    let message = match what {
        "id" => format!("id `{}` is also used by {}", pm.id, first.source.display()),
        _ => format!(
            "ids `{}` and `{}` ({}) would both write /postmortems/{}/",
            pm.id,
            first.id,
            first.source.display(),
            pm.slug
        ),
    };
    Diagnostic::error(&pm.source, pm.lines.id_position(), message)
        .with_hint("give each postmortem its own `id:` (the file name is the default)")
}

/// Resolves the links of one postmortem's body.
pub struct PageLinks<'a> {
    index: &'a LinkIndex<'a>,
    from: &'a Postmortem,
}

impl Links for PageLinks<'_> {
    fn resolve(&self, dest: &str, is_wiki: bool) -> LinkTarget {
        if is_wiki {
            let (id, anchor) = split_anchor(dest);
            return match self.index.find(id) {
                Some(pm) => self.index.target(self.from, pm, anchor, &format!("[[{dest}]]")),
                None => LinkTarget::Broken {
                    message: format!("`[[{dest}]]` names no postmortem"),
                    hint: "use the target's `id:` (or its file name when it has none)".to_string(),
                },
            };
        }
        if !is_markdown_file_link(dest) {
            return LinkTarget::Keep;
        }
        let (file, anchor) = split_anchor(dest);
        let folder = self.from.source.parent().unwrap_or(Path::new(""));
        let wanted = normalise(&folder.join(crate::url::percent_decode(file)));
        match self.index.by_file.get(&wanted) {
            Some(&i) => self.index.target(self.from, &self.index.postmortems[i], anchor, dest),
            None => LinkTarget::Broken {
                message: format!("`{dest}` links to a file that is not a postmortem here"),
                hint: format!(
                    "no postmortem at {}; check the path from this file",
                    wanted.display()
                ),
            },
        }
    }
}

/// The level a broken link is reported at, from the settings.
pub fn broken_link(
    pm: &Postmortem,
    level: Level,
    at: Position,
    message: String,
    hint: String,
) -> Diagnostic {
    let diagnostic = match level {
        Level::Error => Diagnostic::error(&pm.source, at, message),
        Level::Warning => Diagnostic::warning(&pm.source, at, message),
    };
    diagnostic.with_hint(hint)
}

fn is_markdown_file_link(dest: &str) -> bool {
    let path = dest.split(['#', '?']).next().unwrap_or_default();
    let has_scheme = dest.split_once(':').is_some_and(|(scheme, _)| {
        !scheme.is_empty() && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    });
    !has_scheme && !dest.starts_with('/') && (path.ends_with(".md") || path.ends_with(".markdown"))
}

fn split_anchor(dest: &str) -> (&str, Option<&str>) {
    match dest.split_once('#') {
        Some((target, anchor)) => (target, Some(anchor)),
        None => (dest, None),
    }
}

/// `a/./b/../c.md` becomes `a/c.md`, without touching the disk.
fn normalise(path: &Path) -> PathBuf {
    let mut parts: Vec<Component<'_>> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir if matches!(parts.last(), Some(Component::Normal(_))) => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.iter().collect()
}

pub mod related;

#[cfg(test)]
pub(crate) mod tests;
