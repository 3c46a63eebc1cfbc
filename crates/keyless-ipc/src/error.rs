//! The one error type every desktop command returns.
//!
//! The UI branches on `code` only; `message` and `help` are sentences it shows as they are,
//! never parses.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A failed command: what happened, what to do next, and the service's request id when a
/// service answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, thiserror::Error)]
#[serde(rename_all = "camelCase")]
#[error("{message}")]
pub struct IpcError {
    pub code: IpcErrorCode,
    /// What happened and why, e.g. "Azure DevOps refused to list organizations (403)".
    pub message: String,
    /// What to do next, e.g. "Ask a Project Collection Administrator to add you to contoso".
    pub help: String,
    /// The `x-ms-request-id` (or similar) of the failing response, for support tickets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub request_id: Option<String>,
}

/// The few kinds of failure the UI treats differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum IpcErrorCode {
    /// A value the user typed was refused before any request: show it next to the field.
    InvalidInput,
    /// No account is signed in, or the sign-in expired: offer to sign in again.
    SignInRequired,
    /// The account lacks a role or permission: show who can grant it.
    Forbidden,
    /// The service throttled or was briefly unavailable: offer Retry.
    Unavailable,
    /// The service could not be reached at all: check the network or proxy.
    Network,
    /// The service answered with an error Keyless does not expect: show the details.
    Service,
    /// A bug in Keyless: show the details and how to report it.
    Internal,
    /// The user cancelled (sign-in or apply); nothing to show but where things stand.
    Cancelled,
    /// The thing asked for does not exist, e.g. an unknown run id or organization.
    NotFound,
    /// Another sign-in or run is already in progress: wait for it or cancel it.
    Busy,
    /// A run completed except for credentials the identity's owner must add (`finish_run`
    /// after they did).
    HandOffPending,
}

impl IpcError {
    pub fn new(code: IpcErrorCode, message: impl Into<String>, help: impl Into<String>) -> Self {
        Self { code, message: message.into(), help: help.into(), request_id: None }
    }

    pub fn with_request_id(self, request_id: impl Into<String>) -> Self {
        Self { request_id: Some(request_id.into()), ..self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_id_is_left_out_when_absent() {
        let error = IpcError::new(IpcErrorCode::SignInRequired, "Your sign-in expired.", "Sign in again.");
        assert_eq!(
            serde_json::to_value(&error).unwrap(),
            serde_json::json!({ "code": "signInRequired", "message": "Your sign-in expired.", "help": "Sign in again." })
        );
        let with_id = error.with_request_id("0a1b");
        assert_eq!(serde_json::to_value(&with_id).unwrap()["requestId"], "0a1b");
        assert_eq!(with_id.to_string(), "Your sign-in expired.");
    }

    #[test]
    fn error_round_trips_from_the_ui() {
        let json = r#"{"code":"unavailable","message":"m","help":"h","requestId":"r"}"#;
        let error: IpcError = serde_json::from_str(json).unwrap();
        assert_eq!(error.code, IpcErrorCode::Unavailable);
        assert_eq!(error.request_id.as_deref(), Some("r"));
    }
}
