//! The migration report, wave by wave: what changed on each connection, what was not done and
//! why (refused, skipped, handed off, stopped), and what to do next, as JSON (for tools) and
//! Markdown (for people). Built from the journal alone; it reads nothing from Azure.

use std::fmt::Write as _;

use keyless_core::migration::{EntryStatus, MigrationAction, PlannedMigration};
use serde::{Deserialize, Serialize};

use super::{
    entry_finished,
    journal::{EntryStep, MigrationJournal, MigrationStatus, label},
};
use crate::snippets::HandOff;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MigrationReport {
    pub run_id: String,
    pub started: String,
    pub cloud: String,
    pub status: MigrationStatus,
    pub waves: Vec<WaveReport>,
    /// Entries the plan did not run: refused or skipped, with why.
    pub not_run: Vec<EntryReport>,
    pub hand_offs: Vec<HandOff>,
    /// Plain sentences: what a person should do now.
    pub next_steps: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WaveReport {
    pub number: usize,
    /// Every entry of the wave finished (verified, handed off or reverted).
    pub finished: bool,
    pub entries: Vec<EntryReport>,
}

/// Where one connection stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum EntryState {
    Migrated,
    HandedOff,
    Refused,
    /// A pipeline that uses it would break: a blocking finding is neither fixed nor accepted.
    Blocked,
    Skipped,
    /// It stopped with an error; the journal keeps it resumable.
    Failed,
    /// Its wave did not start, or it stopped between steps.
    NotFinished,
    Reverted,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryReport {
    pub connection: String,
    pub action: MigrationAction,
    pub state: EntryState,
    pub steps_done: Vec<EntryStep>,
    /// What changed, or why nothing did.
    pub detail: String,
    pub revert_scheme_deadline: Option<String>,
    pub replacement: Option<String>,
    pub replacement_run_id: Option<String>,
}

impl MigrationReport {
    pub fn build(journal: &MigrationJournal) -> Self {
        let remove_secrets = journal.plan.remove_unneeded_secrets;
        let entry = |planned: &PlannedMigration| entry_report(journal, planned, remove_secrets);
        let waves: Vec<WaveReport> = journal
            .plan
            .waves
            .iter()
            .map(|wave| {
                let entries: Vec<EntryReport> =
                    journal.plan.entries.iter().filter(|e| e.wave == Some(wave.number)).map(entry).collect();
                let finished = entries
                    .iter()
                    .all(|e| matches!(e.state, EntryState::Migrated | EntryState::HandedOff | EntryState::Reverted));
                WaveReport { number: wave.number, finished, entries }
            })
            .collect();
        let not_run: Vec<EntryReport> = journal.plan.entries.iter().filter(|e| e.wave.is_none()).map(entry).collect();
        let hand_offs: Vec<HandOff> = journal.entries.values().filter_map(|r| r.hand_off.clone()).collect();
        let mut next_steps = vec![];
        let all: Vec<&EntryReport> = waves.iter().flat_map(|w| w.entries.iter()).collect();
        if all.iter().any(|e| matches!(e.state, EntryState::Failed | EntryState::NotFinished)) {
            next_steps.push(
                "Apply the same migration file again: it continues where it stopped and repeats nothing that is done."
                    .into(),
            );
        }
        if !hand_offs.is_empty() {
            next_steps.push("Send each hand-off to the identity's owner; once the credential exists, apply the migration file again to convert the connection.".into());
        }
        for report in all.iter().filter(|e| e.replacement.is_some() && e.state == EntryState::Migrated) {
            next_steps.push(format!(
                "Point the pipelines of {} at '{}', then delete the old connection and its token.",
                report.connection,
                report.replacement.as_deref().unwrap_or_default()
            ));
        }
        if not_run.iter().any(|e| e.state == EntryState::Blocked) {
            next_steps.push("Fix each blocking finding in its pipeline, or accept it by adding its location to override_blocking, then apply the file again.".into());
        }
        if not_run.iter().any(|e| e.state == EntryState::Refused) {
            next_steps.push("Change the refused entries as their reasons say, then plan the file again.".into());
        }
        MigrationReport {
            run_id: journal.run_id.clone(),
            started: journal.started.clone(),
            cloud: journal.cloud.clone(),
            status: journal.status,
            waves,
            not_run,
            hand_offs,
            next_steps,
        }
    }

    pub fn render_markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# Keyless migration {}\n", self.run_id);
        let _ = writeln!(out, "Started {} on cloud {}; status: {:?}.\n", self.started, self.cloud, self.status);
        let table = |out: &mut String, entries: &[EntryReport]| {
            let _ = writeln!(out, "| Connection | Action | Result | Detail |\n|---|---|---|---|");
            for e in entries {
                let _ = writeln!(
                    out,
                    "| {} | {} | {:?} | {} |",
                    e.connection.replace('|', "\\|"),
                    e.action.as_str(),
                    e.state,
                    e.detail.replace('|', "\\|")
                );
            }
        };
        for wave in &self.waves {
            let done = if wave.finished { "finished" } else { "not finished" };
            let _ = writeln!(out, "## Wave {} ({done})\n", wave.number);
            table(&mut out, &wave.entries);
            out.push('\n');
        }
        if !self.not_run.is_empty() {
            let _ = writeln!(out, "## Not migrated\n");
            table(&mut out, &self.not_run);
            out.push('\n');
        }
        if !self.next_steps.is_empty() {
            let _ = writeln!(out, "## Next\n");
            for step in &self.next_steps {
                let _ = writeln!(out, "- {step}");
            }
        }
        for hand_off in &self.hand_offs {
            let _ = writeln!(out, "\n{}", hand_off.render_markdown());
        }
        out
    }
}

