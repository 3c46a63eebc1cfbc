//! No token reaches the webview: with the demo cloud marking every token it issues, everything
//! the controller sends to the window for a whole session (session status, sign-in events,
//! pickers, plan, run progress and result, inventory, migration, doctor, and a failure) is
//! serialized as the webview would receive it and searched for the marker.

use std::sync::Arc;

use keyless_azure::auth::MemoryStore;
use keyless_desktop::{CloudSetting, CollectedEvents, Controller, ControllerOptions};
use keyless_emulator::leaks::find_marker;
use keyless_ipc::{
    ChooseCloud, DiagnoseRequest, DoctorTargetInput, InventoryRequest, IpcError, MigrationChoiceInput,
    MigrationProgressView, MigrationRequest, ProgressView, SetupRequest, SignInEvent, SignInMethodView, SignInRequest,
    SubscriptionRequest,
};
use serde::Serialize;

use crate::support::{PRODUCTION, demo_settings, onboarding};

const TOKEN_MARKER: &str = "KeylessLeakSentinel";

/// Everything sent to the webview, as JSON, one field a line so a finding names its field.
#[derive(Default)]
struct Sent(Vec<(String, String)>);

impl Sent {
    fn push(&mut self, what: &str, value: &impl Serialize) {
        self.0.push((what.to_string(), serde_json::to_string_pretty(value).unwrap()));
    }

    /// Where a token reached the webview: `WHAT line N` of the view's JSON for every line
    /// holding the marker. Every search of this test goes through it, and
    /// `the_view_search_finds_a_token_planted_in_a_view_and_names_its_line` proves it can fail.
    fn leaks(&self) -> Vec<String> {
        find_marker(TOKEN_MARKER, &self.0)
    }
}

#[tokio::test]
async fn nothing_sent_to_the_webview_carries_a_token() {
    let state = tempfile::tempdir().unwrap();
    let mut demo = demo_settings();
    demo.emulator.token_marker = TOKEN_MARKER.into();
    let options = ControllerOptions {
        state_dir: Some(state.path().to_owned()),
        keyring: Arc::new(MemoryStore::default()),
        demo,
        ..ControllerOptions::default()
    };
    let controller = Controller::with_options(CloudSetting::Demo, options);
    let mut sent = Sent::default();

    sent.push("choose_cloud", &controller.choose_cloud(ChooseCloud { demo: true, cloud: None }).await.unwrap());
    let sign_in_events = CollectedEvents::<SignInEvent>::default();
    let request = SignInRequest { method: SignInMethodView::Browser, tenant: None, remember: false };
    sent.push("sign_in", &controller.sign_in(request, &sign_in_events).await.unwrap());
    sent.push("sign-in events", &sign_in_events.events());
    sent.push("session_status", &controller.session_status());
    sent.push("list_organizations", &controller.list_organizations().await.unwrap());
    sent.push("list_subscriptions", &controller.list_subscriptions().await.unwrap());
    let subscription = SubscriptionRequest { subscription: PRODUCTION.into() };
    sent.push("list_resource_groups", &controller.list_resource_groups(subscription).await.unwrap());
    sent.push("plan_setup", &controller.plan_setup(SetupRequest { setup: onboarding() }).await.unwrap());
    let progress = CollectedEvents::<ProgressView>::default();
    sent.push("apply_setup", &controller.apply_setup(SetupRequest { setup: onboarding() }, &progress).await.unwrap());
    sent.push("apply progress", &progress.events());
    sent.push("list_runs", &controller.list_runs().await.unwrap());

    let inventory = controller.take_inventory(InventoryRequest::default()).await.unwrap();
    sent.push("take_inventory", &inventory);
    let secret = inventory.connections.iter().find(|c| c.name == "shop-prod-secret").expect("the demo has it");
    let request = MigrationRequest {
        connections: vec![MigrationChoiceInput { id: secret.id.clone(), accepted_findings: vec![] }],
        wave_size: None,
    };
    let mut request_accepting = request.clone();
    let plan = controller.plan_migration(request).await.unwrap();
    sent.push("plan_migration", &plan);
    for (chosen, entry) in request_accepting.connections.iter_mut().zip(&plan.entries) {
        chosen.accepted_findings = entry.findings.iter().filter(|f| f.blocking).map(|f| f.location.clone()).collect();
    }
    let migration_progress = CollectedEvents::<MigrationProgressView>::default();
    let migrated = controller.apply_migration(request_accepting, &migration_progress).await;
    match migrated {
        Ok(view) => sent.push("apply_migration", &view),
        Err(error) => sent.push("apply_migration error", &IpcError::from(error)),
    }
    sent.push("migration progress", &migration_progress.events());

    let target = DoctorTargetInput::Project { organization: "contoso".into(), project: "Shop".into() };
    sent.push("diagnose", &controller.diagnose(DiagnoseRequest { target }).await.unwrap());
    let missing = SubscriptionRequest { subscription: "0d0d0d0d-0000-4000-8000-00000000dead".into() };
    let failure = controller.list_resource_groups(missing).await.unwrap_err();
    sent.push("failure", &IpcError::from(failure));
    sent.push("sign_out", &controller.sign_out().await);

    assert!(sent.0.iter().any(|(what, _)| what == "apply progress"), "progress was collected");
    assert_eq!(sent.leaks(), Vec::<String>::new(), "a token reached the webview");
}

#[test]
fn the_view_search_finds_a_token_planted_in_a_view_and_names_its_line() {
    let token = format!("eyJ0eXAiOiJKV1QifQ.{TOKEN_MARKER}.c2lnbmF0dXJl");
    let mut sent = Sent::default();
    sent.push("session_status before", &serde_json::json!({"signedIn": false}));
    let device_code = SignInEvent::DeviceCode {
        user_code: "ABCD-EFGH".into(),
        verification_uri: "http://127.0.0.1:7780/login/device".into(),
        message: format!("Enter the code; your token is {token}"),
    };
    sent.push("sign-in events", &vec![device_code]);
    let failure = IpcError {
        code: keyless_ipc::IpcErrorCode::Service,
        message: "Azure DevOps refused the request (401)".into(),
        help: format!("Retry with Bearer {token}"),
        request_id: None,
    };
    sent.push("failure", &failure);

    let found = sent.leaks();

    assert_eq!(found.len(), 2, "one finding per planted field: {found:?}");
    for (finding, what) in found.iter().zip(["sign-in events", "failure"]) {
        let line: usize = finding.strip_prefix(&format!("{what} line ")).unwrap().parse().unwrap();
        let json = &sent.0.iter().find(|(name, _)| name == what).unwrap().1;
        let named = json.lines().nth(line - 1).unwrap();
        assert!(named.contains(TOKEN_MARKER), "{finding} names the field holding it, not {named}");
    }
}
