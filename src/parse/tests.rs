use std::path::Path;

use jiff::civil::date;

use super::*;
use crate::diagnostic::Level;

fn config() -> Config {
    Config::parse("timezone = \"Europe/Paris\"\nseverities = [\"SEV1\", \"SEV2\"]", Path::new("."))
        .unwrap()
}

fn read(name: &str, text: &str) -> Parsed {
    parse(text, Path::new(name), &config())
}

fn messages(parsed: &Parsed) -> Vec<String> {
    parsed.diagnostics.iter().map(|d| format!("{}:{} {}", d.line, d.column, d.message)).collect()
}

#[test]
fn every_field_of_the_format_is_read() {
    let parsed = read(
        "content/x.md",
        "---\ntitle: T\nid: INC-1\ndate: 2025-03-14\nseverity: sev2\nstatus: review\n\
         kind: near-miss\nservices: api\ntags: [a, b]\ntrigger: deploy\n\
         root_causes:\n  - cause: c\n    category: k\n    whys: [w1, w2]\n  - plain\n\
         improvement_actions:\n  - action: a\n    owner: o\n    status: in-progress\n    due: 2025-04-01\n  - bare\n\
         extra: {cost: 3}\n---\nBody\n",
    );
    assert_eq!(messages(&parsed), Vec::<String>::new());
    let pm = parsed.postmortem.unwrap();
    assert_eq!((pm.id.as_str(), pm.slug.as_str(), pm.title.as_str()), ("INC-1", "inc-1", "T"));
    assert_eq!(pm.date, Some(date(2025, 3, 14)));
    assert_eq!(pm.severity.as_deref(), Some("SEV2"), "severity takes the scale's spelling");
    assert_eq!((pm.status, pm.kind), (Status::Review, Kind::NearMiss));
    assert_eq!(pm.services, ["api"], "a single string is a list of one");
    assert_eq!(pm.root_causes.len(), 2);
    assert_eq!(pm.root_causes[0].whys, ["w1", "w2"]);
    assert_eq!(pm.improvement_actions[1].owner, None);
    assert_eq!(pm.extra["cost"], 3);
    assert_eq!(pm.body.first_line, 24);
}

#[test]
fn aliases_are_read_as_their_canonical_field() {
    let parsed = read("x.md", "---\ntitle: T\naction_items: [one]\nlessons: [l]\n---\n");
    let pm = parsed.postmortem.unwrap();
    assert_eq!(pm.improvement_actions[0].action, "one");
    assert_eq!(pm.lessons_learned, ["l"]);
}

#[test]
fn numbers_and_yaml_1_1_words_are_read_as_written() {
    let parsed = read("x.md", "---\ntitle: 404\nsummary: 1.10\ntags: [no, on, 5xx]\n---\n");
    let pm = parsed.postmortem.unwrap();
    assert_eq!(pm.title, "404");
    assert_eq!(pm.summary.as_deref(), Some("1.10"));
    assert_eq!(pm.tags, ["no", "on", "5xx"]);
}

#[test]
fn problems_point_at_the_line_of_the_field() {
    let cases = [
        ("severity: SEV9", "3:1 unknown severity `SEV9`"),
        ("status: shipped", "3:1 unknown status `shipped`"),
        ("tags: {a: 1}", "3:1 `tags` should be a list, found a map"),
        ("title_: x", "3:1 unknown field `title_`"),
        ("date: 2025-02-30", "3:1 `date` is not a valid date"),
    ];
    for (line, expected) in cases {
        let parsed = read("x.md", &format!("---\ntitle: T\n{line}\n---\n"));
        let found = messages(&parsed);
        assert!(found.iter().any(|m| m.starts_with(expected)), "{line}: {found:?}");
    }
}

#[test]
fn a_bad_action_status_points_at_its_own_line() {
    let parsed = read(
        "x.md",
        "---\ntitle: T\nimprovement_actions:\n  - action: a\n    status: open\n  - action: b\n    status: finished-ish\ndate: 2025-01-01\n---\n",
    );
    assert_eq!(messages(&parsed), ["7:13 unknown action status `finished-ish`"]);
}

#[test]
fn times_out_of_order_are_errors() {
    let parsed = read(
        "x.md",
        "---\ntitle: T\nstart_time: 2025-03-14T02:10:00+01:00\nend_time: 2025-03-14T01:10:00+01:00\n---\n",
    );
    let found = messages(&parsed);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("4:1 `end_time`"), "{found:?}");
    assert_eq!(parsed.diagnostics[0].level, Level::Error);
}

#[test]
fn a_file_without_front_matter_takes_title_and_date_and_says_so() {
    let parsed =
        read("content/2018-02-22-nginx.md", "# 2018-02-22 NGINX crash\n\n## Summary\n\nText.\n");
    let pm = parsed.postmortem.as_ref().unwrap();
    assert_eq!(pm.title, "2018-02-22 NGINX crash");
    assert_eq!(pm.date, Some(date(2018, 2, 22)));
    assert!(!pm.body.markdown.contains("NGINX crash"), "the heading is not repeated");
    assert_eq!(pm.body.markdown.lines().count(), 5, "lines stay where they were");
    let found = messages(&parsed);
    assert!(
        found[0].contains("took the title from the first heading and the date from the file name")
    );
}

#[test]
fn a_date_comes_from_the_start_time_in_the_site_zone() {
    let parsed = read("x.md", "---\ntitle: T\nstart_time: 2025-12-31T23:30:00Z\n---\n");
    assert_eq!(parsed.postmortem.unwrap().date, Some(date(2026, 1, 1)));
}

#[test]
fn front_matter_with_no_title_and_no_heading_is_an_error() {
    let parsed = read("x.md", "---\ndate: 2025-01-01\n---\nJust text.\n");
    assert!(messages(&parsed).iter().any(|m| m.contains("has no title")));
}

#[test]
fn bom_and_crlf_are_read_like_plain_text() {
    let parsed = read("x.md", "\u{feff}---\r\ntitle: T\r\ndate: 2025-01-01\r\n---\r\nBody\r\n");
    assert_eq!(messages(&parsed), Vec::<String>::new());
    assert_eq!(parsed.postmortem.unwrap().title, "T");
}

#[test]
fn toml_front_matter_reads_zola_fields() {
    let parsed = read(
        "x.md",
        "+++\npath = \"inside-rust/2023/05/01/cargo\"\ntitle = \"Cargo\"\nauthors = [\"A\"]\n\
         [taxonomies]\ntags = [\"cargo\"]\n[extra]\nteam = \"Cargo\"\n+++\nBody\n",
    );
    let pm = parsed.postmortem.unwrap();
    assert_eq!((pm.title.as_str(), pm.date), ("Cargo", Some(date(2023, 5, 1))));
    assert_eq!(pm.tags, ["cargo"]);
    assert_eq!(pm.extra["team"], "Cargo");
}
