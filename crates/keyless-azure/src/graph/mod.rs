//! Microsoft Graph v1.0 (`{graph}/v1.0/...`, contract §3): who am I, the tenant, app
//! registrations, service principals and their federated identity credentials.
//!
//! Thin typed calls only: no retries for replication (the engine wraps
//! `create_service_principal` in the consistency policy) and no decisions about names.

mod applications;
mod fics;
mod permissions;

use keyless_core::Guid;
use serde::{Deserialize, Serialize};

pub use applications::{AppCredential, Application, NewApplication, ServicePrincipal, SignInAudience};
pub use fics::{AppRef, FederatedCredential, NewFederatedCredential, UpsertOutcome};
pub use permissions::{AuthorizationPolicy, DefaultUserRolePermissions};

use crate::client::Endpoint;
use crate::error::AzureError;

/// Graph for one tenant.
#[derive(Debug, Clone)]
pub struct GraphClient {
    endpoint: Endpoint,
}

/// `GET /me`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphUser {
    pub id: Guid,
    pub user_principal_name: Option<String>,
    pub display_name: Option<String>,
    #[serde(default)]
    pub mail: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifiedDomain {
    pub name: String,
    #[serde(default)]
    pub is_default: bool,
}

/// `GET /organization`: the tenant itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    pub id: Guid,
    pub display_name: Option<String>,
    #[serde(default)]
    pub verified_domains: Vec<VerifiedDomain>,
}

#[derive(Deserialize)]
struct ValueList<T> {
    value: Vec<T>,
}

impl GraphClient {
    pub(crate) fn new(endpoint: Endpoint) -> Self {
        GraphClient { endpoint }
    }

    pub(crate) fn url(&self, segments: &[&str]) -> Result<url::Url, AzureError> {
        let base = format!("{}/v1.0", self.endpoint.cloud().graph.trim_end_matches('/'));
        self.endpoint.url(&base, segments)
    }

    pub(crate) fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// `GET /me`: the signed-in user.
    pub async fn me(&self) -> Result<GraphUser, AzureError> {
        self.endpoint.get(self.url(&["me"])?).await
    }

    /// `GET /organization`: the tenant of the token (`value[0]`).
    pub async fn organization(&self) -> Result<Vec<Organization>, AzureError> {
        let list: ValueList<Organization> = self.endpoint.get(self.url(&["organization"])?).await?;
        Ok(list.value)
    }
}
