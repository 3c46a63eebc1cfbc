//! The transport's settings: retry and consistency policies, timeouts, the response cap, and
//! how many requests may be in flight per scope of each service and in total, with why the
//! defaults are what they are.

use std::time::Duration;

use crate::error::Service;
use crate::replication::ConsistencyPolicy;
use crate::retry::RetryPolicy;

/// Settings of the transport. `Default` is what production uses.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    pub retry: RetryPolicy,
    pub consistency: ConsistencyPolicy,
    /// Requests in flight per scope, the unit each service throttles by: per Azure DevOps
    /// organization, per ARM subscription (or the tenant for tenant-level calls), per Graph and
    /// Entra host. See [`DEFAULT_SCOPE_LIMITS`] for why the defaults are what they are.
    pub max_concurrent_per_scope: ScopeLimits,
    /// Requests in flight across all services and scopes (1 runs everything one at a time).
    pub max_concurrent_total: usize,
    pub request_timeout: Duration,
    pub connect_timeout: Duration,
    pub user_agent: String,
    /// Largest response body read; a bigger one is refused instead of filling memory.
    pub max_response_bytes: usize,
    /// Speak HTTP/2 from the first byte instead of negotiating it in TLS: for the demo cloud,
    /// plain HTTP on loopback, which serves HTTP/2 as Azure's hosts do. Off by default: an
    /// `http://` endpoint is otherwise spoken to in HTTP/1.1.
    pub http2_prior_knowledge: bool,
}

/// Requests in flight in one scope of each service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScopeLimits {
    /// Per Azure DevOps organization (all its hosts together).
    pub devops_organization: usize,
    /// Per Graph host (one tenant's token per session).
    pub graph_tenant: usize,
    /// Per ARM subscription, or per tenant for calls outside one.
    pub arm_subscription: usize,
    /// Per Entra token endpoint host.
    pub entra: usize,
}

impl ScopeLimits {
    /// The same limit for every scope of every service.
    pub const fn uniform(requests: usize) -> Self {
        ScopeLimits {
            devops_organization: requests,
            graph_tenant: requests,
            arm_subscription: requests,
            entra: requests,
        }
    }

    /// The limit of one scope of `service`.
    pub fn of(&self, service: Service) -> usize {
        match service {
            Service::DevOps => self.devops_organization,
            Service::Graph => self.graph_tenant,
            Service::Arm => self.arm_subscription,
            Service::Entra => self.entra,
        }
    }
}

/// Requests in flight per scope. None of the services limits concurrency: each limits a rate,
/// as a budget that a burst may spend at once and that refills over time, so how many requests
/// are in flight changes only how fast a run spends its budget, not how much it spends:
///
/// - Azure DevOps, 100 per organization: its limit is 200 TSTUs per user per organization
///   over a sliding 5 minutes (contract §8), a consumption budget that "an ordinary request
///   costs a small fraction of"; when it runs low Azure DevOps first answers 200 with
///   `Retry-After` and delays requests, then 429s, and both slow that organization down here.
///   100 is the number of streams servers commonly allow on one HTTP/2 connection (Kestrel's
///   default), so an organization's requests fit on the one connection of its own it gets
///   (`transport::clients`), and it lets the detail reads of an organization's connections (two per connection, 100
///   for a 50-connection organization) go out as one round.
/// - Graph, 200 per tenant: 3,500 resource units per 10 s per app and tenant (§3.5), and the
///   costliest request Keyless sends costs 2 units (a GET of applications), so a whole round of
///   200 spends at most 400, and the bucket holds 8 such rounds before its refill counts; a
///   longer run that drains it is answered 429 with `Retry-After` and the tenant slows down.
///   200 because an inventory reads three things of each app registration at once (its
///   principal, credentials and owners): at 100, sixty identities took two rounds. The tenant
///   gets two connections for it.
///   Writes have their own quota of 3,000 per 150 s, far above Keyless's credential writes.
/// - ARM, 100 per subscription: buckets of 250 reads and 200 writes or deletes refilling 25 and
///   10 per second (§4.5); a round of 100 fits either bucket whole, so only a run of more than
///   200 writes to one subscription could be throttled, and then 429 slows it down.
/// - Entra, 16 per host: Keyless asks it for one token per resource and tenant (cached after),
///   its limit is not published, and chatty clients are refused with AADSTS50196 (§8).
pub const DEFAULT_SCOPE_LIMITS: ScopeLimits =
    ScopeLimits { devops_organization: 100, graph_tenant: 200, arm_subscription: 100, entra: 16 };

