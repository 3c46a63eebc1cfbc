//! The Azure operations the engine needs, as one trait. The real implementation
//! ([`crate::azure::AzureClients`]) forwards to the `keyless-azure` clients; keeping the seam
//! narrow documents exactly which calls a run makes.

use std::sync::Arc;

use keyless_azure::{AzureError, devops::ServiceEndpoint};
use keyless_core::{
    Guid,
    names::OrgName,
    observed::{ObservedConnection, ObservedFic, ObservedMembership, ObservedProject, ObservedRoleAssignment},
    setup::{AccessLevel, ConnectionSpec, ProjectGroup},
};

#[derive(Debug, Clone, PartialEq)]
pub struct AppInfo {
    pub object_id: Guid,
    pub app_id: Guid,
    pub display_name: String,
    pub sign_in_audience: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ManagedIdentityInfo {
    pub resource_id: String,
    pub name: String,
    pub client_id: Guid,
    pub principal_id: Guid,
    pub tenant_id: Guid,
    pub location: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OrganizationInfo {
    pub id: Guid,
    pub tenant_id: Guid,
}

/// A connection as created or read: the id and the federation values Azure DevOps assigned.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectionInfo {
    pub id: Guid,
    pub issuer: Option<String>,
    pub subject: Option<String>,
    pub is_ready: bool,
    pub is_draft: bool,
    pub client_id: Option<Guid>,
}

/// Whether a write made something new or found it already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteResult {
    Created,
    AlreadyExisted,
}

/// Result of TestConnection: `Ok` or the service's explanation.
#[derive(Debug, Clone, PartialEq)]
pub enum TestResult {
    Ok,
    Failed { message: String },
}

/// What adding a member answered. The add is an upsert: `date_created` (RFC 3339, as Azure
/// DevOps wrote it) tells a new member from one that was already there.
#[derive(Debug, Clone, PartialEq)]
pub struct AddedMembership {
    pub entitlement_id: Guid,
    pub date_created: Option<String>,
}

/// What a new service connection needs besides its spec.
#[derive(Debug, Clone, PartialEq)]
pub struct NewConnection<'a> {
    pub spec: &'a ConnectionSpec,
    pub project_id: Guid,
    pub client_id: Guid,
    pub tenant_id: Guid,
    pub subscription_name: Option<String>,
    pub draft: bool,
}

#[allow(async_fn_in_trait)]
pub trait AzurePort: Send + Sync {
    /// The cloud these operations reach; snippets handed to people name its hosts.
    fn cloud(&self) -> &keyless_core::CloudProfile;

    /// The signed-in user's tenant and whether they may register applications.
    async fn signed_in_tenant(&self) -> Result<(Guid, bool), AzureError>;

    async fn find_app(&self, display_name: Option<&str>, app_id: Option<Guid>) -> Result<Option<AppInfo>, AzureError>;
    async fn create_app(&self, display_name: &str) -> Result<AppInfo, AzureError>;
    async fn delete_app(&self, object_id: Guid) -> Result<(), AzureError>;
    /// Whether the signed-in user can write the app's federated credentials.
    async fn can_write_app(&self, object_id: Guid) -> Result<bool, AzureError>;
    async fn find_service_principal(&self, app_id: Guid) -> Result<Option<Guid>, AzureError>;
    async fn create_service_principal(&self, app_id: Guid) -> Result<Guid, AzureError>;
    async fn delete_service_principal(&self, object_id: Guid) -> Result<(), AzureError>;
    async fn list_app_fics(&self, object_id: Guid) -> Result<Vec<ObservedFic>, AzureError>;
    async fn put_app_fic(&self, object_id: Guid, fic: &ObservedFic) -> Result<WriteResult, AzureError>;
    async fn delete_app_fic(&self, object_id: Guid, name: &str) -> Result<(), AzureError>;

