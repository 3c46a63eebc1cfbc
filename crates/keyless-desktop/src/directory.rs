//! The pickers' commands: organizations, projects and pipelines, subscriptions, resource
//! groups, locations, existing identities, and the connection-name check.
//!
//! All of them only read. Where one of many lookups fails (an organization, a tenant), the
//! others are still shown and the failure is listed beside them instead of failing the
//! command; a failure of the one lookup a command is about is the command's error.

use futures::future::join_all;
use keyless_azure::{AzureError, graph::Application};
use keyless_core::{
    Guid,
    names::{OrgName, REGIONS_WITHOUT_FIC_SUPPORT, validate_connection_name},
    observed::ObservedProject,
};
use keyless_engine::AzurePort;
use keyless_ipc::{
    ConnectionNameRequest, FailedLookup, IdentityKindView, IdentitySearchRequest, IdentityView, LocationView,
    NameCheck, OrganizationList, OrganizationRequest, OrganizationView, PipelineView, ProjectView, ResourceGroupView,
    SubscriptionRequest, SubscriptionView,
};

use keyless_usecases::{Connected, Organization, Organizations, UnreadPlace, organizations};

use crate::{Controller, DesktopError, plan_view::count};

/// The most identities of each kind a search returns; the UI asks the user to type more.
pub const IDENTITY_SEARCH_LIMIT: usize = 20;

/// The sign-in audience of a single-tenant app, the only kind a connection may use.
const SINGLE_TENANT_AUDIENCE: &str = "AzureADMyOrg";

impl Controller {
    /// `list_organizations`: every organization the account reaches, in every tenant.
    pub async fn list_organizations(&self) -> Result<OrganizationList, DesktopError> {
        let connected = self.connected()?;
        let Organizations { organizations, unread } = organizations::discover(&connected).await;
        Ok(OrganizationList {
            organizations: organizations.into_iter().map(organization_view).collect(),
            failed: unread.into_iter().map(failed_lookup).collect(),
        })
    }

    /// `list_projects`: the organization's projects with their pipelines.
    pub async fn list_projects(&self, request: OrganizationRequest) -> Result<Vec<ProjectView>, DesktopError> {
        let OrganizationRequest { organization } = request;
        let connected = self.connected()?;
        let org = OrgName::parse(&organization)?;
        let devops = connected.client.devops(&org).await?;
        let projects = devops.projects().await?;
        let pipelines = join_all(projects.iter().map(|project| {
            let devops = &devops;
            async move { devops.pipelines(&project.id.to_string()).await }
        }))
        .await;
        projects
            .into_iter()
            .zip(pipelines)
            .map(|(project, pipelines)| {
                let pipelines = pipelines?
                    .into_iter()
                    .map(|pipeline| PipelineView { id: pipeline.id, name: pipeline.name })
                    .collect();
                Ok(ProjectView { id: project.id.to_string(), name: project.name, pipelines })
            })
            .collect()
    }

    /// `list_subscriptions`: the subscriptions of the signed-in tenant.
    pub async fn list_subscriptions(&self) -> Result<Vec<SubscriptionView>, DesktopError> {
        let connected = self.connected()?;
        let tenant = connected.tenant();
        let subscriptions = connected.client.arm(Some(tenant)).subscriptions().await?;
        Ok(subscriptions
            .into_iter()
            .map(|subscription| SubscriptionView {
                id: subscription.subscription_id.to_string(),
                name: subscription.display_name,
                tenant_id: subscription.tenant_id.unwrap_or(tenant).to_string(),
            })
            .collect())
    }

    /// `list_resource_groups`.
    pub async fn list_resource_groups(
        &self,
        request: SubscriptionRequest,
    ) -> Result<Vec<ResourceGroupView>, DesktopError> {
        let SubscriptionRequest { subscription } = request;
        let connected = self.connected()?;
        let subscription = Guid::parse_input("subscription", &subscription)?;
        let groups = connected.client.arm(Some(connected.tenant())).resource_groups(subscription).await?;
        Ok(groups.into_iter().map(|group| ResourceGroupView { name: group.name, location: group.location }).collect())
    }

    /// `list_locations`, marking the regions where managed identities cannot hold federated
    /// credentials.
    pub async fn list_locations(&self, request: SubscriptionRequest) -> Result<Vec<LocationView>, DesktopError> {
        let SubscriptionRequest { subscription } = request;
        let connected = self.connected()?;
        let subscription = Guid::parse_input("subscription", &subscription)?;
        let locations = connected.client.arm(Some(connected.tenant())).locations(subscription).await?;
        Ok(locations
            .into_iter()
            .map(|location| LocationView {
                supports_federated_credentials: !REGIONS_WITHOUT_FIC_SUPPORT.contains(&location.name.as_str()),
                display_name: location.display_name.unwrap_or_else(|| location.name.clone()),
                name: location.name,
            })
            .collect())
    }

    /// `search_identities`: app registrations and user-assigned managed identities of the
    /// signed-in tenant whose name starts with `query` (case-insensitive).
    pub async fn search_identities(&self, request: IdentitySearchRequest) -> Result<Vec<IdentityView>, DesktopError> {
        let IdentitySearchRequest { query } = request;
        let connected = self.connected()?;
        let prefix = query.trim().to_lowercase();
        let matches = |name: &str| name.to_lowercase().starts_with(&prefix);
        let (apps, managed) =
            futures::join!(find_apps(&connected, &prefix, &matches), find_managed_identities(&connected, &matches));
        let mut found = apps?;
        found.extend(managed?);
        Ok(found)
    }

