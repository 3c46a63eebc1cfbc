//! Device code sign-in (contract §2.3): for machines without a browser.
//!
//! POSTs `/devicecode`, hands the user code and verification URL to a [`DeviceCodePrompt`]
//! (the CLI prints it, the GUI shows it), then polls `/token` at the server's interval.
//! Hardened tenants often block this flow with Conditional Access; it is the fallback, not
//! the default.

use std::time::Duration;

use reqwest::Method;
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use crate::auth::limits::{DeviceCodeLimits, instant_after, lenient_seconds};
use crate::auth::token_endpoint::{TokenResponse, TokenSet, entra_url};
use crate::auth::{AuthError, Session, SignInCancel, SignInMethod, SignInOptions};
use crate::error::Service;
use crate::transport::{ApiRequest, AzureHttp};

const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// What the user must do: open `verification_uri` and enter `user_code`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceCodeInstructions {
    pub user_code: String,
    pub verification_uri: String,
    /// Entra's own sentence ("To sign in, use a web browser to open ...").
    pub message: String,
    pub expires_in: Duration,
}

/// Shows the device code to the user.
pub trait DeviceCodePrompt: Send + Sync {
    fn show(&self, instructions: &DeviceCodeInstructions);
}

#[derive(Deserialize)]
struct DeviceCodeResponse {
    device_code: String,
    user_code: String,
    verification_uri: String,
    /// Seconds; absent or unreadable means Entra's usual 15 minutes.
    #[serde(default, deserialize_with = "lenient_seconds")]
    expires_in: Option<u64>,
    /// Seconds; RFC 8628 §3.2 says 5 when absent.
    #[serde(default, deserialize_with = "lenient_seconds")]
    interval: Option<u64>,
    #[serde(default)]
    message: Option<String>,
}

impl DeviceCodeResponse {
    fn lifetime(&self, limits: &DeviceCodeLimits) -> Duration {
        limits.lifetime(Duration::from_secs(self.expires_in.unwrap_or(15 * 60)))
    }

    fn interval(&self, limits: &DeviceCodeLimits) -> Duration {
        limits.interval(Duration::from_secs(self.interval.unwrap_or(5)))
    }
}

#[derive(Deserialize)]
struct PollError {
    error: String,
}

/// Signs in with a device code and returns a session holding the refresh token.
pub async fn sign_in_with_device_code(
    http: &AzureHttp,
    options: &SignInOptions,
    prompt: &dyn DeviceCodePrompt,
    cancel: &SignInCancel,
) -> Result<Session, AuthError> {
    let tenant = options.authority();
    let scopes = options.first_sign_in_scopes();
    let start = ApiRequest::new(Service::Entra, Method::POST, entra_url(&options.cloud, &tenant, "devicecode")?)
        .form(&[("client_id", options.client_id.as_str()), ("scope", scopes.as_str())])
        // Asking for a device code creates nothing that a second request would duplicate.
        .repeatable();
    let code: DeviceCodeResponse = http.send_json(start).await?;
    let limits = options.device_code_limits;
    let expires_in = code.lifetime(&limits);
    prompt.show(&DeviceCodeInstructions {
        message: code.message.clone().unwrap_or_else(|| {
            format!("To sign in, open {} and enter the code {}.", code.verification_uri, code.user_code)
        }),
        user_code: code.user_code.clone(),
        verification_uri: code.verification_uri.clone(),
        expires_in,
    });

    let token_url = entra_url(&options.cloud, &tenant, "token")?;
    let deadline = instant_after(Instant::now(), expires_in);
    let mut interval = code.interval(&limits);
    let tokens = loop {
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            () = cancel.cancelled() => return Err(AuthError::Cancelled),
        }
        if Instant::now() >= deadline {
            return Err(AuthError::DeviceCodeExpired);
        }
        let poll = ApiRequest::new(Service::Entra, Method::POST, token_url.clone())
            .form(&[
                ("grant_type", DEVICE_CODE_GRANT),
                ("client_id", options.client_id.as_str()),
                ("device_code", code.device_code.as_str()),
            ])
            .repeatable();
        let response = http.send_raw(poll).await?;
        if (200..300).contains(&response.status) {
            break TokenSet::from(response.json::<TokenResponse>()?);
        }
        let error = serde_json::from_slice::<PollError>(&response.body).map(|e| e.error).unwrap_or_default();
        match error.as_str() {
            "authorization_pending" => {}
            // RFC 8628 §3.5: add five seconds to the interval for this and later polls.
            "slow_down" => interval = limits.interval(interval.saturating_add(options.device_code_slow_down_step)),
            "authorization_declined" | "access_denied" => return Err(AuthError::DeviceCodeDeclined),
            "expired_token" | "code_expired" => return Err(AuthError::DeviceCodeExpired),
            "bad_verification_code" => return Err(AuthError::BadVerificationCode),
            _ => {
                return Err(response.into_success().err().map(AuthError::from).unwrap_or(AuthError::DeviceCodeExpired));
            }
        }
    };
    Session::from_interactive_sign_in(http, options, tokens, SignInMethod::DeviceCode).await
}
