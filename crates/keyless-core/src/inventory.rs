//! The service connection inventory: what Keyless knows about each connection across
//! organizations ([`ConnectionFacts`]), and the one rule that sorts it into a
//! [`ConnectionClass`] saying what migrating it to a zero-secret connection takes.
//!
//! Pure data and rules: reading Azure DevOps, Graph and ARM is `keyless-usecases`'
//! `inventory::take_inventory`; wording the classes for people is each face's job.
//!
//! Where Azure's behaviour is not documented, the classification guesses, here and only here:
//! 1. A connection with `creationMode: Automatic` can be converted by Azure DevOps itself
//!    (secret to federation with `ConvertAuthenticationScheme`, Azure DevOps issuer to Entra
//!    issuer with an update), because Azure DevOps writes the credential on the identity it made.
//! 2. A connection without `creationMode` was made by hand (`Manual`), the older default.
//! 3. In a cloud with limited federation support (US Government, 21Vianet) a secret-based
//!    connection still converts to federation; an Azure DevOps-issuer connection stays as it is.
//! 4. A token connection can be replaced by an "Azure DevOps" workload identity connection only
//!    when the token is for Azure DevOps itself (Repos, Artifacts feeds, REST).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{
    CloudProfile, Guid,
    cloud::WifSupport,
    federation::{self, MAX_FICS_PER_IDENTITY},
    observed::IdentityKind,
};

/// The day the Azure DevOps issuer stops being accepted for single-tenant apps and managed
/// identities in the public cloud.
pub const AZURE_DEVOPS_ISSUER_RETIREMENT: &str = "2027-07-01";

/// What migrating a connection to a zero-secret one takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ConnectionClass {
    /// Workload identity federation with the Entra issuer, working: nothing to do.
    ZeroSecret,
    /// Azure DevOps made it (`Automatic`) and converts it itself.
    ConvertibleInPlace,
    /// Its identity first needs the matching federated credential (a secret-based `Manual`
    /// connection, or one on the Azure DevOps issuer), then the connection is switched.
    ConvertibleAfterCredential,
    /// Shared with other projects: converted from its owning project.
    Shared,
    /// A personal access token or other token: replaced by an "Azure DevOps" workload identity
    /// connection.
    TokenBased,
    /// Keyless cannot migrate it (multitenant app, sovereign cloud limits, identity in another
    /// tenant, not an Entra identity); the reason says why.
    OutOfScope,
    /// Broken or unfinished (identity gone, draft, credential cap, unreadable); the reason says what.
    NeedsAttention,
}

impl ConnectionClass {
    pub const ALL: [ConnectionClass; 7] = [
        ConnectionClass::ZeroSecret,
        ConnectionClass::ConvertibleInPlace,
        ConnectionClass::ConvertibleAfterCredential,
        ConnectionClass::Shared,
        ConnectionClass::TokenBased,
        ConnectionClass::OutOfScope,
        ConnectionClass::NeedsAttention,
    ];
}

/// Which issuer a federated connection presents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum IssuerKind {
    /// `https://vstoken.dev.azure.com/{orgId}` (or the 2023 preview host); retires 1 July 2027.
    AzureDevOps,
    /// `https://login.microsoftonline.com/{tenant}/v2.0` (or a sovereign cloud's login host).
    Entra,
}

impl IssuerKind {
    /// The kind of an issuer URL; `None` for an issuer that is neither.
    pub fn of(issuer: &str) -> Option<IssuerKind> {
        match federation::issuer_kind(issuer) {
            federation::IssuerKind::AzureDevOps => Some(IssuerKind::AzureDevOps),
            federation::IssuerKind::Entra => Some(IssuerKind::Entra),
            federation::IssuerKind::Unknown => None,
        }
    }
}

/// Why an identity a connection names cannot sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Orphan {
    /// The app registration exists but has no service principal in its tenant.
    NoServicePrincipal,
    /// No app registration, managed identity or service principal has this client id.
    IdentityGone,
}

