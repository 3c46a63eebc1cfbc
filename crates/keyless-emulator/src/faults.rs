//! Fault injection: added latency, seeded random 429 (with Retry-After), 503 and Azure
//! DevOps "200 with Retry-After" slow-downs in each service's real error shape, and "commit,
//! then 504": a write that reaches the service and changes state, whose answer is lost at
//! the gateway. Faults come by rate (seeded) or aimed at the Nth matching request.
//!
//! Faults never touch `/_emulator/*` or `/.well-known/*`. Replication delays are not faults;
//! the service modules model those. The sequence is repeatable for a given seed when requests
//! arrive in the same order. The same middleware records every served request in the log.

use std::{sync::Arc, sync::Mutex, time::Duration};

use axum::{
    extract::{Request, State},
    http::StatusCode,
    middleware::Next,
    response::Response,
};
use serde::{Deserialize, Serialize};

use crate::{http, state::Emulator};

/// Which services faults apply to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FaultService {
    Entra,
    Graph,
    Arm,
    DevOps,
}

/// How the emulator misbehaves. `PUT /_emulator/faults` takes this as JSON, e.g.
/// `{"latencyMs":0,"faultRate":0.2,"seed":7,"services":["graph","devops"]}` or
/// `{"targeted":[{"method":"POST","pathContains":"/graph/v1.0/applications","nth":1,"kind":"commitThenGatewayTimeout"}]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultConfig {
    /// Added to every service request.
    #[serde(default)]
    pub latency_ms: u64,
    /// Probability (0..=1) that a service request gets a 429, 503 or slow-down.
    #[serde(default)]
    pub fault_rate: f64,
    /// Probability (0..=1) that a POST, PUT or PATCH that got no other fault is applied and
    /// then answered 504 ([`FaultKind::CommitThenGatewayTimeout`]).
    #[serde(default)]
    pub commit_then_timeout_rate: f64,
    #[serde(default)]
    pub seed: u64,
    /// Services the random faults apply to; empty = all. Targeted faults ignore this.
    #[serde(default)]
    pub services: Vec<FaultService>,
    /// Faults aimed at exactly one request each, whatever the rates.
    #[serde(default)]
    pub targeted: Vec<TargetedFault>,
}

impl Default for FaultConfig {
    fn default() -> Self {
        FaultConfig {
            latency_ms: 0,
            fault_rate: 0.0,
            commit_then_timeout_rate: 0.0,
            seed: 0,
            services: Vec::new(),
            targeted: Vec::new(),
        }
    }
}

impl FaultConfig {
    /// Why the configuration cannot be used, if it cannot.
    pub fn problem(&self) -> Option<String> {
        if !(0.0..=1.0).contains(&self.fault_rate) {
            return Some("faultRate must be between 0 and 1".into());
        }
        if !(0.0..=1.0).contains(&self.commit_then_timeout_rate) {
            return Some("commitThenTimeoutRate must be between 0 and 1".into());
        }
        self.targeted.iter().find(|t| t.nth == 0).map(|_| "nth counts from 1".into())
    }
}

/// "The `nth` request whose method is `method` and whose path contains `path_contains` gets
/// `kind`": a fault for one exactly chosen request. Paths are as clients send them, with the
/// service prefix (`/graph/v1.0/applications`, `/vsaex/contoso/_apis/...`), without the query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TargetedFault {
    /// HTTP method, any case.
    pub method: String,
    /// A substring of the path, matched without regard to case; empty matches every path.
    #[serde(default)]
    pub path_contains: String,
    /// Which matching request (1 = the first) gets the fault.
    #[serde(default = "first")]
    pub nth: u64,
    pub kind: FaultKind,
}

fn first() -> u64 {
    1
}

impl TargetedFault {
    /// The first request with `method` whose path contains `path_contains` gets `kind`.
    pub fn first(method: &str, path_contains: &str, kind: FaultKind) -> Self {
        TargetedFault { method: method.to_string(), path_contains: path_contains.to_string(), nth: 1, kind }
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        self.method.eq_ignore_ascii_case(method)
            && path.to_ascii_lowercase().contains(&self.path_contains.to_ascii_lowercase())
    }
}

/// Seconds injected 429s ask clients to wait.
pub const RETRY_AFTER_SECS: u64 = 1;

/// The kinds of fault the emulator injects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FaultKind {
    TooManyRequests,
    ServiceUnavailable,
    /// Azure DevOps: the request succeeds but carries Retry-After (a warning to slow down).
    /// Other services serve the request normally.
    SlowDown,
    /// The request reaches the service and takes effect, but the client gets a 504 Gateway
    /// Timeout (ARM's `GatewayTimeout` body; an empty body elsewhere), as when a gateway
    /// gives up on a slow backend that finishes anyway.
    CommitThenGatewayTimeout,
}

