//! The errors of the HTTP layer: what each service said, in a shape UIs can branch on.
//!
//! [`AzureError`] carries the service's own facts (HTTP status, error code, message, request
//! id); [`ErrorCode`] is the small stable enum a UI switches on; [`AzureError::help`] is the
//! one line telling the user what to do next. This module only describes errors; parsing
//! response bodies lives in `error_parse`, sign-in failures in `auth::AuthError`.

use std::fmt;
use std::time::Duration;

use keyless_core::InputError;
use serde::{Deserialize, Serialize};

use crate::auth::AuthError;
use crate::behaviour::{self, KnownCode, Meaning, WaitReason};

/// The services Keyless talks to; each has its own concurrency limit and error shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Service {
    Entra,
    Graph,
    Arm,
    DevOps,
}

impl Service {
    pub const ALL: [Service; 4] = [Service::Entra, Service::Graph, Service::Arm, Service::DevOps];
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Service::Entra => "Microsoft Entra ID",
            Service::Graph => "Microsoft Graph",
            Service::Arm => "Azure Resource Manager",
            Service::DevOps => "Azure DevOps",
        })
    }
}

/// What kind of failure this is, for code that must branch (UIs, the engine's retry logic).
/// Stable: variants are only ever added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ErrorCode {
    /// Refused locally before any request: a malformed GUID, org name, cloud spec...
    InvalidInput,
    /// The token was refused (HTTP 401) or is expired / for another resource.
    Unauthorized,
    /// Signed in, but not allowed (HTTP 403, TF401444, Authorization_RequestDenied...).
    Forbidden,
    NotFound,
    /// Already exists or conflicting write (HTTP 409, RoleAssignmentExists...).
    Conflict,
    /// Throttled or unavailable, and the retry budget ran out.
    Throttled,
    /// A just-created object has not replicated yet (PrincipalNotFound, VS403283, AADSTS70021).
    Replication,
    /// The service refused the request's content (HTTP 400/422, or a 200 carrying a failure).
    Validation,
    /// The service could not be reached.
    Network,
    /// Azure DevOps (or a proxy) answered with an HTML sign-in page instead of data.
    SignInPage,
    /// The service answered with a body that is not the JSON expected.
    Malformed,
    /// HTTP 5xx other than the retried ones.
    ServerError,
    /// The refresh token no longer works, or consent / interaction is needed: sign in again.
    SignInRequired,
    /// The interactive sign-in failed (state mismatch, denied, device code expired...).
    SignInFailed,
    Cancelled,
    TimedOut,
    /// A create or update was sent but the answer was lost (HTTP 502/503/504, a timeout or a
    /// reset): the service may or may not have made the change. Look before trying again.
    OutcomeUnknown,
}

/// One error response from a service (or a 200 whose body reports a failure).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceError {
    pub service: Service,
    pub method: String,
    /// The request URL, redacted (see `redact`).
    pub url: String,
    pub status: u16,
    /// Graph/ARM `error.code`, Entra `error`, the Azure DevOps TF/VS code (or its typeKey).
    pub code: Option<String>,
    /// The AADSTS code for Entra, `details[0].code` for ARM, the typeKey for Azure DevOps.
    pub inner_code: Option<String>,
    pub message: String,
    pub request_id: Option<String>,
}

impl ServiceError {
    /// All codes this error carries, most specific first (AADSTS before `invalid_grant`).
    pub fn codes(&self) -> impl Iterator<Item = &str> {
        let (first, second) = match (&self.inner_code, &self.code) {
            (Some(inner), code) if inner.starts_with("AADSTS") => (Some(inner), code.as_ref()),
            (inner, code) => (code.as_ref(), inner.as_ref()),
        };
        first.into_iter().chain(second).map(String::as_str)
    }

    pub fn has_code(&self, wanted: &str) -> bool {
        self.codes().any(|code| code.eq_ignore_ascii_case(wanted))
    }