/// How the identity's federated credentials compare with what the connection presents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CredentialMatch {
    Exact,
    /// No credential with the connection's issuer (AADSTS700211, or AADSTS70025 when none at all).
    Missing,
    /// Same issuer and subject ignoring case only (AADSTS7002138).
    SubjectDiffersInCase,
    /// Same issuer, another subject (AADSTS700213).
    SubjectDiffers,
    /// Issuer and subject match but the audience is not `api://AzureADTokenExchange`.
    AudienceDiffers,
}

/// The Entra identity behind a connection, as far as the signed-in user can read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InventoryIdentity {
    /// `serviceprincipalid` of the connection: appId or managed identity client id.
    pub client_id: Guid,
    pub kind: Option<IdentityKind>,
    pub display_name: Option<String>,
    /// `signInAudience` other than `AzureADMyOrg`, or an app registered in another tenant.
    pub multitenant: Option<bool>,
    /// The tenant the identity lives in (`tenantid` of the connection).
    pub tenant_id: Option<Guid>,
    /// Whether the signed-in user may add federated credentials to it.
    pub can_write_credentials: Option<bool>,
    /// Federated credentials it has, of at most 20.
    pub credential_count: Option<u32>,
    /// End dates (RFC 3339) of its client secrets.
    pub secret_expiries: Vec<String>,
    /// End dates (RFC 3339) of its certificates.
    pub certificate_expiries: Vec<String>,
    pub orphan: Option<Orphan>,
}

impl InventoryIdentity {
    /// An identity known only by its client id and tenant.
    pub fn unknown(client_id: Guid, tenant_id: Option<Guid>) -> Self {
        InventoryIdentity {
            client_id,
            kind: None,
            display_name: None,
            multitenant: None,
            tenant_id,
            can_write_credentials: None,
            credential_count: None,
            secret_expiries: vec![],
            certificate_expiries: vec![],
            orphan: None,
        }
    }

    /// The end date of the secret that expires first (RFC 3339 in UTC sorts as text).
    pub fn soonest_secret_expiry(&self) -> Option<&str> {
        self.secret_expiries.iter().map(String::as_str).min()
    }

    fn credential_cap_reached(&self) -> bool {
        self.credential_count.is_some_and(|count| count as usize >= MAX_FICS_PER_IDENTITY)
    }
}

/// Everything gathered about one connection: all of [`InventoriedConnection`] but its class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionFacts {
    pub organization: String,
    /// Every project it is shared with, the owning project first.
    pub projects: Vec<String>,
    pub owning_project: String,
    pub name: String,
    pub id: Guid,
    /// `azurerm`, `WorkloadIdentityUser`, `externaltfs`, ...
    pub endpoint_type: String,
    /// `WorkloadIdentityFederation`, `ServicePrincipal`, `Token`, ...
    pub scheme: String,
    /// `data.creationMode`: `Automatic` or `Manual`.
    pub creation_mode: Option<String>,
    pub is_shared: bool,
    pub is_draft: bool,
    /// What the connection points at (a feed, a repository host...).
    pub url: Option<String>,
    pub identity: Option<InventoryIdentity>,
    /// Why the identity could not be read, when it could not.
    pub identity_unread: Option<String>,
    pub issuer: Option<String>,
    pub subject: Option<String>,
    pub credential_match: Option<CredentialMatch>,
    /// When a pipeline last used it (RFC 3339).
    pub last_used: Option<String>,
    pub all_pipelines: bool,
    pub authorized_pipelines: Vec<u64>,
}

