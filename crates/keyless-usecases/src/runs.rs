//! Runs of a setup: plan it against the live state, apply it (resuming the unfinished run of the
//! same setup on the same cloud), roll a run back, finish its hand-offs, and list the journal.
//!
//! Runs are keyed by the cloud's identity (its authority and Azure DevOps origins), never by
//! its display name, and every apply, rollback and finish takes the setup's lock in the state
//! directory, so a second process refuses instead of repeating the same steps. A run that
//! stops part-way is not an error here: it comes back as a [`RunOutcome`] whose `stopped`
//! says why, because its journal exists and can be resumed or rolled back.

use std::sync::{Arc, atomic::AtomicBool};

use keyless_azure::ConsistencyPolicy;
use keyless_core::{
    CloudIdentity,
    observed::Observed,
    plan::{Plan, build_plan},
    setup::Setup,
};
use keyless_engine::{
    ApplyOptions, EngineError, apply,
    finish::finish,
    journal::{CreatedResource, JournalStore, RunJournal, RunStatus},
    observe,
    progress::Reporter,
    report::RunReport,
    rollback::{rollback, rollback_order},
};

use crate::{Connected, UseCaseError};

/// Where runs are journaled and how they wait and stop.
#[derive(Debug, Clone)]
pub struct RunSettings {
    pub store: JournalStore,
    /// Waits for replication and propagation.
    pub consistency: ConsistencyPolicy,
    /// Set to stop after the steps in flight; the journal keeps the run resumable.
    pub cancel: Option<Arc<AtomicBool>>,
}

impl RunSettings {
    pub fn new(store: JournalStore) -> Self {
        RunSettings { store, consistency: ConsistencyPolicy::default(), cancel: None }
    }

    fn apply_options(&self) -> ApplyOptions {
        ApplyOptions { consistency: self.consistency.clone(), cancel: self.cancel.clone(), ..ApplyOptions::default() }
    }

    /// Options for applying a plan just made from a fresh observation.
    fn apply_options_after_observing(&self) -> ApplyOptions {
        ApplyOptions { observed_for_this_apply: true, ..self.apply_options() }
    }
}

/// A setup planned against the live state.
#[derive(Debug, Clone)]
pub struct PlannedSetup {
    pub plan: Plan,
    pub observed: Observed,
}

/// How a run ended: its journal as saved, its report, and why it stopped if it did.
#[derive(Debug)]
pub struct RunOutcome {
    pub journal: RunJournal,
    pub report: RunReport,
    pub stopped: Option<EngineError>,
}

/// What a face asks the user before a change. Returning `false` changes nothing.
pub trait Confirm: Sync {
    /// Before applying `plan` (never asked for a plan that changes nothing).
    fn apply(&self, plan: &Plan, resuming: Option<&RunJournal>) -> bool;
    /// Before removing `removes` (in that order) for a rollback.
    fn rollback(&self, journal: &RunJournal, removes: &[CreatedResource]) -> bool;
}

/// Confirms everything: for faces that asked before calling (the window's Apply button).
#[derive(Debug, Clone, Copy, Default)]
pub struct AlreadyConfirmed;

impl Confirm for AlreadyConfirmed {
    fn apply(&self, _: &Plan, _: Option<&RunJournal>) -> bool {
        true
    }
    fn rollback(&self, _: &RunJournal, _: &[CreatedResource]) -> bool {
        true
    }
}

/// Plans `setup` against what exists now. A setup the planner refuses is an `Input` error.
pub async fn plan(connected: &Connected, setup: &Setup) -> Result<PlannedSetup, UseCaseError> {
    let observed = observe(&connected.port, setup).await?;
    let plan = build_plan(setup, &observed)?;
    Ok(PlannedSetup { plan, observed })
}

/// Plans and applies `setup`, continuing the newest unfinished run of the same setup on the
/// same cloud when there is one.
pub async fn apply_setup(
    connected: &Connected,
    settings: &RunSettings,
    setup: &Setup,
    reporter: &dyn Reporter,
    confirm: &dyn Confirm,
) -> Result<RunOutcome, UseCaseError> {
    let cloud = connected.cloud.profile.identity();
    let _lock = settings.store.lock(&lock_key(&cloud, setup))?;
    let PlannedSetup { plan, observed } = plan(connected, setup).await?;
    let resumed = settings.store.unfinished_for(setup, &cloud)?;
    if !plan.is_no_op() && !confirm.apply(&plan, resumed.as_ref()) {
        return Err(UseCaseError::Declined);
    }
    let journal =
        resumed.unwrap_or_else(|| RunJournal::new(&connected.cloud.profile.name, Some(cloud.clone()), setup.clone()));
    let run_id = journal.run_id.clone();
    let outcome = apply(
        &connected.port,
        &settings.store,
        reporter,
        &plan,
        &observed,
        journal,
        &settings.apply_options_after_observing(),
    )
    .await;
    finished(connected, &settings.store, &plan, &run_id, outcome)
}

