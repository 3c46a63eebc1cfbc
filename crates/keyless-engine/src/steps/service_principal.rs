//! The service principal step: the app's identity in the tenant, which roles and
//! organizations are granted to. Graph refuses a second service principal for an app
//! ("already in use"), so a create that meets one means it exists: look again and use it.

use keyless_azure::{AzureError, ErrorCode, retry_until_replicated};
use keyless_core::plan::Step;

use super::{StepEnv, create_confirmed, look_again, record};
use crate::{
    error::EngineError,
    intent::IntentKind,
    journal::{CreatedResource, StepOutputs, StepRecord},
    port::AzurePort,
    progress::StepOutcome,
};

pub(super) async fn run<P: AzurePort>(
    env: &StepEnv<'_, P>,
    step: &Step,
    slot: usize,
) -> Result<StepRecord, EngineError> {
    let az = |e| EngineError::azure(step.title.clone(), e);
    let app_id = env.slot(slot).client_id.unwrap_or_default();
    let key = app_id.to_string();
    let ours = env.intent(step).is_some_and(|i| i.names(IntentKind::ServicePrincipal, &key));
    // Without a look, the observation's principal of the identity stands for one.
    let found = if env.looks_first(step) {
        env.port.find_service_principal(app_id).await.map_err(az)?
    } else {
        env.observed_identity(Some(app_id)).and_then(|i| i.principal_id)
    };
    if let Some(id) = found {
        return Ok(principal_record(id, app_id, ours));
    }
    env.intend(step, IntentKind::ServicePrincipal, &key)?;
    let observer = env.observer(&step.id);
    let created = create_confirmed(
        env,
        || {
            retry_until_replicated(
                &env.options.consistency,
                &observer,
                &step.title,
                AzureError::is_replication_delay,
                || env.port.create_service_principal(app_id),
            )
        },
        || env.port.find_service_principal(app_id),
    )
    .await;
    match created {
        Ok(id) => Ok(principal_record(id, app_id, true)),
        // The read before the create lagged behind an earlier create (of this run, or of
        // someone else's): the principal exists, so use it instead of failing.
        Err(error) if error.code() == ErrorCode::Conflict => {
            match look_again(env, &mut || env.port.find_service_principal(app_id)).await.map_err(az)? {
                Some(id) => Ok(principal_record(id, app_id, ours)),
                None => Err(az(error)),
            }
        }
        Err(error) => Err(az(error)),
    }
}

fn principal_record(id: keyless_core::Guid, app_id: keyless_core::Guid, created_by_this_run: bool) -> StepRecord {
    let outputs = StepOutputs { principal_id: Some(id), ..StepOutputs::default() };
    if created_by_this_run {
        StepRecord {
            outputs,
            created: vec![CreatedResource::ServicePrincipal { object_id: id, app_id }],
            ..record(StepOutcome::Created, format!("object id {id}"))
        }
    } else {
        StepRecord { outputs, ..record(StepOutcome::Reused, format!("object id {id}")) }
    }
}
