//! The first migration file, written from an inventory: one entry per migratable connection
//! with its default action, and a comment per connection saying why; connections that cannot
//! or need not be migrated appear as comments with the reason, so the admin sees the whole
//! estate. The admin edits it; the planner checks it again against a fresh inventory.

use std::fmt::Write;

use super::{DEFAULT_WAVE_SIZE, MigrationAction, planner::action_allowed_for, replacement_name_for};
use crate::inventory::{AZURE_DEVOPS_ISSUER_RETIREMENT, ConnectionClass, InventoriedConnection};

/// The commented TOML text of a migration file for `connections` (sorted as the inventory is).
pub fn draft_migration_file(connections: &[InventoriedConnection]) -> String {
    let mut text = String::new();
    let migratable = connections.iter().filter(|c| action_allowed_for(c).is_some()).count();
    let _ = writeln!(
        text,
        "# Keyless migration file: {migratable} of {} service connections to migrate.",
        connections.len()
    );
    text.push_str(
        "# Each [[connections]] entry is one connection, found by its id. Change an entry's action,\n\
         # set action = \"skip\", or delete the entry; then plan the migration to see what it would do.\n\
         # Actions: convert-in-place | switch-issuer | replace-with-azure-devops-connection | skip.\n\n",
    );
    text.push_str("[options]\n");
    let _ = writeln!(text, "# How many connections one wave migrates; each wave is verified before the next.");
    let _ = writeln!(text, "wave_size = {DEFAULT_WAVE_SIZE}");
    text.push_str("# Remove the client secrets a verified conversion made unnecessary (listed first).\n");
    text.push_str("remove_unneeded_secrets = false\n");
    let mut organization = None;
    for connection in connections {
        if organization != Some(&connection.organization) {
            organization = Some(&connection.organization);
            let _ = writeln!(text, "\n# ---- organization {} ----", connection.organization);
        }
        match action_allowed_for(connection) {
            Some(action) => entry(&mut text, connection, action),
            None => listed_only(&mut text, connection),
        }
    }
    text
}

fn quoted(value: &str) -> String {
    toml::Value::String(value.to_string()).to_string()
}

fn entry(text: &mut String, connection: &InventoriedConnection, action: MigrationAction) {
    text.push('\n');
    for line in why(connection, action) {
        let _ = writeln!(text, "# {line}");
    }
    text.push_str("[[connections]]\n");
    let _ = writeln!(text, "organization = {}", quoted(&connection.organization));
    let _ = writeln!(text, "project = {}", quoted(&connection.owning_project));
    let _ = writeln!(text, "name = {}", quoted(&connection.name));
    let _ = writeln!(text, "id = \"{}\"", connection.id);
    let _ = writeln!(text, "action = \"{}\"", action.as_str());
    if action == MigrationAction::ReplaceWithAzureDevopsConnection {
        let new_name = replacement_name_for(&connection.name);
        let _ = writeln!(text, "new_name = {}", quoted(&new_name));
        text.push_str(
            "# The identity the new connection signs in as: a new app registration by default, or\n\
             # { kind = \"managed-identity\", name, subscription, resource_group, location }, or\n\
             # { kind = \"existing\", client_id = \"<id>\" }.\n",
        );
        let _ = writeln!(text, "identity = {{ kind = \"app-registration\", name = {} }}", quoted(&new_name));
    }
    text.push_str("# Accept blocking impact findings one by one, by location.\n");
    text.push_str("override_blocking = []\n");
}

/// The comment lines above an entry: what the connection is and what its action does.
fn why(connection: &InventoriedConnection, action: MigrationAction) -> Vec<String> {
    let automatic = connection.creation_mode.as_deref().is_some_and(|m| m.eq_ignore_ascii_case("Automatic"));
    let mut lines = vec![];
    match action {
        MigrationAction::ConvertInPlace if automatic => lines.push(
            "secret-based, created automatically: converted in place by Azure DevOps, id and pipeline permissions kept"
                .to_string(),
        ),
        MigrationAction::ConvertInPlace => lines.push(
            "secret-based, created by hand: Keyless writes the federated credential Azure DevOps will expect on its identity, then converts it in place; id and pipeline permissions kept"
                .to_string(),
        ),
        MigrationAction::SwitchIssuer => lines.push(format!(
            "workload identity on the Azure DevOps issuer, which retires on {AZURE_DEVOPS_ISSUER_RETIREMENT}: switched in place to the Entra issuer; the old credential is kept until the switch is verified"
        )),
        MigrationAction::ReplaceWithAzureDevopsConnection => lines.push(format!(
            "token-based: replaced by a new \"Azure DevOps\" connection with workload identity, allowed for the same pipelines; '{}' itself is left untouched",
            connection.name
        )),
        MigrationAction::Skip => {}
    }
    if connection.class == ConnectionClass::Shared {
        lines.push(format!("shared with {}: converted from its owning project", connection.projects.join(", ")));
    } else if let Some(reason) = &connection.reason {
        lines.push(reason.clone());
    }
    lines
}

fn listed_only(text: &mut String, connection: &InventoriedConnection) {
    let place = format!("{}/{}/{}", connection.organization, connection.owning_project, connection.name);
    let why = match connection.class {
        ConnectionClass::ZeroSecret => "already zero-secret, nothing to do".to_string(),
        ConnectionClass::OutOfScope => {
            format!("out of scope: {}", connection.reason.as_deref().unwrap_or("Keyless cannot migrate it"))
        }
        ConnectionClass::NeedsAttention => {
            format!("needs attention first: {}", connection.reason.as_deref().unwrap_or("it is broken or unfinished"))
        }
        _ => {
            format!("not migratable as a {} connection with the {} scheme", connection.endpoint_type, connection.scheme)
        }
    };
    let _ = writeln!(text, "\n# Not listed: {place} ({}): {why}", connection.id);
}
