//! Service endpoint writes: create (Manual and Automatic workload identity, drafts, secret
//! and token schemes, the Azure DevOps type), update (rename, finish a draft, issuer
//! conversion), share to projects and delete (blocked while a FIC still works).
//!
//! Scheme conversion (`operation=ConvertAuthenticationScheme`) is in `convert.rs`.

use axum::{http::StatusCode, response::Response};
use keyless_core::{
    Guid,
    federation::{devops_issuer, devops_subject, entra_issuer, entra_subject},
};
use serde_json::{Map, Value, json};

use super::{
    SECRET_PARAMETERS, TYPES,
    automatic::{add_automatic_fic, create_automatic_identity},
    convert, endpoint_json,
};
use crate::{
    assumptions::{
        ISSUER_TYPE_DEVOPS, ISSUER_TYPE_ENTRA, MAX_CONNECTION_NAME_LEN, MISSING_PROJECT_REFERENCES,
        delete_blocked_message, duplicate_connection_message, endpoint_create_denied_message,
        workload_identity_user_not_member_message,
    },
    catalog::{CLOUD_CODE, ISSUER_HOST},
    devops::{Caller, core::project_not_found, wrapped_error},
    http::{self, Call, field, field_str},
    scenario::DevOpsAccess,
    state::{Emulator, Organization, ProjectReference, ServiceEndpoint, World},
};

pub fn bad(message: &str) -> Response {
    wrapped_error(StatusCode::BAD_REQUEST, message, "ArgumentException")
}

fn denied(name: &str) -> Response {
    wrapped_error(
        StatusCode::FORBIDDEN,
        &format!("Access denied. You need the Administrator role on service connection '{name}' to change it."),
        "AccessCheckException",
    )
}

/// Whether the caller may manage (update, share, delete, convert) an endpoint.
pub fn may_manage(caller: &Caller, e: &ServiceEndpoint) -> bool {
    caller.is_admin() || e.created_by == caller.user.id
}

/// The Entra or Azure DevOps issuer parameters of a WIF connection.
pub fn issuer_parameters(w: &World, e: &ServiceEndpoint, entra: bool) -> Map<String, Value> {
    let org = w.organization(&e.organization).cloned();
    let org_id = org.as_ref().map(|o| o.id).unwrap_or(Guid::NIL);
    let tenant = e.param("tenantid").and_then(|t| Guid::parse_input("tenantid", t).ok()).unwrap_or(Guid::NIL);
    let mut p = Map::new();
    if entra {
        p.insert("workloadIdentityFederationIssuer".into(), json!(entra_issuer(ISSUER_HOST, tenant)));
        p.insert("workloadIdentityFederationSubject".into(), json!(entra_subject(CLOUD_CODE, tenant, org_id, e.id)));
        p.insert("workloadIdentityFederationIssuerType".into(), json!(ISSUER_TYPE_ENTRA));
    } else {
        let project = e.owning_project().map(|r| r.project_name.clone()).unwrap_or_default();
        p.insert("workloadIdentityFederationIssuer".into(), json!(devops_issuer(org_id)));
        p.insert("workloadIdentityFederationSubject".into(), json!(devops_subject(&e.organization, &project, &e.name)));
        p.insert("workloadIdentityFederationIssuerType".into(), json!(ISSUER_TYPE_DEVOPS));
    }
    p
}

/// The organization an Azure DevOps (WorkloadIdentityUser) connection reaches.
pub fn target_organization(e: &ServiceEndpoint) -> String {
    let url = e.datum("organizationUrl").map(str::to_string).unwrap_or_else(|| e.url.clone());
    organization_from_url(&url).unwrap_or_else(|| e.organization.clone())
}

fn organization_from_url(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    if let Some(org) = parsed.host_str().and_then(|h| h.strip_suffix(".visualstudio.com")) {
        return Some(org.to_string());
    }
    parsed.path_segments()?.rfind(|s| !s.is_empty()).map(str::to_string)
}

fn project_references(
    w: &World,
    org: &str,
    body: &Value,
    fallback_name: &str,
) -> Result<Vec<ProjectReference>, Response> {
    let refs = field(body, "serviceEndpointProjectReferences").and_then(Value::as_array).cloned().unwrap_or_default();
    if refs.is_empty() {
        return Err(bad(MISSING_PROJECT_REFERENCES));
    }
    refs.iter()
        .map(|r| {
            let id = r.pointer("/projectReference/id").and_then(Value::as_str).unwrap_or_default();
            let project = w.project(org, id).ok_or_else(|| project_not_found(id))?;
            Ok(ProjectReference {
                project_id: project.id,
                project_name: project.name.clone(),
                name: r.get("name").and_then(Value::as_str).unwrap_or(fallback_name).to_string(),
                description: r.get("description").and_then(Value::as_str).unwrap_or_default().to_string(),
            })
        })
        .collect()
}

