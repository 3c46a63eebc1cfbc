//! The live doctor: reads one connection, a project, an organization or every organization
//! the account reaches, and explains each broken connection from what Azure holds now (its
//! identity, federated credentials, role, membership, licence, groups, secrets, drafts).
//!
//! Everything is read at once: the inventory (each identity once), then each connection's
//! data and, per identity, what the engine reads to repair its connections. Nothing is
//! changed here; `fix` plans the repair.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::future::join_all;
use keyless_azure::devops::ServiceEndpoint;
use keyless_core::{
    Guid, InputError,
    inventory::{InventoriedConnection, Orphan},
    names::OrgName,
    observed::Observed,
    setup::{AzureScope, ConnectionKind, ConnectionSpec, IdentitySpec, Setup},
};
use keyless_engine::observe;
use serde::Serialize;

use super::checks::{ConnectionState, Finding, Severity, check_connection};
use super::{PastedLogDiagnosis, diagnose_pasted_log, parse_pasted_log, pasted_log::Facts};
use crate::{Connected, UnreadPlace, UseCaseError, inventory::take_inventory};

/// What the doctor looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DoctorTarget {
    /// One connection, by name (any case) or id, in its owning or a sharing project.
    Connection {
        organization: OrgName,
        project: String,
        name_or_id: String,
    },
    Project {
        organization: OrgName,
        project: String,
    },
    Organization(OrgName),
    /// Every organization the account reaches, in every tenant.
    Everything,
}

/// One connection and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionDiagnosis {
    pub organization: String,
    /// The owning project.
    pub project: String,
    pub name: String,
    pub id: Guid,
    pub endpoint_type: String,
    pub scheme: String,
    pub client_id: Option<Guid>,
    pub identity_name: Option<String>,
    /// The ones that stop pipelines first; empty when the connection is healthy.
    pub findings: Vec<Finding>,
    /// The onboarding setup that repairs what Keyless can fix (see `fix::fix_plan`).
    #[serde(skip)]
    pub repair: Option<Setup>,
}

impl ConnectionDiagnosis {
    pub fn is_broken(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Broken)
    }

    /// Whether a Keyless run can fix at least one of its findings.
    pub fn keyless_can_fix(&self) -> bool {
        self.repair.is_some()
    }
}

/// A place that could not be read, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UnreadNote {
    pub place: String,
    pub problem: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DoctorSummary {
    pub connections: usize,
    pub healthy: usize,
    pub broken: usize,
    /// Not broken, but with a warning (secret expiring, retiring issuer).
    pub warned: usize,
    /// Broken or warned connections a Keyless run can repair.
    pub fixable_by_keyless: usize,
}

/// Every workload identity and secret-based connection of the target, diagnosed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveDiagnosis {
    /// Sorted by organization, project and name.
    pub connections: Vec<ConnectionDiagnosis>,
    pub unread: Vec<UnreadNote>,
    pub summary: DoctorSummary,
}

/// A pasted log, explained from its text and, for the connections it names, from live state.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PastedLogLiveDiagnosis {
    pub text: PastedLogDiagnosis,
    /// The connections the text points to (by id, subject, name or client id), diagnosed live.
    pub live: LiveDiagnosis,
}

/// Diagnoses the connections of `target` against live state.
pub async fn diagnose(connected: &Connected, target: &DoctorTarget) -> Result<LiveDiagnosis, UseCaseError> {
    let organizations = match target {
        DoctorTarget::Connection { organization, .. }
        | DoctorTarget::Project { organization, .. }
        | DoctorTarget::Organization(organization) => Some(vec![organization.clone()]),
        DoctorTarget::Everything => None,
    };
    let diagnosis = diagnose_selected(connected, organizations.as_deref(), |c| selected(target, c)).await?;
    if let DoctorTarget::Connection { organization, project, name_or_id } = target
        && diagnosis.connections.is_empty()
    {
        return Err(InputError::new(
            "connection",
            format!("no workload identity or secret-based connection '{name_or_id}' in {organization}/{project}"),
            "check the connection's name or id in the project's service connections",
        )
        .into());
    }
    Ok(diagnosis)
}

