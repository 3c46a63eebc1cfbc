//! The migration journal: one JSON file per migration run, in the `migrations` directory of the
//! run journal store (same atomic, private writes; what the migration started with, its file
//! and plan, in `migrations/plans`, written once), recording per connection which steps are
//! done, the federated credential Keyless wrote, the one it removed (kept whole so revert can put
//! it back), the client secrets it removed, the revert deadline Azure DevOps gave, and the
//! onboarding run a replacement made. Ids and names only, never a secret.

use std::collections::BTreeMap;

use keyless_core::{
    Guid,
    cloud::CloudIdentity,
    migration::{MigrationFile, MigrationPlan, PlannedMigration},
    observed::ObservedFic,
};
use serde::{Deserialize, Serialize};

use crate::{
    intent::Intent,
    journal::{JournalError, JournalStore, new_run_id},
    snippets::HandOff,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum MigrationStatus {
    Running,
    /// Every entry that could run did; hand-offs and refusals are in the report.
    Completed,
    Failed,
    Reverted,
}

/// One step of one connection's migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum EntryStep {
    /// The federated credential the connection will present is on the identity.
    CredentialWritten,
    /// The connection uses workload identity federation (converted, or switched to Entra).
    Converted,
    Ready,
    Verified,
    /// The Azure DevOps-issuer credential is gone from the identity.
    OldCredentialRemoved,
    /// The client secrets the conversion made unnecessary are removed.
    SecretsRemoved,
    /// The replacement connection's onboarding run completed.
    Replaced,
    HandedOff,
    Reverted,
}

/// Where a federated credential lives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum CredentialHolder {
    #[serde(rename_all = "camelCase")]
    AppRegistration { object_id: Guid },
    #[serde(rename_all = "camelCase")]
    ManagedIdentity { resource_id: String },
}

/// A federated credential and the identity that holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HeldCredential {
    pub holder: CredentialHolder,
    pub credential: ObservedFic,
}

/// What happened to one connection.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryRecord {
    pub label: String,
    #[serde(default)]
    pub done: Vec<EntryStep>,
    /// The credential Keyless wrote (revert removes it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub written_credential: Option<HeldCredential>,
    /// The Azure DevOps-issuer credential, recorded before the switch and removed after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_credential: Option<HeldCredential>,
    /// Key ids of the client secrets removed after the verified conversion.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removed_secrets: Vec<Guid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revert_scheme_deadline: Option<String>,
    /// The onboarding run that created the replacement connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replacement_run_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hand_off: Option<HandOff>,
    /// What the credential write was about to create, written before it was sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intent: Option<Intent>,
    /// Why the entry stopped, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl EntryRecord {
    pub fn has(&self, step: EntryStep) -> bool {
        self.done.contains(&step)
    }

    pub(crate) fn mark(&mut self, step: EntryStep) {
        if !self.has(step) {
            self.done.push(step);
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MigrationJournal {
    pub run_id: String,
    pub started: String,
    pub cloud: String,
    pub cloud_identity: Option<CloudIdentity>,
    pub status: MigrationStatus,
    /// The file as applied; a changed file is another migration.
    pub file: MigrationFile,
    /// The plan as it was when the migration started: a resumed migration follows it, since
    /// planning again would see its own conversions as connections that need nothing.
    pub plan: MigrationPlan,
    /// By connection id.
    pub entries: BTreeMap<Guid, EntryRecord>,
    /// Waves whose every entry finished.
    #[serde(default)]
    pub waves_done: Vec<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

impl MigrationJournal {
    /// The journal as saved after each step: everything but the file and plan it started with.
    fn progress(&self) -> Progress<'_> {
        Progress {
            run_id: &self.run_id,
            started: &self.started,
            cloud: &self.cloud,
            cloud_identity: &self.cloud_identity,
            status: self.status,
            entries: &self.entries,
            waves_done: &self.waves_done,
            last_error: &self.last_error,
        }
    }

    /// [`MigrationJournal::progress`] as the JSON document `save_migration_progress` writes.
    pub(crate) fn progress_json(&self) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec_pretty(&self.progress())
    }

    pub fn new(
        cloud_name: &str,
        cloud_identity: Option<CloudIdentity>,
        file: MigrationFile,
        plan: MigrationPlan,
    ) -> Self {
        // The same id shape as a run's, so one validator serves both.
        let (run_id, started) = new_run_id();
        let entries = plan.entries.iter().map(|e| (e.id, EntryRecord { label: label(e), ..EntryRecord::default() }));
        MigrationJournal {
            run_id: format!("m{run_id}"),
            started,
            cloud: cloud_name.into(),
            cloud_identity,
            status: MigrationStatus::Running,
            entries: entries.collect(),
            file,
            plan,
            waves_done: vec![],
            last_error: None,
        }
    }

    pub fn entry(&self, id: Guid) -> EntryRecord {
        self.entries.get(&id).cloned().unwrap_or_default()
    }
}

/// `organization/project/name`, as the plan's waves name an entry.
pub fn label(planned: &PlannedMigration) -> String {
    format!("{}/{}/{}", planned.organization, planned.project, planned.name)
}

/// What a migration started with, saved once beside its journal: the journal itself is saved
/// after every step, and a plan of hundreds of connections need not be written each time.
#[derive(Serialize, Deserialize)]
struct StartedWith {
    file: MigrationFile,
    plan: MigrationPlan,
    /// Whose migration it is, so a plan whose journal was never written is recognized as one
    /// of the migrations the caller's lock covers (older files lack it).
    #[serde(default)]
    cloud_identity: Option<CloudIdentity>,
}

/// The journal as saved after each step: everything but what it started with.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Progress<'a> {
    run_id: &'a str,
    started: &'a str,
    cloud: &'a str,
    cloud_identity: &'a Option<CloudIdentity>,
    status: MigrationStatus,
    entries: &'a BTreeMap<Guid, EntryRecord>,
    waves_done: &'a [usize],
    #[serde(skip_serializing_if = "Option::is_none")]
    last_error: &'a Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SavedProgress {
    run_id: String,
    started: String,
    cloud: String,
    cloud_identity: Option<CloudIdentity>,
    status: MigrationStatus,
    entries: BTreeMap<Guid, EntryRecord>,
    #[serde(default)]
    waves_done: Vec<usize>,
    #[serde(default)]
    last_error: Option<String>,
}

