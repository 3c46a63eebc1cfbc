//! Migrating existing connections: `plan_migration` (what migrating the chosen connections
//! would do, wave by wave), `apply_migration` (runs it, streaming progress per wave),
//! `revert_migration` (puts converted connections back on their secret, within Azure DevOps'
//! revert window) and `migration_runs` (the migrations recorded on this machine).
//!
//! Facts only: the UI writes the sentences (symbols, counts, what each status means). The
//! planner's own explanations (`notes`, a refusal's problem and help, a finding's advice) come
//! as sentences because they name what the planner found.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{FailedLookup, IpcError, ProgressView};

/// `plan_migration(request)` and `apply_migration(request, onProgress)`: the connections chosen
/// in the inventory, each migrated with the default action its class allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MigrationRequest {
    pub connections: Vec<MigrationChoiceInput>,
    /// How many connections one wave migrates; 10 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub wave_size: Option<u32>,
}

/// One chosen connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MigrationChoiceInput {
    /// The service connection id, as the inventory listed it.
    pub id: String,
    /// Blocking impact findings accepted one by one, by their location.
    #[serde(default)]
    pub accepted_findings: Vec<String>,
}

/// What migrating the chosen connections would do; nothing has changed yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MigrationPlanView {
    /// Every chosen connection, in the order of the migration file.
    pub entries: Vec<PlannedMigrationView>,
    pub waves: Vec<MigrationWaveView>,
    pub wave_size: u32,
    /// Organizations or projects that could not be read; their entries are refused.
    pub unread: Vec<FailedLookup>,
}

/// Connections migrated together; the next wave starts when this one is verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MigrationWaveView {
    /// From 1.
    pub number: u32,
    /// The ids of its connections.
    pub connection_ids: Vec<String>,
}

/// How a connection moves to workload identity federation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum MigrationActionView {
    /// Same connection, secret replaced by workload identity federation.
    ConvertInPlace,
    /// Same connection, from the Azure DevOps issuer to the Entra issuer.
    SwitchIssuer,
    /// A new "Azure DevOps" workload identity connection replaces a token connection.
    ReplaceWithAzureDevopsConnection,
    Skip,
}

/// Whether an entry can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum MigrationEntryStatusView {
    Ready,
    /// The identity's owner must add the federated credential; Keyless prepares a hand-off.
    HandOff,
    /// It cannot run as chosen; `refusal` says why and what to change.
    Refused,
    /// A pipeline would break; each blocking finding must be fixed or accepted first.
    Blocked,
    Skipped,
}

/// Who writes the federated credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum CredentialWriterView {
    Keyless,
    AzureDevOps,
    IdentityOwner,
    /// Known when Keyless tries: it hands off if Entra ID refuses.
    NotKnown,
}

/// Where the credential's subject comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum SubjectSourceView {
    /// What Azure DevOps will present, checked again before it is written.
    Expected,
    /// Read back from Azure DevOps once the new connection exists.
    AssignedByAzureDevOps,
    NotKnown,
}

/// The federated credential the migration adds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MigrationCredentialView {
    pub issuer: String,
    pub subject: Option<String>,
    pub subject_source: SubjectSourceView,
    pub written_by: CredentialWriterView,
}

/// The identity that receives the credential, and its count against the cap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MigrationIdentityView {
    pub client_id: Option<String>,
    pub display_name: Option<String>,
    /// A new identity the migration creates.
    pub new: bool,
    pub credentials_now: Option<u32>,
    /// After this entry and every earlier one on the same identity.
    pub credentials_after: Option<u32>,
    /// Federated credentials an identity may have (20).
    pub cap: u32,
}

/// Something in a pipeline that would break, or might, once the connection moves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImpactFindingView {
    /// The pipeline's name, when known.
    pub pipeline: Option<String>,
    /// Where in the pipeline; also the key that accepts the finding.
    pub location: String,
    pub task: Option<String>,
    /// What to change, in one or two sentences.
    pub advice: String,
    /// The pipeline would fail after the migration unless this is changed or accepted.
    pub blocking: bool,
    /// Accepted in the request, so it no longer blocks.
    pub accepted: bool,
}

/// Why an entry cannot run and what to change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MigrationRefusalView {
    pub problem: String,
    pub help: String,
}

