//! Bodies of the workload identity federation service connections Keyless creates
//! (contract §6.2, §6.4, §6.5), and finishing a draft. The undocumented parts are decided here
//! and nowhere else (README, "Known assumptions"):
//!
//! - the "Azure DevOps" connection is `type: WorkloadIdentityUser`, `url` = the cloud
//!   profile's Azure DevOps URL of the target organization with a trailing slash
//!   (`https://dev.azure.com/{target}/` in the public cloud), and for another organization
//!   `data.organizationUrl` carries the same URL;
//! - a draft is created with `data.isDraft: "True"` and no `isReady`, and finished with a
//!   `PUT` carrying `isReady: true` and no `data.isDraft`;
//! - the issuer of a workload identity connection is switched with a plain `PUT` of the whole
//!   connection carrying `data.workloadIdentityFederationIssuerType` = `"EntraID"` (to the
//!   Entra issuer) or `"AzureDevOps"` (back to the retiring issuer), the issuer and subject
//!   parameters left out so Azure DevOps assigns them;
//! - a conversion is reverted with the same `ConvertAuthenticationScheme` operation that made
//!   it, naming the scheme `ServicePrincipal` (the secret Azure DevOps kept comes back with it).

use keyless_core::{CloudProfile, Guid, names::OrgName};
use serde_json::{Map, Value, json};

use crate::devops::{DevOpsClient, EndpointAuthorization, EndpointProjectReference, ProjectReference, ServiceEndpoint};
use crate::error::AzureError;

/// Where an azurerm connection points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AzureRmTarget {
    Subscription { id: Guid, name: String },
    ResourceGroup { subscription: Guid, subscription_name: String, resource_group: String },
    ManagementGroup { id: String },
}

/// What every WIF connection shares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WifConnection<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub project_id: Guid,
    pub project_name: &'a str,
    /// appId of the app registration, clientId of the managed identity.
    pub client_id: Guid,
    pub tenant_id: Guid,
    pub draft: bool,
}

fn base(common: &WifConnection<'_>, kind: &str, url: String, mut data: Map<String, Value>) -> ServiceEndpoint {
    data.insert("creationMode".into(), json!("Manual"));
    if common.draft {
        data.insert("isDraft".into(), json!("True"));
    }
    let mut parameters = Map::new();
    parameters.insert("serviceprincipalid".into(), json!(common.client_id.to_string()));
    parameters.insert("tenantid".into(), json!(common.tenant_id.to_string()));
    ServiceEndpoint {
        name: common.name.to_string(),
        kind: kind.to_string(),
        url: Some(url),
        description: Some(common.description.to_string()),
        owner: Some("library".into()),
        data,
        authorization: EndpointAuthorization { scheme: "WorkloadIdentityFederation".into(), parameters },
        is_ready: if common.draft { None } else { Some(true) },
        is_shared: Some(false),
        service_endpoint_project_references: vec![EndpointProjectReference {
            project_reference: ProjectReference { id: common.project_id, name: Some(common.project_name.to_string()) },
            name: common.name.to_string(),
            description: Some(common.description.to_string()),
        }],
        ..ServiceEndpoint::default()
    }
}

/// An Azure Resource Manager connection, `creationMode: Manual`, scheme WorkloadIdentityFederation.
pub fn azurerm_connection(cloud: &CloudProfile, common: &WifConnection<'_>, target: &AzureRmTarget) -> ServiceEndpoint {
    let mut data = Map::new();
    data.insert("environment".into(), json!(cloud.service_endpoint_environment));
    match target {
        AzureRmTarget::Subscription { id, name } => {
            data.insert("scopeLevel".into(), json!("Subscription"));
            data.insert("subscriptionId".into(), json!(id.to_string()));
            data.insert("subscriptionName".into(), json!(name));
        }
        AzureRmTarget::ResourceGroup { subscription, subscription_name, resource_group } => {
            // Manual connections keep scopeLevel Subscription; the role assignment sets the
            // real reach (contract §6.2).
            data.insert("scopeLevel".into(), json!("Subscription"));
            data.insert("subscriptionId".into(), json!(subscription.to_string()));
            data.insert("subscriptionName".into(), json!(subscription_name));
            data.insert("resourceGroupName".into(), json!(resource_group));
        }
        AzureRmTarget::ManagementGroup { id } => {
            data.insert("scopeLevel".into(), json!("ManagementGroup"));
            data.insert("managementGroupId".into(), json!(id));
            data.insert("managementGroupName".into(), json!(id));
        }
    }
    base(common, "azurerm", cloud.service_endpoint_url.clone(), data)
}

/// The "Azure DevOps" connection (`WorkloadIdentityUser`) reaching `target`, which may be the
/// owning organization or another one of the same tenant.
pub fn azure_devops_connection(
    cloud: &CloudProfile,
    common: &WifConnection<'_>,
    owner: &OrgName,
    target: &OrgName,
) -> ServiceEndpoint {
    let url = organization_url(cloud, target);
    let mut data = Map::new();
    if owner != target {
        data.insert("organizationUrl".into(), json!(url));
    }
    base(common, "WorkloadIdentityUser", url, data)
}

/// An organization's URL in this cloud, with the trailing slash Azure DevOps writes in
/// connections (`https://dev.azure.com/{org}/` in the public cloud).
pub fn organization_url(cloud: &CloudProfile, org: &OrgName) -> String {
    format!("{}/", cloud.devops_url(org).trim_end_matches('/'))
}

