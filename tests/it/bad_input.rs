//! Bad input: every kind of broken postmortem gets one message at the line
//! the author must fix, with a hint, and no input makes the build panic.
//! Odd but valid files (BOM and CRLF, YAML 1.1 words, a numeric title,
//! `---` in the body) simply build.
//!
//! The broken files live in `tests/fixtures/invalid/`, the odd ones in
//! `tests/fixtures/quirks/`; each is copied alone into a fresh repository
//! as `content/<name>.md`, so messages name it the same way every time.

use scraper::Html;

use crate::util::{Repo, Run, fixtures, texts};

/// One broken postmortem and what the build must say about it.
struct Case {
    /// The fixture's name, which is also the file's name under `content/`.
    name: &'static str,
    /// Exit status: 1 for an error, 0 when only a warning is due.
    code: i32,
    /// What follows the path: `:line:column: level`, or just `: level` for a
    /// problem of the whole file.
    at: &'static str,
    /// Words the message must hold.
    message: &'static [&'static str],
    /// Words the hint below it must hold.
    hint: &'static [&'static str],
}

const CASES: &[Case] = &[
    Case {
        name: "malformed-yaml",
        code: 1,
        at: ":2:14: error",
        message: &["invalid YAML front matter", "mapping values are not allowed"],
        hint: &["must be quoted", "title: \"Outage: checkout\""],
    },
    Case {
        name: "malformed-toml",
        code: 1,
        at: ":4:12: error",
        message: &["invalid TOML front matter", "string values must be quoted"],
        hint: &["check the TOML near this line", "key = \"value\""],
    },
    Case {
        name: "map-where-list-belongs",
        code: 1,
        at: ":4:1: error",
        message: &["`services` should be a list, found a map"],
        hint: &["services: [first, second]", "`- item`"],
    },
    Case {
        name: "map-where-text-belongs",
        code: 1,
        at: ":4:1: error",
        message: &["`summary` should be text, found a map"],
        hint: &["summary: some text"],
    },
    Case {
        name: "unknown-severity",
        code: 1,
        at: ":4:1: error",
        message: &["unknown severity `SEV9`"],
        hint: &["use one of the scale", "SEV1, SEV2, SEV3, SEV4, SEV5"],
    },
    Case {
        name: "unknown-status",
        code: 1,
        at: ":4:1: error",
        message: &["unknown status `finished`"],
        hint: &["draft, review, published"],
    },
    Case {
        name: "unknown-action-status",
        code: 1,
        at: ":7:13: error",
        message: &["unknown action status `finished-ish`"],
        hint: &["open, in_progress, blocked, done, wont_do"],
    },
    Case {
        name: "end-before-start",
        code: 1,
        at: ":5:1: error",
        message: &["`end_time`", "is before `start_time`"],
        hint: &["start_time <= detected_at <= end_time"],
    },
    Case {
        name: "impossible-date",
        code: 1,
        at: ":3:1: error",
        message: &["`date` is not a valid date: `2025-02-30`", "day"],
        hint: &["YYYY-MM-DD"],
    },
    Case {
        name: "unparsable-time",
        code: 1,
        at: ":4:1: error",
        message: &["`start_time` is not a valid time: `around ten`"],
        hint: &["2025-03-14T02:10:00+01:00", "timezone"],
    },
    Case {
        name: "unknown-key",
        code: 0,
        at: ":4:1: warning",
        message: &["unknown field `severty`"],
        hint: &["did you mean `severity`?", "extra:"],
    },
    Case {
        name: "unclosed-front-matter",
        code: 1,
        at: ":1:1: error",
        message: &["front matter opened with `---` is never closed"],
        hint: &["add a line holding only `---`"],
    },
    Case {
        name: "empty",
        code: 1,
        at: ": error",
        message: &["the file is empty"],
        hint: &["title:", "delete the file"],
    },
    Case {
        name: "broken-wiki-link",
        code: 1,
        at: ":8:5: error",
        message: &["`[[INC-404]]` names no postmortem"],
        hint: &["`id:`", "file name"],
    },
    Case {
        name: "missing-heading-anchor",
        code: 1,
        at: ":6:22: error",
        message: &["`missing-heading-anchor.md#folow-up`", "heading that does not exist"],
        hint: &["did you mean `#follow-up`?"],
    },
];

