//! Sign-in flows end to end against the emulator, and the device code flow's error paths
//! against a scripted server.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use keyless_azure::auth::{
    AuthError, DeviceCodeInstructions, DeviceCodeLimits, DeviceCodePrompt, MemoryStore, OsKeyring, RefreshTokenStore,
    Resource, Session, SignInCancel, SignInMethod, SignInOptions, StoreKey, TokenSource, discover_org_tenant,
    sign_in_with_browser, sign_in_with_device_code,
};
use keyless_azure::{ErrorCode, HttpConfig};
use keyless_core::CloudProfile;
use keyless_core::names::OrgName;
use keyless_emulator::{EmulatorConfig, minimal_ids};
use serde_json::json;
use url::Url;

use crate::emulated::{FollowRedirects, fast_config, options, signed_in, start};
use crate::support::{Reply, ScriptedServer, fast_http};

#[derive(Default)]
struct CollectedPrompts(Mutex<Vec<DeviceCodeInstructions>>);

impl DeviceCodePrompt for CollectedPrompts {
    fn show(&self, instructions: &DeviceCodeInstructions) {
        self.0.lock().unwrap().push(instructions.clone());
    }
}

struct DoNothing;

impl keyless_azure::auth::BrowserOpener for DoNothing {
    fn open(&self, _url: &Url) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn browser_sign_in_yields_account_and_per_resource_tokens() {
    let em = start(fast_config()).await;
    let (_, session) = signed_in(&em).await;
    let account = session.account();
    assert_eq!(account.username, minimal_ids::USER_UPN);
    assert_eq!(account.home_tenant, Some(minimal_ids::TENANT));
    assert_eq!(account.object_id, Some(minimal_ids::USER));
    assert_eq!(session.method(), SignInMethod::Browser);

    let graph = session.token(Resource::Graph, None).await.unwrap();
    let arm = session.token(Resource::Arm, None).await.unwrap();
    let devops = session.token(Resource::DevOps, Some(minimal_ids::TENANT)).await.unwrap();
    assert_eq!(graph.audience(), Some("https://graph.microsoft.com"));
    assert_eq!(arm.audience(), Some("https://management.azure.com/"));
    assert_eq!(devops.audience(), Some("499b84ac-1321-427f-aa17-267ca6975798"));
    // Cached: the same token comes back without another redemption.
    assert_eq!(session.token(Resource::Arm, None).await.unwrap().expose(), arm.expose());
}

#[tokio::test]
async fn tokens_for_different_resources_are_redeemed_side_by_side_and_each_once() {
    let em = start(EmulatorConfig { latency_ms: 200, ..fast_config() }).await;
    let (_, session) = signed_in(&em).await;
    let before = em.requests().len();
    let (arm, devops, arm_again) = tokio::join!(
        session.token(Resource::Arm, None),
        session.token(Resource::DevOps, None),
        session.token(Resource::Arm, None),
    );
    assert_eq!(arm.unwrap().expose(), arm_again.unwrap().expose(), "one ARM token for both callers");
    assert!(devops.is_ok());
    let redemptions: Vec<_> =
        em.requests().into_iter().skip(before).filter(|r| r.path.ends_with("/oauth2/v2.0/token")).collect();
    assert_eq!(redemptions.len(), 2, "one redemption per resource: {redemptions:?}");
    // Side by side: the second reached Entra before the first was answered, instead of
    // waiting for it.
    let first_answered = redemptions.iter().map(|r| r.answered_at_micros).min().unwrap();
    assert!(redemptions.iter().all(|r| r.received_at_micros < first_answered), "{redemptions:?}");
}

#[tokio::test]
async fn device_code_sign_in_against_the_emulator() {
    let em = start(EmulatorConfig { device_code_interval: Duration::ZERO, ..fast_config() }).await;
    let prompts = CollectedPrompts::default();
    let options = SignInOptions { device_code_limits: no_minimum_interval(), ..options(&em) };
    let session = sign_in_with_device_code(&fast_http(), &options, &prompts, &SignInCancel::new()).await.unwrap();
    assert_eq!(session.account().username, minimal_ids::USER_UPN);
    assert_eq!(session.method(), SignInMethod::DeviceCode);
    let shown = prompts.0.lock().unwrap().clone();
    assert_eq!(shown.len(), 1);
    assert!(shown[0].verification_uri.ends_with("/login/device"), "{}", shown[0].verification_uri);
    assert!(shown[0].message.contains(&shown[0].user_code));
    assert!(session.token(Resource::Arm, None).await.is_ok());
}

#[tokio::test]
async fn devops_token_comes_from_the_organizations_tenant() {
    let em = start(fast_config()).await;
    let (http, session) = signed_in(&em).await;
    let cloud = em.cloud_profile();
    let fabrikam = OrgName::parse(minimal_ids::OTHER_TENANT_ORG_NAME).unwrap();
    let contoso = OrgName::parse(minimal_ids::ORG_NAME).unwrap();
    assert_eq!(discover_org_tenant(&http, &cloud, &contoso).await.unwrap(), Some(minimal_ids::TENANT));
    let tenant = discover_org_tenant(&http, &cloud, &fabrikam).await.unwrap();
    assert_eq!(tenant, Some(minimal_ids::OTHER_TENANT));
    let token = session.token(Resource::DevOps, tenant).await.unwrap();
    let claims = keyless_azure::secret::decode_jwt_claims(token.expose()).unwrap();
    assert_eq!(claims["tid"], json!(minimal_ids::OTHER_TENANT.to_string()));
}

#[tokio::test]
async fn unknown_organization_is_not_found() {
    let em = start(fast_config()).await;
    let org = OrgName::parse("no-such-org").unwrap();
    let error = discover_org_tenant(&fast_http(), &em.cloud_profile(), &org).await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::NotFound, "{error:?}");
}

