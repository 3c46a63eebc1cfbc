//! Service endpoints (service connections): routing, the response shape (secrets always
//! null), list filters, get, types and execution history. Writes live in `write.rs`, scheme
//! conversion in `convert.rs`.
//!
//! Endpoint security roles and the endpoint request/proxy API beyond TestConnection are not
//! modelled.

mod automatic;
mod convert;
mod write;

pub use write::{may_manage as may_manage_endpoint, target_organization};

use axum::{
    http::{Method, StatusCode},
    response::Response,
};
use keyless_core::Guid;
use serde_json::{Value, json};

use super::{Caller, not_found_route, versions, wrapped_error};
use crate::{
    http::{self, Call},
    state::{Emulator, ServiceEndpoint, World},
};

/// Authorization parameters that hold secrets; they are never stored or returned.
pub const SECRET_PARAMETERS: &[&str] = &[
    "serviceprincipalkey",
    "apitoken",
    "password",
    "nugetkey",
    "accesstoken",
    "servicePrincipalCertificate",
    "certificate",
];

/// The (type, schemes) the emulator knows.
pub const TYPES: &[(&str, &str, &[&str])] = &[
    (
        "azurerm",
        "Azure Resource Manager",
        &["WorkloadIdentityFederation", "ServicePrincipal", "ManagedServiceIdentity", "PublishProfile"],
    ),
    ("WorkloadIdentityUser", "Azure DevOps", &["WorkloadIdentityFederation"]),
    ("dockerregistry", "Docker Registry", &["WorkloadIdentityFederation", "ServicePrincipal", "UsernamePassword"]),
    ("externaltfs", "Azure Repos/Team Foundation Server", &["Token", "UsernamePassword"]),
    ("externalnugetfeed", "NuGet", &["Token", "UsernamePassword", "None"]),
    ("externalnpmregistry", "npm", &["Token", "UsernamePassword"]),
    ("github", "GitHub", &["Token", "OAuth", "InstallationToken", "PersonalAccessToken"]),
    ("generic", "Generic", &["UsernamePassword", "None"]),
];

pub fn route_org(em: &Emulator, call: &Call, caller: &Caller, s: &[&str]) -> Response {
    match (&call.method, &s[2..]) {
        (&Method::GET, ["types"]) => versions::check(call, versions::STABLE).unwrap_or_else(|| types(em, call)),
        (&Method::GET, [_, "executionhistory"]) => versions::check(call, versions::STABLE)
            .unwrap_or_else(|| history(em, call, caller, None, call.seg(3).unwrap_or_default())),
        (_, ["endpoints", ..]) => endpoints(em, call, caller, None, &s[2..], 4),
        _ => not_found_route(call),
    }
}

/// `s` starts at `_apis`; `project` is the raw project segment.
pub fn route_project(em: &Emulator, call: &Call, caller: &Caller, project: &str, s: &[&str]) -> Response {
    let Some(project_id) = em.world().project(&caller.org().name, project).map(|p| p.id) else {
        return super::core::project_not_found(project);
    };
    match (&call.method, &s[2..]) {
        (&Method::GET, [_, "executionhistory"]) => versions::check(call, versions::STABLE)
            .unwrap_or_else(|| history(em, call, caller, Some(project_id), call.seg(4).unwrap_or_default())),
        (_, ["endpoints", ..]) => endpoints(em, call, caller, Some(project_id), &s[2..], 5),
        _ => not_found_route(call),
    }
}

/// `rest` starts at `endpoints`; `id_index` is the index of the endpoint id in the raw segments.
fn endpoints(
    em: &Emulator,
    call: &Call,
    caller: &Caller,
    project: Option<Guid>,
    rest: &[&str],
    id_index: usize,
) -> Response {
    if let Some(r) = versions::check(call, versions::STABLE) {
        return r;
    }
    match (&call.method, rest.len(), project) {
        (&Method::GET, 1, Some(p)) => list(em, call, caller, p),
        (&Method::POST, 1, _) => write::create(em, call, caller),
        (&Method::PUT, 1, _) => write::update_many(em, call, caller),
        (_, 2, _) => {
            let raw = call.seg(id_index).unwrap_or_default();
            let Ok(id) = Guid::parse_input("endpointId", raw) else {
                return wrapped_error(
                    StatusCode::BAD_REQUEST,
                    &format!("The value '{raw}' is not a valid endpoint id."),
                    "ArgumentException",
                );
            };
            match (&call.method, project) {
                (&Method::GET, Some(p)) => get(em, caller, p, id),
                (&Method::PUT, _) => write::update(em, call, caller, id, project),
                (&Method::PATCH, _) => write::share(em, call, caller, id),
                (&Method::DELETE, _) => write::delete(em, call, caller, id),
                _ => not_found_route(call),
            }
        }
        _ => not_found_route(call),
    }
}

