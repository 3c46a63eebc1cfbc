//! The estate's inventory: `take_inventory`, every service connection across the organizations
//! the account reaches, each with its identity, federation values, use and migration class.
//!
//! Everything here is read-only: the inventory changes nothing in Azure. It carries facts only;
//! the UI writes the sentences (counts, the issuer retirement note, what each class means).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{FailedLookup, IdentityKindView};

/// `take_inventory(request)`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct InventoryRequest {
    /// The organizations to read, by name; every organization the account reaches when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub organizations: Option<Vec<String>>,
}

/// Every connection found, and every place that could not be read (the others are still listed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct InventoryView {
    pub connections: Vec<InventoriedConnectionView>,
    /// Organizations or whole tenants that could not be read.
    pub unread: Vec<FailedLookup>,
    /// The day the Azure DevOps issuer retires, `YYYY-MM-DD`; connections still on it must move
    /// to the Entra issuer before then.
    pub azure_devops_issuer_retirement: String,
}

/// What migrating a connection to workload identity federation with the Entra issuer takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ConnectionClassView {
    /// Workload identity federation with the Entra issuer, healthy: nothing to do.
    ZeroSecret,
    /// A secret-based connection Azure DevOps created itself: it can be converted directly.
    ConvertibleInPlace,
    /// Its identity first needs the federated credential matching the connection (a secret-based
    /// connection created manually, or one still on the Azure DevOps issuer).
    ConvertibleAfterCredential,
    /// Shared with other projects: it is converted from its owning project, for all of them.
    Shared,
    /// Signs in with a personal access token or another token: replaced by a new connection.
    TokenBased,
    /// Keyless cannot migrate it (multitenant app, identity in another tenant, cloud limits);
    /// `reason` says why.
    OutOfScope,
    /// Something is wrong (orphaned identity, unfinished draft, credential limit reached, could
    /// not be read); `reason` says what.
    NeedsAttention,
}

/// Which issuer a workload identity connection's tokens come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum IssuerKindView {
    /// `https://vstoken.dev.azure.com/{organization id}`, the issuer that retires.
    AzureDevOps,
    /// `https://login.microsoftonline.com/{tenant}/v2.0`.
    Entra,
}

/// Why a connection's identity cannot be used any more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum OrphanView {
    /// The app registration exists but has no service principal in the tenant.
    NoServicePrincipal,
    /// The identity the connection names no longer exists.
    IdentityGone,
}

/// How the identity's federated credentials compare with what the connection presents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum CredentialMatchView {
    Exact,
    /// No credential with the connection's issuer.
    Missing,
    /// Same issuer and subject but for letter case, which Entra refuses.
    SubjectDiffersInCase,
    SubjectDiffers,
    /// The audience is not `api://AzureADTokenExchange`.
    AudienceDiffers,
}

/// The identity a connection signs in as, with what Keyless could read about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct InventoryIdentityView {
    /// The application (client) id, as a lowercase GUID.
    pub client_id: String,
    /// `null` when the identity could not be found.
    pub kind: Option<IdentityKindView>,
    pub display_name: Option<String>,
    pub multitenant: Option<bool>,
    pub tenant_id: Option<String>,
    /// Whether the signed-in account can add federated credentials to it.
    pub can_write_credentials: Option<bool>,
    /// Federated credentials it already has (at most 20 are allowed).
    pub credential_count: Option<u32>,
    /// When each client secret expires, RFC 3339.
    pub secret_expiries: Vec<String>,
    /// When each certificate expires, RFC 3339.
    pub certificate_expiries: Vec<String>,
    pub orphan: Option<OrphanView>,
}

/// One service connection of the estate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct InventoriedConnectionView {
    pub organization: String,
    /// Every project the connection is in, the owning one first.
    pub projects: Vec<String>,
    pub owning_project: String,
    pub name: String,
    /// The service connection id, a lowercase GUID.
    pub id: String,
    /// e.g. "azurerm", "externaltfs".
    pub endpoint_type: String,
    /// e.g. "ServicePrincipal", "WorkloadIdentityFederation", "Token".
    pub scheme: String,
    /// "Automatic" or "Manual"; `null` when the connection does not say.
    pub creation_mode: Option<String>,
    /// True when other projects than the owning one use it too.
    pub is_shared: bool,
    /// A workload identity connection left unfinished (not ready).
    pub is_draft: bool,
    /// What a token connection points at (a feed, a repository host); `null` for the others.
    pub url: Option<String>,
    pub identity: Option<InventoryIdentityView>,
    /// Why the identity could not be read, when it could not.
    pub identity_unread: Option<String>,
    pub issuer: Option<String>,
    pub issuer_kind: Option<IssuerKindView>,
    pub subject: Option<String>,
    /// `null` when the connection is not federated or the credentials could not be read.
    pub credential_match: Option<CredentialMatchView>,
    /// When a pipeline last used it, RFC 3339; `null` when never or unknown.
    pub last_used: Option<String>,
    /// True when every pipeline of the project may use it.
    pub all_pipelines: bool,
    /// The ids of the pipelines allowed to use it.
    pub authorized_pipelines: Vec<u64>,
    pub class: ConnectionClassView,
    /// Why it is out of scope or needs attention, or a note on what converting it takes; a
    /// phrase starting in lower case.
    pub reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inventory_request_without_organizations_means_every_organization() {
        let request: InventoryRequest = serde_json::from_str("{}").unwrap();
        assert_eq!(request, InventoryRequest { organizations: None });
        assert_eq!(serde_json::to_value(&request).unwrap(), serde_json::json!({}));
    }

    #[test]
    fn classes_and_issuer_kinds_are_camel_case() {
        assert_eq!(
            serde_json::to_value(ConnectionClassView::ConvertibleAfterCredential).unwrap(),
            "convertibleAfterCredential"
        );
        assert_eq!(serde_json::to_value(ConnectionClassView::ZeroSecret).unwrap(), "zeroSecret");
        assert_eq!(serde_json::to_value(IssuerKindView::AzureDevOps).unwrap(), "azureDevOps");
        assert_eq!(serde_json::to_value(OrphanView::NoServicePrincipal).unwrap(), "noServicePrincipal");
        assert_eq!(serde_json::to_value(CredentialMatchView::SubjectDiffersInCase).unwrap(), "subjectDiffersInCase");
    }
}
