//! Azure Resource Manager: tenants, subscriptions, identities, FICs, role assignments.

use std::time::Duration;

use keyless_emulator::{EmulatorConfig, RunningEmulator, Scenario, demo_ids, minimal_ids};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::*;

const MSI: &str = "api-version=2024-11-30";

fn identity_path(rg: &str, name: &str) -> String {
    format!(
        "/arm/subscriptions/{}/resourceGroups/{rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}",
        minimal_ids::SUBSCRIPTION
    )
}

fn fic_body(subject: &str) -> Value {
    json!({"properties": {
        "issuer": format!("https://login.microsoftonline.com/{}/v2.0", minimal_ids::TENANT),
        "subject": subject,
        "audiences": ["api://AzureADTokenExchange"],
    }})
}

async fn new_identity(em: &RunningEmulator, token: &str, rg: &str, name: &str) -> Value {
    new_identity_in(em, token, rg, name, "westeurope").await
}

async fn new_identity_in(em: &RunningEmulator, token: &str, rg: &str, name: &str, location: &str) -> Value {
    let (status, body) =
        send(em, Method::PUT, &format!("{}?{MSI}", identity_path(rg, name)), token, &json!({"location": location}))
            .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

#[tokio::test]
async fn tenants_and_subscriptions() {
    let em = start(fast_config()).await;
    let tokens = sign_in(&em).await;
    let (status, tenants) = get(&em, "/arm/tenants?api-version=2022-12-01", &tokens.arm).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(tenants["value"].as_array().unwrap().len(), 2, "home tenant and guest tenant");
    let (status, subs) = get(&em, "/arm/subscriptions?api-version=2022-12-01", &tokens.arm).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(subs["value"][0]["subscriptionId"], minimal_ids::SUBSCRIPTION.to_string());
}

#[tokio::test]
async fn arm_refuses_graph_tokens() {
    let em = start(fast_config()).await;
    let tokens = sign_in(&em).await;
    let (status, body) = get(&em, "/arm/subscriptions?api-version=2022-12-01", &tokens.graph).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "InvalidAuthenticationTokenAudience");
}

#[tokio::test]
async fn api_versions_are_checked() {
    let em = start(fast_config()).await;
    let tokens = sign_in(&em).await;
    let (status, body) = get(&em, "/arm/subscriptions", &tokens.arm).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "MissingApiVersionParameter");
    let (status, body) = get(&em, "/arm/subscriptions?api-version=2099-01-01", &tokens.arm).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "InvalidApiVersionParameter");
    let (status, body) =
        get(&em, &format!("{}?api-version=2018-11-30", identity_path("rg-web", "id-web")), &tokens.arm).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "NoRegisteredProviderFound");
    let (status, body) =
        get(&em, &format!("{}?api-version=2023-01-31", identity_path("rg-web", "id-web")), &tokens.arm).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body["properties"].get("isolationScope").is_none(), "isolationScope is a 2024-11-30 field");
}

#[tokio::test]
async fn resource_group_lists_page_with_next_link() {
    let em = start(EmulatorConfig { scenario: Scenario::demo(), ..fast_config() }).await;
    let tokens = sign_in_as(&em, "organizations", Some(demo_ids::USER_UPN)).await;
    let path = format!("/arm/subscriptions/{}/resourcegroups?api-version=2021-04-01", demo_ids::SUBSCRIPTION);
    let mut names = Vec::new();
    let mut next = Some(path);
    let mut pages = 0;
    while let Some(path) = next {
        let (status, page) = get(&em, &path, &tokens.arm).await;
        assert_eq!(status, StatusCode::OK);
        pages += 1;
        names.extend(page["value"].as_array().unwrap().iter().map(|rg| rg["name"].as_str().unwrap().to_string()));
        next = page["nextLink"].as_str().map(|l| l.strip_prefix(&em.base_url()).unwrap().to_string());
    }
    assert!(pages > 1, "the list is paged");
    assert_eq!(names, vec!["rg-shop-prod", "rg-identities", "rg-payments-prod"]);
}

#[tokio::test]
async fn a_new_identity_has_a_service_principal_in_the_tenant() {
    let em = start(fast_config()).await;
    let tokens = sign_in(&em).await;
    let mi = new_identity(&em, &tokens.arm, "rg-web", "id-new").await;
    assert_eq!(mi["properties"]["tenantId"], minimal_ids::TENANT.to_string());
    assert_eq!(mi["properties"]["isolationScope"], "None");
    let principal = mi["properties"]["principalId"].as_str().unwrap();
    let (status, sp) = get(&em, &format!("/graph/v1.0/servicePrincipals/{principal}"), &tokens.graph).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(sp["servicePrincipalType"], "ManagedIdentity");
    assert_eq!(sp["appId"], mi["properties"]["clientId"]);
}

