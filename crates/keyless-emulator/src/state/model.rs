//! The live objects of the emulated world: one plain struct per kind of Entra, Azure and
//! Azure DevOps object, serializable for `/_emulator/state`.
//!
//! These types hold data only; the rules that change them live in the service modules.

use std::collections::BTreeMap;

use keyless_core::Guid;
use serde::Serialize;
use serde_json::{Map, Value};

use super::Moment;
use crate::scenario::DevOpsAccess;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tenant {
    pub id: Guid,
    pub display_name: String,
    pub default_domain: String,
    pub users_can_register_apps: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub upn: String,
    pub display_name: String,
    /// Object id in the home tenant; also the user's key across tenants.
    pub id: Guid,
    pub home_tenant: Guid,
    /// Every tenant the user exists in, with the object id there (home first).
    pub tenants: Vec<(Guid, Guid)>,
    pub can_register_apps: Option<bool>,
    pub app_admin: bool,
    pub devops: BTreeMap<String, DevOpsAccess>,
    /// Azure DevOps profile id (memberId) and identity storage key.
    pub devops_id: Guid,
}

impl User {
    pub fn object_id_in(&self, tenant: Guid) -> Option<Guid> {
        self.tenants.iter().find(|(t, _)| *t == tenant).map(|(_, oid)| *oid)
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagementGroup {
    pub name: String,
    pub display_name: String,
    pub tenant: Guid,
    pub parent: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    pub id: Guid,
    pub display_name: String,
    pub tenant: Guid,
    pub management_group: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceGroup {
    pub subscription: Guid,
    pub name: String,
    pub location: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PasswordCredential {
    pub key_id: Guid,
    pub display_name: String,
    pub start: Moment,
    pub end: Moment,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Application {
    pub tenant: Guid,
    pub id: Guid,
    pub app_id: Guid,
    pub display_name: String,
    pub sign_in_audience: String,
    /// Home object ids of the owners.
    pub owners: Vec<Guid>,
    pub password_credentials: Vec<PasswordCredential>,
    pub public_client: bool,
    pub notes: Option<String>,
    pub service_management_reference: Option<String>,
    pub created: Moment,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServicePrincipal {
    pub tenant: Guid,
    pub id: Guid,
    pub app_id: Guid,
    pub display_name: String,
    /// "Application" or "ManagedIdentity".
    pub service_principal_type: String,
    pub app_owner_tenant: Guid,
    /// The ARM resource id, for managed identities.
    pub alternative_names: Vec<String>,
    pub created: Moment,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagedIdentity {
    pub subscription: Guid,
    pub resource_group: String,
    pub name: String,
    pub location: String,
    pub tags: Map<String, Value>,
    pub tenant: Guid,
    pub client_id: Guid,
    pub principal_id: Guid,
    pub created: Moment,
}

impl ManagedIdentity {
    pub fn resource_id(&self) -> String {
        format!(
            "/subscriptions/{}/resourcegroups/{}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{}",
            self.subscription, self.resource_group, self.name
        )
    }
}

/// Where a federated identity credential lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum FicHolder {
    Application,
    ManagedIdentity,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FederatedCredential {
    pub id: Guid,
    pub holder: FicHolder,
    /// The app id or managed identity client id it belongs to.
    pub identity: Guid,
    pub name: String,
    pub issuer: String,
    pub subject: String,
    pub audiences: Vec<String>,
    pub description: Option<String>,
    pub created: Moment,
    /// Deleted FICs keep accepting tokens until the propagation delay has passed.
    pub deleted: Option<Moment>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleAssignment {
    pub name: Guid,
    /// As written on creation, e.g. `/subscriptions/{id}/resourceGroups/{rg}`.
    pub scope: String,
    pub role_definition: Guid,
    pub principal_id: Guid,
    pub principal_type: String,
    pub tenant: Guid,
    pub created: Moment,
    pub created_by: Option<Guid>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    pub name: String,
    pub id: Guid,
    pub tenant: Guid,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Project {
    pub organization: String,
    pub id: Guid,
    pub name: String,
    pub description: String,
    pub visibility: String,
    pub state: String,
    pub revision: u64,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DevOpsGroup {
    pub organization: String,
    pub project: Option<Guid>,
    pub name: String,
    pub description: String,
    pub origin_id: Guid,
    pub descriptor: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Membership {
    pub organization: String,
    pub container: String,
    pub member: String,
}

/// A service principal or managed identity known to one Azure DevOps organization. It has an
/// entitlement (a licence) once added through ServicePrincipalEntitlements.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DevOpsServicePrincipal {
    pub organization: String,
    /// Azure DevOps storage key (the entitlement id).
    pub id: Guid,
    /// Entra object id of the service principal.
    pub origin_id: Guid,
    pub application_id: Guid,
    pub tenant: Guid,
    pub display_name: String,
    pub descriptor: String,
    /// accountLicenseType; None = materialised through the Graph API only, no licence.
    pub license: Option<String>,
    pub licensing_source: String,
    pub created: Moment,
    /// When it was first added as a user (given a licence); `dateCreated` of the entitlement.
    pub entitled: Option<Moment>,
    /// Its licence comes from a group rule and cannot be changed directly.
    pub group_licensed: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectReference {
    pub project_id: Guid,
    pub project_name: String,
    pub name: String,
    pub description: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceEndpoint {
    pub organization: String,
    pub id: Guid,
    pub name: String,
    pub kind: String,
    pub url: String,
    pub description: String,
    pub owner: String,
    pub data: Map<String, Value>,
    pub scheme: String,
    pub parameters: Map<String, Value>,
    pub is_ready: bool,
    pub is_shared: bool,
    pub is_disabled: bool,
    pub operation_status: Option<Value>,
    pub project_references: Vec<ProjectReference>,
    pub service_management_reference: Option<String>,
    pub created_by: Guid,
    pub created: Moment,
    pub modified: Moment,
    /// The stored secret or PAT has expired (emulator-only fact behind TestConnection).
    pub secret_expired: bool,
    /// The authorization before a secret → WIF conversion, kept for the revert window.
    pub pre_conversion: Option<PreConversion>,
}

/// What a converted connection used before, and until when it can go back.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PreConversion {
    pub scheme: String,
    pub parameters: Map<String, Value>,
    pub revert_deadline: Moment,
}

impl ServiceEndpoint {
    pub fn param(&self, key: &str) -> Option<&str> {
        self.parameters.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).and_then(|(_, v)| v.as_str())
    }
    pub fn datum(&self, key: &str) -> Option<&str> {
        self.data.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).and_then(|(_, v)| v.as_str())
    }
    pub fn owning_project(&self) -> Option<&ProjectReference> {
        self.project_references.first()
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Pipeline {
    pub organization: String,
    pub project: Guid,
    pub id: u32,
    pub name: String,
    pub folder: String,
    pub path: String,
    pub yaml: String,
    /// A classic build pipeline's `process.phases`; `None` for a YAML pipeline.
    pub classic_phases: Option<serde_json::Value>,
    pub repository_id: Guid,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PipelineAuthorization {
    pub authorized: bool,
    pub authorized_by: Option<Guid>,
    pub authorized_on: Moment,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PipelinePermission {
    pub organization: String,
    pub project: Guid,
    pub resource_type: String,
    pub resource_id: String,
    pub all_pipelines: Option<PipelineAuthorization>,
    pub pipelines: Vec<(u32, PipelineAuthorization)>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Execution {
    pub organization: String,
    pub endpoint: Guid,
    pub id: u64,
    pub pipeline: Option<u32>,
    pub pipeline_name: String,
    pub project: Guid,
    pub finished: Moment,
    pub result: String,
}
