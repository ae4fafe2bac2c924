//! The knowledge base across postmortems: taxonomies, lessons and digests,
//! the action board and its data files, the dashboard and the archive.
//!
//! Built from `tests/fixtures/knowledge` at the harness's fixed build date,
//! 2025-06-01 (a Sunday), in the site zone Europe/Paris.

use crate::util::{Repo, attrs, resolve, texts};

fn built() -> (Repo, crate::util::Run) {
    let repo = Repo::fixture("knowledge");
    let run = repo.build(&[]);
    run.expect_code(0);
    (repo, run)
}

// Term pages must exist for awkward names, and distinct names must stay
// distinct: C, C++ and C# are three languages.
#[test]
fn tag_index_counts_terms_with_working_distinct_urls() {
    let (repo, _) = built();
    let tags = repo.page("tags/index.html");
    let terms = texts(&tags, ".terms li");
    assert_eq!(terms, ["C (1)", "C# (1)", "C++ (1)", "deploy (3)", "données (1)", "tls/ssl (1)"]);
    let hrefs = attrs(&tags, ".terms a", "href");
    assert_eq!(
        hrefs,
        [
            "c/index.html",
            "c-sharp/index.html",
            "c-plus-plus/index.html",
            "deploy/index.html",
            "données/index.html",
            "tls-ssl/index.html",
        ]
    );
    for href in hrefs {
        assert!(repo.has_output(&resolve("tags/index.html", &href)), "{href}");
    }
}

// Two spellings folding to one page are merged, and the author is told
// which files disagree.
#[test]
fn spellings_that_share_a_page_are_merged_with_a_warning_naming_both_files() {
    let (_, run) = built();
    let warning = run
        .stderr
        .lines()
        .find(|l| l.contains("share one page"))
        .unwrap_or_else(|| panic!("no merge warning in:\n{}", run.stderr));
    assert!(warning.starts_with("content/a-new-year.md: warning: tag `Deploy`"), "{warning}");
    assert!(warning.contains("content/b-february.md"), "{warning}");
}

// A term page lists its postmortems newest first, undated ones under
// their own heading rather than in 1970, with lessons and open actions.
#[test]
fn a_term_page_lists_postmortems_lessons_and_open_actions() {
    let (repo, _) = built();
    let page = repo.page("tags/deploy/index.html");
    assert_eq!(texts(&page, "h3.year"), ["2025", "Undated"]);
    assert_eq!(
        texts(&page, "#term-postmortems ~ ul.compact a"),
        ["February deploy failure", "Outage across midnight UTC", "A near miss nobody dated"]
    );
    assert_eq!(texts(&page, ".lessons li").len(), 2);
    let actions = texts(&page, "table.actions tbody tr");
    assert_eq!(actions.len(), 3, "open work only: {actions:?}");
    assert!(actions.iter().all(|row| !row.contains("Done thing")));
}

// Overdue means due before the build date and not done or wont_do; the
// board puts overdue work first, oldest promise first.
#[test]
fn the_action_board_lists_overdue_first_and_counts_by_status() {
    let (repo, _) = built();
    let board = repo.page("actions/index.html");
    let rows = texts(&board, "table.actions tbody tr");
    assert_eq!(rows.len(), 5);
    assert!(rows[0].starts_with("Fix it, \"now\"") && rows[0].contains("Overdue"), "{rows:?}");
    assert!(rows[1].starts_with("Blocked thing") && rows[1].contains("Overdue"), "{rows:?}");
    assert!(rows[2].starts_with("Later thing") && !rows[2].contains("Overdue"), "{rows:?}");
    assert!(rows[3].starts_with("Nobody owns this") && rows[3].contains("No owner"), "{rows:?}");
    assert!(rows[4].starts_with("Done thing") && !rows[4].contains("Overdue"), "{rows:?}");
    let statuses = texts(&board, "nav[aria-label='Actions by status'] li");
    assert_eq!(
        statuses,
        [
            "All (5)",
            "Overdue (2)",
            "Open (2)",
            "In progress (1)",
            "Blocked (1)",
            "Done (1)",
            "Won't do (0)"
        ]
    );
}

