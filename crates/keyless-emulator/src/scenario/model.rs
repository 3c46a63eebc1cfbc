//! The scenario file format: plain serde types, one per kind of object the emulator starts with.
//!
//! These types only describe a starting world. They do not check cross references (that is
//! `validate.rs`) and they are not the live state (that is `crate::state`).

use std::collections::BTreeMap;

use keyless_core::Guid;
use serde::{Deserialize, Serialize};

/// A starting world for the emulator: tenants, people, Azure resources, Azure DevOps
/// organizations and everything already configured in them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub sign_in: SignInSpec,
    /// Extra public client ids the authorize and token endpoints accept, besides the
    /// well-known Microsoft ones and scenario apps marked `public_client`.
    #[serde(default)]
    pub public_clients: Vec<Guid>,
    #[serde(default)]
    pub tenants: Vec<TenantSpec>,
    #[serde(default)]
    pub users: Vec<UserSpec>,
    #[serde(default)]
    pub management_groups: Vec<ManagementGroupSpec>,
    #[serde(default)]
    pub subscriptions: Vec<SubscriptionSpec>,
    #[serde(default)]
    pub resource_groups: Vec<ResourceGroupSpec>,
    #[serde(default)]
    pub applications: Vec<ApplicationSpec>,
    #[serde(default)]
    pub managed_identities: Vec<ManagedIdentitySpec>,
    #[serde(default)]
    pub organizations: Vec<OrganizationSpec>,
    #[serde(default)]
    pub projects: Vec<ProjectSpec>,
    #[serde(default)]
    pub groups: Vec<GroupSpec>,
    #[serde(default)]
    pub entitlements: Vec<EntitlementSpec>,
    #[serde(default)]
    pub service_connections: Vec<ServiceConnectionSpec>,
    #[serde(default)]
    pub federated_credentials: Vec<FederatedCredentialSpec>,
    #[serde(default)]
    pub pipelines: Vec<PipelineSpec>,
    /// Azure role assignments of service principals and managed identities.
    #[serde(default)]
    pub role_assignments: Vec<RoleAssignmentSpec>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleAssignmentSpec {
    /// Service principal object id or managed identity principal id.
    pub principal: Guid,
    pub scope: String,
    /// "Owner", "Contributor", "Reader" or "User Access Administrator".
    pub role: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignInSpec {
    /// UPN of the user the authorize endpoint signs in when no `login_hint` names another one,
    /// and the user who approves device codes.
    pub default_user: String,
    /// The device code flow ends with `authorization_declined` instead of success.
    #[serde(default)]
    pub device_code_declined: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantSpec {
    pub id: Guid,
    pub display_name: String,
    pub default_domain: String,
    /// Entra's "Users can register applications" setting.
    #[serde(default = "yes")]
    pub users_can_register_apps: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserSpec {
    pub upn: String,
    pub display_name: String,
    /// Object id in the home tenant.
    pub id: Guid,
    pub home_tenant: Guid,
    /// Tenants where the user exists as a guest (object ids there are derived).
    #[serde(default)]
    pub guest_tenants: Vec<Guid>,
    /// Overrides the tenant's "users can register applications" for this user
    /// (true = Application Developer role).
    #[serde(default)]
    pub can_register_apps: Option<bool>,
    /// Cloud Application Administrator / Application Administrator: may write any app's FICs.
    #[serde(default)]
    pub app_admin: bool,
    /// Azure DevOps organizations the user belongs to, by name, with the access they have.
    #[serde(default)]
    pub devops: BTreeMap<String, DevOpsAccess>,
    /// Azure role assignments of the user (built-in role names).
    #[serde(default)]
    pub azure_roles: Vec<AzureRoleSpec>,
}

/// What a user may do in one Azure DevOps organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DevOpsAccess {
    /// Project Collection Administrator: everything, including adding service principals.
    Admin,
    /// Contributor in every project and Endpoint Creator: may create service connections.
    Member,
    /// Reader only: may list, not create.
    Reader,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AzureRoleSpec {
    /// `/subscriptions/{id}`, `/subscriptions/{id}/resourceGroups/{rg}` or
    /// `/providers/Microsoft.Management/managementGroups/{id}`.
    pub scope: String,
    /// "Owner", "Contributor", "Reader" or "User Access Administrator".
    pub role: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManagementGroupSpec {
    pub name: String,
    pub display_name: String,
    pub tenant: Guid,
    #[serde(default)]
    pub parent: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionSpec {
    pub id: Guid,
    pub display_name: String,
    pub tenant: Guid,
    #[serde(default)]
    pub management_group: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceGroupSpec {
    pub subscription: Guid,
    pub name: String,
    pub location: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationSpec {
    pub tenant: Guid,
    pub display_name: String,
    /// Application object id.
    pub object_id: Guid,
    /// Application (client) id.
    pub app_id: Guid,
    #[serde(default = "my_org")]
    pub sign_in_audience: String,
    /// UPNs of the owners.
    #[serde(default)]
    pub owners: Vec<String>,
    /// Object id of the app's service principal in its tenant; none = no service principal.
    #[serde(default)]
    pub service_principal_id: Option<Guid>,
    #[serde(default)]
    pub secrets: Vec<SecretSpec>,
    /// "Allow public client flows": usable as the sign-in client.
    #[serde(default)]
    pub public_client: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretSpec {
    pub display_name: String,
    /// Days from now until the secret expires; negative = already expired.
    pub expires_in_days: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManagedIdentitySpec {
    pub subscription: Guid,
    pub resource_group: String,
    pub name: String,
    pub location: String,
    pub client_id: Guid,
    pub principal_id: Guid,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationSpec {
    pub name: String,
    pub id: Guid,
    /// The Entra tenant the organization is connected to.
    pub tenant: Guid,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectSpec {
    pub organization: String,
    pub name: String,
    pub id: Guid,
    #[serde(default)]
    pub description: String,
    #[serde(default = "private")]
    pub visibility: String,
    /// "wellFormed", "createPending", "deleting", "new"; only wellFormed ones are listed
    /// by default.
    #[serde(default = "well_formed")]
    pub state: String,
}

/// A group besides the five every project gets (Readers, Contributors, Project
/// Administrators, Endpoint Administrators, Endpoint Creators).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupSpec {
    pub organization: String,
    /// None = an organization-level group.
    #[serde(default)]
    pub project: Option<String>,
    pub name: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntitlementSpec {
    pub organization: String,
    /// Service principal object id (or managed identity principal id) in the org's tenant.
    pub principal: Guid,
    /// accountLicenseType: express (Basic), stakeholder, ...
    #[serde(default = "express")]
    pub license: String,
    /// "Project/Group" entries, e.g. "Web/Readers".
    #[serde(default)]
    pub groups: Vec<String>,
    /// The licence comes from a group rule: a PATCH of `accessLevel` is refused.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub group_licensed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceConnectionSpec {
    pub organization: String,
    pub project: String,
    pub name: String,
    pub id: Guid,
    /// azurerm, WorkloadIdentityUser, externaltfs, externalnugetfeed, dockerregistry, generic, github.
    #[serde(rename = "type")]
    pub kind: String,
    /// WorkloadIdentityFederation, ServicePrincipal, Token, UsernamePassword, ManagedServiceIdentity.
    pub scheme: String,
    #[serde(default)]
    pub description: String,
    /// serviceprincipalid: the app id / managed identity client id.
    #[serde(default)]
    pub identity: Option<Guid>,
    /// tenantid; defaults to the organization's tenant.
    #[serde(default)]
    pub tenant: Option<Guid>,
    /// "Manual" or "Automatic" (azurerm).
    #[serde(default)]
    pub creation_mode: Option<String>,
    #[serde(default)]
    pub subscription: Option<Guid>,
    #[serde(default)]
    pub resource_group: Option<String>,
    #[serde(default)]
    pub management_group: Option<String>,
    /// Which issuer a WorkloadIdentityFederation connection carries.
    #[serde(default)]
    pub issuer: IssuerChoice,
    /// The connection url; defaults per type.
    #[serde(default)]
    pub url: Option<String>,
    /// WorkloadIdentityUser: the organization the connection reaches, when not its own.
    #[serde(default)]
    pub target_organization: Option<String>,
    /// Other projects (names) the connection is shared with.
    #[serde(default)]
    pub shared_with: Vec<String>,
    #[serde(default)]
    pub is_draft: bool,
    /// The stored secret or token has expired (ServicePrincipal, Token, UsernamePassword).
    #[serde(default)]
    pub secret_expired: bool,
    #[serde(default)]
    pub all_pipelines: bool,
    /// Pipeline ids authorized to use the connection.
    #[serde(default)]
    pub authorized_pipelines: Vec<u32>,
    #[serde(default)]
    pub created_days_ago: Option<u32>,
    /// The connection ran in a pipeline this many days ago (execution history).
    #[serde(default)]
    pub last_used_days_ago: Option<u32>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IssuerChoice {
    #[default]
    Entra,
    AzureDevops,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FederatedCredentialSpec {
    /// App id of an application, or client id of a managed identity.
    pub identity: Guid,
    pub name: String,
    /// Takes issuer and subject from this connection ("org/project/connection").
    #[serde(default)]
    pub for_connection: Option<String>,
    #[serde(default)]
    pub issuer: Option<String>,
    #[serde(default)]
    pub subject: Option<String>,
    /// Breaks the copied subject on purpose.
    #[serde(default)]
    pub alteration: Option<FicAlteration>,
    #[serde(default = "token_exchange_audiences")]
    pub audiences: Vec<String>,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FicAlteration {
    /// The subject differs in letter case only (AADSTS7002138).
    SubjectCase,
    /// The subject names another connection (AADSTS700213).
    Subject,
    /// The issuer is the other generation's (AADSTS700211).
    Issuer,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineSpec {
    pub organization: String,
    pub project: String,
    pub id: u32,
    pub name: String,
    #[serde(default = "root_folder")]
    pub folder: String,
    #[serde(default = "default_yaml_path")]
    pub path: String,
    /// The YAML file's text; empty for a classic pipeline.
    #[serde(default)]
    pub yaml: String,
    /// A classic (designer) build pipeline instead of YAML: its `process.phases` as Azure DevOps
    /// returns them (steps with `task.id`, `task.versionSpec` and `inputs`; `jobTimeoutInMinutes`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classic_phases: Option<serde_json::Value>,
}

fn yes() -> bool {
    true
}
fn my_org() -> String {
    "AzureADMyOrg".into()
}
fn private() -> String {
    "private".into()
}
fn well_formed() -> String {
    "wellFormed".into()
}
fn express() -> String {
    "express".into()
}
fn root_folder() -> String {
    "\\".into()
}
fn default_yaml_path() -> String {
    "/azure-pipelines.yml".into()
}
fn token_exchange_audiences() -> Vec<String> {
    vec![keyless_core::federation::TOKEN_EXCHANGE_AUDIENCE.to_string()]
}
