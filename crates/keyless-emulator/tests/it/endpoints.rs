//! Service connections and TestConnection: issuers and subjects, FIC matching, drafts,
//! conversion, sharing, deletion, pipeline permissions.

use std::time::Duration;

use keyless_core::{Guid, federation::entra_subject};
use keyless_emulator::{EmulatorConfig, RunningEmulator, minimal_ids};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::*;

const ENDPOINTS: &str = "/ado/contoso/_apis/serviceendpoint/endpoints?api-version=7.1";

fn wif_body(name: &str, app_id: Guid) -> Value {
    json!({
        "name": name,
        "type": "azurerm",
        "url": "https://management.azure.com/",
        "owner": "library",
        "data": {"environment": "AzureCloud", "scopeLevel": "Subscription", "subscriptionId": minimal_ids::SUBSCRIPTION.to_string(), "subscriptionName": "Contoso Dev", "creationMode": "Manual"},
        "authorization": {"scheme": "WorkloadIdentityFederation", "parameters": {"tenantid": minimal_ids::TENANT.to_string(), "serviceprincipalid": app_id.to_string()}},
        "isShared": false,
        "isReady": true,
        "serviceEndpointProjectReferences": [{"projectReference": {"id": minimal_ids::PROJECT.to_string(), "name": "Web"}, "name": name, "description": ""}],
    })
}

async fn test_connection(em: &RunningEmulator, token: &str, id: &str) -> Value {
    let path =
        format!("/ado/contoso/Web/_apis/serviceendpoint/endpointproxy?endpointId={id}&api-version=7.1-preview.1");
    let body = json!({"dataSourceDetails": {"dataSourceName": "TestConnection"}, "resultTransformationDetails": {}});
    let (status, result) = send(em, Method::POST, &path, token, &body).await;
    assert_eq!(status, StatusCode::OK);
    result
}

