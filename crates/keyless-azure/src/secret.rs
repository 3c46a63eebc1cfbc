//! Secret values (access and refresh tokens) whose `Debug` and `Display` print `[redacted]`.
//!
//! The raw text is reachable only through `expose()`, so a stray `{:?}` in a log line or an
//! error message can never leak a token. None of these types implement `Serialize`: the only
//! place a secret leaves memory is the keyring, and that code calls `expose()` on purpose.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use base64::Engine;

const REDACTED: &str = "[redacted]";

/// An opaque secret string. Shared, not copied, by its clones: every request of a run carries
/// its token's.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Arc<str>);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into().into())
    }
    /// The raw value, for the one place that must send or store it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// A refresh token. Entra rotates it on every use, so callers always keep the newest one.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RefreshToken(Secret);

impl RefreshToken {
    pub fn new(value: impl Into<String>) -> Self {
        RefreshToken(Secret::new(value))
    }
    pub fn expose(&self) -> &str {
        self.0.expose()
    }
}

impl fmt::Display for RefreshToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// A bearer access token for one resource in one tenant, with its expiry.
#[derive(Clone)]
pub struct AccessToken {
    secret: Secret,
    expires_at: SystemTime,
    /// The `aud` claim, read once when the token arrives: it is checked before every request.
    audience: Option<Arc<str>>,
}

impl AccessToken {
    pub fn new(value: impl Into<String>, expires_at: SystemTime) -> Self {
        let secret = Secret::new(value);
        let audience = audience_of(secret.expose()).map(Arc::from);
        AccessToken { secret, expires_at, audience }
    }

    /// A token valid for `lifetime` from now (what a token endpoint's `expires_in` gives).
    pub fn expiring_in(value: impl Into<String>, lifetime: Duration) -> Self {
        Self::new(value, crate::auth::limits::system_time_after(SystemTime::now(), lifetime))
    }

    pub fn expose(&self) -> &str {
        self.secret.expose()
    }

    pub fn expires_at(&self) -> SystemTime {
        self.expires_at
    }

    /// True when the token expires within `margin` (cached tokens are renewed early so a
    /// request never starts with a token that dies in flight).
    pub fn expires_within(&self, margin: Duration) -> bool {
        self.expires_at <= crate::auth::limits::system_time_after(SystemTime::now(), margin)
    }

    /// The token's `aud` claim when it is a JWT; `None` for opaque tokens.
    ///
    /// Read without checking the signature: it is only used to refuse, before sending, a
    /// token that was obviously minted for another resource.
    pub fn audience(&self) -> Option<&str> {
        self.audience.as_deref()
    }
}

/// The `aud` claim of `token` when it is a JWT.
fn audience_of(token: &str) -> Option<String> {
    let claims = decode_jwt_claims(token)?;
    match claims.get("aud")? {
        serde_json::Value::String(aud) => Some(aud.clone()),
        serde_json::Value::Array(values) => values.first()?.as_str().map(str::to_string),
        _ => None,
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken").field("token", &REDACTED).field("expires_at", &self.expires_at).finish()
    }
}

impl fmt::Display for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// Decodes the payload of a compact JWT without verifying it (display and sanity checks only).
pub fn decode_jwt_claims(token: &str) -> Option<serde_json::Map<String, serde_json::Value>> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        serde_json::Value::Object(map) => Some(map),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let access = AccessToken::expiring_in("eyJ.secret.value", Duration::from_secs(60));
        let refresh = RefreshToken::new("0.refresh-secret");
        for shown in [format!("{access:?}"), access.to_string(), format!("{refresh:?}"), refresh.to_string()] {
            assert!(!shown.contains("secret"), "{shown}");
            assert!(shown.contains("[redacted]"), "{shown}");
        }
    }

    #[test]
    fn audience_is_read_from_jwt_payload() {
        let payload =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"aud":"https://management.azure.com"}"#);
        let token = AccessToken::expiring_in(format!("h.{payload}.s"), Duration::from_secs(60));
        assert_eq!(token.audience(), Some("https://management.azure.com"));
        assert_eq!(AccessToken::expiring_in("opaque", Duration::from_secs(1)).audience(), None);
    }
}
