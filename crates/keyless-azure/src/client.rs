//! The entry point to the resource clients: [`AzureClient`] ties the transport, the cloud
//! profile and a [`TokenSource`] together and hands out one client per service.
//!
//! [`Endpoint`] is what every resource module builds on: it fetches the right token for its
//! resource and tenant, refuses it locally when it is expired or for another resource, and
//! builds URLs from the cloud profile's bases with every user-given segment percent-encoded.
//! This module has no knowledge of any particular REST path.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use keyless_core::names::OrgName;
use keyless_core::{CloudProfile, Guid, InputError};
use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

use crate::arm::ArmClient;
use crate::auth::{Resource, Session, TokenSource, discover_org_tenant};
use crate::devops::{DevOpsClient, ProfileClient};
use crate::error::{AzureError, ErrorCode};
use crate::graph::GraphClient;
use crate::transport::{ApiRequest, ApiResponse, AzureHttp};

/// Everything needed to call Graph, ARM and Azure DevOps for one signed-in identity.
#[derive(Clone)]
pub struct AzureClient {
    http: AzureHttp,
    cloud: Arc<CloudProfile>,
    tokens: Arc<dyn TokenSource>,
    /// Connected tenant per organization, discovered once (`None` = MSA-backed).
    org_tenants: Arc<Mutex<HashMap<OrgName, Option<Guid>>>>,
    /// Whether the home tenant's Azure DevOps token was asked for ahead of discovery: once per
    /// client, so an account without one is not asked again for every organization.
    home_devops_token_asked: Arc<AtomicBool>,
}

impl std::fmt::Debug for AzureClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AzureClient").field("cloud", &self.cloud.name).finish_non_exhaustive()
    }
}

impl AzureClient {
    pub fn new(http: AzureHttp, cloud: CloudProfile, tokens: Arc<dyn TokenSource>) -> Self {
        // Confined here, so no resource client can be pointed at a host outside the profile.
        let http = http.confined_to(&cloud);
        AzureClient {
            http,
            cloud: Arc::new(cloud),
            tokens,
            org_tenants: Arc::new(Mutex::new(HashMap::new())),
            home_devops_token_asked: Arc::new(AtomicBool::new(false)),
        }
    }

    /// A client using a session's transport, cloud and tokens.
    pub fn for_session(session: &Session) -> Self {
        Self::new(session.http().clone(), session.cloud().clone(), Arc::new(session.clone()))
    }

    pub fn http(&self) -> &AzureHttp {
        &self.http
    }

    pub fn cloud(&self) -> &CloudProfile {
        &self.cloud
    }

    /// Microsoft Graph in `tenant` (`None` = the account's home tenant).
    pub fn graph(&self, tenant: Option<Guid>) -> GraphClient {
        GraphClient::new(self.endpoint(Resource::Graph, tenant))
    }

    /// Azure Resource Manager with a token of `tenant` (ARM tokens are per tenant).
    pub fn arm(&self, tenant: Option<Guid>) -> ArmClient {
        ArmClient::new(self.endpoint(Resource::Arm, tenant))
    }

    /// The organization-less profile and accounts APIs (`app.vssps.visualstudio.com`).
    pub fn devops_profile(&self, tenant: Option<Guid>) -> ProfileClient {
        ProfileClient::new(self.endpoint(Resource::DevOps, tenant))
    }

    /// An Azure DevOps organization, with a token from its connected tenant (discovered from
    /// `X-VSS-ResourceTenant` on first use and remembered).
    pub async fn devops(&self, org: &OrgName) -> Result<DevOpsClient, AzureError> {
        let known = self.org_tenants.lock().ok().and_then(|map| map.get(org).copied());
        let tenant = match known {
            Some(tenant) => tenant,
            None => {
                // The tenant is known only once discovery answers, and it is nearly always the
                // signed-in account's own: that tenant's token is asked for meanwhile (and
                // cached), so the organization's first request does not wait for Entra after.
                let (tenant, _) = futures::join!(
                    discover_org_tenant(&self.http, &self.cloud, org),
                    self.prefetch_home_devops_token()
                );
                let tenant = tenant?;
                if let Ok(mut map) = self.org_tenants.lock() {
                    map.insert(org.clone(), tenant);
                }
                tenant
            }
        };
        Ok(self.devops_in_tenant(org, tenant))
    }

