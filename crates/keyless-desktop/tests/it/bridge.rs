//! The browser bridge over real HTTP: static files, plain and streaming commands, errors with
//! their statuses, the emulator address, and the guards: loopback host names, the bridge's own
//! origin and its per-start token. One test runs the binary.

use std::{io::BufRead, sync::Arc};

use keyless_desktop::bridge;
use serde_json::{Value, json};

use crate::support;

struct Running {
    /// The bridge's base URL, without the token.
    url: String,
    token: bridge::BridgeToken,
    /// Sends the bridge's origin and token, as the UI does.
    http: reqwest::Client,
    /// Sends neither.
    bare: reqwest::Client,
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
    let address = listener.local_addr().unwrap();
    let url = format!("http://{address}/");
    let token = bridge::BridgeToken::generate();
    tokio::spawn(bridge::serve(listener, controller, ui.path().to_owned(), token.clone(), std::future::pending()));
    let http = client_sending(&[("origin", &format!("http://{address}")), (bridge::TOKEN_HEADER, token.expose())]);
    Running { url, token, http, bare: client_sending(&[]), _ui: ui, _state: state }
}

fn client_sending(headers: &[(&'static str, &str)]) -> reqwest::Client {
    let headers = headers.iter().map(|(name, value)| (name.parse().unwrap(), value.parse().unwrap())).collect();
    reqwest::Client::builder().no_proxy().default_headers(headers).build().unwrap()
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
        .bare
        .post(format!("{}ipc/session_status", bridge.url))
        .header("origin", "https://example.com")
        .header(bridge::TOKEN_HEADER, bridge.token.expose())
        .send()
        .await
        .unwrap();
    assert_eq!(from_elsewhere.status(), 403);
    let same_origin = bridge
        .bare
        .post(format!("{}ipc/session_status", bridge.url))
        .header("origin", bridge.url.trim_end_matches('/'))
        .header(bridge::TOKEN_HEADER, bridge.token.expose())
        .send()
        .await
        .unwrap();
    assert_eq!(same_origin.status(), 200);
    let rebound = bridge.http.get(&bridge.url).header("host", "attacker.example:80").send().await.unwrap();
    assert_eq!(rebound.status(), 403);
    let escape = bridge.http.get(format!("{}..%2f..%2fCargo.toml", bridge.url)).send().await.unwrap();
    assert_eq!(escape.status(), 404);
}

/// Status and IpcError code of `session_status` sent with `origin` and `token` (when given).
async fn session_status_with(bridge: &Running, origin: Option<&str>, token: Option<&str>) -> (u16, Value) {
    let mut request = bridge.bare.post(format!("{}ipc/session_status", bridge.url));
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    if let Some(token) = token {
        request = request.header(bridge::TOKEN_HEADER, token);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn a_command_without_the_token_is_refused_with_401() {
    let bridge = start().await;
    let origin = bridge.url.trim_end_matches('/');
    let (status, error) = session_status_with(&bridge, Some(origin), None).await;
    assert_eq!(status, 401);
    assert!(error["help"].as_str().unwrap().contains("URL the bridge printed"), "{error}");
    let emulator = bridge.bare.get(format!("{}bridge/emulator", bridge.url)).header("origin", origin).send().await;
    assert_eq!(emulator.unwrap().status(), 401);
}

#[tokio::test]
async fn a_command_with_a_wrong_token_is_refused_with_401() {
    let bridge = start().await;
    let origin = bridge.url.trim_end_matches('/');
    let other_start = bridge::BridgeToken::generate();
    assert_eq!(session_status_with(&bridge, Some(origin), Some(other_start.expose())).await.0, 401);
    let truncated = &bridge.token.expose()[..32];
    assert_eq!(session_status_with(&bridge, Some(origin), Some(truncated)).await.0, 401);
}

#[tokio::test]
async fn a_command_without_an_origin_is_refused_with_403() {
    let bridge = start().await;
    let (status, error) = session_status_with(&bridge, None, Some(bridge.token.expose())).await;
    assert_eq!((status, error["code"].as_str()), (403, Some("forbidden")));
}

#[tokio::test]
async fn a_command_with_the_token_and_the_bridge_origin_runs_and_files_need_neither() {
    let bridge = start().await;
    let origin = bridge.url.trim_end_matches('/').to_string();
    let (status, session) = session_status_with(&bridge, Some(&origin), Some(bridge.token.expose())).await;
    assert_eq!((status, &session["account"]), (200, &Value::Null));
    let localhost = origin.replace("127.0.0.1", "localhost");
    assert_eq!(session_status_with(&bridge, Some(&localhost), Some(bridge.token.expose())).await.0, 200);
    let page = bridge.bare.get(format!("{}?token=", bridge.url)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let script = bridge.bare.get(format!("{}assets/app.js", bridge.url)).send().await.unwrap();
    assert_eq!(script.status(), 200);
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
    let printed = url::Url::parse(first.trim()).unwrap();
    assert_eq!((printed.scheme(), printed.host_str(), printed.path()), ("http", Some("127.0.0.1"), "/"), "{printed}");
    let token = printed.query_pairs().find(|(name, _)| name == bridge::TOKEN_QUERY).unwrap().1.to_string();
    assert!(token.len() >= 32, "at least 128 bits of hex: {token}");
    let origin = printed.origin().ascii_serialization();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (without_token, status) = runtime.block_on(async {
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let command = printed.join("ipc/session_status").unwrap();
        let without_token = client.post(command.clone()).header("origin", &origin).send().await.unwrap().status();
        let request = client.post(command).header("origin", &origin).header(bridge::TOKEN_HEADER, &token);
        (without_token, request.send().await.unwrap().json::<Value>().await.unwrap())
    });
    assert_eq!(without_token, 401);
    assert_eq!(status["cloud"]["isDemo"], true);
    child.kill().unwrap();
    child.wait().unwrap();
}
