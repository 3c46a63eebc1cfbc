//! Pipeline YAML that uses a finished connection, and the hand-off pack for an identity owner
//! who must create the federated credential Keyless could not write. Every host they name
//! comes from the cloud profile or from values Azure DevOps read back (the issuer), never
//! from the public cloud's defaults, so a sovereign cloud's snippets point at that cloud.

use keyless_core::{
    CloudProfile,
    federation::TOKEN_EXCHANGE_AUDIENCE,
    observed::IdentityKind,
    setup::{ConnectionKind, ConnectionSpec},
};
use serde::{Deserialize, Serialize};

/// Ready-to-paste YAML for one connection, chosen by its type.
pub fn pipeline_yaml(spec: &ConnectionSpec, cloud: &CloudProfile) -> String {
    let name = &spec.name;
    match &spec.kind {
        ConnectionKind::AzureRm { scope, .. } => format!(
            "# Deploy to Azure with '{name}': workload identity federation, no secret to rotate.\n\
             # Scope: {scope}\n\
             steps:\n\
             - task: AzureCLI@2\n\
             \x20 displayName: Azure CLI with {name}\n\
             \x20 inputs:\n\
             \x20   azureSubscription: '{name}'\n\
             \x20   scriptType: bash\n\
             \x20   scriptLocation: inlineScript\n\
             \x20   inlineScript: |\n\
             \x20     az account show --output table\n\
             - task: AzurePowerShell@5\n\
             \x20 displayName: Azure PowerShell with {name}\n\
             \x20 inputs:\n\
             \x20   azureSubscription: '{name}'\n\
             \x20   azurePowerShellVersion: LatestVersion\n\
             \x20   ScriptType: InlineScript\n\
             \x20   Inline: Get-AzContext\n",
            scope = scope.arm_path()
        ),
        ConnectionKind::AzureDevops { target_organization } => {
            let target = target_organization.as_ref().unwrap_or(&spec.organization);
            let target_url = cloud.devops_url(target);
            let target_url = target_url.trim_end_matches('/');
            format!(
                "# Reach Azure DevOps organization '{target}' with '{name}': no personal access token.\n\
                 resources:\n\
                 \x20 repositories:\n\
                 \x20 - repository: external\n\
                 \x20   type: git\n\
                 \x20   endpoint: {name}\n\
                 \x20   name: '<project>/<repository>'   # a repository in {target}\n\
                 \x20   ref: refs/heads/main\n\
                 steps:\n\
                 - checkout: self\n\
                 - checkout: external\n\
                 - task: NuGetAuthenticate@1\n\
                 \x20 inputs:\n\
                 \x20   nuGetServiceConnections: '{name}'\n\
                 - task: AzureCLI@3\n\
                 \x20 displayName: Call Azure DevOps with {name}\n\
                 \x20 inputs:\n\
                 \x20   connectionType: azureDevOps\n\
                 \x20   azureDevOpsServiceConnection: '{name}'\n\
                 \x20   scriptType: bash\n\
                 \x20   scriptLocation: inlineScript\n\
                 \x20   inlineScript: |\n\
                 \x20     az devops project list --organization {target_url} --output table\n"
            )
        }
    }
}

/// The identity a hand-off is addressed to.
#[derive(Debug, Clone, Copy)]
pub struct HandOffIdentity<'a> {
    pub name: &'a str,
    pub kind: IdentityKind,
    /// appId / clientId.
    pub client_id: &'a str,
    /// Application object id, or the managed identity's resource id.
    pub identity_ref: &'a str,
}

/// Everything the owner of an identity needs to create the federated credential for a draft
/// connection, with commands they can run as they are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HandOff {
    pub connection: String,
    pub identity_name: String,
    pub identity_kind: IdentityKind,
    /// appId / clientId.
    pub client_id: String,
    /// Application object id, or the managed identity's resource id.
    pub identity_ref: String,
    pub fic_name: String,
    pub issuer: String,
    pub subject: String,
    pub audience: String,
    pub az_command: String,
    pub rest_request: String,
}

