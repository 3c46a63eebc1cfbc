//! The browser bridge over real HTTP: static files, plain and streaming commands, errors with
//! their statuses, the emulator address, and the loopback guards. One test runs the binary.

use std::{io::BufRead, sync::Arc};

use keyless_desktop::bridge;
use serde_json::{Value, json};

use crate::support;

struct Running {
    url: String,
    http: reqwest::Client,
    _ui: tempfile::TempDir,
    _state: tempfile::TempDir,
}

async fn start() -> Running {
    let ui = tempfile::tempdir().unwrap();
    std::fs::write(ui.path().join("index.html"), "<!doctype html><title>Keyless</title>").unwrap();
    std::fs::create_dir(ui.path().join("assets")).unwrap();
    std::fs::write(ui.path().join("assets/app.js"), "console.log('keyless')").unwrap();
    let state = tempfile::tempdir().unwrap();
    let controller = Arc::new(support::controller_in(&state));
    let listener = bridge::bind(0).await.unwrap();
    let url = bridge::url_of(listener.local_addr().unwrap());
    tokio::spawn(bridge::serve(listener, controller, ui.path().to_owned(), std::future::pending()));
    Running { url, http: reqwest::Client::builder().no_proxy().build().unwrap(), _ui: ui, _state: state }
}

impl Running {
    async fn call(&self, command: &str, body: Value) -> (u16, Value) {
        let response = self.http.post(format!("{}ipc/{command}", self.url)).json(&body).send().await.unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    }

    /// A streaming command's NDJSON lines, parsed.
    async fn stream(&self, command: &str, body: Value) -> Vec<Value> {
        let response = self.http.post(format!("{}ipc/{command}", self.url)).json(&body).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], bridge::NDJSON);
        let text = response.text().await.unwrap();
        text.lines().map(|line| serde_json::from_str(line).unwrap()).collect()
    }
}

#[tokio::test]
async fn serves_the_ui_and_runs_the_wizard_over_http() {
    let bridge = start().await;
    let page = bridge.http.get(&bridge.url).send().await.unwrap();
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    assert!(page.text().await.unwrap().contains("<title>Keyless</title>"));
    let script = bridge.http.get(format!("{}assets/app.js", bridge.url)).send().await.unwrap();
    assert_eq!(script.headers()["content-type"], "text/javascript; charset=utf-8");

    let (status, session) = bridge.call("session_status", Value::Null).await;
    assert_eq!((status, &session["account"]), (200, &Value::Null));
    let (_, session) = bridge.call("choose_cloud", json!({ "demo": true })).await;
    assert_eq!(session["cloud"]["isDemo"], true);

    let emulator: Value =
        bridge.http.get(format!("{}bridge/emulator", bridge.url)).send().await.unwrap().json().await.unwrap();
    let emulator_url = emulator["url"].as_str().unwrap().trim_end_matches('/').to_string();
    let state = bridge.http.get(format!("{emulator_url}/_emulator/state")).send().await.unwrap();
    assert_eq!(state.status(), 200);

    let lines = bridge.stream("sign_in", json!({ "method": "deviceCode", "remember": false })).await;
    assert_eq!(lines[0]["event"]["kind"], "deviceCode", "{lines:?}");
    assert_eq!(lines.last().unwrap()["result"]["account"]["userPrincipalName"], "megan.bowen@contoso.com");

    let (status, plan) = bridge.call("plan_setup", json!({ "setup": support::onboarding() })).await;
    assert_eq!(status, 200, "{plan}");
    assert!(plan["counts"]["create"].as_u64().unwrap() > 0);

    let lines = bridge.stream("apply_setup", json!({ "setup": support::onboarding() })).await;
    assert_eq!(lines[0]["event"]["event"], "runStarted", "{lines:?}");
    let last = lines.last().unwrap();
    assert_eq!(last["result"]["status"], "completed", "{last}");
    assert!(lines[..lines.len() - 1].iter().all(|line| line.get("event").is_some()));

    let (status, runs) = bridge.call("list_runs", Value::Null).await;
    assert_eq!((status, runs.as_array().unwrap().len()), (200, 1));
    let (status, cancelled) = bridge.call("cancel_apply", Value::Null).await;
    assert_eq!((status, cancelled), (200, Value::Null));
}

#[tokio::test]
async fn failures_carry_their_code_and_status() {
    let bridge = start().await;
    let (status, error) = bridge.call("list_organizations", Value::Null).await;
    assert_eq!((status, error["code"].as_str()), (401, Some("signInRequired")));
    let (status, error) = bridge.call("list_projects", json!({ "org": "contoso" })).await;
    assert_eq!((status, error["code"].as_str()), (400, Some("invalidInput")));
    let (status, error) = bridge.call("drop_database", Value::Null).await;
    assert_eq!((status, error["code"].as_str()), (404, Some("notFound")));
    let missing = bridge.http.get(format!("{}bridge/emulator", bridge.url)).send().await.unwrap();
    assert_eq!(missing.status(), 404, "no emulator before the demo cloud is chosen");

    // A streaming command that fails ends with an error line.
    let lines = bridge.stream("rollback_run", json!({ "runId": "nope" })).await;
    assert_eq!(lines.last().unwrap()["error"]["code"], "signInRequired", "{lines:?}");
}

#[tokio::test]
async fn other_sites_and_host_names_are_refused() {
    let bridge = start().await;
    let from_elsewhere = bridge
        .http
        .post(format!("{}ipc/session_status", bridge.url))
        .header("origin", "https://example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(from_elsewhere.status(), 403);
    let same_origin = bridge
        .http
        .post(format!("{}ipc/session_status", bridge.url))
        .header("origin", bridge.url.trim_end_matches('/'))
        .send()
        .await
        .unwrap();
    assert_eq!(same_origin.status(), 200);
    let rebound = bridge.http.get(&bridge.url).header("host", "attacker.example:80").send().await.unwrap();
    assert_eq!(rebound.status(), 403);
    let escape = bridge.http.get(format!("{}..%2f..%2fCargo.toml", bridge.url)).send().await.unwrap();
    assert_eq!(escape.status(), 404);
}

#[test]
fn the_binary_prints_its_url_first_and_serves() {
    let ui = tempfile::tempdir().unwrap();
    std::fs::write(ui.path().join("index.html"), "<title>Keyless</title>").unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_keyless-browser-bridge"))
        .args(["--port", "0", "--ui-dir"])
        .arg(ui.path())
        .env_remove("KEYLESS_CLOUD")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    let url = first.trim().to_string();
    assert!(url.starts_with("http://127.0.0.1:") && url.ends_with('/'), "{url:?}");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let status = runtime.block_on(async {
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        client.post(format!("{url}ipc/session_status")).send().await.unwrap().json::<Value>().await.unwrap()
    });
    assert_eq!(status["cloud"]["isDemo"], true);
    child.kill().unwrap();
    child.wait().unwrap();
}
