//! Read-only Graph calls that tell what the signed-in user may do in the tenant: the tenant's
//! authorization policy ("Users can register applications") and the directory roles the user
//! holds. Preflight reads these before any change; nothing here writes.

use keyless_core::Guid;
use reqwest::Method;
use serde::Deserialize;

use super::GraphClient;
use crate::error::AzureError;
use crate::paging::{NextLink, collect_linked_pages};

/// `GET /policies/authorizationPolicy`, the part preflight needs.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizationPolicy {
    pub default_user_role_permissions: DefaultUserRolePermissions,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DefaultUserRolePermissions {
    /// "Users can register applications".
    pub allowed_to_create_apps: bool,
}

impl GraphClient {
    /// `GET /policies/authorizationPolicy`: the tenant's default user permissions.
    pub async fn authorization_policy(&self) -> Result<AuthorizationPolicy, AzureError> {
        self.endpoint().get(self.url(&["policies", "authorizationPolicy"])?).await
    }

    /// `GET /me/transitiveMemberOf/microsoft.graph.directoryRole?$select=roleTemplateId` (all
    /// pages): the template ids of the directory roles the user holds, through groups too.
    pub async fn my_directory_role_templates(&self) -> Result<Vec<Guid>, AzureError> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct DirectoryRole {
            role_template_id: Option<Guid>,
        }
        let mut url = self.url(&["me", "transitiveMemberOf", "microsoft.graph.directoryRole"])?;
        url.query_pairs_mut().append_pair("$select", "roleTemplateId");
        let request = self.endpoint().request(Method::GET, url).await?;
        let roles: Vec<DirectoryRole> = collect_linked_pages(self.endpoint().http(), request, NextLink::OData).await?;
        Ok(roles.into_iter().filter_map(|r| r.role_template_id).collect())
    }
}
