//! The one HTTP client every Keyless request goes through.
//!
//! [`AzureHttp`] owns reqwest clients (rustls, no redirects followed; each scope its own
//! connections, see `clients`), a concurrency limit per [`Service`] and scope (Azure DevOps
//! organization, ARM subscription, Graph host) and in total, the throttle
//! [`RetryPolicy`](crate::RetryPolicy) (429/503/504, connection errors, `Retry-After` slowing the
//! scope down, Azure DevOps' 200-with-`Retry-After` warning) and the replication policy
//! the engine uses through [`AzureHttp::wait_for_replication`]. It never sends a POST or PATCH
//! twice after an answer that may have come after the change was made (502/503/504, a timeout
//! or reset): that is [`AzureError::OutcomeUnknown`], and the caller looks before it tries
//! again. It logs every request with a
//! redacted URL and never logs headers or bodies. Once [`AzureHttp::confined_to`] a cloud
//! profile it sends nothing to another origin, and it never reads an answer past
//! [`HttpConfig::max_response_bytes`]. It knows nothing about tokens beyond
//! attaching the one a request carries: acquiring tokens is `auth`'s job.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, HeaderValue};
use serde::de::DeserializeOwned;
use tokio::sync::Semaphore;
use tokio::time::Instant;
use tracing::Instrument;

use keyless_core::CloudProfile;

use crate::cloud_hosts::CloudOrigins;
use crate::error::{AzureError, Service};
use crate::redact::redact_url;
use crate::replication::{ReplicationObserver, TracingObserver, retry_until_replicated};
pub use crate::request::{ApiRequest, ApiResponse};

mod clients;
mod config;
use crate::retry::{is_retryable_status, retry_after};
pub use clients::STREAMS_PER_CONNECTION;
use clients::{ClientFactory, ScopeClients};
pub use config::{
    DEFAULT_SCOPE_LIMITS, HttpConfig, MAX_CONCURRENT_TOTAL, MAX_RESPONSE_BYTES, ScopeLimits, default_concurrent_total,
};

/// Sent on every Azure DevOps request so bad credentials give a 401, not a sign-in page.
const FED_AUTH_REDIRECT: &str = "x-tfs-fedauthredirect";

struct Inner {
    clients: ClientFactory,
    config: HttpConfig,
    /// Per (service, scope), created on first use.
    scopes: Mutex<HashMap<(Service, String), Arc<Scope>>>,
    total_limit: Semaphore,
    observer: Arc<dyn ReplicationObserver>,
}

/// One scope's share of the transport: its connections, its requests in flight and its
/// slow-down.
struct Scope {
    clients: ScopeClients,
    permits: Semaphore,
    /// Do not start a request before this instant (a `Retry-After` the scope was given).
    not_before: Mutex<Option<Instant>>,
}

