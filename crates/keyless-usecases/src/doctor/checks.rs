//! The live checks of one connection: what Keyless read (the connection, its identity and
//! credentials, role assignments, memberships) compared the way Entra, ARM and Azure DevOps
//! compare it, each problem a [`Finding`] with the code a pipeline would show.
//!
//! Pure: the reading is `live`, the repair is `fix`. Federated credentials are compared with
//! `keyless_core::federation` (exact and case-sensitive, as Entra does).

use keyless_core::{
    federation::{self, FicMatch, MAX_FICS_PER_IDENTITY},
    inventory::{CredentialMatch, InventoriedConnection, IssuerKind, Orphan},
    observed::{Observed, ObservedFic, ObservedIdentity},
    setup::{AccessLevel, AzureScope},
};
use serde::Serialize;

/// What is wrong with a connection, as a typed code faces branch on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum FindingCode {
    /// The identity has no federated credential at all (AADSTS70025).
    MissingCredential,
    /// No credential carries the issuer the connection presents (AADSTS700211).
    IssuerMismatch { presented: String, found: Vec<String> },
    /// The identity only trusts the other generation's issuer: Azure DevOps' where the
    /// connection presents Entra's, or the reverse (AADSTS700211).
    OldIssuer { presented: String, found: Vec<String> },
    /// The credential with the connection's issuer has another subject (AADSTS700213).
    SubjectMismatch { expected: String, found: String },
    /// The subjects differ in letter case only; Entra compares case-sensitively (AADSTS7002138).
    CaseOnlyMismatch { expected: String, found: String },
    /// Issuer and subject match but the audience is not `api://AzureADTokenExchange` (AADSTS70021).
    AudienceMismatch { found: Vec<String> },
    /// The connection still presents the Azure DevOps issuer, which retires on 1 July 2027.
    RetiringIssuer,
    /// No app registration, managed identity or service principal has the client id (AADSTS700016).
    IdentityGone,
    /// The identity could not be read, so nothing else about it was checked.
    IdentityUnread { problem: String },
    /// A multitenant app with the Entra issuer (AADSTS70052).
    MultitenantApp,
    /// The app registration has no service principal in its tenant (AADSTS7000229).
    NoServicePrincipal,
    /// No role assignment at or above the connection's scope (ARM SubscriptionNotFound for a
    /// subscription, AuthorizationFailed for a resource group or management group).
    NoRole { scope: String },
    /// The identity is not a user of the organization (TF401444).
    NotMember { organization: String },
    /// The identity has Stakeholder access, too little for repositories and feeds.
    StakeholderLicence { organization: String },
    /// The identity is in no group of the connection's project (VS800075).
    NotInProjectGroup { organization: String, project: String },
    /// A secret-based connection whose app has no secret left (AADSTS7000215).
    SecretMissing,
    /// Every secret of the app has expired (AADSTS7000222).
    SecretExpired { expired_on: String },
    /// The app's last secret expires within 30 days.
    SecretExpiring { expires_on: String },
    /// The identity holds 20 federated credentials and the fix needs another one.
    CredentialCapReached { count: u32 },
    /// The connection was saved as a draft and never finished.
    Draft,
}

/// Whether the finding stops pipelines now or only warns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Severity {
    Broken,
    Warning,
}

/// One problem of one connection: its code, what a pipeline would show, why, what Keyless
/// read, and what fixes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub code: FindingCode,
    /// The AADSTS, TF or VS code a pipeline or TestConnection would show, when there is one.
    pub pipeline_code: Option<String>,
    pub severity: Severity,
    /// The cause in one sentence.
    pub cause: String,
    /// What Keyless read that shows it.
    pub evidence: Vec<String>,
    /// What fixes it, in one sentence.
    pub fix: String,
    /// Whether Keyless can make the fix itself (through a planned, undoable run).
    pub keyless_can_fix: bool,
}

impl Finding {
    fn new(code: FindingCode, pipeline_code: Option<&str>, cause: String, fix: String, keyless_can_fix: bool) -> Self {
        Finding {
            code,
            pipeline_code: pipeline_code.map(str::to_string),
            severity: Severity::Broken,
            cause,
            evidence: vec![],
            fix,
            keyless_can_fix,
        }
    }