fn entry_report(journal: &MigrationJournal, planned: &PlannedMigration, remove_secrets: bool) -> EntryReport {
    let record = journal.entry(planned.id);
    let (state, detail) = match planned.status {
        EntryStatus::Refused => (
            EntryState::Refused,
            planned.refusal.as_ref().map(|r| format!("{}; {}", r.problem, r.help)).unwrap_or_default(),
        ),
        EntryStatus::Skipped => (EntryState::Skipped, "action = \"skip\" in the file".to_string()),
        EntryStatus::Blocked => {
            let at: Vec<String> = planned
                .impact
                .blocking()
                .filter(|f| !planned.accepted_findings.contains(&f.location))
                .map(|f| format!("{} ({})", f.location, f.advice))
                .collect();
            (EntryState::Blocked, format!("blocked by its pipelines: {}", at.join("; ")))
        }
        _ if record.has(EntryStep::Reverted) => (EntryState::Reverted, "reverted".to_string()),
        _ if record.has(EntryStep::HandedOff) => (
            EntryState::HandedOff,
            "waiting for the identity's owner to add the federated credential; not converted yet".to_string(),
        ),
        _ if entry_finished(&record, planned, remove_secrets) => (EntryState::Migrated, changed(planned, &record)),
        _ => match &record.error {
            Some(error) => (EntryState::Failed, error.clone()),
            None => (EntryState::NotFinished, "not started or stopped between steps".to_string()),
        },
    };
    EntryReport {
        connection: label(planned),
        action: planned.action,
        state,
        steps_done: record.done.clone(),
        detail,
        revert_scheme_deadline: record.revert_scheme_deadline.clone(),
        replacement: planned.new_connection.clone(),
        replacement_run_id: record.replacement_run_id.clone(),
    }
}

fn changed(planned: &PlannedMigration, record: &super::journal::EntryRecord) -> String {
    let mut parts = vec![];
    if let Some(written) = &record.written_credential {
        parts.push(format!("federated credential {} added", written.credential.name));
    }
    match planned.action {
        MigrationAction::ConvertInPlace => parts.push("converted to workload identity federation, same id".into()),
        MigrationAction::SwitchIssuer => parts.push("switched to the Entra issuer, same id".into()),
        MigrationAction::ReplaceWithAzureDevopsConnection => parts.push(format!(
            "'{}' created for the same pipelines; the old connection is unchanged",
            planned.new_connection.as_deref().unwrap_or_default()
        )),
        MigrationAction::Skip => {}
    }
    if let Some(old) = &record.old_credential {
        parts.push(format!("old credential {} removed", old.credential.name));
    }
    if !record.removed_secrets.is_empty() {
        parts.push(format!("{} client secret(s) removed", record.removed_secrets.len()));
    }
    if record.has(EntryStep::Verified) {
        parts.push("verified".into());
    }
    parts.join("; ")
}
