//! Pipelines of a project: list and get (with `configuration.path` for YAML pipelines,
//! `designerJson` for classic ones), the project's repository and its YAML files through the Git
//! items API, classic build definitions (`definitions`), and pipeline permissions for endpoints
//! (`allPipelines` and named pipelines).
//!
//! Runs, queues, environments and checks are not modelled; YAML is served as the scenario
//! wrote it, not parsed.

use axum::{
    http::{Method, StatusCode},
    response::Response,
};
use keyless_core::Guid;
use serde_json::{Value, json};

use super::{Caller, definitions, endpoints::may_manage_endpoint, not_found_route, versions, wrapped_error};
use crate::{
    http::{self, Call, decode_continuation, encode_continuation},
    state::{Emulator, Pipeline, PipelineAuthorization, PipelinePermission, World},
};

/// `s` starts at `_apis`.
pub fn route(em: &Emulator, call: &Call, caller: &Caller, project: &str, s: &[&str]) -> Response {
    let org = caller.org().name.clone();
    let Some(project_id) = em.world().project(&org, project).map(|p| p.id) else {
        return super::core::project_not_found(project);
    };
    match (&call.method, &s[1..]) {
        (&Method::GET, ["pipelines"]) => {
            versions::check(call, versions::STABLE).unwrap_or_else(|| list(em, call, &org, project_id))
        }
        (&Method::GET, ["pipelines", "pipelinepermissions", "endpoint", _])
        | (&Method::PATCH, ["pipelines", "pipelinepermissions", "endpoint", _]) => {
            versions::check(call, versions::PREVIEW)
                .unwrap_or_else(|| permissions(em, call, caller, project_id, call.seg(6).unwrap_or_default()))
        }
        (&Method::PATCH, ["pipelines", "pipelinepermissions"]) => {
            versions::check(call, versions::PREVIEW).unwrap_or_else(|| batch(em, call, caller, project_id))
        }
        (&Method::GET, ["pipelines", _]) => versions::check(call, versions::STABLE).unwrap_or_else(|| {
            let raw = call.seg(4).unwrap_or_default();
            let found = raw.parse::<u32>().ok().and_then(|id| {
                em.world()
                    .pipelines
                    .iter()
                    .find(|p| p.organization == org && p.project == project_id && p.id == id)
                    .cloned()
            });
            match found {
                Some(p) => http::json(StatusCode::OK, &pipeline_json(em, &p, true)),
                None => wrapped_error(
                    StatusCode::NOT_FOUND,
                    &format!("Pipeline with id {raw} not found."),
                    "PipelineNotFoundException",
                ),
            }
        }),
        (&Method::GET, ["git", "repositories", _, "items"]) => {
            versions::check(call, versions::STABLE).unwrap_or_else(|| item(em, call, &org, project_id))
        }
        (&Method::GET, ["git", "repositories", _]) => versions::check(call, versions::STABLE)
            .unwrap_or_else(|| definitions::repository(em, call, &org, project_id)),
        (&Method::GET, ["build", "definitions", _]) => versions::check(call, versions::STABLE)
            .unwrap_or_else(|| definitions::build_definition(em, call, &org, project_id)),
        _ => not_found_route(call),
    }
}

fn pipeline_json(em: &Emulator, p: &Pipeline, detailed: bool) -> Value {
    let url = format!("{}/ado/{}/{}/_apis/pipelines/{}?revision=1", em.base_url, p.organization, p.project, p.id);
    let mut v = json!({
        "_links": {"self": {"href": url}, "web": {"href": format!("{}/ado/{}/{}/_build/definition?definitionId={}", em.base_url, p.organization, p.project, p.id)}},
        "url": url,
        "id": p.id,
        "revision": 1,
        "name": p.name,
        "folder": p.folder,
    });
    if detailed && p.classic_phases.is_some() {
        v["configuration"] = json!({"type": "designerJson"});
    } else if detailed {
        v["configuration"] = json!({
            "path": p.path,
            "repository": {"id": p.repository_id.to_string(), "type": "azureReposGit"},
            "type": "yaml",
        });
    }
    v
}

