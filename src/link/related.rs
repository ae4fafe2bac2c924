//! Related incidents and backlinks, through inverted indexes.
//!
//! Comparing every pair of postmortems is quadratic; instead each service,
//! root-cause category and tag maps to the postmortems that carry it, and a
//! postmortem's candidates are only those that share something with it.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::knowledge::taxonomy::term_slug;
use crate::model::Postmortem;

/// Related incidents and backlinks of every published postmortem, by
/// position in the published list.
pub struct Web {
    /// Related incidents, named ones first.
    pub related: Vec<Vec<usize>>,
    /// Postmortems that link to each one.
    pub backlinks: Vec<Vec<usize>>,
}

impl Web {
    /// Relates `postmortems` given the ids each body links to.
    pub fn build(postmortems: &[&Postmortem], body_targets: &[Vec<String>]) -> Web {
        let position: HashMap<String, usize> =
            postmortems.iter().enumerate().map(|(i, pm)| (pm.id.to_lowercase(), i)).collect();
        let resolve = |ids: &mut dyn Iterator<Item = &String>| -> Vec<usize> {
            let mut found: Vec<usize> = Vec::new();
            for id in ids {
                if let Some(&i) = position.get(&id.trim().to_lowercase())
                    && !found.contains(&i)
                {
                    found.push(i);
                }
            }
            found
        };
        let explicit: Vec<Vec<usize>> =
            postmortems.iter().map(|pm| resolve(&mut pm.related.iter())).collect();
        let outgoing: Vec<Vec<usize>> = explicit
            .iter()
            .zip(body_targets)
            .map(|(named, targets)| {
                let mut all = resolve(&mut targets.iter());
                all.extend(named);
                all.sort_unstable();
                all.dedup();
                all
            })
            .collect();
        Web {
            related: related(postmortems, &explicit),
            backlinks: backlinks(postmortems.len(), &outgoing),
        }
    }
}

/// How many related incidents a page shows, at most.
pub const LIMIT: usize = 5;

/// How many postmortems on each side of one, in a key's posting list (which
/// is in newest-first order), are considered related candidates.
const WINDOW: usize = 50;

/// Shared services say most about two incidents, then shared root-cause
/// categories, then shared tags.
const WEIGHTS: [(&str, u32); 3] = [("services", 3), ("categories", 2), ("tags", 1)];

/// For each postmortem (by position), the positions of its related
/// incidents: those its `related` field names first, in the order written,
/// then the ones sharing the most services, categories and tags; ties go to
/// the newer postmortem, then the smaller id. At most `LIMIT` unless more
/// are named explicitly.
pub fn related(postmortems: &[&Postmortem], explicit: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let keys: Vec<Vec<Key>> = postmortems.par_iter().map(|pm| keys_of(pm)).collect();
    let index = invert(&keys);
    let ranks_before = |a: &(usize, u32), b: &(usize, u32)| {
        b.1.cmp(&a.1)
            .then_with(|| a.0.cmp(&b.0))
            .then_with(|| postmortems[a.0].id.cmp(&postmortems[b.0].id))
            .is_lt()
    };
    (0..postmortems.len())
        .into_par_iter()
        .map_init(
            // Each worker sums scores in one slot per postmortem and
            // remembers which slots it touched, to clear just those: a
            // few hundred candidates per postmortem, never a sort of them.
            || (vec![0u32; postmortems.len()], Vec::new()),
            |(scores, touched), i| {
                let mut chosen = explicit[i].clone();
                for key in &keys[i] {
                    let Some(postings) = index.get(key) else { continue };
                    // Only the neighbours nearest in time on a common key:
                    // a tag on half the collection would otherwise make
                    // this quadratic, and recent incidents are the likelier
                    // kin.
                    let at = postings.binary_search(&i).unwrap_or_else(|x| x);
                    let window =
                        &postings[at.saturating_sub(WINDOW)..(at + WINDOW + 1).min(postings.len())];
                    for &j in window.iter().filter(|&&j| j != i) {
                        // Every weight is at least 1: zero means untouched.
                        if scores[j] == 0 {
                            touched.push(j);
                        }
                        scores[j] += key.1;
                    }
                }
                let room = LIMIT.saturating_sub(chosen.len());
                // The best `room` candidates, best first.
                let mut best: Vec<(usize, u32)> = Vec::with_capacity(room + 1);
                for j in touched.drain(..) {
                    let candidate = (j, std::mem::take(&mut scores[j]));
                    if chosen.contains(&j) {
                        continue;
                    }
                    let at = best.partition_point(|held| ranks_before(held, &candidate));
                    if at < room {
                        best.insert(at, candidate);
                        best.truncate(room);
                    }
                }
                chosen.extend(best.into_iter().map(|(j, _)| j));
                chosen
            },
        )
        .collect()
}

