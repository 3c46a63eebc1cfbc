//! Reverts a migration: converted connections go back to their secret (only those Azure DevOps
//! made itself, and only before the deadline it gave), switched ones get their Azure
//! DevOps-issuer credential back and are switched back, replacements are rolled back through
//! their onboarding run. Every refusal is found before anything changes, so a revert that cannot
//! be done whole changes nothing. Entries already reverted are skipped: safe to repeat.

use keyless_core::{Guid, migration::MigrationAction, names::OrgName};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

use super::{
    credential,
    journal::{EntryRecord, EntryStep, MigrationJournal, MigrationStatus},
};
use crate::{
    apply::ApplyOptions,
    error::{EngineError, RevertRefusal},
    journal::{JournalStore, RunStatus},
    port::{ConnectionIssuer, EndpointState, MigrationPort},
    progress::{ProgressEvent, Reporter, StepOutcome},
    rollback::rollback,
};

/// Why Azure DevOps would refuse to convert `record`'s connection back, read at `now`.
pub fn revert_refusal(record: &EntryRecord, endpoint: &EndpointState, now: OffsetDateTime) -> Option<RevertRefusal> {
    if endpoint.scheme != "WorkloadIdentityFederation" {
        return None;
    }
    if !endpoint.creation_mode.as_deref().is_some_and(|m| m.eq_ignore_ascii_case("Automatic")) {
        return Some(RevertRefusal::ManualConnection);
    }
    if !record.removed_secrets.is_empty() {
        return Some(RevertRefusal::SecretsRemoved);
    }
    let deadline = endpoint.revert_deadline.as_ref().or(record.revert_scheme_deadline.as_ref())?;
    match OffsetDateTime::parse(deadline, &Rfc3339) {
        Ok(at) if at > now => None,
        // An unreadable deadline is left for Azure DevOps to judge.
        Err(_) => None,
        Ok(_) => Some(RevertRefusal::DeadlinePassed { deadline: deadline.clone() }),
    }
}

/// What one entry's revert does.
fn reverts(record: &EntryRecord, action: MigrationAction) -> bool {
    if record.has(EntryStep::Reverted) {
        return false;
    }
    match action {
        MigrationAction::ConvertInPlace | MigrationAction::SwitchIssuer => {
            record.has(EntryStep::Converted) || record.written_credential.is_some()
        }
        MigrationAction::ReplaceWithAzureDevopsConnection => record.replacement_run_id.is_some(),
        MigrationAction::Skip => false,
    }
}

pub async fn revert_migration<P: MigrationPort>(
    port: &P,
    store: &JournalStore,
    reporter: &dyn Reporter,
    mut journal: MigrationJournal,
    options: &ApplyOptions,
) -> Result<MigrationJournal, EngineError> {
    let todo: Vec<(Guid, MigrationAction, OrgName, String)> = journal
        .plan
        .entries
        .iter()
        .rev()
        .filter(|e| reverts(&journal.entry(e.id), e.action))
        .map(|e| Ok((e.id, e.action, OrgName::parse(&e.organization)?, e.project.clone())))
        .collect::<Result<_, EngineError>>()?;
    let now = OffsetDateTime::now_utc();
    let mut endpoints = std::collections::BTreeMap::new();
    for (id, action, org, project) in &todo {
        if *action != MigrationAction::ConvertInPlace {
            continue;
        }
        let record = journal.entry(*id);
        let az = |e| EngineError::azure(format!("Read {}", record.label), e);
        let Some(endpoint) = port.read_endpoint(org, project, *id).await.map_err(az)? else { continue };
        if let Some(reason) = revert_refusal(&record, &endpoint, now) {
            return Err(EngineError::RevertNotPossible { connection: record.label, reason });
        }
        endpoints.insert(*id, endpoint);
    }
    reporter.report(ProgressEvent::RunStarted {
        run_id: journal.run_id.clone(),
        total_steps: todo.len(),
        resumed: false,
    });
    for (done, (id, action, org, project)) in todo.iter().enumerate() {
        let record = journal.entry(*id);
        let step_id = format!("{}/reverted", record.label);
        reporter
            .report(ProgressEvent::StepStarted { step_id: step_id.clone(), title: format!("Revert {}", record.label) });
        let started = std::time::Instant::now();
        let result = match action {
            MigrationAction::ConvertInPlace => {
                revert_conversion(port, (org, project), *id, &record, endpoints.get(id)).await
            }
            MigrationAction::SwitchIssuer => revert_switch(port, (org, project), *id, &record).await,
            _ => revert_replacement(port, store, &record, options).await,
        };
        match result {
            Ok(detail) => {
                if let Some(entry) = journal.entries.get_mut(id) {
                    entry.mark(EntryStep::Reverted);
                    entry.error = None;
                }
                store.save_migration(&journal)?;
                reporter.report(ProgressEvent::StepFinished {
                    step_id,
                    outcome: StepOutcome::Updated,
                    detail,
                    elapsed_ms: started.elapsed().as_millis() as u64,
                });
            }
            Err(error) => {
                reporter.report(ProgressEvent::StepFailed {
                    step_id,
                    code: error.code(),
                    message: error.to_string(),
                    remedy: error.remedy(),
                });
                journal.last_error = Some(error.to_string());
                store.save_migration(&journal)?;
                reporter.report(ProgressEvent::RunFinished {
                    run_id: journal.run_id.clone(),
                    succeeded: false,
                    done,
                    failed: 1,
                    remaining: todo.len() - done - 1,
                });
                return Err(error);
            }
        }
    }
    journal.status = MigrationStatus::Reverted;
    journal.last_error = None;
    store.save_migration(&journal)?;
    reporter.report(ProgressEvent::RunFinished {
        run_id: journal.run_id.clone(),
        succeeded: true,
        done: todo.len(),
        failed: 0,
        remaining: 0,
    });
    Ok(journal)
}