/// The shared transport. Cheap to clone; clones share limits and slow-downs.
#[derive(Clone)]
pub struct AzureHttp {
    inner: Arc<Inner>,
    /// The cloud profile's origins; a request elsewhere is refused before it is sent.
    confinement: Option<Arc<CloudOrigins>>,
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
        Ok(AzureHttp {
            inner: Arc::new(Inner {
                clients: ClientFactory::new(&config)?,
                scopes: Mutex::new(HashMap::new()),
                total_limit: Semaphore::new(config.max_concurrent_total.max(1)),
                config,
                observer,
            }),
            confinement: None,
        })
    }

    /// The same transport (shared limits and slow-downs) refusing every request whose origin
    /// the profile does not name, with [`AzureError::HostOutsideCloud`].
    pub fn confined_to(&self, profile: &CloudProfile) -> AzureHttp {
        AzureHttp { inner: self.inner.clone(), confinement: Some(Arc::new(CloudOrigins::of(profile))) }
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
        if let Some(origins) = self.confinement.as_deref().filter(|origins| !origins.allows(&request.url)) {
            tracing::warn!(url = %shown_url, cloud = origins.cloud_name(), "refused a request outside the cloud profile");
            return Err(AzureError::HostOutsideCloud {
                service: request.service,
                url: shown_url,
                cloud: origins.cloud_name().to_string(),
                allowed: origins.describe(),
            });
        }
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
        // Boxed: the retries' state is several kB, and every caller's future would carry it
        // inline; an inventory moves a thousand of those futures around before they start.
        Box::pin(self.send_with_retries(&request, &shown_url).instrument(span)).await
    }

    async fn send_with_retries(&self, request: &ApiRequest, shown_url: &str) -> Result<ApiResponse, AzureError> {
        let policy = &self.inner.config.retry;
        let started = Instant::now();
        let scope = self.scope(request.service, &request.url).map_err(|e| AzureError::Network {
            service: request.service,
            url: shown_url.to_string(),
            reason: e.to_string(),
        })?;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let attempt_started = Instant::now();
            let outcome = self.attempt(request, shown_url, &scope).await;
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
                    if !request.is_idempotent() && may_have_been_committed(response.status) {
                        tracing::warn!(status = response.status, "a write's answer was lost; not sending it again");
                        let status = response.status;
                        let last = response.into_success().err().and_then(|e| e.service_error().cloned()).map(Box::new);
                        return Err(AzureError::OutcomeUnknown {
                            service: request.service,
                            method: request.method.to_string(),
                            url: shown_url.to_string(),
                            what: format!("answered HTTP {status}"),
                            status: Some(status),
                            last,
                        });
                    }
                    if !is_retryable_status(response.status) {
                        if let (Some(wait), Service::DevOps) = (wait, request.service) {
                            // Azure DevOps warns with 200 + Retry-After before it starts
                            // blocking (contract §8): delay the organization's next requests,
                            // not this one.
                            tracing::info!(delay_ms = wait.as_millis() as u64, "Azure DevOps asked to slow down");
                            scope.slow_down(wait.min(policy.max_delay));
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
                // Other requests to the same scope (the unit the service throttles by) would
                // only be throttled too.
                scope.slow_down(delay);
            }
            tracing::info!(attempt, delay_ms = delay.as_millis() as u64, status = last_status, "retrying");
            tokio::time::sleep(delay).await;
        }
    }

    async fn attempt(&self, request: &ApiRequest, shown_url: &str, scope: &Scope) -> Result<ApiResponse, AttemptError> {
        let service = request.service;
        let network = |reason: String, retryable: bool| AttemptError {
            retryable,
            error: AzureError::Network { service, url: shown_url.to_string(), reason },
        };
        let _scope_permit = scope.permits.acquire().await.map_err(|e| network(e.to_string(), false))?;
        // After the permit: requests that queued before a slow-down began honour it too.
        scope.wait_for_slow_down().await;
        let _total_permit = self.inner.total_limit.acquire().await.map_err(|e| network(e.to_string(), false))?;
        let mut builder = scope.clients.next().request(request.method.clone(), request.url.clone());
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
        let outcome_unknown = |what: String, status: Option<u16>| AttemptError {
            retryable: false,
            error: AzureError::OutcomeUnknown {
                service,
                method: request.method.to_string(),
                url: shown_url.to_string(),
                what,
                status,
                last: None,
            },
        };
        let response = builder.send().await.map_err(|e| {
            // A refused connection never reached the service, so even a POST is safe to
            // repeat; a timeout or reset might have, so only idempotent methods retry then,
            // and a write learns that its outcome is unknown.
            let description = describe_reqwest_error(&e);
            if e.is_connect() || e.is_builder() || request.is_idempotent() {
                let retryable = e.is_connect() || (request.is_idempotent() && (e.is_timeout() || e.is_request()));
                network(description, retryable)
            } else {
                outcome_unknown(format!("failed after the request was sent: {description}"), None)
            }
        })?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let limit = self.inner.config.max_response_bytes;
        let body = read_capped(response, limit).await.map_err(|failure| match failure {
            ReadFailure::TooLarge => AttemptError {
                retryable: false,
                error: AzureError::Malformed {
                    service,
                    url: shown_url.to_string(),
                    status,
                    reason: format!(
                        "the answer is larger than {limit} bytes, far more than any real answer; Keyless stopped reading it"
                    ),
                    request_id: crate::error_parse::header_request_id(service, &headers),
                },
            },
            ReadFailure::Network(e) => {
                let description = format!("reading the response failed: {}", describe_reqwest_error(&e));
                if request.is_idempotent() {
                    network(description, true)
                } else {
                    outcome_unknown(format!("got HTTP {status} but {description}"), Some(status))
                }
            }
        })?;
        Ok(ApiResponse {
            service,
            method: request.method.to_string(),
            url: shown_url.to_string(),
            status,
            headers,
            body,
        })
    }

    fn scope(&self, service: Service, url: &reqwest::Url) -> Result<Arc<Scope>, HttpSetupError> {
        let key = (service, concurrency_scope(service, url));
        let mut scopes = self.inner.scopes.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(scope) = scopes.get(&key) {
            return Ok(scope.clone());
        }
        let permits = self.inner.config.max_concurrent_per_scope.of(service).max(1);
        let in_flight = permits.min(self.inner.config.max_concurrent_total.max(1));
        let scope = Arc::new(Scope {
            clients: self.inner.clients.for_scope(&self.inner.config, in_flight)?,
            permits: Semaphore::new(permits),
            not_before: Mutex::new(None),
        });
        scopes.insert(key, scope.clone());
        Ok(scope)
    }

    /// Runs `operation` until it stops failing with a replication delay (as decided by
    /// `is_replication`), with this transport's [`ConsistencyPolicy`](crate::ConsistencyPolicy) and observer.
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