fn list(em: &Emulator, call: &Call, org: &str, project: Guid) -> Response {
    let top = call.q("$top").and_then(|t| t.parse::<usize>().ok()).filter(|t| *t > 0).unwrap_or(1000);
    let offset = match call.q("continuationToken").map(decode_continuation) {
        None => 0,
        Some(Some(o)) => o,
        Some(None) => {
            return wrapped_error(
                StatusCode::BAD_REQUEST,
                "The continuation token is not valid.",
                "InvalidContinuationTokenException",
            );
        }
    };
    let w = em.world();
    let all: Vec<Pipeline> =
        w.pipelines.iter().filter(|p| p.organization == org && p.project == project).cloned().collect();
    drop(w);
    let value: Vec<Value> = all.iter().skip(offset).take(top).map(|p| pipeline_json(em, p, false)).collect();
    let mut r = http::json(StatusCode::OK, &json!({"count": value.len(), "value": value}));
    if offset + top < all.len() {
        http::set_header(&mut r, "x-ms-continuationtoken", &encode_continuation(offset + top));
    }
    r
}

fn item(em: &Emulator, call: &Call, org: &str, project: Guid) -> Response {
    let repo = call.seg(5).unwrap_or_default();
    let path = call.q("path").unwrap_or_default();
    let w = em.world();
    let found = w
        .pipelines
        .iter()
        .find(|p| {
            p.organization == org
                && p.project == project
                && p.classic_phases.is_none()
                && p.repository_id.to_string().eq_ignore_ascii_case(repo)
                && p.path == path
        })
        .cloned();
    drop(w);
    let Some(p) = found else {
        return wrapped_error(
            StatusCode::NOT_FOUND,
            &format!(
                "TF401174: The item '{path}' could not be found in the repository '{repo}' at the version specified by '<Default branch>' (resolved to commit 'main')."
            ),
            "GitItemNotFoundException",
        );
    };
    let wants_json = call.q("includeContent").is_some_and(|v| v.eq_ignore_ascii_case("true"))
        || call.q("$format").is_some_and(|v| v.eq_ignore_ascii_case("json"));
    if wants_json {
        http::json(
            StatusCode::OK,
            &json!({"objectId": Guid::derived(p.repository_id, &p.path).to_string(), "gitObjectType": "blob", "commitId": "main", "path": p.path, "content": p.yaml}),
        )
    } else {
        http::text(StatusCode::OK, "text/plain; charset=utf-8", p.yaml)
    }
}

fn authorization_json(em: &Emulator, w: &World, a: &PipelineAuthorization) -> Value {
    let who = a.authorized_by.and_then(|id| w.user(id));
    json!({
        "authorized": a.authorized,
        "authorizedBy": who.map(|u| json!({"displayName": u.display_name, "id": u.devops_id.to_string(), "uniqueName": u.upn})),
        "authorizedOn": em.clock.iso(a.authorized_on),
    })
}

fn permission_json(em: &Emulator, w: &World, p: &PipelinePermission) -> Value {
    let pipelines: Vec<Value> = p
        .pipelines
        .iter()
        .map(|(id, a)| {
            let mut v = authorization_json(em, w, a);
            v["id"] = json!(id);
            v
        })
        .collect();
    json!({
        "resource": {"type": p.resource_type, "id": p.resource_id},
        "pipelines": pipelines,
        "allPipelines": p.all_pipelines.as_ref().map(|a| authorization_json(em, w, a)),
    })
}

fn permissions(em: &Emulator, call: &Call, caller: &Caller, project: Guid, raw_id: &str) -> Response {
    let body = if call.method == Method::PATCH {
        match call.json() {
            Some(b) if b.is_object() => Some(b),
            _ => {
                return wrapped_error(
                    StatusCode::BAD_REQUEST,
                    "Value cannot be null.\r\nParameter name: resourcePipelinePermissions",
                    "ArgumentNullException",
                );
            }
        }
    } else {
        None
    };
    apply(em, caller, project, raw_id, body.as_ref()).map(|v| http::json(StatusCode::OK, &v)).unwrap_or_else(|r| r)
}

