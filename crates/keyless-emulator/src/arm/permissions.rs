//! `GET {scope}/providers/Microsoft.Authorization/permissions`: what the caller may do at a
//! subscription, resource group, resource or management group, one entry per role they hold
//! there or above (assumption 62). Read-only; deny assignments and conditions are not modelled.

use axum::{
    http::{Method, StatusCode},
    response::Response,
};
use serde_json::{Value, json};

use super::{Caller, arm_error, forbidden, resource_group_for, roles::role_actions, scope, subscription_for, version};
use crate::{
    http::{self, Call},
    state::Emulator,
};

const PERMISSION_VERSIONS: &[&str] = &["2015-07-01", "2018-01-01-preview", "2022-04-01"];

/// `at` is the index of `providers` in `.../providers/Microsoft.Authorization/permissions`.
pub fn route(em: &Emulator, call: &Call, caller: &Caller, at: usize) -> Response {
    let scope_text = format!("/{}", call.segments[..at].join("/"));
    if call.segments.len() > at + 3 {
        return arm_error(
            em,
            StatusCode::NOT_FOUND,
            "InvalidResourceType",
            "The resource type could not be found in the namespace 'Microsoft.Authorization'.",
        );
    }
    if let Some(r) = version(em, call, PERMISSION_VERSIONS, false) {
        return r;
    }
    if call.method != Method::GET {
        return arm_error(
            em,
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "The requested method is not allowed for this resource.",
        );
    }
    if let Err(r) = check_scope(em, caller, &scope_text) {
        return r;
    }
    let held = super::roles_at(&em.world(), caller.token.oid, &scope_text);
    let value: Vec<Value> = held
        .iter()
        .map(|role| {
            let (actions, not_actions) = role_actions(role);
            json!({"actions": actions, "notActions": not_actions, "dataActions": [], "notDataActions": []})
        })
        .collect();
    http::json(StatusCode::OK, &json!({"value": value}))
}

/// The scope must exist in the token's tenant, like every ARM read.
fn check_scope(em: &Emulator, caller: &Caller, scope_text: &str) -> Result<(), Response> {
    let lower = scope::normalize(scope_text);
    let parts: Vec<&str> = lower.split('/').filter(|p| !p.is_empty()).collect();
    match parts.as_slice() {
        ["subscriptions", sub, rest @ ..] => {
            let original_sub = scope_text.split('/').nth(2).unwrap_or(sub);
            let found = subscription_for(em, caller, original_sub)?;
            if let ["resourcegroups", rg, ..] = rest {
                resource_group_for(em, found.id, rg)?;
            }
            Ok(())
        }
        ["providers", "microsoft.management", "managementgroups", name] => {
            let in_tenant = em.world().management_group(name).is_some_and(|m| m.tenant == caller.token.tenant);
            if in_tenant {
                Ok(())
            } else {
                Err(forbidden(em, caller, "Microsoft.Authorization/permissions/read", scope_text))
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
