//! The migration planner: checks every entry of a migration file against a fresh inventory and
//! says, per connection, what Keyless will do, which federated credential it expects, how the
//! identity's credential count grows against the cap, who writes the credential, which
//! pipelines are authorized, and in which wave it runs.
//!
//! Pure: the inventory, organization ids, cloud and the impact check's findings come in;
//! nothing is read or written. A connection whose pipelines were not read is planned without
//! findings and says so; it is never blocked on a guess.
//!
//! Where Azure's behaviour is not documented, the planner guesses, here and only here:
//! 1. The Entra-issuer subject of a converted connection names the identity's tenant (the
//!    signed-in tenant when the inventory could not say), like a new connection's subject does.
//! 2. Azure DevOps writes the credential itself for connections it created (`Automatic`), for a
//!    secret conversion and for an issuer switch alike ("the issuer URL automatically updates").
//! 3. Every conversion adds one federated credential to its identity, and a switch keeps the
//!    Azure DevOps-issuer one until verified, so both count against the cap of 20 while they run.
//! 4. A shared connection converts from its owning project, as the inventory's classification
//!    assumes.
//! 5. A job that may outlive an app registration's federated sign-in (about an hour) fails, so
//!    that finding blocks an entry whose identity is an app registration; a managed identity's
//!    sign-in lasts about a day, and an identity of unknown kind is not blocked on a guess.

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};

use super::{MigrationAction, MigrationEntry, MigrationFile};
use crate::{
    CloudProfile, Guid,
    federation::{self, MAX_FICS_PER_IDENTITY},
    impact::{ConnectionImpact, Finding, FindingKind},
    inventory::{ConnectionClass, InventoriedConnection, IssuerKind},
    observed::IdentityKind,
    setup::IdentitySpec,
};

/// What the planner needs besides the file.
#[derive(Debug, Clone, Copy)]
pub struct PlanContext<'a> {
    /// The inventory of the organizations the file names, read just before planning.
    pub connections: &'a [InventoriedConnection],
    /// Organization name to id: the `/sc/{orgId}/` segment of Entra-issuer subjects.
    pub organization_ids: &'a BTreeMap<String, Guid>,
    pub cloud: &'a CloudProfile,
    pub signed_in_tenant: Guid,
    /// The impact check per connection id; a connection missing here was not checked.
    pub impact: &'a BTreeMap<Guid, ConnectionImpact>,
}

/// The whole plan: every entry of the file, in file order, and the waves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MigrationPlan {
    pub entries: Vec<PlannedMigration>,
    pub waves: Vec<Wave>,
    pub wave_size: u32,
    pub remove_unneeded_secrets: bool,
}

impl MigrationPlan {
    /// Entries that cannot run as written.
    pub fn refused(&self) -> impl Iterator<Item = &PlannedMigration> {
        self.entries.iter().filter(|e| e.status == EntryStatus::Refused)
    }
}

/// Connections migrated together; the next wave starts when this one is verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Wave {
    /// From 1.
    pub number: usize,
    /// `organization/project/name` of each connection.
    pub connections: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum EntryStatus {
    /// Keyless (or Azure DevOps) can do every step.
    Ready,
    /// The identity's owner must add the federated credential; Keyless hands it off.
    HandOff,
    /// The entry no longer matches its connection, or would break a rule: nothing is done.
    Refused,
    /// A pipeline that uses the connection would break: each blocking finding must be fixed,
    /// or accepted by listing its location in `override_blocking`.
    Blocked,
    /// `action = "skip"`.
    Skipped,
}

/// Why an entry is refused and what to change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Refusal {
    pub problem: String,
    pub help: String,
}

/// Who writes the federated credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CredentialWriter {
    /// The signed-in admin, through Keyless.
    Keyless,
    /// Azure DevOps itself, on the identity it created.
    AzureDevOps,
    /// The identity's owner, from a hand-off.
    IdentityOwner,
    /// Not known until Keyless tries: it hands off if Entra refuses.
    NotKnown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SubjectSource {
    /// Computed with the Entra-issuer encoders: what Azure DevOps will present; checked again
    /// against what Azure DevOps shows before it is written.
    Expected,
    /// A new connection's subject, read back from Azure DevOps once it exists.
    AssignedByAzureDevOps,
    /// The organization id could not be read; the subject is read back at apply.
    NotKnown,
}

