//! `hindsight new` and `hindsight init` in temporary folders.

use std::path::Path;
use std::process::Command;

use crate::util::{Repo, hindsight, texts};

fn root_arg(repo: &Repo) -> String {
    repo.path().to_str().unwrap().to_string()
}

// The file is named after the date and the title, and the title survives
// YAML's special characters.
#[test]
fn new_writes_a_dated_slugged_postmortem_that_checks_clean() {
    let repo = Repo::new();
    let root = root_arg(&repo);
    hindsight(&["new", "Checkout: 502s after deploy", "--severity", "sev1", "--root", &root])
        .expect_code(0);
    let path = repo.path().join("content/2025-06-01-checkout-502s-after-deploy.md");
    let text = std::fs::read_to_string(&path).expect("the new file");
    assert!(text.contains("title: \"Checkout: 502s after deploy\""), "{text}");
    assert!(text.contains("severity: SEV1"));
    assert!(text.contains("whys:"), "the template teaches five whys");
    hindsight(&["check", "--root", &root]).expect_code(0);
    repo.build(&["--drafts"]).expect_code(0);
    let page = repo.page("postmortems/2025-06-01-checkout-502s-after-deploy/index.html");
    assert_eq!(texts(&page, "h1"), ["Checkout: 502s after deploy"]);
}

// Never overwrite: a second `new` for the same day and title fails.
#[test]
fn new_refuses_to_overwrite_and_checks_its_arguments() {
    let repo = Repo::new();
    let root = root_arg(&repo);
    hindsight(&["new", "DNS outage", "--date", "2024-02-29", "--root", &root]).expect_code(0);
    let path = repo.path().join("content/2024-02-29-dns-outage.md");
    std::fs::write(&path, "my notes").unwrap();
    hindsight(&["new", "DNS outage", "--date", "2024-02-29", "--root", &root])
        .expect_code(1)
        .expect_stderr("already exists and was left as it is");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "my notes");
    hindsight(&["new", "x", "--severity", "SEV9", "--root", &root])
        .expect_code(2)
        .expect_stderr("unknown severity `SEV9`");
    hindsight(&["new", "x", "--date", "2025-02-30", "--root", &root])
        .expect_code(2)
        .expect_stderr("--date `2025-02-30`");
}

// Teams customise the template by keeping their own in the repository.
#[test]
fn new_uses_the_repository_template_when_there_is_one() {
    let repo = Repo::new();
    repo.write("templates/postmortem.md", "---\ntitle: {{title}}\ndate: {{date}}\nseverity: {{severity}}\nteams: [our-team]\n---\nOur headings.\n");
    hindsight(&["new", "Ours", "--root", &root_arg(&repo)]).expect_code(0);
    let text = std::fs::read_to_string(repo.path().join("content/2025-06-01-ours.md")).unwrap();
    assert_eq!(
        text,
        "---\ntitle: \"Ours\"\ndate: 2025-06-01\nseverity: SEV5\nteams: [our-team]\n---\nOur headings.\n"
    );
}

// A new repository checks and builds as it is.
#[test]
fn init_creates_a_repository_that_checks_and_builds() {
    let repo = Repo::new();
    let dir = repo.path().join("kb");
    let dir_arg = dir.to_str().unwrap();
    hindsight(&["init", dir_arg]).expect_code(0);
    for file in [
        "hindsight.toml",
        ".gitignore",
        "netlify.toml",
        ".github/workflows/postmortems.yml",
        ".gitlab-ci.yml",
        "templates/postmortem.md",
        "content/example-checkout-config-push.md",
    ] {
        assert!(dir.join(file).is_file(), "{file}");
    }
    hindsight(&["check", "--root", dir_arg]).expect_code(0);
    hindsight(&["build", "--root", dir_arg]).expect_code(0);
    assert!(dir.join("public/index.html").is_file());
}

// Refuse a folder with content unless told to; even then, keep every file.
#[test]
fn init_refuses_a_non_empty_folder_and_never_overwrites() {
    let repo = Repo::new();
    repo.write("hindsight.toml", "title = \"Ours\"\n");
    let root = root_arg(&repo);
    hindsight(&["init", &root]).expect_code(2).expect_stderr("is not empty");
    assert!(!repo.path().join("content").exists());
    hindsight(&["init", &root, "--force"]).expect_code(0).expect_stderr("kept");
    assert_eq!(
        std::fs::read_to_string(repo.path().join("hindsight.toml")).unwrap(),
        "title = \"Ours\"\n"
    );
    assert!(repo.path().join("content/example-checkout-config-push.md").is_file());
}

// The CI examples `init` writes must pass: run their steps (all but the
// install, which fetches Hindsight itself) with this binary on PATH.
#[test]
fn the_ci_examples_init_writes_pass_when_run() {
    let repo = Repo::new();
    let dir = repo.path().join("kb");
    hindsight(&["init", dir.to_str().unwrap()]).expect_code(0);

    let workflow: serde_yaml::Value = serde_yaml::from_str(
        &std::fs::read_to_string(dir.join(".github/workflows/postmortems.yml")).unwrap(),
    )
    .unwrap();
    let steps = workflow["jobs"]["site"]["steps"].as_sequence().unwrap();
    let github: Vec<&str> = steps
        .iter()
        .filter_map(|s| s["run"].as_str())
        .filter(|run| run.starts_with("hindsight "))
        .collect();
    assert_eq!(github, ["hindsight check --format github", "hindsight build"]);

    let gitlab: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(dir.join(".gitlab-ci.yml")).unwrap())
            .unwrap();
    let mut commands: Vec<String> = github.iter().map(|c| c.to_string()).collect();
    for job in ["check", "pages"] {
        for line in gitlab[job]["script"].as_sequence().unwrap() {
            commands.push(line.as_str().unwrap().to_string());
        }
    }
    assert_eq!(gitlab["pages"]["artifacts"]["paths"][0], "public");
    for command in commands {
        run_with_hindsight_on_path(&dir, &command);
    }
    assert!(dir.join("public/index.html").is_file(), "the build step publishes public/");
}

fn run_with_hindsight_on_path(dir: &Path, command: &str) {
    let binary = Path::new(env!("CARGO_BIN_EXE_hindsight")).parent().unwrap().to_path_buf();
    let path = std::env::join_paths(
        std::iter::once(binary).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let status = Command::new("sh")
        .args(["-c", command])
        .current_dir(dir)
        .env("PATH", path)
        .env("SOURCE_DATE_EPOCH", crate::util::BUILD_EPOCH)
        .status()
        .unwrap();
    assert!(status.success(), "`{command}` failed in the CI example");
}
