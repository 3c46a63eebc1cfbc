//! Undoes a run: deletes what its journal says it created, newest first, in the order Azure
//! needs (a federated credential before its connection, the connection before the identity),
//! and nothing the run did not create. Safe to repeat: what is already gone is skipped.

use std::time::Instant;

use keyless_azure::{AzureError, ErrorCode};

use crate::{
    apply::ApplyOptions,
    error::EngineError,
    journal::{CreatedResource, JournalStore, RunJournal, RunStatus},
    port::AzurePort,
    progress::{ProgressEvent, Reporter, StepOutcome},
    steps::verify::backoff,
};

/// Order of removal: dependants before what they depend on.
fn removal_rank(resource: &CreatedResource) -> u8 {
    match resource {
        CreatedResource::AppFederatedCredential { .. } | CreatedResource::ManagedIdentityFederatedCredential { .. } => {
            0
        }
        CreatedResource::ServiceConnection { .. } => 1,
        CreatedResource::Entitlement { .. } => 2,
        CreatedResource::RoleAssignment { .. } => 3,
        CreatedResource::ServicePrincipal { .. } => 4,
        CreatedResource::AppRegistration { .. } | CreatedResource::ManagedIdentity { .. } => 5,
    }
}

pub fn describe(resource: &CreatedResource) -> String {
    match resource {
        CreatedResource::AppRegistration { display_name, app_id, .. } => {
            format!("Delete app registration {display_name} ({app_id})")
        }
        CreatedResource::ServicePrincipal { object_id, .. } => format!("Delete service principal {object_id}"),
        CreatedResource::ManagedIdentity { resource_id } => format!("Delete managed identity {resource_id}"),
        CreatedResource::RoleAssignment { id } => format!("Delete role assignment {id}"),
        CreatedResource::Entitlement { organization, .. } => {
            format!("Remove the identity from organization {organization}")
        }
        CreatedResource::ServiceConnection { organization, id, .. } => {
            format!("Delete service connection {id} in {organization}")
        }
        CreatedResource::AppFederatedCredential { name, .. }
        | CreatedResource::ManagedIdentityFederatedCredential { name, .. } => {
            format!("Delete federated credential {name}")
        }
    }
}

/// What rollback will remove, in order.
pub fn rollback_order(journal: &RunJournal) -> Vec<CreatedResource> {
    let mut resources: Vec<(usize, CreatedResource)> = journal.created_resources().into_iter().enumerate().collect();
    resources.sort_by_key(|(i, r)| (removal_rank(r), std::cmp::Reverse(*i)));
    resources.into_iter().map(|(_, r)| r).collect()
}

pub async fn rollback<P: AzurePort>(
    port: &P,
    store: &JournalStore,
    reporter: &dyn Reporter,
    mut journal: RunJournal,
    options: &ApplyOptions,
) -> Result<RunJournal, EngineError> {
    let order = rollback_order(&journal);
    reporter.report(ProgressEvent::RunStarted {
        run_id: journal.run_id.clone(),
        total_steps: order.len(),
        resumed: false,
    });
    for (i, resource) in order.iter().enumerate() {
        let step_id = format!("rollback/{i}");
        let title = describe(resource);
        reporter.report(ProgressEvent::StepStarted { step_id: step_id.clone(), title: title.clone() });
        let started = Instant::now();
        let result = remove(port, resource, options, reporter, &step_id).await;
        match result {
            Ok(()) => reporter.report(ProgressEvent::StepFinished {
                step_id,
                outcome: StepOutcome::Updated,
                detail: title,
                elapsed_ms: started.elapsed().as_millis() as u64,
            }),
            Err(error) => {
                let error = EngineError::azure(title, error);
                reporter.report(ProgressEvent::StepFailed {
                    step_id,
                    code: error.code(),
                    message: error.to_string(),
                    remedy: error.remedy(),
                });
                journal.last_error = Some(error.to_string());
                store.save(&journal)?;
                return Err(error);
            }
        }
    }
    journal.status = RunStatus::RolledBack;
    journal.last_error = None;
    store.save(&journal)?;
    reporter.report(ProgressEvent::RunFinished {
        run_id: journal.run_id.clone(),
        succeeded: true,
        done: order.len(),
        failed: 0,
        remaining: 0,
    });
    Ok(journal)
}

fn gone(result: Result<(), AzureError>) -> Result<(), AzureError> {
    match result {
        Err(e) if e.code() == ErrorCode::NotFound => Ok(()),
        other => other,
    }
}

async fn remove<P: AzurePort>(
    port: &P,
    resource: &CreatedResource,
    options: &ApplyOptions,
    reporter: &dyn Reporter,
    step_id: &str,
) -> Result<(), AzureError> {
    match resource {
        CreatedResource::AppFederatedCredential { app_object_id, name } => {
            gone(port.delete_app_fic(*app_object_id, name).await)
        }
        CreatedResource::ManagedIdentityFederatedCredential { identity_resource_id, name } => {
            gone(port.delete_mi_fic(identity_resource_id, name).await)
        }
        CreatedResource::ServiceConnection { organization, id, project_ids } => {
            // Azure DevOps refuses the delete while a removed credential still works; wait for
            // the removal to propagate (contract §6.11) instead of failing.
            let started = Instant::now();
            let mut attempt = 0;
            loop {
                attempt += 1;
                match gone(port.delete_connection(organization, *id, project_ids).await) {
                    Ok(()) => return Ok(()),
                    Err(e)
                        if crate::assumptions::is_delete_blocked_by_credential(&e)
                            && started.elapsed() < options.consistency.budget =>
                    {
                        let wait = backoff(&options.consistency, attempt);
                        // The removed credential's change has not taken effect yet
                        // (assumption 1): the same wait as for a new credential.
                        reporter.report(ProgressEvent::StepWaiting {
                            step_id: step_id.into(),
                            wait: keyless_azure::WaitReason::FederatedCredential,
                            code: e.service_error().and_then(|s| s.codes().next().map(str::to_string)),
                            attempt,
                            wait_ms: wait.as_millis() as u64,
                        });
                        tokio::time::sleep(wait).await;
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        CreatedResource::Entitlement { organization, entitlement_id } => {
            gone(port.delete_membership(organization, *entitlement_id).await)
        }
        CreatedResource::RoleAssignment { id } => gone(port.delete_role_assignment(id).await),
        CreatedResource::ServicePrincipal { object_id, .. } => gone(port.delete_service_principal(*object_id).await),
        CreatedResource::AppRegistration { object_id, .. } => gone(port.delete_app(*object_id).await),
        CreatedResource::ManagedIdentity { resource_id } => gone(port.delete_managed_identity(resource_id).await),
    }
}
