//! Organization membership as Azure DevOps serves it: an upsert that keeps the member's
//! original `dateCreated`, reads that lag behind writes, group-licensed members that refuse a
//! licence PATCH, and the request log that shows what was sent.

use std::time::Duration;

use keyless_emulator::{EmulatorConfig, Scenario, minimal_ids};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::*;

fn entitlement_path(id: &str) -> String {
    format!("/vsaex/contoso/_apis/serviceprincipalentitlements/{id}?api-version=7.1-preview.1")
}

async fn patch_licence(em: &keyless_emulator::RunningEmulator, token: &str, id: &str) -> (StatusCode, Value) {
    let ops = json!([{"op": "replace", "path": "/accessLevel", "value": {"accountLicenseType": "stakeholder", "licensingSource": "account"}}]);
    let r = client()
        .patch(format!("{}{}", em.base_url(), entitlement_path(id)))
        .bearer_auth(token)
        .header("X-TFS-FedAuthRedirect", "Suppress")
        .header("Content-Type", "application/json-patch+json")
        .body(ops.to_string())
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_lagging_read_hides_a_new_member_while_adding_it_again_keeps_its_date_created() {
    let config = EmulatorConfig { membership_read_lag: Duration::from_secs(60), ..fast_config() };
    let em = start(config).await;
    let tokens = sign_in(&em).await;
    let added = entitle(&em, &tokens.devops, &minimal_ids::APP_SP_ID.to_string()).await;
    let entitlement = &added["servicePrincipalEntitlement"];
    let id = entitlement["id"].as_str().unwrap().to_string();
    let date_created = entitlement["dateCreated"].as_str().unwrap().to_string();
    assert!(time::OffsetDateTime::parse(&date_created, &time::format_description::well_known::Rfc3339).is_ok());
    assert_eq!(added["operationResult"]["result"]["dateCreated"], date_created.as_str());
    // The read replica does not know the member yet.
    let (status, _) = get(&em, &entitlement_path(&id), &tokens.devops).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, listed) =
        get(&em, "/vssps/contoso/_apis/graph/serviceprincipals?api-version=7.1-preview.1", &tokens.devops).await;
    let origins: Vec<&str> =
        listed["value"].as_array().unwrap().iter().filter_map(|p| p["originId"].as_str()).collect();
    assert!(!origins.contains(&minimal_ids::APP_SP_ID.to_string().as_str()), "{origins:?}");
    // Adding it again succeeds, updates it, and tells the truth about when it was added.
    let again = json!({
        "accessLevel": {"accountLicenseType": "stakeholder", "licensingSource": "account"},
        "projectEntitlements": [],
        "servicePrincipal": {"origin": "aad", "originId": minimal_ids::APP_SP_ID.to_string(), "subjectKind": "servicePrincipal"},
    });
    let (status, upserted) = send(&em, Method::POST, ENTITLEMENTS, &tokens.devops, &again).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(upserted["isSuccess"], true, "{upserted}");
    let entitlement = &upserted["servicePrincipalEntitlement"];
    assert_eq!(entitlement["id"], id.as_str());
    assert_eq!(entitlement["dateCreated"], date_created.as_str());
    assert_eq!(entitlement["accessLevel"]["accountLicenseType"], "stakeholder");
}

#[tokio::test]
async fn a_member_added_before_the_run_shows_its_original_date_created() {
    let em = start(fast_config()).await;
    let tokens = sign_in(&em).await;
    let added = entitle(&em, &tokens.devops, "cccccccc-0000-4ccc-8ccc-000000000002").await;
    let id = added["servicePrincipalEntitlement"]["id"].as_str().unwrap();
    let (status, read) = get(&em, &entitlement_path(id), &tokens.devops).await;
    assert_eq!(status, StatusCode::OK);
    let date = time::OffsetDateTime::parse(
        read["dateCreated"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert!(date < time::OffsetDateTime::now_utc() - time::Duration::days(1), "the scenario's member is old: {date}");
}

#[tokio::test]
async fn a_group_licensed_member_refuses_a_licence_patch() {
    let mut scenario = Scenario::minimal();
    scenario.entitlements[0].group_licensed = true;
    let em = start(EmulatorConfig { scenario, ..fast_config() }).await;
    let tokens = sign_in(&em).await;
    let dump = em.state_snapshot();
    let member = dump["devopsServicePrincipals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["originId"] == "cccccccc-0000-4ccc-8ccc-000000000002")
        .unwrap()
        .clone();
    let id = member["id"].as_str().unwrap();
    let (_, read) = get(&em, &entitlement_path(id), &tokens.devops).await;
    assert_eq!(read["accessLevel"]["assignmentSource"], "groupRule");
    let (status, refused) = patch_licence(&em, &tokens.devops, id).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert_eq!(
        refused["message"],
        "The license of this identity is assigned through a group rule and cannot be changed directly. Change the group rule, or remove the identity from the group rule first."
    );
    let (_, after) = get(&em, &entitlement_path(id), &tokens.devops).await;
    assert_eq!(after["accessLevel"]["accountLicenseType"], "express", "the licence did not change");
    // A member without a group rule takes the same PATCH.
    let other = entitle(&em, &tokens.devops, &minimal_ids::APP_SP_ID.to_string()).await;
    let (status, _) =
        patch_licence(&em, &tokens.devops, other["servicePrincipalEntitlement"]["id"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn the_request_log_records_method_path_and_status_of_every_service_request() {
    let em = start(fast_config()).await;
    let tokens = sign_in(&em).await;
    let before = em.requests().len();
    entitle(&em, &tokens.devops, &minimal_ids::APP_SP_ID.to_string()).await;
    let (status, _) = get(&em, &entitlement_path(&minimal_ids::APP_SP_ID.to_string()), &tokens.devops).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let _ = client().get(format!("{}/_emulator/state", em.base_url())).send().await.unwrap();
    let log = em.requests();
    let new: Vec<(&str, &str, u16)> =
        log[before..].iter().map(|r| (r.method.as_str(), r.path.as_str(), r.status)).collect();
    let id = minimal_ids::APP_SP_ID;
    assert_eq!(
        new,
        vec![
            ("POST", "/vsaex/contoso/_apis/serviceprincipalentitlements", 200),
            ("GET", &*format!("/vsaex/contoso/_apis/serviceprincipalentitlements/{id}"), 404),
        ],
        "control routes and queries are not logged"
    );
    assert!(!log.iter().any(|r| r.method == "PATCH"), "no PATCH was sent");
    assert!(log.windows(2).all(|w| w[0].sequence < w[1].sequence));
    let (_, over_http) = get(&em, "/_emulator/requests", "").await;
    assert_eq!(over_http["value"].as_array().unwrap().len(), log.len());
    assert_eq!(em.state_snapshot()["requests"].as_array().unwrap().len(), log.len());
    em.reset();
    assert!(em.requests().is_empty(), "reset empties the log");
}
