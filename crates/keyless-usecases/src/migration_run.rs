//! Migrations, the write half: apply a migration file (plan it, confirm, run it wave by wave,
//! continuing the unfinished migration of the same file on the same cloud), revert a migration,
//! and list them. A migration that stops part-way is not an error here: it comes back as a
//! [`MigrationOutcome`] whose `stopped` says why, since its journal can be continued or reverted.
//!
//! Every apply and revert takes the migration file's lock in the state directory, so a second
//! process refuses instead of converting the same connections. The report is written beside the
//! migration journals under names no journal has.

use std::{collections::BTreeMap, path::PathBuf};

use keyless_core::{
    CloudIdentity, Guid,
    inventory::InventoriedConnection,
    migration::{EntryStatus, MigrationAction, MigrationFile, MigrationPlan},
    names::OrgName,
    setup::{ConnectionKind, ConnectionSpec, OrganizationSpec, ProjectAccessSpec, ProjectGroup, Setup},
};
use keyless_engine::{
    ApplyOptions, AzurePort, EngineError, MigrationPort,
    journal::{JournalStore, write_private},
    migrate::{
        MigrationInputs, MigrationJournal, MigrationStatus, apply_migration as apply_plan, report::MigrationReport,
        revert_migration as revert_plan,
    },
    progress::Reporter,
};

use crate::{
    AlreadyConfirmed, Connected, RunSettings, UseCaseError,
    impact::{PipelinePatch, pipeline_patches},
    inventory::take_inventory,
    migration::plan_migration_file,
};

/// A client secret a verified conversion removes, listed before anything is changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretToRemove {
    /// `organization/project/name` of the connection whose conversion makes it unnecessary.
    pub connection: String,
    pub application: String,
    pub key_id: Guid,
    pub display_name: Option<String>,
    pub ends: Option<String>,
}

/// How a migration ended: its journal, its report, where the report was written, the pipeline
/// changes each replacement needs, and why it stopped if it did.
#[derive(Debug)]
pub struct MigrationOutcome {
    pub journal: MigrationJournal,
    pub report: MigrationReport,
    /// JSON and Markdown, beside the migration journals.
    pub report_paths: Option<(PathBuf, PathBuf)>,
    /// Per replaced connection (`organization/project/name`), the YAML patches that make its
    /// pipelines name the new connection.
    pub pipeline_patches: Vec<(String, Vec<PipelinePatch>)>,
    pub stopped: Option<EngineError>,
}

/// What a face asks before a migration changes anything. Returning `false` changes nothing.
pub trait ConfirmMigration: Sync {
    /// Before applying `plan`; `resuming` is the unfinished migration it continues.
    fn apply(&self, plan: &MigrationPlan, secrets: &[SecretToRemove], resuming: Option<&MigrationJournal>) -> bool;
    /// Before reverting `journal`.
    fn revert(&self, journal: &MigrationJournal) -> bool;
}

impl ConfirmMigration for AlreadyConfirmed {
    fn apply(&self, _: &MigrationPlan, _: &[SecretToRemove], _: Option<&MigrationJournal>) -> bool {
        true
    }
    fn revert(&self, _: &MigrationJournal) -> bool {
        true
    }
}

/// Applies `file`: continues the newest unfinished migration of the same file on this cloud with
/// the plan it started with, or plans the file and starts a new one. After a finished migration
/// of the same file with nothing left to run, it returns that migration and changes nothing.
pub async fn apply_migration(
    connected: &Connected,
    settings: &RunSettings,
    file: &MigrationFile,
    reporter: &dyn Reporter,
    confirm: &dyn ConfirmMigration,
) -> Result<MigrationOutcome, UseCaseError> {
    apply_migration_with(connected, settings, file, reporter, confirm, &apply_options(settings)).await
}

