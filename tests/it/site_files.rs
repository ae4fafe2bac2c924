//! Search index, feed, sitemap, data files and links, as a browser, a feed
//! reader or another tool would read them.

use crate::util::{Repo, attrs, demo, resolve, texts};

fn search_data(repo: &Repo) -> serde_json::Value {
    let js = repo.output("search/index.js");
    let json = js
        .strip_prefix("window.HINDSIGHT_SEARCH=")
        .and_then(|s| s.trim_end().strip_suffix(';'))
        .expect("the first file is a script that sets one global");
    serde_json::from_str(json).expect("the global holds JSON")
}

/// The data a part or docs file hands to the loader.
fn loaded(repo: &Repo, file: &str) -> serde_json::Value {
    let js = repo.output(file);
    let call = js.trim_end().strip_suffix(");").expect("a loader call");
    let json = call.splitn(3, ',').nth(2).expect("kind, number, data");
    serde_json::from_str(json).expect("the loader gets JSON")
}

/// Asserts that `files` of the site in place are the bytes a build from
/// nothing writes: what a rebuild kept or made again is never stale.
fn assert_as_built_afresh(repo: &Repo, files: &[&str]) {
    let fresh = repo.path().join("fresh");
    repo.build(&["--output", fresh.to_str().unwrap()]).expect_code(0);
    let read = |site: &std::path::Path| -> Vec<String> {
        files.iter().map(|file| std::fs::read_to_string(site.join(file)).unwrap()).collect()
    };
    assert_eq!(read(&repo.path().join("public")), read(&fresh));
}

// The first file holds elasticlunr's index without its tries, and where
// the tries and result rows are; a search loads only what it needs.
#[test]
fn the_search_index_holds_every_published_postmortem() {
    let repo = demo();
    repo.build(&[]).expect_code(0).expect_stderr("search index");
    let data = search_data(&repo);
    assert_eq!(data["index"]["version"], "0.9.5");
    assert_eq!(data["index"]["fields"], serde_json::json!(["title", "keywords", "text"]));
    assert_eq!(data["index"]["index"]["text"]["root"], serde_json::json!({}), "tries are in parts");
    assert_eq!(data["layout"]["parts"]["w"], 0, "the demo's index fits in one part");

    let docs = loaded(&repo, "search/docs-0.js");
    let docs = docs.as_array().unwrap();
    assert_eq!(docs.len(), 13);
    let first = docs[0].as_array().unwrap();
    assert_eq!(first.len(), 5, "title, url, date, severity, summary");
    let catalogue = repo.page("postmortems/index.html");
    let first_title = &texts(&catalogue, ".compact a")[0];
    assert_eq!(first[0].as_str().unwrap(), first_title);
    assert!(first[1].as_str().unwrap().starts_with("postmortems/"));
    assert!(first[4].as_str().unwrap().chars().count() <= 181, "summaries are shortened");

    // The body's words are indexed: a word only in a body can be found.
    let part = loaded(&repo, "search/part-0.js");
    assert!(part["text"]["w"]["a"]["l"]["docs"].is_object(), "the word 'wal' is in the text trie");
}

// Leaving bodies out is the lever for large knowledge bases.
#[test]
fn body_words_0_leaves_bodies_out_and_shrinks_the_index() {
    let repo = demo();
    repo.build(&[]).expect_code(0);
    let full = repo.output("search/part-0.js").len();
    let settings = std::fs::read_to_string(repo.path().join("hindsight.toml")).unwrap();
    repo.write("hindsight.toml", format!("{settings}\n[search]\nbody_words = 0\n"));
    repo.build(&[]).expect_code(0);
    let small = repo.output("search/part-0.js").len();
    assert!(small * 10 < full * 9, "{small} bytes is not much smaller than {full}");
}

