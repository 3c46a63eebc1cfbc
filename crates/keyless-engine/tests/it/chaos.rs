//! Chaos runs: a large apply (three organizations, eight connections, an app registration and a
//! managed identity) and a migration wave (convert, switch, replace) stopped at every step
//! boundary and resumed, and run under injected 429/503, replication and propagation delays
//! and writes that take effect but answer 504. Each ends exactly like an uninterrupted run:
//! the same objects modulo generated ids, none twice, nothing half made.
//!
//! The delays here are tens of milliseconds so the suite stays quick; `scripts/chaos` runs the
//! same tests with delays of up to two minutes (`KEYLESS_CHAOS_DELAY_MS`).

use std::{collections::BTreeMap, time::Duration};

use keyless_azure::ConsistencyPolicy;
use keyless_core::{
    migration::{MigrationAction, MigrationPlan},
    setup::Setup,
};
use keyless_emulator::{EmulatorConfig, FaultConfig};
use keyless_engine::{
    ApplyOptions, EngineError,
    journal::RunStatus,
    migrate::{MigrationInputs, MigrationJournal, MigrationStatus, apply_migration},
};
use serde_json::Value;

use crate::{
    migrate_support::*,
    support::{World, footprint, options, setup, world_with},
};

const SUBSCRIPTION: &str = "9d8c7b6a-5f4e-4d3c-9b2a-190807060504";
/// A token connection of contoso/Shop, replaced by an "Azure DevOps" connection.
const TOKEN_CONNECTION: &str = "0b1c2d3e-4f5a-4b6c-8d7e-000000000006";

/// How long replication and propagation take: a few milliseconds by default, up to two minutes
/// in the on-demand run.
fn delay() -> Duration {
    let millis = std::env::var("KEYLESS_CHAOS_DELAY_MS").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
    Duration::from_millis(millis)
}

fn chaos_config() -> EmulatorConfig {
    let delay = delay();
    EmulatorConfig {
        replication_delay: delay,
        fic_propagation_delay: delay,
        managed_identity_fic_propagation_delay: delay,
        role_propagation_delay: delay,
        app_propagation_delay: delay,
        membership_propagation_delay: delay,
        // Each delay is stretched by up to its own length: "up to" the configured time, twice.
        delay_jitter: 1.0,
        device_code_interval: Duration::from_millis(20),
        ..EmulatorConfig::default()
    }
}

/// Waits long enough for the slowest propagation, with every other option as the suite's. Each
/// apply here plans from an observation made for it (`apply_with`), as `keyless apply` does, so
/// steps no attempt announced create without looking first, and resumed ones look.
fn chaos_options() -> ApplyOptions {
    let base = options();
    let budget = base.consistency.budget.max(delay() * 4);
    ApplyOptions {
        consistency: ConsistencyPolicy { budget, ..base.consistency },
        observed_for_this_apply: true,
        ..base
    }
}

async fn chaos_world() -> World {
    world_with(chaos_config()).await
}

/// Eight connections across contoso, contoso-platform and contoso-legacy, backed by `identity`.
fn large_setup(identity: &str) -> Setup {
    let mut text = format!("{identity}\n");
    let places = [
        ("contoso", "Shop", "rg-shop-prod"),
        ("contoso", "Payments", "rg-payments-prod"),
        ("contoso", "Shop", "rg-payments-prod"),
        ("contoso", "Mobile", "rg-payments-prod"),
        ("contoso-platform", "Infrastructure", "rg-shop-prod"),
        ("contoso-platform", "Tooling", "rg-payments-prod"),
        ("contoso-legacy", "Intranet", "rg-shop-prod"),
    ];
    for (number, (organization, project, group)) in places.into_iter().enumerate() {
        let name = format!("chaos-{}-{number}", project.to_lowercase());
        text.push_str(&format!(
            "\n[[connections]]\nname = \"{name}\"\norganization = \"{organization}\"\nproject = \"{project}\"\n\
             type = \"azure-rm\"\nscope = {{ subscription = \"{SUBSCRIPTION}\", resource_group = \"{group}\" }}\n\
             role = \"Reader\"\n"
        ));
    }
    text.push_str(
        "\n[[organizations]]\nname = \"contoso-platform\"\naccess_level = \"basic\"\n\
         projects = [{ name = \"Tooling\", groups = [\"readers\"] }]\n\
         \n[[connections]]\nname = \"chaos-platform-templates\"\norganization = \"contoso\"\nproject = \"Shop\"\n\
         type = \"azure-devops\"\ntarget_organization = \"contoso-platform\"\n",
    );
    setup(&text)
}

fn app_setup() -> Setup {
    large_setup("[identity]\nkind = \"app-registration\"\nname = \"kl-chaos-deployer\"")
}

fn managed_identity_setup() -> Setup {
    large_setup(&format!(
        "[identity]\nkind = \"managed-identity\"\nname = \"id-chaos-deployer\"\nsubscription = \"{SUBSCRIPTION}\"\n\
         resource_group = \"rg-identities\"\nlocation = \"westeurope\""
    ))
}

