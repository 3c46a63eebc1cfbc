//! Federated identity credentials on an application: list, create, get, update, upsert
//! (`PATCH .../federatedIdentityCredentials(name='...')` with `Prefer: create-if-missing`) and
//! delete, with Graph's name rules, the issuer+subject uniqueness rule, the 20-per-app cap
//! and the owner check.
//!
//! Flexible FICs (`claimsMatchingExpression`) are beta-only and refused here.

use axum::{
    http::{Method, StatusCode},
    response::Response,
};
use keyless_core::{
    Guid,
    federation::{MAX_FIC_VALUE_LEN, MAX_FICS_PER_IDENTITY, validate_fic_name},
};
use serde_json::{Map, Value, json};

use super::{Caller, applications::may_write, odata, odata::AltKey};
use crate::{
    assumptions::{graph_fic_invalid_property, graph_fic_limit_message},
    graph::{bad_request, forbidden, graph_error, method_not_allowed, object_body, reject_unknown, resource_not_found},
    http::{self, Call},
    state::{Emulator, FederatedCredential, FicHolder, World},
};

const FIELDS: &[&str] = &["name", "issuer", "subject", "audiences", "description"];

pub fn route(em: &Emulator, call: &Call, caller: &Caller, app: Guid, key: Option<AltKey>, rest: &[&str]) -> Response {
    let app_id = match em.world().application(app) {
        Some(a) => a.app_id,
        None => return resource_not_found(em, &app.to_string()),
    };
    let by_name = key.filter(|k| k.property.eq_ignore_ascii_case("name")).map(|k| k.value);
    match (by_name, rest.first()) {
        (None, None) => match call.method {
            Method::GET => list(em, call, app, app_id),
            Method::POST => create(em, call, caller, app, app_id),
            _ => method_not_allowed(em),
        },
        (Some(name), None) => match call.method {
            Method::GET => get(em, app, app_id, &name),
            Method::PATCH => update(em, call, caller, app, app_id, &name, true),
            Method::DELETE => delete(em, caller, app, app_id, &name),
            _ => method_not_allowed(em),
        },
        (None, Some(id_or_name)) => match call.method {
            Method::GET => get(em, app, app_id, id_or_name),
            Method::PATCH => update(em, call, caller, app, app_id, id_or_name, false),
            Method::DELETE => delete(em, caller, app, app_id, id_or_name),
            _ => method_not_allowed(em),
        },
        (Some(_), Some(segment)) => graph_error(
            em,
            StatusCode::BAD_REQUEST,
            "BadRequest",
            &format!("Resource not found for the segment '{segment}'."),
        ),
    }
}

fn find<'a>(w: &'a World, app_id: Guid, id_or_name: &str) -> Option<&'a FederatedCredential> {
    let id = Guid::parse_input("id", id_or_name).ok();
    w.live_fics(app_id).find(|f| Some(f.id) == id || f.name.eq_ignore_ascii_case(id_or_name))
}

pub fn fic_json(f: &FederatedCredential) -> Value {
    json!({
        "id": f.id.to_string(),
        "name": f.name,
        "issuer": f.issuer,
        "subject": f.subject,
        "description": f.description,
        "audiences": f.audiences,
    })
}

fn context(app: Guid) -> String {
    format!("https://graph.microsoft.com/v1.0/$metadata#applications('{app}')/federatedIdentityCredentials")
}

fn list(em: &Emulator, call: &Call, app: Guid, app_id: Guid) -> Response {
    let clauses = match call.q("$filter").map(odata::parse_filter).transpose() {
        Ok(c) => c.unwrap_or_default(),
        Err(p) => return super::applications::unsupported_filter(em, &p.0, "federatedIdentityCredential"),
    };
    let items: Vec<Value> =
        em.world().live_fics(app_id).map(fic_json).filter(|v| odata::matches(v, &clauses)).collect();
    match odata::page(call, &em.base_url, &context(app), items) {
        Ok(body) => http::json(StatusCode::OK, &body),
        Err(message) => bad_request(em, &message.0),
    }
}

