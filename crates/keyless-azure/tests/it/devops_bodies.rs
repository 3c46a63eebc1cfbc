//! Azure DevOps answers that fail inside a 200 body, and request shapes the emulator's
//! minimal scenario cannot show (sharing across projects), against a scripted server.

use std::sync::Arc;
use std::time::Duration;

use keyless_azure::auth::{Resource, StaticTokenSource};
use keyless_azure::devops::wif_connections::{
    AzureRmTarget, WifConnection, azure_devops_connection, azurerm_connection,
};
use keyless_azure::devops::{
    DevOpsClient, EndpointAuthorization, EndpointProjectReference, LicenseType, ProjectReference, ServiceEndpoint,
};
use keyless_azure::{AccessToken, AzureClient, ErrorCode};
use keyless_core::names::OrgName;
use keyless_core::{CloudName, CloudProfile, Guid};
use serde_json::json;

use crate::support::{Reply, ScriptedServer, fast_http};

fn devops_for(server: &ScriptedServer) -> DevOpsClient {
    let token = AccessToken::expiring_in("opaque-devops-token", Duration::from_secs(600));
    let tokens = StaticTokenSource::new().with(Resource::DevOps, token);
    let azure = AzureClient::new(fast_http(), CloudProfile::for_emulator(&server.base), Arc::new(tokens));
    azure.devops_in_tenant(&OrgName::parse("contoso").unwrap(), None)
}

#[tokio::test]
async fn entitlement_200_with_is_success_false_is_an_error_and_vs403283_is_replication() {
    let server = ScriptedServer::with([Reply::json(
        200,
        json!({"isSuccess": false, "operationResult": {"isSuccess": false, "servicePrincipalId": null, "errors": [{"key": "5000", "value": "(VS403283) Could not add user '9f1c' at this time."}]}, "servicePrincipalEntitlement": null}),
    )
    .header("activityid", "act-1")])
    .await;
    let error =
        devops_for(&server).add_service_principal(Guid::from_u128(9), LicenseType::Express, &[]).await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::Replication, "{error:?}");
    assert!(error.is_replication_delay());
    assert!(error.to_string().contains("(5000) (VS403283) Could not add user"), "{error}");
    assert_eq!(error.request_id(), Some("act-1"));
    assert_eq!(
        server.seen()[0].path_and_query,
        "/vsaex/contoso/_apis/serviceprincipalentitlements?api-version=7.1-preview.1"
    );
}

#[tokio::test]
async fn entitlement_failure_other_than_replication_is_validation() {
    let server = ScriptedServer::with([Reply::json(
        200,
        json!({"isSuccess": false, "operationResult": {"isSuccess": false, "errors": [{"key": "x", "value": "Failed to create service principal with object ID 'abc'."}]}}),
    )])
    .await;
    let error =
        devops_for(&server).add_service_principal(Guid::from_u128(9), LicenseType::Express, &[]).await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::Validation, "{error:?}");
}

fn endpoint(id: Guid) -> ServiceEndpoint {
    ServiceEndpoint {
        id: Some(id),
        name: "sc".into(),
        kind: "azurerm".into(),
        authorization: EndpointAuthorization { scheme: "WorkloadIdentityFederation".into(), ..Default::default() },
        ..ServiceEndpoint::default()
    }
}

#[tokio::test]
async fn test_connection_aadsts70021_counts_as_replication() {
    let server = ScriptedServer::with([Reply::json(
        200,
        json!({"statusCode": "badRequest", "result": [], "errorMessage": "Failed to obtain the Json Web Token(JWT) using service principal client ID. Exception Message: AADSTS70021: No matching federated identity record found for presented assertion."}),
    )])
    .await;
    let error = devops_for(&server).verify_endpoint("Web", &endpoint(Guid::from_u128(5))).await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::Replication, "{error:?}");
    assert!(error.help().contains("replicate"), "{}", error.help());
    assert_eq!(
        server.seen()[0].path_and_query,
        "/ado/contoso/Web/_apis/serviceendpoint/endpointproxy?api-version=7.1-preview.1&endpointId=00000000-0000-0000-0000-000000000005"
    );
}

#[tokio::test]
async fn share_sends_project_references_and_accepts_204() {
    let server = ScriptedServer::with([Reply::new(204)]).await;
    let reference = EndpointProjectReference {
        project_reference: ProjectReference { id: Guid::from_u128(2), name: Some("Api".into()) },
        name: "sc".into(),
        description: Some(String::new()),
    };
    devops_for(&server).share_endpoint(Guid::from_u128(5), &[reference]).await.unwrap();
    let seen = &server.seen()[0];
    assert_eq!(seen.method, "PATCH");
    assert_eq!(
        seen.path_and_query,
        "/ado/contoso/_apis/serviceendpoint/endpoints/00000000-0000-0000-0000-000000000005?api-version=7.1"
    );
}

#[tokio::test]
async fn unknown_endpoint_id_with_empty_200_is_none() {
    let server = ScriptedServer::with([Reply::new(200).header("content-type", "application/json")]).await;
    assert_eq!(devops_for(&server).endpoint_by_id("Web", Guid::from_u128(5)).await.unwrap(), None);
}

#[tokio::test]
async fn project_names_with_spaces_are_encoded_as_one_segment() {
    let server = ScriptedServer::with([Reply::json(200, json!({"count": 0, "value": []}))]).await;
    devops_for(&server).pipelines("Web Shop").await.unwrap();
    assert_eq!(server.seen()[0].path_and_query, "/ado/contoso/Web%20Shop/_apis/pipelines?api-version=7.1");
}

#[test]
fn connection_bodies_of_another_cloud_name_only_its_hosts() {
    let cloud = CloudProfile {
        devops: "https://devops.example.test/{org}".into(),
        resource_manager: "https://arm.example.test".into(),
        service_endpoint_url: "https://arm.example.test/".into(),
        ..CloudName::UsGovernment.profile()
    };
    let common = WifConnection {
        name: "sc",
        description: "",
        project_id: Guid::from_u128(1),
        project_name: "Web",
        client_id: Guid::from_u128(2),
        tenant_id: Guid::from_u128(3),
        draft: false,
    };
    let owner = OrgName::parse("contoso").unwrap();
    let target = OrgName::parse("contoso-platform").unwrap();
    let cross = serde_json::to_value(azure_devops_connection(&cloud, &common, &owner, &target)).unwrap();
    assert_eq!(cross["url"], "https://devops.example.test/contoso-platform/");
    assert_eq!(cross["data"]["organizationUrl"], "https://devops.example.test/contoso-platform/");
    let own = serde_json::to_value(azure_devops_connection(&cloud, &common, &owner, &owner)).unwrap();
    assert_eq!(own["url"], "https://devops.example.test/contoso/");
    let subscription = AzureRmTarget::Subscription { id: Guid::from_u128(9), name: "Gov".into() };
    let azure_rm = serde_json::to_value(azurerm_connection(&cloud, &common, &subscription)).unwrap();
    assert_eq!(azure_rm["url"], "https://arm.example.test/");
    assert_eq!(azure_rm["data"]["environment"], "AzureUSGovernment");
    for body in [cross, own, azure_rm] {
        let text = body.to_string();
        for public in ["dev.azure.com", "login.microsoftonline.com", "management.azure.com"] {
            assert!(!text.contains(public), "{public} in {text}");
        }
    }
}
