//! What Keyless found in the tenant and organizations before planning: the read side of a
//! run. The engine fills it from Graph, ARM and Azure DevOps; the planner only reads it, so
//! plans can be tested with hand-written snapshots.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Guid, names::OrgName, setup::AccessLevel};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Observed {
    /// The tenant new identities are created in (the signed-in tenant).
    pub tenant_id: Guid,
    /// Identities found for the setup: the named one and, when it overflows, its `-N` siblings,
    /// keyed by display name.
    pub identities: BTreeMap<String, ObservedIdentity>,
    pub organizations: BTreeMap<OrgName, ObservedOrganization>,
    /// Role assignments of the identities found, at any scope the setup names.
    pub role_assignments: Vec<ObservedRoleAssignment>,
    /// Names of subscriptions the setup refers to, for connection data and messages.
    pub subscription_names: BTreeMap<Guid, String>,
    /// Whether the signed-in user may register applications in the tenant.
    pub can_register_apps: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum IdentityKind {
    AppRegistration,
    ManagedIdentity,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObservedIdentity {
    pub kind: IdentityKind,
    pub display_name: String,
    /// appId of an app registration, clientId of a managed identity.
    pub client_id: Guid,
    /// Application object id, or the managed identity's ARM resource id.
    pub object_ref: String,
    /// Service principal object id; `None` when an app has no service principal yet.
    pub principal_id: Option<Guid>,
    pub tenant_id: Guid,
    /// `signInAudience` of an app registration.
    pub sign_in_audience: Option<String>,
    pub location: Option<String>,
    pub fics: Vec<ObservedFic>,
    /// Whether the signed-in user can write federated credentials on it (owner or admin).
    pub can_write_fics: bool,
}

impl ObservedIdentity {
    pub fn is_multitenant_app(&self) -> bool {
        self.kind == IdentityKind::AppRegistration
            && self.sign_in_audience.as_deref().is_some_and(|a| a != "AzureADMyOrg")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObservedFic {
    pub name: String,
    pub issuer: String,
    pub subject: String,
    pub audiences: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObservedOrganization {
    pub id: Guid,
    /// The Entra tenant the organization is connected to (`X-VSS-ResourceTenant`).
    pub tenant_id: Guid,
    pub projects: Vec<ObservedProject>,
    /// Memberships of the setup's identities, keyed by service principal object id.
    pub memberships: BTreeMap<Guid, ObservedMembership>,
    pub connections: Vec<ObservedConnection>,
}

impl ObservedOrganization {
    pub fn project(&self, name: &str) -> Option<&ObservedProject> {
        self.projects.iter().find(|p| p.name.eq_ignore_ascii_case(name))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObservedProject {
    pub id: Guid,
    pub name: String,
    pub pipelines: Vec<ObservedPipeline>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObservedPipeline {
    pub id: u64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObservedMembership {
    pub entitlement_id: Guid,
    pub access_level: Option<AccessLevel>,
    /// Group display names per project name.
    pub project_groups: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObservedConnection {
    pub id: Guid,
    pub name: String,
    /// The owning project (first project reference).
    pub project: String,
    /// Every project it is shared with, the owner included.
    pub projects: Vec<String>,
    /// `azurerm`, `WorkloadIdentityUser`, `externaltfs`, ...
    pub endpoint_type: String,
    /// `WorkloadIdentityFederation`, `ServicePrincipal`, `Token`, ...
    pub scheme: String,
    pub client_id: Option<Guid>,
    pub issuer: Option<String>,
    pub subject: Option<String>,
    pub is_ready: bool,
    pub is_draft: bool,
    pub all_pipelines: bool,
    pub authorized_pipelines: Vec<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObservedRoleAssignment {
    pub name: Guid,
    pub scope: String,
    pub principal_id: Guid,
    pub role_definition_id: Guid,
}
