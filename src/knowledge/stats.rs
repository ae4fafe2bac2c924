//! Summary statistics for skewed durations.
//!
//! Incident durations have long tails: one six-hour outage drags a mean far
//! from what a typical incident looks like. The dashboard therefore shows
//! the median and the 90th percentile, never a bare mean.

use jiff::SignedDuration;

/// The `p`th percentile (0–100) of `values`, by linear interpolation
/// between the two nearest ranks (the method spreadsheets and numpy use by
/// default). `None` for an empty list.
pub fn percentile(values: &[SignedDuration], p: f64) -> Option<SignedDuration> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort();
    let rank = (p / 100.0).clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let (low, high) = (rank.floor() as usize, rank.ceil() as usize);
    let fraction = rank - low as f64;
    let low_secs = sorted[low].as_secs_f64();
    let high_secs = sorted[high].as_secs_f64();
    let secs = low_secs + (high_secs - low_secs) * fraction;
    Some(SignedDuration::from_secs(secs.round() as i64))
}

/// The median: the 50th percentile.
pub fn median(values: &[SignedDuration]) -> Option<SignedDuration> {
    percentile(values, 50.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minutes(values: &[i64]) -> Vec<SignedDuration> {
        values.iter().map(|m| SignedDuration::from_mins(*m)).collect()
    }

    #[test]
    fn medians_and_percentiles_match_values_worked_out_by_hand() {
        // Sorted: 5 9 12 30 300. Median: the middle value, 12.
        // p90: rank 0.9 * 4 = 3.6, so 30 + 0.6 * (300 - 30) = 192.
        let values = minutes(&[30, 5, 300, 12, 9]);
        assert_eq!(median(&values), Some(SignedDuration::from_mins(12)));
        assert_eq!(percentile(&values, 90.0), Some(SignedDuration::from_mins(192)));

        // An even count: the median is halfway between 10 and 20.
        let values = minutes(&[10, 20]);
        assert_eq!(median(&values), Some(SignedDuration::from_mins(15)));
        // p90 of two values: rank 0.9, so 10 + 0.9 * 10 = 19.
        assert_eq!(percentile(&values, 90.0), Some(SignedDuration::from_mins(19)));
    }

    #[test]
    fn one_value_is_its_own_median_and_no_values_have_none() {
        assert_eq!(median(&minutes(&[7])), Some(SignedDuration::from_mins(7)));
        assert_eq!(median(&[]), None);
    }
}