/// The federated credential the migration adds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedCredential {
    pub issuer: String,
    pub subject: Option<String>,
    pub subject_source: SubjectSource,
    pub written_by: CredentialWriter,
}

/// The identity that receives the credential, and its count against the cap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedIdentity {
    pub client_id: Option<Guid>,
    pub display_name: Option<String>,
    /// A new identity the migration creates.
    pub new: bool,
    /// Federated credentials now, when read.
    pub credentials_now: Option<u32>,
    /// After this entry and every earlier entry on the same identity.
    pub credentials_after: Option<u32>,
    pub cap: u32,
}

/// Whether the pipelines that use the connection were checked, and what was found: the
/// impact check's result for the entry's connection.
pub type ImpactCheck = ConnectionImpact;

/// One entry of the file, planned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedMigration {
    pub organization: String,
    pub project: String,
    pub name: String,
    pub id: Guid,
    pub action: MigrationAction,
    pub status: EntryStatus,
    pub refusal: Option<Refusal>,
    /// The replacement connection's name.
    pub new_connection: Option<String>,
    pub credential: Option<PlannedCredential>,
    pub identity: Option<PlannedIdentity>,
    pub all_pipelines: bool,
    pub authorized_pipelines: Vec<u64>,
    pub impact: ImpactCheck,
    /// Blocking findings the file accepts, by location.
    pub accepted_findings: Vec<String>,
    /// Warnings and explanations a person should read.
    pub notes: Vec<String>,
    pub wave: Option<usize>,
}

/// The action a connection's class allows, or `None` when it cannot be migrated.
pub fn action_allowed_for(connection: &InventoriedConnection) -> Option<MigrationAction> {
    match connection.class {
        ConnectionClass::TokenBased => Some(MigrationAction::ReplaceWithAzureDevopsConnection),
        ConnectionClass::ConvertibleInPlace | ConnectionClass::ConvertibleAfterCredential | ConnectionClass::Shared => {
            match (connection.scheme.as_str(), connection.issuer_kind) {
                ("ServicePrincipal", _) => Some(MigrationAction::ConvertInPlace),
                ("WorkloadIdentityFederation", Some(IssuerKind::AzureDevOps)) => Some(MigrationAction::SwitchIssuer),
                _ => None,
            }
        }
        ConnectionClass::ZeroSecret | ConnectionClass::OutOfScope | ConnectionClass::NeedsAttention => None,
    }
}

/// Plans every entry of `file` against the inventory in `context`.
pub fn plan_migration(file: &MigrationFile, context: &PlanContext<'_>) -> MigrationPlan {
    let mut entries: Vec<PlannedMigration> = file.connections.iter().map(|e| plan_entry(e, context)).collect();
    apply_credential_cap(&mut entries);
    let waves = waves(&mut entries, file.options.wave_size.max(1) as usize);
    MigrationPlan {
        entries,
        waves,
        wave_size: file.options.wave_size,
        remove_unneeded_secrets: file.options.remove_unneeded_secrets,
    }
}

fn plan_entry(entry: &MigrationEntry, context: &PlanContext<'_>) -> PlannedMigration {
    let mut planned = PlannedMigration {
        organization: entry.organization.to_string(),
        project: entry.project.clone(),
        name: entry.name.clone(),
        id: entry.id,
        action: entry.action,
        status: EntryStatus::Ready,
        refusal: None,
        new_connection: None,
        credential: None,
        identity: None,
        all_pipelines: false,
        authorized_pipelines: vec![],
        impact: ImpactCheck::NotRead { reason: "the entry is not migrated".into() },
        accepted_findings: vec![],
        notes: vec![],
        wave: None,
    };
    if entry.action == MigrationAction::Skip {
        planned.status = EntryStatus::Skipped;
        return planned;
    }
    let found = context.connections.iter().find(|c| c.id == entry.id && c.organization == entry.organization.as_str());
    let Some(connection) = found else {
        return refuse(
            planned,
            format!("no connection with id {} was found in organization {}", entry.id, entry.organization),
            "it was deleted, moved or cannot be read by you: remove the entry, or write the file again from a fresh inventory",
        );
    };
    planned.all_pipelines = connection.all_pipelines;
    planned.authorized_pipelines = connection.authorized_pipelines.clone();
    if connection.name != entry.name {
        planned.notes.push(format!(
            "renamed to '{}' since the file was written; the id decides which connection is migrated",
            connection.name
        ));
        planned.name = connection.name.clone();
    }
    if !connection.owning_project.eq_ignore_ascii_case(&entry.project) {
        let problem =
            format!("the connection is owned by project {}, not {}", connection.owning_project, entry.project);
        return refuse(
            planned,
            problem,
            format!(
                "set project = \"{}\": a connection is migrated from its owning project",
                connection.owning_project
            ),
        );
    }
    if let Some(refusal) = action_mismatch(entry.action, connection) {
        return PlannedMigration { status: EntryStatus::Refused, refusal: Some(refusal), ..planned };
    }
    let planned = match entry.action {
        MigrationAction::ReplaceWithAzureDevopsConnection => plan_replacement(planned, entry, connection, context),
        _ => plan_in_place(planned, connection, context),
    };
    let signs_in_as_app_registration = match &entry.identity {
        Some(IdentitySpec::AppRegistration { .. }) => true,
        Some(_) => false,
        None => connection.identity.as_ref().and_then(|i| i.kind) == Some(IdentityKind::AppRegistration),
    };
    let impact = context.impact.get(&entry.id).map(|impact| for_identity(impact, signs_in_as_app_registration));
    judge_impact(planned, entry, impact.as_ref())
}