/// Reads the failures a pasted log mentions, finds the connections they name and diagnoses
/// those live. A text that names none gives the text-only explanation and no connection.
pub async fn diagnose_pasted_log_live(
    connected: &Connected,
    text: &str,
) -> Result<PastedLogLiveDiagnosis, UseCaseError> {
    let facts: Vec<Facts> = parse_pasted_log(text).failures.into_iter().map(|f| f.facts).collect();
    let named: Option<Vec<OrgName>> = facts
        .iter()
        .map(|f| f.organization.as_deref().and_then(|o| OrgName::parse(o).ok()))
        .collect::<Option<Vec<_>>>()
        .filter(|orgs| !orgs.is_empty());
    let live = if facts.iter().all(points_nowhere) {
        LiveDiagnosis { connections: vec![], unread: vec![], summary: DoctorSummary::default() }
    } else {
        diagnose_selected(connected, named.as_deref(), |c| facts.iter().any(|f| named_by(f, c))).await?
    };
    Ok(PastedLogLiveDiagnosis { text: diagnose_pasted_log(text), live })
}

fn points_nowhere(facts: &Facts) -> bool {
    facts.connection_id.is_none() && facts.subject.is_none() && facts.connection.is_none() && facts.client_id.is_none()
}

/// Whether a failure's facts name this connection; the client id counts only when nothing
/// more precise was found, since one identity backs many connections.
fn named_by(facts: &Facts, connection: &InventoriedConnection) -> bool {
    let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    if let Some(id) = &facts.connection_id {
        return same(id, &connection.id.to_string());
    }
    if let Some(subject) = &facts.subject {
        return connection.subject.as_deref().is_some_and(|s| same(s, &subject.value));
    }
    if let Some(name) = &facts.connection {
        return same(name, &connection.name)
            && facts.project.as_deref().is_none_or(|p| connection.projects.iter().any(|q| same(p, q)));
    }
    let client = connection.identity.as_ref().map(|i| i.client_id.to_string());
    facts.client_id.as_deref().is_some_and(|id| client.is_some_and(|c| same(id, &c)))
}

fn selected(target: &DoctorTarget, connection: &InventoriedConnection) -> bool {
    let in_project = |project: &str| connection.projects.iter().any(|p| p.eq_ignore_ascii_case(project));
    match target {
        DoctorTarget::Connection { project, name_or_id, .. } => {
            in_project(project)
                && (connection.name.eq_ignore_ascii_case(name_or_id)
                    || connection.id.to_string().eq_ignore_ascii_case(name_or_id.trim()))
        }
        DoctorTarget::Project { project, .. } => in_project(project),
        DoctorTarget::Organization(_) | DoctorTarget::Everything => true,
    }
}

/// A connection Keyless diagnoses: one that signs in as an Entra identity.
fn diagnosable(connection: &InventoriedConnection) -> bool {
    matches!(connection.scheme.as_str(), "WorkloadIdentityFederation" | "ServicePrincipal")
}

