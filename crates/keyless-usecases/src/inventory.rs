//! The inventory: every service connection of every organization the account reaches (or of
//! the organizations named), with its identity, issuer, credentials, secret expiry, last use
//! and pipeline access, classified by `keyless_core::inventory::classify`.
//!
//! Everything is read at once: organizations, their projects, each connection's pipeline
//! permissions and last use, and each identity, looked up once per (tenant, client id) however
//! many connections share it; the transport limits how many requests each service gets at a
//! time. An organization or project that cannot be read is reported in [`Inventory::unread`];
//! an identity that cannot be read leaves its connections classified "needs attention" with
//! the reason. Nothing is changed.

use std::collections::{BTreeMap, BTreeSet};

use futures::future::join_all;
use keyless_azure::{
    AzureError,
    arm::ManagedIdentity,
    devops::{DevOpsClient, EndpointFilter, PipelinePermissions, Project, ServiceEndpoint},
    graph::{AppRef, Application, GraphClient},
};
use keyless_core::{
    Guid,
    inventory::{
        ConnectionFacts, InventoriedConnection, InventoryCounts, InventoryIdentity, Orphan, counts, credential_match,
    },
    names::OrgName,
    observed::IdentityKind,
};

use crate::{Connected, LookupFailure, UnreadPlace, UseCaseError, organizations};

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
    let per_organization = join_all(names.iter().map(|org| read_organization(connected, org))).await;
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
    let identities = look_up_identities(connected, &read).await;
    let cloud = &connected.cloud.profile;
    let mut connections: Vec<InventoriedConnection> = read
        .into_iter()
        .map(|connection| {
            InventoriedConnection::classified(
                facts_of(connection, &identities, connected.tenant()),
                cloud,
                connected.tenant(),
            )
        })
        .collect();
    connections.sort_by(|a, b| {
        (&a.organization, &a.owning_project, &a.name).cmp(&(&b.organization, &b.owning_project, &b.name))
    });
    Ok(Inventory { connections, unread })
}

/// One connection as Azure DevOps listed it, with its pipeline access and last use.
struct ReadConnection {
    organization: String,
    /// The tenant the organization is connected to, for identities whose connection names none.
    organization_tenant: Option<Guid>,
    endpoint: ServiceEndpoint,
    projects: Vec<String>,
    permissions: Option<PipelinePermissions>,
    last_used: Option<String>,
}

impl ReadConnection {
    fn client_id(&self) -> Option<Guid> {
        self.endpoint.parameter("serviceprincipalid").and_then(|v| Guid::parse_input("serviceprincipalid", v).ok())
    }

    fn identity_tenant(&self) -> Option<Guid> {
        self.endpoint
            .parameter("tenantid")
            .and_then(|v| Guid::parse_input("tenantid", v).ok())
            .or(self.organization_tenant)
    }

    /// The (tenant, client id) its identity is looked up by; `None` for token connections.
    fn identity_key(&self, signed_in_tenant: Guid) -> Option<(Guid, Guid)> {
        if !matches!(self.endpoint.authorization.scheme.as_str(), "WorkloadIdentityFederation" | "ServicePrincipal") {
            return None;
        }
        Some((self.identity_tenant().unwrap_or(signed_in_tenant), self.client_id()?))
    }
}

struct ReadOrganization {
    connections: Vec<ReadConnection>,
    unread_projects: Vec<UnreadPlace>,
}

async fn read_organization(connected: &Connected, org: &OrgName) -> Result<ReadOrganization, AzureError> {
    let devops = connected.client.devops(org).await?;
    let projects = devops.projects().await?;
    let filter = EndpointFilter { include_details: true, include_failed: true, ..EndpointFilter::default() };
    let listed = join_all(projects.iter().map(|project| {
        let (devops, filter) = (&devops, &filter);
        async move { devops.list_endpoints(&project.id.to_string(), filter).await }
    }))
    .await;
    let mut unread_projects = vec![];
    // A connection shared with several projects is listed in each; keep it once.
    let mut endpoints: BTreeMap<Guid, ServiceEndpoint> = BTreeMap::new();
    for (project, result) in projects.iter().zip(listed) {
        match result {
            Ok(found) => {
                for endpoint in found {
                    if let Some(id) = endpoint.id {
                        endpoints.entry(id).or_insert(endpoint);
                    }
                }
            }
            Err(error) => unread_projects.push(UnreadPlace::Organization {
                name: format!("{org}/{}", project.name),
                failure: LookupFailure::from(&error),
            }),
        }
    }
    let organization_tenant = devops.tenant();
    let connections = join_all(endpoints.into_values().map(|endpoint| {
        let devops = &devops;
        let projects = &projects;
        async move { read_connection(devops, projects, endpoint, organization_tenant).await }
    }))
    .await;
    Ok(ReadOrganization { connections, unread_projects })
}