    async fn find_managed_identity(&self, resource_id: &str) -> Result<Option<ManagedIdentityInfo>, AzureError>;
    /// Finds a managed identity by client id across the subscriptions the user can see.
    async fn find_managed_identity_by_client_id(
        &self,
        client_id: Guid,
    ) -> Result<Option<ManagedIdentityInfo>, AzureError>;
    async fn put_managed_identity(
        &self,
        subscription: Guid,
        resource_group: &str,
        name: &str,
        location: &str,
    ) -> Result<ManagedIdentityInfo, AzureError>;
    async fn delete_managed_identity(&self, resource_id: &str) -> Result<(), AzureError>;
    async fn list_mi_fics(&self, resource_id: &str) -> Result<Vec<ObservedFic>, AzureError>;
    async fn put_mi_fic(&self, resource_id: &str, fic: &ObservedFic) -> Result<WriteResult, AzureError>;
    async fn delete_mi_fic(&self, resource_id: &str, name: &str) -> Result<(), AzureError>;
    async fn can_write_managed_identity(&self, resource_id: &str) -> Result<bool, AzureError>;
    async fn subscription_name(&self, subscription: Guid) -> Result<Option<String>, AzureError>;

    async fn list_role_assignments(
        &self,
        scope: &str,
        principal_id: Guid,
    ) -> Result<Vec<ObservedRoleAssignment>, AzureError>;
    /// PUT with `principalType: ServicePrincipal`; "already exists" is [`WriteResult::AlreadyExisted`].
    async fn put_role_assignment(
        &self,
        scope: &str,
        name: Guid,
        role_definition_id: Guid,
        principal_id: Guid,
    ) -> Result<WriteResult, AzureError>;
    async fn delete_role_assignment(&self, id: &str) -> Result<(), AzureError>;

    async fn organization(&self, org: &OrgName) -> Result<OrganizationInfo, AzureError>;
    async fn projects(&self, org: &OrgName) -> Result<Vec<ObservedProject>, AzureError>;
    /// The organization's projects and its connections: the same answer as `projects` then
    /// `connections`. `likely_projects` names projects expected to exist, which an
    /// implementation may read by name beside the project list to save a round trip.
    async fn projects_and_connections(
        &self,
        org: &OrgName,
        likely_projects: &[String],
        pipeline_access_of: &[String],
    ) -> Result<(Vec<ObservedProject>, Vec<ObservedConnection>), AzureError> {
        let _ = likely_projects;
        let projects = self.projects(org).await?;
        let connections = self.connections(org, &projects, pipeline_access_of).await?;
        Ok((projects, connections))
    }
    async fn find_membership(
        &self,
        org: &OrgName,
        principal_id: Guid,
        projects: &[ObservedProject],
    ) -> Result<Option<ObservedMembership>, AzureError>;
    /// Adds the service principal with an access level and project groups (an upsert).
    async fn add_membership(
        &self,
        org: &OrgName,
        principal_id: Guid,
        access: AccessLevel,
        groups: &[(Guid, ProjectGroup)],
    ) -> Result<AddedMembership, AzureError>;
    /// When the member joined the organization (RFC 3339), as its entitlement says.
    async fn membership_created(&self, org: &OrgName, entitlement_id: Guid) -> Result<Option<String>, AzureError>;
    /// Adds an existing member to project groups without touching its access level.
    async fn add_membership_groups(
        &self,
        org: &OrgName,
        entitlement_id: Guid,
        principal_id: Guid,
        groups: &[(Guid, ProjectGroup)],
    ) -> Result<(), AzureError>;
    async fn update_membership(
        &self,
        org: &OrgName,
        entitlement_id: Guid,
        principal_id: Guid,
        access: AccessLevel,
        groups: &[(Guid, ProjectGroup)],
    ) -> Result<(), AzureError>;
    async fn delete_membership(&self, org: &OrgName, entitlement_id: Guid) -> Result<(), AzureError>;

