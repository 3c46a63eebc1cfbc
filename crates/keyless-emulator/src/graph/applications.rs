//! Graph `/applications`: create (subject to "users can register applications"), list with
//! `$filter`, get by object id or alternate key, patch, delete, owners, removePassword, and
//! the hand-off to federated identity credentials.
//!
//! App roles, API permissions, certificates and consent are not modelled.

use axum::{
    http::{Method, StatusCode},
    response::Response,
};
use keyless_core::Guid;
use serde_json::{Value, json};

use super::{Caller, odata, odata::AltKey};
use crate::{
    graph::{
        bad_request, fics, forbidden, graph_error, method_not_allowed, object_body, reject_unknown, resource_not_found,
    },
    http::{self, Call},
    state::{Application, Emulator, World},
};

const SIGN_IN_AUDIENCES: &[&str] =
    &["AzureADMyOrg", "AzureADMultipleOrgs", "AzureADandPersonalMicrosoftAccount", "PersonalMicrosoftAccount"];
const WRITABLE: &[&str] = &[
    "displayName",
    "signInAudience",
    "notes",
    "serviceManagementReference",
    "description",
    "tags",
    "identifierUris",
    "web",
    "spa",
    "publicClient",
    "isFallbackPublicClient",
    "requiredResourceAccess",
    "api",
    "info",
];

pub fn route(em: &Emulator, call: &Call, caller: &Caller, key: Option<AltKey>, rest: &[&str]) -> Response {
    // rest[0] is the object id unless an alternate key was given.
    let (target, nav) = match (&key, rest.first()) {
        (Some(k), _) => (Some(Target::Alt(k.clone())), rest),
        (None, Some(id)) => {
            let (id_part, nested_key) = odata::split_key(id);
            match nested_key {
                Some(_) => (Some(Target::Id(id_part.to_string())), rest),
                None => (Some(Target::Id((*id).to_string())), &rest[1..]),
            }
        }
        (None, None) => (None, rest),
    };
    let Some(target) = target else {
        return match call.method {
            Method::GET => list(em, call, caller),
            Method::POST => create(em, call, caller),
            _ => method_not_allowed(em),
        };
    };
    let object_id = {
        let w = em.world();
        match resolve(&w, caller.token.tenant, &target) {
            Some(id) => id,
            None => return resource_not_found(em, &target.describe()),
        }
    };
    match nav.first().map(|s| odata::split_key(s)) {
        None => match call.method {
            Method::GET => get(em, object_id),
            Method::PATCH => patch(em, call, caller, object_id),
            Method::DELETE => delete(em, caller, object_id),
            _ => method_not_allowed(em),
        },
        Some((segment, nested)) if segment.eq_ignore_ascii_case("federatedIdentityCredentials") => {
            fics::route(em, call, caller, object_id, nested, &nav[1..])
        }
        Some((segment, _)) if segment.eq_ignore_ascii_case("owners") && call.method == Method::GET => {
            owners(em, object_id)
        }
        Some((segment, _)) if segment.eq_ignore_ascii_case("removePassword") && call.method == Method::POST => {
            remove_password(em, call, caller, object_id)
        }
        Some((segment, _)) => graph_error(
            em,
            StatusCode::BAD_REQUEST,
            "BadRequest",
            &format!("Resource not found for the segment '{segment}'."),
        ),
    }
}

enum Target {
    Id(String),
    Alt(AltKey),
}

impl Target {
    fn describe(&self) -> String {
        match self {
            Target::Id(id) => id.clone(),
            Target::Alt(k) => k.value.clone(),
        }
    }
}

fn resolve(w: &World, tenant: Guid, target: &Target) -> Option<Guid> {
    let in_tenant = |a: &&Application| a.tenant == tenant;
    match target {
        Target::Id(id) => {
            let id = Guid::parse_input("id", id).ok()?;
            w.applications.iter().filter(in_tenant).find(|a| a.id == id).map(|a| a.id)
        }
        Target::Alt(k) if k.property.eq_ignore_ascii_case("appId") => {
            let id = Guid::parse_input("appId", &k.value).ok()?;
            w.applications.iter().filter(in_tenant).find(|a| a.app_id == id).map(|a| a.id)
        }
        Target::Alt(k) if k.property.eq_ignore_ascii_case("uniqueName") => {
            w.applications.iter().filter(in_tenant).find(|a| a.display_name == k.value).map(|a| a.id)
        }
        Target::Alt(_) => None,
    }
}

/// May the caller change this app (owner, or Application Administrator)?
pub fn may_write(w: &World, caller: &Caller, object_id: Guid) -> bool {
    caller.user.app_admin || w.application(object_id).is_some_and(|a| a.owners.contains(&caller.user.id))
}

