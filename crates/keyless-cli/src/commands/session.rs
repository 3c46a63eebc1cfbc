//! The CLI's side of signing in: turns flags into a sign-in request, prints the device code,
//! and notes what the user should know. The sign-in itself is `keyless_usecases::connect`.

use std::sync::Arc;

use keyless_azure::{
    HttpConfig,
    auth::{DeviceCodeInstructions, OsKeyring, SignInCancel},
};
use keyless_core::CloudName;
use keyless_usecases::{
    Cloud, CloudChoice, Connected, Method, SignInEnvironment, SignInPrompts, SignInRequest, connect,
};

use crate::{
    args::{AuthMethod, AzureArgs},
    failure::Failure,
    output::Printer,
};

/// Prints the device code where people look (stderr), never into JSON output.
struct PrintDeviceCode;

impl SignInPrompts for PrintDeviceCode {
    fn device_code(&self, instructions: &DeviceCodeInstructions) {
        eprintln!("To sign in, open {} and enter the code {}", instructions.verification_uri, instructions.user_code);
    }
}

/// The cloud named by `--cloud` / `KEYLESS_CLOUD` (Azure public cloud when unset). The demo
/// cloud lives inside one process, so commands that sign in separately cannot share it.
pub async fn cloud(args: &AzureArgs) -> Result<Cloud, Failure> {
    let choice = CloudChoice::parse(args.cloud.as_deref(), CloudChoice::Named(CloudName::Public))?;
    let Some(resolved) = choice.resolve().await? else {
        return Err(Failure::bad_input(
            "the demo cloud lives inside one process, so separate commands cannot share it",
            "run `keyless demo` for the whole flow at once, or start `keyless emulator` and pass its URL with --cloud",
        ));
    };
    Ok(Cloud { profile: resolved.profile, source: resolved.source, is_demo: false })
}

pub fn request(args: &AzureArgs) -> SignInRequest {
    SignInRequest {
        method: match args.auth {
            AuthMethod::Browser => Method::Browser,
            AuthMethod::DeviceCode => Method::DeviceCode,
            AuthMethod::AzureCli => Method::AzureCli,
        },
        tenant: args.tenant.clone(),
        client_id: args.client_id.clone(),
        remember: args.remember,
    }
}

/// Signs in for one command (restoring a remembered sign-in when there is one).
pub async fn connect(args: &AzureArgs, printer: &Printer) -> Result<Connected, Failure> {
    let cloud = cloud(args).await?;
    sign_in(&cloud, request(args), printer).await
}

/// Signs in to `cloud`, noting its limits and where the sign-in is kept.
pub async fn sign_in(cloud: &Cloud, request: SignInRequest, printer: &Printer) -> Result<Connected, Failure> {
    if let keyless_core::cloud::WifSupport::Limited(note) = &cloud.profile.wif_support {
        printer.note(&format!("note: {note}"));
    }
    let cancel = SignInCancel::new();
    let environment =
        SignInEnvironment { cloud, http: HttpConfig::default(), keyring: Arc::new(OsKeyring), cancel: &cancel };
    let connected = connect::sign_in(environment, request, &PrintDeviceCode).await?;
    if let Some(notice) = &connected.storage_notice {
        printer.note(&format!("note: {notice}"));
    }
    Ok(connected)
}

/// Forgets the remembered sign-in for this cloud and client id, without any request.
pub async fn forget(args: &AzureArgs) -> Result<Option<String>, Failure> {
    let cloud = cloud(args).await?;
    Ok(connect::forget(&cloud, args.client_id.as_deref(), Arc::new(OsKeyring)).await?)
}
