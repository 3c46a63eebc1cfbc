//! The engine's run artefacts (progress events, journal, report) as `keyless-ipc` views.
//!
//! Conversions destructure their source completely. Nothing here reads files or talks to
//! Azure; the controller hands in what the engine returned.

use keyless_azure::WaitReason;
use keyless_engine::{
    journal::{RunJournal, RunStatus},
    progress::{ProgressEvent, Reporter, StepOutcome},
    report::{ReportConnection, ReportStep, RunReport},
    snippets::HandOff,
};
use keyless_ipc::{
    ConnectionReportView, HandOffView, IpcError, ProgressView, ReportStepView, ReportView, RunStatusView,
    RunSummaryView, RunView, StepOutcomeView, WaitReasonView,
};

use crate::{
    EventSink,
    error::{failure_code, remedy_words},
    plan_view::count,
};

/// Forwards the engine's progress to a sink as `ProgressView`s.
pub struct ProgressForwarder<'a>(pub &'a dyn EventSink<ProgressView>);

impl std::fmt::Debug for ProgressForwarder<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProgressForwarder")
    }
}

impl Reporter for ProgressForwarder<'_> {
    fn report(&self, event: ProgressEvent) {
        self.0.send(progress_view(event));
    }
}

/// What Keyless is waiting for, as the UI's enum (the UI writes the sentence).
pub fn wait_view(wait: WaitReason) -> WaitReasonView {
    match wait {
        WaitReason::ServicePrincipalInEntra => WaitReasonView::ServicePrincipalInEntra,
        WaitReason::ServicePrincipalInDevOps => WaitReasonView::ServicePrincipalInDevOps,
        WaitReason::ServicePrincipalInArm => WaitReasonView::ServicePrincipalInArm,
        WaitReason::FederatedCredential => WaitReasonView::FederatedCredential,
        WaitReason::RoleAssignment => WaitReasonView::RoleAssignment,
        WaitReason::NewApplication => WaitReasonView::NewApplication,
        WaitReason::Membership => WaitReasonView::Membership,
    }
}

pub fn progress_view(event: ProgressEvent) -> ProgressView {
    match event {
        ProgressEvent::RunStarted { run_id, total_steps, resumed } => {
            ProgressView::RunStarted { run_id, total_steps: count(total_steps), resumed }
        }
        ProgressEvent::StepStarted { step_id, title } => ProgressView::StepStarted { step_id, title },
        ProgressEvent::StepWaiting { step_id, wait, code, attempt, wait_ms } => {
            ProgressView::StepWaiting { step_id, wait: wait_view(wait), code, attempt, wait_ms }
        }
        ProgressEvent::Request { step_id, method, url, status } => {
            ProgressView::Request { step_id, method, url, status }
        }
        ProgressEvent::StepFinished { step_id, outcome, detail, elapsed_ms } => {
            ProgressView::StepFinished { step_id, outcome: outcome_view(outcome), detail, elapsed_ms }
        }
        ProgressEvent::StepFailed { step_id, code, message, remedy } => {
            ProgressView::StepFailed { step_id, code: failure_code(code), message, help: remedy_words(&remedy) }
        }
        ProgressEvent::RunFinished { run_id, succeeded, done, failed, remaining } => ProgressView::RunFinished {
            run_id,
            succeeded,
            done: count(done),
            failed: count(failed),
            remaining: count(remaining),
        },
    }
}

pub fn outcome_view(outcome: StepOutcome) -> StepOutcomeView {
    match outcome {
        StepOutcome::Created => StepOutcomeView::Created,
        StepOutcome::Updated => StepOutcomeView::Updated,
        StepOutcome::Reused => StepOutcomeView::Reused,
        StepOutcome::Verified => StepOutcomeView::Verified,
        StepOutcome::HandedOff => StepOutcomeView::HandedOff,
        StepOutcome::AlreadyDone => StepOutcomeView::AlreadyDone,
    }
}