pub fn application_json(em: &Emulator, w: &World, a: &Application) -> Value {
    let domain = w.tenant(a.tenant).map(|t| t.default_domain.clone()).unwrap_or_default();
    let passwords: Vec<Value> = a
        .password_credentials
        .iter()
        .map(|p| {
            json!({
                "customKeyIdentifier": null,
                "displayName": p.display_name,
                "endDateTime": em.clock.iso(p.end),
                "hint": p.key_id.to_string().chars().take(3).collect::<String>(),
                "keyId": p.key_id.to_string(),
                "secretText": null,
                "startDateTime": em.clock.iso(p.start),
            })
        })
        .collect();
    json!({
        "id": a.id.to_string(),
        "deletedDateTime": null,
        "appId": a.app_id.to_string(),
        "createdDateTime": em.clock.iso(a.created),
        "description": null,
        "displayName": a.display_name,
        "identifierUris": [],
        "isFallbackPublicClient": a.public_client,
        "notes": a.notes,
        "publisherDomain": domain,
        "serviceManagementReference": a.service_management_reference,
        "signInAudience": a.sign_in_audience,
        "tags": [],
        "keyCredentials": [],
        "passwordCredentials": passwords,
        "publicClient": {"redirectUris": if a.public_client { json!(["http://localhost"]) } else { json!([]) }},
        "web": {"redirectUris": [], "homePageUrl": null, "logoutUrl": null},
        "spa": {"redirectUris": []},
        "requiredResourceAccess": [],
    })
}

fn list(em: &Emulator, call: &Call, caller: &Caller) -> Response {
    let clauses = match call.q("$filter").map(odata::parse_filter).transpose() {
        Ok(c) => c.unwrap_or_default(),
        Err(property) => return unsupported_filter(em, &property.0, "application"),
    };
    let w = em.world();
    let items = w
        .applications
        .iter()
        .filter(|a| a.tenant == caller.token.tenant)
        .map(|a| application_json(em, &w, a))
        .filter(|v| odata::matches(v, &clauses))
        .collect();
    drop(w);
    match odata::page(call, &em.base_url, "https://graph.microsoft.com/v1.0/$metadata#applications", items) {
        Ok(body) => http::json(StatusCode::OK, &body),
        Err(message) => bad_request(em, &message.0),
    }
}

pub fn unsupported_filter(em: &Emulator, property: &str, resource: &str) -> Response {
    graph_error(
        em,
        StatusCode::BAD_REQUEST,
        "Request_UnsupportedQuery",
        &format!(
            "Unsupported or invalid query filter clause specified for property '{property}' of resource '{resource}'."
        ),
    )
}

fn create(em: &Emulator, call: &Call, caller: &Caller) -> Response {
    let body = match object_body(em, call) {
        Ok(b) => b,
        Err(r) => return r,
    };
    if let Err(r) = reject_unknown(em, &body, WRITABLE, "microsoft.graph.application") {
        return r;
    }
    let Some(display_name) = body.get("displayName").and_then(Value::as_str).filter(|n| !n.trim().is_empty()) else {
        return bad_request(em, "Invalid value specified for property 'displayName' of resource 'Application'.");
    };
    // Assumption 22: the default when signInAudience is omitted.
    let audience = body.get("signInAudience").and_then(Value::as_str).unwrap_or("AzureADMyOrg");
    if !SIGN_IN_AUDIENCES.contains(&audience) {
        return bad_request(em, "Invalid value specified for property 'signInAudience' of resource 'Application'.");
    }
    let mut w = em.world();
    let tenant = caller.token.tenant;
    if !w.may_register_apps(&caller.user, tenant) {
        drop(w);
        return forbidden(em);
    }
    let app = Application {
        tenant,
        id: w.ids.next("application"),
        app_id: w.ids.next("app-id"),
        display_name: display_name.to_string(),
        sign_in_audience: audience.to_string(),
        owners: vec![caller.user.id],
        password_credentials: Vec::new(),
        public_client: body.get("isFallbackPublicClient").and_then(Value::as_bool).unwrap_or(false),
        notes: body.get("notes").and_then(Value::as_str).map(str::to_string),
        service_management_reference: body
            .get("serviceManagementReference")
            .and_then(Value::as_str)
            .map(str::to_string),
        created: em.now(),
    };
    w.applications.push(app.clone());
    let mut value = application_json(em, &w, &app);
    drop(w);
    tracing::info!(app_id = %app.app_id, name = %app.display_name, "application created");
    value["@odata.context"] = json!("https://graph.microsoft.com/v1.0/$metadata#applications/$entity");
    let mut r = http::json(StatusCode::CREATED, &value);
    http::set_header(&mut r, "location", &format!("{}/graph/v1.0/applications/{}", em.base_url, app.id));
    r
}