impl HandOff {
    /// The pack for `identity`, with requests addressed to `cloud`'s Graph and Resource
    /// Manager and the Azure CLI switched to that cloud first when it is not the public one.
    pub fn new(
        connection: &str,
        identity: &HandOffIdentity<'_>,
        fic_name: &str,
        issuer: &str,
        subject: &str,
        cloud: &CloudProfile,
    ) -> Self {
        let HandOffIdentity { name: identity_name, kind, client_id, identity_ref } = *identity;
        let audience = TOKEN_EXCHANGE_AUDIENCE;
        let graph = cloud.graph.trim_end_matches('/');
        let resource_manager = cloud.resource_manager.trim_end_matches('/');
        // The Azure CLI talks to the public cloud unless told otherwise; the profile's
        // environment name is the CLI's name for the cloud (AzureUSGovernment, ...).
        let az_cloud = if cloud.service_endpoint_environment == "AzureCloud" {
            String::new()
        } else {
            format!("az cloud set --name {}\n", cloud.service_endpoint_environment)
        };
        let (az_command, rest_request) = match kind {
            IdentityKind::AppRegistration => (
                format!(
                    "{az_cloud}az ad app federated-credential create --id {client_id} --parameters '{{\"name\":\"{fic_name}\",\"issuer\":\"{issuer}\",\"subject\":\"{subject}\",\"audiences\":[\"{audience}\"]}}'"
                ),
                format!(
                    "POST {graph}/v1.0/applications/{identity_ref}/federatedIdentityCredentials\nContent-Type: application/json\n\n{{\"name\":\"{fic_name}\",\"issuer\":\"{issuer}\",\"subject\":\"{subject}\",\"audiences\":[\"{audience}\"]}}"
                ),
            ),
            IdentityKind::ManagedIdentity => {
                let (group, name) = resource_group_and_name(identity_ref);
                (
                    format!(
                        "{az_cloud}az identity federated-credential create --name {fic_name} --identity-name {name} --resource-group {group} --issuer '{issuer}' --subject '{subject}' --audiences {audience}"
                    ),
                    format!(
                        "PUT {resource_manager}{identity_ref}/federatedIdentityCredentials/{fic_name}?api-version=2024-11-30\nContent-Type: application/json\n\n{{\"properties\":{{\"issuer\":\"{issuer}\",\"subject\":\"{subject}\",\"audiences\":[\"{audience}\"]}}}}"
                    ),
                )
            }
        };
        HandOff {
            connection: connection.into(),
            identity_name: identity_name.into(),
            identity_kind: kind,
            client_id: client_id.into(),
            identity_ref: identity_ref.into(),
            fic_name: fic_name.into(),
            issuer: issuer.into(),
            subject: subject.into(),
            audience: audience.into(),
            az_command,
            rest_request,
        }
    }

    pub fn render_markdown(&self) -> String {
        format!(
            "## Federated credential needed for `{connection}`\n\n\
             Keyless created the service connection as a draft because the signed-in account cannot write\n\
             federated credentials on **{identity}** ({client_id}). Please add this credential, then tell the\n\
             requester to finish the run in Keyless.\n\n\
             | Field | Value |\n|---|---|\n| Name | `{fic}` |\n| Issuer | `{issuer}` |\n| Subject identifier | `{subject}` |\n| Audience | `{audience}` |\n\n\
             Copy the values exactly: matching is case-sensitive and a trailing slash breaks it.\n\n\
             With the Azure CLI:\n\n```bash\n{az}\n```\n\nOr over REST:\n\n```http\n{rest}\n```\n",
            connection = self.connection,
            identity = self.identity_name,
            client_id = self.client_id,
            fic = self.fic_name,
            issuer = self.issuer,
            subject = self.subject,
            audience = self.audience,
            az = self.az_command,
            rest = self.rest_request,
        )
    }
}

fn resource_group_and_name(resource_id: &str) -> (String, String) {
    let parts: Vec<&str> = resource_id.split('/').collect();
    let after = |key: &str| {
        parts
            .iter()
            .position(|p| p.eq_ignore_ascii_case(key))
            .and_then(|i| parts.get(i + 1))
            .map(|s| (*s).to_string())
            .unwrap_or_default()
    };
    (after("resourceGroups"), after("userAssignedIdentities"))
}

#[cfg(test)]
mod tests {
    use keyless_core::{CloudName, names::OrgName, setup::AzureScope};

    use super::*;

    const PUBLIC_HOSTS: [&str; 4] =
        ["dev.azure.com", "login.microsoftonline.com", "management.azure.com", "graph.microsoft.com"];

