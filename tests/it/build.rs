//! What a reader sees on the built site: the demo, every field of a
//! postmortem, links under a sub-path, sanitised HTML, cross-links.

use crate::util::{Repo, attrs, demo, files_under, resolve, texts};

// The README's first command builds this; it must stay clean.
#[test]
fn the_demo_builds_without_warnings_and_lists_every_published_postmortem() {
    let repo = demo();
    let run = repo.build(&[]);
    run.expect_code(0).expect_stderr("14 postmortems (1 draft not published)");
    run.expect_stderr("0 warnings, 0 errors");

    let catalogue = repo.page("postmortems/index.html");
    let titles = texts(&catalogue, ".compact a");
    assert_eq!(titles.len(), 13);
    let years = texts(&catalogue, "main section h2");
    assert_eq!(years, ["2026", "2025", "2024"], "years newest first");
    for href in attrs(&catalogue, ".compact a", "href") {
        let target = resolve("postmortems/index.html", &href);
        assert!(repo.has_output(&target), "dead link {href}");
    }
}

// Newest first means by date, across the year groups too.
#[test]
fn the_catalogue_is_newest_first() {
    let repo = demo();
    repo.build(&[]).expect_code(0);
    let dates = attrs(&repo.page("postmortems/index.html"), ".compact time", "datetime");
    let mut sorted = dates.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(dates, sorted);
}

// Headline counts on the home page come from the model, not the template.
#[test]
fn the_home_page_counts_kinds_and_overdue_actions() {
    let repo = Repo::fixture("full");
    repo.build(&[]).expect_code(0);
    let home = repo.page("index.html");
    let figures: Vec<String> = texts(&home, ".figures div");
    assert!(figures.contains(&"Postmortems 1".to_string()), "{figures:?}");
    assert!(figures.contains(&"Unfinished actions 3".to_string()), "{figures:?}");
    // Build date 2025-06-01: the lint (due 2025-04-15, open) is overdue;
    // the topology move (due 2025-09-01) and the bare action are not.
    assert!(figures.contains(&"Overdue actions 1".to_string()), "{figures:?}");
    assert_eq!(texts(&home, ".entry-title"), ["Customer records unavailable after night deploy"]);
}

// The permalink comes from the id, and every field of the model is shown.
#[test]
fn a_postmortem_page_shows_every_field_and_computed_durations() {
    let repo = Repo::fixture("full");
    repo.build(&[]).expect_code(0);
    let page = repo.page("postmortems/inc-2025-014/index.html");

    assert_eq!(texts(&page, "h1"), ["Customer records unavailable after night deploy"]);
    assert_eq!(texts(&page, ".summary code"), ["crm-api"]);
    let facts = texts(&page, ".facts dl > div");
    for expected in [
        "Severity SEV1",
        "Services crm-api, failover-controller",
        "Teams crm, platform",
        "Trigger config-push",
        "Authors jdoe, asmith",
        "Started 14 Mar 2025, 02:10 CET",
        "Time to detect 9 min",
        "Time to resolve 25 min",
        "Total impact 34 min",
        "cost_eur 12000",
    ] {
        assert!(facts.contains(&expected.to_string()), "missing {expected:?} in {facts:?}");
    }
    assert_eq!(texts(&page, ".tags li"), ["deployment", "failover"]);
    assert_eq!(
        texts(&page, "#pm-impact + p"),
        ["Customers could not open their records for 34 minutes."]
    );
    assert_eq!(texts(&page, ".whys li").len(), 2);
    assert_eq!(texts(&page, ".causes .category"), ["configuration"]);
    assert_eq!(texts(&page, ".lessons li"), ["Topology must come from the inventory."]);
    assert_eq!(texts(&page, ".related .id"), ["INC-2024-031"], "unknown related ids stay visible");
    assert_eq!(attrs(&page, ".sources a", "href"), ["https://chat.example/archive/123"]);
}

// Overdue is "due before the build date and not done or wont_do".
#[test]
fn the_actions_table_marks_overdue_and_missing_owners() {
    let repo = Repo::fixture("full");
    repo.build(&[]).expect_code(0);
    let page = repo.page("postmortems/inc-2025-014/index.html");
    let rows = texts(&page, "table.actions tbody tr");
    assert_eq!(rows.len(), 4);
    assert!(rows[0].contains("Open Overdue"), "{}", rows[0]);
    assert!(rows[0].contains("Guarded by deploy-config-lint"));
    assert!(rows[1].contains("Done") && !rows[1].contains("Overdue"), "{}", rows[1]);
    assert!(rows[2].contains("In progress") && !rows[2].contains("Overdue"), "{}", rows[2]);
    assert!(rows[3].contains("No owner") && rows[3].contains("No due date"), "{}", rows[3]);
    assert_eq!(texts(&page, "tr.overdue").len(), 1);
}

