//! keyless-emulator: a stateful, strict local fake of every Entra, Microsoft Graph, Azure
//! Resource Manager and Azure DevOps endpoint Keyless uses, on one loopback port.
//!
//! Services are chosen by path prefix (`/login`, `/graph`, `/arm`, `/ado/{org}`,
//! `/vssps/{org}`, `/vsaex/{org}`, `/app-vssps`), exactly as
//! [`keyless_core::CloudProfile::for_emulator`] lays them out. `/_emulator/*` is the test
//! control surface. The emulator binds 127.0.0.1 only and never talks to Azure.
//!
//! It does not emulate anything Keyless does not call, has no real cryptography, and keeps
//! no state across runs.

// Handlers return the service's error response as the `Err` of their helpers, the way axum
// handlers compose; boxing every early return would only add noise.
#![allow(clippy::result_large_err)]

mod arm;
pub mod assumptions;
mod catalog;
mod control;
mod devops;
mod entra;
mod faults;
mod graph;
mod http;
pub mod leaks;
mod propagation;
mod requests;
pub mod scenario;
mod state;
pub mod throttle;
mod tokens;

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use axum::{
    Router,
    routing::{any, get, post},
};
use keyless_core::CloudProfile;
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};

pub use control::{defects, footprint};
pub use faults::{FaultConfig, FaultKind, FaultService, InjectedFault, TargetedFault};
pub use propagation::{Propagation, PropagationKind};
pub use requests::ServedRequest;
pub use scenario::{Scenario, ScenarioError, demo_ids, minimal_ids};

/// How to run an emulator. `Default` gives the demo scenario on an ephemeral port, no faults
/// and a small replication delay.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// 0 = an ephemeral port.
    pub port: u16,
    pub scenario: Scenario,
    /// Latency added to every service request.
    pub latency_ms: u64,
    /// Probability of an injected 429/503/slow-down per service request.
    pub fault_rate: f64,
    /// Seeds fault injection and the ids of new objects.
    pub seed: u64,
    /// How long new apps and service principals take to reach Graph, ARM and Azure DevOps.
    pub replication_delay: Duration,
    /// How long a new (or deleted) FIC on an app registration takes to affect token exchange.
    pub fic_propagation_delay: Duration,
    /// How long a new (or deleted) FIC on a user-assigned managed identity takes to affect
    /// token exchange; until then TestConnection answers AADSTS70025 as if it were missing.
    pub managed_identity_fic_propagation_delay: Duration,
    /// How long a new role assignment takes to reach ARM's checks; until then an Azure
    /// Resource Manager connection's TestConnection fails as if it were missing.
    pub role_propagation_delay: Duration,
    /// How long a new app registration takes to reach token exchange; until then
    /// TestConnection answers AADSTS700016 (application not found in the directory).
    pub app_propagation_delay: Duration,
    /// How long a new organization member takes to reach Azure DevOps sign-in; until then an
    /// "Azure DevOps" connection's TestConnection answers TF401444.
    pub membership_propagation_delay: Duration,
    /// Each propagation delay is stretched by a seeded fraction of itself, up to this (0..=1).
    pub delay_jitter: f64,
    /// For this long after a service principal is added to an organization, reads of its
    /// entitlement (GET, Azure DevOps Graph lists) do not show it; a POST for it still upserts.
    pub membership_read_lag: Duration,
    /// Device codes are approved on the second poll.
    pub device_code_auto_approve: bool,
    /// Polling interval the device code endpoint asks for (slow_down below it).
    pub device_code_interval: Duration,
    pub device_code_lifetime: Duration,
    /// Lifetime of access tokens (Entra: about an hour). Zero makes every token expired.
    pub access_token_lifetime: Duration,
    /// Simulated work of a managed identity FIC write; a second write to the same identity in
    /// this window gets 409 Conflict.
    pub fic_write_hold: Duration,
    /// Text written into every access and refresh token issued (base64url characters only),
    /// so a test can search logs, files and screens for any token that leaked. Empty: none.
    pub token_marker: String,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            port: 0,
            scenario: Scenario::demo(),
            latency_ms: 0,
            fault_rate: 0.0,
            seed: 1,
            replication_delay: Duration::from_millis(1500),
            fic_propagation_delay: Duration::from_millis(1500),
            managed_identity_fic_propagation_delay: Duration::from_millis(300),
            role_propagation_delay: Duration::from_millis(300),
            app_propagation_delay: Duration::from_millis(300),
            membership_propagation_delay: Duration::from_millis(300),
            delay_jitter: 0.0,
            membership_read_lag: Duration::ZERO,
            device_code_auto_approve: true,
            device_code_interval: Duration::from_secs(1),
            device_code_lifetime: Duration::from_secs(900),
            access_token_lifetime: Duration::from_secs(3600),
            fic_write_hold: Duration::from_millis(25),
            token_marker: String::new(),
        }
    }
}

