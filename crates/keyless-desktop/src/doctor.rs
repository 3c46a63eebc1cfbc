//! The Diagnose commands: find and explain broken service connections against live state, read
//! a pasted pipeline log, and repair a connection through a planned run whose undo is the
//! ordinary `rollback_run`.
//!
//! The doctor itself is the shared use case (`keyless_usecases::doctor`); this module keeps the
//! window's part (one run at a time, progress forwarded as views) and converts the doctor's
//! facts into `keyless-ipc` views, destructuring every field so a new fact fails to compile
//! until the window carries it. A fix is always planned against what exists when it is asked
//! for: the connection is diagnosed again first, never taken from an older answer.

use keyless_core::names::OrgName;
use keyless_ipc::{
    ConnectionDiagnosisView, ConnectionHealthView, DiagnoseRequest, DiagnosisSourceView, DiagnosisView,
    DoctorSummaryView, DoctorTargetInput, ExplanationView, FindingCodeView, FindingView, FixPlanView, FixRequest,
    FixRunView, PastedLogRequest, PastedLogView, ProgressView, ReadingNoteView, SeverityView, UnreadPlaceView,
};
use keyless_usecases::{
    AlreadyConfirmed, Connected,
    doctor::{
        self, ConnectionDiagnosis, DoctorSummary, DoctorTarget, Explanation, Facts, Finding, FindingCode, FixPlan,
        LiveDiagnosis, PastedLogDiagnosis, PastedLogLiveDiagnosis, ReadingNote, RecognisedFailure, Severity,
        UnreadNote,
    },
};

use crate::{
    Controller, DesktopError, EventSink, plan_view::plan_view, run_view::ProgressForwarder, runs::outcome_view,
};

impl Controller {
    /// `diagnose`: every workload identity and secret-based connection of the target, each with
    /// what is wrong with it. Changes nothing.
    pub async fn diagnose(&self, request: DiagnoseRequest) -> Result<DiagnosisView, DesktopError> {
        let DiagnoseRequest { target } = request;
        let target = doctor_target(target)?;
        let connected = self.connected()?;
        Ok(diagnosis_view(doctor::diagnose(&connected, &target).await?))
    }

    /// `diagnose_pasted_log`: each failure the text mentions, explained; when someone is signed
    /// in, the connections it names are diagnosed live too.
    pub async fn diagnose_pasted_log(&self, request: PastedLogRequest) -> Result<PastedLogView, DesktopError> {
        let PastedLogRequest { text } = request;
        let Ok(connected) = self.connected() else {
            return Ok(pasted_log_view(doctor::diagnose_pasted_log(&text), None));
        };
        let PastedLogLiveDiagnosis { text, live } = doctor::diagnose_pasted_log_live(&connected, &text).await?;
        Ok(pasted_log_view(text, Some(diagnosis_view(live))))
    }

    /// `plan_fix`: the connection diagnosed again, and the run that would repair what Keyless
    /// can fix. Changes nothing.
    pub async fn plan_fix(&self, request: FixRequest) -> Result<FixPlanView, DesktopError> {
        let connected = self.connected()?;
        let diagnosis = diagnose_one(&connected, &request).await?;
        let connection = format!("{}/{}/{}", diagnosis.organization, diagnosis.project, diagnosis.name);
        match doctor::fix_plan(&connected, &diagnosis).await? {
            Some(FixPlan { connection, setup: _, planned, fixes, left }) => Ok(FixPlanView {
                connection,
                plan: Some(plan_view(&planned.plan)),
                fixes: fixes.into_iter().map(finding_view).collect(),
                left: left.into_iter().map(finding_view).collect(),
            }),
            None => Ok(FixPlanView {
                connection,
                plan: None,
                fixes: vec![],
                left: diagnosis.findings.into_iter().map(finding_view).collect(),
            }),
        }
    }

