//! Azure DevOps REST (contract §5, §6): organization-level clients over `{devops_url(org)}`,
//! `{vssps_url(org)}`, `{vsaex_url(org)}` and the organization-less `{devops_profile}`.
//!
//! Here: profile, accounts, connectionData and projects. Entitlements, identities (vssps
//! Graph), service endpoints and pipelines have their own modules. Every request carries
//! `X-TFS-FedAuthRedirect: Suppress` (the transport adds it). Nothing here retries for
//! replication.

mod definitions;
mod endpoints;
mod entitlements;
mod identities;
mod permissions;
mod pipelines;
pub mod wif_connections;

use keyless_core::names::{OrgName, validate_project_name};
use keyless_core::{Guid, InputError};
use reqwest::Method;
use serde::{Deserialize, Serialize};

pub use definitions::{GitItem, GitRepository, PipelineConfiguration, PipelineDetails, PipelineRepository};
pub use endpoints::{
    EndpointAuthorization, EndpointExecution, EndpointExecutionData, EndpointExecutionDefinition, EndpointFilter,
    EndpointProjectReference, ProjectReference, ServiceEndpoint, TestConnectionResult,
};
pub use entitlements::{
    AccessLevel, EntitlementPatch, GroupType, LicenseType, ProjectEntitlement, ServicePrincipalEntitlement,
    ServicePrincipalRef,
};
pub use identities::{GraphGroup, GraphServicePrincipal};
pub use permissions::{
    COLLECTION_GENERIC_WRITE, COLLECTION_NAMESPACE, ENDPOINT_ADMINISTER, ENDPOINT_CREATE, SERVICE_ENDPOINTS_NAMESPACE,
};
pub use pipelines::{Pipeline, PipelinePermission, PipelinePermissions};

use crate::client::{Endpoint, not_found_as_none};
use crate::error::AzureError;
use crate::paging::collect_continuation_pages;

/// Core API version (projects, service endpoints, pipelines, profile, accounts).
pub const CORE_API: &str = "7.1";
/// Preview APIs: entitlements, vssps Graph, endpointproxy, pipeline permissions.
pub const PREVIEW_API: &str = "7.1-preview.1";

/// The organization-less Azure DevOps APIs: profile and accounts.
#[derive(Debug, Clone)]
pub struct ProfileClient {
    endpoint: Endpoint,
}

/// `GET _apis/profile/profiles/me`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    /// The member id used by the accounts API.
    pub id: Guid,
    pub display_name: Option<String>,
    pub public_alias: Option<String>,
    pub email_address: Option<String>,
}

/// One organization from `GET _apis/accounts?memberId=`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DevOpsAccount {
    /// The organization id.
    pub account_id: Guid,
    pub account_name: String,
    pub account_uri: Option<String>,
}

impl ProfileClient {
    pub(crate) fn new(endpoint: Endpoint) -> Self {
        ProfileClient { endpoint }
    }

    fn url(&self, segments: &[&str]) -> Result<url::Url, AzureError> {
        let mut url = self.endpoint.url(&self.endpoint.cloud().devops_profile, segments)?;
        url.query_pairs_mut().append_pair("api-version", CORE_API);
        Ok(url)
    }

    /// `GET {devops_profile}/_apis/profile/profiles/me?api-version=7.1`.
    pub async fn me(&self) -> Result<Profile, AzureError> {
        self.endpoint.get(self.url(&["_apis", "profile", "profiles", "me"])?).await
    }

    /// `GET {devops_profile}/_apis/accounts?memberId={id}&api-version=7.1`: the organizations
    /// the member belongs to (of the token's tenant).
    pub async fn accounts(&self, member_id: Guid) -> Result<Vec<DevOpsAccount>, AzureError> {
        let mut url = self.url(&["_apis", "accounts"])?;
        url.query_pairs_mut().append_pair("memberId", &member_id.to_string());
        let request = self.endpoint.request(Method::GET, url).await?;
        collect_continuation_pages(self.endpoint.http(), request).await
    }
}

/// One Azure DevOps organization.
#[derive(Debug, Clone)]
pub struct DevOpsClient {
    endpoint: Endpoint,
    org: OrgName,
}

/// `GET {devops}/_apis/connectionData` plus the tenant header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionData {
    /// The organization id (`System.CollectionId`, the `/sc/{orgId}/` subject segment).
    pub instance_id: Guid,
    #[serde(default)]
    pub authenticated_user: Option<serde_json::Value>,
    /// From `X-VSS-ResourceTenant`: the connected Entra tenant.
    #[serde(skip_deserializing)]
    pub resource_tenant: Option<Guid>,
}

/// A project (`_apis/projects`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Project {
    pub id: Guid,
    pub name: String,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub visibility: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

impl DevOpsClient {
    pub(crate) fn new(endpoint: Endpoint, org: OrgName) -> Self {
        DevOpsClient { endpoint, org }
    }

    pub fn org(&self) -> &OrgName {
        &self.org
    }

    /// The tenant whose token this client uses.
    pub fn tenant(&self) -> Option<Guid> {
        self.endpoint.tenant()
    }

    pub(crate) fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// `{base}/{segments}?api-version={api}` where base is one of the org's hosts.
    pub(crate) fn url_on(&self, base: &str, segments: &[&str], api: Option<&str>) -> Result<url::Url, AzureError> {
        let mut url = self.endpoint.url(base, segments)?;
        if let Some(api) = api {
            url.query_pairs_mut().append_pair("api-version", api);
        }
        Ok(url)
    }

    pub(crate) fn core_url(&self, segments: &[&str], api: Option<&str>) -> Result<url::Url, AzureError> {
        self.url_on(&self.endpoint.cloud().devops_url(&self.org), segments, api)
    }

    /// `GET {devops}/_apis/connectionData`: the organization id and connected tenant.
    pub async fn connection_data(&self) -> Result<ConnectionData, AzureError> {
        let request = self.endpoint.request(Method::GET, self.core_url(&["_apis", "connectionData"], None)?).await?;
        let response = self.endpoint.send(request).await?;
        let mut data: ConnectionData = response.json()?;
        data.resource_tenant = response
            .header("x-vss-resourcetenant")
            .and_then(|v| v.split(',').find_map(|t| Guid::parse_input("X-VSS-ResourceTenant", t.trim()).ok()));
        Ok(data)
    }

    /// `GET {devops}/_apis/projects?api-version=7.1` (all pages).
    pub async fn projects(&self) -> Result<Vec<Project>, AzureError> {
        let mut url = self.core_url(&["_apis", "projects"], Some(CORE_API))?;
        url.query_pairs_mut().append_pair("$top", "100");
        let request = self.endpoint.request(Method::GET, url).await?;
        collect_continuation_pages(self.endpoint.http(), request).await
    }

    /// `GET {devops}/_apis/projects/{idOrName}?api-version=7.1`; `None` when absent.
    pub async fn project(&self, id_or_name: &str) -> Result<Option<Project>, AzureError> {
        project_segment(id_or_name)?;
        not_found_as_none(self.endpoint.get(self.core_url(&["_apis", "projects", id_or_name], Some(CORE_API))?).await)
    }
}

/// Checks a project given by id or name before it goes into a path.
pub(crate) fn project_segment(id_or_name: &str) -> Result<(), InputError> {
    if Guid::parse_input("project", id_or_name).is_ok() {
        return Ok(());
    }
    validate_project_name(id_or_name)
}
