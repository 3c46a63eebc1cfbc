//! Azure DevOps Graph on `/vssps/{org}/_apis/graph`: descriptors, groups (paged with
//! continuation tokens, pages may be empty), service principals and memberships; plus the
//! rule shared with entitlements for adding an Entra service principal to an organization.
//!
//! Users, teams, subject queries and storage-key lookups other than descriptors are not
//! modelled.

use axum::{
    http::{Method, StatusCode},
    response::Response,
};
use keyless_core::Guid;
use serde_json::{Value, json};

use super::{Caller, not_found_route, versions, wrapped_error};
use crate::{
    assumptions::DEVOPS_GRAPH_PAGE_SIZE,
    catalog::{descriptor_raw, devops_descriptor, team_project_uri},
    http::{self, Call, decode_continuation, encode_continuation},
    state::{DevOpsGroup, DevOpsServicePrincipal, Emulator, Membership, World},
};

/// Why an Entra service principal cannot be added to an organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddFailure {
    /// Just created in Entra, not replicated to Azure DevOps yet (VS403283).
    Replicating,
    /// No service principal with this object id in the organization's tenant (an app object
    /// id, a client id, or an identity of another tenant).
    NotAServicePrincipal,
}

impl AddFailure {
    pub fn message(&self, origin_id: &str) -> String {
        match self {
            AddFailure::Replicating => format!("VS403283: Could not add user '{origin_id}' at this time."),
            AddFailure::NotAServicePrincipal => {
                format!("Failed to create service principal with object ID '{origin_id}'")
            }
        }
    }
}

/// Finds or creates the organization's record of an Entra service principal.
pub fn materialize(
    em: &Emulator,
    w: &mut World,
    org: &str,
    origin_id: Guid,
) -> Result<DevOpsServicePrincipal, AddFailure> {
    let tenant = w.organization(org).map(|o| o.tenant).ok_or(AddFailure::NotAServicePrincipal)?;
    if let Some(existing) = w.devops_principal(org, origin_id) {
        return Ok(existing.clone());
    }
    let sp = w
        .service_principals
        .iter()
        .find(|s| s.id == origin_id && s.tenant == tenant)
        .cloned()
        .ok_or(AddFailure::NotAServicePrincipal)?;
    if em.replicating(sp.created) {
        return Err(AddFailure::Replicating);
    }
    let id = w.ids.next("devops-sp");
    let principal = DevOpsServicePrincipal {
        organization: w.organization(org).map(|o| o.name.clone()).unwrap_or_default(),
        id,
        origin_id,
        application_id: sp.app_id,
        tenant,
        display_name: sp.display_name.clone(),
        descriptor: devops_descriptor("aadsp", &id.to_string()),
        license: None,
        licensing_source: "account".into(),
        created: em.now(),
        entitled: None,
        group_licensed: false,
    };
    w.devops_service_principals.push(principal.clone());
    Ok(principal)
}

