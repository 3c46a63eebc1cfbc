//! The declarative setup: what the admin asks Keyless to make true. The CLI reads it from a
//! TOML file; the desktop wizard builds the same structure. This module parses and checks the
//! file on its own; checks that need the live state belong to the planner.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::{Guid, InputError, names};

pub use crate::names::OrgName;

/// A whole setup file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Setup {
    /// The one identity every connection in this setup uses.
    pub identity: IdentitySpec,
    /// Organizations (and their projects) the identity joins.
    #[serde(default)]
    pub organizations: Vec<OrganizationSpec>,
    /// Service connections to create or reuse.
    #[serde(default)]
    pub connections: Vec<ConnectionSpec>,
}

/// Which identity connections authenticate as.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum IdentitySpec {
    /// A single-tenant app registration with this display name, created if missing.
    AppRegistration {
        name: String,
        /// What to do when the app would need a 21st federated credential.
        #[serde(default)]
        when_full: WhenFull,
    },
    /// A user-assigned managed identity, created if missing.
    ManagedIdentity {
        name: String,
        subscription: Guid,
        resource_group: String,
        location: String,
        #[serde(default)]
        when_full: WhenFull,
    },
    /// An identity that already exists, found by exactly one of these keys.
    Existing {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_id: Option<Guid>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resource_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
}

/// The 20-credential cap, planned around instead of failing on the 21st write.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum WhenFull {
    /// Refuse the plan and say how many connections fit.
    #[default]
    Stop,
    /// Create `<name>-2`, `<name>-3`, ... of the same kind for the connections that do not fit.
    NewIdentity,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct OrganizationSpec {
    pub name: OrgName,
    /// Licence the identity gets in this organization (Basic unless said otherwise).
    #[serde(default)]
    pub access_level: AccessLevel,
    #[serde(default)]
    pub projects: Vec<ProjectAccessSpec>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct ProjectAccessSpec {
    pub name: String,
    /// Project groups to join; Readers when empty.
    #[serde(default = "default_groups")]
    pub groups: Vec<ProjectGroup>,
}

fn default_groups() -> Vec<ProjectGroup> {
    vec![ProjectGroup::Readers]
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AccessLevel {
    Stakeholder,
    #[default]
    Basic,
    BasicTestPlans,
}

impl AccessLevel {
    /// The `accountLicenseType` value of the entitlements API.
    pub fn license_type(self) -> &'static str {
        match self {
            AccessLevel::Stakeholder => "stakeholder",
            AccessLevel::Basic => "express",
            AccessLevel::BasicTestPlans => "advanced",
        }
    }

    pub fn from_license_type(value: &str) -> Option<Self> {
        match value {
            "stakeholder" => Some(AccessLevel::Stakeholder),
            "express" | "basic" => Some(AccessLevel::Basic),
            "advanced" => Some(AccessLevel::BasicTestPlans),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AccessLevel::Stakeholder => "Stakeholder",
            AccessLevel::Basic => "Basic",
            AccessLevel::BasicTestPlans => "Basic + Test Plans",
        }
    }
}

/// A project security group.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ProjectGroup {
    Readers,
    Contributors,
    ProjectAdministrators,
    /// Any other group of the project, by display name.
    Custom(String),
}

impl ProjectGroup {
    /// The display name Azure DevOps gives the group.
    pub fn display_name(&self) -> &str {
        match self {
            ProjectGroup::Readers => "Readers",
            ProjectGroup::Contributors => "Contributors",
            ProjectGroup::ProjectAdministrators => "Project Administrators",
            ProjectGroup::Custom(name) => name,
        }
    }

    /// The entitlements API `groupType`, for the groups it knows.
    pub fn group_type(&self) -> &'static str {
        match self {
            ProjectGroup::Readers => "projectReader",
            ProjectGroup::Contributors => "projectContributor",
            ProjectGroup::ProjectAdministrators => "projectAdministrator",
            ProjectGroup::Custom(_) => "custom",
        }
    }
}

