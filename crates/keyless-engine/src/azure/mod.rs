//! [`AzurePort`] over the `keyless-azure` clients: the engine's only way to Azure.

use keyless_azure::{
    AzureClient, AzureError, ErrorCode,
    arm::{ArmScope, RoleAssignmentOutcome},
    devops::{
        EndpointProjectReference, EntitlementPatch, ProjectEntitlement, ProjectReference,
        wif_connections::{AzureRmTarget, WifConnection, azure_devops_connection, azurerm_connection},
    },
    graph::{AppRef, NewApplication, NewFederatedCredential},
};
use keyless_core::{
    Guid,
    names::OrgName,
    observed::{
        ObservedConnection, ObservedFic, ObservedMembership, ObservedPipeline, ObservedProject, ObservedRoleAssignment,
    },
    setup::{AccessLevel, AzureScope, ConnectionKind, ProjectGroup},
};

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use keyless_azure::devops::DevOpsClient;

use crate::port::*;

mod devops;
mod migration;
use devops::{add_custom_groups, connection_info, group_type, license, missing_connection, org_endpoint};

/// The signed-in admin's view of Azure.
#[derive(Debug, Clone)]
pub struct AzureClients {
    client: AzureClient,
    tenant: Guid,
    user_id: Option<Guid>,
    /// One gate per organization around its client: reads of one organization that start
    /// side by side share one discovery of its tenant instead of each making its own.
    discovery_gates: Arc<Mutex<HashMap<OrgName, Arc<tokio::sync::Mutex<()>>>>>,
}

impl AzureClients {
    /// `tenant` is where identities live and are created (the signed-in tenant).
    pub fn new(client: AzureClient, tenant: Guid, user_id: Option<Guid>) -> Self {
        AzureClients { client, tenant, user_id, discovery_gates: Arc::default() }
    }

    /// The organization's Azure DevOps client. The first use discovers the organization's
    /// tenant (one request); uses that start while it is under way wait for it and reuse it.
    async fn devops(&self, org: &OrgName) -> Result<DevOpsClient, AzureError> {
        let gate = self.discovery_gates.lock().ok().map(|mut gates| gates.entry(org.clone()).or_default().clone());
        // A poisoned map only costs the sharing, not the answer.
        let Some(gate) = gate else { return self.client.devops(org).await };
        let _turn = gate.lock().await;
        self.client.devops(org).await
    }

    fn graph(&self) -> keyless_azure::graph::GraphClient {
        self.client.graph(Some(self.tenant))
    }

    fn arm(&self) -> keyless_azure::arm::ArmClient {
        self.client.arm(Some(self.tenant))
    }
}

/// Splits a managed identity resource id into (subscription, resource group, name).
fn identity_parts(resource_id: &str) -> Result<(Guid, String, String), AzureError> {
    let parts: Vec<&str> = resource_id.split('/').collect();
    let after = |key: &str| {
        parts.iter().position(|p| p.eq_ignore_ascii_case(key)).and_then(|i| parts.get(i + 1)).map(|s| (*s).to_string())
    };
    match (after("subscriptions"), after("resourceGroups"), after("userAssignedIdentities")) {
        (Some(sub), Some(rg), Some(name)) => Ok((Guid::parse_input("managed identity resource id", &sub)?, rg, name)),
        _ => Err(keyless_core::InputError::new(
            "managed identity",
            format!("'{resource_id}' is not a managed identity resource id"),
            "use /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>",
        )
        .into()),
    }
}

fn mi_info(mi: keyless_azure::arm::ManagedIdentity) -> ManagedIdentityInfo {
    ManagedIdentityInfo {
        resource_id: mi.id,
        name: mi.name,
        client_id: mi.properties.client_id,
        principal_id: mi.properties.principal_id,
        tenant_id: mi.properties.tenant_id,
        location: mi.location,
    }
}

fn arm_scope(scope: &str) -> Result<ArmScope, AzureError> {
    Ok(ArmScope::parse(scope)?)
}

impl AzurePort for AzureClients {
    fn cloud(&self) -> &keyless_core::CloudProfile {
        self.client.cloud()
    }

    async fn signed_in_tenant(&self) -> Result<(Guid, bool), AzureError> {
        // Whether app registration is allowed is learned from the create call itself (403 with
        // a help line); reading tenant policy needs rights many admins do not have.
        Ok((self.tenant, true))
    }

