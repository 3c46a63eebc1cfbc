//! Sign-in and tokens: browser (auth code + PKCE), device code, Azure CLI; per-tenant,
//! per-resource access tokens from one refresh token.
//!
//! Everything that needs a token asks a [`TokenSource`] for a `(Resource, tenant)` pair. A
//! [`Session`] is the real one; [`StaticTokenSource`] serves fixed tokens (tests, pipelines).
//! This module does not call Graph, ARM or Azure DevOps APIs except to discover an
//! organization's tenant.

pub mod azure_cli;
mod browser;
mod device_code;
mod error;
pub mod limits;
pub mod oauth_http;
mod on_demand;
pub mod org_tenant;
pub mod remember;
mod session;
pub mod token_endpoint;

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures::future::BoxFuture;
use keyless_core::{CloudProfile, Guid, InputError};
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

pub use crate::cloud_spec::CloudSource;
pub use browser::{BrowserOpener, SystemBrowser, sign_in_with_browser};
pub use device_code::{DeviceCodeInstructions, DeviceCodePrompt, sign_in_with_device_code};
pub use error::AuthError;
pub use limits::DeviceCodeLimits;
pub use on_demand::{Interaction, sign_in_on_demand};
pub use org_tenant::discover_org_tenant;
pub use remember::{MemoryStore, OsKeyring, RefreshTokenStore, StoreKey};
pub use session::Session;
pub use token_endpoint::{Account, AuthorityTenant};

use crate::error::Service;
use crate::secret::AccessToken;

/// The Azure CLI's public client id: pre-consented in every tenant, so it works without an
/// app registration. Microsoft recommends registering your own public client instead
/// (contract §2.7); pass it with `--client-id`.
pub const DEFAULT_CLIENT_ID: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";

/// The authority for the first sign-in: work and school accounts of any tenant.
pub const ORGANIZATIONS: &str = "organizations";

/// Microsoft Graph's well-known application id, which Graph tokens may carry as `aud`.
const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";

/// A resource Keyless needs tokens for; each token names exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Resource {
    Graph,
    Arm,
    DevOps,
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Resource::Graph => "Microsoft Graph",
            Resource::Arm => "Azure Resource Manager",
            Resource::DevOps => "Azure DevOps",
        })
    }
}

impl Resource {
    pub const ALL: [Resource; 3] = [Resource::Graph, Resource::Arm, Resource::DevOps];

    /// The `.default` scope for this resource in `cloud`.
    pub fn scope(self, cloud: &CloudProfile) -> String {
        match self {
            Resource::Graph => cloud.graph_scope(),
            Resource::Arm => cloud.arm_scope(),
            Resource::DevOps => cloud.devops_scope(),
        }
    }

    pub fn service(self) -> Service {
        match self {
            Resource::Graph => Service::Graph,
            Resource::Arm => Service::Arm,
            Resource::DevOps => Service::DevOps,
        }
    }

    /// What `az account get-access-token --resource` takes for this resource in `cloud`.
    pub(crate) fn cli_resource(self, cloud: &CloudProfile) -> String {
        match self {
            Resource::Graph => cloud.graph.trim_end_matches('/').to_string(),
            Resource::Arm => cloud.resource_manager.trim_end_matches('/').to_string(),
            Resource::DevOps => cloud.devops_resource_id.to_string(),
        }
    }

    /// Audience values a token for this resource carries in `cloud`.
    fn audiences(self, cloud: &CloudProfile) -> Vec<String> {
        let trim = |s: &str| s.trim_end_matches('/').to_ascii_lowercase();
        match self {
            Resource::Graph => vec![trim(&cloud.graph), GRAPH_APP_ID.into(), "https://graph.microsoft.com".into()],
            Resource::Arm => vec![
                trim(&cloud.resource_manager),
                "https://management.azure.com".into(),
                "https://management.core.windows.net".into(),
            ],
            Resource::DevOps => vec![cloud.devops_resource_id.to_string()],
        }
    }

    /// Refuses, before sending, a token that has expired or was issued for another of
    /// Keyless's resources. Unknown audiences pass: the service is the judge of those.
    pub fn check_token(self, cloud: &CloudProfile, token: &AccessToken) -> Result<(), AuthError> {
        if token.expires_within(std::time::Duration::ZERO) {
            return Err(AuthError::TokenExpired { resource: self });
        }
        let Some(audience) = token.audience() else { return Ok(()) };
        let normalized = audience.trim_end_matches('/').to_ascii_lowercase();
        let other_resource = Resource::ALL
            .into_iter()
            .filter(|r| *r != self)
            .any(|r| r.audiences(cloud).contains(&normalized) && !self.audiences(cloud).contains(&normalized));
        if other_resource {
            let audience = audience.to_string();
            return Err(AuthError::WrongResource { resource: self, audience, cli_resource: self.cli_resource(cloud) });
        }
        Ok(())
    }
}

/// Anything that can hand out an access token for one resource in one tenant
/// (`None` = the signed-in account's home tenant).
///
/// Written with a boxed future (rather than `async fn`) so it can be used as
/// `Arc<dyn TokenSource>`.
pub trait TokenSource: Send + Sync {
    fn token(&self, resource: Resource, tenant: Option<Guid>) -> BoxFuture<'_, Result<AccessToken, AuthError>>;
}