/// Fails when anything exists twice or was left half made: two live objects of one name, two
/// credentials with one issuer and subject on one identity, an app without its service
/// principal, a connection made by a run that is not ready.
fn assert_whole_and_unique(state: &Value) {
    let live = |key: &str| -> Vec<&Value> {
        state[key].as_array().unwrap().iter().filter(|x| x.get("deleted").is_none_or(Value::is_null)).collect()
    };
    let mut seen = BTreeMap::new();
    for (key, field) in [("applications", "displayName"), ("servicePrincipals", "appId"), ("managedIdentities", "name")]
    {
        for object in live(key) {
            let count = seen.entry(format!("{key} {}", object[field])).or_insert(0);
            *count += 1;
        }
    }
    for fic in live("federatedCredentials") {
        *seen.entry(format!("credential {} {} {}", fic["identity"], fic["issuer"], fic["subject"])).or_insert(0) += 1;
    }
    for endpoint in live("serviceEndpoints") {
        for project in endpoint["projectReferences"].as_array().into_iter().flatten() {
            *seen.entry(format!("connection {} {}", project["projectId"], project["name"])).or_insert(0) += 1;
        }
        // The seeded estate holds a draft on purpose; the connections runs make must be ready.
        let made_by_run = endpoint["name"].as_str().is_some_and(|n| n.starts_with("chaos-") || n.ends_with("-wif"));
        assert!(!made_by_run || endpoint["isReady"] == true, "half-made connection: {endpoint}");
    }
    let twice: Vec<&String> = seen.iter().filter(|(_, n)| **n > 1).map(|(k, _)| k).collect();
    assert!(twice.is_empty(), "made twice: {twice:?}");
    for app in live("applications") {
        let has_principal = live("servicePrincipals").iter().any(|sp| sp["appId"] == app["appId"]);
        assert!(has_principal, "app registration without its service principal: {}", app["displayName"]);
    }
}

/// The footprint of `setup` applied without interruption on a fresh emulator.
async fn uninterrupted_apply(setup: &Setup) -> (Value, usize) {
    let world = chaos_world().await;
    let steps = world.plan(setup).await.0.steps.len();
    let journal = world.apply_with(setup, None, &chaos_options()).await.unwrap();
    assert_eq!(journal.status, RunStatus::Completed);
    let state = world.state();
    assert_whole_and_unique(&state);
    (footprint(&state), steps)
}

