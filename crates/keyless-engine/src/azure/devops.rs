//! The Azure DevOps half of the port: reading memberships and connections, and the small
//! conversions between Azure DevOps and Keyless terms.

use futures::future::{join_all, try_join_all};
use keyless_azure::{
    AzureError,
    devops::{DevOpsClient, EndpointFilter, GroupType, LicenseType, Pipeline, ServiceEndpoint},
};
use keyless_core::{
    Guid,
    names::OrgName,
    observed::{ObservedConnection, ObservedMembership, ObservedPipeline, ObservedProject},
    setup::{AccessLevel, ProjectGroup},
};

use crate::port::ConnectionInfo;

pub(super) fn license(access: AccessLevel) -> LicenseType {
    match access {
        AccessLevel::Stakeholder => LicenseType::Stakeholder,
        AccessLevel::Basic => LicenseType::Express,
        AccessLevel::BasicTestPlans => LicenseType::Advanced,
    }
}

pub(super) fn access_level(license: LicenseType) -> Option<AccessLevel> {
    match license {
        LicenseType::Stakeholder => Some(AccessLevel::Stakeholder),
        LicenseType::Express => Some(AccessLevel::Basic),
        LicenseType::Advanced => Some(AccessLevel::BasicTestPlans),
        _ => None,
    }
}

pub(super) fn group_type(group: &ProjectGroup) -> Option<GroupType> {
    match group {
        ProjectGroup::Readers => Some(GroupType::ProjectReader),
        ProjectGroup::Contributors => Some(GroupType::ProjectContributor),
        ProjectGroup::ProjectAdministrators => Some(GroupType::ProjectAdministrator),
        ProjectGroup::Custom(_) => None,
    }
}

pub(super) fn connection_info(endpoint: &ServiceEndpoint) -> ConnectionInfo {
    ConnectionInfo {
        id: endpoint.id.unwrap_or_default(),
        issuer: endpoint.federation_issuer().map(str::to_string),
        subject: endpoint.federation_subject().map(str::to_string),
        is_ready: endpoint.is_ready.unwrap_or(false),
        is_draft: endpoint.data.get("isDraft").and_then(|v| v.as_str()).is_some_and(|v| v.eq_ignore_ascii_case("true")),
        client_id: endpoint.parameter("serviceprincipalid").and_then(|v| v.parse().ok()),
    }
}

fn endpoint_filter() -> EndpointFilter {
    EndpointFilter { include_details: true, include_failed: true, ..EndpointFilter::default() }
}

/// Every connection of the organization visible through `projects`, once each. The projects'
/// lists are read side by side, then the pipeline permissions of the connections named in
/// `pipeline_access_of`.
pub(super) async fn connections(
    devops: &DevOpsClient,
    projects: &[ObservedProject],
    pipeline_access_of: &[String],
) -> Result<Vec<ObservedConnection>, AzureError> {
    let filter = endpoint_filter();
    let listed = try_join_all(projects.iter().map(|project| {
        let filter = &filter;
        async move { Ok::<_, AzureError>((project, devops.list_endpoints(&project.id.to_string(), filter).await?)) }
    }))
    .await?;
    describe_connections(devops, projects, listed, pipeline_access_of).await
}

/// One project's pipelines and connection list, read side by side.
struct ProjectContents {
    pipelines: Vec<Pipeline>,
    endpoints: Vec<ServiceEndpoint>,
}

async fn project_contents(devops: &DevOpsClient, project: &str) -> Result<ProjectContents, AzureError> {
    let filter = endpoint_filter();
    let (pipelines, endpoints) =
        futures::try_join!(devops.pipelines(project), devops.list_endpoints(project, &filter))?;
    Ok(ProjectContents { pipelines, endpoints })
}

/// The organization's projects with their pipelines, and its connections: the same answer as
/// listing the projects and then reading each, in fewer round trips. Azure DevOps accepts a
/// project's name where its id goes, so the projects in `likely_projects` are read by name
/// beside the project list; the listed projects not read that way (not named, or whose read by
/// name failed) are read by id after it.
pub(super) async fn projects_and_connections(
    devops: &DevOpsClient,
    likely_projects: &[String],
    pipeline_access_of: &[String],
) -> Result<(Vec<ObservedProject>, Vec<ObservedConnection>), AzureError> {
    let by_name =
        join_all(likely_projects.iter().map(|name| async move { (name, project_contents(devops, name).await) }));
    let (listed, by_name) = futures::join!(devops.projects(), by_name);
    let listed = listed?;
    let mut by_name: Vec<(&String, ProjectContents)> =
        by_name.into_iter().filter_map(|(name, read)| Some((name, read.ok()?))).collect();
    let mut early = Vec::with_capacity(listed.len());
    for project in &listed {
        let found = by_name.iter().position(|(name, _)| name.eq_ignore_ascii_case(&project.name));
        early.push(found.map(|i| by_name.swap_remove(i).1));
    }
    let contents = try_join_all(listed.iter().zip(early).map(|(project, early)| async move {
        match early {
            Some(contents) => Ok(contents),
            None => project_contents(devops, &project.id.to_string()).await,
        }
    }))
    .await?;
    let mut projects = Vec::with_capacity(listed.len());
    let mut endpoints = Vec::with_capacity(listed.len());
    for (project, contents) in listed.into_iter().zip(contents) {
        projects.push(ObservedProject {
            id: project.id,
            name: project.name,
            pipelines: contents.pipelines.into_iter().map(|p| ObservedPipeline { id: p.id, name: p.name }).collect(),
        });
        endpoints.push(contents.endpoints);
    }
    let listed = projects.iter().zip(endpoints).collect();
    let connections = describe_connections(devops, &projects, listed, pipeline_access_of).await?;
    Ok((projects, connections))
}

