//! What `keyless export terraform` writes: the objects a selection of the inventory or a finished
//! run describes ([`ExportSet`]), rendered as Terraform with an `import` block for each object
//! that exists, so a team can manage them as code from then on.
//!
//! Pure data and rendering: reading Azure is `keyless-usecases`' `export`. No secret is ever
//! part of an [`ExportSet`]; a connection that signs in with a secret or a token is exported as
//! it is, with a comment saying its secret is not.
//!
//! Where the Terraform providers' documentation leaves a choice open, the rendering guesses,
//! here and only here:
//! 1. The "Azure DevOps" connection type (`WorkloadIdentityUser`) has no dedicated resource in the
//!    `microsoft/azuredevops` provider (its `azuredevops_serviceendpoint_azuredevops` is the
//!    token-based "Configurable Pipeline Runner" type), so it is written as
//!    `azuredevops_serviceendpoint_generic_v2` with its type, scheme and the identity's
//!    `serviceprincipalid` and `tenantid` as authorization parameters.
//! 2. Other connection types are written the same way with no authorization parameters.
//! 3. `azurerm_federated_identity_credential` keeps `resource_group_name` next to `parent_id`
//!    because the 4.x provider line asked for it before deprecating it.

mod hcl;
mod naming;
mod terraform;

use serde::{Deserialize, Serialize};

use crate::Guid;

pub use hcl::hcl_string;
pub use naming::{NameBook, terraform_name};
pub use terraform::{RenderedObject, RenderedTerraform, render_terraform};

/// Everything one export writes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportSet {
    /// The Azure DevOps organizations the connections and entitlements live in.
    pub organizations: Vec<ExportOrganization>,
    /// The Entra tenant of the identities, for the `azuread` provider.
    pub tenant_id: Option<Guid>,
    pub objects: Vec<ExportObject>,
    /// What was left out and why; written as comments at the top.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportOrganization {
    pub name: String,
    /// `https://dev.azure.com/{org}` in the public cloud.
    pub service_url: String,
}

/// One object to manage as code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum ExportObject {
    Application(ExportApplication),
    ServicePrincipal(ExportServicePrincipal),
    ManagedIdentity(ExportManagedIdentity),
    FederatedCredential(ExportFederatedCredential),
    RoleAssignment(ExportRoleAssignment),
    Entitlement(ExportEntitlement),
    ServiceConnection(ExportConnection),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportApplication {
    pub object_id: Guid,
    pub client_id: Guid,
    pub display_name: String,
    pub sign_in_audience: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportServicePrincipal {
    pub object_id: Guid,
    pub client_id: Guid,
    pub display_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportManagedIdentity {
    /// `/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}`.
    pub resource_id: String,
    pub name: String,
    pub resource_group: String,
    pub location: String,
    pub client_id: Guid,
}

/// Which identity a federated credential belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum CredentialParent {
    #[serde(rename_all = "camelCase")]
    Application { object_id: Guid },
    #[serde(rename_all = "camelCase")]
    ManagedIdentity { resource_id: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportFederatedCredential {
    pub parent: CredentialParent,
    /// Graph's credential id; an application's credential is imported by it.
    pub id: Option<Guid>,
    pub name: String,
    pub issuer: String,
    pub subject: String,
    pub audiences: Vec<String>,
    pub description: Option<String>,
}

/// A role as the assignment names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "camelCase")]
pub enum RoleRef {
    /// A built-in role's name, such as `Reader`.
    Name(String),
    /// A full role definition id (`.../providers/Microsoft.Authorization/roleDefinitions/{guid}`).
    DefinitionId(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportRoleAssignment {
    /// `{scope}/providers/Microsoft.Authorization/roleAssignments/{guid}`.
    pub id: String,
    pub scope: String,
    pub role: RoleRef,
    /// The service principal's object id.
    pub principal_id: Guid,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportEntitlement {
    pub organization: String,
    pub id: Guid,
    /// The service principal's object id in Entra.
    pub origin_id: Guid,
    /// `stakeholder`, `basic` or `advanced`, when known.
    pub license: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportConnection {
    pub organization: String,
    /// The owning project's name.
    pub project: String,
    /// The owning project's id, when read; the import id falls back to the project name.
    pub project_id: Option<Guid>,
    pub id: Guid,
    pub name: String,
    pub description: Option<String>,
    pub target: ConnectionTarget,
}

/// What a connection reaches and how it signs in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum ConnectionTarget {
    #[serde(rename_all = "camelCase")]
    AzureRm {
        /// `WorkloadIdentityFederation`, `ServicePrincipal` or `ManagedServiceIdentity`.
        scheme: String,
        tenant_id: Option<Guid>,
        client_id: Option<Guid>,
        scope: AzureRmScope,
        /// `AzureCloud`, `AzureUSGovernment`, ...
        environment: Option<String>,
    },
    /// The "Azure DevOps" type (`WorkloadIdentityUser`).
    #[serde(rename_all = "camelCase")]
    AzureDevOps { scheme: String, tenant_id: Option<Guid>, client_id: Option<Guid>, url: String },
    #[serde(rename_all = "camelCase")]
    Other { endpoint_type: String, scheme: String, url: Option<String> },
}

impl ConnectionTarget {
    /// Whether the connection signs in with something Keyless never exports (a secret,
    /// certificate, token or password).
    pub fn holds_secret(&self) -> bool {
        match self {
            ConnectionTarget::AzureRm { scheme, .. } | ConnectionTarget::AzureDevOps { scheme, .. } => {
                !matches!(scheme.as_str(), "WorkloadIdentityFederation" | "ManagedServiceIdentity")
            }
            ConnectionTarget::Other { scheme, .. } => scheme != "None",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum AzureRmScope {
    #[serde(rename_all = "camelCase")]
    Subscription { id: Guid, name: Option<String>, resource_group: Option<String> },
    #[serde(rename_all = "camelCase")]
    ManagementGroup { id: String, name: Option<String> },
    /// The connection names no scope Keyless could read.
    Unknown,
}
