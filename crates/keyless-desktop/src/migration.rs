//! The migration commands: the connections chosen in the inventory become a migration file
//! (each with the default action its class allows, as `keyless_core::migration`'s draft writes
//! it), which the shared use case plans against the live estate; the plan comes back as views.
//!
//! Reading, planning and running are `keyless_usecases`; this module builds the file from the
//! window's choice and converts results into `keyless-ipc` views, destructuring every field.

use keyless_core::{
    Guid,
    impact::{ConnectionImpact, Finding},
    inventory::InventoriedConnection,
    migration::{
        CredentialWriter, DEFAULT_WAVE_SIZE, EntryStatus, MigrationAction, MigrationEntry, MigrationFile,
        MigrationOptions, MigrationPlan, PlannedCredential, PlannedIdentity, PlannedMigration, Refusal, SubjectSource,
        Wave, action_allowed_for, check_migration, replacement_name_for,
    },
    names::OrgName,
    setup::{IdentitySpec, WhenFull},
};
use keyless_ipc::{
    CredentialWriterView, ImpactFindingView, MigrationActionView, MigrationChoiceInput, MigrationCredentialView,
    MigrationEntryStatusView, MigrationIdentityView, MigrationPlanView, MigrationRefusalView, MigrationRequest,
    MigrationWaveView, PlannedMigrationView, SubjectSourceView,
};
use keyless_usecases::{
    inventory::take_inventory,
    migration::{PlannedMigrationFile, plan_migration_file},
};

use crate::{Controller, DesktopError, directory::failed_lookup, plan_view::count};

impl Controller {
    /// `plan_migration`: what migrating the chosen connections would do; nothing changes.
    pub async fn plan_migration(&self, request: MigrationRequest) -> Result<MigrationPlanView, DesktopError> {
        let connected = self.connected()?;
        let file = self.migration_file_for(&connected, &request).await?;
        let PlannedMigrationFile { plan, unread, .. } = plan_migration_file(&connected, &file).await?;
        Ok(MigrationPlanView {
            waves: plan.waves.iter().map(|wave| wave_view(wave, &plan)).collect(),
            wave_size: plan.wave_size,
            entries: plan.entries.into_iter().map(planned_view).collect(),
            unread: unread.into_iter().map(failed_lookup).collect(),
        })
    }

    /// The migration file for the window's choice, from a fresh inventory of the estate.
    pub(crate) async fn migration_file_for(
        &self,
        connected: &keyless_usecases::Connected,
        request: &MigrationRequest,
    ) -> Result<MigrationFile, DesktopError> {
        let inventory = take_inventory(connected, None).await?;
        migration_file_from_choice(&inventory.connections, request)
    }
}

/// One entry per chosen connection with the action its class allows; a replacement connection
/// is named `<name>-wif` and signs in as a new app registration of that name, as the drafted
/// file suggests.
pub fn migration_file_from_choice(
    connections: &[InventoriedConnection],
    request: &MigrationRequest,
) -> Result<MigrationFile, DesktopError> {
    let MigrationRequest { connections: choices, wave_size } = request;
    let mut entries = Vec::with_capacity(choices.len());
    for MigrationChoiceInput { id, accepted_findings } in choices {
        let id = id.parse::<Guid>().map_err(|_| DesktopError::UnknownConnection { id: id.clone() })?;
        let connection = connections
            .iter()
            .find(|connection| connection.id == id)
            .ok_or_else(|| DesktopError::UnknownConnection { id: id.to_string() })?;
        let action = action_allowed_for(connection)
            .ok_or_else(|| DesktopError::NotMigratable { name: connection.name.clone() })?;
        let replaces = action == MigrationAction::ReplaceWithAzureDevopsConnection;
        let new_name = replaces.then(|| replacement_name_for(&connection.name));
        entries.push(MigrationEntry {
            organization: OrgName::parse(&connection.organization)?,
            project: connection.owning_project.clone(),
            name: connection.name.clone(),
            id,
            action,
            identity: new_name
                .clone()
                .map(|name| IdentitySpec::AppRegistration { name, when_full: WhenFull::default() }),
            new_name,
            override_blocking: accepted_findings.clone(),
        });
    }
    let file = MigrationFile {
        options: MigrationOptions { wave_size: wave_size.unwrap_or(DEFAULT_WAVE_SIZE), ..MigrationOptions::default() },
        connections: entries,
    };
    check_migration(&file)?;
    Ok(file)
}

