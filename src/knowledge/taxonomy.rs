//! Taxonomies: tags, services, teams, severity, and whatever else the
//! settings name, each with its terms and the postmortems under them.

use std::collections::HashMap;

use crate::diagnostic::{Diagnostic, Position};
use crate::model::Postmortem;

/// One way of classifying postmortems, such as tags.
#[derive(Debug)]
pub struct Taxonomy {
    /// The field it reads: `tags`, `services`, `trigger`, or an `extra` key.
    pub name: String,
    /// URL segment: `/tags/`.
    pub slug: String,
    /// Heading: `Tags`.
    pub title: String,
    /// Terms in display order.
    pub terms: Vec<Term>,
}

/// One value of a taxonomy, such as the tag `failover`.
#[derive(Debug)]
pub struct Term {
    /// The spelling first met (in newest-first order).
    pub name: String,
    /// URL segment.
    pub slug: String,
    /// Positions of its postmortems in the published list, newest first.
    pub members: Vec<usize>,
}

/// The fields of the format a taxonomy can use; any other name is read
/// from `extra`.
pub const FIELDS: &[&str] = &[
    "tags",
    "services",
    "teams",
    "authors",
    "severity",
    "trigger",
    "organization",
    "kind",
    "categories",
];

/// The values a postmortem has for a taxonomy.
pub fn values_of<'p>(pm: &'p Postmortem, taxonomy: &str) -> Vec<&'p str> {
    let one = |value: &'p Option<String>| value.as_deref().into_iter().collect();
    match taxonomy {
        "tags" => pm.tags.iter().map(String::as_str).collect(),
        "services" => pm.services.iter().map(String::as_str).collect(),
        "teams" => pm.teams.iter().map(String::as_str).collect(),
        "authors" => pm.authors.iter().map(String::as_str).collect(),
        "severity" => one(&pm.severity),
        "trigger" => one(&pm.trigger),
        "organization" => one(&pm.organization),
        "kind" => vec![pm.kind.label()],
        "categories" => pm.root_causes.iter().filter_map(|c| c.category.as_deref()).collect(),
        other => match pm.extra.get(other) {
            Some(serde_json::Value::String(s)) => vec![s.as_str()],
            Some(serde_json::Value::Array(items)) => {
                items.iter().filter_map(|v| v.as_str()).collect()
            }
            _ => Vec::new(),
        },
    }
}

/// Each term's display name: its most common spelling across
/// `postmortems` (ties: the first met), as the term pages name it.
pub fn common_names(postmortems: &[&Postmortem], taxonomy: &str) -> HashMap<String, String> {
    let mut counts: HashMap<String, Vec<(String, usize)>> = HashMap::new();
    for pm in postmortems {
        for value in values_of(pm, taxonomy) {
            let value = value.trim();
            let spellings = counts.entry(term_slug(value)).or_default();
            match spellings.iter_mut().find(|(s, _)| s == value) {
                Some((_, n)) => *n += 1,
                None => spellings.push((value.to_string(), 1)),
            }
        }
    }
    counts
        .into_iter()
        .map(|(slug, spellings)| {
            let best = (0..spellings.len())
                .max_by(|&a, &b| spellings[a].1.cmp(&spellings[b].1).then(b.cmp(&a)))
                .unwrap_or(0);
            (slug, spellings[best].0.clone())
        })
        .collect()
}

/// The heading of a taxonomy's pages.
pub fn title_of(name: &str) -> String {
    match name {
        "categories" => "Root-cause categories".to_string(),
        "severity" => "Severity".to_string(),
        other => {
            let spaced = other.replace(['_', '-'], " ");
            let mut chars = spaced.chars();
            chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
        }
    }
}

/// Builds a taxonomy over the published postmortems (newest first).
///
/// Two spellings that fold to one URL (`Deploy` and `deploy`) are merged
/// into one term named by the most common spelling (on a tie, the one met
/// first); each file with another spelling gets a warning naming a file
/// with the common one, so neither page silently overwrites the other and
/// the advice does not flip when one new file arrives.
pub fn build(
    name: &str,
    postmortems: &[&Postmortem],
    order: Option<&[String]>,
) -> (Taxonomy, Vec<Diagnostic>) {
    // Per slug: each spelling with the files that use it, in first-met order.
    let mut spellings: Vec<(String, Vec<Spelling>)> = Vec::new();
    let mut by_slug: HashMap<String, usize> = HashMap::new();
    for (index, pm) in postmortems.iter().enumerate() {
        for value in values_of(pm, name) {
            let value = value.trim();
            let slug = term_slug(value);
            let at = *by_slug.entry(slug.clone()).or_insert_with(|| {
                spellings.push((slug, Vec::new()));
                spellings.len() - 1
            });
            let variants = &mut spellings[at].1;
            match variants.iter_mut().find(|(spelled, _)| spelled == value) {
                Some((_, files)) if files.last() == Some(&index) => {}
                Some((_, files)) => files.push(index),
                None => variants.push((value.to_string(), vec![index])),
            }
        }
    }
    let mut problems = Vec::new();
    let mut terms: Vec<Term> = spellings
        .into_iter()
        .map(|(slug, variants)| merge(name, slug, variants, postmortems, &mut problems))
        .collect();
    sort_terms(&mut terms, order);
    let taxonomy = Taxonomy {
        slug: crate::slug::slugify(name),
        title: title_of(name),
        name: name.to_string(),
        terms,
    };
    (taxonomy, problems)
}

