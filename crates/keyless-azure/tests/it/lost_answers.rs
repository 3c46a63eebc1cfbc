//! Writes whose answer is lost are never sent twice; reads, PUTs and throttled writes still
//! retry; a Retry-After from the network never makes Keyless sleep longer than its policy.

use std::sync::Arc;
use std::time::Duration;

use keyless_azure::auth::{Resource, StaticTokenSource};
use keyless_azure::devops::{EndpointAuthorization, ServiceEndpoint};
use keyless_azure::{AccessToken, ApiRequest, AzureClient, AzureError, AzureHttp, ErrorCode, HttpConfig, Service};
use keyless_core::names::OrgName;
use keyless_core::{CloudProfile, Guid};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{Reply, ScriptedServer, closed_port, fast_http};

fn write(method: Method, url: url::Url) -> ApiRequest {
    ApiRequest::new(Service::Graph, method, url).json(&json!({"displayName": "keyless-ci"}))
}

async fn send_write(http: &AzureHttp, server: &ScriptedServer, method: Method) -> Result<Value, AzureError> {
    http.send_json(write(method, server.url("/v1.0/applications"))).await
}

#[tokio::test]
async fn a_post_answered_504_is_sent_once_and_its_outcome_is_unknown() {
    let server = ScriptedServer::with([
        Reply::json(
            504,
            json!({"error": {"code": "GatewayTimeout", "message": "The gateway did not receive a response"}}),
        )
        .header("request-id", "graph-rid-504"),
        Reply::json(201, json!({"id": "second-app"})),
    ])
    .await;
    let error = send_write(&fast_http(), &server, Method::POST).await.unwrap_err();
    assert_eq!(server.seen().len(), 1, "a create whose answer was lost must not be sent again");
    assert_eq!(error.code(), ErrorCode::OutcomeUnknown);
    assert!(error.is_outcome_unknown());
    assert_eq!(error.status(), Some(504));
    assert_eq!(error.request_id(), Some("graph-rid-504"));
    let text = error.to_string();
    assert!(text.contains("may or may not have made the change") && text.contains("HTTP 504"), "{text}");
    assert!(error.help().contains("looks at what exists again before retrying"), "{}", error.help());
}

#[tokio::test]
async fn a_patch_answered_502_or_503_is_sent_once() {
    for status in [502, 503] {
        let server = ScriptedServer::with([Reply::new(status), Reply::new(204)]).await;
        let error = fast_http().send(write(Method::PATCH, server.url("/v1.0/applications/1"))).await.unwrap_err();
        assert_eq!(server.seen().len(), 1, "HTTP {status}");
        assert_eq!(error.code(), ErrorCode::OutcomeUnknown, "HTTP {status}");
    }
}

#[tokio::test]
async fn a_put_answered_503_then_200_is_retried() {
    let server = ScriptedServer::with([Reply::new(503), Reply::json(200, json!({"name": "ra"}))]).await;
    let value = send_write(&fast_http(), &server, Method::PUT).await.unwrap();
    assert_eq!(value, json!({"name": "ra"}));
    assert_eq!(server.seen().len(), 2);
}

#[tokio::test]
async fn a_post_answered_429_with_retry_after_then_201_is_retried() {
    let server = ScriptedServer::with([
        Reply::json(429, json!({"error": {"code": "TooManyRequests", "message": "slow down"}}))
            .header("retry-after", "0.05"),
        Reply::json(201, json!({"id": "app-1"})),
    ])
    .await;
    let value = send_write(&fast_http(), &server, Method::POST).await.unwrap();
    assert_eq!(value, json!({"id": "app-1"}), "a throttled write was never made, so it is sent again");
    assert_eq!(server.seen().len(), 2);
}

#[tokio::test]
async fn a_post_whose_connection_is_refused_is_retried() {
    let url = url::Url::parse(&format!("http://127.0.0.1:{}/v1.0/applications", closed_port())).unwrap();
    let error = fast_http().send(write(Method::POST, url)).await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::Network, "a refused connection never reached the service");
    assert!(error.to_string().contains("after 4 attempts"), "{error}");
}

#[tokio::test]
async fn a_post_that_times_out_is_not_sent_again() {
    let server = ScriptedServer::with([Reply::json(201, json!({"id": "late"})).delayed(Duration::from_secs(3))]).await;
    let http =
        AzureHttp::new(HttpConfig { request_timeout: Duration::from_millis(100), ..HttpConfig::fast_for_tests() })
            .unwrap();
    let error = send_write(&http, &server, Method::POST).await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::OutcomeUnknown);
    assert!(error.to_string().contains("timed out"), "{error}");
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn a_post_marked_repeatable_is_retried_like_a_read() {
    let server = ScriptedServer::with([Reply::new(503), Reply::json(200, json!({"access_token": "t"}))]).await;
    let request = ApiRequest::new(Service::Entra, Method::POST, server.url("/tenant/oauth2/v2.0/token"))
        .form(&[("grant_type", "refresh_token")])
        .repeatable();
    let value: Value = fast_http().send_json(request).await.unwrap();
    assert_eq!(value, json!({"access_token": "t"}));
    assert_eq!(server.seen().len(), 2);
}

#[tokio::test]
async fn a_connection_test_answered_503_is_asked_again() {
    let server =
        ScriptedServer::with([Reply::new(503), Reply::json(200, json!({"statusCode": "ok", "result": []}))]).await;
    let token = AccessToken::expiring_in("opaque-devops-token", Duration::from_secs(600));
    let tokens = StaticTokenSource::new().with(Resource::DevOps, token);
    let azure = AzureClient::new(fast_http(), CloudProfile::for_emulator(&server.base), Arc::new(tokens));
    let devops = azure.devops_in_tenant(&OrgName::parse("contoso").unwrap(), None);
    let endpoint = ServiceEndpoint {
        id: Some(Guid::from_u128(5)),
        name: "sc".into(),
        kind: "azurerm".into(),
        authorization: EndpointAuthorization { scheme: "WorkloadIdentityFederation".into(), ..Default::default() },
        ..ServiceEndpoint::default()
    };
    devops.verify_endpoint("Web", &endpoint).await.unwrap();
    assert_eq!(server.seen().len(), 2, "a connection test changes nothing, so it is repeated like a read");
}

#[tokio::test]
async fn a_get_answered_502_keeps_failing_as_a_server_error() {
    let server = ScriptedServer::with([Reply::new(502), Reply::json(200, json!({}))]).await;
    let error = fast_http().send(ApiRequest::get(Service::Arm, server.url("/subscriptions"))).await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::ServerError);
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn a_huge_retry_after_on_a_429_gives_up_instead_of_sleeping() {
    let server = ScriptedServer::with([Reply::new(429).header("retry-after", "99999999999999999999")]).await;
    let error = fast_http().send(ApiRequest::get(Service::Graph, server.url("/v1.0/me"))).await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::Throttled);
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn a_huge_retry_after_on_a_devops_success_delays_the_next_request_only_up_to_the_policy() {
    let server = ScriptedServer::with([
        Reply::json(200, json!({"n": 1})).header("retry-after", "99999999999999999999"),
        Reply::json(200, json!({"n": 2})),
    ])
    .await;
    let http = fast_http();
    let url = server.url("/org/_apis/projects");
    let first: Value = http.send_json(ApiRequest::get(Service::DevOps, url.clone())).await.unwrap();
    assert_eq!(first, json!({"n": 1}));
    let second: Value = http.send_json(ApiRequest::get(Service::DevOps, url)).await.unwrap();
    assert_eq!(second, json!({"n": 2}), "the slow-down must end within the policy's longest delay");
}
