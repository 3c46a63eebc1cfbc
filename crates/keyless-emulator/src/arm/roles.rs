//! `Microsoft.Authorization` at any scope: role assignments (create, get, list with
//! `$filter=principalId eq '...'`, delete) and the built-in role definitions.
//!
//! Custom roles, conditions, deny assignments and eligibility (PIM) are not modelled.

use axum::{
    http::{Method, StatusCode},
    response::Response,
};
use keyless_core::Guid;
use serde_json::{Value, json};

use super::{Caller, arm_error, forbidden, holds, resource_group_for, scope, subscription_for, version};
use crate::{
    catalog::{BUILT_IN_ROLES, ROLE_ASSIGNMENT_WRITERS, role_name},
    http::{self, Call},
    state::{Emulator, RoleAssignment, scope_tenant},
};

const ASSIGNMENT_VERSIONS: &[&str] = &["2020-04-01-preview", "2020-10-01-preview", "2022-04-01"];
const DEFINITION_VERSIONS: &[&str] = &["2018-01-01-preview", "2022-04-01"];

/// `at` is the index of `providers` in `providers/Microsoft.Authorization/...`.
pub fn route(em: &Emulator, call: &Call, caller: &Caller, at: usize) -> Response {
    let scope_text = format!("/{}", call.segments[..at].join("/"));
    let kind = call.seg(at + 2).map(str::to_ascii_lowercase).unwrap_or_default();
    let name = call.seg(at + 3).map(str::to_string);
    if call.segments.len() > at + 4 {
        return arm_error(
            em,
            StatusCode::NOT_FOUND,
            "InvalidResourceType",
            "The resource type could not be found in the namespace 'Microsoft.Authorization'.",
        );
    }
    let versions = if kind == "roledefinitions" { DEFINITION_VERSIONS } else { ASSIGNMENT_VERSIONS };
    if let Some(r) = version(em, call, versions, false) {
        return r;
    }
    let tenant = match check_scope(em, caller, &scope_text) {
        Ok(t) => t,
        Err(r) => return r,
    };
    match (kind.as_str(), &call.method, name) {
        ("roleassignments", &Method::GET, None) => list(em, call, caller, &scope_text),
        ("roleassignments", &Method::GET, Some(n)) => get(em, &scope_text, &n),
        ("roleassignments", &Method::PUT, Some(n)) => put(em, call, caller, &scope_text, tenant, &n),
        ("roleassignments", &Method::DELETE, Some(n)) => delete(em, caller, &scope_text, &n),
        ("roledefinitions", &Method::GET, None) => {
            let filter = call.q("$filter").unwrap_or_default().to_string();
            let wanted = filter.strip_prefix("roleName eq '").and_then(|r| r.strip_suffix('\'')).map(str::to_string);
            let value: Vec<Value> = BUILT_IN_ROLES
                .iter()
                .filter(|(n, _, _)| wanted.as_deref().is_none_or(|w| w.eq_ignore_ascii_case(n)))
                .map(|(_, id, _)| definition_json(&scope_text, *id))
                .collect();
            http::json(StatusCode::OK, &json!({"value": value}))
        }
        ("roledefinitions", &Method::GET, Some(n)) => {
            match Guid::parse_input("id", &n).ok().filter(|g| role_name(*g).is_some()) {
                Some(id) => http::json(StatusCode::OK, &definition_json(&scope_text, id)),
                None => arm_error(
                    em,
                    StatusCode::NOT_FOUND,
                    "RoleDefinitionDoesNotExist",
                    &format!("The specified role definition with ID '{n}' does not exist."),
                ),
            }
        }
        _ => arm_error(
            em,
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "The requested method is not allowed for this resource.",
        ),
    }
}