// Bodies use tables, footnotes, strikethrough, task lists and code fences.
#[test]
fn the_body_renders_extended_markdown_and_highlights_code() {
    let repo = Repo::fixture("full");
    repo.build(&[]).expect_code(0);
    let page = repo.page("postmortems/inc-2025-014/index.html");
    assert_eq!(attrs(&page, ".body h2", "id"), ["timeline"]);
    assert_eq!(texts(&page, ".body table td").len(), 2);
    assert_eq!(attrs(&page, ".body table td", "style")[1].replace(' ', ""), "text-align:right");
    assert_eq!(texts(&page, ".body del"), ["struck"]);
    assert_eq!(attrs(&page, ".body input", "type"), ["checkbox", "checkbox"]);
    assert_eq!(texts(&page, ".footnote-definition").len(), 1);
    assert!(!attrs(&page, "pre[data-lang=yaml] span", "class").is_empty(), "yaml is highlighted");
    assert_eq!(texts(&page, "pre[data-lang=no-such-language] code"), ["a < b"]);
    assert!(repo.output("assets/syntax.css").contains(".hl-"));
}

// Without a base URL the site is a folder that works from disk: every
// link on every page is relative and lands on a file that exists.
#[test]
fn a_portable_site_has_only_relative_links_that_resolve_to_files() {
    let repo = demo();
    repo.build(&[]).expect_code(0);
    let pages = repo.html_files();
    assert!(pages.len() > 50, "the demo has many pages: {}", pages.len());
    for page in &pages {
        if page == "404.html" {
            continue;
        }
        let html = repo.page(page);
        let mut urls = attrs(&html, "a[href]", "href");
        urls.extend(attrs(&html, "link[href]", "href"));
        for url in urls.iter().filter(|u| !u.starts_with("http") && !u.starts_with('#')) {
            assert!(!url.starts_with('/'), "{page}: {url} is not relative");
            let target = resolve(page, url);
            assert!(repo.has_output(&target), "{page}: {url} points at a missing {target}");
        }
    }
}

// Sites live under sub-paths on internal hosts; no link may escape it.
#[test]
fn every_link_and_asset_honours_a_base_url_with_a_sub_path() {
    let repo = Repo::fixture("crosslinks");
    repo.build(&["--base-url", "https://intranet.example/kb/"]).expect_code(0);
    for file in
        ["index.html", "postmortems/index.html", "postmortems/inc-2025-002/index.html", "404.html"]
    {
        let page = repo.page(file);
        let mut urls = attrs(&page, "a[href]", "href");
        urls.extend(attrs(&page, "link[href]", "href"));
        for url in urls.iter().filter(|u| u.starts_with('/')) {
            assert!(url.starts_with("/kb/"), "{file}: {url} ignores the sub-path");
        }
    }
    let page = repo.page("postmortems/inc-2025-002/index.html");
    assert!(attrs(&page, ".body a", "href").contains(&"/kb/postmortems/inc-2024-031/".to_string()));
}

// [[ID]] and links to .md files must survive the move to page URLs.
#[test]
fn links_to_other_postmortems_resolve_to_their_pages() {
    let repo = Repo::fixture("crosslinks");
    repo.build(&[]).expect_code(0);
    let page = repo.page("postmortems/inc-2025-002/index.html");
    let hrefs = attrs(&page, ".body a", "href");
    assert_eq!(
        hrefs,
        [
            "../inc-2024-031/index.html",
            "../inc-2024-031/index.html#five-whys",
            "../inc-2024-031/index.html",
            "https://example.com/page.md",
        ]
    );
    assert_eq!(texts(&page, ".related a"), ["The target postmortem"]);
}

// Drafts are previewed with --drafts and never published by accident.
#[test]
fn drafts_are_published_only_when_asked() {
    let repo = Repo::fixture("crosslinks");
    repo.build(&[]).expect_code(0).expect_stderr("1 draft not published");
    assert!(!repo.has_output("postmortems/inc-2025-003/index.html"));
    repo.build(&["--drafts"]).expect_code(0);
    assert_eq!(
        texts(&repo.page("postmortems/inc-2025-003/index.html"), ".notice"),
        ["Draft: not yet reviewed."]
    );
}