/// Turns each project's connection list into the organization's connections, once each (the
/// first listing project wins), with the pipeline permissions of those named in
/// `pipeline_access_of` read side by side.
async fn describe_connections(
    devops: &DevOpsClient,
    projects: &[ObservedProject],
    listed: Vec<(&ObservedProject, Vec<ServiceEndpoint>)>,
    pipeline_access_of: &[String],
) -> Result<Vec<ObservedConnection>, AzureError> {
    let mut found: std::collections::BTreeMap<Guid, (&ObservedProject, ServiceEndpoint)> = Default::default();
    for (project, endpoints) in listed {
        for endpoint in endpoints {
            let Some(id) = endpoint.id else { continue };
            found.entry(id).or_insert((project, endpoint));
        }
    }
    let read = found.into_iter().map(|(id, (project, endpoint))| async move {
        let wanted = pipeline_access_of.iter().any(|name| name.eq_ignore_ascii_case(&endpoint.name));
        let permissions = match endpoint.service_endpoint_project_references.first() {
            Some(owner) if wanted => {
                devops.pipeline_permissions(&owner.project_reference.id.to_string(), id).await.ok()
            }
            _ => None,
        };
        let info = connection_info(&endpoint);
        let project_names: Vec<String> = endpoint
            .service_endpoint_project_references
            .iter()
            .map(|r| {
                r.project_reference
                    .name
                    .clone()
                    .or_else(|| projects.iter().find(|p| p.id == r.project_reference.id).map(|p| p.name.clone()))
                    .unwrap_or_default()
            })
            .collect();
        ObservedConnection {
            id,
            name: endpoint.name.clone(),
            project: project_names.first().cloned().unwrap_or_else(|| project.name.clone()),
            projects: project_names,
            endpoint_type: endpoint.kind.clone(),
            scheme: endpoint.authorization.scheme.clone(),
            client_id: info.client_id,
            issuer: info.issuer,
            subject: info.subject,
            is_ready: info.is_ready,
            is_draft: info.is_draft,
            all_pipelines: permissions.as_ref().is_some_and(|p| p.all_pipelines_authorized()),
            authorized_pipelines: permissions
                .map(|p| p.pipelines.iter().filter(|x| x.authorized).map(|x| x.id).collect())
                .unwrap_or_default(),
        }
    });
    Ok(join_all(read).await)
}

/// The identity's entitlement and project groups in the organization, if it is a member.
pub(super) async fn find_membership(
    devops: &DevOpsClient,
    principal_id: Guid,
    projects: &[ObservedProject],
) -> Result<Option<ObservedMembership>, AzureError> {
    let known = devops.graph_service_principals().await?;
    let Some(member) = known.into_iter().find(|p| p.origin_id == Some(principal_id)) else { return Ok(None) };
    let storage_key = devops.storage_key(&member.descriptor).await?;
    let Some(entitlement) = devops.service_principal_entitlement(storage_key).await? else { return Ok(None) };
    let containers = devops.groups_of(&member.descriptor).await?;
    let mut project_groups = std::collections::BTreeMap::new();
    if !containers.is_empty() {
        let read =
            try_join_all(projects.iter().map(|project| async move {
                Ok::<_, AzureError>((project, devops.project_groups(project.id).await?))
            }))
            .await?;
        for (project, groups) in read {
            let names: Vec<String> = groups
                .into_iter()
                .filter(|g| containers.contains(&g.descriptor))
                .filter_map(|g| g.display_name)
                .collect();
            if !names.is_empty() {
                project_groups.insert(project.name.clone(), names);
            }
        }
    }
    Ok(Some(ObservedMembership {
        entitlement_id: entitlement.id,
        access_level: entitlement.access_level.and_then(|a| access_level(a.account_license_type)),
        project_groups,
    }))
}

/// Reads a connection by id at the organization level (any project that shares it).
pub(super) async fn org_endpoint(devops: &DevOpsClient, id: Guid) -> Result<Option<ServiceEndpoint>, AzureError> {
    for project in devops.projects().await? {
        if let Some(found) = devops.endpoint_by_id(&project.id.to_string(), id).await?
            && found.id == Some(id)
        {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

pub(super) fn missing_connection(org: &OrgName, id: Guid) -> AzureError {
    keyless_core::InputError::new(
        "service connection",
        format!("connection {id} was not found in {org}"),
        "it may have been deleted; apply the setup again to create it again",
    )
    .into()
}

/// Custom project groups are not entitlement group types: join them through Azure DevOps Graph.
pub(super) async fn add_custom_groups(
    devops: &DevOpsClient,
    member: Option<&str>,
    groups: &[(Guid, ProjectGroup)],
) -> Result<(), AzureError> {
    for (project, group) in groups {
        let ProjectGroup::Custom(name) = group else { continue };
        let member = member.ok_or_else(|| {
            keyless_core::InputError::new(
                "project group",
                "the identity has no Azure DevOps descriptor yet",
                "apply the setup again in a minute: the run resumes where it stopped",
            )
        })?;
        let found = devops
            .project_groups(*project)
            .await?
            .into_iter()
            .find(|g| g.display_name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(name)));
        let group = found.ok_or_else(|| {
            keyless_core::InputError::new(
                "project group",
                format!("the project has no group named '{name}'"),
                "check the group name under Project settings > Permissions",
            )
        })?;
        if !devops.is_member(member, &group.descriptor).await? {
            devops.add_membership(member, &group.descriptor).await?;
        }
    }
    Ok(())
}
