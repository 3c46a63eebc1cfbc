//! Diagnosing broken service connections: `diagnose` (a connection, a project, an organization
//! or every organization, against live state), `diagnose_pasted_log` (a pipeline log, live when
//! signed in, from the text only otherwise), `plan_fix` and `apply_fix` (a repair planned and
//! run like any setup, so its undo is `rollback_run`).
//!
//! The views carry facts: the finding's typed code, the code a pipeline would show, the cause,
//! the evidence Keyless read and the fix, each a sentence the doctor wrote once for every face.
//! The UI words the rest (headings, counts, what "broken" means) and never parses these.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{PlanView, RunView};

/// What `diagnose` looks at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum DoctorTargetInput {
    /// Every organization the account reaches, in every tenant.
    Everything,
    Organization {
        organization: String,
    },
    Project {
        organization: String,
        project: String,
    },
    /// One connection by name (any case) or id, in its owning or a sharing project.
    Connection {
        organization: String,
        project: String,
        connection: String,
    },
}

/// `diagnose(request)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DiagnoseRequest {
    pub target: DoctorTargetInput,
}

/// Every workload identity and secret-based connection of the target, diagnosed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DiagnosisView {
    /// Sorted by organization, project and name.
    pub connections: Vec<ConnectionDiagnosisView>,
    /// Places (organizations, tenants, identities) that could not be read; the rest is shown.
    pub unread: Vec<UnreadPlaceView>,
    pub summary: DoctorSummaryView,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UnreadPlaceView {
    /// "contoso", "tenant …" or "identity …".
    pub place: String,
    pub problem: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DoctorSummaryView {
    pub connections: u32,
    pub healthy: u32,
    pub broken: u32,
    /// Not broken, but with a warning (a secret expiring, the retiring issuer).
    pub warned: u32,
    /// Broken or warned connections a Keyless run can repair.
    pub fixable_by_keyless: u32,
}

/// One connection and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionDiagnosisView {
    pub organization: String,
    /// The owning project.
    pub project: String,
    pub name: String,
    /// The service connection id, a lowercase GUID.
    pub id: String,
    /// e.g. "azurerm", "WorkloadIdentityUser".
    pub endpoint_type: String,
    /// "WorkloadIdentityFederation" or "ServicePrincipal".
    pub scheme: String,
    pub client_id: Option<String>,
    pub identity_name: Option<String>,
    pub health: ConnectionHealthView,
    /// The ones that stop pipelines first; empty when the connection is healthy.
    pub findings: Vec<FindingView>,
    /// Whether a Keyless run can repair at least one finding (`plan_fix`, `apply_fix`).
    pub keyless_can_fix: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ConnectionHealthView {
    Healthy,
    /// Pipelines still run, but something will stop them (see the warnings).
    Warning,
    /// Pipelines using it fail now.
    Broken,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum SeverityView {
    Broken,
    Warning,
}

/// One problem of one connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FindingView {
    pub code: FindingCodeView,
    /// The AADSTS, TF or VS code (or ARM error) a pipeline or the connection test would show.
    pub pipeline_code: Option<String>,
    pub severity: SeverityView,
    /// The cause, in one sentence.
    pub cause: String,
    /// What Keyless read that shows it.
    pub evidence: Vec<String>,
    /// What fixes it, in one sentence.
    pub fix: String,
    /// Whether Keyless can make the fix itself, through a planned run that can be undone.
    pub keyless_can_fix: bool,
}

/// What is wrong, as a code the UI branches on, with the values it compares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum FindingCodeView {
    MissingCredential,
    /// No credential carries the issuer the connection presents.
    IssuerMismatch {
        presented: String,
        found: Vec<String>,
    },
    /// The identity trusts only the other generation's issuer.
    OldIssuer {
        presented: String,
        found: Vec<String>,
    },
    /// The credential with the connection's issuer has another subject.
    SubjectMismatch {
        expected: String,
        found: String,
    },
    /// The subjects differ in letter case only, and Entra compares them case-sensitively.
    CaseOnlyMismatch {
        expected: String,
        found: String,
    },
    AudienceMismatch {
        found: Vec<String>,
    },
    /// The connection still presents the Azure DevOps issuer, which retires.
    RetiringIssuer,
    IdentityGone,
    IdentityUnread {
        problem: String,
    },
    MultitenantApp,
    NoServicePrincipal,
    NoRole {
        scope: String,
    },
    NotMember {
        organization: String,
    },
    StakeholderLicence {
        organization: String,
    },
    NotInProjectGroup {
        organization: String,
        project: String,
    },
    SecretMissing,
    SecretExpired {
        expired_on: String,
    },
    SecretExpiring {
        expires_on: String,
    },
    /// The identity holds the most federated credentials Entra allows.
    CredentialCapReached {
        count: u32,
    },
    Draft,
}

