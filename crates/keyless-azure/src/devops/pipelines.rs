//! Pipelines and pipeline permissions (contract §6.7): `{devops}/{project}/_apis/pipelines`
//! (7.1) and `.../_apis/pipelines/pipelinepermissions/endpoint/{id}` (7.1-preview.1).

use keyless_core::Guid;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::devops::{CORE_API, DevOpsClient, PREVIEW_API, project_segment};
use crate::error::AzureError;
use crate::paging::collect_continuation_pages;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pipeline {
    pub id: u64,
    pub name: String,
    #[serde(default)]
    pub folder: Option<String>,
    #[serde(default)]
    pub revision: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PipelinePermission {
    pub id: u64,
    pub authorized: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PipelinePermissions {
    #[serde(default)]
    pub resource: Option<Value>,
    #[serde(default)]
    pub pipelines: Vec<PipelinePermission>,
    #[serde(default)]
    pub all_pipelines: Option<Value>,
}

impl PipelinePermissions {
    /// True when "grant access to all pipelines" is on.
    pub fn all_pipelines_authorized(&self) -> bool {
        self.all_pipelines.as_ref().and_then(|v| v.get("authorized")).and_then(Value::as_bool).unwrap_or(false)
    }
}

impl DevOpsClient {
    /// `GET {devops}/{project}/_apis/pipelines?api-version=7.1` (all pages).
    pub async fn pipelines(&self, project: &str) -> Result<Vec<Pipeline>, AzureError> {
        project_segment(project)?;
        let url = self.core_url(&[project, "_apis", "pipelines"], Some(CORE_API))?;
        let request = self.endpoint().request(Method::GET, url).await?;
        collect_continuation_pages(self.endpoint().http(), request).await
    }

    fn permissions_url(&self, project: &str, endpoint_id: Guid) -> Result<url::Url, AzureError> {
        project_segment(project)?;
        let id = endpoint_id.to_string();
        self.core_url(&[project, "_apis", "pipelines", "pipelinepermissions", "endpoint", &id], Some(PREVIEW_API))
    }

    /// `GET .../pipelinepermissions/endpoint/{id}`.
    pub async fn pipeline_permissions(
        &self,
        project: &str,
        endpoint_id: Guid,
    ) -> Result<PipelinePermissions, AzureError> {
        self.endpoint().get(self.permissions_url(project, endpoint_id)?).await
    }

    /// `PATCH .../pipelinepermissions/endpoint/{id}`: authorizes named pipelines, and all
    /// pipelines when `all_pipelines` is `Some(true)` (the insecure default of other tools;
    /// prefer named pipelines).
    pub async fn set_pipeline_permissions(
        &self,
        project: &str,
        endpoint_id: Guid,
        all_pipelines: Option<bool>,
        pipelines: &[PipelinePermission],
    ) -> Result<PipelinePermissions, AzureError> {
        let mut body = serde_json::json!({ "pipelines": pipelines });
        if let Some(all) = all_pipelines {
            body["allPipelines"] = serde_json::json!({ "authorized": all });
        }
        // The body states the whole wanted permission, so sending it twice is sending it once.
        let request = self.endpoint().request(Method::PATCH, self.permissions_url(project, endpoint_id)?).await?;
        self.endpoint().send(request.json(&body).repeatable()).await?.json()
    }
}
