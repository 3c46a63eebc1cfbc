//! Signing in from the window: the three methods, with what the user must do streamed as
//! `SignInEvent`s, and the signed-in account's clients.
//!
//! Tokens stay inside the `Session`; the window only ever learns the account's name and
//! tenant. This module does not keep any state; the controller holds the result.

use std::sync::Arc;

use keyless_azure::{
    AzureClient, AzureHttp, HttpConfig,
    auth::{
        BrowserOpener, DeviceCodeInstructions, DeviceCodePrompt, Interaction, RefreshTokenStore, Session, SignInCancel,
        SignInOptions, SystemBrowser, sign_in_on_demand,
    },
};
use keyless_core::{CloudProfile, Guid};
use keyless_engine::azure::AzureClients;
use keyless_ipc::{SignInEvent, SignInMethodView};

use crate::{DesktopError, EventSink, SignedInAccount, demo::DemoBrowser};

/// A signed-in account and the clients that act as it. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Connected {
    pub session: Session,
    pub client: AzureClient,
    /// The engine's view of Azure, in the account's tenant.
    pub port: AzureClients,
    pub account: SignedInAccount,
}

impl Connected {
    /// The tenant the account signed in to, where identities live.
    pub fn tenant(&self) -> Guid {
        self.account.tenant_id
    }
}

/// What a sign-in needs besides the user's choices.
pub struct SignInContext<'a> {
    pub cloud: CloudProfile,
    pub is_demo: bool,
    pub http_config: HttpConfig,
    /// Where a remembered sign-in is kept; `None` on the demo cloud, where nothing is kept.
    pub keyring: Option<Arc<dyn RefreshTokenStore>>,
    pub cancel: &'a SignInCancel,
}

impl std::fmt::Debug for SignInContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInContext")
            .field("cloud", &self.cloud.name)
            .field("is_demo", &self.is_demo)
            .field("keyring", &self.keyring.as_ref().map(|store| store.name()))
            .finish_non_exhaustive()
    }
}

/// The user's choices, unpacked from `SignInRequest`.
#[derive(Debug, Clone)]
pub struct SignInChoice {
    pub method: SignInMethodView,
    pub tenant: Option<String>,
    pub remember: bool,
}

/// Signs in, restoring a remembered sign-in when one exists (never on the demo cloud).
pub async fn sign_in(
    context: SignInContext<'_>,
    choice: SignInChoice,
    events: &dyn EventSink<SignInEvent>,
) -> Result<Connected, DesktopError> {
    let SignInContext { cloud, is_demo, http_config, keyring, cancel } = context;
    let SignInChoice { method, tenant, remember } = choice;
    let http = AzureHttp::new(http_config)?;
    let mut options = SignInOptions::new(cloud);
    if let Some(tenant) = tenant.as_deref().map(str::trim).filter(|tenant| !tenant.is_empty()) {
        options = options.with_tenant(tenant)?;
    }
    if remember {
        options.remember = keyring.clone();
    }
    let prompt = ForwardDeviceCode(events);
    let system_browser = AnnounceBrowser { inner: &SystemBrowser, events };
    let demo_browser = AnnounceBrowser { inner: &DemoBrowser, events };
    let interaction = match method {
        SignInMethodView::Browser if is_demo => Interaction::Browser(&demo_browser),
        SignInMethodView::Browser => Interaction::Browser(&system_browser),
        SignInMethodView::DeviceCode => Interaction::DeviceCode(&prompt),
        SignInMethodView::AzureCli if is_demo => return Err(DesktopError::AzureCliOnDemo),
        SignInMethodView::AzureCli => Interaction::AzureCli,
    };
    let session = sign_in_on_demand(&http, &options, keyring, interaction, cancel).await?;
    if let Some(notice) = session.storage_notice() {
        tracing::info!(notice, "the sign-in is kept in memory only");
    }
    let account = session.account().clone();
    let tenant_id = account.home_tenant.or_else(|| options.tenant_id()).ok_or(DesktopError::NoTenant)?;
    let client = AzureClient::for_session(&session);
    let port = AzureClients::new(client.clone(), tenant_id, account.object_id);
    let account = SignedInAccount {
        display_name: account.display_name.clone().unwrap_or_else(|| account.username.clone()),
        user_principal_name: account.username,
        tenant_id,
    };
    Ok(Connected { session, client, port, account })
}

/// Shows the device code in the window.
struct ForwardDeviceCode<'a>(&'a dyn EventSink<SignInEvent>);

impl DeviceCodePrompt for ForwardDeviceCode<'_> {
    fn show(&self, instructions: &DeviceCodeInstructions) {
        let DeviceCodeInstructions { user_code, verification_uri, message, expires_in: _ } = instructions;
        self.0.send(SignInEvent::DeviceCode {
            user_code: user_code.clone(),
            verification_uri: verification_uri.clone(),
            message: message.clone(),
        });
    }
}

/// Opens the browser, then tells the window to say "continue in your browser".
struct AnnounceBrowser<'a> {
    inner: &'a dyn BrowserOpener,
    events: &'a dyn EventSink<SignInEvent>,
}

impl BrowserOpener for AnnounceBrowser<'_> {
    fn open(&self, url: &url::Url) -> std::io::Result<()> {
        self.inner.open(url)?;
        self.events.send(SignInEvent::BrowserOpened {});
        Ok(())
    }
}