/// Checks that the scope exists and is in the token's tenant; returns that tenant.
fn check_scope(em: &Emulator, caller: &Caller, scope_text: &str) -> Result<Guid, Response> {
    let lower = scope::normalize(scope_text);
    let parts: Vec<&str> = lower.split('/').filter(|p| !p.is_empty()).collect();
    match parts.as_slice() {
        ["subscriptions", sub, rest @ ..] => {
            let original_sub = scope_text.split('/').nth(2).unwrap_or(sub);
            let s = subscription_for(em, caller, original_sub)?;
            if let ["resourcegroups", rg, ..] = rest {
                resource_group_for(em, s.id, rg)?;
            }
            Ok(s.tenant)
        }
        ["providers", "microsoft.management", "managementgroups", name] => {
            let w = em.world();
            match w.management_group(name) {
                Some(m) if m.tenant == caller.token.tenant => Ok(m.tenant),
                _ => {
                    drop(w);
                    Err(forbidden(em, caller, "Microsoft.Authorization/roleAssignments/read", scope_text))
                }
            }
        }
        _ => Err(arm_error(
            em,
            StatusCode::BAD_REQUEST,
            "InvalidScope",
            &format!("The scope '{scope_text}' is not valid."),
        )),
    }
}

fn definition_id(scope_text: &str, role: Guid) -> String {
    let lower = scope::normalize(scope_text);
    match lower.strip_prefix("/subscriptions/") {
        Some(rest) => format!(
            "/subscriptions/{}/providers/Microsoft.Authorization/roleDefinitions/{role}",
            rest.split('/').next().unwrap_or_default()
        ),
        None => format!("/providers/Microsoft.Authorization/roleDefinitions/{role}"),
    }
}

fn definition_json(scope_text: &str, id: Guid) -> Value {
    let (name, _, description) = BUILT_IN_ROLES.iter().find(|(_, g, _)| *g == id).copied().unwrap_or(("", id, ""));
    let (actions, not_actions) = role_actions(name);
    json!({
        "id": definition_id(scope_text, id),
        "name": id.to_string(),
        "type": "Microsoft.Authorization/roleDefinitions",
        "properties": {
            "roleName": name,
            "type": "BuiltInRole",
            "description": description,
            "assignableScopes": ["/"],
            "permissions": [{"actions": actions, "notActions": not_actions, "dataActions": [], "notDataActions": []}],
            "createdOn": "2015-02-02T21:55:09.8806423Z",
            "updatedOn": "2024-04-01T15:00:00.0000000Z",
            "createdBy": null,
            "updatedBy": null,
        },
    })
}

/// The actions and notActions of a built-in role (also what `permissions` answers).
pub(super) fn role_actions(name: &str) -> (Vec<&'static str>, Vec<&'static str>) {
    match name {
        "Owner" => (vec!["*"], vec![]),
        "Contributor" => (
            vec!["*"],
            vec![
                "Microsoft.Authorization/*/Delete",
                "Microsoft.Authorization/*/Write",
                "Microsoft.Authorization/elevateAccess/Action",
                "Microsoft.Blueprint/blueprintAssignments/write",
                "Microsoft.Blueprint/blueprintAssignments/delete",
                "Microsoft.Compute/galleries/share/action",
            ],
        ),
        "User Access Administrator" => (vec!["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"], vec![]),
        _ => (vec!["*/read"], vec![]),
    }
}

fn assignment_json(em: &Emulator, a: &RoleAssignment) -> Value {
    json!({
        "properties": {
            "roleDefinitionId": definition_id(&a.scope, a.role_definition),
            "principalId": a.principal_id.to_string(),
            "principalType": a.principal_type,
            "scope": a.scope,
            "condition": null,
            "conditionVersion": null,
            "createdOn": em.clock.iso(a.created),
            "updatedOn": em.clock.iso(a.created),
            "createdBy": a.created_by.map(|g| g.to_string()),
            "updatedBy": a.created_by.map(|g| g.to_string()),
            "delegatedManagedIdentityResourceId": null,
            "description": null,
        },
        "id": format!("{}/providers/Microsoft.Authorization/roleAssignments/{}", a.scope, a.name),
        "type": "Microsoft.Authorization/roleAssignments",
        "name": a.name.to_string(),
    })
}

