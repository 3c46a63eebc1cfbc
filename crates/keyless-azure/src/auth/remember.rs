//! "Remember me": the refresh token, and only it, in the OS keyring.
//!
//! Entries are keyed by (authority origin, client id, account): a refresh token is only ever
//! redeemed at the authority that issued it, whatever name a cloud profile gives itself, and
//! two client ids never share a token. A pointer entry per (authority, client id) names the
//! last account, so a later run can restore without asking who signed in. Profiles fetched
//! from a URL never reach this store (see [`CloudSource`](crate::cloud_spec::CloudSource)).
//! Where no keyring exists (CI, headless Linux without a Secret Service),
//! [`Session`](crate::auth::Session) falls back to memory and says so; storage problems never
//! fail a sign-in. On Linux the keyring crate talks to the Secret
//! Service over D-Bus in pure Rust (zbus), so no libdbus system library is needed.

use std::collections::HashMap;
use std::sync::Mutex;

use keyless_core::CloudProfile;

use crate::secret::RefreshToken;

/// The keyring "service" all Keyless entries live under.
pub const KEYRING_SERVICE: &str = "keyless";

/// Which saved sign-in an entry holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StoreKey {
    /// The origin of the authority that issued the token, from [`CloudProfile::identity`]
    /// (e.g. `https://login.microsoftonline.com`), never the profile's self-chosen name.
    pub authority: String,
    pub client_id: String,
    pub account: String,
}

impl StoreKey {
    /// The entry for `account` signed in at `cloud`'s authority with `client_id`.
    pub fn new(cloud: &CloudProfile, client_id: &str, account: &str) -> Self {
        StoreKey { authority: authority_of(cloud), client_id: client_id.to_string(), account: account.to_string() }
    }

    fn entry_user(&self) -> String {
        format!("{}|{}|{}", self.authority, self.client_id, self.account.to_ascii_lowercase())
    }

    fn last_account_user(authority: &str, client_id: &str) -> String {
        format!("{authority}|{client_id}|last-account")
    }
}

/// What keys `cloud`'s remembered sign-ins: its authority's origin.
pub fn authority_of(cloud: &CloudProfile) -> String {
    cloud.identity().authority
}

/// Forgets the last remembered sign-in at `cloud`'s authority for `client_id`, returning the
/// account it belonged to. Blocking (keyring calls); run it off the async executor.
pub fn forget_last_sign_in(
    store: &dyn RefreshTokenStore,
    cloud: &CloudProfile,
    client_id: &str,
) -> Result<Option<String>, StoreError> {
    let authority = authority_of(cloud);
    let Some(account) = store.last_account(&authority, client_id)? else { return Ok(None) };
    store.delete(&StoreKey { authority, client_id: client_id.to_string(), account: account.clone() })?;
    Ok(Some(account))
}

/// A storage failure; callers degrade to memory and show `to_string()`.
#[derive(Debug, thiserror::Error)]
#[error("{store}: {reason}")]
pub struct StoreError {
    pub store: &'static str,
    pub reason: String,
}

/// Where a remembered refresh token lives.
pub trait RefreshTokenStore: Send + Sync {
    /// Human name for messages ("the OS keyring", "memory").
    fn name(&self) -> &'static str;
    fn load(&self, key: &StoreKey) -> Result<Option<RefreshToken>, StoreError>;
    fn save(&self, key: &StoreKey, token: &RefreshToken) -> Result<(), StoreError>;
    fn delete(&self, key: &StoreKey) -> Result<(), StoreError>;
    /// The account that signed in last at this authority (origin, see [`authority_of`]) with this client id.
    fn last_account(&self, authority: &str, client_id: &str) -> Result<Option<String>, StoreError>;
    fn set_last_account(&self, authority: &str, client_id: &str, account: &str) -> Result<(), StoreError>;
}

/// The operating system's keyring (Keychain, Credential Manager, Secret Service).
///
/// Calls block (D-Bus, Keychain); the session runs them on a blocking thread.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsKeyring;

impl OsKeyring {
    fn error(reason: impl ToString) -> StoreError {
        StoreError { store: "the OS keyring", reason: reason.to_string() }
    }

    fn entry(user: &str) -> Result<keyring::Entry, StoreError> {
        keyring::Entry::new(KEYRING_SERVICE, user).map_err(Self::error)
    }

    fn read(user: &str) -> Result<Option<String>, StoreError> {
        match Self::entry(user)?.get_password() {
            Ok(value) => Ok(Some(value)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(Self::error(e)),
        }
    }
}

impl RefreshTokenStore for OsKeyring {
    fn name(&self) -> &'static str {
        "the OS keyring"
    }

    fn load(&self, key: &StoreKey) -> Result<Option<RefreshToken>, StoreError> {
        Ok(Self::read(&key.entry_user())?.map(RefreshToken::new))
    }

    fn save(&self, key: &StoreKey, token: &RefreshToken) -> Result<(), StoreError> {
        Self::entry(&key.entry_user())?.set_password(token.expose()).map_err(Self::error)
    }

    fn delete(&self, key: &StoreKey) -> Result<(), StoreError> {
        match Self::entry(&key.entry_user())?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(Self::error(e)),
        }
    }

    fn last_account(&self, authority: &str, client_id: &str) -> Result<Option<String>, StoreError> {
        Self::read(&StoreKey::last_account_user(authority, client_id))
    }

    fn set_last_account(&self, authority: &str, client_id: &str, account: &str) -> Result<(), StoreError> {
        Self::entry(&StoreKey::last_account_user(authority, client_id))?.set_password(account).map_err(Self::error)
    }
}

/// Process memory: what "remember me" degrades to, and what tests use.
#[derive(Debug, Default)]
pub struct MemoryStore {
    tokens: Mutex<HashMap<String, String>>,
}

impl MemoryStore {
    fn get(&self, user: &str) -> Option<String> {
        self.tokens.lock().ok()?.get(user).cloned()
    }

    fn put(&self, user: String, value: String) {
        if let Ok(mut map) = self.tokens.lock() {
            map.insert(user, value);
        }
    }
}

impl RefreshTokenStore for MemoryStore {
    fn name(&self) -> &'static str {
        "memory"
    }

    fn load(&self, key: &StoreKey) -> Result<Option<RefreshToken>, StoreError> {
        Ok(self.get(&key.entry_user()).map(RefreshToken::new))
    }

    fn save(&self, key: &StoreKey, token: &RefreshToken) -> Result<(), StoreError> {
        self.put(key.entry_user(), token.expose().to_string());
        Ok(())
    }

    fn delete(&self, key: &StoreKey) -> Result<(), StoreError> {
        if let Ok(mut map) = self.tokens.lock() {
            map.remove(&key.entry_user());
        }
        Ok(())
    }

    fn last_account(&self, authority: &str, client_id: &str) -> Result<Option<String>, StoreError> {
        Ok(self.get(&StoreKey::last_account_user(authority, client_id)))
    }

    fn set_last_account(&self, authority: &str, client_id: &str, account: &str) -> Result<(), StoreError> {
        self.put(StoreKey::last_account_user(authority, client_id), account.to_string());
        Ok(())
    }
}
