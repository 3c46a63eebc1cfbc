//! Request plumbing shared by every service: a decoded view of the request (`Call`), query
//! lookups that ignore key case, body parsing and response builders.
//!
//! Service-specific error shapes live with each service; this module knows none of them.

use axum::{
    body::{Body, Bytes},
    extract::Request,
    http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header},
    response::Response,
};
use serde_json::Value;

/// Largest request body the emulator reads.
const BODY_LIMIT: usize = 4 * 1024 * 1024;

/// One request, read completely: method, decoded path segments after the service prefix,
/// query pairs, headers and body.
#[derive(Debug)]
pub struct Call {
    pub method: Method,
    pub path: String,
    pub segments: Vec<String>,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Call {
    /// Reads a request; `prefix` is the service prefix to strip (e.g. "/graph").
    pub async fn read(req: Request, prefix: &str) -> Call {
        let (parts, body) = req.into_parts();
        let body = axum::body::to_bytes(body, BODY_LIMIT).await.unwrap_or_default();
        let path = parts.uri.path().to_string();
        let rest = path.strip_prefix(prefix).unwrap_or(&path);
        let segments = rest.split('/').filter(|s| !s.is_empty()).map(percent_decode).collect();
        let query = parts
            .uri
            .query()
            .map(|q| url::form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default();
        Call { method: parts.method, path, segments, query, headers: parts.headers, body }
    }

    /// A query parameter, matching the key without regard to case (as Azure services do).
    pub fn q(&self, key: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.as_str())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The bearer token of the Authorization header, if any.
    pub fn bearer(&self) -> Option<&str> {
        let value = self.header("authorization")?;
        let (scheme, token) = value.split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then_some(token.trim())
    }

    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// Form fields of an `application/x-www-form-urlencoded` body.
    pub fn form(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(&self.body).into_owned().collect()
    }

    pub fn seg(&self, i: usize) -> Option<&str> {
        self.segments.get(i).map(String::as_str)
    }

    /// Segments from `i` on, lowercased, for matching routes.
    pub fn lower_from(&self, i: usize) -> Vec<String> {
        self.segments.iter().skip(i).map(|s| s.to_ascii_lowercase()).collect()
    }
}

pub fn form_value<'a>(form: &'a [(String, String)], key: &str) -> Option<&'a str> {
    form.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// Decodes `%XX` escapes; invalid escapes are kept as written.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// A JSON response.
pub fn json(status: StatusCode, body: &Value) -> Response {
    let mut r = Response::new(Body::from(serde_json::to_vec(body).unwrap_or_default()));
    *r.status_mut() = status;
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    r
}

pub fn empty(status: StatusCode) -> Response {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = status;
    r
}

pub fn html(status: StatusCode, text: String) -> Response {
    let mut r = Response::new(Body::from(text));
    *r.status_mut() = status;
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    r
}

pub fn text(status: StatusCode, content_type: &'static str, body: String) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

pub fn redirect(location: &str) -> Response {
    let mut r = empty(StatusCode::FOUND);
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// Adds a header, ignoring values that cannot be header values.
pub fn set_header(r: &mut Response, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        r.headers_mut().insert(HeaderName::from_static(name), v);
    }
}

/// Opaque continuation tokens: the offset into the raw list, base64url-encoded.
pub fn encode_continuation(offset: usize) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("offset:{offset}"))
}

pub fn decode_continuation(token: &str) -> Option<usize> {
    use base64::Engine as _;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token.trim()).ok()?;
    String::from_utf8(raw).ok()?.strip_prefix("offset:")?.parse().ok()
}

/// A string field of a JSON object, matching the key without regard to case.
pub fn field<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    value.as_object()?.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v)
}

pub fn field_str<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    field(value, key).and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_percent_escapes() {
        assert_eq!(percent_decode("applications(appId=%27abc%27)"), "applications(appId='abc')");
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("Web%20Shop"), "Web Shop");
    }

    #[test]
    fn continuation_round_trip() {
        assert_eq!(decode_continuation(&encode_continuation(42)), Some(42));
        assert_eq!(decode_continuation("garbage!"), None);
    }
}

/// The error text a service puts in its answer (TestConnection's `errorMessage`, an operation
/// status message): what the emulator replies with, not a failure of the emulator itself.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct ServiceErrorText(pub String);

impl From<String> for ServiceErrorText {
    fn from(text: String) -> Self {
        ServiceErrorText(text)
    }
}

impl From<&str> for ServiceErrorText {
    fn from(text: &str) -> Self {
        ServiceErrorText(text.to_string())
    }
}

impl std::fmt::Display for ServiceErrorText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// `Err` with a service's error text.
pub fn refuse<T>(text: impl Into<ServiceErrorText>) -> Result<T, ServiceErrorText> {
    Err(text.into())
}