#[tokio::test]
async fn concurrent_fic_writes_to_one_identity_conflict() {
    let config = EmulatorConfig { fic_write_hold: Duration::from_millis(300), ..fast_config() };
    let em = start(config).await;
    let tokens = sign_in(&em).await;
    let base = identity_path("rg-web", "id-web");
    let (path_one, path_two) = (
        format!("{base}/federatedIdentityCredentials/one?{MSI}"),
        format!("{base}/federatedIdentityCredentials/two?{MSI}"),
    );
    let (body_one, body_two) = (fic_body("s-one"), fic_body("s-two"));
    let one = send(&em, Method::PUT, &path_one, &tokens.arm, &body_one);
    let two = send(&em, Method::PUT, &path_two, &tokens.arm, &body_two);
    let ((s1, b1), (s2, b2)) = tokio::join!(one, two);
    let mut statuses = [s1, s2];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::CREATED, StatusCode::CONFLICT], "{b1} {b2}");
    let conflict = if s1 == StatusCode::CONFLICT { b1 } else { b2 };
    assert!(
        conflict["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Concurrent write request to federated identity credential resources under the same user-assigned identity has been denied")
    );
    // One after the other works.
    let (status, _) = send(
        &em,
        Method::PUT,
        &format!("{base}/federatedIdentityCredentials/two?{MSI}"),
        &tokens.arm,
        &fic_body("s-two"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test]
async fn managed_identity_fic_rules() {
    let em = start(fast_config()).await;
    let tokens = sign_in(&em).await;
    let base = identity_path("rg-web", "id-web");
    let put = |name: String, body: Value| {
        let em = &em;
        let token = tokens.arm.clone();
        let path = format!("{base}/federatedIdentityCredentials/{name}?{MSI}");
        async move { send(em, Method::PUT, &path, &token, &body).await }
    };
    let (status, body) = put("-bad".into(), fic_body("x")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["message"], "Federated Identity Credential name '-bad' is invalid.");
    let (status, body) = put("empty".into(), json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["message"], "Federated Identity Credential from HTTP body has empty properties");
    let mut two_audiences = fic_body("x");
    two_audiences["properties"]["audiences"] = json!(["a", "b"]);
    let (_, body) = put("two-aud".into(), two_audiences).await;
    assert_eq!(body["error"]["message"], "Federated identity credentials must have exactly one audience.");
    // id-web already holds two FICs from the scenario: fill it to 20.
    for i in 3..=20 {
        let (status, body) = put(format!("fic-{i}"), fic_body(&format!("subject-{i}"))).await;
        assert_eq!(status, StatusCode::CREATED, "{i}: {body}");
    }
    let (status, body) = put("fic-3-again".into(), fic_body("subject-3")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["message"], "Issuer and subject combination already exists for this Managed Identity.");
    let (status, _) = put("fic-21".into(), fic_body("subject-21")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "the 21st FIC is refused");
    let (status, _) = put("fic-3".into(), fic_body("subject-3b")).await;
    assert_eq!(status, StatusCode::OK, "updating an existing FIC is fine at the cap");
    // Regions without FIC support.
    new_identity_in(&em, &tokens.arm, "rg-nz", "id-nz-new", "New Zealand North").await;
    let path = format!("{}/federatedIdentityCredentials/nz?{MSI}", identity_path("rg-nz", "id-nz-new"));
    let (status, body) = send(&em, Method::PUT, &path, &tokens.arm, &fic_body("nz")).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(
        body["error"]["message"].as_str().unwrap().contains("Support for federated identity credentials not enabled.")
    );
    let path = format!("{}/federatedIdentityCredentials/x?{MSI}", identity_path("rg-web", "missing"));
    let (status, body) = send(&em, Method::PUT, &path, &tokens.arm, &fic_body("x")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["message"], "The parent user-assigned identity doesn't exist.");
}

#[tokio::test]
async fn role_assignments_follow_arm_rules() {
    let config = EmulatorConfig { replication_delay: Duration::from_secs(30), ..fast_config() };
    let em = start(config).await;
    let tokens = sign_in(&em).await;
    let mi = new_identity(&em, &tokens.arm, "rg-web", "id-roles").await;
    let principal = mi["properties"]["principalId"].as_str().unwrap().to_string();
    let scope = format!("/subscriptions/{}/resourceGroups/rg-web", minimal_ids::SUBSCRIPTION);
    let role = format!(
        "/subscriptions/{}/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c",
        minimal_ids::SUBSCRIPTION
    );
    let path = |name: &str| {
        format!("/arm{scope}/providers/Microsoft.Authorization/roleAssignments/{name}?api-version=2022-04-01")
    };
    let without_type = json!({"properties": {"roleDefinitionId": role, "principalId": principal}});
    let (status, body) =
        send(&em, Method::PUT, &path("0b6c3e2a-0000-4000-8000-000000000001"), &tokens.arm, &without_type).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "PrincipalNotFound");
    let with_type = json!({"properties": {"roleDefinitionId": role, "principalId": principal, "principalType": "ServicePrincipal"}});
    let (status, body) =
        send(&em, Method::PUT, &path("0b6c3e2a-0000-4000-8000-000000000001"), &tokens.arm, &with_type).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["properties"]["principalType"], "ServicePrincipal");
    let (status, body) =
        send(&em, Method::PUT, &path("0b6c3e2a-0000-4000-8000-000000000002"), &tokens.arm, &with_type).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "RoleAssignmentExists");
    let list = format!(
        "/arm{scope}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter=principalId%20eq%20'{principal}'"
    );
    let (_, listed) = get(&em, &list, &tokens.arm).await;
    assert_eq!(listed["value"].as_array().unwrap().len(), 1);
    // A Contributor may not assign roles.
    let dev = sign_in_as(&em, "organizations", Some(minimal_ids::LIMITED_USER_UPN)).await;
    let (status, body) =
        send(&em, Method::PUT, &path("0b6c3e2a-0000-4000-8000-000000000003"), &dev.arm, &with_type).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"]["code"], "AuthorizationFailed");
    let (status, _) =
        send(&em, Method::DELETE, &path("0b6c3e2a-0000-4000-8000-000000000001"), &tokens.arm, &json!({})).await;
    assert_eq!(status, StatusCode::OK);
}
