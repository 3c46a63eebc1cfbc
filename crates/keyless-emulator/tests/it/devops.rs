//! Azure DevOps: auth behaviour, tenant header, api-versions, projects.

use keyless_emulator::minimal_ids;
use reqwest::{Method, StatusCode};
use serde_json::json;

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

#[tokio::test]
async fn devops_refuses_tokens_for_other_resources_and_other_tenants() {
    let em = start(fast_config()).await;
    let tokens = sign_in(&em).await;
    let (status, body) = get(&em, "/ado/contoso/_apis/projects?api-version=7.1", &tokens.graph).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["typeKey"], "UnauthorizedRequestException");
    // The fabrikam organization is connected to the other tenant.
    let (status, _) = get(&em, "/ado/fabrikam/_apis/projects?api-version=7.1", &tokens.devops).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let other = refresh_for(&em, &minimal_ids::OTHER_TENANT.to_string(), &tokens.refresh, DEVOPS_SCOPE).await;
    let r = client()
        .get(format!("{}/ado/fabrikam/_apis/connectionData", em.base_url()))
        .bearer_auth(&other)
        .header("X-TFS-FedAuthRedirect", "Suppress")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-vss-resourcetenant"], minimal_ids::OTHER_TENANT.to_string().as_str());
    assert_eq!(
        r.status(),
        StatusCode::UNAUTHORIZED,
        "the admin is a guest of Fabrikam but not a member of its organization"
    );
}

#[tokio::test]
async fn api_versions_are_strict() {
    let em = start(fast_config()).await;
    let tokens = sign_in(&em).await;
    let (status, body) = get(&em, "/ado/contoso/_apis/projects", &tokens.devops).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["typeKey"], "VssVersionNotSpecifiedException");
    let (_, body) = get(&em, "/ado/contoso/_apis/projects?api-version=8.0", &tokens.devops).await;
    assert_eq!(body["typeKey"], "VssVersionOutOfRangeException");
    let (_, body) = get(&em, "/ado/contoso/_apis/projects?api-version=7.2", &tokens.devops).await;
    assert_eq!(body["typeKey"], "VssInvalidPreviewVersionException");
    let (_, body) = get(&em, "/ado/contoso/_apis/projects?api-version=banana", &tokens.devops).await;
    assert_eq!(body["typeKey"], "VssInvalidApiVersionException");
    let (status, _) = get(&em, "/ado/contoso/_apis/projects?api-version=7.2-preview.4", &tokens.devops).await;
    assert_eq!(status, StatusCode::OK);
    let (_, body) = get(&em, "/vssps/contoso/_apis/graph/groups?api-version=7.1", &tokens.devops).await;
    assert_eq!(body["typeKey"], "VssInvalidPreviewVersionException", "graph is preview-only");
    let (status, _) = get(&em, "/ado/contoso/_apis/connectionData", &tokens.devops).await;
    assert_eq!(status, StatusCode::OK, "connectionData needs no api-version");
}

#[tokio::test]
async fn project_pages_can_be_empty_but_continue() {
    let em = start(fast_config()).await;
    let tokens = sign_in(&em).await;
    let mut names = Vec::new();
    let mut pages = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut url = format!("{}/ado/contoso/_apis/projects?api-version=7.1&$top=2", em.base_url());
        if let Some(t) = &token {
            url.push_str(&format!("&continuationToken={t}"));
        }
        let r = client().get(url).bearer_auth(&tokens.devops).send().await.unwrap();
        token = r.headers().get("x-ms-continuationtoken").map(|v| v.to_str().unwrap().to_string());
        let body: serde_json::Value = r.json().await.unwrap();
        let page: Vec<String> =
            body["value"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap().to_string()).collect();
        pages.push((page.len(), token.is_some()));
        names.extend(page);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(pages, vec![(2, true), (0, true), (1, false)], "the second page is empty but carries a token");
    assert_eq!(names, vec!["Web", "Api", "Mobile"]);
}

