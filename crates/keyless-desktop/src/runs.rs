//! The run commands: plan a setup, apply it (resuming an unfinished run of the same setup on
//! the same cloud), cancel, roll back, finish hand-offs, and list the journal.
//!
//! The engine does the work and keeps the journal; this module picks the journal, forwards
//! progress, and turns the result into views. A run that stops part-way is not a command
//! error: it comes back as a `RunView` with status `failed` and the reason in `error`, because
//! its journal exists and can be resumed or rolled back.

use std::sync::{Arc, atomic::AtomicBool};

use keyless_core::{
    observed::Observed,
    plan::{Plan, build_plan},
    setup::Setup,
};
use keyless_engine::{
    ApplyOptions, EngineError, apply,
    azure::AzureClients,
    finish::finish,
    journal::{JournalStore, RunJournal, RunStatus},
    observe,
    report::RunReport,
    rollback::rollback,
};
use keyless_ipc::{IpcError, PlanView, ProgressView, RunRequest, RunSummaryView, RunView, SetupRequest};

use crate::{
    Controller, DesktopError, EventSink,
    controller::lock,
    plan_view::plan_view,
    run_view::{ProgressForwarder, run_summary_view, run_view},
    setup_input::setup_from_input,
};

impl Controller {
    /// `plan_setup`: what applying would do. A setup the planner refuses is an `invalidInput`
    /// error carrying the planner's message and help.
    pub async fn plan_setup(&self, request: SetupRequest) -> Result<PlanView, DesktopError> {
        let SetupRequest { setup } = request;
        let setup = setup_from_input(setup)?;
        let connected = self.connected()?;
        let (plan, _) = plan_for(&connected.port, &setup).await?;
        Ok(plan_view(&plan))
    }

    /// `apply_setup`: plans again against the live state, then applies, continuing the newest
    /// unfinished run of the same setup on this cloud when there is one.
    pub async fn apply_setup(
        &self,
        request: SetupRequest,
        progress: &dyn EventSink<ProgressView>,
    ) -> Result<RunView, DesktopError> {
        let SetupRequest { setup } = request;
        let setup = setup_from_input(setup)?;
        let connected = self.connected()?;
        let run = self.start_run()?;
        let (plan, observed) = plan_for(&connected.port, &setup).await?;
        let store = self.journal().await?;
        let cloud = self.cloud_name();
        let journal = match unfinished_run(&store, &setup, &cloud)? {
            Some(journal) => journal,
            None => RunJournal::new(&cloud, setup),
        };
        let run_id = journal.run_id.clone();
        let options = self.apply_options(&run.cancel);
        let reporter = ProgressForwarder(progress);
        let outcome = apply(&connected.port, &store, &reporter, &plan, &observed, journal, &options).await;
        finished_run(&store, &plan, &run_id, outcome)
    }

    /// `rollback_run`: removes what the run created, and nothing else.
    pub async fn rollback_run(
        &self,
        request: RunRequest,
        progress: &dyn EventSink<ProgressView>,
    ) -> Result<RunView, DesktopError> {
        let RunRequest { run_id } = request;
        let connected = self.connected()?;
        let run = self.start_run()?;
        let store = self.journal().await?;
        let journal = self.load_run(&store, &run_id)?;
        // After a rollback the plan's steps say nothing about the run any more; the report keeps
        // the run's status and hand-offs only.
        let no_plan = Plan { identities: vec![], steps: vec![], warnings: vec![] };
        if journal.status == RunStatus::RolledBack {
            return Ok(run_view(&RunReport::build(&no_plan, &journal), None));
        }
        let options = self.apply_options(&run.cancel);
        let reporter = ProgressForwarder(progress);
        let outcome = rollback(&connected.port, &store, &reporter, journal, &options).await;
        finished_run(&store, &no_plan, &run_id, outcome)
    }

