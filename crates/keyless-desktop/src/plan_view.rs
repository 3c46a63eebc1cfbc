//! A `keyless_core::plan::Plan` as the Review screen's `PlanView`.
//!
//! Steps keep the planner's ids, titles and order; this module only adds the group each step
//! is listed under and counts. It does not decide anything about the plan.

use keyless_core::{
    observed::IdentityKind,
    plan::{Action, Operation, Plan, PlanCounts, PlannedIdentity, Step},
};
use keyless_ipc::{IdentityKindView, PlanCountsView, PlanView, PlannedIdentityView, StepActionView, StepView};

/// Where Review lists identity-wide steps (the identity, its service principal, its roles).
pub const IDENTITY_GROUP: &str = "Identity";

pub fn plan_view(plan: &Plan) -> PlanView {
    let Plan { identities, steps, warnings } = plan;
    PlanView {
        steps: steps.iter().map(step_view).collect(),
        counts: counts_view(plan.counts()),
        identities: identities.iter().map(planned_identity_view).collect(),
        warnings: warnings.clone(),
        text: plan.render_text(),
    }
}

fn step_view(step: &Step) -> StepView {
    let Step { id, action, operation, depends_on, title, needs } = step;
    StepView {
        id: id.clone(),
        action: action_view(*action),
        title: title.clone(),
        needs: needs.clone(),
        depends_on: depends_on.clone(),
        group: group_of(operation),
    }
}

pub fn action_view(action: Action) -> StepActionView {
    match action {
        Action::Create => StepActionView::Create,
        Action::Update => StepActionView::Update,
        Action::Reuse => StepActionView::Reuse,
        Action::Verify => StepActionView::Verify,
    }
}

/// "Identity", an organization ("contoso"), or a project ("contoso / Shop").
fn group_of(operation: &Operation) -> String {
    match operation {
        Operation::Identity { .. } | Operation::ServicePrincipal { .. } | Operation::RoleAssignment { .. } => {
            IDENTITY_GROUP.into()
        }
        Operation::Membership { organization, .. } => organization.to_string(),
        Operation::Connection { spec, .. } => format!("{} / {}", spec.organization, spec.project),
        Operation::FederatedCredential { connection, .. }
        | Operation::PipelineAccess { connection, .. }
        | Operation::Share { connection, .. }
        | Operation::Verify { connection, .. } => project_group_of_key(connection),
    }
}

/// A connection key is `organization/project/name`; neither an organization nor a project
/// name may contain '/', but a connection name may.
fn project_group_of_key(key: &str) -> String {
    let mut parts = key.splitn(3, '/');
    match (parts.next(), parts.next()) {
        (Some(organization), Some(project)) => format!("{organization} / {project}"),
        _ => key.to_string(),
    }
}

fn counts_view(counts: PlanCounts) -> PlanCountsView {
    let PlanCounts { create, update, reuse, verify } = counts;
    PlanCountsView { create: count(create), update: count(update), reuse: count(reuse), verify: count(verify) }
}

/// Counts on the wire are u32; a plan never comes near that.
pub fn count(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

fn planned_identity_view(identity: &PlannedIdentity) -> PlannedIdentityView {
    let PlannedIdentity {
        slot: _,
        display_name,
        kind,
        client_id: _,
        principal_id: _,
        fics_before,
        fics_after,
        hand_off,
    } = identity;
    PlannedIdentityView {
        display_name: display_name.clone(),
        kind: identity_kind_view(*kind),
        fics_before: count(*fics_before),
        fics_after: count(*fics_after),
        hand_off: *hand_off,
    }
}

pub fn identity_kind_view(kind: IdentityKind) -> IdentityKindView {
    match kind {
        IdentityKind::AppRegistration => IdentityKindView::AppRegistration,
        IdentityKind::ManagedIdentity => IdentityKindView::ManagedIdentity,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_keys_group_by_project_even_with_slashes_in_the_name() {
        assert_eq!(project_group_of_key("contoso/Shop/sc-prod"), "contoso / Shop");
        assert_eq!(project_group_of_key("contoso/Shop/deploy/eu"), "contoso / Shop");
        assert_eq!(project_group_of_key("odd"), "odd");
    }
}
