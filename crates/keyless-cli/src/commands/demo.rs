//! `keyless demo`: the whole flow on the built-in demo cloud, with nothing to set up: an
//! in-process emulator, a device-code sign-in it approves by itself, and a setup applied.

use std::{path::PathBuf, time::Duration};

use keyless_azure::{
    AzureClient, AzureHttp, HttpConfig,
    auth::{DeviceCodeInstructions, DeviceCodePrompt, SignInCancel, SignInOptions, sign_in_with_device_code},
};
use keyless_core::setup::parse_setup_toml;
use keyless_emulator::EmulatorConfig;
use keyless_engine::{ApplyOptions, azure::AzureClients, journal::JournalStore};

use crate::{
    CommandResult,
    commands::setup::run_apply,
    failure::{Exit, Failure},
    output::Printer,
};

const DEMO_SETUP: &str = include_str!("../../../../examples/onboarding.toml");

struct ShowCode;

impl DeviceCodePrompt for ShowCode {
    fn show(&self, instructions: &DeviceCodeInstructions) {
        eprintln!(
            "Device code {} at {} (the demo cloud approves it by itself)",
            instructions.user_code, instructions.verification_uri
        );
    }
}

pub async fn run(file: Option<PathBuf>, printer: &Printer) -> CommandResult {
    let setup = match &file {
        Some(path) => crate::commands::setup::read_setup(path)?,
        None => parse_setup_toml("examples/onboarding.toml", DEMO_SETUP)?,
    };
    let config = EmulatorConfig {
        port: 0,
        // The device code flow speaks whole seconds; less would read as 0 and earn a slow-down.
        device_code_interval: Duration::from_secs(1),
        replication_delay: Duration::from_secs(2),
        fic_propagation_delay: Duration::from_secs(3),
        ..EmulatorConfig::default()
    };
    let emulator = keyless_emulator::start(config).await?;
    printer.note(&format!(
        "Demo cloud running on {} (Contoso, four Azure DevOps organizations; nothing here is real).",
        emulator.base_url()
    ));
    let http = AzureHttp::new(HttpConfig::default())
        .map_err(|e| Failure::new(Exit::Failed, "http", e.to_string(), "this is a bug; please report it"))?;
    let options = SignInOptions::new(emulator.cloud_profile());
    let session = sign_in_with_device_code(&http, &options, &ShowCode, &SignInCancel::new()).await?;
    let account = session.account().clone();
    printer.note(&format!(
        "Signed in as {} in tenant {}.\n",
        account.username,
        account.home_tenant.map(|t| t.to_string()).unwrap_or_default()
    ));
    let port = AzureClients::new(
        AzureClient::for_session(&session),
        account.home_tenant.unwrap_or_default(),
        account.object_id,
    );
    let state = tempfile::tempdir().map_err(|e| {
        Failure::new(Exit::Failed, "tempdir", e.to_string(), "check that the temporary directory is writable")
    })?;
    let options = ApplyOptions {
        consistency: keyless_azure::ConsistencyPolicy {
            initial_interval: Duration::from_millis(500),
            max_interval: Duration::from_secs(2),
            budget: Duration::from_secs(60),
        },
        ..ApplyOptions::default()
    };
    let code =
        run_apply(&port, "Demo", &JournalStore::new(state.path()), &setup, true, None, printer, &options).await?;
    emulator.shutdown().await;
    Ok(code)
}
