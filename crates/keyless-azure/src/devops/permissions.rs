//! Whether the signed-in user holds a right in an Azure DevOps organization, asked with the
//! security namespaces' permission check (`_apis/permissions`). Read-only.
//!
//! Assumptions (the rights behind a step are not documented per REST call):
//! 1. Adding a service principal to an organization needs Project Collection Administrator;
//!    it is checked as `GENERIC_WRITE` (2) of the Collection namespace with no token, the same
//!    check Microsoft's GitHub Enterprise Importer uses to tell an organization admin.
//! 2. Creating a service connection in a project is `Create` (4) and changing one (update,
//!    share, pipeline access) is `Administer` (2) of the ServiceEndpoints namespace on the
//!    token `endpoints/{projectId}`; the project's Endpoint Creators and Endpoint
//!    Administrators groups hold these bits.
//! 3. `alwaysAllow=true` counts Project Collection Administrators as allowed, as the service
//!    does when it enforces the right.

use keyless_core::Guid;
use serde::Deserialize;

use super::{CORE_API, DevOpsClient};
use crate::error::AzureError;

/// The Collection security namespace (organization-level rights).
pub const COLLECTION_NAMESPACE: Guid = Guid::from_u128(0x3e65f728_f8bc_4ecd_8764_7e378b19bfa7);
/// `GENERIC_WRITE` of the Collection namespace.
pub const COLLECTION_GENERIC_WRITE: u32 = 2;
/// The ServiceEndpoints security namespace.
pub const SERVICE_ENDPOINTS_NAMESPACE: Guid = Guid::from_u128(0x49b48001_ca20_4adc_8111_5b60c903a50c);
pub const ENDPOINT_ADMINISTER: u32 = 2;
pub const ENDPOINT_CREATE: u32 = 4;

#[derive(Deserialize)]
struct Evaluations {
    value: Vec<bool>,
}

impl DevOpsClient {
    /// `GET {devops}/_apis/permissions/{namespace}/{bits}?tokens=..&alwaysAllow=true&api-version=7.1`:
    /// whether the user holds all of `bits` on `token` (`None`: the namespace's root).
    pub async fn has_permission(&self, namespace: Guid, bits: u32, token: Option<&str>) -> Result<bool, AzureError> {
        let namespace = namespace.to_string();
        let bits = bits.to_string();
        let mut url = self.core_url(&["_apis", "permissions", &namespace, &bits], Some(CORE_API))?;
        {
            let mut query = url.query_pairs_mut();
            if let Some(token) = token {
                query.append_pair("tokens", token);
            }
            query.append_pair("alwaysAllow", "true");
        }
        let evaluations: Evaluations = self.endpoint().get(url).await?;
        Ok(!evaluations.value.is_empty() && evaluations.value.iter().all(|allowed| *allowed))
    }

    /// Whether the user is a Project Collection Administrator (assumption 1).
    pub async fn is_collection_admin(&self) -> Result<bool, AzureError> {
        self.has_permission(COLLECTION_NAMESPACE, COLLECTION_GENERIC_WRITE, None).await
    }

    /// (may create, may administer) service connections in the project (assumption 2).
    pub async fn endpoint_rights(&self, project_id: Guid) -> Result<(bool, bool), AzureError> {
        let token = format!("endpoints/{project_id}");
        let create = self.has_permission(SERVICE_ENDPOINTS_NAMESPACE, ENDPOINT_CREATE, Some(&token));
        let administer = self.has_permission(SERVICE_ENDPOINTS_NAMESPACE, ENDPOINT_ADMINISTER, Some(&token));
        let (create, administer) = futures::future::try_join(create, administer).await?;
        Ok((create, administer))
    }
}
