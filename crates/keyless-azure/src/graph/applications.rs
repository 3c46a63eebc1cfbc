//! Graph applications and service principals (contract §3.2, §3.3): `/applications`,
//! `/applications(appId='..')`, `/servicePrincipals`, `/servicePrincipals(appId='..')`.

use keyless_core::{Guid, names::validate_app_display_name};
use reqwest::Method;
use serde::{Deserialize, Serialize};

use crate::client::{not_found_as_none, odata_quote};
use crate::error::AzureError;
use crate::graph::GraphClient;
use crate::paging::{NextLink, collect_linked_pages};

/// Who may sign in to an app. Keyless creates single-tenant apps: multitenant ones fail with
/// the Entra issuer (AADSTS70052).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum SignInAudience {
    #[default]
    AzureADMyOrg,
    AzureADMultipleOrgs,
    AzureADandPersonalMicrosoftAccount,
    PersonalMicrosoftAccount,
}

/// `POST /applications` body. `sign_in_audience` is always sent: the service default
/// differs between API versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewApplication {
    pub display_name: String,
    pub sign_in_audience: SignInAudience,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_management_reference: Option<String>,
}

impl NewApplication {
    pub fn single_tenant(display_name: impl Into<String>) -> Self {
        NewApplication {
            display_name: display_name.into(),
            sign_in_audience: SignInAudience::AzureADMyOrg,
            notes: None,
            service_management_reference: None,
        }
    }
}

/// An app registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Application {
    /// The application object id.
    pub id: Guid,
    /// The client id.
    pub app_id: Guid,
    pub display_name: Option<String>,
    pub sign_in_audience: Option<String>,
    /// Client secrets (Graph never returns their values).
    #[serde(default)]
    pub password_credentials: Vec<AppCredential>,
    /// Certificates.
    #[serde(default)]
    pub key_credentials: Vec<AppCredential>,
}

/// A client secret or certificate of an app registration: when it ends, never its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppCredential {
    #[serde(default)]
    pub key_id: Option<Guid>,
    #[serde(default)]
    pub display_name: Option<String>,
    /// RFC 3339.
    #[serde(default)]
    pub end_date_time: Option<String>,
}

/// A service principal (enterprise application) or managed identity principal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServicePrincipal {
    /// The SP object id: RBAC `principalId` and the Azure DevOps entitlement `originId`.
    pub id: Guid,
    pub app_id: Guid,
    pub display_name: Option<String>,
    #[serde(default)]
    pub service_principal_type: Option<String>,
    #[serde(default)]
    pub app_owner_organization_id: Option<Guid>,
}

impl GraphClient {
    /// `POST /applications`.
    pub async fn create_application(&self, app: &NewApplication) -> Result<Application, AzureError> {
        validate_app_display_name(&app.display_name)?;
        self.endpoint().send_json(Method::POST, self.url(&["applications"])?, app).await
    }

    /// `GET /applications(appId='{appId}')`; `None` when no such app is visible.
    pub async fn application_by_app_id(&self, app_id: Guid) -> Result<Option<Application>, AzureError> {
        let segment = format!("applications(appId='{app_id}')");
        self.endpoint().get_optional(self.url(&[&segment])?).await
    }

    /// `GET /applications/{objectId}`.
    pub async fn application(&self, object_id: Guid) -> Result<Option<Application>, AzureError> {
        self.endpoint().get_optional(self.url(&["applications", &object_id.to_string()])?).await
    }

    /// `GET /applications?$filter=displayName eq '{name}'` (all pages).
    pub async fn applications_by_display_name(&self, name: &str) -> Result<Vec<Application>, AzureError> {
        let mut url = self.url(&["applications"])?;
        url.query_pairs_mut().append_pair("$filter", &format!("displayName eq {}", odata_quote(name)));
        self.list_applications_at(url).await
    }