/// The issuer a workload identity connection presents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssuerType {
    /// `https://login.microsoftonline.com/{tenant}/v2.0` and friends.
    EntraId,
    /// `https://vstoken.dev.azure.com/{orgId}`, retiring.
    AzureDevOps,
}

impl IssuerType {
    /// As `workloadIdentityFederationIssuerType` writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            IssuerType::EntraId => "EntraID",
            IssuerType::AzureDevOps => "AzureDevOps",
        }
    }
}

/// The body that switches `endpoint` to `issuer`: the connection as read, with the issuer type
/// in `data` and no issuer or subject parameters (Azure DevOps assigns both).
pub fn issuer_switch(endpoint: &ServiceEndpoint, issuer: IssuerType) -> ServiceEndpoint {
    let mut switched = endpoint.clone();
    switched.data.insert("workloadIdentityFederationIssuerType".into(), json!(issuer.as_str()));
    switched
        .authorization
        .parameters
        .retain(|key, _| !key.to_ascii_lowercase().starts_with("workloadidentityfederation"));
    switched
}

impl DevOpsClient {
    /// Switches a workload identity connection's issuer in place (same id), see [`issuer_switch`].
    pub async fn switch_endpoint_issuer(
        &self,
        endpoint: &ServiceEndpoint,
        issuer: IssuerType,
    ) -> Result<ServiceEndpoint, AzureError> {
        self.update_endpoint(&issuer_switch(endpoint, issuer), None).await
    }

    /// Turns a draft into a ready connection (PUT with `isReady: true`, no `data.isDraft`).
    pub async fn finish_draft(&self, draft: &ServiceEndpoint) -> Result<ServiceEndpoint, AzureError> {
        let mut ready = draft.clone();
        ready.data.remove("isDraft");
        ready.is_ready = Some(true);
        self.update_endpoint(&ready, None).await
    }
}

#[cfg(test)]
mod tests {
    use keyless_core::CloudName;

    use super::*;

    fn common(draft: bool) -> WifConnection<'static> {
        WifConnection {
            name: "sc",
            description: "d",
            project_id: Guid::from_u128(1),
            project_name: "Web",
            client_id: Guid::from_u128(2),
            tenant_id: Guid::from_u128(3),
            draft,
        }
    }

    #[test]
    fn an_issuer_switch_names_the_issuer_type_and_lets_azure_devops_assign_issuer_and_subject() {
        let mut endpoint = ServiceEndpoint { id: Some(Guid::from_u128(5)), ..ServiceEndpoint::default() };
        endpoint.authorization.scheme = "WorkloadIdentityFederation".into();
        endpoint.authorization.parameters.insert("workloadIdentityFederationSubject".into(), json!("sc://a/b/c"));
        endpoint.authorization.parameters.insert("serviceprincipalid".into(), json!("x"));
        let body = serde_json::to_value(issuer_switch(&endpoint, IssuerType::EntraId)).unwrap();
        assert_eq!(body["data"]["workloadIdentityFederationIssuerType"], "EntraID");
        assert!(body["authorization"]["parameters"].get("workloadIdentityFederationSubject").is_none());
        assert_eq!(body["authorization"]["parameters"]["serviceprincipalid"], "x");
        assert_eq!(body["authorization"]["scheme"], "WorkloadIdentityFederation");
    }

    #[test]
    fn drafts_omit_is_ready_and_carry_is_draft() {
        let cloud = CloudName::Public.profile();
        let body = serde_json::to_value(azurerm_connection(
            &cloud,
            &common(true),
            &AzureRmTarget::Subscription { id: Guid::from_u128(9), name: "Prod".into() },
        ))
        .unwrap();
        assert_eq!(body["data"]["isDraft"], "True");
        assert!(body.get("isReady").is_none());
        assert_eq!(body["data"]["creationMode"], "Manual");
        assert_eq!(body["authorization"]["scheme"], "WorkloadIdentityFederation");
        assert_eq!(body["url"], "https://management.azure.com/");
    }

    #[test]
    fn another_organization_is_named_in_url_and_data() {
        let cloud = CloudName::Public.profile();
        let owner = OrgName::parse("contoso").unwrap();
        let target = OrgName::parse("contoso-platform").unwrap();
        let body = serde_json::to_value(azure_devops_connection(&cloud, &common(false), &owner, &target)).unwrap();
        assert_eq!(body["type"], "WorkloadIdentityUser");
        assert_eq!(body["url"], "https://dev.azure.com/contoso-platform/");
        assert_eq!(body["data"]["organizationUrl"], "https://dev.azure.com/contoso-platform/");
        assert_eq!(body["isReady"], true);
        let same = serde_json::to_value(azure_devops_connection(&cloud, &common(false), &owner, &owner)).unwrap();
        assert!(same["data"].get("organizationUrl").is_none());
    }

    #[test]
    fn the_organization_url_comes_from_the_cloud_profile() {
        let mut cloud = CloudName::UsGovernment.profile();
        cloud.devops = "https://devops.example.test/{org}/".into();
        let owner = OrgName::parse("contoso").unwrap();
        let target = OrgName::parse("contoso-platform").unwrap();
        let body = serde_json::to_value(azure_devops_connection(&cloud, &common(false), &owner, &target)).unwrap();
        assert_eq!(body["url"], "https://devops.example.test/contoso-platform/");
        assert_eq!(body["data"]["organizationUrl"], "https://devops.example.test/contoso-platform/");
    }
}