    /// `apply_fix`: plans the repair again against live state and applies it as a run (the
    /// window showed the plan and asked first), then diagnoses the connection once more so the
    /// window can show whether it now passes. Undo is `rollback_run` with the run's id.
    pub async fn apply_fix(
        &self,
        request: FixRequest,
        progress: &dyn EventSink<ProgressView>,
    ) -> Result<FixRunView, DesktopError> {
        let connected = self.connected()?;
        let diagnosis = diagnose_one(&connected, &request).await?;
        let fix = doctor::fix_plan(&connected, &diagnosis).await?.ok_or_else(|| DesktopError::NothingToFix {
            connection: format!("{}/{}/{}", diagnosis.organization, diagnosis.project, diagnosis.name),
        })?;
        let run = self.start_run()?;
        let settings = self.settings_for(&run).await?;
        let outcome =
            doctor::apply_fix(&connected, &settings, &fix, &ProgressForwarder(progress), &AlreadyConfirmed).await?;
        drop(run);
        let run = outcome_view(outcome);
        // A connection that cannot be read again is shown without its new state, not as a
        // failed fix: the run itself is what happened.
        let after = diagnose_one(&connected, &request).await.ok().map(connection_view);
        Ok(FixRunView { run, after })
    }
}

/// One connection, by its organization, owning project and id, diagnosed now.
async fn diagnose_one(connected: &Connected, request: &FixRequest) -> Result<ConnectionDiagnosis, DesktopError> {
    let FixRequest { organization, project, connection_id } = request;
    let target = DoctorTarget::Connection {
        organization: OrgName::parse(organization)?,
        project: project.clone(),
        name_or_id: connection_id.clone(),
    };
    let LiveDiagnosis { connections, unread: _, summary: _ } = doctor::diagnose(connected, &target).await?;
    connections
        .into_iter()
        .find(|c| c.id.to_string().eq_ignore_ascii_case(connection_id.trim()))
        .ok_or_else(|| DesktopError::UnknownConnection { id: connection_id.clone() })
}

fn doctor_target(target: DoctorTargetInput) -> Result<DoctorTarget, DesktopError> {
    Ok(match target {
        DoctorTargetInput::Everything => DoctorTarget::Everything,
        DoctorTargetInput::Organization { organization } => DoctorTarget::Organization(OrgName::parse(&organization)?),
        DoctorTargetInput::Project { organization, project } => {
            DoctorTarget::Project { organization: OrgName::parse(&organization)?, project }
        }
        DoctorTargetInput::Connection { organization, project, connection } => {
            DoctorTarget::Connection { organization: OrgName::parse(&organization)?, project, name_or_id: connection }
        }
    })
}

fn diagnosis_view(diagnosis: LiveDiagnosis) -> DiagnosisView {
    let LiveDiagnosis { connections, unread, summary } = diagnosis;
    let DoctorSummary { connections: total, healthy, broken, warned, fixable_by_keyless } = summary;
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    DiagnosisView {
        connections: connections.into_iter().map(connection_view).collect(),
        unread: unread.into_iter().map(|UnreadNote { place, problem }| UnreadPlaceView { place, problem }).collect(),
        summary: DoctorSummaryView {
            connections: count(total),
            healthy: count(healthy),
            broken: count(broken),
            warned: count(warned),
            fixable_by_keyless: count(fixable_by_keyless),
        },
    }
}

fn connection_view(diagnosis: ConnectionDiagnosis) -> ConnectionDiagnosisView {
    let health = if diagnosis.is_broken() {
        ConnectionHealthView::Broken
    } else if diagnosis.findings.is_empty() {
        ConnectionHealthView::Healthy
    } else {
        ConnectionHealthView::Warning
    };
    let keyless_can_fix = diagnosis.keyless_can_fix();
    let ConnectionDiagnosis {
        organization,
        project,
        name,
        id,
        endpoint_type,
        scheme,
        client_id,
        identity_name,
        findings,
        repair: _,
    } = diagnosis;
    ConnectionDiagnosisView {
        organization,
        project,
        name,
        id: id.to_string(),
        endpoint_type,
        scheme,
        client_id: client_id.map(|id| id.to_string()),
        identity_name,
        health,
        findings: findings.into_iter().map(finding_view).collect(),
        keyless_can_fix,
    }
}

fn finding_view(finding: Finding) -> FindingView {
    let Finding { code, pipeline_code, severity, cause, evidence, fix, keyless_can_fix } = finding;
    FindingView {
        code: finding_code_view(code),
        pipeline_code,
        severity: match severity {
            Severity::Broken => SeverityView::Broken,
            Severity::Warning => SeverityView::Warning,
        },
        cause,
        evidence,
        fix,
        keyless_can_fix,
    }
}

