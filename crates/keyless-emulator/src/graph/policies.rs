//! The tenant's authorization policy (`/policies/authorizationPolicy`) and the directory roles
//! of the signed-in user (`/me/transitiveMemberOf/microsoft.graph.directoryRole`, and
//! `/me/memberOf/...`): the read-only facts preflight asks before any change.
//!
//! Only the fields Keyless reads are meaningful; the other policy fields carry Graph's
//! defaults. Roles come from the scenario user (see assumptions 40 and 41).

use axum::{
    http::{Method, StatusCode},
    response::Response,
};
use keyless_core::Guid;
use serde_json::{Value, json};

use super::{Caller, graph_error, method_not_allowed, not_found_segment};
use crate::{
    assumptions::{self, DirectoryRoleGrant},
    http::{self, Call},
    state::Emulator,
};

/// `/policies/...`; `rest` follows `policies`.
pub fn route_policies(em: &Emulator, call: &Call, caller: &Caller, rest: &[&str]) -> Response {
    match rest {
        [policy] if policy.eq_ignore_ascii_case("authorizationPolicy") => {
            if call.method != Method::GET {
                return method_not_allowed(em);
            }
            authorization_policy(em, caller)
        }
        [] => not_found_segment(em, "policies"),
        [other, ..] => not_found_segment(em, other),
    }
}

fn authorization_policy(em: &Emulator, caller: &Caller) -> Response {
    let w = em.world();
    let allowed = assumptions::policy_allows_app_registration(&w, &caller.user, caller.token.tenant);
    http::json(
        StatusCode::OK,
        &json!({
            "@odata.context": format!("{}/graph/v1.0/$metadata#policies/authorizationPolicy/$entity", em.base_url),
            "id": "authorizationPolicy",
            "displayName": "Authorization Policy",
            "description": "Used to manage authorization related settings across the company.",
            "allowInvitesFrom": "everyone",
            "allowedToSignUpEmailBasedSubscriptions": true,
            "allowedToUseSSPR": true,
            "allowEmailVerifiedUsersToJoinOrganization": false,
            "blockMsolPowerShell": false,
            "guestUserRoleId": "10dae51f-b6af-4016-8d66-8c2a99b929b3",
            "defaultUserRolePermissions": {
                "allowedToCreateApps": allowed,
                "allowedToCreateSecurityGroups": true,
                "allowedToCreateTenants": true,
                "allowedToReadBitlockerKeysForOwnedDevice": true,
                "allowedToReadOtherUsers": true,
            },
        }),
    )
}

/// `/me/{transitiveMemberOf|memberOf}/microsoft.graph.directoryRole`; `rest` follows `me`.
pub fn route_me(em: &Emulator, call: &Call, caller: &Caller, rest: &[&str]) -> Response {
    let relation = rest.first().map(|r| r.to_ascii_lowercase()).unwrap_or_default();
    if !(relation == "transitivememberof" || relation == "memberof") {
        return not_found_segment(em, rest.first().copied().unwrap_or_default());
    }
    match rest.get(1) {
        Some(cast) if cast.eq_ignore_ascii_case("microsoft.graph.directoryRole") && rest.len() == 2 => {}
        Some(other) => {
            return graph_error(
                em,
                StatusCode::BAD_REQUEST,
                "BadRequest",
                &format!("Resource not found for the segment '{other}'."),
            );
        }
        None => return not_found_segment(em, rest.first().copied().unwrap_or_default()),
    }
    if call.method != Method::GET {
        return method_not_allowed(em);
    }
    let roles = assumptions::directory_roles_of(&caller.user, caller.token.tenant);
    let value: Vec<Value> = roles.iter().map(|grant| role_json(caller.token.tenant, grant)).collect();
    http::json(
        StatusCode::OK,
        &json!({
            "@odata.context": format!("{}/graph/v1.0/$metadata#directoryObjects", em.base_url),
            "value": value,
        }),
    )
}

fn role_json(tenant: Guid, grant: &DirectoryRoleGrant) -> Value {
    // A directory role's object id is per tenant; the template id is the same everywhere.
    let id = Guid::derived(tenant, grant.display_name);
    json!({
        "@odata.type": "#microsoft.graph.directoryRole",
        "id": id.to_string(),
        "deletedDateTime": null,
        "description": grant.description,
        "displayName": grant.display_name,
        "roleTemplateId": grant.template_id.to_string(),
    })
}
