//! Throttle retries: which answers are retried, how long to wait, when to give up.
//!
//! This policy covers transient service conditions only (429, 503, 504, connection errors).
//! Waiting for a new object to replicate is a different thing with its own budget: see
//! `replication`. This module computes delays; the transport does the sleeping.

use std::time::{Duration, SystemTime};

use rand::Rng;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use time::{OffsetDateTime, PrimitiveDateTime, macros::format_description};

/// How the transport retries throttled or unavailable requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, including the first.
    pub max_attempts: u32,
    /// First backoff delay when the service gives no `Retry-After`.
    pub initial_delay: Duration,
    /// Cap for one backoff delay and for an honoured `Retry-After`.
    pub max_delay: Duration,
    /// Total time one request may spend retrying; the next wait must fit inside it.
    pub budget: Duration,
    /// Randomise backoff delays (±50%) so parallel requests do not retry in lockstep.
    pub jitter: bool,
}

impl Default for RetryPolicy {
    /// Contract §8: 1, 2, 4, 8... s capped at 60 s, about six tries.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 6,
            initial_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
            budget: Duration::from_secs(180),
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// A policy for tests: tiny delays, no jitter.
    pub fn fast_for_tests() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(200),
            budget: Duration::from_secs(2),
            jitter: false,
        }
    }

    /// No retries at all.
    pub fn none() -> Self {
        RetryPolicy { max_attempts: 1, ..Self::fast_for_tests() }
    }

    /// Backoff before attempt `attempt + 1` (attempt counts from 1).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exponent = attempt.saturating_sub(1).min(20);
        let base = self.initial_delay.saturating_mul(1u32 << exponent).min(self.max_delay);
        if !self.jitter || base.is_zero() {
            return base;
        }
        let factor = rand::rng().random_range(0.5..1.5);
        base.mul_f64(factor).min(self.max_delay)
    }

    /// The delay to wait before retrying: the service's `Retry-After` when it sent one,
    /// otherwise the backoff; never more than `max_delay`, whatever the network said. (The
    /// transport gives up when a `Retry-After` exceeds `max_delay` rather than knocking again
    /// before the service asked.)
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        retry_after.map_or_else(|| self.backoff(attempt), |wait| wait.min(self.max_delay))
    }
}

/// Whether an HTTP status is a transient condition worth retrying.
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 429 | 503 | 504)
}

/// Reads `Retry-After` as seconds (possibly fractional) or an HTTP date.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    parse_retry_after(value, SystemTime::now())
}

/// The longest wait a `Retry-After` can ask for here. Anything longer is read as this: the
/// value comes from the network, and the policy's `max_delay` decides what is actually waited.
pub const LONGEST_SERVER_WAIT: Duration = Duration::from_secs(86_400);

/// Parses a `Retry-After` value relative to `now`; a date in the past means "now". Huge or
/// absurd values are read as [`LONGEST_SERVER_WAIT`], never as a panic or an endless sleep.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    if value.bytes().all(|b| b.is_ascii_digit()) && !value.is_empty() {
        // Whole seconds, the usual form; more digits than u64 holds is still "very long".
        let seconds = value.parse::<u64>().unwrap_or(u64::MAX);
        return Some(Duration::from_secs(seconds).min(LONGEST_SERVER_WAIT));
    }
    if let Ok(seconds) = value.parse::<f64>() {
        if seconds.is_nan() || seconds < 0.0 {
            return None;
        }
        return Some(Duration::try_from_secs_f64(seconds).map_or(LONGEST_SERVER_WAIT, |d| d.min(LONGEST_SERVER_WAIT)));
    }
    let format =
        format_description!("[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT");
    let at = PrimitiveDateTime::parse(value, &format).ok()?.assume_utc();
    // Both ends lie within years 1..9999, so the difference cannot overflow.
    let wait = at - OffsetDateTime::from(now);
    Some(if wait.is_negative() { Duration::ZERO } else { wait.unsigned_abs().min(LONGEST_SERVER_WAIT) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("0.25", now), Some(Duration::from_millis(250)));
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now), Some(Duration::from_secs(10)));
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn huge_or_absurd_retry_after_values_are_read_as_the_longest_wait_without_panicking() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
        for huge in ["99999999999999999999", "1e300", "inf", "18446744073709551616.5", "Fri, 31 Dec 9999 23:59:59 GMT"]
        {
            assert_eq!(parse_retry_after(huge, now), Some(LONGEST_SERVER_WAIT), "{huge}");
        }
        assert_eq!(parse_retry_after("-5", now), None);
        assert_eq!(parse_retry_after("NaN", now), None);
    }

    #[test]
    fn a_retry_after_is_never_waited_longer_than_the_policy_allows() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.delay(1, Some(LONGEST_SERVER_WAIT)), policy.max_delay);
        assert_eq!(policy.delay(1, Some(Duration::from_secs(3))), Duration::from_secs(3));
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let policy = RetryPolicy { jitter: false, ..RetryPolicy::default() };
        let delays: Vec<u64> = (1..=8).map(|a| policy.backoff(a).as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 8, 16, 32, 60, 60]);
        let jittered = RetryPolicy::default().backoff(3);
        assert!(jittered >= Duration::from_secs(2) && jittered <= Duration::from_secs(6));
    }
}
