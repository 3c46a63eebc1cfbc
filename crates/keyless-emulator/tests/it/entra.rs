//! Entra: PKCE, one resource per token, tenants, refresh rotation, device code.

use std::time::Duration;

use keyless_emulator::minimal_ids;
use reqwest::StatusCode;
use serde_json::Value;

use crate::support::*;

#[tokio::test]
async fn pkce_round_trip_issues_tokens_for_each_resource() {
    let em = start(fast_config()).await;
    let tokens = sign_in(&em).await;
    for t in [&tokens.graph, &tokens.arm, &tokens.devops] {
        assert_eq!(t.split('.').count(), 3, "JWT-shaped");
    }
    em.shutdown().await;
}

#[tokio::test]
async fn wrong_code_verifier_is_rejected() {
    let em = start(fast_config()).await;
    let tenant = minimal_ids::TENANT.to_string();
    let code = authorize(&em, &tenant, GRAPH_SCOPE, None).await;
    let r = token_request(
        &em,
        &tenant,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT_ID),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", "not-the-verifier-that-was-hashed-into-the-challenge"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(body["error_codes"][0], 501481);
    assert!(body["error_description"].as_str().unwrap().starts_with("AADSTS501481:"));
    for key in ["timestamp", "trace_id", "correlation_id"] {
        assert!(body[key].is_string(), "{key}");
    }
}

#[tokio::test]
async fn two_resources_in_one_request_are_refused() {
    let em = start(fast_config()).await;
    let tokens = sign_in(&em).await;
    let r = token_request(
        &em,
        "organizations",
        &[
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT_ID),
            ("refresh_token", &tokens.refresh),
            ("scope", &format!("{GRAPH_SCOPE} {ARM_SCOPE}")),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "invalid_scope");
    assert!(body["error_description"].as_str().unwrap().starts_with(
        "AADSTS28000: Provided value for the input parameter scope is not valid because it contains more than one resource."
    ));
}

