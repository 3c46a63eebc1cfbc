//! A remembered refresh token goes only to the authority that issued it: never to an
//! authority named by a profile fetched from a URL, nor by a profile file naming another one.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use keyless_azure::auth::remember::StoreError;
use keyless_azure::auth::{
    CloudSource, DeviceCodeInstructions, DeviceCodeLimits, DeviceCodePrompt, Interaction, MemoryStore,
    RefreshTokenStore, SignInCancel, SignInMethod, SignInOptions, StoreKey, sign_in_on_demand, sign_in_with_browser,
};
use keyless_azure::cloud_spec::resolve_cloud_spec;
use keyless_azure::secret::RefreshToken;
use keyless_core::CloudProfile;
use keyless_emulator::minimal_ids;
use serde_json::json;

use crate::emulated::{FollowRedirects, fast_config, options, start};
use crate::support::{Reply, ScriptedServer, fast_http};

/// Counts every use of the store it wraps.
struct CountingStore {
    inner: Arc<MemoryStore>,
    uses: AtomicUsize,
}

impl CountingStore {
    fn new(inner: Arc<MemoryStore>) -> Self {
        CountingStore { inner, uses: AtomicUsize::new(0) }
    }

    fn used(&self) -> usize {
        self.uses.load(Ordering::SeqCst)
    }

    fn count(&self) {
        self.uses.fetch_add(1, Ordering::SeqCst);
    }
}

impl RefreshTokenStore for CountingStore {
    fn name(&self) -> &'static str {
        "counted memory"
    }
    fn load(&self, key: &StoreKey) -> Result<Option<RefreshToken>, StoreError> {
        self.count();
        self.inner.load(key)
    }
    fn save(&self, key: &StoreKey, token: &RefreshToken) -> Result<(), StoreError> {
        self.count();
        self.inner.save(key, token)
    }
    fn delete(&self, key: &StoreKey) -> Result<(), StoreError> {
        self.count();
        self.inner.delete(key)
    }
    fn last_account(&self, authority: &str, client_id: &str) -> Result<Option<String>, StoreError> {
        self.count();
        self.inner.last_account(authority, client_id)
    }
    fn set_last_account(&self, authority: &str, client_id: &str, account: &str) -> Result<(), StoreError> {
        self.count();
        self.inner.set_last_account(authority, client_id, account)
    }
}

/// Every (path, body) a server received.
type ReceivedBodies = Arc<Mutex<Vec<(String, String)>>>;

/// An authority on another loopback port that completes any sign-in and records every
/// request body it receives.
struct ForeignAuthority {
    base: String,
    bodies: ReceivedBodies,
}

impl ForeignAuthority {
    async fn start() -> Self {
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let app = axum::Router::new().fallback(record_and_grant).with_state(bodies.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        ForeignAuthority { base, bodies }
    }

    fn received(&self) -> Vec<(String, String)> {
        self.bodies.lock().unwrap().clone()
    }

    /// A profile whose every service, the authority included, is this server.
    fn profile(&self) -> CloudProfile {
        CloudProfile::for_emulator(&self.base)
    }
}

async fn record_and_grant(State(bodies): State<ReceivedBodies>, request: Request) -> Response {
    let path = request.uri().path().to_string();
    let body = axum::body::to_bytes(request.into_body(), 1 << 20).await.unwrap_or_default();
    bodies.lock().unwrap().push((path.clone(), String::from_utf8_lossy(&body).into_owned()));
    let (status, answer) = if path.ends_with("/devicecode") {
        let code = json!({"device_code": "dc", "user_code": "FOREIGN", "verification_uri": "http://127.0.0.1/device", "expires_in": 60, "interval": 0});
        (StatusCode::OK, code)
    } else if path.ends_with("/token") {
        let claims = base64_json(&json!({"preferred_username": "someone@foreign.test", "tid": minimal_ids::TENANT}));
        let token = format!("h.{claims}.s");
        let grant = json!({"token_type": "Bearer", "expires_in": 3600, "access_token": token, "id_token": token, "refresh_token": "foreign-rt"});
        (StatusCode::OK, grant)
    } else {
        (StatusCode::NOT_FOUND, json!({"error": "not_found"}))
    };
    let mut response = Response::new(Body::from(answer.to_string()));
    *response.status_mut() = status;
    response
}

fn base64_json(value: &serde_json::Value) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string())
}

struct IgnorePrompt;