#[tokio::test]
async fn remembered_refresh_token_rotates_and_restores_the_session() {
    let em = start(fast_config()).await;
    let store: Arc<dyn RefreshTokenStore> = Arc::new(MemoryStore::default());
    let http = fast_http();
    let opts = SignInOptions { remember: Some(store.clone()), ..options(&em) };
    let session = sign_in_with_browser(&http, &opts, &FollowRedirects, &SignInCancel::new()).await.unwrap();
    assert_eq!(session.storage_notice(), None);
    let key = StoreKey::new(&em.cloud_profile(), keyless_azure::auth::DEFAULT_CLIENT_ID, minimal_ids::USER_UPN);
    assert_eq!(key.authority, em.cloud_profile().identity().authority);
    let first = store.load(&key).unwrap().expect("saved");
    session.token(Resource::Arm, None).await.unwrap();
    let rotated = store.load(&key).unwrap().expect("still saved");
    assert_ne!(first.expose(), rotated.expose(), "the rotated refresh token must replace the old one");

    let restored = Session::restore(&http, &opts, None).await.unwrap();
    assert_eq!(restored.account().username, minimal_ids::USER_UPN);
    assert_eq!(restored.method(), SignInMethod::Restored);
    assert!(restored.token(Resource::DevOps, None).await.is_ok());

    restored.sign_out().await.unwrap();
    let error = Session::restore(&http, &opts, None).await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::SignInRequired);
}

#[tokio::test]
async fn remember_me_without_a_keyring_degrades_to_memory() {
    let em = start(fast_config()).await;
    let opts = SignInOptions { remember: Some(Arc::new(OsKeyring)), ..options(&em) };
    let session = sign_in_with_browser(&fast_http(), &opts, &FollowRedirects, &SignInCancel::new()).await.unwrap();
    match session.storage_notice() {
        Some(notice) => assert!(notice.contains("kept in memory"), "{notice}"),
        // A machine with a Secret Service: the entry was really written; remove it again.
        None => session.sign_out().await.unwrap(),
    }
    assert!(session.token(Resource::Arm, None).await.is_ok());
}

