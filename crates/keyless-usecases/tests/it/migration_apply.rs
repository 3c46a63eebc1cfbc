//! Applying and reverting a migration file on the demo cloud: each kind of migration end to
//! end, the emulator's final state checked as a person would check it in Azure DevOps and Entra.

use keyless_azure::devops::{
    EndpointAuthorization, EndpointProjectReference, PipelinePermission, ProjectReference, ServiceEndpoint,
};
use keyless_core::{Guid, migration::parse_migration_toml, names::OrgName};
use keyless_engine::{
    FailureCode, Remedy,
    journal::JournalStore,
    migrate::{EntryStep, MigrationStatus},
    progress::CollectingReporter,
};
use keyless_usecases::{
    AlreadyConfirmed, RunSettings, UseCaseError,
    migration_run::{apply_migration, list_migrations, revert_migration},
};
use serde_json::Value;

use crate::support::{SignedIn, signed_in};

const AUTOMATIC_SECRET: &str = "0b1c2d3e-4f5a-4b6c-8d7e-000000000004";
const LEGACY_ISSUER: &str = "0b1c2d3e-4f5a-4b6c-8d7e-000000000003";
/// The Mobile project's pipeline.
const MOBILE_BUILD: u64 = 21;
/// The one blocking finding of the demo's automatic secret connection, checked and accepted (the
/// switched connection's one is accepted in the file too).
const ACCEPTED: &str = "shop-infra: steps[1]";

/// The demo's three in-place kinds, and `token` (a token connection of Mobile) replaced.
fn migration_file(token: Option<Guid>) -> String {
    let mut text = format!(
        r#"
[[connections]]
organization = "contoso"
project = "Shop"
name = "shop-prod-secret"
id = "{AUTOMATIC_SECRET}"
action = "convert-in-place"
override_blocking = ["{ACCEPTED}"]

[[connections]]
organization = "contoso"
project = "Shop"
name = "shop-prod-legacy-issuer"
id = "{LEGACY_ISSUER}"
action = "switch-issuer"
override_blocking = ["shop-assets: steps[0]"]
"#
    );
    if let Some(token) = token {
        text.push_str(&format!(
            r#"
[[connections]]
organization = "contoso"
project = "Mobile"
name = "platform-repos-pat"
id = "{token}"
action = "replace-with-azure-devops-connection"
identity = {{ kind = "app-registration", name = "keyless-platform-repos" }}
"#
        ));
    }
    text
}

fn settings(world: &SignedIn, store: &JournalStore) -> RunSettings {
    RunSettings { consistency: world.demo.consistency(), ..RunSettings::new(store.clone()) }
}

fn endpoint(state: &Value, field: &str, value: &str) -> Option<Value> {
    state["serviceEndpoints"].as_array().unwrap().iter().find(|e| e[field] == value).cloned()
}

fn authorized(state: &Value, id: &str) -> Vec<u64> {
    let found = state["pipelinePermissions"].as_array().unwrap().iter().find(|p| p["resourceId"] == id);
    let mut ids: Vec<u64> = found
        .map(|p| p["pipelines"].as_array().unwrap().iter().map(|x| x[0].as_u64().unwrap()).collect())
        .unwrap_or_default();
    ids.sort_unstable();
    ids
}

/// Writes sent to the emulator (not reads, sign-ins or TestConnection).
fn writes(world: &SignedIn) -> usize {
    let requests = world.demo.emulator().requests();
    requests
        .iter()
        .filter(|r| r.method != "GET" && !r.path.contains("endpointproxy") && !r.path.contains("/oauth2/"))
        .count()
}

/// A token connection of Mobile reaching contoso-platform (same tenant), allowed for the Mobile
/// pipeline, as an estate would have it.
async fn token_connection(world: &SignedIn) -> Guid {
    let devops = world.connected.client.devops(&OrgName::parse("contoso").unwrap()).await.unwrap();
    let mobile = devops.projects().await.unwrap().into_iter().find(|p| p.name == "Mobile").unwrap();
    let mut parameters = serde_json::Map::new();
    parameters.insert("apitoken".into(), Value::String("not-a-real-token".into()));
    let endpoint = ServiceEndpoint {
        name: "platform-repos-pat".into(),
        kind: "externaltfs".into(),
        url: Some("https://dev.azure.com/contoso-platform/".into()),
        authorization: EndpointAuthorization { scheme: "Token".into(), parameters },
        service_endpoint_project_references: vec![EndpointProjectReference {
            project_reference: ProjectReference { id: mobile.id, name: Some("Mobile".into()) },
            name: "platform-repos-pat".into(),
            description: None,
        }],
        ..ServiceEndpoint::default()
    };
    let id = devops.create_endpoint(&endpoint).await.unwrap().id.unwrap();
    let allowed = [PipelinePermission { id: MOBILE_BUILD, authorized: true }];
    devops.set_pipeline_permissions("Mobile", id, None, &allowed).await.unwrap();
    id
}

