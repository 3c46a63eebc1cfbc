//! URL redaction for logs and error messages.
//!
//! A logged URL keeps its scheme, host, port and path, and only the query parameters on
//! [`LOGGED_QUERY_PARAMS`]; every other value (an authorization `code`, `state`, a
//! `refresh_token` someone put in a query by mistake...) becomes `[redacted]`. Userinfo and
//! fragments are dropped. This module does not touch headers: the transport never logs them.

use url::Url;

/// Query parameters whose values are safe and useful in logs.
pub const LOGGED_QUERY_PARAMS: &[&str] = &[
    "api-version",
    "$top",
    "$skip",
    "$filter",
    "$select",
    "$expand",
    "$count",
    "continuationToken",
    "type",
    "authSchemes",
    "includeFailed",
    "includeDetails",
    "actionFilter",
    "endpointNames",
    "endpointIds",
    "owner",
    "operation",
    "memberId",
    "stateFilter",
    "scopeDescriptor",
    "groupDescriptors",
    "projectIds",
    "deep",
    "endpointId",
    "scheme",
    "top",
];

const REDACTED: &str = "[redacted]";

/// The URL as it may appear in a log line or an error message.
pub fn redact_url(url: &Url) -> String {
    let mut shown = url.clone();
    // Userinfo can carry a PAT (`https://user:pat@dev.azure.com`); fragments never matter.
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.set_fragment(None);
    if url.query().is_some() {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(key, value)| {
                let kept = LOGGED_QUERY_PARAMS.iter().any(|allowed| allowed.eq_ignore_ascii_case(&key));
                (key.into_owned(), if kept { value.into_owned() } else { REDACTED.to_string() })
            })
            .collect();
        shown.set_query(None);
        if !pairs.is_empty() {
            shown.query_pairs_mut().extend_pairs(pairs);
        }
    }
    // Keep brackets readable; `[redacted]` is percent-encoded by the serializer.
    shown.to_string().replace("%5Bredacted%5D", REDACTED)
}

/// Redacts a URL given as text; text that is not a URL is replaced entirely.
pub fn redact_url_str(text: &str) -> String {
    Url::parse(text).map(|url| redact_url(&url)).unwrap_or_else(|_| REDACTED.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_allow_listed_params_and_redacts_the_rest() {
        let url = Url::parse(
            "http://user:pat@127.0.0.1:8080/login/t/oauth2/v2.0/authorize?api-version=7.1&code=abc&state=xyz#frag",
        )
        .unwrap();
        let shown = redact_url(&url);
        assert_eq!(
            shown,
            "http://127.0.0.1:8080/login/t/oauth2/v2.0/authorize?api-version=7.1&code=[redacted]&state=[redacted]"
        );
    }

    #[test]
    fn leaves_plain_urls_alone() {
        let url = Url::parse("https://graph.microsoft.com/v1.0/me").unwrap();
        assert_eq!(redact_url(&url), "https://graph.microsoft.com/v1.0/me");
        assert_eq!(redact_url_str("not a url"), "[redacted]");
    }
}
