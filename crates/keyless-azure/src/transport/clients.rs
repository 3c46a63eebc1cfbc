//! The reqwest clients the transport sends through: a few per scope, all sharing one TLS setup.
//!
//! A client keeps one HTTP/2 connection per host, and every Azure DevOps organization is on
//! `dev.azure.com`: with one client for everything, all organizations' requests would share one
//! connection and at most the server's stream limit of them (commonly 100) could be in flight,
//! whatever the per-organization limits allow. So each scope (organization, Graph tenant,
//! subscription...) sends through clients of its own, enough that its limit fits in their
//! connections at [`STREAMS_PER_CONNECTION`] each.
//!
//! Building a client the usual way reads and parses the platform's root certificates again
//! (about 2 ms, and a copy of the store each). The TLS configuration is built once, as reqwest
//! builds it (platform verifier, rustls' safe protocol versions, HTTP/2 offered first), and
//! every client starts from a copy of it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{HttpConfig, HttpSetupError};

/// Requests Keyless keeps in flight on one HTTP/2 connection: the number of concurrent streams
/// servers commonly allow (Kestrel's and IIS's default, `SETTINGS_MAX_CONCURRENT_STREAMS`); what
/// Azure's front doors allow is not published (README, "Known assumptions"). A scope allowed more
/// in flight gets one more connection per this many.
pub const STREAMS_PER_CONNECTION: usize = 100;

/// Builds the transport's clients from one TLS configuration.
pub(super) struct ClientFactory {
    tls: rustls::ClientConfig,
}

impl ClientFactory {
    /// Reads the platform's root certificates and checks the settings by building one client,
    /// so a machine that cannot set up HTTPS is told when the transport is created.
    pub fn new(config: &HttpConfig) -> Result<Self, HttpSetupError> {
        let setup = |e: &dyn std::fmt::Display| HttpSetupError(e.to_string());
        // A provider the process installed wins, as in reqwest; otherwise the one reqwest ships.
        let provider = rustls::crypto::CryptoProvider::get_default()
            .cloned()
            .unwrap_or_else(|| Arc::new(rustls::crypto::aws_lc_rs::default_provider()));
        let verifier = rustls_platform_verifier::Verifier::new(provider.clone()).map_err(|e| setup(&e))?;
        let mut tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| setup(&e))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let factory = ClientFactory { tls };
        factory.build(config)?;
        Ok(factory)
    }

    /// The clients, with the transport's `config`, of a scope allowed `in_flight` requests at once.
    pub fn for_scope(&self, config: &HttpConfig, in_flight: usize) -> Result<ScopeClients, HttpSetupError> {
        let count = in_flight.div_ceil(STREAMS_PER_CONNECTION).max(1);
        let clients = (0..count).map(|_| self.build(config)).collect::<Result<_, _>>()?;
        Ok(ScopeClients { clients, next: AtomicUsize::new(0) })
    }

    fn build(&self, config: &HttpConfig) -> Result<reqwest::Client, HttpSetupError> {
        let mut builder = reqwest::Client::builder()
            .tls_backend_preconfigured(self.tls.clone())
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.request_timeout)
            .connect_timeout(config.connect_timeout)
            .user_agent(config.user_agent.clone());
        if config.http2_prior_knowledge {
            builder = builder.http2_prior_knowledge();
        }
        builder.build().map_err(|e| HttpSetupError(e.to_string()))
    }
}

/// One scope's clients, taken in turn.
pub(super) struct ScopeClients {
    clients: Vec<reqwest::Client>,
    next: AtomicUsize,
}

impl ScopeClients {
    pub fn next(&self) -> &reqwest::Client {
        let turn = self.next.fetch_add(1, Ordering::Relaxed);
        &self.clients[turn % self.clients.len()]
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.clients.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scope_gets_a_connection_per_hundred_requests_it_may_have_in_flight() {
        let config = HttpConfig::default();
        let factory = ClientFactory::new(&config).unwrap();
        let connections = |in_flight| factory.for_scope(&config, in_flight).unwrap().len();
        assert_eq!(connections(16), 1, "Entra");
        assert_eq!(connections(100), 1, "an Azure DevOps organization");
        assert_eq!(connections(200), 2, "a Graph tenant");
        assert_eq!(connections(0), 1);
    }
}
