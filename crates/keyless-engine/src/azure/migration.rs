//! The migration half of the port over `keyless-azure`: reading a connection's
//! authentication, converting it in place, switching its issuer, and client secrets. The request
//! shapes are `keyless_azure::devops::wif_connections`' business, not this module's.

use std::sync::Arc;

use keyless_azure::{
    AzureError, ErrorCode,
    devops::{DevOpsClient, ServiceEndpoint, wif_connections::IssuerType},
};
use keyless_core::{Guid, names::OrgName};

use super::{
    AzureClients,
    devops::{missing_connection, org_endpoint},
};
use crate::port::{AnsweredEndpoint, AppSecret, ConnectionIssuer, EndpointState, MigrationPort};

fn endpoint_state(endpoint: &ServiceEndpoint) -> EndpointState {
    let datum = |key: &str| endpoint.data.get(key).and_then(|v| v.as_str()).map(str::to_string);
    EndpointState {
        id: endpoint.id.unwrap_or_default(),
        name: endpoint.name.clone(),
        scheme: endpoint.authorization.scheme.clone(),
        issuer: endpoint.federation_issuer().map(str::to_string),
        subject: endpoint.federation_subject().map(str::to_string),
        is_ready: endpoint.is_ready.unwrap_or(false),
        creation_mode: datum("creationMode"),
        revert_deadline: datum("revertSchemeDeadline"),
        client_id: endpoint.parameter("serviceprincipalid").and_then(|v| v.parse().ok()),
        owning_project: endpoint.service_endpoint_project_references.first().map(|r| r.project_reference.id),
        answered: AnsweredEndpoint(Arc::new(endpoint.clone())),
    }
}

/// The connection from its owning project (one request), else from any project of the organization.
async fn find_endpoint(devops: &DevOpsClient, project: &str, id: Guid) -> Result<Option<ServiceEndpoint>, AzureError> {
    let in_project = match devops.endpoint_by_id(project, id).await {
        Ok(found) => found.filter(|e| e.id == Some(id)),
        // A project renamed or deleted since the plan: look everywhere.
        Err(e) if e.code() == ErrorCode::NotFound => None,
        Err(e) => return Err(e),
    };
    match in_project {
        Some(found) => Ok(Some(found)),
        None => org_endpoint(devops, id).await,
    }
}

/// Connection `id` as `current` holds it when it is that connection, else as read now.
async fn current_or_read(
    devops: &DevOpsClient,
    org: &OrgName,
    (project, id): (&str, Guid),
    current: Option<&EndpointState>,
) -> Result<Arc<ServiceEndpoint>, AzureError> {
    match current.filter(|state| state.id == id) {
        Some(state) => Ok(state.answered.0.clone()),
        None => Ok(Arc::new(find_endpoint(devops, project, id).await?.ok_or_else(|| missing_connection(org, id))?)),
    }
}

impl MigrationPort for AzureClients {
    async fn read_endpoint(&self, org: &OrgName, project: &str, id: Guid) -> Result<Option<EndpointState>, AzureError> {
        let devops = self.devops(org).await?;
        Ok(find_endpoint(&devops, project, id).await?.as_ref().map(endpoint_state))
    }

    async fn convert_endpoint(
        &self,
        org: &OrgName,
        (project, id): (&str, Guid),
        current: Option<&EndpointState>,
        scheme: &str,
    ) -> Result<EndpointState, AzureError> {
        let devops = self.devops(org).await?;
        let endpoint = current_or_read(&devops, org, (project, id), current).await?;
        Ok(endpoint_state(&devops.convert_endpoint_scheme(&endpoint, scheme).await?))
    }

    async fn switch_endpoint_issuer(
        &self,
        org: &OrgName,
        (project, id): (&str, Guid),
        current: Option<&EndpointState>,
        issuer: ConnectionIssuer,
    ) -> Result<EndpointState, AzureError> {
        let devops = self.devops(org).await?;
        let endpoint = current_or_read(&devops, org, (project, id), current).await?;
        let issuer = match issuer {
            ConnectionIssuer::Entra => IssuerType::EntraId,
            ConnectionIssuer::AzureDevOps => IssuerType::AzureDevOps,
        };
        Ok(endpoint_state(&devops.switch_endpoint_issuer(&endpoint, issuer).await?))
    }

    async fn app_secrets(&self, object_id: Guid) -> Result<Vec<AppSecret>, AzureError> {
        let app = self.graph().application(object_id).await?;
        Ok(app
            .map(|a| a.password_credentials)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|p| {
                Some(AppSecret { key_id: p.key_id?, display_name: p.display_name, end_date_time: p.end_date_time })
            })
            .collect())
    }

    async fn remove_app_secret(&self, object_id: Guid, key_id: Guid) -> Result<(), AzureError> {
        self.graph().remove_password(object_id, key_id).await
    }
}