    fn evidence(mut self, evidence: impl IntoIterator<Item = String>) -> Self {
        self.evidence.extend(evidence);
        self
    }

    fn warning(mut self) -> Self {
        self.severity = Severity::Warning;
        self
    }
}

/// Everything read about one connection that the checks compare.
pub(crate) struct ConnectionState<'a> {
    pub connection: &'a InventoriedConnection,
    /// Where an Azure Resource Manager connection points, from its data.
    pub scope: Option<AzureScope>,
    /// The organizations an "Azure DevOps" connection needs its identity in, with the project
    /// whose groups it must be in (the owning one only).
    pub needed_organizations: Vec<(String, Option<String>)>,
    /// The identity and organizations as the engine reads them for the connection's repair,
    /// when the identity lives in the signed-in tenant.
    pub observed: Option<&'a Observed>,
    /// Now and now + 30 days, RFC 3339 in UTC (sorts as text).
    pub now: &'a str,
    pub soon: &'a str,
}

impl ConnectionState<'_> {
    fn observed_identity(&self) -> Option<&ObservedIdentity> {
        let client_id = self.connection.identity.as_ref()?.client_id;
        self.observed?.identities.values().find(|i| i.client_id == client_id)
    }
}

/// Every finding of one connection, the ones that stop pipelines first.
pub(crate) fn check_connection(state: &ConnectionState<'_>) -> Vec<Finding> {
    let mut findings = vec![];
    let connection = state.connection;
    if connection.is_draft {
        findings.push(draft());
    }
    if let Some(problem) = &connection.identity_unread {
        findings.push(Finding::new(
            FindingCode::IdentityUnread { problem: problem.clone() },
            None,
            "Keyless could not read the connection's identity, so it could not check it".into(),
            "sign in with an account that can read the identity's tenant, then look again".into(),
            false,
        ));
        return findings;
    }
    let Some(identity) = &connection.identity else { return findings };
    let client = identity.client_id;
    match identity.orphan {
        Some(Orphan::IdentityGone) => {
            findings.push(Finding::new(
                FindingCode::IdentityGone,
                Some("AADSTS700016"),
                format!("no app registration or managed identity has the client id {client} any more"),
                "make the connection again with an identity that exists (Keyless cannot bring a deleted identity back)".into(),
                false,
            ).evidence([format!("serviceprincipalid = {client}; Graph and ARM found no identity with it")]));
            return findings;
        }
        Some(Orphan::NoServicePrincipal) => findings.push(
            Finding::new(
                FindingCode::NoServicePrincipal,
                Some("AADSTS7000229"),
                format!("the app registration {client} has no service principal, so it cannot sign in"),
                "create the app's service principal (its enterprise application)".into(),
                true,
            )
            .evidence([format!("Graph: no service principal with appId {client}")]),
        ),
        None => {}
    }
    if connection.scheme == "ServicePrincipal" {
        findings.extend(check_secret(state));
    } else if !connection.is_draft {
        findings.extend(check_credential(state));
    }
    findings.extend(check_access(state));
    findings.sort_by_key(|f| f.severity == Severity::Warning);
    findings
}

fn draft() -> Finding {
    Finding::new(
        FindingCode::Draft,
        None,
        "the connection was saved as a draft and never finished, so pipelines cannot use it".into(),
        "add the federated credential the draft shows to its identity, then finish the draft (Keyless finishes drafts its own runs made)".into(),
        false,
    )
    .evidence(["data.isDraft = true".to_string()])
}

fn check_secret(state: &ConnectionState<'_>) -> Vec<Finding> {
    let Some(identity) = &state.connection.identity else { return vec![] };
    let convert = "convert the connection to workload identity federation, which needs no secret";
    let Some(latest) = identity.secret_expiries.iter().max() else {
        return vec![
            Finding::new(
                FindingCode::SecretMissing,
                Some("AADSTS7000215"),
                "the connection signs in with a client secret, but its app has no secret".into(),
                convert.into(),
                false,
            )
            .evidence([format!("app {}: no client secret", identity.client_id)]),
        ];
    };
    let evidence = [format!("app {}: last secret ends {latest}", identity.client_id)];
    if latest.as_str() <= state.now {
        return vec![
            Finding::new(
                FindingCode::SecretExpired { expired_on: latest.clone() },
                Some("AADSTS7000222"),
                format!("every client secret of the connection's app has expired (the last on {latest})"),
                convert.into(),
                false,
            )
            .evidence(evidence),
        ];
    }
    if latest.as_str() <= state.soon {
        return vec![
            Finding::new(
                FindingCode::SecretExpiring { expires_on: latest.clone() },
                Some("AADSTS7000222"),
                format!("the connection's last client secret expires on {latest}; pipelines fail from then"),
                convert.into(),
                false,
            )
            .evidence(evidence)
            .warning(),
        ];
    }
    vec![]
}