/// Fixed tokens per resource, whatever the tenant: for tests and for tokens handed in by
/// a pipeline.
#[derive(Debug, Clone, Default)]
pub struct StaticTokenSource {
    tokens: HashMap<Resource, AccessToken>,
}

impl StaticTokenSource {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with(mut self, resource: Resource, token: AccessToken) -> Self {
        self.tokens.insert(resource, token);
        self
    }
}

impl TokenSource for StaticTokenSource {
    fn token(&self, resource: Resource, _tenant: Option<Guid>) -> BoxFuture<'_, Result<AccessToken, AuthError>> {
        let found = self.tokens.get(&resource).cloned();
        Box::pin(async move {
            found.ok_or_else(|| AuthError::NotSignedIn(Some(format!("no token was given for {resource}"))))
        })
    }
}

/// How a session was signed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SignInMethod {
    Browser,
    DeviceCode,
    AzureCli,
    /// From a refresh token remembered in the keyring.
    Restored,
}

/// Everything a sign-in needs besides the transport.
#[derive(Clone)]
pub struct SignInOptions {
    pub cloud: CloudProfile,
    /// The public client id; see [`DEFAULT_CLIENT_ID`].
    pub client_id: String,
    /// `--tenant`; `None` signs in through `organizations`.
    pub tenant: Option<AuthorityTenant>,
    /// How long the browser flow waits for the redirect.
    pub timeout: Duration,
    pub login_hint: Option<String>,
    /// "Remember me": where to keep the refresh token. `None` keeps it in memory only.
    pub remember: Option<Arc<dyn RefreshTokenStore>>,
    /// Where `cloud` came from. A profile fetched from a URL never reads or writes a
    /// remembered sign-in, since its authority was chosen by whoever served it.
    pub cloud_source: CloudSource,
    /// Added to the device code polling interval on `slow_down` (RFC 8628: 5 s).
    pub device_code_slow_down_step: Duration,
    /// Bounds on the device code's polling interval and lifetime, whatever the server says.
    pub device_code_limits: DeviceCodeLimits,
}

impl fmt::Debug for SignInOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignInOptions")
            .field("cloud", &self.cloud.name)
            .field("client_id", &self.client_id)
            .field("tenant", &self.tenant)
            .field("timeout", &self.timeout)
            .field("remember", &self.remember.as_ref().map(|s| s.name()))
            .field("cloud_source", &self.cloud_source)
            .finish_non_exhaustive()
    }
}

impl SignInOptions {
    /// Defaults: the Azure CLI client id, `organizations`, 5 minutes, nothing remembered, a
    /// built-in cloud (see [`with_cloud_source`](Self::with_cloud_source)).
    pub fn new(cloud: CloudProfile) -> Self {
        SignInOptions {
            cloud,
            client_id: DEFAULT_CLIENT_ID.to_string(),
            tenant: None,
            timeout: Duration::from_secs(300),
            login_hint: None,
            remember: None,
            cloud_source: CloudSource::BuiltIn,
            device_code_slow_down_step: Duration::from_secs(5),
            device_code_limits: DeviceCodeLimits::default(),
        }
    }

    /// Says where the cloud profile came from ([`ResolvedCloud::source`](crate::cloud_spec::ResolvedCloud)).
    pub fn with_cloud_source(mut self, source: CloudSource) -> Self {
        self.cloud_source = source;
        self
    }

    /// False for a profile fetched from a URL: its remembered sign-ins are neither read nor written.
    pub fn may_use_remembered_sign_in(&self) -> bool {
        self.cloud_source != CloudSource::FetchedFromUrl
    }

    /// Sets `--client-id`, refusing anything that is not a GUID before any request.
    pub fn with_client_id(mut self, client_id: &str) -> Result<Self, InputError> {
        self.client_id = Guid::parse_input("client id", client_id)?.to_string();
        Ok(self)
    }

    /// Sets `--tenant` (a GUID, a domain, `organizations` or `common`).
    pub fn with_tenant(mut self, tenant: &str) -> Result<Self, InputError> {
        self.tenant = Some(AuthorityTenant::parse(tenant)?);
        Ok(self)
    }

    pub fn authority(&self) -> AuthorityTenant {
        self.tenant.clone().unwrap_or_else(AuthorityTenant::organizations)
    }

    /// The tenant GUID when `--tenant` gave one.
    pub fn tenant_id(&self) -> Option<Guid> {
        self.tenant.as_ref().and_then(|t| Guid::parse_input("tenant", t.as_str()).ok())
    }

    /// `{graph}/.default offline_access openid profile`: one resource plus OpenID scopes.
    pub fn first_sign_in_scopes(&self) -> String {
        format!("{} offline_access openid profile", self.cloud.graph_scope())
    }
}

/// Cancels an interactive sign-in from another task (the GUI's Cancel button).
#[derive(Debug, Clone, Default)]
pub struct SignInCancel {
    inner: Arc<(AtomicBool, Notify)>,
}

impl SignInCancel {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn cancel(&self) {
        self.inner.0.store(true, Ordering::SeqCst);
        self.inner.1.notify_waiters();
    }

    pub fn is_cancelled(&self) -> bool {
        self.inner.0.load(Ordering::SeqCst)
    }

    /// Resolves once [`cancel`](Self::cancel) has been called.
    pub async fn cancelled(&self) {
        loop {
            let notified = self.inner.1.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.is_cancelled() {
                return;
            }
            notified.await;
        }
    }
}