#[tokio::test]
async fn plain_pkce_is_refused_with_an_oauth_error_redirect() {
    let em = start(fast_config()).await;
    let r = client()
        .get(format!("{}/login/organizations/oauth2/v2.0/authorize", em.base_url()))
        .query(&[
            ("client_id", CLIENT_ID),
            ("response_type", "code"),
            ("redirect_uri", REDIRECT),
            ("scope", GRAPH_SCOPE),
            ("state", "s1"),
            ("code_challenge", "abc"),
            ("code_challenge_method", "plain"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    let location = url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    assert!(location.as_str().starts_with(REDIRECT));
    let q: std::collections::HashMap<_, _> = location.query_pairs().into_owned().collect();
    assert_eq!(q["error"], "invalid_request");
    assert!(q["error_description"].starts_with("AADSTS"));
    assert_eq!(q["state"], "s1");
    assert!(!q.contains_key("code"));
}

#[tokio::test]
async fn redirect_uri_must_be_loopback() {
    let em = start(fast_config()).await;
    let (_, challenge) = pkce();
    let r = client()
        .get(format!("{}/login/organizations/oauth2/v2.0/authorize", em.base_url()))
        .query(&[
            ("client_id", CLIENT_ID),
            ("response_type", "code"),
            ("redirect_uri", "https://evil.example.com/cb"),
            ("scope", GRAPH_SCOPE),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "no redirect to an unregistered URI");
    assert!(r.text().await.unwrap().contains("AADSTS50011"));
}

#[tokio::test]
async fn codes_are_single_use() {
    let em = start(fast_config()).await;
    let (verifier, _) = pkce();
    let code = authorize(&em, "organizations", GRAPH_SCOPE, None).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("client_id", CLIENT_ID),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", verifier.as_str()),
    ];
    assert_eq!(token_request(&em, "organizations", &form).await.status(), StatusCode::OK);
    let again: Value = token_request(&em, "organizations", &form).await.json().await.unwrap();
    assert_eq!(again["error"], "invalid_grant");
    assert_eq!(again["error_codes"][0], 54005);
}

#[tokio::test]
async fn refresh_tokens_rotate_and_old_ones_keep_working() {
    let em = start(fast_config()).await;
    let tokens = sign_in(&em).await;
    let form = [
        ("grant_type", "refresh_token"),
        ("client_id", CLIENT_ID),
        ("refresh_token", tokens.refresh.as_str()),
        ("scope", GRAPH_SCOPE),
    ];
    let first: Value = token_request(&em, "organizations", &form).await.json().await.unwrap();
    let second: Value = token_request(&em, "organizations", &form).await.json().await.unwrap();
    assert_ne!(first["refresh_token"], tokens.refresh.as_str());
    assert_ne!(first["refresh_token"], second["refresh_token"]);
    assert!(second["access_token"].is_string());
}

#[tokio::test]
async fn a_tenant_the_user_is_not_in_is_refused() {
    let em = start(fast_config()).await;
    let tokens = sign_in_as(&em, "organizations", Some(minimal_ids::LIMITED_USER_UPN)).await;
    let other = minimal_ids::OTHER_TENANT.to_string();
    let form = [
        ("grant_type", "refresh_token"),
        ("client_id", CLIENT_ID),
        ("refresh_token", tokens.refresh.as_str()),
        ("scope", ARM_SCOPE),
    ];
    let r = token_request(&em, &other, &form).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
    assert!(body["error_description"].as_str().unwrap().starts_with("AADSTS50020:"));
    // The admin is a guest there and gets a token for that tenant.
    let admin = sign_in(&em).await;
    refresh_for(&em, &other, &admin.refresh, ARM_SCOPE).await;
}

#[tokio::test]
async fn device_code_flow_pending_slow_down_then_success() {
    let config = keyless_emulator::EmulatorConfig { device_code_interval: Duration::from_secs(1), ..fast_config() };
    let em = start(config).await;
    let r = client()
        .post(format!("{}/login/organizations/oauth2/v2.0/devicecode", em.base_url()))
        .form(&[("client_id", CLIENT_ID), ("scope", "https://graph.microsoft.com/.default offline_access")])
        .send()
        .await
        .unwrap();
    let start: Value = r.json().await.unwrap();
    for key in ["device_code", "user_code", "verification_uri", "expires_in", "interval", "message"] {
        assert!(!start[key].is_null(), "{key}");
    }
    assert!(start.get("verification_uri_complete").is_none());
    let device_code = start["device_code"].as_str().unwrap().to_string();
    let poll = || async {
        let form = [
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("client_id", CLIENT_ID),
            ("device_code", device_code.as_str()),
        ];
        token_request(&em, "organizations", &form).await.json::<Value>().await.unwrap()
    };
    assert_eq!(poll().await["error"], "authorization_pending");
    assert_eq!(poll().await["error"], "slow_down");
    tokio::time::sleep(Duration::from_millis(1050)).await;
    let done = poll().await;
    assert!(done["access_token"].is_string(), "{done}");
    assert!(done["refresh_token"].is_string());
}

#[tokio::test]
async fn device_code_can_be_declined_by_the_scenario() {
    let mut scenario = keyless_emulator::Scenario::minimal();
    scenario.sign_in.device_code_declined = true;
    let config = keyless_emulator::EmulatorConfig { scenario, device_code_interval: Duration::ZERO, ..fast_config() };
    let em = start(config).await;
    let start: Value = client()
        .post(format!("{}/login/organizations/oauth2/v2.0/devicecode", em.base_url()))
        .form(&[("client_id", CLIENT_ID), ("scope", GRAPH_SCOPE)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let form = [
        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
        ("client_id", CLIENT_ID),
        ("device_code", start["device_code"].as_str().unwrap()),
    ];
    let first: Value = token_request(&em, "organizations", &form).await.json().await.unwrap();
    assert_eq!(first["error"], "authorization_pending");
    let second: Value = token_request(&em, "organizations", &form).await.json().await.unwrap();
    assert_eq!(second["error"], "authorization_declined");
}

#[tokio::test]
async fn expired_tokens_are_refused_by_every_service() {
    let config = keyless_emulator::EmulatorConfig { access_token_lifetime: Duration::ZERO, ..fast_config() };
    let em = start(config).await;
    let tokens = sign_in(&em).await;
    let (status, body) = get(&em, "/graph/v1.0/me", &tokens.graph).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["message"], "Lifetime validation failed, the token is expired.");
    let (status, body) = get(&em, "/arm/subscriptions?api-version=2022-12-01", &tokens.arm).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "ExpiredAuthenticationToken");
    let (status, _) = get(&em, "/ado/contoso/_apis/projects?api-version=7.1", &tokens.devops).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn access_tokens_are_jwt_shaped_with_the_claims_clients_read() {
    use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
    let em = start(fast_config()).await;
    let tokens = sign_in(&em).await;
    let payload = tokens.devops.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    assert_eq!(claims["aud"], "499b84ac-1321-427f-aa17-267ca6975798");
    assert_eq!(claims["tid"], minimal_ids::TENANT.to_string());
    assert_eq!(claims["oid"], minimal_ids::USER.to_string());
    assert_eq!(claims["upn"], minimal_ids::USER_UPN);
    assert!(claims["exp"].as_i64().unwrap() > claims["iat"].as_i64().unwrap());
    let meta: Value = client()
        .get(format!("{}/login/organizations/v2.0/.well-known/openid-configuration", em.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(meta["token_endpoint"], format!("{}/login/organizations/oauth2/v2.0/token", em.base_url()));
}