/// Removes what run `run_id` created, and nothing else.
pub async fn rollback_run(
    connected: &Connected,
    settings: &RunSettings,
    run_id: &str,
    reporter: &dyn Reporter,
    confirm: &dyn Confirm,
) -> Result<RunOutcome, UseCaseError> {
    let journal = load_run(connected, &settings.store, run_id)?;
    let cloud = connected.cloud.profile.identity();
    let _lock = settings.store.lock(&lock_key(&cloud, &journal.setup))?;
    // After a rollback the plan's steps say nothing about the run any more; the report keeps
    // the run's status and hand-offs only.
    let no_plan = Plan { identities: vec![], steps: vec![], warnings: vec![] };
    if journal.status == RunStatus::RolledBack {
        let report = RunReport::build(&no_plan, &journal, &connected.cloud.profile);
        return Ok(RunOutcome { journal, report, stopped: None });
    }
    if !confirm.rollback(&journal, &rollback_order(&journal)) {
        return Err(UseCaseError::Declined);
    }
    let outcome = rollback(&connected.port, &settings.store, reporter, journal, &settings.apply_options()).await;
    finished(connected, &settings.store, &no_plan, run_id, outcome)
}

/// Completes run `run_id`'s draft connections whose credentials the identity's owner has
/// created since; the others keep waiting.
pub async fn finish_run(
    connected: &Connected,
    settings: &RunSettings,
    run_id: &str,
    reporter: &dyn Reporter,
) -> Result<RunOutcome, UseCaseError> {
    let journal = load_run(connected, &settings.store, run_id)?;
    let cloud = connected.cloud.profile.identity();
    let _lock = settings.store.lock(&lock_key(&cloud, &journal.setup))?;
    let PlannedSetup { plan, .. } = plan(connected, &journal.setup).await?;
    let outcome = finish(&connected.port, &settings.store, reporter, &plan, journal, &settings.apply_options()).await;
    finished(connected, &settings.store, &plan, run_id, outcome)
}

/// The journal's runs, newest first; only `cloud`'s runs when one is given.
pub fn list_runs(store: &JournalStore, cloud: Option<&CloudIdentity>) -> Result<Vec<RunJournal>, UseCaseError> {
    Ok(store
        .list()?
        .into_iter()
        .filter(|journal| cloud.is_none_or(|cloud| journal.cloud_identity.as_ref() == Some(cloud)))
        .collect())
}

/// A run of this cloud's journal; a run made against another cloud is refused, so it is never
/// resumed, rolled back or finished with another cloud's sign-in.
fn load_run(connected: &Connected, store: &JournalStore, run_id: &str) -> Result<RunJournal, UseCaseError> {
    let journal = store.load(run_id)?;
    let cloud = connected.cloud.profile.identity();
    if journal.cloud_identity.as_ref() != Some(&cloud) {
        return Err(UseCaseError::RunOfAnotherCloud {
            run_id: run_id.to_string(),
            run_cloud: journal
                .cloud_identity
                .as_ref()
                .map_or_else(|| format!("{} (recorded by an older Keyless)", journal.cloud), ToString::to_string),
            this_cloud: cloud.to_string(),
        });
    }
    Ok(journal)
}

/// The lock of one setup on one cloud: two processes never run the same steps at once.
fn lock_key(cloud: &CloudIdentity, setup: &Setup) -> String {
    format!("{cloud}\n{}", serde_json::to_string(setup).unwrap_or_default())
}

/// The outcome once the engine returned: its journal as saved, and why it stopped.
fn finished(
    connected: &Connected,
    store: &JournalStore,
    plan: &Plan,
    run_id: &str,
    outcome: Result<RunJournal, EngineError>,
) -> Result<RunOutcome, UseCaseError> {
    let cloud = &connected.cloud.profile;
    match outcome {
        Ok(journal) => Ok(RunOutcome { report: RunReport::build(plan, &journal, cloud), journal, stopped: None }),
        // Refused before anything ran: there is no run to show.
        Err(error @ EngineError::Input(_)) => Err(error.into()),
        Err(error) => {
            let journal = store.load(run_id)?;
            Ok(RunOutcome { report: RunReport::build(plan, &journal, cloud), journal, stopped: Some(error) })
        }
    }
}
