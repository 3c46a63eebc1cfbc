//! Azure Resource Manager under `/arm`: tenants, subscriptions (with `nextLink` paging),
//! resource groups, locations, management groups, and the dispatch to managed identities and
//! authorization. ARM's error shape, api-version checks, token audience and tenant checks,
//! `x-ms-request-id` headers.
//!
//! No other resource providers, no async operations (every write completes at once), no
//! locks or policies.

mod identities;
mod locations;
mod permissions;
mod roles;
mod scope;

pub use scope::{any_role_at_or_below_where, roles_at, roles_at_where};

use std::sync::Arc;

use axum::{
    extract::{Request, State},
    http::{Method, StatusCode},
    response::Response,
};
use keyless_core::Guid;
use serde_json::{Value, json};

use crate::{
    assumptions::ARM_PAGE_SIZE,
    catalog::{ARM_ALLOWED_AUDIENCES, RESOURCE_WRITERS},
    http::{self, Call, decode_continuation, encode_continuation},
    state::{Emulator, ResourceGroup, Subscription, User},
    tokens::{AccessToken, Resource, TokenProblem},
};

const SUBSCRIPTION_VERSIONS: &[&str] =
    &["2016-06-01", "2019-06-01", "2019-11-01", "2020-01-01", "2021-01-01", "2022-01-01", "2022-09-01", "2022-12-01"];
const RESOURCE_GROUP_VERSIONS: &[&str] =
    &["2019-10-01", "2020-06-01", "2021-04-01", "2022-09-01", "2023-07-01", "2024-03-01", "2024-07-01", "2024-11-01"];
const MANAGEMENT_GROUP_VERSIONS: &[&str] = &["2020-05-01", "2021-04-01", "2023-04-01"];

pub async fn handle(State(em): State<Arc<Emulator>>, req: Request) -> Response {
    let call = Call::read(req, "/arm").await;
    let mut response = route(&em, &call).await;
    let id = em.request_id().to_string();
    for name in ["x-ms-request-id", "x-ms-correlation-request-id", "x-ms-routing-request-id"] {
        http::set_header(&mut response, name, &id);
    }
    let remaining = if call.method == Method::GET {
        "x-ms-ratelimit-remaining-subscription-reads"
    } else {
        "x-ms-ratelimit-remaining-subscription-writes"
    };
    http::set_header(&mut response, remaining, "249");
    response
}

/// The signed-in user behind an ARM request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub token: AccessToken,
    pub user: User,
}

async fn route(em: &Emulator, call: &Call) -> Response {
    let caller = match authenticate(em, call) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let segs = call.lower_from(0);
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    if let Some(i) = s.windows(2).position(|w| w == ["providers", "microsoft.authorization"]) {
        if s.get(i + 2) == Some(&"permissions") {
            return permissions::route(em, call, &caller, i);
        }
        return roles::route(em, call, &caller, i);
    }
    if s.len() >= 6 && s[0] == "subscriptions" && s[4] == "providers" && s[5] == "microsoft.managedidentity"
        || s.len() >= 4 && s[0] == "subscriptions" && s[2] == "providers" && s[3] == "microsoft.managedidentity"
    {
        return identities::route(em, call, &caller).await;
    }
    match (&call.method, s.as_slice()) {
        (&Method::GET, ["tenants"]) => {
            version(em, call, SUBSCRIPTION_VERSIONS, false).unwrap_or_else(|| tenants(em, &caller))
        }
        (&Method::GET, ["subscriptions"]) => {
            version(em, call, SUBSCRIPTION_VERSIONS, false).unwrap_or_else(|| subscriptions(em, call, &caller))
        }
        (&Method::GET, ["subscriptions", _]) => version(em, call, SUBSCRIPTION_VERSIONS, false).unwrap_or_else(|| {
            match subscription_for(em, &caller, call.seg(1).unwrap_or_default()) {
                Ok(sub) => http::json(StatusCode::OK, &subscription_json(&sub)),
                Err(r) => r,
            }
        }),
        (&Method::GET, ["subscriptions", _, "locations"]) => locations::list(em, call, &caller),
        (_, ["subscriptions", _, "resourcegroups", ..]) if s.len() <= 4 => {
            version(em, call, RESOURCE_GROUP_VERSIONS, false).unwrap_or_else(|| resource_groups(em, call, &caller))
        }
        (&Method::GET, ["providers", "microsoft.management", "managementgroups", ..]) if s.len() <= 4 => {
            version(em, call, MANAGEMENT_GROUP_VERSIONS, false).unwrap_or_else(|| management_groups(em, call, &caller))
        }
        _ => arm_error(
            em,
            StatusCode::NOT_FOUND,
            "InvalidResourceType",
            &format!(
                "The resource type could not be found in the namespace for api version '{}'.",
                call.q("api-version").unwrap_or_default()
            ),
        ),
    }
}