    /// The connections visible through `projects`, once each. Pipeline access is read only for
    /// the connections named in `pipeline_access_of` (any case): it costs a request per
    /// connection, and only the connections a setup names are planned. The others are listed
    /// with no pipeline authorized.
    async fn connections(
        &self,
        org: &OrgName,
        projects: &[ObservedProject],
        pipeline_access_of: &[String],
    ) -> Result<Vec<ObservedConnection>, AzureError>;
    async fn create_connection(&self, org: &OrgName, new: &NewConnection<'_>) -> Result<ConnectionInfo, AzureError>;
    async fn get_connection(&self, org: &OrgName, id: Guid) -> Result<Option<ConnectionInfo>, AzureError>;
    async fn finish_draft(&self, org: &OrgName, id: Guid) -> Result<ConnectionInfo, AzureError>;
    async fn share_connection(
        &self,
        org: &OrgName,
        id: Guid,
        name: &str,
        projects: &[(Guid, String)],
    ) -> Result<(), AzureError>;
    async fn delete_connection(&self, org: &OrgName, id: Guid, project_ids: &[Guid]) -> Result<(), AzureError>;
    async fn authorize_pipelines(
        &self,
        org: &OrgName,
        project_id: Guid,
        connection_id: Guid,
        pipeline_ids: &[u64],
        all: bool,
    ) -> Result<(), AzureError>;
    async fn test_connection(
        &self,
        org: &OrgName,
        project_id: Guid,
        connection_id: Guid,
    ) -> Result<TestResult, AzureError>;
}

/// A connection's authentication as Azure DevOps shows it, for migrations.
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointState {
    pub id: Guid,
    pub name: String,
    /// `ServicePrincipal`, `WorkloadIdentityFederation`, `Token`...
    pub scheme: String,
    pub issuer: Option<String>,
    pub subject: Option<String>,
    pub is_ready: bool,
    /// `Automatic` when Azure DevOps made the identity, `Manual` otherwise.
    pub creation_mode: Option<String>,
    /// Until when a conversion can be reverted (`data.revertSchemeDeadline`), as Azure DevOps wrote it.
    pub revert_deadline: Option<String>,
    pub client_id: Option<Guid>,
    /// The owning project, where TestConnection runs.
    pub owning_project: Option<Guid>,
    /// The connection as Azure DevOps answered: what a change sends back, so a change made
    /// right after a read need not read it again.
    pub answered: AnsweredEndpoint,
}

/// A service connection as Azure DevOps answered it. Its `Debug` names only its id: the
/// answer carries the authorization parameters, which have no place in a log line or an error.
#[derive(Clone, PartialEq)]
pub struct AnsweredEndpoint(pub Arc<ServiceEndpoint>);

impl std::fmt::Debug for AnsweredEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("AnsweredEndpoint").field(&self.0.id).finish()
    }
}

/// A client secret of an app registration: its key id and when it ends, never its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppSecret {
    pub key_id: Guid,
    pub display_name: Option<String>,
    pub end_date_time: Option<String>,
}

/// Which issuer a workload identity connection presents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionIssuer {
    Entra,
    AzureDevOps,
}

/// The operations a migration makes besides those of a run: reading and converting existing
/// connections in place, and removing the client secrets a conversion made unnecessary.
#[allow(async_fn_in_trait)]
pub trait MigrationPort: AzurePort {
    /// Connection `id`, looked for in `project` (its owning project, by name or id) first, then
    /// in every project of the organization.
    async fn read_endpoint(&self, org: &OrgName, project: &str, id: Guid) -> Result<Option<EndpointState>, AzureError>;
    /// `ConvertAuthenticationScheme` to `scheme` (`WorkloadIdentityFederation`, or
    /// `ServicePrincipal` to revert), same id. `connection` is its (project, id) as for
    /// `read_endpoint`; `current` is the connection as last read, sent
    /// back with the change; without it the connection is read first.
    async fn convert_endpoint(
        &self,
        org: &OrgName,
        connection: (&str, Guid),
        current: Option<&EndpointState>,
        scheme: &str,
    ) -> Result<EndpointState, AzureError>;
    /// Switches a workload identity connection to `issuer`, same id; `current` as for
    /// `convert_endpoint`.
    async fn switch_endpoint_issuer(
        &self,
        org: &OrgName,
        connection: (&str, Guid),
        current: Option<&EndpointState>,
        issuer: ConnectionIssuer,
    ) -> Result<EndpointState, AzureError>;
    async fn app_secrets(&self, object_id: Guid) -> Result<Vec<AppSecret>, AzureError>;
    async fn remove_app_secret(&self, object_id: Guid, key_id: Guid) -> Result<(), AzureError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endpoint_states_debug_leaves_out_the_answered_connections_parameters() {
        let mut answered = ServiceEndpoint::default();
        answered.authorization.parameters.insert("apitoken".into(), "sentinel-not-a-token".into());
        let state = EndpointState {
            id: Guid::from_u128(1),
            name: "shop-nuget-feed".into(),
            scheme: "Token".into(),
            issuer: None,
            subject: None,
            is_ready: true,
            creation_mode: None,
            revert_deadline: None,
            client_id: None,
            owning_project: None,
            answered: AnsweredEndpoint(Arc::new(answered)),
        };
        let printed = format!("{state:?}");
        assert!(printed.contains("shop-nuget-feed"), "{printed}");
        assert!(!printed.contains("sentinel-not-a-token"), "{printed}");
    }
}
