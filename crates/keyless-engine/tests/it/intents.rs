//! A run never writes blindly: a run killed between a create and its journal record resumes
//! without a second create and still rolls back everything it made, and a create whose answer
//! was lost (the service committed it, then a gateway answered 504) is looked for before it
//! is sent again.

use std::sync::atomic::AtomicUsize;

use keyless_core::plan::build_plan;
use keyless_emulator::{FaultConfig, FaultKind, TargetedFault};
use keyless_engine::{
    ApplyOptions, EngineError, apply,
    journal::{RunJournal, RunStatus},
    observe,
    progress::ProgressEvent,
    rollback::rollback,
};
use serde_json::Value;

use crate::{lagging_port::LaggingPrincipalReads, support::*};

/// An app registration with an organization membership and an Azure RM connection: every
/// kind of create a run makes.
const ALL_CREATES: &str = r#"
[identity]
kind = "app-registration"
name = "kl-intents"

[[organizations]]
name = "contoso"
projects = [{ name = "Shop", groups = ["readers"] }]

[[connections]]
name = "sc-intents"
organization = "contoso"
project = "Shop"
type = "azure-rm"
scope = { subscription = "9d8c7b6a-5f4e-4d3c-9b2a-190807060504", resource_group = "rg-shop-prod" }
role = "Contributor"
"#;

/// The step that finished last, per the run's events.
fn last_finished(world: &World) -> String {
    world
        .reporter
        .events()
        .into_iter()
        .rev()
        .find_map(|e| match e {
            ProgressEvent::StepFinished { step_id, .. } => Some(step_id),
            _ => None,
        })
        .expect("a step finished")
}

/// Requests the services answered "already exists".
fn conflicts(world: &World) -> Vec<String> {
    world.em.requests().into_iter().filter(|r| r.status == 409).map(|r| format!("{} {}", r.method, r.path)).collect()
}

async fn roll_back(world: &World, journal: RunJournal) {
    let rolled = rollback(&world.port, &world.store, &world.reporter, journal, &options()).await;
    assert_eq!(rolled.unwrap().status, RunStatus::RolledBack);
}

#[tokio::test]
async fn a_run_killed_between_each_create_and_its_record_resumes_without_a_second_create_and_rolls_back_fully() {
    let setup = setup(ALL_CREATES);
    let reference = {
        let world = world().await;
        world.apply(&setup).await;
        footprint(&world.state())
    };
    let total = world().await.plan(&setup).await.0.steps.len();
    let mut killed_after_a_create = 0;
    for stop_after in 1..total {
        let world = world().await;
        let initial = footprint(&world.state());
        let limited = ApplyOptions { stop_after_steps: Some(stop_after), ..options() };
        let stopped = world.apply_with(&setup, None, &limited).await;
        assert!(matches!(stopped, Err(EngineError::Cancelled { .. })), "stop after {stop_after}: {stopped:?}");
        let mut journal = world
            .store
            .unfinished_for(&setup, &world.em.cloud_profile().identity())
            .unwrap()
            .expect("the journal keeps the stopped run");
        // The kill came after the create but before the step's record was written.
        let last = last_finished(&world);
        if journal.steps[&last].created.is_empty() {
            continue;
        }
        killed_after_a_create += 1;
        journal.steps.remove(&last);
        world.store.save(&journal).unwrap();
        let resumed = world.apply_with(&setup, Some(journal), &options()).await.unwrap();
        assert_eq!(resumed.status, RunStatus::Completed);
        assert_eq!(conflicts(&world), Vec::<String>::new(), "killed after {last}");
        assert_eq!(footprint(&world.state()), reference, "killed after {last}");
        assert!(
            !resumed.steps[&last].created.is_empty(),
            "the resumed step claims what the killed one created: {:?}",
            resumed.steps[&last]
        );
        roll_back(&world, resumed).await;
        assert_eq!(footprint(&world.state()), initial, "rollback after a kill after {last}");
    }
    assert!(killed_after_a_create >= 5, "identity, principal, role, membership, connection and credential");
}

/// Applies `ALL_CREATES` with the first `method` request to a path containing `path` committed
/// and then answered 504, and returns the world and the completed run.
async fn apply_with_lost_answer(method: &str, path: &str) -> (World, Value, RunJournal) {
    let world = world().await;
    let initial = footprint(&world.state());
    world.em.set_faults(FaultConfig {
        targeted: vec![TargetedFault::first(method, path, FaultKind::CommitThenGatewayTimeout)],
        ..FaultConfig::default()
    });
    let journal = world.apply(&setup(ALL_CREATES)).await;
    assert_eq!(journal.status, RunStatus::Completed);
    let lost: Vec<_> = world.em.requests().into_iter().filter(|r| r.status == 504).collect();
    assert_eq!(lost.len(), 1, "the fault hit one request: {lost:?}");
    (world, initial, journal)
}

