//! Error parsing for each service's error shape, with request ids and help lines.

use keyless_azure::{ApiRequest, AzureError, ErrorCode, Service};
use serde_json::json;

use crate::support::{Reply, ScriptedServer, fast_http};

async fn fail(service: Service, reply: Reply) -> AzureError {
    let server = ScriptedServer::with([reply]).await;
    fast_http().send(ApiRequest::get(service, server.url("/x?api-version=1"))).await.unwrap_err()
}

#[tokio::test]
async fn graph_error_with_inner_request_id() {
    let error = fail(
        Service::Graph,
        Reply::json(403, json!({"error": {"code": "Authorization_RequestDenied", "message": "Insufficient privileges to complete the operation.", "innerError": {"date": "2026-01-01T00:00:00", "request-id": "graph-rid-1", "client-request-id": "c1"}}})),
    )
    .await;
    assert_eq!(error.code(), ErrorCode::Forbidden);
    let fault = error.service_error().unwrap();
    assert_eq!(fault.code.as_deref(), Some("Authorization_RequestDenied"));
    assert_eq!(fault.request_id.as_deref(), Some("graph-rid-1"));
    assert_eq!(fault.status, 403);
    assert!(error.help().contains("Application Administrator"));
    assert!(error.to_string().contains("Insufficient privileges"));
}

#[tokio::test]
async fn arm_error_with_header_request_id() {
    let error = fail(
        Service::Arm,
        Reply::json(400, json!({"error": {"code": "PrincipalNotFound", "message": "Principal 1234 does not exist in the directory 5678."}}))
            .header("x-ms-request-id", "arm-rid-2"),
    )
    .await;
    assert_eq!(error.code(), ErrorCode::Replication);
    assert!(error.is_replication_delay());
    assert_eq!(error.request_id(), Some("arm-rid-2"));
    assert!(error.has_code("PrincipalNotFound"));
}

#[tokio::test]
async fn arm_role_assignment_exists_is_a_conflict() {
    let error = fail(
        Service::Arm,
        Reply::json(
            409,
            json!({"error": {"code": "RoleAssignmentExists", "message": "The role assignment already exists."}}),
        ),
    )
    .await;
    assert_eq!(error.code(), ErrorCode::Conflict);
    assert!(error.help().contains("already exists"));
}

#[tokio::test]
async fn devops_wrapped_exception_with_activity_id() {
    let error = fail(
        Service::DevOps,
        Reply::json(401, json!({"$id": "1", "innerException": null, "message": "TF401444: Please sign-in at least once as t\\t\\sp in a web browser to enable access to the service.", "typeName": "Microsoft.TeamFoundation.Framework.Server.UnauthorizedRequestException, Microsoft.TeamFoundation.Framework.Server", "typeKey": "UnauthorizedRequestException", "errorCode": 0, "eventId": 3000}))
            .header("activityid", "ado-activity-3")
            .header("x-tfs-session", "ado-session-3"),
    )
    .await;
    assert_eq!(error.code(), ErrorCode::Forbidden);
    let fault = error.service_error().unwrap();
    assert_eq!(fault.code.as_deref(), Some("TF401444"));
    assert_eq!(fault.inner_code.as_deref(), Some("UnauthorizedRequestException"));
    assert_eq!(fault.request_id.as_deref(), Some("ado-activity-3"));
    assert!(error.help().contains("Basic"));
}

#[tokio::test]
async fn devops_session_header_is_the_fallback_request_id() {
    let error = fail(
        Service::DevOps,
        Reply::json(429, json!({"message": "TF400733: The request has been canceled: Request was blocked due to exceeding usage of resource 'x' in namespace 'y'.", "typeKey": "RequestBlockedException"}))
            .header("x-tfs-session", "ado-session-4"),
    )
    .await;
    assert_eq!(error.code(), ErrorCode::Throttled);
    assert_eq!(error.request_id(), Some("ado-session-4"));
}

#[tokio::test]
async fn entra_token_error_with_aadsts_and_trace_id() {
    let error = fail(
        Service::Entra,
        Reply::json(400, json!({"error": "invalid_grant", "error_description": "AADSTS70043: The refresh token has expired due to inactivity.", "error_codes": [70043], "timestamp": "2026-01-01 00:00:00Z", "trace_id": "entra-trace-5", "correlation_id": "corr-5"})),
    )
    .await;
    assert_eq!(error.code(), ErrorCode::SignInRequired);
    let fault = error.service_error().unwrap();
    assert_eq!(fault.code.as_deref(), Some("invalid_grant"));
    assert_eq!(fault.inner_code.as_deref(), Some("AADSTS70043"));
    assert_eq!(fault.request_id.as_deref(), Some("entra-trace-5"));
    assert!(error.help().contains("sign in again"));
    assert!(
        error.to_string().starts_with("Microsoft Entra ID returned HTTP 400 (AADSTS70043, invalid_grant)"),
        "{error}"
    );
}

#[tokio::test]
async fn error_without_body_still_says_what_happened() {
    let error = fail(Service::Graph, Reply::new(404)).await;
    assert_eq!(error.code(), ErrorCode::NotFound);
    assert!(error.to_string().contains("Not Found"), "{error}");
}
