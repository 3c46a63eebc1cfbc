//! Microsoft Graph: identity, wrong-resource tokens, apps, service principals, FICs.

use keyless_emulator::minimal_ids;
use reqwest::StatusCode;

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