/// [`apply_migration`] with the engine's options given whole (tests stop it after N steps).
pub async fn apply_migration_with(
    connected: &Connected,
    settings: &RunSettings,
    file: &MigrationFile,
    reporter: &dyn Reporter,
    confirm: &dyn ConfirmMigration,
    options: &ApplyOptions,
) -> Result<MigrationOutcome, UseCaseError> {
    let cloud = connected.cloud.profile.identity();
    let _lock = settings.store.lock(&lock_key(&cloud, file))?;
    let earlier = settings.store.list_migrations()?.into_iter().find(|journal| {
        &journal.file == file
            && journal.cloud_identity.as_ref() == Some(&cloud)
            && journal.status != MigrationStatus::Reverted
    });
    let unfinished = earlier.filter(|journal| journal.status != MigrationStatus::Completed);
    let (journal, inventory) = match unfinished {
        Some(journal) => {
            let secrets = secrets_to_remove(connected, &journal.plan).await?;
            if !confirm.apply(&journal.plan, &secrets, Some(&journal)) {
                return Err(UseCaseError::Declined);
            }
            // A replacement not yet made needs its setup, which needs the live connection.
            let needs_inventory = journal.plan.entries.iter().any(|e| {
                e.action == MigrationAction::ReplaceWithAzureDevopsConnection
                    && journal.entry(e.id).replacement_run_id.is_none()
                    && keyless_engine::migrate::runs_entry(e)
            });
            let inventory =
                if needs_inventory { replaced_connections(connected, &journal.plan).await? } else { vec![] };
            (journal, inventory)
        }
        None => {
            // After a finished migration of the same file, planning again finds what it migrated
            // done, and runs only what it could not (an entry blocked then, fixed since).
            let planned = plan_migration_file(connected, file).await?;
            let finished = settings.store.list_migrations()?.into_iter().find(|journal| {
                &journal.file == file
                    && journal.cloud_identity.as_ref() == Some(&cloud)
                    && journal.status == MigrationStatus::Completed
            });
            if let Some(finished) = finished
                && !planned.plan.entries.iter().any(keyless_engine::migrate::runs_entry)
            {
                let report = MigrationReport::build(&finished);
                return Ok(MigrationOutcome {
                    journal: finished,
                    report,
                    report_paths: None,
                    pipeline_patches: vec![],
                    stopped: None,
                });
            }
            // The replacements' setups need the connections they replace, as planning just read them.
            let inventory = planned.connections;
            let secrets = secrets_to_remove(connected, &planned.plan).await?;
            if !confirm.apply(&planned.plan, &secrets, None) {
                return Err(UseCaseError::Declined);
            }
            let journal =
                MigrationJournal::new(&connected.cloud.profile.name, Some(cloud.clone()), file.clone(), planned.plan);
            (journal, inventory)
        }
    };
    let inputs = MigrationInputs {
        replacements: replacement_setups(connected, &settings.store, file, &journal, &inventory).await?,
    };
    let run_id = journal.run_id.clone();
    let result = apply_plan(&connected.port, &settings.store, reporter, &inputs, journal, options).await;
    let (journal, stopped) = match result {
        Ok(journal) => (journal, None),
        Err(error @ EngineError::Input(_)) if settings.store.load_migration(&run_id).is_err() => {
            return Err(error.into());
        }
        Err(error) => (settings.store.load_migration(&run_id)?, Some(error)),
    };
    let patches = patches_for_replacements(connected, &journal).await;
    let mut report = MigrationReport::build(&journal);
    for (connection, found) in &patches {
        for patch in found {
            report.next_steps.push(format!(
                "Apply {} to repository {} so {} name the new connection of {connection}.",
                patch.file_name,
                patch.repository,
                patch.pipelines.join(", ")
            ));
        }
    }
    let report_paths = write_report(&settings.store, &report);
    Ok(MigrationOutcome { journal, report, report_paths, pipeline_patches: patches, stopped })
}

/// Reverts migration `run_id`: conversions back to their secret (within Azure DevOps' deadline),
/// issuer switches back with their old credential, replacements rolled back.
pub async fn revert_migration(
    connected: &Connected,
    settings: &RunSettings,
    run_id: &str,
    reporter: &dyn Reporter,
    confirm: &dyn ConfirmMigration,
) -> Result<MigrationOutcome, UseCaseError> {
    let journal = load_migration(connected, &settings.store, run_id)?;
    let cloud = connected.cloud.profile.identity();
    let _lock = settings.store.lock(&lock_key(&cloud, &journal.file))?;
    if journal.status != MigrationStatus::Reverted && !confirm.revert(&journal) {
        return Err(UseCaseError::Declined);
    }
    let journal = if journal.status == MigrationStatus::Reverted {
        journal
    } else {
        revert_plan(&connected.port, &settings.store, reporter, journal, &apply_options(settings)).await?
    };
    let report = MigrationReport::build(&journal);
    let report_paths = write_report(&settings.store, &report);
    Ok(MigrationOutcome { journal, report, report_paths, pipeline_patches: vec![], stopped: None })
}

/// The migrations of the journal, newest first; only `cloud`'s when one is given.
pub fn list_migrations(
    store: &JournalStore,
    cloud: Option<&CloudIdentity>,
) -> Result<Vec<MigrationJournal>, UseCaseError> {
    Ok(store
        .list_migrations()?
        .into_iter()
        .filter(|journal| cloud.is_none_or(|cloud| journal.cloud_identity.as_ref() == Some(cloud)))
        .collect())
}

