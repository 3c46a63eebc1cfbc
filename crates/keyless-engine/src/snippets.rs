//! Pipeline YAML that uses a finished connection, and the hand-off pack for an identity owner
//! who must create the federated credential Keyless could not write.

use keyless_core::{
    federation::TOKEN_EXCHANGE_AUDIENCE,
    observed::IdentityKind,
    setup::{ConnectionKind, ConnectionSpec},
};
use serde::{Deserialize, Serialize};

/// Ready-to-paste YAML for one connection, chosen by its type.
pub fn pipeline_yaml(spec: &ConnectionSpec) -> String {
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
                 \x20     az devops project list --organization https://dev.azure.com/{target} --output table\n"
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
    pub fn new(connection: &str, identity: &HandOffIdentity<'_>, fic_name: &str, issuer: &str, subject: &str) -> Self {
        let HandOffIdentity { name: identity_name, kind, client_id, identity_ref } = *identity;
        let audience = TOKEN_EXCHANGE_AUDIENCE;
        let (az_command, rest_request) = match kind {
            IdentityKind::AppRegistration => (
                format!(
                    "az ad app federated-credential create --id {client_id} --parameters '{{\"name\":\"{fic_name}\",\"issuer\":\"{issuer}\",\"subject\":\"{subject}\",\"audiences\":[\"{audience}\"]}}'"
                ),
                format!(
                    "POST https://graph.microsoft.com/v1.0/applications/{identity_ref}/federatedIdentityCredentials\nContent-Type: application/json\n\n{{\"name\":\"{fic_name}\",\"issuer\":\"{issuer}\",\"subject\":\"{subject}\",\"audiences\":[\"{audience}\"]}}"
                ),
            ),
            IdentityKind::ManagedIdentity => {
                let (group, name) = resource_group_and_name(identity_ref);
                (
                    format!(
                        "az identity federated-credential create --name {fic_name} --identity-name {name} --resource-group {group} --issuer '{issuer}' --subject '{subject}' --audiences {audience}"
                    ),
                    format!(
                        "PUT https://management.azure.com{identity_ref}/federatedIdentityCredentials/{fic_name}?api-version=2024-11-30\nContent-Type: application/json\n\n{{\"properties\":{{\"issuer\":\"{issuer}\",\"subject\":\"{subject}\",\"audiences\":[\"{audience}\"]}}}}"
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
             requester to run `keyless finish`.\n\n\
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
    use super::*;

    #[test]
    fn managed_identity_hand_off_names_group_and_identity() {
        let identity = HandOffIdentity {
            name: "id-prod",
            kind: IdentityKind::ManagedIdentity,
            client_id: "c1",
            identity_ref: "/subscriptions/s/resourceGroups/rg-id/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-prod",
        };
        let pack = HandOff::new(
            "contoso/Web/sc",
            &identity,
            "ado-x",
            "https://login.microsoftonline.com/t/v2.0",
            "/eid1/c/pub/t/a/a/b/sc/o/c",
        );
        assert!(pack.az_command.contains("--identity-name id-prod --resource-group rg-id"), "{}", pack.az_command);
        assert!(
            pack.rest_request.starts_with("PUT https://management.azure.com/subscriptions/s/resourceGroups/rg-id/")
        );
        assert!(pack.render_markdown().contains("| Subject identifier | `/eid1/c/pub/t/a/a/b/sc/o/c` |"));
    }
}
