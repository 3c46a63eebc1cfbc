//! The inventory: every service connection of every organization the account reaches (or of
//! the organizations named), with its identity, issuer, credentials, secret expiry, last use
//! and pipeline access, classified by `keyless_core::inventory::classify`.
//!
//! The reads are a pipeline, not levels: every organization is read at once, each project's
//! connections go to their detail reads (pipeline permissions, last use) and their identity's
//! lookup as soon as that project's list arrives, without waiting for other projects or
//! organizations, and each identity is looked up once per (tenant, client id) however many
//! connections share it (`identities`). The transport's limits per organization and tenant are
//! the only throttle. An organization or project that cannot be read is reported in
//! [`Inventory::unread`]; an identity that cannot be read leaves its connections classified
//! "needs attention" with the reason. Nothing is changed.

mod identities;

use std::{collections::BTreeSet, sync::Mutex};

use futures::future::join_all;
use keyless_azure::{
    AzureError,
    devops::{DevOpsClient, EndpointFilter, PipelinePermissions, Project, ServiceEndpoint},
};
use keyless_core::{
    Guid,
    inventory::{ConnectionFacts, InventoriedConnection, InventoryCounts, InventoryIdentity, counts, credential_match},
    names::OrgName,
};

use crate::{Connected, LookupFailure, UnreadPlace, UseCaseError, organizations};
use identities::{IdentityLookup, IdentityLookups, SharedLookup};

/// Every connection found, classified, and every place that could not be read. A project that
/// could not be read is reported as `UnreadPlace::Organization` named `organization/project`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Inventory {
    /// Sorted by organization, owning project and name.
    pub connections: Vec<InventoriedConnection>,
    pub unread: Vec<UnreadPlace>,
}

impl Inventory {
    pub fn counts(&self) -> InventoryCounts {
        counts(&self.connections)
    }
}

/// Takes the inventory of `organizations`, or of every organization the account reaches in
/// every tenant when `None`.
pub async fn take_inventory(
    connected: &Connected,
    organizations: Option<&[OrgName]>,
) -> Result<Inventory, UseCaseError> {
    let (names, mut unread) = match organizations {
        Some(names) => (names.to_vec(), vec![]),
        None => {
            let found = organizations::discover(connected).await;
            let names = found.organizations.iter().filter_map(|o| OrgName::parse(&o.name).ok()).collect();
            (names, found.unread)
        }
    };
    let lookups = IdentityLookups::new(connected);
    // Most identities live in the signed-in tenant: its managed identities are listed from
    // the start, so a managed identity's lookup finds the list ready instead of waiting for
    // its token and subscriptions after the connections are listed.
    lookups.start_managed_listing(connected.tenant());
    let per_organization = join_all(names.iter().map(|org| read_organization(connected, org, &lookups))).await;
    lookups.finish().await;
    let mut read = vec![];
    for (org, result) in names.iter().zip(per_organization) {
        match result {
            Ok(organization) => {
                unread.extend(organization.unread_projects);
                read.extend(organization.connections);
            }
            Err(error) => {
                unread.push(UnreadPlace::Organization { name: org.to_string(), failure: LookupFailure::from(&error) })
            }
        }
    }
    let cloud = &connected.cloud.profile;
    let mut connections: Vec<InventoriedConnection> = read
        .into_iter()
        .map(|connection| InventoriedConnection::classified(facts_of(connection), cloud, connected.tenant()))
        .collect();
    connections.sort_by(|a, b| {
        (&a.organization, &a.owning_project, &a.name).cmp(&(&b.organization, &b.owning_project, &b.name))
    });
    Ok(Inventory { connections, unread })
}

/// One connection as Azure DevOps listed it, with its pipeline access, last use and identity.
struct ReadConnection {
    organization: String,
    /// The tenant the organization is connected to, for identities whose connection names none.
    organization_tenant: Option<Guid>,
    endpoint: ServiceEndpoint,
    projects: Vec<String>,
    permissions: Option<PipelinePermissions>,
    last_used: Option<String>,
    /// `None` for connections without an identity to look up (token connections).
    identity: Option<IdentityLookup>,
}

