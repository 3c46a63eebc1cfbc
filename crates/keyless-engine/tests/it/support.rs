//! A signed-in admin against a fresh emulator, and helpers to run setups and read state.

use std::{path::Path, time::Duration};

use keyless_azure::{
    AzureClient, AzureHttp, ConsistencyPolicy, HttpConfig,
    auth::{BrowserOpener, SignInCancel, SignInOptions, sign_in_with_browser},
};
use keyless_core::{
    observed::Observed,
    plan::{Plan, build_plan},
    setup::{Setup, parse_setup_toml},
};
use keyless_emulator::{EmulatorConfig, RunningEmulator};
use keyless_engine::{
    ApplyOptions, EngineError, apply,
    azure::AzureClients,
    journal::{JournalStore, RunJournal},
    observe,
    progress::CollectingReporter,
};
use serde_json::Value;

/// Completes the emulator's authorize redirect like a browser would.
pub struct FollowRedirects;

impl BrowserOpener for FollowRedirects {
    fn open(&self, url: &url::Url) -> std::io::Result<()> {
        let url = url.clone();
        tokio::spawn(async move {
            let _ = reqwest::Client::new().get(url).send().await;
        });
        Ok(())
    }
}

pub struct World {
    pub em: RunningEmulator,
    pub port: AzureClients,
    pub http: AzureHttp,
    pub store: JournalStore,
    pub reporter: CollectingReporter,
    _dir: tempfile::TempDir,
}

pub fn emulator_config() -> EmulatorConfig {
    EmulatorConfig {
        replication_delay: Duration::from_millis(150),
        fic_propagation_delay: Duration::from_millis(150),
        device_code_interval: Duration::from_millis(20),
        ..EmulatorConfig::default()
    }
}

pub fn options() -> ApplyOptions {
    ApplyOptions {
        consistency: ConsistencyPolicy {
            initial_interval: Duration::from_millis(20),
            max_interval: Duration::from_millis(100),
            budget: Duration::from_secs(15),
        },
        ..ApplyOptions::default()
    }
}

fn http() -> AzureHttp {
    // Injected 429s ask for Retry-After: 1 s, which the policy must be willing to honour.
    let retry = keyless_azure::RetryPolicy {
        max_attempts: 10,
        max_delay: Duration::from_secs(2),
        budget: Duration::from_secs(60),
        ..keyless_azure::RetryPolicy::fast_for_tests()
    };
    AzureHttp::new(HttpConfig { retry, consistency: options().consistency, ..HttpConfig::fast_for_tests() }).unwrap()
}

/// Signs `user` (a scenario UPN, or the default user) in to `em` through the browser flow.
pub async fn sign_in(em: &RunningEmulator, user: Option<&str>) -> AzureClients {
    let http = http();
    let options = SignInOptions {
        timeout: Duration::from_secs(20),
        login_hint: user.map(str::to_string),
        ..SignInOptions::new(em.cloud_profile())
    };
    let session = sign_in_with_browser(&http, &options, &FollowRedirects, &SignInCancel::new()).await.unwrap();
    let account = session.account().clone();
    AzureClients::new(AzureClient::for_session(&session), account.home_tenant.unwrap(), account.object_id)
}

pub async fn world_with(config: EmulatorConfig) -> World {
    let em = keyless_emulator::start(config).await.unwrap();
    let port = sign_in(&em, None).await;
    let dir = tempfile::tempdir().unwrap();
    World {
        em,
        port,
        http: http(),
        store: JournalStore::new(dir.path()),
        reporter: CollectingReporter::default(),
        _dir: dir,
    }
}

pub async fn world() -> World {
    world_with(emulator_config()).await
}

pub fn example(name: &str) -> Setup {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(name);
    parse_setup_toml(name, &std::fs::read_to_string(path).unwrap()).unwrap()
}

pub fn setup(text: &str) -> Setup {
    parse_setup_toml("setup.toml", text).unwrap_or_else(|e| panic!("{}", e.display_with_help()))
}

impl World {
    pub async fn plan(&self, setup: &Setup) -> (Plan, Observed) {
        let observed = observe(&self.port, setup).await.unwrap();
        let plan = build_plan(setup, &observed).unwrap_or_else(|e| panic!("{}", e.display_with_help()));
        (plan, observed)
    }

    /// Plans and applies `setup` as a new run (or continues `journal`).
    pub async fn apply_with(
        &self,
        setup: &Setup,
        journal: Option<RunJournal>,
        options: &ApplyOptions,
    ) -> Result<RunJournal, EngineError> {
        let (plan, observed) = self.plan(setup).await;
        let journal =
            journal.unwrap_or_else(|| RunJournal::new("Demo", Some(self.em.cloud_profile().identity()), setup.clone()));
        apply(&self.port, &self.store, &self.reporter, &plan, &observed, journal, options).await
    }

    pub async fn apply(&self, setup: &Setup) -> RunJournal {
        self.apply_with(setup, None, &options()).await.unwrap_or_else(|e| panic!("{e}\n  remedy: {:?}", e.remedy()))
    }

    pub fn state(&self) -> Value {
        self.em.state_snapshot()
    }
}

/// The parts of the emulator's state a run can change, with volatile fields dropped, so two
/// states compare equal when the same things exist.
pub fn footprint(state: &Value) -> Value {
    let names = |key: &str, field: &str| -> Vec<String> {
        let mut v: Vec<String> = state[key]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x.get("deleted").is_none_or(Value::is_null))
            .map(|x| x[field].to_string())
            .collect();
        v.sort();
        v
    };
    let mut fics: Vec<String> = state["federatedCredentials"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["deleted"].is_null())
        // `ado-<connection id>`: ids differ between emulators, the shape must not.
        .map(|x| {
            let name = x["name"].as_str().unwrap_or_default();
            let name = if name.starts_with("ado-") && name.len() == 40 { "ado-<connection id>" } else { name };
            format!("{name} {}", x["issuer"])
        })
        .collect();
    fics.sort();
    let mut endpoints: Vec<String> =
        state["serviceEndpoints"].as_array().unwrap().iter().map(|x| format!("{} {}", x["name"], x["kind"])).collect();
    endpoints.sort();
    let mut roles: Vec<String> = state["roleAssignments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| format!("{} {}", x["scope"], x["roleDefinition"]))
        .collect();
    roles.sort();
    serde_json::json!({
        "applications": names("applications", "displayName"),
        "servicePrincipals": names("servicePrincipals", "displayName"),
        "managedIdentities": names("managedIdentities", "name"),
        "devopsServicePrincipals": names("devopsServicePrincipals", "displayName"),
        "memberships": state["memberships"].as_array().unwrap().len(),
        "fics": fics,
        "endpoints": endpoints,
        "roles": roles,
    })
}

/// The emulator's record of the named object in `collection`.
pub fn find<'a>(state: &'a Value, collection: &str, field: &str, value: &str) -> &'a Value {
    state[collection]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x[field] == value)
        .unwrap_or_else(|| panic!("no {collection} with {field} = {value}"))
}
