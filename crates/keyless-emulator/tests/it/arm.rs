//! Azure Resource Manager: tenants, subscriptions, wrong-resource tokens.

use keyless_emulator::minimal_ids;
use reqwest::StatusCode;

use crate::support::*;

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
