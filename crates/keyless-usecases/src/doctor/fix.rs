//! Repairs through the engine: a broken connection becomes an onboarding setup (its existing
//! identity by client id, the connection by name so the planner reuses it, the role at its
//! scope, the memberships an "Azure DevOps" connection needs), planned like any setup and
//! applied as a run, so its undo is the run's rollback.
//!
//! The planner writes the missing federated credential with the issuer and subject read back
//! from Azure DevOps; it does not remove a wrong credential (an extra credential harms nothing
//! and keeps the repair undoable) and does not finish drafts.

use keyless_core::{
    Guid,
    inventory::InventoriedConnection,
    observed::Observed,
    setup::{AzureScope, ConnectionKind, IdentitySpec, Setup},
};
use keyless_engine::progress::Reporter;

use super::checks::{Finding, FindingCode};
use super::live::{ConnectionDiagnosis, RepairTarget};
use crate::{
    Connected, UseCaseError,
    runs::{self, Confirm, PlannedSetup, RunOutcome, RunSettings},
};

/// The repair of one connection, planned against what exists now.
#[derive(Debug, Clone)]
pub struct FixPlan {
    /// `organization/project/name` of the connection.
    pub connection: String,
    pub setup: Setup,
    pub planned: PlannedSetup,
    /// The findings the run repairs.
    pub fixes: Vec<Finding>,
    /// The findings it leaves, each saying what to do instead.
    pub left: Vec<Finding>,
}

/// Plans the repair of a diagnosed connection; `None` when Keyless can fix none of its
/// findings (each then says what to do instead).
pub async fn fix_plan(connected: &Connected, diagnosis: &ConnectionDiagnosis) -> Result<Option<FixPlan>, UseCaseError> {
    let Some(setup) = &diagnosis.repair else { return Ok(None) };
    let planned = runs::plan(connected, setup).await?;
    let (fixes, left) = diagnosis.findings.iter().cloned().partition(|f| f.keyless_can_fix);
    Ok(Some(FixPlan {
        connection: format!("{}/{}/{}", diagnosis.organization, diagnosis.project, diagnosis.name),
        setup: setup.clone(),
        planned,
        fixes,
        left,
    }))
}

/// Applies a repair as a run (resuming an unfinished run of the same repair); undo it with
/// `runs::rollback_run` and the run id in the outcome's journal.
pub async fn apply_fix(
    connected: &Connected,
    settings: &RunSettings,
    fix: &FixPlan,
    reporter: &dyn Reporter,
    confirm: &dyn Confirm,
) -> Result<RunOutcome, UseCaseError> {
    runs::apply_setup(connected, settings, &fix.setup, reporter, confirm).await
}

/// The setup that repairs a connection, when Keyless can fix one of its findings and none of
/// them makes the planner refuse or the run fail (identity gone or unreadable, multitenant
/// app, a credential with the right issuer and subject but another audience, 20 credentials,
/// draft).
pub(super) fn repair_setup(
    connection: &InventoriedConnection,
    target: &RepairTarget,
    findings: &[Finding],
    observed: Option<&Observed>,
) -> Option<Setup> {
    let blocked = findings.iter().any(|f| {
        matches!(
            f.code,
            FindingCode::IdentityGone
                | FindingCode::IdentityUnread { .. }
                | FindingCode::MultitenantApp
                | FindingCode::AudienceMismatch { .. }
                | FindingCode::CredentialCapReached { .. }
                | FindingCode::Draft
        )
    });
    if blocked || !findings.iter().any(|f| f.keyless_can_fix) {
        return None;
    }
    let mut spec = target.spec.clone()?;
    let client_id = connection.identity.as_ref()?.client_id;
    let needs_role = findings.iter().any(|f| matches!(f.code, FindingCode::NoRole { .. }));
    if let ConnectionKind::AzureRm { scope, role } = &mut spec.kind
        && !needs_role
        && let Some((held_scope, held_role)) = role_held(observed, client_id, scope)
    {
        // Keep the role the identity already holds, so the repair grants nothing new.
        *scope = held_scope;
        *role = held_role.to_string();
    }
    Some(Setup {
        identity: IdentitySpec::Existing { client_id: Some(client_id), resource_id: None, name: None },
        organizations: vec![],
        connections: vec![spec],
    })
}

/// A role assignment of the identity that reaches `scope`, as a scope and role definition id.
fn role_held(observed: Option<&Observed>, client_id: Guid, scope: &AzureScope) -> Option<(AzureScope, Guid)> {
    let observed = observed?;
    let principal = observed.identities.values().find(|i| i.client_id == client_id)?.principal_id?;
    let wanted = scope.arm_path();
    observed
        .role_assignments
        .iter()
        .filter(|r| r.principal_id == principal && super::checks::covers(&r.scope, &wanted))
        .find_map(|r| parse_scope(&r.scope).map(|s| (s, r.role_definition_id)))
}

/// An ARM scope path Keyless can name in a setup.
fn parse_scope(path: &str) -> Option<AzureScope> {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    match parts.as_slice() {
        [s, subscription] if s.eq_ignore_ascii_case("subscriptions") => {
            Some(AzureScope::Subscription { subscription: Guid::parse_input("scope", subscription).ok()? })
        }
        [s, subscription, g, resource_group]
            if s.eq_ignore_ascii_case("subscriptions") && g.eq_ignore_ascii_case("resourceGroups") =>
        {
            Some(AzureScope::ResourceGroup {
                subscription: Guid::parse_input("scope", subscription).ok()?,
                resource_group: (*resource_group).to_string(),
            })
        }
        [p, m, g, management_group]
            if p.eq_ignore_ascii_case("providers")
                && m.eq_ignore_ascii_case("Microsoft.Management")
                && g.eq_ignore_ascii_case("managementGroups") =>
        {
            Some(AzureScope::ManagementGroup { management_group: (*management_group).to_string() })
        }
        _ => None,
    }
}
