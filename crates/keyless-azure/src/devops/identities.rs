//! Azure DevOps Graph on `{vssps}` (contract §5.6), api-version 7.1-preview.1: descriptors,
//! project groups and group memberships.

use keyless_core::{Guid, InputError};
use reqwest::Method;
use serde::{Deserialize, Serialize};

use crate::devops::{DevOpsClient, PREVIEW_API};
use crate::error::AzureError;
use crate::paging::collect_continuation_pages;

/// An Azure DevOps group (e.g. a project's "Readers").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphGroup {
    pub descriptor: String,
    pub display_name: Option<String>,
    #[serde(default)]
    pub principal_name: Option<String>,
    #[serde(default)]
    pub domain: Option<String>,
    #[serde(default)]
    pub origin: Option<String>,
}

#[derive(Deserialize)]
struct DescriptorValue {
    value: String,
}

fn descriptor_segment(input: &'static str, descriptor: &str) -> Result<(), AzureError> {
    if descriptor.is_empty() || descriptor.contains(['/', '?', '#']) {
        return Err(InputError::new(
            input,
            format!("'{descriptor}' is not a descriptor"),
            "pass a descriptor such as aadsp.<...> or vssgp.<...> returned by Azure DevOps",
        )
        .into());
    }
    Ok(())
}

impl DevOpsClient {
    fn vssps_url(&self, segments: &[&str]) -> Result<url::Url, AzureError> {
        self.url_on(&self.endpoint().cloud().vssps_url(self.org()), segments, Some(PREVIEW_API))
    }

    /// `GET {vssps}/_apis/graph/descriptors/{storageKey}`: the descriptor of a project id or
    /// an identity's storage key.
    pub async fn descriptor(&self, storage_key: Guid) -> Result<String, AzureError> {
        let key = storage_key.to_string();
        let value: DescriptorValue =
            self.endpoint().get(self.vssps_url(&["_apis", "graph", "descriptors", &key])?).await?;
        Ok(value.value)
    }

    /// The groups of a project: its scope descriptor, then `GET _apis/graph/groups?scopeDescriptor=`.
    pub async fn project_groups(&self, project: Guid) -> Result<Vec<GraphGroup>, AzureError> {
        let scope = self.descriptor(project).await?;
        let mut url = self.vssps_url(&["_apis", "graph", "groups"])?;
        url.query_pairs_mut().append_pair("scopeDescriptor", &scope);
        let request = self.endpoint().request(Method::GET, url).await?;
        collect_continuation_pages(self.endpoint().http(), request).await
    }

    fn membership_url(&self, member: &str, group: &str) -> Result<url::Url, AzureError> {
        descriptor_segment("member descriptor", member)?;
        descriptor_segment("group descriptor", group)?;
        self.vssps_url(&["_apis", "graph", "memberships", member, group])
    }

    /// `PUT {vssps}/_apis/graph/memberships/{member}/{group}`.
    pub async fn add_membership(&self, member: &str, group: &str) -> Result<(), AzureError> {
        self.endpoint().send_empty(Method::PUT, self.membership_url(member, group)?).await?;
        Ok(())
    }

    /// `HEAD` on the membership: true when `member` is in `group`.
    pub async fn is_member(&self, member: &str, group: &str) -> Result<bool, AzureError> {
        let request = self.endpoint().request(Method::HEAD, self.membership_url(member, group)?).await?;
        let response = self.endpoint().http().send_raw(request).await?;
        match response.status {
            404 => Ok(false),
            _ => response.into_success().map(|_| true),
        }
    }

    /// `DELETE {vssps}/_apis/graph/memberships/{member}/{group}`.
    pub async fn remove_membership(&self, member: &str, group: &str) -> Result<(), AzureError> {
        self.endpoint().send_empty(Method::DELETE, self.membership_url(member, group)?).await?;
        Ok(())
    }

    /// `GET {vssps}/_apis/graph/serviceprincipals` (all pages): the service principals the
    /// organization knows.
    pub async fn graph_service_principals(&self) -> Result<Vec<GraphServicePrincipal>, AzureError> {
        let request =
            self.endpoint().request(Method::GET, self.vssps_url(&["_apis", "graph", "serviceprincipals"])?).await?;
        collect_continuation_pages(self.endpoint().http(), request).await
    }

    /// `GET {vssps}/_apis/graph/storagekeys/{descriptor}`: the storage key, which is the id the
    /// entitlements API uses.
    pub async fn storage_key(&self, descriptor: &str) -> Result<Guid, AzureError> {
        descriptor_segment("descriptor", descriptor)?;
        #[derive(Deserialize)]
        struct KeyValue {
            value: Guid,
        }
        let value: KeyValue =
            self.endpoint().get(self.vssps_url(&["_apis", "graph", "storagekeys", descriptor])?).await?;
        Ok(value.value)
    }

    /// `GET {vssps}/_apis/graph/memberships/{descriptor}?direction=up`: descriptors of the
    /// groups `member` belongs to.
    pub async fn groups_of(&self, member: &str) -> Result<Vec<String>, AzureError> {
        descriptor_segment("member descriptor", member)?;
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct MembershipRow {
            container_descriptor: String,
        }
        #[derive(Deserialize)]
        struct Rows {
            value: Vec<MembershipRow>,
        }
        let mut url = self.vssps_url(&["_apis", "graph", "memberships", member])?;
        url.query_pairs_mut().append_pair("direction", "up");
        let rows: Rows = self.endpoint().get(url).await?;
        Ok(rows.value.into_iter().map(|r| r.container_descriptor).collect())
    }
}

/// A service principal as Azure DevOps Graph lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphServicePrincipal {
    pub descriptor: String,
    /// The Entra service principal object id.
    pub origin_id: Option<Guid>,
    #[serde(default)]
    pub application_id: Option<Guid>,
    #[serde(default)]
    pub display_name: Option<String>,
}