impl Scope {
    fn slow_down(&self, delay: Duration) {
        let Some(until) = Instant::now().checked_add(delay) else { return };
        if let Ok(mut slot) = self.not_before.lock()
            && slot.is_none_or(|current| current < until)
        {
            *slot = Some(until);
        }
    }

    async fn wait_for_slow_down(&self) {
        let until = self.not_before.lock().ok().and_then(|slot| *slot);
        if let Some(until) = until.filter(|until| *until > Instant::now()) {
            tracing::debug!(
                delay_ms = (until - Instant::now()).as_millis() as u64,
                "waiting for the scope's slow-down"
            );
            tokio::time::sleep_until(until).await;
        }
    }
}

/// The scope a request's concurrency and slow-downs are counted in, the unit each service throttles by: the
/// Azure DevOps organization (first path segment on dev.azure.com and its vssps/vsaex hosts,
/// the host's first label on `{org}.visualstudio.com`), the ARM subscription (the tenant's
/// bucket for calls outside one), and the host for Graph and Entra (one tenant per session).
fn concurrency_scope(service: Service, url: &reqwest::Url) -> String {
    let host = url.host_str().unwrap_or_default();
    let mut segments = url.path_segments().into_iter().flatten().filter(|s| !s.is_empty());
    match service {
        Service::DevOps => {
            if let Some(org) = host.strip_suffix(".visualstudio.com").filter(|label| !label.contains('.')) {
                return org.to_ascii_lowercase();
            }
            // The emulator serves every Azure DevOps host under one origin, one prefix each.
            let first = segments.find(|s| !matches!(*s, "ado" | "vssps" | "vsaex"));
            first.unwrap_or_default().to_ascii_lowercase()
        }
        Service::Arm => {
            let mut after_subscriptions = segments.skip_while(|s| !s.eq_ignore_ascii_case("subscriptions")).skip(1);
            after_subscriptions.next().map_or_else(|| format!("{host}/tenant"), str::to_ascii_lowercase)
        }
        Service::Entra | Service::Graph => host.to_string(),
    }
}

/// Statuses that can come after the service committed a write: a gateway timed out or gave up
/// while the service behind it carried on.
fn may_have_been_committed(status: u16) -> bool {
    matches!(status, 502..=504)
}

struct AttemptError {
    retryable: bool,
    error: AzureError,
}

enum ReadFailure {
    TooLarge,
    Network(reqwest::Error),
}

/// Reads a body chunk by chunk and stops as soon as it passes `limit` (a declared
/// Content-Length above it is refused before reading), so a hostile endpoint cannot make
/// Keyless hold an unbounded answer in memory.
async fn read_capped(mut response: reqwest::Response, limit: usize) -> Result<Vec<u8>, ReadFailure> {
    if response.content_length().is_some_and(|declared| declared > limit as u64) {
        return Err(ReadFailure::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(ReadFailure::Network)? {
        if body.len() + chunk.len() > limit {
            return Err(ReadFailure::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(service: Service, url: &str) -> String {
        concurrency_scope(service, &reqwest::Url::parse(url).unwrap())
    }

    #[test]
    fn azure_devops_requests_share_a_limit_per_organization_across_its_hosts() {
        let org = "contoso";
        assert_eq!(scope(Service::DevOps, "https://dev.azure.com/Contoso/_apis/projects"), org);
        assert_eq!(scope(Service::DevOps, "https://vssps.dev.azure.com/contoso/_apis/graph"), org);
        assert_eq!(scope(Service::DevOps, "https://contoso.visualstudio.com/_apis/projects"), org);
        assert_eq!(scope(Service::DevOps, "http://127.0.0.1:1/vsaex/contoso/_apis/x"), org);
        assert_ne!(scope(Service::DevOps, "https://dev.azure.com/fabrikam/_apis/projects"), org);
    }

    #[test]
    fn arm_requests_share_a_limit_per_subscription_and_tenant_calls_their_own() {
        let sub = "https://management.azure.com/subscriptions/9D8C/resourceGroups/rg?api-version=1";
        assert_eq!(scope(Service::Arm, sub), "9d8c");
        assert_eq!(
            scope(Service::Arm, "https://management.azure.com/tenants?api-version=1"),
            "management.azure.com/tenant"
        );
    }
}
