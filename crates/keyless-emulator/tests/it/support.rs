//! Test support: start an emulator, sign in with PKCE, get one token per resource.

use std::time::Duration;

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use keyless_emulator::{EmulatorConfig, RunningEmulator, Scenario, minimal_ids};
use reqwest::{Client, Response, StatusCode, redirect::Policy};
use serde_json::Value;
use sha2::{Digest, Sha256};

pub const CLIENT_ID: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
pub const DEVOPS_SCOPE: &str = "499b84ac-1321-427f-aa17-267ca6975798/.default";
pub const GRAPH_SCOPE: &str = "https://graph.microsoft.com/.default";
pub const ARM_SCOPE: &str = "https://management.azure.com/.default";
pub const REDIRECT: &str = "http://localhost:53117/callback";

/// The minimal scenario without replication or propagation delays, for fast tests.
pub fn fast_config() -> EmulatorConfig {
    EmulatorConfig {
        scenario: Scenario::minimal(),
        replication_delay: Duration::ZERO,
        fic_propagation_delay: Duration::ZERO,
        managed_identity_fic_propagation_delay: Duration::ZERO,
        role_propagation_delay: Duration::ZERO,
        app_propagation_delay: Duration::ZERO,
        membership_propagation_delay: Duration::ZERO,
        ..EmulatorConfig::default()
    }
}

pub async fn start(config: EmulatorConfig) -> RunningEmulator {
    keyless_emulator::start(config).await.expect("emulator starts")
}

pub fn client() -> Client {
    Client::builder().redirect(Policy::none()).build().expect("client builds")
}

pub fn pkce() -> (String, String) {
    let verifier = "k3yl3ss-t3st-v3rifi3r-0123456789-abcdefghijklmnopqrstuvwxyz".to_string();
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

/// Runs authorize and returns the code from the redirect.
pub async fn authorize(em: &RunningEmulator, tenant: &str, scope: &str, login_hint: Option<&str>) -> String {
    let (_, challenge) = pkce();
    let mut query = vec![
        ("client_id", CLIENT_ID),
        ("response_type", "code"),
        ("redirect_uri", REDIRECT),
        ("scope", scope),
        ("state", "xyz"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    if let Some(hint) = login_hint {
        query.push(("login_hint", hint));
    }
    let r = client()
        .get(format!("{}/login/{tenant}/oauth2/v2.0/authorize", em.base_url()))
        .query(&query)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FOUND, "authorize redirects");
    let location = url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    assert_eq!(location.query_pairs().find(|(k, _)| k == "state").unwrap().1, "xyz");
    location.query_pairs().find(|(k, _)| k == "code").expect("a code").1.into_owned()
}

pub async fn token_request(em: &RunningEmulator, tenant: &str, form: &[(&str, &str)]) -> Response {
    client().post(format!("{}/login/{tenant}/oauth2/v2.0/token", em.base_url())).form(form).send().await.unwrap()
}

/// Tokens of one signed-in user: a refresh token and one access token per resource.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub graph: String,
    pub arm: String,
    pub devops: String,
    pub refresh: String,
}

/// Signs `upn` (or the default user) in to `tenant` and redeems one token per resource.
pub async fn sign_in_as(em: &RunningEmulator, tenant: &str, upn: Option<&str>) -> Tokens {
    let (verifier, _) = pkce();
    let code = authorize(em, tenant, &format!("{GRAPH_SCOPE} offline_access openid profile"), upn).await;
    let r = token_request(
        em,
        tenant,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT_ID),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &verifier),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    let graph = body["access_token"].as_str().unwrap().to_string();
    let refresh = body["refresh_token"].as_str().unwrap().to_string();
    let arm = refresh_for(em, tenant, &refresh, ARM_SCOPE).await;
    let devops = refresh_for(em, tenant, &refresh, DEVOPS_SCOPE).await;
    Tokens { graph, arm, devops, refresh }
}

pub async fn sign_in(em: &RunningEmulator) -> Tokens {
    sign_in_as(em, &minimal_ids::TENANT.to_string(), None).await
}

