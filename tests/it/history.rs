//! Git history on postmortem pages: last updated, contributors, an edit
//! link, and dates for postmortems that give none.

use std::process::Command;

use crate::util::{Repo, attrs, texts};

fn git(repo: &Repo, args: &[&str], author: &str, date: &str) {
    let status = Command::new("git")
        .args(args)
        .current_dir(repo.path())
        .env("GIT_AUTHOR_NAME", author)
        .env("GIT_AUTHOR_EMAIL", format!("{}@example.com", author.to_lowercase()))
        .env("GIT_COMMITTER_NAME", author)
        .env("GIT_COMMITTER_EMAIL", "ci@example.com")
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

// Two commits by two authors: the page shows both, the later date, and an
// edit link in the forge's shape; an undated file takes its first commit.
#[test]
fn pages_show_history_from_one_read_of_git_log() {
    let repo = Repo::new();
    repo.write("hindsight.toml", "repo_url = \"https://github.com/example/postmortems\"\n");
    repo.write("content/dated.md", "---\ntitle: Dated\ndate: 2025-01-05\n---\nFirst draft.\n");
    repo.write("content/no-date.md", "---\ntitle: Undated\n---\nNo date here.\n");
    git(&repo, &["init", "--quiet", "--initial-branch=main"], "Ann", "2025-01-06T10:00:00+00:00");
    git(&repo, &["add", "."], "Ann", "2025-01-06T10:00:00+00:00");
    git(&repo, &["commit", "--quiet", "-m", "first"], "Ann", "2025-01-06T10:00:00+00:00");
    repo.write("content/dated.md", "---\ntitle: Dated\ndate: 2025-01-05\n---\nReviewed.\n");
    git(&repo, &["commit", "--quiet", "-am", "review"], "Bo", "2025-02-11T16:30:00+00:00");

    let run = repo.build(&[]);
    run.expect_code(0).expect_stderr(
        "content/no-date.md:1:1: warning: took the date from the file's first git commit",
    );
    let page = repo.page("postmortems/dated/index.html");
    let footer = texts(&page, ".postmortem-footer")[0].clone();
    assert!(footer.contains("last updated 11 Feb 2025"), "{footer}");
    assert!(footer.contains("contributors: Ann, Bo"), "{footer}");
    assert_eq!(
        attrs(&page, ".postmortem-footer a", "href"),
        ["https://github.com/example/postmortems/edit/main/content/dated.md"]
    );
    let undated = repo.page("postmortems/no-date/index.html");
    assert_eq!(attrs(&undated, ".postmortem-header time", "datetime"), ["2025-01-06"]);
}

// GitLab's edit pages live under /-/edit/.
#[test]
fn gitlab_edit_links_use_gitlab_s_shape() {
    let repo = Repo::new();
    repo.write(
        "hindsight.toml",
        "repo_url = \"https://gitlab.example.com/sre/postmortems/\"\nrepo_branch = \"trunk\"\n",
    );
    repo.write("content/a.md", "---\ntitle: A\ndate: 2025-01-05\n---\n");
    repo.build(&[]).expect_code(0);
    assert_eq!(
        attrs(&repo.page("postmortems/a/index.html"), ".postmortem-footer a", "href"),
        ["https://gitlab.example.com/sre/postmortems/-/edit/trunk/content/a.md"]
    );
}
