//! The controller every desktop command calls: it owns the window's state (the cloud, the demo
//! emulator when the demo cloud is chosen, the signed-in session, the cancel switches of a
//! sign-in and a run) and holds the session and cloud commands. Signing in itself is the
//! shared use case (`keyless_usecases::connect`).
//!
//! It is `Sync` so the Tauri shell and the browser bridge keep one and call it from any task.
//! The pickers live in `directory`, the runs in `runs`; both are `impl Controller` blocks over
//! the state declared here. Nothing here knows Tauri or HTTP routing.

use std::{
    path::PathBuf,
    sync::{
        Arc, Mutex, MutexGuard, PoisonError,
        atomic::{AtomicBool, Ordering},
    },
};

use keyless_azure::{
    HttpConfig,
    auth::{DeviceCodeInstructions, OsKeyring, RefreshTokenStore, SignInCancel},
};
use keyless_engine::journal::JournalStore;
use keyless_ipc::{ChooseCloud, SessionStatus, SignInEvent, SignInMethodView, SignInRequest};
use keyless_usecases::{
    Cloud, CloudChoice, Connected, DemoCloud, DemoSettings, Method, SignInEnvironment, SignInPrompts, connect,
};

use crate::{CloudSetting, DesktopError, EventSink, views};

/// What the app decides once at start-up; tests shorten waits and keep state in temp dirs.
pub struct ControllerOptions {
    /// Where real clouds' runs are journaled; `None` is the CLI's default location, so `keyless
    /// runs` lists the app's runs too.
    pub state_dir: Option<PathBuf>,
    /// Where "remember me" keeps the refresh token.
    pub keyring: Arc<dyn RefreshTokenStore>,
    pub demo: DemoSettings,
    pub http: HttpConfig,
}

impl Default for ControllerOptions {
    fn default() -> Self {
        ControllerOptions {
            state_dir: None,
            keyring: Arc::new(OsKeyring),
            demo: DemoSettings::default(),
            http: HttpConfig::default(),
        }
    }
}

impl std::fmt::Debug for ControllerOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ControllerOptions")
            .field("state_dir", &self.state_dir)
            .field("keyring", &self.keyring.name())
            .field("demo", &self.demo)
            .finish_non_exhaustive()
    }
}

/// The state behind the window.
#[derive(Debug)]
pub struct Controller {
    pub(crate) options: ControllerOptions,
    cloud: Mutex<CloudSetting>,
    /// The chosen cloud's profile once it has been read (a file, or an emulator's profile).
    resolved: Mutex<Option<Cloud>>,
    /// The in-process emulator, started when the demo cloud is first needed.
    demo: tokio::sync::Mutex<Option<DemoCloud>>,
    connected: Mutex<Option<Connected>>,
    sign_in_cancel: Mutex<Option<SignInCancel>>,
    /// Held for the whole of an apply, rollback or finish: one run at a time per window.
    pub(crate) run_lock: tokio::sync::Mutex<()>,
    pub(crate) apply_cancel: Mutex<Option<Arc<AtomicBool>>>,
}

impl Controller {
    /// A controller for `cloud` with nobody signed in.
    pub fn new(cloud: CloudSetting) -> Self {
        Self::with_options(cloud, ControllerOptions::default())
    }

    pub fn with_options(cloud: CloudSetting, options: ControllerOptions) -> Self {
        Self {
            options,
            cloud: Mutex::new(cloud),
            resolved: Mutex::new(None),
            demo: tokio::sync::Mutex::new(None),
            connected: Mutex::new(None),
            sign_in_cancel: Mutex::new(None),
            run_lock: tokio::sync::Mutex::new(()),
            apply_cancel: Mutex::new(None),
        }
    }

    /// `session_status`.
    pub fn session_status(&self) -> SessionStatus {
        SessionStatus {
            cloud: views::cloud_view(&lock(&self.cloud), lock(&self.resolved).as_ref()),
            account: lock(&self.connected).as_ref().map(|connected| views::account_view(&connected.account)),
        }
    }