/// One injected fault, for the state dump and repeatability checks.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InjectedFault {
    pub sequence: u64,
    pub service: FaultService,
    pub method: String,
    pub path: String,
    pub kind: FaultKind,
}

/// SplitMix64: tiny, seedable and identical on every platform and Rust version.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[derive(Debug)]
struct FaultRuntime {
    config: FaultConfig,
    rng: SplitMix64,
    sequence: u64,
    log: Vec<InjectedFault>,
    /// Requests that matched each targeted fault so far.
    targeted_matches: Vec<u64>,
}

/// The live fault configuration, random sequence and log.
#[derive(Debug)]
pub struct FaultState {
    inner: Mutex<FaultRuntime>,
}

impl FaultState {
    pub fn new(config: FaultConfig) -> Self {
        let rng = SplitMix64(config.seed);
        let targeted_matches = vec![0; config.targeted.len()];
        FaultState { inner: Mutex::new(FaultRuntime { config, rng, sequence: 0, log: Vec::new(), targeted_matches }) }
    }

    /// Replaces the configuration and restarts the random sequence from its seed.
    pub fn set(&self, config: FaultConfig) {
        let mut inner = self.lock();
        inner.rng = SplitMix64(config.seed);
        inner.targeted_matches = vec![0; config.targeted.len()];
        inner.config = config;
        inner.sequence = 0;
        inner.log.clear();
    }

    pub fn config(&self) -> FaultConfig {
        self.lock().config.clone()
    }