fn get(em: &Emulator, object_id: Guid) -> Response {
    let w = em.world();
    let Some(app) = w.application(object_id) else {
        drop(w);
        return resource_not_found(em, &object_id.to_string());
    };
    let mut value = application_json(em, &w, app);
    drop(w);
    value["@odata.context"] = json!("https://graph.microsoft.com/v1.0/$metadata#applications/$entity");
    http::json(StatusCode::OK, &value)
}

fn patch(em: &Emulator, call: &Call, caller: &Caller, object_id: Guid) -> Response {
    let body = match object_body(em, call) {
        Ok(b) => b,
        Err(r) => return r,
    };
    if let Err(r) = reject_unknown(em, &body, WRITABLE, "microsoft.graph.application") {
        return r;
    }
    if let Some(audience) = body.get("signInAudience").and_then(Value::as_str)
        && !SIGN_IN_AUDIENCES.contains(&audience)
    {
        return bad_request(em, "Invalid value specified for property 'signInAudience' of resource 'Application'.");
    }
    let mut w = em.world();
    if !may_write(&w, caller, object_id) {
        drop(w);
        return forbidden(em);
    }
    let Some(app) = w.applications.iter_mut().find(|a| a.id == object_id) else {
        drop(w);
        return resource_not_found(em, &object_id.to_string());
    };
    if let Some(v) = body.get("displayName").and_then(Value::as_str) {
        app.display_name = v.to_string();
    }
    if let Some(v) = body.get("signInAudience").and_then(Value::as_str) {
        app.sign_in_audience = v.to_string();
    }
    if let Some(v) = body.get("notes") {
        app.notes = v.as_str().map(str::to_string);
    }
    if let Some(v) = body.get("serviceManagementReference") {
        app.service_management_reference = v.as_str().map(str::to_string);
    }
    if let Some(v) = body.get("isFallbackPublicClient").and_then(Value::as_bool) {
        app.public_client = v;
    }
    http::empty(StatusCode::NO_CONTENT)
}

fn delete(em: &Emulator, caller: &Caller, object_id: Guid) -> Response {
    let mut w = em.world();
    if !may_write(&w, caller, object_id) {
        drop(w);
        return forbidden(em);
    }
    let Some(app) = w.application(object_id).cloned() else {
        drop(w);
        return resource_not_found(em, &object_id.to_string());
    };
    let now = em.now();
    w.applications.retain(|a| a.id != object_id);
    w.service_principals.retain(|s| !(s.app_id == app.app_id && s.tenant == app.tenant));
    for f in w.federated_credentials.iter_mut().filter(|f| f.identity == app.app_id && f.deleted.is_none()) {
        f.deleted = Some(now);
    }
    http::empty(StatusCode::NO_CONTENT)
}

fn owners(em: &Emulator, object_id: Guid) -> Response {
    let w = em.world();
    let Some(app) = w.application(object_id) else {
        drop(w);
        return resource_not_found(em, &object_id.to_string());
    };
    let value: Vec<Value> = app
        .owners
        .iter()
        .filter_map(|id| w.user(*id))
        .map(|u| {
            json!({
                "@odata.type": "#microsoft.graph.user",
                "id": u.object_id_in(app.tenant).unwrap_or(u.id).to_string(),
                "displayName": u.display_name,
                "userPrincipalName": u.upn,
                "mail": u.upn,
            })
        })
        .collect();
    http::json(
        StatusCode::OK,
        &json!({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#directoryObjects", "value": value}),
    )
}

fn remove_password(em: &Emulator, call: &Call, caller: &Caller, object_id: Guid) -> Response {
    let body = match object_body(em, call) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Some(key_id) = body.get("keyId").and_then(Value::as_str).and_then(|k| Guid::parse_input("keyId", k).ok())
    else {
        return bad_request(em, "Invalid value specified for property 'keyId' of resource 'PasswordCredential'.");
    };
    let mut w = em.world();
    if !may_write(&w, caller, object_id) {
        drop(w);
        return forbidden(em);
    }
    let Some(app) = w.applications.iter_mut().find(|a| a.id == object_id) else {
        drop(w);
        return resource_not_found(em, &object_id.to_string());
    };
    let before = app.password_credentials.len();
    app.password_credentials.retain(|p| p.key_id != key_id);
    if app.password_credentials.len() == before {
        drop(w);
        return bad_request(em, &format!("No password credential found with keyId '{key_id}'."));
    }
    http::empty(StatusCode::NO_CONTENT)
}
