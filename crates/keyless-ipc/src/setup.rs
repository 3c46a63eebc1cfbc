//! `SetupInput`: the setup the wizard builds, field for field the CLI's setup file in camelCase.
//!
//! This is a transport shape only. Ids arrive as strings and names unchecked; the controller
//! converts it into `keyless_core::setup::Setup` and runs the same checks the CLI runs, so the
//! UI's own validation is a convenience, never the gate.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The whole setup: one identity, the organizations and projects it joins, the connections.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SetupInput {
    pub identity: IdentityInput,
    pub organizations: Vec<OrganizationInput>,
    pub connections: Vec<ConnectionInput>,
}

/// `plan_setup(request)` and `apply_setup(request, onProgress)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SetupRequest {
    pub setup: SetupInput,
}

/// Which identity the connections authenticate as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum IdentityInput {
    /// A single-tenant app registration with this display name, created if missing.
    #[serde(rename_all = "camelCase")]
    AppRegistration { name: String, when_full: WhenFullInput },
    /// A user-assigned managed identity, created if missing.
    #[serde(rename_all = "camelCase")]
    ManagedIdentity {
        name: String,
        /// Subscription id.
        subscription: String,
        resource_group: String,
        /// e.g. "westeurope".
        location: String,
        when_full: WhenFullInput,
    },
    /// An identity that already exists, found by exactly one of these keys.
    #[serde(rename_all = "camelCase")]
    Existing {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional = nullable)]
        client_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional = nullable)]
        resource_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional = nullable)]
        name: Option<String>,
    },
}

/// What to do when the identity would need a 21st federated credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum WhenFullInput {
    /// Refuse the plan and say how many connections fit.
    Stop,
    /// Create `<name>-2`, `<name>-3`, ... for the connections that do not fit.
    NewIdentity,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationInput {
    pub name: String,
    pub access_level: AccessLevelInput,
    pub projects: Vec<ProjectAccessInput>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum AccessLevelInput {
    Stakeholder,
    Basic,
    BasicTestPlans,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ProjectAccessInput {
    pub name: String,
    /// At least one group.
    pub groups: Vec<ProjectGroupInput>,
}

/// A project security group: one of the three built-in ones, or any other by display name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ProjectGroupInput {
    Readers,
    Contributors,
    ProjectAdministrators,
    Custom(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionInput {
    pub name: String,
    /// The organization and project that own the connection.
    pub organization: String,
    pub project: String,
    #[serde(rename = "type")]
    pub connection_type: ConnectionTypeInput,
    /// `azureRm` only: where the role assignment lives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub scope: Option<ScopeInput>,
    /// `azureRm` only: a built-in role name or role definition GUID; Reader when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub role: Option<String>,
    /// `azureDevops` only: the organization pipelines reach; the owning one when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub target_organization: Option<String>,
    pub description: String,
    /// Other projects of the same organization to share the connection with.
    pub share_with: Vec<String>,
    /// Pipelines (by name, in the owning project) allowed to use the connection.
    pub pipelines: Vec<String>,
    /// Allow every pipeline of the project; only when the user asks for it explicitly.
    pub all_pipelines: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ConnectionTypeInput {
    /// Azure Resource Manager: pipelines deploy to Azure.
    AzureRm,
    /// Azure DevOps: pipelines call Azure DevOps without a PAT.
    AzureDevops,
}

/// A subscription (optionally with a resource group), or a management group alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ScopeInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub subscription: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub resource_group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub management_group: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setup_input_reads_the_wizard_json() {
        let json = serde_json::json!({
            "identity": { "kind": "appRegistration", "name": "kl-prod", "whenFull": "stop" },
            "organizations": [{ "name": "contoso", "accessLevel": "basic",
                "projects": [{ "name": "Web", "groups": ["readers", { "custom": "Deployers" }] }] }],
            "connections": [{ "name": "sc-prod", "organization": "contoso", "project": "Web", "type": "azureRm",
                "scope": { "subscription": "0000", "resourceGroup": "rg-web" }, "description": "",
                "shareWith": [], "pipelines": ["web-deploy"], "allPipelines": false }]
        });
        let setup: SetupInput = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(
            setup.organizations[0].projects[0].groups,
            [ProjectGroupInput::Readers, ProjectGroupInput::Custom("Deployers".into())]
        );
        assert_eq!(setup.connections[0].role, None);
        assert_eq!(serde_json::to_value(&setup).unwrap(), json);
    }

    #[test]
    fn existing_identity_takes_one_optional_key() {
        let identity: IdentityInput = serde_json::from_str(r#"{"kind":"existing","clientId":"abc"}"#).unwrap();
        assert_eq!(identity, IdentityInput::Existing { client_id: Some("abc".into()), resource_id: None, name: None });
    }
}
