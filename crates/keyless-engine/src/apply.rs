//! Applies a plan: runs every step whose dependencies are done, independent branches at the
//! same time, records each finished step in the journal before starting the next wave, and
//! stops cleanly on the first failure or a cancel so `apply` can resume.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use futures::future::join_all;
use keyless_azure::{ConsistencyPolicy, ReplicationObserver, ReplicationWait};
use keyless_core::{
    Guid,
    observed::{IdentityKind, Observed},
    plan::{Plan, Step},
};

use crate::{
    error::EngineError,
    journal::{JournalStore, RunJournal, RunStatus},
    port::{AzurePort, TestResult},
    progress::{ProgressEvent, Reporter, StepOutcome},
};

/// Knobs of one apply.
#[derive(Debug, Clone, Default)]
pub struct ApplyOptions {
    /// Waits for replication and credential propagation.
    pub consistency: ConsistencyPolicy,
    /// Set to stop after the steps in flight finish; the journal keeps the run resumable.
    pub cancel: Option<Arc<AtomicBool>>,
    /// Stop after this many newly finished steps (how tests simulate a kill at a boundary).
    pub stop_after_steps: Option<usize>,
}

/// What each identity slot and connection turned out to be, filled as steps finish.
#[derive(Debug, Clone, Default)]
pub(crate) struct RunContext {
    pub slots: BTreeMap<usize, SlotState>,
    pub connections: BTreeMap<String, ConnectionState>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct SlotState {
    pub kind: Option<IdentityKind>,
    pub display_name: String,
    pub client_id: Option<Guid>,
    pub principal_id: Option<Guid>,
    pub object_ref: Option<String>,
    pub tenant_id: Option<Guid>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct ConnectionState {
    pub id: Option<Guid>,
    pub issuer: Option<String>,
    pub subject: Option<String>,
    pub handed_off: bool,
}

pub(crate) struct StepEnv<'a, P> {
    pub port: &'a P,
    pub plan: &'a Plan,
    pub observed: &'a Observed,
    pub reporter: &'a dyn Reporter,
    pub options: &'a ApplyOptions,
    pub context: Mutex<RunContext>,
}

impl<P> StepEnv<'_, P> {
    pub fn slot(&self, slot: usize) -> SlotState {
        self.context.lock().map(|c| c.slots.get(&slot).cloned().unwrap_or_default()).unwrap_or_default()
    }
    pub fn connection(&self, key: &str) -> ConnectionState {
        self.context.lock().map(|c| c.connections.get(key).cloned().unwrap_or_default()).unwrap_or_default()
    }
    /// Reports replication waits of one step as progress events.
    pub fn observer<'s>(&'s self, step_id: &'s str) -> StepWaitReporter<'s> {
        StepWaitReporter { reporter: self.reporter, step_id }
    }
}

pub(crate) struct StepWaitReporter<'a> {
    reporter: &'a dyn Reporter,
    step_id: &'a str,
}

impl ReplicationObserver for StepWaitReporter<'_> {
    fn waiting(&self, wait: &ReplicationWait) {
        self.reporter.report(ProgressEvent::StepWaiting {
            step_id: self.step_id.to_string(),
            reason: crate::steps::wait_sentence(&wait.reason),
            attempt: wait.attempt,
            wait_ms: wait.next_retry_in.as_millis() as u64,
        });
    }
}

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

    let env = StepEnv { port, plan, observed, reporter, options, context: Mutex::new(initial_context(plan, observed)) };
    let mut done: BTreeSet<String> = BTreeSet::new();
    for step in &plan.steps {
        if let Some(record) = journal.steps.get(&step.id) {
            crate::steps::absorb(&env, step, record);
            done.insert(step.id.clone());
            reporter.report(ProgressEvent::StepFinished {
                step_id: step.id.clone(),
                outcome: StepOutcome::AlreadyDone,
                detail: record.detail.clone(),
                elapsed_ms: 0,
            });
        }
    }
    let journal = Mutex::new(journal);
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
        let results = join_all(wave.into_iter().map(|group| run_group(&env, group, &journal, store))).await;
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
    journal: &Mutex<RunJournal>,
    store: &JournalStore,
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
                    let mut journal = journal.lock().unwrap_or_else(|p| p.into_inner());
                    journal.steps.insert(step.id.clone(), record);
                    store.save(&journal)
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
                    help: error.help(),
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

fn initial_context(plan: &Plan, observed: &Observed) -> RunContext {
    let mut context = RunContext::default();
    for identity in &plan.identities {
        let found = observed.identities.get(&identity.display_name);
        context.slots.insert(
            identity.slot,
            SlotState {
                kind: Some(identity.kind),
                display_name: identity.display_name.clone(),
                client_id: identity.client_id,
                principal_id: identity.principal_id,
                object_ref: found.map(|f| f.object_ref.clone()),
                tenant_id: found.map(|f| f.tenant_id),
            },
        );
    }
    context
}

/// The growing wait between verification attempts, bounded by the policy.
pub(crate) fn backoff(policy: &ConsistencyPolicy, attempt: u32) -> Duration {
    let factor = 1.5f64.powi(attempt.saturating_sub(1).min(20) as i32);
    policy.initial_interval.mul_f64(factor).min(policy.max_interval)
}

/// Runs TestConnection until it passes, retrying only failures that mean "not propagated
/// yet" within the policy's budget. `TestResult::Failed` is the last, real failure to show.
pub(crate) async fn verify_until_propagated<P: AzurePort>(
    port: &P,
    org: &keyless_core::names::OrgName,
    project_id: keyless_core::Guid,
    connection_id: keyless_core::Guid,
    options: &ApplyOptions,
    reporter: &dyn Reporter,
    step_id: &str,
) -> Result<TestResult, keyless_azure::AzureError> {
    let started = std::time::Instant::now();
    let mut attempt = 0;
    loop {
        attempt += 1;
        match port.test_connection(org, project_id, connection_id).await? {
            TestResult::Ok => return Ok(TestResult::Ok),
            TestResult::Failed { message } => {
                let wait = backoff(&options.consistency, attempt);
                if !crate::assumptions::is_propagation_failure(&message)
                    || started.elapsed() + wait > options.consistency.budget
                {
                    return Ok(TestResult::Failed { message });
                }
                reporter.report(ProgressEvent::StepWaiting {
                    step_id: step_id.into(),
                    reason: crate::steps::wait_sentence(&message),
                    attempt,
                    wait_ms: wait.as_millis() as u64,
                });
                tokio::time::sleep(wait).await;
            }
        }
    }
}
