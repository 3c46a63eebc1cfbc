//! The migration file: which existing service connections to move to zero-secret workload
//! identity federation, and how each one moves. The CLI reads it from TOML; `draft` writes the
//! commented first version from an inventory and `planner` checks it against the live estate.
//!
//! This module parses and checks the file on its own; whether an entry still matches its
//! connection needs the inventory and is the planner's job. Nothing here writes to Azure.

pub mod draft;
pub mod planner;
mod render;
pub mod yaml_patch;

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

pub use draft::draft_migration_file;
pub use planner::{
    CredentialWriter, EntryStatus, ImpactCheck, MigrationPlan, PlanContext, PlannedCredential, PlannedIdentity,
    PlannedMigration, Refusal, SubjectSource, Wave, action_allowed_for, plan_migration,
};
pub use render::render_migration_plan;
pub use yaml_patch::{ConnectionRewrite, rename_connection_inputs, unified_patch};

use crate::{Guid, InputError, names, setup::IdentitySpec};

pub use crate::names::OrgName;

/// How many connections one wave migrates when the file does not say.
pub const DEFAULT_WAVE_SIZE: u32 = 10;

/// A whole migration file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct MigrationFile {
    #[serde(default)]
    pub options: MigrationOptions,
    /// One entry per connection to migrate, keyed by its id.
    #[serde(default)]
    pub connections: Vec<MigrationEntry>,
}

/// Settings for the whole migration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct MigrationOptions {
    /// How many connections one wave migrates; a wave is verified before the next starts.
    #[serde(default = "default_wave_size")]
    pub wave_size: u32,
    /// Remove the client secrets a verified conversion made unnecessary (listed first).
    #[serde(default)]
    pub remove_unneeded_secrets: bool,
}

impl Default for MigrationOptions {
    fn default() -> Self {
        MigrationOptions { wave_size: DEFAULT_WAVE_SIZE, remove_unneeded_secrets: false }
    }
}

fn default_wave_size() -> u32 {
    DEFAULT_WAVE_SIZE
}

/// What happens to one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum MigrationAction {
    /// Secret to workload identity federation, same connection (`ConvertAuthenticationScheme`):
    /// the id, pipeline permissions, checks and approvals stay.
    ConvertInPlace,
    /// Workload identity on the retiring Azure DevOps issuer to the Entra issuer, same connection.
    SwitchIssuer,
    /// A token connection to Azure DevOps is replaced by a new "Azure DevOps" connection backed
    /// by an identity; the old one is left untouched.
    ReplaceWithAzureDevopsConnection,
    /// Listed but left as it is.
    Skip,
}

impl MigrationAction {
    /// As written in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            MigrationAction::ConvertInPlace => "convert-in-place",
            MigrationAction::SwitchIssuer => "switch-issuer",
            MigrationAction::ReplaceWithAzureDevopsConnection => "replace-with-azure-devops-connection",
            MigrationAction::Skip => "skip",
        }
    }
}

/// One connection to migrate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct MigrationEntry {
    pub organization: OrgName,
    /// The owning project: a shared connection is migrated from there.
    pub project: String,
    /// The name when the file was written; the id decides which connection it is.
    pub name: String,
    /// The connection's id (the key of the entry).
    pub id: Guid,
    pub action: MigrationAction,
    /// replace-with-azure-devops-connection only: the new connection's name, `<name>-wif` by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_name: Option<String>,
    /// replace-with-azure-devops-connection only: the identity the new connection signs in as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<IdentitySpec>,
    /// Blocking impact findings accepted one by one, by their location.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub override_blocking: Vec<String>,
}

impl MigrationEntry {
    /// `organization/project/name`, as messages name the entry.
    pub fn label(&self) -> String {
        format!("{}/{}/{}", self.organization, self.project, self.name)
    }

    /// The name of the connection that replaces a token connection.
    pub fn replacement_name(&self) -> String {
        self.new_name.clone().unwrap_or_else(|| replacement_name_for(&self.name))
    }
}

