//! ServicePrincipalEntitlements on `/vsaex/{org}`: add a service principal or managed identity
//! to the organization with a licence and project groups (HTTP 200 with `isSuccess: false`
//! and `operationResult.errors` on failure), get, JSON-patch update, delete.
//!
//! Reads lag behind writes by `membership_read_lag` (a new member is not shown yet, while a
//! POST for it upserts). A member licensed through a group rule refuses a licence PATCH.
//! Extensions, billing and the group rules themselves are not modelled.

use axum::{
    http::{Method, StatusCode},
    response::Response,
};
use keyless_core::Guid;
use serde_json::{Value, json};

use super::{Caller, identities, not_found_route, versions, wrapped_error};
use crate::{
    assumptions::{ENTITLEMENT_ERROR_KEY, GROUP_LICENSED_PATCH_MESSAGE},
    catalog::{LICENSE_TYPES, LICENSING_SOURCES, PROJECT_GROUP_TYPES},
    http::{self, Call},
    state::{DevOpsServicePrincipal, Emulator, Membership, Moment, World},
};

/// Whether something written at `written` is still missing from reads (membership read lag).
pub fn read_lagging(em: &Emulator, written: Moment) -> bool {
    em.now() < written.plus(em.config.membership_read_lag)
}

fn member_not_found(raw: &str) -> Response {
    wrapped_error(
        StatusCode::NOT_FOUND,
        &format!("VS403346: The service principal with id '{raw}' was not found in this organization."),
        "MemberNotFoundException",
    )
}

pub fn route(em: &Emulator, call: &Call, caller: &Caller, s: &[&str]) -> Response {
    if s.len() < 2 || s[0] != "_apis" || s[1] != "serviceprincipalentitlements" || s.len() > 3 {
        return not_found_route(call);
    }
    if let Some(r) = versions::check(call, versions::PREVIEW) {
        return r;
    }
    match (&call.method, s.get(2)) {
        (&Method::POST, None) => add(em, call, caller),
        (_, Some(_)) => {
            let raw = call.seg(3).unwrap_or_default();
            let id = Guid::parse_input("id", raw).ok();
            let org = caller.org().name.clone();
            let found = id.and_then(|id| {
                em.world()
                    .devops_service_principals
                    .iter()
                    .find(|p| p.organization == org && p.id == id && p.license.is_some())
                    .cloned()
            });
            let Some(principal) = found else { return member_not_found(raw) };
            match call.method {
                Method::GET if read_lagging(em, principal.entitled.unwrap_or(principal.created)) => {
                    member_not_found(raw)
                }
                Method::GET => http::json(StatusCode::OK, &entitlement_json(em, &em.world(), &principal)),
                Method::PATCH => patch(em, call, caller, principal),
                Method::DELETE if caller.is_admin() => {
                    let mut w = em.world();
                    w.devops_service_principals.retain(|p| !(p.organization == org && p.id == principal.id));
                    w.memberships.retain(|m| !(m.organization == org && m.member == principal.descriptor));
                    drop(w);
                    http::empty(StatusCode::NO_CONTENT)
                }
                Method::DELETE => identities::denied(caller, "Delete Users"),
                _ => not_found_route(call),
            }
        }
        _ => not_found_route(call),
    }
}

fn license_name(license: &str) -> &'static str {
    match license {
        "express" => "Basic",
        "stakeholder" => "Stakeholder",
        "advanced" => "Basic + Test Plans",
        "professional" => "Visual Studio Professional",
        "earlyAdopter" => "Early Adopter",
        _ => "None",
    }
}

fn entitlement_json(em: &Emulator, w: &World, p: &DevOpsServicePrincipal) -> Value {
    let license = p.license.clone().unwrap_or_else(|| "none".into());
    let projects: Vec<Value> = w
        .memberships
        .iter()
        .filter(|m| m.organization == p.organization && m.member == p.descriptor)
        .filter_map(|m| w.groups.iter().find(|g| g.descriptor == m.container))
        .filter_map(|g| {
            let project = w.projects.iter().find(|x| Some(x.id) == g.project)?;
            let group_type =
                PROJECT_GROUP_TYPES.iter().rev().find(|(_, name)| *name == g.name).map(|(t, _)| *t).unwrap_or("custom");
            Some(json!({
                "group": {"groupType": group_type, "displayName": g.name},
                "projectRef": {"id": project.id.to_string(), "name": project.name},
                "projectPermissionInherited": "notSet",
                "teamRefs": [],
            }))
        })
        .collect();
    json!({
        "id": p.id.to_string(),
        "servicePrincipal": identities::service_principal_json(em, p),
        "accessLevel": {
            "licensingSource": p.licensing_source,
            "accountLicenseType": license,
            "msdnLicenseType": "none",
            "gitHubLicenseType": "none",
            "licenseDisplayName": license_name(&license),
            "status": if em.replicating(p.created) { "pending" } else { "active" },
            "statusMessage": "",
            "assignmentSource": if p.group_licensed { "groupRule" } else { "unknown" },
        },
        "lastAccessedDate": "0001-01-01T00:00:00Z",
        "dateCreated": em.clock.iso(p.entitled.unwrap_or(p.created)),
        "projectEntitlements": projects,
        "extensions": [],
        "groupAssignments": [],
    })
}