/// The client id a connection's identity is looked up by.
fn client_id_of(endpoint: &ServiceEndpoint) -> Option<Guid> {
    endpoint.parameter("serviceprincipalid").and_then(|v| Guid::parse_input("serviceprincipalid", v).ok())
}

/// The tenant a connection's identity lives in: the one it names, else its organization's.
fn identity_tenant_of(endpoint: &ServiceEndpoint, organization_tenant: Option<Guid>) -> Option<Guid> {
    endpoint.parameter("tenantid").and_then(|v| Guid::parse_input("tenantid", v).ok()).or(organization_tenant)
}

/// The (tenant, client id) its identity is looked up by; `None` for token connections.
fn identity_key(
    endpoint: &ServiceEndpoint,
    organization_tenant: Option<Guid>,
    signed_in: Guid,
) -> Option<(Guid, Guid)> {
    if !matches!(endpoint.authorization.scheme.as_str(), "WorkloadIdentityFederation" | "ServicePrincipal") {
        return None;
    }
    Some((identity_tenant_of(endpoint, organization_tenant).unwrap_or(signed_in), client_id_of(endpoint)?))
}

struct ReadOrganization {
    connections: Vec<ReadConnection>,
    unread_projects: Vec<UnreadPlace>,
}

async fn read_organization(
    connected: &Connected,
    org: &OrgName,
    lookups: &IdentityLookups,
) -> Result<ReadOrganization, AzureError> {
    let devops = connected.client.devops(org).await?;
    let projects = devops.projects().await?;
    let filter = EndpointFilter { include_details: true, include_failed: true, ..EndpointFilter::default() };
    // A connection shared with several projects is listed in each; the first list to arrive
    // reads it, the others skip it.
    let seen: Mutex<BTreeSet<Guid>> = Mutex::default();
    let context = OrganizationContext { devops: &devops, projects: &projects, lookups, signed_in: connected.tenant() };
    let per_project = join_all(projects.iter().map(|project| {
        let (context, filter, seen) = (&context, &filter, &seen);
        async move {
            let listed = context.devops.list_endpoints(&project.id.to_string(), filter).await?;
            let fresh: Vec<ServiceEndpoint> = {
                let mut seen = seen.lock().unwrap_or_else(|p| p.into_inner());
                listed.into_iter().filter(|e| e.id.is_some_and(|id| seen.insert(id))).collect()
            };
            // Each identity lookup starts (a task of its own) as its read is made, so all of
            // them are under way before the first detail read is sent: their answers start the
            // credential and owner reads, one level deeper, while the details only fill the row.
            let reads = fresh.into_iter().map(|endpoint| {
                let identity = context.identity_lookup(&endpoint);
                context.read_connection(endpoint, identity)
            });
            Ok::<_, AzureError>(join_all(reads).await)
        }
    }))
    .await;
    let mut unread_projects = vec![];
    let mut connections = vec![];
    for (project, result) in projects.iter().zip(per_project) {
        match result {
            Ok(read) => connections.extend(read),
            Err(error) => unread_projects.push(UnreadPlace::Organization {
                name: format!("{org}/{}", project.name),
                failure: LookupFailure::from(&error),
            }),
        }
    }
    Ok(ReadOrganization { connections, unread_projects })
}

/// What reading one organization's connections shares.
struct OrganizationContext<'a> {
    devops: &'a DevOpsClient,
    projects: &'a [Project],
    lookups: &'a IdentityLookups,
    signed_in: Guid,
}

