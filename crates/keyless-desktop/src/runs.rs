//! The run commands: plan a setup, apply it, cancel, roll back, finish hand-offs, and list the
//! journal. Each is the shared use case (`keyless_usecases::runs`) plus the window's part: one
//! run at a time, the cancel switch, progress forwarded as views, and the result as a view. A
//! run that stops part-way is not a command error: it comes back as a `RunView` with status
//! `failed` and the reason in `error`, because its journal exists and can be resumed.

use std::sync::{Arc, atomic::AtomicBool};

use keyless_ipc::{IpcError, PlanView, ProgressView, RunRequest, RunSummaryView, RunView, SetupRequest};
use keyless_usecases::{AlreadyConfirmed, RunOutcome, RunSettings, runs};

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
        let planned = runs::plan(&connected, &setup).await?;
        Ok(plan_view(&planned.plan))
    }

    /// `apply_setup`: plans again against the live state, then applies, continuing the newest
    /// unfinished run of the same setup on this cloud when there is one. The window asked for
    /// confirmation on Review.
    pub async fn apply_setup(
        &self,
        request: SetupRequest,
        progress: &dyn EventSink<ProgressView>,
    ) -> Result<RunView, DesktopError> {
        let SetupRequest { setup } = request;
        let setup = setup_from_input(setup)?;
        let connected = self.connected()?;
        let run = self.start_run()?;
        let settings = self.settings_for(&run).await?;
        let outcome =
            runs::apply_setup(&connected, &settings, &setup, &ProgressForwarder(progress), &AlreadyConfirmed).await?;
        Ok(outcome_view(outcome))
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
        let settings = self.settings_for(&run).await?;
        let outcome =
            runs::rollback_run(&connected, &settings, &run_id, &ProgressForwarder(progress), &AlreadyConfirmed).await?;
        Ok(outcome_view(outcome))
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
        let settings = self.settings_for(&run).await?;
        let outcome = runs::finish_run(&connected, &settings, &run_id, &ProgressForwarder(progress)).await?;
        Ok(outcome_view(outcome))
    }

    /// `list_runs`: this cloud's runs, newest first (none before the cloud is known).
    pub async fn list_runs(&self) -> Result<Vec<RunSummaryView>, DesktopError> {
        let Ok(connected) = self.connected() else { return Ok(vec![]) };
        let settings = self.run_settings().await?;
        let cloud = connected.cloud.profile.identity();
        Ok(runs::list_runs(&settings.store, Some(&cloud))?.iter().map(run_summary_view).collect())
    }

    /// Takes the one run slot and arms a fresh cancel switch for it.
    pub(crate) fn start_run(&self) -> Result<ActiveRun<'_>, DesktopError> {
        let guard = self.run_lock.try_lock().map_err(|_| DesktopError::Busy("a run"))?;
        let cancel = Arc::new(AtomicBool::new(false));
        *lock(&self.apply_cancel) = Some(cancel.clone());
        Ok(ActiveRun { controller: self, cancel, _guard: guard })
    }

    pub(crate) async fn settings_for(&self, run: &ActiveRun<'_>) -> Result<RunSettings, DesktopError> {
        Ok(RunSettings { cancel: Some(run.cancel.clone()), ..self.run_settings().await? })
    }
}

/// The run in progress; dropping it disarms `cancel_apply` and frees the slot.
pub(crate) struct ActiveRun<'a> {
    controller: &'a Controller,
    cancel: Arc<AtomicBool>,
    _guard: tokio::sync::MutexGuard<'a, ()>,
}

impl Drop for ActiveRun<'_> {
    fn drop(&mut self) {
        *lock(&self.controller.apply_cancel) = None;
    }
}

pub(crate) fn outcome_view(outcome: RunOutcome) -> RunView {
    let RunOutcome { journal: _, report, stopped } = outcome;
    run_view(&report, stopped.map(|error| IpcError::from(DesktopError::from(error))))
}
