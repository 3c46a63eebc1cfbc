//! Microsoft Graph: identity, wrong-resource tokens, apps, service principals, FICs.

use std::time::{Duration, Instant};

use keyless_emulator::minimal_ids;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::*;

#[tokio::test]
async fn me_and_organization() {
    let em = start(fast_config()).await;
    let tokens = sign_in(&em).await;
    let (status, me) = get(&em, "/graph/v1.0/me", &tokens.graph).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["id"], minimal_ids::USER.to_string());
    assert_eq!(me["userPrincipalName"], minimal_ids::USER_UPN);
    let (_, org) = get(&em, "/graph/v1.0/organization", &tokens.graph).await;
    assert_eq!(org["value"][0]["id"], minimal_ids::TENANT.to_string());
}

#[tokio::test]
async fn graph_refuses_tokens_for_other_resources() {
    let em = start(fast_config()).await;
    let tokens = sign_in(&em).await;
    let (status, body) = get(&em, "/graph/v1.0/me", &tokens.arm).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "InvalidAuthenticationToken");
    assert!(body["error"]["innerError"]["request-id"].is_string());
}

async fn create_app(em: &keyless_emulator::RunningEmulator, token: &str, name: &str) -> Value {
    let (status, app) = send(
        em,
        Method::POST,
        "/graph/v1.0/applications",
        token,
        &json!({"displayName": name, "signInAudience": "AzureADMyOrg"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{app}");
    app
}

fn fic(name: &str, subject: &str) -> Value {
    json!({
        "name": name,
        "issuer": format!("https://login.microsoftonline.com/{}/v2.0", minimal_ids::TENANT),
        "subject": subject,
        "audiences": ["api://AzureADTokenExchange"],
    })
}

#[tokio::test]
async fn users_without_app_registration_rights_get_403() {
    let em = start(fast_config()).await;
    let dev = sign_in_as(&em, "organizations", Some(minimal_ids::LIMITED_USER_UPN)).await;
    let (status, body) =
        send(&em, Method::POST, "/graph/v1.0/applications", &dev.graph, &json!({"displayName": "x"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"]["code"], "Authorization_RequestDenied");
    assert_eq!(body["error"]["message"], "Insufficient privileges to complete the operation.");
}

#[tokio::test]
async fn service_principal_creation_fails_during_replication_then_succeeds() {
    let config = keyless_emulator::EmulatorConfig { replication_delay: Duration::from_millis(400), ..fast_config() };
    let em = start(config).await;
    let tokens = sign_in(&em).await;
    let app = create_app(&em, &tokens.graph, "replicating-app").await;
    let body = json!({"appId": app["appId"]});
    let (first, first_body) = send(&em, Method::POST, "/graph/v1.0/servicePrincipals", &tokens.graph, &body).await;
    assert_eq!(first, StatusCode::BAD_REQUEST);
    assert!(first_body["error"]["message"].as_str().unwrap().contains("does not reference a valid application object"));
    let (second, second_body) = send(&em, Method::POST, "/graph/v1.0/servicePrincipals", &tokens.graph, &body).await;
    assert_eq!(second, StatusCode::FORBIDDEN);
    assert!(second_body["error"]["message"].as_str().unwrap().contains("backing application of the service principal"));
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let (status, sp) = send(&em, Method::POST, "/graph/v1.0/servicePrincipals", &tokens.graph, &body).await;
        if status == StatusCode::CREATED {
            assert_eq!(sp["appId"], app["appId"]);
            break;
        }
        assert!(Instant::now() < deadline, "service principal never replicated");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let path = format!("/graph/v1.0/servicePrincipals(appId='{}')", app["appId"].as_str().unwrap());
    assert_eq!(get(&em, &path, &tokens.graph).await.0, StatusCode::OK);
}

#[tokio::test]
async fn fic_rules_names_duplicates_and_the_cap() {
    let em = start(fast_config()).await;
    let tokens = sign_in(&em).await;
    let app = create_app(&em, &tokens.graph, "fic-rules").await;
    let path = format!("/graph/v1.0/applications/{}/federatedIdentityCredentials", app["id"].as_str().unwrap());
    for bad_name in ["ab", "-starts-with-dash", "has.dot", &"x".repeat(121)] {
        let (status, body) = send(&em, Method::POST, &path, &tokens.graph, &fic(bad_name, "s")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad_name}");
        assert_eq!(body["error"]["code"], "Request_BadRequest");
    }
    let (status, created) = send(&em, Method::POST, &path, &tokens.graph, &fic("first", "subject-1")).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(created["audiences"][0], "api://AzureADTokenExchange");
    let (status, body) = send(&em, Method::POST, &path, &tokens.graph, &fic("first", "subject-2")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "Request_MultipleObjectsWithSameKeyValue");
    assert_eq!(body["error"]["message"], "FederatedIdentityCredential with name first already exists.");
    let (status, body) = send(&em, Method::POST, &path, &tokens.graph, &fic("second", "subject-1")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "InvalidFederatedIdentityCredentialValue");
    for i in 2..=20 {
        let (status, _) =
            send(&em, Method::POST, &path, &tokens.graph, &fic(&format!("fic-{i}"), &format!("subject-{i}"))).await;
        assert_eq!(status, StatusCode::CREATED, "FIC {i}");
    }
    let (status, body) = send(&em, Method::POST, &path, &tokens.graph, &fic("fic-21", "subject-21")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "the 21st FIC is refused");
    assert!(body["error"]["message"].as_str().unwrap().contains("20"));
    // Paging: $top=5 gives a nextLink that continues the list.
    let (_, page) = get(&em, &format!("{path}?$top=5"), &tokens.graph).await;
    assert_eq!(page["value"].as_array().unwrap().len(), 5);
    let next = page["@odata.nextLink"].as_str().unwrap().strip_prefix(&em.base_url()).unwrap().to_string();
    let (_, page2) = get(&em, &next, &tokens.graph).await;
    assert_eq!(page2["value"].as_array().unwrap().len(), 5);
    assert_ne!(page["value"][0]["id"], page2["value"][0]["id"]);
}

#[tokio::test]
async fn only_owners_and_app_admins_write_fics() {
    let em = start(fast_config()).await;
    let dev = sign_in_as(&em, "organizations", Some(minimal_ids::LIMITED_USER_UPN)).await;
    let path = format!("/graph/v1.0/applications(appId='{}')/federatedIdentityCredentials", minimal_ids::APP_ID);
    let (status, body) = send(&em, Method::POST, &path, &dev.graph, &fic("not-mine", "s")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"]["message"], "Insufficient privileges to complete the operation.");
    let (status, list) = get(&em, &path, &dev.graph).await;
    assert_eq!(status, StatusCode::OK, "reading is allowed");
    assert_eq!(list["value"][0]["name"], "ado-sc-web-prod");
}

#[tokio::test]
async fn upsert_creates_then_updates() {
    let em = start(fast_config()).await;
    let tokens = sign_in(&em).await;
    let path = format!(
        "/graph/v1.0/applications/{}/federatedIdentityCredentials(name='upserted')",
        minimal_ids::APP_OBJECT_ID
    );
    let body = json!({"issuer": "https://token.actions.githubusercontent.com", "subject": "repo:contoso/web:ref:refs/heads/main", "audiences": ["api://AzureADTokenExchange"]});
    let without_prefer = send(&em, Method::PATCH, &path, &tokens.graph, &body).await.0;
    assert_eq!(without_prefer, StatusCode::NOT_FOUND);
    let r = client()
        .patch(format!("{}{path}", em.base_url()))
        .bearer_auth(&tokens.graph)
        .header("Prefer", "create-if-missing")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = client()
        .patch(format!("{}{path}", em.base_url()))
        .bearer_auth(&tokens.graph)
        .header("Prefer", "create-if-missing")
        .json(&json!({"subject": "repo:contoso/web:environment:prod"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let (_, one) = get(&em, &path, &tokens.graph).await;
    assert_eq!(one["subject"], "repo:contoso/web:environment:prod");
}

#[tokio::test]
async fn filters_and_alternate_keys_find_apps() {
    let em = start(fast_config()).await;
    let tokens = sign_in(&em).await;
    let (_, by_name) =
        get(&em, "/graph/v1.0/applications?$filter=displayName%20eq%20'web-deployer'", &tokens.graph).await;
    assert_eq!(by_name["value"].as_array().unwrap().len(), 1);
    let (_, starts) = get(&em, "/graph/v1.0/applications?$filter=startswith(displayName,'multi')", &tokens.graph).await;
    assert_eq!(starts["value"][0]["signInAudience"], "AzureADMultipleOrgs");
    let (status, by_key) =
        get(&em, &format!("/graph/v1.0/applications(appId='{}')", minimal_ids::APP_ID), &tokens.graph).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(by_key["id"], minimal_ids::APP_OBJECT_ID.to_string());
    let (status, body) =
        get(&em, "/graph/v1.0/applications?$filter=federatedIdentityCredentials/any(f:f/issuer eq 'x')", &tokens.graph)
            .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "Request_UnsupportedQuery");
}
