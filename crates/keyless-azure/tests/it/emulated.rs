//! Shared setup for tests against the keyless emulator (minimal scenario).

use std::time::Duration;

use keyless_azure::auth::{BrowserOpener, SignInCancel, SignInOptions, sign_in_with_browser};
use keyless_azure::{AzureHttp, auth::Session};
use keyless_emulator::{EmulatorConfig, RunningEmulator, Scenario};
use url::Url;

use crate::support::fast_http;

pub fn fast_config() -> EmulatorConfig {
    EmulatorConfig {
        scenario: Scenario::minimal(),
        replication_delay: Duration::ZERO,
        fic_propagation_delay: Duration::ZERO,
        ..EmulatorConfig::default()
    }
}

pub async fn start(config: EmulatorConfig) -> RunningEmulator {
    keyless_emulator::start(config).await.expect("emulator starts")
}

/// Plays the browser: GETs the authorize URL and follows the emulator's 302 to the loopback
/// listener, like a browser whose user is already signed in.
#[derive(Debug, Default)]
pub struct FollowRedirects;

impl BrowserOpener for FollowRedirects {
    fn open(&self, url: &Url) -> std::io::Result<()> {
        let url = url.clone();
        tokio::spawn(async move {
            let client = reqwest::Client::builder().build().unwrap();
            let _ = client.get(url).send().await;
        });
        Ok(())
    }
}

pub fn options(em: &RunningEmulator) -> SignInOptions {
    SignInOptions { timeout: Duration::from_secs(20), ..SignInOptions::new(em.cloud_profile()) }
}

/// A signed-in session through the browser flow.
pub async fn signed_in(em: &RunningEmulator) -> (AzureHttp, Session) {
    let http = fast_http();
    let session = sign_in_with_browser(&http, &options(em), &FollowRedirects, &SignInCancel::new()).await.unwrap();
    (http, session)
}