pub fn status_view(status: RunStatus) -> RunStatusView {
    match status {
        RunStatus::Running => RunStatusView::Running,
        RunStatus::Completed => RunStatusView::Completed,
        RunStatus::WaitingForHandOff => RunStatusView::WaitingForHandOff,
        RunStatus::Failed => RunStatusView::Failed,
        RunStatus::RolledBack => RunStatusView::RolledBack,
    }
}

/// The run as the UI shows it once a command on it returns.
pub fn run_view(report: &RunReport, error: Option<IpcError>) -> RunView {
    RunView { run_id: report.run_id.clone(), status: status_view(report.status), report: report_view(report), error }
}

pub fn report_view(report: &RunReport) -> ReportView {
    let RunReport { run_id: _, started: _, cloud: _, status: _, steps, connections, hand_offs } = report;
    ReportView {
        steps: steps.iter().map(report_step_view).collect(),
        connections: connections.iter().map(connection_view).collect(),
        hand_offs: hand_offs.iter().map(hand_off_view).collect(),
        markdown: report.render_markdown(),
        // Serializing plain data cannot fail; an empty string would only hide the JSON copy.
        json: serde_json::to_string_pretty(report).unwrap_or_default(),
    }
}

fn report_step_view(step: &ReportStep) -> ReportStepView {
    let ReportStep { id, title, outcome, detail } = step;
    ReportStepView { id: id.clone(), title: title.clone(), outcome: outcome.map(outcome_view), detail: detail.clone() }
}

fn connection_view(connection: &ReportConnection) -> ConnectionReportView {
    let ReportConnection { key, id, issuer, subject, verified, pipeline_yaml } = connection;
    ConnectionReportView {
        key: key.clone(),
        id: id.clone(),
        issuer: issuer.clone(),
        subject: subject.clone(),
        verified: *verified,
        pipeline_yaml: pipeline_yaml.clone(),
    }
}

fn hand_off_view(hand_off: &HandOff) -> HandOffView {
    let HandOff {
        connection,
        identity_name,
        identity_kind: _,
        client_id: _,
        identity_ref: _,
        fic_name,
        issuer,
        subject,
        audience,
        az_command,
        rest_request,
    } = hand_off;
    HandOffView {
        connection: connection.clone(),
        identity_name: identity_name.clone(),
        fic_name: fic_name.clone(),
        issuer: issuer.clone(),
        subject: subject.clone(),
        audience: audience.clone(),
        az_command: az_command.clone(),
        rest_request: rest_request.clone(),
        markdown: hand_off.render_markdown(),
    }
}

pub fn run_summary_view(journal: &RunJournal) -> RunSummaryView {
    RunSummaryView {
        run_id: journal.run_id.clone(),
        started: journal.started.clone(),
        status: status_view(journal.status),
        steps_done: count(journal.steps.len()),
        created: count(journal.created_resources().len()),
    }
}

#[cfg(test)]
mod tests {
    use keyless_engine::progress::StepOutcome;

    use super::*;

    #[test]
    fn progress_keeps_every_field() {
        let view = progress_view(ProgressEvent::StepFinished {
            step_id: "identity/0".into(),
            outcome: StepOutcome::HandedOff,
            detail: "d".into(),
            elapsed_ms: 12,
        });
        assert_eq!(
            view,
            ProgressView::StepFinished {
                step_id: "identity/0".into(),
                outcome: StepOutcomeView::HandedOff,
                detail: "d".into(),
                elapsed_ms: 12
            }
        );
    }

    #[test]
    fn progress_events_serialize_like_the_engine_events() {
        let event =
            ProgressEvent::RunFinished { run_id: "r".into(), succeeded: true, done: 3, failed: 0, remaining: 1 };
        let engine = serde_json::to_value(&event).unwrap();
        assert_eq!(serde_json::to_value(progress_view(event)).unwrap(), engine);
    }
}