// Owners get their own view; actions with no owner are listed, not hidden.
#[test]
fn owner_and_status_views_hold_exactly_their_actions() {
    let (repo, _) = built();
    let platform =
        texts(&repo.page("actions/owners/platform/index.html"), "table.actions tbody tr");
    assert_eq!(platform.len(), 2);
    let unowned = texts(&repo.page("actions/owners/_none/index.html"), "table.actions tbody tr");
    assert_eq!(unowned.len(), 1);
    assert!(unowned[0].starts_with("Nobody owns this"));
    assert!(repo.has_output("actions/owners/data-team/index.html"));
    let blocked = texts(&repo.page("actions/status/blocked/index.html"), "table.actions tbody tr");
    assert_eq!(blocked.len(), 1);
    let overdue = texts(&repo.page("actions/overdue/index.html"), "table.actions tbody tr");
    assert_eq!(overdue.len(), 2, "the dashboard's overdue figure links here");
}

// Trackers import the CSV: the header is fixed and commas and quotes in
// an action are quoted the RFC 4180 way.
#[test]
fn actions_csv_has_the_header_and_quotes_commas_and_quotes() {
    let (repo, _) = built();
    let csv = repo.output("data/actions.csv");
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("postmortem_id,postmortem_title,action,owner,status,due,ticket,overdue")
    );
    assert_eq!(
        lines.next(),
        Some(
            "A,Outage across midnight UTC,\"Fix it, \"\"now\"\"\",platform,open,2025-01-15,OPS-1,true"
        )
    );
    assert_eq!(csv.lines().count(), 6);
}

// The JSON carries the same records for tools that prefer it.
#[test]
fn actions_json_has_one_record_per_action() {
    let (repo, _) = built();
    let records: Vec<serde_json::Value> =
        serde_json::from_str(&repo.output("data/actions.json")).unwrap();
    assert_eq!(records.len(), 5);
    assert_eq!(records[0]["action"], "Fix it, \"now\"");
    assert_eq!(records[0]["overdue"], true);
    assert_eq!(records[3]["owner"], "");
    assert_eq!(records[3]["due"], "");
}

// An incident at 23:30 UTC on New Year's Eve is 00:30 on 1 January in
// Paris: it belongs to the new year's first quarter there.
#[test]
fn a_postmortem_falls_in_the_period_of_its_local_date() {
    let (repo, _) = built();
    assert!(
        !repo.has_output("lessons/2024-q4/index.html"),
        "periods without postmortems are not pages"
    );
    let digest = repo.page("lessons/2025-q1/index.html");
    assert_eq!(
        texts(&digest, ".digest-item h2"),
        ["Certificate expiry in March", "February deploy failure", "Outage across midnight UTC"]
    );
    let lessons = repo.page("lessons/index.html");
    assert_eq!(texts(&lessons, "#digests + ul li a"), ["Q1 2025", "Q2 2023"]);
}

// Lessons are grouped by theme (tags by default) and link to their source.
#[test]
fn lessons_are_grouped_by_theme() {
    let (repo, _) = built();
    let page = repo.page("lessons/index.html");
    assert_eq!(texts(&page, "main section h2")[1..], ["C", "C++", "C#", "deploy"]);
    let deploy = texts(&page, "#theme-deploy + ul li");
    assert_eq!(
        deploy,
        [
            "Lesson B February deploy failure",
            "Lesson A, with \"quotes\" Outage across midnight UTC"
        ]
    );
    // Each theme has its own page with all its lessons.
    let href = attrs(&page, "#theme-deploy ~ p.more a", "href");
    assert_eq!(href.first().map(String::as_str), Some("themes/deploy/index.html"));
    let theme = repo.page("lessons/themes/deploy/index.html");
    assert_eq!(texts(&theme, "h1"), ["Lessons on deploy"]);
    assert_eq!(texts(&theme, ".lessons li"), deploy);
}

