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
///   default), so the limit never asks for more than one connection's worth per organization,
///   and it lets the detail reads of an organization's connections (two per connection, 100
///   for a 50-connection organization) go out as one round.
/// - Graph, 100 per tenant: 3,500 resource units per 10 s per app and tenant (§3.5), and the
///   costliest request Keyless sends costs 2 units (a GET of applications), so a whole round of
///   100 spends at most 200, and the bucket holds 17 such rounds before its refill counts; a
///   longer run that drains it is answered 429 with `Retry-After` and the tenant slows down.
///   Writes have their own quota of 3,000 per 150 s, far above Keyless's credential writes.
/// - ARM, 100 per subscription: buckets of 250 reads and 200 writes or deletes refilling 25 and
///   10 per second (§4.5); a round of 100 fits either bucket whole, so only a run of more than
///   200 writes to one subscription could be throttled, and then 429 slows it down.
/// - Entra, 16 per host: Keyless asks it for one token per resource and tenant (cached after),
///   its limit is not published, and chatty clients are refused with AADSTS50196 (§8).
pub const DEFAULT_SCOPE_LIMITS: ScopeLimits =
    ScopeLimits { devops_organization: 100, graph_tenant: 100, arm_subscription: 100, entra: 16 };

/// Requests in flight in total: five organizations at their limit with Graph and ARM beside
/// them. Against an HTTP/1.1 endpoint (the emulator, some proxies) each request in flight is a
/// socket, and 512 stays under Linux's default 1,024 open files per process; against Azure
/// (HTTP/2) they share a few connections.
pub const DEFAULT_CONCURRENT_TOTAL: usize = 512;

/// The default response cap: far above any real page of Graph, ARM or Azure DevOps.
pub const MAX_RESPONSE_BYTES: usize = 32 * 1024 * 1024;

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            retry: RetryPolicy::default(),
            consistency: ConsistencyPolicy::default(),
            max_concurrent_per_scope: DEFAULT_SCOPE_LIMITS,
            max_concurrent_total: DEFAULT_CONCURRENT_TOTAL,
            request_timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            user_agent: format!("keyless/{}", env!("CARGO_PKG_VERSION")),
            max_response_bytes: MAX_RESPONSE_BYTES,
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