/// One service connection. In the file, `type` picks the kind and only that kind's fields
/// are allowed (see [`RawConnectionSpec`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawConnectionSpec", into = "RawConnectionSpec")]
pub struct ConnectionSpec {
    pub name: String,
    /// Organization and project that own the connection.
    pub organization: OrgName,
    pub project: String,
    pub kind: ConnectionKind,
    pub description: String,
    /// Other projects of the same organization to share the connection with.
    pub share_with: Vec<String>,
    /// Pipelines (by name, in the owning project) allowed to use the connection.
    pub pipelines: Vec<String>,
    /// Allow every pipeline; only when asked explicitly, because it is the insecure default
    /// many tools use.
    pub all_pipelines: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ConnectionKind {
    /// An Azure Resource Manager (`azurerm`) connection.
    AzureRm { scope: AzureScope, role: String },
    /// The "Azure DevOps" connection type, to reach this or another organization.
    AzureDevops { target_organization: Option<OrgName> },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ConnectionType {
    /// Azure Resource Manager: pipelines deploy to Azure.
    AzureRm,
    /// Azure DevOps: pipelines call Azure DevOps (this or another organization) without a PAT.
    AzureDevops,
}

/// A service connection as written in the setup file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct RawConnectionSpec {
    pub name: String,
    pub organization: OrgName,
    pub project: String,
    #[serde(rename = "type")]
    pub connection_type: ConnectionType,
    /// azure-rm only: where the role assignment lives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<AzureScope>,
    /// azure-rm only: built-in role name or role definition GUID; Reader (least privilege) by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// azure-devops only: the organization pipelines reach; the owning one when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_organization: Option<OrgName>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub share_with: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pipelines: Vec<String>,
    #[serde(default)]
    pub all_pipelines: bool,
}

impl TryFrom<RawConnectionSpec> for ConnectionSpec {
    type Error = String;
    fn try_from(raw: RawConnectionSpec) -> Result<Self, Self::Error> {
        let RawConnectionSpec {
            name,
            organization,
            project,
            connection_type,
            scope,
            role,
            target_organization,
            description,
            share_with,
            pipelines,
            all_pipelines,
        } = raw;
        let kind = match connection_type {
            ConnectionType::AzureRm => {
                if target_organization.is_some() {
                    return Err(format!(
                        "connection '{name}': target_organization is only for type = \"azure-devops\""
                    ));
                }
                let scope = scope.ok_or_else(|| format!("connection '{name}': type = \"azure-rm\" needs scope = {{ subscription = \"<id>\" }} (optionally with resource_group), or {{ management_group = \"<id>\" }}"))?;
                ConnectionKind::AzureRm { scope, role: role.unwrap_or_else(default_role) }
            }
            ConnectionType::AzureDevops => {
                if scope.is_some() || role.is_some() {
                    return Err(format!("connection '{name}': scope and role are only for type = \"azure-rm\""));
                }
                ConnectionKind::AzureDevops { target_organization }
            }
        };
        Ok(ConnectionSpec { name, organization, project, kind, description, share_with, pipelines, all_pipelines })
    }
}

impl From<ConnectionSpec> for RawConnectionSpec {
    fn from(spec: ConnectionSpec) -> Self {
        let ConnectionSpec { name, organization, project, kind, description, share_with, pipelines, all_pipelines } =
            spec;
        let (connection_type, scope, role, target_organization) = match kind {
            ConnectionKind::AzureRm { scope, role } => (ConnectionType::AzureRm, Some(scope), Some(role), None),
            ConnectionKind::AzureDevops { target_organization } => {
                (ConnectionType::AzureDevops, None, None, target_organization)
            }
        };
        RawConnectionSpec {
            name,
            organization,
            project,
            connection_type,
            scope,
            role,
            target_organization,
            description,
            share_with,
            pipelines,
            all_pipelines,
        }
    }
}

impl schemars::JsonSchema for ConnectionSpec {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        RawConnectionSpec::schema_name()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        RawConnectionSpec::json_schema(generator)
    }
}

