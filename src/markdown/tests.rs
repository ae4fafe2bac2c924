use super::*;

struct NoLinks;

impl Links for NoLinks {
    fn resolve(&self, _: &str, _: bool) -> LinkTarget {
        LinkTarget::Keep
    }
}

fn html(markdown: &str) -> String {
    render(markdown, &NoLinks, &Highlighter::new()).html
}

#[test]
fn headings_get_stable_unique_ids() {
    let out = html("## Five whys\n\n## Five whys\n\n### `code` & more {#custom}\n");
    assert!(out.contains("<h2 id=\"five-whys\">"), "{out}");
    assert!(out.contains("<h2 id=\"five-whys-1\">"), "{out}");
    assert!(out.contains("<h3 id=\"custom\">"), "{out}");
    assert_eq!(heading_ids("## Five whys\n\n## Five whys\n"), ["five-whys", "five-whys-1"]);
}

// Links to a heading are checked against `heading_ids`, or against the
// anchors a body memo kept from rendering: the two must agree.
#[test]
fn a_rendered_body_names_the_anchors_heading_ids_finds() {
    let markdown =
        "## Five whys\n\n## Five whys\n\n### `code` & *more* {#custom}\n\n#\n\n## Données\n";
    let rendered = render(markdown, &NoLinks, &Highlighter::new());
    assert_eq!(rendered.anchors, heading_ids(markdown));
    assert_eq!(rendered.anchors.len(), 5);
}

#[test]
fn anchors_follow_github_style() {
    let cases =
        [("Five whys", "five-whys"), ("What went well?", "what-went-well"), ("Données", "données")];
    for (text, expected) in cases {
        assert_eq!(anchor(text), expected);
    }
}

#[test]
fn script_and_event_handlers_are_removed() {
    let out =
        html("<script>alert(1)</script>\n\n<a href=\"javascript:x()\" onclick=\"y()\">a</a>\n");
    assert!(
        !out.contains("<script") && !out.contains("onclick") && !out.contains("javascript:"),
        "{out}"
    );
}

#[test]
fn inline_fields_lose_their_paragraph_but_keep_markup() {
    assert_eq!(inline("a *b* `c`"), "a <em>b</em> <code>c</code>");
    assert_eq!(inline("<img src=x onerror=alert(1)>"), "<img src=\"x\">");
    assert_eq!(plain("a *b* [c](http://x)"), "a b c");
    assert_eq!(inline("[x](javascript:alert(1))"), "<a href=\"\">x</a>");
    assert_eq!(inline("a < b & c"), "a &lt; b &amp; c");
}

struct OneTarget;

impl Links for OneTarget {
    fn resolve(&self, dest: &str, is_wiki: bool) -> LinkTarget {
        match (dest, is_wiki) {
            ("INC-1", true) => LinkTarget::Page {
                url: "/postmortems/inc-1/".into(),
                title: "One".into(),
                id: "INC-1".into(),
            },
            ("INC-2", true) => LinkTarget::Broken { message: "missing".into(), hint: "h".into() },
            _ => LinkTarget::Keep,
        }
    }
}

#[test]
fn wiki_links_are_resolved_and_broken_ones_reported_with_their_offset() {
    let markdown = "See [[INC-1]].\n\nAnd [[INC-2]].\n";
    let out = render(markdown, &OneTarget, &Highlighter::new());
    assert!(out.html.contains("<a href=\"/postmortems/inc-1/\" title=\"One\""), "{}", out.html);
    assert_eq!(out.broken.len(), 1);
    let marked = "<span class=\"broken-link\" title=\"missing\">INC-2</span>";
    assert!(out.html.contains(marked), "{}", out.html);
    assert_eq!(out.broken[0].0, markdown.find("[[INC-2").unwrap());
}

#[test]
fn unsafe_link_schemes_are_dropped_even_without_raw_html() {
    let out = html(
        "[a](javascript:alert(1)) [b](JavaScript:x) ![c](data:text/html,x) [d](https://ok.example/a:b) [e](page.md#x:y)\n",
    );
    assert!(!out.to_lowercase().contains("javascript:"), "{out}");
    assert!(!out.contains("data:"), "{out}");
    assert!(out.contains("href=\"https://ok.example/a:b\""), "{out}");
    assert!(out.contains("href=\"page.md#x:y\""), "{out}");
}

#[test]
fn markdown_without_raw_html_skips_the_sanitiser_but_stays_escaped() {
    let out = html("a < b & \"c\" `<script>`\n");
    assert!(out.contains("a &lt; b &amp;"), "{out}");
    assert!(out.contains("<code>&lt;script&gt;</code>"), "{out}");
    let out = html("## <script>x()</script> heading\n");
    assert!(
        !out.contains("<script>"),
        "raw HTML in a heading sends the body through the sanitiser: {out}"
    );
}

// Short fields skip the parser when it would give them back unchanged;
// the shortcut must agree with the parser on every sentence it takes.
#[test]
fn plain_sentences_come_out_as_the_parser_would_give_them() {
    let sentences = [
        "Customers could not open their records for 34 minutes.",
        "Rolled back the deploy at 02:31 (see OPS-4411); 5% of requests failed.",
        "Données perdues pendant la panne — rétablies à 03h10…",
        "See https://status.example.com/incidents/123 and mail ops@example.com",
        "Raise the pool size from 20 to 40 = twice the peak + 10",
        "It's the 'primary' replica's fault / not the client's",
        "a  b   c",
        "Costs: $120,000",
    ];
    for text in sentences {
        assert!(is_plain_text(text), "{text}");
        assert_eq!(inline(text), parse_inline(text), "{text}");
        assert_eq!(plain(text), parse_plain(text), "{text}");
    }
    // Anything that Markdown reads or HTML escapes goes through the parser.
    let marked = [
        "*bold* move",
        "1. first",
        "- item",
        "# heading",
        "Use `kubectl`",
        "a < b & c > d",
        "say \"hi\"",
        "line one\nline two",
        "trailing  ",
        " leading",
        "[link](x)",
        "~~gone~~",
        "back\\slash",
        "tab\there",
        "nul\u{0}char",
        "no\u{a0}break",
        "",
    ];
    for text in marked {
        assert!(!is_plain_text(text), "{text:?}");
    }
}

#[test]
fn first_words_from_a_beginning_are_those_of_the_whole_body() {
    let paragraph = "The primary database failed over to a replica in another zone.\n\n";
    let fence = "```yaml\nreplicas: 3\n\nzone: b\n```\n\n";
    let table = "| Time | Event |\n|---|---|\n| 10:02 | page fired |\n\n";
    let list = "- first\n\n  still the first item\n- second\n\n";
    let bodies = [
        paragraph.repeat(200),
        format!("{fence}{}", paragraph.repeat(100)),
        format!("{}{fence}{table}{list}", paragraph.repeat(40)).repeat(20),
        format!(
            "{}[the runbook][rb] says so.\n\n[rb]: https://example.com/rb\n",
            paragraph.repeat(60)
        ),
        format!("{}Prose[^1] with a note.\n\n[^1]: The note.\n", paragraph.repeat(60)),
        format!(
            "{}See [the runbook][rb].\n\n> [rb]: https://example.com/rb\n",
            paragraph.repeat(60)
        ),
        "Données répliquées — réplica en retard.\n\n".repeat(300),
        paragraph.to_string(),
        String::new(),
    ];
    for body in &bodies {
        for limit in [0, 1, 5, 120, 1000] {
            assert_eq!(words(body, limit), first_words(body, limit).0, "{limit} words of {body:?}");
        }
    }
    assert_eq!(words(&bodies[0], 3), "The primary database");
}