/// The findings as they apply to the identity the connection will sign in as: a job that may
/// outlive the federated sign-in breaks with an app registration (about an hour), not with a
/// managed identity (about a day).
fn for_identity(impact: &ConnectionImpact, app_registration: bool) -> ConnectionImpact {
    let ConnectionImpact::Checked { findings } = impact else { return impact.clone() };
    let findings = findings
        .iter()
        .map(|finding| {
            let long_job = matches!(finding.kind, FindingKind::JobLongerThanTokenLifetime { .. });
            Finding { blocking: finding.blocking || (long_job && app_registration), ..finding.clone() }
        })
        .collect();
    ConnectionImpact::Checked { findings }
}

/// Blocks a runnable entry while a blocking finding is neither fixed nor accepted by its
/// location in `override_blocking`; accepted ones are listed.
fn judge_impact(
    mut planned: PlannedMigration,
    entry: &MigrationEntry,
    impact: Option<&ConnectionImpact>,
) -> PlannedMigration {
    if planned.status == EntryStatus::Refused {
        return planned;
    }
    let Some(impact) = impact else {
        planned.impact = ImpactCheck::NotRead { reason: "the pipelines that use it were not read".into() };
        if !entry.override_blocking.is_empty() {
            planned.notes.push("override_blocking is not applied: no pipeline was read".into());
        }
        return planned;
    };
    planned.impact = impact.clone();
    if let ConnectionImpact::NotRead { .. } = impact {
        if !entry.override_blocking.is_empty() {
            planned.notes.push("override_blocking is not applied: the pipelines could not all be read".into());
        }
        return planned;
    }
    let accepted = |location: &str| entry.override_blocking.iter().any(|listed| listed.trim() == location.trim());
    let mut unaccepted = 0;
    for finding in impact.blocking() {
        if accepted(&finding.location) {
            if !planned.accepted_findings.contains(&finding.location) {
                planned.accepted_findings.push(finding.location.clone());
            }
        } else {
            unaccepted += 1;
        }
    }
    for listed in &entry.override_blocking {
        if !impact.blocking().any(|finding| finding.location.trim() == listed.trim()) {
            planned.notes.push(format!("override_blocking lists '{listed}', which is no blocking finding now"));
        }
    }
    if unaccepted > 0 {
        planned.status = EntryStatus::Blocked;
        planned.notes.push(format!(
            "{unaccepted} blocking finding(s): fix each in its pipeline, or accept it by adding its location to \
             override_blocking"
        ));
    }
    planned
}

fn refuse(planned: PlannedMigration, problem: impl Into<String>, help: impl Into<String>) -> PlannedMigration {
    PlannedMigration {
        status: EntryStatus::Refused,
        refusal: Some(Refusal { problem: problem.into(), help: help.into() }),
        ..planned
    }
}

