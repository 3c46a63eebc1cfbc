//! The controller every desktop command calls: it owns the app's state (cloud, session).
//!
//! It is `Sync` so the Tauri shell can keep one in its managed state and call it from any
//! command thread. It does not sign anyone in by itself; sign-in reports its result through
//! [`Controller::record_sign_in`].

use std::sync::{Mutex, MutexGuard, PoisonError};

use keyless_core::Guid;
use keyless_ipc::SessionStatus;

use crate::{CloudSetting, views};

/// The Entra account a sign-in produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedInAccount {
    pub user_principal_name: String,
    pub display_name: String,
    pub tenant_id: Guid,
}

/// The state behind the window.
#[derive(Debug)]
pub struct Controller {
    cloud: CloudSetting,
    account: Mutex<Option<SignedInAccount>>,
}

impl Controller {
    /// A controller for `cloud` with nobody signed in.
    pub fn new(cloud: CloudSetting) -> Self {
        Self { cloud, account: Mutex::new(None) }
    }

    pub fn session_status(&self) -> SessionStatus {
        SessionStatus {
            cloud: views::cloud_view(&self.cloud),
            account: self.account().as_ref().map(views::account_view),
        }
    }

    pub fn record_sign_in(&self, account: SignedInAccount) {
        *self.account() = Some(account);
    }

    pub fn sign_out(&self) {
        *self.account() = None;
    }

    fn account(&self) -> MutexGuard<'_, Option<SignedInAccount>> {
        // The guarded value is a plain Option that a panic cannot leave half-written.
        self.account.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use keyless_ipc::{AccountView, CloudView};

    use super::*;

    fn ada() -> SignedInAccount {
        SignedInAccount {
            user_principal_name: "ada@contoso.com".into(),
            display_name: "Ada Lovelace".into(),
            tenant_id: Guid::from_u128(0x72f988bf_86f1_41af_91ab_2d7cd011db47),
        }
    }

    #[test]
    fn starts_signed_out_on_the_demo_cloud_without_configuration() {
        let controller = Controller::new(CloudSetting::parse(None).unwrap());
        assert_eq!(
            controller.session_status(),
            SessionStatus { cloud: CloudView { name: "Demo".into(), is_demo: true }, account: None }
        );
    }

    #[test]
    fn session_status_follows_sign_in_and_sign_out() {
        let controller = Controller::new(CloudSetting::Demo);
        controller.record_sign_in(ada());
        assert_eq!(
            controller.session_status().account,
            Some(AccountView {
                user_principal_name: "ada@contoso.com".into(),
                display_name: "Ada Lovelace".into(),
                tenant_id: "72f988bf-86f1-41af-91ab-2d7cd011db47".into(),
            })
        );
        controller.sign_out();
        assert_eq!(controller.session_status().account, None);
    }

    #[test]
    fn controller_can_be_shared_across_command_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Controller>();
    }
}
