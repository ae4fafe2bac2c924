//! The postmortems-per-month chart, drawn as SVG at build time so the home
//! page needs no JavaScript. A table with the same numbers sits beside it
//! for screen readers and for print.

use std::fmt::Write;

use crate::knowledge::dashboard::MonthCount;

const BAR: usize = 14;
const GAP: usize = 4;
const HEIGHT: usize = 120;
const AXIS: usize = 28;

/// An SVG bar chart of `months`; every label is ASCII from the build, so
/// nothing here needs escaping.
pub fn months_svg(months: &[MonthCount]) -> String {
    let highest = months.iter().map(|m| m.count).max().unwrap_or(0).max(1);
    let width = months.len() * (BAR + GAP) + GAP;
    let total: usize = months.iter().map(|m| m.count).sum();
    let mut svg = String::with_capacity(months.len() * 160);
    let _ = write!(
        svg,
        "<svg class=\"chart\" viewBox=\"0 0 {width} {}\" role=\"img\" aria-labelledby=\"chart-title\" \
         xmlns=\"http://www.w3.org/2000/svg\"><title id=\"chart-title\">Postmortems per month, \
         {} to {}: {total} in all</title>",
        HEIGHT + AXIS,
        months.first().map_or("", |m| m.label.as_str()),
        months.last().map_or("", |m| m.label.as_str()),
    );
    let _ = write!(
        svg,
        "<line class=\"axis\" x1=\"0\" y1=\"{HEIGHT}\" x2=\"{width}\" y2=\"{HEIGHT}\"/>"
    );
    for (i, month) in months.iter().enumerate() {
        let x = GAP + i * (BAR + GAP);
        let height = month.count * (HEIGHT - 10) / highest;
        let y = HEIGHT - height;
        let _ = write!(
            svg,
            "<rect class=\"bar\" x=\"{x}\" y=\"{y}\" width=\"{BAR}\" height=\"{height}\">\
             <title>{}: {}</title></rect>",
            month.label, month.count
        );
        // Label January of each year, and the first month shown.
        if i == 0 || month.key.ends_with("-01") {
            let year = &month.key[..4];
            let _ = write!(svg, "<text x=\"{x}\" y=\"{}\">{year}</text>", HEIGHT + 18);
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_busiest_month() {
        let months = vec![
            MonthCount { key: "2025-12".into(), label: "Dec 2025".into(), count: 2 },
            MonthCount { key: "2026-01".into(), label: "Jan 2026".into(), count: 4 },
            MonthCount { key: "2026-02".into(), label: "Feb 2026".into(), count: 0 },
        ];
        let svg = months_svg(&months);
        assert!(svg.contains("height=\"55\""), "{svg}");
        assert!(svg.contains("height=\"110\""), "{svg}");
        assert!(svg.contains("<title>Feb 2026: 0</title>"));
        assert!(svg.contains(">2026</text>"));
        assert!(svg.contains("6 in all"));
    }
}
