//! The role assignment step: grants the identity's service principal a role at a scope.
//! Assignment names are derived from scope, principal and role, so an assignment an earlier
//! attempt of this run announced is recognised by its name.

use keyless_azure::{AzureError, retry_until_replicated};
use keyless_core::{
    Guid,
    plan::{Step, role_assignment_name},
};

use super::{StepEnv, missing, record};
use crate::{
    error::EngineError,
    intent::IntentKind,
    journal::{CreatedResource, StepRecord},
    port::{AzurePort, WriteResult},
    progress::StepOutcome,
};

pub(super) async fn run<P: AzurePort>(
    env: &StepEnv<'_, P>,
    step: &Step,
    slot: usize,
    scope: &str,
    role_definition_id: Guid,
    role_name: &str,
) -> Result<StepRecord, EngineError> {
    let az = |e| EngineError::azure(step.title.clone(), e);
    let principal = env.slot(slot).principal_id.ok_or_else(|| missing(step, "the identity's service principal"))?;
    let name = role_assignment_name(scope, principal, role_definition_id);
    let id = format!("{scope}/providers/Microsoft.Authorization/roleAssignments/{name}");
    let created = |detail: String| StepRecord {
        created: vec![CreatedResource::RoleAssignment { id: id.clone() }],
        ..record(StepOutcome::Created, detail)
    };
    let ours = env.intent(step).is_some_and(|i| i.names(IntentKind::RoleAssignment, &name.to_string()));
    // Look first: a PUT of an existing assignment may answer 201, which would make a re-run
    // claim (and a rollback delete) an assignment it did not create.
    let existing = env.port.list_role_assignments(scope, principal).await.map_err(az)?;
    if let Some(found) =
        existing.iter().find(|r| r.role_definition_id == role_definition_id && r.scope.eq_ignore_ascii_case(scope))
    {
        return Ok(if ours && found.name == name {
            created(format!("{role_name} on {scope} (assigned before the run was interrupted)"))
        } else {
            record(StepOutcome::Reused, format!("{role_name} on {scope} was already assigned"))
        });
    }
    env.intend(step, IntentKind::RoleAssignment, &name.to_string())?;
    let observer = env.observer(&step.id);
    let result = retry_until_replicated(
        &env.options.consistency,
        &observer,
        &step.title,
        AzureError::is_replication_delay,
        || env.port.put_role_assignment(scope, name, role_definition_id, principal),
    )
    .await
    .map_err(az)?;
    Ok(match result {
        WriteResult::Created => created(format!("{role_name} on {scope}")),
        WriteResult::AlreadyExisted => {
            record(StepOutcome::Reused, format!("{role_name} on {scope} was already assigned"))
        }
    })
}
