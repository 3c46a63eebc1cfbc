//! Azure Resource Manager (`{resource_manager}/...`, contract §4): tenants, subscriptions,
//! resource groups and locations here; managed identities and their FICs in `identities`;
//! role assignments in `roles`.
//!
//! ARM tokens are per tenant: an [`ArmClient`] lists only what its tenant's token can see.
//! Nothing here retries for replication; the engine decides where to wait.

mod identities;
mod permissions;
mod roles;

use keyless_core::Guid;
use reqwest::Method;
use serde::{Deserialize, Serialize};

pub use identities::{ManagedIdentity, ManagedIdentityFic, ManagedIdentityProperties, PutOutcome};
pub use permissions::PERMISSIONS_API;
pub use roles::{ArmScope, RoleAssignment, RoleAssignmentOutcome, builtin_roles, role_assignment_name};

use crate::client::Endpoint;
use crate::error::AzureError;
use crate::paging::{NextLink, collect_linked_pages};

/// `Microsoft.Resources` subscriptions API (tenants, subscriptions, locations).
pub const SUBSCRIPTIONS_API: &str = "2022-12-01";
/// Resource groups API.
pub const RESOURCE_GROUPS_API: &str = "2021-04-01";

/// ARM with a token of one tenant.
#[derive(Debug, Clone)]
pub struct ArmClient {
    endpoint: Endpoint,
}

/// `GET /tenants`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArmTenant {
    pub tenant_id: Guid,
    pub display_name: Option<String>,
    pub default_domain: Option<String>,
    pub tenant_category: Option<String>,
}

/// `GET /subscriptions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    pub subscription_id: Guid,
    pub display_name: String,
    pub tenant_id: Option<Guid>,
    pub state: Option<String>,
}

/// `GET /subscriptions/{id}/resourcegroups`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceGroup {
    pub id: Option<String>,
    pub name: String,
    pub location: String,
}

/// `GET /subscriptions/{id}/locations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    pub name: String,
    pub display_name: Option<String>,
    #[serde(default)]
    pub regional_display_name: Option<String>,
}

impl ArmClient {
    pub(crate) fn new(endpoint: Endpoint) -> Self {
        ArmClient { endpoint }
    }

    pub(crate) fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// `{resource_manager}/{segments...}?api-version={api}`.
    pub(crate) fn url(&self, segments: &[&str], api: &str) -> Result<url::Url, AzureError> {
        let mut url = self.endpoint.url(&self.endpoint.cloud().resource_manager, segments)?;
        url.query_pairs_mut().append_pair("api-version", api);
        Ok(url)
    }

    pub(crate) async fn list<T: serde::de::DeserializeOwned>(&self, url: url::Url) -> Result<Vec<T>, AzureError> {
        let request = self.endpoint.request(Method::GET, url).await?;
        collect_linked_pages(self.endpoint.http(), request, NextLink::Arm).await
    }

    /// `GET /tenants?api-version=2022-12-01`: the tenants the account can reach.
    pub async fn tenants(&self) -> Result<Vec<ArmTenant>, AzureError> {
        self.list(self.url(&["tenants"], SUBSCRIPTIONS_API)?).await
    }

    /// `GET /subscriptions?api-version=2022-12-01` (all pages; this tenant only).
    pub async fn subscriptions(&self) -> Result<Vec<Subscription>, AzureError> {
        self.list(self.url(&["subscriptions"], SUBSCRIPTIONS_API)?).await
    }

    /// `GET /subscriptions/{id}/resourcegroups?api-version=2021-04-01` (all pages).
    pub async fn resource_groups(&self, subscription: Guid) -> Result<Vec<ResourceGroup>, AzureError> {
        let sub = subscription.to_string();
        self.list(self.url(&["subscriptions", &sub, "resourcegroups"], RESOURCE_GROUPS_API)?).await
    }

    /// `GET /subscriptions/{id}/locations?api-version=2022-12-01`.
    pub async fn locations(&self, subscription: Guid) -> Result<Vec<Location>, AzureError> {
        let sub = subscription.to_string();
        self.list(self.url(&["subscriptions", &sub, "locations"], SUBSCRIPTIONS_API)?).await
    }
}