/// Why the emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind { port: u16, source: std::io::Error },
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
}

/// A running emulator. Dropping it leaves the server running until the runtime ends; call
/// [`RunningEmulator::shutdown`] to stop it.
#[derive(Debug)]
pub struct RunningEmulator {
    addr: SocketAddr,
    emulator: Arc<state::Emulator>,
    stop: Option<oneshot::Sender<()>>,
    server: JoinHandle<()>,
    /// Connections accepted since start.
    accepted: Arc<AtomicU64>,
}

/// Connections waiting to be accepted. Each request a client has in flight over HTTP/1.1 is a
/// connection of its own, and a client may open up to 1,200 at once; with tokio's default of 1,024
/// the kernel dropped the rest of a burst's connection requests, each retried a second later
/// (or served late on a connection another request freed). The kernel caps it at
/// `net.core.somaxconn` (4,096 by default since Linux 5.4).
const ACCEPT_BACKLOG: u32 = 4096;

/// A listener on 127.0.0.1:`port` (0: any free port) with room for [`ACCEPT_BACKLOG`] waiting
/// connections.
fn listen(port: u16) -> std::io::Result<TcpListener> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    // As `TcpListener::bind` does: a restarted demo cloud gets its port back at once.
    socket.set_reuseaddr(true)?;
    socket.bind(SocketAddr::from(([127, 0, 0, 1], port)))?;
    socket.listen(ACCEPT_BACKLOG)
}

