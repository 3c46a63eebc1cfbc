//! Memberships: a re-run sends nothing when the member already matches and never touches a
//! licence assigned by a group rule, and rollback removes only members the run itself added,
//! even when a lagging read made an existing member look missing.

use std::time::Duration;

use keyless_engine::{ApplyOptions, journal::RunStatus, rollback::rollback};
use serde_json::Value;

use crate::support::*;

/// The demo's managed identity id-shop-prod, a member of contoso (Basic, Shop/Readers) whose
/// licence comes from a group rule.
fn group_licensed_world_config() -> keyless_emulator::EmulatorConfig {
    let mut scenario = keyless_emulator::Scenario::demo();
    let member = scenario
        .entitlements
        .iter_mut()
        .find(|e| e.organization == "contoso" && e.principal.to_string() == "0a1b2c3d-0000-4a6b-8c7d-000000000002")
        .expect("id-shop-prod is a member of contoso");
    member.group_licensed = true;
    keyless_emulator::EmulatorConfig { scenario, ..emulator_config() }
}

fn id_shop_prod_in_contoso(groups: &str) -> keyless_core::setup::Setup {
    setup(&format!(
        r#"
[identity]
kind = "existing"
resource_id = "/subscriptions/9d8c7b6a-5f4e-4d3c-9b2a-190807060504/resourceGroups/rg-identities/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-shop-prod"

[[organizations]]
name = "contoso"
projects = [{{ name = "Shop", groups = [{groups}] }}]
"#
    ))
}

fn entitlement_patches(world: &World) -> Vec<String> {
    world
        .em
        .requests()
        .into_iter()
        .filter(|r| r.method == "PATCH" && r.path.contains("serviceprincipalentitlements"))
        .map(|r| format!("{} {} -> {}", r.method, r.path, r.status))
        .collect()
}

#[tokio::test]
async fn a_rerun_on_a_group_licensed_member_that_matches_sends_no_entitlement_change() {
    let world = world_with(group_licensed_world_config()).await;
    let journal = world.apply(&id_shop_prod_in_contoso(r#""readers""#)).await;
    assert_eq!(journal.status, RunStatus::Completed);
    assert_eq!(entitlement_patches(&world), Vec::<String>::new());
}

#[tokio::test]
async fn a_missing_project_group_is_added_without_touching_a_group_assigned_licence() {
    let world = world_with(group_licensed_world_config()).await;
    let journal = world.apply(&id_shop_prod_in_contoso(r#""readers", "contributors""#)).await;
    assert_eq!(journal.status, RunStatus::Completed, "{:?}", journal.last_error);
    let state = world.state();
    let member = state["devopsServicePrincipals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["organization"] == "contoso" && p["originId"] == "0a1b2c3d-0000-4a6b-8c7d-000000000002")
        .expect("still a member");
    assert_eq!(member["license"], "express");
    let groups: Vec<&str> = state["memberships"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["member"] == member["descriptor"])
        .map(|m| find(&state, "groups", "descriptor", m["container"].as_str().unwrap())["name"].as_str().unwrap())
        .collect();
    assert!(groups.contains(&"Contributors") && groups.contains(&"Readers"), "{groups:?}");
}

const FIRST: &str = r#"
[identity]
kind = "app-registration"
name = "kl-lagging"

[[organizations]]
name = "contoso"
projects = [{ name = "Shop", groups = ["readers"] }]

[[connections]]
name = "sc-lagging-1"
organization = "contoso"
project = "Shop"
type = "azure-rm"
scope = { subscription = "9d8c7b6a-5f4e-4d3c-9b2a-190807060504", resource_group = "rg-shop-prod" }
"#;

fn is_member(state: &Value, display_name: &str) -> bool {
    state["devopsServicePrincipals"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["organization"] == "contoso" && p["displayName"] == display_name && !p["license"].is_null())
}

#[tokio::test]
async fn rollback_keeps_a_member_that_a_lagging_read_hid_from_the_run() {
    let world = world_with(keyless_emulator::EmulatorConfig {
        membership_read_lag: Duration::from_secs(600),
        ..emulator_config()
    })
    .await;
    world.apply(&setup(FIRST)).await;
    assert!(is_member(&world.state(), "kl-lagging"));
    // A second setup for the same identity: its reads do not see the member yet, and adding
    // it again answers with the existing entitlement.
    let second = setup(&FIRST.replace("sc-lagging-1", "sc-lagging-2"));
    // Both runs happen within a second; with no clock skew allowed the member's creation
    // time still predates the second run's intent.
    let exact_clocks = ApplyOptions { clock_skew: Some(Duration::ZERO), ..options() };
    let journal = world.apply_with(&second, None, &exact_clocks).await.unwrap();
    assert!(
        !journal
            .created_resources()
            .iter()
            .any(|r| matches!(r, keyless_engine::journal::CreatedResource::Entitlement { .. })),
        "{:?}",
        journal.created_resources()
    );
    rollback(&world.port, &world.store, &world.reporter, journal, &options()).await.unwrap();
    assert!(is_member(&world.state(), "kl-lagging"), "the first run's member is still there");
}
