//! The identity step: finds or creates the app registration or managed identity of a slot.
//! An identity that an earlier attempt of this run announced (an intent) and then created is
//! claimed as created, so rollback removes it; one that existed before the run is reused.

use keyless_core::plan::{IdentityCreate, Step};

use super::{StepEnv, create_confirmed, record};
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
    create: Option<&IdentityCreate>,
) -> Result<StepRecord, EngineError> {
    let az = |e| EngineError::azure(step.title.clone(), e);
    let Some(create) = create else { return Ok(found_before_the_step(env, step, slot)) };
    let earlier = env.intent(step);
    match create {
        IdentityCreate::AppRegistration { display_name } => {
            let found = if env.looks_first(step) {
                env.port.find_app(Some(display_name), None).await.map_err(az)?
            } else {
                None
            };
            let ours = earlier.is_some_and(|i| i.names(IntentKind::AppRegistration, display_name));
            let (app, created_now) = match found {
                Some(app) => (app, ours),
                None => {
                    env.intend(step, IntentKind::AppRegistration, display_name)?;
                    let app = create_confirmed(
                        env,
                        || env.port.create_app(display_name),
                        || env.port.find_app(Some(display_name), None),
                    )
                    .await
                    .map_err(az)?;
                    (app, true)
                }
            };
            let created = if created_now {
                vec![CreatedResource::AppRegistration {
                    object_id: app.object_id,
                    app_id: app.app_id,
                    display_name: display_name.clone(),
                }]
            } else {
                vec![]
            };
            let outputs = StepOutputs {
                client_id: Some(app.app_id),
                object_ref: Some(app.object_id.to_string()),
                tenant_id: Some(env.observed.tenant_id),
                ..StepOutputs::default()
            };
            let outcome = if created_now { StepOutcome::Created } else { StepOutcome::Reused };
            Ok(StepRecord { outputs, created, ..record(outcome, format!("{display_name}, client id {}", app.app_id)) })
        }
        IdentityCreate::ManagedIdentity { name, subscription, resource_group, location } => {
            let id = crate::observe::managed_identity_resource_id(*subscription, resource_group, name);
            let ours = earlier.is_some_and(|i| i.names(IntentKind::ManagedIdentity, &id));
            let existed = env.looks_first(step) && env.port.find_managed_identity(&id).await.map_err(az)?.is_some();
            if !existed {
                env.intend(step, IntentKind::ManagedIdentity, &id)?;
            }
            // A PUT of a managed identity is idempotent: repeating it after a lost answer
            // cannot make a second one.
            let mi = env.port.put_managed_identity(*subscription, resource_group, name, location).await.map_err(az)?;
            let created_now = !existed || ours;
            let created = if created_now {
                vec![CreatedResource::ManagedIdentity { resource_id: mi.resource_id.clone() }]
            } else {
                vec![]
            };
            let outputs = StepOutputs {
                client_id: Some(mi.client_id),
                principal_id: Some(mi.principal_id),
                object_ref: Some(mi.resource_id.clone()),
                tenant_id: Some(mi.tenant_id),
                ..StepOutputs::default()
            };
            let outcome = if created_now { StepOutcome::Created } else { StepOutcome::Reused };
            Ok(StepRecord { outputs, created, ..record(outcome, format!("{name}, client id {}", mi.client_id)) })
        }
    }
}

/// The plan found the identity already there. After a resume that is often this run's own
/// identity, created just before the kill: the intent says so.
fn found_before_the_step<P>(env: &StepEnv<'_, P>, step: &Step, slot: usize) -> StepRecord {
    let state = env.slot(slot);
    let outputs = StepOutputs {
        client_id: state.client_id,
        principal_id: state.principal_id,
        object_ref: state.object_ref.clone(),
        tenant_id: state.tenant_id,
        ..StepOutputs::default()
    };
    let object_ref = state.object_ref.clone().unwrap_or_default();
    let claimed = env.intent(step).and_then(|intent| match intent.creates {
        IntentKind::AppRegistration if intent.names(IntentKind::AppRegistration, &state.display_name) => {
            Some(CreatedResource::AppRegistration {
                object_id: object_ref.parse().ok()?,
                app_id: state.client_id?,
                display_name: state.display_name.clone(),
            })
        }
        IntentKind::ManagedIdentity if intent.names(IntentKind::ManagedIdentity, &object_ref) => {
            Some(CreatedResource::ManagedIdentity { resource_id: object_ref.clone() })
        }
        _ => None,
    });
    match claimed {
        Some(created) => StepRecord {
            outputs,
            created: vec![created],
            ..record(StepOutcome::Created, format!("{} (created before the run was interrupted)", state.display_name))
        },
        None => StepRecord { outputs, ..record(StepOutcome::Reused, format!("{} already exists", state.display_name)) },
    }
}
