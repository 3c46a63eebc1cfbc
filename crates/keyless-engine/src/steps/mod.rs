//! What each kind of plan step does against Azure, one module per operation. Every step
//! looks before it writes, and writes an intent to the journal before it creates, so a step
//! repeated after a crash finds its own earlier work and claims it. This module only
//! dispatches and keeps the small helpers the operations share.

mod connection;
pub(crate) mod context;
mod federated_credential;
mod identity;
mod membership;
mod pipeline_access;
mod role_assignment;
mod service_principal;
mod share;
pub(crate) mod verify;

use keyless_azure::AzureError;
use keyless_core::{
    Guid,
    names::OrgName,
    plan::{Action, Operation, Step},
};

pub use context::ApplyOptions;
pub(crate) use context::{StepEnv, credential_locks, initial_context};

use crate::{
    error::EngineError,
    journal::{StepOutputs, StepRecord},
    port::AzurePort,
    progress::StepOutcome,
};

/// Runs one step and puts what it learned into the run's context.
pub(crate) async fn execute<P: AzurePort>(env: &StepEnv<'_, P>, step: &Step) -> Result<StepRecord, EngineError> {
    let record = match &step.operation {
        Operation::Identity { slot, create } => identity::run(env, step, *slot, create.as_ref()).await?,
        Operation::ServicePrincipal { slot } => service_principal::run(env, step, *slot).await?,
        Operation::RoleAssignment { slot, scope, role_definition_id, role_name } => {
            role_assignment::run(env, step, *slot, scope, *role_definition_id, role_name).await?
        }
        Operation::Membership { slot, organization, access_level, projects } => {
            membership::run(env, step, *slot, organization, *access_level, projects).await?
        }
        Operation::Connection { slot, spec, project_id, existing_id, draft } => {
            connection::run(env, step, *slot, spec, *project_id, *existing_id, *draft).await?
        }
        Operation::FederatedCredential { slot, connection, hand_off } => {
            federated_credential::run(env, step, *slot, connection, *hand_off).await?
        }
        Operation::PipelineAccess { connection, pipeline_ids, all_pipelines } => {
            pipeline_access::run(env, step, connection, pipeline_ids, *all_pipelines).await?
        }
        Operation::Share { connection, projects } => share::run(env, step, connection, projects).await?,
        Operation::Verify { connection, .. } => verify::run(env, step, connection).await?,
    };
    absorb(env, step, &record);
    Ok(record)
}

pub(crate) fn record(outcome: StepOutcome, detail: impl Into<String>) -> StepRecord {
    StepRecord { outcome, detail: detail.into(), outputs: StepOutputs::default(), created: vec![], hand_off: None }
}

/// Puts a finished step's outputs back into the context (resume, and after each step).
pub(crate) fn absorb<P>(env: &StepEnv<'_, P>, step: &Step, record: &StepRecord) {
    let Ok(mut context) = env.context.lock() else { return };
    let outputs = &record.outputs;
    match &step.operation {
        Operation::Identity { slot, .. } | Operation::ServicePrincipal { slot } => {
            let state = context.slots.entry(*slot).or_default();
            state.client_id = outputs.client_id.or(state.client_id);
            state.principal_id = outputs.principal_id.or(state.principal_id);
            state.object_ref = outputs.object_ref.clone().or(state.object_ref.take());
            state.tenant_id = outputs.tenant_id.or(state.tenant_id);
        }
        Operation::Connection { spec, .. } => {
            let state = context.connections.entry(spec.key()).or_default();
            state.id = outputs.connection_id.or(state.id);
            state.issuer = outputs.issuer.clone().or(state.issuer.take());
            state.subject = outputs.subject.clone().or(state.subject.take());
        }
        Operation::FederatedCredential { connection, .. } => {
            context.connections.entry(connection.clone()).or_default().handed_off =
                record.outcome == StepOutcome::HandedOff;
        }
        _ => {}
    }
}

/// The outcome of a step that writes unconditionally, named after what the plan expected.
pub(crate) fn outcome_for(step: &Step) -> StepOutcome {
    match step.action {
        Action::Create => StepOutcome::Created,
        Action::Reuse => StepOutcome::Reused,
        _ => StepOutcome::Updated,
    }
}

pub(crate) fn missing(step: &Step, what: &str) -> EngineError {
    EngineError::Verification {
        connection: step.id.clone(),
        message: format!("{what} is unknown; an earlier step did not record it"),
    }
}

/// The organization, owning project and id of the connection `key` names.
pub(crate) fn connection_target<P>(
    env: &StepEnv<'_, P>,
    step: &Step,
    key: &str,
) -> Result<(OrgName, Guid, Guid), EngineError> {
    let plan_step = env.plan.step(&format!("connection/{key}")).ok_or_else(|| missing(step, "the connection step"))?;
    let Operation::Connection { spec, project_id, .. } = &plan_step.operation else {
        return Err(missing(step, "the connection"));
    };
    let id = env.connection(key).id.ok_or_else(|| missing(step, "the connection id"))?;
    Ok((spec.organization.clone(), *project_id, id))
}

/// Sends a create that is not idempotent (a POST). When its answer is lost on the way back
/// (the service may or may not have made the object), looks again before another attempt,
/// so a retry never makes a second object; gives up after
/// [`crate::assumptions::CREATE_ATTEMPTS`] lost answers.
pub(crate) async fn create_confirmed<P, T, C, CF, L, LF>(
    env: &StepEnv<'_, P>,
    mut create: C,
    mut look: L,
) -> Result<T, AzureError>
where
    C: FnMut() -> CF,
    CF: Future<Output = Result<T, AzureError>>,
    L: FnMut() -> LF,
    LF: Future<Output = Result<Option<T>, AzureError>>,
{
    let mut attempt = 0;
    loop {
        attempt += 1;
        let lost = match create().await {
            Ok(made) => return Ok(made),
            Err(error) if error.is_outcome_unknown() => error,
            Err(error) => return Err(error),
        };
        if let Some(found) = look_again(env, &mut look).await? {
            return Ok(found);
        }
        if attempt >= crate::assumptions::CREATE_ATTEMPTS {
            return Err(lost);
        }
    }
}

/// Looks for an object a write may have just made, a few times, since a read can lag behind
/// a write for a moment ([`crate::assumptions::LOOK_AGAIN_READS`]).
pub(crate) async fn look_again<P, T, L, LF>(env: &StepEnv<'_, P>, look: &mut L) -> Result<Option<T>, AzureError>
where
    L: FnMut() -> LF,
    LF: Future<Output = Result<Option<T>, AzureError>>,
{
    for read in 1..=crate::assumptions::LOOK_AGAIN_READS {
        if let Some(found) = look().await? {
            return Ok(Some(found));
        }
        if read < crate::assumptions::LOOK_AGAIN_READS {
            tokio::time::sleep(verify::backoff(&env.options.consistency, read)).await;
        }
    }
    Ok(None)
}
