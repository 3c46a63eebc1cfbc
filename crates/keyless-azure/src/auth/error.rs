//! Sign-in and token failures.

use std::time::Duration;

use crate::auth::Resource;
use crate::error::{AzureError, ErrorCode};

/// Why no token could be had. HTTP failures of the token endpoint are `Http`, carrying
/// Entra's own error (`invalid_grant`, AADSTS code, trace id).
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("sign-in was cancelled")]
    Cancelled,
    #[error("sign-in did not finish within {}s", .0.as_secs())]
    TimedOut(Duration),
    #[error("the sign-in redirect carried a state that does not match this sign-in")]
    StateMismatch,
    #[error("sign-in was refused: {error}: {description}")]
    Refused { error: String, description: String },
    #[error("could not open a browser for sign-in: {0}")]
    BrowserOpen(String),
    #[error("could not listen for the sign-in redirect on 127.0.0.1: {0}")]
    Loopback(#[source] std::io::Error),
    #[error("the device code sign-in was declined")]
    DeviceCodeDeclined,
    #[error("the device code expired before sign-in finished")]
    DeviceCodeExpired,
    #[error("Entra did not recognise the device code")]
    BadVerificationCode,
    #[error("Entra did not return a refresh token (offline_access was not granted)")]
    NoRefreshToken,
    #[error("not signed in{}", .0.as_ref().map(|why| format!(": {why}")).unwrap_or_default())]
    NotSignedIn(Option<String>),
    #[error("the {resource} token has expired")]
    TokenExpired { resource: Resource },
    #[error("the token given for {resource} was issued for '{audience}'")]
    WrongResource {
        resource: Resource,
        audience: String,
        /// The resource to ask the Azure CLI for instead, in the signed-in cloud.
        cli_resource: String,
    },
    #[error("Azure CLI sign-in failed: {0}")]
    AzureCli(String),
    #[error("the token endpoint answered with an unexpected body: {0}")]
    UnexpectedTokenResponse(String),
    #[error(transparent)]
    Input(#[from] keyless_core::InputError),
    #[error(transparent)]
    Http(Box<AzureError>),
}

impl From<AzureError> for AuthError {
    fn from(error: AzureError) -> Self {
        match error {
            AzureError::Auth(inner) => *inner,
            other => AuthError::Http(Box::new(other)),
        }
    }
}

impl AuthError {
    pub fn code(&self) -> ErrorCode {
        match self {
            AuthError::Cancelled => ErrorCode::Cancelled,
            AuthError::TimedOut(_) => ErrorCode::TimedOut,
            AuthError::StateMismatch
            | AuthError::Refused { .. }
            | AuthError::BrowserOpen(_)
            | AuthError::Loopback(_)
            | AuthError::DeviceCodeDeclined
            | AuthError::DeviceCodeExpired
            | AuthError::BadVerificationCode
            | AuthError::AzureCli(_)
            | AuthError::UnexpectedTokenResponse(_) => ErrorCode::SignInFailed,
            AuthError::NoRefreshToken | AuthError::NotSignedIn(_) => ErrorCode::SignInRequired,
            AuthError::TokenExpired { .. } | AuthError::WrongResource { .. } => ErrorCode::Unauthorized,
            AuthError::Input(_) => ErrorCode::InvalidInput,
            AuthError::Http(inner) => inner.code(),
        }
    }

    pub fn help(&self) -> String {
        match self {
            AuthError::Cancelled => "run the sign-in again when ready".into(),
            AuthError::TimedOut(_) => "finish the sign-in in the browser sooner, or use --device-code on a machine without a browser".into(),
            AuthError::StateMismatch => "another sign-in answered this one's redirect: close other sign-in tabs and try again".into(),
            AuthError::Refused { error, .. } if error == "access_denied" => "the sign-in was cancelled or denied in the browser: sign in again and accept the consent prompt".into(),
            AuthError::Refused { .. } => "read the message above; an administrator may need to grant consent for the client id (--client-id)".into(),
            AuthError::BrowserOpen(_) => "open the printed URL yourself, or use --device-code".into(),
            AuthError::Loopback(_) => "allow Keyless to listen on 127.0.0.1, or use --device-code".into(),
            AuthError::DeviceCodeDeclined => "the code was declined in the browser: start again and approve it".into(),
            AuthError::DeviceCodeExpired => "enter the code within the time shown; run the sign-in again for a new code".into(),
            AuthError::BadVerificationCode => "start the device code sign-in again".into(),
            AuthError::NoRefreshToken => "the tenant did not grant offline_access to this client id: use your own client id (--client-id) or ask an administrator".into(),
            AuthError::NotSignedIn(_) => "sign in first (keyless login)".into(),
            AuthError::TokenExpired { .. } => "the token is too old: sign in again (keyless login)".into(),
            AuthError::WrongResource { resource, cli_resource, .. } => format!("use a token issued for {resource}: for Azure CLI, `az account get-access-token --resource {cli_resource}`"),
            AuthError::AzureCli(_) => "run `az login` (and `az account show` to check the tenant), or sign in with the browser instead".into(),
            AuthError::UnexpectedTokenResponse(_) => "check the --cloud setting points at a real cloud or the emulator".into(),
            AuthError::Input(e) => e.help.clone(),
            AuthError::Http(inner) => inner.help(),
        }
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use keyless_core::CloudName;

    use crate::AccessToken;

    use super::*;

    #[test]
    fn a_token_for_the_wrong_resource_is_told_the_cloud_s_own_resource() {
        let payload =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"aud":"https://graph.microsoft.us"}"#);
        let token = AccessToken::expiring_in(format!("h.{payload}.s"), Duration::from_secs(60));
        let error = Resource::Arm.check_token(&CloudName::UsGovernment.profile(), &token).unwrap_err();
        assert!(error.help().ends_with("--resource https://management.usgovcloudapi.net`"), "{}", error.help());
    }
}
