//! Applies a migration plan: wave by wave (a wave starts when every entry of the previous one
//! finished and verified), every entry of a wave at the same time, credential writes on one
//! identity one after another. How many requests are in flight is the transport's business:
//! its limits per organization, subscription and tenant are the only throttle, so a wave takes
//! about as long as its longest connection instead of rounds of a few connections each. Each connection's steps are recorded in a
//! [`MigrationJournal`] as they finish, so a migration stopped anywhere continues where it
//! stopped, and `revert` undoes exactly what it did.
//!
//! What one connection's migration does is `entry`'s and `replace`'s business; this module only
//! orders entries and keeps the journal. It never plans: the plan comes from
//! `keyless_core::migration` and is kept in the journal as it was when the migration started.

mod credential;
mod entry;
pub mod journal;
mod replace;
pub mod report;
mod revert;

use std::{
    collections::BTreeMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    time::Instant,
};

use futures::future::join_all;
use keyless_core::{
    Guid,
    cloud::CloudIdentity,
    migration::{EntryStatus, MigrationAction, PlannedMigration},
    setup::Setup,
};

pub use journal::{EntryRecord, EntryStep, MigrationJournal, MigrationStatus};
pub use revert::{revert_migration, revert_refusal};

use crate::{
    apply::ApplyOptions,
    error::EngineError,
    journal::{JournalError, JournalStore},
    port::MigrationPort,
    progress::{ProgressEvent, Reporter, StepOutcome},
};

/// What a migration needs besides its plan.
#[derive(Debug, Clone, Default)]
pub struct MigrationInputs {
    /// The setup of each replacement connection, by the id of the connection it replaces.
    pub replacements: BTreeMap<Guid, Setup>,
}

/// Applies `journal`'s plan, continuing where the journal says it stopped.
pub async fn apply_migration<P: MigrationPort>(
    port: &P,
    store: &JournalStore,
    reporter: &dyn Reporter,
    inputs: &MigrationInputs,
    mut journal: MigrationJournal,
    options: &ApplyOptions,
) -> Result<MigrationJournal, EngineError> {
    let plan = journal.plan.clone();
    let runs: Vec<&PlannedMigration> = plan.entries.iter().filter(|e| e.wave.is_some()).collect();
    let resumed = journal.entries.values().any(|r| !r.done.is_empty());
    journal.status = MigrationStatus::Running;
    journal.last_error = None;
    store.save_migration(&journal)?;
    reporter.report(ProgressEvent::RunStarted { run_id: journal.run_id.clone(), total_steps: runs.len(), resumed });
    let remove_secrets = plan.remove_unneeded_secrets;
    let journal = Mutex::new(journal);
    let shared = Shared {
        port,
        store,
        reporter,
        options,
        journal: &journal,
        finished_steps: AtomicUsize::new(0),
        changes: AtomicU64::new(0),
        saved: tokio::sync::Mutex::new(0),
        identity_locks: Mutex::new(BTreeMap::new()),
        remove_secrets,
    };
    let mut outcome = Ok(());
    for wave in &plan.waves {
        let members: Vec<&PlannedMigration> = plan.entries.iter().filter(|e| e.wave == Some(wave.number)).collect();
        let started = Instant::now();
        let step_id = format!("wave/{}", wave.number);
        reporter.report(ProgressEvent::StepStarted {
            step_id: step_id.clone(),
            title: format!("Wave {} of {} ({} connections)", wave.number, plan.waves.len(), members.len()),
        });
        // The futures are collected first: a lazy `map` closure kept in a stream makes the
        // whole apply future unprovably `Send`, which the desktop's command tasks need.
        let entries: Vec<_> = members
            .iter()
            .map(|planned| {
                let env = shared.entry(planned);
                async move {
                    let result = entry::run(&env, inputs.replacements.get(&planned.id)).await;
                    if let Err(error) = &result {
                        let message = error.to_string();
                        let _ = env.update(|record| record.error = Some(message)).await;
                        reporter.report(ProgressEvent::StepFailed {
                            step_id: env.label.clone(),
                            code: error.code(),
                            message: error.to_string(),
                            remedy: error.remedy(),
                        });
                    } else {
                        env.update(|record| record.error = None).await?;
                    }
                    result
                }
            })
            .collect();
        let results: Vec<Result<(), EngineError>> = join_all(entries).await;
        // A cancel wins over a failure: the journal is resumable either way.
        let mut failures: Vec<EngineError> = results.into_iter().filter_map(Result::err).collect();
        failures.sort_by_key(|e| !matches!(e, EngineError::Cancelled { .. }));
        if let Some(error) = failures.into_iter().next() {
            outcome = Err(error);
            break;
        }
        {
            let mut journal = journal.lock().unwrap_or_else(|p| p.into_inner());
            if !journal.waves_done.contains(&wave.number) {
                journal.waves_done.push(wave.number);
            }
            store.save_migration(&journal)?;
        }
        reporter.report(ProgressEvent::StepFinished {
            step_id,
            outcome: StepOutcome::Verified,
            detail: format!("wave {} finished; every connection in it was verified or handed off", wave.number),
            elapsed_ms: started.elapsed().as_millis() as u64,
        });
    }
    let finished_steps = shared.finished_steps.load(Ordering::SeqCst);
    drop(shared);
    let mut journal = journal.into_inner().unwrap_or_else(|p| p.into_inner());
    match &outcome {
        Ok(()) => journal.status = MigrationStatus::Completed,
        Err(error) => {
            journal.status = MigrationStatus::Failed;
            journal.last_error = Some(error.to_string());
        }
    }
    store.save_migration(&journal)?;
    let finished_entries = runs.iter().filter(|e| entry_finished(&journal.entry(e.id), e, remove_secrets)).count();
    reporter.report(ProgressEvent::RunFinished {
        run_id: journal.run_id.clone(),
        succeeded: outcome.is_ok(),
        done: finished_entries,
        failed: usize::from(outcome.is_err()),
        remaining: runs.len() - finished_entries,
    });
    tracing::info!(run_id = %journal.run_id, finished_steps, "migration stopped or finished");
    outcome.map(|()| journal)
}