/// The default name of the "Azure DevOps" connection that replaces the token connection `name`.
pub fn replacement_name_for(name: &str) -> String {
    format!("{name}-wif")
}

/// Parses a migration file, naming the file and line on error, then checks it.
pub fn parse_migration_toml(source_name: &str, text: &str) -> Result<MigrationFile, InputError> {
    let file: MigrationFile = toml::from_str(text).map_err(|e| {
        InputError::new(
            "migration file",
            format!("{source_name}: {}", e.to_string().trim_end()),
            "fix the file; the migration file's JSON Schema lists every field, and examples/migration.toml is a complete one",
        )
    })?;
    check_migration(&file)?;
    Ok(file)
}

/// Checks the rules that need only the file: wave size, duplicates, fields that belong to
/// another action, the replacement's name and identity.
pub fn check_migration(file: &MigrationFile) -> Result<(), InputError> {
    if file.options.wave_size == 0 {
        return Err(InputError::new(
            "wave_size",
            "a wave of 0 connections never migrates anything",
            format!("set wave_size to 1 or more under [options] ({DEFAULT_WAVE_SIZE} by default)"),
        ));
    }
    let mut ids = BTreeSet::new();
    for entry in &file.connections {
        names::validate_project_name(&entry.project).map_err(|e| for_entry(entry, e))?;
        if !ids.insert(entry.id) {
            return Err(InputError::new(
                "connections",
                format!("'{}': the connection {} is listed twice", entry.label(), entry.id),
                "keep one entry per connection id",
            ));
        }
        let replaces = entry.action == MigrationAction::ReplaceWithAzureDevopsConnection;
        if !replaces && (entry.new_name.is_some() || entry.identity.is_some()) {
            return Err(InputError::new(
                "new_name",
                format!(
                    "'{}': new_name and identity are only for action = \"replace-with-azure-devops-connection\", not \"{}\"",
                    entry.label(),
                    entry.action.as_str()
                ),
                "remove new_name and identity from this entry, or change its action",
            ));
        }
        if replaces {
            check_replacement(entry)?;
        }
    }
    Ok(())
}

fn check_replacement(entry: &MigrationEntry) -> Result<(), InputError> {
    names::validate_connection_name(&entry.replacement_name()).map_err(|e| for_entry(entry, e))?;
    match &entry.identity {
        None => Err(InputError::new(
            "identity",
            format!("'{}': a replacement connection needs an identity to sign in as", entry.label()),
            "add identity = { kind = \"app-registration\", name = \"<display name>\" }, a managed identity, or { kind = \"existing\", client_id = \"<id>\" }",
        )),
        Some(IdentitySpec::AppRegistration { name, .. }) => {
            names::validate_app_display_name(name).map_err(|e| for_entry(entry, e))
        }
        Some(IdentitySpec::ManagedIdentity { name, resource_group, location, .. }) => {
            names::validate_managed_identity_name(name).map_err(|e| for_entry(entry, e))?;
            names::validate_resource_group_name(resource_group).map_err(|e| for_entry(entry, e))?;
            names::validate_managed_identity_region(location).map_err(|e| for_entry(entry, e))
        }
        Some(IdentitySpec::Existing { client_id, resource_id, name }) => {
            let given = [client_id.is_some(), resource_id.is_some(), name.is_some()].iter().filter(|v| **v).count();
            if given == 1 {
                return Ok(());
            }
            Err(InputError::new(
                "identity",
                format!(
                    "'{}': an existing identity needs exactly one of client_id, resource_id or name",
                    entry.label()
                ),
                "set client_id (the app's Application (client) ID or the managed identity's Client ID), or resource_id, or name",
            ))
        }
    }
}

/// The same error, saying which entry it is about.
fn for_entry(entry: &MigrationEntry, error: InputError) -> InputError {
    InputError { problem: format!("'{}': {}", entry.label(), error.problem), ..error }
}

/// The JSON Schema of the migration file, for editors and the schema command.
pub fn migration_json_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(MigrationFile)).unwrap_or(serde_json::Value::Null)
}