// A postmortem may paste hostile HTML; readers' browsers must not run it.
#[test]
fn raw_html_is_sanitised_and_front_matter_is_escaped() {
    let repo = Repo::new();
    repo.write(
        "content/hostile.md",
        "---\ntitle: \"<script>alert('title')</script> Outage\"\nsummary: \"<img src=x onerror=alert(1)> *bold*\"\n---\n\
         <script>alert('body')</script>\n\n<iframe src=\"https://evil.example\"></iframe>\n\n\
         [click](javascript:alert(1)) <b onclick=\"x()\">bold</b>\n",
    );
    repo.build(&[]).expect_code(0);
    let html = repo.output("postmortems/hostile/index.html");
    for forbidden in ["<script>alert", "<iframe", "onerror", "onclick", "javascript:"] {
        assert!(!html.contains(forbidden), "{forbidden} reached the page");
    }
    let page = repo.page("postmortems/hostile/index.html");
    assert_eq!(texts(&page, "h1"), ["<script>alert('title')</script> Outage"]);
    assert_eq!(texts(&page, ".summary em"), ["bold"]);
}

// A repository's theme folder replaces built-in templates one by one.
#[test]
fn a_repository_theme_overrides_a_single_template() {
    let repo = Repo::fixture("crosslinks");
    repo.write(
        "themes/default/templates/postmortem.html",
        "{% extends \"base.html\" %}{% block content %}<p class=\"custom\">{{ page.id }}</p>{% endblock content %}",
    );
    repo.build(&[]).expect_code(0);
    assert_eq!(
        texts(&repo.page("postmortems/inc-2025-002/index.html"), ".custom"),
        ["INC-2025-002"]
    );
    assert_eq!(texts(&repo.page("postmortems/index.html"), "h1"), ["All postmortems"]);
}

// A plain folder of Markdown files, with no settings, is a repository.
#[test]
fn a_bare_folder_of_markdown_builds_with_default_settings() {
    let repo = Repo::new();
    repo.write("2024-05-01-dns.md", "# DNS outage\n\nResolvers failed.\n");
    repo.write("README.md", "# Not a postmortem\n");
    repo.build(&[]).expect_code(0).expect_stderr("1 postmortem,");
    let page = repo.page("postmortems/2024-05-01-dns/index.html");
    assert_eq!(texts(&page, "h1"), ["DNS outage"]);
    assert_eq!(attrs(&page, ".postmortem-header time", "datetime"), ["2024-05-01"]);
}

// /postmortems/2024/ is the year's archive; a postmortem may not take it.
#[test]
fn an_id_that_names_an_archive_page_is_an_error() {
    let repo = Repo::new();
    repo.write("content/a.md", "---\ntitle: A\nid: \"2024\"\ndate: 2024-03-01\n---\n");
    repo.build(&[])
        .expect_code(1)
        .expect_stderr("content/a.md:3:1: error: id `2024` would write over the archive page");
}

// Replacing the output folder must never delete the sources.
#[test]
fn an_output_folder_that_would_overwrite_the_sources_is_refused() {
    let repo = Repo::fixture("crosslinks");
    let root = repo.path().to_str().unwrap().to_string();
    repo.build(&["--output", &root]).expect_code(2).expect_stderr("would overwrite the sources");
    assert!(repo.path().join("content/target.md").exists());
}

// Settings problems are usage errors (status 2), named with their line.
#[test]
fn a_broken_settings_file_exits_with_status_2() {
    let repo = Repo::fixture("crosslinks");
    repo.write("hindsight.toml", "title = \"x\"\ntimezone = \"Mars/Olympus\"\n");
    repo.build(&[]).expect_code(2).expect_stderr("unknown timezone `Mars/Olympus`");
    repo.write("hindsight.toml", "titel = \"x\"\n");
    repo.build(&[]).expect_code(2).expect_stderr("hindsight.toml:1:1:");
}

// The same input gives the same bytes, whatever the thread timing.
#[test]
fn two_builds_of_the_same_input_are_byte_identical() {
    let repo = demo();
    // Two separate folders: a rebuild over a site would keep what it finds.
    repo.build(&[]).expect_code(0);
    let first = snapshot(&repo.path().join("public"));
    let other = repo.path().join("public-again");
    repo.build(&["--output", other.to_str().unwrap()]).expect_code(0);
    let second = snapshot(&other);
    let paths = |files: &[(String, Vec<u8>)]| files.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
    assert_eq!(paths(&first), paths(&second));
    for ((path, a), (_, b)) in first.iter().zip(&second) {
        assert!(a == b, "{path} differs between two builds");
    }
}