pub fn route(em: &Emulator, call: &Call, caller: &Caller, s: &[&str]) -> Response {
    if s.len() < 3 || s[0] != "_apis" || s[1] != "graph" {
        return not_found_route(call);
    }
    if let Some(r) = versions::check(call, versions::PREVIEW) {
        return r;
    }
    let org = caller.org().name.clone();
    match (&call.method, &s[2..]) {
        (&Method::GET, ["descriptors", _]) => descriptor(em, &org, call.seg(4).unwrap_or_default()),
        (&Method::GET, ["storagekeys", _]) => storage_key(em, &org, call.seg(4).unwrap_or_default()),
        (&Method::GET, ["groups"]) => groups(em, call, &org),
        (&Method::GET, ["groups", _]) => {
            let w = em.world();
            let wanted = call.seg(4).unwrap_or_default();
            let found = w
                .groups
                .iter()
                .find(|g| g.organization == org && g.descriptor == wanted)
                .map(|g| group_json(em, &w, g));
            drop(w);
            found.map(|v| http::json(StatusCode::OK, &v)).unwrap_or_else(|| subject_not_found(wanted))
        }
        (&Method::GET, ["serviceprincipals"]) => service_principals(em, call, &org),
        (&Method::POST, ["serviceprincipals"]) => create_service_principal(em, call, caller, &org),
        (_, ["serviceprincipals", _]) => {
            let wanted = call.seg(4).unwrap_or_default().to_string();
            let mut w = em.world();
            let Some(p) =
                w.devops_service_principals.iter().find(|p| p.organization == org && p.descriptor == wanted).cloned()
            else {
                drop(w);
                return subject_not_found(&wanted);
            };
            match call.method {
                Method::GET => {
                    drop(w);
                    http::json(StatusCode::OK, &service_principal_json(em, &p))
                }
                Method::DELETE if caller.is_admin() => {
                    w.devops_service_principals.retain(|x| !(x.organization == org && x.descriptor == wanted));
                    w.memberships.retain(|m| !(m.organization == org && m.member == wanted));
                    drop(w);
                    http::empty(StatusCode::NO_CONTENT)
                }
                Method::DELETE => {
                    drop(w);
                    denied(caller, "Delete Users")
                }
                _ => not_found_route(call),
            }
        }
        (_, ["memberships", _, _]) => membership(em, call, caller, &org),
        (&Method::GET, ["memberships", _]) => {
            let subject = call.seg(4).unwrap_or_default();
            let up = call.q("direction").is_none_or(|d| d.eq_ignore_ascii_case("up"));
            let w = em.world();
            let value: Vec<Value> = w
                .memberships
                .iter()
                .filter(|m| m.organization == org && if up { m.member == subject } else { m.container == subject })
                .map(|m| membership_json(em, &org, m))
                .collect();
            drop(w);
            http::json(StatusCode::OK, &json!({"count": value.len(), "value": value}))
        }
        _ => not_found_route(call),
    }
}

pub fn denied(caller: &Caller, permission: &str) -> Response {
    wrapped_error(
        StatusCode::FORBIDDEN,
        &format!(
            "Access Denied: {} needs the following permission(s) on the resource Users to perform this action: {permission}",
            caller.user.devops_id
        ),
        "UnauthorizedAccessException",
    )
}

fn subject_not_found(descriptor: &str) -> Response {
    wrapped_error(
        StatusCode::NOT_FOUND,
        &format!("VS860018: The requested subject '{descriptor}' could not be found."),
        "GraphSubjectNotFoundException",
    )
}

/// `GET _apis/graph/storagekeys/{descriptor}`: the storage key (the id entitlements use) of
/// a service principal or group.
fn storage_key(em: &Emulator, org: &str, descriptor: &str) -> Response {
    let w = em.world();
    let found = w
        .devops_service_principals
        .iter()
        .find(|p| p.organization == org && p.descriptor == descriptor)
        .map(|p| p.id)
        .or_else(|| w.groups.iter().find(|g| g.organization == org && g.descriptor == descriptor).map(|g| g.origin_id));
    drop(w);
    match found {
        Some(id) => http::json(
            StatusCode::OK,
            &json!({"value": id.to_string(), "_links": {"descriptor": {"href": format!("{}/vssps/{org}/_apis/Graph/Descriptors/{id}", em.base_url)}}}),
        ),
        None => subject_not_found(descriptor),
    }
}

fn descriptor(em: &Emulator, org: &str, key: &str) -> Response {
    let w = em.world();
    let Ok(id) = Guid::parse_input("storageKey", key) else {
        drop(w);
        return subject_not_found(key);
    };
    let found = if w.project(org, &id.to_string()).is_some() {
        Some(devops_descriptor("scp", &id.to_string()))
    } else if let Some(p) = w.devops_service_principals.iter().find(|p| p.organization == org && p.id == id) {
        Some(p.descriptor.clone())
    } else if let Some(u) =
        w.users.iter().find(|u| u.devops_id == id && u.devops.keys().any(|k| k.eq_ignore_ascii_case(org)))
    {
        Some(devops_descriptor("aad", &u.devops_id.to_string()))
    } else {
        w.groups.iter().find(|g| g.organization == org && g.origin_id == id).map(|g| g.descriptor.clone())
    };
    drop(w);
    match found {
        Some(value) => http::json(
            StatusCode::OK,
            &json!({"value": value, "_links": {"storageKey": {"href": format!("{}/vssps/{org}/_apis/Graph/StorageKeys/{value}", em.base_url)}}}),
        ),
        None => subject_not_found(key),
    }
}

