//! Order statistics of durations for reports (median and percentile response times).

use chrono::Duration;

/// The `p`-th percentile of `values` by the **nearest-rank method**: the smallest value such
/// that at least `p` percent of the values are less than or equal to it, i.e. the value of
/// rank `ceil(p / 100 * n)` (1-based) in ascending order, and the smallest value for `p = 0`.
/// The result is always one of the values (never an interpolation).
///
/// `values` is sorted in place (ascending). `None` when `values` is empty or `p` is not within
/// `0.0..=100.0` (including NaN).
///
/// ```
/// use chrono::Duration;
/// use crm_core::calendar::percentile;
///
/// let mut times: Vec<Duration> = [15, 20, 35, 40, 50].map(Duration::minutes).to_vec();
/// assert_eq!(percentile(&mut times, 30.0), Some(Duration::minutes(20)));
/// assert_eq!(percentile(&mut times, 90.0), Some(Duration::minutes(50)));
/// assert_eq!(percentile(&mut times, 0.0), Some(Duration::minutes(15)));
/// assert_eq!(percentile(&mut [], 50.0), None);
/// ```
pub fn percentile(values: &mut [Duration], p: f64) -> Option<Duration> {
    if values.is_empty() || !(0.0..=100.0).contains(&p) {
        return None;
    }
    values.sort_unstable();
    let n = values.len();
    // p * n first, then / 100: exact for whole percentages, where 0.7 * 10 would not be.
    let rank = (p * n as f64 / 100.0).ceil();
    // rank is within 0..=n; as usize saturates, and the clamp makes index 0..n.
    let index = (rank as usize).clamp(1, n) - 1;
    values.get(index).copied()
}

/// The median of `values` as the nearest-rank 50th percentile (see [`percentile`]): the middle
/// value for an odd count and the lower of the two middle values for an even count, so it is
/// always an observed duration. Sorts `values` in place; `None` when empty.
///
/// ```
/// use chrono::Duration;
/// use crm_core::calendar::median;
///
/// let mut times: Vec<Duration> = [40, 10, 30, 20].map(Duration::minutes).to_vec();
/// assert_eq!(median(&mut times), Some(Duration::minutes(20)));
/// ```
pub fn median(values: &mut [Duration]) -> Option<Duration> {
    percentile(values, 50.0)
}
