//! What the transport sends and what it hands back: [`ApiRequest`] and [`ApiResponse`].
//!
//! A request is a plain description (service, method, URL, headers, body, token) that the
//! transport can send again on retry; whether it may is [`ApiRequest::is_idempotent`]. A
//! response is read in full and only turned into an error by [`ApiResponse::into_success`].
//! Neither prints a body or a token in `Debug`. Sending lives in `transport`.

use reqwest::Method;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

use crate::error::{AzureError, Service};
use crate::error_parse::{header_request_id, parse_error};
use crate::redact::redact_url;
use crate::secret::AccessToken;

/// A request description the transport can send (and resend on retry).
///
/// `Debug` shows the method, the redacted URL and the body's size only: token request
/// bodies carry refresh tokens and device codes.
#[derive(Clone)]
pub struct ApiRequest {
    pub service: Service,
    pub method: Method,
    pub url: Url,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Option<Vec<u8>>,
    pub(crate) token: Option<AccessToken>,
    /// A body that could not be serialized; reported at send time so builders stay infallible.
    pub(crate) body_error: Option<String>,
    /// A POST that changes nothing (a token request, a query): safe to send again.
    pub(crate) repeatable: bool,
}

impl std::fmt::Debug for ApiRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiRequest")
            .field("service", &self.service)
            .field("method", &self.method)
            .field("url", &redact_url(&self.url))
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("body_bytes", &self.body.as_ref().map(Vec::len))
            .field("token", &self.token)
            .field("repeatable", &self.repeatable)
            .finish()
    }
}

impl ApiRequest {
    pub fn new(service: Service, method: Method, url: Url) -> Self {
        ApiRequest {
            service,
            method,
            url,
            headers: HeaderMap::new(),
            body: None,
            token: None,
            body_error: None,
            repeatable: false,
        }
    }

    pub fn get(service: Service, url: Url) -> Self {
        Self::new(service, Method::GET, url)
    }

    /// Appends a query parameter.
    pub fn query(mut self, key: &str, value: impl AsRef<str>) -> Self {
        self.url.query_pairs_mut().append_pair(key, value.as_ref());
        self
    }

    /// Sets (replacing) a query parameter.
    pub fn set_query(&mut self, key: &str, value: &str) {
        let kept: Vec<(String, String)> =
            self.url.query_pairs().filter(|(k, _)| k != key).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        self.url.set_query(None);
        let mut pairs = self.url.query_pairs_mut();
        pairs.extend_pairs(kept);
        pairs.append_pair(key, value);
    }

    pub fn header(mut self, name: &'static str, value: &str) -> Self {
        if let Ok(value) = HeaderValue::from_str(value) {
            self.headers.insert(HeaderName::from_static(name), value);
        }
        self
    }

    pub fn bearer(mut self, token: AccessToken) -> Self {
        self.token = Some(token);
        self
    }

    pub fn json(self, body: &impl Serialize) -> Self {
        self.serialized("application/json", body)
    }

    /// A JSON Patch body (`application/json-patch+json`), as Azure DevOps' PATCH APIs want.
    pub fn json_patch(self, body: &impl Serialize) -> Self {
        self.serialized("application/json-patch+json", body)
    }

    pub fn form(mut self, pairs: &[(&str, &str)]) -> Self {
        let encoded = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
        self.headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/x-www-form-urlencoded"));
        self.body = Some(encoded.into_bytes());
        self
    }

    /// Headers and body as another client built them (the oauth2 adapter).
    pub(crate) fn raw(mut self, headers: HeaderMap, body: Vec<u8>) -> Self {
        self.headers.extend(headers);
        self.body = (!body.is_empty()).then_some(body);
        self
    }

    fn serialized(mut self, content_type: &'static str, body: &impl Serialize) -> Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => {
                self.headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
                self.body = Some(bytes);
            }
            Err(e) => self.body_error = Some(e.to_string()),
        }
        self
    }

    /// Marks a POST or PATCH that changes nothing on the service (a token request, a query, a
    /// connection test), so the transport may send it again after a lost answer.
    pub fn repeatable(mut self) -> Self {
        self.repeatable = true;
        self
    }

    /// Whether sending this request twice has the same effect as sending it once. A POST or
    /// PATCH is not (unless marked [`ApiRequest::repeatable`]): a second create makes a second object.
    pub fn is_idempotent(&self) -> bool {
        self.repeatable
            || matches!(self.method, Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS)
    }
}

/// A response read in full. Non-success statuses are still values here; see
/// [`AzureHttp::send`] for the checked variant. `Debug` leaves the body out (token
/// responses carry tokens).
#[derive(Clone)]
pub struct ApiResponse {
    pub service: Service,
    pub method: String,
    /// The request URL, redacted.
    pub url: String,
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl std::fmt::Debug for ApiResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiResponse")
            .field("service", &self.service)
            .field("method", &self.method)
            .field("url", &self.url)
            .field("status", &self.status)
            .field("request_id", &self.request_id())
            .field("body_bytes", &self.body.len())
            .finish()
    }
}

impl ApiResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)?.to_str().ok()
    }

    pub fn request_id(&self) -> Option<String> {
        header_request_id(self.service, &self.headers)
    }

    pub fn is_html(&self) -> bool {
        self.header("content-type").is_some_and(|ct| ct.to_ascii_lowercase().contains("text/html"))
    }

    /// Parses the body as `T`. HTML is a sign-in page, not data; anything else that does not
    /// parse is `Malformed`, naming the (redacted) URL and status.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, AzureError> {
        if self.is_html() {
            return Err(self.sign_in_page());
        }
        serde_json::from_slice(&self.body).map_err(|e| AzureError::Malformed {
            service: self.service,
            url: self.url.clone(),
            status: self.status,
            reason: e.to_string(),
            request_id: self.request_id(),
        })
    }

    pub(crate) fn sign_in_page(&self) -> AzureError {
        AzureError::SignInPage { service: self.service, url: self.url.clone(), status: self.status }
    }

    /// The checked view: success statuses pass, everything else becomes an error.
    pub fn into_success(self) -> Result<ApiResponse, AzureError> {
        let redirect = (300..400).contains(&self.status);
        // 203 is how Azure DevOps serves its sign-in page when FedAuth redirects are not
        // suppressed; an HTML body on a success, redirect or auth status is the same thing.
        if self.status == 203 || (self.is_html() && (self.status < 400 || matches!(self.status, 401 | 403))) {
            return Err(self.sign_in_page());
        }
        if redirect {
            let location = self.header("location").unwrap_or_default().to_ascii_lowercase();
            if self.service == Service::DevOps || location.contains("signin") || location.contains("login") {
                return Err(self.sign_in_page());
            }
        }
        if (200..300).contains(&self.status) {
            return Ok(self);
        }
        let mut error = parse_error(self.service, &self.method, &self.url, self.status, &self.headers, &self.body);
        if self.is_html() {
            error.message = format!("HTTP {} with an HTML page instead of an error body", self.status);
        }
        Err(error.into())
    }
}