#[tokio::test]
async fn accounts_need_a_member_id_and_list_the_tokens_tenant_only() {
    let em = start(fast_config()).await;
    let tokens = sign_in(&em).await;
    let (status, body) = get(&em, "/app-vssps/_apis/accounts?api-version=7.1", &tokens.devops).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["message"], "Necessary parameters ownerId or memberId were not provided in the request.");
    let (_, me) = get(&em, "/app-vssps/_apis/profile/profiles/me?api-version=7.1", &tokens.devops).await;
    let member = me["id"].as_str().unwrap();
    let (_, accounts) =
        get(&em, &format!("/app-vssps/_apis/accounts?memberId={member}&api-version=7.1"), &tokens.devops).await;
    let names: Vec<&str> =
        accounts["value"].as_array().unwrap().iter().map(|a| a["accountName"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["contoso"]);
    assert_eq!(accounts["value"][0]["accountId"], minimal_ids::ORG.to_string());
}

#[tokio::test]
async fn entitlements_report_failures_in_a_200_body() {
    use std::time::{Duration, Instant};
    let config = keyless_emulator::EmulatorConfig { replication_delay: Duration::from_millis(400), ..fast_config() };
    let em = start(config).await;
    let tokens = sign_in(&em).await;
    let path = "/vsaex/contoso/_apis/serviceprincipalentitlements?api-version=7.1-preview.1";
    let body = |origin: &str| {
        json!({
            "accessLevel": {"accountLicenseType": "express", "licensingSource": "account"},
            "projectEntitlements": [{"group": {"groupType": "projectReader"}, "projectRef": {"id": minimal_ids::PROJECT.to_string()}}],
            "servicePrincipal": {"origin": "aad", "originId": origin, "subjectKind": "servicePrincipal"},
        })
    };
    // The application object id instead of the service principal's.
    let (status, wrong) =
        send(&em, Method::POST, path, &tokens.devops, &body(&minimal_ids::APP_OBJECT_ID.to_string())).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(wrong["isSuccess"], false);
    assert_eq!(
        wrong["operationResult"]["errors"][0]["value"],
        format!("Failed to create service principal with object ID '{}'", minimal_ids::APP_OBJECT_ID)
    );
    // A managed identity created a moment ago is not replicated to Azure DevOps yet.
    let mi_path = format!(
        "/arm/subscriptions/{}/resourceGroups/rg-web/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-fresh?api-version=2024-11-30",
        minimal_ids::SUBSCRIPTION
    );
    let (_, mi) = send(&em, Method::PUT, &mi_path, &tokens.arm, &json!({"location": "westeurope"})).await;
    let principal = mi["properties"]["principalId"].as_str().unwrap().to_string();
    let (status, early) = send(&em, Method::POST, path, &tokens.devops, &body(&principal)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(early["isSuccess"], false);
    assert_eq!(
        early["operationResult"]["errors"][0]["value"],
        format!("VS403283: Could not add user '{principal}' at this time.")
    );
    let deadline = Instant::now() + Duration::from_secs(3);
    let added = loop {
        let (_, r) = send(&em, Method::POST, path, &tokens.devops, &body(&principal)).await;
        if r["isSuccess"] == true {
            break r;
        }
        assert!(Instant::now() < deadline, "never replicated: {r}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let entitlement = &added["servicePrincipalEntitlement"];
    assert_eq!(entitlement["accessLevel"]["accountLicenseType"], "express");
    assert_eq!(entitlement["projectEntitlements"][0]["group"]["displayName"], "Readers");
    assert!(entitlement["servicePrincipal"]["descriptor"].as_str().unwrap().starts_with("aadsp."));
    // A member (not a Project Collection Administrator) may not add identities.
    let dev = sign_in_as(&em, "organizations", Some(minimal_ids::LIMITED_USER_UPN)).await;
    let (_, denied) = send(&em, Method::POST, path, &dev.devops, &body(&principal)).await;
    assert!(denied["operationResult"]["errors"][0]["value"].as_str().unwrap().starts_with("Access Denied:"));
}

#[tokio::test]
async fn graph_group_pages_can_be_empty_and_memberships_work() {
    let em = start(fast_config()).await;
    let tokens = sign_in(&em).await;
    let (_, scope) = get(
        &em,
        &format!("/vssps/contoso/_apis/graph/descriptors/{}?api-version=7.1-preview.1", minimal_ids::PROJECT),
        &tokens.devops,
    )
    .await;
    let scope = scope["value"].as_str().unwrap().to_string();
    assert!(scope.starts_with("scp."));
    // The Api project's groups come after the Web project's: its first pages are empty.
    let (_, api_scope) = get(
        &em,
        "/vssps/contoso/_apis/graph/descriptors/55555555-0000-4555-8555-000000000002?api-version=7.1-preview.1",
        &tokens.devops,
    )
    .await;
    let api_scope = api_scope["value"].as_str().unwrap().to_string();
    let mut token: Option<String> = None;
    let mut saw_empty_with_token = false;
    let mut groups = Vec::new();
    loop {
        let mut url = format!(
            "{}/vssps/contoso/_apis/graph/groups?scopeDescriptor={api_scope}&api-version=7.1-preview.1",
            em.base_url()
        );
        if let Some(t) = &token {
            url.push_str(&format!("&continuationToken={t}"));
        }
        let r = client().get(url).bearer_auth(&tokens.devops).send().await.unwrap();
        token = r.headers().get("x-ms-continuationtoken").map(|v| v.to_str().unwrap().to_string());
        let body: serde_json::Value = r.json().await.unwrap();
        let page = body["value"].as_array().unwrap().clone();
        saw_empty_with_token |= page.is_empty() && token.is_some();
        groups.extend(page);
        if token.is_none() {
            break;
        }
    }
    assert!(saw_empty_with_token);
    let names: Vec<&str> = groups.iter().map(|g| g["displayName"].as_str().unwrap()).collect();
    for wanted in ["Readers", "Contributors", "Project Administrators", "Endpoint Administrators", "Endpoint Creators"]
    {
        assert!(names.contains(&wanted), "{wanted} in {names:?}");
    }
    let readers =
        groups.iter().find(|g| g["displayName"] == "Readers").unwrap()["descriptor"].as_str().unwrap().to_string();
    let (status, sp) = send(
        &em,
        Method::POST,
        "/vssps/contoso/_apis/graph/serviceprincipals?api-version=7.1-preview.1",
        &tokens.devops,
        &json!({"originId": minimal_ids::APP_SP_ID.to_string()}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let member = sp["descriptor"].as_str().unwrap().to_string();
    let path = format!("/vssps/contoso/_apis/graph/memberships/{member}/{readers}?api-version=7.1-preview.1");
    let head = |em: &keyless_emulator::RunningEmulator| {
        client().head(format!("{}{path}", em.base_url())).bearer_auth(&tokens.devops).send()
    };
    assert_eq!(head(&em).await.unwrap().status(), StatusCode::NOT_FOUND);
    let (status, created) = send(&em, Method::PUT, &path, &tokens.devops, &json!({})).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(created["containerDescriptor"], readers);
    assert_eq!(head(&em).await.unwrap().status(), StatusCode::OK);
}

#[tokio::test]
async fn head_on_the_organization_reveals_its_tenant_without_auth() {
    let em = start(fast_config()).await;
    let r = client().head(format!("{}/ado/contoso", em.base_url())).send().await.unwrap();
    assert_eq!(r.headers()["x-vss-resourcetenant"], minimal_ids::TENANT.to_string().as_str());
    assert!(r.headers()["www-authenticate"].to_str().unwrap().starts_with("Bearer authorization_uri="));
    let tokens = sign_in(&em).await;
    let ok = client().head(format!("{}/ado/contoso", em.base_url())).bearer_auth(&tokens.devops).send().await.unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    let unknown = client().get(format!("{}/ado/nope/_apis/connectionData", em.base_url())).send().await.unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert!(unknown.headers().get("x-vss-resourcetenant").is_none());
}