/// Why the connection's class no longer allows the action, with the action it allows.
fn action_mismatch(action: MigrationAction, connection: &InventoriedConnection) -> Option<Refusal> {
    let allowed = action_allowed_for(connection);
    if allowed == Some(action) {
        return None;
    }
    let now = match connection.class {
        ConnectionClass::ZeroSecret => "it already uses workload identity federation with the Entra issuer".to_string(),
        ConnectionClass::OutOfScope | ConnectionClass::NeedsAttention => {
            format!("it cannot be migrated now: {}", connection.reason.as_deref().unwrap_or("no reason was given"))
        }
        _ => format!("it now uses the {} scheme ({})", connection.scheme, connection.endpoint_type),
    };
    let help = match allowed {
        Some(allowed) => format!("set action = \"{}\", or remove the entry", allowed.as_str()),
        None => "remove the entry or set action = \"skip\"".to_string(),
    };
    Some(Refusal { problem: format!("action \"{}\" does not fit: {now}", action.as_str()), help })
}

/// Secret to federation, or Azure DevOps issuer to Entra issuer, on the same connection.
fn plan_in_place(
    mut planned: PlannedMigration,
    connection: &InventoriedConnection,
    context: &PlanContext<'_>,
) -> PlannedMigration {
    let automatic = connection.creation_mode.as_deref().is_some_and(|m| m.eq_ignore_ascii_case("Automatic"));
    let identity = connection.identity.as_ref();
    let tenant = identity.and_then(|i| i.tenant_id).unwrap_or(context.signed_in_tenant);
    let writer = if automatic {
        CredentialWriter::AzureDevOps
    } else {
        match identity.and_then(|i| i.can_write_credentials) {
            Some(true) => CredentialWriter::Keyless,
            Some(false) => CredentialWriter::IdentityOwner,
            None => CredentialWriter::NotKnown,
        }
    };
    let converts_automatically = automatic && planned.action == MigrationAction::ConvertInPlace;
    if converts_automatically {
        planned
            .notes
            .push("Azure DevOps made this identity and writes its federated credential while converting".into());
    } else {
        let (subject, subject_source) = match context.organization_ids.get(&connection.organization) {
            Some(organization_id) => (
                Some(federation::entra_subject(&context.cloud.cloud_code, tenant, *organization_id, connection.id)),
                SubjectSource::Expected,
            ),
            None => (None, SubjectSource::NotKnown),
        };
        planned.credential = Some(PlannedCredential {
            issuer: federation::entra_issuer(&context.cloud.issuer_host, tenant),
            subject,
            subject_source,
            written_by: writer,
        });
    }
    match writer {
        CredentialWriter::IdentityOwner => {
            planned.status = EntryStatus::HandOff;
            planned.notes.push(
                "you cannot write this identity's credentials: its owner gets a hand-off with the issuer and subject".into(),
            );
        }
        CredentialWriter::NotKnown => planned.notes.push(
            "whether you can write this identity's credentials is not known: Keyless tries, and hands it off if Entra refuses"
                .into(),
        ),
        CredentialWriter::Keyless | CredentialWriter::AzureDevOps => {}
    }
    if planned.action == MigrationAction::SwitchIssuer {
        planned
            .notes
            .push("the Azure DevOps-issuer credential is kept until the switch is verified, then removed".into());
    }
    if connection.is_shared {
        planned
            .notes
            .push(format!("shared with {}: converted from its owning project", connection.projects.join(", ")));
    }
    planned.identity = identity.map(|i| PlannedIdentity {
        client_id: Some(i.client_id),
        display_name: i.display_name.clone(),
        new: false,
        credentials_now: i.credential_count,
        credentials_after: None,
        cap: MAX_FICS_PER_IDENTITY as u32,
    });
    planned
}

