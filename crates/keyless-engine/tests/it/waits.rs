//! Verification waits out what Azure has not put into effect yet (a managed identity's
//! credential, a role assignment, a new app) and fails with the service's own words only
//! when the wait budget is spent.

use std::time::Duration;

use keyless_azure::{ConsistencyPolicy, WaitReason};
use keyless_engine::{
    ApplyOptions, EngineError,
    journal::RunStatus,
    progress::{ProgressEvent, StepOutcome},
};

use crate::support::*;

/// The waits a run reported, with the code that signalled each.
fn waits(world: &World) -> Vec<(WaitReason, Option<String>)> {
    world
        .reporter
        .events()
        .into_iter()
        .filter_map(|e| match e {
            ProgressEvent::StepWaiting { step_id, wait, code, .. } if step_id.starts_with("verify/") => {
                Some((wait, code))
            }
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_managed_identity_connection_verifies_once_its_credential_and_role_take_effect() {
    let world = world_with(keyless_emulator::EmulatorConfig {
        managed_identity_fic_propagation_delay: Duration::from_secs(1),
        role_propagation_delay: Duration::from_secs(3),
        ..emulator_config()
    })
    .await;
    let journal = world.apply(&example("managed-identity.toml")).await;
    assert_eq!(journal.status, RunStatus::Completed);
    assert_eq!(journal.steps["verify/contoso/Payments/sc-payments-infra"].outcome, StepOutcome::Verified);
    let waits = waits(&world);
    assert!(
        waits.iter().any(|(w, code)| *w == WaitReason::FederatedCredential && code.as_deref() == Some("AADSTS70025")),
        "{waits:?}"
    );
    assert!(waits.iter().any(|(w, _)| *w == WaitReason::RoleAssignment), "{waits:?}");
}

#[tokio::test]
async fn a_new_app_registration_connection_verifies_once_the_app_is_known_to_sign_in() {
    let world = world_with(keyless_emulator::EmulatorConfig {
        app_propagation_delay: Duration::from_secs(4),
        ..emulator_config()
    })
    .await;
    let journal = world.apply(&example("onboarding.toml")).await;
    assert_eq!(journal.steps["verify/contoso/Shop/sc-shop-prod"].outcome, StepOutcome::Verified);
    let waits = waits(&world);
    assert!(
        waits.iter().any(|(w, code)| *w == WaitReason::NewApplication && code.as_deref() == Some("AADSTS700016")),
        "{waits:?}"
    );
}

#[tokio::test]
async fn verification_fails_with_the_services_words_when_the_wait_budget_is_spent() {
    let world = world_with(keyless_emulator::EmulatorConfig {
        managed_identity_fic_propagation_delay: Duration::from_secs(600),
        ..emulator_config()
    })
    .await;
    let short = ApplyOptions {
        consistency: ConsistencyPolicy {
            initial_interval: Duration::from_millis(20),
            max_interval: Duration::from_millis(50),
            budget: Duration::from_millis(400),
        },
        ..options()
    };
    let failed = world.apply_with(&example("managed-identity.toml"), None, &short).await;
    match failed {
        Err(EngineError::Verification { message, .. }) => assert!(message.contains("AADSTS70025"), "{message}"),
        other => panic!("expected a verification failure, got {other:?}"),
    }
    let waits = waits(&world);
    assert!(waits.iter().any(|(w, _)| *w == WaitReason::FederatedCredential), "it waited first: {waits:?}");
}
