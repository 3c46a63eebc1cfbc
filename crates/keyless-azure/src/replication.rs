//! The consistency (replication) retry policy: waiting for a just-created object to reach
//! every service.
//!
//! New service principals, federated credentials and role assignments take seconds to
//! minutes to replicate (contract §3.3, §4.4, §5.5, §9). Those failures are not throttling:
//! they get their own policy and budget (minutes, polled every few seconds), and every wait is
//! reported through [`ReplicationObserver`] so the user sees why nothing moves. This module
//! does not decide *which* operation to wrap: the engine calls [`retry_until_replicated`]
//! around the step that needs it.

use std::time::Duration;

use tokio::time::Instant;

use crate::behaviour::WaitReason;
use crate::error::{AzureError, Service};

/// How long and how often to retry while waiting for replication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsistencyPolicy {
    /// First wait after a replication failure.
    pub initial_interval: Duration,
    /// Waits grow by half each time up to this.
    pub max_interval: Duration,
    /// Total time to keep trying (contract §8: about 2–5 minutes).
    pub budget: Duration,
}

impl Default for ConsistencyPolicy {
    fn default() -> Self {
        ConsistencyPolicy {
            initial_interval: Duration::from_secs(5),
            max_interval: Duration::from_secs(10),
            budget: Duration::from_secs(300),
        }
    }
}

impl ConsistencyPolicy {
    pub fn fast_for_tests() -> Self {
        ConsistencyPolicy {
            initial_interval: Duration::from_millis(5),
            max_interval: Duration::from_millis(20),
            budget: Duration::from_secs(1),
        }
    }

    fn interval(&self, attempt: u32) -> Duration {
        let grown = self.initial_interval.mul_f64(1.5f64.powi(attempt.saturating_sub(1).min(16) as i32));
        grown.min(self.max_interval)
    }
}

/// One "still waiting for replication" moment, as the engine renders it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicationWait {
    /// What is being retried, e.g. "create service principal".
    pub operation: String,
    /// The service that has not caught up yet.
    pub service: Service,
    /// The error code that signalled the delay (PrincipalNotFound, VS403283, AADSTS70021...).
    pub reason: String,
    /// What is being waited for, when the answer is one the `behaviour` table knows.
    pub wait: Option<WaitReason>,
    /// Failed attempts so far.
    pub attempt: u32,
    pub waited: Duration,
    pub next_retry_in: Duration,
}

/// Receives replication waits ("waiting for Entra to replicate...").
pub trait ReplicationObserver: Send + Sync {
    fn waiting(&self, wait: &ReplicationWait);
}

/// The default observer: a structured `tracing` event per wait.
#[derive(Debug, Clone, Copy, Default)]
pub struct TracingObserver;

impl ReplicationObserver for TracingObserver {
    fn waiting(&self, wait: &ReplicationWait) {
        tracing::info!(
            operation = %wait.operation,
            service = ?wait.service,
            reason = %wait.reason,
            wait = ?wait.wait,
            attempt = wait.attempt,
            waited_ms = wait.waited.as_millis() as u64,
            "waiting for replication"
        );
    }
}

/// Runs `operation` until it succeeds, fails with an error `is_replication` does not accept,
/// or the policy's budget runs out (then [`AzureError::ReplicationTimeout`] wraps the last
/// error). Use `AzureError::is_replication_delay` as the predicate for the contract's cases.
pub async fn retry_until_replicated<T, F, Fut>(
    policy: &ConsistencyPolicy,
    observer: &dyn ReplicationObserver,
    operation_name: &str,
    is_replication: impl Fn(&AzureError) -> bool,
    mut operation: F,
) -> Result<T, AzureError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, AzureError>>,
{
    let started = Instant::now();
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        let error = match operation().await {
            Ok(value) => return Ok(value),
            Err(error) if is_replication(&error) => error,
            Err(error) => return Err(error),
        };
        let service = error.service_error().map(|e| e.service).unwrap_or(Service::Entra);
        let next = policy.interval(attempt);
        if started.elapsed() + next > policy.budget {
            return Err(AzureError::ReplicationTimeout {
                operation: operation_name.to_string(),
                service,
                waited: started.elapsed(),
                last: Box::new(error),
            });
        }
        let reason = error
            .service_error()
            .and_then(|e| e.codes().next().map(str::to_string))
            .unwrap_or_else(|| format!("{:?}", error.code()));
        observer.waiting(&ReplicationWait {
            operation: operation_name.to_string(),
            service,
            reason,
            wait: error.wait_reason(),
            attempt,
            waited: started.elapsed(),
            next_retry_in: next,
        });
        tokio::time::sleep(next).await;
    }
}
