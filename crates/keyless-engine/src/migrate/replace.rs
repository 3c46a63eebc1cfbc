//! A token connection replaced by a new "Azure DevOps" connection: the replacement's setup runs
//! through the onboarding engine (plan, apply, its own run journal), and the migration journal
//! keeps that run's id so a revert rolls it back. The old connection is never touched.

use keyless_core::{InputError, plan::build_plan, setup::Setup};

use super::{EntryEnv, journal::EntryStep};
use crate::{
    apply::{ApplyOptions, apply},
    error::EngineError,
    journal::{RunJournal, RunStatus},
    observe::observe,
    port::MigrationPort,
    progress::{ProgressEvent, Reporter, StepOutcome},
};

pub(super) async fn run<P: MigrationPort>(env: &EntryEnv<'_, P>, setup: Option<&Setup>) -> Result<(), EngineError> {
    let setup = setup.ok_or_else(|| {
        InputError::new(
            "replacement",
            format!("no setup was given for the connection that replaces {}", env.label),
            "plan the migration again",
        )
    })?;
    // Two replacements on one identity would both try to create it: one at a time.
    let lock = env.identity_lock(&serde_json::to_string(&setup.identity).unwrap_or_default());
    let _one_run = lock.lock().await;
    let (cloud, cloud_identity) = env.cloud();
    let journal = match env.record().replacement_run_id {
        Some(run_id) => env.store.load(&run_id)?,
        None => {
            let journal = RunJournal::new(&cloud, cloud_identity, setup.clone());
            env.store.save(&journal)?;
            env.update(|record| record.replacement_run_id = Some(journal.run_id.clone())).await?;
            journal
        }
    };
    if matches!(journal.status, RunStatus::Completed | RunStatus::WaitingForHandOff) {
        let started = env.started(EntryStep::Replaced, "Check the replacement connection");
        return env
            .finished(
                EntryStep::Replaced,
                StepOutcome::AlreadyDone,
                format!("run {} completed", journal.run_id),
                started,
            )
            .await;
    }
    env.may_continue()?;
    let new_name = env.planned.new_connection.clone().unwrap_or_default();
    let started = env.started(EntryStep::Replaced, format!("Create '{new_name}' for the same pipelines"));
    let observed = observe(env.port, setup).await?;
    let plan = build_plan(setup, &observed)?;
    // The inner run stops only when the migration is cancelled, never part-way on a step count.
    // The plan was made from the observation just above.
    let options = ApplyOptions { stop_after_steps: None, observed_for_this_apply: true, ..env.options.clone() };
    let inner = InnerRun { outer: env.reporter, prefix: &env.label };
    let finished = apply(env.port, env.store, &inner, &plan, &observed, journal, &options).await?;
    let handed_off = finished.status == RunStatus::WaitingForHandOff;
    if handed_off {
        let pack = finished.steps.values().find_map(|s| s.hand_off.clone());
        env.update(|record| record.hand_off = pack).await?;
    }
    let outcome = if handed_off { StepOutcome::HandedOff } else { StepOutcome::Created };
    env.finished(EntryStep::Replaced, outcome, format!("'{new_name}' made by run {}", finished.run_id), started).await
}

/// The replacement run's progress inside the migration's: its steps named after the entry, its
/// own start and end left out (the migration has one of each).
struct InnerRun<'a> {
    outer: &'a dyn Reporter,
    prefix: &'a str,
}

impl Reporter for InnerRun<'_> {
    fn report(&self, event: ProgressEvent) {
        let name = |step_id: String| format!("{}/{step_id}", self.prefix);
        let event = match event {
            ProgressEvent::RunStarted { .. } | ProgressEvent::RunFinished { .. } => return,
            ProgressEvent::StepStarted { step_id, title } => {
                ProgressEvent::StepStarted { step_id: name(step_id), title }
            }
            ProgressEvent::StepWaiting { step_id, wait, code, attempt, wait_ms } => {
                ProgressEvent::StepWaiting { step_id: name(step_id), wait, code, attempt, wait_ms }
            }
            ProgressEvent::Request { step_id, method, url, status } => {
                ProgressEvent::Request { step_id: name(step_id), method, url, status }
            }
            ProgressEvent::StepFinished { step_id, outcome, detail, elapsed_ms } => {
                ProgressEvent::StepFinished { step_id: name(step_id), outcome, detail, elapsed_ms }
            }
            ProgressEvent::StepFailed { step_id, code, message, remedy } => {
                ProgressEvent::StepFailed { step_id: name(step_id), code, message, remedy }
            }
        };
        self.outer.report(event);
    }
}
