//! Signing in into a connected session: the chosen method (browser, device code, Azure CLI),
//! a remembered sign-in when the user opted in, the demo cloud's self-approving sign-in, and
//! the one rule for which tenant the session works in.
//!
//! Faces supply what the user sees ([`SignInPrompts`]): the CLI prints the device code, the
//! window shows it. Tokens stay inside the `Session`; a face only learns the account's names.

use std::sync::Arc;

use keyless_azure::{
    AzureClient, AzureHttp, HttpConfig,
    auth::{
        BrowserOpener, DeviceCodeInstructions, DeviceCodePrompt, Interaction, RefreshTokenStore, Session, SignInCancel,
        SignInMethod, SignInOptions, SystemBrowser, sign_in_on_demand,
    },
    cloud_spec::CloudSource,
};
use keyless_core::{CloudProfile, Guid};
use keyless_engine::azure::AzureClients;

use crate::{UseCaseError, demo::DemoBrowser};

/// The cloud a session talks to, as resolved by the face.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cloud {
    pub profile: CloudProfile,
    /// Where the profile came from; a profile fetched from a URL never gets a remembered sign-in.
    pub source: CloudSource,
    /// The built-in demo cloud (an emulator in this process).
    pub is_demo: bool,
}

impl Cloud {
    pub fn demo(profile: CloudProfile) -> Self {
        Cloud { profile, source: CloudSource::BuiltIn, is_demo: true }
    }
}

/// How the user wants to sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Browser,
    DeviceCode,
    AzureCli,
}

/// The user's choices for one sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInRequest {
    pub method: Method,
    /// Tenant id or domain; `None` signs in through `organizations`.
    pub tenant: Option<String>,
    /// A client id of the user's own registration; `None` uses Keyless's default.
    pub client_id: Option<String>,
    /// Keep the refresh token in the OS keyring for later sign-ins.
    pub remember: bool,
}

/// What the user must see during a sign-in.
pub trait SignInPrompts: Send + Sync {
    /// Show the device code and where to enter it.
    fn device_code(&self, instructions: &DeviceCodeInstructions);
    /// The system browser opened the sign-in page.
    fn browser_opened(&self) {}
}

/// What a sign-in needs besides the user's choices.
pub struct SignInEnvironment<'a> {
    pub cloud: &'a Cloud,
    pub http: HttpConfig,
    /// Where remembered sign-ins live; ignored on the demo cloud, where nothing is kept.
    pub keyring: Arc<dyn RefreshTokenStore>,
    pub cancel: &'a SignInCancel,
}

impl std::fmt::Debug for SignInEnvironment<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInEnvironment")
            .field("cloud", &self.cloud.profile.name)
            .field("keyring", &self.keyring.name())
            .finish_non_exhaustive()
    }
}

/// The Entra account a sign-in produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedInAccount {
    pub user_principal_name: String,
    pub display_name: String,
    pub object_id: Option<Guid>,
    /// The tenant the session works in: where identities are created and looked up.
    pub tenant_id: Guid,
}

/// A signed-in account and the clients that act as it. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Connected {
    pub session: Session,
    pub client: AzureClient,
    /// The engine's view of Azure, in the account's tenant.
    pub port: AzureClients,
    pub account: SignedInAccount,
    pub cloud: Cloud,
    /// Set when "remember me" was asked for but the sign-in is kept in memory only.
    pub storage_notice: Option<String>,
}

impl Connected {
    pub fn tenant(&self) -> Guid {
        self.account.tenant_id
    }

    pub fn method(&self) -> SignInMethod {
        self.session.method()
    }
}

