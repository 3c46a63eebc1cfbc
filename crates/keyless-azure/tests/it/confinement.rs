//! The transport's two defences against a hostile file or endpoint: no request leaves the
//! selected cloud profile's hosts, and no answer is read past the response cap.

use std::time::Duration;

use keyless_azure::cloud_hosts::CloudOrigins;
use keyless_azure::{ApiRequest, AzureError, AzureHttp, ErrorCode, HttpConfig, Service};
use keyless_core::CloudProfile;
use keyless_core::cloud::CloudName;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use url::Url;

use crate::support::{Reply, ScriptedServer, fast_http};

fn url(text: &str) -> Url {
    Url::parse(text).unwrap()
}

#[tokio::test]
async fn a_confined_transport_refuses_a_host_the_profile_does_not_name_and_sends_nothing() {
    let cloud_server = ScriptedServer::with([Reply::json(200, serde_json::json!({"ok": true}))]).await;
    let elsewhere = ScriptedServer::with([Reply::json(200, serde_json::json!({"stolen": true}))]).await;
    let http = fast_http().confined_to(&CloudProfile::for_emulator(&cloud_server.base));

    let allowed = http.send(ApiRequest::get(Service::Graph, cloud_server.url("/graph/v1.0/me"))).await;
    assert!(allowed.is_ok(), "{allowed:?}");
    // Another port on the same machine is another origin.
    let error = http.send(ApiRequest::get(Service::Graph, elsewhere.url("/graph/v1.0/me"))).await.unwrap_err();

    assert!(matches!(error, AzureError::HostOutsideCloud { .. }), "{error:?}");
    assert_eq!(error.code(), ErrorCode::InvalidInput);
    assert!(error.to_string().contains("not a host of the Demo cloud"), "{error}");
    assert!(error.help().contains("nothing was sent"), "{}", error.help());
    assert!(elsewhere.seen().is_empty(), "the request reached a host outside the profile");
}

#[test]
fn the_public_cloud_allows_its_service_hosts_only() {
    let origins = CloudOrigins::of(&CloudName::Public.profile());
    for allowed in [
        "https://login.microsoftonline.com/common/oauth2/v2.0/token",
        "https://graph.microsoft.com/v1.0/me",
        "https://management.azure.com/subscriptions",
        "https://dev.azure.com/contoso/_apis/projects",
        "https://vssps.dev.azure.com/contoso/_apis/graph/users",
        "https://vsaex.dev.azure.com/contoso/_apis/serviceprincipalentitlements",
        "https://app.vssps.visualstudio.com/_apis/accounts",
        "https://GRAPH.microsoft.com:443/v1.0/me",
    ] {
        assert!(origins.allows(&url(allowed)), "{allowed} should be allowed");
    }
    for refused in [
        "http://graph.microsoft.com/v1.0/me",
        "https://graph.microsoft.com:8443/v1.0/me",
        "https://graph.microsoft.com.evil.com/v1.0/me",
        "https://evil.com/dev.azure.com/contoso",
        "https://evil.dev.azure.com/contoso",
        "https://sts.windows.net/tenant/",
        "https://management.azure.com@evil.com/",
    ] {
        assert!(!origins.allows(&url(refused)), "{refused} should be refused");
    }
}

#[test]
fn an_organization_in_a_host_template_matches_exactly_one_label() {
    let profile = CloudProfile {
        devops: "https://{org}.visualstudio.com".into(),
        devops_vssps: "https://{org}.vssps.visualstudio.com".into(),
        ..CloudName::Public.profile()
    };
    let origins = CloudOrigins::of(&profile);
    assert!(origins.allows(&url("https://contoso.visualstudio.com/_apis/projects")));
    assert!(origins.allows(&url("https://contoso.vssps.visualstudio.com/_apis/graph")));
    for refused in [
        "https://evil.com.visualstudio.com/",
        "https://visualstudio.com/",
        "https://contoso.visualstudio.com.evil.com/",
        "https://evil.com/",
    ] {
        assert!(!origins.allows(&url(refused)), "{refused} should be refused");
    }
    assert!(origins.describe().contains(&"https://*.visualstudio.com".to_string()), "{:?}", origins.describe());
}

fn capped_http(limit: usize) -> AzureHttp {
    AzureHttp::new(HttpConfig { max_response_bytes: limit, ..HttpConfig::fast_for_tests() }).unwrap()
}

#[tokio::test]
async fn an_answer_declared_larger_than_the_cap_is_refused_with_a_clear_error() {
    let huge = format!("{{\"value\":\"{}\"}}", "x".repeat(8192));
    let server = ScriptedServer::with([Reply::new(200).header("content-type", "application/json").body(huge)]).await;
    let error = capped_http(1024).send(ApiRequest::get(Service::Graph, server.url("/huge"))).await.unwrap_err();
    assert!(matches!(error, AzureError::Malformed { .. }), "{error:?}");
    assert!(error.to_string().contains("larger than 1024 bytes"), "{error}");
    assert_eq!(server.seen().len(), 1, "a refused answer is not asked for again");
}

#[tokio::test]
async fn an_endless_streamed_answer_is_cut_at_the_cap() {
    // No Content-Length: chunks keep coming until the client hangs up.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = [0u8; 4096];
        let _ = socket.read(&mut request).await;
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
        if socket.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        let chunk = format!("{:x}\r\n{}\r\n", 512, "y".repeat(512));
        while socket.write_all(chunk.as_bytes()).await.is_ok() {
            tokio::task::yield_now().await;
        }
    });
    let request = ApiRequest::get(Service::Arm, url(&format!("http://{address}/stream")));
    let outcome = tokio::time::timeout(Duration::from_secs(30), capped_http(4096).send(request)).await;
    let error = outcome.expect("reading stopped at the cap").unwrap_err();
    assert!(error.to_string().contains("larger than 4096 bytes"), "{error}");
}