/// Whether `run_id` names a migration rather than a run.
pub fn is_migration(store: &JournalStore, run_id: &str) -> bool {
    store.load_migration(run_id).is_ok()
}

fn apply_options(settings: &RunSettings) -> ApplyOptions {
    ApplyOptions {
        consistency: settings.consistency.clone(),
        cancel: settings.cancel.clone(),
        ..ApplyOptions::default()
    }
}

fn load_migration(connected: &Connected, store: &JournalStore, run_id: &str) -> Result<MigrationJournal, UseCaseError> {
    let journal = store.load_migration(run_id)?;
    let cloud = connected.cloud.profile.identity();
    if journal.cloud_identity.as_ref() != Some(&cloud) {
        return Err(UseCaseError::RunOfAnotherCloud {
            run_id: run_id.to_string(),
            run_cloud: journal.cloud_identity.as_ref().map_or_else(|| journal.cloud.clone(), ToString::to_string),
            this_cloud: cloud.to_string(),
        });
    }
    Ok(journal)
}

fn lock_key(cloud: &CloudIdentity, file: &MigrationFile) -> String {
    format!("migration\n{cloud}\n{}", serde_json::to_string(file).unwrap_or_default())
}

/// The report beside the journals; a report that cannot be written leaves the migration as it is.
fn write_report(store: &JournalStore, report: &MigrationReport) -> Option<(PathBuf, PathBuf)> {
    let dir = store.migrations().dir().to_path_buf();
    let (json, markdown) = JournalStore::report_paths(&dir, &report.run_id).ok()?;
    let written = write_private(&markdown, report.render_markdown().as_bytes())
        .and_then(|()| write_private(&json, &serde_json::to_vec_pretty(report).unwrap_or_default()));
    match written {
        Ok(()) => Some((json, markdown)),
        Err(error) => {
            tracing::warn!(%error, "the migration report could not be written");
            None
        }
    }
}

/// The client secrets the verified conversions will remove, when the file asks for it.
async fn secrets_to_remove(connected: &Connected, plan: &MigrationPlan) -> Result<Vec<SecretToRemove>, UseCaseError> {
    if !plan.remove_unneeded_secrets {
        return Ok(vec![]);
    }
    let mut found = vec![];
    for planned in
        plan.entries.iter().filter(|e| e.action == MigrationAction::ConvertInPlace && e.status == EntryStatus::Ready)
    {
        let Some(client_id) = planned.identity.as_ref().and_then(|i| i.client_id) else { continue };
        let Some(app) = connected.port.find_app(None, Some(client_id)).await? else { continue };
        for secret in connected.port.app_secrets(app.object_id).await? {
            found.push(SecretToRemove {
                connection: format!("{}/{}/{}", planned.organization, planned.project, planned.name),
                application: app.display_name.clone(),
                key_id: secret.key_id,
                display_name: secret.display_name,
                ends: secret.end_date_time,
            });
        }
    }
    Ok(found)
}

