//! Entra: PKCE, one resource per token, tenants, refresh rotation, device code.

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
