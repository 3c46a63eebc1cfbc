//! `export terraform`: what an inventory selection or a finished run describes, read again
//! from Azure and rendered by `keyless_core::export` as Terraform with an `import` block per
//! existing object.
//!
//! For each connection it reads the connection itself (scope, scheme, identity), and for each
//! identity its app registration, service principal and federated credentials, or its managed
//! identity and credentials. A run's export adds the role assignments and organization
//! memberships the run created. It does not export role assignments or memberships it did not
//! see made, pipeline permissions or sharing with other projects; the export says so. Nothing
//! is changed, and no secret is read.

use std::collections::{BTreeMap, BTreeSet};

use futures::future::join_all;
use keyless_azure::{AzureError, devops::ServiceEndpoint, graph::AppRef};
use keyless_core::{
    Guid,
    export::{
        AzureRmScope, ConnectionTarget, CredentialParent, ExportApplication, ExportConnection, ExportEntitlement,
        ExportFederatedCredential, ExportManagedIdentity, ExportObject, ExportOrganization, ExportRoleAssignment,
        ExportServicePrincipal, ExportSet, RenderedObject, RoleRef, render_terraform,
    },
    inventory::InventoriedConnection,
    names::OrgName,
};
use keyless_engine::journal::{CreatedResource, JournalStore, RunJournal};
use serde_json::Value;

use crate::{Connected, LookupFailure, UnreadPlace, UseCaseError, inventory::take_inventory};

/// The Terraform text and what it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct TerraformExport {
    pub text: String,
    /// Each resource written, with the id it is imported by.
    pub objects: Vec<RenderedObject>,
    /// Organizations or projects that could not be read, so their connections are missing.
    pub unread: Vec<UnreadPlace>,
    /// Connection ids asked for that the inventory did not find.
    pub not_found: Vec<Guid>,
    /// What was left out and why (also comments at the top of `text`).
    pub notes: Vec<String>,
}

const NOT_EXPORTED_FROM_INVENTORY: &str = "role assignments, organization memberships, pipeline permissions and \
     sharing with other projects (the inventory does not read them)";

/// Exports the connections of `organizations` (every organization reached when `None`),
/// only those in `connection_ids` when it is not empty, with their identities.
pub async fn export_inventory_terraform(
    connected: &Connected,
    organizations: Option<&[OrgName]>,
    connection_ids: &[Guid],
) -> Result<TerraformExport, UseCaseError> {
    let inventory = take_inventory(connected, organizations).await?;
    let selected: Vec<&InventoriedConnection> =
        inventory.connections.iter().filter(|c| connection_ids.is_empty() || connection_ids.contains(&c.id)).collect();
    let found: BTreeSet<Guid> = selected.iter().map(|c| c.id).collect();
    let not_found = connection_ids.iter().filter(|id| !found.contains(id)).copied().collect();
    let wanted = selected
        .iter()
        .filter_map(|c| {
            Some(WantedConnection {
                org: OrgName::parse(&c.organization).ok()?,
                project: c.owning_project.clone(),
                id: c.id,
            })
        })
        .collect();
    let mut export = Collected::default();
    export.notes.push(NOT_EXPORTED_FROM_INVENTORY.to_string());
    export.connections(connected, wanted).await;
    let identities = selected
        .iter()
        .filter_map(|c| {
            c.identity.as_ref().map(|i| WantedIdentity {
                tenant: i.tenant_id,
                client_id: i.client_id,
                resource_id: None,
            })
        })
        .collect();
    export.identities(connected, identities).await;
    let mut unread = inventory.unread;
    unread.append(&mut export.unread);
    Ok(export.finish(connected, unread, not_found))
}