fn check_credential(state: &ConnectionState<'_>) -> Vec<Finding> {
    let connection = state.connection;
    let mut findings = vec![];
    let (Some(issuer), Some(subject)) = (connection.issuer.as_deref(), connection.subject.as_deref()) else {
        return findings;
    };
    let multitenant = connection.identity.as_ref().is_some_and(|i| i.multitenant == Some(true));
    if connection.issuer_kind == Some(IssuerKind::Entra) && multitenant {
        findings.push(
            Finding::new(
                FindingCode::MultitenantApp,
                Some("AADSTS70052"),
                "the identity is a multitenant app registration, which the Entra issuer refuses".into(),
                "back the connection with a single-tenant app or a managed identity (Keyless does not change an app's audience)".into(),
                false,
            )
            .evidence(["signInAudience is not AzureADMyOrg".to_string()]),
        );
        return findings;
    }
    if connection.issuer_kind == Some(IssuerKind::AzureDevOps) {
        findings.push(
            Finding::new(
                FindingCode::RetiringIssuer,
                None,
                "the connection presents the Azure DevOps issuer, which stops being accepted on 1 July 2027".into(),
                "switch the connection to the Entra issuer as part of a migration".into(),
                false,
            )
            .evidence([format!("issuer = {issuer}")])
            .warning(),
        );
    }
    let presented = [format!("connection presents issuer {issuer}"), format!("and subject {subject}")];
    let Some(observed) = state.observed_identity() else {
        // The identity was not read for the repair (another tenant): the inventory's
        // comparison is all there is.
        findings.extend(inventory_mismatch(connection.credential_match, subject).map(|f| f.evidence(presented)));
        return findings;
    };
    if let Some(mut finding) = compare_credentials(&observed.fics, issuer, subject) {
        finding.evidence.splice(0..0, presented);
        let count = observed.fics.len() as u32;
        if count as usize >= MAX_FICS_PER_IDENTITY {
            findings.push(
                Finding::new(
                    FindingCode::CredentialCapReached { count },
                    None,
                    format!("{} already holds {count} federated credentials, the most Entra allows, so the right one cannot be added", observed.display_name),
                    "remove a federated credential no connection uses, or back the connection with another identity".into(),
                    false,
                )
                .evidence([format!("{} federated credentials on {}", count, observed.display_name)]),
            );
            finding.keyless_can_fix = false;
        } else if !observed.can_write_fics {
            finding.fix =
                format!("{} (the identity's owner must add it: you cannot write its credentials)", finding.fix);
            finding.keyless_can_fix = false;
        }
        findings.push(finding);
    }
    findings
}

/// The inventory's comparison as a finding, when the credentials themselves were not read.
fn inventory_mismatch(matched: Option<CredentialMatch>, subject: &str) -> Option<Finding> {
    let fix = "add a federated credential with exactly the issuer and subject Azure DevOps shows for the connection";
    let (code, pipeline_code, cause) = match matched? {
        CredentialMatch::Exact => return None,
        CredentialMatch::Missing => (
            FindingCode::IssuerMismatch { presented: String::new(), found: vec![] },
            "AADSTS700211",
            "none of the identity's credentials has the issuer the connection presents",
        ),
        CredentialMatch::SubjectDiffersInCase => (
            FindingCode::CaseOnlyMismatch { expected: subject.into(), found: String::new() },
            "AADSTS7002138",
            "the credential's subject differs from the connection's in letter case only",
        ),
        CredentialMatch::SubjectDiffers => (
            FindingCode::SubjectMismatch { expected: subject.into(), found: String::new() },
            "AADSTS700213",
            "the identity's credential with this issuer has another subject",
        ),
        CredentialMatch::AudienceDiffers => (
            FindingCode::AudienceMismatch { found: vec![] },
            "AADSTS70021",
            "the matching credential's audience is not api://AzureADTokenExchange",
        ),
    };
    Some(Finding::new(code, Some(pipeline_code), cause.into(), fix.into(), false))
}

