//! Service principal entitlements (contract §5.5): `{vsaex}/_apis/serviceprincipalentitlements`
//! at api-version 7.1-preview.1: add, get, patch (JSON Patch), delete.
//!
//! These APIs answer HTTP 200 even when they fail; the body's `isSuccess: false` and its
//! `(key) value` errors become a [`ServiceError`] here, so VS403283 ("could not add user at
//! this time", a replication delay) is recognisable as `ErrorCode::Replication`.

use keyless_core::Guid;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::client::not_found_as_none;
use crate::devops::{DevOpsClient, PREVIEW_API};
use crate::error::{AzureError, Service, ServiceError};
use crate::error_parse::{aadsts_code_in, devops_code_in};
use crate::transport::ApiResponse;

/// `accessLevel.accountLicenseType`; `Express` is what the UI calls Basic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum LicenseType {
    None,
    EarlyAdopter,
    Express,
    Professional,
    Advanced,
    Stakeholder,
}

/// Project group types for `projectEntitlements`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum GroupType {
    ProjectStakeholder,
    ProjectReader,
    ProjectContributor,
    ProjectAdministrator,
    Custom,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessLevel {
    pub account_license_type: LicenseType,
    #[serde(default)]
    pub licensing_source: Option<String>,
    #[serde(default, skip_serializing)]
    pub status: Option<String>,
}