#[tokio::test]
async fn expired_tokens_are_refused_before_any_request() {
    let em = start(EmulatorConfig { access_token_lifetime: Duration::ZERO, ..fast_config() }).await;
    let (_, session) = signed_in(&em).await;
    let error = session.token(Resource::Arm, None).await.unwrap_err();
    assert!(matches!(error, AuthError::TokenExpired { resource: Resource::Arm }), "{error:?}");
    assert_eq!(error.code(), ErrorCode::Unauthorized);
    assert!(error.help().contains("sign in again"));
}

#[tokio::test]
async fn browser_sign_in_times_out_and_cancels() {
    let em = start(fast_config()).await;
    let opts = SignInOptions { timeout: Duration::from_millis(100), ..options(&em) };
    let error = sign_in_with_browser(&fast_http(), &opts, &DoNothing, &SignInCancel::new()).await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::TimedOut);

    let cancel = SignInCancel::new();
    let later = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(50)).await;
        later.cancel();
    });
    let error = sign_in_with_browser(&fast_http(), &options(&em), &DoNothing, &cancel).await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::Cancelled);
}

/// Device code polls as fast as the (test) server says, so these tests take milliseconds.
fn no_minimum_interval() -> DeviceCodeLimits {
    DeviceCodeLimits { min_interval: Duration::ZERO, ..DeviceCodeLimits::default() }
}

