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

    pub(crate) fn index(self) -> usize {
        self as usize
    }
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

    /// True for the replication delays the contract lists (§3.3, §4.4, §5.5, §9).
    pub fn is_replication_delay(&self) -> bool {
        let message = self.message.as_str();
        self.has_code("VS403283")
            || self.has_code("PrincipalNotFound")
            || self.has_code("AADSTS70021")
            || (self.service == Service::Graph
                && ((self.status == 400 && message.contains("does not reference a valid application object"))
                    || (self.status == 403
                        && message.contains("backing application of the service principal being created must"))))
    }

    fn error_code(&self) -> ErrorCode {
        if self.is_replication_delay() {
            return ErrorCode::Replication;
        }
        if self.has_code("TF400733") {
            return ErrorCode::Throttled;
        }
        if self.has_code("TF401444") || self.has_code("VS800075") || self.has_code("Authorization_RequestDenied") {
            return ErrorCode::Forbidden;
        }
        if self.has_code("RoleAssignmentExists") || self.has_code("Request_MultipleObjectsWithSameKeyValue") {
            return ErrorCode::Conflict;
        }
        if self.service == Service::Entra
            && ["invalid_grant", "interaction_required", "consent_required", "login_required"]
                .iter()
                .any(|code| self.has_code(code))
        {
            return ErrorCode::SignInRequired;
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
        for code in self.codes() {
            if let Some(help) = help_for_code(code) {
                return help.to_string();
            }
        }
        match self.status {
            401 => format!(
                "{} refused the sign-in token: sign in again (keyless login), and check the account belongs to the right tenant",
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
        }
    }

    /// One line telling the user what to do next.
    pub fn help(&self) -> String {
        match self {
            AzureError::Input(e) => e.help.clone(),
            AzureError::Service(e) => e.help(),
            AzureError::Network { .. } => {
                "check the network connection, proxy and cloud setting (--cloud); for the emulator, start `keyless emulator`".into()
            }
            AzureError::RetriesExhausted { last_status: None, .. } => {
                "the service could not be reached repeatedly: check the network connection and try again".into()
            }
            AzureError::RetriesExhausted { .. } => {
                "the service is busy or throttling this account: wait a few minutes and run the command again".into()
            }
            AzureError::SignInPage { .. } => {
                "the token was not accepted and the service asked for an interactive sign-in: sign in again (keyless login) with an account of the organization's tenant".into()
            }
            AzureError::Malformed { .. } => {
                "the answer was not what Keyless expected: check the --cloud setting points at a real cloud or the emulator, and quote the request id if it persists".into()
            }
            AzureError::ReplicationTimeout { last, .. } => format!(
                "new identities can take several minutes to reach every service: run the same step again shortly ({})",
                last.help()
            ),
            AzureError::Auth(e) => e.help(),
        }
    }

    pub fn service_error(&self) -> Option<&ServiceError> {
        match self {
            AzureError::Service(e) => Some(e),
            AzureError::RetriesExhausted { last: Some(e), .. } => Some(e),
            AzureError::ReplicationTimeout { last, .. } => last.service_error(),
            _ => None,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            AzureError::SignInPage { status, .. } | AzureError::Malformed { status, .. } => Some(*status),
            AzureError::RetriesExhausted { last_status, .. } => *last_status,
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
}

/// Help lines for the codes users meet most (contract §9).
pub fn help_for_code(code: &str) -> Option<&'static str> {
    let help = match code.to_ascii_uppercase().as_str() {
        "AADSTS70021" => {
            "no federated credential matches the token: compare issuer and subject with the service connection exactly; if the credential was just created, wait a few minutes for it to replicate"
        }
        "AADSTS700211" => {
            "the issuer does not match: add a federated credential with the issuer the service connection shows now (it changes after conversion to the Entra issuer)"
        }
        "AADSTS700213" => {
            "the subject does not match (often after a rename): update the federated credential's subject from the connection's workloadIdentityFederationSubject"
        }
        "AADSTS7002138" => "the subject differs only in letter case: copy it verbatim from the service connection",
        "AADSTS70025" => "the identity has no federated credentials: create one for this service connection",
        "AADSTS70052" => {
            "multi-tenant app registrations cannot use the Entra issuer: use a single-tenant app (AzureADMyOrg) or a managed identity"
        }
        "AADSTS700016" => {
            "the application was not found in the tenant: check the client id (serviceprincipalid must be the appId, not an object id) and the tenant"
        }
        "AADSTS28000" => "one token request named two resources: this is a Keyless bug, please report it",
        "AADSTS50020" => {
            "the account is not in this tenant: sign in with an account of the tenant, or ask for a guest invitation"
        }
        "AADSTS65001" => {
            "the application needs consent: ask a tenant administrator to grant consent, or use a client id your tenant already allows (--client-id)"
        }
        "AADSTS700223" | "AADSTS700238" => {
            "the tenant restricts workload identity federation: ask the tenant administrator, or try a managed identity"
        }
        "AADSTS7000215" | "AADSTS7000222" => {
            "the client secret is invalid or expired: convert the connection to workload identity federation"
        }
        "AADSTS700082" | "AADSTS70043" | "AADSTS50173" => "the saved sign-in has expired: sign in again",
        "AADSTS50076" | "AADSTS50079" => {
            "multi-factor authentication is required: sign in interactively (browser) instead of device code or a saved session"
        }
        "AUTHORIZATION_REQUESTDENIED" => {
            "the account lacks Entra permissions for this: it needs Application Administrator or Cloud Application Administrator, or ownership of the app; or use a managed identity"
        }
        "PRINCIPALNOTFOUND" => {
            "the identity has not reached Azure Resource Manager yet: wait a minute and retry (Keyless retries automatically)"
        }
        "AUTHORIZATIONFAILED" => {
            "the account cannot do this in Azure: it needs Owner, User Access Administrator or Role Based Access Control Administrator on the scope"
        }
        "ROLEASSIGNMENTEXISTS" => "the role assignment already exists: nothing to do",
        "TF401444" => {
            "the identity is not a member of the Azure DevOps organization: add it (service principal entitlement) with at least a Basic license"
        }
        "VS800075" => {
            "the identity is in the organization but not in the project: add it to a project group such as Readers"
        }
        "VS403283" => {
            "Azure DevOps has not seen the new identity yet: wait a minute or two and retry (Keyless retries automatically)"
        }
        "TF400733" => "Azure DevOps is rate-limiting this account: wait five minutes and try again",
        "TF400813" => {
            "the token is not valid for this Azure DevOps organization: sign in with an account of the organization's tenant"
        }
        "REQUEST_MULTIPLEOBJECTSWITHSAMEKEYVALUE" => {
            "an object with this name already exists: reuse it or choose another name"
        }
        "INVALIDFEDERATEDIDENTITYCREDENTIALVALUE" => {
            "a federated credential with this issuer and subject already exists on the identity: reuse it"
        }
        "INVALID_GRANT" => "the sign-in is no longer valid: sign in again",
        "INTERACTION_REQUIRED" | "CONSENT_REQUIRED" | "LOGIN_REQUIRED" => {
            "Entra needs an interactive sign-in: run keyless login in a browser"
        }
        _ => return None,
    };
    Some(help)
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
