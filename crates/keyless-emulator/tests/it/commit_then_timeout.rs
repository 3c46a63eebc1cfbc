//! "Commit, then 504": the write reaches the service and takes effect, the client gets a 504.
//! Aimed at one exact request, or by a seeded rate.

use keyless_emulator::{FaultConfig, FaultKind, FaultService, TargetedFault, minimal_ids};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::*;

fn apps_named(em: &keyless_emulator::RunningEmulator, name: &str) -> usize {
    em.state_snapshot()["applications"].as_array().unwrap().iter().filter(|a| a["displayName"] == name).count()
}

#[tokio::test]
async fn an_app_registration_created_under_a_gateway_timeout_exists_exactly_once() {
    let em = start(fast_config()).await;
    let tokens = sign_in(&em).await;
    em.set_faults(FaultConfig {
        targeted: vec![TargetedFault::first("POST", "/graph/v1.0/applications", FaultKind::CommitThenGatewayTimeout)],
        ..FaultConfig::default()
    });
    let body = json!({"displayName": "kl-lost-answer"});
    let (status, answer) = send(&em, Method::POST, "/graph/v1.0/applications", &tokens.graph, &body).await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(answer, Value::Null, "the front door sends no body");
    assert_eq!(apps_named(&em, "kl-lost-answer"), 1, "the app was created although the answer was lost");
    // Only the first matching request is hit: a retry that does not look first duplicates it.
    let (status, _) = send(&em, Method::POST, "/graph/v1.0/applications", &tokens.graph, &body).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(apps_named(&em, "kl-lost-answer"), 2);
    let injected = em.state_snapshot()["faults"]["injected"].clone();
    assert_eq!(injected.as_array().unwrap().len(), 1, "{injected}");
    assert_eq!(injected[0]["kind"], "commitThenGatewayTimeout");
    let served: Vec<(String, u16)> = em
        .requests()
        .into_iter()
        .filter(|r| r.path == "/graph/v1.0/applications")
        .map(|r| (r.method, r.status))
        .collect();
    assert_eq!(served, vec![("POST".to_string(), 504), ("POST".to_string(), 201)]);
}

#[tokio::test]
async fn the_nth_matching_request_is_the_one_that_times_out_and_arm_says_gateway_timeout() {
    let em = start(fast_config()).await;
    let tokens = sign_in(&em).await;
    // Set over HTTP, as a demo or another process would.
    let config = json!({"targeted": [{"method": "put", "pathContains": "/ROLEASSIGNMENTS/", "nth": 2, "kind": "commitThenGatewayTimeout"}]});
    let r = client().put(format!("{}/_emulator/faults", em.base_url())).json(&config).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let scope = format!("/subscriptions/{}", minimal_ids::SUBSCRIPTION);
    let assign = |name: &'static str, role: &'static str| {
        let path =
            format!("/arm{scope}/providers/Microsoft.Authorization/roleAssignments/{name}?api-version=2022-04-01");
        let body = json!({"properties": {
            "roleDefinitionId": format!("{scope}/providers/Microsoft.Authorization/roleDefinitions/{role}"),
            "principalId": "cccccccc-0000-4ccc-8ccc-000000000002",
            "principalType": "ServicePrincipal",
        }});
        (path, body)
    };
    let (first_path, first_body) =
        assign("0b6c3e2a-0000-4000-8000-0000000000a1", "acdd72a7-3385-48ef-bd42-f606fba81ae7");
    assert_eq!(send(&em, Method::PUT, &first_path, &tokens.arm, &first_body).await.0, StatusCode::CREATED);
    let (second_path, second_body) =
        assign("0b6c3e2a-0000-4000-8000-0000000000a2", "b24988ac-6180-42a0-ab88-20f7382dd24c");
    let (status, answer) = send(&em, Method::PUT, &second_path, &tokens.arm, &second_body).await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(answer["error"]["code"], "GatewayTimeout");
    let (status, stored) = get(&em, &second_path, &tokens.arm).await;
    assert_eq!(status, StatusCode::OK, "the assignment exists: {stored}");
    let refused = client()
        .put(format!("{}/_emulator/faults", em.base_url()))
        .json(&json!({"targeted": [{"method": "POST", "nth": 0, "kind": "commitThenGatewayTimeout"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "nth counts from 1");
}

#[tokio::test]
async fn by_rate_only_writes_time_out_and_the_same_seed_repeats() {
    let em = start(fast_config()).await;
    let tokens = sign_in(&em).await;
    let faults = FaultConfig {
        commit_then_timeout_rate: 0.5,
        seed: 11,
        services: vec![FaultService::Graph],
        ..FaultConfig::default()
    };
    let run = |round: u32| {
        let em = &em;
        let token = tokens.graph.clone();
        async move {
            let mut statuses = Vec::new();
            for i in 0..12 {
                let body = json!({"displayName": format!("kl-rate-{round}-{i}")});
                statuses.push(send(em, Method::POST, "/graph/v1.0/applications", &token, &body).await.0.as_u16());
                statuses.push(get(em, "/graph/v1.0/me", &token).await.0.as_u16());
            }
            statuses
        }
    };
    em.set_faults(faults.clone());
    let first = run(1).await;
    em.set_faults(faults);
    let second = run(2).await;
    assert_eq!(first, second);
    assert!(first.iter().step_by(2).any(|s| *s == 504) && first.iter().step_by(2).any(|s| *s == 201), "{first:?}");
    assert!(first.iter().skip(1).step_by(2).all(|s| *s == 200), "reads never time out: {first:?}");
    let created = em.state_snapshot()["applications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["displayName"].as_str().unwrap_or_default().starts_with("kl-rate-1-"))
        .count();
    assert_eq!(created, 12, "every write took effect, answered or not");
}