/// One connection of the inventory, classified.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InventoriedConnection {
    pub organization: String,
    pub projects: Vec<String>,
    pub owning_project: String,
    pub name: String,
    pub id: Guid,
    pub endpoint_type: String,
    pub scheme: String,
    pub creation_mode: Option<String>,
    pub is_shared: bool,
    pub is_draft: bool,
    pub url: Option<String>,
    pub identity: Option<InventoryIdentity>,
    pub identity_unread: Option<String>,
    pub issuer: Option<String>,
    pub issuer_kind: Option<IssuerKind>,
    pub subject: Option<String>,
    pub credential_match: Option<CredentialMatch>,
    pub last_used: Option<String>,
    pub all_pipelines: bool,
    pub authorized_pipelines: Vec<u64>,
    pub class: ConnectionClass,
    /// Why it is out of scope or needs attention, or a note on what converting it takes.
    pub reason: Option<String>,
}

impl InventoriedConnection {
    /// Classifies the facts of one connection (see [`classify`]).
    pub fn classified(facts: ConnectionFacts, cloud: &CloudProfile, signed_in_tenant: Guid) -> Self {
        let (class, reason) = classify(&facts, cloud, signed_in_tenant);
        let ConnectionFacts {
            organization,
            projects,
            owning_project,
            name,
            id,
            endpoint_type,
            scheme,
            creation_mode,
            is_shared,
            is_draft,
            url,
            identity,
            identity_unread,
            issuer,
            subject,
            credential_match,
            last_used,
            all_pipelines,
            authorized_pipelines,
        } = facts;
        InventoriedConnection {
            issuer_kind: issuer.as_deref().and_then(IssuerKind::of),
            organization,
            projects,
            owning_project,
            name,
            id,
            endpoint_type,
            scheme,
            creation_mode,
            is_shared,
            is_draft,
            url,
            identity,
            identity_unread,
            issuer,
            subject,
            credential_match,
            last_used,
            all_pipelines,
            authorized_pipelines,
            class,
            reason,
        }
    }
}

/// How many connections fall in each class, and how many still use the Azure DevOps issuer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InventoryCounts {
    pub total: usize,
    /// Every class, with zero for classes no connection falls in.
    pub per_class: BTreeMap<ConnectionClass, usize>,
    /// Connections still presenting the Azure DevOps issuer, which retires on
    /// [`AZURE_DEVOPS_ISSUER_RETIREMENT`].
    pub on_azure_devops_issuer: usize,
}

pub fn counts(connections: &[InventoriedConnection]) -> InventoryCounts {
    let mut per_class: BTreeMap<ConnectionClass, usize> = ConnectionClass::ALL.iter().map(|c| (*c, 0)).collect();
    for connection in connections {
        *per_class.entry(connection.class).or_default() += 1;
    }
    InventoryCounts {
        total: connections.len(),
        per_class,
        on_azure_devops_issuer: connections.iter().filter(|c| c.issuer_kind == Some(IssuerKind::AzureDevOps)).count(),
    }
}

/// Sorts one connection into its class, with the reason when it is out of scope or needs
/// attention (or a note on what converting it takes). Pure: same facts, same answer.
pub fn classify(
    facts: &ConnectionFacts,
    cloud: &CloudProfile,
    signed_in_tenant: Guid,
) -> (ConnectionClass, Option<String>) {
    if facts.is_draft {
        return attention(
            "draft left unfinished: its identity still needs the federated credential Azure DevOps shows, then the draft must be finished",
        );
    }
    match facts.scheme.as_str() {
        "WorkloadIdentityFederation" => classify_federated(facts, cloud, signed_in_tenant),
        "ServicePrincipal" => classify_secret(facts, signed_in_tenant),
        "Token" | "PersonalAccessToken" | "UsernamePassword" | "None" => classify_token(facts, cloud),
        "ManagedServiceIdentity" => out_of_scope(
            "it signs in as the managed identity of the agent machine: it holds no secret and takes no federated credential",
        ),
        other => out_of_scope(format!(
            "{other} connections of type {} are not backed by an Entra identity Keyless can federate",
            facts.endpoint_type
        )),
    }
}

type Classified = (ConnectionClass, Option<String>);

fn attention(reason: impl Into<String>) -> Classified {
    (ConnectionClass::NeedsAttention, Some(reason.into()))
}

