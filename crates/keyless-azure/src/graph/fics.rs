//! Federated identity credentials on app registrations (contract §3.4):
//! `/applications/{id}/federatedIdentityCredentials[/{idOrName}]`, the `(name='..')` upsert
//! with `Prefer: create-if-missing`.
//!
//! Values are checked locally (name rules, 600-character limits) before anything is sent.
//! Serialising writes per application is the engine's job.

use keyless_core::Guid;
use keyless_core::federation::{TOKEN_EXCHANGE_AUDIENCE, validate_fic_name, validate_fic_value};
use reqwest::Method;
use serde::{Deserialize, Serialize};

use crate::client::not_found_as_none;
use crate::error::AzureError;
use crate::graph::GraphClient;
use crate::paging::{NextLink, collect_linked_pages};

/// How to address an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppRef {
    /// The application object id (`/applications/{id}`).
    ObjectId(Guid),
    /// The client id (`/applications(appId='{appId}')`).
    AppId(Guid),
}

impl AppRef {
    fn segments(&self) -> Vec<String> {
        match self {
            AppRef::ObjectId(id) => vec!["applications".into(), id.to_string()],
            AppRef::AppId(id) => vec![format!("applications(appId='{id}')")],
        }
    }
}

/// The body of a new or updated FIC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewFederatedCredential {
    pub name: String,
    pub issuer: String,
    pub subject: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub audiences: Vec<String>,
}

impl NewFederatedCredential {
    /// A credential for an Azure DevOps connection: audience `api://AzureADTokenExchange`.
    pub fn for_devops(name: impl Into<String>, issuer: impl Into<String>, subject: impl Into<String>) -> Self {
        NewFederatedCredential {
            name: name.into(),
            issuer: issuer.into(),
            subject: subject.into(),
            description: None,
            audiences: vec![TOKEN_EXCHANGE_AUDIENCE.to_string()],
        }
    }

    fn validate(&self) -> Result<(), AzureError> {
        validate_fic_name(&self.name)?;
        validate_fic_value("issuer", &self.issuer)?;
        validate_fic_value("subject", &self.subject)?;
        Ok(())
    }
}

/// A FIC as Graph returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FederatedCredential {
    pub id: Option<Guid>,
    pub name: String,
    pub issuer: String,
    pub subject: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub audiences: Vec<String>,
}

/// What an upsert did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpsertOutcome {
    /// 201: the credential did not exist.
    Created(Option<FederatedCredential>),
    /// 204: an existing credential was updated.
    Updated,
}

impl GraphClient {
    fn fic_url(&self, app: AppRef, tail: &[&str]) -> Result<url::Url, AzureError> {
        let mut segments = app.segments();
        segments.push("federatedIdentityCredentials".into());
        segments.extend(tail.iter().map(|s| s.to_string()));
        let refs: Vec<&str> = segments.iter().map(String::as_str).collect();
        self.url(&refs)
    }

    /// `GET .../federatedIdentityCredentials` (all pages).
    pub async fn list_app_fics(&self, app: AppRef) -> Result<Vec<FederatedCredential>, AzureError> {
        let request = self.endpoint().request(Method::GET, self.fic_url(app, &[])?).await?;
        collect_linked_pages(self.endpoint().http(), request, NextLink::OData).await
    }

    /// `GET .../federatedIdentityCredentials/{idOrName}`; `None` when absent.
    pub async fn get_app_fic(&self, app: AppRef, id_or_name: &str) -> Result<Option<FederatedCredential>, AzureError> {
        not_found_as_none(self.endpoint().get(self.fic_url(app, &[id_or_name])?).await)
    }

    /// `POST .../federatedIdentityCredentials` (201).
    pub async fn create_app_fic(
        &self,
        app: AppRef,
        fic: &NewFederatedCredential,
    ) -> Result<FederatedCredential, AzureError> {
        fic.validate()?;
        self.endpoint().send_json(Method::POST, self.fic_url(app, &[])?, fic).await
    }

    /// `PATCH .../federatedIdentityCredentials(name='{name}')` with `Prefer: create-if-missing`:
    /// 201 created, 204 updated.
    pub async fn upsert_app_fic(&self, app: AppRef, fic: &NewFederatedCredential) -> Result<UpsertOutcome, AzureError> {
        fic.validate()?;
        let mut segments = app.segments();
        segments.push(format!("federatedIdentityCredentials(name='{}')", fic.name));
        let refs: Vec<&str> = segments.iter().map(String::as_str).collect();
        let url = self.url(&refs)?;
        let request =
            self.endpoint().request(Method::PATCH, url).await?.header("prefer", "create-if-missing").json(fic);
        let response = self.endpoint().send(request).await?;
        if response.status == 201 {
            let created = if response.body.is_empty() { None } else { Some(response.json()?) };
            Ok(UpsertOutcome::Created(created))
        } else {
            Ok(UpsertOutcome::Updated)
        }
    }

    /// `DELETE .../federatedIdentityCredentials/{idOrName}` (204).
    pub async fn delete_app_fic(&self, app: AppRef, id_or_name: &str) -> Result<(), AzureError> {
        self.endpoint().send_empty(Method::DELETE, self.fic_url(app, &[id_or_name])?).await?;
        Ok(())
    }
}
