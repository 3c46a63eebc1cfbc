//! A signed-in session: the account, one refresh token (or the Azure CLI), and access
//! tokens cached per (tenant, resource) until shortly before they expire.
//!
//! Tokens for Graph, ARM and Azure DevOps in any tenant come from redeeming the one refresh
//! token, one resource per request; the rotated refresh token replaces the old one every time
//! (and is saved again when "remember me" is on). This module does not sign in interactively:
//! `browser` and `device_code` do, and hand their first tokens to
//! [`Session::from_interactive_sign_in`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use keyless_core::{CloudProfile, Guid};
use serde::Deserialize;

use crate::auth::remember::{MemoryStore, RefreshTokenStore, StoreError, StoreKey, authority_of};
use crate::auth::token_endpoint::{Account, AuthorityTenant, TokenSet, redeem_refresh_token};
use crate::auth::{AuthError, Resource, SignInMethod, SignInOptions, TokenSource, azure_cli};
use crate::error::Service;
use crate::secret::{AccessToken, RefreshToken};
use crate::transport::{ApiRequest, AzureHttp};

/// Cached tokens are renewed this long before they expire, so none dies in flight.
const RENEW_BEFORE: Duration = Duration::from_secs(300);

/// Why "remember me" was not honoured for a profile fetched from a URL.
const FETCHED_PROFILE_NOTICE: &str = "Keyless does not remember sign-ins to a cloud whose profile was fetched from a URL; this sign-in is kept in memory and ends when Keyless exits.";

enum Credential {
    /// The newest refresh token. Entra rotates it on every redemption and keeps the one
    /// redeemed valid until it expires, so redemptions for different resources or tenants run
    /// side by side; whichever rotation lands last is the one kept.
    Refresh(Mutex<RefreshToken>),
    AzureCli,
}

/// Held while a token of one (tenant, resource) is fetched.
type FetchTurn = Arc<tokio::sync::Mutex<()>>;

struct Remembered {
    store: Arc<dyn RefreshTokenStore>,
    key: StoreKey,
}

struct SessionInner {
    http: AzureHttp,
    cloud: CloudProfile,
    client_id: String,
    account: Account,
    method: SignInMethod,
    /// Used when a token is asked for the home tenant and none is known.
    authority: AuthorityTenant,
    credential: Credential,
    cache: Mutex<HashMap<(Guid, Resource), AccessToken>>,
    /// One fetch at a time per (tenant, resource): callers that need a token another is
    /// already fetching wait for it and find it cached, instead of asking Entra again.
    fetching: Mutex<HashMap<(Guid, Resource), FetchTurn>>,
    remembered: Option<Remembered>,
    storage_notice: Option<String>,
}

/// A signed-in account. Cheap to clone; implements [`TokenSource`].
#[derive(Clone)]
pub struct Session {
    inner: Arc<SessionInner>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("account", &self.inner.account)
            .field("method", &self.inner.method)
            .field("cloud", &self.inner.cloud.name)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GraphMe {
    id: Option<Guid>,
    user_principal_name: Option<String>,
    display_name: Option<String>,
}

async fn run_blocking<T: Send + 'static>(
    job: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(job)
        .await
        .unwrap_or_else(|e| Err(StoreError { store: "the OS keyring", reason: e.to_string() }))
}

impl Session {
    /// Builds the session after a browser or device code sign-in.
    pub(crate) async fn from_interactive_sign_in(
        http: &AzureHttp,
        options: &SignInOptions,
        tokens: TokenSet,
        method: SignInMethod,
    ) -> Result<Session, AuthError> {
        let refresh = tokens.refresh.ok_or(AuthError::NoRefreshToken)?;
        let account = match tokens.account {
            Some(account) => account,
            None => account_from_graph(http, &options.cloud, &tokens.access).await?,
        };
        let (remembered, storage_notice) = match &options.remember {
            Some(_) if !options.may_use_remembered_sign_in() => (None, Some(FETCHED_PROFILE_NOTICE.to_string())),
            Some(store) => remember(store.clone(), options, &account, &refresh).await,
            None => (None, None),
        };
        let credential = Credential::Refresh(Mutex::new(refresh));
        let session = Session::assemble(http, options, account, method, credential, remembered, storage_notice);
        session.cache_put(None, Resource::Graph, tokens.access);
        Ok(session)
    }