// Every page offers search; the page itself loads nothing until used.
#[test]
fn every_page_has_a_search_box_and_the_index_loads_lazily() {
    let repo = demo();
    repo.build(&[]).expect_code(0);
    for page in ["index.html", "postmortems/index.html", "tags/index.html", "actions/index.html"] {
        let html = repo.page(page);
        assert_eq!(attrs(&html, "form[role=search] input", "name"), ["q"], "{page}");
        let scripts = attrs(&html, "script", "src");
        assert!(scripts.iter().all(|s| s.ends_with("assets/search.js")), "{page}: {scripts:?}");
        let index = attrs(&html, "html", "data-search-index");
        assert!(repo.has_output(&resolve(page, &index[0])), "{page}: {index:?}");
    }
    assert!(repo.has_output("assets/elasticlunr.min.js"));
    assert!(repo.output("assets/elasticlunr.LICENSE.txt").contains("Permission is hereby granted"));
    let search = repo.page("search/index.html");
    assert_eq!(attrs(&search, "input[data-page]", "id"), ["search-page-input"]);
}

// Feed readers need valid Atom with absolute links and full timestamps,
// even for postmortems that give a date only.
#[test]
fn the_feed_is_atom_with_absolute_links_under_the_base_url() {
    let repo = demo();
    repo.build(&["--base-url", "https://intranet.example/kb/"]).expect_code(0);
    let xml = repo.output("feed.xml");
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let feed = doc.root_element();
    assert_eq!(feed.tag_name().namespace(), Some("http://www.w3.org/2005/Atom"));
    let entries: Vec<_> = feed.children().filter(|n| n.has_tag_name("entry")).collect();
    assert_eq!(entries.len(), 13);
    for entry in entries {
        let child = |name: &str| entry.children().find(|n| n.has_tag_name(name)).unwrap();
        let link = child("link").attribute("href").unwrap();
        assert!(link.starts_with("https://intranet.example/kb/postmortems/"), "{link}");
        let updated = child("updated").text().unwrap();
        assert!(updated.parse::<jiff::Timestamp>().is_ok(), "{updated} is not RFC 3339");
        assert!(child("title").text().is_some_and(|t| !t.is_empty()));
    }
}

// Sitemaps hold absolute addresses, so they exist only with a base URL.
#[test]
fn the_sitemap_lists_every_page_under_the_sub_path() {
    let repo = demo();
    repo.build(&[]).expect_code(0);
    assert!(!repo.has_output("sitemap.xml"), "no base URL, no absolute addresses");
    repo.build(&["--base-url", "https://intranet.example/kb/"]).expect_code(0);
    let xml = repo.output("sitemap.xml");
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let locations: Vec<&str> =
        doc.descendants().filter(|n| n.has_tag_name("loc")).filter_map(|n| n.text()).collect();
    assert_eq!(locations.len(), repo.html_files().len() - 1, "every page but 404.html");
    assert!(locations.iter().all(|l| l.starts_with("https://intranet.example/kb/")));
    assert!(locations.contains(&"https://intranet.example/kb/postmortems/inc-2025-014/"));
}

// Other tools read the whole model.
#[test]
fn postmortems_json_carries_the_whole_model() {
    let repo = demo();
    repo.build(&[]).expect_code(0);
    let records: Vec<serde_json::Value> =
        serde_json::from_str(&repo.output("data/postmortems.json")).unwrap();
    assert_eq!(records.len(), 13);
    let crm = records.iter().find(|r| r["id"] == "INC-2025-014").unwrap();
    assert_eq!(crm["url"], "postmortems/inc-2025-014/");
    assert_eq!(crm["impact_seconds"], 34 * 60);
    assert_eq!(crm["severity"], "SEV1");
    assert!(crm["root_causes"][0]["whys"].as_array().is_some_and(|w| !w.is_empty()));
    assert!(crm["improvement_actions"].as_array().is_some_and(|a| !a.is_empty()));
}

// A link checker over the published build: every site-rooted link on
// every page lands on a file, and every anchor on a heading.
#[test]
fn no_internal_link_is_broken_under_a_sub_path() {
    let repo = demo();
    repo.build(&["--base-url", "/kb/"]).expect_code(0);
    for page in repo.html_files() {
        let html = repo.page(&page);
        let mut urls = attrs(&html, "a[href]", "href");
        urls.extend(attrs(&html, "link[href]", "href"));
        for url in urls.iter().filter(|u| u.starts_with('/')) {
            let path =
                url.strip_prefix("/kb/").unwrap_or_else(|| panic!("{page}: {url} leaves /kb/"));
            let (file, anchor) = path.split_once('#').unwrap_or((path, ""));
            let file = if file.is_empty() || file.ends_with('/') {
                format!("{file}index.html")
            } else {
                file.to_string()
            };
            assert!(repo.has_output(&file), "{page}: {url} is broken");
            if !anchor.is_empty() {
                let target = repo.page(&file);
                assert!(
                    !attrs(&target, &format!("[id='{anchor}']"), "id").is_empty(),
                    "{page}: {url} has no anchor"
                );
            }
        }
    }
}