impl JournalStore {
    /// Where what each migration started with is kept: `migrations/plans/{run_id}.json`.
    fn migration_plans(&self) -> JournalStore {
        JournalStore::new(self.migrations().dir().join("plans"))
    }

    pub fn save_migration(&self, journal: &MigrationJournal) -> Result<(), JournalError> {
        let plans = self.migration_plans();
        if !plans.path_of(&journal.run_id)?.exists() {
            let started = StartedWith {
                file: journal.file.clone(),
                plan: journal.plan.clone(),
                cloud_identity: journal.cloud_identity.clone(),
            };
            plans.write_json(&journal.run_id, &started)?;
            self.remove_plans_without_journal(journal);
        }
        self.migrations().write_json(&journal.run_id, &journal.progress())
    }

    /// Saves a migration's progress as [`MigrationJournal::progress_json`] serialized it, once
    /// [`JournalStore::save_migration`] saved what the migration started with. What a save after
    /// each step does: the journal is serialized under its lock, without copying it.
    pub(crate) fn save_migration_progress(&self, run_id: &str, progress_json: &[u8]) -> Result<(), JournalError> {
        self.migrations().write_serialized(run_id, progress_json)
    }

    /// Removes the plans of earlier migrations of `journal`'s file and cloud whose journal was
    /// never written: a process killed between the two writes of a migration's first save
    /// leaves its plan alone, and the migration is planned again under a new run id. The caller
    /// holds the lock of that file and cloud, so no other process is between those two writes.
    fn remove_plans_without_journal(&self, journal: &MigrationJournal) {
        let (plans, migrations) = (self.migration_plans(), self.migrations());
        let Ok(run_ids) = plans.run_ids() else { return };
        for run_id in run_ids.iter().filter(|id| **id != journal.run_id) {
            let (Ok(path), Ok(progress)) = (plans.path_of(run_id), migrations.path_of(run_id)) else { continue };
            if progress.exists() {
                continue;
            }
            let Ok(started) = plans.read_json::<StartedWith>(run_id) else { continue };
            if started.file != journal.file || started.cloud_identity != journal.cloud_identity {
                continue;
            }
            if let Err(error) = std::fs::remove_file(&path) {
                tracing::debug!(path = %path.display(), %error, "cannot remove the plan of a migration never started");
            }
        }
    }

    pub fn load_migration(&self, run_id: &str) -> Result<MigrationJournal, JournalError> {
        let saved: SavedProgress = self.migrations().read_json(run_id)?;
        let StartedWith { file, plan, .. } = self.migration_plans().read_json(run_id)?;
        let SavedProgress { run_id, started, cloud, cloud_identity, status, entries, waves_done, last_error } = saved;
        Ok(MigrationJournal {
            run_id,
            started,
            cloud,
            cloud_identity,
            status,
            file,
            plan,
            entries,
            waves_done,
            last_error,
        })
    }

    /// Every readable migration journal, newest first; damaged ones are skipped and logged.
    pub fn list_migrations(&self) -> Result<Vec<MigrationJournal>, JournalError> {
        let mut found = vec![];
        for run_id in self.migrations().run_ids()? {
            match self.load_migration(&run_id) {
                Ok(journal) => found.push(journal),
                Err(error) => tracing::warn!(%run_id, %error, "skipping a migration journal that cannot be read"),
            }
        }
        found.sort_by(|a, b| b.run_id.cmp(&a.run_id));
        Ok(found)
    }
}
