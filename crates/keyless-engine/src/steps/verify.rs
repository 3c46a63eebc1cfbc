//! The verify step: runs TestConnection until it passes. A failure whose code the behaviour
//! table marks "not yet" (a credential, role, app or membership this run just wrote that has
//! not taken effect) is waited out within the run's consistency budget, with a typed wait
//! event each time; any other failure, or the budget spent, is the diagnosis shown to the user.

use std::time::{Duration, Instant};

use keyless_azure::{AzureError, ConsistencyPolicy, behaviour};
use keyless_core::{Guid, names::OrgName, plan::Step};

use super::{ApplyOptions, StepEnv, connection_target, record};
use crate::{
    error::EngineError,
    journal::StepRecord,
    port::{AzurePort, TestResult},
    progress::{ProgressEvent, Reporter, StepOutcome},
};

pub(super) async fn run<P: AzurePort>(env: &StepEnv<'_, P>, step: &Step, key: &str) -> Result<StepRecord, EngineError> {
    if env.connection(key).handed_off {
        return Ok(record(
            StepOutcome::HandedOff,
            "verification waits for the hand-off; finish the run once the owner has added the credential",
        ));
    }
    let (org, project_id, id) = connection_target(env, step, key)?;
    let result = verify_until_propagated(env.port, &org, project_id, id, env.options, env.reporter, &step.id)
        .await
        .map_err(|e| EngineError::azure(step.title.clone(), e))?;
    match result {
        TestResult::Ok => Ok(record(StepOutcome::Verified, "TestConnection succeeded")),
        TestResult::Failed { message } => Err(EngineError::Verification { connection: key.to_string(), message }),
    }
}

/// The growing wait between attempts, bounded by the policy.
pub(crate) fn backoff(policy: &ConsistencyPolicy, attempt: u32) -> Duration {
    let factor = 1.5f64.powi(attempt.saturating_sub(1).min(20) as i32);
    policy.initial_interval.mul_f64(factor).min(policy.max_interval)
}

/// Runs TestConnection until it passes, retrying only failures that mean "not in effect yet"
/// within the policy's budget. `TestResult::Failed` is the last, real failure to show.
pub(crate) async fn verify_until_propagated<P: AzurePort>(
    port: &P,
    org: &OrgName,
    project_id: Guid,
    connection_id: Guid,
    options: &ApplyOptions,
    reporter: &dyn Reporter,
    step_id: &str,
) -> Result<TestResult, AzureError> {
    let started = Instant::now();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let message = match port.test_connection(org, project_id, connection_id).await? {
            TestResult::Ok => return Ok(TestResult::Ok),
            TestResult::Failed { message } => message,
        };
        let known = behaviour::find_in_text(&message);
        let Some(wait) = known.and_then(|k| k.not_yet) else { return Ok(TestResult::Failed { message }) };
        let pause = backoff(&options.consistency, attempt);
        if started.elapsed() + pause > options.consistency.budget {
            return Ok(TestResult::Failed { message });
        }
        reporter.report(ProgressEvent::StepWaiting {
            step_id: step_id.into(),
            wait,
            code: known.map(|k| k.code.to_string()),
            attempt,
            wait_ms: pause.as_millis() as u64,
        });
        tokio::time::sleep(pause).await;
    }
}
