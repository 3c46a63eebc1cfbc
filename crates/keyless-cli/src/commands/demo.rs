//! `keyless demo`: the whole flow on the built-in demo cloud, with nothing to set up: the same
//! demo cloud the desktop app uses, a device-code sign-in it approves by itself, and a setup
//! applied through the same use case as `keyless apply`.

use std::path::PathBuf;

use keyless_core::setup::parse_setup_toml;
use keyless_usecases::{Cloud, DemoCloud, DemoSettings, Method, RunSettings, SignInRequest};

use crate::{
    CommandResult,
    commands::{session, setup::run_apply},
    output::Printer,
};

const DEMO_SETUP: &str = include_str!("../../../../examples/onboarding.toml");

pub async fn run(file: Option<PathBuf>, printer: &Printer) -> CommandResult {
    let setup = match &file {
        Some(path) => crate::commands::setup::read_setup(path)?,
        None => parse_setup_toml("examples/onboarding.toml", DEMO_SETUP)?,
    };
    let demo = DemoCloud::start(&DemoSettings::default()).await?;
    printer.note(&format!(
        "Demo cloud running on {} (Contoso, four Azure DevOps organizations; nothing here is real; it approves device codes by itself).",
        demo.emulator().base_url()
    ));
    let request = SignInRequest { method: Method::DeviceCode, tenant: None, client_id: None, remember: false };
    let connected = session::sign_in(&Cloud::demo(demo.profile()), request, printer).await?;
    printer.note(&format!(
        "Signed in as {} in tenant {}.\n",
        connected.account.user_principal_name, connected.account.tenant_id
    ));
    let settings = RunSettings { consistency: demo.consistency(), ..RunSettings::new(demo.journal()) };
    let code = run_apply(&connected, &settings, &setup, true, None, printer).await;
    demo.shutdown().await;
    code
}