/// A token connection replaced by a new "Azure DevOps" connection backed by an identity.
fn plan_replacement(
    mut planned: PlannedMigration,
    entry: &MigrationEntry,
    connection: &InventoriedConnection,
    context: &PlanContext<'_>,
) -> PlannedMigration {
    let new_name = entry.replacement_name();
    let taken = context.connections.iter().any(|c| {
        c.organization == connection.organization
            && c.projects.iter().any(|p| p.eq_ignore_ascii_case(&connection.owning_project))
            && c.name.eq_ignore_ascii_case(&new_name)
    });
    if taken {
        let problem =
            format!("a connection named '{new_name}' already exists in project {}", connection.owning_project);
        return refuse(planned, problem, "set new_name to a name the project does not use yet");
    }
    let (identity, writer) = match &entry.identity {
        Some(IdentitySpec::AppRegistration { name, .. }) | Some(IdentitySpec::ManagedIdentity { name, .. }) => (
            PlannedIdentity {
                client_id: None,
                display_name: Some(name.clone()),
                new: true,
                credentials_now: Some(0),
                credentials_after: None,
                cap: MAX_FICS_PER_IDENTITY as u32,
            },
            CredentialWriter::Keyless,
        ),
        Some(IdentitySpec::Existing { client_id, resource_id, name }) => (
            PlannedIdentity {
                client_id: *client_id,
                display_name: name.clone().or_else(|| resource_id.clone()),
                new: false,
                credentials_now: None,
                credentials_after: None,
                cap: MAX_FICS_PER_IDENTITY as u32,
            },
            CredentialWriter::NotKnown,
        ),
        // The file check requires an identity; an entry without one cannot be planned.
        None => return refuse(planned, "no identity is named for the new connection", "add identity = { ... }"),
    };
    planned.credential = Some(PlannedCredential {
        issuer: federation::entra_issuer(&context.cloud.issuer_host, context.signed_in_tenant),
        subject: None,
        subject_source: SubjectSource::AssignedByAzureDevOps,
        written_by: writer,
    });
    planned.identity = Some(identity);
    planned.notes.push(format!(
        "'{}' is left untouched; '{new_name}' is allowed for the same pipelines, and each pipeline's YAML must name it",
        connection.name
    ));
    if connection.all_pipelines {
        planned.notes.push("the old connection is open to all pipelines, so the new one is too".into());
    }
    if writer == CredentialWriter::NotKnown {
        planned.notes.push(
            "the existing identity's credentials are counted and its owner checked when the plan is applied".into(),
        );
    }
    planned.new_connection = Some(new_name);
    planned
}

/// Counts each identity's credentials entry by entry (in file order) and refuses the entries
/// that would pass the cap of 20.
fn apply_credential_cap(entries: &mut [PlannedMigration]) {
    let mut counts: BTreeMap<String, u32> = BTreeMap::new();
    for planned in entries.iter_mut().filter(|e| matches!(e.status, EntryStatus::Ready | EntryStatus::HandOff)) {
        let Some(identity) = planned.identity.as_mut() else { continue };
        // A new identity is keyed by its name, an existing one by its client id.
        let key = match (identity.new, identity.client_id, &identity.display_name) {
            (false, Some(client_id), _) => client_id.to_string(),
            (true, _, Some(name)) => format!("new:{name}"),
            _ => continue,
        };
        let Some(now) = identity.credentials_now else { continue };
        let count = counts.entry(key).or_insert(now);
        let after = *count + 1;
        identity.credentials_after = Some(after);
        let cap = identity.cap;
        let who = identity.display_name.clone().unwrap_or_default();
        if after > cap {
            let problem = format!(
                "the identity {who} would need a federated credential beyond the cap of {cap} (it has {now}, and earlier entries add {})",
                *count - now
            );
            let help =
                "remove unused federated credentials from the identity, or migrate this connection in a later file";
            planned.status = EntryStatus::Refused;
            planned.refusal = Some(Refusal { problem, help: help.into() });
        } else {
            *count = after;
            if after == cap {
                planned.notes.push(format!("the identity {who} reaches {cap} of {cap} federated credentials"));
            }
        }
    }
}

/// Groups the entries that run into waves of `wave_size`, taking organizations in turn so one
/// organization's throttling does not stall a whole wave.
fn waves(entries: &mut [PlannedMigration], wave_size: usize) -> Vec<Wave> {
    let mut per_organization: Vec<(String, VecDeque<usize>)> = vec![];
    for (index, planned) in entries.iter().enumerate() {
        if !matches!(planned.status, EntryStatus::Ready | EntryStatus::HandOff) {
            continue;
        }
        match per_organization.iter_mut().find(|(org, _)| *org == planned.organization) {
            Some((_, queue)) => queue.push_back(index),
            None => per_organization.push((planned.organization.clone(), VecDeque::from([index]))),
        }
    }
    let mut order = vec![];
    while per_organization.iter().any(|(_, queue)| !queue.is_empty()) {
        for (_, queue) in per_organization.iter_mut() {
            order.extend(queue.pop_front());
        }
    }
    order
        .chunks(wave_size)
        .enumerate()
        .map(|(at, chunk)| {
            let number = at + 1;
            let connections = chunk
                .iter()
                .map(|index| {
                    let planned = &mut entries[*index];
                    planned.wave = Some(number);
                    format!("{}/{}/{}", planned.organization, planned.project, planned.name)
                })
                .collect();
            Wave { number, connections }
        })
        .collect()
}