type Key = (String, u32);

fn keys_of(pm: &Postmortem) -> Vec<Key> {
    let mut keys: Vec<Key> = WEIGHTS
        .iter()
        .flat_map(|&(taxonomy, weight)| {
            crate::knowledge::taxonomy::values_of(pm, taxonomy)
                .into_iter()
                .map(move |value| (format!("{taxonomy}:{}", term_slug(value)), weight))
        })
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// Key to postmortems, in newest-first order; `keys` are each
/// postmortem's, by position.
fn invert(keys: &[Vec<Key>]) -> HashMap<&Key, Vec<usize>> {
    let mut index: HashMap<&Key, Vec<usize>> = HashMap::new();
    for (i, keys) in keys.iter().enumerate() {
        for key in keys {
            index.entry(key).or_default().push(i);
        }
    }
    index
}

/// For each postmortem, the positions of those that link to it (in their
/// body or their `related` field), newest first.
pub fn backlinks(count: usize, outgoing: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let mut incoming = vec![Vec::new(); count];
    for (from, targets) in outgoing.iter().enumerate() {
        for &to in targets {
            if to != from && incoming[to].last() != Some(&from) {
                incoming[to].push(from);
            }
        }
    }
    incoming
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RootCause;

    fn pm(id: &str, services: &[&str], tags: &[&str], category: Option<&str>) -> Postmortem {
        let mut pm = crate::link::tests::postmortem(
            &format!("content/{id}.md"),
            id,
            crate::model::Status::Published,
            "",
        );
        pm.services = services.iter().map(|s| s.to_string()).collect();
        pm.tags = tags.iter().map(|s| s.to_string()).collect();
        pm.root_causes = category
            .map(|c| RootCause { cause: "x".into(), category: Some(c.into()), whys: Vec::new() })
            .into_iter()
            .collect();
        pm
    }

    #[test]
    fn named_incidents_come_first_then_the_most_alike() {
        let all = [
            pm("A", &["api"], &["deploy"], Some("config")),
            pm("B", &["db"], &["deploy"], None),
            pm("C", &["api"], &[], None),
            pm("D", &["api"], &["deploy"], Some("config")),
            pm("E", &["web"], &[], None),
        ];
        let refs: Vec<&Postmortem> = all.iter().collect();
        let explicit = vec![vec![4], vec![], vec![], vec![], vec![]];
        let related = related(&refs, &explicit);
        // A names E; then D shares api, config and deploy (3+2+1), C shares
        // api (3), B shares deploy (1). Nothing else shares anything.
        assert_eq!(related[0], [4, 3, 2, 1]);
        // B: A and D tie on deploy; the newer (earlier in the list) wins.
        assert_eq!(related[1], [0, 3]);
        assert_eq!(related[4], Vec::<usize>::new());
    }

    #[test]
    fn the_order_is_the_same_on_every_run() {
        let all: Vec<Postmortem> =
            (0..40).map(|i| pm(&format!("P{i:02}"), &["api"], &["t"], None)).collect();
        let refs: Vec<&Postmortem> = all.iter().collect();
        let explicit = vec![Vec::new(); refs.len()];
        let first = related(&refs, &explicit);
        for _ in 0..5 {
            assert_eq!(related(&refs, &explicit), first);
        }
        assert_eq!(first[0], [1, 2, 3, 4, 5]);
    }

    #[test]
    fn backlinks_list_each_linking_postmortem_once() {
        let outgoing = vec![vec![1, 1, 2], vec![2], vec![], vec![1]];
        assert_eq!(backlinks(4, &outgoing), [vec![], vec![0, 3], vec![0, 1], vec![]]);
    }
}
