//! Service endpoints (service connections, contract §6), api-version 7.1:
//! `{devops}/_apis/serviceendpoint/endpoints` (create, update, convert, share, delete),
//! `{devops}/{project}/_apis/serviceendpoint/endpoints` (get, list), `.../types`, the
//! execution history, and the endpointproxy TestConnection (7.1-preview.1).
//!
//! [`ServiceEndpoint`] keeps every field it does not name, so a GET → PUT round trip (as the
//! conversion needs) sends back what Azure DevOps sent. Issuer and subject are only ever
//! read from responses, never built here.

use keyless_core::names::validate_connection_name;
use keyless_core::{Guid, InputError};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::devops::{CORE_API, DevOpsClient, PREVIEW_API, project_segment};
use crate::error::{AzureError, Service, ServiceError};
use crate::error_parse::{aadsts_code_in, devops_code_in};
use crate::paging::collect_continuation_pages;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct EndpointAuthorization {
    pub scheme: String,
    #[serde(default)]
    pub parameters: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectReference {
    pub id: Guid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointProjectReference {
    pub project_reference: ProjectReference,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
}

/// A service connection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ServiceEndpoint {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Guid>,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default)]
    pub data: Map<String, Value>,
    pub authorization: EndpointAuthorization,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_ready: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_shared: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_status: Option<Value>,
    #[serde(default)]
    pub service_endpoint_project_references: Vec<EndpointProjectReference>,
    /// Everything else Azure DevOps sent, kept for round trips.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl ServiceEndpoint {
    /// An authorization parameter as text (`serviceprincipalid`, `tenantid`...).
    pub fn parameter(&self, key: &str) -> Option<&str> {
        self.authorization.parameters.get(key)?.as_str()
    }

    /// `workloadIdentityFederationIssuer`, as Azure DevOps assigned it.
    pub fn federation_issuer(&self) -> Option<&str> {
        self.parameter("workloadIdentityFederationIssuer")
    }

    /// `workloadIdentityFederationSubject`, as Azure DevOps assigned it.
    pub fn federation_subject(&self) -> Option<&str> {
        self.parameter("workloadIdentityFederationSubject")
    }
}

/// Filters of the list call; empty means no filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointFilter {
    pub kind: Option<String>,
    pub auth_schemes: Vec<String>,
    pub endpoint_ids: Vec<Guid>,
    pub endpoint_names: Vec<String>,
    pub owner: Option<String>,
    pub include_failed: bool,
    pub include_details: bool,
    pub action_filter: Option<String>,
}

/// The endpointproxy answer: `statusCode` "ok" or a failure with `errorMessage`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TestConnectionResult {
    pub status_code: String,
    #[serde(default)]
    pub error_message: Option<String>,
    #[serde(default)]
    pub result: Option<Vec<Value>>,
}

impl TestConnectionResult {
    pub fn is_ok(&self) -> bool {
        self.status_code.eq_ignore_ascii_case("ok")
    }
}

