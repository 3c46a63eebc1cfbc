//! Throttling at the services' documented limits, as token buckets: Graph per tenant (reads
//! in resource units, writes on their own quota), ARM per subscription (or the tenant for
//! calls outside one) for reads, writes and deletes, Azure DevOps per organization. A request
//! that finds its bucket empty is answered 429 with `Retry-After`, like the real services.
//!
//! Off unless [`ThrottleLimits`] are set. It does not model Entra's token endpoint (its limit
//! is not published) nor the global per-app Graph limits, which a desktop never reaches. What
//! a request costs where the services publish no number (an Azure DevOps request's TSTUs) and
//! how the buckets are keyed are assumption 68 in `assumptions`.

use std::{collections::HashMap, sync::Mutex, time::Instant};

use crate::{
    assumptions::{
        DEVOPS_TSTUS_PER_REQUEST, GRAPH_RESOURCE_UNITS_PER_10S, GRAPH_UNITS_GET_APPLICATIONS, GRAPH_UNITS_OTHER,
    },
    faults::FaultService,
};

/// One bucket's size and refill.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BucketLimit {
    pub capacity: f64,
    pub refill_per_second: f64,
}

impl BucketLimit {
    const fn per(amount: f64, seconds: f64) -> Self {
        BucketLimit { capacity: amount, refill_per_second: amount / seconds }
    }
}

/// The limits each service documents (contract §3.5, §4.5, §8).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThrottleLimits {
    /// Graph resource units per app and tenant: 3,500 per 10 s (the smallest tenants' tier,
    /// assumption 68).
    pub graph_units: BucketLimit,
    /// Graph writes per app and tenant: 3,000 per 150 s.
    pub graph_writes: BucketLimit,
    /// ARM per subscription: reads 250 refilling 25/s.
    pub arm_reads: BucketLimit,
    /// ARM per subscription: writes 200 refilling 10/s.
    pub arm_writes: BucketLimit,
    /// ARM per subscription: deletes 200 refilling 10/s.
    pub arm_deletes: BucketLimit,
    /// Azure DevOps per user and organization: 200 TSTUs per sliding 5 minutes.
    pub devops_tstus: BucketLimit,
    /// TSTUs one Azure DevOps request costs. Not published: Microsoft says an ordinary request
    /// costs a small fraction of one; the guess is assumption 68.
    pub devops_tstus_per_request: f64,
}

impl ThrottleLimits {
    /// The documented limits.
    pub const DOCUMENTED: ThrottleLimits = ThrottleLimits {
        graph_units: BucketLimit::per(GRAPH_RESOURCE_UNITS_PER_10S, 10.0),
        graph_writes: BucketLimit::per(3_000.0, 150.0),
        arm_reads: BucketLimit { capacity: 250.0, refill_per_second: 25.0 },
        arm_writes: BucketLimit { capacity: 200.0, refill_per_second: 10.0 },
        arm_deletes: BucketLimit { capacity: 200.0, refill_per_second: 10.0 },
        devops_tstus: BucketLimit::per(200.0, 300.0),
        devops_tstus_per_request: DEVOPS_TSTUS_PER_REQUEST,
    };
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// The live buckets, keyed by what each service throttles by.
#[derive(Debug, Default)]
pub struct Throttle {
    inner: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    limits: Option<ThrottleLimits>,
    buckets: HashMap<String, Bucket>,
    throttled: u64,
}

/// The least time the requests in `log` (method, path) take under `limits`, starting from full
/// buckets: for each bucket, what they cost beyond its capacity divided by its refill rate.
/// Pass only the requests the throttle admitted: a refused one cost nothing.
pub fn rate_limit_bound<'a>(
    limits: &ThrottleLimits,
    log: impl IntoIterator<Item = (FaultService, &'a str, &'a str)>,
) -> std::time::Duration {
    let mut spent: HashMap<String, (BucketLimit, f64)> = HashMap::new();
    for (service, method, path) in log {
        for (key, limit, cost) in costs(limits, service, method, path) {
            spent.entry(key).or_insert((limit, 0.0)).1 += cost;
        }
    }
    let seconds = spent
        .values()
        .map(|(limit, cost)| ((cost - limit.capacity) / limit.refill_per_second).max(0.0))
        .fold(0.0, f64::max);
    std::time::Duration::from_secs_f64(seconds)
}

