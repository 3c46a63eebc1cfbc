//! Reads the current state that a setup touches into an [`Observed`] snapshot: the identity
//! and its `-N` siblings, each organization's projects, memberships and connections, and the
//! role assignments at the scopes the setup names. Reads only; changes nothing.

use std::collections::{BTreeMap, BTreeSet};

use futures::future::try_join_all;
use keyless_core::{
    Guid,
    names::OrgName,
    observed::{IdentityKind, Observed, ObservedIdentity, ObservedOrganization},
    setup::{ConnectionKind, IdentitySpec, Setup},
};

use crate::{
    error::EngineError,
    port::{AppInfo, AzurePort, ManagedIdentityInfo},
};

/// How many `-N` siblings of an identity Keyless looks for (20 credentials each).
const MAX_SIBLINGS: usize = 10;

pub fn managed_identity_resource_id(subscription: Guid, resource_group: &str, name: &str) -> String {
    format!(
        "/subscriptions/{subscription}/resourceGroups/{resource_group}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}"
    )
}

pub async fn observe<P: AzurePort>(port: &P, setup: &Setup) -> Result<Observed, EngineError> {
    let step = "read current state";
    let az = |e| EngineError::azure(step, e);

    let mut orgs: BTreeSet<OrgName> = setup.organizations.iter().map(|o| o.name.clone()).collect();
    for connection in &setup.connections {
        orgs.insert(connection.organization.clone());
        if let ConnectionKind::AzureDevops { target_organization: Some(target) } = &connection.kind {
            orgs.insert(target.clone());
        }
    }
    // The projects the setup names, per organization: read by name beside the project list.
    let mut likely_projects: BTreeMap<OrgName, BTreeSet<String>> = BTreeMap::new();
    for organization in &setup.organizations {
        let names = likely_projects.entry(organization.name.clone()).or_default();
        names.extend(organization.projects.iter().map(|p| p.name.clone()));
    }
    for connection in &setup.connections {
        let names = likely_projects.entry(connection.organization.clone()).or_default();
        names.insert(connection.project.clone());
        names.extend(connection.share_with.iter().cloned());
    }
    // The connections the setup names, per organization: only their pipeline access is planned.
    let mut named_connections: BTreeMap<OrgName, Vec<String>> = BTreeMap::new();
    for connection in &setup.connections {
        named_connections.entry(connection.organization.clone()).or_default().push(connection.name.clone());
    }
    let read_org = |org: OrgName| {
        let likely: Vec<String> = likely_projects.get(&org).into_iter().flatten().cloned().collect();
        let named = named_connections.get(&org).cloned().unwrap_or_default();
        async move {
            // The organization, its projects and their connections are read side by side; the
            // rest counts only once the organization is known to be readable.
            let (info, contents) =
                futures::join!(port.organization(&org), port.projects_and_connections(&org, &likely, &named));
            let info = match info {
                Ok(info) => info,
                // An organization that cannot be read is left out; the planner explains it.
                Err(e) if matches!(e.code(), keyless_azure::ErrorCode::NotFound) => return Ok(None),
                Err(e) => return Err(EngineError::azure(format!("read organization {org}"), e)),
            };
            let (projects, connections) = contents
                .map_err(|e| EngineError::azure(format!("list projects and service connections of {org}"), e))?;
            Ok::<_, EngineError>(Some((
                org,
                ObservedOrganization {
                    id: info.id,
                    tenant_id: info.tenant_id,
                    projects,
                    memberships: BTreeMap::new(),
                    connections,
                },
            )))
        }
    };
    // The subscriptions the setup's Azure scopes are in, for their names.
    let subscriptions: BTreeSet<Guid> = setup
        .connections
        .iter()
        .filter_map(|c| match &c.kind {
            ConnectionKind::AzureRm { scope, .. } => scope_subscription(scope),
            _ => None,
        })
        .collect();
    let read_subscription_names = try_join_all(subscriptions.into_iter().map(|subscription| async move {
        Ok::<_, EngineError>(port.subscription_name(subscription).await.map_err(az)?.map(|name| (subscription, name)))
    }));
    // The tenant, the identities, the organizations and the subscriptions are read side by
    // side: none needs the others. Only the memberships and role assignments wait, for the
    // identities' principals.
    let (tenant, identities, organizations, subscription_names) = futures::join!(
        port.signed_in_tenant(),
        find_identities(port, setup),
        try_join_all(orgs.into_iter().map(read_org)),
        read_subscription_names
    );
    let (tenant_id, can_register_apps) = tenant.map_err(az)?;
    let mut observed = Observed { tenant_id, can_register_apps, ..Observed::default() };
    observed.subscription_names = subscription_names?.into_iter().flatten().collect();
    for identity in identities? {
        observed.identities.insert(identity.display_name.clone(), identity);
    }
    let principals: Vec<Guid> = observed.identities.values().filter_map(|i| i.principal_id).collect();
    let mut organizations: Vec<(OrgName, ObservedOrganization)> = organizations?.into_iter().flatten().collect();

    // The memberships of each principal in each organization, side by side.
    let read_memberships = try_join_all(organizations.iter_mut().map(|(org, organization)| {
        let principals = &principals;
        async move {
            let found = try_join_all(principals.iter().map(|principal| {
                let (org, projects) = (&*org, &organization.projects);
                async move {
                    let found = port
                        .find_membership(org, *principal, projects)
                        .await
                        .map_err(|e| EngineError::azure(format!("read members of {org}"), e))?;
                    Ok::<_, EngineError>(found.map(|m| (*principal, m)))
                }
            }))
            .await?;
            organization.memberships = found.into_iter().flatten().collect();
            Ok::<_, EngineError>(())
        }
    }));
    // Each principal's role assignments at each scope the setup names, beside the memberships.
    let mut scopes: Vec<String> = vec![];
    for connection in &setup.connections {
        if let ConnectionKind::AzureRm { scope, .. } = &connection.kind
            && !scopes.contains(&scope.arm_path())
        {
            scopes.push(scope.arm_path());
        }
    }
    let pairs: Vec<(&String, &Guid)> = scopes.iter().flat_map(|s| principals.iter().map(move |p| (s, p))).collect();
    let read_role_assignments =
        try_join_all(pairs.into_iter().map(|(scope, principal)| port.list_role_assignments(scope, *principal)));
    let (memberships, role_assignments) = futures::join!(read_memberships, read_role_assignments);
    memberships?;
    observed.organizations.extend(organizations);
    for assignment in role_assignments.map_err(az)?.into_iter().flatten() {
        if !observed.role_assignments.contains(&assignment) {
            observed.role_assignments.push(assignment);
        }
    }
    Ok(observed)
}

