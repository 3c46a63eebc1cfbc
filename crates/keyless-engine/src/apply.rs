//! Applies a plan: runs every step whose dependencies are done, independent branches at the
//! same time, records each finished step in the journal before starting the next wave, and
//! stops cleanly on the first failure or a cancel so `apply` can resume. What a step does is
//! `steps`' business; this module only orders them.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::{Arc, Mutex, atomic::Ordering},
    time::Instant,
};

use futures::future::join_all;
use keyless_core::{
    observed::Observed,
    plan::{Plan, Step},
};

use crate::{
    error::EngineError,
    journal::{JournalStore, RunJournal, RunStatus, StepRecord},
    port::AzurePort,
    progress::{ProgressEvent, Reporter, StepOutcome},
    steps::{StepEnv, initial_context},
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
    let mut finished_now = 0usize;
    let outcome = loop {
        let ready: Vec<&Step> = plan
            .steps
            .iter()
            .filter(|s| !done.contains(&s.id) && s.depends_on.iter().all(|d| done.contains(d)))
            .collect();
        if ready.is_empty() {
            break Ok(());
        }
        if options.cancel.as_ref().is_some_and(|c| c.load(Ordering::SeqCst))
            || options.stop_after_steps.is_some_and(|n| finished_now >= n)
        {
            break Err(EngineError::Cancelled { done: done.len() });
        }
        let wave = batch_by_identity(ready, options.stop_after_steps.map(|n| n - finished_now));
        let results = join_all(wave.into_iter().map(|group| run_group(&env, group))).await;
        let mut failure = None;
        for result in results {
            match result {
                Ok(ids) => {
                    finished_now += ids.len();
                    done.extend(ids);
                }
                Err((ids, error)) => {
                    finished_now += ids.len();
                    done.extend(ids);
                    failure.get_or_insert(error);
                }
            }
        }
        if let Some(error) = failure {
            break Err(error);
        }
    };

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

/// Federated credential writes on one identity run one after another (a managed identity
/// answers concurrent writes with 409); everything else in the wave runs side by side.
fn batch_by_identity(ready: Vec<&Step>, limit: Option<usize>) -> Vec<Vec<&Step>> {
    let ready: Vec<&Step> = match limit {
        Some(n) => ready.into_iter().take(n.max(1)).collect(),
        None => ready,
    };
    let mut per_slot: BTreeMap<usize, Vec<&Step>> = BTreeMap::new();
    let mut groups = vec![];
    for step in ready {
        match &step.operation {
            keyless_core::plan::Operation::FederatedCredential { slot, .. } => {
                per_slot.entry(*slot).or_default().push(step)
            }
            _ => groups.push(vec![step]),
        }
    }
    groups.extend(per_slot.into_values());
    groups
}

async fn run_group<P: AzurePort>(
    env: &StepEnv<'_, P>,
    group: Vec<&Step>,
) -> Result<Vec<String>, (Vec<String>, EngineError)> {
    let mut finished = vec![];
    for step in group {
        env.reporter.report(ProgressEvent::StepStarted { step_id: step.id.clone(), title: step.title.clone() });
        let started = Instant::now();
        match execute_reporting_requests(env, step).await {
            Ok(record) => {
                let elapsed_ms = started.elapsed().as_millis() as u64;
                env.reporter.report(ProgressEvent::StepFinished {
                    step_id: step.id.clone(),
                    outcome: record.outcome,
                    detail: record.detail.clone(),
                    elapsed_ms,
                });
                let saved = {
                    let mut journal = env.journal.lock().unwrap_or_else(|p| p.into_inner());
                    journal.steps.insert(step.id.clone(), record);
                    env.store.save(&journal)
                };
                if let Err(error) = saved {
                    return Err((finished, error.into()));
                }
                finished.push(step.id.clone());
            }
            Err(error) => {
                env.reporter.report(ProgressEvent::StepFailed {
                    step_id: step.id.clone(),
                    code: error.code(),
                    message: error.to_string(),
                    remedy: error.remedy(),
                });
                return Err((finished, error));
            }
        }
    }
    Ok(finished)
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