impl OrganizationContext<'_> {
    /// The lookup of a connection's identity (shared with every connection that names it,
    /// started by the first); `None` for connections without one (token connections).
    fn identity_lookup(&self, endpoint: &ServiceEndpoint) -> Option<SharedLookup> {
        let (tenant, client_id) = identity_key(endpoint, self.devops.tenant(), self.signed_in)?;
        Some(self.lookups.look_up(tenant, client_id))
    }

    /// A connection's pipeline access, last use and identity, all at once.
    async fn read_connection(&self, endpoint: ServiceEndpoint, identity: Option<SharedLookup>) -> ReadConnection {
        let devops = self.devops;
        let id = endpoint.id.unwrap_or_default();
        let organization_tenant = devops.tenant();
        let owner = endpoint.service_endpoint_project_references.first().map(|r| r.project_reference.id);
        let permissions = async {
            match owner {
                // Pipeline access and last use only enrich the row: without them it is still listed.
                Some(owner) => devops.pipeline_permissions(&owner.to_string(), id).await.ok(),
                None => None,
            }
        };
        let history = devops.execution_history(id, 1);
        let identity = async {
            match identity {
                Some(lookup) => Some(lookup.await),
                None => None,
            }
        };
        let (permissions, history, identity) = futures::join!(permissions, history, identity);
        let last_used = history.ok().and_then(|runs| runs.into_iter().find_map(|run| run.data.finish_time));
        let project_names = endpoint
            .service_endpoint_project_references
            .iter()
            .map(|r| {
                r.project_reference
                    .name
                    .clone()
                    .or_else(|| self.projects.iter().find(|p| p.id == r.project_reference.id).map(|p| p.name.clone()))
                    .unwrap_or_else(|| r.project_reference.id.to_string())
            })
            .collect();
        ReadConnection {
            organization: devops.org().to_string(),
            organization_tenant,
            endpoint,
            projects: project_names,
            permissions,
            last_used,
            identity,
        }
    }
}

fn facts_of(connection: ReadConnection) -> ConnectionFacts {
    let ReadConnection { organization, organization_tenant, endpoint, projects, permissions, last_used, identity } =
        connection;
    let unknown_identity = || {
        InventoryIdentity::unknown(
            client_id_of(&endpoint).unwrap_or_default(),
            identity_tenant_of(&endpoint, organization_tenant),
        )
    };
    let (identity, identity_unread, found_credentials) = match identity {
        Some(Ok(found)) => (Some(found.identity), None, found.credentials),
        Some(Err(problem)) => (Some(unknown_identity()), Some(problem.message), None),
        None => (None, None, None),
    };
    let issuer = endpoint.federation_issuer().map(str::to_string);
    let subject = endpoint.federation_subject().map(str::to_string);
    let matched = match (found_credentials, &issuer, &subject) {
        (Some(credentials), Some(issuer), Some(subject)) => Some(credential_match(
            credentials.iter().map(|(i, s, a)| (i.as_str(), s.as_str(), a.as_slice())),
            issuer,
            subject,
        )),
        _ => None,
    };
    let text = |key: &str| endpoint.data.get(key).and_then(|v| v.as_str()).map(str::to_string);
    let is_draft = text("isDraft").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let owning_project = projects.first().cloned().unwrap_or_default();
    let name =
        endpoint.service_endpoint_project_references.first().map(|r| r.name.clone()).unwrap_or(endpoint.name.clone());
    ConnectionFacts {
        organization,
        is_shared: endpoint.is_shared.unwrap_or(false) || projects.len() > 1,
        projects,
        owning_project,
        name,
        id: endpoint.id.unwrap_or_default(),
        endpoint_type: endpoint.kind.clone(),
        scheme: endpoint.authorization.scheme.clone(),
        creation_mode: text("creationMode"),
        is_draft,
        url: endpoint.url.clone(),
        identity,
        identity_unread,
        issuer,
        subject,
        credential_match: matched,
        last_used,
        all_pipelines: permissions.as_ref().is_some_and(PipelinePermissions::all_pipelines_authorized),
        authorized_pipelines: permissions
            .map(|p| p.pipelines.iter().filter(|x| x.authorized).map(|x| x.id).collect())
            .unwrap_or_default(),
    }
}
