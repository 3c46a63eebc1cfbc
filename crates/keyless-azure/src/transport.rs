//! The one HTTP client every Keyless request goes through.
//!
//! [`AzureHttp`] owns a single reqwest client (rustls, no redirects followed), a concurrency
//! limit per [`Service`], the throttle [`RetryPolicy`] (429/503/504, connection errors,
//! `Retry-After`, Azure DevOps' 200-with-`Retry-After` slow-down) and the replication policy
//! the engine uses through [`AzureHttp::wait_for_replication`]. It logs every request with a
//! redacted URL and never logs headers or bodies. It knows nothing about tokens beyond
//! attaching the one a request carries: acquiring tokens is `auth`'s job.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::Method;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::Semaphore;
use tokio::time::Instant;
use tracing::Instrument;
use url::Url;

use crate::error::{AzureError, Service};
use crate::error_parse::{header_request_id, parse_error};
use crate::redact::redact_url;
use crate::replication::{ConsistencyPolicy, ReplicationObserver, TracingObserver, retry_until_replicated};
use crate::retry::{RetryPolicy, is_retryable_status, retry_after};
use crate::secret::AccessToken;

/// Sent on every Azure DevOps request so bad credentials give a 401, not a sign-in page.
const FED_AUTH_REDIRECT: &str = "x-tfs-fedauthredirect";

/// Settings of the transport. `Default` is what production uses.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    pub retry: RetryPolicy,
    pub consistency: ConsistencyPolicy,
    /// Requests in flight per service (contract §8: 2–4).
    pub max_concurrent_per_service: usize,
    pub request_timeout: Duration,
    pub connect_timeout: Duration,
    pub user_agent: String,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            retry: RetryPolicy::default(),
            consistency: ConsistencyPolicy::default(),
            max_concurrent_per_service: 4,
            request_timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            user_agent: format!("keyless/{}", env!("CARGO_PKG_VERSION")),
        }
    }
}

impl HttpConfig {
    /// Tiny delays and budgets, for tests.
    pub fn fast_for_tests() -> Self {
        HttpConfig {
            retry: RetryPolicy::fast_for_tests(),
            consistency: ConsistencyPolicy::fast_for_tests(),
            request_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(2),
            ..Self::default()
        }
    }
}

/// A request description the transport can send (and resend on retry).
///
/// `Debug` shows the method, the redacted URL and the body's size only: token request
/// bodies carry refresh tokens and device codes.
#[derive(Clone)]
pub struct ApiRequest {
    pub service: Service,
    pub method: Method,
    pub url: Url,
    headers: HeaderMap,
    body: Option<Vec<u8>>,
    token: Option<AccessToken>,
    /// A body that could not be serialized; reported at send time so builders stay infallible.
    body_error: Option<String>,
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
            .finish()
    }
}

impl ApiRequest {
    pub fn new(service: Service, method: Method, url: Url) -> Self {
        ApiRequest { service, method, url, headers: HeaderMap::new(), body: None, token: None, body_error: None }
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

    fn is_idempotent(&self) -> bool {
        matches!(self.method, Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS)
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

struct Inner {
    client: reqwest::Client,
    config: HttpConfig,
    limits: Vec<Semaphore>,
    /// Per service: do not start a request before this instant (Retry-After slow-downs).
    not_before: Vec<Mutex<Option<Instant>>>,
    observer: Arc<dyn ReplicationObserver>,
}

/// The shared transport. Cheap to clone; clones share limits and slow-downs.
#[derive(Clone)]
pub struct AzureHttp {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for AzureHttp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AzureHttp").field("config", &self.inner.config).finish_non_exhaustive()
    }
}

/// Building the reqwest client failed (no TLS roots, bad proxy settings...).
#[derive(Debug, thiserror::Error)]
#[error("could not set up the HTTP client: {0}")]
pub struct HttpSetupError(String);

impl AzureHttp {
    pub fn new(config: HttpConfig) -> Result<Self, HttpSetupError> {
        Self::with_observer(config, Arc::new(TracingObserver))
    }

    /// A transport whose replication waits are reported to `observer` (the engine renders
    /// them as "waiting for Entra to replicate...").
    pub fn with_observer(config: HttpConfig, observer: Arc<dyn ReplicationObserver>) -> Result<Self, HttpSetupError> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.request_timeout)
            .connect_timeout(config.connect_timeout)
            .user_agent(config.user_agent.clone())
            .build()
            .map_err(|e| HttpSetupError(e.to_string()))?;
        let permits = config.max_concurrent_per_service.max(1);
        Ok(AzureHttp {
            inner: Arc::new(Inner {
                client,
                limits: Service::ALL.iter().map(|_| Semaphore::new(permits)).collect(),
                not_before: Service::ALL.iter().map(|_| Mutex::new(None)).collect(),
                config,
                observer,
            }),
        })
    }

