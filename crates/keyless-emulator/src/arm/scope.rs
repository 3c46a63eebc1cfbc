//! ARM scopes and Azure RBAC inheritance: which assignments apply at a scope (the scope
//! itself, its resource group, subscription, management group chain and the root).
//!
//! Deny assignments, conditions, PIM and custom roles are not modelled.

use keyless_core::Guid;

use crate::{
    catalog::role_name,
    state::{RoleAssignment, World},
};

/// A scope normalised for comparison: lowercase, no trailing slash, `resourcegroups`.
pub fn normalize(scope: &str) -> String {
    let s = scope.trim_end_matches('/').to_ascii_lowercase();
    if s.is_empty() { "/".into() } else { s }
}

/// The scope and every scope above it, most specific first.
pub fn ancestors(w: &World, scope: &str) -> Vec<String> {
    let s = normalize(scope);
    let mut out = Vec::new();
    let parts: Vec<&str> = s.split('/').filter(|p| !p.is_empty()).collect();
    match parts.as_slice() {
        ["subscriptions", sub, rest @ ..] => {
            out.push(s.clone());
            if let ["resourcegroups", rg, ..] = rest {
                out.push(format!("/subscriptions/{sub}/resourcegroups/{rg}"));
            }
            out.push(format!("/subscriptions/{sub}"));
            let mg = Guid::parse_input("subscription", sub)
                .ok()
                .and_then(|g| w.subscription(g))
                .and_then(|s| s.management_group.clone());
            push_management_groups(w, mg, &mut out);
        }
        ["providers", "microsoft.management", "managementgroups", name, ..] => {
            push_management_groups(w, Some((*name).to_string()), &mut out);
        }
        _ => {}
    }
    out.push("/".into());
    out.dedup();
    out
}

fn push_management_groups(w: &World, mut next: Option<String>, out: &mut Vec<String>) {
    let mut guard = 0;
    while let Some(name) = next.take() {
        out.push(format!("/providers/microsoft.management/managementgroups/{}", name.to_ascii_lowercase()));
        next = w.management_group(&name).and_then(|m| m.parent.clone());
        guard += 1;
        if guard > 10 {
            break;
        }
    }
}

/// Built-in role names the principal holds at `scope` (directly or inherited).
pub fn roles_at(w: &World, principal: Guid, scope: &str) -> Vec<&'static str> {
    roles_at_where(w, principal, scope, |_| true)
}

/// [`roles_at`], counting only the assignments `effective` accepts (e.g. propagated ones).
pub fn roles_at_where(
    w: &World,
    principal: Guid,
    scope: &str,
    effective: impl Fn(&RoleAssignment) -> bool,
) -> Vec<&'static str> {
    let above = ancestors(w, scope);
    w.role_assignments
        .iter()
        .filter(|a| a.principal_id == principal && above.contains(&normalize(&a.scope)) && effective(a))
        .filter_map(|a| role_name(a.role_definition))
        .collect()
}

/// Whether the principal has any role at or below `scope` (what makes a subscription visible).
pub fn any_role_at_or_below(w: &World, principal: Guid, scope: &str) -> bool {
    any_role_at_or_below_where(w, principal, scope, |_| true)
}

/// [`any_role_at_or_below`], counting only the assignments `effective` accepts.
pub fn any_role_at_or_below_where(
    w: &World,
    principal: Guid,
    scope: &str,
    effective: impl Fn(&RoleAssignment) -> bool,
) -> bool {
    let target = normalize(scope);
    !roles_at_where(w, principal, scope, &effective).is_empty()
        || w.role_assignments.iter().any(|a| {
            a.principal_id == principal && normalize(&a.scope).starts_with(&format!("{target}/")) && effective(a)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Scenario, minimal_ids};

    #[test]
    fn resource_group_inherits_from_subscription_and_management_group() {
        let w = World::from_scenario(&Scenario::minimal(), 1);
        let sub = minimal_ids::SUBSCRIPTION;
        let chain = ancestors(
            &w,
            &format!(
                "/subscriptions/{sub}/resourceGroups/rg-web/providers/Microsoft.ManagedIdentity/userAssignedIdentities/x"
            ),
        );
        assert_eq!(chain[1], format!("/subscriptions/{sub}/resourcegroups/rg-web"));
        assert!(chain.contains(&format!("/subscriptions/{sub}")));
        assert!(chain.contains(&"/providers/microsoft.management/managementgroups/mg-contoso".to_string()));
        assert_eq!(
            roles_at(&w, minimal_ids::USER, &format!("/subscriptions/{sub}/resourceGroups/rg-web")),
            vec!["Owner"]
        );
    }
}
