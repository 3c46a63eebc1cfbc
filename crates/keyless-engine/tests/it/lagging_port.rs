//! A port whose reads of service principals lag behind writes for a set number of calls, as
//! Graph's can right after a create: how tests reach the engine's "already in use" path.

use std::sync::atomic::{AtomicUsize, Ordering};

use keyless_azure::AzureError;
use keyless_core::{
    Guid,
    names::OrgName,
    observed::{ObservedConnection, ObservedFic, ObservedMembership, ObservedProject, ObservedRoleAssignment},
    setup::{AccessLevel, ProjectGroup},
};
use keyless_engine::{azure::AzureClients, port::*};

pub struct LaggingPrincipalReads<'a> {
    pub inner: &'a AzureClients,
    /// The next this many service principal reads find nothing.
    pub hidden_reads: AtomicUsize,
}

impl AzurePort for LaggingPrincipalReads<'_> {
    fn cloud(&self) -> &keyless_core::CloudProfile {
        self.inner.cloud()
    }

    async fn find_service_principal(&self, app_id: Guid) -> Result<Option<Guid>, AzureError> {
        let hide = self.hidden_reads.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok();
        if hide { Ok(None) } else { self.inner.find_service_principal(app_id).await }
    }

    async fn signed_in_tenant(&self) -> Result<(Guid, bool), AzureError> {
        self.inner.signed_in_tenant().await
    }

    async fn find_app(&self, display_name: Option<&str>, app_id: Option<Guid>) -> Result<Option<AppInfo>, AzureError> {
        self.inner.find_app(display_name, app_id).await
    }

    async fn create_app(&self, display_name: &str) -> Result<AppInfo, AzureError> {
        self.inner.create_app(display_name).await
    }

    async fn delete_app(&self, object_id: Guid) -> Result<(), AzureError> {
        self.inner.delete_app(object_id).await
    }

    async fn can_write_app(&self, object_id: Guid) -> Result<bool, AzureError> {
        self.inner.can_write_app(object_id).await
    }

    async fn create_service_principal(&self, app_id: Guid) -> Result<Guid, AzureError> {
        self.inner.create_service_principal(app_id).await
    }

    async fn delete_service_principal(&self, object_id: Guid) -> Result<(), AzureError> {
        self.inner.delete_service_principal(object_id).await
    }

    async fn list_app_fics(&self, object_id: Guid) -> Result<Vec<ObservedFic>, AzureError> {
        self.inner.list_app_fics(object_id).await
    }

    async fn put_app_fic(&self, object_id: Guid, fic: &ObservedFic) -> Result<WriteResult, AzureError> {
        self.inner.put_app_fic(object_id, fic).await
    }

    async fn delete_app_fic(&self, object_id: Guid, name: &str) -> Result<(), AzureError> {
        self.inner.delete_app_fic(object_id, name).await
    }

    async fn find_managed_identity(&self, resource_id: &str) -> Result<Option<ManagedIdentityInfo>, AzureError> {
        self.inner.find_managed_identity(resource_id).await
    }

    async fn find_managed_identity_by_client_id(
        &self,
        client_id: Guid,
    ) -> Result<Option<ManagedIdentityInfo>, AzureError> {
        self.inner.find_managed_identity_by_client_id(client_id).await
    }

    async fn put_managed_identity(
        &self,
        subscription: Guid,
        resource_group: &str,
        name: &str,
        location: &str,
    ) -> Result<ManagedIdentityInfo, AzureError> {
        self.inner.put_managed_identity(subscription, resource_group, name, location).await
    }

    async fn delete_managed_identity(&self, resource_id: &str) -> Result<(), AzureError> {
        self.inner.delete_managed_identity(resource_id).await
    }

    async fn list_mi_fics(&self, resource_id: &str) -> Result<Vec<ObservedFic>, AzureError> {
        self.inner.list_mi_fics(resource_id).await
    }

    async fn put_mi_fic(&self, resource_id: &str, fic: &ObservedFic) -> Result<WriteResult, AzureError> {
        self.inner.put_mi_fic(resource_id, fic).await
    }

    async fn delete_mi_fic(&self, resource_id: &str, name: &str) -> Result<(), AzureError> {
        self.inner.delete_mi_fic(resource_id, name).await
    }

    async fn can_write_managed_identity(&self, resource_id: &str) -> Result<bool, AzureError> {
        self.inner.can_write_managed_identity(resource_id).await
    }

    async fn subscription_name(&self, subscription: Guid) -> Result<Option<String>, AzureError> {
        self.inner.subscription_name(subscription).await
    }

    async fn list_role_assignments(
        &self,
        scope: &str,
        principal_id: Guid,
    ) -> Result<Vec<ObservedRoleAssignment>, AzureError> {
        self.inner.list_role_assignments(scope, principal_id).await
    }

    async fn put_role_assignment(
        &self,
        scope: &str,
        name: Guid,
        role_definition_id: Guid,
        principal_id: Guid,
    ) -> Result<WriteResult, AzureError> {
        self.inner.put_role_assignment(scope, name, role_definition_id, principal_id).await
    }

    async fn delete_role_assignment(&self, id: &str) -> Result<(), AzureError> {
        self.inner.delete_role_assignment(id).await
    }

    async fn organization(&self, org: &OrgName) -> Result<OrganizationInfo, AzureError> {
        self.inner.organization(org).await
    }

    async fn projects(&self, org: &OrgName) -> Result<Vec<ObservedProject>, AzureError> {
        self.inner.projects(org).await
    }

    async fn find_membership(
        &self,
        org: &OrgName,
        principal_id: Guid,
        projects: &[ObservedProject],
    ) -> Result<Option<ObservedMembership>, AzureError> {
        self.inner.find_membership(org, principal_id, projects).await
    }

    async fn add_membership(
        &self,
        org: &OrgName,
        principal_id: Guid,
        access: AccessLevel,
        groups: &[(Guid, ProjectGroup)],
    ) -> Result<AddedMembership, AzureError> {
        self.inner.add_membership(org, principal_id, access, groups).await
    }

    async fn membership_created(&self, org: &OrgName, entitlement_id: Guid) -> Result<Option<String>, AzureError> {
        self.inner.membership_created(org, entitlement_id).await
    }

    async fn add_membership_groups(
        &self,
        org: &OrgName,
        entitlement_id: Guid,
        principal_id: Guid,
        groups: &[(Guid, ProjectGroup)],
    ) -> Result<(), AzureError> {
        self.inner.add_membership_groups(org, entitlement_id, principal_id, groups).await
    }

    async fn update_membership(
        &self,
        org: &OrgName,
        entitlement_id: Guid,
        principal_id: Guid,
        access: AccessLevel,
        groups: &[(Guid, ProjectGroup)],
    ) -> Result<(), AzureError> {
        self.inner.update_membership(org, entitlement_id, principal_id, access, groups).await
    }

    async fn delete_membership(&self, org: &OrgName, entitlement_id: Guid) -> Result<(), AzureError> {
        self.inner.delete_membership(org, entitlement_id).await
    }

    async fn connections(
        &self,
        org: &OrgName,
        projects: &[ObservedProject],
        pipeline_access_of: &[String],
    ) -> Result<Vec<ObservedConnection>, AzureError> {
        self.inner.connections(org, projects, pipeline_access_of).await
    }

    async fn create_connection(&self, org: &OrgName, new: &NewConnection<'_>) -> Result<ConnectionInfo, AzureError> {
        self.inner.create_connection(org, new).await
    }

    async fn get_connection(&self, org: &OrgName, id: Guid) -> Result<Option<ConnectionInfo>, AzureError> {
        self.inner.get_connection(org, id).await
    }

    async fn finish_draft(&self, org: &OrgName, id: Guid) -> Result<ConnectionInfo, AzureError> {
        self.inner.finish_draft(org, id).await
    }

    async fn share_connection(
        &self,
        org: &OrgName,
        id: Guid,
        name: &str,
        projects: &[(Guid, String)],
    ) -> Result<(), AzureError> {
        self.inner.share_connection(org, id, name, projects).await
    }

    async fn delete_connection(&self, org: &OrgName, id: Guid, project_ids: &[Guid]) -> Result<(), AzureError> {
        self.inner.delete_connection(org, id, project_ids).await
    }

    async fn authorize_pipelines(
        &self,
        org: &OrgName,
        project_id: Guid,
        connection_id: Guid,
        pipeline_ids: &[u64],
        all: bool,
    ) -> Result<(), AzureError> {
        self.inner.authorize_pipelines(org, project_id, connection_id, pipeline_ids, all).await
    }

    async fn test_connection(
        &self,
        org: &OrgName,
        project_id: Guid,
        connection_id: Guid,
    ) -> Result<TestResult, AzureError> {
        self.inner.test_connection(org, project_id, connection_id).await
    }
}