fn authenticate(em: &Emulator, call: &Call) -> Result<Caller, Response> {
    let w = em.world();
    let checked = w.auth.check(call.bearer(), Resource::Arm, em.now());
    let token = checked.map_err(|problem| {
        let (code, message) = match problem {
            TokenProblem::Missing => {
                ("AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.".to_string())
            }
            TokenProblem::Invalid => ("InvalidAuthenticationToken", "The access token is invalid.".to_string()),
            TokenProblem::Expired { expired_at } => (
                "ExpiredAuthenticationToken",
                format!(
                    "The access token expiry UTC time '{}' is earlier than current UTC time '{}'.",
                    us_time(em, expired_at),
                    us_time(em, em.now())
                ),
            ),
            TokenProblem::WrongResource { audience } => (
                "InvalidAuthenticationTokenAudience",
                format!(
                    "The access token has been obtained for wrong audience or resource '{audience}'. It should exactly match with one of the allowed audiences {}.",
                    ARM_ALLOWED_AUDIENCES.iter().map(|a| format!("'{a}'")).collect::<Vec<_>>().join(",")
                ),
            ),
        };
        let mut r = arm_error(em, StatusCode::UNAUTHORIZED, code, &message);
        http::set_header(
            &mut r,
            "www-authenticate",
            &format!(
                "Bearer authorization_uri=\"{}/login/common\", error=\"invalid_token\", error_description=\"{message}\"",
                em.base_url
            ),
        );
        r
    })?;
    let user = w.user(token.user).cloned().ok_or_else(|| {
        arm_error(em, StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken", "The access token is invalid.")
    })?;
    Ok(Caller { token, user })
}

/// `11/22/2026 10:04:05 AM`, the way ARM writes times in token errors.
fn us_time(em: &Emulator, m: crate::state::Moment) -> String {
    let t = em.clock.wall(m);
    let (hour, ampm) = match t.hour() {
        0 => (12, "AM"),
        h @ 1..=11 => (h, "AM"),
        12 => (12, "PM"),
        h => (h - 12, "PM"),
    };
    format!("{}/{}/{} {}:{:02}:{:02} {ampm}", u8::from(t.month()), t.day(), t.year(), hour, t.minute(), t.second())
}

/// ARM's error body `{"error":{"code","message"}}`.
pub fn arm_error(_em: &Emulator, status: StatusCode, code: &str, message: &str) -> Response {
    http::json(status, &json!({"error": {"code": code, "message": message}}))
}

/// Checks `api-version`; `Some(response)` when it is missing or not one of `allowed`.
/// `provider` selects the resource-provider flavour of the error.
pub fn version(em: &Emulator, call: &Call, allowed: &[&str], provider: bool) -> Option<Response> {
    let Some(v) = call.q("api-version") else {
        return Some(arm_error(
            em,
            StatusCode::BAD_REQUEST,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        ));
    };
    if allowed.contains(&v) {
        return None;
    }
    let list = allowed.iter().rev().copied().collect::<Vec<_>>();
    Some(if provider {
        arm_error(
            em,
            StatusCode::BAD_REQUEST,
            "NoRegisteredProviderFound",
            &format!(
                "No registered resource provider found for location 'global' and API version '{v}' for type 'userAssignedIdentities'. The supported api-versions are '{}'. The supported locations are 'westeurope, northeurope, eastus, westus, newzealandnorth, malaysiasouth'.",
                list.join(", ")
            ),
        )
    } else {
        arm_error(
            em,
            StatusCode::BAD_REQUEST,
            "InvalidApiVersionParameter",
            &format!("The api-version '{v}' is invalid. The supported versions are '{}'.", list.join(",")),
        )
    })
}

pub fn forbidden(em: &Emulator, caller: &Caller, action: &str, scope: &str) -> Response {
    arm_error(
        em,
        StatusCode::FORBIDDEN,
        "AuthorizationFailed",
        &format!(
            "The client '{}' with object id '{}' does not have authorization to perform action '{action}' over scope '{scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.",
            caller.user.upn, caller.token.oid
        ),
    )
}

/// The subscription if it exists and belongs to the token's tenant; the real errors otherwise.
pub fn subscription_for(em: &Emulator, caller: &Caller, id: &str) -> Result<Subscription, Response> {
    let not_found = || {
        arm_error(
            em,
            StatusCode::NOT_FOUND,
            "SubscriptionNotFound",
            &format!("The subscription '{id}' could not be found."),
        )
    };
    let guid = Guid::parse_input("subscription", id).map_err(|_| {
        arm_error(
            em,
            StatusCode::BAD_REQUEST,
            "InvalidSubscriptionId",
            &format!("The provided subscription identifier '{id}' is malformed or invalid."),
        )
    })?;
    let w = em.world();
    let sub = w.subscription(guid).cloned().ok_or_else(not_found)?;
    if sub.tenant != caller.token.tenant {
        return Err(arm_error(
            em,
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationTokenTenant",
            &format!(
                "The access token is from the wrong issuer 'https://sts.windows.net/{}/'. It must match the tenant 'https://sts.windows.net/{}/' associated with this subscription. Please use the authority (URL) 'https://login.windows.net/{}' to get the token. Note, if the subscription is transferred to another tenant there is no impact to the services, but information about new tenant could take time to propagate (up to an hour). If you just transferred your subscription and see this error message, please try back later.",
                caller.token.tenant, sub.tenant, sub.tenant
            ),
        ));
    }
    if !scope::any_role_at_or_below(&w, caller.token.oid, &format!("/subscriptions/{}", sub.id)) {
        return Err(not_found());
    }
    Ok(sub)
}

/// The resource group if it exists in the subscription.
pub fn resource_group_for(em: &Emulator, sub: Guid, name: &str) -> Result<ResourceGroup, Response> {
    em.world().resource_group(sub, name).cloned().ok_or_else(|| {
        arm_error(
            em,
            StatusCode::NOT_FOUND,
            "ResourceGroupNotFound",
            &format!("Resource group '{name}' could not be found."),
        )
    })
}

/// True when the caller holds one of `roles` at `scope`.
pub fn holds(em: &Emulator, caller: &Caller, scope_text: &str, roles: &[&str]) -> bool {
    scope::roles_at(&em.world(), caller.token.oid, scope_text).iter().any(|r| roles.contains(r))
}

fn tenants(em: &Emulator, caller: &Caller) -> Response {
    let w = em.world();
    let value: Vec<Value> = caller
        .user
        .tenants
        .iter()
        .filter_map(|(t, _)| w.tenant(*t))
        .map(|t| {
            json!({
                "id": format!("/tenants/{}", t.id),
                "tenantId": t.id.to_string(),
                "countryCode": "US",
                "displayName": t.display_name,
                "domains": [t.default_domain],
                "tenantCategory": "Home",
                "defaultDomain": t.default_domain,
                "tenantType": "AAD",
            })
        })
        .collect();
    drop(w);
    http::json(StatusCode::OK, &json!({"value": value}))
}

fn subscription_json(s: &Subscription) -> Value {
    json!({
        "id": format!("/subscriptions/{}", s.id),
        "authorizationSource": "RoleBased",
        "managedByTenants": [],
        "subscriptionId": s.id.to_string(),
        "tenantId": s.tenant.to_string(),
        "displayName": s.display_name,
        "state": "Enabled",
        "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01", "quotaId": "PayAsYouGo_2014-09-01", "spendingLimit": "Off"},
    })
}

