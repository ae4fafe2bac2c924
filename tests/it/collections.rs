//! Reading lists for onboarding: `content/collections/*.md`.

use crate::util::{Repo, attrs, texts};

fn with_list(list: &str) -> Repo {
    let repo = Repo::fixture("crosslinks");
    repo.write("content/collections/onboarding.md", list);
    repo
}

// The list keeps the curator's order and notes, and shows what each
// postmortem taught; the home page links to it.
#[test]
fn a_reading_list_shows_its_postmortems_in_order_with_notes() {
    let repo = with_list(
        "---\ntitle: Start here\npostmortems:\n  - INC-2025-002\n  - id: INC-2024-031\n    note: Read the *five whys*.\n---\nWelcome to on-call.\n",
    );
    repo.build(&[]).expect_code(0);
    let page = repo.page("collections/onboarding/index.html");
    assert_eq!(texts(&page, "h1"), ["Start here"]);
    assert_eq!(texts(&page, ".intro"), ["Welcome to on-call."]);
    assert_eq!(
        texts(&page, ".reading-list > li h2"),
        ["The linking postmortem", "The target postmortem"]
    );
    assert_eq!(texts(&page, ".note em"), ["five whys"]);
    let home = repo.page("index.html");
    assert_eq!(
        attrs(&home, "#reading-lists + ul a", "href"),
        ["collections/onboarding/index.html"]
    );
    assert!(repo.has_output("collections/index.html"));
}

// A list that names a missing postmortem or a draft would mislead a new
// hire; the build says which line to fix.
#[test]
fn a_reading_list_naming_a_missing_or_draft_postmortem_is_an_error() {
    let repo = with_list(
        "---\ntitle: Start here\npostmortems:\n  - INC-2025-002\n  - INC-404\n  - INC-2025-003\n---\n",
    );
    let run = repo.build(&[]);
    run.expect_code(1);
    run.expect_stderr("content/collections/onboarding.md:5:5: error: the reading list names `INC-404`, which is not the id of any postmortem");
    run.expect_stderr("content/collections/onboarding.md:6:5: error: the reading list names `INC-2025-003`, which is a draft");
}

// Reading lists are not postmortems: they never appear in the catalogue.
#[test]
fn reading_lists_are_not_postmortems() {
    let repo = with_list("---\ntitle: Start here\npostmortems: [INC-2025-002]\n---\n");
    repo.build(&[]).expect_code(0).expect_stderr("3 postmortems (1 draft not published)");
    assert!(!repo.has_output("postmortems/onboarding/index.html"));
}