    /// Asks for the Azure DevOps token of the account's home tenant, the first time only; a
    /// failure is left for the request that needs the token to report.
    async fn prefetch_home_devops_token(&self) {
        if self.home_devops_token_asked.swap(true, Ordering::Relaxed) {
            return;
        }
        if let Err(error) = self.tokens.token(Resource::DevOps, None).await {
            tracing::debug!(%error, "no Azure DevOps token for the home tenant ahead of discovery");
        }
    }

    /// An Azure DevOps organization with a token from `tenant`, without discovery.
    pub fn devops_in_tenant(&self, org: &OrgName, tenant: Option<Guid>) -> DevOpsClient {
        DevOpsClient::new(self.endpoint(Resource::DevOps, tenant), org.clone())
    }

    fn endpoint(&self, resource: Resource, tenant: Option<Guid>) -> Endpoint {
        Endpoint { client: self.clone(), resource, tenant }
    }
}

/// One resource in one tenant: the building block of every resource client.
#[derive(Clone)]
pub struct Endpoint {
    client: AzureClient,
    resource: Resource,
    tenant: Option<Guid>,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint").field("resource", &self.resource).field("tenant", &self.tenant).finish()
    }
}

impl Endpoint {
    pub fn cloud(&self) -> &CloudProfile {
        &self.client.cloud
    }

    pub fn http(&self) -> &AzureHttp {
        &self.client.http
    }

    pub fn tenant(&self) -> Option<Guid> {
        self.tenant
    }

    /// `base` joined with `segments`, each percent-encoded as one path segment.
    pub fn url(&self, base: &str, segments: &[&str]) -> Result<Url, AzureError> {
        let mut url = Url::parse(base.trim_end_matches('/')).map_err(|e| {
            AzureError::Input(InputError::new(
                "cloud profile",
                format!("base URL '{base}' is invalid: {e}"),
                "fix the cloud profile (--cloud)",
            ))
        })?;
        {
            let mut path = url.path_segments_mut().map_err(|()| {
                AzureError::Input(InputError::new(
                    "cloud profile",
                    format!("'{base}' cannot have a path"),
                    "fix the cloud profile",
                ))
            })?;
            path.pop_if_empty();
            for segment in segments {
                path.push(segment);
            }
        }
        Ok(url)
    }

    /// A request carrying a token for this endpoint's resource and tenant.
    pub async fn request(&self, method: Method, url: Url) -> Result<ApiRequest, AzureError> {
        let token = self.client.tokens.token(self.resource, self.tenant).await?;
        self.resource.check_token(&self.client.cloud, &token)?;
        Ok(ApiRequest::new(self.resource.service(), method, url).bearer(token))
    }

    pub async fn send(&self, request: ApiRequest) -> Result<ApiResponse, AzureError> {
        self.client.http.send(request).await
    }

    pub async fn get<T: DeserializeOwned>(&self, url: Url) -> Result<T, AzureError> {
        let request = self.request(Method::GET, url).await?;
        self.client.http.send_json(request).await
    }

    /// GET that turns 404 into `None`.
    pub async fn get_optional<T: DeserializeOwned>(&self, url: Url) -> Result<Option<T>, AzureError> {
        not_found_as_none(self.get(url).await)
    }

    pub async fn send_json<T: DeserializeOwned>(
        &self,
        method: Method,
        url: Url,
        body: &impl Serialize,
    ) -> Result<T, AzureError> {
        let request = self.request(method, url).await?.json(body);
        self.client.http.send_json(request).await
    }

    /// Sends without a body and expects no content back (DELETE and friends).
    pub async fn send_empty(&self, method: Method, url: Url) -> Result<ApiResponse, AzureError> {
        let request = self.request(method, url).await?;
        self.client.http.send(request).await
    }
}

/// Maps a NotFound error to `Ok(None)`.
pub fn not_found_as_none<T>(result: Result<T, AzureError>) -> Result<Option<T>, AzureError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(error) if error.code() == ErrorCode::NotFound => Ok(None),
        Err(error) => Err(error),
    }
}

/// Quotes a value for an OData `$filter` (`'` doubles).
pub fn odata_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}
