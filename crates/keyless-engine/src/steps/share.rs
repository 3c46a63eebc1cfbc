//! The share step: adds a connection to more projects of its organization. Sharing with a
//! project that already has it changes nothing.

use keyless_core::plan::{ProjectRef, Step};

use super::{StepEnv, connection_target, outcome_for, record};
use crate::{error::EngineError, journal::StepRecord, port::AzurePort};

pub(super) async fn run<P: AzurePort>(
    env: &StepEnv<'_, P>,
    step: &Step,
    connection: &str,
    projects: &[ProjectRef],
) -> Result<StepRecord, EngineError> {
    let (org, _, id) = connection_target(env, step, connection)?;
    let name = connection.rsplit('/').next().unwrap_or_default();
    let refs: Vec<(keyless_core::Guid, String)> = projects.iter().map(|p| (p.id, p.name.clone())).collect();
    env.port.share_connection(&org, id, name, &refs).await.map_err(|e| EngineError::azure(step.title.clone(), e))?;
    let names: Vec<&str> = refs.iter().map(|r| r.1.as_str()).collect();
    Ok(record(outcome_for(step), format!("shared with {}", names.join(", "))))
}