    pub fn config(&self) -> &HttpConfig {
        &self.inner.config
    }

    pub fn replication_observer(&self) -> &Arc<dyn ReplicationObserver> {
        &self.inner.observer
    }

    /// Sends and returns success responses; every other status becomes an [`AzureError`].
    pub async fn send(&self, request: ApiRequest) -> Result<ApiResponse, AzureError> {
        self.send_raw(request).await?.into_success()
    }

    /// Sends and parses a success response as JSON.
    pub async fn send_json<T: DeserializeOwned>(&self, request: ApiRequest) -> Result<T, AzureError> {
        self.send(request).await?.json()
    }

    /// Sends with throttle retries and returns the final response whatever its status.
    pub async fn send_raw(&self, request: ApiRequest) -> Result<ApiResponse, AzureError> {
        let shown_url = redact_url(&request.url);
        if let Some(reason) = &request.body_error {
            return Err(AzureError::Malformed {
                service: request.service,
                url: shown_url,
                status: 0,
                reason: format!("the request body could not be written: {reason}"),
                request_id: None,
            });
        }
        let span = tracing::info_span!(
            "azure_request",
            service = ?request.service,
            method = %request.method,
            url = %shown_url,
            attempts = tracing::field::Empty,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        self.send_with_retries(&request, &shown_url).instrument(span).await
    }

    async fn send_with_retries(&self, request: &ApiRequest, shown_url: &str) -> Result<ApiResponse, AzureError> {
        let policy = &self.inner.config.retry;
        let started = Instant::now();
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            self.wait_for_slow_down(request.service).await;
            let attempt_started = Instant::now();
            let outcome = self.attempt(request, shown_url).await;
            let span = tracing::Span::current();
            span.record("attempts", attempt);
            span.record("elapsed_ms", started.elapsed().as_millis() as u64);
            let (retry_wait, last_status, last_error, network_error) = match outcome {
                Ok(response) => {
                    let request_id = response.request_id();
                    span.record("status", response.status);
                    if let Some(id) = &request_id {
                        span.record("request_id", id.as_str());
                    }
                    tracing::debug!(
                        attempt,
                        status = response.status,
                        request_id = request_id.as_deref().unwrap_or(""),
                        elapsed_ms = attempt_started.elapsed().as_millis() as u64,
                        "azure response"
                    );
                    crate::activity::report(crate::activity::RequestSummary {
                        service: request.service,
                        method: request.method.to_string(),
                        url: shown_url.to_string(),
                        status: response.status,
                        elapsed: attempt_started.elapsed(),
                    });
                    let wait = retry_after(&response.headers);
                    if !is_retryable_status(response.status) {
                        if let (Some(wait), Service::DevOps) = (wait, request.service) {
                            // Azure DevOps warns with 200 + Retry-After before it starts
                            // blocking (contract §8): delay the next request, not this one.
                            tracing::info!(delay_ms = wait.as_millis() as u64, "Azure DevOps asked to slow down");
                            self.slow_down(request.service, wait.min(policy.max_delay));
                        }
                        return Ok(response);
                    }
                    let status = response.status;
                    let error = response.into_success().err().and_then(|e| e.service_error().cloned()).map(Box::new);
                    (wait, Some(status), error, None)
                }
                Err(AttemptError { retryable: false, error }) => return Err(error),
                Err(AttemptError { retryable: true, error }) => {
                    tracing::debug!(attempt, error = %error, "azure request failed");
                    if attempt == 1 && policy.max_attempts <= 1 {
                        return Err(error);
                    }
                    (None, None, None, Some(error))
                }
            };
            let delay = policy.delay(attempt, retry_wait);
            let out_of_budget = started.elapsed() + delay > policy.budget;
            let too_long = retry_wait.is_some_and(|wait| wait > policy.max_delay);
            if attempt >= policy.max_attempts || out_of_budget || too_long {
                tracing::warn!(attempt, "giving up after retries");
                if let Some(AzureError::Network { service, url, reason }) = network_error {
                    let elapsed = started.elapsed().as_secs_f32();
                    let reason = format!("{reason} (gave up after {attempt} attempts over {elapsed:.1}s)");
                    return Err(AzureError::Network { service, url, reason });
                }
                return Err(AzureError::RetriesExhausted {
                    service: request.service,
                    url: shown_url.to_string(),
                    attempts: attempt,
                    elapsed: started.elapsed(),
                    last_status,
                    last: last_error,
                });
            }
            if retry_wait.is_some() && last_status == Some(429) {
                // Other requests to the same service would only be throttled too.
                self.slow_down(request.service, delay);
            }
            tracing::info!(attempt, delay_ms = delay.as_millis() as u64, status = last_status, "retrying");
            tokio::time::sleep(delay).await;
        }
    }