/// The bytes of `tests/fixtures/<folder>/<name>.md`.
fn fixture(folder: &str, name: &str) -> Vec<u8> {
    let path = fixtures().join(folder).join(format!("{name}.md"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A fresh repository holding one fixture as `content/<name>.md`.
fn repo_with(folder: &str, name: &str) -> Repo {
    let repo = Repo::new();
    repo.write(&format!("content/{name}.md"), fixture(folder, name));
    repo
}

/// Builds, checking what every run must do whatever the input: not panic.
#[track_caller]
fn build(repo: &Repo) -> Run {
    let run = repo.build(&[]);
    assert!(!run.stderr.contains("panicked"), "the build panicked\nstderr:\n{}", run.stderr);
    run
}

/// The first diagnostic line starting with `prefix`, and the hint printed
/// under it after the quoted source line (empty when there is none).
fn find_diagnostic<'r>(run: &'r Run, prefix: &str) -> Option<(&'r str, &'r str)> {
    let mut lines = run.stderr.lines();
    while let Some(line) = lines.next() {
        if line.starts_with(prefix) {
            // The diagnostic's own lines are indented or start with the
            // line number of the quoted source.
            let own = lines
                .take_while(|l| l.starts_with(' ') || l.starts_with(|c: char| c.is_ascii_digit()));
            let hint = own.into_iter().find(|l| l.starts_with("  = hint: "));
            return Some((line, hint.unwrap_or("")));
        }
    }
    None
}

/// Like `find_diagnostic`, failing the test when there is none.
#[track_caller]
fn diagnostic<'r>(run: &'r Run, prefix: &str) -> (&'r str, &'r str) {
    find_diagnostic(run, prefix)
        .unwrap_or_else(|| panic!("no diagnostic starts with {prefix:?}\nstderr:\n{}", run.stderr))
}

/// The first diagnostic line holding `text`, failing the test when none does.
#[track_caller]
fn line_with<'r>(run: &'r Run, text: &str) -> &'r str {
    run.stderr
        .lines()
        .find(|l| l.contains(text))
        .unwrap_or_else(|| panic!("no line holds {text:?}\nstderr:\n{}", run.stderr))
}

/// Everything wrong with how the build reported one case.
fn problems_with(case: &Case) -> Vec<String> {
    let repo = repo_with("invalid", case.name);
    let run = build(&repo);
    let mut problems = Vec::new();
    if run.code != case.code {
        problems.push(format!("exit status {} instead of {}", run.code, case.code));
    }
    if repo.has_output("index.html") != (case.code == 0) {
        problems.push("the site was written exactly when it should not be".to_string());
    }
    let prefix = format!("content/{}.md{}: ", case.name, case.at);
    match find_diagnostic(&run, &prefix) {
        None => problems.push(format!("no diagnostic starts with {prefix:?}")),
        Some((line, hint)) => {
            let missing_message = case.message.iter().filter(|w| !line.contains(*w));
            let missing_hint = case.hint.iter().filter(|w| !hint.contains(*w));
            problems.extend(missing_message.map(|w| format!("message lacks {w:?}")));
            problems.extend(missing_hint.map(|w| format!("hint lacks {w:?}")));
        }
    }
    problems.into_iter().map(|p| format!("{}: {p}\nstderr:\n{}", case.name, run.stderr)).collect()
}

