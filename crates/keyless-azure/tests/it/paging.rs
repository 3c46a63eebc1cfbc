//! Paging helpers: Graph `@odata.nextLink`, ARM `nextLink`, Azure DevOps continuation tokens.

use keyless_azure::paging::{NextLink, collect_continuation_pages, collect_linked_pages};
use keyless_azure::{ApiRequest, ErrorCode, Service};
use serde_json::json;

use crate::support::{Reply, ScriptedServer, fast_http};

#[tokio::test]
async fn devops_keeps_paging_across_an_empty_page_with_a_token() {
    let server = ScriptedServer::with([
        Reply::json(200, json!({"count": 2, "value": [1, 2]})).header("x-ms-continuationtoken", "tok-a"),
        Reply::json(200, json!({"count": 0, "value": []})).header("x-ms-continuationtoken", "tok-b"),
        Reply::json(200, json!({"count": 1, "value": [3]})),
    ])
    .await;
    let request = ApiRequest::get(Service::DevOps, server.url("/ado/org/_apis/projects?api-version=7.1"));
    let items: Vec<u32> = collect_continuation_pages(&fast_http(), request).await.unwrap();
    assert_eq!(items, [1, 2, 3]);
    let paths: Vec<String> = server.seen().into_iter().map(|s| s.path_and_query).collect();
    assert_eq!(
        paths,
        [
            "/ado/org/_apis/projects?api-version=7.1",
            "/ado/org/_apis/projects?api-version=7.1&continuationToken=tok-a",
            "/ado/org/_apis/projects?api-version=7.1&continuationToken=tok-b",
        ]
    );
}

#[tokio::test]
async fn devops_paging_loop_is_stopped() {
    let server =
        ScriptedServer::with([Reply::json(200, json!({"value": []})).header("x-ms-continuationtoken", "same")]).await;
    let request = ApiRequest::get(Service::DevOps, server.url("/ado/org/_apis/x"));
    let error = collect_continuation_pages::<u32>(&fast_http(), request).await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::Malformed);
    assert!(error.to_string().contains("paging loop"), "{error}");
    assert_eq!(server.seen().len(), 2);
}

#[tokio::test]
async fn graph_follows_odata_next_link() {
    let server = ScriptedServer::start().await;
    let next = format!("{}/graph/v1.0/applications?$skiptoken=abc", server.base);
    server.push(Reply::json(200, json!({"value": [{"id": "a"}], "@odata.nextLink": next})));
    server.push(Reply::json(200, json!({"value": [{"id": "b"}]})));
    let request = ApiRequest::get(Service::Graph, server.url("/graph/v1.0/applications"));
    let items: Vec<serde_json::Value> = collect_linked_pages(&fast_http(), request, NextLink::OData).await.unwrap();
    assert_eq!(items, [json!({"id": "a"}), json!({"id": "b"})]);
    assert_eq!(server.seen()[1].path_and_query, "/graph/v1.0/applications?$skiptoken=abc");
}

#[tokio::test]
async fn arm_follows_next_link_and_stops_on_null() {
    let server = ScriptedServer::start().await;
    let next = format!("{}/arm/subscriptions?api-version=2022-12-01&%24skiptoken=2", server.base);
    server.push(Reply::json(200, json!({"value": [{"subscriptionId": "1"}], "nextLink": next})));
    server.push(Reply::json(200, json!({"value": [{"subscriptionId": "2"}], "nextLink": null})));
    let request = ApiRequest::get(Service::Arm, server.url("/arm/subscriptions?api-version=2022-12-01"));
    let items: Vec<serde_json::Value> = collect_linked_pages(&fast_http(), request, NextLink::Arm).await.unwrap();
    assert_eq!(items.len(), 2);
}

#[tokio::test]
async fn next_link_to_another_host_is_refused() {
    let server = ScriptedServer::with([Reply::json(
        200,
        json!({"value": [], "@odata.nextLink": "http://127.0.0.2:9/steal?code=abc"}),
    )])
    .await;
    let request = ApiRequest::get(Service::Graph, server.url("/graph/v1.0/applications"));
    let error = collect_linked_pages::<u32>(&fast_http(), request, NextLink::OData).await.unwrap_err();
    let text = error.to_string();
    assert!(text.contains("another host"), "{text}");
    assert!(!text.contains("code=abc"), "next link must be redacted: {text}");
    assert_eq!(server.seen().len(), 1);
}
