//! Signing in for a command: cloud, transport, the chosen method, and remembered sign-ins.

use std::sync::Arc;

use keyless_azure::{
    AzureClient, AzureError, AzureHttp, HttpConfig,
    auth::{
        AuthError, DeviceCodeInstructions, DeviceCodePrompt, Interaction, OsKeyring, RefreshTokenStore, Session,
        SignInCancel, SignInOptions, StoreKey, SystemBrowser, sign_in_on_demand,
    },
    resolve_cloud,
};
use keyless_core::CloudProfile;
use keyless_engine::{EngineError, azure::AzureClients};

use crate::{
    args::{AuthMethod, AzureArgs},
    failure::{Exit, Failure},
    output::Printer,
};

/// A signed-in command's view of Azure.
pub struct Connected {
    pub session: Session,
    pub client: AzureClient,
    pub port: AzureClients,
    pub cloud: CloudProfile,
}

impl From<AuthError> for Failure {
    fn from(e: AuthError) -> Self {
        Failure::new(Exit::SignIn, &format!("{:?}", e.code()).to_lowercase(), e.to_string(), e.help())
    }
}

impl From<AzureError> for Failure {
    fn from(e: AzureError) -> Self {
        let exit = match e.code() {
            keyless_azure::ErrorCode::InvalidInput => Exit::BadInput,
            keyless_azure::ErrorCode::Unauthorized
            | keyless_azure::ErrorCode::SignInPage
            | keyless_azure::ErrorCode::SignInRequired => Exit::SignIn,
            _ => Exit::Failed,
        };
        Failure::new(exit, &format!("{:?}", e.code()).to_lowercase(), e.to_string(), e.help())
    }
}

impl From<EngineError> for Failure {
    fn from(e: EngineError) -> Self {
        let exit = match &e {
            EngineError::Input(_) => Exit::BadInput,
            _ if e.is_sign_in() => Exit::SignIn,
            _ => Exit::Failed,
        };
        Failure::new(exit, &e.code(), e.to_string(), e.help())
    }
}

/// Prints the device code where people look (stderr), never into JSON output.
struct PrintDeviceCode;

impl DeviceCodePrompt for PrintDeviceCode {
    fn show(&self, instructions: &DeviceCodeInstructions) {
        eprintln!("To sign in, open {} and enter the code {}", instructions.verification_uri, instructions.user_code);
    }
}

pub async fn cloud(args: &AzureArgs) -> Result<CloudProfile, Failure> {
    Ok(resolve_cloud(args.cloud.as_deref()).await?)
}

pub fn sign_in_options(args: &AzureArgs, cloud: CloudProfile) -> Result<SignInOptions, Failure> {
    let mut options = SignInOptions::new(cloud);
    if let Some(client_id) = &args.client_id {
        options = options.with_client_id(client_id)?;
    }
    if let Some(tenant) = &args.tenant {
        options = options.with_tenant(tenant)?;
    }
    Ok(options)
}

pub async fn connect(args: &AzureArgs, printer: &Printer) -> Result<Connected, Failure> {
    let cloud = cloud(args).await?;
    if let keyless_core::cloud::WifSupport::Limited(note) = &cloud.wif_support {
        printer.note(&format!("note: {note}"));
    }
    let http = AzureHttp::new(HttpConfig::default())
        .map_err(|e| Failure::new(Exit::Failed, "http", e.to_string(), "this is a bug; please report it"))?;
    let keyring: Arc<dyn RefreshTokenStore> = Arc::new(OsKeyring);
    let mut options = sign_in_options(args, cloud.clone())?;
    if args.remember {
        options.remember = Some(keyring.clone());
    }
    let interaction = match args.auth {
        AuthMethod::Browser => Interaction::Browser(&SystemBrowser),
        AuthMethod::DeviceCode => Interaction::DeviceCode(&PrintDeviceCode),
        AuthMethod::AzureCli => Interaction::AzureCli,
    };
    let session = sign_in_on_demand(&http, &options, Some(keyring), interaction, &SignInCancel::new()).await?;
    if let Some(notice) = session.storage_notice() {
        printer.note(&format!("note: {notice}"));
    }
    let account = session.account().clone();
    let tenant = account.home_tenant.ok_or_else(|| {
        Failure::new(
            Exit::SignIn,
            "noTenant",
            "the sign-in did not say which tenant the account belongs to",
            "sign in again with --tenant <tenant id or domain>",
        )
    })?;
    let client = AzureClient::for_session(&session);
    let port = AzureClients::new(client.clone(), tenant, account.object_id);
    Ok(Connected { session, client, port, cloud })
}

/// Forgets the remembered sign-in for this cloud and client id, without any request.
pub async fn forget(args: &AzureArgs) -> Result<Option<String>, Failure> {
    let cloud = cloud(args).await?;
    let options = sign_in_options(args, cloud)?;
    let (cloud_name, client_id) = (options.cloud.name.clone(), options.client_id.clone());
    let job = tokio::task::spawn_blocking(move || {
        let store = OsKeyring;
        let Some(account) = store.last_account(&cloud_name, &client_id)? else { return Ok(None) };
        store.delete(&StoreKey { cloud: cloud_name, client_id, account: account.clone() })?;
        Ok::<_, keyless_azure::auth::remember::StoreError>(Some(account))
    });
    match job.await {
        Ok(Ok(account)) => Ok(account),
        Ok(Err(e)) => Err(Failure::new(
            Exit::Failed,
            "keyring",
            e.to_string(),
            "nothing was remembered, or the OS keyring is not available here",
        )),
        Err(e) => Err(Failure::new(Exit::Failed, "keyring", e.to_string(), "try again")),
    }
}