impl AccessLevel {
    pub fn account(license: LicenseType) -> Self {
        AccessLevel { account_license_type: license, licensing_source: Some("account".into()), status: None }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectEntitlement {
    pub project: Guid,
    pub group: GroupType,
}

impl ProjectEntitlement {
    fn to_json(&self) -> Value {
        serde_json::json!({"group": {"groupType": self.group}, "projectRef": {"id": self.project}})
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServicePrincipalRef {
    #[serde(default)]
    pub origin_id: Option<Guid>,
    #[serde(default)]
    pub application_id: Option<Guid>,
    #[serde(default)]
    pub display_name: Option<String>,
    /// The Azure DevOps descriptor (`aadsp.<...>`), used for group memberships.
    #[serde(default)]
    pub descriptor: Option<String>,
}

/// An entitlement as Azure DevOps returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServicePrincipalEntitlement {
    /// The Azure DevOps id (storage key) of the service principal.
    pub id: Guid,
    pub service_principal: ServicePrincipalRef,
    #[serde(default)]
    pub access_level: Option<AccessLevel>,
    #[serde(default)]
    pub project_entitlements: Vec<Value>,
    /// When the service principal became a member (RFC 3339). The add is an upsert that
    /// answers the same for a new and an existing member; this is how the two differ.
    #[serde(default)]
    pub date_created: Option<String>,
}

impl ServicePrincipalEntitlement {
    /// [`Self::date_created`] as a time; `None` when absent or not RFC 3339.
    pub fn created_at(&self) -> Option<time::OffsetDateTime> {
        let text = self.date_created.as_deref()?;
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
    }
}

/// One JSON Patch operation for `patch_entitlement`.
#[derive(Debug, Clone, PartialEq)]
pub enum EntitlementPatch {
    SetAccessLevel(LicenseType),
    AddProject(ProjectEntitlement),
    RemoveProject(Guid),
}

impl EntitlementPatch {
    fn to_json(&self) -> Value {
        match self {
            EntitlementPatch::SetAccessLevel(license) => {
                serde_json::json!({"op": "replace", "path": "/accessLevel", "value": AccessLevel::account(*license)})
            }
            EntitlementPatch::AddProject(entitlement) => serde_json::json!({
                "op": "add", "path": format!("/projectEntitlements/{}", entitlement.project), "value": entitlement.to_json()
            }),
            EntitlementPatch::RemoveProject(project) => {
                serde_json::json!({"op": "remove", "path": format!("/projectEntitlements/{project}")})
            }
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OperationResult {
    #[serde(default = "yes")]
    is_success: bool,
    #[serde(default)]
    errors: Vec<Value>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EntitlementResponse {
    is_success: bool,
    #[serde(default)]
    operation_result: Option<OperationResult>,
    #[serde(default)]
    operation_results: Vec<OperationResult>,
    #[serde(default)]
    service_principal_entitlement: Option<ServicePrincipalEntitlement>,
}

/// Renders `{key, value}` errors the way Terraform's provider does: `(key) value`.
fn render_errors(results: &[&OperationResult]) -> String {
    let rendered: Vec<String> = results
        .iter()
        .flat_map(|r| r.errors.iter())
        .map(|e| {
            let text = |k: &str| e.get(k).map(|v| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()));
            format!("({}) {}", text("key").unwrap_or_default(), text("value").unwrap_or_default())
        })
        .collect();
    if rendered.is_empty() {
        "the operation reported isSuccess: false without errors".into()
    } else {
        rendered.join("; ")
    }
}

fn check(response: &ApiResponse, body: EntitlementResponse) -> Result<Option<ServicePrincipalEntitlement>, AzureError> {
    let results: Vec<&OperationResult> = body.operation_result.iter().chain(body.operation_results.iter()).collect();
    if body.is_success && results.iter().all(|r| r.is_success) {
        return Ok(body.service_principal_entitlement);
    }
    let message = render_errors(&results);
    Err(ServiceError {
        service: Service::DevOps,
        method: response.method.clone(),
        url: response.url.clone(),
        status: response.status,
        code: devops_code_in(&message),
        inner_code: aadsts_code_in(&message),
        message,
        request_id: response.request_id(),
    }
    .into())
}

impl DevOpsClient {
    fn entitlement_url(&self, id: Option<Guid>) -> Result<url::Url, AzureError> {
        let id = id.map(|id| id.to_string());
        let mut segments = vec!["_apis", "serviceprincipalentitlements"];
        segments.extend(id.as_deref());
        self.url_on(&self.endpoint().cloud().vsaex_url(self.org()), &segments, Some(PREVIEW_API))
    }

    /// `POST {vsaex}/_apis/serviceprincipalentitlements`: adds a service principal (by its
    /// **SP object id**) with a license and project groups.
    pub async fn add_service_principal(
        &self,
        sp_object_id: Guid,
        license: LicenseType,
        projects: &[ProjectEntitlement],
    ) -> Result<ServicePrincipalEntitlement, AzureError> {
        let body = serde_json::json!({
            "accessLevel": AccessLevel::account(license),
            "projectEntitlements": projects.iter().map(ProjectEntitlement::to_json).collect::<Vec<_>>(),
            "servicePrincipal": {"origin": "aad", "originId": sp_object_id, "subjectKind": "servicePrincipal"},
        });
        let request = self.endpoint().request(Method::POST, self.entitlement_url(None)?).await?.json(&body);
        let response = self.endpoint().send(request).await?;
        let parsed: EntitlementResponse = response.json()?;
        check(&response, parsed)?.ok_or_else(|| AzureError::Malformed {
            service: Service::DevOps,
            url: response.url.clone(),
            status: response.status,
            reason: "isSuccess was true but no servicePrincipalEntitlement came back".into(),
            request_id: response.request_id(),
        })
    }

    /// `GET {vsaex}/_apis/serviceprincipalentitlements/{id}`; `None` when absent.
    pub async fn service_principal_entitlement(
        &self,
        id: Guid,
    ) -> Result<Option<ServicePrincipalEntitlement>, AzureError> {
        not_found_as_none(self.endpoint().get(self.entitlement_url(Some(id))?).await)
    }

    /// `PATCH {vsaex}/_apis/serviceprincipalentitlements/{id}` with a JSON Patch body.
    pub async fn patch_service_principal(&self, id: Guid, operations: &[EntitlementPatch]) -> Result<(), AzureError> {
        let body: Vec<Value> = operations.iter().map(EntitlementPatch::to_json).collect();
        let request = self.endpoint().request(Method::PATCH, self.entitlement_url(Some(id))?).await?.json_patch(&body);
        let response = self.endpoint().send(request).await?;
        let parsed: EntitlementResponse = response.json()?;
        check(&response, parsed)?;
        Ok(())
    }

    /// `DELETE {vsaex}/_apis/serviceprincipalentitlements/{id}`.
    pub async fn remove_service_principal(&self, id: Guid) -> Result<(), AzureError> {
        self.endpoint().send_empty(Method::DELETE, self.entitlement_url(Some(id))?).await?;
        Ok(())
    }
}