    /// `choose_cloud`: switches clouds and signs out. The demo emulator starts now, so the
    /// first sign-in is quick; leaving the demo cloud stops it and forgets its runs.
    pub async fn choose_cloud(&self, request: ChooseCloud) -> Result<SessionStatus, DesktopError> {
        let ChooseCloud { demo, cloud } = request;
        let choice = if demo { CloudChoice::Demo } else { CloudChoice::parse(cloud.as_deref(), CloudChoice::Demo)? };
        let resolved = match choice.resolve().await? {
            Some(resolved) => Some(Cloud { profile: resolved.profile, source: resolved.source, is_demo: false }),
            None => None,
        };
        self.sign_out_locally();
        if choice.is_demo() {
            self.with_demo(|_| ()).await?;
        } else if let Some(previous) = self.demo.lock().await.take() {
            previous.shutdown().await;
        }
        *lock(&self.resolved) = resolved;
        *lock(&self.cloud) = CloudSetting::from(choice);
        Ok(self.session_status())
    }

    /// `sign_in`: signs in with the chosen method; events say what the user must do.
    pub async fn sign_in(
        &self,
        request: SignInRequest,
        events: &dyn EventSink<SignInEvent>,
    ) -> Result<SessionStatus, DesktopError> {
        let SignInRequest { method, tenant, remember } = request;
        let cancel = SignInCancel::new();
        {
            let mut slot = lock(&self.sign_in_cancel);
            if slot.is_some() {
                return Err(DesktopError::Busy("a sign-in"));
            }
            *slot = Some(cancel.clone());
        }
        let request = keyless_usecases::SignInRequest {
            method: match method {
                SignInMethodView::Browser => Method::Browser,
                SignInMethodView::DeviceCode => Method::DeviceCode,
                SignInMethodView::AzureCli => Method::AzureCli,
            },
            tenant,
            client_id: None,
            remember,
        };
        let result = self.sign_in_with(&cancel, request, events).await;
        *lock(&self.sign_in_cancel) = None;
        let connected = result?;
        if let Some(notice) = &connected.storage_notice {
            tracing::info!(notice, "the sign-in is kept in memory only");
        }
        *lock(&self.connected) = Some(connected);
        Ok(self.session_status())
    }

    async fn sign_in_with(
        &self,
        cancel: &SignInCancel,
        request: keyless_usecases::SignInRequest,
        events: &dyn EventSink<SignInEvent>,
    ) -> Result<Connected, DesktopError> {
        let cloud = self.cloud().await?;
        let environment = SignInEnvironment {
            cloud: &cloud,
            http: self.options.http.clone(),
            keyring: self.options.keyring.clone(),
            cancel,
        };
        Ok(connect::sign_in(environment, request, &ForwardToWindow(events)).await?)
    }

    /// `cancel_sign_in`: stops a sign-in in progress; nothing happens when there is none.
    pub fn cancel_sign_in(&self) {
        if let Some(cancel) = lock(&self.sign_in_cancel).as_ref() {
            cancel.cancel();
        }
    }

    /// `sign_out`: forgets the session and any remembered sign-in of it.
    pub async fn sign_out(&self) -> SessionStatus {
        if let Some(connected) = self.sign_out_locally() {
            // Forgetting the keyring entry is best effort: the session is gone either way, and a
            // stale entry only offers a silent sign-in that the user can sign out of again.
            if let Err(error) = connected.session.sign_out().await {
                tracing::warn!(%error, "could not forget the remembered sign-in");
            }
        }
        self.session_status()
    }

    fn sign_out_locally(&self) -> Option<Connected> {
        lock(&self.connected).take()
    }

    /// The signed-in account's clients, or `NotSignedIn`.
    pub(crate) fn connected(&self) -> Result<Connected, DesktopError> {
        lock(&self.connected).clone().ok_or(DesktopError::NotSignedIn)
    }