async fn diagnose_selected(
    connected: &Connected,
    organizations: Option<&[OrgName]>,
    select: impl Fn(&InventoriedConnection) -> bool,
) -> Result<LiveDiagnosis, UseCaseError> {
    let inventory = take_inventory(connected, organizations).await?;
    let mut unread: Vec<UnreadNote> = inventory.unread.iter().map(unread_note).collect();
    let connections: Vec<&InventoriedConnection> =
        inventory.connections.iter().filter(|c| diagnosable(c) && select(c)).collect();
    let endpoints = join_all(connections.iter().map(|c| read_endpoint(connected, c))).await;
    let targets: Vec<RepairTarget> = connections
        .iter()
        .zip(&endpoints)
        .map(|(connection, endpoint)| RepairTarget::of(connection, endpoint.as_ref(), connected.tenant()))
        .collect();
    let observed = observe_identities(connected, &targets, &mut unread).await;
    let (now, soon) = (rfc3339(SystemTime::now()), rfc3339(SystemTime::now() + Duration::from_secs(30 * 86_400)));
    let diagnosed = connections
        .iter()
        .zip(targets)
        .map(|(connection, target)| {
            let observed = target.spec.as_ref().and_then(|_| observed.get(&connection.identity.as_ref()?.client_id));
            let state = ConnectionState {
                connection,
                scope: target.scope.clone(),
                needed_organizations: target.needed_organizations.clone(),
                observed,
                now: &now,
                soon: &soon,
            };
            let findings = check_connection(&state);
            let repair = super::fix::repair_setup(connection, &target, &findings, observed);
            ConnectionDiagnosis {
                organization: connection.organization.clone(),
                project: connection.owning_project.clone(),
                name: connection.name.clone(),
                id: connection.id,
                endpoint_type: connection.endpoint_type.clone(),
                scheme: connection.scheme.clone(),
                client_id: connection.identity.as_ref().map(|i| i.client_id),
                identity_name: connection.identity.as_ref().and_then(|i| i.display_name.clone()),
                findings,
                repair,
            }
        })
        .collect::<Vec<_>>();
    Ok(LiveDiagnosis { summary: summary(&diagnosed), connections: diagnosed, unread })
}

fn summary(connections: &[ConnectionDiagnosis]) -> DoctorSummary {
    let broken = connections.iter().filter(|c| c.is_broken()).count();
    let healthy = connections.iter().filter(|c| c.findings.is_empty()).count();
    DoctorSummary {
        connections: connections.len(),
        healthy,
        broken,
        warned: connections.len() - healthy - broken,
        fixable_by_keyless: connections.iter().filter(|c| c.keyless_can_fix()).count(),
    }
}

fn unread_note(place: &UnreadPlace) -> UnreadNote {
    match place {
        UnreadPlace::Tenant { tenant_id, failure, .. } => {
            UnreadNote { place: format!("tenant {tenant_id}"), problem: failure.message.clone() }
        }
        UnreadPlace::Organization { name, failure } => {
            UnreadNote { place: name.clone(), problem: failure.message.clone() }
        }
    }
}

/// The connection as Azure DevOps returns it, for its scope and target; `None` when it could
/// not be read (its findings then leave out the role and memberships).
async fn read_endpoint(connected: &Connected, connection: &InventoriedConnection) -> Option<ServiceEndpoint> {
    let org = OrgName::parse(&connection.organization).ok()?;
    let devops = connected.client.devops(&org).await.ok()?;
    devops.endpoint_by_id(&connection.owning_project, connection.id).await.ok().flatten()
}

/// What repairing one connection touches: its scope, the organizations its identity must be
/// in, and its connection spec when Keyless can plan for it.
pub(super) struct RepairTarget {
    pub scope: Option<AzureScope>,
    pub needed_organizations: Vec<(String, Option<String>)>,
    pub spec: Option<ConnectionSpec>,
    /// The identity the spec's repair uses (`serviceprincipalid`).
    pub client_id: Option<Guid>,
}

