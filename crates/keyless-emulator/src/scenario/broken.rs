//! Breaking one connection of a scenario on purpose, one way per error a pipeline shows, so a
//! test can say "break contoso/Web/sc-web-prod with AADSTS700213" and get a world whose
//! TestConnection answers exactly that.
//!
//! Only the scenario is changed (it is then checked like any other); the live emulator is not
//! touched. Other connections of the same identity are left as they are, so a breakage that
//! changes the identity itself (its audience, its secrets, its service principal, its role,
//! its membership) breaks them too, as it would in Azure.

use keyless_core::Guid;

use super::{EntitlementSpec, FederatedCredentialSpec, FicAlteration, Scenario, ScenarioError, SecretSpec};

/// One way to break a connection, named after what its TestConnection answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Breakage {
    /// AADSTS70025: the identity has no federated credential at all.
    NoCredential,
    /// AADSTS700211: the connection's credential has the other issuer generation. Answers
    /// 700213 instead when the identity has credentials for other connections.
    IssuerMismatch,
    /// AADSTS700213: the connection's credential names another subject.
    SubjectMismatch,
    /// AADSTS7002138: the credential's subject differs in letter case only.
    SubjectCase,
    /// AADSTS70021: issuer and subject match, the audience does not.
    AudienceMismatch,
    /// AADSTS70052: the app registration becomes multitenant.
    MultitenantApp,
    /// AADSTS700016: the app registration is gone from the connection's tenant (it lives on
    /// in another tenant, without a service principal in this one).
    IdentityGone,
    /// AADSTS7000229: the app registration has no service principal.
    NoServicePrincipal,
    /// AADSTS7000215: a secret-based connection whose app has no secret.
    NoSecret,
    /// AADSTS7000222: a secret-based connection whose app's secrets have all expired.
    SecretExpired,
    /// TF401444: the identity of an "Azure DevOps" connection is not a user of its organization.
    NotMember,
    /// VS800075: the identity is a user of the organization but in no group of the project.
    NotInProjectGroup,
    /// SubscriptionNotFound: the identity has no Azure role (a connection to a resource group
    /// or management group answers AuthorizationFailed instead).
    NoRole,
    /// The identity has Stakeholder access (TestConnection still passes).
    Stakeholder,
    /// The connection is a draft never finished.
    Draft,
}

impl Breakage {
    pub const ALL: [Breakage; 15] = [
        Breakage::NoCredential,
        Breakage::IssuerMismatch,
        Breakage::SubjectMismatch,
        Breakage::SubjectCase,
        Breakage::AudienceMismatch,
        Breakage::MultitenantApp,
        Breakage::IdentityGone,
        Breakage::NoServicePrincipal,
        Breakage::NoSecret,
        Breakage::SecretExpired,
        Breakage::NotMember,
        Breakage::NotInProjectGroup,
        Breakage::NoRole,
        Breakage::Stakeholder,
        Breakage::Draft,
    ];

    /// The code TestConnection answers once the connection is broken this way, when it has one.
    pub fn code(self) -> Option<&'static str> {
        Some(match self {
            Breakage::NoCredential => "AADSTS70025",
            Breakage::IssuerMismatch => "AADSTS700211",
            Breakage::SubjectMismatch => "AADSTS700213",
            Breakage::SubjectCase => "AADSTS7002138",
            Breakage::AudienceMismatch => "AADSTS70021",
            Breakage::MultitenantApp => "AADSTS70052",
            Breakage::IdentityGone => "AADSTS700016",
            Breakage::NoServicePrincipal => "AADSTS7000229",
            Breakage::NoSecret => "AADSTS7000215",
            Breakage::SecretExpired => "AADSTS7000222",
            Breakage::NotMember => "TF401444",
            Breakage::NotInProjectGroup => "VS800075",
            Breakage::NoRole => "SubscriptionNotFound",
            Breakage::Stakeholder | Breakage::Draft => return None,
        })
    }

    /// The breakage whose TestConnection answers `code` (any case).
    pub fn for_code(code: &str) -> Option<Breakage> {
        Breakage::ALL.into_iter().find(|b| b.code().is_some_and(|c| c.eq_ignore_ascii_case(code.trim())))
    }
}