fn list(em: &Emulator, call: &Call, caller: &Caller, scope_text: &str) -> Response {
    let filter = call.q("$filter").unwrap_or_default().trim().to_string();
    let principal = if filter.is_empty() || filter.eq_ignore_ascii_case("atScope()") {
        None
    } else {
        let inner = filter
            .strip_prefix("principalId eq '")
            .or_else(|| filter.strip_prefix("assignedTo('"))
            .and_then(|r| r.strip_suffix('\'').or_else(|| r.strip_suffix("')")));
        match inner.and_then(|g| Guid::parse_input("principalId", g).ok()) {
            Some(g) => Some(g),
            None => {
                return arm_error(
                    em,
                    StatusCode::BAD_REQUEST,
                    "UnsupportedQuery",
                    &format!(
                        "The filter '{filter}' is not supported. Supported filters are atScope(), principalId eq '{{id}}' and assignedTo('{{id}}')."
                    ),
                );
            }
        }
    };
    let w = em.world();
    let target = scope::normalize(scope_text);
    let above = scope::ancestors(&w, scope_text);
    let at_scope_only = filter.eq_ignore_ascii_case("atScope()");
    let value: Vec<Value> = w
        .role_assignments
        .iter()
        .filter(|a| {
            let s = scope::normalize(&a.scope);
            if at_scope_only { above.contains(&s) } else { above.contains(&s) || s.starts_with(&format!("{target}/")) }
        })
        .filter(|a| principal.is_none_or(|p| a.principal_id == p))
        .map(|a| assignment_json(em, a))
        .collect();
    drop(w);
    let _ = caller;
    http::json(StatusCode::OK, &json!({"value": value}))
}

fn find<'a>(assignments: &'a [RoleAssignment], scope_text: &str, name: &str) -> Option<&'a RoleAssignment> {
    let id = Guid::parse_input("name", name).ok()?;
    let target = scope::normalize(scope_text);
    assignments.iter().find(|a| a.name == id && scope::normalize(&a.scope) == target)
}

fn not_found(em: &Emulator, name: &str) -> Response {
    arm_error(
        em,
        StatusCode::NOT_FOUND,
        "RoleAssignmentNotFound",
        &format!("The role assignment '{name}' is not found."),
    )
}

fn get(em: &Emulator, scope_text: &str, name: &str) -> Response {
    let w = em.world();
    let found = find(&w.role_assignments, scope_text, name).map(|a| assignment_json(em, a));
    drop(w);
    found.map(|v| http::json(StatusCode::OK, &v)).unwrap_or_else(|| not_found(em, name))
}

