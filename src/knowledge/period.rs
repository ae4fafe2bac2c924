//! Periods for lessons-learned digests: quarters, months or years.

use jiff::civil::Date;

/// How digests are cut.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeriodKind {
    /// Calendar months: `2025-03`.
    Month,
    /// Calendar quarters: `2025-q1`.
    Quarter,
    /// Calendar years: `2025`.
    Year,
}

impl PeriodKind {
    /// Reads the settings' `digest_period`.
    pub fn parse(text: &str) -> Option<PeriodKind> {
        match text {
            "month" => Some(PeriodKind::Month),
            "quarter" => Some(PeriodKind::Quarter),
            "year" => Some(PeriodKind::Year),
            _ => None,
        }
    }
}

/// One period, identified by a key that sorts in time order.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    /// URL segment and sort key: `2025-q1`, `2025-03` or `2025`.
    pub key: String,
    /// As readers see it: `Q1 2025`, `March 2025`, `2025`.
    pub label: String,
}

/// The period a date falls in. The date is already the incident's day in
/// the site's zone, so an incident at 23:30 UTC on 31 December that is
/// 00:30 on 1 January in Paris belongs to the new year there.
pub fn period_of(date: Date, kind: PeriodKind) -> Period {
    let year = date.year();
    match kind {
        PeriodKind::Month => Period {
            key: format!("{year}-{:02}", date.month()),
            label: date.strftime("%B %Y").to_string(),
        },
        PeriodKind::Quarter => {
            let quarter = (date.month() - 1) / 3 + 1;
            Period { key: format!("{year}-q{quarter}"), label: format!("Q{quarter} {year}") }
        }
        PeriodKind::Year => Period { key: year.to_string(), label: year.to_string() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn dates_fall_in_their_period() {
        let cases = [
            (date(2025, 12, 31), PeriodKind::Quarter, "2025-q4", "Q4 2025"),
            (date(2026, 1, 1), PeriodKind::Quarter, "2026-q1", "Q1 2026"),
            (date(2025, 3, 31), PeriodKind::Quarter, "2025-q1", "Q1 2025"),
            (date(2025, 4, 1), PeriodKind::Quarter, "2025-q2", "Q2 2025"),
            (date(2025, 3, 14), PeriodKind::Month, "2025-03", "March 2025"),
            (date(2025, 3, 14), PeriodKind::Year, "2025", "2025"),
        ];
        for (day, kind, key, label) in cases {
            let period = period_of(day, kind);
            assert_eq!((period.key.as_str(), period.label.as_str()), (key, label), "{day}");
        }
    }
}
