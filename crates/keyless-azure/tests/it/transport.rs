//! Transport behaviour against a scripted loopback server: retries, Retry-After, slow-down,
//! budgets, connection failures, sign-in pages and malformed bodies.

use std::time::{Duration, Instant};

use keyless_azure::{
    ApiRequest, AzureError, AzureHttp, ErrorCode, HttpConfig, RetryPolicy, Service, transport::ScopeLimits,
};
use serde_json::{Value, json};

use crate::support::{Reply, ScriptedServer, closed_port, fast_http};

async fn get_json(http: &AzureHttp, server: &ScriptedServer, service: Service) -> Result<Value, AzureError> {
    http.send_json(ApiRequest::get(service, server.url("/thing?api-version=1"))).await
}

#[tokio::test]
async fn retries_429_honouring_retry_after_seconds() {
    let server = ScriptedServer::with([
        Reply::json(429, json!({"error":{"code":"TooManyRequests","message":"slow down"}}))
            .header("retry-after", "0.15"),
        Reply::json(200, json!({"ok": true})),
    ])
    .await;
    let started = Instant::now();
    let value = get_json(&fast_http(), &server, Service::Graph).await.unwrap();
    assert_eq!(value, json!({"ok": true}));
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert!(seen[1].at - seen[0].at >= Duration::from_millis(150), "Retry-After was not honoured");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn retries_429_honouring_retry_after_http_date() {
    // An HTTP date in the past means "retry now"; the request must still succeed.
    let server = ScriptedServer::with([
        Reply::new(429).header("retry-after", "Sun, 06 Nov 1994 08:49:37 GMT"),
        Reply::json(200, json!({"ok": 1})),
    ])
    .await;
    assert_eq!(get_json(&fast_http(), &server, Service::Arm).await.unwrap(), json!({"ok": 1}));
    assert_eq!(server.seen().len(), 2);
}

#[tokio::test]
async fn retries_503_and_504_then_succeeds() {
    let server = ScriptedServer::with([Reply::new(503), Reply::new(504), Reply::json(200, json!({"value": []}))]).await;
    assert_eq!(get_json(&fast_http(), &server, Service::Arm).await.unwrap(), json!({"value": []}));
    assert_eq!(server.seen().len(), 3);
}

#[tokio::test]
async fn gives_up_when_attempts_run_out() {
    let server =
        ScriptedServer::with([Reply::json(503, json!({"error":{"code":"ServiceUnavailable","message":"busy"}}))
            .header("x-ms-request-id", "rid-503")])
        .await;
    let error = get_json(&fast_http(), &server, Service::Arm).await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::Throttled);
    assert_eq!(server.seen().len(), RetryPolicy::fast_for_tests().max_attempts as usize);
    assert!(matches!(error, AzureError::RetriesExhausted { attempts: 4, last_status: Some(503), .. }), "{error:?}");
    assert_eq!(error.request_id(), Some("rid-503"));
    assert!(error.to_string().contains("HTTP 503"), "{error}");
}

#[tokio::test]
async fn gives_up_when_retry_after_exceeds_the_budget() {
    let server = ScriptedServer::with([Reply::new(429).header("retry-after", "120")]).await;
    let error = get_json(&fast_http(), &server, Service::Graph).await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::Throttled);
    assert_eq!(server.seen().len(), 1, "must not knock again before the service asked");
}

#[tokio::test]
async fn does_not_retry_other_errors() {
    let server = ScriptedServer::with([Reply::json(400, json!({"error":{"code":"BadRequest","message":"no"}}))]).await;
    let error = get_json(&fast_http(), &server, Service::Graph).await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::Validation);
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn connection_refused_is_retried_then_reported_as_network() {
    let http = fast_http();
    let url = url::Url::parse(&format!("http://127.0.0.1:{}/arm/tenants", closed_port())).unwrap();
    let error = http.send(ApiRequest::get(Service::Arm, url)).await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::Network);
    let text = error.to_string();
    assert!(text.contains("127.0.0.1") && text.contains("after 4 attempts"), "{text}");
    assert!(text.to_ascii_lowercase().contains("refused"), "the cause must be named: {text}");
    assert!(error.help().contains("network"), "{}", error.help());
}

