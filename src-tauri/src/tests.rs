//! Shell tests on Tauri's mock runtime: the command is wired, allowed by its capability, and
//! nothing else is.

use keyless_desktop::{CloudSetting, Controller};
use keyless_ipc::{IpcError, IpcErrorCode, NameCheck, SessionStatus, commands};
use tauri::{
    ipc::{CallbackFn, InvokeBody},
    test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder},
    webview::InvokeRequest,
};

/// On Linux the embedded UI is served from tauri://localhost; capabilities apply to that origin.
const APP_ORIGIN: &str = "tauri://localhost";

fn invoke(command: &str, origin: &str) -> Result<tauri::ipc::InvokeResponseBody, serde_json::Value> {
    invoke_with(command, origin, InvokeBody::default())
}

fn invoke_with(
    command: &str,
    origin: &str,
    body: InvokeBody,
) -> Result<tauri::ipc::InvokeResponseBody, serde_json::Value> {
    let app = super::shell(mock_builder(), Controller::new(CloudSetting::Demo))
        .build(tauri::generate_context!())
        .expect("the shell builds on the mock runtime");
    let webview = tauri::WebviewWindowBuilder::<MockRuntime, _>::new(&app, "main", Default::default())
        .build()
        .expect("the main window opens");
    get_ipc_response(
        &webview,
        InvokeRequest {
            cmd: command.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: origin.parse().unwrap(),
            body,
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
}

#[test]
fn session_status_answers_signed_out_on_the_demo_cloud() {
    let status: SessionStatus = invoke(commands::SESSION_STATUS, APP_ORIGIN).unwrap().deserialize().unwrap();
    assert!(status.cloud.is_demo);
    assert_eq!(status.account, None);
}

#[test]
fn requests_reach_the_controller_by_their_argument_name() {
    let request =
        serde_json::json!({ "request": { "organization": "contoso", "project": "Shop", "name": " padded " } });
    let check: NameCheck = invoke_with(commands::CHECK_CONNECTION_NAME, APP_ORIGIN, InvokeBody::Json(request))
        .unwrap()
        .deserialize()
        .unwrap();
    assert!(!check.ok);
    assert!(check.problem.unwrap().contains("leading or trailing spaces"));
}

#[test]
fn failures_arrive_as_ipc_errors_with_their_code() {
    let refusal = invoke(commands::LIST_ORGANIZATIONS, APP_ORIGIN).unwrap_err();
    let error: IpcError = serde_json::from_value(refusal).expect("an IpcError");
    assert_eq!(error.code, IpcErrorCode::SignInRequired);
}

#[test]
fn commands_outside_the_capability_are_refused() {
    let refusal = invoke("plugin:window-state|save_window_state", APP_ORIGIN).unwrap_err();
    assert!(refusal.to_string().contains("not allowed"), "{refusal}");
}

#[test]
fn remote_pages_cannot_call_commands() {
    let refusal = invoke(commands::SESSION_STATUS, "https://example.com").unwrap_err();
    assert!(refusal.to_string().contains("not allowed"), "{refusal}");
}

#[test]
fn capability_lists_exactly_the_ipc_commands() {
    let capability: serde_json::Value =
        serde_json::from_str(include_str!("../capabilities/default.json")).expect("capability is JSON");
    let listed: Vec<&str> =
        capability["permissions"].as_array().unwrap().iter().map(|permission| permission.as_str().unwrap()).collect();
    let expected: Vec<String> = commands::ALL.iter().map(|command| commands::permission_for(command)).collect();
    assert_eq!(listed, expected);
    assert!(listed.iter().all(|permission| !permission.contains('*')), "no wildcard permissions");
}

#[test]
fn content_security_policy_forbids_remote_content() {
    let config: serde_json::Value =
        serde_json::from_str(include_str!("../tauri.conf.json")).expect("tauri.conf.json is JSON");
    let csp = &config["app"]["security"]["csp"];
    assert_eq!(csp["default-src"], "'self'");
    assert_eq!(csp["script-src"], "'self'");
    assert_eq!(csp["connect-src"], "ipc: http://ipc.localhost");
    assert_eq!(csp["object-src"], "'none'");
    let window = &config["app"]["windows"][0];
    assert_eq!(
        (window["title"].as_str(), window["minWidth"].as_u64(), window["minHeight"].as_u64()),
        (Some("Keyless"), Some(960), Some(640))
    );
}

fn app_config() -> serde_json::Value {
    serde_json::from_str(include_str!("../tauri.conf.json")).expect("tauri.conf.json is JSON")
}

/// Sources a page of the app may load from: its own files, inline images, and Tauri's IPC
/// (served inside the webview, never over the network).
const LOCAL_SOURCES: [&str; 5] = ["'self'", "'none'", "data:", "ipc:", "http://ipc.localhost"];

#[test]
fn content_security_policy_has_no_remote_source_and_no_unsafe_keyword() {
    let config = app_config();
    let csp = config["app"]["security"]["csp"].as_object().expect("the CSP is set directive by directive");
    for directive in ["default-src", "script-src", "connect-src", "object-src", "base-uri", "frame-ancestors"] {
        assert!(csp.contains_key(directive), "the CSP sets {directive}");
    }
    for (directive, sources) in csp {
        for source in sources.as_str().expect("each directive is one string").split_whitespace() {
            assert!(!source.to_ascii_lowercase().contains("unsafe"), "{directive} allows {source}");
            assert!(LOCAL_SOURCES.contains(&source), "{directive} allows {source}, which is not local");
        }
    }
    let security = &config["app"]["security"];
    assert_eq!(security["freezePrototype"], true);
    assert!(security.get("dangerousDisableAssetCspModification").is_none());
    assert!(security.get("dangerousRemoteDomainIpcAccess").is_none());
    assert_eq!(config["app"]["withGlobalTauri"], false, "no global Tauri object for injected scripts");
}

/// Every string in `value`, with the key it sits under.
fn strings_in<'a>(key: &str, value: &'a serde_json::Value, found: &mut Vec<(String, &'a str)>) {
    match value {
        serde_json::Value::String(text) => found.push((key.to_string(), text)),
        serde_json::Value::Array(items) => items.iter().for_each(|item| strings_in(key, item, found)),
        serde_json::Value::Object(fields) => fields.iter().for_each(|(name, item)| strings_in(name, item, found)),
        _ => {}
    }
}

#[test]
fn the_app_config_names_no_remote_url() {
    let config = app_config();
    let mut found = Vec::new();
    strings_in("", &config, &mut found);
    for (key, text) in found {
        // The schema is an editor's hint; the app never loads it.
        if key == "$schema" {
            continue;
        }
        for (at, _) in text.match_indices("://") {
            let scheme = text[..at].rsplit(|c: char| !c.is_ascii_alphanumeric()).next().unwrap_or("");
            if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
                continue;
            }
            let host = text[at + 3..].split(['/', ':', ' ', '\'']).next().unwrap_or("");
            assert!(
                matches!(host, "127.0.0.1" | "localhost" | "ipc.localhost"),
                "{key} names {text}, a URL off this machine"
            );
        }
    }
}

#[test]
fn the_capability_is_for_the_main_window_and_no_remote_page() {
    let capability: serde_json::Value =
        serde_json::from_str(include_str!("../capabilities/default.json")).expect("capability is JSON");
    assert_eq!(capability["windows"], serde_json::json!(["main"]));
    assert!(capability.get("remote").is_none(), "no remote URL may call the app's commands");
    assert!(capability.get("webviews").is_none(), "no other webview is granted commands");
    let text = include_str!("../capabilities/default.json");
    assert!(!text.contains(":default"), "no plugin's default permission set is granted");
}