fn batch(em: &Emulator, call: &Call, caller: &Caller, project: Guid) -> Response {
    let Some(Value::Array(items)) = call.json() else {
        return wrapped_error(
            StatusCode::BAD_REQUEST,
            "Value cannot be null.\r\nParameter name: resourcePipelinePermissions",
            "ArgumentNullException",
        );
    };
    let mut out = Vec::new();
    for item in &items {
        let kind = item.pointer("/resource/type").and_then(Value::as_str).unwrap_or_default();
        if !kind.eq_ignore_ascii_case("endpoint") {
            return wrapped_error(
                StatusCode::BAD_REQUEST,
                &format!("Resource type '{kind}' is not supported by this emulator."),
                "ArgumentException",
            );
        }
        let id = item.pointer("/resource/id").and_then(Value::as_str).unwrap_or_default();
        match apply(em, caller, project, id, Some(item)) {
            Ok(v) => out.push(v),
            Err(r) => return r,
        }
    }
    http::json(StatusCode::OK, &json!({"count": out.len(), "value": out}))
}

/// Reads (and with a body, changes) one endpoint's pipeline permissions in a project.
fn apply(em: &Emulator, caller: &Caller, project: Guid, raw_id: &str, body: Option<&Value>) -> Result<Value, Response> {
    let org = caller.org().name.clone();
    let missing = || {
        wrapped_error(
            StatusCode::NOT_FOUND,
            &format!(
                "The resource 'endpoint' with id '{raw_id}' does not exist or you do not have permission to access it."
            ),
            "ResourceNotFoundException",
        )
    };
    let id = Guid::parse_input("id", raw_id).map_err(|_| missing())?;
    let mut w = em.world();
    let endpoint = w
        .endpoint(&org, id)
        .filter(|e| e.project_references.iter().any(|r| r.project_id == project))
        .cloned()
        .ok_or_else(missing)?;
    let key = id.to_string();
    let position = w
        .pipeline_permissions
        .iter()
        .position(|p| p.organization == org && p.project == project && p.resource_id == key);
    let mut permission = position.map(|i| w.pipeline_permissions[i].clone()).unwrap_or(PipelinePermission {
        organization: org.clone(),
        project,
        resource_type: "endpoint".into(),
        resource_id: key,
        all_pipelines: None,
        pipelines: Vec::new(),
    });
    if let Some(body) = body {
        if !may_manage_endpoint(caller, &endpoint) {
            drop(w);
            return Err(wrapped_error(
                StatusCode::FORBIDDEN,
                &format!(
                    "Access denied. You need the Administrator role on service connection '{}' to change its pipeline permissions.",
                    endpoint.name
                ),
                "AccessCheckException",
            ));
        }
        let now = em.now();
        let stamp = |authorized: bool| PipelineAuthorization {
            authorized,
            authorized_by: Some(caller.user.id),
            authorized_on: now,
        };
        if let Some(all) = body.get("allPipelines") {
            let authorized = all.get("authorized").and_then(Value::as_bool).unwrap_or(false);
            permission.all_pipelines = authorized.then(|| stamp(true));
        }
        for entry in body.get("pipelines").and_then(Value::as_array).cloned().unwrap_or_default() {
            let Some(pid) = entry.get("id").and_then(Value::as_u64).and_then(|v| u32::try_from(v).ok()) else {
                continue;
            };
            let authorized = entry.get("authorized").and_then(Value::as_bool).unwrap_or(false);
            permission.pipelines.retain(|(x, _)| *x != pid);
            if authorized {
                permission.pipelines.push((pid, stamp(true)));
            }
        }
        match position {
            Some(i) => w.pipeline_permissions[i] = permission.clone(),
            None => w.pipeline_permissions.push(permission.clone()),
        }
    }
    let value = permission_json(em, &w, &permission);
    drop(w);
    Ok(value)
}