/// Requests in flight in total, at most: ten organizations at their limit with Graph and ARM
/// beside them, so the detail reads of a ten-organization estate go out as one round.
pub const MAX_CONCURRENT_TOTAL: usize = 1200;

/// Open files kept back from requests for everything else the process opens (journals,
/// logs, the window's own files).
const FILES_KEPT_BACK: u64 = 256;

/// Requests in flight in total by default: [`MAX_CONCURRENT_TOTAL`], or fewer where the process
/// may not open the files for them. Against Azure and the demo cloud (HTTP/2) the requests of
/// one scope share a connection, but against an HTTP/1.1 endpoint (some proxies) each request
/// in flight is a socket, and two when the server runs in the same process. So the
/// soft limit on open files is first raised to the hard one (Linux's soft default is 1,024,
/// the hard one usually far higher), and the total is what half the limit allows after
/// [`FILES_KEPT_BACK`]: 384 where the limit stays 1,024.
pub fn default_concurrent_total() -> usize {
    let open_files = open_files_limit();
    let for_requests = open_files.saturating_sub(FILES_KEPT_BACK) / 2;
    usize::try_from(for_requests).unwrap_or(usize::MAX).clamp(16, MAX_CONCURRENT_TOTAL)
}

/// The process's limit on open files, raised once to the hard limit.
#[cfg(unix)]
fn open_files_limit() -> u64 {
    static RAISED: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *RAISED.get_or_init(|| match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => limit,
        Err(error) => {
            tracing::debug!(%error, "cannot raise the open files limit; keeping the current one");
            rlimit::getrlimit(rlimit::Resource::NOFILE).map_or(1024, |(soft, _)| soft)
        }
    })
}

/// Windows limits sockets by memory, not by a count of open files.
#[cfg(not(unix))]
fn open_files_limit() -> u64 {
    u64::MAX
}

/// The default response cap: far above any real page of Graph, ARM or Azure DevOps.
pub const MAX_RESPONSE_BYTES: usize = 32 * 1024 * 1024;

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            retry: RetryPolicy::default(),
            consistency: ConsistencyPolicy::default(),
            max_concurrent_per_scope: DEFAULT_SCOPE_LIMITS,
            max_concurrent_total: default_concurrent_total(),
            request_timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            user_agent: format!("keyless/{}", env!("CARGO_PKG_VERSION")),
            max_response_bytes: MAX_RESPONSE_BYTES,
            http2_prior_knowledge: false,
        }
    }
}

impl HttpConfig {
    /// Tiny delays and budgets, for tests.
    pub fn fast_for_tests() -> Self {
        HttpConfig {
            retry: RetryPolicy::fast_for_tests(),
            consistency: ConsistencyPolicy::fast_for_tests(),
            request_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(2),
            ..Self::default()
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn the_default_total_leaves_the_open_files_its_sockets_and_the_rest_of_the_process_need() {
        let total = default_concurrent_total() as u64;
        let (soft, _) = rlimit::getrlimit(rlimit::Resource::NOFILE).unwrap();
        assert!((16..=MAX_CONCURRENT_TOTAL as u64).contains(&total), "{total}");
        assert!(
            total == 16 || 2 * total + FILES_KEPT_BACK <= soft,
            "{total} requests in flight with {soft} open files"
        );
    }
}