impl RepairTarget {
    fn of(connection: &InventoriedConnection, endpoint: Option<&ServiceEndpoint>, signed_in_tenant: Guid) -> Self {
        let datum = |key: &str| endpoint.and_then(|e| e.data.get(key)).and_then(|v| v.as_str()).map(str::to_string);
        let scope = (connection.endpoint_type == "azurerm").then(|| azure_scope(&datum)).flatten();
        let owner = OrgName::parse(&connection.organization).ok();
        let mut needed_organizations = vec![];
        let mut kind = scope.clone().map(|scope| ConnectionKind::AzureRm { scope, role: "Reader".into() });
        if connection.endpoint_type == "WorkloadIdentityUser" {
            let url = datum("organizationUrl").or_else(|| endpoint.and_then(|e| e.url.clone()));
            let target = url.as_deref().and_then(organization_in_url).and_then(|t| OrgName::parse(&t).ok());
            let target = target.filter(|t| Some(t) != owner.as_ref());
            needed_organizations.push((connection.organization.clone(), Some(connection.owning_project.clone())));
            if let Some(target) = &target {
                needed_organizations.push((target.to_string(), None));
            }
            kind = Some(ConnectionKind::AzureDevops { target_organization: target });
        }
        let identity = connection.identity.as_ref();
        let repairable = connection.scheme == "WorkloadIdentityFederation"
            && connection.identity_unread.is_none()
            && identity.is_some_and(|i| {
                i.orphan != Some(Orphan::IdentityGone) && i.tenant_id.is_none_or(|t| t == signed_in_tenant)
            });
        let spec = match (kind, owner, repairable) {
            (Some(kind), Some(organization), true) => Some(ConnectionSpec {
                name: connection.name.clone(),
                organization,
                project: connection.owning_project.clone(),
                kind,
                description: String::new(),
                share_with: vec![],
                pipelines: vec![],
                all_pipelines: false,
            }),
            _ => None,
        };
        RepairTarget { scope, needed_organizations, spec, client_id: identity.map(|i| i.client_id) }
    }
}

fn azure_scope(datum: &dyn Fn(&str) -> Option<String>) -> Option<AzureScope> {
    if let Some(management_group) = datum("managementGroupId") {
        return Some(AzureScope::ManagementGroup { management_group });
    }
    let subscription = Guid::parse_input("subscriptionId", &datum("subscriptionId")?).ok()?;
    Some(match datum("resourceGroupName") {
        Some(resource_group) => AzureScope::ResourceGroup { subscription, resource_group },
        None => AzureScope::Subscription { subscription },
    })
}

/// `https://dev.azure.com/{org}/` or `https://{org}.visualstudio.com/`.
fn organization_in_url(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    if let Some(org) = parsed.host_str().and_then(|h| h.strip_suffix(".visualstudio.com")) {
        return Some(org.to_string());
    }
    parsed.path_segments()?.rfind(|s| !s.is_empty()).map(str::to_string)
}

/// Reads, once per identity and all at once, what the engine would read to repair its
/// connections. An identity that cannot be read this way is noted; its connections keep the
/// inventory's findings.
async fn observe_identities(
    connected: &Connected,
    targets: &[RepairTarget],
    unread: &mut Vec<UnreadNote>,
) -> BTreeMap<Guid, Observed> {
    let mut per_identity: BTreeMap<Guid, Vec<ConnectionSpec>> = BTreeMap::new();
    for (target, client_id) in targets.iter().filter_map(|t| Some((t, t.client_id?))) {
        if let Some(spec) = &target.spec
            && !per_identity.get(&client_id).is_some_and(|specs| specs.iter().any(|s| s.key() == spec.key()))
        {
            per_identity.entry(client_id).or_default().push(spec.clone());
        }
    }
    let read = join_all(per_identity.iter().map(|(client_id, specs)| async move {
        let setup = Setup {
            identity: IdentitySpec::Existing { client_id: Some(*client_id), resource_id: None, name: None },
            organizations: vec![],
            connections: specs.clone(),
        };
        observe(&connected.port, &setup).await
    }))
    .await;
    let mut observed = BTreeMap::new();
    for ((client_id, _), result) in per_identity.into_iter().zip(read) {
        match result {
            Ok(found) => {
                observed.insert(client_id, found);
            }
            Err(error) => {
                unread.push(UnreadNote { place: format!("identity {client_id}"), problem: error.to_string() })
            }
        }
    }
    observed
}

/// A moment as RFC 3339 in UTC, seconds precision (`2026-12-03T22:26:12Z`), so it sorts
/// against Graph's end dates as text.
fn rfc3339(moment: SystemTime) -> String {
    let seconds = moment.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 { month_index + 3 } else { month_index - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rest / 3600, rest % 3600 / 60, rest % 60)
}
