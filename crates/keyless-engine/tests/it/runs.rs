//! Complete runs: the app path, the managed identity path, several organizations, re-runs,
//! rollback and injected faults. Each test checks what an admin would look for afterwards.

use keyless_azure::WaitReason;
use keyless_core::plan::build_plan;
use keyless_emulator::FaultConfig;
use keyless_engine::{
    journal::RunStatus,
    observe,
    progress::{ProgressEvent, StepOutcome},
    rollback::rollback,
};
use serde_json::Value;

use crate::support::*;

/// The connection's federated credential carries exactly the issuer and subject Azure DevOps
/// assigned to it.
fn assert_fic_matches_connection(state: &Value, connection: &str) -> Value {
    let endpoint = find(state, "serviceEndpoints", "name", connection);
    let issuer = &endpoint["parameters"]["workloadIdentityFederationIssuer"];
    let subject = &endpoint["parameters"]["workloadIdentityFederationSubject"];
    assert!(issuer.as_str().unwrap().starts_with("https://login.microsoftonline.com/"), "{endpoint}");
    let fic = state["federatedCredentials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["subject"] == *subject && f["deleted"].is_null())
        .unwrap_or_else(|| panic!("no credential for {connection}"));
    assert_eq!(&fic["issuer"], issuer);
    assert_eq!(fic["audiences"], serde_json::json!(["api://AzureADTokenExchange"]));
    assert_eq!(fic["identity"], endpoint["parameters"]["serviceprincipalid"]);
    assert_eq!(endpoint["isReady"], true);
    endpoint.clone()
}

#[tokio::test]
async fn onboarding_creates_a_working_app_connection_and_a_rerun_changes_nothing() {
    let world = world().await;
    let setup = example("onboarding.toml");
    let journal = world.apply(&setup).await;
    assert_eq!(journal.status, RunStatus::Completed);
    assert_eq!(journal.steps["verify/contoso/Shop/sc-shop-prod"].outcome, StepOutcome::Verified);

    let state = world.state();
    let app = find(&state, "applications", "displayName", "kl-shop-deployer");
    assert_eq!(app["signInAudience"], "AzureADMyOrg");
    let endpoint = assert_fic_matches_connection(&state, "sc-shop-prod");
    assert_eq!(endpoint["parameters"]["serviceprincipalid"], app["appId"]);
    assert_eq!(endpoint["data"]["creationMode"], "Manual");
    let projects: Vec<&str> =
        endpoint["projectReferences"].as_array().unwrap().iter().map(|p| p["projectName"].as_str().unwrap()).collect();
    assert_eq!(projects, ["Shop", "Payments"]);
    let sp = find(&state, "servicePrincipals", "appId", app["appId"].as_str().unwrap());
    let role = state["roleAssignments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["principalId"] == sp["id"])
        .expect("role assignment");
    assert_eq!(role["scope"], "/subscriptions/9d8c7b6a-5f4e-4d3c-9b2a-190807060504/resourceGroups/rg-shop-prod");
    assert_eq!(role["roleDefinition"], "b24988ac-6180-42a0-ab88-20f7382dd24c");
    let permission = state["pipelinePermissions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["resourceId"] == endpoint["id"])
        .expect("pipeline permission");
    assert!(permission["allPipelines"].is_null(), "only the named pipeline: {permission}");
    assert_eq!(permission["pipelines"][0][0], 1, "shop-deploy is pipeline 1");

    let before = footprint(&world.state());
    let (plan, _) = world.plan(&setup).await;
    assert!(plan.is_no_op(), "a re-run plans no change:\n{}", plan.render_text());
    let second = world.apply(&setup).await;
    assert_eq!(second.status, RunStatus::Completed);
    assert!(second.created_resources().is_empty());
    assert_eq!(footprint(&world.state()), before, "a re-run creates nothing");
}

#[tokio::test]
async fn managed_identity_path_writes_the_credential_on_the_identity() {
    let world = world().await;
    let journal = world.apply(&example("managed-identity.toml")).await;
    assert_eq!(journal.status, RunStatus::Completed);
    let state = world.state();
    let identity = find(&state, "managedIdentities", "name", "id-payments-long-jobs");
    assert_eq!(identity["location"], "westeurope");
    let endpoint = assert_fic_matches_connection(&state, "sc-payments-infra");
    assert_eq!(endpoint["parameters"]["serviceprincipalid"], identity["clientId"]);
    let fic = state["federatedCredentials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["identity"] == identity["clientId"])
        .unwrap();
    assert_eq!(fic["holder"], "managedIdentity", "{fic}");
}

const THREE_ORGS: &str = r#"
[identity]
kind = "app-registration"
name = "kl-three-orgs"

[[organizations]]
name = "contoso"
projects = [{ name = "Shop", groups = ["contributors"] }, { name = "Mobile" }]

[[organizations]]
name = "contoso-platform"
projects = [{ name = "Infrastructure", groups = ["readers"] }]

[[organizations]]
name = "contoso-legacy"
access_level = "stakeholder"
projects = [{ name = "Intranet", groups = ["project-administrators"] }]

[[connections]]
name = "ado-platform"
organization = "contoso"
project = "Shop"
type = "azure-devops"
target_organization = "contoso-platform"
pipelines = ["shop-infra"]

[[connections]]
name = "ado-self"
organization = "contoso"
project = "Shop"
type = "azure-devops"
"#;

#[tokio::test]
async fn three_organizations_with_different_groups_and_both_azure_devops_targets() {
    let world = world().await;
    let journal = world.apply(&setup(THREE_ORGS)).await;
    assert_eq!(journal.status, RunStatus::Completed, "{:?}", journal.last_error);
    let state = world.state();
    let app = find(&state, "applications", "displayName", "kl-three-orgs");
    let sp = find(&state, "servicePrincipals", "appId", app["appId"].as_str().unwrap());
    let members: Vec<&Value> =
        state["devopsServicePrincipals"].as_array().unwrap().iter().filter(|p| p["originId"] == sp["id"]).collect();
    let license = |org: &str| {
        members.iter().find(|m| m["organization"] == org).map(|m| m["license"].clone()).unwrap_or(Value::Null)
    };
    assert_eq!(license("contoso"), "express");
    assert_eq!(license("contoso-platform"), "express");
    assert_eq!(license("contoso-legacy"), "stakeholder");
    let group_names = |org: &str| -> Vec<String> {
        let member = members.iter().find(|m| m["organization"] == org).unwrap();
        let mut names: Vec<String> = state["memberships"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["member"] == member["descriptor"])
            .map(|m| {
                find(&state, "groups", "descriptor", m["container"].as_str().unwrap())["name"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        names.sort();
        names
    };
    assert_eq!(group_names("contoso"), ["Contributors", "Readers"]);
    assert_eq!(group_names("contoso-platform"), ["Readers"]);
    assert_eq!(group_names("contoso-legacy"), ["Project Administrators"]);
    let cross = assert_fic_matches_connection(&state, "ado-platform");
    assert_eq!(cross["kind"], "WorkloadIdentityUser");
    let devops_url = |org: &str| {
        format!("{}/", world.em.cloud_profile().devops_url(&keyless_core::names::OrgName::parse(org).unwrap()))
    };
    assert_eq!(cross["url"], devops_url("contoso-platform"));
    let own = assert_fic_matches_connection(&state, "ado-self");
    assert_eq!(own["url"], devops_url("contoso"));
}

#[tokio::test]
async fn rollback_leaves_the_tenant_as_it_was() {
    let world = world().await;
    let before = footprint(&world.state());
    let journal = world.apply(&setup(THREE_ORGS)).await;
    assert_ne!(footprint(&world.state()), before);
    let rolled = rollback(&world.port, &world.store, &world.reporter, journal, &options()).await.unwrap();
    assert_eq!(rolled.status, RunStatus::RolledBack);
    assert_eq!(footprint(&world.state()), before);
    assert_eq!(world.store.load(&rolled.run_id).unwrap().status, RunStatus::RolledBack);
}

#[tokio::test]
async fn rollback_removes_nothing_the_run_did_not_create() {
    let world = world().await;
    // The first run creates the app; the second only adds a connection to it.
    world.apply(&example("onboarding.toml")).await;
    let after_first = footprint(&world.state());
    let more = example("onboarding.toml");
    let mut more = more.clone();
    more.connections[0].name = "sc-shop-prod-2".into();
    more.connections[0].share_with.clear();
    let second = world.apply(&more).await;
    assert!(
        second
            .created_resources()
            .iter()
            .all(|r| !matches!(r, keyless_engine::journal::CreatedResource::AppRegistration { .. }))
    );
    rollback(&world.port, &world.store, &world.reporter, second, &options()).await.unwrap();
    assert_eq!(footprint(&world.state()), after_first);
}

#[tokio::test]
async fn a_run_under_twenty_percent_injected_faults_completes() {
    let world = world().await;
    world.em.set_faults(FaultConfig { fault_rate: 0.2, seed: 7, ..FaultConfig::default() });
    let journal = world.apply(&setup(THREE_ORGS)).await;
    assert_eq!(journal.status, RunStatus::Completed);
    let state = world.state();
    assert!(!state["faults"]["injected"].as_array().unwrap().is_empty(), "faults were injected");
    assert_fic_matches_connection(&state, "ado-platform");
}

#[tokio::test]
async fn waits_name_what_is_awaited_and_the_code_that_said_not_yet() {
    let world = world().await;
    world.apply(&example("onboarding.toml")).await;
    let waits: Vec<(String, WaitReason, Option<String>)> = world
        .reporter
        .events()
        .into_iter()
        .filter_map(|e| match e {
            ProgressEvent::StepWaiting { step_id, wait, code, .. } => Some((step_id, wait, code)),
            _ => None,
        })
        .collect();
    assert!(waits.iter().any(|(step, _, _)| step.starts_with("verify/")), "{waits:?}");
    for (step, wait, code) in &waits {
        let code = code.as_deref().unwrap_or_else(|| panic!("{step} waited without a code"));
        if step.starts_with("verify/") {
            let known = keyless_azure::behaviour::lookup(code).unwrap_or_else(|| panic!("{code} is in the table"));
            assert_eq!(known.not_yet, Some(*wait), "{step}: {code}");
        }
    }
}

#[tokio::test]
async fn planning_reads_without_writing() {
    let world = world().await;
    let before = footprint(&world.state());
    let setup = setup(THREE_ORGS);
    let observed = observe(&world.port, &setup).await.unwrap();
    let plan = build_plan(&setup, &observed).unwrap();
    assert!(!plan.is_no_op());
    assert_eq!(footprint(&world.state()), before);
}

#[tokio::test]
async fn each_step_reports_the_requests_it_makes() {
    let world = world().await;
    world.apply(&example("onboarding.toml")).await;
    let requests: Vec<(String, String, String, u16)> = world
        .reporter
        .events()
        .into_iter()
        .filter_map(|e| match e {
            ProgressEvent::Request { step_id, method, url, status } => Some((step_id, method, url, status)),
            _ => None,
        })
        .collect();
    assert!(
        requests.iter().any(|(step, method, url, status)| step == "identity/0"
            && method == "POST"
            && url.contains("/v1.0/applications")
            && *status == 201),
        "{requests:?}"
    );
    assert!(
        requests
            .iter()
            .any(|(step, _, url, _)| step == "verify/contoso/Shop/sc-shop-prod" && url.contains("endpointproxy"))
    );
    assert!(requests.iter().all(|(_, _, url, _)| !url.contains("access_token")));
}

#[tokio::test]
async fn rollback_removes_a_shared_connection_from_every_project() {
    let world = world().await;
    let before = footprint(&world.state());
    let journal = world.apply(&example("onboarding.toml")).await;
    let state = world.state();
    let shared = find(&state, "serviceEndpoints", "name", "sc-shop-prod");
    assert_eq!(shared["projectReferences"].as_array().unwrap().len(), 2, "shared with Payments");
    rollback(&world.port, &world.store, &world.reporter, journal, &options()).await.unwrap();
    assert_eq!(footprint(&world.state()), before);
}
