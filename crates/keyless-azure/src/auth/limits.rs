//! Bounds on the lifetimes and polling intervals a token endpoint hands Keyless.
//!
//! `expires_in` and `interval` come off the network; a broken proxy or a hostile endpoint can
//! send `u64::MAX`, a negative number or text. Every such value is read leniently and clamped
//! here, once, so no sign-in panics on a time overflow or sleeps for ever. This module does
//! not decide what to do when a lifetime runs out; the flows do.

use std::time::{Duration, SystemTime};

use serde::{Deserialize, Deserializer};
use tokio::time::Instant;

/// Entra's default access token lifetime is 60–90 minutes; assume the short end when unsaid.
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// The longest access token lifetime Keyless believes (Entra's maximum is 24 hours).
pub const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// An access token's lifetime from `expires_in` seconds: the default when unsaid, at most a day.
pub fn token_lifetime(expires_in: Option<u64>) -> Duration {
    expires_in.map(Duration::from_secs).unwrap_or(DEFAULT_TOKEN_LIFETIME).min(MAX_TOKEN_LIFETIME)
}

/// Bounds on what a device code answer may ask of Keyless.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceCodeLimits {
    /// Polling never goes faster than this, even when the server says 0.
    pub min_interval: Duration,
    /// Polling never waits longer than this between two polls, even after many `slow_down`s.
    pub max_interval: Duration,
    /// A device code is never waited for longer than this (Entra's codes last 15 minutes).
    pub max_lifetime: Duration,
}

impl Default for DeviceCodeLimits {
    fn default() -> Self {
        DeviceCodeLimits {
            min_interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(60),
            max_lifetime: Duration::from_secs(30 * 60),
        }
    }
}

impl DeviceCodeLimits {
    /// The polling interval to use for `interval`, within the bounds.
    pub fn interval(&self, interval: Duration) -> Duration {
        interval.clamp(self.min_interval, self.max_interval.max(self.min_interval))
    }

    /// The time to wait for the user, within the bounds.
    pub fn lifetime(&self, expires_in: Duration) -> Duration {
        expires_in.min(self.max_lifetime)
    }
}

/// `now + duration`, or the furthest representable instant rather than a panic.
pub fn instant_after(now: Instant, duration: Duration) -> Instant {
    now.checked_add(duration).unwrap_or_else(|| far_instant(now, duration))
}

fn far_instant(now: Instant, duration: Duration) -> Instant {
    // Halve until it fits: still centuries away for any duration that overflowed.
    let mut step = duration;
    while !step.is_zero() {
        if let Some(later) = now.checked_add(step) {
            return later;
        }
        step /= 2;
    }
    now
}

/// `now + duration` on the wall clock, saturating instead of panicking.
pub fn system_time_after(now: SystemTime, duration: Duration) -> SystemTime {
    let mut step = duration;
    while !step.is_zero() {
        if let Some(later) = now.checked_add(step) {
            return later;
        }
        step /= 2;
    }
    now
}

/// Reads a number of seconds as sent on the wire: a JSON number (negative and fractional
/// ones included) or text. Negative values read as 0; unreadable ones as absent.
pub fn lenient_seconds<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    let value = Option::<serde_json::Value>::deserialize(deserializer)?;
    Ok(value.as_ref().and_then(seconds_from_json))
}

fn seconds_from_json(value: &serde_json::Value) -> Option<u64> {
    match value {
        serde_json::Value::Number(number) => seconds_from_number(number),
        serde_json::Value::String(text) => {
            let text = text.trim();
            match text.parse::<serde_json::Number>() {
                Ok(number) => seconds_from_number(&number),
                Err(_) => None,
            }
        }
        _ => None,
    }
}

fn seconds_from_number(number: &serde_json::Number) -> Option<u64> {
    if let Some(whole) = number.as_u64() {
        return Some(whole);
    }
    if number.as_i64().is_some() {
        return Some(0); // Negative: already expired.
    }
    let fractional = number.as_f64()?;
    // `as` saturates: NaN reads as 0, huge values as u64::MAX, and the clamps apply after.
    Some(if fractional <= 0.0 { 0 } else { fractional as u64 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Sample {
        #[serde(default, deserialize_with = "lenient_seconds")]
        expires_in: Option<u64>,
    }

    fn read(json: &str) -> Option<u64> {
        serde_json::from_str::<Sample>(json).unwrap().expires_in
    }

    #[test]
    fn wire_seconds_are_read_leniently() {
        assert_eq!(read(r#"{"expires_in": 3600}"#), Some(3600));
        assert_eq!(read(r#"{"expires_in": "3599"}"#), Some(3599));
        assert_eq!(read(r#"{"expires_in": -5}"#), Some(0));
        assert_eq!(read(r#"{"expires_in": "-5"}"#), Some(0));
        assert_eq!(read(r#"{"expires_in": 1e300}"#), Some(u64::MAX));
        assert_eq!(read(r#"{"expires_in": "soon"}"#), None);
        assert_eq!(read(r#"{"expires_in": null}"#), None);
        assert_eq!(read(r#"{}"#), None);
    }

    #[test]
    fn token_lifetimes_are_at_most_a_day() {
        assert_eq!(token_lifetime(Some(u64::MAX)), MAX_TOKEN_LIFETIME);
        assert_eq!(token_lifetime(None), DEFAULT_TOKEN_LIFETIME);
        assert_eq!(token_lifetime(Some(0)), Duration::ZERO);
    }

    #[test]
    fn device_code_intervals_and_lifetimes_stay_in_bounds() {
        let limits = DeviceCodeLimits::default();
        assert_eq!(limits.interval(Duration::ZERO), Duration::from_secs(1));
        assert_eq!(limits.interval(Duration::MAX), Duration::from_secs(60));
        assert_eq!(limits.lifetime(Duration::MAX), Duration::from_secs(30 * 60));
    }

    #[test]
    fn time_additions_saturate_instead_of_panicking() {
        let now = Instant::now();
        assert!(instant_after(now, Duration::MAX) > now);
        let wall = SystemTime::now();
        assert!(system_time_after(wall, Duration::MAX) > wall);
    }
}