/// One way a term is written, with the postmortems that write it so.
type Spelling = (String, Vec<usize>);

/// One term from its spellings, warning the files that spell it otherwise.
fn merge(
    name: &str,
    slug: String,
    variants: Vec<Spelling>,
    postmortems: &[&Postmortem],
    problems: &mut Vec<Diagnostic>,
) -> Term {
    let chosen = (0..variants.len())
        .max_by(|&a, &b| variants[a].1.len().cmp(&variants[b].1.len()).then(b.cmp(&a)))
        .unwrap_or(0);
    let (common, common_files) = &variants[chosen];
    let example = &postmortems[common_files[0]].source;
    for (spelled, files) in variants.iter().filter(|(s, _)| s != common) {
        for &file in files {
            let message = format!(
                "{} `{spelled}` and `{common}` ({}) share one page, /{}/{slug}/; they are merged",
                singular(name),
                example.display(),
                crate::slug::slugify(name)
            );
            let hint = format!("spell it `{common}`, as most postmortems do");
            let diagnostic =
                Diagnostic::warning(&postmortems[file].source, Position::file(), message);
            problems.push(diagnostic.with_hint(hint));
        }
    }
    let mut members: Vec<usize> =
        variants.iter().flat_map(|(_, files)| files.iter().copied()).collect();
    members.sort_unstable();
    members.dedup();
    Term { name: common.clone(), slug, members }
}

/// Severity follows the configured scale; other terms sort by name.
fn sort_terms(terms: &mut [Term], order: Option<&[String]>) {
    match order {
        Some(scale) => {
            terms.sort_by_key(|t| scale.iter().position(|s| s == &t.name).unwrap_or(usize::MAX))
        }
        None => terms.sort_by(|a, b| {
            a.name.to_lowercase().cmp(&b.name.to_lowercase()).then_with(|| a.name.cmp(&b.name))
        }),
    }
}

fn singular(name: &str) -> &str {
    match name {
        "tags" => "tag",
        "services" => "service",
        "teams" => "team",
        "authors" => "author",
        "categories" => "category",
        other => other,
    }
}

/// The URL segment of a term. Symbols that distinguish real names are
/// spelled out, so `C`, `C++` and `C#` get three pages; case and other
/// punctuation fold, so `Deploy` and `deploy` share one; letters of any
/// script are kept (`données`).
pub fn term_slug(term: &str) -> String {
    let mut spelled = String::with_capacity(term.len() + 8);
    for c in term.chars() {
        match c {
            '+' => spelled.push_str(" plus "),
            '#' => spelled.push_str(" sharp "),
            '&' => spelled.push_str(" and "),
            '@' => spelled.push_str(" at "),
            _ => spelled.push(c),
        }
    }
    let slug = crate::slug::slugify(&spelled);
    if slug.is_empty() {
        // A term of symbols only (`???`) still needs a stable page.
        let hash = term.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        format!("term-{:08x}", hash as u32)
    } else {
        slug
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_common_spelling_names_a_merged_term() {
        let mut all = Vec::new();
        for (i, tag) in ["Deploy", "deploy", "deploy", "Deploy", "deploy"].iter().enumerate() {
            let source = format!("content/{i}.md");
            let status = crate::model::Status::Published;
            let mut pm = crate::link::tests::postmortem(&source, &format!("P{i}"), status, "");
            pm.tags = vec![tag.to_string()];
            all.push(pm);
        }
        let refs: Vec<&Postmortem> = all.iter().collect();
        let (taxonomy, problems) = build("tags", &refs, None);
        assert_eq!(taxonomy.terms.len(), 1);
        assert_eq!(taxonomy.terms[0].name, "deploy");
        assert_eq!(taxonomy.terms[0].members, [0, 1, 2, 3, 4]);
        let warned: Vec<String> = problems.iter().map(|d| d.path.display().to_string()).collect();
        assert_eq!(warned, ["content/0.md", "content/3.md"]);
        let first = &problems[0].message;
        assert!(first.contains("`Deploy` and `deploy` (content/1.md)"), "{first}");
    }

    #[test]
    fn awkward_terms_get_working_distinct_slugs() {
        let cases = [
            ("C++", "c-plus-plus"),
            ("C#", "c-sharp"),
            ("C", "c"),
            ("tls/ssl", "tls-ssl"),
            ("données", "données"),
            ("Deploy", "deploy"),
            ("deploy", "deploy"),
            ("R&D", "r-and-d"),
        ];
        for (term, slug) in cases {
            assert_eq!(term_slug(term), slug, "{term}");
        }
        assert!(term_slug("???").starts_with("term-"));
        assert_ne!(term_slug("???"), term_slug("!!!"));
    }
}