/// Signs in, restoring a remembered sign-in when one exists (never on the demo cloud, never for
/// a profile fetched from a URL).
pub async fn sign_in(
    environment: SignInEnvironment<'_>,
    request: SignInRequest,
    prompts: &dyn SignInPrompts,
) -> Result<Connected, UseCaseError> {
    let SignInEnvironment { cloud, http, keyring, cancel } = environment;
    let SignInRequest { method, tenant, client_id, remember } = request;
    // The emulator (the demo cloud, or one started with `keyless emulator`) is plain HTTP on
    // loopback and speaks HTTP/2 like Azure's hosts; without TLS there is nothing to negotiate
    // it in.
    let http = AzureHttp::new(HttpConfig { http2_prior_knowledge: cloud.profile.is_emulator, ..http })?;
    let options = sign_in_options(cloud, tenant.as_deref(), client_id.as_deref())?;
    let remembered = may_remember(cloud).then_some(keyring);
    let options = SignInOptions { remember: remembered.clone().filter(|_| remember), ..options };
    let device_code = ForwardDeviceCode(prompts);
    let system_browser = AnnounceBrowser { inner: &SystemBrowser, prompts };
    let demo_browser = AnnounceBrowser { inner: &DemoBrowser, prompts };
    let interaction = match method {
        Method::Browser if cloud.is_demo => Interaction::Browser(&demo_browser),
        Method::Browser => Interaction::Browser(&system_browser),
        Method::DeviceCode => Interaction::DeviceCode(&device_code),
        Method::AzureCli if cloud.is_demo => return Err(UseCaseError::AzureCliOnDemo),
        Method::AzureCli => Interaction::AzureCli,
    };
    let session = sign_in_on_demand(&http, &options, remembered, interaction, cancel).await?;
    connected(session, &options, cloud.clone())
}

/// Forgets the remembered sign-in for this cloud and client id, without any request; returns
/// the account it was for.
pub async fn forget(
    cloud: &Cloud,
    client_id: Option<&str>,
    keyring: Arc<dyn RefreshTokenStore>,
) -> Result<Option<String>, UseCaseError> {
    let options = sign_in_options(cloud, None, client_id)?;
    let job = tokio::task::spawn_blocking(move || {
        keyless_azure::auth::remember::forget_last_sign_in(keyring.as_ref(), &options.cloud, &options.client_id)
    });
    match job.await {
        Ok(result) => result.map_err(UseCaseError::Keyring),
        Err(error) => Err(UseCaseError::Keyring(keyless_azure::auth::remember::StoreError {
            store: "the OS keyring",
            reason: error.to_string(),
        })),
    }
}

fn may_remember(cloud: &Cloud) -> bool {
    !cloud.is_demo && cloud.source != CloudSource::FetchedFromUrl
}

fn sign_in_options(
    cloud: &Cloud,
    tenant: Option<&str>,
    client_id: Option<&str>,
) -> Result<SignInOptions, UseCaseError> {
    let mut options = SignInOptions::new(cloud.profile.clone()).with_cloud_source(cloud.source);
    if let Some(client_id) = client_id.map(str::trim).filter(|value| !value.is_empty()) {
        options = options.with_client_id(client_id)?;
    }
    if let Some(tenant) = tenant.map(str::trim).filter(|value| !value.is_empty()) {
        options = options.with_tenant(tenant)?;
    }
    Ok(options)
}

/// The session's clients, in the one tenant rule: the account's home tenant, else the tenant
/// the user named; never a made-up (nil) tenant.
fn connected(session: Session, options: &SignInOptions, cloud: Cloud) -> Result<Connected, UseCaseError> {
    let account = session.account().clone();
    let tenant_id = account
        .home_tenant
        .or_else(|| options.tenant_id())
        .filter(|tenant| !tenant.is_nil())
        .ok_or(UseCaseError::NoTenant)?;
    let client = AzureClient::for_session(&session);
    let port = AzureClients::new(client.clone(), tenant_id, account.object_id);
    let storage_notice = session.storage_notice().map(str::to_string);
    let account = SignedInAccount {
        display_name: account.display_name.clone().unwrap_or_else(|| account.username.clone()),
        user_principal_name: account.username,
        object_id: account.object_id,
        tenant_id,
    };
    Ok(Connected { session, client, port, account, cloud, storage_notice })
}

/// Hands the device code to the face.
struct ForwardDeviceCode<'a>(&'a dyn SignInPrompts);

impl DeviceCodePrompt for ForwardDeviceCode<'_> {
    fn show(&self, instructions: &DeviceCodeInstructions) {
        self.0.device_code(instructions);
    }
}

/// Opens the browser, then tells the face to say "continue in your browser".
struct AnnounceBrowser<'a> {
    inner: &'a dyn BrowserOpener,
    prompts: &'a dyn SignInPrompts,
}

impl BrowserOpener for AnnounceBrowser<'_> {
    fn open(&self, url: &url::Url) -> std::io::Result<()> {
        self.inner.open(url)?;
        self.prompts.browser_opened();
        Ok(())
    }
}
