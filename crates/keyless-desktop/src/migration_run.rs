//! Running migrations from the window: `apply_migration` (the chosen connections, wave by wave,
//! continuing the unfinished migration of the same choice), `revert_migration` and
//! `migration_runs`. Each is the shared use case (`keyless_usecases::migration_run`) plus the
//! window's part: one run at a time, progress tagged with its wave, the report as views.
//!
//! A migration that stops part-way is not a command error: it comes back with status `failed`
//! and the reason in `error`, because its journal exists and can be continued.

use std::sync::Mutex;

use keyless_engine::{
    migrate::{
        MigrationJournal, MigrationStatus,
        report::{EntryReport, EntryState, MigrationReport},
    },
    progress::{ProgressEvent, Reporter},
};
use keyless_ipc::{
    IpcError, MigratedConnectionView, MigratedOutcomeView, MigrationProgressView, MigrationRequest,
    MigrationRunRequest, MigrationRunStatusView, MigrationRunSummaryView, MigrationRunView, MigrationWaveReportView,
};
use keyless_usecases::{
    AlreadyConfirmed,
    migration_run::{self, MigrationOutcome},
};

use crate::{
    Controller, DesktopError, EventSink, controller::lock, migration::action_view, plan_view::count, run_view,
};

impl Controller {
    /// `apply_migration`: migrates the chosen connections. The same choice again continues the
    /// migration that stopped, with the file it started with, since the connections it already
    /// converted no longer look like connections to migrate.
    pub async fn apply_migration(
        &self,
        request: MigrationRequest,
        progress: &dyn EventSink<MigrationProgressView>,
    ) -> Result<MigrationRunView, DesktopError> {
        let connected = self.connected()?;
        let run = self.start_run()?;
        let settings = self.settings_for(&run).await?;
        let cloud = connected.cloud.profile.identity();
        let journals = migration_run::list_migrations(&settings.store, Some(&cloud))?;
        let file = match journals.iter().find(|journal| continues(journal, &request)) {
            Some(journal) => journal.file.clone(),
            None => self.migration_file_for(&connected, &request).await?,
        };
        let forwarder = WaveForwarder { sink: progress, wave: Mutex::new(None) };
        let outcome =
            migration_run::apply_migration(&connected, &settings, &file, &forwarder, &AlreadyConfirmed).await?;
        Ok(outcome_view(outcome))
    }

    /// `revert_migration`: puts converted connections back on their secret, switched ones back
    /// on their old issuer, and removes replacements, within Azure DevOps' revert window.
    pub async fn revert_migration(
        &self,
        request: MigrationRunRequest,
        progress: &dyn EventSink<MigrationProgressView>,
    ) -> Result<MigrationRunView, DesktopError> {
        let MigrationRunRequest { run_id } = request;
        let connected = self.connected()?;
        let run = self.start_run()?;
        let settings = self.settings_for(&run).await?;
        let forwarder = WaveForwarder { sink: progress, wave: Mutex::new(None) };
        let outcome =
            migration_run::revert_migration(&connected, &settings, &run_id, &forwarder, &AlreadyConfirmed).await?;
        Ok(outcome_view(outcome))
    }

    /// `migration_runs`: this cloud's migrations, newest first (none before anyone signed in).
    pub async fn migration_runs(&self) -> Result<Vec<MigrationRunSummaryView>, DesktopError> {
        let Ok(connected) = self.connected() else { return Ok(vec![]) };
        let settings = self.run_settings().await?;
        let cloud = connected.cloud.profile.identity();
        let journals = migration_run::list_migrations(&settings.store, Some(&cloud))?;
        Ok(journals.iter().map(summary_view).collect())
    }
}

/// Whether `journal` is an unfinished migration of exactly this choice.
fn continues(journal: &MigrationJournal, request: &MigrationRequest) -> bool {
    let unfinished = matches!(journal.status, MigrationStatus::Running | MigrationStatus::Failed);
    let entries = &journal.file.connections;
    unfinished
        && entries.len() == request.connections.len()
        && entries.iter().zip(&request.connections).all(|(entry, choice)| {
            entry.id.to_string() == choice.id && entry.override_blocking == choice.accepted_findings
        })
}

/// Forwards the engine's events tagged with the wave they belong to: the engine announces each
/// wave as a `wave/N` step and runs waves one after another.
struct WaveForwarder<'a> {
    sink: &'a dyn EventSink<MigrationProgressView>,
    wave: Mutex<Option<u32>>,
}

impl Reporter for WaveForwarder<'_> {
    fn report(&self, event: ProgressEvent) {
        let mut current = lock(&self.wave);
        let wave = match &event {
            ProgressEvent::RunStarted { .. } | ProgressEvent::RunFinished { .. } => {
                *current = None;
                None
            }
            ProgressEvent::StepStarted { step_id, .. } => {
                if let Some(number) = wave_number(step_id) {
                    *current = Some(number);
                }
                *current
            }
            _ => *current,
        };
        drop(current);
        self.sink.send(MigrationProgressView { wave, progress: run_view::progress_view(event) });
    }
}

