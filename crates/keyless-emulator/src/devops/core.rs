//! Azure DevOps core and profile APIs: `profiles/me`, `accounts?memberId=`,
//! `connectionData`, and projects (list with `$top` + continuation tokens, get by id or name).
//!
//! Teams, processes and project creation are not modelled.

use axum::{
    http::{Method, StatusCode},
    response::Response,
};
use serde_json::{Value, json};

use super::{Caller, not_found_route, versions, wrapped_error};
use crate::{
    assumptions::DEVOPS_PROJECTS_DEFAULT_TOP,
    catalog::{PROJECT_STATES, devops_descriptor},
    http::{self, Call, decode_continuation, encode_continuation},
    state::{Emulator, Project, User},
};

pub fn route_profile(em: &Emulator, call: &Call, caller: &Caller, s: &[&str]) -> Response {
    match (&call.method, s) {
        (&Method::GET, ["_apis", "profile", "profiles", "me"]) => {
            versions::check(call, versions::STABLE).unwrap_or_else(|| profile(em, &caller.user))
        }
        (&Method::GET, ["_apis", "accounts"]) => {
            versions::check(call, versions::STABLE).unwrap_or_else(|| accounts(em, call, caller))
        }
        _ => not_found_route(call),
    }
}

pub fn route_org(em: &Emulator, call: &Call, caller: &Caller, s: &[&str]) -> Response {
    match (&call.method, s) {
        (&Method::GET, ["_apis", "connectiondata"]) => {
            versions::check(call, versions::OPTIONAL).unwrap_or_else(|| connection_data(em, caller))
        }
        (&Method::GET, ["_apis", "projects"]) => {
            versions::check(call, versions::STABLE).unwrap_or_else(|| projects(em, call, caller))
        }
        (&Method::GET, ["_apis", "projects", _]) => versions::check(call, versions::STABLE).unwrap_or_else(|| {
            let wanted = call.seg(3).unwrap_or_default();
            match em.world().project(&caller.org().name, wanted).cloned() {
                Some(p) => http::json(StatusCode::OK, &project_json(em, &p, true)),
                None => project_not_found(wanted),
            }
        }),
        _ => not_found_route(call),
    }
}

pub fn project_not_found(name: &str) -> Response {
    wrapped_error(
        StatusCode::NOT_FOUND,
        &format!(
            "TF200016: The following project does not exist: {name}. Verify that the name of the project is correct and that the project exists on the specified Azure DevOps Server."
        ),
        "ProjectDoesNotExistWithNameException",
    )
}

fn profile(em: &Emulator, user: &User) -> Response {
    http::json(
        StatusCode::OK,
        &json!({
            "displayName": user.display_name,
            "publicAlias": user.devops_id.to_string(),
            "emailAddress": user.upn,
            "coreRevision": 480_214_772,
            "timeStamp": em.clock.iso(crate::state::Moment(0).days_before(200)),
            "id": user.devops_id.to_string(),
            "revision": 480_214_772,
        }),
    )
}