fn default_role() -> String {
    "Reader".to_string()
}

/// Where an Azure Resource Manager connection's role assignment lives.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "RawAzureScope", into = "RawAzureScope")]
pub enum AzureScope {
    ResourceGroup { subscription: Guid, resource_group: String },
    Subscription { subscription: Guid },
    ManagementGroup { management_group: String },
}

/// A scope as written in the file: a subscription, optionally with a resource group, or a
/// management group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAzureScope {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription: Option<Guid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub management_group: Option<String>,
}

impl TryFrom<RawAzureScope> for AzureScope {
    type Error = &'static str;
    fn try_from(raw: RawAzureScope) -> Result<Self, Self::Error> {
        match (raw.subscription, raw.resource_group, raw.management_group) {
            (Some(subscription), Some(resource_group), None) => {
                Ok(AzureScope::ResourceGroup { subscription, resource_group })
            }
            (Some(subscription), None, None) => Ok(AzureScope::Subscription { subscription }),
            (None, None, Some(management_group)) => Ok(AzureScope::ManagementGroup { management_group }),
            _ => Err("scope takes subscription (optionally with resource_group), or management_group alone"),
        }
    }
}

impl From<AzureScope> for RawAzureScope {
    fn from(scope: AzureScope) -> Self {
        match scope {
            AzureScope::ResourceGroup { subscription, resource_group } => RawAzureScope {
                subscription: Some(subscription),
                resource_group: Some(resource_group),
                management_group: None,
            },
            AzureScope::Subscription { subscription } => {
                RawAzureScope { subscription: Some(subscription), resource_group: None, management_group: None }
            }
            AzureScope::ManagementGroup { management_group } => {
                RawAzureScope { subscription: None, resource_group: None, management_group: Some(management_group) }
            }
        }
    }
}

impl schemars::JsonSchema for AzureScope {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        RawAzureScope::schema_name()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        RawAzureScope::json_schema(generator)
    }
}

impl AzureScope {
    /// The ARM scope path, e.g. `/subscriptions/{id}/resourceGroups/{rg}`.
    pub fn arm_path(&self) -> String {
        match self {
            AzureScope::Subscription { subscription } => format!("/subscriptions/{subscription}"),
            AzureScope::ResourceGroup { subscription, resource_group } => {
                format!("/subscriptions/{subscription}/resourceGroups/{resource_group}")
            }
            AzureScope::ManagementGroup { management_group } => {
                format!("/providers/Microsoft.Management/managementGroups/{management_group}")
            }
        }
    }
}

impl ConnectionSpec {
    /// `org/project/name`, the key steps and reports use for this connection.
    pub fn key(&self) -> String {
        format!("{}/{}/{}", self.organization, self.project, self.name)
    }

    /// The organizations the identity must be a user of for this connection to work, each with
    /// the project it must be able to read there, if any. An Azure DevOps connection needs
    /// both the organization that owns it (with its project) and the one it reaches; an Azure
    /// Resource Manager connection needs none.
    pub fn organizations_needing_membership(&self) -> Vec<NeededMembership<'_>> {
        match &self.kind {
            ConnectionKind::AzureRm { .. } => vec![],
            ConnectionKind::AzureDevops { target_organization } => {
                let owner = NeededMembership { organization: &self.organization, project: Some(&self.project) };
                match target_organization {
                    Some(target) if target != &self.organization => {
                        vec![owner, NeededMembership { organization: target, project: None }]
                    }
                    _ => vec![owner],
                }
            }
        }
    }
}

/// One organization a connection needs its identity to be a user of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NeededMembership<'a> {
    pub organization: &'a OrgName,
    /// The project whose Readers group (at least) the identity must join; `None` for a target
    /// organization, where the setup names no project.
    pub project: Option<&'a str>,
}