// Postmortem pages show what links to them and what resembles them.
#[test]
fn postmortem_pages_show_backlinks_and_related_incidents() {
    let repo = demo();
    repo.build(&[]).expect_code(0);
    let page = repo.page("postmortems/inc-2024-003/index.html");
    let backlinks = texts(&page, ".backlinks .id");
    assert!(backlinks.contains(&"INC-2025-040".to_string()), "{backlinks:?}");
    let related = texts(&page, ".related .id");
    assert!(!related.is_empty() && related.len() <= 5, "{related:?}");
}

// A rebuild leaves the index files alone while what they are made of is
// unchanged (the page memo records what that was), yet makes them again
// once an indexed word changes or one of them has gone: always the files a
// build from nothing writes.
#[test]
fn a_rebuild_keeps_the_search_index_until_its_text_changes() {
    let repo = Repo::new();
    let postmortem = |body: &str| {
        format!("---\ntitle: Queue stalled\nid: INC-1\ndate: 2024-03-01\n---\n\n{body}\n")
    };
    repo.write("content/a.md", postmortem("The consumer hung."));
    repo.build(&[]).expect_code(0);
    let part = repo.path().join("public/search/part-0.js");
    let modified = || std::fs::metadata(&part).unwrap().modified().unwrap();
    let made = modified();
    std::thread::sleep(std::time::Duration::from_millis(50));

    repo.build(&[]).expect_code(0).expect_stderr("search index");
    assert_eq!(modified(), made, "an unchanged index was written again");

    repo.write("content/a.md", postmortem("The zeppelin consumer hung."));
    repo.build(&[]).expect_code(0);
    let text = &loaded(&repo, "search/part-0.js")["text"];
    assert!(text["z"]["e"]["p"]["p"].is_object(), "the new word is not indexed: {text}");

    std::fs::remove_file(&part).unwrap();
    repo.build(&[]).expect_code(0);
    assert_as_built_afresh(&repo, &["search/index.js", "search/part-0.js", "search/docs-0.js"]);
}

// The data files are kept as they are while the postmortems they describe
// are unchanged, and made again when an action (or anything else) changes
// or one of them has gone: always the files a build from nothing writes.
#[test]
fn a_rebuild_keeps_the_data_files_until_a_postmortem_changes() {
    let repo = Repo::new();
    let postmortem = |owner: &str| {
        format!(
            "---\ntitle: Queue stalled\nid: INC-1\ndate: 2024-03-01\nimprovement_actions:\n  - action: Alert on consumer lag\n    owner: {owner}\n    status: open\n---\n\nThe consumer hung.\n"
        )
    };
    repo.write("content/a.md", postmortem("jdoe"));
    repo.build(&[]).expect_code(0);
    let actions = repo.path().join("public/data/actions.json");
    let modified = || std::fs::metadata(&actions).unwrap().modified().unwrap();
    let made = modified();
    std::thread::sleep(std::time::Duration::from_millis(50));

    repo.build(&[]).expect_code(0);
    assert_eq!(modified(), made, "unchanged data files were written again");

    repo.write("content/a.md", postmortem("asmith"));
    repo.build(&[]).expect_code(0);
    let owners = |file: &str| {
        let json: serde_json::Value = serde_json::from_str(&repo.output(file)).unwrap();
        json.to_string()
    };
    assert!(owners("data/actions.json").contains("asmith"), "{}", owners("data/actions.json"));
    assert!(repo.output("data/actions.csv").contains("asmith"));
    assert!(owners("data/postmortems.json").contains("asmith"));

    std::fs::remove_file(repo.path().join("public/data/actions.csv")).unwrap();
    repo.build(&[]).expect_code(0);
    assert_as_built_afresh(
        &repo,
        &["data/actions.csv", "data/actions.json", "data/postmortems.json"],
    );
}