fn get(em: &Emulator, app: Guid, app_id: Guid, id_or_name: &str) -> Response {
    let w = em.world();
    match find(&w, app_id, id_or_name) {
        Some(f) => {
            let mut value = fic_json(f);
            drop(w);
            value["@odata.context"] = json!(format!("{}/$entity", context(app)));
            http::json(StatusCode::OK, &value)
        }
        None => {
            drop(w);
            resource_not_found(em, id_or_name)
        }
    }
}

/// Checks the writable values of a FIC body; `creating` requires every field.
fn check_values(em: &Emulator, body: &Map<String, Value>, creating: bool) -> Result<(), Response> {
    let invalid = |p: &str| Err(bad_request(em, &graph_fic_invalid_property(p)));
    if let Some(name) = body.get("name") {
        if name.as_str().is_none_or(|n| validate_fic_name(n).is_err()) {
            return invalid("name");
        }
    } else if creating {
        return invalid("name");
    }
    for field in ["issuer", "subject"] {
        match body.get(field) {
            Some(Value::String(v)) if !v.is_empty() && v.len() <= MAX_FIC_VALUE_LEN => {}
            None if !creating => {}
            _ => return invalid(field),
        }
    }
    match body.get("audiences") {
        Some(Value::Array(items))
            if items.len() == 1 && items[0].as_str().is_some_and(|a| !a.is_empty() && a.len() <= MAX_FIC_VALUE_LEN) => {
        }
        None if !creating => {}
        _ => return invalid("audiences"),
    }
    Ok(())
}

fn conflicts(
    em: &Emulator,
    w: &World,
    app_id: Guid,
    name: &str,
    issuer: &str,
    subject: &str,
    skip: Option<Guid>,
) -> Option<Response> {
    let others = || w.live_fics(app_id).filter(|f| Some(f.id) != skip);
    if skip.is_none() && others().any(|f| f.name.eq_ignore_ascii_case(name)) {
        return Some(graph_error(
            em,
            StatusCode::BAD_REQUEST,
            "Request_MultipleObjectsWithSameKeyValue",
            &format!("FederatedIdentityCredential with name {name} already exists."),
        ));
    }
    if others().any(|f| f.issuer == issuer && f.subject == subject) {
        return Some(graph_error(
            em,
            StatusCode::BAD_REQUEST,
            "InvalidFederatedIdentityCredentialValue",
            &format!(
                "The combination of issuer and subject must be unique for the application. Issuer {issuer} and Subject: {subject} already exist. paramName: FederatedIdentityCredential.Subject, paramValue: {subject}, objectType: Microsoft.Online.DirectoryServices.Application"
            ),
        ));
    }
    None
}

fn create(em: &Emulator, call: &Call, caller: &Caller, app: Guid, app_id: Guid) -> Response {
    let body = match object_body(em, call) {
        Ok(b) => b,
        Err(r) => return r,
    };
    if let Err(r) = reject_unknown(em, &body, FIELDS, "microsoft.graph.federatedIdentityCredential") {
        return r;
    }
    if !may_write(&em.world(), caller, app) {
        return forbidden(em);
    }
    if let Err(r) = check_values(em, &body, true) {
        return r;
    }
    match insert(em, &body, app_id) {
        Ok(f) => {
            let mut value = fic_json(&f);
            value["@odata.context"] = json!(format!("{}/$entity", context(app)));
            http::json(StatusCode::CREATED, &value)
        }
        Err(r) => r,
    }
}