fn scope_subscription(scope: &keyless_core::setup::AzureScope) -> Option<Guid> {
    use keyless_core::setup::AzureScope;
    match scope {
        AzureScope::Subscription { subscription } | AzureScope::ResourceGroup { subscription, .. } => {
            Some(*subscription)
        }
        AzureScope::ManagementGroup { .. } => None,
    }
}

async fn find_identities<P: AzurePort>(port: &P, setup: &Setup) -> Result<Vec<ObservedIdentity>, EngineError> {
    let az = |e| EngineError::azure("find the identity", e);
    let mut found = vec![];
    match &setup.identity {
        IdentitySpec::AppRegistration { name, .. } => {
            let apps = find_siblings(name, |display| async move { port.find_app(Some(&display), None).await })
                .await
                .map_err(az)?;
            found = try_join_all(apps.into_iter().map(|app| app_identity(port, app))).await?;
        }
        IdentitySpec::ManagedIdentity { name, subscription, resource_group, .. } => {
            let identities = find_siblings(name, |display| async move {
                port.find_managed_identity(&managed_identity_resource_id(*subscription, resource_group, &display)).await
            })
            .await
            .map_err(az)?;
            found = try_join_all(identities.into_iter().map(|mi| mi_identity(port, mi))).await?;
        }
        IdentitySpec::Existing { client_id, resource_id, name } => {
            if let Some(resource_id) = resource_id {
                if let Some(mi) = port.find_managed_identity(resource_id).await.map_err(az)? {
                    found.push(mi_identity(port, mi).await?);
                }
            } else if let Some(app) = port.find_app(name.as_deref(), *client_id).await.map_err(az)? {
                found.push(app_identity(port, app).await?);
            } else if let Some(client_id) = client_id
                && let Some(mi) = port.find_managed_identity_by_client_id(*client_id).await.map_err(az)?
            {
                found.push(mi_identity(port, mi).await?);
            }
        }
    }
    Ok(found)
}

/// Finds the identity named `name` and its `-2`, `-3`, ... siblings, up to the first sibling
/// that does not exist. The identity and its first sibling are looked up side by side (a
/// setup rarely has more), the rest one by one.
async fn find_siblings<T, F, Fut>(name: &str, find: F) -> Result<Vec<T>, keyless_azure::AzureError>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<Option<T>, keyless_azure::AzureError>>,
{
    let sibling = |n: usize| if n == 0 { name.to_string() } else { format!("{name}-{}", n + 1) };
    let (first, second) = futures::join!(find(sibling(0)), find(sibling(1)));
    let mut found: Vec<T> = first?.into_iter().collect();
    let Some(second) = second? else { return Ok(found) };
    found.push(second);
    for n in 2..MAX_SIBLINGS {
        match find(sibling(n)).await? {
            Some(identity) => found.push(identity),
            None => break,
        }
    }
    Ok(found)
}

async fn app_identity<P: AzurePort>(port: &P, app: AppInfo) -> Result<ObservedIdentity, EngineError> {
    let az = |e| EngineError::azure(format!("read app registration {}", app.display_name), e);
    // Four reads that need only the app: side by side.
    let (principal_id, fics, can_write_fics, tenant) = futures::join!(
        port.find_service_principal(app.app_id),
        port.list_app_fics(app.object_id),
        port.can_write_app(app.object_id),
        port.signed_in_tenant()
    );
    let (principal_id, fics, can_write_fics) =
        (principal_id.map_err(az)?, fics.map_err(az)?, can_write_fics.map_err(az)?);
    let (tenant_id, _) = tenant.map_err(az)?;
    Ok(ObservedIdentity {
        kind: IdentityKind::AppRegistration,
        display_name: app.display_name.clone(),
        client_id: app.app_id,
        object_ref: app.object_id.to_string(),
        principal_id,
        tenant_id,
        sign_in_audience: Some(app.sign_in_audience.clone()),
        location: None,
        fics,
        can_write_fics,
    })
}

async fn mi_identity<P: AzurePort>(port: &P, mi: ManagedIdentityInfo) -> Result<ObservedIdentity, EngineError> {
    let az = |e| EngineError::azure(format!("read managed identity {}", mi.name), e);
    let (fics, can_write_fics) =
        futures::join!(port.list_mi_fics(&mi.resource_id), port.can_write_managed_identity(&mi.resource_id));
    let (fics, can_write_fics) = (fics.map_err(az)?, can_write_fics.map_err(az)?);
    Ok(ObservedIdentity {
        kind: IdentityKind::ManagedIdentity,
        display_name: mi.name.clone(),
        client_id: mi.client_id,
        object_ref: mi.resource_id.clone(),
        principal_id: Some(mi.principal_id),
        tenant_id: mi.tenant_id,
        sign_in_audience: None,
        location: Some(mi.location.clone()),
        fics,
        can_write_fics,
    })
}