async fn revert_conversion<P: MigrationPort>(
    port: &P,
    (org, project): (&OrgName, &str),
    id: Guid,
    record: &EntryRecord,
    endpoint: Option<&EndpointState>,
) -> Result<String, EngineError> {
    let az = |e| EngineError::azure(format!("Revert {}", record.label), e);
    let converted = endpoint.is_some_and(|e| e.scheme == "WorkloadIdentityFederation");
    if converted {
        port.convert_endpoint(org, (project, id), endpoint, "ServicePrincipal").await.map_err(az)?;
    }
    if let Some(written) = &record.written_credential {
        credential::remove(port, written).await.map_err(az)?;
    }
    Ok(if converted { "back on its secret, same connection id".into() } else { "already on its secret".into() })
}

async fn revert_switch<P: MigrationPort>(
    port: &P,
    (org, project): (&OrgName, &str),
    id: Guid,
    record: &EntryRecord,
) -> Result<String, EngineError> {
    let az = |e| EngineError::azure(format!("Revert {}", record.label), e);
    if let Some(old) = &record.old_credential {
        credential::restore(port, old).await.map_err(az)?;
    }
    if !record.has(EntryStep::Converted) {
        if let Some(written) = &record.written_credential {
            credential::remove(port, written).await.map_err(az)?;
        }
        return Ok("the connection was not switched; the credential Keyless added is removed".into());
    }
    let after =
        port.switch_endpoint_issuer(org, (project, id), None, ConnectionIssuer::AzureDevOps).await.map_err(az)?;
    let back = after
        .issuer
        .as_deref()
        .is_some_and(|i| keyless_core::federation::issuer_kind(i) == keyless_core::federation::IssuerKind::AzureDevOps);
    if !back {
        // The Entra-issuer credential stays, so the connection keeps working.
        return Ok("the Azure DevOps-issuer credential is back; Azure DevOps kept the Entra issuer, so the Entra-issuer credential stays too".into());
    }
    if let Some(written) = &record.written_credential {
        credential::remove(port, written).await.map_err(az)?;
    }
    Ok("back on the Azure DevOps issuer with its credential".into())
}

async fn revert_replacement<P: MigrationPort>(
    port: &P,
    store: &JournalStore,
    record: &EntryRecord,
    options: &ApplyOptions,
) -> Result<String, EngineError> {
    let Some(run_id) = &record.replacement_run_id else { return Ok("nothing was created".into()) };
    let run = store.load(run_id)?;
    if run.status == RunStatus::RolledBack {
        return Ok(format!("run {run_id} was already rolled back"));
    }
    // The rollback's own start and end events would read as the end of the whole revert.
    rollback(port, store, &crate::progress::SilentReporter, run, options).await?;
    Ok(format!("run {run_id} rolled back; the old connection was never changed"))
}