/// The onboarding setup of each replacement still to make: the identity the file names, the new
/// "Azure DevOps" connection in the owning project reaching the organization the old one
/// reaches, allowed for the same pipelines (by name), and for all only when the old one was.
async fn replacement_setups(
    connected: &Connected,
    store: &JournalStore,
    file: &MigrationFile,
    journal: &MigrationJournal,
    inventory: &[InventoriedConnection],
) -> Result<BTreeMap<Guid, Setup>, UseCaseError> {
    let replaced: Vec<_> = journal
        .plan
        .entries
        .iter()
        .filter(|e| {
            e.action == MigrationAction::ReplaceWithAzureDevopsConnection && keyless_engine::migrate::runs_entry(e)
        })
        .collect();
    // The pipelines of every project with a replacement still to make, read side by side.
    let mut projects: Vec<(OrgName, String)> = replaced
        .iter()
        .filter(|planned| journal.entry(planned.id).replacement_run_id.is_none())
        .filter_map(|planned| {
            let entry = file.connections.iter().find(|e| e.id == planned.id && e.identity.is_some())?;
            Some((entry.organization.clone(), planned.project.clone()))
        })
        .collect();
    projects.sort();
    projects.dedup();
    let read = futures::future::try_join_all(projects.iter().map(|(organization, project)| async move {
        let devops = connected.client.devops(organization).await?;
        Ok::<_, UseCaseError>(devops.pipelines(project).await?)
    }))
    .await?;
    let pipelines_of: BTreeMap<&(OrgName, String), _> = projects.iter().zip(read).collect();
    let mut setups = BTreeMap::new();
    for planned in replaced {
        if let Some(run_id) = journal.entry(planned.id).replacement_run_id {
            // The replacement's run journal keeps the setup it started with.
            setups.insert(planned.id, store.load(&run_id)?.setup);
            continue;
        }
        let Some(entry) = file.connections.iter().find(|e| e.id == planned.id) else { continue };
        let Some(identity) = entry.identity.clone() else { continue };
        let organization = entry.organization.clone();
        let old = inventory.iter().find(|c| c.id == planned.id && c.organization == organization.as_str());
        let target = old.and_then(|c| c.url.as_deref()).and_then(organization_in_url).filter(|t| *t != organization);
        let Some(pipelines) = pipelines_of.get(&(organization.clone(), planned.project.clone())) else { continue };
        let names: Vec<String> = planned
            .authorized_pipelines
            .iter()
            .filter_map(|id| pipelines.iter().find(|p| p.id == *id).map(|p| p.name.clone()))
            .collect();
        let mut organizations = vec![OrganizationSpec {
            name: organization.clone(),
            access_level: Default::default(),
            projects: vec![ProjectAccessSpec { name: planned.project.clone(), groups: vec![ProjectGroup::Readers] }],
        }];
        if let Some(target) = &target {
            organizations.push(OrganizationSpec {
                name: target.clone(),
                access_level: Default::default(),
                projects: vec![],
            });
        }
        let connection = ConnectionSpec {
            name: planned.new_connection.clone().unwrap_or_else(|| entry.replacement_name()),
            organization,
            project: planned.project.clone(),
            kind: ConnectionKind::AzureDevops { target_organization: target },
            description: format!(
                "Replaces the token connection '{}' (workload identity, made by Keyless)",
                planned.name
            ),
            share_with: vec![],
            pipelines: names,
            all_pipelines: planned.all_pipelines,
        };
        setups.insert(planned.id, Setup { identity, organizations, connections: vec![connection] });
    }
    Ok(setups)
}

/// The inventoried facts of the organizations where token connections are replaced: the old
/// connection's URL says which organization the replacement must reach.
async fn replaced_connections(
    connected: &Connected,
    plan: &MigrationPlan,
) -> Result<Vec<InventoriedConnection>, UseCaseError> {
    let mut organizations: Vec<OrgName> = plan
        .entries
        .iter()
        .filter(|e| {
            e.action == MigrationAction::ReplaceWithAzureDevopsConnection && keyless_engine::migrate::runs_entry(e)
        })
        .filter_map(|e| OrgName::parse(&e.organization).ok())
        .collect();
    organizations.sort();
    organizations.dedup();
    if organizations.is_empty() {
        return Ok(vec![]);
    }
    Ok(take_inventory(connected, Some(&organizations)).await?.connections)
}

/// The organization an Azure DevOps URL names: `https://dev.azure.com/{org}/...`,
/// `https://{org}.visualstudio.com/...` or a feed's `https://pkgs.dev.azure.com/{org}/...`.
fn organization_in_url(url: &str) -> Option<OrgName> {
    let parsed = url::Url::parse(url).ok()?;
    let host = parsed.host_str()?;
    if let Some(org) = host.strip_suffix(".visualstudio.com") {
        return OrgName::parse(org).ok();
    }
    parsed.path_segments()?.find(|s| !s.is_empty()).and_then(|s| OrgName::parse(s).ok())
}

/// The YAML patches each replaced connection's pipelines need. A patch that cannot be made is
/// left out: the report still says to point the pipelines at the new connection.
async fn patches_for_replacements(
    connected: &Connected,
    journal: &MigrationJournal,
) -> Vec<(String, Vec<PipelinePatch>)> {
    let mut found = vec![];
    for planned in journal.plan.entries.iter().filter(|e| {
        e.action == MigrationAction::ReplaceWithAzureDevopsConnection
            && journal.entry(e.id).has(keyless_engine::migrate::EntryStep::Replaced)
    }) {
        let Ok(organization) = OrgName::parse(&planned.organization) else { continue };
        let Some(new_name) = &planned.new_connection else { continue };
        let ids = &planned.authorized_pipelines;
        match pipeline_patches(connected, &organization, &planned.project, ids, &planned.name, new_name).await {
            Ok(patches) => {
                found.push((format!("{}/{}/{}", planned.organization, planned.project, planned.name), patches))
            }
            Err(error) => tracing::warn!(%error, connection = %planned.name, "pipeline patches could not be made"),
        }
    }
    found
}