// A rebuild leaves unchanged pages alone (deploy tools that sync by time
// copy only what changed), rewrites what changed and drops what went.
#[test]
fn a_rebuild_touches_only_changed_pages_and_drops_removed_ones() {
    let repo = Repo::new();
    let postmortem = |id: &str, summary: &str| {
        format!(
            "---\ntitle: Outage {id}\nid: {id}\ndate: 2024-03-01\nsummary: {summary}\n---\n\nBody.\n"
        )
    };
    repo.write("content/a.md", postmortem("INC-1", "Queue stalled."));
    repo.write("content/b.md", postmortem("INC-2", "Disk filled."));
    repo.write("content/c.md", postmortem("INC-3", "Certificate expired."));
    repo.build(&[]).expect_code(0);
    let page = |id: &str| repo.path().join(format!("public/postmortems/{id}/index.html"));
    let modified = |id: &str| std::fs::metadata(page(id)).unwrap().modified().unwrap();
    let untouched = modified("inc-1");
    std::thread::sleep(std::time::Duration::from_millis(50));

    repo.write("content/b.md", postmortem("INC-2", "Disk filled by audit logs."));
    std::fs::remove_file(repo.path().join("content/c.md")).unwrap();
    repo.build(&[]).expect_code(0);

    assert_eq!(modified("inc-1"), untouched, "an unchanged page was rewritten");
    let summary = texts(&repo.page("postmortems/inc-2/index.html"), "main").join(" ");
    assert!(summary.contains("Disk filled by audit logs."), "{summary}");
    assert!(!repo.has_output("postmortems/inc-3"), "the page of a removed postmortem remains");
    let catalogue = texts(&repo.page("postmortems/index.html"), "main").join(" ");
    assert!(!catalogue.contains("INC-3"), "{catalogue}");
}

// A rebuild keeps the pages whose data and templates did not change
// without rendering them (the page memo beside the site), yet every page an
// edit reaches shows it: the edited one, and those that name it.
#[test]
fn a_rebuild_renders_again_every_page_an_edit_reaches() {
    let repo = Repo::new();
    let postmortem = |id: &str, title: &str, related: &str| {
        format!(
            "---\ntitle: {title}\nid: {id}\ndate: 2024-03-01\nrelated: [{related}]\n---\n\nBody.\n"
        )
    };
    repo.write("content/a.md", postmortem("INC-1", "Queue stalled", ""));
    repo.write("content/b.md", postmortem("INC-2", "Disk filled", "INC-1"));
    repo.write("content/c.md", postmortem("INC-3", "Certificate expired", ""));
    repo.build(&[]).expect_code(0);
    assert!(repo.path().join("public.hindsight-pages").is_file(), "no page memo was saved");
    let main_text =
        |id: &str| texts(&repo.page(&format!("postmortems/{id}/index.html")), "main").join(" ");

    // The title of INC-1 shows on its own page and, as a related incident,
    // on the page of INC-2, whose own file did not change.
    repo.write("content/a.md", postmortem("INC-1", "Queue stalled by a poison message", ""));
    // A page changed by hand is put right, though its data did not change.
    let tampered = repo.path().join("public/postmortems/inc-3/index.html");
    std::fs::write(&tampered, "<p>edited by hand</p>").unwrap();
    repo.build(&[]).expect_code(0);
    assert!(main_text("inc-1").contains("Queue stalled by a poison message"));
    assert!(
        main_text("inc-2").contains("Queue stalled by a poison message"),
        "{}",
        main_text("inc-2")
    );
    assert!(main_text("inc-3").contains("Certificate expired"), "the hand-edited page stayed");

    // A theme's template applies to every page, changed or not.
    repo.write(
        "themes/default/templates/postmortem.html",
        "{% extends \"base.html\" %}{% block content %}<p class=\"custom\">{{ page.id }}</p>{% endblock content %}",
    );
    repo.build(&[]).expect_code(0);
    assert_eq!(texts(&repo.page("postmortems/inc-3/index.html"), ".custom"), ["INC-3"]);

    // And the kept pages are the bytes a build from nothing writes.
    let fresh = repo.path().join("fresh");
    repo.build(&["--output", fresh.to_str().unwrap()]).expect_code(0);
    assert_eq!(snapshot(&repo.path().join("public")), snapshot(&fresh));
}

