//! The one table of what Entra, Graph, ARM and Azure DevOps answers mean.
//!
//! Each service code Keyless recognises is listed once in [`KNOWN_CODES`] with its general
//! [`Meaning`], the [`WaitReason`] for which it only means "not yet" right after Keyless wrote
//! the missing object, and the help line users read. `ErrorCode`, `is_replication_delay`,
//! help lines and the engine's reading of TestConnection messages are all derived from it.
//! This module only describes answers: it does not retry, wait or decide what a run does next.

use serde::{Deserialize, Serialize};

use Meaning::*;
use WaitReason::*;

/// What an answer means, whatever its wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Meaning {
    /// A just-created object has not reached this service yet: the same call will succeed later.
    Replicating,
    /// Something was written but is not in effect yet (credential, role, app): verify again later.
    Propagating,
    Forbidden,
    Conflict,
    Throttled,
    SignInRequired,
    /// The configuration is wrong (no matching credential, multitenant app, missing membership...).
    Misconfigured,
    NotFound,
}

/// What Keyless is waiting for when it waits out a "not yet" answer. Faces write the sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum WaitReason {
    /// A new service principal is not visible to Entra/Graph yet.
    ServicePrincipalInEntra,
    /// Azure DevOps does not know the new service principal yet (VS403283).
    ServicePrincipalInDevOps,
    /// ARM does not know the new principal yet (PrincipalNotFound).
    ServicePrincipalInArm,
    /// A new federated credential is not in effect yet (AADSTS70021, 700211, 700213, 7002138, 70025).
    FederatedCredential,
    /// A new role assignment is not in effect yet (AuthorizationFailed, SubscriptionNotFound in TestConnection).
    RoleAssignment,
    /// A new app registration is not known to the token service yet (AADSTS700016).
    NewApplication,
    /// A new organization or project membership is not in effect yet (TF401444, VS800075).
    Membership,
}

/// One row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KnownCode {
    /// The code as services write it: "AADSTS70025", "TF401444", "PrincipalNotFound"... For the
    /// few answers that carry no code of their own, the fixed phrase that identifies them.
    pub code: &'static str,
    /// What it means in general (TF401444 = Misconfigured: the identity is not a user of the organization).
    pub meaning: Meaning,
    /// Set when this answer, right after Keyless itself wrote the missing object, only means "not yet":
    /// the engine waits it out (within its budget) instead of failing.
    pub not_yet: Option<WaitReason>,
    /// One line saying what to do, in words: the desktop app shows it as well as the CLI.
    pub help: &'static str,
}

const fn row(code: &'static str, meaning: Meaning, not_yet: Option<WaitReason>, help: &'static str) -> KnownCode {
    KnownCode { code, meaning, not_yet, help }
}

/// Graph's answer to "create a service principal" while the new app has not reached it (400).
pub const GRAPH_APP_NOT_REPLICATED: &str = "does not reference a valid application object";
/// Graph's other answer to the same, seen as a 403.
pub const GRAPH_BACKING_APP_NOT_REPLICATED: &str = "backing application of the service principal being created must";

const GRAPH_NEW_APP_HELP: &str = "Microsoft Graph has not seen the new app registration yet: wait a minute and try again (Keyless waits for it automatically)";
const SECRET_HELP: &str =
    "the client secret is invalid or expired: convert the connection to workload identity federation";
const TENANT_POLICY_HELP: &str = "the tenant restricts workload identity federation: ask the tenant administrator to allow it for this organization, or use a managed identity";
const EXPIRED_SIGN_IN_HELP: &str = "the saved sign-in has expired: sign in again";
const MFA_HELP: &str = "multi-factor authentication is required: sign in interactively in a browser instead of with a device code or a saved sign-in";
const INTERACTIVE_HELP: &str = "Entra needs an interactive sign-in: sign in again in a browser";