impl Throttle {
    /// Sets (or with `None` removes) the limits and refills every bucket.
    pub fn set(&self, limits: Option<ThrottleLimits>) {
        let mut state = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        *state = State { limits, ..State::default() };
    }

    /// Requests answered 429 by a bucket since the limits were set.
    pub fn throttled(&self) -> u64 {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).throttled
    }

    /// Takes what the request costs from its buckets; `false` when one of them is short (and
    /// then nothing is taken), so the request is answered 429
    /// with the emulator's usual `Retry-After`.
    pub fn admit(&self, service: FaultService, method: &str, path: &str) -> bool {
        let mut state = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let Some(limits) = state.limits else { return true };
        let costs = costs(&limits, service, method, path);
        let now = Instant::now();
        let enough = costs.iter().all(|(key, limit, cost)| {
            let bucket = state.buckets.entry(key.clone()).or_insert(Bucket { tokens: limit.capacity, updated: now });
            let elapsed = now.duration_since(bucket.updated).as_secs_f64();
            bucket.tokens = (bucket.tokens + elapsed * limit.refill_per_second).min(limit.capacity);
            bucket.updated = now;
            bucket.tokens >= *cost
        });
        if enough {
            for (key, _, cost) in &costs {
                if let Some(bucket) = state.buckets.get_mut(key) {
                    bucket.tokens -= cost;
                }
            }
        } else {
            state.throttled += 1;
        }
        enough
    }
}

/// The buckets a request draws on (by key) and what it costs in each (contract §3.5 costs for
/// Graph: a GET of applications 2 units, other requests 1, writes also 1 write; assumption 68
/// for what is guessed).
pub fn costs(
    limits: &ThrottleLimits,
    service: FaultService,
    method: &str,
    path: &str,
) -> Vec<(String, BucketLimit, f64)> {
    let lower = path.to_ascii_lowercase();
    let write = !method.eq_ignore_ascii_case("GET");
    match service {
        FaultService::Graph => {
            let units = if !write && lower.contains("/applications") {
                GRAPH_UNITS_GET_APPLICATIONS
            } else {
                GRAPH_UNITS_OTHER
            };
            let mut costs = vec![("graph/units".to_string(), limits.graph_units, units)];
            if write {
                costs.push(("graph/writes".to_string(), limits.graph_writes, 1.0));
            }
            costs
        }
        FaultService::Arm => {
            let mut segments = lower.split('/').skip_while(|s| *s != "subscriptions").skip(1);
            let scope = segments.next().unwrap_or("tenant").to_string();
            let (kind, limit) = if method.eq_ignore_ascii_case("DELETE") {
                ("deletes", limits.arm_deletes)
            } else if write {
                ("writes", limits.arm_writes)
            } else {
                ("reads", limits.arm_reads)
            };
            vec![(format!("arm/{scope}/{kind}"), limit, 1.0)]
        }
        FaultService::DevOps => {
            let organization = lower
                .trim_start_matches('/')
                .split('/')
                .nth(1)
                .filter(|_| !lower.starts_with("/app-vssps"))
                .unwrap_or("profile")
                .to_string();
            vec![(format!("devops/{organization}"), limits.devops_tstus, limits.devops_tstus_per_request)]
        }
        FaultService::Entra => vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arm_writes_beyond_the_bucket_of_200_are_refused_until_it_refills() {
        let throttle = Throttle::default();
        throttle.set(Some(ThrottleLimits::DOCUMENTED));
        let path = "/arm/subscriptions/s1/resourceGroups/rg/providers/x";
        let admitted = (0..260).filter(|_| throttle.admit(FaultService::Arm, "PUT", path)).count();
        assert!((200..=205).contains(&admitted), "{admitted}");
        assert!(throttle.admit(FaultService::Arm, "PUT", "/arm/subscriptions/s2/x"), "another subscription");
        assert!(throttle.admit(FaultService::Arm, "GET", path), "reads have their own bucket");
        assert!(throttle.throttled() >= 55);
    }

    #[test]
    fn nothing_is_throttled_without_limits() {
        let throttle = Throttle::default();
        assert!((0..1000).all(|_| throttle.admit(FaultService::Arm, "PUT", "/arm/subscriptions/s/x")));
    }
}