    async fn attempt(&self, request: &ApiRequest, shown_url: &str) -> Result<ApiResponse, AttemptError> {
        let service = request.service;
        let network = |reason: String, retryable: bool| AttemptError {
            retryable,
            error: AzureError::Network { service, url: shown_url.to_string(), reason },
        };
        let _permit = self.inner.limits[service.index()].acquire().await.map_err(|e| network(e.to_string(), false))?;
        let mut builder = self.inner.client.request(request.method.clone(), request.url.clone());
        builder = builder.headers(request.headers.clone());
        if service == Service::DevOps {
            builder = builder.header(FED_AUTH_REDIRECT, "Suppress");
        }
        if let Some(token) = &request.token {
            let mut value = HeaderValue::from_str(&format!("Bearer {}", token.expose()))
                .map_err(|_| network("the access token contains characters HTTP headers cannot carry".into(), false))?;
            value.set_sensitive(true);
            builder = builder.header(AUTHORIZATION, value);
        }
        if let Some(body) = &request.body {
            builder = builder.body(body.clone());
        }
        let response = builder.send().await.map_err(|e| {
            // A refused connection never reached the service, so even a POST is safe to
            // repeat; a timeout or reset might have, so only idempotent methods retry then.
            let retryable = e.is_connect() || ((e.is_timeout() || e.is_request()) && request.is_idempotent());
            network(describe_reqwest_error(&e), retryable)
        })?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(|e| {
            network(format!("reading the response failed: {}", describe_reqwest_error(&e)), request.is_idempotent())
        })?;
        Ok(ApiResponse {
            service,
            method: request.method.to_string(),
            url: shown_url.to_string(),
            status,
            headers,
            body: body.to_vec(),
        })
    }

    fn slow_down(&self, service: Service, delay: Duration) {
        let until = Instant::now() + delay;
        if let Ok(mut slot) = self.inner.not_before[service.index()].lock()
            && slot.is_none_or(|current| current < until)
        {
            *slot = Some(until);
        }
    }

    async fn wait_for_slow_down(&self, service: Service) {
        let until = self.inner.not_before[service.index()].lock().ok().and_then(|slot| *slot);
        if let Some(until) = until.filter(|until| *until > Instant::now()) {
            tracing::debug!(delay_ms = (until - Instant::now()).as_millis() as u64, "waiting for service slow-down");
            tokio::time::sleep_until(until).await;
        }
    }

    /// Runs `operation` until it stops failing with a replication delay (as decided by
    /// `is_replication`), with this transport's [`ConsistencyPolicy`] and observer.
    pub async fn wait_for_replication<T, F, Fut>(
        &self,
        operation_name: &str,
        is_replication: impl Fn(&AzureError) -> bool,
        operation: F,
    ) -> Result<T, AzureError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, AzureError>>,
    {
        retry_until_replicated(
            &self.inner.config.consistency,
            self.inner.observer.as_ref(),
            operation_name,
            is_replication,
            operation,
        )
        .await
    }
}

struct AttemptError {
    retryable: bool,
    error: AzureError,
}

/// reqwest's Display omits the cause ("error sending request"); walk the chain so a user sees
/// "connection refused" or "dns error".
fn describe_reqwest_error(error: &reqwest::Error) -> String {
    let mut text = if error.is_connect() {
        "connection failed".to_string()
    } else if error.is_timeout() {
        "timed out".to_string()
    } else {
        "request failed".to_string()
    };
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