    /// `check_connection_name`: the name rules, then the connections already in the project.
    pub async fn check_connection_name(&self, request: ConnectionNameRequest) -> Result<NameCheck, DesktopError> {
        let ConnectionNameRequest { organization, project, name } = request;
        if let Err(error) = validate_connection_name(&name) {
            return Ok(NameCheck { ok: false, problem: Some(error.to_string()), help: Some(error.help) });
        }
        let connected = self.connected()?;
        let org = OrgName::parse(&organization)?;
        let devops = connected.client.devops(&org).await?;
        let found = devops.project(&project).await?.ok_or_else(|| DesktopError::UnknownProject {
            organization: organization.clone(),
            project: project.clone(),
        })?;
        let project_ref = ObservedProject { id: found.id, name: found.name, pipelines: vec![] };
        // Only names, types and schemes are compared: no pipeline access to read.
        let existing = connected.port.connections(&org, std::slice::from_ref(&project_ref), &[]).await?;
        let Some(same) = existing.iter().find(|connection| connection.name.eq_ignore_ascii_case(&name)) else {
            return Ok(NameCheck { ok: true, problem: None, help: None });
        };
        if same.scheme == "WorkloadIdentityFederation" {
            return Ok(NameCheck {
                ok: true,
                problem: None,
                help: Some(format!(
                    "{organization}/{project} already has a workload identity connection named '{}'; Keyless reuses it when it uses the chosen identity, and Review says so",
                    same.name
                )),
            });
        }
        Ok(NameCheck {
            ok: false,
            problem: Some(format!(
                "{organization}/{project} already has a connection named '{}' (type {}, scheme {})",
                same.name, same.endpoint_type, same.scheme
            )),
            help: Some("choose another name, or migrate that connection to workload identity federation".into()),
        })
    }
}

fn organization_view(organization: Organization) -> OrganizationView {
    let Organization { name, id, tenant_id, tenant_matches_account, projects } = organization;
    let (project_count, problem) = match projects {
        Ok(projects) => (count(projects), None),
        Err(failure) => (0, Some(format!("its projects could not be listed: {}", failure.message))),
    };
    OrganizationView {
        name,
        id: id.to_string(),
        tenant_id: tenant_id.map(|tenant| tenant.to_string()).unwrap_or_default(),
        project_count,
        tenant_matches_account,
        // Azure DevOps has no cheap "am I a Project Collection Administrator" read; the plan's
        // `needs` lines and the run's errors say what is missing instead.
        is_administrator: None,
        problem,
    }
}

pub(crate) fn failed_lookup(place: UnreadPlace) -> FailedLookup {
    match place {
        UnreadPlace::Organization { name, failure } => FailedLookup::Organization { name, message: failure.message },
        UnreadPlace::Tenant { tenant_id, home, failure } => {
            FailedLookup::Tenant { tenant_id: tenant_id.to_string(), home, message: failure.message }
        }
    }
}

async fn find_apps(
    connected: &Connected,
    prefix: &str,
    matches: &impl Fn(&str) -> bool,
) -> Result<Vec<IdentityView>, DesktopError> {
    let graph = connected.client.graph(Some(connected.tenant()));
    // The service filters by prefix, so large tenants are not paged through.
    let apps: Vec<Application> = graph
        .applications_starting_with(prefix, IDENTITY_SEARCH_LIMIT)
        .await?
        .into_iter()
        .filter(|app| app.display_name.as_deref().is_some_and(matches))
        .take(IDENTITY_SEARCH_LIMIT)
        .collect();
    let details = join_all(apps.iter().map(|app| async {
        let fics = connected.port.list_app_fics(app.id).await?;
        let can_write = connected.port.can_write_app(app.id).await?;
        Ok::<_, AzureError>((count(fics.len()), can_write))
    }))
    .await;
    apps.into_iter()
        .zip(details)
        .map(|(app, details)| {
            let (federated_credential_count, can_write) = details?;
            Ok(IdentityView {
                kind: IdentityKindView::AppRegistration,
                display_name: app.display_name.unwrap_or_default(),
                client_id: app.app_id.to_string(),
                resource_ref: app.id.to_string(),
                multitenant: app.sign_in_audience.as_deref().is_some_and(|audience| audience != SINGLE_TENANT_AUDIENCE),
                federated_credential_count,
                can_write,
            })
        })
        .collect()
}

async fn find_managed_identities(
    connected: &Connected,
    matches: &impl Fn(&str) -> bool,
) -> Result<Vec<IdentityView>, DesktopError> {
    let arm = connected.client.arm(Some(connected.tenant()));
    let subscriptions = arm.subscriptions().await?;
    let listed = join_all(
        subscriptions.iter().map(|subscription| arm.list_managed_identities(subscription.subscription_id, None)),
    )
    .await;
    let mut identities = vec![];
    for result in listed {
        identities.extend(result?.into_iter().filter(|identity| matches(&identity.name)));
    }
    identities.truncate(IDENTITY_SEARCH_LIMIT);
    let details = join_all(identities.iter().map(|identity| async {
        let fics = connected.port.list_mi_fics(&identity.id).await?;
        let can_write = connected.port.can_write_managed_identity(&identity.id).await?;
        Ok::<_, AzureError>((count(fics.len()), can_write))
    }))
    .await;
    identities
        .into_iter()
        .zip(details)
        .map(|(identity, details)| {
            let (federated_credential_count, can_write) = details?;
            Ok(IdentityView {
                kind: IdentityKindView::ManagedIdentity,
                display_name: identity.name,
                client_id: identity.properties.client_id.to_string(),
                resource_ref: identity.id,
                multitenant: false,
                federated_credential_count,
                can_write,
            })
        })
        .collect()
}