/// The finding for the best credential Entra would compare, or `None` when one matches.
fn compare_credentials(fics: &[ObservedFic], issuer: &str, subject: &str) -> Option<Finding> {
    let fix = "add a federated credential with exactly the issuer and subject Azure DevOps shows for the connection";
    if fics.is_empty() {
        return Some(Finding::new(
            FindingCode::MissingCredential,
            Some("AADSTS70025"),
            "the identity has no federated credential at all".into(),
            fix.into(),
            true,
        ));
    }
    let compared: Vec<(FicMatch, &ObservedFic)> = fics
        .iter()
        .map(|f| (federation::compare_fic(&f.issuer, &f.subject, &f.audiences, issuer, subject), f))
        .collect();
    let find = |wanted: FicMatch| compared.iter().find(|(m, _)| *m == wanted).map(|(_, f)| *f);
    if find(FicMatch::Exact).is_some() {
        return None;
    }
    let shows = |f: &ObservedFic| format!("credential '{}': issuer {}, subject {}", f.name, f.issuer, f.subject);
    if let Some(found) = find(FicMatch::SubjectDiffersInCase) {
        return Some(
            Finding::new(
                FindingCode::CaseOnlyMismatch { expected: subject.into(), found: found.subject.clone() },
                Some("AADSTS7002138"),
                "the credential's subject differs from the connection's in letter case only, and Entra compares subjects case-sensitively".into(),
                "add a federated credential with the subject copied verbatim from the connection".into(),
                true,
            )
            .evidence([shows(found)]),
        );
    }
    if let Some(found) = find(FicMatch::SubjectDiffers) {
        let cause = match renamed(subject, &found.subject) {
            Some(what) => format!(
                "the credential was made for the connection's old subject: the {what} was renamed, and subjects on the Azure DevOps issuer carry names"
            ),
            None => "the identity's credential with this issuer has another subject".to_string(),
        };
        return Some(
            Finding::new(
                FindingCode::SubjectMismatch { expected: subject.into(), found: found.subject.clone() },
                Some("AADSTS700213"),
                cause,
                fix.into(),
                true,
            )
            .evidence([shows(found)]),
        );
    }
    if let Some(found) = find(FicMatch::AudienceDiffers) {
        return Some(
            Finding::new(
                FindingCode::AudienceMismatch { found: found.audiences.clone() },
                Some("AADSTS70021"),
                "the matching credential's audience is not api://AzureADTokenExchange".into(),
                format!(
                    "set the audience of credential '{}' to api://AzureADTokenExchange (Entra keeps one credential per issuer and subject, so Keyless cannot add a correct one beside it)",
                    found.name
                ),
                false,
            )
            .evidence([format!("credential '{}': audiences {}", found.name, found.audiences.join(", "))]),
        );
    }
    let found: Vec<String> = fics.iter().map(|f| f.issuer.clone()).collect();
    let kinds_differ = fics.iter().any(|f| federation::issuer_kind(&f.issuer) != federation::issuer_kind(issuer));
    let evidence = fics.iter().map(shows).collect::<Vec<_>>();
    let code = if kinds_differ {
        FindingCode::OldIssuer { presented: issuer.into(), found }
    } else {
        FindingCode::IssuerMismatch { presented: issuer.into(), found }
    };
    let cause = if kinds_differ {
        "the identity trusts only the other issuer generation (Azure DevOps or Entra) than the one the connection presents"
    } else {
        "none of the identity's credentials has the issuer the connection presents"
    };
    Some(Finding::new(code, Some("AADSTS700211"), cause.into(), fix.into(), true).evidence(evidence))
}