pub async fn refresh_for(em: &RunningEmulator, tenant: &str, refresh: &str, scope: &str) -> String {
    let r = token_request(
        em,
        tenant,
        &[("grant_type", "refresh_token"), ("client_id", CLIENT_ID), ("refresh_token", refresh), ("scope", scope)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK, "refresh for {scope}");
    r.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_string()
}

/// GET with a bearer token and `X-TFS-FedAuthRedirect: Suppress`.
pub async fn get(em: &RunningEmulator, path: &str, token: &str) -> (StatusCode, Value) {
    let r = client()
        .get(format!("{}{path}", em.base_url()))
        .bearer_auth(token)
        .header("X-TFS-FedAuthRedirect", "Suppress")
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

pub async fn send(
    em: &RunningEmulator,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: &Value,
) -> (StatusCode, Value) {
    let r = client()
        .request(method, format!("{}{path}", em.base_url()))
        .bearer_auth(token)
        .header("X-TFS-FedAuthRedirect", "Suppress")
        .json(body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

pub const ENTITLEMENTS: &str = "/vsaex/contoso/_apis/serviceprincipalentitlements?api-version=7.1-preview.1";

/// Adds a service principal (by object id) to the contoso organization as a Basic user and a
/// Reader of Web; returns the whole POST answer.
pub async fn entitle(em: &RunningEmulator, devops_token: &str, sp_object_id: &str) -> Value {
    let body = serde_json::json!({
        "accessLevel": {"accountLicenseType": "express", "licensingSource": "account"},
        "projectEntitlements": [{"group": {"groupType": "projectReader"}, "projectRef": {"id": minimal_ids::PROJECT.to_string()}}],
        "servicePrincipal": {"origin": "aad", "originId": sp_object_id, "subjectKind": "servicePrincipal"},
    });
    let (status, answer) = send(em, reqwest::Method::POST, ENTITLEMENTS, devops_token, &body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["isSuccess"], true, "{answer}");
    answer
}

pub const CONNECTIONS: &str = "/ado/contoso/_apis/serviceendpoint/endpoints?api-version=7.1";

/// A manual workload identity Azure Resource Manager connection in contoso/Web, at the
/// subscription or (with `resource_group`) a resource group of the minimal scenario.
pub fn azurerm_connection_body(name: &str, client_id: &str, resource_group: Option<&str>) -> Value {
    let mut data = serde_json::json!({"environment": "AzureCloud", "scopeLevel": "Subscription", "subscriptionId": minimal_ids::SUBSCRIPTION.to_string(), "subscriptionName": "Contoso Dev", "creationMode": "Manual"});
    if let Some(rg) = resource_group {
        data["resourceGroupName"] = serde_json::json!(rg);
    }
    serde_json::json!({
        "name": name,
        "type": "azurerm",
        "url": "https://management.azure.com/",
        "data": data,
        "authorization": {"scheme": "WorkloadIdentityFederation", "parameters": {"tenantid": minimal_ids::TENANT.to_string(), "serviceprincipalid": client_id}},
        "isReady": true,
        "serviceEndpointProjectReferences": [{"projectReference": {"id": minimal_ids::PROJECT.to_string(), "name": "Web"}, "name": name}],
    })
}

/// Creates a connection in contoso and returns it.
pub async fn create_connection(em: &RunningEmulator, devops_token: &str, body: &Value) -> Value {
    let (status, created) = send(em, reqwest::Method::POST, CONNECTIONS, devops_token, body).await;
    assert_eq!(status, StatusCode::OK, "{created}");
    created
}

/// The issuer and subject Azure DevOps assigned to a connection.
pub fn issuer_and_subject(connection: &Value) -> (String, String) {
    let params = &connection["authorization"]["parameters"];
    (
        params["workloadIdentityFederationIssuer"].as_str().unwrap().to_string(),
        params["workloadIdentityFederationSubject"].as_str().unwrap().to_string(),
    )
}

/// TestConnection of a contoso/Web connection: the whole answer (always HTTP 200).
pub async fn verify_connection(em: &RunningEmulator, devops_token: &str, connection: &Value) -> Value {
    let id = connection["id"].as_str().unwrap();
    let path =
        format!("/ado/contoso/Web/_apis/serviceendpoint/endpointproxy?endpointId={id}&api-version=7.1-preview.1");
    let body = serde_json::json!({"dataSourceDetails": {"dataSourceName": "TestConnection"}});
    let (status, result) = send(em, reqwest::Method::POST, &path, devops_token, &body).await;
    assert_eq!(status, StatusCode::OK, "{result}");
    result
}

/// Polls TestConnection until it answers ok (panics after about 20 s).
pub async fn verify_eventually(em: &RunningEmulator, devops_token: &str, connection: &Value) -> Value {
    let mut last = Value::Null;
    for _ in 0..400 {
        last = verify_connection(em, devops_token, connection).await;
        if last["statusCode"] == "ok" {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("TestConnection never succeeded: {last}");
}