fn out_of_scope(reason: impl Into<String>) -> Classified {
    (ConnectionClass::OutOfScope, Some(reason.into()))
}

fn classify_federated(facts: &ConnectionFacts, cloud: &CloudProfile, signed_in_tenant: Guid) -> Classified {
    if let Some(problem) = identity_broken(facts) {
        return problem;
    }
    let Some(issuer) = facts.issuer.as_deref() else {
        return attention("Azure DevOps returned no issuer for it, so no federated credential can match it");
    };
    let identity = facts.identity.as_ref();
    match IssuerKind::of(issuer) {
        None => attention(format!("its issuer '{issuer}' is neither the Entra nor the Azure DevOps issuer")),
        Some(IssuerKind::Entra) => {
            if let Some(multitenant) = multitenant(identity) {
                return multitenant;
            }
            match facts.credential_match {
                None | Some(CredentialMatch::Exact) => (ConnectionClass::ZeroSecret, None),
                Some(mismatch) => attention(credential_mismatch(mismatch)),
            }
        }
        Some(IssuerKind::AzureDevOps) => {
            if let Some(multitenant) = multitenant(identity) {
                return multitenant;
            }
            if let WifSupport::Limited(note) = &cloud.wif_support {
                return out_of_scope(format!("{} limits federation: {note}", cloud.name));
            }
            convertible(
                facts,
                signed_in_tenant,
                "the identity needs a second federated credential, for the Entra issuer",
            )
        }
    }
}

fn classify_secret(facts: &ConnectionFacts, signed_in_tenant: Guid) -> Classified {
    if facts.endpoint_type != "azurerm" {
        return out_of_scope(format!(
            "only Azure Resource Manager connections convert in place; this {} connection must be made again with workload identity federation",
            facts.endpoint_type
        ));
    }
    if let Some(problem) = identity_broken(facts) {
        return problem;
    }
    if let Some(multitenant) = multitenant(facts.identity.as_ref()) {
        return multitenant;
    }
    convertible(facts, signed_in_tenant, "the identity needs the federated credential before the switch")
}

/// The common end of both conversions: another tenant, shared, the credential cap, then who
/// writes the credential.
fn convertible(facts: &ConnectionFacts, signed_in_tenant: Guid, credential_note: &str) -> Classified {
    let identity = facts.identity.as_ref();
    if let Some(tenant) = identity.and_then(|i| i.tenant_id).filter(|t| *t != signed_in_tenant) {
        return out_of_scope(format!(
            "its identity lives in tenant {tenant}, not in the signed-in tenant {signed_in_tenant}"
        ));
    }
    if facts.is_shared {
        return (
            ConnectionClass::Shared,
            Some(format!("shared with other projects: convert it from its owning project {}", facts.owning_project)),
        );
    }
    if identity.is_some_and(InventoryIdentity::credential_cap_reached) {
        return attention(format!(
            "its identity already has {MAX_FICS_PER_IDENTITY} federated credentials, the most Entra allows: remove an unused one or move the connection to another identity"
        ));
    }
    if facts.creation_mode.as_deref().is_some_and(|mode| mode.eq_ignore_ascii_case("Automatic")) {
        return (ConnectionClass::ConvertibleInPlace, None);
    }
    let note = match identity.and_then(|i| i.can_write_credentials) {
        Some(false) => format!("{credential_note}; you cannot write its credentials, so its owner must add it"),
        _ => credential_note.to_string(),
    };
    (ConnectionClass::ConvertibleAfterCredential, Some(note))
}

/// The identity could not be read, is missing or cannot sign in.
fn identity_broken(facts: &ConnectionFacts) -> Option<Classified> {
    if let Some(problem) = &facts.identity_unread {
        return Some(attention(format!("its identity could not be read: {problem}")));
    }
    let Some(identity) = &facts.identity else {
        return Some(attention("it names no identity (its service principal id is empty)"));
    };
    match identity.orphan {
        Some(Orphan::IdentityGone) => Some(attention(format!(
            "its identity {} no longer exists: pipelines using it fail to sign in",
            identity.client_id
        ))),
        Some(Orphan::NoServicePrincipal) => Some(attention(format!(
            "the app registration {} has no service principal, so it cannot sign in",
            identity.client_id
        ))),
        None => None,
    }
}