    /// The first of this answer's codes that the [`behaviour`] table knows, or the Graph
    /// message shapes that mean a new app has not replicated yet (they carry only generic codes,
    /// so they are checked first).
    pub fn known(&self) -> Option<&'static KnownCode> {
        let graph_shape = match self.service {
            Service::Graph => behaviour::graph_replication_message(self.status, &self.message),
            _ => None,
        };
        graph_shape.or_else(|| self.codes().find_map(behaviour::lookup))
    }

    /// True for the replication delays of the contract (§3.3, §4.4, §5.5, §9): answers the
    /// table reads as Replicating or Propagating.
    pub fn is_replication_delay(&self) -> bool {
        self.known().is_some_and(|known| matches!(known.meaning, Meaning::Replicating | Meaning::Propagating))
    }

    fn error_code(&self) -> ErrorCode {
        let by_meaning = self.known().and_then(|known| match known.meaning {
            Meaning::Replicating | Meaning::Propagating => Some(ErrorCode::Replication),
            Meaning::Throttled => Some(ErrorCode::Throttled),
            // Signed in, but the setup does not let this through (TF401444 arrives as a 401,
            // yet signing in again would not help).
            Meaning::Forbidden | Meaning::Misconfigured => Some(ErrorCode::Forbidden),
            Meaning::Conflict => Some(ErrorCode::Conflict),
            Meaning::NotFound => Some(ErrorCode::NotFound),
            // Only Entra's own sign-in words end a session; another service's complaint about a
            // token is read from its status (a 401 is a token to refresh).
            Meaning::SignInRequired => (self.service == Service::Entra).then_some(ErrorCode::SignInRequired),
        });
        if let Some(code) = by_meaning {
            return code;
        }
        match self.status {
            401 => ErrorCode::Unauthorized,
            403 => ErrorCode::Forbidden,
            404 | 410 => ErrorCode::NotFound,
            409 | 412 => ErrorCode::Conflict,
            429 => ErrorCode::Throttled,
            500..=599 => ErrorCode::ServerError,
            _ => ErrorCode::Validation,
        }
    }

    fn help(&self) -> String {
        if let Some(known) = self.known() {
            return known.help.to_string();
        }
        match self.status {
            401 => format!(
                "{} refused the sign-in token: sign in again, and check the account belongs to the right tenant",
                self.service
            ),
            403 => format!(
                "the signed-in account lacks permission for this {} operation: ask an administrator for the role named in the message",
                self.service
            ),
            404 => "the object does not exist or the account cannot see it: check the name or id".to_string(),
            409 => "the object already exists or is being changed by someone else: reload and try again".to_string(),
            429 => "the service is throttling requests: wait a minute and try again".to_string(),
            500..=599 => {
                format!("{} had an internal error: try again later; quote the request id if it persists", self.service)
            }
            _ => "check the values sent; the message above says which one the service refused".to_string(),
        }
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} returned HTTP {}", self.service, self.status)?;
        let codes: Vec<&str> = self.codes().collect();
        if !codes.is_empty() {
            write!(f, " ({})", codes.join(", "))?;
        }
        write!(f, " for {} {}: {}", self.method, self.url, self.message)?;
        if let Some(id) = &self.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

/// Every failure of the HTTP layer and the clients built on it.
#[derive(Debug, thiserror::Error)]
pub enum AzureError {
    /// Refused locally; no request was sent.
    #[error(transparent)]
    Input(#[from] InputError),
    #[error("{0}")]
    Service(Box<ServiceError>),
    #[error("could not reach {service} at {url}: {reason}")]
    Network { service: Service, url: String, reason: String },
    #[error(
        "{service} still answered {} after {attempts} attempts over {}s ({url})",
        last_status.map_or("with connection errors".to_string(), |s| format!("HTTP {s}")),
        elapsed.as_secs()
    )]
    RetriesExhausted {
        service: Service,
        url: String,
        attempts: u32,
        elapsed: Duration,
        last_status: Option<u16>,
        last: Option<Box<ServiceError>>,
    },
    #[error("{service} answered {url} with a sign-in page (HTTP {status}) instead of data")]
    SignInPage { service: Service, url: String, status: u16 },
    #[error("{service} sent a body that is not the expected JSON for {url} (HTTP {status}): {reason}")]
    Malformed { service: Service, url: String, status: u16, reason: String, request_id: Option<String> },
    #[error("{operation}: {service} had not finished replicating after {}s; last error: {last}", waited.as_secs())]
    ReplicationTimeout { operation: String, service: Service, waited: Duration, last: Box<AzureError> },
    #[error(transparent)]
    Auth(Box<AuthError>),
    /// A non-idempotent write (POST, PATCH) whose answer was lost after it was sent; the
    /// transport does not repeat it, because repeating could create a second object.
    #[error("{service} may or may not have made the change: {method} {url} {what}")]
    OutcomeUnknown {
        service: Service,
        method: String,
        url: String,
        /// What was seen instead of an answer: "answered HTTP 504", "failed after the request was sent: timed out".
        what: String,
        status: Option<u16>,
        last: Option<Box<ServiceError>>,
    },
    /// Refused locally: the request's origin is not one the selected cloud profile names.
    #[error("refused to send a request to {url}: it is not a host of the {cloud} cloud ({})", allowed.join(", "))]
    HostOutsideCloud { service: Service, url: String, cloud: String, allowed: Vec<String> },
}