    /// `GET /applications?$filter=startswith(displayName,'{prefix}')&$top={top}`: one page of
    /// apps whose name starts with `prefix` (Graph compares case-insensitively), for pickers.
    pub async fn applications_starting_with(&self, prefix: &str, top: usize) -> Result<Vec<Application>, AzureError> {
        #[derive(serde::Deserialize)]
        struct Page {
            value: Vec<Application>,
        }
        let mut url = self.url(&["applications"])?;
        url.query_pairs_mut()
            .append_pair("$filter", &format!("startswith(displayName,{})", odata_quote(prefix)))
            .append_pair("$top", &top.to_string());
        let page: Page = self.endpoint().get(url).await?;
        Ok(page.value)
    }

    /// `GET /applications` (all pages).
    pub async fn list_applications(&self) -> Result<Vec<Application>, AzureError> {
        self.list_applications_at(self.url(&["applications"])?).await
    }

    async fn list_applications_at(&self, url: url::Url) -> Result<Vec<Application>, AzureError> {
        let request = self.endpoint().request(Method::GET, url).await?;
        collect_linked_pages(self.endpoint().http(), request, NextLink::OData).await
    }

    /// `POST /servicePrincipals {"appId"}`. Right after `create_application` this can fail
    /// with a replication error (`AzureError::is_replication_delay`); wrap it in the
    /// consistency policy.
    pub async fn create_service_principal(&self, app_id: Guid) -> Result<ServicePrincipal, AzureError> {
        let body = serde_json::json!({ "appId": app_id });
        self.endpoint().send_json(Method::POST, self.url(&["servicePrincipals"])?, &body).await
    }

    /// `GET /servicePrincipals(appId='{appId}')`; `None` when the app has none (yet).
    pub async fn service_principal_by_app_id(&self, app_id: Guid) -> Result<Option<ServicePrincipal>, AzureError> {
        let segment = format!("servicePrincipals(appId='{app_id}')");
        not_found_as_none(self.endpoint().get(self.url(&[&segment])?).await)
    }

    /// `DELETE /applications/{objectId}` (the app goes to deleted items, with its service
    /// principal and credentials).
    pub async fn delete_application(&self, object_id: Guid) -> Result<(), AzureError> {
        self.endpoint()
            .send_empty(Method::DELETE, self.url(&["applications", &object_id.to_string()])?)
            .await
            .map(|_| ())
    }

    /// `POST /applications/{objectId}/removePassword` with `{"keyId"}` (204): removes one
    /// client secret. Graph never returns a secret's value, so nothing secret is sent or read.
    pub async fn remove_password(&self, object_id: Guid, key_id: Guid) -> Result<(), AzureError> {
        let url = self.url(&["applications", &object_id.to_string(), "removePassword"])?;
        let body = serde_json::json!({ "keyId": key_id.to_string() });
        let request = self.endpoint().request(Method::POST, url).await?.json(&body);
        self.endpoint().send(request).await?;
        Ok(())
    }

    /// `GET /applications/{objectId}/owners`: object ids of the app's owners.
    pub async fn application_owners(&self, object_id: Guid) -> Result<Vec<Guid>, AzureError> {
        #[derive(serde::Deserialize)]
        struct Owner {
            id: Guid,
        }
        let request = self
            .endpoint()
            .request(Method::GET, self.url(&["applications", &object_id.to_string(), "owners"])?)
            .await?;
        let owners: Vec<Owner> = collect_linked_pages(self.endpoint().http(), request, NextLink::OData).await?;
        Ok(owners.into_iter().map(|o| o.id).collect())
    }

    /// `DELETE /servicePrincipals/{objectId}`.
    pub async fn delete_service_principal(&self, object_id: Guid) -> Result<(), AzureError> {
        self.endpoint()
            .send_empty(Method::DELETE, self.url(&["servicePrincipals", &object_id.to_string()])?)
            .await
            .map(|_| ())
    }
}
