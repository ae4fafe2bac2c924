//! Files for machines: the Atom feed, the sitemap and the whole model as
//! JSON. They honour `base_url`; without one, the feed's links are
//! relative to it and there is no sitemap, which must hold absolute URLs.

use std::fmt::Write;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;

use super::OutputFile;
use super::views::Entry;
use crate::config::Config;
use crate::markdown::plain;
use crate::model::Postmortem;

/// How many postmortems the feed carries, newest first.
const FEED_ENTRIES: usize = 50;

/// `feed.xml`: the newest postmortems as Atom.
pub fn atom(
    postmortems: &[&Postmortem],
    entries: &[Entry],
    config: &Config,
    now: Timestamp,
) -> OutputFile {
    let base = config.base_url.as_ref().map(|b| b.absolute());
    let absolute = |path: &str| match &base {
        Some(base) => format!("{base}{path}"),
        None => path.to_string(),
    };
    let zone = &config.timezone;
    let dated: Vec<usize> = (0..postmortems.len())
        .filter(|&i| postmortems[i].date.is_some())
        .take(FEED_ENTRIES)
        .collect();
    let updated = dated.iter().map(|&i| when(postmortems[i], zone)).max().unwrap_or(now);

    let mut xml = String::with_capacity(2048 + dated.len() * 1024);
    xml.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    let _ = writeln!(xml, "  <title>{}</title>", escape(&config.title));
    if !config.description.is_empty() {
        let _ = writeln!(xml, "  <subtitle>{}</subtitle>", escape(&config.description));
    }
    let _ = writeln!(xml, "  <id>{}</id>", escape(&feed_id(&base, "")));
    let _ = writeln!(xml, "  <link rel=\"self\" href=\"{}\"/>", escape(&absolute("feed.xml")));
    let _ = writeln!(
        xml,
        "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>",
        escape(&absolute(""))
    );
    let _ = writeln!(xml, "  <updated>{}</updated>", rfc3339(updated));
    let _ = writeln!(xml, "  <generator>Hindsight</generator>");
    for &i in &dated {
        entry(
            &mut xml,
            postmortems[i],
            &entries[i],
            &absolute(&entries[i].url),
            &feed_id(&base, &entries[i].url),
            zone,
        );
    }
    xml.push_str("</feed>\n");
    OutputFile { path: "feed.xml".into(), contents: xml.into_bytes() }
}

fn entry(xml: &mut String, pm: &Postmortem, entry: &Entry, link: &str, id: &str, zone: &TimeZone) {
    let time = rfc3339(when(pm, zone));
    xml.push_str("  <entry>\n");
    let _ = writeln!(xml, "    <title>{}</title>", escape(&pm.title));
    let _ = writeln!(xml, "    <id>{}</id>", escape(id));
    let _ =
        writeln!(xml, "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>", escape(link));
    let _ = writeln!(xml, "    <published>{time}</published>");
    let _ = writeln!(xml, "    <updated>{time}</updated>");
    let authors: Vec<&str> = if pm.authors.is_empty() {
        vec!["unknown"]
    } else {
        pm.authors.iter().map(String::as_str).collect()
    };
    for author in authors {
        let _ = writeln!(xml, "    <author><name>{}</name></author>", escape(author));
    }
    for tag in &pm.tags {
        let _ = writeln!(xml, "    <category term=\"{}\"/>", escape(tag));
    }
    if !entry.summary_text.is_empty() {
        let _ = writeln!(xml, "    <summary>{}</summary>", escape(&entry.summary_text));
    }
    xml.push_str("  </entry>\n");
}