fn wave_number(step_id: &str) -> Option<u32> {
    step_id.strip_prefix("wave/")?.parse().ok()
}

fn outcome_view(outcome: MigrationOutcome) -> MigrationRunView {
    let MigrationOutcome { journal, report, report_paths: _, pipeline_patches: _, stopped } = outcome;
    report_view(&journal, &report, stopped.map(|error| IpcError::from(DesktopError::from(error))))
}

fn report_view(journal: &MigrationJournal, report: &MigrationReport, error: Option<IpcError>) -> MigrationRunView {
    let MigrationReport { run_id, started: _, cloud: _, status, waves, not_run, hand_offs: _, next_steps } = report;
    let wave_views: Vec<MigrationWaveReportView> = waves
        .iter()
        .map(|wave| MigrationWaveReportView {
            number: count(wave.number),
            verified: wave.finished,
            connections: wave.entries.iter().map(|entry| connection_view(journal, entry)).collect(),
        })
        .collect();
    let revert_until = journal
        .entries
        .values()
        .filter(|record| !record.has(keyless_engine::migrate::EntryStep::Reverted))
        .filter_map(|record| record.revert_scheme_deadline.clone())
        .min();
    MigrationRunView {
        run_id: run_id.clone(),
        status: status_view(*status),
        waves: wave_views,
        not_run: not_run.iter().map(|entry| connection_view(journal, entry)).collect(),
        revert_until: if *status == MigrationStatus::Reverted { None } else { revert_until },
        error,
        next_steps: next_steps.clone(),
        markdown: report.render_markdown(),
        json: serde_json::to_string_pretty(report).unwrap_or_default(),
    }
}

fn connection_view(journal: &MigrationJournal, entry: &EntryReport) -> MigratedConnectionView {
    let EntryReport {
        connection,
        action,
        state,
        steps_done: _,
        detail,
        revert_scheme_deadline: _,
        replacement,
        replacement_run_id: _,
    } = entry;
    let planned =
        journal.plan.entries.iter().find(|planned| keyless_engine::migrate::journal::label(planned) == *connection);
    let record = planned.map(|planned| journal.entry(planned.id));
    let written = record.as_ref().and_then(|record| record.written_credential.clone());
    let outcome = outcome_of(*state);
    let changed = matches!(
        outcome,
        MigratedOutcomeView::Migrated | MigratedOutcomeView::HandedOff | MigratedOutcomeView::Reverted
    );
    let mut next = vec![];
    if let (Some(replacement), MigratedOutcomeView::Migrated) = (replacement, outcome) {
        next.push(format!(
            "Point the pipelines that use it at '{replacement}', then delete the old connection and its token."
        ));
    }
    if outcome == MigratedOutcomeView::HandedOff {
        next.push(
            "Send the hand-off to the identity's owner; once the credential exists, migrate the connection again."
                .into(),
        );
    }
    MigratedConnectionView {
        key: connection.clone(),
        id: planned.map(|planned| planned.id.to_string()).unwrap_or_default(),
        action: action_view(*action),
        outcome,
        changes: if changed { vec![detail.clone()] } else { vec![] },
        reason: if changed { None } else { Some(detail.clone()) },
        next,
        issuer: written.as_ref().map(|held| held.credential.issuer.clone()),
        subject: written.map(|held| held.credential.subject),
    }
}

fn outcome_of(state: EntryState) -> MigratedOutcomeView {
    match state {
        EntryState::Migrated => MigratedOutcomeView::Migrated,
        EntryState::HandedOff => MigratedOutcomeView::HandedOff,
        EntryState::Refused | EntryState::Blocked | EntryState::Skipped => MigratedOutcomeView::Skipped,
        EntryState::Failed => MigratedOutcomeView::Failed,
        EntryState::NotFinished => MigratedOutcomeView::NotStarted,
        EntryState::Reverted => MigratedOutcomeView::Reverted,
    }
}

fn status_view(status: MigrationStatus) -> MigrationRunStatusView {
    match status {
        MigrationStatus::Running => MigrationRunStatusView::Running,
        MigrationStatus::Completed => MigrationRunStatusView::Completed,
        MigrationStatus::Failed => MigrationRunStatusView::Failed,
        MigrationStatus::Reverted => MigrationRunStatusView::Reverted,
    }
}

fn summary_view(journal: &MigrationJournal) -> MigrationRunSummaryView {
    let report = MigrationReport::build(journal);
    let view = report_view(journal, &report, None);
    let changed = view
        .waves
        .iter()
        .flat_map(|wave| &wave.connections)
        .filter(|connection| {
            matches!(connection.outcome, MigratedOutcomeView::Migrated | MigratedOutcomeView::HandedOff)
        })
        .count();
    MigrationRunSummaryView {
        run_id: journal.run_id.clone(),
        started: journal.started.clone(),
        status: view.status,
        connections: count(changed),
        revert_until: view.revert_until,
    }
}