    fn managed_identity() -> HandOffIdentity<'static> {
        HandOffIdentity {
            name: "id-prod",
            kind: IdentityKind::ManagedIdentity,
            client_id: "c1",
            identity_ref: "/subscriptions/s/resourceGroups/rg-id/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-prod",
        }
    }

    fn app_registration() -> HandOffIdentity<'static> {
        HandOffIdentity { name: "kl-app", kind: IdentityKind::AppRegistration, client_id: "c2", identity_ref: "o2" }
    }

    /// A US Government profile whose every host is a made-up one, so any public default
    /// that leaks into a snippet shows.
    fn fake_us_government() -> CloudProfile {
        CloudProfile {
            authority_host: "https://login.example.test".into(),
            issuer_host: "https://issuer.example.test".into(),
            graph: "https://graph.example.test".into(),
            resource_manager: "https://arm.example.test".into(),
            devops: "https://devops.example.test/{org}".into(),
            devops_vssps: "https://vssps.example.test/{org}".into(),
            devops_vsaex: "https://vsaex.example.test/{org}".into(),
            devops_profile: "https://profile.example.test".into(),
            service_endpoint_url: "https://arm.example.test/".into(),
            ..CloudName::UsGovernment.profile()
        }
    }

    fn azure_devops_spec(target: Option<&str>) -> ConnectionSpec {
        ConnectionSpec {
            name: "sc-ado".into(),
            organization: OrgName::parse("contoso").unwrap(),
            project: "Web".into(),
            kind: ConnectionKind::AzureDevops { target_organization: target.map(|t| OrgName::parse(t).unwrap()) },
            description: String::new(),
            share_with: vec![],
            pipelines: vec![],
            all_pipelines: false,
        }
    }

    #[test]
    fn managed_identity_hand_off_names_group_and_identity() {
        let pack = HandOff::new(
            "contoso/Web/sc",
            &managed_identity(),
            "ado-x",
            "https://login.microsoftonline.com/t/v2.0",
            "/eid1/c/pub/t/a/a/b/sc/o/c",
            &CloudName::Public.profile(),
        );
        assert!(pack.az_command.starts_with("az identity federated-credential create"), "{}", pack.az_command);
        assert!(pack.az_command.contains("--identity-name id-prod --resource-group rg-id"), "{}", pack.az_command);
        assert!(
            pack.rest_request.starts_with("PUT https://management.azure.com/subscriptions/s/resourceGroups/rg-id/")
        );
        assert!(pack.render_markdown().contains("| Subject identifier | `/eid1/c/pub/t/a/a/b/sc/o/c` |"));
    }

    #[test]
    fn hand_off_packs_of_another_cloud_name_only_its_hosts() {
        let cloud = fake_us_government();
        let issuer = "https://issuer.example.test/t/v2.0";
        for identity in [managed_identity(), app_registration()] {
            let pack = HandOff::new("contoso/Web/sc", &identity, "ado-x", issuer, "sc://contoso/Web/sc", &cloud);
            let markdown = pack.render_markdown();
            for public in PUBLIC_HOSTS {
                assert!(!markdown.contains(public), "{public} in\n{markdown}");
            }
            assert!(pack.az_command.starts_with("az cloud set --name AzureUSGovernment\n"), "{}", pack.az_command);
            let expected_host = match identity.kind {
                IdentityKind::AppRegistration => "POST https://graph.example.test/v1.0/applications/o2/",
                IdentityKind::ManagedIdentity => "PUT https://arm.example.test/subscriptions/s/",
            };
            assert!(pack.rest_request.starts_with(expected_host), "{}", pack.rest_request);
        }
    }

    #[test]
    fn pipeline_yaml_of_another_cloud_names_only_its_hosts() {
        let cloud = fake_us_government();
        let cross = pipeline_yaml(&azure_devops_spec(Some("contoso-platform")), &cloud);
        assert!(cross.contains("--organization https://devops.example.test/contoso-platform "), "{cross}");
        let own = pipeline_yaml(&azure_devops_spec(None), &cloud);
        assert!(own.contains("--organization https://devops.example.test/contoso "), "{own}");
        let mut azure_rm = azure_devops_spec(None);
        azure_rm.kind = ConnectionKind::AzureRm {
            scope: AzureScope::Subscription { subscription: keyless_core::Guid::from_u128(7) },
            role: "Reader".into(),
        };
        for yaml in [cross, own, pipeline_yaml(&azure_rm, &cloud)] {
            for public in PUBLIC_HOSTS {
                assert!(!yaml.contains(public), "{public} in\n{yaml}");
            }
        }
    }
}
