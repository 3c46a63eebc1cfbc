//! What steps share while a run is applied: the port, the plan, what earlier steps learned
//! (slots and connections), the journal that intents are written to, and the reporter. It
//! does not decide what any step does.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex, atomic::AtomicBool},
    time::Duration,
};

use keyless_azure::{ConsistencyPolicy, ReplicationObserver, ReplicationWait, WaitReason};
use keyless_core::{
    Guid,
    observed::{IdentityKind, Observed, ObservedIdentity},
    plan::{Plan, Step},
};

use crate::{
    error::EngineError,
    intent::{Intent, IntentKind},
    journal::{JournalStore, RunJournal},
    progress::{ProgressEvent, Reporter},
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
    /// How far the service's clock may be behind this machine's when a creation time is
    /// compared with an intent; `None` is [`crate::assumptions::CLOCK_SKEW`].
    pub clock_skew: Option<Duration>,
    /// The plan comes from an observation made for this apply, just before it. Then a step
    /// that no attempt of the run announced (no intent) creates what the observation did not
    /// show without looking for it first: nothing of the run's can be there, and the
    /// observation is as fresh as a look would be. Steps with an intent still look first.
    pub observed_for_this_apply: bool,
}

impl ApplyOptions {
    pub fn clock_skew(&self) -> Duration {
        self.clock_skew.unwrap_or(crate::assumptions::CLOCK_SKEW)
    }
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
    pub journal: &'a Mutex<RunJournal>,
    pub store: &'a JournalStore,
    /// One lock per identity slot, held around each federated credential write: a managed
    /// identity answers a second write in flight with 409, and an app registration's
    /// credentials are one list that concurrent writes would race on.
    pub credential_writes: BTreeMap<usize, tokio::sync::Mutex<()>>,
}

impl<P> StepEnv<'_, P> {
    /// Waits until no other credential write to identity `slot` is in flight; the write
    /// happens while the guard lives.
    pub async fn credential_write_turn(&self, slot: usize) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match self.credential_writes.get(&slot) {
            Some(lock) => Some(lock.lock().await),
            None => None,
        }
    }

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

    /// The identity with `client_id` as the plan's observation saw it, if it saw it.
    pub fn observed_identity(&self, client_id: Option<Guid>) -> Option<&ObservedIdentity> {
        self.observed.identities.values().find(|i| Some(i.client_id) == client_id)
    }

    /// Whether `step` must look for what it creates before creating it: unless the plan's
    /// observation was made for this apply and no attempt of the run announced the step.
    pub fn looks_first(&self, step: &Step) -> bool {
        !self.options.observed_for_this_apply || self.intent(step).is_some()
    }

    /// The intent an earlier attempt of this run wrote for `step`, if any.
    pub fn intent(&self, step: &Step) -> Option<Intent> {
        let journal = self.journal.lock().unwrap_or_else(|p| p.into_inner());
        journal.intents.get(&step.id).cloned()
    }

    /// Writes "this step is about to create `key`" to the journal before the create is sent,
    /// so a resumed run recognises the object as its own. An intent from an earlier attempt
    /// for the same object is kept as it is: its time is when the object may first have
    /// been created.
    pub fn intend(&self, step: &Step, creates: IntentKind, key: &str) -> Result<Intent, EngineError> {
        let mut journal = self.journal.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(earlier) = journal.intents.get(&step.id)
            && earlier.creates == creates
            && earlier.key == key
        {
            return Ok(earlier.clone());
        }
        let intent = Intent::now(&step.id, creates, key);
        journal.intents.insert(step.id.clone(), intent.clone());
        self.store.save(&journal)?;
        Ok(intent)
    }
}

pub(crate) struct StepWaitReporter<'a> {
    reporter: &'a dyn Reporter,
    step_id: &'a str,
}

impl ReplicationObserver for StepWaitReporter<'_> {
    fn waiting(&self, wait: &ReplicationWait) {
        // An answer the behaviour table does not know as "not yet" is only retried by the
        // predicate's own rule; Entra replication is the closest description of it.
        self.reporter.report(ProgressEvent::StepWaiting {
            step_id: self.step_id.to_string(),
            wait: wait.wait.unwrap_or(WaitReason::ServicePrincipalInEntra),
            code: Some(wait.reason.clone()),
            attempt: wait.attempt,
            wait_ms: wait.next_retry_in.as_millis() as u64,
        });
    }
}

/// A credential write lock for each identity slot of the plan.
pub(crate) fn credential_locks(plan: &Plan) -> BTreeMap<usize, tokio::sync::Mutex<()>> {
    plan.identities.iter().map(|identity| (identity.slot, tokio::sync::Mutex::new(()))).collect()
}

/// The slots as the plan and the observed state know them before any step runs.
pub(crate) fn initial_context(plan: &Plan, observed: &Observed) -> RunContext {
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