fn group_json(em: &Emulator, w: &World, g: &DevOpsGroup) -> Value {
    let org_id = w.organization(&g.organization).map(|o| o.id).unwrap_or(Guid::NIL);
    let (domain, principal) = match g.project.and_then(|p| w.projects.iter().find(|x| x.id == p)) {
        Some(p) => (team_project_uri(p.id), format!("[{}]\\{}", p.name, g.name)),
        None => (format!("vstfs:///Framework/IdentityDomain/{org_id}"), format!("[{}]\\{}", g.organization, g.name)),
    };
    json!({
        "subjectKind": "group",
        "description": g.description,
        "domain": domain,
        "principalName": principal,
        "mailAddress": null,
        "origin": "vsts",
        "originId": g.origin_id.to_string(),
        "displayName": g.name,
        "url": format!("{}/vssps/{}/_apis/Graph/Groups/{}", em.base_url, g.organization, g.descriptor),
        "descriptor": g.descriptor,
    })
}

/// Pages over a raw list: each page is a window of `DEVOPS_GRAPH_PAGE_SIZE` raw items,
/// filtered afterwards, so a page can be empty while a continuation token remains.
fn paged(call: &Call, raw: Vec<Option<Value>>) -> Response {
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
    let total = raw.len();
    let value: Vec<Value> = raw.into_iter().skip(offset).take(DEVOPS_GRAPH_PAGE_SIZE).flatten().collect();
    let mut r = http::json(StatusCode::OK, &json!({"count": value.len(), "value": value}));
    if offset + DEVOPS_GRAPH_PAGE_SIZE < total {
        http::set_header(&mut r, "x-ms-continuationtoken", &encode_continuation(offset + DEVOPS_GRAPH_PAGE_SIZE));
    }
    r
}

fn groups(em: &Emulator, call: &Call, org: &str) -> Response {
    let w = em.world();
    let scope = match call.q("scopeDescriptor") {
        None => None,
        Some(d) => match descriptor_raw(d)
            .filter(|(kind, _)| kind == "scp")
            .and_then(|(_, raw)| Guid::parse_input("scope", &raw).ok())
        {
            Some(project) if w.project(org, &project.to_string()).is_some() => Some(project),
            _ => {
                drop(w);
                return wrapped_error(
                    StatusCode::BAD_REQUEST,
                    &format!("VS860014: The scope descriptor '{d}' is not valid."),
                    "InvalidSubjectTypeException",
                );
            }
        },
    };
    let raw: Vec<Option<Value>> = w
        .groups
        .iter()
        .filter(|g| g.organization == org)
        .map(|g| (scope.is_none() || g.project == scope).then(|| group_json(em, &w, g)))
        .collect();
    drop(w);
    paged(call, raw)
}

pub fn service_principal_json(em: &Emulator, p: &DevOpsServicePrincipal) -> Value {
    json!({
        "subjectKind": "servicePrincipal",
        "metaType": "application",
        "applicationId": p.application_id.to_string(),
        "directoryAlias": null,
        "domain": p.tenant.to_string(),
        "principalName": p.application_id.to_string(),
        "mailAddress": null,
        "origin": "aad",
        "originId": p.origin_id.to_string(),
        "displayName": p.display_name,
        "url": format!("{}/vssps/{}/_apis/Graph/ServicePrincipals/{}", em.base_url, p.organization, p.descriptor),
        "descriptor": p.descriptor,
    })
}

fn service_principals(em: &Emulator, call: &Call, org: &str) -> Response {
    let w = em.world();
    let raw = w
        .devops_service_principals
        .iter()
        .filter(|p| p.organization == org && !super::entitlements::read_lagging(em, p.created))
        .map(|p| Some(service_principal_json(em, p)))
        .collect();
    drop(w);
    paged(call, raw)
}