impl From<ServiceError> for AzureError {
    fn from(error: ServiceError) -> Self {
        AzureError::Service(Box::new(error))
    }
}

impl From<AuthError> for AzureError {
    fn from(error: AuthError) -> Self {
        match error {
            // Keep one layer: an HTTP failure while getting a token is still an HTTP failure.
            AuthError::Http(inner) => *inner,
            other => AzureError::Auth(Box::new(other)),
        }
    }
}

impl AzureError {
    pub fn code(&self) -> ErrorCode {
        match self {
            AzureError::Input(_) => ErrorCode::InvalidInput,
            AzureError::Service(e) => e.error_code(),
            AzureError::Network { .. } => ErrorCode::Network,
            AzureError::RetriesExhausted { last_status: None, .. } => ErrorCode::Network,
            AzureError::RetriesExhausted { .. } => ErrorCode::Throttled,
            AzureError::SignInPage { .. } => ErrorCode::SignInPage,
            AzureError::Malformed { .. } => ErrorCode::Malformed,
            AzureError::ReplicationTimeout { .. } => ErrorCode::Replication,
            AzureError::Auth(e) => e.code(),
            AzureError::OutcomeUnknown { .. } => ErrorCode::OutcomeUnknown,
            AzureError::HostOutsideCloud { .. } => ErrorCode::InvalidInput,
        }
    }

    /// One line telling the user what to do next.
    pub fn help(&self) -> String {
        match self {
            AzureError::Input(e) => e.help.clone(),
            AzureError::Service(e) => e.help(),
            AzureError::Network { .. } => {
                "check the network connection, the proxy and the chosen cloud; if you use the emulator, make sure it is running".into()
            }
            AzureError::RetriesExhausted { last_status: None, .. } => {
                "the service could not be reached repeatedly: check the network connection and try again".into()
            }
            AzureError::RetriesExhausted { .. } => {
                "the service is busy or throttling this account: wait a few minutes and run the command again".into()
            }
            AzureError::SignInPage { .. } => {
                "the token was not accepted and the service asked for an interactive sign-in: sign in again with an account of the organization's tenant".into()
            }
            AzureError::Malformed { .. } => {
                "the answer was not what Keyless expected: check the chosen cloud is a real cloud or the emulator, and quote the request id if it persists".into()
            }
            AzureError::ReplicationTimeout { last, .. } => format!(
                "new identities can take several minutes to reach every service: run the same step again shortly ({})",
                last.help()
            ),
            AzureError::Auth(e) => e.help(),
            AzureError::OutcomeUnknown { .. } => {
                "the answer was lost, so the change may or may not have been made: Keyless looks at what exists again before retrying, so nothing is created twice".into()
            }
            AzureError::HostOutsideCloud { .. } => {
                "nothing was sent: check the organization names and URLs in the file, and that the chosen cloud profile is the one you meant".into()
            }
        }
    }

    pub fn service_error(&self) -> Option<&ServiceError> {
        match self {
            AzureError::Service(e) => Some(e),
            AzureError::RetriesExhausted { last: Some(e), .. } => Some(e),
            AzureError::ReplicationTimeout { last, .. } => last.service_error(),
            AzureError::OutcomeUnknown { last: Some(e), .. } => Some(e),
            _ => None,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            AzureError::SignInPage { status, .. } | AzureError::Malformed { status, .. } => Some(*status),
            AzureError::RetriesExhausted { last_status, .. } => *last_status,
            AzureError::OutcomeUnknown { status, .. } => *status,
            _ => self.service_error().map(|e| e.status),
        }
    }