/// `scenario` with the connection `organization/project/name` broken by `breakage`.
pub fn break_connection(
    scenario: &Scenario,
    organization: &str,
    project: &str,
    name: &str,
    breakage: Breakage,
) -> Result<Scenario, ScenarioError> {
    let mut s = scenario.clone();
    let invalid = |problem: String| ScenarioError::Invalid { scenario: scenario.name.clone(), problem };
    let path = format!("{organization}/{project}/{name}");
    let index = s
        .service_connections
        .iter()
        .position(|c| c.organization == organization && c.project.eq_ignore_ascii_case(project) && c.name == name)
        .ok_or_else(|| invalid(format!("no service connection {path} to break")))?;
    let identity = s.service_connections[index].identity.ok_or_else(|| invalid(format!("{path} names no identity")))?;
    let principal = principal_of(&s, identity);
    let app = s.applications.iter().position(|a| a.app_id == identity);
    let needs_app = |what: &str| invalid(format!("{path}: {what} needs an app registration identity"));
    match breakage {
        Breakage::NoCredential => s.federated_credentials.retain(|f| f.identity != identity),
        Breakage::IssuerMismatch => alter_credential(&mut s, identity, &path, |f| {
            f.alteration = Some(FicAlteration::Issuer);
        }),
        Breakage::SubjectMismatch => alter_credential(&mut s, identity, &path, |f| {
            f.alteration = Some(FicAlteration::Subject);
        }),
        Breakage::SubjectCase => alter_credential(&mut s, identity, &path, |f| {
            f.alteration = Some(FicAlteration::SubjectCase);
        }),
        Breakage::AudienceMismatch => alter_credential(&mut s, identity, &path, |f| {
            f.audiences = vec!["api://AzureADTokenExchange/other".into()];
        }),
        Breakage::MultitenantApp => {
            let app = app.ok_or_else(|| needs_app("a multitenant app"))?;
            s.applications[app].sign_in_audience = "AzureADMultipleOrgs".into();
            s.service_connections[index].issuer = super::IssuerChoice::Entra;
        }
        Breakage::IdentityGone => {
            let app = app.ok_or_else(|| needs_app("a vanished identity"))?;
            let home = s.service_connections[index].tenant.or_else(|| organization_tenant(&s, organization));
            let elsewhere = s
                .tenants
                .iter()
                .map(|t| t.id)
                .find(|t| Some(*t) != home)
                .ok_or_else(|| invalid("an identity gone from its tenant needs a second tenant".into()))?;
            forget_principal(&mut s, principal);
            let moved = &mut s.applications[app];
            moved.tenant = elsewhere;
            moved.service_principal_id = None;
            moved.owners.clear();
        }
        Breakage::NoServicePrincipal => {
            let app = app.ok_or_else(|| needs_app("a missing service principal"))?;
            forget_principal(&mut s, principal);
            s.applications[app].service_principal_id = None;
        }
        Breakage::NoSecret | Breakage::SecretExpired => {
            let app = app.ok_or_else(|| needs_app("a client secret"))?;
            s.service_connections[index].scheme = "ServicePrincipal".into();
            s.federated_credentials.retain(|f| f.for_connection.as_deref() != Some(path.as_str()));
            s.applications[app].secrets = match breakage {
                Breakage::NoSecret => vec![],
                _ => vec![SecretSpec { display_name: "Azure DevOps".into(), expires_in_days: -1 }],
            };
        }
        Breakage::NotMember => {
            let principal = principal.ok_or_else(|| invalid(format!("{path}: its identity has no principal")))?;
            s.entitlements.retain(|e| !(e.organization == organization && e.principal == principal));
        }
        Breakage::NotInProjectGroup | Breakage::Stakeholder => {
            let principal = principal.ok_or_else(|| invalid(format!("{path}: its identity has no principal")))?;
            let entitlement = entitlement(&mut s, organization, project, principal);
            if breakage == Breakage::Stakeholder {
                entitlement.license = "stakeholder".into();
            } else {
                let prefix = format!("{}/", project.to_ascii_lowercase());
                entitlement.groups.retain(|g| !g.to_ascii_lowercase().starts_with(&prefix));
            }
        }
        Breakage::NoRole => {
            let principal = principal.ok_or_else(|| invalid(format!("{path}: its identity has no principal")))?;
            s.role_assignments.retain(|r| r.principal != principal);
        }
        Breakage::Draft => s.service_connections[index].is_draft = true,
    }
    s.validate()?;
    Ok(s)
}

fn principal_of(s: &Scenario, identity: Guid) -> Option<Guid> {
    s.applications
        .iter()
        .find(|a| a.app_id == identity)
        .and_then(|a| a.service_principal_id)
        .or_else(|| s.managed_identities.iter().find(|m| m.client_id == identity).map(|m| m.principal_id))
}

fn organization_tenant(s: &Scenario, organization: &str) -> Option<Guid> {
    s.organizations.iter().find(|o| o.name == organization).map(|o| o.tenant)
}

/// Removes what only a service principal can hold: its roles and memberships.
fn forget_principal(s: &mut Scenario, principal: Option<Guid>) {
    if let Some(principal) = principal {
        s.role_assignments.retain(|r| r.principal != principal);
        s.entitlements.retain(|e| e.principal != principal);
    }
}

/// Changes the connection's own credential, adding a correct one first if it has none.
fn alter_credential(s: &mut Scenario, identity: Guid, path: &str, change: impl FnOnce(&mut FederatedCredentialSpec)) {
    let existing = s.federated_credentials.iter().position(|f| f.for_connection.as_deref() == Some(path));
    let index = existing.unwrap_or_else(|| {
        s.federated_credentials.push(FederatedCredentialSpec {
            identity,
            name: format!("broken-{}", path.rsplit('/').next().unwrap_or("connection")),
            for_connection: Some(path.to_string()),
            issuer: None,
            subject: None,
            alteration: None,
            audiences: vec![keyless_core::federation::TOKEN_EXCHANGE_AUDIENCE.to_string()],
            description: String::new(),
        });
        s.federated_credentials.len() - 1
    });
    change(&mut s.federated_credentials[index]);
}

/// The principal's entitlement in `organization`, made (Basic, in the project's Readers) if
/// it has none.
fn entitlement<'s>(s: &'s mut Scenario, organization: &str, project: &str, principal: Guid) -> &'s mut EntitlementSpec {
    let index = s.entitlements.iter().position(|e| e.organization == organization && e.principal == principal);
    let index = index.unwrap_or_else(|| {
        s.entitlements.push(EntitlementSpec {
            organization: organization.to_string(),
            principal,
            license: "express".into(),
            groups: vec![format!("{project}/Readers")],
            group_licensed: false,
        });
        s.entitlements.len() - 1
    });
    &mut s.entitlements[index]
}