    async fn find_app(&self, display_name: Option<&str>, app_id: Option<Guid>) -> Result<Option<AppInfo>, AzureError> {
        let graph = self.graph();
        let found = match (app_id, display_name) {
            (Some(id), _) => graph.application_by_app_id(id).await?,
            (None, Some(name)) => graph.applications_by_display_name(name).await?.into_iter().next(),
            (None, None) => None,
        };
        Ok(found.map(|a| AppInfo {
            object_id: a.id,
            app_id: a.app_id,
            display_name: a.display_name.unwrap_or_default(),
            sign_in_audience: a.sign_in_audience.unwrap_or_else(|| "AzureADMyOrg".into()),
        }))
    }

    async fn create_app(&self, display_name: &str) -> Result<AppInfo, AzureError> {
        let mut app = NewApplication::single_tenant(display_name);
        app.notes = Some("Created by Keyless for Azure DevOps workload identity federation; holds no secrets.".into());
        let a = self.graph().create_application(&app).await?;
        Ok(AppInfo {
            object_id: a.id,
            app_id: a.app_id,
            display_name: display_name.into(),
            sign_in_audience: "AzureADMyOrg".into(),
        })
    }

    async fn delete_app(&self, object_id: Guid) -> Result<(), AzureError> {
        self.graph().delete_application(object_id).await
    }

    async fn can_write_app(&self, object_id: Guid) -> Result<bool, AzureError> {
        let owners = self.graph().application_owners(object_id).await?;
        // Admin roles also allow the write; without a way to read them cheaply, an app the
        // user does not own is treated as someone else's (hand-off), which is the safe side.
        Ok(self.user_id.is_none_or(|me| owners.contains(&me)))
    }

    async fn find_service_principal(&self, app_id: Guid) -> Result<Option<Guid>, AzureError> {
        Ok(self.graph().service_principal_by_app_id(app_id).await?.map(|sp| sp.id))
    }

    async fn create_service_principal(&self, app_id: Guid) -> Result<Guid, AzureError> {
        Ok(self.graph().create_service_principal(app_id).await?.id)
    }

    async fn delete_service_principal(&self, object_id: Guid) -> Result<(), AzureError> {
        self.graph().delete_service_principal(object_id).await
    }

    async fn list_app_fics(&self, object_id: Guid) -> Result<Vec<ObservedFic>, AzureError> {
        let fics = self.graph().list_app_fics(AppRef::ObjectId(object_id)).await?;
        Ok(fics
            .into_iter()
            .map(|f| ObservedFic { name: f.name, issuer: f.issuer, subject: f.subject, audiences: f.audiences })
            .collect())
    }

    async fn put_app_fic(&self, object_id: Guid, fic: &ObservedFic) -> Result<WriteResult, AzureError> {
        let mut new = NewFederatedCredential::for_devops(&fic.name, &fic.issuer, &fic.subject);
        new.description = Some("Azure DevOps service connection, written by Keyless".into());
        match self.graph().upsert_app_fic(AppRef::ObjectId(object_id), &new).await? {
            keyless_azure::graph::UpsertOutcome::Created(_) => Ok(WriteResult::Created),
            keyless_azure::graph::UpsertOutcome::Updated => Ok(WriteResult::AlreadyExisted),
        }
    }

    async fn delete_app_fic(&self, object_id: Guid, name: &str) -> Result<(), AzureError> {
        self.graph().delete_app_fic(AppRef::ObjectId(object_id), name).await
    }