async fn read_connection(
    devops: &DevOpsClient,
    projects: &[Project],
    endpoint: ServiceEndpoint,
    organization_tenant: Option<Guid>,
) -> ReadConnection {
    let id = endpoint.id.unwrap_or_default();
    let owner = endpoint.service_endpoint_project_references.first().map(|r| r.project_reference.id);
    let permissions = async {
        match owner {
            // Pipeline access and last use only enrich the row: without them it is still listed.
            Some(owner) => devops.pipeline_permissions(&owner.to_string(), id).await.ok(),
            None => None,
        }
    };
    let history = devops.execution_history(id, 1);
    let (permissions, history) = futures::join!(permissions, history);
    let last_used = history.ok().and_then(|runs| runs.into_iter().find_map(|run| run.data.finish_time));
    let project_names = endpoint
        .service_endpoint_project_references
        .iter()
        .map(|r| {
            r.project_reference
                .name
                .clone()
                .or_else(|| projects.iter().find(|p| p.id == r.project_reference.id).map(|p| p.name.clone()))
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
    }
}

/// What was found for one (tenant, client id): the identity and its federated credentials
/// (issuer, subject, audiences) when they could be read.
#[derive(Debug, Clone)]
struct FoundIdentity {
    identity: InventoryIdentity,
    credentials: Option<Vec<(String, String, Vec<String>)>>,
}

type IdentityLookups = BTreeMap<(Guid, Guid), Result<FoundIdentity, LookupFailure>>;

/// Looks every identity up once, all at once; managed identities are listed once per tenant.
async fn look_up_identities(connected: &Connected, connections: &[ReadConnection]) -> IdentityLookups {
    let keys: BTreeSet<(Guid, Guid)> = connections.iter().filter_map(|c| c.identity_key(connected.tenant())).collect();
    let tenants: BTreeSet<Guid> = keys.iter().map(|(tenant, _)| *tenant).collect();
    let listed = join_all(tenants.iter().map(|tenant| managed_identities(connected, *tenant))).await;
    let managed: BTreeMap<Guid, Result<Vec<ManagedIdentity>, AzureError>> = tenants.into_iter().zip(listed).collect();
    let found =
        join_all(keys.iter().map(|(tenant, client_id)| {
            let managed = &managed[tenant];
            async move {
                look_up_identity(connected, *tenant, *client_id, managed).await.map_err(|e| LookupFailure::from(&e))
            }
        }))
        .await;
    keys.into_iter().zip(found).collect()
}

/// Every user-assigned managed identity in the subscriptions of `tenant` the user can see.
async fn managed_identities(connected: &Connected, tenant: Guid) -> Result<Vec<ManagedIdentity>, AzureError> {
    let arm = connected.client.arm(Some(tenant));
    let subscriptions = arm.subscriptions().await?;
    let listed = join_all(subscriptions.iter().map(|s| arm.list_managed_identities(s.subscription_id, None))).await;
    let mut all = vec![];
    for result in listed {
        all.extend(result?);
    }
    Ok(all)
}

async fn look_up_identity(
    connected: &Connected,
    tenant: Guid,
    client_id: Guid,
    managed: &Result<Vec<ManagedIdentity>, AzureError>,
) -> Result<FoundIdentity, AzureError> {
    let graph = connected.client.graph(Some(tenant));
    if let Some(app) = graph.application_by_app_id(client_id).await? {
        return app_registration(connected, &graph, tenant, app).await;
    }
    match managed {
        Ok(list) => {
            if let Some(mi) = list.iter().find(|m| m.properties.client_id == client_id) {
                return managed_identity(connected, tenant, mi).await;
            }
        }
        // Without the list, the service principal below still says what the identity is.
        Err(error) => tracing::debug!(%tenant, %error, "managed identities could not be listed"),
    }
    let mut identity = InventoryIdentity::unknown(client_id, Some(tenant));
    match graph.service_principal_by_app_id(client_id).await? {
        Some(principal) => {
            let is_managed = principal.service_principal_type.as_deref() == Some("ManagedIdentity");
            identity.kind =
                Some(if is_managed { IdentityKind::ManagedIdentity } else { IdentityKind::AppRegistration });
            identity.display_name = principal.display_name;
            // An app's principal without an app here: the app is registered in another tenant.
            identity.multitenant = (!is_managed).then(|| principal.app_owner_organization_id != Some(tenant));
        }
        None => identity.orphan = Some(Orphan::IdentityGone),
    }
    Ok(FoundIdentity { identity, credentials: None })
}

async fn app_registration(
    connected: &Connected,
    graph: &GraphClient,
    tenant: Guid,
    app: Application,
) -> Result<FoundIdentity, AzureError> {
    let (principal, credentials, owners) = futures::join!(
        graph.service_principal_by_app_id(app.app_id),
        graph.list_app_fics(AppRef::ObjectId(app.id)),
        graph.application_owners(app.id),
    );
    let credentials = credentials?;
    let me = connected.account.object_id;
    let identity = InventoryIdentity {
        client_id: app.app_id,
        kind: Some(IdentityKind::AppRegistration),
        display_name: app.display_name.clone(),
        multitenant: Some(app.sign_in_audience.as_deref().is_some_and(|a| a != "AzureADMyOrg")),
        tenant_id: Some(tenant),
        // Admin roles also allow the write; an app the user does not own counts as someone
        // else's, as when a run plans a hand-off.
        can_write_credentials: owners.ok().map(|owners| me.is_none_or(|me| owners.contains(&me))),
        credential_count: Some(credentials.len() as u32),
        secret_expiries: app.password_credentials.iter().filter_map(|c| c.end_date_time.clone()).collect(),
        certificate_expiries: app.key_credentials.iter().filter_map(|c| c.end_date_time.clone()).collect(),
        orphan: principal?.is_none().then_some(Orphan::NoServicePrincipal),
    };
    let credentials = credentials.into_iter().map(|f| (f.issuer, f.subject, f.audiences)).collect();
    Ok(FoundIdentity { identity, credentials: Some(credentials) })
}

async fn managed_identity(
    connected: &Connected,
    tenant: Guid,
    mi: &ManagedIdentity,
) -> Result<FoundIdentity, AzureError> {
    let mut identity = InventoryIdentity {
        kind: Some(IdentityKind::ManagedIdentity),
        display_name: Some(mi.name.clone()),
        multitenant: Some(false),
        ..InventoryIdentity::unknown(mi.properties.client_id, Some(tenant))
    };
    let Some((subscription, resource_group)) = subscription_and_group(&mi.id) else {
        return Ok(FoundIdentity { identity, credentials: None });
    };
    let credentials =
        connected.client.arm(Some(tenant)).list_managed_identity_fics(subscription, &resource_group, &mi.name).await?;
    identity.credential_count = Some(credentials.len() as u32);
    let credentials =
        credentials.into_iter().map(|f| (f.properties.issuer, f.properties.subject, f.properties.audiences)).collect();
    Ok(FoundIdentity { identity, credentials: Some(credentials) })
}

/// The subscription and resource group of an ARM resource id.
fn subscription_and_group(resource_id: &str) -> Option<(Guid, String)> {
    let parts: Vec<&str> = resource_id.split('/').collect();
    let after =
        |key: &str| parts.iter().position(|p| p.eq_ignore_ascii_case(key)).and_then(|i| parts.get(i + 1)).copied();
    let subscription = Guid::parse_input("subscription", after("subscriptions")?).ok()?;
    Some((subscription, after("resourceGroups")?.to_string()))
}

fn facts_of(connection: ReadConnection, identities: &IdentityLookups, signed_in_tenant: Guid) -> ConnectionFacts {
    let lookup = connection.identity_key(signed_in_tenant).and_then(|key| identities.get(&key));
    let unknown_identity =
        || InventoryIdentity::unknown(connection.client_id().unwrap_or_default(), connection.identity_tenant());
    let (identity, identity_unread, found_credentials) = match lookup {
        Some(Ok(found)) => (Some(found.identity.clone()), None, found.credentials.as_ref()),
        Some(Err(problem)) => (Some(unknown_identity()), Some(problem.message.clone()), None),
        None => (None, None, None),
    };
    let ReadConnection { organization, organization_tenant: _, endpoint, projects, permissions, last_used } =
        connection;
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
