//! Migrations, the read-only half: draft the first migration file from the inventory of the
//! signed-in tenant, and plan a migration file against a fresh inventory of the organizations
//! it names. Nothing is written to Azure here, and no file is written either: the face decides
//! where the drafted text goes.

use std::collections::BTreeMap;

use futures::future::join_all;
use keyless_core::{
    Guid,
    inventory::InventoriedConnection,
    migration::{MigrationAction, MigrationFile, MigrationPlan, PlanContext, draft_migration_file, plan_migration},
    names::OrgName,
};

use crate::{Connected, UnreadPlace, UseCaseError, impact::check_impact, inventory::take_inventory};

/// The first migration file, as commented TOML text.
#[derive(Debug, Clone, PartialEq)]
pub struct MigrationDraft {
    pub text: String,
    /// Connections the file lists as entries.
    pub entries: usize,
    /// Connections listed as comments only (nothing to do, out of scope, needs attention).
    pub listed_only: usize,
    /// Organizations and projects that could not be read, so their connections are missing.
    pub unread: Vec<UnreadPlace>,
}

/// A migration file checked against the estate as it is now.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedMigrationFile {
    pub plan: MigrationPlan,
    /// Organizations and projects that could not be read; their entries are refused as not found.
    pub unread: Vec<UnreadPlace>,
    /// The connections of the file's organizations as the plan read them, so applying the plan
    /// right after need not read them again.
    pub connections: Vec<InventoriedConnection>,
}

/// Drafts the migration file for every connection of the organizations named (every
/// organization reached when `None`), with the default action per class.
pub async fn draft_migration(
    connected: &Connected,
    organizations: Option<&[OrgName]>,
) -> Result<MigrationDraft, UseCaseError> {
    let inventory = take_inventory(connected, organizations).await?;
    let entries =
        inventory.connections.iter().filter(|c| keyless_core::migration::action_allowed_for(c).is_some()).count();
    Ok(MigrationDraft {
        text: draft_migration_file(&inventory.connections),
        entries,
        listed_only: inventory.connections.len() - entries,
        unread: inventory.unread,
    })
}

/// Plans `file`: reads the inventory of the organizations it names and their ids (the
/// `/sc/{orgId}/` segment of the subjects Azure DevOps will present), then checks every entry.
pub async fn plan_migration_file(
    connected: &Connected,
    file: &MigrationFile,
) -> Result<PlannedMigrationFile, UseCaseError> {
    let mut organizations: Vec<OrgName> = file.connections.iter().map(|e| e.organization.clone()).collect();
    organizations.sort();
    organizations.dedup();
    if organizations.is_empty() {
        let context = PlanContext {
            connections: &[],
            organization_ids: &BTreeMap::new(),
            cloud: &connected.cloud.profile,
            signed_in_tenant: connected.tenant(),
            impact: &BTreeMap::new(),
        };
        return Ok(PlannedMigrationFile { plan: plan_migration(file, &context), unread: vec![], connections: vec![] });
    }
    let (inventory, organization_ids) =
        futures::join!(take_inventory(connected, Some(&organizations)), organization_ids(connected, &organizations));
    let inventory = inventory?;
    // Only the connections the file migrates have their pipelines read.
    let migrated: Vec<&InventoriedConnection> = inventory
        .connections
        .iter()
        .filter(|c| file.connections.iter().any(|e| e.id == c.id && e.action != MigrationAction::Skip))
        .collect();
    let impact = check_impact(connected, &migrated).await;
    let context = PlanContext {
        connections: &inventory.connections,
        organization_ids: &organization_ids,
        cloud: &connected.cloud.profile,
        signed_in_tenant: connected.tenant(),
        impact: &impact,
    };
    let plan = plan_migration(file, &context);
    Ok(PlannedMigrationFile { plan, unread: inventory.unread, connections: inventory.connections })
}

/// Each organization's id; one that cannot be read is left out, and its subjects are then read
/// back from Azure DevOps when the plan is applied.
async fn organization_ids(connected: &Connected, organizations: &[OrgName]) -> BTreeMap<String, Guid> {
    let found = join_all(organizations.iter().map(|org| async move {
        let devops = connected.client.devops(org).await.ok()?;
        let data = devops.connection_data().await.ok()?;
        Some((org.to_string(), data.instance_id))
    }))
    .await;
    found.into_iter().flatten().collect()
}