/// Parses a setup file, naming the file and line on error.
pub fn parse_setup_toml(source_name: &str, text: &str) -> Result<Setup, InputError> {
    let setup: Setup = toml::from_str(text).map_err(|e| {
        InputError::new(
            "setup file",
            format!("{source_name}: {}", e.to_string().trim_end()),
            "fix the file; `keyless schema` prints every field, and examples/ has complete setups",
        )
    })?;
    check_setup(&setup)?;
    Ok(setup)
}

/// Checks the rules that need only the file: names, duplicates, explicit choices.
pub fn check_setup(setup: &Setup) -> Result<(), InputError> {
    match &setup.identity {
        IdentitySpec::AppRegistration { name, .. } => names::validate_app_display_name(name)?,
        IdentitySpec::ManagedIdentity { name, resource_group, location, .. } => {
            names::validate_managed_identity_name(name)?;
            names::validate_resource_group_name(resource_group)?;
            names::validate_managed_identity_region(location)?;
        }
        IdentitySpec::Existing { client_id, resource_id, name } => {
            let given = [client_id.is_some(), resource_id.is_some(), name.is_some()].iter().filter(|v| **v).count();
            if given != 1 {
                return Err(InputError::new(
                    "identity",
                    "an existing identity needs exactly one of client_id, resource_id or name",
                    "set client_id (the app's Application (client) ID or the managed identity's Client ID), or resource_id, or name",
                ));
            }
        }
    }
    let mut orgs = BTreeSet::new();
    for org in &setup.organizations {
        if !orgs.insert(org.name.clone()) {
            return Err(InputError::new(
                "organizations",
                format!("'{}' is listed twice", org.name),
                "merge the two entries into one",
            ));
        }
        let mut projects = BTreeSet::new();
        for project in &org.projects {
            names::validate_project_name(&project.name)?;
            if !projects.insert(project.name.to_lowercase()) {
                return Err(InputError::new(
                    "projects",
                    format!("'{}/{}' is listed twice", org.name, project.name),
                    "merge the two entries into one",
                ));
            }
            if project.groups.is_empty() {
                return Err(InputError::new(
                    "groups",
                    format!("'{}/{}' lists no groups", org.name, project.name),
                    "name at least one group, e.g. groups = [\"readers\"]",
                ));
            }
        }
    }
    let mut keys = BTreeSet::new();
    for connection in &setup.connections {
        names::validate_connection_name(&connection.name)?;
        names::validate_project_name(&connection.project)?;
        if !keys.insert(connection.key().to_lowercase()) {
            return Err(InputError::new(
                "connections",
                format!("'{}' is listed twice", connection.key()),
                "give each connection in a project its own name",
            ));
        }
        if connection.all_pipelines && !connection.pipelines.is_empty() {
            return Err(InputError::new(
                "pipelines",
                format!("'{}' sets both all_pipelines and named pipelines", connection.key()),
                "keep the named pipelines (safer) and remove all_pipelines, or remove the list",
            ));
        }
        if let ConnectionKind::AzureRm { scope: AzureScope::ResourceGroup { resource_group, .. }, .. } =
            &connection.kind
        {
            names::validate_resource_group_name(resource_group)?;
        }
        // An organization the setup does not list is joined by the planner with Basic access;
        // one it lists with less than Basic cannot carry the connection.
        for needed in connection.organizations_needing_membership() {
            let org = needed.organization;
            let listed = setup.organizations.iter().find(|o| &o.name == org);
            if listed.is_some_and(|o| o.access_level == AccessLevel::Stakeholder) {
                return Err(InputError::new(
                    "access_level",
                    format!("'{org}' gives the identity Stakeholder, but Azure DevOps connections need Basic at least"),
                    format!("set access_level = \"basic\" for '{org}'"),
                ));
            }
        }
    }
    Ok(())
}

/// The JSON Schema of the setup file, for editors and `keyless schema`.
pub fn setup_json_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Setup)).unwrap_or(serde_json::Value::Null)
}