impl DeviceCodePrompt for IgnorePrompt {
    fn show(&self, _instructions: &DeviceCodeInstructions) {}
}

/// A store holding a refresh token remembered from a real sign-in to `em` (named "Demo").
async fn remembered_sign_in_to(em: &keyless_emulator::RunningEmulator) -> (Arc<MemoryStore>, RefreshToken) {
    let memory = Arc::new(MemoryStore::default());
    let opts = SignInOptions { remember: Some(memory.clone()), ..options(em) };
    sign_in_with_browser(&fast_http(), &opts, &FollowRedirects, &SignInCancel::new()).await.unwrap();
    let key = StoreKey::new(&em.cloud_profile(), &opts.client_id, minimal_ids::USER_UPN);
    let remembered = memory.load(&key).unwrap().expect("the sign-in was remembered");
    (memory, remembered)
}

fn sign_in_options(profile: CloudProfile, source: CloudSource, store: Arc<dyn RefreshTokenStore>) -> SignInOptions {
    SignInOptions {
        remember: Some(store),
        device_code_limits: DeviceCodeLimits { min_interval: Duration::ZERO, ..DeviceCodeLimits::default() },
        ..SignInOptions::new(profile).with_cloud_source(source)
    }
}

fn assert_never_sent(foreign: &ForeignAuthority, remembered: &RefreshToken) {
    let received = foreign.received();
    assert!(received.iter().any(|(path, _)| path.ends_with("/devicecode")), "the sign-in went elsewhere: {received:?}");
    for (path, body) in received {
        assert!(!body.contains("grant_type=refresh_token"), "{path} received a refresh token grant: {body}");
        assert!(!body.contains(remembered.expose()), "{path} received the remembered refresh token");
    }
}

#[tokio::test]
async fn profile_fetched_from_a_url_never_reads_or_receives_a_remembered_sign_in() {
    let em = start(fast_config()).await;
    let (memory, remembered) = remembered_sign_in_to(&em).await;
    let foreign = ForeignAuthority::start().await;
    // The served profile calls itself "Demo", like the cloud the token was remembered for.
    let profile_server = ScriptedServer::start().await;
    profile_server.push(Reply::json(200, serde_json::to_value(foreign.profile()).unwrap()));
    let resolved = resolve_cloud_spec(Some(&profile_server.base)).await.unwrap();
    assert_eq!(resolved.source, CloudSource::FetchedFromUrl);
    assert_eq!(resolved.profile.name, em.cloud_profile().name);

    let store = Arc::new(CountingStore::new(memory));
    let options = sign_in_options(resolved.profile, resolved.source, store.clone());
    let session = sign_in_on_demand(
        &fast_http(),
        &options,
        Some(store.clone()),
        Interaction::DeviceCode(&IgnorePrompt),
        &SignInCancel::new(),
    )
    .await
    .unwrap();

    assert_eq!(session.method(), SignInMethod::DeviceCode);
    assert_never_sent(&foreign, &remembered);
    assert_eq!(store.used(), 0, "the store was read or written for a fetched profile");
    let notice = session.storage_notice().expect("remember me was asked for, so the session says why not");
    assert!(notice.contains("fetched from a URL"), "{notice}");
}

#[tokio::test]
async fn profile_file_naming_another_authority_does_not_get_the_remembered_token() {
    let em = start(fast_config()).await;
    let (memory, remembered) = remembered_sign_in_to(&em).await;
    let foreign = ForeignAuthority::start().await;
    let impostor = foreign.profile();
    assert_eq!(impostor.name, em.cloud_profile().name, "both call themselves the same");

    let store: Arc<dyn RefreshTokenStore> = memory.clone();
    let options = sign_in_options(impostor, CloudSource::File, store.clone());
    let interaction = Interaction::DeviceCode(&IgnorePrompt);
    let session = sign_in_on_demand(&fast_http(), &options, Some(store.clone()), interaction, &SignInCancel::new())
        .await
        .unwrap();
    assert_eq!(session.method(), SignInMethod::DeviceCode);
    assert_never_sent(&foreign, &remembered);

    // The same file naming the real authority restores the remembered sign-in.
    let genuine = sign_in_options(em.cloud_profile(), CloudSource::File, store.clone());
    let session =
        sign_in_on_demand(&fast_http(), &genuine, Some(store), interaction, &SignInCancel::new()).await.unwrap();
    assert_eq!(session.method(), SignInMethod::Restored);
    assert_eq!(session.account().username, minimal_ids::USER_UPN);
}
