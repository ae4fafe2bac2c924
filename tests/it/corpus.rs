//! Real postmortems nobody on the team wrote, from `../shared/corpus`.
//!
//! CI always has the folder. On a machine without it these tests say by
//! name that they were skipped, so the README's test command still passes
//! on a fresh clone.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::util::{Repo, attrs, files_under, hindsight, texts};

fn corpus(name: &str) -> Option<PathBuf> {
    let path = crate::util::project_root().join("../shared/corpus").join(name);
    if path.is_dir() {
        Some(path)
    } else {
        // Straight to stderr: libtest captures eprintln! of passing tests,
        // and a skip must be seen without --nocapture.
        // libtest names each test's thread after the test.
        let test = std::thread::current().name().unwrap_or("a corpus test").to_string();
        let mut stderr = std::io::stderr().lock();
        let _ = writeln!(
            stderr,
            "skipped {test}: {} is not here (only CI and team machines have it)",
            path.display()
        );
        None
    }
}

/// Builds a read-only corpus folder as a bare root into a temporary output.
fn build_corpus(source: &Path) -> (Repo, crate::util::Run) {
    let repo = Repo::new();
    let output = repo.path().join("public");
    let run = hindsight(&[
        "build",
        "--root",
        source.to_str().unwrap(),
        "--output",
        output.to_str().unwrap(),
    ]);
    (repo, run)
}

fn markdown_files(folder: &Path) -> Vec<PathBuf> {
    files_under(folder)
        .into_iter()
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .filter(|path| !path.ends_with("PROVENANCE.md"))
        .collect()
}

// 190 converted summaries: quotes, colons, unicode and Markdown links in
// titles and summaries must come through intact, and none may be dropped.
#[test]
fn public_postmortems_build_one_page_each_with_fields_intact() {
    let Some(source) = corpus("public-postmortems") else {
        return;
    };
    let (repo, run) = build_corpus(&source);
    run.expect_code(0).expect_stderr("190 postmortems");

    let catalogue = repo.page("postmortems/index.html");
    assert_eq!(texts(&catalogue, ".compact a").len(), 190);
    assert!(texts(&catalogue, "main section h2").contains(&"Undated".to_string()));

    for file in markdown_files(&source) {
        let text = std::fs::read_to_string(&file).unwrap();
        let front = text.split("---\n").nth(1).unwrap();
        let fields: serde_yaml::Mapping = serde_yaml::from_str(front).unwrap();
        let field =
            |key: &str| fields.get(key).and_then(|v| v.as_str()).unwrap_or_default().to_string();
        let slug = file.file_stem().unwrap().to_string_lossy().to_lowercase();
        let page = repo.page(&format!("postmortems/{slug}/index.html"));
        let name = file.display();
        assert_eq!(texts(&page, "h1"), [field("title")], "{name}");
        assert_eq!(
            texts(&page, ".postmortem-header .organization"),
            [field("organization")],
            "{name}"
        );
        let sources: Vec<String> = fields["sources"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect();
        assert_eq!(attrs(&page, ".sources a", "href"), sources, "{name}");
    }
}

// Summaries carry inline Markdown links; they must be links on the page.
#[test]
fn public_postmortem_summaries_keep_their_inline_links() {
    let Some(source) = corpus("public-postmortems") else {
        return;
    };
    let (repo, run) = build_corpus(&source);
    run.expect_code(0);
    let summary_has_link = |file: &PathBuf| {
        let text = std::fs::read_to_string(file).unwrap();
        text.lines().any(|line| line.starts_with("summary:") && line.contains("](http"))
    };
    let with_links: Vec<PathBuf> =
        markdown_files(&source).into_iter().filter(summary_has_link).collect();
    assert!(!with_links.is_empty(), "the corpus has summaries with links");
    for file in with_links {
        let slug = file.file_stem().unwrap().to_string_lossy().to_lowercase();
        let page = repo.page(&format!("postmortems/{slug}/index.html"));
        assert!(
            !attrs(&page, ".postmortem-header .summary a", "href").is_empty(),
            "{}",
            file.display()
        );
    }
}

// Real repositories keep postmortems their own way: no front matter, TOML
// front matter, dates only in titles or paths, raw HTML, footnotes.
#[test]
fn upstream_postmortems_build_a_page_each_and_say_what_was_inferred() {
    let Some(source) = corpus("upstream") else {
        return;
    };
    let (repo, run) = build_corpus(&source);
    run.expect_code(0).expect_stderr("33 postmortems");

    let files = markdown_files(&source);
    assert_eq!(files.len(), 33);
    for file in &files {
        let shown = file.strip_prefix(&source).unwrap().display().to_string();
        run.expect_stderr(&shown);
    }
    run.expect_stderr("blog.rust-lang.org/inside-rust/cargo-postmortem.md:1:1: warning: took the date from the `path` field");
    run.expect_stderr("the file name says 2022-06-02 but the first heading says 2022-01-27");

    let cargo = repo.page("postmortems/cargo-postmortem/index.html");
    assert_eq!(texts(&cargo, "h1"), ["Postmortem Analysis in Cargo"]);
    assert_eq!(attrs(&cargo, ".postmortem-header time", "datetime"), ["2023-05-01"]);

    let binder = repo.page("postmortems/2017-11-30-oom-proxy/index.html");
    assert_eq!(texts(&binder, "h1"), ["2017-11-30 4:23PM PST, OOM (Out of Memory) Proxy"]);
    assert!(texts(&binder, ".body h1").is_empty(), "the heading used as title is not repeated");

    let iframe = repo.output("postmortems/2022-06-02-pod-limit/index.html");
    assert!(!iframe.contains("<iframe"), "raw iframes are sanitised away");

    let malware = repo.page("postmortems/crates-io-malware-postmortem/index.html");
    assert!(!texts(&malware, ".footnote-definition").is_empty(), "footnotes render");

    let catalogue = repo.page("postmortems/index.html");
    assert_eq!(texts(&catalogue, ".compact a").len(), 33);
}