/// Exports what run `run_id` made or used: its identity, service principal, credentials,
/// connections, and the role assignments and memberships it created. The run must be of the
/// cloud signed in to.
pub async fn export_run_terraform(
    connected: &Connected,
    store: &JournalStore,
    run_id: &str,
) -> Result<TerraformExport, UseCaseError> {
    let journal = store.load(run_id)?;
    let cloud = connected.cloud.profile.identity();
    if journal.cloud_identity.as_ref() != Some(&cloud) {
        return Err(UseCaseError::RunOfAnotherCloud {
            run_id: run_id.to_string(),
            run_cloud: journal.cloud_identity.as_ref().map_or_else(|| journal.cloud.clone(), ToString::to_string),
            this_cloud: cloud.to_string(),
        });
    }
    let mut export = Collected::default();
    export.notes.push(format!(
        "role assignments and organization memberships run {run_id} found already in place, pipeline \
         permissions and sharing with other projects"
    ));
    let identities = run_identities(&journal);
    let principals: BTreeMap<String, Guid> = principals_by_slot(&journal);
    export.identities(connected, identities).await;
    export.connections(connected, run_connections(&journal)).await;
    export.set.objects.extend(run_created_objects(&journal, &principals));
    let unread = std::mem::take(&mut export.unread);
    Ok(export.finish(connected, unread, vec![]))
}

struct WantedConnection {
    org: OrgName,
    project: String,
    id: Guid,
}

struct WantedIdentity {
    tenant: Option<Guid>,
    client_id: Guid,
    /// A managed identity's ARM id, when the run recorded it.
    resource_id: Option<String>,
}

#[derive(Default)]
struct Collected {
    set: ExportSet,
    organizations: BTreeSet<OrgName>,
    unread: Vec<UnreadPlace>,
    notes: Vec<String>,
}

impl Collected {
    async fn connections(&mut self, connected: &Connected, wanted: Vec<WantedConnection>) {
        let read = join_all(wanted.iter().map(|w| read_connection(connected, w))).await;
        for (wanted, result) in wanted.iter().zip(read) {
            match result {
                Ok(Some(connection)) => {
                    self.organizations.insert(wanted.org.clone());
                    self.set.objects.push(ExportObject::ServiceConnection(connection));
                }
                Ok(None) => self.notes.push(format!(
                    "connection {} in {}/{}: it no longer exists",
                    wanted.id, wanted.org, wanted.project
                )),
                Err(error) => self.unread.push(UnreadPlace::Organization {
                    name: format!("{}/{}", wanted.org, wanted.project),
                    failure: LookupFailure::from(&error),
                }),
            }
        }
    }

    async fn identities(&mut self, connected: &Connected, wanted: Vec<WantedIdentity>) {
        let mut seen = BTreeSet::new();
        let wanted: Vec<WantedIdentity> = wanted.into_iter().filter(|w| seen.insert(w.client_id)).collect();
        let read = join_all(wanted.iter().map(|w| read_identity(connected, w))).await;
        for (wanted, result) in wanted.iter().zip(read) {
            match result {
                Ok(objects) if objects.is_empty() => self.notes.push(format!(
                    "identity {}: no app registration or managed identity with this client id could be read",
                    wanted.client_id
                )),
                Ok(objects) => self.set.objects.extend(objects),
                Err(error) => self.notes.push(format!("identity {}: {error}", wanted.client_id)),
            }
        }
    }

    fn finish(mut self, connected: &Connected, unread: Vec<UnreadPlace>, not_found: Vec<Guid>) -> TerraformExport {
        let profile = &connected.cloud.profile;
        self.set.organizations = self
            .organizations
            .iter()
            .map(|org| ExportOrganization { name: org.to_string(), service_url: profile.devops_url(org) })
            .collect();
        self.set.tenant_id = Some(connected.tenant());
        self.set.notes = self.notes.clone();
        let rendered = render_terraform(&self.set);
        TerraformExport { text: rendered.text, objects: rendered.objects, unread, not_found, notes: self.notes }
    }
}

async fn read_connection(
    connected: &Connected,
    wanted: &WantedConnection,
) -> Result<Option<ExportConnection>, AzureError> {
    let devops = connected.client.devops(&wanted.org).await?;
    let Some(endpoint) = devops.endpoint_by_id(&wanted.project, wanted.id).await? else { return Ok(None) };
    Ok(Some(export_connection(wanted, &endpoint)))
}

fn data<'a>(endpoint: &'a ServiceEndpoint, key: &str) -> Option<&'a str> {
    endpoint.data.get(key).and_then(Value::as_str).filter(|v| !v.is_empty())
}