    /// `finish_run`: completes the draft connections whose credentials the identity's owner
    /// has created since; the others keep waiting.
    pub async fn finish_run(
        &self,
        request: RunRequest,
        progress: &dyn EventSink<ProgressView>,
    ) -> Result<RunView, DesktopError> {
        let RunRequest { run_id } = request;
        let connected = self.connected()?;
        let run = self.start_run()?;
        let store = self.journal().await?;
        let journal = self.load_run(&store, &run_id)?;
        let (plan, _) = plan_for(&connected.port, &journal.setup).await?;
        let options = self.apply_options(&run.cancel);
        let reporter = ProgressForwarder(progress);
        let outcome = finish(&connected.port, &store, &reporter, &plan, journal, &options).await;
        finished_run(&store, &plan, &run_id, outcome)
    }

    /// `list_runs`: this cloud's runs, newest first.
    pub async fn list_runs(&self) -> Result<Vec<RunSummaryView>, DesktopError> {
        let store = self.journal().await?;
        let cloud = self.cloud_name();
        Ok(store.list()?.iter().filter(|journal| journal.cloud == cloud).map(run_summary_view).collect())
    }

    /// Takes the one run slot and arms a fresh cancel switch for it.
    fn start_run(&self) -> Result<ActiveRun<'_>, DesktopError> {
        let guard = self.run_lock.try_lock().map_err(|_| DesktopError::Busy("a run"))?;
        let cancel = Arc::new(AtomicBool::new(false));
        *lock(&self.apply_cancel) = Some(cancel.clone());
        Ok(ActiveRun { controller: self, cancel, _guard: guard })
    }

    fn apply_options(&self, cancel: &Arc<AtomicBool>) -> ApplyOptions {
        let consistency =
            if self.is_demo() { self.options.demo.consistency.clone() } else { self.options.http.consistency.clone() };
        ApplyOptions { consistency, cancel: Some(cancel.clone()), ..ApplyOptions::default() }
    }

    /// A run of this cloud's journal; runs of other clouds are as unknown as missing ones.
    fn load_run(&self, store: &JournalStore, run_id: &str) -> Result<RunJournal, DesktopError> {
        let journal = store.load(run_id)?;
        if journal.cloud != self.cloud_name() {
            return Err(keyless_engine::journal::JournalError::UnknownRun {
                run_id: run_id.into(),
                dir: store.dir().to_owned(),
            }
            .into());
        }
        Ok(journal)
    }
}

/// The run in progress; dropping it disarms `cancel_apply` and frees the slot.
struct ActiveRun<'a> {
    controller: &'a Controller,
    cancel: Arc<AtomicBool>,
    _guard: tokio::sync::MutexGuard<'a, ()>,
}

impl Drop for ActiveRun<'_> {
    fn drop(&mut self) {
        *lock(&self.controller.apply_cancel) = None;
    }
}

async fn plan_for(port: &AzureClients, setup: &Setup) -> Result<(Plan, Observed), DesktopError> {
    let observed = observe(port, setup).await?;
    let plan = build_plan(setup, &observed)?;
    Ok((plan, observed))
}

/// The newest unfinished run of `setup` on `cloud`.
fn unfinished_run(store: &JournalStore, setup: &Setup, cloud: &str) -> Result<Option<RunJournal>, DesktopError> {
    Ok(store.list()?.into_iter().find(|journal| {
        &journal.setup == setup
            && journal.cloud == cloud
            && matches!(journal.status, RunStatus::Running | RunStatus::Failed)
    }))
}

/// The view of a run once the engine returned: its journal as saved, and why it stopped.
fn finished_run(
    store: &JournalStore,
    plan: &Plan,
    run_id: &str,
    outcome: Result<RunJournal, EngineError>,
) -> Result<RunView, DesktopError> {
    match outcome {
        Ok(journal) => Ok(run_view(&RunReport::build(plan, &journal), None)),
        // Refused before anything ran: there is no run to show.
        Err(error @ EngineError::Input(_)) => Err(error.into()),
        Err(error) => {
            let journal = store.load(run_id)?;
            Ok(run_view(&RunReport::build(plan, &journal), Some(IpcError::from(DesktopError::from(error)))))
        }
    }
}
