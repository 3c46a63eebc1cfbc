//! User-assigned managed identities and their FICs (contract §4.2, §4.3), api-version
//! 2024-11-30: `/subscriptions/{sub}/resourceGroups/{rg}/providers/
//! Microsoft.ManagedIdentity/userAssignedIdentities/{name}[/federatedIdentityCredentials/{fic}]`.
//!
//! FIC writes on one identity must be sequential (409 otherwise); the engine serialises them.

use std::collections::BTreeMap;

use keyless_core::Guid;
use keyless_core::federation::{TOKEN_EXCHANGE_AUDIENCE, validate_fic_name, validate_fic_value};
use keyless_core::names::{
    validate_managed_identity_name, validate_managed_identity_region, validate_resource_group_name,
};
use reqwest::Method;
use serde::{Deserialize, Serialize};

use crate::arm::ArmClient;
use crate::client::not_found_as_none;
use crate::error::AzureError;

/// Managed identity API version (FICs exist since 2023-01-31).
pub const MANAGED_IDENTITY_API: &str = "2024-11-30";

const PROVIDER: &str = "Microsoft.ManagedIdentity";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagedIdentityProperties {
    /// The client id (`serviceprincipalid` of a service connection).
    pub client_id: Guid,
    /// The SP object id (RBAC `principalId`, Azure DevOps `originId`).
    pub principal_id: Guid,
    pub tenant_id: Guid,
    #[serde(default)]
    pub isolation_scope: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagedIdentity {
    pub id: String,
    pub name: String,
    pub location: String,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    pub properties: ManagedIdentityProperties,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagedIdentityFicProperties {
    pub issuer: String,
    pub subject: String,
    pub audiences: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagedIdentityFic {
    pub id: Option<String>,
    pub name: String,
    pub properties: ManagedIdentityFicProperties,
}

/// Whether a PUT created (201) or replaced (200) the resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutOutcome<T> {
    pub resource: T,
    pub created: bool,
}

impl ArmClient {
    fn identity_segments(&self, subscription: Guid, resource_group: &str, name: Option<&str>) -> Vec<String> {
        let mut segments = vec![
            "subscriptions".to_string(),
            subscription.to_string(),
            "resourceGroups".into(),
            resource_group.into(),
            "providers".into(),
            PROVIDER.into(),
            "userAssignedIdentities".into(),
        ];
        segments.extend(name.map(str::to_string));
        segments
    }

    fn identity_url(&self, segments: &[String]) -> Result<url::Url, AzureError> {
        let refs: Vec<&str> = segments.iter().map(String::as_str).collect();
        self.url(&refs, MANAGED_IDENTITY_API)
    }

    /// `PUT .../userAssignedIdentities/{name}` with `location` and `tags`.
    pub async fn create_managed_identity(
        &self,
        subscription: Guid,
        resource_group: &str,
        name: &str,
        location: &str,
        tags: &BTreeMap<String, String>,
    ) -> Result<PutOutcome<ManagedIdentity>, AzureError> {
        validate_resource_group_name(resource_group)?;
        validate_managed_identity_name(name)?;
        validate_managed_identity_region(location)?;
        let url = self.identity_url(&self.identity_segments(subscription, resource_group, Some(name)))?;
        let body = serde_json::json!({ "location": location, "tags": tags });
        let request = self.endpoint().request(Method::PUT, url).await?.json(&body);
        let response = self.endpoint().send(request).await?;
        Ok(PutOutcome { created: response.status == 201, resource: response.json()? })
    }

    /// `GET .../userAssignedIdentities/{name}`; `None` when absent.
    pub async fn managed_identity(
        &self,
        subscription: Guid,
        resource_group: &str,
        name: &str,
    ) -> Result<Option<ManagedIdentity>, AzureError> {
        validate_resource_group_name(resource_group)?;
        validate_managed_identity_name(name)?;
        let url = self.identity_url(&self.identity_segments(subscription, resource_group, Some(name)))?;
        not_found_as_none(self.endpoint().get(url).await)
    }

    /// Lists identities in a resource group, or in the whole subscription when `None`.
    pub async fn list_managed_identities(
        &self,
        subscription: Guid,
        resource_group: Option<&str>,
    ) -> Result<Vec<ManagedIdentity>, AzureError> {
        let segments = match resource_group {
            Some(rg) => {
                validate_resource_group_name(rg)?;
                self.identity_segments(subscription, rg, None)
            }
            None => vec![
                "subscriptions".into(),
                subscription.to_string(),
                "providers".into(),
                PROVIDER.into(),
                "userAssignedIdentities".into(),
            ],
        };
        self.list(self.identity_url(&segments)?).await
    }

    /// `DELETE .../userAssignedIdentities/{name}` (200 or 204).
    pub async fn delete_managed_identity(
        &self,
        subscription: Guid,
        resource_group: &str,
        name: &str,
    ) -> Result<(), AzureError> {
        validate_resource_group_name(resource_group)?;
        validate_managed_identity_name(name)?;
        let url = self.identity_url(&self.identity_segments(subscription, resource_group, Some(name)))?;
        self.endpoint().send_empty(Method::DELETE, url).await?;
        Ok(())
    }

    fn fic_url(
        &self,
        subscription: Guid,
        resource_group: &str,
        identity: &str,
        fic: Option<&str>,
    ) -> Result<url::Url, AzureError> {
        validate_resource_group_name(resource_group)?;
        validate_managed_identity_name(identity)?;
        let mut segments = self.identity_segments(subscription, resource_group, Some(identity));
        segments.push("federatedIdentityCredentials".into());
        segments.extend(fic.map(str::to_string));
        self.identity_url(&segments)
    }

    /// `PUT .../federatedIdentityCredentials/{name}` with audience `api://AzureADTokenExchange`.
    pub async fn put_managed_identity_fic(
        &self,
        subscription: Guid,
        resource_group: &str,
        identity: &str,
        name: &str,
        issuer: &str,
        subject: &str,
    ) -> Result<PutOutcome<ManagedIdentityFic>, AzureError> {
        validate_fic_name(name)?;
        validate_fic_value("issuer", issuer)?;
        validate_fic_value("subject", subject)?;
        let url = self.fic_url(subscription, resource_group, identity, Some(name))?;
        let body = serde_json::json!({"properties": {"issuer": issuer, "subject": subject, "audiences": [TOKEN_EXCHANGE_AUDIENCE]}});
        let request = self.endpoint().request(Method::PUT, url).await?.json(&body);
        let response = self.endpoint().send(request).await?;
        Ok(PutOutcome { created: response.status == 201, resource: response.json()? })
    }

    /// `GET .../federatedIdentityCredentials/{name}`; `None` when absent.
    pub async fn managed_identity_fic(
        &self,
        subscription: Guid,
        resource_group: &str,
        identity: &str,
        name: &str,
    ) -> Result<Option<ManagedIdentityFic>, AzureError> {
        validate_fic_name(name)?;
        not_found_as_none(self.endpoint().get(self.fic_url(subscription, resource_group, identity, Some(name))?).await)
    }

    /// `GET .../federatedIdentityCredentials` (all pages).
    pub async fn list_managed_identity_fics(
        &self,
        subscription: Guid,
        resource_group: &str,
        identity: &str,
    ) -> Result<Vec<ManagedIdentityFic>, AzureError> {
        self.list(self.fic_url(subscription, resource_group, identity, None)?).await
    }

    /// `DELETE .../federatedIdentityCredentials/{name}`.
    pub async fn delete_managed_identity_fic(
        &self,
        subscription: Guid,
        resource_group: &str,
        identity: &str,
        name: &str,
    ) -> Result<(), AzureError> {
        validate_fic_name(name)?;
        let url = self.fic_url(subscription, resource_group, identity, Some(name))?;
        self.endpoint().send_empty(Method::DELETE, url).await?;
        Ok(())
    }
}