/// What the stray requests to the loopback listener got back: (request, status, page).
type StrayAnswers = Arc<Mutex<Vec<(&'static str, u16, String)>>>;

/// Sends stray requests to the loopback listener first (a favicon, a redirect with a forged
/// state, a forged refusal), then plays the browser for the real sign-in.
#[derive(Default)]
struct StrayRequestsFirst {
    answers: StrayAnswers,
    listener: Arc<Mutex<Option<String>>>,
}

impl keyless_azure::auth::BrowserOpener for StrayRequestsFirst {
    fn open(&self, url: &Url) -> std::io::Result<()> {
        let redirect = url.query_pairs().find(|(k, _)| k == "redirect_uri").unwrap().1.into_owned();
        let listener = redirect.replace("//localhost:", "//127.0.0.1:");
        *self.listener.lock().unwrap() = Some(listener.clone());
        let (answers, authorize) = (self.answers.clone(), url.clone());
        tokio::spawn(async move {
            let strays = [
                ("favicon", "/favicon.ico"),
                ("forged state", "/?code=stolen&state=forged"),
                ("forged refusal", "/?error=access_denied&state=forged"),
            ];
            for (what, path) in strays {
                let response = reqwest::get(format!("{listener}{path}")).await.unwrap();
                let status = response.status().as_u16();
                let page = response.text().await.unwrap();
                answers.lock().unwrap().push((what, status, page));
            }
            let _ = reqwest::get(authorize).await;
        });
        Ok(())
    }
}

#[tokio::test]
async fn stray_requests_to_the_sign_in_listener_are_answered_and_the_sign_in_goes_on() {
    let em = start(fast_config()).await;
    let opener = StrayRequestsFirst::default();
    let session = sign_in_with_browser(&fast_http(), &options(&em), &opener, &SignInCancel::new()).await.unwrap();
    assert_eq!(session.account().username, minimal_ids::USER_UPN);

    let answers = opener.answers.lock().unwrap().clone();
    let statuses: Vec<_> = answers.iter().map(|(what, status, _)| (*what, *status)).collect();
    assert_eq!(statuses, [("favicon", 404), ("forged state", 400), ("forged refusal", 400)]);
    assert!(answers[1].2.contains("not the one Keyless is waiting for"), "{}", answers[1].2);

    // The listener closed once the sign-in had its redirect.
    let listener = opener.listener.lock().unwrap().clone().unwrap();
    let address = listener.trim_start_matches("http://").to_string();
    assert!(tokio::net::TcpStream::connect(address).await.is_err(), "the sign-in listener is still open");
}

#[tokio::test]
async fn unknown_client_id_is_reported_with_aadsts() {
    let em = start(fast_config()).await;
    let opts = options(&em).with_client_id("12345678-1234-4234-8234-123456789012").unwrap();
    let error = sign_in_with_device_code(&fast_http(), &opts, &CollectedPrompts::default(), &SignInCancel::new())
        .await
        .unwrap_err();
    let AuthError::Http(inner) = &error else { panic!("{error:?}") };
    assert!(inner.has_code("AADSTS700016"), "{inner}");
    assert!(error.help().contains("client id"), "{}", error.help());
}

#[test]
fn bad_sign_in_inputs_are_refused_locally() {
    let options = SignInOptions::new(CloudProfile::for_emulator("http://127.0.0.1:9"));
    let error = options.clone().with_client_id("my-app").unwrap_err();
    assert_eq!(error.input, "client id");
    let error = options.with_tenant("ff882432-09b0-437b-bd22").unwrap_err();
    assert_eq!(error.input, "tenant");
}

async fn device_flow_against(replies: Vec<Reply>) -> Result<Session, AuthError> {
    let server = ScriptedServer::start().await;
    server.push(Reply::json(
        200,
        json!({"device_code": "dc", "user_code": "ABC", "verification_uri": "http://127.0.0.1/device", "expires_in": 60, "interval": 0}),
    ));
    for reply in replies {
        server.push(reply);
    }
    let options = SignInOptions {
        device_code_slow_down_step: Duration::from_millis(10),
        device_code_limits: no_minimum_interval(),
        ..SignInOptions::new(CloudProfile::for_emulator(&server.base))
    };
    let http = keyless_azure::AzureHttp::new(HttpConfig::fast_for_tests()).unwrap();
    sign_in_with_device_code(&http, &options, &CollectedPrompts::default(), &SignInCancel::new()).await
}

fn poll_error(error: &str) -> Reply {
    Reply::json(
        400,
        json!({"error": error, "error_description": format!("AADSTS70016: {error}"), "error_codes": [70016]}),
    )
}

#[tokio::test]
async fn device_code_polling_handles_pending_slow_down_and_failures() {
    let payload = base64_json(&json!({"preferred_username": "a@b.c", "tid": minimal_ids::TENANT.to_string()}));
    let success = Reply::json(
        200,
        json!({"token_type": "Bearer", "expires_in": 3600, "access_token": format!("h.{payload}.s"), "refresh_token": "rt", "id_token": format!("h.{payload}.s")}),
    );
    let session =
        device_flow_against(vec![poll_error("authorization_pending"), poll_error("slow_down"), success]).await.unwrap();
    assert_eq!(session.account().username, "a@b.c");

    let check = |error: AuthError, want: fn(&AuthError) -> bool| assert!(want(&error), "{error:?}");
    check(device_flow_against(vec![poll_error("authorization_declined")]).await.unwrap_err(), |e| {
        matches!(e, AuthError::DeviceCodeDeclined)
    });
    check(device_flow_against(vec![poll_error("expired_token")]).await.unwrap_err(), |e| {
        matches!(e, AuthError::DeviceCodeExpired)
    });
    check(device_flow_against(vec![poll_error("bad_verification_code")]).await.unwrap_err(), |e| {
        matches!(e, AuthError::BadVerificationCode)
    });
    let error = device_flow_against(vec![poll_error("invalid_grant")]).await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::SignInRequired, "{error:?}");
}

fn base64_json(value: &serde_json::Value) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string())
}

#[tokio::test]
async fn azure_cli_sign_in_reports_a_clear_error_when_unavailable() {
    if std::process::Command::new("az").arg("--version").output().is_ok() {
        return; // A machine with the Azure CLI: its state is not ours to assume.
    }
    let options = SignInOptions::new(CloudProfile::for_emulator("http://127.0.0.1:9"));
    let error = Session::from_azure_cli(&fast_http(), &options).await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::SignInFailed, "{error:?}");
    assert!(error.help().contains("az login"));
}