/// Stops `setup`'s apply after every possible number of steps, resumes it, and compares each end
/// state with the uninterrupted one.
async fn check_apply_at_every_boundary(setup: Setup) {
    let (reference, total) = uninterrupted_apply(&setup).await;
    assert!(total >= 20, "a large apply has many steps, got {total}");
    for stop_after in 1..total {
        let world = chaos_world().await;
        let limited = ApplyOptions { stop_after_steps: Some(stop_after), ..chaos_options() };
        let stopped = world.apply_with(&setup, None, &limited).await;
        assert!(matches!(stopped, Err(EngineError::Cancelled { .. })), "stop after {stop_after}: {stopped:?}");
        let unfinished = world
            .store
            .unfinished_for(&setup, &world.em.cloud_profile().identity())
            .unwrap()
            .expect("the journal keeps the stopped run");
        let resumed = world.apply_with(&setup, Some(unfinished), &chaos_options()).await.unwrap();
        assert_eq!(resumed.status, RunStatus::Completed, "stopped after {stop_after}");
        let state = world.state();
        assert_whole_and_unique(&state);
        assert_eq!(footprint(&state), reference, "stopped after {stop_after} of {total} steps");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_app_registration_apply_stopped_at_every_step_boundary_ends_like_an_uninterrupted_one() {
    check_apply_at_every_boundary(app_setup()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_managed_identity_apply_stopped_at_every_step_boundary_ends_like_an_uninterrupted_one() {
    check_apply_at_every_boundary(managed_identity_setup()).await;
}

/// Injected 429/503 on one request in five, and one write in ten applied and then answered 504.
fn hostile_faults(seed: u64) -> FaultConfig {
    FaultConfig { fault_rate: 0.2, commit_then_timeout_rate: 0.1, seed, ..FaultConfig::default() }
}

async fn check_apply_under_faults(setup: Setup, seed: u64) {
    let (reference, _) = uninterrupted_apply(&setup).await;
    let world = chaos_world().await;
    world.em.set_faults(hostile_faults(seed));
    let journal = world.apply_with(&setup, None, &chaos_options()).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(journal.status, RunStatus::Completed);
    let state = world.state();
    let injected = state["faults"]["injected"].as_array().map_or(0, Vec::len);
    assert!(injected >= 5, "faults were injected: {injected}");
    assert_whole_and_unique(&state);
    assert_eq!(footprint(&state), reference);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_app_registration_apply_completes_once_under_throttling_outages_and_lost_answers() {
    check_apply_under_faults(app_setup(), 11).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_managed_identity_apply_completes_once_under_throttling_outages_and_lost_answers() {
    check_apply_under_faults(managed_identity_setup(), 12).await;
}

/// Convert (automatic and manual secrets), switch issuer and replace a token connection, two
/// connections to a wave.
async fn wave(world: &World) -> (MigrationPlan, MigrationInputs) {
    let manual = entra_credential(world, MANUAL_SECRET).await;
    let legacy = entra_credential(world, LEGACY_ISSUER).await;
    let mut replace =
        entry("Shop", "shop-nuget-feed", TOKEN_CONNECTION, MigrationAction::ReplaceWithAzureDevopsConnection, None);
    replace.new_connection = Some("shop-nuget-feed-wif".into());
    let plan = plan_of(
        vec![
            entry("Shop", "shop-prod-secret", AUTOMATIC_SECRET, MigrationAction::ConvertInPlace, None),
            entry("Payments", "payments-terraform", MANUAL_SECRET, MigrationAction::ConvertInPlace, Some(manual)),
            entry("Shop", "shop-prod-legacy-issuer", LEGACY_ISSUER, MigrationAction::SwitchIssuer, Some(legacy)),
            replace,
        ],
        2,
    );
    let replacement = setup(
        "[identity]\nkind = \"app-registration\"\nname = \"kl-chaos-feed\"\n\
         \n[[organizations]]\nname = \"contoso\"\naccess_level = \"basic\"\n\
         projects = [{ name = \"Shop\", groups = [\"readers\"] }]\n\
         \n[[connections]]\nname = \"shop-nuget-feed-wif\"\norganization = \"contoso\"\nproject = \"Shop\"\n\
         type = \"azure-devops\"\n",
    );
    let inputs = MigrationInputs { replacements: BTreeMap::from([(guid(TOKEN_CONNECTION), replacement)]) };
    (plan, inputs)
}

async fn run_wave(
    world: &World,
    inputs: &MigrationInputs,
    journal: MigrationJournal,
    options: &ApplyOptions,
) -> Result<MigrationJournal, EngineError> {
    apply_migration(&world.port, &world.store, &world.reporter, inputs, journal, options).await
}

/// The footprint of the wave migrated without interruption, with no fault.
async fn uninterrupted_wave() -> Value {
    let world = chaos_world().await;
    let (plan, inputs) = wave(&world).await;
    let finished = run_wave(&world, &inputs, new_journal(&world, plan), &chaos_options()).await.unwrap();
    assert_eq!(finished.status, MigrationStatus::Completed);
    let state = world.state();
    assert_whole_and_unique(&state);
    assert_eq!(endpoint(&state, AUTOMATIC_SECRET)["scheme"], "WorkloadIdentityFederation");
    assert!(state["serviceEndpoints"].as_array().unwrap().iter().any(|e| e["name"] == "shop-nuget-feed-wif"));
    footprint(&state)
}

fn converts_of(world: &World, id: &str) -> usize {
    writes(world).iter().filter(|r| r.starts_with("PUT") && r.contains(id)).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_migration_wave_stopped_at_every_step_boundary_ends_like_an_uninterrupted_one() {
    let reference = uninterrupted_wave().await;
    let mut boundaries = 0;
    for stop_after in 1.. {
        let world = chaos_world().await;
        let (plan, inputs) = wave(&world).await;
        let journal = new_journal(&world, plan);
        let run_id = journal.run_id.clone();
        let limited = ApplyOptions { stop_after_steps: Some(stop_after), ..chaos_options() };
        match run_wave(&world, &inputs, journal, &limited).await {
            // Fewer boundaries than `stop_after`: the wave finished untouched, every boundary is done.
            Ok(finished) => {
                assert_eq!(finished.status, MigrationStatus::Completed);
                break;
            }
            Err(EngineError::Cancelled { .. }) => boundaries += 1,
            Err(other) => panic!("stop after {stop_after}: {other}"),
        }
        let saved = world.store.load_migration(&run_id).unwrap();
        assert_eq!(saved.status, MigrationStatus::Failed);
        let finished = run_wave(&world, &inputs, saved, &chaos_options()).await.unwrap();
        assert_eq!(finished.status, MigrationStatus::Completed, "stopped after {stop_after}");
        let state = world.state();
        assert_whole_and_unique(&state);
        assert_eq!(footprint(&state), reference, "stopped after {stop_after}");
        for id in [AUTOMATIC_SECRET, MANUAL_SECRET, LEGACY_ISSUER] {
            assert_eq!(converts_of(&world, id), 1, "one conversion of {id} after stopping at {stop_after}");
        }
    }
    assert!(boundaries >= 6, "a wave of four connections has many steps, got {boundaries}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_migration_wave_completes_once_under_throttling_outages_and_lost_answers() {
    let reference = uninterrupted_wave().await;
    let world = chaos_world().await;
    let (plan, inputs) = wave(&world).await;
    world.em.set_faults(hostile_faults(13));
    let finished =
        run_wave(&world, &inputs, new_journal(&world, plan), &chaos_options()).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(finished.status, MigrationStatus::Completed);
    let state = world.state();
    assert!(state["faults"]["injected"].as_array().map_or(0, Vec::len) >= 3, "faults were injected");
    assert_whole_and_unique(&state);
    assert_eq!(footprint(&state), reference);
}