fn insert(em: &Emulator, body: &Map<String, Value>, app_id: Guid) -> Result<FederatedCredential, Response> {
    let text = |k: &str| body.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    let (name, issuer, subject) = (text("name"), text("issuer"), text("subject"));
    let mut w = em.world();
    if let Some(r) = conflicts(em, &w, app_id, &name, &issuer, &subject, None) {
        return Err(r);
    }
    if w.live_fics(app_id).count() >= MAX_FICS_PER_IDENTITY {
        drop(w);
        return Err(bad_request(em, &graph_fic_limit_message()));
    }
    let f = FederatedCredential {
        id: w.ids.next("fic"),
        holder: FicHolder::Application,
        identity: app_id,
        name,
        issuer,
        subject,
        audiences: body
            .get("audiences")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default(),
        description: body.get("description").and_then(Value::as_str).map(str::to_string),
        created: em.now(),
        deleted: None,
    };
    w.federated_credentials.push(f.clone());
    tracing::info!(%app_id, name = %f.name, "federated credential created on application");
    Ok(f)
}

fn update(
    em: &Emulator,
    call: &Call,
    caller: &Caller,
    app: Guid,
    app_id: Guid,
    id_or_name: &str,
    by_name: bool,
) -> Response {
    let mut body = match object_body(em, call) {
        Ok(b) => b,
        Err(r) => return r,
    };
    if let Err(r) = reject_unknown(em, &body, FIELDS, "microsoft.graph.federatedIdentityCredential") {
        return r;
    }
    if !may_write(&em.world(), caller, app) {
        return forbidden(em);
    }
    let existing = find(&em.world(), app_id, id_or_name).cloned();
    let Some(existing) = existing else {
        let create_if_missing =
            call.header("prefer").is_some_and(|p| p.to_ascii_lowercase().contains("create-if-missing"));
        if !(by_name && create_if_missing) {
            return resource_not_found(em, id_or_name);
        }
        body.insert("name".into(), json!(id_or_name));
        if let Err(r) = check_values(em, &body, true) {
            return r;
        }
        return match insert(em, &body, app_id) {
            Ok(f) => {
                let mut value = fic_json(&f);
                value["@odata.context"] = json!(format!("{}/$entity", context(app)));
                http::json(StatusCode::CREATED, &value)
            }
            Err(r) => r,
        };
    };
    if body.get("name").and_then(Value::as_str).is_some_and(|n| n != existing.name) {
        return bad_request(em, "Property 'name' is read-only and cannot be set.");
    }
    if let Err(r) = check_values(em, &body, false) {
        return r;
    }
    let issuer = body.get("issuer").and_then(Value::as_str).unwrap_or(&existing.issuer).to_string();
    let subject = body.get("subject").and_then(Value::as_str).unwrap_or(&existing.subject).to_string();
    let mut w = em.world();
    if let Some(r) = conflicts(em, &w, app_id, &existing.name, &issuer, &subject, Some(existing.id)) {
        return r;
    }
    if let Some(f) = w.federated_credentials.iter_mut().find(|f| f.id == existing.id) {
        if f.issuer != issuer || f.subject != subject {
            // A changed credential propagates like a new one.
            f.created = em.now();
        }
        f.issuer = issuer;
        f.subject = subject;
        if let Some(a) = body.get("audiences").and_then(Value::as_array) {
            f.audiences = a.iter().filter_map(Value::as_str).map(str::to_string).collect();
        }
        if let Some(d) = body.get("description") {
            f.description = d.as_str().map(str::to_string);
        }
    }
    http::empty(StatusCode::NO_CONTENT)
}

fn delete(em: &Emulator, caller: &Caller, app: Guid, app_id: Guid, id_or_name: &str) -> Response {
    let mut w = em.world();
    if !may_write(&w, caller, app) {
        drop(w);
        return forbidden(em);
    }
    let Some(id) = find(&w, app_id, id_or_name).map(|f| f.id) else {
        drop(w);
        return resource_not_found(em, id_or_name);
    };
    let now = em.now();
    if let Some(f) = w.federated_credentials.iter_mut().find(|f| f.id == id) {
        f.deleted = Some(now);
    }
    http::empty(StatusCode::NO_CONTENT)
}