    pub fn request_id(&self) -> Option<&str> {
        match self {
            AzureError::Malformed { request_id, .. } => request_id.as_deref(),
            _ => self.service_error()?.request_id.as_deref(),
        }
    }

    /// True for the replication delays of the contract; the default predicate of
    /// [`crate::replication::retry_until_replicated`].
    pub fn is_replication_delay(&self) -> bool {
        matches!(self, AzureError::Service(e) if e.is_replication_delay())
    }

    pub fn has_code(&self, code: &str) -> bool {
        self.service_error().is_some_and(|e| e.has_code(code))
    }

    /// True when a create or update may or may not have been made: look before trying again.
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(self, AzureError::OutcomeUnknown { .. })
    }

    /// What the answer means: the [`behaviour`] table's reading of its codes, otherwise what its
    /// status or shape says; None when it says nothing Keyless can act on (a 500, a bad body).
    pub fn meaning(&self) -> Option<Meaning> {
        if let Some(known) = self.service_error().and_then(ServiceError::known) {
            return Some(known.meaning);
        }
        match self.code() {
            ErrorCode::Replication => Some(Meaning::Replicating),
            ErrorCode::Forbidden => Some(Meaning::Forbidden),
            ErrorCode::Conflict => Some(Meaning::Conflict),
            ErrorCode::Throttled => Some(Meaning::Throttled),
            ErrorCode::NotFound => Some(Meaning::NotFound),
            ErrorCode::Unauthorized | ErrorCode::SignInPage | ErrorCode::SignInRequired => {
                Some(Meaning::SignInRequired)
            }
            _ => None,
        }
    }

    /// What a "not yet" answer is waiting for: the table's `not_yet`, for answers it reads as
    /// Replicating or Propagating only (a TF401444 from a service call is a real fault here;
    /// the engine decides from context when it only means "not yet").
    pub fn wait_reason(&self) -> Option<WaitReason> {
        let known = self.service_error()?.known()?;
        match known.meaning {
            Meaning::Replicating | Meaning::Propagating => known.not_yet,
            _ => None,
        }
    }
}

/// The help line for a service code, from the [`behaviour`] table.
pub fn help_for_code(code: &str) -> Option<&'static str> {
    behaviour::lookup(code).map(|known| known.help)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service_error(service: Service, status: u16, code: Option<&str>, message: &str) -> ServiceError {
        ServiceError {
            service,
            method: "GET".into(),
            url: "https://x/".into(),
            status,
            code: code.map(str::to_string),
            inner_code: None,
            message: message.into(),
            request_id: None,
        }
    }

    #[test]
    fn codes_map_to_stable_error_codes() {
        let check = |e: ServiceError, want: ErrorCode| assert_eq!(AzureError::from(e).code(), want);
        check(service_error(Service::Arm, 400, Some("PrincipalNotFound"), "x"), ErrorCode::Replication);
        check(service_error(Service::DevOps, 200, Some("VS403283"), "x"), ErrorCode::Replication);
        check(
            service_error(
                Service::Graph,
                400,
                Some("Request_BadRequest"),
                "The appId 'x' of the service principal does not reference a valid application object.",
            ),
            ErrorCode::Replication,
        );
        check(service_error(Service::Arm, 409, Some("RoleAssignmentExists"), "x"), ErrorCode::Conflict);
        check(service_error(Service::DevOps, 401, Some("TF401444"), "x"), ErrorCode::Forbidden);
        check(service_error(Service::Entra, 400, Some("invalid_grant"), "x"), ErrorCode::SignInRequired);
        check(service_error(Service::Graph, 404, None, "x"), ErrorCode::NotFound);
    }

    #[test]
    fn aadsts_help_wins_over_generic_code() {
        let mut e = service_error(Service::Entra, 400, Some("invalid_grant"), "AADSTS70052: ...");
        e.inner_code = Some("AADSTS70052".into());
        assert!(AzureError::from(e).help().contains("single-tenant"));
    }
}