/// Which name changed between two `sc://{organization}/{project}/{connection}` subjects.
fn renamed(expected: &str, found: &str) -> Option<&'static str> {
    let parts = |s: &str| s.strip_prefix("sc://").map(|rest| rest.split('/').map(str::to_string).collect::<Vec<_>>());
    let (expected, found) = (parts(expected)?, parts(found)?);
    if expected.len() != 3 || found.len() != 3 {
        return None;
    }
    ["organization", "project", "connection"]
        .into_iter()
        .zip(expected.iter().zip(&found))
        .find_map(|(what, (e, f))| (e != f).then_some(what))
}

fn check_access(state: &ConnectionState<'_>) -> Vec<Finding> {
    let Some(observed) = state.observed else { return vec![] };
    let Some(principal) = state.observed_identity().and_then(|i| i.principal_id) else { return vec![] };
    let mut findings = vec![];
    if let Some(scope) = &state.scope {
        let path = scope.arm_path();
        let covered = observed.role_assignments.iter().any(|r| r.principal_id == principal && covers(&r.scope, &path));
        if !covered {
            findings.push(
                Finding::new(
                    FindingCode::NoRole { scope: path.clone() },
                    // ARM hides a subscription the caller has no role in; deeper scopes refuse.
                    Some(if matches!(scope, AzureScope::Subscription { .. }) {
                        "SubscriptionNotFound"
                    } else {
                        "AuthorizationFailed"
                    }),
                    format!("the identity has no Azure role on {path}, so it can sign in but see nothing there"),
                    format!("grant the identity a role on {path} (Keyless grants Reader, the least that works)"),
                    true,
                )
                .evidence([format!("ARM: no role assignment of principal {principal} at or above {path}")]),
            );
        }
    }
    for (organization, project) in &state.needed_organizations {
        let membership = observed
            .organizations
            .iter()
            .find(|(name, _)| name.as_str().eq_ignore_ascii_case(organization))
            .and_then(|(_, org)| org.memberships.get(&principal));
        let Some(membership) = membership else {
            findings.push(
                Finding::new(
                    FindingCode::NotMember { organization: organization.clone() },
                    Some("TF401444"),
                    format!("the identity is not a user of the organization {organization}"),
                    format!("add the identity to {organization} with Basic access"),
                    true,
                )
                .evidence([format!("{organization}: no entitlement for principal {principal}")]),
            );
            continue;
        };
        if membership.access_level == Some(AccessLevel::Stakeholder) {
            findings.push(
                Finding::new(
                    FindingCode::StakeholderLicence { organization: organization.clone() },
                    None,
                    format!(
                        "the identity has Stakeholder access in {organization}, too little for repositories and feeds"
                    ),
                    format!("give the identity Basic access in {organization}"),
                    true,
                )
                .evidence([format!("{organization}: accountLicenseType stakeholder")]),
            );
        }
        if let Some(project) = project {
            let groups =
                membership.project_groups.iter().find(|(p, _)| p.eq_ignore_ascii_case(project)).map(|(_, g)| g);
            if groups.is_none_or(Vec::is_empty) {
                findings.push(
                    Finding::new(
                        FindingCode::NotInProjectGroup { organization: organization.clone(), project: project.clone() },
                        Some("VS800075"),
                        format!("the identity is in no group of the project {project}, so it cannot see it"),
                        format!("add the identity to the Readers group of {project}"),
                        true,
                    )
                    .evidence([format!("{organization}/{project}: principal {principal} is in no project group")]),
                );
            }
        }
    }
    findings
}

/// Whether a role assignment at `assigned` reaches `wanted` (the same scope or one above it),
/// or sits below a subscription the connection names (ARM lists the subscription then). A
/// management group's assignment was listed by ARM for the connection's scope, so it is
/// inherited there: the path does not show the management group hierarchy.
pub(crate) fn covers(assigned: &str, wanted: &str) -> bool {
    let (assigned, wanted) = (assigned.to_ascii_lowercase(), wanted.to_ascii_lowercase());
    if assigned.starts_with("/providers/microsoft.management/managementgroups/") {
        return true;
    }
    let above = wanted == assigned || wanted.starts_with(&format!("{}/", assigned.trim_end_matches('/')));
    let below_subscription = !wanted.contains("/resourcegroups/")
        && wanted.starts_with("/subscriptions/")
        && assigned.starts_with(&format!("{wanted}/"));
    above || below_subscription
}