/// Every code Keyless recognises. Specific codes come before the OAuth error words that wrap them.
pub const KNOWN_CODES: &[KnownCode] = &[
    // Replication of a new identity (contract §3.3, §4.4, §5.5, §9).
    row(
        "VS403283",
        Replicating,
        Some(ServicePrincipalInDevOps),
        "Azure DevOps has not seen the new identity yet: wait a minute or two and try again (Keyless waits for it automatically)",
    ),
    row(
        "PrincipalNotFound",
        Replicating,
        Some(ServicePrincipalInArm),
        "the identity has not reached Azure Resource Manager yet: wait a minute and try again (Keyless waits for it automatically)",
    ),
    row(GRAPH_APP_NOT_REPLICATED, Replicating, Some(ServicePrincipalInEntra), GRAPH_NEW_APP_HELP),
    row(GRAPH_BACKING_APP_NOT_REPLICATED, Replicating, Some(ServicePrincipalInEntra), GRAPH_NEW_APP_HELP),
    // Federated credentials (contract §9, seeds 000 and 002).
    row(
        "AADSTS70021",
        Propagating,
        Some(FederatedCredential),
        "no federated credential matches the token: compare issuer and subject with the service connection exactly; if the credential was just created, wait a few minutes for it to replicate",
    ),
    row(
        "AADSTS700211",
        Misconfigured,
        Some(FederatedCredential),
        "the issuer does not match: add a federated credential with the issuer the service connection shows now (it changes after conversion to the Entra issuer)",
    ),
    row(
        "AADSTS700213",
        Misconfigured,
        Some(FederatedCredential),
        "the subject does not match (often after a rename): update the federated credential's subject from the connection's workloadIdentityFederationSubject",
    ),
    row(
        "AADSTS70025",
        Misconfigured,
        Some(FederatedCredential),
        "the identity has no federated credentials: create one for this service connection",
    ),
    // Right after Keyless writes the exactly-cased credential beside one that differs in case,
    // the token service still compares with the old one only (a managed identity's new
    // credential is invisible until it propagates), so this answer then only means "not yet".
    row(
        "AADSTS7002138",
        Misconfigured,
        Some(FederatedCredential),
        "the subject differs only in letter case: copy it verbatim from the service connection",
    ),
    row(
        "AADSTS70052",
        Misconfigured,
        None,
        "multi-tenant app registrations cannot use the Entra issuer: use a single-tenant app (AzureADMyOrg) or a managed identity",
    ),
    row("AADSTS700223", Forbidden, None, TENANT_POLICY_HELP),
    row("AADSTS700238", Forbidden, None, TENANT_POLICY_HELP),
    row(
        "AADSTS900382",
        Forbidden,
        None,
        "this sovereign cloud does not allow workload identity federation across clouds: use an identity of the same cloud",
    ),
    // Applications and service principals in Entra.
    row(
        "AADSTS700016",
        Misconfigured,
        Some(NewApplication),
        "the application was not found in the tenant: check the client id (serviceprincipalid must be the appId, not an object id) and the tenant",
    ),
    row(
        "AADSTS7000229",
        Misconfigured,
        Some(ServicePrincipalInEntra),
        "the application has no service principal in this tenant: create its enterprise application; if it was just created, wait a minute for it to replicate",
    ),
    row("AADSTS7000215", Misconfigured, None, SECRET_HELP),
    row("AADSTS7000222", Misconfigured, None, SECRET_HELP),
    row(
        "AADSTS700024",
        Misconfigured,
        None,
        "the pipeline's token expired before it was used: request Azure tokens early in the job, or use a managed identity for long jobs",
    ),
    row(
        "AADSTS28000",
        Misconfigured,
        None,
        "one token request named two resources: this is a Keyless bug, please report it",
    ),
    // Keyless's own sign-in.
    row(
        "AADSTS50020",
        SignInRequired,
        None,
        "the account is not in this tenant: sign in with an account of the tenant, or ask for a guest invitation",
    ),
    row(
        "AADSTS65001",
        SignInRequired,
        None,
        "the application needs consent: ask a tenant administrator to grant consent, or sign in with an application your tenant already allows",
    ),
    row("AADSTS700082", SignInRequired, None, EXPIRED_SIGN_IN_HELP),
    row("AADSTS70043", SignInRequired, None, EXPIRED_SIGN_IN_HELP),
    row("AADSTS50173", SignInRequired, None, EXPIRED_SIGN_IN_HELP),
    row("AADSTS50076", SignInRequired, None, MFA_HELP),
    row("AADSTS50079", SignInRequired, None, MFA_HELP),
    // Graph and ARM.
    row(
        "Authorization_RequestDenied",
        Forbidden,
        None,
        "the account lacks Entra permissions for this: it needs Application Administrator or Cloud Application Administrator, or ownership of the app; or use a managed identity",
    ),
    row(
        "AuthorizationFailed",
        Forbidden,
        Some(RoleAssignment),
        "the identity cannot do this in Azure: it needs a role on the scope (Owner, User Access Administrator or Role Based Access Control Administrator to assign roles); a role assigned minutes ago may not be in effect yet",
    ),
    row(
        "SubscriptionNotFound",
        NotFound,
        Some(RoleAssignment),
        "the subscription was not found or the identity cannot see it: check the subscription id and tenant; a role assigned minutes ago may not be in effect yet",
    ),
    row("RoleAssignmentExists", Conflict, None, "the role assignment already exists: nothing to do"),
    row(
        "Request_MultipleObjectsWithSameKeyValue",
        Conflict,
        None,
        "an object with this name already exists: reuse it or choose another name",
    ),
    row(
        "InvalidFederatedIdentityCredentialValue",
        Conflict,
        None,
        "a federated credential with this issuer and subject already exists on the identity: reuse it",
    ),
    // Azure DevOps (contract §5.7, §8, seed 000).
    row(
        "TF401444",
        Misconfigured,
        Some(Membership),
        "the identity is not a member of the Azure DevOps organization: add it (service principal entitlement) with at least a Basic license",
    ),
    row(
        "VS800075",
        Misconfigured,
        Some(Membership),
        "the identity is in the organization but not in the project: add it to a project group such as Readers",
    ),
    row(
        "does not have access to Azure DevOps organization",
        Misconfigured,
        Some(Membership),
        "the identity is not a member of the target Azure DevOps organization: add it there with at least a Basic license",
    ),
    row("TF400733", Throttled, None, "Azure DevOps is rate-limiting this account: wait five minutes and try again"),
    row(
        "TF400813",
        SignInRequired,
        None,
        "the token is not valid for this Azure DevOps organization: sign in with an account of the organization's tenant",
    ),
    // Messages that carry no code of their own (seeds 000, 002 and 003).
    row(
        "saved as draft",
        Forbidden,
        None,
        "the signed-in account cannot write credentials on the identity, so Azure DevOps saved the connection as a draft: ask the identity's owner to create the federated credential with the issuer and subject the connection shows",
    ),
    row(
        "Could not fetch access token for Azure",
        Misconfigured,
        None,
        "this pipeline task does not support workload identity federation: use a task version that does (see the task table) or call Azure from an AzureCLI task",
    ),
    row(
        "Failed to obtain the JSON Web Token",
        Misconfigured,
        None,
        "the identity's federated credentials do not match the connection, or the tenant blocks OpenID Connect: compare issuer and subject with the connection exactly",
    ),
    row(
        "unrecognized arguments: --federated-token",
        Misconfigured,
        None,
        "the agent's Azure CLI is too old for workload identity federation: install Azure CLI 2.30 or later on the agent",
    ),
    row(
        "Failed to create service principal with object ID",
        Misconfigured,
        None,
        "Azure DevOps was given an object id that is not a service principal's (often the app registration's): use the object id shown on the enterprise application",
    ),
    row(
        "needs the following permission(s) on the resource Users",
        Forbidden,
        None,
        "only a Project Collection Administrator (or a project administrator where the organization allows it, without assigning a licence) can add identities to the organization: ask one",
    ),
    // OAuth error words: they wrap an AADSTS code, which is more specific and listed above.
    row("invalid_grant", SignInRequired, None, "the sign-in is no longer valid: sign in again"),
    row("interaction_required", SignInRequired, None, INTERACTIVE_HELP),
    row("consent_required", SignInRequired, None, INTERACTIVE_HELP),
    row("login_required", SignInRequired, None, INTERACTIVE_HELP),
];