fn subscriptions(em: &Emulator, call: &Call, caller: &Caller) -> Response {
    let w = em.world();
    let visible: Vec<Value> = w
        .subscriptions
        .iter()
        .filter(|s| s.tenant == caller.token.tenant)
        .filter(|s| scope::any_role_at_or_below(&w, caller.token.oid, &format!("/subscriptions/{}", s.id)))
        .map(subscription_json)
        .collect();
    drop(w);
    paged(em, call, visible, "subscriptions")
}

/// ARM paging: `ARM_PAGE_SIZE` items and a `nextLink` carrying `$skiptoken`.
pub fn paged(em: &Emulator, call: &Call, items: Vec<Value>, path: &str) -> Response {
    let offset = match call.q("$skiptoken") {
        None => 0,
        Some(t) => match decode_continuation(t) {
            Some(o) => o,
            None => {
                return arm_error(
                    em,
                    StatusCode::BAD_REQUEST,
                    "InvalidSkipToken",
                    "The provided skip token is invalid.",
                );
            }
        },
    };
    let total = items.len();
    let value: Vec<Value> = items.into_iter().skip(offset).take(ARM_PAGE_SIZE).collect();
    let mut body = json!({"value": value});
    if offset + ARM_PAGE_SIZE < total {
        body["nextLink"] = json!(format!(
            "{}/arm/{path}?api-version={}&$skiptoken={}",
            em.base_url,
            call.q("api-version").unwrap_or_default(),
            encode_continuation(offset + ARM_PAGE_SIZE)
        ));
    }
    http::json(StatusCode::OK, &body)
}

