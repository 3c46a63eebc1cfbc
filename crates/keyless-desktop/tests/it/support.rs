//! A controller on a fast demo cloud, signed in, and the wizard's usual setup.

use std::sync::Arc;

use keyless_azure::auth::MemoryStore;
use keyless_desktop::{CloudSetting, CollectedEvents, Controller, ControllerOptions, DemoSettings};
use keyless_ipc::{ChooseCloud, SetupInput, SignInEvent, SignInMethodView, SignInRequest};

/// The demo scenario's subscription "Contoso Production".
pub const PRODUCTION: &str = "9d8c7b6a-5f4e-4d3c-9b2a-190807060504";
/// The demo scenario's home tenant, Contoso.
pub const CONTOSO_TENANT: &str = "6b1f3c2a-4d5e-4f60-8a7b-9c0d1e2f3a4b";

/// A controller keeping its state in `_state`, with the demo cloud's waits cut to milliseconds.
pub struct App {
    pub controller: Controller,
    _state: tempfile::TempDir,
}

pub fn demo_settings() -> DemoSettings {
    DemoSettings::fast_for_tests()
}

pub fn app() -> App {
    let state = tempfile::tempdir().unwrap();
    App { controller: controller_in(&state), _state: state }
}

fn options(state: &tempfile::TempDir) -> ControllerOptions {
    ControllerOptions {
        state_dir: Some(state.path().to_owned()),
        keyring: Arc::new(MemoryStore::default()),
        demo: demo_settings(),
        ..ControllerOptions::default()
    }
}

/// A controller journaling real-cloud runs in `state`.
pub fn controller_in(state: &tempfile::TempDir) -> Controller {
    Controller::with_options(CloudSetting::Demo, options(state))
}

/// Chooses the demo cloud and signs in through the (played) browser, the quickest way.
pub async fn signed_in_app() -> App {
    let app = app();
    app.controller.choose_cloud(ChooseCloud { demo: true, cloud: None }).await.unwrap();
    let events = CollectedEvents::<SignInEvent>::default();
    let request = SignInRequest { method: SignInMethodView::Browser, tenant: None, remember: false };
    app.controller.sign_in(request, &events).await.unwrap();
    app
}

/// The wizard's version of examples/onboarding.toml.
pub fn onboarding() -> SetupInput {
    serde_json::from_value(serde_json::json!({
        "identity": { "kind": "appRegistration", "name": "kl-shop-deployer", "whenFull": "stop" },
        "organizations": [],
        "connections": [{
            "name": "sc-shop-prod", "description": "Deploys the Shop to production",
            "organization": "contoso", "project": "Shop", "type": "azureRm",
            "scope": { "subscription": PRODUCTION, "resourceGroup": "rg-shop-prod" }, "role": "Contributor",
            "pipelines": ["shop-deploy"], "shareWith": ["Payments"], "allPipelines": false
        }]
    }))
    .unwrap()
}

impl App {
    pub async fn state(&self) -> serde_json::Value {
        self.controller.demo_state_snapshot().await.expect("the demo cloud is running")
    }
}
