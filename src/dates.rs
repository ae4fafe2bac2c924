//! Reading dates and times as postmortem authors write them.
//!
//! Times with an offset are instants; times without one are read in the
//! site's zone. Dates found in file names and headings are only taken when
//! they form a real calendar day.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;

/// Reads `2025-03-14`, or the date part of a full time in the site's zone.
pub fn parse_date(text: &str, zone: &TimeZone) -> Result<Date, String> {
    let text = text.trim();
    if text.len() <= 10 {
        return text.parse::<Date>().map_err(|e| describe(&e.to_string()));
    }
    parse_time(text, zone).map(|t| t.to_zoned_datetime(zone.clone()).date())
}

/// Reads `2025-03-14T02:10:00+01:00`, `2025-03-14T01:10:00Z`, or a time
/// without offset (`2025-03-14 02:10`) in the site's zone.
pub fn parse_time(text: &str, zone: &TimeZone) -> Result<Timestamp, String> {
    let text = text.trim();
    if let Ok(instant) = text.parse::<Timestamp>() {
        return Ok(instant);
    }
    if text.len() <= 10 {
        return Err("a time needs a time of day, e.g. 2025-03-14T02:10:00+01:00".to_string());
    }
    let civil = text.parse::<DateTime>().map_err(|e| describe(&e.to_string()))?;
    zone.to_timestamp(civil).map_err(|e| e.to_string())
}

/// Shortens jiff's parse errors, which repeat the input, to their cause.
fn describe(error: &str) -> String {
    let cause = error.rsplit(": ").next().unwrap_or(error);
    cause.to_string()
}

/// The first `YYYY-MM-DD` (or `YYYY/MM/DD`) in `text` that is a real day.
///
/// Used on file names (`2017-09-27-hub-403.md`), headings
/// (`# incident date: 2019-02-20, kubectl logs unavailable`) and Zola paths
/// (`inside-rust/2023/05/01/cargo-postmortem`).
pub fn find_date(text: &str) -> Option<Date> {
    let bytes = text.as_bytes();
    (0..bytes.len().saturating_sub(9)).find_map(|start| {
        let window = &bytes[start..start + 10];
        let before_is_digit = start > 0 && bytes[start - 1].is_ascii_digit();
        let after_is_digit = bytes.get(start + 10).is_some_and(u8::is_ascii_digit);
        if before_is_digit || after_is_digit {
            return None;
        }
        let separator = window[4];
        let shape = (separator == b'-' || separator == b'/')
            && window[7] == separator
            && [0, 1, 2, 3, 5, 6, 8, 9].iter().all(|&i| window[i].is_ascii_digit());
        if !shape {
            return None;
        }
        let number = |range: std::ops::Range<usize>| -> i64 {
            window[range].iter().fold(0, |n, d| n * 10 + i64::from(d - b'0'))
        };
        let (year, month, day) = (number(0..4), number(5..7), number(8..10));
        Date::new(year as i16, month as i8, day as i8).ok()
    })
}

/// The build date: from `SOURCE_DATE_EPOCH` when set, so builds and tests
/// are reproducible, else the current time.
pub fn build_time() -> Result<Timestamp, String> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(value) => {
            let seconds: i64 = value.trim().parse().map_err(|_| {
                format!("SOURCE_DATE_EPOCH `{value}` is not a number of seconds since 1970")
            })?;
            Timestamp::from_second(seconds).map_err(|e| format!("SOURCE_DATE_EPOCH: {e}"))
        }
        Err(_) => Ok(Timestamp::now()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn dates_are_found_in_names_headings_and_paths() {
        let cases = [
            ("2017-09-27-hub-403", Some(date(2017, 9, 27))),
            ("incident date: 2019-02-20, kubectl logs", Some(date(2019, 2, 20))),
            ("inside-rust/2023/05/01/cargo-postmortem", Some(date(2023, 5, 1))),
            ("2018-02-30-not-a-day", None),
            ("jan-2019-dns-outage", None),
            ("12017-09-27", None),
            ("2017-amazon-human-error", None),
        ];
        for (text, expected) in cases {
            assert_eq!(find_date(text), expected, "{text}");
        }
    }

    #[test]
    fn times_without_offset_use_the_site_zone() {
        let paris = TimeZone::get("Europe/Paris").unwrap();
        let with_offset = parse_time("2025-03-14T02:10:00+01:00", &paris).unwrap();
        let without = parse_time("2025-03-14T02:10:00", &paris).unwrap();
        let spaced = parse_time("2025-03-14 02:10", &paris).unwrap();
        assert_eq!(with_offset, without);
        assert_eq!(with_offset, spaced);
    }

    #[test]
    fn impossible_dates_are_refused() {
        let utc = TimeZone::UTC;
        assert!(parse_date("2025-02-30", &utc).is_err());
        assert!(parse_date("14/03/2025", &utc).is_err());
        assert!(parse_time("2025-03-14", &utc).is_err());
    }

    #[test]
    fn a_full_time_as_date_takes_its_day_in_the_site_zone() {
        let tokyo = TimeZone::get("Asia/Tokyo").unwrap();
        let day = parse_date("2025-03-14T20:00:00Z", &tokyo).unwrap();
        assert_eq!(day, date(2025, 3, 15));
    }
}