fn failure(message: &str) -> Response {
    http::json(
        StatusCode::OK,
        &json!({
            "isSuccess": false,
            "haveResultsBeenSet": true,
            "operationResult": {
                "isSuccess": false,
                "errors": [{"key": ENTITLEMENT_ERROR_KEY, "value": message}],
                "servicePrincipalId": Guid::NIL.to_string(),
                "result": null,
            },
            "servicePrincipalEntitlement": null,
        }),
    )
}

fn bad_enum(field: &str, value: &str) -> Response {
    wrapped_error(
        StatusCode::BAD_REQUEST,
        &format!("The value '{value}' is not valid for {field}."),
        "ArgumentException",
    )
}

fn check_access_level(level: &Value) -> Result<(String, String), Response> {
    let license = level.get("accountLicenseType").and_then(Value::as_str).unwrap_or("express");
    let source = level.get("licensingSource").and_then(Value::as_str).unwrap_or("account");
    let license = LICENSE_TYPES
        .iter()
        .find(|l| l.eq_ignore_ascii_case(license))
        .ok_or_else(|| bad_enum("AccountLicenseType", license))?;
    let source = LICENSING_SOURCES
        .iter()
        .find(|l| l.eq_ignore_ascii_case(source))
        .ok_or_else(|| bad_enum("LicensingSource", source))?;
    Ok(((*license).to_string(), (*source).to_string()))
}

/// Resolves `{group:{groupType}, projectRef:{id}}` to the group's descriptor.
fn project_group(w: &World, org: &str, entry: &Value) -> Result<String, Result<String, Response>> {
    let group_type = entry.pointer("/group/groupType").and_then(Value::as_str).unwrap_or("projectReader");
    let Some((_, group_name)) = PROJECT_GROUP_TYPES.iter().find(|(t, _)| t.eq_ignore_ascii_case(group_type)) else {
        return Err(Err(bad_enum("GroupType", group_type)));
    };
    let project_ref = entry.pointer("/projectRef/id").and_then(Value::as_str).unwrap_or_default();
    let project = w.project(org, project_ref).ok_or_else(|| {
        Ok(format!(
            "VS800075: The project with id 'vstfs:///Classification/TeamProject/{project_ref}' does not exist, or you do not have permission to access it."
        ))
    })?;
    w.groups
        .iter()
        .find(|g| g.organization == org && g.project == Some(project.id) && g.name == *group_name)
        .map(|g| g.descriptor.clone())
        .ok_or_else(|| Ok(format!("The group '{group_name}' does not exist in project '{}'.", project.name)))
}

fn add(em: &Emulator, call: &Call, caller: &Caller) -> Response {
    let Some(body) = call.json() else {
        return wrapped_error(
            StatusCode::BAD_REQUEST,
            "Value cannot be null.\r\nParameter name: servicePrincipalEntitlement",
            "ArgumentNullException",
        );
    };
    let origin_text =
        body.pointer("/servicePrincipal/originId").and_then(Value::as_str).unwrap_or_default().to_string();
    let Ok(origin_id) = Guid::parse_input("originId", &origin_text) else {
        // As for user entitlements (terraform-provider-azuredevops#1384): a 200 with key 5000.
        return failure("The Id or OriginId must be set.");
    };
    let (license, source) = match check_access_level(body.get("accessLevel").unwrap_or(&Value::Null)) {
        Ok(v) => v,
        Err(r) => return r,
    };
    if !caller.is_admin() {
        return failure(&format!(
            "Access Denied: {} needs the following permission(s) on the resource Users to perform this action: Add Users",
            caller.user.devops_id
        ));
    }
    let org = caller.org().name.clone();
    let mut w = em.world();
    let mut containers = Vec::new();
    for entry in body.get("projectEntitlements").and_then(Value::as_array).cloned().unwrap_or_default() {
        match project_group(&w, &org, &entry) {
            Ok(descriptor) => containers.push(descriptor),
            Err(Ok(message)) => {
                drop(w);
                return failure(&message);
            }
            Err(Err(response)) => return response,
        }
    }
    let principal = match identities::materialize(em, &mut w, &org, origin_id) {
        Ok(p) => p,
        Err(f) => {
            drop(w);
            return failure(&f.message(&origin_text));
        }
    };
    let now = em.now();
    if let Some(p) = w.devops_service_principals.iter_mut().find(|p| p.organization == org && p.id == principal.id) {
        // Adding an existing member again updates it (assumption 43); a group rule keeps its
        // licence, and the member keeps the date it was first added.
        if !p.group_licensed {
            p.license = Some(license);
            p.licensing_source = source;
        }
        if p.entitled.is_none() {
            p.entitled = Some(now);
        }
    }
    for container in containers {
        let m = Membership { organization: org.clone(), container, member: principal.descriptor.clone() };
        if !w.memberships.contains(&m) {
            w.memberships.push(m);
        }
    }
    let stored = w.devops_service_principals.iter().find(|p| p.id == principal.id).cloned().unwrap_or(principal);
    let entitlement = entitlement_json(em, &w, &stored);
    drop(w);
    tracing::info!(%org, origin = %origin_id, "service principal entitled");
    http::json(
        StatusCode::OK,
        &json!({
            "isSuccess": true,
            "haveResultsBeenSet": true,
            "operationResult": {"isSuccess": true, "errors": [], "servicePrincipalId": stored.id.to_string(), "result": entitlement},
            "servicePrincipalEntitlement": entitlement,
        }),
    )
}