fn count(state: &Value, collection: &str, field: &str, value: &str) -> usize {
    state[collection]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x[field] == value && x.get("deleted").is_none_or(Value::is_null))
        .count()
}

#[tokio::test]
async fn an_app_registration_whose_create_answer_was_lost_is_made_once_and_rolled_back() {
    let (world, initial, journal) = apply_with_lost_answer("POST", "/v1.0/applications").await;
    assert_eq!(count(&world.state(), "applications", "displayName", "kl-intents"), 1);
    roll_back(&world, journal).await;
    assert_eq!(footprint(&world.state()), initial);
}

#[tokio::test]
async fn a_service_principal_whose_create_answer_was_lost_is_made_once_and_rolled_back() {
    let (world, initial, journal) = apply_with_lost_answer("POST", "/v1.0/servicePrincipals").await;
    assert_eq!(count(&world.state(), "servicePrincipals", "displayName", "kl-intents"), 1);
    roll_back(&world, journal).await;
    assert_eq!(footprint(&world.state()), initial);
}

#[tokio::test]
async fn a_service_connection_whose_create_answer_was_lost_is_made_once_and_rolled_back() {
    let (world, initial, journal) = apply_with_lost_answer("POST", "/_apis/serviceendpoint/endpoints").await;
    assert_eq!(count(&world.state(), "serviceEndpoints", "name", "sc-intents"), 1);
    roll_back(&world, journal).await;
    assert_eq!(footprint(&world.state()), initial);
}

#[tokio::test]
async fn a_membership_whose_add_answer_was_lost_is_made_once_and_rolled_back() {
    let (world, initial, journal) = apply_with_lost_answer("POST", "/_apis/serviceprincipalentitlements").await;
    assert_eq!(count(&world.state(), "devopsServicePrincipals", "displayName", "kl-intents"), 1);
    roll_back(&world, journal).await;
    assert_eq!(footprint(&world.state()), initial);
}

#[tokio::test]
async fn a_federated_credential_whose_write_answer_was_lost_is_written_once_and_rolled_back() {
    let (world, initial, journal) = apply_with_lost_answer("PATCH", "federatedIdentityCredentials").await;
    let state = world.state();
    let app = find(&state, "applications", "displayName", "kl-intents");
    assert_eq!(count(&state, "federatedCredentials", "identity", app["appId"].as_str().unwrap()), 1);
    roll_back(&world, journal).await;
    assert_eq!(footprint(&world.state()), initial);
}

#[tokio::test]
async fn a_service_principal_hidden_by_lagging_reads_is_used_when_its_create_answers_already_in_use() {
    let world = world().await;
    let setup = setup(ALL_CREATES);
    let initial = footprint(&world.state());
    // Killed between the principal's create and its record.
    let limited = ApplyOptions { stop_after_steps: Some(2), ..options() };
    assert!(world.apply_with(&setup, None, &limited).await.is_err());
    let mut journal =
        world.store.unfinished_for(&setup, &world.em.cloud_profile().identity()).unwrap().expect("a stopped run");
    assert!(journal.steps.remove("sp/0").is_some_and(|r| !r.created.is_empty()));
    world.store.save(&journal).unwrap();
    // Graph's reads lag: the plan's read and the step's look-first both miss the principal.
    let lagging = LaggingPrincipalReads { inner: &world.port, hidden_reads: AtomicUsize::new(2) };
    let observed = observe(&lagging, &setup).await.unwrap();
    let plan = build_plan(&setup, &observed).unwrap();
    let resumed = apply(&lagging, &world.store, &world.reporter, &plan, &observed, journal, &options()).await.unwrap();
    assert_eq!(resumed.status, RunStatus::Completed);
    assert!(
        world.em.requests().iter().any(|r| r.status == 409 && r.path.contains("servicePrincipals")),
        "the create met the existing principal"
    );
    assert_eq!(count(&world.state(), "servicePrincipals", "displayName", "kl-intents"), 1);
    assert!(!resumed.steps["sp/0"].created.is_empty(), "{:?}", resumed.steps["sp/0"]);
    roll_back(&world, resumed).await;
    assert_eq!(footprint(&world.state()), initial);
}