/// One chosen connection, planned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PlannedMigrationView {
    pub organization: String,
    pub project: String,
    pub name: String,
    pub id: String,
    pub action: MigrationActionView,
    pub status: MigrationEntryStatusView,
    pub refusal: Option<MigrationRefusalView>,
    /// The replacement connection's name.
    pub new_connection: Option<String>,
    pub credential: Option<MigrationCredentialView>,
    pub identity: Option<MigrationIdentityView>,
    pub all_pipelines: bool,
    pub authorized_pipelines: Vec<u64>,
    /// True once the pipelines that use it were read for impact findings.
    pub pipelines_read: bool,
    pub findings: Vec<ImpactFindingView>,
    /// Warnings and explanations a person should read.
    pub notes: Vec<String>,
    /// From 1; `null` when the entry does not run.
    pub wave: Option<u32>,
}

/// `apply_migration` streams this: each engine event with the wave it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MigrationProgressView {
    /// From 1; `null` for events of the whole run.
    pub wave: Option<u32>,
    pub progress: ProgressView,
}

/// `revert_migration(request, onProgress)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MigrationRunRequest {
    pub run_id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum MigrationRunStatusView {
    Completed,
    /// Done except credentials the identities' owners must add.
    WaitingForHandOff,
    /// Stopped at a failed step; applying the same choice again resumes it.
    Failed,
    Reverted,
    Running,
}

/// What became of one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum MigratedOutcomeView {
    Migrated,
    HandedOff,
    Skipped,
    Failed,
    NotStarted,
    Reverted,
}

/// One connection of a migration run's report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MigratedConnectionView {
    /// "organization/project/name".
    pub key: String,
    pub id: String,
    pub action: MigrationActionView,
    pub outcome: MigratedOutcomeView,
    /// What changed, one sentence each.
    pub changes: Vec<String>,
    /// Why it was skipped or failed.
    pub reason: Option<String>,
    /// What the admin should do next, one sentence each.
    pub next: Vec<String>,
    pub issuer: Option<String>,
    pub subject: Option<String>,
}

/// One wave of a migration run's report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MigrationWaveReportView {
    pub number: u32,
    /// True once every connection of the wave was verified (or handed off).
    pub verified: bool,
    pub connections: Vec<MigratedConnectionView>,
}

/// Where a migration run ended (or stands), wave by wave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MigrationRunView {
    pub run_id: String,
    pub status: MigrationRunStatusView,
    pub waves: Vec<MigrationWaveReportView>,
    /// The chosen connections the plan did not run (refused, blocked or skipped), with why.
    pub not_run: Vec<MigratedConnectionView>,
    /// Until when Azure DevOps lets converted connections go back to their secret, RFC 3339;
    /// `null` when nothing can be reverted.
    pub revert_until: Option<String>,
    /// Why the run stopped when it did not finish; `null` otherwise.
    pub error: Option<IpcError>,
    /// What the admin should do now, one sentence each.
    pub next_steps: Vec<String>,
    /// The whole report for people (save as .md).
    pub markdown: String,
    /// The whole report for tools (save as .json).
    pub json: String,
}

/// One migration run of the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MigrationRunSummaryView {
    pub run_id: String,
    /// When it started, RFC 3339.
    pub started: String,
    pub status: MigrationRunStatusView,
    pub connections: u32,
    pub revert_until: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_choice_without_accepted_findings_accepts_none() {
        let request: MigrationRequest = serde_json::from_str(r#"{"connections":[{"id":"a"}]}"#).unwrap();
        assert_eq!(
            request,
            MigrationRequest {
                connections: vec![MigrationChoiceInput { id: "a".into(), accepted_findings: vec![] }],
                wave_size: None
            }
        );
    }

    #[test]
    fn actions_and_statuses_are_camel_case() {
        assert_eq!(
            serde_json::to_value(MigrationActionView::ReplaceWithAzureDevopsConnection).unwrap(),
            "replaceWithAzureDevopsConnection"
        );
        assert_eq!(serde_json::to_value(MigrationEntryStatusView::HandOff).unwrap(), "handOff");
        assert_eq!(serde_json::to_value(MigrationRunStatusView::WaitingForHandOff).unwrap(), "waitingForHandOff");
    }
}
