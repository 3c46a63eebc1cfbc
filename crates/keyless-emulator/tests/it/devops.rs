//! Azure DevOps: auth behaviour, tenant header, api-versions, projects.

use keyless_emulator::minimal_ids;
use reqwest::StatusCode;

use crate::support::*;

#[tokio::test]
async fn connection_data_names_the_org_and_tenant() {
    let em = start(fast_config()).await;
    let tokens = sign_in(&em).await;
    let r = client()
        .get(format!("{}/ado/contoso/_apis/connectionData", em.base_url()))
        .bearer_auth(&tokens.devops)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["x-vss-resourcetenant"], minimal_ids::TENANT.to_string().as_str());
    assert!(r.headers().contains_key("activityid"));
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["instanceId"], minimal_ids::ORG.to_string());
}

#[tokio::test]
async fn sign_in_page_without_suppress_header_and_401_with_it() {
    let em = start(fast_config()).await;
    let url = format!("{}/ado/contoso/_apis/connectionData", em.base_url());
    let page = client().get(&url).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::NON_AUTHORITATIVE_INFORMATION);
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert_eq!(page.headers()["x-vss-resourcetenant"], minimal_ids::TENANT.to_string().as_str());
    let challenge = page.headers()["www-authenticate"].to_str().unwrap().to_string();
    assert!(challenge.contains(&format!("authorization_uri={}/login/{}", em.base_url(), minimal_ids::TENANT)));
    let denied = client().get(&url).header("X-TFS-FedAuthRedirect", "Suppress").send().await.unwrap();
    assert_eq!(denied.status(), StatusCode::UNAUTHORIZED);
    let body: serde_json::Value = denied.json().await.unwrap();
    assert_eq!(body["typeKey"], "UnauthorizedRequestException");
}
