//! The pipeline access step: lets the named pipelines (or all of them) use a connection.
//! The write replaces the permission list, so repeating it changes nothing.

use keyless_core::plan::Step;

use super::{StepEnv, connection_target, outcome_for, record};
use crate::{error::EngineError, journal::StepRecord, port::AzurePort};

pub(super) async fn run<P: AzurePort>(
    env: &StepEnv<'_, P>,
    step: &Step,
    connection: &str,
    pipeline_ids: &[u64],
    all_pipelines: bool,
) -> Result<StepRecord, EngineError> {
    let (org, project_id, id) = connection_target(env, step, connection)?;
    env.port
        .authorize_pipelines(&org, project_id, id, pipeline_ids, all_pipelines)
        .await
        .map_err(|e| EngineError::azure(step.title.clone(), e))?;
    let what = if all_pipelines { "all pipelines".to_string() } else { format!("{} pipeline(s)", pipeline_ids.len()) };
    Ok(record(outcome_for(step), format!("{what} may use it")))
}