async fn add_app_fic(em: &RunningEmulator, token: &str, name: &str, issuer: &str, subject: &str) {
    let path = format!("/graph/v1.0/applications/{}/federatedIdentityCredentials", minimal_ids::APP_OBJECT_ID);
    let body = json!({"name": name, "issuer": issuer, "subject": subject, "audiences": ["api://AzureADTokenExchange"]});
    let (status, created) = send(em, Method::POST, &path, token, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
}

#[tokio::test]
async fn manual_wif_connection_gets_the_entra_issuer_and_tests_ok_once_its_fic_exists() {
    let em = start(fast_config()).await;
    let tokens = sign_in(&em).await;
    let (status, sc) =
        send(&em, Method::POST, ENDPOINTS, &tokens.devops, &wif_body("sc-new", minimal_ids::APP_ID)).await;
    assert_eq!(status, StatusCode::OK, "{sc}");
    let id = sc["id"].as_str().unwrap().to_string();
    let params = &sc["authorization"]["parameters"];
    let issuer = format!("https://login.microsoftonline.com/{}/v2.0", minimal_ids::TENANT);
    let subject = entra_subject("pub", minimal_ids::TENANT, minimal_ids::ORG, id.parse().unwrap());
    assert_eq!(params["workloadIdentityFederationIssuer"], issuer);
    assert_eq!(params["workloadIdentityFederationSubject"], subject);
    assert_eq!(params["workloadIdentityFederationIssuerType"], "EntraID");
    assert_eq!(sc["isReady"], true);
    let before = test_connection(&em, &tokens.devops, &id).await;
    assert_ne!(before["statusCode"], "ok");
    assert!(before["errorMessage"].as_str().unwrap().contains("AADSTS700213"), "{before}");
    add_app_fic(&em, &tokens.graph, "ado-sc-new", &issuer, &subject).await;
    let after = test_connection(&em, &tokens.devops, &id).await;
    assert_eq!(after["statusCode"], "ok", "{after}");
    // Names are unique per project.
    let (status, dup) =
        send(&em, Method::POST, ENDPOINTS, &tokens.devops, &wif_body("SC-NEW", minimal_ids::APP_ID)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(dup["message"].as_str().unwrap().contains("already exists"));
    let mut no_refs = wif_body("sc-no-refs", minimal_ids::APP_ID);
    no_refs["serviceEndpointProjectReferences"] = json!([]);
    assert_eq!(send(&em, Method::POST, ENDPOINTS, &tokens.devops, &no_refs).await.0, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_new_fic_only_works_after_propagation() {
    let config = EmulatorConfig { fic_propagation_delay: Duration::from_secs(60), ..fast_config() };
    let em = start(config).await;
    let tokens = sign_in(&em).await;
    let (_, sc) = send(&em, Method::POST, ENDPOINTS, &tokens.devops, &wif_body("sc-slow", minimal_ids::APP_ID)).await;
    let params = &sc["authorization"]["parameters"];
    let (issuer, subject) = (
        params["workloadIdentityFederationIssuer"].as_str().unwrap(),
        params["workloadIdentityFederationSubject"].as_str().unwrap(),
    );
    add_app_fic(&em, &tokens.graph, "ado-sc-slow", issuer, subject).await;
    let result = test_connection(&em, &tokens.devops, sc["id"].as_str().unwrap()).await;
    let message = result["errorMessage"].as_str().unwrap();
    assert!(
        message.contains("AADSTS70021: No matching federated identity record found for presented assertion."),
        "{message}"
    );
    assert!(message.contains(&format!("Assertion Issuer: '{issuer}'. Assertion Subject: '{subject}'.")));
}

#[tokio::test]
async fn subject_matching_is_case_sensitive() {
    let em = start(fast_config()).await;
    let tokens = sign_in(&em).await;
    let result = test_connection(&em, &tokens.devops, &minimal_ids::CASE_MISMATCH_CONNECTION.to_string()).await;
    assert_eq!(result["statusCode"], "badRequest");
    assert!(result["errorMessage"].as_str().unwrap().contains("AADSTS7002138"), "{result}");
    let ok = test_connection(&em, &tokens.devops, &minimal_ids::WORKING_CONNECTION.to_string()).await;
    assert_eq!(ok["statusCode"], "ok", "{ok}");
}

#[tokio::test]
async fn multitenant_apps_fail_with_the_entra_issuer() {
    let em = start(fast_config()).await;
    let tokens = sign_in(&em).await;
    let (_, sc) =
        send(&em, Method::POST, ENDPOINTS, &tokens.devops, &wif_body("sc-multi", minimal_ids::MULTITENANT_APP_ID))
            .await;
    let result = test_connection(&em, &tokens.devops, sc["id"].as_str().unwrap()).await;
    assert!(result["errorMessage"].as_str().unwrap().contains("AADSTS70052"), "{result}");
}

#[tokio::test]
async fn drafts_are_not_ready_until_finished() {
    let em = start(fast_config()).await;
    let tokens = sign_in(&em).await;
    let mut body = wif_body("sc-draft", minimal_ids::APP_ID);
    body.as_object_mut().unwrap().remove("isReady");
    body["data"]["isDraft"] = json!("True");
    let (_, draft) = send(&em, Method::POST, ENDPOINTS, &tokens.devops, &body).await;
    assert_eq!(draft["isReady"], false);
    assert!(
        draft["authorization"]["parameters"]["workloadIdentityFederationSubject"].is_string(),
        "a draft still shows issuer and subject"
    );
    let id = draft["id"].as_str().unwrap();
    let mut finish = draft.clone();
    finish["isReady"] = json!(true);
    finish["data"].as_object_mut().unwrap().remove("isDraft");
    let path = format!("/ado/contoso/_apis/serviceendpoint/endpoints/{id}?api-version=7.1");
    let (status, done) = send(&em, Method::PUT, &path, &tokens.devops, &finish).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["isReady"], true);
    assert!(done["data"].get("isDraft").is_none());
}

#[tokio::test]
async fn secret_connections_convert_to_wif_and_back() {
    let em = start(fast_config()).await;
    let tokens = sign_in(&em).await;
    let id = minimal_ids::SECRET_CONNECTION.to_string();
    let (_, original) =
        get(&em, &format!("/ado/contoso/Web/_apis/serviceendpoint/endpoints/{id}?api-version=7.1"), &tokens.devops)
            .await;
    assert_eq!(original["authorization"]["scheme"], "ServicePrincipal");
    assert!(original["authorization"]["parameters"]["serviceprincipalkey"].is_null(), "secrets are never returned");
    let convert = format!(
        "/ado/contoso/Web/_apis/serviceendpoint/endpoints/{id}?operation=ConvertAuthenticationScheme&api-version=7.1"
    );
    let mut body = original.clone();
    body["authorization"]["scheme"] = json!("WorkloadIdentityFederation");
    let (status, converted) = send(&em, Method::PUT, &convert, &tokens.devops, &body).await;
    assert_eq!(status, StatusCode::OK, "{converted}");
    assert_eq!(converted["authorization"]["scheme"], "WorkloadIdentityFederation");
    assert!(converted["data"]["revertSchemeDeadline"].is_string());
    assert_eq!(
        test_connection(&em, &tokens.devops, &id).await["statusCode"],
        "ok",
        "Azure DevOps wrote the FIC itself"
    );
    let mut back = converted.clone();
    back["authorization"]["scheme"] = json!("ServicePrincipal");
    let (status, reverted) = send(&em, Method::PUT, &convert, &tokens.devops, &back).await;
    assert_eq!(status, StatusCode::OK, "{reverted}");
    assert_eq!(reverted["authorization"]["scheme"], "ServicePrincipal");
    // Shared connections cannot be converted.
    let share = format!("/ado/contoso/_apis/serviceendpoint/endpoints/{id}?api-version=7.1");
    let refs = json!([{"projectReference": {"id": "55555555-0000-4555-8555-000000000002", "name": "Api"}, "name": "shared-secret", "description": ""}]);
    assert_eq!(send(&em, Method::PATCH, &share, &tokens.devops, &refs).await.0, StatusCode::NO_CONTENT);
    let (status, refused) = send(&em, Method::PUT, &convert, &tokens.devops, &body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(refused["message"].as_str().unwrap().contains("shared"));
}

#[tokio::test]
async fn deleting_is_blocked_while_a_fic_still_works() {
    let em = start(fast_config()).await;
    let tokens = sign_in(&em).await;
    let id = minimal_ids::WORKING_CONNECTION;
    let delete = format!(
        "/ado/contoso/_apis/serviceendpoint/endpoints/{id}?projectIds={}&api-version=7.1",
        minimal_ids::PROJECT
    );
    let (status, blocked) = send(&em, Method::DELETE, &delete, &tokens.devops, &json!(null)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(blocked["message"].as_str().unwrap().contains("federated identity credential"), "{blocked}");
    let fic =
        format!("/graph/v1.0/applications/{}/federatedIdentityCredentials/ado-sc-web-prod", minimal_ids::APP_OBJECT_ID);
    assert_eq!(send(&em, Method::DELETE, &fic, &tokens.graph, &json!(null)).await.0, StatusCode::NO_CONTENT);
    assert_eq!(send(&em, Method::DELETE, &delete, &tokens.devops, &json!(null)).await.0, StatusCode::NO_CONTENT);
    let (status, gone) =
        get(&em, &format!("/ado/contoso/Web/_apis/serviceendpoint/endpoints/{id}?api-version=7.1"), &tokens.devops)
            .await;
    assert_eq!((status, gone), (StatusCode::OK, Value::Null), "a missing endpoint is 200 with null");
}

#[tokio::test]
async fn azure_devops_connections_need_their_identity_to_be_a_user_of_the_organization() {
    let em = start(fast_config()).await;
    let tokens = sign_in(&em).await;
    let ok = test_connection(&em, &tokens.devops, "ffffffff-ffff-4fff-8fff-ffffffffffff").await;
    assert_eq!(ok["statusCode"], "ok", "{ok}");
    // The web-deployer app is not entitled in the organization: creation is refused.
    let body = json!({
        "name": "azdo-web-deployer",
        "type": "WorkloadIdentityUser",
        "url": "https://dev.azure.com/contoso/",
        "authorization": {"scheme": "WorkloadIdentityFederation", "parameters": {"tenantid": minimal_ids::TENANT.to_string(), "serviceprincipalid": minimal_ids::APP_ID.to_string()}},
        "isReady": true,
        "serviceEndpointProjectReferences": [{"projectReference": {"id": minimal_ids::PROJECT.to_string(), "name": "Web"}, "name": "azdo-web-deployer"}],
    });
    let (status, refused) = send(&em, Method::POST, ENDPOINTS, &tokens.devops, &body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    let expected = format!(
        "TF401444: Please sign-in at least once as {t}\\{t}\\{sp} in a web browser to enable access to the service.",
        t = minimal_ids::TENANT,
        sp = minimal_ids::APP_SP_ID
    );
    assert_eq!(refused["message"], expected.as_str());
    assert_eq!(refused["typeKey"], "ArgumentException");
    // Once it is a user of the organization, the same connection is created and works.
    entitle(&em, &tokens.devops, &minimal_ids::APP_SP_ID.to_string()).await;
    let (status, sc) = send(&em, Method::POST, ENDPOINTS, &tokens.devops, &body).await;
    assert_eq!(status, StatusCode::OK, "{sc}");
    let params = &sc["authorization"]["parameters"];
    add_app_fic(
        &em,
        &tokens.graph,
        "ado-azdo-web-deployer",
        params["workloadIdentityFederationIssuer"].as_str().unwrap(),
        params["workloadIdentityFederationSubject"].as_str().unwrap(),
    )
    .await;
    let result = test_connection(&em, &tokens.devops, sc["id"].as_str().unwrap()).await;
    assert_eq!(result["statusCode"], "ok", "{result}");
    // Another tenant's organization cannot be targeted.
    let mut cross = body.clone();
    cross["name"] = json!("azdo-cross-tenant");
    cross["data"] = json!({"organizationUrl": "https://dev.azure.com/fabrikam/"});
    assert_eq!(send(&em, Method::POST, ENDPOINTS, &tokens.devops, &cross).await.0, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn legacy_issuer_converts_to_entra_with_a_plain_put() {
    let em = start(fast_config()).await;
    let tokens = sign_in(&em).await;
    let path = "/ado/contoso/Web/_apis/serviceendpoint/endpoints/dddddddd-dddd-4ddd-8ddd-dddddddddddd?api-version=7.1";
    let (_, legacy) = get(&em, path, &tokens.devops).await;
    assert_eq!(
        legacy["authorization"]["parameters"]["workloadIdentityFederationSubject"],
        "sc://contoso/Web/sc-web-legacy-issuer"
    );
    assert!(
        legacy["authorization"]["parameters"]["workloadIdentityFederationIssuer"]
            .as_str()
            .unwrap()
            .starts_with("https://vstoken.dev.azure.com/")
    );
    let mut body = legacy.clone();
    body["authorization"]["parameters"]["workloadIdentityFederationIssuerType"] = json!("EntraID");
    let (status, updated) = send(&em, Method::PUT, path, &tokens.devops, &body).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(updated["authorization"]["parameters"]["workloadIdentityFederationIssuerType"], "EntraID");
    assert!(
        updated["authorization"]["parameters"]["workloadIdentityFederationSubject"]
            .as_str()
            .unwrap()
            .starts_with("/eid1/c/pub/t/")
    );
    let result = test_connection(&em, &tokens.devops, "dddddddd-dddd-4ddd-8ddd-dddddddddddd").await;
    assert!(
        result["errorMessage"].as_str().unwrap().contains("AADSTS70052"),
        "a multitenant app cannot use the Entra issuer: {result}"
    );
}

#[tokio::test]
async fn list_filters_and_pipeline_permissions() {
    let em = start(fast_config()).await;
    let tokens = sign_in(&em).await;
    let (_, secrets) = get(&em, "/ado/contoso/Web/_apis/serviceendpoint/endpoints?type=azurerm&authSchemes=ServicePrincipal&includeDetails=true&api-version=7.1", &tokens.devops).await;
    let names: Vec<&str> = secrets["value"].as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["sc-web-secret"]);
    let (_, by_name) = get(
        &em,
        "/ado/contoso/Web/_apis/serviceendpoint/endpoints?endpointNames=repos-pat&api-version=7.1",
        &tokens.devops,
    )
    .await;
    assert_eq!(by_name["count"], 1);
    let path = format!(
        "/ado/contoso/Web/_apis/pipelines/pipelinepermissions/endpoint/{}?api-version=7.1-preview.1",
        minimal_ids::WORKING_CONNECTION
    );
    let (_, before) = get(&em, &path, &tokens.devops).await;
    assert_eq!(before["pipelines"][0]["id"], 1);
    assert!(before["allPipelines"].is_null());
    let (status, after) = send(
        &em,
        Method::PATCH,
        &path,
        &tokens.devops,
        &json!({"pipelines": [{"id": 2, "authorized": true}, {"id": 1, "authorized": false}]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(after["pipelines"].as_array().unwrap().len(), 1);
    assert_eq!(after["pipelines"][0]["id"], 2);
    let (_, all) = send(
        &em,
        Method::PATCH,
        &path,
        &tokens.devops,
        &json!({"allPipelines": {"authorized": true}, "pipelines": []}),
    )
    .await;
    assert_eq!(all["allPipelines"]["authorized"], true);
}

#[tokio::test]
async fn pipelines_expose_their_yaml() {
    let em = start(fast_config()).await;
    let tokens = sign_in(&em).await;
    let (_, list) = get(&em, "/ado/contoso/Web/_apis/pipelines?api-version=7.1", &tokens.devops).await;
    assert_eq!(list["count"], 2);
    let (_, one) = get(&em, "/ado/contoso/Web/_apis/pipelines/2?api-version=7.1", &tokens.devops).await;
    assert_eq!(one["configuration"]["path"], "/infra/pipeline.yml");
    let repo = one["configuration"]["repository"]["id"].as_str().unwrap();
    let r = client()
        .get(format!(
            "{}/ado/contoso/Web/_apis/git/repositories/{repo}/items?path=/infra/pipeline.yml&api-version=7.1",
            em.base_url()
        ))
        .bearer_auth(&tokens.devops)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("addSpnToEnvironment: true"));
    let history = format!(
        "/ado/contoso/Web/_apis/serviceendpoint/{}/executionhistory?top=5&api-version=7.1-preview.1",
        minimal_ids::SECRET_CONNECTION
    );
    let (_, runs) = get(&em, &history, &tokens.devops).await;
    assert!(runs["value"][0]["data"]["finishTime"].is_string());
}