    fn assemble(
        http: &AzureHttp,
        options: &SignInOptions,
        account: Account,
        method: SignInMethod,
        credential: Credential,
        remembered: Option<Remembered>,
        storage_notice: Option<String>,
    ) -> Session {
        Session {
            inner: Arc::new(SessionInner {
                http: http.confined_to(&options.cloud),
                cloud: options.cloud.clone(),
                client_id: options.client_id.clone(),
                account,
                method,
                authority: options.authority(),
                credential,
                cache: Mutex::new(HashMap::new()),
                fetching: Mutex::new(HashMap::new()),
                remembered,
                storage_notice,
            }),
        }
    }

    /// Restores a remembered sign-in (`options.remember` names the store); `account` picks
    /// one, else the last account that signed in at this cloud's authority with this client
    /// id. Never for a profile fetched from a URL: the store is not even read.
    pub async fn restore(
        http: &AzureHttp,
        options: &SignInOptions,
        account: Option<&str>,
    ) -> Result<Session, AuthError> {
        if !options.may_use_remembered_sign_in() {
            return Err(AuthError::NotSignedIn(Some(
                "sign-ins to a cloud whose profile was fetched from a URL are never remembered".into(),
            )));
        }
        let store =
            options.remember.clone().ok_or(AuthError::NotSignedIn(Some("no saved sign-in store was given".into())))?;
        let (authority, client_id) = (authority_of(&options.cloud), options.client_id.clone());
        let account = match account {
            Some(account) => account.to_string(),
            None => {
                let lookup = store.clone();
                run_blocking(move || lookup.last_account(&authority, &client_id))
                    .await
                    .map_err(|e| AuthError::NotSignedIn(Some(e.to_string())))?
                    .ok_or(AuthError::NotSignedIn(Some("no saved sign-in for this cloud and client id".into())))?
            }
        };
        let key = StoreKey::new(&options.cloud, &options.client_id, &account);
        let (lookup, lookup_key) = (store.clone(), key.clone());
        let refresh = run_blocking(move || lookup.load(&lookup_key))
            .await
            .map_err(|e| AuthError::NotSignedIn(Some(e.to_string())))?
            .ok_or_else(|| AuthError::NotSignedIn(Some(format!("no saved sign-in for {}", key.account))))?;
        let scope = Resource::Graph.scope(&options.cloud);
        let tokens =
            redeem_refresh_token(http, &options.cloud, &options.client_id, &options.authority(), &refresh, &scope)
                .await?;
        let restored = SignInOptions { remember: Some(store), ..options.clone() };
        Session::from_interactive_sign_in(http, &restored, tokens, SignInMethod::Restored).await
    }

    /// A session backed by the Azure CLI's sign-in (`az login`); tokens only, no refresh token.
    pub async fn from_azure_cli(http: &AzureHttp, options: &SignInOptions) -> Result<Session, AuthError> {
        let tenant = options.tenant_id();
        let graph = azure_cli::token(&Resource::Graph.scope(&options.cloud), tenant).await?;
        let account = match Account::from_jwt(graph.expose()) {
            Some(account) => account,
            None => account_from_graph(http, &options.cloud, &graph).await?,
        };
        let session =
            Session::assemble(http, options, account, SignInMethod::AzureCli, Credential::AzureCli, None, None);
        session.cache_put(tenant, Resource::Graph, graph);
        Ok(session)
    }

    pub fn account(&self) -> &Account {
        &self.inner.account
    }
    pub fn method(&self) -> SignInMethod {
        self.inner.method
    }
    pub fn cloud(&self) -> &CloudProfile {
        &self.inner.cloud
    }
    pub fn client_id(&self) -> &str {
        &self.inner.client_id
    }
    pub fn http(&self) -> &AzureHttp {
        &self.inner.http
    }
    pub fn home_tenant(&self) -> Option<Guid> {
        self.inner.account.home_tenant
    }
    /// Set when "remember me" was asked for but the sign-in is kept in memory only (no
    /// keyring, or a cloud profile fetched from a URL).
    pub fn storage_notice(&self) -> Option<&str> {
        self.inner.storage_notice.as_deref()
    }

    /// Forgets the saved refresh token (if any) and the cached access tokens.
    pub async fn sign_out(&self) -> Result<(), StoreError> {
        if let Ok(mut cache) = self.inner.cache.lock() {
            cache.clear();
        }
        let Some(remembered) = &self.inner.remembered else { return Ok(()) };
        let (store, key) = (remembered.store.clone(), remembered.key.clone());
        run_blocking(move || store.delete(&key)).await
    }

    fn cache_key(&self, tenant: Option<Guid>) -> Guid {
        tenant.or(self.inner.account.home_tenant).unwrap_or(Guid::NIL)
    }