fn put(em: &Emulator, call: &Call, caller: &Caller, scope_text: &str, tenant: Guid, name: &str) -> Response {
    let Ok(assignment_name) = Guid::parse_input("name", name) else {
        return arm_error(
            em,
            StatusCode::BAD_REQUEST,
            "InvalidRoleAssignmentId",
            &format!("The role assignment ID '{name}' is not valid. The role assignment ID must be a GUID."),
        );
    };
    let action_scope = format!("{scope_text}/providers/Microsoft.Authorization/roleAssignments/{name}");
    if !holds(em, caller, scope_text, ROLE_ASSIGNMENT_WRITERS) {
        return forbidden(em, caller, "Microsoft.Authorization/roleAssignments/write", &action_scope);
    }
    let body = call.json().unwrap_or(Value::Null);
    let props = body.get("properties").cloned().unwrap_or(Value::Null);
    let role_text = props.get("roleDefinitionId").and_then(Value::as_str).unwrap_or_default();
    let role = role_text
        .rsplit('/')
        .next()
        .and_then(|g| Guid::parse_input("role", g).ok())
        .filter(|g| role_name(*g).is_some());
    let Some(role) = role else {
        return arm_error(
            em,
            StatusCode::BAD_REQUEST,
            "RoleDefinitionDoesNotExist",
            &format!(
                "The specified role definition with ID '{}' does not exist.",
                role_text.rsplit('/').next().unwrap_or_default()
            ),
        );
    };
    let Some(principal) =
        props.get("principalId").and_then(Value::as_str).and_then(|p| Guid::parse_input("principalId", p).ok())
    else {
        return arm_error(
            em,
            StatusCode::BAD_REQUEST,
            "InvalidPrincipalId",
            "A valid principal ID must be provided for role assignment.",
        );
    };
    let declared_type = props.get("principalType").and_then(Value::as_str).map(str::to_string);
    let mut w = em.world();
    let sp = w.service_principals.iter().find(|s| s.id == principal && s.tenant == tenant).cloned();
    let is_user = w.users.iter().any(|u| u.object_id_in(tenant) == Some(principal));
    let principal_not_found = || {
        arm_error(
            em,
            StatusCode::BAD_REQUEST,
            "PrincipalNotFound",
            &format!(
                "Principal {} does not exist in the directory {tenant}. Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay. In this case, set the role assignment principalType property to a value, such as ServicePrincipal, User, or Group.  See https://aka.ms/docs-principaltype",
                principal.to_string().replace('-', "")
            ),
        )
    };
    let replicating = sp.as_ref().is_some_and(|s| em.replicating(s.created));
    let principal_type = match (&sp, is_user, declared_type.as_deref()) {
        (_, _, Some("ServicePrincipal")) => "ServicePrincipal".to_string(),
        (Some(_), _, _) if replicating => {
            drop(w);
            return principal_not_found();
        }
        (Some(_), _, None) => "ServicePrincipal".to_string(),
        (None, true, None) => "User".to_string(),
        (None, false, None) => {
            drop(w);
            return principal_not_found();
        }
        (_, _, Some(other)) => other.to_string(),
    };
    let target = scope::normalize(scope_text);
    if let Some(existing) = find(&w.role_assignments, scope_text, name) {
        let same = existing.principal_id == principal && existing.role_definition == role;
        let value = assignment_json(em, existing);
        drop(w);
        return if same {
            http::json(StatusCode::OK, &value)
        } else {
            arm_error(
                em,
                StatusCode::BAD_REQUEST,
                "RoleAssignmentUpdateNotPermitted",
                "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.",
            )
        };
    }
    if w.role_assignments
        .iter()
        .any(|a| a.principal_id == principal && a.role_definition == role && scope::normalize(&a.scope) == target)
    {
        drop(w);
        return arm_error(em, StatusCode::CONFLICT, "RoleAssignmentExists", "The role assignment already exists.");
    }
    let assignment = RoleAssignment {
        name: assignment_name,
        scope: scope_text.to_string(),
        role_definition: role,
        principal_id: principal,
        principal_type,
        tenant: scope_tenant(&w, scope_text),
        created: em.now(),
        created_by: Some(caller.token.oid),
    };
    let value = assignment_json(em, &assignment);
    w.role_assignments.push(assignment);
    drop(w);
    tracing::info!(%principal, role = role_name(role).unwrap_or_default(), scope = scope_text, "role assignment created");
    http::json(StatusCode::CREATED, &value)
}

fn delete(em: &Emulator, caller: &Caller, scope_text: &str, name: &str) -> Response {
    let action_scope = format!("{scope_text}/providers/Microsoft.Authorization/roleAssignments/{name}");
    if !holds(em, caller, scope_text, ROLE_ASSIGNMENT_WRITERS) {
        return forbidden(em, caller, "Microsoft.Authorization/roleAssignments/delete", &action_scope);
    }
    let mut w = em.world();
    let Some(existing) = find(&w.role_assignments, scope_text, name).cloned() else {
        drop(w);
        return http::empty(StatusCode::NO_CONTENT);
    };
    w.role_assignments
        .retain(|a| !(a.name == existing.name && scope::normalize(&a.scope) == scope::normalize(&existing.scope)));
    let value = assignment_json(em, &existing);
    drop(w);
    http::json(StatusCode::OK, &value)
}