fn multitenant(identity: Option<&InventoryIdentity>) -> Option<Classified> {
    identity.filter(|i| i.multitenant == Some(true)).map(|_| {
        out_of_scope(
            "its identity is a multitenant app registration, which the Entra issuer refuses (AADSTS70052): only the Azure DevOps issuer works for it",
        )
    })
}

fn credential_mismatch(mismatch: CredentialMatch) -> &'static str {
    match mismatch {
        CredentialMatch::Exact => "its federated credential matches",
        CredentialMatch::Missing => {
            "its identity has no federated credential with its issuer and subject: sign-ins fail (AADSTS700211)"
        }
        CredentialMatch::SubjectDiffersInCase => {
            "its federated credential's subject differs in letter case only, and matching is case-sensitive (AADSTS7002138)"
        }
        CredentialMatch::SubjectDiffers => "its federated credential has another subject: sign-ins fail (AADSTS700213)",
        CredentialMatch::AudienceDiffers => "its federated credential's audience is not api://AzureADTokenExchange",
    }
}

fn classify_token(facts: &ConnectionFacts, cloud: &CloudProfile) -> Classified {
    let host = facts
        .url
        .as_deref()
        .and_then(|u| url::Url::parse(u).ok())
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase));
    let for_azure_devops =
        facts.endpoint_type == "externaltfs" || host.as_deref().is_some_and(|h| is_azure_devops_host(h, cloud));
    if for_azure_devops {
        return (ConnectionClass::TokenBased, None);
    }
    let target = host.unwrap_or_else(|| "a service other than Azure DevOps".into());
    out_of_scope(format!(
        "it holds a {} for {target}, which is not Azure DevOps: an Azure DevOps workload identity connection cannot replace it",
        if facts.scheme == "UsernamePassword" { "password" } else { "token" }
    ))
}

fn is_azure_devops_host(host: &str, cloud: &CloudProfile) -> bool {
    let cloud_host = url::Url::parse(&cloud.devops.replace("{org}", "org"))
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase));
    host == "dev.azure.com"
        || host.ends_with(".dev.azure.com")
        || host.ends_with(".visualstudio.com")
        || cloud_host.as_deref() == Some(host)
}

/// Compares an identity's federated credentials with the issuer and subject a connection
/// presents, as Entra does: the best match wins.
pub fn credential_match<'a>(
    credentials: impl IntoIterator<Item = (&'a str, &'a str, &'a [String])>,
    issuer: &str,
    subject: &str,
) -> CredentialMatch {
    let rank = |m: &CredentialMatch| match m {
        CredentialMatch::Exact => 0,
        CredentialMatch::AudienceDiffers => 1,
        CredentialMatch::SubjectDiffersInCase => 2,
        CredentialMatch::SubjectDiffers => 3,
        CredentialMatch::Missing => 4,
    };
    credentials
        .into_iter()
        .map(|(fic_issuer, fic_subject, audiences)| {
            match federation::compare_fic(fic_issuer, fic_subject, audiences, issuer, subject) {
                federation::FicMatch::Exact => CredentialMatch::Exact,
                federation::FicMatch::IssuerDiffers => CredentialMatch::Missing,
                federation::FicMatch::SubjectDiffersInCase => CredentialMatch::SubjectDiffersInCase,
                federation::FicMatch::SubjectDiffers => CredentialMatch::SubjectDiffers,
                federation::FicMatch::AudienceDiffers => CredentialMatch::AudienceDiffers,
            }
        })
        .min_by_key(rank)
        .unwrap_or(CredentialMatch::Missing)
}