/// The endpoint as Azure DevOps returns it, named as in `project` (or its owning project).
pub fn endpoint_json(em: &Emulator, w: &World, e: &ServiceEndpoint, project: Option<Guid>) -> Value {
    let name = project
        .and_then(|p| e.project_references.iter().find(|r| r.project_id == p))
        .map(|r| r.name.clone())
        .unwrap_or_else(|| e.name.clone());
    let creator = w.user(e.created_by);
    let mut parameters = e.parameters.clone();
    for (k, v) in parameters.iter_mut() {
        if SECRET_PARAMETERS.iter().any(|s| s.eq_ignore_ascii_case(k)) {
            *v = Value::Null;
        }
    }
    let references: Vec<Value> = e
        .project_references
        .iter()
        .map(|r| json!({"projectReference": {"id": r.project_id.to_string(), "name": r.project_name}, "name": r.name, "description": r.description}))
        .collect();
    json!({
        "data": e.data,
        "id": e.id.to_string(),
        "name": name,
        "type": e.kind,
        "url": e.url,
        "createdBy": {
            "displayName": creator.map(|u| u.display_name.clone()),
            "id": creator.map(|u| u.devops_id.to_string()),
            "uniqueName": creator.map(|u| u.upn.clone()),
        },
        "description": e.description,
        "authorization": {"parameters": parameters, "scheme": e.scheme},
        "isShared": e.is_shared,
        "isReady": e.is_ready,
        "isDisabled": e.is_disabled,
        "isOutdated": false,
        "owner": e.owner,
        "operationStatus": e.operation_status,
        "serviceEndpointProjectReferences": references,
        "serviceManagementReference": e.service_management_reference,
        "creationDate": em.clock.iso(e.created),
        "modificationDate": em.clock.iso(e.modified),
    })
}

fn csv(call: &Call, key: &str) -> Option<Vec<String>> {
    call.q(key).map(|v| v.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect())
}

fn list(em: &Emulator, call: &Call, caller: &Caller, project: Guid) -> Response {
    let kind = call.q("type").map(str::to_string);
    let schemes = csv(call, "authSchemes");
    let names = csv(call, "endpointNames");
    let ids = csv(call, "endpointIds");
    let owner = call.q("owner").map(str::to_string);
    let include_failed = call.q("includeFailed").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let manage_only = call.q("actionFilter").is_some_and(|v| v.eq_ignore_ascii_case("manage"));
    let org = caller.org().name.clone();
    let w = em.world();
    let value: Vec<Value> = w
        .service_endpoints
        .iter()
        .filter(|e| e.organization == org)
        .filter(|e| e.project_references.iter().any(|r| r.project_id == project))
        .filter(|e| kind.as_ref().is_none_or(|k| k.eq_ignore_ascii_case(&e.kind)))
        .filter(|e| schemes.as_ref().is_none_or(|s| s.iter().any(|x| x.eq_ignore_ascii_case(&e.scheme))))
        .filter(|e| {
            let here = e
                .project_references
                .iter()
                .find(|r| r.project_id == project)
                .map(|r| r.name.as_str())
                .unwrap_or(&e.name);
            names.as_ref().is_none_or(|n| n.iter().any(|x| x.eq_ignore_ascii_case(here)))
        })
        .filter(|e| ids.as_ref().is_none_or(|i| i.iter().any(|x| x.eq_ignore_ascii_case(&e.id.to_string()))))
        .filter(|e| owner.as_ref().is_none_or(|o| o.eq_ignore_ascii_case(&e.owner)))
        .filter(|e| {
            include_failed
                || e.operation_status.as_ref().and_then(|s| s.get("state")).and_then(Value::as_str) != Some("Failed")
        })
        .filter(|e| !manage_only || caller.is_admin() || e.created_by == caller.user.id)
        .map(|e| endpoint_json(em, &w, e, Some(project)))
        .collect();
    drop(w);
    http::json(StatusCode::OK, &json!({"count": value.len(), "value": value}))
}

fn get(em: &Emulator, caller: &Caller, project: Guid, id: Guid) -> Response {
    let w = em.world();
    let found = w
        .endpoint(&caller.org().name, id)
        .filter(|e| e.project_references.iter().any(|r| r.project_id == project))
        .map(|e| endpoint_json(em, &w, e, Some(project)));
    drop(w);
    // Assumption 17: a missing endpoint is HTTP 200 with a null body.
    http::json(StatusCode::OK, &found.unwrap_or(Value::Null))
}

fn input(id: &str, name: &str, required: bool, confidential: bool) -> Value {
    json!({"id": id, "name": name, "inputMode": "textbox", "isConfidential": confidential, "validation": {"isRequired": required, "dataType": "string"}})
}