/// Whether every step `planned` needs is recorded.
pub fn entry_finished(record: &EntryRecord, planned: &PlannedMigration, remove_secrets: bool) -> bool {
    if record.has(EntryStep::HandedOff) || record.has(EntryStep::Reverted) {
        return true;
    }
    match planned.action {
        MigrationAction::ConvertInPlace => {
            record.has(EntryStep::Verified) && (!remove_secrets || record.has(EntryStep::SecretsRemoved))
        }
        MigrationAction::SwitchIssuer => record.has(EntryStep::Verified) && record.has(EntryStep::OldCredentialRemoved),
        MigrationAction::ReplaceWithAzureDevopsConnection => record.has(EntryStep::Replaced),
        MigrationAction::Skip => true,
    }
}

/// Whether the plan runs `planned` at all.
pub fn runs_entry(planned: &PlannedMigration) -> bool {
    matches!(planned.status, EntryStatus::Ready | EntryStatus::HandOff) && planned.wave.is_some()
}

/// What every entry of one migration shares.
pub(crate) struct Shared<'a, P> {
    port: &'a P,
    store: &'a JournalStore,
    reporter: &'a dyn Reporter,
    options: &'a ApplyOptions,
    journal: &'a Mutex<MigrationJournal>,
    /// Steps finished by this call, for `stop_after_steps`.
    finished_steps: AtomicUsize,
    /// Changes made to the journal, and how many of them the last save held.
    changes: AtomicU64,
    saved: tokio::sync::Mutex<u64>,
    /// One lock per identity: its credential writes (and replacement runs) go one at a time.
    identity_locks: Mutex<BTreeMap<String, Arc<tokio::sync::Mutex<()>>>>,
    remove_secrets: bool,
}

impl<'a, P> Shared<'a, P> {
    fn entry<'s>(&'s self, planned: &'s PlannedMigration) -> EntryEnv<'s, P>
    where
        'a: 's,
    {
        EntryEnv {
            port: self.port,
            store: self.store,
            reporter: self.reporter,
            options: self.options,
            planned,
            label: journal::label(planned),
            shared: self,
        }
    }
}

/// One connection's migration: the port, its plan entry and its journal record.
pub(crate) struct EntryEnv<'a, P> {
    pub port: &'a P,
    pub store: &'a JournalStore,
    pub reporter: &'a dyn Reporter,
    pub options: &'a ApplyOptions,
    pub planned: &'a PlannedMigration,
    pub label: String,
    shared: &'a Shared<'a, P>,
}