    async fn find_managed_identity(&self, resource_id: &str) -> Result<Option<ManagedIdentityInfo>, AzureError> {
        let (sub, rg, name) = identity_parts(resource_id)?;
        match self.arm().managed_identity(sub, &rg, &name).await {
            Ok(found) => Ok(found.map(mi_info)),
            // A resource group that does not exist yet holds no identity.
            Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn find_managed_identity_by_client_id(
        &self,
        client_id: Guid,
    ) -> Result<Option<ManagedIdentityInfo>, AzureError> {
        let arm = self.arm();
        for subscription in arm.subscriptions().await? {
            let found = arm.list_managed_identities(subscription.subscription_id, None).await?;
            if let Some(mi) = found.into_iter().find(|m| m.properties.client_id == client_id) {
                return Ok(Some(mi_info(mi)));
            }
        }
        Ok(None)
    }

    async fn put_managed_identity(
        &self,
        subscription: Guid,
        resource_group: &str,
        name: &str,
        location: &str,
    ) -> Result<ManagedIdentityInfo, AzureError> {
        let tags = [("created-by".to_string(), "keyless".to_string())].into_iter().collect();
        Ok(mi_info(
            self.arm().create_managed_identity(subscription, resource_group, name, location, &tags).await?.resource,
        ))
    }

    async fn delete_managed_identity(&self, resource_id: &str) -> Result<(), AzureError> {
        let (sub, rg, name) = identity_parts(resource_id)?;
        self.arm().delete_managed_identity(sub, &rg, &name).await
    }

    async fn list_mi_fics(&self, resource_id: &str) -> Result<Vec<ObservedFic>, AzureError> {
        let (sub, rg, name) = identity_parts(resource_id)?;
        let fics = self.arm().list_managed_identity_fics(sub, &rg, &name).await?;
        Ok(fics
            .into_iter()
            .map(|f| ObservedFic {
                name: f.name,
                issuer: f.properties.issuer,
                subject: f.properties.subject,
                audiences: f.properties.audiences,
            })
            .collect())
    }

    async fn put_mi_fic(&self, resource_id: &str, fic: &ObservedFic) -> Result<WriteResult, AzureError> {
        let (sub, rg, name) = identity_parts(resource_id)?;
        let put = self.arm().put_managed_identity_fic(sub, &rg, &name, &fic.name, &fic.issuer, &fic.subject).await?;
        Ok(if put.created { WriteResult::Created } else { WriteResult::AlreadyExisted })
    }

    async fn delete_mi_fic(&self, resource_id: &str, name: &str) -> Result<(), AzureError> {
        let (sub, rg, identity) = identity_parts(resource_id)?;
        self.arm().delete_managed_identity_fic(sub, &rg, &identity, name).await
    }

    async fn can_write_managed_identity(&self, _resource_id: &str) -> Result<bool, AzureError> {
        // ARM reports missing write access on the write itself (403 AuthorizationFailed).
        Ok(true)
    }

    async fn subscription_name(&self, subscription: Guid) -> Result<Option<String>, AzureError> {
        Ok(self
            .arm()
            .subscriptions()
            .await?
            .into_iter()
            .find(|s| s.subscription_id == subscription)
            .map(|s| s.display_name))
    }

    async fn list_role_assignments(
        &self,
        scope: &str,
        principal_id: Guid,
    ) -> Result<Vec<ObservedRoleAssignment>, AzureError> {
        let found = self.arm().role_assignments_for(&arm_scope(scope)?, principal_id).await?;
        Ok(found
            .into_iter()
            .filter_map(|r| {
                Some(ObservedRoleAssignment {
                    name: r.name.parse().ok()?,
                    scope: r.properties.scope.clone().unwrap_or_else(|| scope.to_string()),
                    principal_id: r.properties.principal_id,
                    role_definition_id: r.role()?,
                })
            })
            .collect())
    }

    async fn put_role_assignment(
        &self,
        scope: &str,
        _name: Guid,
        role_definition_id: Guid,
        principal_id: Guid,
    ) -> Result<WriteResult, AzureError> {
        match self.arm().assign_role(&arm_scope(scope)?, role_definition_id, principal_id).await? {
            RoleAssignmentOutcome::Created(_) => Ok(WriteResult::Created),
            RoleAssignmentOutcome::AlreadyExists => Ok(WriteResult::AlreadyExisted),
        }
    }

    async fn delete_role_assignment(&self, id: &str) -> Result<(), AzureError> {
        self.arm().delete_role_assignment(id).await
    }

    async fn organization(&self, org: &OrgName) -> Result<OrganizationInfo, AzureError> {
        let devops = self.devops(org).await?;
        let data = devops.connection_data().await?;
        Ok(OrganizationInfo {
            id: data.instance_id,
            tenant_id: data.resource_tenant.or(devops.tenant()).unwrap_or_default(),
        })
    }

    async fn projects(&self, org: &OrgName) -> Result<Vec<ObservedProject>, AzureError> {
        let devops = self.devops(org).await?;
        // Each project's pipelines are read side by side: they depend only on the project list.
        let devops = &devops;
        futures::future::try_join_all(devops.projects().await?.into_iter().map(|project| async move {
            let pipelines = devops.pipelines(&project.id.to_string()).await?;
            Ok::<_, AzureError>(ObservedProject {
                id: project.id,
                name: project.name,
                pipelines: pipelines.into_iter().map(|p| ObservedPipeline { id: p.id, name: p.name }).collect(),
            })
        }))
        .await
    }

    async fn projects_and_connections(
        &self,
        org: &OrgName,
        likely_projects: &[String],
        pipeline_access_of: &[String],
    ) -> Result<(Vec<ObservedProject>, Vec<ObservedConnection>), AzureError> {
        devops::projects_and_connections(&self.devops(org).await?, likely_projects, pipeline_access_of).await
    }

    async fn find_membership(
        &self,
        org: &OrgName,
        principal_id: Guid,
        projects: &[ObservedProject],
    ) -> Result<Option<ObservedMembership>, AzureError> {
        devops::find_membership(&self.devops(org).await?, principal_id, projects).await
    }

    async fn add_membership(
        &self,
        org: &OrgName,
        principal_id: Guid,
        access: AccessLevel,
        groups: &[(Guid, ProjectGroup)],
    ) -> Result<AddedMembership, AzureError> {
        let devops = self.devops(org).await?;
        let standard: Vec<ProjectEntitlement> = groups
            .iter()
            .filter_map(|(project, g)| Some(ProjectEntitlement { project: *project, group: group_type(g)? }))
            .collect();
        let entitlement = devops.add_service_principal(principal_id, license(access), &standard).await?;
        add_custom_groups(&devops, entitlement.service_principal.descriptor.as_deref(), groups).await?;
        Ok(AddedMembership { entitlement_id: entitlement.id, date_created: entitlement.date_created })
    }

    async fn membership_created(&self, org: &OrgName, entitlement_id: Guid) -> Result<Option<String>, AzureError> {
        let devops = self.devops(org).await?;
        Ok(devops.service_principal_entitlement(entitlement_id).await?.and_then(|e| e.date_created))
    }

    async fn add_membership_groups(
        &self,
        org: &OrgName,
        entitlement_id: Guid,
        principal_id: Guid,
        groups: &[(Guid, ProjectGroup)],
    ) -> Result<(), AzureError> {
        let devops = self.devops(org).await?;
        let operations: Vec<EntitlementPatch> = groups
            .iter()
            .filter_map(|(project, g)| {
                Some(EntitlementPatch::AddProject(ProjectEntitlement { project: *project, group: group_type(g)? }))
            })
            .collect();
        if !operations.is_empty() {
            devops.patch_service_principal(entitlement_id, &operations).await?;
        }
        if groups.iter().any(|(_, g)| matches!(g, ProjectGroup::Custom(_))) {
            let descriptor = devops
                .graph_service_principals()
                .await?
                .into_iter()
                .find(|p| p.origin_id == Some(principal_id))
                .map(|p| p.descriptor);
            add_custom_groups(&devops, descriptor.as_deref(), groups).await?;
        }
        Ok(())
    }

    async fn update_membership(
        &self,
        org: &OrgName,
        entitlement_id: Guid,
        principal_id: Guid,
        access: AccessLevel,
        groups: &[(Guid, ProjectGroup)],
    ) -> Result<(), AzureError> {
        let devops = self.devops(org).await?;
        let mut operations = vec![EntitlementPatch::SetAccessLevel(license(access))];
        operations.extend(groups.iter().filter_map(|(project, g)| {
            Some(EntitlementPatch::AddProject(ProjectEntitlement { project: *project, group: group_type(g)? }))
        }));
        devops.patch_service_principal(entitlement_id, &operations).await?;
        let descriptor = devops
            .graph_service_principals()
            .await?
            .into_iter()
            .find(|p| p.origin_id == Some(principal_id))
            .map(|p| p.descriptor);
        add_custom_groups(&devops, descriptor.as_deref(), groups).await
    }

    async fn delete_membership(&self, org: &OrgName, entitlement_id: Guid) -> Result<(), AzureError> {
        self.devops(org).await?.remove_service_principal(entitlement_id).await
    }

    async fn connections(
        &self,
        org: &OrgName,
        projects: &[ObservedProject],
        pipeline_access_of: &[String],
    ) -> Result<Vec<ObservedConnection>, AzureError> {
        devops::connections(&self.devops(org).await?, projects, pipeline_access_of).await
    }

    async fn create_connection(&self, org: &OrgName, new: &NewConnection<'_>) -> Result<ConnectionInfo, AzureError> {
        let devops = self.devops(org).await?;
        let common = WifConnection {
            name: &new.spec.name,
            description: &new.spec.description,
            project_id: new.project_id,
            project_name: &new.spec.project,
            client_id: new.client_id,
            tenant_id: new.tenant_id,
            draft: new.draft,
        };
        let body = match &new.spec.kind {
            ConnectionKind::AzureRm { scope, .. } => {
                let subscription_name = new.subscription_name.clone().unwrap_or_default();
                let target = match scope {
                    AzureScope::Subscription { subscription } => {
                        AzureRmTarget::Subscription { id: *subscription, name: subscription_name }
                    }
                    AzureScope::ResourceGroup { subscription, resource_group } => AzureRmTarget::ResourceGroup {
                        subscription: *subscription,
                        subscription_name,
                        resource_group: resource_group.clone(),
                    },
                    AzureScope::ManagementGroup { management_group } => {
                        AzureRmTarget::ManagementGroup { id: management_group.clone() }
                    }
                };
                azurerm_connection(self.client.cloud(), &common, &target)
            }
            ConnectionKind::AzureDevops { target_organization } => {
                azure_devops_connection(self.client.cloud(), &common, org, target_organization.as_ref().unwrap_or(org))
            }
        };
        Ok(connection_info(&devops.create_endpoint(&body).await?))
    }

    async fn get_connection(&self, org: &OrgName, id: Guid) -> Result<Option<ConnectionInfo>, AzureError> {
        let devops = self.devops(org).await?;
        Ok(org_endpoint(&devops, id).await?.as_ref().map(connection_info))
    }

    async fn finish_draft(&self, org: &OrgName, id: Guid) -> Result<ConnectionInfo, AzureError> {
        let devops = self.devops(org).await?;
        let draft = org_endpoint(&devops, id).await?.ok_or_else(|| missing_connection(org, id))?;
        Ok(connection_info(&devops.finish_draft(&draft).await?))
    }

    async fn share_connection(
        &self,
        org: &OrgName,
        id: Guid,
        name: &str,
        projects: &[(Guid, String)],
    ) -> Result<(), AzureError> {
        let refs: Vec<EndpointProjectReference> = projects
            .iter()
            .map(|(pid, pname)| EndpointProjectReference {
                project_reference: ProjectReference { id: *pid, name: Some(pname.clone()) },
                name: name.to_string(),
                description: Some(String::new()),
            })
            .collect();
        self.devops(org).await?.share_endpoint(id, &refs).await
    }

    async fn delete_connection(&self, org: &OrgName, id: Guid, project_ids: &[Guid]) -> Result<(), AzureError> {
        self.devops(org).await?.delete_endpoint(id, project_ids, false).await
    }

    async fn authorize_pipelines(
        &self,
        org: &OrgName,
        project_id: Guid,
        connection_id: Guid,
        pipeline_ids: &[u64],
        all: bool,
    ) -> Result<(), AzureError> {
        let devops = self.devops(org).await?;
        let pipelines: Vec<keyless_azure::devops::PipelinePermission> = pipeline_ids
            .iter()
            .map(|id| keyless_azure::devops::PipelinePermission { id: *id, authorized: true })
            .collect();
        devops
            .set_pipeline_permissions(&project_id.to_string(), connection_id, all.then_some(true), &pipelines)
            .await
            .map(|_| ())
    }

    async fn test_connection(
        &self,
        org: &OrgName,
        project_id: Guid,
        connection_id: Guid,
    ) -> Result<TestResult, AzureError> {
        let devops = self.devops(org).await?;
        let endpoint = devops
            .endpoint_by_id(&project_id.to_string(), connection_id)
            .await?
            .ok_or_else(|| missing_connection(org, connection_id))?;
        let result = devops.test_connection(&project_id.to_string(), &endpoint).await?;
        Ok(if result.is_ok() {
            TestResult::Ok
        } else {
            TestResult::Failed { message: result.error_message.unwrap_or_else(|| result.status_code.clone()) }
        })
    }
}