fn export_connection(wanted: &WantedConnection, endpoint: &ServiceEndpoint) -> ExportConnection {
    let guid = |key: &'static str| endpoint.parameter(key).and_then(|v| Guid::parse_input(key, v).ok());
    let scheme = endpoint.authorization.scheme.clone();
    let target = match endpoint.kind.as_str() {
        "azurerm" => ConnectionTarget::AzureRm {
            scheme,
            tenant_id: guid("tenantid"),
            client_id: guid("serviceprincipalid"),
            scope: azurerm_scope(endpoint),
            environment: data(endpoint, "environment").map(str::to_string),
        },
        "WorkloadIdentityUser" => ConnectionTarget::AzureDevOps {
            scheme,
            tenant_id: guid("tenantid"),
            client_id: guid("serviceprincipalid"),
            url: endpoint.url.clone().unwrap_or_default(),
        },
        other => ConnectionTarget::Other { endpoint_type: other.to_string(), scheme, url: endpoint.url.clone() },
    };
    let project_id = endpoint
        .service_endpoint_project_references
        .iter()
        .find(|r| r.project_reference.name.as_deref() == Some(wanted.project.as_str()))
        .map(|r| r.project_reference.id);
    ExportConnection {
        organization: wanted.org.to_string(),
        project: wanted.project.clone(),
        project_id,
        id: wanted.id,
        name: endpoint.name.clone(),
        description: endpoint.description.clone(),
        target,
    }
}

fn azurerm_scope(endpoint: &ServiceEndpoint) -> AzureRmScope {
    if let Some(id) = data(endpoint, "managementGroupId") {
        return AzureRmScope::ManagementGroup {
            id: id.to_string(),
            name: data(endpoint, "managementGroupName").map(str::to_string),
        };
    }
    match data(endpoint, "subscriptionId").and_then(|v| Guid::parse_input("subscriptionId", v).ok()) {
        Some(id) => AzureRmScope::Subscription {
            id,
            name: data(endpoint, "subscriptionName").map(str::to_string),
            resource_group: data(endpoint, "resourceGroupName").map(str::to_string),
        },
        None => AzureRmScope::Unknown,
    }
}

/// The identity's objects: app registration, service principal and credentials, or managed
/// identity and credentials; empty when neither has this client id.
async fn read_identity(connected: &Connected, wanted: &WantedIdentity) -> Result<Vec<ExportObject>, AzureError> {
    let graph = connected.client.graph(wanted.tenant);
    if wanted.resource_id.is_none()
        && let Some(app) = graph.application_by_app_id(wanted.client_id).await?
    {
        let display_name = app.display_name.clone().unwrap_or_else(|| app.app_id.to_string());
        let mut objects = vec![ExportObject::Application(ExportApplication {
            object_id: app.id,
            client_id: app.app_id,
            display_name: display_name.clone(),
            sign_in_audience: app.sign_in_audience.clone(),
        })];
        if let Some(sp) = graph.service_principal_by_app_id(app.app_id).await? {
            objects.push(ExportObject::ServicePrincipal(ExportServicePrincipal {
                object_id: sp.id,
                client_id: sp.app_id,
                display_name: sp.display_name.unwrap_or(display_name),
            }));
        }
        for fic in graph.list_app_fics(AppRef::ObjectId(app.id)).await? {
            objects.push(ExportObject::FederatedCredential(ExportFederatedCredential {
                parent: CredentialParent::Application { object_id: app.id },
                id: fic.id,
                name: fic.name,
                issuer: fic.issuer,
                subject: fic.subject,
                audiences: fic.audiences,
                description: fic.description,
            }));
        }
        return Ok(objects);
    }
    read_managed_identity(connected, wanted).await
}

async fn read_managed_identity(
    connected: &Connected,
    wanted: &WantedIdentity,
) -> Result<Vec<ExportObject>, AzureError> {
    let arm = connected.client.arm(wanted.tenant);
    let mut found = None;
    for subscription in arm.subscriptions().await? {
        let listed = arm.list_managed_identities(subscription.subscription_id, None).await?;
        if let Some(mi) = listed.into_iter().find(|mi| mi.properties.client_id == wanted.client_id) {
            found = Some((subscription.subscription_id, mi));
            break;
        }
    }
    let Some((subscription, mi)) = found else { return Ok(vec![]) };
    let resource_group = segment_after(&mi.id, "resourceGroups").unwrap_or_default().to_string();
    let fics = arm.list_managed_identity_fics(subscription, &resource_group, &mi.name).await?;
    let mut objects = vec![ExportObject::ManagedIdentity(ExportManagedIdentity {
        resource_id: mi.id.clone(),
        name: mi.name.clone(),
        resource_group,
        location: mi.location.clone(),
        client_id: mi.properties.client_id,
    })];
    objects.extend(fics.into_iter().map(|fic| {
        ExportObject::FederatedCredential(ExportFederatedCredential {
            parent: CredentialParent::ManagedIdentity { resource_id: mi.id.clone() },
            id: None,
            name: fic.name,
            issuer: fic.properties.issuer,
            subject: fic.properties.subject,
            audiences: fic.properties.audiences,
            description: None,
        })
    }));
    Ok(objects)
}