fn resource_group_json(rg: &ResourceGroup) -> Value {
    json!({
        "id": format!("/subscriptions/{}/resourceGroups/{}", rg.subscription, rg.name),
        "name": rg.name,
        "type": "Microsoft.Resources/resourceGroups",
        "location": rg.location,
        "properties": {"provisioningState": "Succeeded"},
    })
}

fn resource_groups(em: &Emulator, call: &Call, caller: &Caller) -> Response {
    let sub = match subscription_for(em, caller, call.seg(1).unwrap_or_default()) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let sub_scope = format!("/subscriptions/{}", sub.id);
    match (&call.method, call.seg(3)) {
        (&Method::GET, None) => {
            let w = em.world();
            let all = !scope::roles_at(&w, caller.token.oid, &sub_scope).is_empty();
            let value: Vec<Value> = w
                .resource_groups
                .iter()
                .filter(|r| r.subscription == sub.id)
                .filter(|r| {
                    all || scope::any_role_at_or_below(
                        &w,
                        caller.token.oid,
                        &format!("{sub_scope}/resourceGroups/{}", r.name),
                    )
                })
                .map(resource_group_json)
                .collect();
            drop(w);
            paged(em, call, value, &format!("subscriptions/{}/resourcegroups", sub.id))
        }
        (&Method::GET, Some(name)) => match resource_group_for(em, sub.id, name) {
            Ok(rg) => http::json(StatusCode::OK, &resource_group_json(&rg)),
            Err(r) => r,
        },
        (&Method::PUT, Some(name)) => {
            let scope_text = format!("{sub_scope}/resourcegroups/{name}");
            if !holds(em, caller, &scope_text, RESOURCE_WRITERS) {
                return forbidden(em, caller, "Microsoft.Resources/subscriptions/resourcegroups/write", &scope_text);
            }
            let Some(location) =
                call.json().and_then(|b| b.get("location").and_then(Value::as_str).map(str::to_string))
            else {
                return arm_error(
                    em,
                    StatusCode::BAD_REQUEST,
                    "LocationRequired",
                    "The location property is required for this definition.",
                );
            };
            let mut w = em.world();
            if let Some(rg) = w.resource_group(sub.id, name).cloned() {
                drop(w);
                return http::json(StatusCode::OK, &resource_group_json(&rg));
            }
            let rg = ResourceGroup {
                subscription: sub.id,
                name: name.to_string(),
                location: location.to_ascii_lowercase().replace(' ', ""),
            };
            w.resource_groups.push(rg.clone());
            drop(w);
            http::json(StatusCode::CREATED, &resource_group_json(&rg))
        }
        _ => arm_error(
            em,
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "The requested method is not allowed for this resource.",
        ),
    }
}

fn management_groups(em: &Emulator, call: &Call, caller: &Caller) -> Response {
    let w = em.world();
    let to_json = |m: &crate::state::ManagementGroup| {
        json!({
            "id": format!("/providers/Microsoft.Management/managementGroups/{}", m.name),
            "type": "Microsoft.Management/managementGroups",
            "name": m.name,
            "properties": {"tenantId": m.tenant.to_string(), "displayName": m.display_name},
        })
    };
    let visible = |m: &&crate::state::ManagementGroup| {
        m.tenant == caller.token.tenant
            && scope::any_role_at_or_below(
                &w,
                caller.token.oid,
                &format!("/providers/Microsoft.Management/managementGroups/{}", m.name),
            )
    };
    let response = match call.seg(3) {
        None => {
            let value: Vec<Value> = w.management_groups.iter().filter(visible).map(to_json).collect();
            http::json(StatusCode::OK, &json!({"value": value}))
        }
        Some(name) => match w.management_groups.iter().filter(visible).find(|m| m.name.eq_ignore_ascii_case(name)) {
            Some(m) => http::json(StatusCode::OK, &to_json(m)),
            None => arm_error(
                em,
                StatusCode::FORBIDDEN,
                "AuthorizationFailed",
                &format!(
                    "The client '{}' with object id '{}' does not have authorization to perform action 'Microsoft.Management/managementGroups/read' over scope '/providers/Microsoft.Management/managementGroups/{name}' or the scope is invalid. If access was recently granted, please refresh your credentials.",
                    caller.user.upn, caller.token.oid
                ),
            ),
        },
    };
    drop(w);
    response
}