/// `diagnose_pasted_log(request)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PastedLogRequest {
    /// A pipeline log or an error message, as pasted.
    pub text: String,
}

/// How far a pasted-log diagnosis goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum DiagnosisSourceView {
    /// From the text alone: nobody is signed in, so nothing was read from Azure.
    TextOnly,
    /// From the text and, for the connections it names, from live state.
    Live,
}

/// Every failure a pasted text mentions, explained, and the connections it names diagnosed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PastedLogView {
    pub source: DiagnosisSourceView,
    /// False when the text mentions no failure Keyless knows; `lookedFor` then says what it sought.
    pub recognised: bool,
    pub explanations: Vec<ExplanationView>,
    /// Every code Keyless looks for.
    pub looked_for: Vec<String>,
    /// Codes shaped like Entra or Azure DevOps codes that Keyless has no explanation for.
    pub unknown_codes: Vec<String>,
    pub notes: Vec<ReadingNoteView>,
    /// The connections the text points to, diagnosed live; `null` when read from the text only.
    pub live: Option<DiagnosisView>,
}

/// One failure in a pasted text, explained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ExplanationView {
    /// The code as the pipeline shows it ("AADSTS700213", "TF401444"), or the message's phrase.
    pub code: String,
    /// The message that stood for the code when the code itself was not in the text.
    pub recognised_by_phrase: Option<String>,
    /// 1-based line of the first mention.
    pub line: u32,
    pub mentions: u32,
    /// The first mention's line, without timestamps or anything that looks like a token.
    pub excerpt: String,
    pub issuer: Option<String>,
    pub subject: Option<String>,
    pub client_id: Option<String>,
    pub connection: Option<String>,
    pub cause: String,
    pub evidence: Vec<String>,
    /// What to do, in order.
    pub fix: Vec<String>,
}

/// Why a pasted text was not read whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum ReadingNoteView {
    InputTruncated { read_bytes: u32, total_bytes: u32 },
    FailuresCapped { shown: u32, not_shown: u32 },
    MentionsCapped { examined: u32 },
}

/// `plan_fix(request)` and `apply_fix(request, onProgress)`: one connection, diagnosed again
/// against what exists now before anything is planned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FixRequest {
    pub organization: String,
    /// The owning project.
    pub project: String,
    /// The service connection id.
    pub connection_id: String,
}

/// What repairing one connection would do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FixPlanView {
    /// "organization/project/name".
    pub connection: String,
    /// The run's steps; `null` when Keyless can fix none of the findings now.
    pub plan: Option<PlanView>,
    /// The findings the run repairs.
    pub fixes: Vec<FindingView>,
    /// The findings it leaves, each saying what to do instead.
    pub left: Vec<FindingView>,
}

/// Where an applied fix ended: the run (undo it with `rollback_run` and its `runId`) and the
/// connection diagnosed again afterwards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FixRunView {
    pub run: RunView,
    /// `null` when the connection could not be read again.
    pub after: Option<ConnectionDiagnosisView>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_tagged_by_kind_in_camel_case() {
        let target: DoctorTargetInput =
            serde_json::from_value(serde_json::json!({ "kind": "connection", "organization": "contoso", "project": "Shop", "connection": "shop-prod" }))
                .unwrap();
        assert_eq!(
            target,
            DoctorTargetInput::Connection {
                organization: "contoso".into(),
                project: "Shop".into(),
                connection: "shop-prod".into()
            }
        );
        assert_eq!(
            serde_json::to_value(DoctorTargetInput::Everything).unwrap(),
            serde_json::json!({ "kind": "everything" })
        );
    }

    #[test]
    fn finding_codes_carry_the_values_they_compare() {
        let code = FindingCodeView::CaseOnlyMismatch { expected: "sc://a/B/c".into(), found: "sc://a/b/c".into() };
        assert_eq!(
            serde_json::to_value(code).unwrap(),
            serde_json::json!({ "kind": "caseOnlyMismatch", "expected": "sc://a/B/c", "found": "sc://a/b/c" })
        );
        assert_eq!(
            serde_json::to_value(FindingCodeView::SecretExpired { expired_on: "2026-01-01".into() }).unwrap(),
            serde_json::json!({ "kind": "secretExpired", "expiredOn": "2026-01-01" })
        );
    }
}