fn create_service_principal(em: &Emulator, call: &Call, caller: &Caller, org: &str) -> Response {
    if !caller.is_admin() {
        return denied(caller, "Add Users");
    }
    let origin_text =
        call.json().and_then(|b| b.get("originId").and_then(Value::as_str).map(str::to_string)).unwrap_or_default();
    let Ok(origin_id) = Guid::parse_input("originId", &origin_text) else {
        return wrapped_error(
            StatusCode::BAD_REQUEST,
            "VS860015: The originId must be a GUID.",
            "InvalidSubjectTypeException",
        );
    };
    let group_descriptors: Vec<String> =
        call.q("groupDescriptors").map(|g| g.split(',').map(str::to_string).collect()).unwrap_or_default();
    let mut w = em.world();
    if let Some(missing) =
        group_descriptors.iter().find(|d| !w.groups.iter().any(|g| g.organization == org && &g.descriptor == *d))
    {
        let missing = missing.clone();
        drop(w);
        return subject_not_found(&missing);
    }
    let principal = match materialize(em, &mut w, org, origin_id) {
        Ok(p) => p,
        Err(failure) => {
            drop(w);
            return wrapped_error(StatusCode::BAD_REQUEST, &failure.message(&origin_text), "GraphBadRequestException");
        }
    };
    for container in group_descriptors {
        let m = Membership { organization: org.to_string(), container, member: principal.descriptor.clone() };
        if !w.memberships.contains(&m) {
            w.memberships.push(m);
        }
    }
    drop(w);
    http::json(StatusCode::CREATED, &service_principal_json(em, &principal))
}

fn membership_json(em: &Emulator, org: &str, m: &Membership) -> Value {
    json!({
        "containerDescriptor": m.container,
        "memberDescriptor": m.member,
        "_links": {
            "self": {"href": format!("{}/vssps/{org}/_apis/Graph/Memberships/{}/{}", em.base_url, m.member, m.container)},
        },
    })
}

fn membership(em: &Emulator, call: &Call, caller: &Caller, org: &str) -> Response {
    let member = call.seg(4).unwrap_or_default().to_string();
    let container = call.seg(5).unwrap_or_default().to_string();
    let m = Membership { organization: org.to_string(), container: container.clone(), member: member.clone() };
    let mut w = em.world();
    let exists = w.memberships.contains(&m);
    match call.method {
        Method::HEAD | Method::GET => {
            drop(w);
            if !exists {
                return wrapped_error(
                    StatusCode::NOT_FOUND,
                    &format!("VS860018: The membership of '{member}' in '{container}' could not be found."),
                    "GraphMembershipNotFoundException",
                );
            }
            if call.method == Method::HEAD {
                http::empty(StatusCode::OK)
            } else {
                http::json(StatusCode::OK, &membership_json(em, org, &m))
            }
        }
        Method::PUT | Method::DELETE if !caller.is_admin() => {
            drop(w);
            denied(caller, "Manage Membership")
        }
        Method::PUT => {
            let group_ok = w.groups.iter().any(|g| g.organization == org && g.descriptor == container);
            let member_ok = w.devops_service_principals.iter().any(|p| p.organization == org && p.descriptor == member)
                || w.groups.iter().any(|g| g.organization == org && g.descriptor == member)
                || w.users.iter().any(|u| devops_descriptor("aad", &u.devops_id.to_string()) == member);
            if !group_ok || !member_ok {
                drop(w);
                return subject_not_found(if group_ok { &member } else { &container });
            }
            if !exists {
                w.memberships.push(m.clone());
            }
            drop(w);
            http::json(StatusCode::CREATED, &membership_json(em, org, &m))
        }
        Method::DELETE => {
            w.memberships.retain(|x| x != &m);
            drop(w);
            http::empty(StatusCode::OK)
        }
        _ => {
            drop(w);
            not_found_route(call)
        }
    }
}