    pub fn log(&self) -> Vec<InjectedFault> {
        self.lock().log.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FaultRuntime> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Decides the fault (if any) for the next service request: a targeted fault first, then
    /// the random ones. The random sequence only advances for the rates that are set, so
    /// adding a rate does not change the faults an existing seed produces for the others.
    fn decide(&self, service: FaultService, method: &str, path: &str) -> (u64, Option<FaultKind>) {
        let mut inner = self.lock();
        let latency = inner.config.latency_ms;
        let mut targeted = None;
        for i in 0..inner.config.targeted.len() {
            if inner.config.targeted[i].matches(method, path) {
                inner.targeted_matches[i] += 1;
                if targeted.is_none() && inner.targeted_matches[i] == inner.config.targeted[i].nth {
                    targeted = Some(inner.config.targeted[i].kind);
                }
            }
        }
        let kind = targeted.or_else(|| random_fault(&mut inner, service, method));
        if let Some(kind) = kind {
            inner.sequence += u64::from(targeted.is_some());
            let sequence = inner.sequence;
            inner.log.push(InjectedFault {
                sequence,
                service,
                method: method.to_string(),
                path: path.to_string(),
                kind,
            });
        }
        (latency, kind)
    }
}

fn is_write(method: &str) -> bool {
    ["POST", "PUT", "PATCH"].iter().any(|m| m.eq_ignore_ascii_case(method))
}

fn random_fault(inner: &mut FaultRuntime, service: FaultService, method: &str) -> Option<FaultKind> {
    let applies = inner.config.services.is_empty() || inner.config.services.contains(&service);
    let commit_rate = if is_write(method) { inner.config.commit_then_timeout_rate } else { 0.0 };
    if !applies || (inner.config.fault_rate <= 0.0 && commit_rate <= 0.0) {
        return None;
    }
    inner.sequence += 1;
    if inner.config.fault_rate > 0.0 && inner.rng.next_f64() < inner.config.fault_rate {
        let kinds: &[FaultKind] = if service == FaultService::DevOps {
            &[FaultKind::TooManyRequests, FaultKind::ServiceUnavailable, FaultKind::SlowDown]
        } else {
            &[FaultKind::TooManyRequests, FaultKind::ServiceUnavailable]
        };
        return Some(kinds[(inner.rng.next_u64() % kinds.len() as u64) as usize]);
    }
    (commit_rate > 0.0 && inner.rng.next_f64() < commit_rate).then_some(FaultKind::CommitThenGatewayTimeout)
}

fn service_of(path: &str) -> Option<FaultService> {
    let first = path.trim_start_matches('/').split('/').next().unwrap_or_default();
    match first {
        "login" => Some(FaultService::Entra),
        "graph" => Some(FaultService::Graph),
        "arm" => Some(FaultService::Arm),
        "ado" | "vssps" | "vsaex" | "app-vssps" => Some(FaultService::DevOps),
        _ => None,
    }
}

/// Axum middleware: latency, then maybe a fault, in front of every service route; then the
/// request goes into the log with the status the client got.
pub async fn layer(State(em): State<Arc<Emulator>>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let Some(service) = service_of(&path) else { return next.run(req).await };
    let received_at_micros = em.served.now_micros();
    let method = req.method().as_str().to_string();
    let (latency, mut kind) = em.faults.decide(service, &method, &path);
    if kind.is_none() && !em.throttle.admit(service, &method, &path) {
        kind = Some(FaultKind::TooManyRequests);
    }
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    let response = match kind {
        None => next.run(req).await,
        Some(kind) => {
            tracing::debug!(?service, ?kind, %path, "injecting fault");
            faulted(&em, service, kind, req, next).await
        }
    };
    em.served.record(&method, &path, response.status().as_u16(), kind, received_at_micros);
    response
}

async fn faulted(em: &Emulator, service: FaultService, kind: FaultKind, req: Request, next: Next) -> Response {
    let id = em.request_id().to_string();
    let retry = RETRY_AFTER_SECS.to_string();
    match (service, kind) {
        (_, FaultKind::CommitThenGatewayTimeout) => {
            // The service does the work; only its answer is lost.
            let _ = next.run(req).await;
            gateway_timeout(em, service)
        }
        (FaultService::DevOps, FaultKind::SlowDown) => {
            let mut r = next.run(req).await;
            http::set_header(&mut r, "retry-after", &retry);
            http::set_header(&mut r, "x-ratelimit-resource", "ATCPU");
            http::set_header(&mut r, "x-ratelimit-delay", "0.5");
            r
        }
        (_, FaultKind::SlowDown) => next.run(req).await,
        (FaultService::DevOps, kind) => {
            let (status, message, type_key) = if kind == FaultKind::TooManyRequests {
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    "TF400733: The request has been canceled: Request was blocked due to exceeding usage of resource 'ATCPU' in namespace 'User'.",
                    "RequestBlockedException",
                )
            } else {
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "TF400898: An Internal Error Occurred. The service is temporarily unavailable; try again later.",
                    "ServiceUnavailableException",
                )
            };
            let mut r = crate::devops::wrapped_error(status, message, type_key);
            http::set_header(&mut r, "activityid", &id);
            http::set_header(&mut r, "retry-after", &retry);
            if kind == FaultKind::TooManyRequests {
                http::set_header(&mut r, "x-ratelimit-resource", "ATCPU");
                http::set_header(&mut r, "x-ratelimit-limit", "200");
                http::set_header(&mut r, "x-ratelimit-remaining", "0");
            }
            r
        }
        (FaultService::Graph, kind) => {
            let (status, code, message) = if kind == FaultKind::TooManyRequests {
                (StatusCode::TOO_MANY_REQUESTS, "TooManyRequests", "Too many requests.")
            } else {
                (StatusCode::SERVICE_UNAVAILABLE, "serviceNotAvailable", "The service is temporarily unavailable.")
            };
            let mut r = crate::graph::graph_error(em, status, code, message);
            http::set_header(&mut r, "retry-after", &retry);
            if kind == FaultKind::TooManyRequests {
                http::set_header(&mut r, "x-ms-throttle-information", "ResourceUnitLimitExceeded");
            }
            r
        }
        (FaultService::Arm, kind) => {
            let (status, code, message) = if kind == FaultKind::TooManyRequests {
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    "TooManyRequests",
                    "The request is being throttled as the limit has been reached for operation type - Read_ObservationWindow_00:05:00. For more information, see - https://aka.ms/srpthrottlinglimits",
                )
            } else {
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "ServiceUnavailable",
                    "The server is currently unable to handle the request.",
                )
            };
            let mut r = crate::arm::arm_error(em, status, code, message);
            http::set_header(&mut r, "retry-after", &retry);
            r
        }
        (FaultService::Entra, kind) => {
            let status = if kind == FaultKind::TooManyRequests {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                StatusCode::SERVICE_UNAVAILABLE
            };
            let mut r = crate::entra::token_error(
                em,
                status,
                "temporarily_unavailable",
                90033,
                "AADSTS90033: A transient error has occurred. Please try again.",
            );
            http::set_header(&mut r, "retry-after", &retry);
            r
        }
    }
}

/// What a client sees when the gateway gives up: ARM's documented `GatewayTimeout` error,
/// and an empty body from the other front doors (assumption 39).
fn gateway_timeout(em: &Emulator, service: FaultService) -> Response {
    match service {
        FaultService::Arm => crate::arm::arm_error(
            em,
            StatusCode::GATEWAY_TIMEOUT,
            "GatewayTimeout",
            "The gateway did not receive a response from the service within the specified time period.",
        ),
        _ => http::empty(StatusCode::GATEWAY_TIMEOUT),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence() {
        let run = |seed| {
            let state = FaultState::new(FaultConfig { fault_rate: 0.5, seed, ..FaultConfig::default() });
            (0..50).map(|i| state.decide(FaultService::DevOps, "GET", &format!("/ado/x/{i}")).1).collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
        assert!(run(7).iter().any(Option::is_some) && run(7).iter().any(Option::is_none));
    }

    #[test]
    fn control_paths_are_never_faulted() {
        assert_eq!(service_of("/_emulator/state"), None);
        assert_eq!(service_of("/.well-known/keyless-cloud.json"), None);
        assert_eq!(service_of("/vsaex/contoso/_apis/x"), Some(FaultService::DevOps));
    }
}