fn accounts(em: &Emulator, call: &Call, caller: &Caller) -> Response {
    let member = call.q("memberId").or_else(|| call.q("ownerId"));
    let Some(member) = member else {
        return wrapped_error(
            StatusCode::BAD_REQUEST,
            "Necessary parameters ownerId or memberId were not provided in the request.",
            "ArgumentException",
        );
    };
    let w = em.world();
    let value: Vec<Value> = if member.eq_ignore_ascii_case(&caller.user.devops_id.to_string()) {
        w.organizations
            .iter()
            .filter(|o| o.tenant == caller.token.tenant)
            .filter(|o| caller.user.devops.keys().any(|k| k.eq_ignore_ascii_case(&o.name)))
            .map(|o| {
                json!({
                    "accountId": o.id.to_string(),
                    "accountUri": format!("{}/vssps/{}/", em.base_url, o.name),
                    "accountName": o.name,
                    "properties": {},
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    drop(w);
    http::json(StatusCode::OK, &json!({"count": value.len(), "value": value}))
}

/// The identity shape Azure DevOps uses for the authenticated user.
pub fn user_identity(caller: &Caller) -> Value {
    let u = &caller.user;
    json!({
        "id": u.devops_id.to_string(),
        "descriptor": format!("Microsoft.IdentityModel.Claims.ClaimsIdentity;{}\\{}", caller.token.tenant, u.upn),
        "subjectDescriptor": devops_descriptor("aad", &u.devops_id.to_string()),
        "providerDisplayName": u.display_name,
        "isActive": true,
        "properties": {"Account": {"$type": "System.String", "$value": u.upn}},
        "resourceVersion": 2,
        "metaTypeId": 0,
    })
}

fn connection_data(em: &Emulator, caller: &Caller) -> Response {
    let org = caller.org();
    let deployment = em.world().ids.stable("deployment");
    http::json(
        StatusCode::OK,
        &json!({
            "authenticatedUser": user_identity(caller),
            "authorizedUser": user_identity(caller),
            "instanceId": org.id.to_string(),
            "deploymentId": deployment.to_string(),
            "deploymentType": "hosted",
            "locationServiceData": {
                "serviceOwner": "00025394-6065-48ca-87d9-7f5672854ef7",
                "defaultAccessMappingMoniker": "PublicAccessMapping",
                "lastChangeId": 91_733_245,
                "lastChangeId64": 91_733_245_i64,
            },
        }),
    )
}

pub fn project_json(em: &Emulator, p: &Project, detailed: bool) -> Value {
    let mut v = json!({
        "id": p.id.to_string(),
        "name": p.name,
        "url": format!("{}/ado/{}/_apis/projects/{}", em.base_url, p.organization, p.id),
        "state": p.state,
        "revision": p.revision,
        "visibility": p.visibility,
        "lastUpdateTime": em.clock.iso(crate::state::Moment(0).days_before(3)),
    });
    if !p.description.is_empty() {
        v["description"] = json!(p.description);
    }
    if detailed {
        v["capabilities"] = json!({
            "versioncontrol": {"sourceControlType": "Git", "gitEnabled": "True", "tfvcEnabled": "False"},
            "processTemplate": {"templateName": "Agile", "templateTypeId": "adcc42ab-9882-485e-a3ed-7678f01f66bc"},
        });
        v["_links"] = json!({"self": {"href": v["url"]}});
    }
    v
}

fn projects(em: &Emulator, call: &Call, caller: &Caller) -> Response {
    let top = match call.q("$top") {
        None => DEVOPS_PROJECTS_DEFAULT_TOP,
        Some(t) => match t.parse::<usize>() {
            Ok(n) if n > 0 => n,
            _ => {
                return wrapped_error(
                    StatusCode::BAD_REQUEST,
                    &format!("The value '{t}' is not valid for $top. Specify a positive whole number."),
                    "ArgumentOutOfRangeException",
                );
            }
        },
    };
    let state_filter = call.q("stateFilter").unwrap_or("wellFormed");
    if !PROJECT_STATES.iter().any(|s| s.eq_ignore_ascii_case(state_filter)) {
        return wrapped_error(
            StatusCode::BAD_REQUEST,
            &format!("The value '{state_filter}' is not valid for stateFilter."),
            "ArgumentException",
        );
    }
    let offset = match call.q("continuationToken") {
        None => 0,
        Some(t) => match decode_continuation(t) {
            Some(o) => o,
            None => {
                return wrapped_error(
                    StatusCode::BAD_REQUEST,
                    "The continuation token is not valid.",
                    "InvalidContinuationTokenException",
                );
            }
        },
    };
    let w = em.world();
    let all: Vec<Project> =
        w.projects.iter().filter(|p| p.organization.eq_ignore_ascii_case(&caller.org().name)).cloned().collect();
    drop(w);
    // A page is a window over every project; filtering happens inside the window, so a page
    // can come back empty while a continuation token says more exist.
    let window: Vec<Value> = all
        .iter()
        .skip(offset)
        .take(top)
        .filter(|p| state_filter.eq_ignore_ascii_case("all") || p.state.eq_ignore_ascii_case(state_filter))
        .map(|p| project_json(em, p, false))
        .collect();
    let mut r = http::json(StatusCode::OK, &json!({"count": window.len(), "value": window}));
    if offset + top < all.len() {
        http::set_header(&mut r, "x-ms-continuationtoken", &encode_continuation(offset + top));
    }
    r
}
