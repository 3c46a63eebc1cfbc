//! What a pipeline runs, for the impact check: one pipeline with its configuration
//! (`GET {devops}/{project}/_apis/pipelines/{id}`, 7.1), a YAML file's text through the Git
//! items API (`_apis/git/repositories/{id}/items?path=&includeContent=true`, 7.1), a repository's
//! name (`_apis/git/repositories/{id}`, 7.1) and a classic build definition
//! (`_apis/build/definitions/{id}`, 7.1) as JSON.
//!
//! Release definitions are not read: they live on another host (`vsrm.dev.azure.com`, not in
//! the cloud profile) and Azure DevOps does not list them in a connection's pipeline
//! permissions, so the authorized pipelines never name one.

use keyless_core::Guid;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::devops::{CORE_API, DevOpsClient, project_segment};
use crate::error::AzureError;

/// `GET .../_apis/pipelines/{id}`: the pipeline and where its definition lives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PipelineDetails {
    pub id: u64,
    pub name: String,
    #[serde(default)]
    pub folder: Option<String>,
    #[serde(default)]
    pub configuration: Option<PipelineConfiguration>,
}

/// `configuration`: `type` is `yaml` for a YAML pipeline (with `path` and `repository`);
/// classic pipelines say `designerJson` and carry neither.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PipelineConfiguration {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub repository: Option<PipelineRepository>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PipelineRepository {
    pub id: String,
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
}

impl PipelineDetails {
    /// The YAML file's repository and path, for a YAML pipeline in Azure Repos.
    pub fn yaml_file(&self) -> Option<(&str, &str)> {
        let configuration = self.configuration.as_ref().filter(|c| c.kind.eq_ignore_ascii_case("yaml"))?;
        Some((configuration.repository.as_ref()?.id.as_str(), configuration.path.as_deref()?))
    }
}

/// `GET .../_apis/git/repositories/{id}/items?includeContent=true`: a file and its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GitItem {
    pub path: String,
    #[serde(default)]
    pub content: Option<String>,
}

/// `GET .../_apis/git/repositories/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GitRepository {
    pub id: Guid,
    pub name: String,
    #[serde(default)]
    pub default_branch: Option<String>,
}

impl DevOpsClient {
    /// `GET {devops}/{project}/_apis/pipelines/{id}?api-version=7.1`; `None` when absent.
    pub async fn pipeline(&self, project: &str, pipeline_id: u64) -> Result<Option<PipelineDetails>, AzureError> {
        project_segment(project)?;
        let id = pipeline_id.to_string();
        let url = self.core_url(&[project, "_apis", "pipelines", &id], Some(CORE_API))?;
        self.endpoint().get_optional(url).await
    }

    /// The text of `path` on the default branch of the repository (`repository_id` as the
    /// pipeline's configuration names it); `None` when the file or repository is absent.
    pub async fn repository_file(
        &self,
        project: &str,
        repository_id: &str,
        path: &str,
    ) -> Result<Option<String>, AzureError> {
        project_segment(project)?;
        let mut url =
            self.core_url(&[project, "_apis", "git", "repositories", repository_id, "items"], Some(CORE_API))?;
        url.query_pairs_mut()
            .append_pair("path", path)
            .append_pair("includeContent", "true")
            .append_pair("$format", "json");
        let item: Option<GitItem> = self.endpoint().get_optional(url).await?;
        Ok(item.map(|item| item.content.unwrap_or_default()))
    }

    /// `GET {devops}/{project}/_apis/git/repositories/{id}?api-version=7.1`; `None` when absent.
    pub async fn repository(&self, project: &str, repository_id: &str) -> Result<Option<GitRepository>, AzureError> {
        project_segment(project)?;
        let url = self.core_url(&[project, "_apis", "git", "repositories", repository_id], Some(CORE_API))?;
        self.endpoint().get_optional(url).await
    }

    /// `GET {devops}/{project}/_apis/build/definitions/{id}?api-version=7.1` as Azure DevOps
    /// returns it (classic `process.phases[].steps[]` with task ids, version specs and
    /// inputs), for `keyless_core::impact::analyze_classic`; `None` when absent.
    pub async fn build_definition(&self, project: &str, definition_id: u64) -> Result<Option<Value>, AzureError> {
        project_segment(project)?;
        let id = definition_id.to_string();
        let url = self.core_url(&[project, "_apis", "build", "definitions", &id], Some(CORE_API))?;
        self.endpoint().get_optional(url).await
    }
}