fn finding_code_view(code: FindingCode) -> FindingCodeView {
    match code {
        FindingCode::MissingCredential => FindingCodeView::MissingCredential,
        FindingCode::IssuerMismatch { presented, found } => FindingCodeView::IssuerMismatch { presented, found },
        FindingCode::OldIssuer { presented, found } => FindingCodeView::OldIssuer { presented, found },
        FindingCode::SubjectMismatch { expected, found } => FindingCodeView::SubjectMismatch { expected, found },
        FindingCode::CaseOnlyMismatch { expected, found } => FindingCodeView::CaseOnlyMismatch { expected, found },
        FindingCode::AudienceMismatch { found } => FindingCodeView::AudienceMismatch { found },
        FindingCode::RetiringIssuer => FindingCodeView::RetiringIssuer,
        FindingCode::IdentityGone => FindingCodeView::IdentityGone,
        FindingCode::IdentityUnread { problem } => FindingCodeView::IdentityUnread { problem },
        FindingCode::MultitenantApp => FindingCodeView::MultitenantApp,
        FindingCode::NoServicePrincipal => FindingCodeView::NoServicePrincipal,
        FindingCode::NoRole { scope } => FindingCodeView::NoRole { scope },
        FindingCode::NotMember { organization } => FindingCodeView::NotMember { organization },
        FindingCode::StakeholderLicence { organization } => FindingCodeView::StakeholderLicence { organization },
        FindingCode::NotInProjectGroup { organization, project } => {
            FindingCodeView::NotInProjectGroup { organization, project }
        }
        FindingCode::SecretMissing => FindingCodeView::SecretMissing,
        FindingCode::SecretExpired { expired_on } => FindingCodeView::SecretExpired { expired_on },
        FindingCode::SecretExpiring { expires_on } => FindingCodeView::SecretExpiring { expires_on },
        FindingCode::CredentialCapReached { count } => FindingCodeView::CredentialCapReached { count },
        FindingCode::Draft => FindingCodeView::Draft,
    }
}

fn pasted_log_view(text: PastedLogDiagnosis, live: Option<DiagnosisView>) -> PastedLogView {
    let PastedLogDiagnosis { source: _, recognised, explanations, looked_for, unknown_codes, notes } = text;
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    PastedLogView {
        source: if live.is_some() { DiagnosisSourceView::Live } else { DiagnosisSourceView::TextOnly },
        recognised,
        explanations: explanations.into_iter().map(explanation_view).collect(),
        looked_for: looked_for.codes.iter().map(|code| code.to_string()).collect(),
        unknown_codes,
        notes: notes
            .into_iter()
            .map(|note| match note {
                ReadingNote::InputTruncated { read_bytes, total_bytes } => {
                    ReadingNoteView::InputTruncated { read_bytes: count(read_bytes), total_bytes: count(total_bytes) }
                }
                ReadingNote::FailuresCapped { shown, not_shown } => {
                    ReadingNoteView::FailuresCapped { shown: count(shown), not_shown: count(not_shown) }
                }
                ReadingNote::MentionsCapped { examined } => {
                    ReadingNoteView::MentionsCapped { examined: count(examined) }
                }
            })
            .collect(),
        live,
    }
}

fn explanation_view(explanation: Explanation) -> ExplanationView {
    let Explanation { failure, cause, evidence, fix } = explanation;
    let RecognisedFailure { code, meaning: _, help: _, recognised_by_phrase, line, mentions, excerpt, facts } = failure;
    let Facts {
        issuer,
        subject,
        audience: _,
        client_id,
        tenant_id: _,
        organization: _,
        project: _,
        connection,
        organization_id: _,
        connection_id: _,
        identity_name: _,
    } = facts;
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    ExplanationView {
        code: code.to_string(),
        recognised_by_phrase: recognised_by_phrase.map(str::to_string),
        line: count(line),
        mentions: count(mentions),
        excerpt,
        issuer: issuer.map(|issuer| issuer.url),
        subject: subject.map(|subject| subject.value),
        client_id,
        connection,
        cause,
        evidence,
        fix,
    }
}