// A rebuild renders a body again only when its text changed or one of its
// links now points elsewhere (the body memo beside the site); yet every
// body shows what its links lead to now, broken links are reported on each
// build, and a page made again for another reason still shows its body.
#[test]
fn a_rebuild_renders_again_every_body_whose_links_changed() {
    let repo = Repo::new();
    repo.write("hindsight.toml", "broken_links = \"warning\"\n");
    let target = |title: &str, heading: &str| {
        format!(
            "---\ntitle: {title}\nid: INC-1\ndate: 2024-03-01\n---\n\n## {heading}\n\nIt hung.\n"
        )
    };
    repo.write("content/a.md", target("Queue stalled", "Timeline"));
    repo.write(
        "content/b.md",
        "---\ntitle: Disk filled\nid: INC-2\ndate: 2024-03-02\n---\n\nAs in [the stall](a.md#timeline), see [[INC-1]].\n\n```yaml\nretention: 7d\n```\n\nAnd [a ghost](ghost.md).\n",
    );
    let links = || {
        let page = repo.page("postmortems/inc-2/index.html");
        let titles = attrs(&page, ".body a", "title");
        let broken = attrs(&page, ".body .broken-link", "title");
        (titles, broken, texts(&page, ".body code .hl-yaml").len())
    };
    let ghost = "content/b.md:13:5: warning: `ghost.md` links to a file that is not a postmortem";
    repo.build(&[]).expect_code(0).expect_stderr(ghost);
    assert!(repo.path().join("public.hindsight-bodies").is_file(), "no body memo was saved");
    let (titles, broken, code) = links();
    assert_eq!(titles, ["Queue stalled", "Queue stalled"]);
    assert_eq!(broken.len(), 1);
    assert!(code > 0, "the YAML was not highlighted");

    // Nothing changed: the broken link is still reported, from the memo.
    repo.build(&[]).expect_code(0).expect_stderr(ghost);

    // The target's title shows in the links of a body that did not change.
    repo.write("content/a.md", target("Queue stalled by a poison message", "Timeline"));
    repo.build(&[]).expect_code(0).expect_stderr(ghost);
    assert_eq!(links().0, ["Queue stalled by a poison message"; 2]);

    // The heading it pointed at is gone: that link is broken now.
    repo.write("content/a.md", target("Queue stalled by a poison message", "Sequence"));
    repo.build(&[])
        .expect_code(0)
        .expect_stderr(
            "content/b.md:7:7: warning: `a.md#timeline` points at a heading that does not exist",
        )
        .expect_stderr("content/a.md has no heading with the anchor `#timeline`");
    assert_eq!(links().1.len(), 2);

    // A template change makes every page again, with the bodies the memo
    // left unrendered.
    repo.write(
        "themes/default/templates/postmortem.html",
        "{% extends \"base.html\" %}{% block content %}<section class=\"body\">{{ page.body_html | safe }}</section><p class=\"custom\">{{ page.id }}</p>{% endblock content %}",
    );
    repo.build(&[]).expect_code(0);
    assert_eq!(texts(&repo.page("postmortems/inc-2/index.html"), ".custom"), ["INC-2"]);
    let (titles, broken, code) = links();
    assert_eq!((titles.len(), broken.len()), (1, 2));
    assert!(code > 0, "the YAML lost its highlighting");

    // A deleted highlight cache is made again, though no body changed: the
    // memo vouches for code only beside the cache it was saved with.
    let cache = repo.path().join("public.hindsight-cache");
    std::fs::remove_file(&cache).unwrap();
    repo.build(&[]).expect_code(0);
    assert!(cache.is_file(), "the highlight cache was not made again");
    assert!(links().2 > 0);

    let fresh = repo.path().join("fresh");
    repo.build(&["--output", fresh.to_str().unwrap()]).expect_code(0);
    assert_eq!(snapshot(&repo.path().join("public")), snapshot(&fresh));
}