#[tokio::test]
async fn a_migration_file_converts_switches_and_replaces_then_a_second_apply_changes_nothing() {
    let world = signed_in().await;
    let token = token_connection(&world).await;
    let dir = tempfile::tempdir().unwrap();
    let store = JournalStore::new(dir.path());
    let file = parse_migration_toml("migration.toml", &migration_file(Some(token))).unwrap();
    let before = world.demo.emulator().state_snapshot();
    let token_before = endpoint(&before, "id", &token.to_string()).unwrap();

    let outcome = apply_migration(
        &world.connected,
        &settings(&world, &store),
        &file,
        &CollectingReporter::default(),
        &AlreadyConfirmed,
    )
    .await
    .unwrap();

    assert!(outcome.stopped.is_none(), "{:?}", outcome.stopped);
    assert_eq!(outcome.journal.status, MigrationStatus::Completed, "{:#?}", outcome.report);
    let state = world.demo.emulator().state_snapshot();
    let converted = endpoint(&state, "id", AUTOMATIC_SECRET).unwrap();
    assert_eq!(converted["scheme"], "WorkloadIdentityFederation");
    assert_eq!(converted["name"], "shop-prod-secret");
    let switched = endpoint(&state, "id", LEGACY_ISSUER).unwrap();
    let issuer = switched["parameters"]["workloadIdentityFederationIssuer"].as_str().unwrap();
    assert!(issuer.contains("login"), "{issuer}: {:#?}", outcome.report);
    assert_eq!(
        endpoint(&state, "id", &token.to_string()).unwrap(),
        token_before,
        "the token connection is left as it was"
    );
    let replacement = endpoint(&state, "name", "platform-repos-pat-wif").expect("the replacement exists");
    assert_eq!(replacement["kind"], "WorkloadIdentityUser");
    assert_eq!(replacement["scheme"], "WorkloadIdentityFederation");
    let new_id = replacement["id"].as_str().unwrap().to_string();
    assert_eq!(authorized(&state, &new_id), [MOBILE_BUILD], "allowed for the same pipelines");
    assert_eq!(replacement["data"]["organizationUrl"].as_str().map(|u| u.contains("contoso-platform")), Some(true));
    let record = outcome.journal.entry(token);
    assert!(record.has(EntryStep::Replaced) && record.replacement_run_id.is_some(), "{record:?}");
    let (json, markdown) = outcome.report_paths.clone().expect("the report is written");
    assert!(std::fs::read_to_string(markdown).unwrap().contains("## Wave 1"));
    assert!(json.exists());
    assert_eq!(list_migrations(&store, None).unwrap().len(), 1);

    let writes_before = writes(&world);
    let again = apply_migration(
        &world.connected,
        &settings(&world, &store),
        &file,
        &CollectingReporter::default(),
        &AlreadyConfirmed,
    )
    .await
    .unwrap();
    assert_eq!(again.journal.run_id, outcome.journal.run_id, "the same migration, seen as done");
    assert_eq!(again.journal.status, MigrationStatus::Completed);
    assert_eq!(writes(&world), writes_before, "a second apply sends no write");
}

#[tokio::test]
async fn a_revert_puts_the_secret_and_the_old_issuer_credential_back_and_deletes_the_replacement() {
    let world = signed_in().await;
    let token = token_connection(&world).await;
    let dir = tempfile::tempdir().unwrap();
    let store = JournalStore::new(dir.path());
    let file = parse_migration_toml("migration.toml", &migration_file(Some(token))).unwrap();
    let settings = settings(&world, &store);
    let outcome =
        apply_migration(&world.connected, &settings, &file, &CollectingReporter::default(), &AlreadyConfirmed)
            .await
            .unwrap();
    assert_eq!(outcome.journal.status, MigrationStatus::Completed, "{:#?}", outcome.report);

    let reverted = revert_migration(
        &world.connected,
        &settings,
        &outcome.journal.run_id,
        &CollectingReporter::default(),
        &AlreadyConfirmed,
    )
    .await
    .unwrap();

    assert_eq!(reverted.journal.status, MigrationStatus::Reverted);
    let state = world.demo.emulator().state_snapshot();
    assert_eq!(endpoint(&state, "id", AUTOMATIC_SECRET).unwrap()["scheme"], "ServicePrincipal");
    assert!(endpoint(&state, "name", "platform-repos-pat-wif").is_none(), "the replacement is deleted");
    assert!(endpoint(&state, "id", &token.to_string()).is_some(), "the token connection stays");
    let old = state["federatedCredentials"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["name"] == "ado-shop-prod-legacy" && f["deleted"].is_null());
    assert!(old, "the Azure DevOps-issuer credential is back");
}

#[tokio::test]
async fn a_revert_after_azure_devops_deadline_is_refused_with_what_to_do_instead() {
    let world = signed_in().await;
    let dir = tempfile::tempdir().unwrap();
    let store = JournalStore::new(dir.path());
    let file = parse_migration_toml("migration.toml", &migration_file(None)).unwrap();
    let settings = settings(&world, &store);
    let outcome =
        apply_migration(&world.connected, &settings, &file, &CollectingReporter::default(), &AlreadyConfirmed)
            .await
            .unwrap();
    world.demo.emulator().expire_revert_deadlines();

    let refused = revert_migration(
        &world.connected,
        &settings,
        &outcome.journal.run_id,
        &CollectingReporter::default(),
        &AlreadyConfirmed,
    )
    .await
    .unwrap_err();

    assert!(matches!(refused, UseCaseError::Engine(_)), "{refused:?}");
    assert!(refused.to_string().contains("has passed"), "{refused}");
    assert_eq!(refused.code(), FailureCode::Azure(keyless_azure::ErrorCode::Validation));
    assert!(matches!(refused.remedy(), Remedy::Advice { text } if text.contains("new secret-based connection")));
    let state = world.demo.emulator().state_snapshot();
    assert_eq!(endpoint(&state, "id", AUTOMATIC_SECRET).unwrap()["scheme"], "WorkloadIdentityFederation");
    assert_eq!(store.load_migration(&outcome.journal.run_id).unwrap().status, MigrationStatus::Completed);
}