fn scheme_inputs(kind: &str, scheme: &str) -> Vec<Value> {
    match scheme {
        "WorkloadIdentityFederation" => {
            let mut inputs = vec![
                input("serviceprincipalid", "Application (client) ID", kind != "azurerm", false),
                input("tenantid", "Directory (tenant) ID", true, false),
                input("workloadIdentityFederationIssuer", "Issuer", false, false),
                input("workloadIdentityFederationSubject", "Subject identifier", false, false),
                input("workloadIdentityFederationIssuerType", "Issuer type", false, false),
            ];
            if kind == "azurerm" {
                inputs.extend([input("scope", "Scope", false, false), input("role", "Role", false, false)]);
            }
            inputs
        }
        "ServicePrincipal" => vec![
            input("serviceprincipalid", "Service Principal Id", true, false),
            input("tenantid", "Tenant ID", true, false),
            input("authenticationType", "Credential", true, false),
            input("serviceprincipalkey", "Service principal key", false, true),
        ],
        "Token" => {
            vec![input(if kind == "github" { "AccessToken" } else { "apitoken" }, "Personal Access Token", true, true)]
        }
        "UsernamePassword" => {
            vec![input("username", "Username", true, false), input("password", "Password", true, true)]
        }
        "ManagedServiceIdentity" => vec![input("tenantid", "Tenant ID", true, false)],
        _ => Vec::new(),
    }
}

fn types(em: &Emulator, call: &Call) -> Response {
    let wanted = call.q("type");
    let scheme = call.q("scheme");
    let value: Vec<Value> = TYPES
        .iter()
        .filter(|(name, _, _)| wanted.is_none_or(|w| w.eq_ignore_ascii_case(name)))
        .map(|(name, display, schemes)| {
            let schemes: Vec<Value> = schemes
                .iter()
                .filter(|s| scheme.is_none_or(|x| x.eq_ignore_ascii_case(s)))
                .map(|s| json!({"scheme": s, "displayName": s, "inputDescriptors": scheme_inputs(name, s)}))
                .collect();
            let mut t = json!({
                "name": name,
                "displayName": display,
                "authenticationSchemes": schemes,
                "dataSources": [{"name": "TestConnection", "endpointUrl": "{{endpoint.url}}", "resultSelector": ""}],
                "inputDescriptors": [],
            });
            if *name == "azurerm" {
                t["inputDescriptors"] = json!([
                    input("environment", "Environment", true, false),
                    input("scopeLevel", "Scope Level", true, false),
                    input("subscriptionId", "Subscription Id", false, false),
                    input("subscriptionName", "Subscription Name", false, false),
                    input("managementGroupId", "Management Group Id", false, false),
                    input("managementGroupName", "Management Group Name", false, false),
                    input("creationMode", "Creation Mode", false, false),
                ]);
                t["dependencyData"] = json!([{"input": "environment", "map": [{"key": "AzureCloud", "value": [
                    {"key": "resourceManagerUrl", "value": "https://management.azure.com/"},
                    {"key": "activeDirectoryAuthority", "value": "https://login.microsoftonline.com/"},
                    {"key": "microsoftGraphUrl", "value": "https://graph.microsoft.com/"},
                    {"key": "cloudEnvironmentCode", "value": crate::catalog::CLOUD_CODE},
                ]}]}]);
            }
            if *name == "WorkloadIdentityUser" {
                t["inputDescriptors"] = json!([input("organizationUrl", "Organization URL", false, false)]);
            }
            t
        })
        .collect();
    let _ = em;
    http::json(StatusCode::OK, &json!({"count": value.len(), "value": value}))
}

fn history(em: &Emulator, call: &Call, caller: &Caller, project: Option<Guid>, raw_id: &str) -> Response {
    let Ok(id) = Guid::parse_input("endpointId", raw_id) else {
        return wrapped_error(
            StatusCode::BAD_REQUEST,
            &format!("The value '{raw_id}' is not a valid endpoint id."),
            "ArgumentException",
        );
    };
    let top = call.q("top").and_then(|t| t.parse::<usize>().ok()).unwrap_or(50);
    let org = caller.org().name.clone();
    let w = em.world();
    let mut runs: Vec<_> = w
        .executions
        .iter()
        .filter(|x| x.organization == org && x.endpoint == id && project.is_none_or(|p| x.project == p))
        .cloned()
        .collect();
    runs.sort_by_key(|run| std::cmp::Reverse(run.finished));
    let value: Vec<Value> = runs
        .iter()
        .take(top)
        .map(|x| {
            json!({
                "data": {
                    "id": x.id,
                    "planType": "Build",
                    "definition": {"id": x.pipeline, "name": x.pipeline_name},
                    "owner": {"id": x.id, "name": format!("{} #{}", x.pipeline_name, x.id)},
                    "result": x.result,
                    "startTime": em.clock.iso(crate::state::Moment(x.finished.0 - 120_000)),
                    "finishTime": em.clock.iso(x.finished),
                    "scopeId": x.project.to_string(),
                },
                "endpointId": id.to_string(),
            })
        })
        .collect();
    drop(w);
    http::json(StatusCode::OK, &json!({"count": value.len(), "value": value}))
}