/// Messages that name no code but say the same as one of the table's codes, as (phrase, code).
/// A pasted pipeline log often keeps only the message, or the message on its own line below the code.
pub const PHRASES: &[(&str, &str)] = &[
    ("No matching federated identity record found", "AADSTS70021"),
    ("has no configured federated identity credentials", "AADSTS70025"),
    ("Application with identifier", "AADSTS700016"),
    ("Invalid client secret provided", "AADSTS7000215"),
    ("Client assertion is not within its valid time range", "AADSTS700024"),
    ("The identity must be a managed identity, a single tenant app, or a service account", "AADSTS70052"),
    ("Insufficient privileges to complete the operation", "Authorization_RequestDenied"),
    ("Please sign-in at least once as", "TF401444"),
    ("unsupported protocol scheme", "Could not fetch access token for Azure"),
];

/// One place a known code, or a phrase standing for one, appears in a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occurrence {
    /// Byte offset in the text.
    pub at: usize,
    /// Byte length of what was matched.
    pub len: usize,
    pub known: &'static KnownCode,
    /// The phrase that stood for the code, when the code itself was not what matched.
    pub phrase: Option<&'static str>,
}

/// Every whole-word occurrence of a known code or of one of [`PHRASES`] in free text, in text
/// order, with the same matching rules as [`find_in_text`]: OAuth error words are left out when
/// any specific code appears. Linear in the text for each entry of the table.
pub fn occurrences_in_text(text: &str) -> Vec<Occurrence> {
    let haystack = text.to_ascii_lowercase();
    let codes = KNOWN_CODES.iter().map(|known| (known.code, known, None));
    let phrases = PHRASES.iter().filter_map(|(phrase, code)| lookup(code).map(|known| (*phrase, known, Some(*phrase))));
    let mut found: Vec<Occurrence> = codes
        .chain(phrases)
        .flat_map(|(needle, known, phrase)| {
            let needle = needle.to_ascii_lowercase();
            whole_words(&haystack, &needle)
                .map(|at| Occurrence { at, len: needle.len(), known, phrase })
                .collect::<Vec<_>>()
        })
        .collect();
    if found.iter().any(|occurrence| !is_oauth_error_word(occurrence.known.code)) {
        found.retain(|occurrence| !is_oauth_error_word(occurrence.known.code));
    }
    found.sort_by_key(|occurrence| (occurrence.at, std::cmp::Reverse(occurrence.len)));
    found
}