/// Serves `app` on `listener` until `stopped`, then lets the open connections finish what they
/// are answering.
///
/// Keyless speaks HTTP/2 to the emulator (as to Azure's hosts), each scope on connections of its
/// own; browsers and other clients get HTTP/1.1. `axum::serve` would rebuild the router for
/// every connection; this hands each one the same router.
///
/// Connections waiting are all accepted before other tasks run: accepting is otherwise counted
/// against tokio's cooperative budget, so after 128 connections the accept loop would yield and
/// wait behind every task already queued, which in a burst of HTTP/1.1 requests are the
/// connections it has just accepted.
async fn serve(listener: TcpListener, app: Router, stopped: oneshot::Receiver<()>, accepted: Arc<AtomicU64>) {
    let mut protocols = hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new());
    protocols.http2().max_concurrent_streams(assumptions::HTTP2_MAX_CONCURRENT_STREAMS);
    let shutdown = hyper_util::server::graceful::GracefulShutdown::new();
    let mut stopped = std::pin::pin!(stopped);
    loop {
        let stream = tokio::select! {
            _ = &mut stopped => break,
            next = tokio::task::unconstrained(listener.accept()) => match next {
                Ok((stream, _)) => stream,
                Err(error) if is_connection_error(&error) => continue,
                Err(error) => {
                    // Out of file descriptors and the like: wait and accept again, as
                    // `axum::serve` does, rather than spin.
                    tracing::warn!(%error, "the emulator could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        accepted.fetch_add(1, Ordering::Relaxed);
        // Answers go out as written: with Nagle's algorithm an HTTP/2 answer's second frame
        // waits for the client's delayed acknowledgement of the first, 40 ms.
        let _ = stream.set_nodelay(true);
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        let connection = protocols.serve_connection(hyper_util::rt::TokioIo::new(stream), service).into_owned();
        let connection = shutdown.watch(connection);
        tokio::spawn(async move {
            // A client that hangs up mid-request is its own business, not the emulator's.
            let _ = connection.await;
        });
    }
    shutdown.shutdown().await;
}

/// Errors of one connection that is already gone, not of the listener.
fn is_connection_error(error: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(error.kind(), ConnectionRefused | ConnectionAborted | ConnectionReset)
}

/// Starts the emulator on 127.0.0.1.
pub async fn start(config: EmulatorConfig) -> Result<RunningEmulator, EmulatorError> {
    config.scenario.validate()?;
    let port = config.port;
    let listener = listen(port).map_err(|source| EmulatorError::Bind { port, source })?;
    let addr = listener.local_addr().map_err(|source| EmulatorError::Bind { port, source })?;
    let base_url = format!("http://{addr}");
    let emulator = Arc::new(state::Emulator::new(config, base_url));
    let app = router(emulator.clone());
    let (stop, stopped) = oneshot::channel::<()>();
    let accepted = Arc::new(AtomicU64::new(0));
    let server = tokio::spawn(serve(listener, app, stopped, accepted.clone()));
    tracing::info!(%addr, scenario = %emulator.config.scenario.name, "emulator listening");
    Ok(RunningEmulator { addr, emulator, stop: Some(stop), server, accepted })
}

fn router(emulator: Arc<state::Emulator>) -> Router {
    Router::new()
        .route("/.well-known/keyless-cloud.json", get(control::cloud_profile))
        .route("/_emulator/state", get(control::state))
        .route("/_emulator/faults", get(control::get_faults).put(control::put_faults))
        .route("/_emulator/requests", get(control::requests))
        .route("/_emulator/reset", post(control::reset))
        .route("/login/{*rest}", any(entra::handle))
        .route("/graph/{*rest}", any(graph::handle))
        .route("/arm/{*rest}", any(arm::handle))
        .route("/ado/{*rest}", any(devops::handle_ado))
        .route("/vssps/{*rest}", any(devops::handle_vssps))
        .route("/vsaex/{*rest}", any(devops::handle_vsaex))
        .route("/app-vssps/{*rest}", any(devops::handle_profile))
        .fallback(control::not_found)
        .layer(axum::middleware::from_fn_with_state(emulator.clone(), faults::layer))
        .with_state(emulator)
}

impl RunningEmulator {
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// TCP connections accepted since start: how many connections clients opened.
    pub fn connections_accepted(&self) -> u64 {
        self.accepted.load(Ordering::Relaxed)
    }

    /// The cloud profile that points every service at this emulator.
    pub fn cloud_profile(&self) -> CloudProfile {
        CloudProfile::for_emulator(&self.base_url())
    }

    /// The whole state as JSON (the same document `GET /_emulator/state` returns).
    pub fn state_snapshot(&self) -> serde_json::Value {
        control::snapshot(&self.emulator)
    }

    /// [`footprint`] of the state now: what exists, without generated ids, for comparing two runs.
    pub fn footprint(&self) -> serde_json::Value {
        footprint(&self.state_snapshot())
    }

    /// [`defects`] of the state now: what exists twice or only in part.
    pub fn defects(&self) -> Vec<String> {
        defects(&self.state_snapshot())
    }

    /// Replaces the fault configuration (and restarts its random sequence).
    pub fn set_faults(&self, faults: FaultConfig) {
        self.emulator.faults.set(faults);
    }

    /// Throttles at `limits` (token buckets per service and scope), or stops with `None`.
    pub fn set_throttle(&self, limits: Option<throttle::ThrottleLimits>) {
        self.emulator.throttle.set(limits);
    }

    /// Requests the throttle answered 429 since it was set.
    pub fn throttled(&self) -> u64 {
        self.emulator.throttle.throttled()
    }

    /// Every service request served since start (or the last reset), oldest first: method,
    /// path without the query, status and injected fault. `/_emulator/*` is not included.
    pub fn requests(&self) -> Vec<ServedRequest> {
        self.emulator.served.entries()
    }

    /// The propagation delay this emulator gives one object (its configured delay plus the
    /// seeded jitter); the same seed always gives the same delay.
    pub fn propagation_delay(&self, kind: PropagationKind, object: keyless_core::Guid) -> Duration {
        self.emulator.propagation.delay(kind, object)
    }

    /// Moves the revert deadline of every converted connection a day into the past, as if the
    /// seven days Azure DevOps allows for a revert had passed.
    pub fn expire_revert_deadlines(&self) {
        let past = self.emulator.now().days_before(1);
        let stamp = self.emulator.clock.iso(past).replace('Z', "0000Z");
        let mut w = self.emulator.world();
        for endpoint in w.service_endpoints.iter_mut() {
            if let Some(previous) = endpoint.pre_conversion.as_mut() {
                previous.revert_deadline = past;
                endpoint.data.insert("revertSchemeDeadline".into(), serde_json::Value::String(stamp.clone()));
            }
        }
    }

    /// Puts the world back to the scenario and empties the request log.
    pub fn reset(&self) {
        self.emulator.reset();
    }

    /// Stops accepting requests and waits for the server to finish.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.server).await;
    }

    /// Runs until Ctrl-C (then shuts down) or until the server ends.
    pub async fn wait(mut self) {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {
                if let Some(stop) = self.stop.take() {
                    let _ = stop.send(());
                }
                let _ = (&mut self.server).await;
            }
            _ = &mut self.server => {}
        }
    }
}