// A file name that is not UTF-8 (possible on Linux) still has its body
// kept between builds, and two such names that would print alike keep a
// record each.
#[cfg(unix)]
#[test]
fn a_file_name_that_is_not_utf8_keeps_the_body_memo_working() {
    use std::os::unix::ffi::OsStrExt;
    let repo = Repo::new();
    repo.write(
        "content/a.md",
        "---\ntitle: Queue stalled\nid: INC-1\ndate: 2024-03-01\n---\n\nIt hung.\n",
    );
    for (name, id) in [(&b"content/b\xff.md"[..], 2), (&b"content/b\xfe.md"[..], 3)] {
        std::fs::write(
            repo.path().join(std::ffi::OsStr::from_bytes(name)),
            format!(
                "---\ntitle: Disk {id}\nid: INC-{id}\ndate: 2024-03-02\n---\n\nDisk {id}, see [[INC-1]].\n"
            ),
        )
        .unwrap();
    }
    let first = build_counting_bodies(&repo, 3, 0);
    assert!(!first.contains("cannot save"), "{first}");
    build_counting_bodies(&repo, 0, 3);
}

/// Builds `repo` with `-v`, expects it to render `rendered` bodies and the
/// body memo to keep `kept`, and returns what it printed.
#[track_caller]
fn build_counting_bodies(repo: &Repo, rendered: usize, kept: usize) -> String {
    let run = repo.build(&["-v"]);
    let counts = format!("bodies rendered: {rendered}; kept by the body memo: {kept}");
    run.expect_code(0).expect_stderr(&counts);
    run.stderr
}

// CI restores the highlight cache as a copy, with a new modification
// time: the body memo still counts on it.
#[test]
fn a_restored_copy_of_the_highlight_cache_is_still_counted_on() {
    let repo = Repo::new();
    repo.write(
        "content/a.md",
        "---\ntitle: Disk filled\nid: INC-1\ndate: 2024-03-02\n---\n\n```python\nprint(1)\n```\n",
    );
    repo.build(&[]).expect_code(0);
    let cache = repo.path().join("public.hindsight-cache");
    let kept = repo.path().join("kept-cache");
    std::fs::rename(&cache, &kept).unwrap();
    std::fs::copy(&kept, &cache).unwrap();
    build_counting_bodies(&repo, 0, 1);
}

// A highlight cache that could not be saved lacks the code of the bodies
// rendered then; the body memo must not count on it, or that code would
// never reach the cache.
#[test]
fn a_highlight_cache_that_could_not_be_saved_is_not_counted_on() {
    let repo = Repo::new();
    let body = |code: &str| {
        format!(
            "---\ntitle: Disk filled\nid: INC-1\ndate: 2024-03-02\n---\n\n```python\n{code}\n```\n"
        )
    };
    repo.write("content/a.md", body("print('one')"));
    repo.build(&[]).expect_code(0);
    repo.write("content/a.md", body("print('two')"));
    // A folder where the cache's partial file goes makes its save fail.
    let blocker = repo.path().join("public.hindsight-cache.partial");
    std::fs::create_dir(&blocker).unwrap();
    repo.build(&[]).expect_code(0).expect_stderr("cannot save the highlight cache");
    std::fs::remove_dir(&blocker).unwrap();
    build_counting_bodies(&repo, 1, 0);
    let cache = std::fs::read(repo.path().join("public.hindsight-cache")).unwrap();
    assert!(cache.windows(3).any(|w| w == b"two"), "the edited code never reached the cache");
    build_counting_bodies(&repo, 0, 1);
}

// Files unchanged since the last build are not read again (the parse
// cache beside the site), but their problems are still reported, and an
// edited file is read afresh.
#[test]
fn a_rebuild_reports_the_problems_of_unchanged_files_again() {
    let repo = Repo::new();
    repo.write(
        "content/a.md",
        "---\ntitle: Queue stalled\ndate: 2024-03-01\nseverty: SEV2\n---\nBody.\n",
    );
    repo.write("content/b.md", "---\ntitle: Disk filled\ndate: 2024-03-02\n---\nBody.\n");
    let first = repo.build(&[]);
    first.expect_code(0).expect_stderr("content/a.md:4:1: warning: unknown field `severty`");
    assert!(repo.path().join("public.hindsight-parsed").is_file(), "no parse cache was saved");

    repo.write(
        "content/b.md",
        "---\ntitle: Disk filled\ndate: 2024-03-02\nstatus: finished\n---\nBody.\n",
    );
    let second = repo.build(&[]);
    second.expect_code(1).expect_stderr("content/a.md:4:1: warning: unknown field `severty`");
    second.expect_stderr("content/b.md:4:");
}

fn snapshot(site: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    files_under(site)
        .into_iter()
        .map(|path| {
            let relative = path.strip_prefix(site).unwrap().display().to_string();
            let bytes = std::fs::read(&path).unwrap();
            (relative, bytes)
        })
        .collect()
}