/// Case-insensitive exact lookup.
pub fn lookup(code: &str) -> Option<&'static KnownCode> {
    KNOWN_CODES.iter().find(|known| known.code.eq_ignore_ascii_case(code))
}

/// The first known code that appears in free text (a TestConnection errorMessage, a pipeline log), as a whole word
/// (AADSTS700016 must not match AADSTS70001); None when none does.
///
/// "First" is the earliest in the text; OAuth error words (`invalid_grant`...) and task messages
/// such as "Failed to obtain the JSON Web Token" count only when no specific code appears, because
/// they wrap the AADSTS code that says what actually went wrong.
pub fn find_in_text(text: &str) -> Option<&'static KnownCode> {
    let haystack = text.to_ascii_lowercase();
    let earliest = |wrappers: bool| {
        KNOWN_CODES
            .iter()
            .filter(|known| wraps_other_codes(known.code) == wrappers)
            .filter_map(|known| whole_word_at(&haystack, &known.code.to_ascii_lowercase()).map(|at| (at, known)))
            .min_by_key(|(at, known)| (*at, std::cmp::Reverse(known.code.len())))
            .map(|(_, known)| known)
    };
    earliest(false).or_else(|| earliest(true))
}

/// Task messages that usually carry the AADSTS code saying what actually went wrong.
const WRAPPING_MESSAGES: &[&str] = &["Failed to obtain the JSON Web Token", "Could not fetch access token for Azure"];

/// OAuth error words and task messages that wrap a more specific code: they count only where no
/// specific code appears.
pub fn wraps_other_codes(code: &str) -> bool {
    is_oauth_error_word(code) || WRAPPING_MESSAGES.iter().any(|message| message.eq_ignore_ascii_case(code))
}

/// The Graph answers that mean "the new app has not replicated yet"; they carry only generic codes.
pub(crate) fn graph_replication_message(status: u16, message: &str) -> Option<&'static KnownCode> {
    let phrase = match status {
        400 => GRAPH_APP_NOT_REPLICATED,
        403 => GRAPH_BACKING_APP_NOT_REPLICATED,
        _ => return None,
    };
    if message.contains(phrase) { lookup(phrase) } else { None }
}

/// OAuth 2.0's error words are the only lowercase codes in the table.
fn is_oauth_error_word(code: &str) -> bool {
    code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
}

fn whole_word_at(haystack: &str, needle: &str) -> Option<usize> {
    whole_words(haystack, needle).next()
}

fn whole_words<'a>(haystack: &'a str, needle: &'a str) -> impl Iterator<Item = usize> + 'a {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    haystack.match_indices(needle).map(|(at, _)| at).filter(move |&at| {
        let before = haystack[..at].chars().next_back();
        let after = haystack[at + needle.len()..].chars().next();
        !before.is_some_and(is_word) && !after.is_some_and(is_word)
    })
}