// The author fixes what the message points at: a wrong line, a missing hint
// or a build that fails for a mere warning sends them hunting.
#[test]
fn each_kind_of_bad_input_is_reported_at_its_line_with_a_hint() {
    let problems: Vec<String> = CASES.iter().flat_map(problems_with).collect();
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

// A repository with many broken files must still get one full report, not a
// crash on the strangest of them.
#[test]
fn every_broken_file_is_reported_in_one_run_without_a_panic() {
    let repo = Repo::new();
    for case in CASES {
        repo.write(&format!("content/{}.md", case.name), fixture("invalid", case.name));
    }
    let run = build(&repo);
    run.expect_code(1);
    for case in CASES {
        diagnostic(&run, &format!("content/{}.md{}: ", case.name, case.at));
    }
}

// Fixing one file, rebuilding and finding the next is slow: a build reports
// the problems of every file before it fails.
#[test]
fn all_diagnostics_of_a_run_are_printed_and_counted() {
    let repo = Repo::new();
    for name in ["malformed-toml", "unknown-severity", "unknown-status"] {
        repo.write(&format!("content/{name}.md"), fixture("invalid", name));
    }
    let run = build(&repo);
    run.expect_code(1).expect_stderr(", 3 errors in");
    diagnostic(&run, "content/malformed-toml.md:4:12: error: invalid TOML");
    diagnostic(&run, "content/unknown-severity.md:4:1: error: unknown severity");
    diagnostic(&run, "content/unknown-status.md:4:1: error: unknown status");
}

// A published site must not go half-broken, or vanish, because someone
// pushed a postmortem with a typo.
#[test]
fn a_failed_build_leaves_the_previous_site_untouched() {
    let repo = repo_with("quirks", "number-as-title");
    build(&repo).expect_code(0);
    let index = repo.path().join("public/index.html");
    let before = std::fs::read(&index).unwrap();

    repo.write("content/unknown-severity.md", fixture("invalid", "unknown-severity"));
    build(&repo).expect_code(1).expect_stderr("was left as it was");

    let after = std::fs::read(&index).expect("the previous index.html is still there");
    assert!(before == after, "index.html changed after a failed build");
    assert!(repo.has_output("postmortems/number-as-title/index.html"));
    assert!(!repo.has_output("postmortems/unknown-severity/index.html"));
    for leftover in ["public.hindsight-new", "public.hindsight-old"] {
        assert!(!repo.path().join(leftover).exists(), "{leftover} remains");
    }
}

// `[[INC-1]]` must lead to one page; the author needs both files named to
// decide which one to renumber.
#[test]
fn two_files_with_the_same_id_are_an_error_naming_both() {
    let repo = Repo::new();
    repo.write("content/a.md", "---\ntitle: A\nid: INC-1\ndate: 2025-03-14\n---\n")
        .write("content/b.md", "---\ntitle: B\nid: INC-1\ndate: 2025-03-14\n---\n");
    let run = build(&repo);
    run.expect_code(1);
    let line = line_with(&run, "is also used by");
    for text in ["error", "`INC-1`", "content/a.md", "content/b.md"] {
        assert!(line.contains(text), "{line:?} lacks {text:?}");
    }
}

// Ids that differ only in case and punctuation would write one page over
// the other, silently losing a postmortem.
#[test]
fn two_ids_that_map_to_the_same_url_are_an_error() {
    let repo = Repo::new();
    repo.write("content/a.md", "---\ntitle: A\nid: INC-1\ndate: 2025-03-14\n---\n")
        .write("content/b.md", "---\ntitle: B\nid: inc_1\ndate: 2025-03-14\n---\n");
    let run = build(&repo);
    run.expect_code(1);
    let line = line_with(&run, "would both write /postmortems/inc-1/");
    for text in ["error", "`INC-1`", "`inc_1`", "content/a.md", "content/b.md"] {
        assert!(line.contains(text), "{line:?} lacks {text:?}");
    }
}

// Postmortems pasted from old Windows tools arrive in Latin-1; the author
// needs the line of the odd byte, not a crash or mojibake on the page.
#[test]
fn a_file_that_is_not_utf8_is_an_error_at_the_odd_byte() {
    let repo = Repo::new();
    let latin1 = b"---\ntitle: Outage\ndate: 2025-03-14\n---\n\nThe caf\xe9 was closed.\n";
    repo.write("content/latin1.md", latin1);
    let run = build(&repo);
    run.expect_code(1);
    let (line, hint) = diagnostic(&run, "content/latin1.md:6:8: error: ");
    assert!(line.contains("not UTF-8") && line.contains("0xE9"), "{line:?}");
    assert!(hint.contains("save it as UTF-8"), "{hint:?}");
}

// A key written twice is a real mistake (which value wins?), so the build
// must refuse it and say which key.
#[test]
fn duplicate_keys_are_refused_naming_the_key() {
    let repo = repo_with("invalid", "duplicate-keys");
    let run = build(&repo);
    run.expect_code(1);
    let (line, hint) = diagnostic(&run, "content/duplicate-keys.md:");
    assert!(line.contains("duplicate entry with key \"title\""), "{line:?}");
    assert!(hint.contains("each key may appear once"), "{hint:?}");
}

// The author looks where the message points: line 2 holds the first, valid
// `title`, while the duplicate that must go is on line 4.
#[test]
fn duplicate_keys_are_reported_at_the_second_key() {
    let repo = repo_with("invalid", "duplicate-keys");
    let run = build(&repo);
    run.expect_code(1);
    diagnostic(&run, "content/duplicate-keys.md:4:1: error: ");
}

// An unclosed `[` is the commonest YAML slip; pointing at the closing `---`
// fence, and dropping where the list opened, hides the line to fix.
#[test]
fn an_unclosed_yaml_list_is_reported_where_it_opens() {
    let repo = repo_with("invalid", "unclosed-yaml-list");
    let run = build(&repo);
    run.expect_code(1);
    diagnostic(&run, "content/unclosed-yaml-list.md:4:");
}

// A date that is written but wrong is one problem; also saying "no date
// could be found" and "add `date:`" contradicts the line the author sees.
#[test]
fn an_invalid_date_is_not_also_reported_as_missing() {
    let repo = repo_with("invalid", "impossible-date");
    let run = build(&repo);
    run.expect_code(1);
    assert!(!run.stderr.contains("no date could be found"), "{}", run.stderr);
}

/// Builds a quirks fixture, which must succeed without a word, and returns
/// the repository and its page.
#[track_caller]
fn build_quirk(name: &str) -> (Repo, Html) {
    let repo = repo_with("quirks", name);
    let run = build(&repo);
    run.expect_code(0);
    assert!(!run.stderr.contains("warning:"), "unexpected warning\nstderr:\n{}", run.stderr);
    let page = repo.page(&format!("postmortems/{name}/index.html"));
    (repo, page)
}

// Editors on Windows save with a byte order mark and CRLF; the front matter
// must still be found and no `\r` or BOM may leak into the page.
#[test]
fn a_bom_and_crlf_file_builds_with_a_clean_title() {
    let bytes = fixture("quirks", "bom-and-crlf");
    assert!(bytes.starts_with(b"\xef\xbb\xbf---\r\n"), "the fixture lost its BOM or CRLF");

    let (repo, page) = build_quirk("bom-and-crlf");
    assert_eq!(texts(&page, "h1"), ["Checkout outage on Windows"]);
    let html = repo.output("postmortems/bom-and-crlf/index.html");
    assert!(!html.contains(['\r', '\u{feff}']), "a \\r or BOM reached the page");
}

// `---` is also Markdown's thematic break: only the first one after the
// opener closes the front matter, and the text after later ones is kept.
#[test]
fn thematic_breaks_in_the_body_keep_the_text_after_them() {
    let (_repo, page) = build_quirk("thematic-breaks-in-body");
    assert_eq!(texts(&page, "h1"), ["Checkout outage"]);
    let paragraphs = texts(&page, "p");
    for text in ["Before the first break.", "Between the breaks.", "After the last break."] {
        assert!(paragraphs.iter().any(|p| p == text), "{text:?} missing: {paragraphs:?}");
    }
    assert_eq!(texts(&page, "hr").len(), 2);
}

// YAML 1.1 reads `no` and `on` as booleans (the "Norway problem"); a tag
// must show as written, not as `false`.
#[test]
fn yaml_1_1_boolean_words_stay_words() {
    let (_repo, page) = build_quirk("yaml-1-1-words");
    assert_eq!(texts(&page, ".tags li"), ["no", "on", "yes", "off"]);
}

// `title: 404` is a number to YAML, but it is the title of the "404 on
// checkout" postmortem and must not vanish or become `404.0`.
#[test]
fn a_number_as_title_stays_as_written() {
    let (_repo, page) = build_quirk("number-as-title");
    assert_eq!(texts(&page, "h1"), ["404"]);
}
