//! `finish`: completes draft connections of a run once the identity's owner has created the
//! federated credentials from the hand-off pack, then verifies them.

use keyless_core::{
    federation::{FicMatch, compare_fic},
    observed::IdentityKind,
    plan::{Operation, Plan},
};

use crate::{
    apply::ApplyOptions,
    error::EngineError,
    journal::{JournalStore, RunJournal, RunStatus},
    port::{AzurePort, TestResult},
    progress::{ProgressEvent, Reporter, StepOutcome},
};

/// Finishes every handed-off connection whose credential now exists. Connections still
/// waiting stay handed off; the run is completed when none is left.
pub async fn finish<P: AzurePort>(
    port: &P,
    store: &JournalStore,
    reporter: &dyn Reporter,
    plan: &Plan,
    mut journal: RunJournal,
    options: &ApplyOptions,
) -> Result<RunJournal, EngineError> {
    let waiting: Vec<(String, crate::snippets::HandOff)> = journal
        .steps
        .iter()
        .filter(|(_, r)| r.outcome == StepOutcome::HandedOff)
        .filter_map(|(id, r)| Some((id.clone(), r.hand_off.clone()?)))
        .collect();
    reporter.report(ProgressEvent::RunStarted {
        run_id: journal.run_id.clone(),
        total_steps: waiting.len(),
        resumed: true,
    });
    let mut still_waiting = 0;
    for (step_id, pack) in waiting {
        reporter.report(ProgressEvent::StepStarted {
            step_id: step_id.clone(),
            title: format!("Finish {}", pack.connection),
        });
        let az = |e| EngineError::azure(format!("finish {}", pack.connection), e);
        let fics = match pack.identity_kind {
            IdentityKind::AppRegistration => {
                port.list_app_fics(pack.identity_ref.parse().unwrap_or_default()).await.map_err(az)?
            }
            IdentityKind::ManagedIdentity => port.list_mi_fics(&pack.identity_ref).await.map_err(az)?,
        };
        if !fics
            .iter()
            .any(|f| compare_fic(&f.issuer, &f.subject, &f.audiences, &pack.issuer, &pack.subject) == FicMatch::Exact)
        {
            still_waiting += 1;
            reporter.report(ProgressEvent::StepFinished {
                step_id,
                outcome: StepOutcome::HandedOff,
                detail: format!("{} has no matching federated credential yet", pack.identity_name),
                elapsed_ms: 0,
            });
            continue;
        }
        let Some(Operation::Connection { spec, project_id, .. }) =
            plan.step(&format!("connection/{}", pack.connection)).map(|s| &s.operation)
        else {
            continue;
        };
        let connection_id =
            journal.steps.get(&format!("connection/{}", pack.connection)).and_then(|r| r.outputs.connection_id);
        let Some(connection_id) = connection_id else { continue };
        port.finish_draft(&spec.organization, connection_id).await.map_err(az)?;
        let verified = crate::steps::verify::verify_until_propagated(
            port,
            &spec.organization,
            *project_id,
            connection_id,
            options,
            reporter,
            &step_id,
        )
        .await
        .map_err(az)?;
        if let TestResult::Failed { message } = verified {
            return Err(EngineError::Verification { connection: pack.connection.clone(), message });
        }
        if let Some(record) = journal.steps.get_mut(&step_id) {
            record.outcome = StepOutcome::Created;
            record.detail = format!("created by the owner of {}", pack.identity_name);
        }
        if let Some(record) = journal.steps.get_mut(&format!("verify/{}", pack.connection)) {
            record.outcome = StepOutcome::Verified;
            record.detail = "TestConnection succeeded after the hand-off".into();
        }
        store.save(&journal)?;
        reporter.report(ProgressEvent::StepFinished {
            step_id,
            outcome: StepOutcome::Verified,
            detail: format!("{} finished and verified", pack.connection),
            elapsed_ms: 0,
        });
    }
    journal.status = if still_waiting == 0 { RunStatus::Completed } else { RunStatus::WaitingForHandOff };
    store.save(&journal)?;
    reporter.report(ProgressEvent::RunFinished {
        run_id: journal.run_id.clone(),
        succeeded: still_waiting == 0,
        done: 0,
        failed: 0,
        remaining: still_waiting,
    });
    Ok(journal)
}
