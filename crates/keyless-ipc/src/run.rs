//! Running a setup: `apply_setup`, `cancel_apply`, `rollback_run`, `finish_run`, `list_runs`,
//! the progress events their channel streams, and the report they end with.
//!
//! Every run is journaled on this machine, so a run that failed, was cancelled or was cut off by
//! a crash resumes when the same setup is applied again.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::IpcErrorCode;

/// `rollback_run(request, onProgress)` and `finish_run(request, onProgress)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RunRequest {
    pub run_id: String,
}

/// Where a run ended (or stands).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RunView {
    pub run_id: String,
    pub status: RunStatusView,
    pub report: ReportView,
    /// Why the run stopped when it did not finish (`failed`, including a cancel with code
    /// `cancelled`); `null` otherwise. The failed step also came as a `stepFailed` event.
    pub error: Option<crate::IpcError>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum RunStatusView {
    Completed,
    /// Done except the credentials the identity's owner must add; see `report.handOffs`, then
    /// `finish_run`.
    WaitingForHandOff,
    /// Stopped at a failed step (or was cancelled); applying the same setup resumes it.
    Failed,
    RolledBack,
    /// Not finished: cut off before it ended, or still running.
    Running,
}

/// What a run created and how to use it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReportView {
    /// Every planned step and what became of it, in plan order.
    pub steps: Vec<ReportStepView>,
    pub connections: Vec<ConnectionReportView>,
    pub hand_offs: Vec<HandOffView>,
    /// The whole report for people (save as .md).
    pub markdown: String,
    /// The whole report for tools (save as .json), as the CLI's `--output json` writes it.
    pub json: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReportStepView {
    pub id: String,
    pub title: String,
    /// `null` when the step has not run.
    pub outcome: Option<StepOutcomeView>,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionReportView {
    /// "organization/project/name".
    pub key: String,
    /// The service connection id; `null` when it was not created.
    pub id: Option<String>,
    /// The federation values Azure DevOps assigned, as written into the credential.
    pub issuer: Option<String>,
    pub subject: Option<String>,
    /// True once Azure DevOps' own connection test passed.
    pub verified: bool,
    /// A pipeline snippet that uses the connection.
    pub pipeline_yaml: String,
}

/// A federated credential the identity's owner must add, with everything they need to do it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct HandOffView {
    /// The connection key it unblocks.
    pub connection: String,
    pub identity_name: String,
    pub fic_name: String,
    pub issuer: String,
    pub subject: String,
    pub audience: String,
    /// The `az` command that adds the credential.
    pub az_command: String,
    /// The same as a REST request.
    pub rest_request: String,
    /// The whole pack, to send to the owner.
    pub markdown: String,
}

/// One run of the journal, for the "Runs" list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RunSummaryView {
    pub run_id: String,
    /// When it started, RFC 3339.
    pub started: String,
    pub status: RunStatusView,
    pub steps_done: u32,
    /// How many resources it created (what rollback would delete).
    pub created: u32,
}

/// What became of a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum StepOutcomeView {
    Created,
    Updated,
    Reused,
    Verified,
    /// Waiting for the identity's owner; see the hand-off pack.
    HandedOff,
    /// Done by an earlier attempt of this run (resume).
    AlreadyDone,
}

/// What a run is waiting for when Azure answers "not yet".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum WaitReasonView {
    /// A new service principal is not visible to Entra ID yet.
    ServicePrincipalInEntra,
    /// Azure DevOps does not know the new service principal yet.
    ServicePrincipalInDevOps,
    /// Azure Resource Manager does not know the new service principal yet.
    ServicePrincipalInArm,
    /// A new federated credential is not in effect yet.
    FederatedCredential,
    /// A new role assignment is not in effect yet.
    RoleAssignment,
    /// Entra ID does not know the new app registration yet.
    NewApplication,
    /// A new organization or project membership is not in effect yet.
    Membership,
}

/// Progress of a run, streamed on the `onProgress` channel, tagged by `event`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "event", rename_all = "camelCase")]
pub enum ProgressView {
    #[serde(rename_all = "camelCase")]
    RunStarted { run_id: String, total_steps: u32, resumed: bool },
    #[serde(rename_all = "camelCase")]
    StepStarted { step_id: String, title: String },
    /// A deliberate wait for something Azure has not finished; `wait` says what (the UI writes
    /// the sentence), `code` is the service's code that signalled it, for the details.
    #[serde(rename_all = "camelCase")]
    StepWaiting { step_id: String, wait: WaitReasonView, code: Option<String>, attempt: u32, wait_ms: u64 },
    /// A request the step made (method, URL without secrets, status), for the expanded row.
    #[serde(rename_all = "camelCase")]
    Request { step_id: String, method: String, url: String, status: u16 },
    #[serde(rename_all = "camelCase")]
    StepFinished { step_id: String, outcome: StepOutcomeView, detail: String, elapsed_ms: u64 },
    /// `code` is what the UI branches on; `help` is the fix, in the window's words.
    #[serde(rename_all = "camelCase")]
    StepFailed { step_id: String, code: IpcErrorCode, message: String, help: String },
    #[serde(rename_all = "camelCase")]
    RunFinished { run_id: String, succeeded: bool, done: u32, failed: u32, remaining: u32 },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_is_tagged_by_event_in_camel_case() {
        let event = ProgressView::StepWaiting {
            step_id: "s".into(),
            wait: WaitReasonView::ServicePrincipalInDevOps,
            code: Some("VS403283".into()),
            attempt: 2,
            wait_ms: 1500,
        };
        assert_eq!(
            serde_json::to_value(&event).unwrap(),
            serde_json::json!({ "event": "stepWaiting", "stepId": "s", "wait": "servicePrincipalInDevOps", "code": "VS403283", "attempt": 2, "waitMs": 1500 })
        );
    }

    #[test]
    fn run_status_names_match_the_engine_journal() {
        assert_eq!(serde_json::to_value(RunStatusView::WaitingForHandOff).unwrap(), "waitingForHandOff");
        assert_eq!(serde_json::to_value(RunStatusView::RolledBack).unwrap(), "rolledBack");
    }
}
