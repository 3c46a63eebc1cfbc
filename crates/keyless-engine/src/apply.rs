//! Applies a plan: starts every step as soon as its dependencies are done, independent branches
//! at the same time, records each finished step in the journal before the steps that depend on
//! it start, and stops cleanly on the first failure or a cancel so `apply` can resume. What a step does is
//! `steps`' business; this module only orders them.

use std::{
    collections::BTreeSet,
    sync::{Arc, Mutex, atomic::Ordering},
    time::Instant,
};

use futures::{StreamExt, stream::FuturesUnordered};
use keyless_core::{
    observed::Observed,
    plan::{Plan, Step},
};

use crate::{
    error::EngineError,
    journal::{JournalStore, RunJournal, RunStatus, StepRecord},
    port::AzurePort,
    progress::{ProgressEvent, Reporter, StepOutcome},
    steps::{StepEnv, credential_locks, initial_context},
};

pub use crate::steps::ApplyOptions;

/// Applies `plan`, continuing `journal` (a new or an unfinished run of the same setup).
pub async fn apply<P: AzurePort>(
    port: &P,
    store: &JournalStore,
    reporter: &dyn Reporter,
    plan: &Plan,
    observed: &Observed,
    mut journal: RunJournal,
    options: &ApplyOptions,
) -> Result<RunJournal, EngineError> {
    let resumed = !journal.steps.is_empty();
    journal.status = RunStatus::Running;
    journal.last_error = None;
    store.save(&journal)?;
    reporter.report(ProgressEvent::RunStarted {
        run_id: journal.run_id.clone(),
        total_steps: plan.steps.len(),
        resumed,
    });

    let journal = Mutex::new(journal);
    let env = StepEnv {
        port,
        plan,
        observed,
        reporter,
        options,
        context: Mutex::new(initial_context(plan, observed)),
        journal: &journal,
        store,
        credential_writes: credential_locks(plan),
    };
    let mut done: BTreeSet<String> = BTreeSet::new();
    let finished_before: Vec<(&Step, StepRecord)> = {
        let journal = journal.lock().unwrap_or_else(|p| p.into_inner());
        plan.steps.iter().filter_map(|step| Some((step, journal.steps.get(&step.id)?.clone()))).collect()
    };
    for (step, record) in &finished_before {
        crate::steps::absorb(&env, step, record);
        done.insert(step.id.clone());
        reporter.report(ProgressEvent::StepFinished {
            step_id: step.id.clone(),
            outcome: StepOutcome::AlreadyDone,
            detail: record.detail.clone(),
            elapsed_ms: 0,
        });
    }
    let outcome = run_ready_steps(&env, &mut done, options).await;
    drop(env);
    let mut journal = journal.into_inner().unwrap_or_else(|p| p.into_inner());
    let remaining = plan.steps.len() - done.len();
    match &outcome {
        Ok(()) => {
            let handed_off = journal.steps.values().any(|r| r.outcome == StepOutcome::HandedOff);
            journal.status = if handed_off { RunStatus::WaitingForHandOff } else { RunStatus::Completed };
        }
        Err(error) => {
            journal.status = RunStatus::Failed;
            journal.last_error = Some(error.to_string());
        }
    }
    store.save(&journal)?;
    reporter.report(ProgressEvent::RunFinished {
        run_id: journal.run_id.clone(),
        succeeded: outcome.is_ok(),
        done: done.len(),
        failed: usize::from(outcome.is_err()),
        remaining,
    });
    outcome.map(|()| journal)
}

/// Starts every step as soon as the steps it depends on are done (not wave by wave: a wave
/// would wait for its slowest step, and an onboarding's chains differ in length), until none
/// is left, one fails, or the run is cancelled. After a failure or a cancel no step starts;
/// the steps in flight finish and are journaled, so a resume repeats nothing. Credential
/// writes to one identity still follow each other: the federated credential step takes its
/// identity's lock around the write (`StepEnv::credential_writes`).
async fn run_ready_steps<P: AzurePort>(
    env: &StepEnv<'_, P>,
    done: &mut BTreeSet<String>,
    options: &ApplyOptions,
) -> Result<(), EngineError> {
    let plan = env.plan;
    let mut started: BTreeSet<&str> =
        plan.steps.iter().filter(|s| done.contains(&s.id)).map(|s| s.id.as_str()).collect();
    let mut in_flight = FuturesUnordered::new();
    let mut finished_now = 0usize;
    let mut failure: Option<EngineError> = None;
    loop {
        let ready: Vec<&Step> = plan
            .steps
            .iter()
            .filter(|s| !started.contains(s.id.as_str()) && s.depends_on.iter().all(|d| done.contains(d)))
            .collect();
        if ready.is_empty() && in_flight.is_empty() {
            return failure.map_or(Ok(()), Err);
        }
        let cancelled = options.cancel.as_ref().is_some_and(|c| c.load(Ordering::SeqCst));
        let limit = options.stop_after_steps.unwrap_or(usize::MAX);
        if failure.is_none() && !cancelled && finished_now < limit {
            let room = limit.saturating_sub(finished_now + in_flight.len());
            for step in ready.into_iter().take(room) {
                started.insert(step.id.as_str());
                in_flight.push(run_step(env, step));
            }
        }
        let Some((step_id, result)) = in_flight.next().await else {
            return Err(failure.unwrap_or(EngineError::Cancelled { done: done.len() }));
        };
        match result {
            Ok(()) => {
                finished_now += 1;
                done.insert(step_id);
            }
            Err(error) => {
                failure.get_or_insert(error);
            }
        }
    }
}

/// Runs one step, reports it and journals its record; the step's id comes back either way.
async fn run_step<P: AzurePort>(env: &StepEnv<'_, P>, step: &Step) -> (String, Result<(), EngineError>) {
    env.reporter.report(ProgressEvent::StepStarted { step_id: step.id.clone(), title: step.title.clone() });
    let started = Instant::now();
    let result = match execute_reporting_requests(env, step).await {
        Ok(record) => {
            let elapsed_ms = started.elapsed().as_millis() as u64;
            env.reporter.report(ProgressEvent::StepFinished {
                step_id: step.id.clone(),
                outcome: record.outcome,
                detail: record.detail.clone(),
                elapsed_ms,
            });
            let mut journal = env.journal.lock().unwrap_or_else(|p| p.into_inner());
            journal.steps.insert(step.id.clone(), record);
            env.store.save(&journal).map_err(EngineError::from)
        }
        Err(error) => {
            env.reporter.report(ProgressEvent::StepFailed {
                step_id: step.id.clone(),
                code: error.code(),
                message: error.to_string(),
                remedy: error.remedy(),
            });
            Err(error)
        }
    };
    (step.id.clone(), result)
}

/// Runs one step, turning every response it gets into a `Request` progress event.
async fn execute_reporting_requests<P: AzurePort>(
    env: &StepEnv<'_, P>,
    step: &Step,
) -> Result<crate::journal::StepRecord, EngineError> {
    let (sender, mut received) = tokio::sync::mpsc::unbounded_channel();
    let sink: keyless_azure::activity::RequestSink = Arc::new(move |summary| {
        let _ = sender.send(summary);
    });
    let execute = keyless_azure::activity::observe_requests(sink, crate::steps::execute(env, step));
    // The channel closes when the step's future (which owns the sink) completes.
    let forward = async {
        while let Some(summary) = received.recv().await {
            env.reporter.report(ProgressEvent::Request {
                step_id: step.id.clone(),
                method: summary.method,
                url: summary.url,
                status: summary.status,
            });
        }
    };
    let (result, ()) = futures::join!(execute, forward);
    result
}
