//! `hindsight check`: the quality gate a postmortem repository runs in CI.
//! Built on `tests/fixtures/maturing` at the fixed build date 2025-06-01.

use crate::util::{Repo, hindsight};

fn check(repo: &Repo, args: &[&str]) -> crate::util::Run {
    let root = repo.path().to_str().unwrap().to_string();
    let mut all = vec!["check", "--root", root.as_str()];
    all.extend(args);
    hindsight(&all)
}

// Fields required once a postmortem matures are errors, at the status line.
#[test]
fn required_fields_grow_with_the_status() {
    let repo = Repo::fixture("maturing");
    let run = check(&repo, &[]);
    run.expect_code(1);
    run.expect_stderr(
        "content/thin-published.md:5:1: error: a published postmortem needs `impact`, `root_causes`, `lessons_learned`",
    );
    run.expect_stderr("content/in-review.md:5:1: error: a review postmortem needs `impact`");
    // The gate is check's: a build still publishes a half-written postmortem.
    repo.build(&[]).expect_code(0);
    assert!(!run.stderr.contains("content/complete.md:"), "{}", run.stderr);
    assert!(!run.stderr.contains("a draft postmortem needs"), "drafts may be thin");
}

// Follow-up work that slips is what postmortem culture loses track of.
#[test]
fn actions_without_owner_or_due_date_and_overdue_actions_are_warned_about() {
    let repo = Repo::fixture("maturing");
    let run = check(&repo, &[]);
    run.expect_stderr(
        "content/thin-published.md:8:5: warning: action \"Write the runbook\" has no owner",
    );
    run.expect_stderr("warning: action \"Write the runbook\" has no due date");
    run.expect_stderr("warning: action \"Add an alert\" is overdue: due 2025-03-01, 92 days ago");
    run.expect_stderr("warning: action \"Decide on retries\" has no due date");
    assert!(!run.stderr.contains("Alert thirty days"), "done actions are not warned about");
    run.expect_stderr("content/thin-published.md:15:1: warning: `related` names `NOPE-404`");
}

// A check reads drafts' bodies too, and writes nothing.
#[test]
fn a_check_reads_drafts_and_writes_nothing() {
    let repo = Repo::fixture("maturing");
    let run = check(&repo, &[]);
    run.expect_stderr("content/draft.md:7:13: error: `[[NOPE-1]]` names no postmortem");
    assert!(!repo.path().join("public").exists());
}

// The human format quotes the offending line with a caret, like a compiler.
#[test]
fn human_output_quotes_the_line_and_points_at_it() {
    let repo = Repo::fixture("maturing");
    let run = check(&repo, &[]);
    let block = "content/draft.md:7:13: error: `[[NOPE-1]]` names no postmortem\n  |\n7 | Body with a [[NOPE-1]] link that only a check reads.\n  |             ^\n  = hint:";
    assert!(run.stderr.contains(block), "{}", run.stderr);
    run.expect_stderr("checked 4 postmortems: 3 errors, 5 warnings");
}

// Tools read one JSON object per line from stdout.
#[test]
fn json_output_is_one_object_per_problem() {
    let repo = Repo::fixture("maturing");
    let run = check(&repo, &["--format", "json"]);
    run.expect_code(1);
    let records: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(records.len(), 8);
    let errors = records.iter().filter(|r| r["level"] == "error").count();
    assert_eq!(errors, 3);
    let draft = records.iter().find(|r| r["file"] == "content/draft.md").unwrap();
    assert_eq!((draft["line"].as_u64(), draft["column"].as_u64()), (Some(7), Some(13)));
    assert!(draft["hint"].as_str().is_some_and(|h| !h.is_empty()));
}

// GitHub turns workflow commands into annotations on the pull request.
#[test]
fn github_output_is_workflow_annotations() {
    let repo = Repo::fixture("maturing");
    let run = check(&repo, &["--format", "github"]);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 8);
    for line in &lines {
        let well_formed = (line.starts_with("::error file=")
            || line.starts_with("::warning file="))
            && line.contains(",line=")
            && line.contains(",title=hindsight::");
        assert!(well_formed, "{line}");
    }
    assert!(lines.contains(
        &"::error file=content/draft.md,line=7,col=13,title=hindsight::`[[NOPE-1]]` names no postmortem%0Ahint: use the target's `id:` (or its file name when it has none)"
    ));
}

// Exit status: 0 clean (warnings allowed), 1 errors or denied warnings,
// 2 a configuration problem.
#[test]
fn exit_status_follows_errors_warnings_and_configuration() {
    let repo = Repo::fixture("maturing");
    for file in ["thin-published.md", "in-review.md", "draft.md"] {
        std::fs::remove_file(repo.path().join("content").join(file)).unwrap();
    }
    check(&repo, &[]).expect_code(0);
    repo.write(
        "content/late.md",
        "---\ntitle: Late\ndate: 2025-01-01\nstatus: draft\nimprovement_actions: [Someday]\n---\n",
    );
    check(&repo, &[]).expect_code(0);
    check(&repo, &["--deny-warnings"]).expect_code(1);
    repo.write("hindsight.toml", "[check]\nrequired_in_review = [\"lessons\"]\n");
    check(&repo, &[]).expect_code(2).expect_stderr("did you mean `lessons_learned`");
}