    fn cache_get(&self, tenant: Option<Guid>, resource: Resource) -> Option<AccessToken> {
        let key = (self.cache_key(tenant), resource);
        let cache = self.inner.cache.lock().ok()?;
        cache.get(&key).filter(|token| !token.expires_within(RENEW_BEFORE)).cloned()
    }

    fn cache_put(&self, tenant: Option<Guid>, resource: Resource, token: AccessToken) {
        let key = (self.cache_key(tenant), resource);
        if let Ok(mut cache) = self.inner.cache.lock() {
            cache.insert(key, token);
        }
    }

    async fn fetch(&self, resource: Resource, tenant: Option<Guid>) -> Result<AccessToken, AuthError> {
        if let Some(token) = self.cache_get(tenant, resource) {
            return Ok(token);
        }
        let inner = &self.inner;
        let gate = {
            let mut fetching = inner.fetching.lock().unwrap_or_else(|p| p.into_inner());
            fetching.entry((self.cache_key(tenant), resource)).or_default().clone()
        };
        let _turn = gate.lock().await;
        // Another task may have fetched it while this one waited for its turn.
        if let Some(token) = self.cache_get(tenant, resource) {
            return Ok(token);
        }
        let scope = resource.scope(&inner.cloud);
        let target = tenant.or(inner.account.home_tenant);
        let token = match &inner.credential {
            Credential::AzureCli => azure_cli::token(&scope, target).await?,
            Credential::Refresh(newest) => {
                let refresh = newest.lock().unwrap_or_else(|p| p.into_inner()).clone();
                let authority = target.map(AuthorityTenant::id).unwrap_or_else(|| inner.authority.clone());
                let tokens =
                    redeem_refresh_token(&inner.http, &inner.cloud, &inner.client_id, &authority, &refresh, &scope)
                        .await?;
                if let Some(rotated) = tokens.refresh {
                    *newest.lock().unwrap_or_else(|p| p.into_inner()) = rotated.clone();
                    self.persist(rotated).await;
                }
                tokens.access
            }
        };
        resource.check_token(&inner.cloud, &token)?;
        self.cache_put(tenant, resource, token.clone());
        Ok(token)
    }

    async fn persist(&self, refresh: RefreshToken) {
        let Some(remembered) = &self.inner.remembered else { return };
        let (store, key) = (remembered.store.clone(), remembered.key.clone());
        if let Err(e) = run_blocking(move || store.save(&key, &refresh)).await {
            tracing::warn!(error = %e, "could not save the rotated refresh token");
        }
    }
}

impl TokenSource for Session {
    fn token(&self, resource: Resource, tenant: Option<Guid>) -> BoxFuture<'_, Result<AccessToken, AuthError>> {
        Box::pin(self.fetch(resource, tenant))
    }
}

async fn account_from_graph(http: &AzureHttp, cloud: &CloudProfile, token: &AccessToken) -> Result<Account, AuthError> {
    let url = url::Url::parse(&format!("{}/v1.0/me", cloud.graph.trim_end_matches('/')))
        .map_err(|e| AuthError::UnexpectedTokenResponse(format!("the cloud profile's graph URL is invalid: {e}")))?;
    let me: GraphMe = http.send_json(ApiRequest::get(Service::Graph, url).bearer(token.clone())).await?;
    Ok(Account {
        username: me.user_principal_name.unwrap_or_else(|| "(unknown account)".into()),
        display_name: me.display_name,
        object_id: me.id,
        home_tenant: None,
    })
}

/// Saves the refresh token; on failure keeps it in memory and returns the notice to show.
async fn remember(
    store: Arc<dyn RefreshTokenStore>,
    options: &SignInOptions,
    account: &Account,
    refresh: &RefreshToken,
) -> (Option<Remembered>, Option<String>) {
    let key = StoreKey::new(&options.cloud, &options.client_id, &account.username);
    let (job_store, job_key, token) = (store.clone(), key.clone(), refresh.clone());
    let saved = run_blocking(move || {
        job_store.save(&job_key, &token)?;
        job_store.set_last_account(&job_key.authority, &job_key.client_id, &job_key.account)
    })
    .await;
    match saved {
        Ok(()) => (Some(Remembered { store, key }), None),
        Err(e) => {
            let notice =
                format!("Could not remember the sign-in ({e}); it is kept in memory and ends when Keyless exits.");
            tracing::warn!(error = %e, "remember me degraded to memory");
            let memory: Arc<dyn RefreshTokenStore> = Arc::new(MemoryStore::default());
            let _ = memory.save(&key, refresh);
            (Some(Remembered { store: memory, key }), Some(notice))
        }
    }
}