impl<P> EntryEnv<'_, P> {
    pub fn record(&self) -> EntryRecord {
        self.shared.journal.lock().unwrap_or_else(|p| p.into_inner()).entry(self.planned.id)
    }

    /// The migration's cloud, by name and identity, for the runs it starts.
    pub fn cloud(&self) -> (String, Option<CloudIdentity>) {
        let journal = self.shared.journal.lock().unwrap_or_else(|p| p.into_inner());
        (journal.cloud.clone(), journal.cloud_identity.clone())
    }

    pub fn remove_secrets(&self) -> bool {
        self.shared.remove_secrets
    }

    /// Changes this entry's record and returns once a saved journal holds the change. Saves run
    /// off the async workers and are grouped: entries that change their records while one save is
    /// under way are all written by the next one.
    pub async fn update(&self, change: impl FnOnce(&mut EntryRecord)) -> Result<(), EngineError> {
        let version = {
            let mut journal = self.shared.journal.lock().unwrap_or_else(|p| p.into_inner());
            let label = self.label.clone();
            change(
                journal
                    .entries
                    .entry(self.planned.id)
                    .or_insert_with(|| EntryRecord { label, ..EntryRecord::default() }),
            );
            self.shared.changes.fetch_add(1, Ordering::SeqCst) + 1
        };
        let mut saved = self.shared.saved.lock().await;
        if *saved >= version {
            return Ok(());
        }
        // Serialized under the lock rather than cloned: a clone would copy the plan of every
        // entry for each save.
        let (run_id, progress, covers) = {
            let journal = self.shared.journal.lock().unwrap_or_else(|p| p.into_inner());
            (journal.run_id.clone(), journal.progress_json(), self.shared.changes.load(Ordering::SeqCst))
        };
        let progress = progress.map_err(|source| JournalError::Damaged {
            path: self.store.migrations().dir().join(format!("{run_id}.json")),
            source,
        })?;
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || store.save_migration_progress(&run_id, &progress)).await.map_err(
            |e| JournalError::Io { path: self.store.dir().to_path_buf(), source: std::io::Error::other(e) },
        )??;
        *saved = covers;
        Ok(())
    }

    /// Stops before the next step when the run is cancelled or has done the steps it was
    /// allowed (how tests stop a migration at a step boundary).
    pub fn may_continue(&self) -> Result<(), EngineError> {
        let done = self.shared.finished_steps.load(Ordering::SeqCst);
        let cancelled = self.options.cancel.as_ref().is_some_and(|c| c.load(Ordering::SeqCst));
        if cancelled || self.options.stop_after_steps.is_some_and(|n| done >= n) {
            return Err(EngineError::Cancelled { done });
        }
        Ok(())
    }

    pub fn step_id(&self, step: EntryStep) -> String {
        format!(
            "{}/{}",
            self.label,
            serde_json::to_value(step).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
        )
    }

    pub fn started(&self, step: EntryStep, title: impl Into<String>) -> Instant {
        self.reporter.report(ProgressEvent::StepStarted { step_id: self.step_id(step), title: title.into() });
        Instant::now()
    }

    /// Records `step` as done, then reports it.
    pub async fn finished(
        &self,
        step: EntryStep,
        outcome: StepOutcome,
        detail: impl Into<String>,
        started: Instant,
    ) -> Result<(), EngineError> {
        self.finished_with(step, outcome, detail, started, |_| {}).await
    }

    /// Records `step` as done together with what it learned (one save), then reports it.
    pub async fn finished_with(
        &self,
        step: EntryStep,
        outcome: StepOutcome,
        detail: impl Into<String>,
        started: Instant,
        learned: impl FnOnce(&mut EntryRecord),
    ) -> Result<(), EngineError> {
        self.update(|record| {
            learned(record);
            record.mark(step);
        })
        .await?;
        self.shared.finished_steps.fetch_add(1, Ordering::SeqCst);
        self.reporter.report(ProgressEvent::StepFinished {
            step_id: self.step_id(step),
            outcome,
            detail: detail.into(),
            elapsed_ms: started.elapsed().as_millis() as u64,
        });
        Ok(())
    }

    /// The lock of one identity, by any stable key (its client id, or its spec).
    pub fn identity_lock(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.shared.identity_locks.lock().unwrap_or_else(|p| p.into_inner());
        locks.entry(key.to_ascii_lowercase()).or_default().clone()
    }
}