/// When a postmortem happened: its start time, else the start of its day
/// in the site's zone. Atom needs a full time even when the author gave a
/// date only.
fn when(pm: &Postmortem, zone: &TimeZone) -> Timestamp {
    if let Some(start) = pm.start_time {
        return start;
    }
    pm.date
        .and_then(|d| zone.to_timestamp(d.to_datetime(jiff::civil::Time::midnight())).ok())
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

fn rfc3339(time: Timestamp) -> String {
    time.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A permanent id: the page's address when the site has one, else a URN
/// built from the page path (stable, since paths come from ids).
fn feed_id(base: &Option<String>, path: &str) -> String {
    match base {
        Some(base) => format!("{base}{path}"),
        None => format!("urn:hindsight:{}", path.trim_end_matches('/').replace('/', ":")),
    }
}

/// `sitemap.xml`, for sites with a `base_url`.
pub fn sitemap(base: &str, pages: &[String]) -> OutputFile {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for page in pages {
        let _ = writeln!(xml, "  <url><loc>{}</loc></url>", escape(&format!("{base}{page}")));
    }
    xml.push_str("</urlset>\n");
    OutputFile { path: "sitemap.xml".into(), contents: xml.into_bytes() }
}

fn escape(text: &str) -> String {
    crate::highlight::escape(text).replace('\'', "&apos;")
}

/// One postmortem in `data/postmortems.json`: the whole model.
#[derive(Serialize)]
struct Record<'a> {
    id: &'a str,
    url: &'a str,
    source: String,
    title: &'a str,
    date: Option<String>,
    start_time: Option<String>,
    detected_at: Option<String>,
    end_time: Option<String>,
    time_to_detect_seconds: Option<i64>,
    time_to_resolve_seconds: Option<i64>,
    impact_seconds: Option<i64>,
    severity: Option<&'a str>,
    status: &'static str,
    kind: &'static str,
    summary: Option<String>,
    services: &'a [String],
    teams: &'a [String],
    organization: Option<&'a str>,
    tags: &'a [String],
    authors: &'a [String],
    impact: Option<&'a str>,
    detection: Option<&'a str>,
    response_actions: &'a [String],
    trigger: Option<&'a str>,
    root_causes: Vec<serde_json::Value>,
    contributing_factors: &'a [String],
    lessons_learned: &'a [String],
    improvement_actions: Vec<serde_json::Value>,
    related: &'a [String],
    sources: &'a [String],
    extra: &'a serde_json::Map<String, serde_json::Value>,
}

/// `data/postmortems.json`: every published postmortem, every field.
pub fn model_json(
    postmortems: &[&Postmortem],
    entries: &[Entry],
    today: jiff::civil::Date,
) -> anyhow::Result<OutputFile> {
    use rayon::prelude::*;
    let records: Vec<Vec<u8>> = postmortems
        .par_iter()
        .zip(entries)
        .map(|(pm, entry)| Record {
            id: &pm.id,
            url: &entry.url,
            source: pm.source.to_string_lossy().replace('\\', "/"),
            title: &pm.title,
            date: pm.date.map(|d| d.to_string()),
            start_time: pm.start_time.map(|t| t.to_string()),
            detected_at: pm.detected_at.map(|t| t.to_string()),
            end_time: pm.end_time.map(|t| t.to_string()),
            time_to_detect_seconds: pm.time_to_detect().map(|d| d.as_secs()),
            time_to_resolve_seconds: pm.time_to_resolve().map(|d| d.as_secs()),
            impact_seconds: pm.impact_duration().map(|d| d.as_secs()),
            severity: pm.severity.as_deref(),
            status: pm.status.key(),
            kind: pm.kind.key(),
            summary: pm.summary.as_deref().map(plain),
            services: &pm.services,
            teams: &pm.teams,
            organization: pm.organization.as_deref(),
            tags: &pm.tags,
            authors: &pm.authors,
            impact: pm.impact.as_deref(),
            detection: pm.detection.as_deref(),
            response_actions: &pm.response_actions,
            trigger: pm.trigger.as_deref(),
            root_causes: pm
                .root_causes
                .iter()
                .map(|c| serde_json::json!({"cause": c.cause, "category": c.category, "whys": c.whys}))
                .collect(),
            contributing_factors: &pm.contributing_factors,
            lessons_learned: &pm.lessons_learned,
            improvement_actions: pm
                .improvement_actions
                .iter()
                .map(|a| {
                    serde_json::json!({
                        "action": a.action,
                        "owner": a.owner,
                        "status": a.status.key(),
                        "due": a.due.map(|d| d.to_string()),
                        "ticket": a.ticket,
                        "gate": a.gate,
                        "overdue": a.is_overdue(today),
                    })
                })
                .collect(),
            related: &pm.related,
            sources: &pm.sources,
            extra: &pm.extra,
        })
        // Indented here, on the core that printed it: one pass over the
        // whole array at the end was a tenth of a second at 10,000
        // postmortems in which the other core waited.
        .map(|record| serde_json::to_vec_pretty(&record).map(indent_as_element))
        .collect::<Result<_, _>>()?;
    Ok(OutputFile { path: "data/postmortems.json".into(), contents: pretty_array(&records) })
}

/// Indents an element pretty-printed on its own as it sits in a
/// pretty-printed array. A newline inside it is always indentation, as
/// JSON strings escape theirs.
fn indent_as_element(printed: Vec<u8>) -> Vec<u8> {
    let mut indented = Vec::with_capacity(printed.len() + printed.len() / 8);
    for (n, line) in printed.split(|&byte| byte == b'\n').enumerate() {
        if n > 0 {
            indented.extend_from_slice(b"\n  ");
        }
        indented.extend_from_slice(line);
    }
    indented
}

/// The pretty-printed array of `elements`, each from `indent_as_element`,
/// as `serde_json::to_vec_pretty` would print it whole, and a final newline.
fn pretty_array(elements: &[Vec<u8>]) -> Vec<u8> {
    if elements.is_empty() {
        return b"[]\n".to_vec();
    }
    let total: usize = elements.iter().map(|e| e.len() + 4).sum();
    let mut json = Vec::with_capacity(total + 8);
    json.extend_from_slice(b"[\n  ");
    for (n, element) in elements.iter().enumerate() {
        if n > 0 {
            json.extend_from_slice(b",\n  ");
        }
        json.extend_from_slice(element);
    }
    json.extend_from_slice(b"\n]\n");
    json
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrays_printed_in_pieces_match_serde_json_printing_them_whole() {
        let values = [
            serde_json::json!([]),
            serde_json::json!([{"id": "INC-1", "text": "two\nlines", "tags": ["a", "b"], "none": []}]),
            serde_json::json!([{"id": 1, "nested": {"deep": [1, {"x": null}]}}, "bare", 3, {}]),
        ];
        for value in values {
            let elements: Vec<Vec<u8>> = value
                .as_array()
                .unwrap()
                .iter()
                .map(|e| indent_as_element(serde_json::to_vec_pretty(e).unwrap()))
                .collect();
            let mut whole = serde_json::to_vec_pretty(&value).unwrap();
            whole.push(b'\n');
            assert_eq!(
                String::from_utf8(pretty_array(&elements)).unwrap(),
                String::from_utf8(whole).unwrap()
            );
        }
    }
}