fn name_taken(w: &World, org: &str, project: Guid, name: &str, except: Option<Guid>) -> bool {
    w.service_endpoints
        .iter()
        .filter(|e| e.organization == org && Some(e.id) != except)
        .any(|e| e.project_references.iter().any(|r| r.project_id == project && r.name.eq_ignore_ascii_case(name)))
}

fn check_name(name: &str) -> Result<(), Response> {
    if name.trim().is_empty() {
        return Err(bad("The service connection name cannot be empty."));
    }
    if name.chars().count() > MAX_CONNECTION_NAME_LEN {
        return Err(bad(&format!(
            "The service connection name is too long. The maximum length is {MAX_CONNECTION_NAME_LEN} characters."
        )));
    }
    Ok(())
}

fn string_map(value: Option<&Value>) -> Map<String, Value> {
    value.and_then(Value::as_object).cloned().unwrap_or_default()
}

fn is_true(value: Option<&Value>) -> bool {
    match value {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

fn guid_param(params: &Map<String, Value>, key: &str) -> Option<Guid> {
    params
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .and_then(|(_, v)| v.as_str())
        .and_then(|v| Guid::parse_input("param", v).ok())
}

/// Whether the identity with `client_id` is a user of `org` (assumption 45); `Err` carries the
/// id the refusal names: its service principal's object id, or the client id without one.
fn owning_organization_member(w: &World, org: &Organization, client_id: Guid) -> Result<(), Guid> {
    let object_id = w.service_principal_for_app(org.tenant, client_id).map(|s| s.id).or_else(|| {
        w.managed_identities.iter().find(|m| m.client_id == client_id && m.tenant == org.tenant).map(|m| m.principal_id)
    });
    let member = w.devops_service_principals.iter().any(|p| {
        p.organization.eq_ignore_ascii_case(&org.name)
            && p.license.is_some()
            && (Some(p.origin_id) == object_id || p.application_id == client_id)
    });
    if member { Ok(()) } else { Err(object_id.unwrap_or(client_id)) }
}

pub fn create(em: &Emulator, call: &Call, caller: &Caller) -> Response {
    let Some(body) = call.json().filter(Value::is_object) else {
        return bad("Value cannot be null.\r\nParameter name: endpoint");
    };
    let name = field_str(&body, "name").unwrap_or_default().to_string();
    if let Err(r) = check_name(&name) {
        return r;
    }
    let kind_text = field_str(&body, "type").unwrap_or_default();
    let scheme_text = body.pointer("/authorization/scheme").and_then(Value::as_str).unwrap_or_default();
    let Some((kind, _, schemes)) = TYPES.iter().find(|(t, _, _)| t.eq_ignore_ascii_case(kind_text)) else {
        return bad(&format!(
            "Unable to find service connection type '{kind_text}' using authentication scheme '{scheme_text}'."
        ));
    };
    let Some(scheme) = schemes.iter().find(|s| s.eq_ignore_ascii_case(scheme_text)) else {
        return bad(&format!(
            "Unable to find service connection type '{kind_text}' using authentication scheme '{scheme_text}'."
        ));
    };
    let org = caller.org().clone();
    let mut w = em.world();
    let refs = match project_references(&w, &org.name, &body, &name) {
        Ok(r) => r,
        Err(r) => return r,
    };
    if caller.access == Some(DevOpsAccess::Reader) {
        drop(w);
        return wrapped_error(
            StatusCode::FORBIDDEN,
            &endpoint_create_denied_message(&refs[0].project_name),
            "AccessCheckException",
        );
    }
    if let Some(r) = refs.iter().find(|r| name_taken(&w, &org.name, r.project_id, &r.name, None)) {
        drop(w);
        return bad(&duplicate_connection_message(&r.name));
    }
    let mut data = string_map(field(&body, "data"));
    let mut params = string_map(body.pointer("/authorization/parameters"));
    for (k, v) in params.iter_mut() {
        if SECRET_PARAMETERS.iter().any(|s| s.eq_ignore_ascii_case(k)) {
            *v = Value::Null;
        }
    }
    let draft = data.iter().any(|(k, v)| k.eq_ignore_ascii_case("isDraft") && is_true(Some(v)))
        && !is_true(field(&body, "isReady"));
    let automatic = data.iter().any(|(k, v)| k.eq_ignore_ascii_case("creationMode") && v.as_str() == Some("Automatic"));
    let id = w.ids.next("endpoint");
    let now = em.now();
    let mut url = field_str(&body, "url").unwrap_or_default().to_string();
    if *scheme == "WorkloadIdentityFederation" || *scheme == "ServicePrincipal" {
        let tenant = guid_param(&params, "tenantid");
        let principal = guid_param(&params, "serviceprincipalid");
        if tenant.is_none() {
            drop(w);
            return bad(&format!("The authorization parameter 'tenantid' is required for scheme {scheme}."));
        }
        if principal.is_none() && !automatic {
            drop(w);
            return bad(&format!("The authorization parameter 'serviceprincipalid' is required for scheme {scheme}."));
        }
    }
    if *kind == "WorkloadIdentityUser" {
        let target_url =
            data.get("organizationUrl").and_then(Value::as_str).map(str::to_string).unwrap_or_else(|| url.clone());
        let target = organization_from_url(&target_url).unwrap_or_else(|| org.name.clone());
        match w.organization(&target) {
            Some(t) if t.tenant == org.tenant => {}
            Some(_) => {
                drop(w);
                return bad(&format!(
                    "The organization '{target}' is not connected to the same Microsoft Entra tenant as '{}'.",
                    org.name
                ));
            }
            None => {
                drop(w);
                return bad(&format!("The organization '{target}' could not be found."));
            }
        }
        if url.is_empty() {
            url = format!("https://dev.azure.com/{}/", org.name);
        }
        if let Some(client_id) = guid_param(&params, "serviceprincipalid")
            && let Err(object_id) = owning_organization_member(&w, &org, client_id)
        {
            drop(w);
            return bad(&workload_identity_user_not_member_message(org.tenant, object_id));
        }
    }
    let mut endpoint = ServiceEndpoint {
        organization: org.name.clone(),
        id,
        name: name.clone(),
        kind: (*kind).to_string(),
        url,
        description: field_str(&body, "description").unwrap_or_default().to_string(),
        owner: field_str(&body, "owner").unwrap_or("library").to_string(),
        data: Map::new(),
        scheme: (*scheme).to_string(),
        parameters: Map::new(),
        is_ready: !draft,
        is_shared: refs.len() > 1,
        is_disabled: false,
        operation_status: (!draft).then(|| json!({"state": "Ready", "statusMessage": ""})),
        project_references: refs,
        service_management_reference: field_str(&body, "serviceManagementReference").map(str::to_string),
        created_by: caller.user.id,
        created: now,
        modified: now,
        secret_expired: false,
        pre_conversion: None,
    };
    if *scheme == "WorkloadIdentityFederation" {
        if automatic
            && let Err(message) = create_automatic_identity(em, &mut w, caller, &mut endpoint, &mut params, &mut data)
        {
            endpoint.is_ready = false;
            endpoint.operation_status = Some(json!({"state": "Failed", "statusMessage": message}));
        }
        endpoint.parameters = params;
        let issuer = issuer_parameters(&w, &endpoint, true);
        endpoint.parameters.extend(issuer);
        if automatic && endpoint.is_ready {
            add_automatic_fic(em, &mut w, &endpoint);
        }
    } else {
        endpoint.parameters = params;
    }
    endpoint.data = data;
    let value = endpoint_json(em, &w, &endpoint, None);
    w.service_endpoints.push(endpoint);
    drop(w);
    tracing::info!(org = %org.name, %name, kind, scheme, "service endpoint created");
    http::json(StatusCode::OK, &value)
}

pub fn update_many(em: &Emulator, call: &Call, caller: &Caller) -> Response {
    let Some(Value::Array(items)) = call.json() else {
        return bad("Value cannot be null.\r\nParameter name: endpoints");
    };
    let mut results = Vec::new();
    for item in items {
        let Some(id) = field_str(&item, "id").and_then(|i| Guid::parse_input("id", i).ok()) else {
            return bad("Every service connection in the list needs an id.");
        };
        match apply_update(em, &item, caller, id, None) {
            Ok(v) => results.push(v),
            Err(r) => return r,
        }
    }
    http::json(StatusCode::OK, &json!({"count": results.len(), "value": results}))
}

pub fn update(em: &Emulator, call: &Call, caller: &Caller, id: Guid, project: Option<Guid>) -> Response {
    let Some(body) = call.json().filter(Value::is_object) else {
        return bad("Value cannot be null.\r\nParameter name: endpoint");
    };
    match call.q("operation") {
        None => {
            apply_update(em, &body, caller, id, project).map(|v| http::json(StatusCode::OK, &v)).unwrap_or_else(|r| r)
        }
        Some(op) if op.eq_ignore_ascii_case("ConvertAuthenticationScheme") => {
            convert::convert(em, &body, caller, id, project)
        }
        Some(op) => bad(&format!("The operation '{op}' is not supported.")),
    }
}

fn not_found(id: Guid) -> Response {
    wrapped_error(
        StatusCode::NOT_FOUND,
        &format!("Service connection with id '{id}' could not be found."),
        "ServiceEndpointNotFoundException",
    )
}

fn apply_update(
    em: &Emulator,
    body: &Value,
    caller: &Caller,
    id: Guid,
    project: Option<Guid>,
) -> Result<Value, Response> {
    let org = caller.org().name.clone();
    let mut w = em.world();
    let Some(mut e) = w.endpoint(&org, id).cloned() else { return Err(not_found(id)) };
    if !may_manage(caller, &e) {
        return Err(denied(&e.name));
    }
    let incoming_scheme =
        body.pointer("/authorization/scheme").and_then(Value::as_str).unwrap_or(&e.scheme).to_string();
    if !incoming_scheme.eq_ignore_ascii_case(&e.scheme) {
        return Err(bad("Changing the authentication scheme requires operation=ConvertAuthenticationScheme."));
    }
    if let Some(name) = field_str(body, "name") {
        check_name(name)?;
        let owner = e.owning_project().map(|r| r.project_id).unwrap_or(Guid::NIL);
        let target = project.unwrap_or(owner);
        if name_taken(&w, &org, target, name, Some(id)) {
            return Err(bad(&duplicate_connection_message(name)));
        }
        if target == owner {
            e.name = name.to_string();
        }
        if let Some(r) = e.project_references.iter_mut().find(|r| r.project_id == target) {
            r.name = name.to_string();
        }
    }
    if let Some(d) = field_str(body, "description") {
        e.description = d.to_string();
    }
    if let Some(u) = field_str(body, "url") {
        e.url = u.to_string();
    }
    let incoming_data = field(body, "data").and_then(Value::as_object).cloned();
    let incoming_params =
        body.pointer("/authorization/parameters").and_then(Value::as_object).cloned().unwrap_or_default();
    let wants_entra = [incoming_data.as_ref(), Some(&incoming_params)].into_iter().flatten().any(|m| {
        m.iter().any(|(k, v)| {
            k.eq_ignore_ascii_case("workloadIdentityFederationIssuerType") && v.as_str() == Some(ISSUER_TYPE_ENTRA)
        })
    });
    // Assumption 7: a draft is finished by isReady: true without data.isDraft.
    let still_draft = incoming_data
        .as_ref()
        .is_some_and(|d| d.iter().any(|(k, v)| k.eq_ignore_ascii_case("isDraft") && is_true(Some(v))));
    if let Some(data) = incoming_data {
        e.data = data;
        e.data.retain(|k, _| !k.eq_ignore_ascii_case("workloadIdentityFederationIssuerType"));
    }
    if !still_draft && is_true(field(body, "isReady")) && !e.is_ready {
        e.data.retain(|k, _| !k.eq_ignore_ascii_case("isDraft"));
        e.is_ready = true;
        e.operation_status = Some(json!({"state": "Ready", "statusMessage": ""}));
    }
    for (k, v) in incoming_params {
        let key = k.to_ascii_lowercase();
        if key.starts_with("workloadidentityfederation") {
            continue;
        }
        let secret = SECRET_PARAMETERS.iter().any(|s| s.eq_ignore_ascii_case(&k));
        e.parameters.insert(k, if secret { Value::Null } else { v });
    }
    if e.scheme == "WorkloadIdentityFederation" {
        let was_devops = e.param("workloadIdentityFederationIssuerType") == Some(ISSUER_TYPE_DEVOPS);
        let entra = wants_entra || !was_devops;
        let issuer = issuer_parameters(&w, &e, entra);
        e.parameters.extend(issuer);
        // Azure DevOps updates the FIC itself on identities it created.
        if was_devops && entra && e.datum("creationMode") == Some("Automatic") {
            add_automatic_fic(em, &mut w, &e);
        }
    }
    e.modified = em.now();
    let value = endpoint_json(em, &w, &e, project);
    if let Some(slot) = w.service_endpoints.iter_mut().find(|x| x.organization == org && x.id == id) {
        *slot = e;
    }
    Ok(value)
}

pub fn share(em: &Emulator, call: &Call, caller: &Caller, id: Guid) -> Response {
    let Some(Value::Array(items)) = call.json() else {
        return bad("Value cannot be null.\r\nParameter name: projectReferences");
    };
    let org = caller.org().name.clone();
    let mut w = em.world();
    let Some(mut e) = w.endpoint(&org, id).cloned() else {
        drop(w);
        return not_found(id);
    };
    if !may_manage(caller, &e) {
        drop(w);
        return denied(&e.name);
    }
    let wrapper = json!({"serviceEndpointProjectReferences": items});
    let refs = match project_references(&w, &org, &wrapper, &e.name) {
        Ok(r) => r,
        Err(r) => return r,
    };
    for r in refs {
        if e.project_references.iter().any(|x| x.project_id == r.project_id) {
            continue;
        }
        if name_taken(&w, &org, r.project_id, &r.name, Some(id)) {
            drop(w);
            return bad(&duplicate_connection_message(&r.name));
        }
        e.project_references.push(r);
    }
    e.is_shared = e.project_references.len() > 1;
    if let Some(slot) = w.service_endpoints.iter_mut().find(|x| x.organization == org && x.id == id) {
        *slot = e;
    }
    http::empty(StatusCode::NO_CONTENT)
}

pub fn delete(em: &Emulator, call: &Call, caller: &Caller, id: Guid) -> Response {
    let Some(project_ids) = call.q("projectIds") else {
        return wrapped_error(
            StatusCode::BAD_REQUEST,
            "Value cannot be null.\r\nParameter name: projectIds",
            "ArgumentNullException",
        );
    };
    let projects: Vec<Guid> =
        project_ids.split(',').filter_map(|p| Guid::parse_input("projectIds", p.trim()).ok()).collect();
    let deep = call.q("deep").is_some_and(|d| d.eq_ignore_ascii_case("true"));
    let org = caller.org().name.clone();
    let now = em.now();
    let mut w = em.world();
    let Some(mut e) = w.endpoint(&org, id).cloned() else {
        drop(w);
        return not_found(id);
    };
    if !may_manage(caller, &e) {
        drop(w);
        return denied(&e.name);
    }
    e.project_references.retain(|r| !projects.contains(&r.project_id));
    if !e.project_references.is_empty() {
        e.is_shared = e.project_references.len() > 1;
        if let Some(slot) = w.service_endpoints.iter_mut().find(|x| x.organization == org && x.id == id) {
            *slot = e;
        }
        return http::empty(StatusCode::NO_CONTENT);
    }
    if e.scheme == "WorkloadIdentityFederation" {
        let identity = e.param("serviceprincipalid").and_then(|v| Guid::parse_input("id", v).ok());
        let issuer = e.param("workloadIdentityFederationIssuer").unwrap_or_default().to_string();
        let subject = e.param("workloadIdentityFederationSubject").unwrap_or_default().to_string();
        let working = w.federated_credentials.iter().any(|f| {
            Some(f.identity) == identity
                && f.issuer == issuer
                && f.subject == subject
                && f.deleted.is_none_or(|d| now < d.plus(em.propagation.fic_delay(f)))
        });
        let automatic = e.datum("creationMode") == Some("Automatic");
        if working && !(automatic && deep) {
            drop(w);
            let identity = identity.map(|g| g.to_string()).unwrap_or_default();
            return bad(&delete_blocked_message(&e.name, &identity, &issuer, &subject));
        }
    }
    if deep
        && e.datum("creationMode") == Some("Automatic")
        && let Some(app_id) = e.param("serviceprincipalid").and_then(|v| Guid::parse_input("id", v).ok())
    {
        w.applications.retain(|a| a.app_id != app_id);
        w.service_principals.retain(|s| s.app_id != app_id);
        for f in w.federated_credentials.iter_mut().filter(|f| f.identity == app_id && f.deleted.is_none()) {
            f.deleted = Some(now);
        }
    }
    w.service_endpoints.retain(|x| !(x.organization == org && x.id == id));
    w.pipeline_permissions
        .retain(|p| !(p.organization == org && p.resource_type == "endpoint" && p.resource_id == id.to_string()));
    drop(w);
    tracing::info!(%org, %id, "service endpoint deleted");
    http::empty(StatusCode::NO_CONTENT)
}