    /// The current cloud, reading a chosen profile or starting the demo emulator on first use.
    async fn cloud(&self) -> Result<Cloud, DesktopError> {
        let setting = lock(&self.cloud).clone();
        match setting {
            CloudSetting::Demo => Ok(self.with_demo(|demo| Cloud::demo(demo.profile())).await?),
            CloudSetting::Chosen(choice) => {
                if let Some(cloud) = lock(&self.resolved).clone() {
                    return Ok(cloud);
                }
                let resolved = choice.resolve().await?.ok_or_else(|| {
                    keyless_core::InputError::new(
                        "cloud",
                        "the demo cloud has no profile file",
                        "choose the demo cloud",
                    )
                })?;
                let cloud = Cloud { profile: resolved.profile, source: resolved.source, is_demo: false };
                *lock(&self.resolved) = Some(cloud.clone());
                Ok(cloud)
            }
        }
    }

    /// Runs `read` on the demo cloud, starting it first if it is not running yet.
    async fn with_demo<R>(&self, read: impl FnOnce(&DemoCloud) -> R) -> Result<R, DesktopError> {
        let mut running = self.demo.lock().await;
        let demo = match running.as_mut() {
            Some(demo) => demo,
            None => running.insert(DemoCloud::start(&self.options.demo).await?),
        };
        Ok(read(demo))
    }

    pub(crate) fn is_demo(&self) -> bool {
        matches!(*lock(&self.cloud), CloudSetting::Demo)
    }

    /// Where the current cloud's runs are journaled, and how they wait.
    pub(crate) async fn run_settings(&self) -> Result<keyless_usecases::RunSettings, DesktopError> {
        if self.is_demo() {
            let (store, consistency) = self.with_demo(|demo| (demo.journal(), demo.consistency())).await?;
            return Ok(keyless_usecases::RunSettings { consistency, ..keyless_usecases::RunSettings::new(store) });
        }
        let store = match self.options.state_dir.clone() {
            Some(dir) => JournalStore::new(dir),
            None => JournalStore::default_location()?,
        };
        Ok(keyless_usecases::RunSettings {
            consistency: self.options.http.consistency.clone(),
            ..keyless_usecases::RunSettings::new(store)
        })
    }

    /// The demo emulator's base URL while the demo cloud is running.
    pub async fn demo_emulator_url(&self) -> Option<String> {
        if !self.is_demo() {
            return None;
        }
        self.demo.lock().await.as_ref().map(|demo| demo.emulator().base_url())
    }

    /// The demo emulator's whole state, for tests that check what a run changed.
    pub async fn demo_state_snapshot(&self) -> Option<serde_json::Value> {
        self.demo.lock().await.as_ref().map(|demo| demo.emulator().state_snapshot())
    }

    /// `cancel_apply`: asks the run in progress to stop after the steps in flight; its journal
    /// stays resumable. Nothing happens when no run is in progress.
    pub fn cancel_apply(&self) {
        if let Some(cancel) = lock(&self.apply_cancel).as_ref() {
            cancel.store(true, Ordering::SeqCst);
        }
    }
}

/// Shows what the user must do during a sign-in, as `SignInEvent`s.
struct ForwardToWindow<'a>(&'a dyn EventSink<SignInEvent>);

impl SignInPrompts for ForwardToWindow<'_> {
    fn device_code(&self, instructions: &DeviceCodeInstructions) {
        let DeviceCodeInstructions { user_code, verification_uri, message, expires_in: _ } = instructions;
        self.0.send(SignInEvent::DeviceCode {
            user_code: user_code.clone(),
            verification_uri: verification_uri.clone(),
            message: message.clone(),
        });
    }

    fn browser_opened(&self) {
        self.0.send(SignInEvent::BrowserOpened {});
    }
}

/// Every guarded value here is replaced whole, so a panic cannot leave one half-written.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use keyless_ipc::CloudView;

    use super::*;

    #[test]
    fn starts_signed_out_on_the_demo_cloud_without_configuration() {
        let controller = Controller::new(CloudSetting::parse(None).unwrap());
        assert_eq!(
            controller.session_status(),
            SessionStatus { cloud: CloudView { name: "Demo".into(), is_demo: true }, account: None }
        );
    }

    #[test]
    fn commands_that_need_an_account_say_so() {
        let controller = Controller::new(CloudSetting::Demo);
        assert!(matches!(controller.connected(), Err(DesktopError::NotSignedIn)));
        controller.cancel_sign_in();
        controller.cancel_apply();
    }

    #[test]
    fn controller_can_be_shared_across_command_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Controller>();
    }
}