fn patch(em: &Emulator, call: &Call, caller: &Caller, principal: DevOpsServicePrincipal) -> Response {
    let content_type = call.header("content-type").unwrap_or_default().to_ascii_lowercase();
    if !content_type.starts_with("application/json-patch+json") {
        return wrapped_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            &format!(
                "The request indicated a Content-Type of \"{content_type}\" for method type \"PATCH\" which is not supported. Valid content types for this method are: application/json-patch+json."
            ),
            "VssRequestContentTypeNotSupportedException",
        );
    }
    if !caller.is_admin() {
        return identities::denied(caller, "Edit Users");
    }
    let Some(Value::Array(ops)) = call.json() else {
        return wrapped_error(
            StatusCode::BAD_REQUEST,
            "The request body must be a JSON patch document (an array of operations).",
            "ArgumentException",
        );
    };
    let org = caller.org().name.clone();
    let mut w = em.world();
    let mut errors = Vec::new();
    for op in &ops {
        let kind = op.get("op").and_then(Value::as_str).unwrap_or_default();
        let path = op.get("path").and_then(Value::as_str).unwrap_or_default();
        let value = op.get("value").cloned().unwrap_or(Value::Null);
        match (kind, path) {
            ("replace", "/accessLevel") if principal.group_licensed => {
                drop(w);
                return wrapped_error(StatusCode::BAD_REQUEST, GROUP_LICENSED_PATCH_MESSAGE, "InvalidAccessException");
            }
            ("replace", "/accessLevel") => match check_access_level(&value) {
                Ok((license, source)) => {
                    if let Some(p) = w.devops_service_principals.iter_mut().find(|p| p.id == principal.id) {
                        p.license = Some(license);
                        p.licensing_source = source;
                    }
                }
                Err(r) => return r,
            },
            ("add", p) if p.starts_with("/projectEntitlements") => match project_group(&w, &org, &value) {
                Ok(container) => {
                    let m = Membership { organization: org.clone(), container, member: principal.descriptor.clone() };
                    if !w.memberships.contains(&m) {
                        w.memberships.push(m);
                    }
                }
                Err(Ok(message)) => errors.push(json!({"key": ENTITLEMENT_ERROR_KEY, "value": message})),
                Err(Err(r)) => return r,
            },
            ("remove", p) if p.starts_with("/projectEntitlements/") => {
                let project = p.trim_start_matches("/projectEntitlements/").to_string();
                let groups: Vec<String> = match w.project(&org, &project).map(|x| x.id) {
                    Some(pid) => {
                        w.groups.iter().filter(|g| g.project == Some(pid)).map(|g| g.descriptor.clone()).collect()
                    }
                    None => Vec::new(),
                };
                w.memberships.retain(|m| !(m.member == principal.descriptor && groups.contains(&m.container)));
            }
            _ => {
                return wrapped_error(
                    StatusCode::BAD_REQUEST,
                    &format!("The patch operation '{kind}' on path '{path}' is not supported."),
                    "InvalidPatchOperationException",
                );
            }
        }
    }
    let stored = w.devops_service_principals.iter().find(|p| p.id == principal.id).cloned().unwrap_or(principal);
    let entitlement = entitlement_json(em, &w, &stored);
    drop(w);
    let ok = errors.is_empty();
    http::json(
        StatusCode::OK,
        &json!({
            "isSuccess": ok,
            "haveResultsBeenSet": true,
            "operationResults": [{"isSuccess": ok, "errors": errors, "servicePrincipalId": stored.id.to_string(), "result": entitlement}],
        }),
    )
}
