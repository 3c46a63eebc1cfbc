//! The emulator's own surface: cloud profile, state dump, reset, fault injection, scenarios.

use keyless_emulator::{EmulatorConfig, FaultConfig, FaultService, Scenario, ScenarioError, demo_ids};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::*;

#[tokio::test]
async fn serves_its_cloud_profile() {
    let em = start(fast_config()).await;
    let profile: keyless_core::CloudProfile = client()
        .get(format!("{}/.well-known/keyless-cloud.json", em.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(profile, em.cloud_profile());
    assert_eq!(profile, keyless_core::CloudProfile::for_emulator(&em.base_url()));
    assert!(em.base_url().starts_with("http://127.0.0.1:"));
}

#[tokio::test]
async fn state_dump_shows_changes_and_reset_undoes_them() {
    let em = start(fast_config()).await;
    let tokens = sign_in(&em).await;
    let (status, _) =
        send(&em, Method::POST, "/graph/v1.0/applications", &tokens.graph, &json!({"displayName": "dumped-app"})).await;
    assert_eq!(status, StatusCode::CREATED);
    let dump: Value =
        client().get(format!("{}/_emulator/state", em.base_url())).send().await.unwrap().json().await.unwrap();
    assert!(dump["applications"].as_array().unwrap().iter().any(|a| a["displayName"] == "dumped-app"));
    assert_eq!(dump["scenario"], "minimal");
    assert!(dump["auth"]["accessTokens"].as_u64().unwrap() >= 3);
    assert!(!dump.to_string().contains(&tokens.graph), "tokens never appear in the dump");
    assert_eq!(em.state_snapshot()["applications"], dump["applications"]);
    let r = client().post(format!("{}/_emulator/reset", em.base_url())).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let after = em.state_snapshot();
    assert!(!after["applications"].as_array().unwrap().iter().any(|a| a["displayName"] == "dumped-app"));
}

async fn statuses(em: &keyless_emulator::RunningEmulator, token: &str) -> Vec<(u16, Option<String>)> {
    let mut out = Vec::new();
    for _ in 0..30 {
        let r = client()
            .get(format!("{}/ado/contoso/_apis/projects?api-version=7.1", em.base_url()))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        out.push((r.status().as_u16(), r.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string())));
    }
    out
}

#[tokio::test]
async fn seeded_faults_repeat_exactly() {
    let em = start(fast_config()).await;
    let tokens = sign_in(&em).await;
    let faults =
        FaultConfig { fault_rate: 0.5, seed: 42, services: vec![FaultService::DevOps], ..FaultConfig::default() };
    em.set_faults(faults.clone());
    let first = statuses(&em, &tokens.devops).await;
    em.set_faults(faults);
    let second = statuses(&em, &tokens.devops).await;
    assert_eq!(first, second);
    assert!(first.iter().any(|(s, _)| *s == 429), "{first:?}");
    assert!(first.iter().any(|(s, _)| *s == 503));
    assert!(first.iter().any(|(s, r)| *s == 200 && r.is_some()), "a 200 with Retry-After (slow down)");
    assert!(first.iter().filter(|(s, _)| *s != 200).all(|(_, r)| r.as_deref() == Some("1")));
    // Graph is not in the fault set; control routes never fault.
    assert_eq!(get(&em, "/graph/v1.0/me", &tokens.graph).await.0, StatusCode::OK);
    em.set_faults(FaultConfig { fault_rate: 1.0, seed: 1, ..FaultConfig::default() });
    assert_eq!(
        client().get(format!("{}/_emulator/state", em.base_url())).send().await.unwrap().status(),
        StatusCode::OK
    );
    assert!(!get(&em, "/graph/v1.0/me", &tokens.graph).await.0.is_success());
    // Faults can be set over HTTP too.
    let r = client()
        .put(format!("{}/_emulator/faults", em.base_url()))
        .json(&json!({"faultRate": 0.0, "seed": 3}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(get(&em, "/graph/v1.0/me", &tokens.graph).await.0, StatusCode::OK);
}

#[test]
fn scenario_errors_are_clear() {
    let unknown_field =
        Scenario::from_toml_str("name = \"x\"\ncolour = \"red\"\n[sign_in]\ndefault_user = \"a@b.c\"\n", "test.toml");
    let message = unknown_field.unwrap_err().to_string();
    assert!(message.contains("colour"), "{message}");
    let dangling = "name = \"x\"\n[sign_in]\ndefault_user = \"nobody@contoso.com\"\n";
    let err = Scenario::from_toml_str(dangling, "dangling.toml").unwrap_err();
    assert!(matches!(err, ScenarioError::Invalid { .. }));
    assert!(err.to_string().contains("nobody@contoso.com"), "{err}");
    let mut broken = Scenario::minimal();
    broken.projects[0].organization = "contosoo".into();
    let err = broken.validate().unwrap_err().to_string();
    assert!(err.contains("unknown organization 'contosoo'"), "{err}");
    assert!(matches!(Scenario::from_file("/definitely/not/here.toml"), Err(ScenarioError::Read { .. })));
    assert!(matches!(Scenario::from_file("scenario.yaml"), Err(ScenarioError::UnknownFormat { .. })));
    let json = serde_json::to_string(&Scenario::minimal()).unwrap();
    assert_eq!(Scenario::from_json_str(&json, "minimal.json").unwrap(), Scenario::minimal());
}

#[tokio::test]
async fn an_invalid_scenario_does_not_start() {
    let mut scenario = Scenario::minimal();
    scenario.sign_in.default_user = "ghost@contoso.com".into();
    let err = keyless_emulator::start(EmulatorConfig { scenario, ..fast_config() }).await.unwrap_err();
    assert!(err.to_string().contains("ghost@contoso.com"));
}

#[tokio::test]
async fn the_demo_world_has_healthy_and_broken_connections() {
    let em = start(EmulatorConfig { scenario: Scenario::demo(), ..fast_config() }).await;
    let tokens = sign_in_as(&em, "organizations", Some(demo_ids::USER_UPN)).await;
    let (_, accounts) = get(
        &em,
        &format!(
            "/app-vssps/_apis/accounts?memberId={}&api-version=7.1",
            get(&em, "/app-vssps/_apis/profile/profiles/me?api-version=7.1", &tokens.devops).await.1["id"]
                .as_str()
                .unwrap()
        ),
        &tokens.devops,
    )
    .await;
    let orgs: Vec<&str> =
        accounts["value"].as_array().unwrap().iter().map(|a| a["accountName"].as_str().unwrap()).collect();
    assert_eq!(orgs, vec!["contoso", "contoso-platform", "contoso-legacy"], "fabrikam-shared is in another tenant");
    let expectations = [
        ("contoso", "Shop", "0b1c2d3e-4f5a-4b6c-8d7e-000000000001", "ok"),
        ("contoso", "Shop", "0b1c2d3e-4f5a-4b6c-8d7e-000000000005", "AADSTS7002138"),
        ("contoso", "Payments", "0b1c2d3e-4f5a-4b6c-8d7e-000000000013", "AADSTS70052"),
        ("contoso", "Payments", "0b1c2d3e-4f5a-4b6c-8d7e-000000000012", "AADSTS7000222"),
        ("contoso", "Mobile", "0b1c2d3e-4f5a-4b6c-8d7e-000000000022", "TF401444"),
        ("contoso-platform", "Infrastructure", "0b1c2d3e-4f5a-4b6c-8d7e-000000000031", "ok"),
        ("contoso-platform", "Infrastructure", "0b1c2d3e-4f5a-4b6c-8d7e-000000000032", "AADSTS70025"),
    ];
    for (org, project, id, expected) in expectations {
        let path = format!(
            "/ado/{org}/{project}/_apis/serviceendpoint/endpointproxy?endpointId={id}&api-version=7.1-preview.1"
        );
        let (status, result) = send(
            &em,
            Method::POST,
            &path,
            &tokens.devops,
            &json!({"dataSourceDetails": {"dataSourceName": "TestConnection"}}),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        if expected == "ok" {
            assert_eq!(result["statusCode"], "ok", "{id}: {result}");
        } else {
            assert!(result["errorMessage"].as_str().unwrap_or_default().contains(expected), "{id}: {result}");
        }
    }
}
