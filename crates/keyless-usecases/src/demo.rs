//! The built-in demo cloud: the emulator started inside the process with its demo scenario and
//! short waits, a throw-away run journal that lives as long as it does, and a browser that
//! completes the emulator's sign-in page by itself. The desktop app and `keyless demo` both
//! use these settings, so the demo behaves the same in each.
//!
//! Nothing here reaches beyond 127.0.0.1, and nothing outlives the process: the emulator keeps
//! its state in memory, so its runs are kept in a temporary directory instead of the real
//! journal, where they could be mistaken for (or resumed against) a real cloud.

use std::time::Duration;

use keyless_azure::{ConsistencyPolicy, auth::BrowserOpener};
use keyless_core::CloudProfile;
use keyless_emulator::{EmulatorConfig, RunningEmulator};
use keyless_engine::journal::JournalStore;

use crate::UseCaseError;

/// How the demo cloud behaves: faces use [`DemoSettings::default`]; tests shorten the waits.
#[derive(Debug, Clone)]
pub struct DemoSettings {
    pub emulator: EmulatorConfig,
    /// How runs wait for the emulator's simulated replication and propagation.
    pub consistency: ConsistencyPolicy,
}

impl Default for DemoSettings {
    fn default() -> Self {
        DemoSettings {
            // Waits of a second or two: long enough to see "waiting for replication" in the
            // progress, short enough that the whole demo takes well under a minute.
            emulator: EmulatorConfig {
                port: 0,
                // The device code endpoint states its interval in whole seconds; anything
                // shorter reads as 0, clients poll at once and are told to slow down by 5 s.
                device_code_interval: Duration::from_secs(1),
                replication_delay: Duration::from_millis(1500),
                fic_propagation_delay: Duration::from_secs(2),
                managed_identity_fic_propagation_delay: Duration::from_secs(2),
                role_propagation_delay: Duration::from_secs(2),
                app_propagation_delay: Duration::from_secs(1),
                membership_propagation_delay: Duration::from_secs(1),
                delay_jitter: 0.3,
                ..EmulatorConfig::default()
            },
            consistency: ConsistencyPolicy {
                initial_interval: Duration::from_millis(500),
                max_interval: Duration::from_secs(2),
                budget: Duration::from_secs(60),
            },
        }
    }
}

impl DemoSettings {
    /// The demo cloud with every wait cut to a fraction of a second, for tests that drive it.
    pub fn fast_for_tests() -> Self {
        DemoSettings {
            emulator: EmulatorConfig {
                replication_delay: Duration::from_millis(150),
                fic_propagation_delay: Duration::from_millis(150),
                // Whole seconds on the wire: shorter intervals read as 0 and earn a slow-down.
                device_code_interval: Duration::from_secs(1),
                ..EmulatorConfig::default()
            },
            consistency: ConsistencyPolicy {
                initial_interval: Duration::from_millis(20),
                max_interval: Duration::from_millis(100),
                budget: Duration::from_secs(15),
            },
        }
    }
}

/// A running demo cloud.
#[derive(Debug)]
pub struct DemoCloud {
    emulator: RunningEmulator,
    journal_dir: tempfile::TempDir,
    consistency: ConsistencyPolicy,
}

impl DemoCloud {
    pub async fn start(settings: &DemoSettings) -> Result<Self, UseCaseError> {
        let emulator = keyless_emulator::start(settings.emulator.clone()).await?;
        let journal_dir =
            tempfile::Builder::new().prefix("keyless-demo-runs-").tempdir().map_err(UseCaseError::DemoJournal)?;
        Ok(DemoCloud { emulator, journal_dir, consistency: settings.consistency.clone() })
    }

    pub fn emulator(&self) -> &RunningEmulator {
        &self.emulator
    }

    pub fn profile(&self) -> CloudProfile {
        self.emulator.cloud_profile()
    }

    /// The demo's own journal, deleted with it.
    pub fn journal(&self) -> JournalStore {
        JournalStore::new(self.journal_dir.path())
    }

    /// How runs on the demo cloud wait for its simulated replication.
    pub fn consistency(&self) -> ConsistencyPolicy {
        self.consistency.clone()
    }

    pub async fn shutdown(self) {
        self.emulator.shutdown().await;
    }
}

/// Plays the browser on the demo cloud: the emulator's authorize page signs its default user
/// in at once and redirects to Keyless's loopback listener, so one GET that follows redirects
/// completes the sign-in without opening a window.
#[derive(Debug, Clone, Copy, Default)]
pub struct DemoBrowser;

impl BrowserOpener for DemoBrowser {
    fn open(&self, url: &url::Url) -> std::io::Result<()> {
        let url = url.clone();
        let runtime = tokio::runtime::Handle::try_current().map_err(std::io::Error::other)?;
        runtime.spawn(async move {
            // The sign-in waits for the redirect; if this request fails, it times out or is
            // cancelled like a browser sign-in the user abandoned.
            // Loopback only: no proxy may see the authorization code.
            let client = reqwest::Client::builder().no_proxy().build();
            let sent = match client {
                Ok(client) => client.get(url).send().await.map(drop),
                Err(error) => Err(error),
            };
            if let Err(error) = sent {
                tracing::warn!(%error, "the demo browser could not complete the sign-in redirect");
            }
        });
        Ok(())
    }
}
