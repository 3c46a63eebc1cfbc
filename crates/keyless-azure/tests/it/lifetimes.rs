//! Lifetimes and polling intervals sent by a token endpoint are clamped: absurd values
//! (u64::MAX, negative, text, 0) neither panic nor make a sign-in wait for ever.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use keyless_azure::auth::limits::MAX_TOKEN_LIFETIME;
use keyless_azure::auth::token_endpoint::{AuthorityTenant, redeem_refresh_token};
use keyless_azure::auth::{
    AuthError, BrowserOpener, DeviceCodeInstructions, DeviceCodeLimits, DeviceCodePrompt, Resource, SignInCancel,
    SignInOptions, TokenSource, sign_in_with_browser, sign_in_with_device_code,
};
use keyless_azure::secret::RefreshToken;
use keyless_core::CloudProfile;
use serde_json::json;
use url::Url;

use crate::support::{Reply, ScriptedServer, fast_http};

struct IgnorePrompt;

impl DeviceCodePrompt for IgnorePrompt {
    fn show(&self, _instructions: &DeviceCodeInstructions) {}
}

fn signed_in_token(expires_in: serde_json::Value) -> Reply {
    use base64::Engine;
    let claims = json!({"preferred_username": "a@b.c", "tid": "ff882432-09b0-437b-bd22-ca13c0037ded"});
    let token = format!("h.{}.s", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims.to_string()));
    Reply::json(
        200,
        json!({"token_type": "Bearer", "expires_in": expires_in, "access_token": token, "id_token": token, "refresh_token": "rt"}),
    )
}

fn pending() -> Reply {
    Reply::json(400, json!({"error": "authorization_pending", "error_description": "AADSTS70016: pending"}))
}

/// Tiny bounds, so a clamped wait is milliseconds.
fn tiny_limits() -> DeviceCodeLimits {
    DeviceCodeLimits {
        min_interval: Duration::from_millis(1),
        max_interval: Duration::from_millis(5),
        max_lifetime: Duration::from_secs(60),
    }
}

async fn device_code_sign_in(code: serde_json::Value, polls: Vec<Reply>) -> Result<(), AuthError> {
    let server = ScriptedServer::start().await;
    server.push(Reply::json(200, code));
    for reply in polls {
        server.push(reply);
    }
    let options = SignInOptions {
        device_code_limits: tiny_limits(),
        device_code_slow_down_step: Duration::MAX,
        ..SignInOptions::new(CloudProfile::for_emulator(&server.base))
    };
    sign_in_with_device_code(&fast_http(), &options, &IgnorePrompt, &SignInCancel::new()).await.map(|_| ())
}

#[tokio::test]
async fn huge_device_code_interval_and_lifetime_are_clamped() {
    let code = json!({"device_code": "dc", "user_code": "ABC", "verification_uri": "http://127.0.0.1/device", "expires_in": u64::MAX, "interval": u64::MAX});
    let slow_down = Reply::json(400, json!({"error": "slow_down"}));
    device_code_sign_in(code, vec![pending(), slow_down, pending(), signed_in_token(json!(3600))]).await.unwrap();
}

#[tokio::test]
async fn negative_device_code_lifetime_expires_instead_of_failing_to_parse() {
    let code = json!({"device_code": "dc", "user_code": "ABC", "verification_uri": "http://127.0.0.1/device", "expires_in": "-5", "interval": -1});
    let error = device_code_sign_in(code, vec![pending()]).await.unwrap_err();
    assert!(matches!(error, AuthError::DeviceCodeExpired), "{error:?}");
}

#[tokio::test]
async fn zero_device_code_interval_polls_no_faster_than_the_minimum() {
    let server = ScriptedServer::start().await;
    server.push(Reply::json(
        200,
        json!({"device_code": "dc", "user_code": "ABC", "verification_uri": "http://127.0.0.1/device", "expires_in": 60, "interval": 0}),
    ));
    server.push(pending());
    server.push(signed_in_token(json!(3600)));
    let minimum = Duration::from_millis(50);
    let options = SignInOptions {
        device_code_limits: DeviceCodeLimits { min_interval: minimum, ..DeviceCodeLimits::default() },
        ..SignInOptions::new(CloudProfile::for_emulator(&server.base))
    };
    sign_in_with_device_code(&fast_http(), &options, &IgnorePrompt, &SignInCancel::new()).await.unwrap();
    let seen = server.seen();
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert!(seen[2].at - seen[1].at >= minimum, "polled {:?} apart", seen[2].at - seen[1].at);
}

async fn redeemed_expiry(expires_in: serde_json::Value) -> SystemTime {
    let server = ScriptedServer::with([signed_in_token(expires_in)]).await;
    let cloud = CloudProfile::for_emulator(&server.base);
    let refresh = RefreshToken::new("rt");
    let tenant = AuthorityTenant::organizations();
    let scope = Resource::Graph.scope(&cloud);
    let tokens = redeem_refresh_token(&fast_http(), &cloud, "client", &tenant, &refresh, &scope).await.unwrap();
    tokens.access.expires_at()
}

#[tokio::test]
async fn token_lifetimes_are_at_most_a_day_and_never_negative() {
    let day_from_now = || SystemTime::now() + MAX_TOKEN_LIFETIME;
    assert!(redeemed_expiry(json!(u64::MAX)).await <= day_from_now());
    assert!(redeemed_expiry(json!(1e300)).await <= day_from_now());
    assert!(redeemed_expiry(json!("-5")).await <= SystemTime::now());
    assert!(redeemed_expiry(json!(-5)).await <= SystemTime::now());
    assert!(redeemed_expiry(json!(0)).await <= SystemTime::now());
    let text = redeemed_expiry(json!("3600")).await;
    assert!(
        text > SystemTime::now() + Duration::from_secs(3000) && text <= SystemTime::now() + Duration::from_secs(3600)
    );
}

/// Plays a browser that brings back a code at once, without visiting the authorize page.
#[derive(Default)]
struct ReturnCodeAtOnce(Arc<Mutex<Option<u16>>>);

impl BrowserOpener for ReturnCodeAtOnce {
    fn open(&self, url: &Url) -> std::io::Result<()> {
        let param = |name: &str| url.query_pairs().find(|(k, _)| k == name).unwrap().1.into_owned();
        let redirect = param("redirect_uri").replace("//localhost:", "//127.0.0.1:");
        let (state, status) = (param("state"), self.0.clone());
        tokio::spawn(async move {
            let response = reqwest::get(format!("{redirect}/?code=c&state={state}")).await.unwrap();
            *status.lock().unwrap() = Some(response.status().as_u16());
        });
        Ok(())
    }
}

#[tokio::test]
async fn browser_sign_in_clamps_a_huge_token_lifetime() {
    let server = ScriptedServer::with([signed_in_token(json!(u64::MAX))]).await;
    let options = SignInOptions {
        timeout: Duration::from_secs(20),
        ..SignInOptions::new(CloudProfile::for_emulator(&server.base))
    };
    let opener = ReturnCodeAtOnce::default();
    let session = sign_in_with_browser(&fast_http(), &options, &opener, &SignInCancel::new()).await.unwrap();
    assert_eq!(*opener.0.lock().unwrap(), Some(200));
    let graph = session.token(Resource::Graph, None).await.unwrap();
    assert!(graph.expires_at() <= SystemTime::now() + MAX_TOKEN_LIFETIME);
}