// Medians and 90th percentiles, worked out by hand for Q1 2025:
// detect 5, 10, 30 min -> median 10, p90 10 + 0.8 * 20 = 26;
// resolve 10, 90, 110 min -> median 90, p90 90 + 0.8 * 20 = 106.
#[test]
fn the_dashboard_shows_medians_and_90th_percentiles_per_quarter() {
    let (repo, _) = built();
    let home = repo.page("index.html");
    let rows = texts(&home, "#durations ~ div table tbody tr");
    assert_eq!(rows, ["Q1 2025 3 10 min 26 min 3 1 h 30 min 1 h 46 min"]);
}

// The chart is drawn at build time; its numbers are also in a table.
#[test]
fn the_dashboard_charts_postmortems_per_month_with_a_table() {
    let (repo, _) = built();
    let home = repo.page("index.html");
    assert_eq!(attrs(&home, "svg.chart", "role"), ["img"]);
    let months = texts(&home, ".chart-figure tbody tr");
    assert_eq!(months.len(), 36);
    assert_eq!(months.last().unwrap(), "Jun 2025 0");
    assert!(months.contains(&"Jan 2025 1".to_string()));
    assert!(months.contains(&"Feb 2025 1".to_string()));
}

// What keeps breaking, what happened this week in earlier years.
#[test]
fn the_dashboard_lists_recurring_causes_and_anniversaries() {
    let (repo, _) = built();
    let home = repo.page("index.html");
    let recurring = texts(&home, ".recurring li");
    assert_eq!(recurring.len(), 1, "{recurring:?}");
    assert!(recurring[0].starts_with("configuration (2)"), "{recurring:?}");
    assert_eq!(texts(&home, "#on-this-day ~ .entry .entry-title"), ["Two years ago this week"]);
    let services = texts(&home, ".columns > div:first-child li");
    assert_eq!(services, ["api (2)", "db (1)", "edge (1)"]);
}

// Thousands of postmortems need an archive: one page per year.
#[test]
fn the_archive_has_a_page_per_year_and_one_for_undated() {
    let (repo, _) = built();
    let catalogue = repo.page("postmortems/index.html");
    assert_eq!(texts(&catalogue, "nav.jump li"), ["2025 (3)", "2023 (1)", "Undated (1)"]);
    let undated = repo.page("postmortems/undated/index.html");
    assert_eq!(texts(&undated, ".entry-title"), ["A near miss nobody dated"]);
    assert_eq!(texts(&repo.page("postmortems/2025/index.html"), ".entry-title").len(), 3);
}

// Every knowledge-base view is reachable from the navigation.
#[test]
fn the_navigation_reaches_every_view() {
    let (repo, _) = built();
    let nav = texts(&repo.page("index.html"), "header nav li");
    assert_eq!(
        nav,
        [
            "Overview",
            "Postmortems",
            "Lessons",
            "Actions",
            "Tags",
            "Services",
            "Teams",
            "Severity",
            "Trigger"
        ]
    );
}

// Lessons of untagged postmortems go under "No tags", which never shares a
// page with a tag of that name; a postmortem whose spellings of one tag
// merge lists each lesson once under it.
#[test]
fn untagged_lessons_have_their_own_theme_and_merged_tags_count_once() {
    let repo = Repo::new();
    repo.write(
        "content/a.md",
        "---\ntitle: Tagged\nid: INC-1\ndate: 2024-03-01\ntags: [no tags, C++, c-plus-plus]\nlessons_learned: [Tagged lesson]\n---\n",
    );
    repo.write(
        "content/b.md",
        "---\ntitle: Untagged\nid: INC-2\ndate: 2024-03-02\nlessons_learned: [Untagged lesson]\n---\n",
    );
    repo.build(&[]).expect_code(0);
    let tagged = repo.page("lessons/themes/no-tags/index.html");
    assert_eq!(texts(&tagged, ".lessons li"), ["Tagged lesson Tagged"]);
    let untagged = repo.page("lessons/themes/no-tags-2/index.html");
    assert_eq!(texts(&untagged, "h1"), ["Lessons on No tags"]);
    assert_eq!(texts(&untagged, ".lessons li"), ["Untagged lesson Untagged"]);
    let merged = repo.page("lessons/themes/c-plus-plus/index.html");
    assert_eq!(texts(&merged, ".lessons li"), ["Tagged lesson Tagged"]);
}
