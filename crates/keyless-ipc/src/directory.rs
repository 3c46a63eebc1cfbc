//! The pickers' data: organizations, projects and pipelines, subscriptions, resource groups,
//! locations, existing identities, and the connection-name check.
//!
//! Everything here is read-only: these commands look things up for the wizard and change
//! nothing in Azure.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// `list_organizations()`: every organization the account reaches, in every tenant it belongs
/// to. Organizations that failed to load are listed in `failed` instead of failing the command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationList {
    pub organizations: Vec<OrganizationView>,
    /// Organizations or whole tenants that could not be read.
    pub failed: Vec<FailedLookup>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationView {
    /// e.g. "contoso", as in dev.azure.com/contoso.
    pub name: String,
    /// The organization id, a lowercase GUID.
    pub id: String,
    /// The Entra tenant the organization is connected to.
    pub tenant_id: String,
    pub project_count: u32,
    /// False when the organization is connected to another tenant than the signed-in one: its
    /// identity and credentials then live in that tenant.
    pub tenant_matches_account: bool,
    /// Whether the account is a Project Collection Administrator there; `null` when unknown.
    pub is_administrator: Option<bool>,
    /// A problem that does not hide the organization, e.g. its projects could not be counted.
    pub problem: Option<String>,
}

/// Something `list_organizations` could not read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum FailedLookup {
    /// One organization was found but could not be read.
    #[serde(rename_all = "camelCase")]
    Organization {
        name: String,
        /// What failed and why, shown as it is.
        message: String,
    },
    /// A whole tenant's organizations could not be listed.
    #[serde(rename_all = "camelCase")]
    Tenant {
        tenant_id: String,
        /// The signed-in tenant: organizations are surely missing from the list.
        home: bool,
        message: String,
    },
}

/// `list_projects(request)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationRequest {
    pub organization: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ProjectView {
    pub id: String,
    pub name: String,
    pub pipelines: Vec<PipelineView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PipelineView {
    pub id: u64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionView {
    pub id: String,
    pub name: String,
    pub tenant_id: String,
}

/// `list_resource_groups(request)` and `list_locations(request)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionRequest {
    /// The subscription id.
    pub subscription: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ResourceGroupView {
    pub name: String,
    /// e.g. "westeurope".
    pub location: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LocationView {
    /// e.g. "westeurope", the value a setup uses.
    pub name: String,
    /// e.g. "West Europe".
    pub display_name: String,
    /// False where Azure does not support federated credentials on managed identities; the UI
    /// disables those regions for a new managed identity.
    pub supports_federated_credentials: bool,
}

/// `search_identities(request)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct IdentitySearchRequest {
    /// The start of a display name (app registrations) or name (managed identities).
    pub query: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum IdentityKindView {
    AppRegistration,
    ManagedIdentity,
}

/// An identity that already exists and can back the connections.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct IdentityView {
    pub kind: IdentityKindView,
    pub display_name: String,
    /// The application (client) id, as a lowercase GUID.
    pub client_id: String,
    /// The app's object id, or the managed identity's ARM resource id; what `existing` setups
    /// may name in `resourceId`.
    pub resource_ref: String,
    /// A multitenant app cannot be used (connections need a single-tenant identity).
    pub multitenant: bool,
    /// Federated credentials it already has (at most 20 are allowed).
    pub federated_credential_count: u32,
    /// Whether the signed-in account can add federated credentials to it; when false the run
    /// hands those writes off to the identity's owner.
    pub can_write: bool,
}

/// `check_connection_name(request)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionNameRequest {
    pub organization: String,
    pub project: String,
    pub name: String,
}

/// Whether a connection name can be used; `problem` and `help` are shown next to the field.
/// `help` can also come with `ok: true`, as a note (e.g. an existing workload identity
/// connection of that name will be reused).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NameCheck {
    pub ok: bool,
    pub problem: Option<String>,
    pub help: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organization_view_names_unknowns_with_null() {
        let view = OrganizationView {
            name: "contoso".into(),
            id: "0b1c".into(),
            tenant_id: "72f9".into(),
            project_count: 3,
            tenant_matches_account: true,
            is_administrator: None,
            problem: None,
        };
        assert_eq!(
            serde_json::to_value(&view).unwrap(),
            serde_json::json!({ "name": "contoso", "id": "0b1c", "tenantId": "72f9", "projectCount": 3,
                "tenantMatchesAccount": true, "isAdministrator": null, "problem": null })
        );
    }

    #[test]
    fn identity_kinds_are_camel_case() {
        assert_eq!(serde_json::to_value(IdentityKindView::ManagedIdentity).unwrap(), "managedIdentity");
    }
}
