//! Azure DevOps `api-version` rules: `major.minor[-preview[.N]]`, from the query string or the
//! `Accept` header, at most 7.2 (which is still preview), `-preview` required for preview-only
//! resources. Wrong or missing versions get the real WrappedException types.
//!
//! Per-resource version history (which N exists for which resource) is not modelled.

use axum::{http::StatusCode, response::Response};

use super::wrapped_error;
use crate::http::Call;

/// How one resource treats api-version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiRule {
    /// The resource exists only as a preview: every version needs `-preview`.
    pub preview_only: bool,
    /// A request without api-version is served (connectionData).
    pub optional: bool,
}

pub const STABLE: ApiRule = ApiRule { preview_only: false, optional: false };
pub const PREVIEW: ApiRule = ApiRule { preview_only: true, optional: false };
pub const OPTIONAL: ApiRule = ApiRule { preview_only: false, optional: true };

/// The newest version this emulated server supports; it is still a preview.
const LATEST: (u32, u32) = (7, 2);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Parsed {
    major: u32,
    minor: u32,
    preview: bool,
}

fn parse(text: &str) -> Option<Parsed> {
    let (number, suffix) = match text.split_once('-') {
        Some((n, s)) => (n, Some(s)),
        None => (text, None),
    };
    let (major, minor) = number.split_once('.')?;
    let preview = match suffix {
        None => false,
        Some(s) => {
            let rest = s.strip_prefix("preview")?;
            if !(rest.is_empty()
                || rest.strip_prefix('.').is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit())))
            {
                return None;
            }
            true
        }
    };
    Some(Parsed { major: major.parse().ok()?, minor: minor.parse().ok()?, preview })
}

/// The api-version of a request: the query parameter, else `api-version=` in `Accept`.
fn requested(call: &Call) -> Option<String> {
    call.q("api-version").map(str::to_string).or_else(|| {
        call.header("accept")?
            .split(';')
            .map(str::trim)
            .find_map(|p| p.strip_prefix("api-version=").map(str::to_string))
    })
}

/// `Some(error response)` when the request's api-version breaks `rule`.
pub fn check(call: &Call, rule: ApiRule) -> Option<Response> {
    let Some(text) = requested(call) else {
        if rule.optional {
            return None;
        }
        return Some(wrapped_error(
            StatusCode::BAD_REQUEST,
            &format!(
                "No api-version was supplied for the \"{}\" request. The version must be supplied either as part of the Accept header (e.g. \"application/json; api-version=1.0\") or as a query parameter (e.g. \"?api-version=1.0\").",
                call.method
            ),
            "VssVersionNotSpecifiedException",
        ));
    };
    let Some(v) = parse(&text) else {
        return Some(wrapped_error(
            StatusCode::BAD_REQUEST,
            &format!(
                "The api-version '{text}' is not valid. Specify a version in the form 'major.minor[-preview[.resourceVersion]]', for example '7.1' or '7.1-preview.1'."
            ),
            "VssInvalidApiVersionException",
        ));
    };
    if (v.major, v.minor) > LATEST || v.major == 0 {
        return Some(wrapped_error(
            StatusCode::BAD_REQUEST,
            &format!(
                "The requested REST API version of {}.{} is out of range for this server. The latest REST API version this server supports is {}.{}.",
                v.major, v.minor, LATEST.0, LATEST.1
            ),
            "VssVersionOutOfRangeException",
        ));
    }
    if !v.preview && (rule.preview_only || (v.major, v.minor) == LATEST) {
        let number = format!("{}.{}", v.major, v.minor);
        return Some(wrapped_error(
            StatusCode::BAD_REQUEST,
            &format!(
                "The requested version \"{number}\" of the resource is under preview. The -preview flag must be supplied in the api-version for such requests. For example: \"{number}-preview\""
            ),
            "VssInvalidPreviewVersionException",
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_versions() {
        assert_eq!(parse("7.1"), Some(Parsed { major: 7, minor: 1, preview: false }));
        assert_eq!(parse("7.1-preview.1"), Some(Parsed { major: 7, minor: 1, preview: true }));
        assert_eq!(parse("7.2-preview"), Some(Parsed { major: 7, minor: 2, preview: true }));
        assert_eq!(parse("7.1-beta"), None);
        assert_eq!(parse("seven"), None);
        assert_eq!(parse("7.1-preview."), None);
    }
}