/// One use of a connection by a pipeline run (`executionhistory`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointExecution {
    pub data: EndpointExecutionData,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointExecutionData {
    /// `Build` or `Release`.
    #[serde(default)]
    pub plan_type: Option<String>,
    #[serde(default)]
    pub result: Option<String>,
    /// RFC 3339; absent while the run is still going.
    #[serde(default)]
    pub finish_time: Option<String>,
    #[serde(default)]
    pub definition: Option<EndpointExecutionDefinition>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointExecutionDefinition {
    pub id: u64,
    #[serde(default)]
    pub name: Option<String>,
}

fn join<T: ToString>(items: &[T]) -> String {
    items.iter().map(ToString::to_string).collect::<Vec<_>>().join(",")
}

impl DevOpsClient {
    fn endpoints_url(&self, project: Option<&str>, tail: &[&str], api: &str) -> Result<url::Url, AzureError> {
        let mut segments: Vec<&str> = Vec::new();
        if let Some(project) = project {
            project_segment(project)?;
            segments.push(project);
        }
        segments.extend(["_apis", "serviceendpoint"]);
        segments.extend(tail);
        self.core_url(&segments, Some(api))
    }

    /// `POST {devops}/_apis/serviceendpoint/endpoints`. Read issuer and subject from the result.
    pub async fn create_endpoint(&self, endpoint: &ServiceEndpoint) -> Result<ServiceEndpoint, AzureError> {
        validate_connection_name(&endpoint.name)?;
        if endpoint.service_endpoint_project_references.is_empty() {
            return Err(InputError::new(
                "service connection",
                format!("'{}' names no project", endpoint.name),
                "add at least one serviceEndpointProjectReferences entry (the project that owns it)",
            )
            .into());
        }
        self.endpoint().send_json(Method::POST, self.endpoints_url(None, &["endpoints"], CORE_API)?, endpoint).await
    }

    /// `GET {devops}/{project}/_apis/serviceendpoint/endpoints/{id}`; `None` when absent
    /// (Azure DevOps answers an unknown id with an empty 200 or a 404).
    pub async fn endpoint_by_id(&self, project: &str, id: Guid) -> Result<Option<ServiceEndpoint>, AzureError> {
        let url = self.endpoints_url(Some(project), &["endpoints", &id.to_string()], CORE_API)?;
        let request = self.endpoint().request(Method::GET, url).await?;
        let response = match self.endpoint().send(request).await {
            Ok(response) => response,
            Err(error) if error.code() == crate::error::ErrorCode::NotFound => return Ok(None),
            Err(error) => return Err(error),
        };
        if response.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        response.json::<Option<ServiceEndpoint>>()
    }

    /// `GET {devops}/{project}/_apis/serviceendpoint/endpoints?...` with `filter`.
    pub async fn list_endpoints(
        &self,
        project: &str,
        filter: &EndpointFilter,
    ) -> Result<Vec<ServiceEndpoint>, AzureError> {
        let mut url = self.endpoints_url(Some(project), &["endpoints"], CORE_API)?;
        {
            let mut query = url.query_pairs_mut();
            if let Some(kind) = &filter.kind {
                query.append_pair("type", kind);
            }
            if !filter.auth_schemes.is_empty() {
                query.append_pair("authSchemes", &filter.auth_schemes.join(","));
            }
            if !filter.endpoint_ids.is_empty() {
                query.append_pair("endpointIds", &join(&filter.endpoint_ids));
            }
            if !filter.endpoint_names.is_empty() {
                query.append_pair("endpointNames", &filter.endpoint_names.join(","));
            }
            if let Some(owner) = &filter.owner {
                query.append_pair("owner", owner);
            }
            if filter.include_failed {
                query.append_pair("includeFailed", "true");
            }
            if filter.include_details {
                query.append_pair("includeDetails", "true");
            }
            if let Some(action) = &filter.action_filter {
                query.append_pair("actionFilter", action);
            }
        }
        let request = self.endpoint().request(Method::GET, url).await?;
        collect_continuation_pages(self.endpoint().http(), request).await
    }

    /// `PUT {devops}/_apis/serviceendpoint/endpoints/{id}[?operation=]`.
    pub async fn update_endpoint(
        &self,
        endpoint: &ServiceEndpoint,
        operation: Option<&str>,
    ) -> Result<ServiceEndpoint, AzureError> {
        let id = endpoint.id.ok_or_else(|| {
            InputError::new(
                "service connection",
                format!("'{}' has no id", endpoint.name),
                "read the connection first and update what came back",
            )
        })?;
        let mut url = self.endpoints_url(None, &["endpoints", &id.to_string()], CORE_API)?;
        if let Some(operation) = operation {
            url.query_pairs_mut().append_pair("operation", operation);
        }
        self.endpoint().send_json(Method::PUT, url, endpoint).await
    }

    /// Converts the authentication scheme in place (`operation=ConvertAuthenticationScheme`,
    /// contract §6.9): sends the full endpoint with `scheme` set and `revertSchemeDeadline`
    /// removed. Use scheme `ServicePrincipal` to revert within 7 days.
    pub async fn convert_endpoint_scheme(
        &self,
        endpoint: &ServiceEndpoint,
        scheme: &str,
    ) -> Result<ServiceEndpoint, AzureError> {
        let mut converted = endpoint.clone();
        converted.authorization.scheme = scheme.to_string();
        converted.data.remove("revertSchemeDeadline");
        self.update_endpoint(&converted, Some("ConvertAuthenticationScheme")).await
    }

    /// `PATCH {devops}/_apis/serviceendpoint/endpoints/{id}`: shares with more projects (204).
    pub async fn share_endpoint(&self, id: Guid, projects: &[EndpointProjectReference]) -> Result<(), AzureError> {
        let url = self.endpoints_url(None, &["endpoints", &id.to_string()], CORE_API)?;
        let request = self.endpoint().request(Method::PATCH, url).await?.json(&projects);
        self.endpoint().send(request).await?;
        Ok(())
    }

    /// `DELETE {devops}/_apis/serviceendpoint/endpoints/{id}?projectIds=..&deep=..`.
    pub async fn delete_endpoint(&self, id: Guid, project_ids: &[Guid], deep: bool) -> Result<(), AzureError> {
        if project_ids.is_empty() {
            return Err(InputError::new(
                "projects",
                "no project given",
                "name the project(s) to remove the connection from",
            )
            .into());
        }
        let mut url = self.endpoints_url(None, &["endpoints", &id.to_string()], CORE_API)?;
        url.query_pairs_mut()
            .append_pair("projectIds", &join(project_ids))
            .append_pair("deep", if deep { "true" } else { "false" });
        self.endpoint().send_empty(Method::DELETE, url).await?;
        Ok(())
    }

    /// `GET {devops}/_apis/serviceendpoint/types[?type=&scheme=]`: input descriptors and data
    /// sources, to avoid hard-coding (contract §6.12).
    pub async fn endpoint_types(&self, kind: Option<&str>, scheme: Option<&str>) -> Result<Vec<Value>, AzureError> {
        let mut url = self.endpoints_url(None, &["types"], CORE_API)?;
        {
            let mut query = url.query_pairs_mut();
            if let Some(kind) = kind {
                query.append_pair("type", kind);
            }
            if let Some(scheme) = scheme {
                query.append_pair("scheme", scheme);
            }
        }
        let request = self.endpoint().request(Method::GET, url).await?;
        collect_continuation_pages(self.endpoint().http(), request).await
    }

    /// `GET {devops}/_apis/serviceendpoint/{id}/executionhistory?top={top}`: the newest
    /// pipeline runs that used the connection, newest first (one page: `top` is the cap).
    pub async fn execution_history(&self, id: Guid, top: u32) -> Result<Vec<EndpointExecution>, AzureError> {
        #[derive(Deserialize)]
        struct Page {
            #[serde(default)]
            value: Vec<EndpointExecution>,
        }
        let mut url = self.endpoints_url(None, &[&id.to_string(), "executionhistory"], CORE_API)?;
        url.query_pairs_mut().append_pair("top", &top.to_string());
        let page: Page = self.endpoint().get(url).await?;
        Ok(page.value)
    }

    /// `POST {devops}/{project}/_apis/serviceendpoint/endpointproxy?endpointId={id}` with the
    /// TestConnection data source.
    pub async fn test_connection(
        &self,
        project: &str,
        endpoint: &ServiceEndpoint,
    ) -> Result<TestConnectionResult, AzureError> {
        let id = endpoint.id.ok_or_else(|| {
            InputError::new(
                "service connection",
                format!("'{}' has no id", endpoint.name),
                "create the connection first",
            )
        })?;
        let mut url = self.endpoints_url(Some(project), &["endpointproxy"], PREVIEW_API)?;
        url.query_pairs_mut().append_pair("endpointId", &id.to_string());
        let body = serde_json::json!({
            "dataSourceDetails": {"dataSourceName": "TestConnection"},
            "resultTransformationDetails": {},
            "serviceEndpointDetails": {"type": endpoint.kind, "url": endpoint.url, "authorization": endpoint.authorization, "data": endpoint.data},
        });
        // TestConnection changes nothing, so a lost answer may be asked again like a read.
        let request = self.endpoint().request(Method::POST, url).await?.json(&body).repeatable();
        self.endpoint().send(request).await?.json()
    }

    /// TestConnection as a result: a failure becomes a [`ServiceError`] carrying the AADSTS
    /// code, so AADSTS70021 right after creating a FIC counts as a replication delay.
    pub async fn verify_endpoint(&self, project: &str, endpoint: &ServiceEndpoint) -> Result<(), AzureError> {
        let result = self.test_connection(project, endpoint).await?;
        if result.is_ok() {
            return Ok(());
        }
        let message =
            result.error_message.clone().unwrap_or_else(|| format!("TestConnection answered {}", result.status_code));
        Err(ServiceError {
            service: Service::DevOps,
            method: "POST".into(),
            url: crate::redact::redact_url(&self.endpoints_url(Some(project), &["endpointproxy"], PREVIEW_API)?),
            status: 200,
            code: aadsts_code_in(&message).or_else(|| devops_code_in(&message)).or(Some(result.status_code.clone())),
            inner_code: None,
            message,
            request_id: None,
        }
        .into())
    }
}
