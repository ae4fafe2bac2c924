use std::path::PathBuf;

use super::*;
use crate::model::{Body, Kind, Status};

pub(crate) fn postmortem(source: &str, id: &str, status: Status, body: &str) -> Postmortem {
    Postmortem {
        source: PathBuf::from(source),
        id: id.to_string(),
        slug: crate::slug::slugify(id),
        title: format!("Title of {id}"),
        date: None,
        start_time: None,
        detected_at: None,
        end_time: None,
        severity: None,
        status,
        kind: Kind::Incident,
        summary: None,
        services: Vec::new(),
        teams: Vec::new(),
        organization: None,
        tags: Vec::new(),
        authors: Vec::new(),
        impact: None,
        detection: None,
        response_actions: Vec::new(),
        trigger: None,
        root_causes: Vec::new(),
        contributing_factors: Vec::new(),
        lessons_learned: Vec::new(),
        improvement_actions: Vec::new(),
        related: Vec::new(),
        sources: Vec::new(),
        extra: serde_json::Map::new(),
        body: Body { markdown: body.to_string(), first_line: 1 },
        lines: crate::model::FieldLines::default(),
        created: None,
        updated: None,
        contributors: Vec::new(),
    }
}

fn corpus() -> Vec<Postmortem> {
    vec![
        postmortem("content/a.md", "INC-1", Status::Published, "## Five whys\n"),
        postmortem("content/sub/b.md", "INC-2", Status::Published, ""),
        postmortem("content/c.md", "INC-3", Status::Draft, ""),
    ]
}

fn is_broken(target: &LinkTarget, words: &str) -> bool {
    matches!(target, LinkTarget::Broken { message, hint } if message.contains(words) || hint.contains(words))
}

#[test]
fn links_by_id_and_by_file_resolve_to_page_urls() {
    let all = corpus();
    let (index, problems) = LinkIndex::build(&all, UrlStyle::Rooted("/kb/".into()), false);
    assert!(problems.is_empty());
    let links = index.links_from(&all[1]);
    let page = |url: &str| LinkTarget::Page {
        url: url.into(),
        title: "Title of INC-1".into(),
        id: "INC-1".into(),
    };
    assert_eq!(links.resolve("inc-1", true), page("/kb/postmortems/inc-1/"));
    assert_eq!(links.resolve("../a.md", false), page("/kb/postmortems/inc-1/"));
    assert_eq!(links.resolve("../a.md#five-whys", false), page("/kb/postmortems/inc-1/#five-whys"));
    assert_eq!(links.resolve("https://x.example/a.md", false), LinkTarget::Keep);
    assert_eq!(links.resolve("#local", false), LinkTarget::Keep);
}

#[test]
fn missing_ids_files_and_headings_are_broken() {
    let all = corpus();
    let (index, _) = LinkIndex::build(&all, UrlStyle::Portable, false);
    let links = index.links_from(&all[1]);
    assert!(is_broken(&links.resolve("INC-404", true), "names no postmortem"));
    assert!(is_broken(&links.resolve("../missing.md", false), "not a postmortem here"));
    assert!(is_broken(&links.resolve("../a.md#five-why", false), "did you mean `#five-whys`"));
}

// Of two headings as near to a mistyped anchor, the hint names the same
// one on every build: a hint that changed from run to run made the body
// memo render the body again each time.
#[test]
fn a_mistyped_anchor_gets_the_same_hint_on_every_build() {
    let all = vec![
        postmortem("content/a.md", "INC-1", Status::Published, "## Abd\n\n## Abe\n"),
        postmortem("content/b.md", "INC-2", Status::Published, ""),
    ];
    let hints: std::collections::HashSet<String> = (0..20)
        .map(|_| {
            let (index, _) = LinkIndex::build(&all, UrlStyle::Portable, false);
            match index.links_from(&all[1]).resolve("a.md#abc", false) {
                LinkTarget::Broken { hint, .. } => hint,
                other => panic!("not broken: {other:?}"),
            }
        })
        .collect();
    assert_eq!(hints.len(), 1, "{hints:?}");
}

#[test]
fn a_link_into_a_draft_is_broken_unless_drafts_are_built() {
    let all = corpus();
    let (index, _) = LinkIndex::build(&all, UrlStyle::Portable, false);
    assert!(is_broken(&index.links_from(&all[0]).resolve("INC-3", true), "draft"));
    let (with_drafts, _) = LinkIndex::build(&all, UrlStyle::Portable, true);
    let target = with_drafts.links_from(&all[0]).resolve("INC-3", true);
    assert!(matches!(target, LinkTarget::Page { .. }));
}

#[test]
fn duplicate_ids_and_colliding_urls_are_errors_naming_both_files() {
    let all = vec![
        postmortem("content/a.md", "INC-1", Status::Published, ""),
        postmortem("content/b.md", "inc-1", Status::Published, ""),
        postmortem("content/c.md", "INC_1", Status::Published, ""),
    ];
    let (_, problems) = LinkIndex::build(&all, UrlStyle::Portable, false);
    let messages: Vec<String> = problems.iter().map(|d| d.to_string()).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(
        messages[0].starts_with("content/b.md: error: id `inc-1` is also used by content/a.md")
    );
    assert!(messages[1].contains("would both write /postmortems/inc-1/"), "{}", messages[1]);
}
