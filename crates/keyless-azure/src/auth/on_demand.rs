//! Sign-in on demand: reuse a remembered refresh token when the user opted in, otherwise run
//! the chosen interactive method. Every CLI command and the desktop app start here, so each
//! works alone in a fresh process.

use std::sync::Arc;

use crate::auth::{
    AuthError, BrowserOpener, DeviceCodePrompt, RefreshTokenStore, Session, SignInCancel, SignInOptions,
};
use crate::transport::AzureHttp;

/// How to reach the user when no remembered sign-in works.
#[derive(Clone, Copy)]
pub enum Interaction<'a> {
    Browser(&'a dyn BrowserOpener),
    DeviceCode(&'a dyn DeviceCodePrompt),
    AzureCli,
}

impl std::fmt::Debug for Interaction<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Interaction::Browser(_) => "Browser",
            Interaction::DeviceCode(_) => "DeviceCode",
            Interaction::AzureCli => "AzureCli",
        })
    }
}

/// Restores a sign-in remembered in `remembered` (an earlier `--remember`) when one exists;
/// otherwise signs in with `interaction`, storing the new refresh token only where
/// `options.remember` says (the user's opt-in for this sign-in).
///
/// For a cloud profile fetched from a URL (`options.cloud_source`), the store is neither read
/// nor written: that profile's authority was chosen by whoever served it, and a remembered
/// refresh token must never be sent there. The session's storage notice says so.
pub async fn sign_in_on_demand(
    http: &AzureHttp,
    options: &SignInOptions,
    remembered: Option<Arc<dyn RefreshTokenStore>>,
    interaction: Interaction<'_>,
    cancel: &SignInCancel,
) -> Result<Session, AuthError> {
    let http = &http.confined_to(&options.cloud);
    let remembered = remembered.filter(|_| options.may_use_remembered_sign_in());
    if let Some(store) = remembered.filter(|_| !matches!(interaction, Interaction::AzureCli)) {
        let restore = SignInOptions { remember: Some(store), ..options.clone() };
        match Session::restore(http, &restore, None).await {
            Ok(session) => return Ok(session),
            Err(error) => tracing::debug!(%error, "no usable remembered sign-in; signing in interactively"),
        }
    }
    match interaction {
        Interaction::Browser(opener) => crate::auth::sign_in_with_browser(http, options, opener, cancel).await,
        Interaction::DeviceCode(prompt) => crate::auth::sign_in_with_device_code(http, options, prompt, cancel).await,
        Interaction::AzureCli => Session::from_azure_cli(http, options).await,
    }
}