fn wave_view(wave: &Wave, plan: &MigrationPlan) -> MigrationWaveView {
    let Wave { number, connections: _ } = wave;
    MigrationWaveView {
        number: count(*number),
        connection_ids: plan
            .entries
            .iter()
            .filter(|entry| entry.wave == Some(*number))
            .map(|entry| entry.id.to_string())
            .collect(),
    }
}

fn planned_view(planned: PlannedMigration) -> PlannedMigrationView {
    let PlannedMigration {
        organization,
        project,
        name,
        id,
        action,
        status,
        refusal,
        new_connection,
        credential,
        identity,
        all_pipelines,
        authorized_pipelines,
        impact,
        accepted_findings,
        notes,
        wave,
    } = planned;
    let (pipelines_read, findings) = match impact {
        ConnectionImpact::Checked { findings } => {
            (true, findings.into_iter().map(|finding| finding_view(finding, &accepted_findings)).collect())
        }
        ConnectionImpact::NotRead { reason: _ } => (false, vec![]),
    };
    PlannedMigrationView {
        organization,
        project,
        name,
        id: id.to_string(),
        action: action_view(action),
        status: status_view(status),
        refusal: refusal.map(|Refusal { problem, help }| MigrationRefusalView { problem, help }),
        new_connection,
        credential: credential.map(credential_view),
        identity: identity.map(identity_view),
        all_pipelines,
        authorized_pipelines,
        pipelines_read,
        findings,
        notes,
        wave: wave.map(count),
    }
}

/// A finding's location starts with its pipeline's name (`shop-assets: steps[0]`); the whole
/// location is what accepting it names.
fn finding_view(finding: Finding, accepted: &[String]) -> ImpactFindingView {
    let Finding { connection: _, location, task, version: _, kind: _, advice, blocking } = finding;
    let pipeline = location.split_once(": ").map(|(pipeline, _)| pipeline.to_string());
    ImpactFindingView { pipeline, accepted: accepted.contains(&location), location, task, advice, blocking }
}

pub(crate) fn action_view(action: MigrationAction) -> MigrationActionView {
    match action {
        MigrationAction::ConvertInPlace => MigrationActionView::ConvertInPlace,
        MigrationAction::SwitchIssuer => MigrationActionView::SwitchIssuer,
        MigrationAction::ReplaceWithAzureDevopsConnection => MigrationActionView::ReplaceWithAzureDevopsConnection,
        MigrationAction::Skip => MigrationActionView::Skip,
    }
}

fn status_view(status: EntryStatus) -> MigrationEntryStatusView {
    match status {
        EntryStatus::Ready => MigrationEntryStatusView::Ready,
        EntryStatus::HandOff => MigrationEntryStatusView::HandOff,
        EntryStatus::Refused => MigrationEntryStatusView::Refused,
        EntryStatus::Blocked => MigrationEntryStatusView::Blocked,
        EntryStatus::Skipped => MigrationEntryStatusView::Skipped,
    }
}

fn credential_view(credential: PlannedCredential) -> MigrationCredentialView {
    let PlannedCredential { issuer, subject, subject_source, written_by } = credential;
    MigrationCredentialView {
        issuer,
        subject,
        subject_source: match subject_source {
            SubjectSource::Expected => SubjectSourceView::Expected,
            SubjectSource::AssignedByAzureDevOps => SubjectSourceView::AssignedByAzureDevOps,
            SubjectSource::NotKnown => SubjectSourceView::NotKnown,
        },
        written_by: match written_by {
            CredentialWriter::Keyless => CredentialWriterView::Keyless,
            CredentialWriter::AzureDevOps => CredentialWriterView::AzureDevOps,
            CredentialWriter::IdentityOwner => CredentialWriterView::IdentityOwner,
            CredentialWriter::NotKnown => CredentialWriterView::NotKnown,
        },
    }
}

fn identity_view(identity: PlannedIdentity) -> MigrationIdentityView {
    let PlannedIdentity { client_id, display_name, new, credentials_now, credentials_after, cap } = identity;
    MigrationIdentityView {
        client_id: client_id.map(|id| id.to_string()),
        display_name,
        new,
        credentials_now,
        credentials_after,
        cap,
    }
}