#[tokio::test]
async fn malformed_json_names_url_and_status() {
    let server =
        ScriptedServer::with([Reply::new(200).header("content-type", "application/json").body("{not json")]).await;
    let error = get_json(&fast_http(), &server, Service::Graph).await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::Malformed);
    let text = error.to_string();
    assert!(text.contains("/thing?api-version=1") && text.contains("HTTP 200"), "{text}");
}

#[tokio::test]
async fn html_sign_in_page_is_an_auth_error_not_data() {
    let page = "<html><body>Sign in to your account</body></html>";
    for reply in [
        Reply::new(203).header("content-type", "text/html; charset=utf-8").body(page),
        Reply::new(200).header("content-type", "text/html").body(page),
        Reply::new(302).header("location", "https://spsprodweu5.vssps.visualstudio.com/_signin?realm=dev.azure.com"),
    ] {
        let server = ScriptedServer::with([reply]).await;
        let error = get_json(&fast_http(), &server, Service::DevOps).await.unwrap_err();
        assert_eq!(error.code(), ErrorCode::SignInPage, "{error:?}");
        assert!(error.help().contains("sign in again"));
    }
}

#[tokio::test]
async fn devops_requests_suppress_fed_auth_redirects() {
    let server = ScriptedServer::with([Reply::json(200, json!({}))]).await;
    get_json(&fast_http(), &server, Service::DevOps).await.unwrap();
    assert_eq!(server.seen()[0].headers.get("x-tfs-fedauthredirect").unwrap(), "Suppress");
}

#[tokio::test]
async fn devops_200_with_retry_after_delays_the_next_request() {
    let server = ScriptedServer::with([
        Reply::json(200, json!({"n": 1})).header("retry-after", "0.15"),
        Reply::json(200, json!({"n": 2})),
    ])
    .await;
    let http = fast_http();
    let first = get_json(&http, &server, Service::DevOps).await.unwrap();
    assert_eq!(first, json!({"n": 1}), "the warning response itself is data, not retried");
    get_json(&http, &server, Service::DevOps).await.unwrap();
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert!(seen[1].at - seen[0].at >= Duration::from_millis(150), "next request was not delayed");
}

#[tokio::test]
async fn per_scope_concurrency_is_limited() {
    let server = ScriptedServer::with([Reply::json(200, json!({})).delayed(Duration::from_millis(50))]).await;
    let limits = ScopeLimits { graph_tenant: 2, ..ScopeLimits::uniform(8) };
    let http = AzureHttp::new(HttpConfig { max_concurrent_per_scope: limits, ..HttpConfig::fast_for_tests() }).unwrap();
    let requests = (0..5).map(|_| get_json(&http, &server, Service::Graph));
    let results = futures::future::join_all(requests).await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(server.seen().len(), 5);
    assert_eq!(server.max_in_flight(), 2);
}

/// A 429 with Retry-After from one Azure DevOps organization delays that organization's next
/// requests, and only those: another organization has its own budget (contract §8).
#[tokio::test]
async fn a_429_slows_down_its_organization_and_not_another() {
    let server = ScriptedServer::with([
        Reply::json(429, json!({"message": "TF400733"})).header("retry-after", "0.2"),
        Reply::json(200, json!({"n": 1})),
    ])
    .await;
    let http = fast_http();
    let get =
        |org: &str| http.send_json::<Value>(ApiRequest::get(Service::DevOps, server.url(&format!("/{org}/_apis/x"))));
    let (throttled, other) = futures::join!(get("contoso"), async {
        // Sent while contoso waits out its Retry-After.
        tokio::time::sleep(Duration::from_millis(30)).await;
        get("fabrikam").await
    });
    throttled.unwrap();
    other.unwrap();
    let seen = server.seen();
    let paths: Vec<&str> = seen.iter().map(|s| s.path_and_query.split("/_apis").next().unwrap_or_default()).collect();
    assert_eq!(paths, ["/contoso", "/fabrikam", "/contoso"], "fabrikam went first, contoso retried after");
    assert!(seen[2].at - seen[0].at >= Duration::from_millis(200), "contoso's retry honoured Retry-After");
    assert!(seen[1].at - seen[0].at < Duration::from_millis(200), "fabrikam did not wait for contoso's slow-down");
}