/// The path segment after `name` (case-insensitive) in an ARM id.
fn segment_after<'a>(resource_id: &'a str, name: &str) -> Option<&'a str> {
    let mut parts = resource_id.split('/');
    while let Some(part) = parts.next() {
        if part.eq_ignore_ascii_case(name) {
            return parts.next();
        }
    }
    None
}

/// The identities a run made or used, from its `identity/{slot}` steps.
fn run_identities(journal: &RunJournal) -> Vec<WantedIdentity> {
    journal
        .steps
        .iter()
        .filter(|(id, _)| id.starts_with("identity/"))
        .filter_map(|(_, step)| {
            let outputs = &step.outputs;
            let resource_id = outputs.object_ref.clone().filter(|r| r.starts_with('/'));
            Some(WantedIdentity { tenant: outputs.tenant_id, client_id: outputs.client_id?, resource_id })
        })
        .collect()
}

/// The service principal object id of each identity slot.
fn principals_by_slot(journal: &RunJournal) -> BTreeMap<String, Guid> {
    journal
        .steps
        .iter()
        .filter_map(|(id, step)| {
            let slot = id.strip_prefix("sp/").or_else(|| id.strip_prefix("identity/"))?;
            Some((slot.to_string(), step.outputs.principal_id?))
        })
        .collect()
}

/// The connections of a run's `connection/{org}/{project}/{name}` steps.
fn run_connections(journal: &RunJournal) -> Vec<WantedConnection> {
    journal
        .steps
        .iter()
        .filter_map(|(id, step)| {
            let mut key = id.strip_prefix("connection/")?.splitn(3, '/');
            let org = OrgName::parse(key.next()?).ok()?;
            let project = key.next()?.to_string();
            Some(WantedConnection { org, project, id: step.outputs.connection_id? })
        })
        .collect()
}

/// The role assignments and memberships the run created.
fn run_created_objects(journal: &RunJournal, principals: &BTreeMap<String, Guid>) -> Vec<ExportObject> {
    let mut objects = vec![];
    for (step_id, step) in &journal.steps {
        let slot = step_id.split('/').nth(1).unwrap_or_default();
        let Some(&principal_id) = principals.get(slot) else { continue };
        for created in &step.created {
            match created {
                CreatedResource::RoleAssignment { id } => {
                    let Some((scope, _)) = id.split_once("/providers/Microsoft.Authorization/roleAssignments/") else {
                        continue;
                    };
                    let role_name = step_id.rsplit('/').next().unwrap_or_default();
                    let role = match Guid::parse_input("role", role_name) {
                        Ok(definition) => RoleRef::DefinitionId(format!(
                            "{}/providers/Microsoft.Authorization/roleDefinitions/{definition}",
                            segment_after(scope, "subscriptions")
                                .map(|s| format!("/subscriptions/{s}"))
                                .unwrap_or_default()
                        )),
                        Err(_) => RoleRef::Name(role_name.to_string()),
                    };
                    objects.push(ExportObject::RoleAssignment(ExportRoleAssignment {
                        id: id.clone(),
                        scope: scope.to_string(),
                        role,
                        principal_id,
                    }));
                }
                CreatedResource::Entitlement { organization, entitlement_id } => {
                    let license = journal
                        .setup
                        .organizations
                        .iter()
                        .find(|o| &o.name == organization)
                        .map(|o| o.access_level.license_type().to_string());
                    objects.push(ExportObject::Entitlement(ExportEntitlement {
                        organization: organization.to_string(),
                        id: *entitlement_id,
                        origin_id: principal_id,
                        license,
                    }));
                }
                _ => {}
            }
        }
    }
    objects
}
