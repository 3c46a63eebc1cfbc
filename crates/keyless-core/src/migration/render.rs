//! The migration plan as text for people: one block per entry, then the waves.

use std::fmt::Write;

use super::planner::{CredentialWriter, EntryStatus, ImpactCheck, MigrationPlan, PlannedMigration, SubjectSource};
use crate::impact::Finding;

/// The plan as the CLI prints it.
pub fn render_migration_plan(plan: &MigrationPlan) -> String {
    let mut text = String::new();
    let refused = plan.refused().count();
    let blocked = plan.entries.iter().filter(|e| e.status == EntryStatus::Blocked).count();
    let _ = writeln!(
        text,
        "Migration plan: {} entries, {} in {} waves of at most {}, {refused} refused, {blocked} blocked.",
        plan.entries.len(),
        plan.waves.iter().map(|w| w.connections.len()).sum::<usize>(),
        plan.waves.len(),
        plan.wave_size
    );
    for planned in &plan.entries {
        text.push('\n');
        entry(&mut text, planned);
    }
    text.push('\n');
    if plan.waves.is_empty() {
        text.push_str("No wave: no entry can run as written.\n");
    }
    for wave in &plan.waves {
        let _ = writeln!(text, "Wave {}: {}", wave.number, wave.connections.join(", "));
    }
    if plan.remove_unneeded_secrets {
        text.push_str("Client secrets made unnecessary are listed and removed after each verified conversion.\n");
    }
    text
}

/// `  [blocking] shop-assets: steps[0] (AzureFileCopy@4): advice`.
fn finding_line(text: &mut String, finding: &Finding, accepted: &[String]) {
    let mark = match (finding.blocking, accepted.contains(&finding.location)) {
        (true, true) => "accepted",
        (true, false) => "blocking",
        (false, _) => "warning",
    };
    let task = match (&finding.task, finding.version) {
        (Some(task), Some(version)) => format!(" ({task}@{version})"),
        (Some(task), None) => format!(" ({task})"),
        _ => String::new(),
    };
    let _ = writeln!(text, "  [{mark}] {}{task}: {}", finding.location, finding.advice);
}

fn entry(text: &mut String, planned: &PlannedMigration) {
    let status = match planned.status {
        EntryStatus::Ready => "ready",
        EntryStatus::HandOff => "hand-off",
        EntryStatus::Refused => "REFUSED",
        EntryStatus::Blocked => "BLOCKED",
        EntryStatus::Skipped => "skipped",
    };
    let _ = writeln!(
        text,
        "{}/{}/{} ({}): {} [{status}]",
        planned.organization,
        planned.project,
        planned.name,
        planned.id,
        planned.action.as_str()
    );
    if let Some(refusal) = &planned.refusal {
        let _ = writeln!(text, "  refused: {}", refusal.problem);
        let _ = writeln!(text, "  help: {}", refusal.help);
        return;
    }
    if planned.status == EntryStatus::Skipped {
        return;
    }
    if let Some(new_name) = &planned.new_connection {
        let _ = writeln!(text, "  new connection: {new_name}");
    }
    if let Some(credential) = &planned.credential {
        let _ = writeln!(text, "  credential issuer: {}", credential.issuer);
        let subject = match (credential.subject_source, &credential.subject) {
            (SubjectSource::Expected, Some(subject)) => format!("{subject} (expected)"),
            (SubjectSource::AssignedByAzureDevOps, _) => "assigned by Azure DevOps when the connection is made".into(),
            _ => "read from Azure DevOps when the plan is applied".into(),
        };
        let _ = writeln!(text, "  credential subject: {subject}");
        let writer = match credential.written_by {
            CredentialWriter::Keyless => "you, through Keyless",
            CredentialWriter::AzureDevOps => "Azure DevOps",
            CredentialWriter::IdentityOwner => "the identity's owner (hand-off)",
            CredentialWriter::NotKnown => "you if Entra allows it, else the identity's owner (hand-off)",
        };
        let _ = writeln!(text, "  credential written by: {writer}");
    }
    if let Some(identity) = &planned.identity {
        let name = identity
            .display_name
            .clone()
            .or_else(|| identity.client_id.map(|c| c.to_string()))
            .unwrap_or_else(|| "not named".into());
        let new = if identity.new { " (new)" } else { "" };
        let count = match (identity.credentials_now, identity.credentials_after) {
            (Some(now), Some(after)) => format!("{now} -> {after} of {}", identity.cap),
            (Some(now), None) => format!("{now} of {}", identity.cap),
            _ => format!("not read (cap {})", identity.cap),
        };
        let _ = writeln!(text, "  identity: {name}{new}, federated credentials {count}");
    }
    let pipelines = if planned.all_pipelines {
        "all pipelines".to_string()
    } else if planned.authorized_pipelines.is_empty() {
        "none".to_string()
    } else {
        planned.authorized_pipelines.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")
    };
    let _ = writeln!(text, "  pipelines authorized: {pipelines}");
    match &planned.impact {
        ImpactCheck::NotRead { reason } => {
            let _ = writeln!(text, "  impact check: not done: {reason}");
        }
        ImpactCheck::Checked { findings } if findings.is_empty() => {
            text.push_str("  impact check: nothing breaks in the pipelines that use it\n");
        }
        ImpactCheck::Checked { findings } => {
            let blocking = findings.iter().filter(|f| f.blocking).count();
            let _ = writeln!(text, "  impact check: {} finding(s), {blocking} blocking", findings.len());
            for finding in findings {
                finding_line(text, finding, &planned.accepted_findings);
            }
        }
    }
    for note in &planned.notes {
        let _ = writeln!(text, "  note: {note}");
    }
    if let Some(wave) = planned.wave {
        let _ = writeln!(text, "  wave: {wave}");
    }
}
