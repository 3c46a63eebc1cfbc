//! Graph `/servicePrincipals`: create for an app id (with the replication-delay failures
//! right after the app was created), list with `$filter`, get by id or `(appId='...')`,
//! patch. Managed identities appear here too, created by ARM.
//!
//! App role assignments, OAuth2 grants and claims mapping are not modelled.

use axum::{
    http::{Method, StatusCode},
    response::Response,
};
use keyless_core::Guid;
use serde_json::{Value, json};

use super::{Caller, odata, odata::AltKey};
use crate::{
    graph::{bad_request, forbidden, graph_error, method_not_allowed, object_body, reject_unknown, resource_not_found},
    http::{self, Call},
    state::{Emulator, ServicePrincipal, World},
};

const WRITABLE: &[&str] =
    &["appId", "accountEnabled", "tags", "notes", "description", "appRoleAssignmentRequired", "displayName"];

pub fn route(em: &Emulator, call: &Call, caller: &Caller, key: Option<AltKey>, rest: &[&str]) -> Response {
    let target = match (&key, rest.first()) {
        (Some(k), _) if k.property.eq_ignore_ascii_case("appId") => Some(Lookup::AppId(k.value.clone())),
        (Some(k), _) => Some(Lookup::Unknown(k.value.clone())),
        (None, Some(id)) => Some(Lookup::Id((*id).to_string())),
        (None, None) => None,
    };
    let Some(target) = target else {
        return match call.method {
            Method::GET => list(em, call, caller),
            Method::POST => create(em, call, caller),
            _ => method_not_allowed(em),
        };
    };
    let found = {
        let w = em.world();
        resolve(&w, caller.token.tenant, &target).cloned()
    };
    let Some(sp) = found else { return resource_not_found(em, target.text()) };
    match call.method {
        Method::GET => {
            let mut value = sp_json(&sp);
            value["@odata.context"] = json!("https://graph.microsoft.com/v1.0/$metadata#servicePrincipals/$entity");
            http::json(StatusCode::OK, &value)
        }
        Method::PATCH => {
            let body = match object_body(em, call) {
                Ok(b) => b,
                Err(r) => return r,
            };
            if let Err(r) = reject_unknown(em, &body, WRITABLE, "microsoft.graph.servicePrincipal") {
                return r;
            }
            http::empty(StatusCode::NO_CONTENT)
        }
        Method::DELETE => {
            let mut w = em.world();
            let app_owner = w.applications.iter().any(|a| a.app_id == sp.app_id && a.owners.contains(&caller.user.id));
            if !(caller.user.app_admin || app_owner) {
                drop(w);
                return crate::graph::forbidden(em);
            }
            // Managed identity principals belong to ARM; Graph refuses to delete them.
            if sp.service_principal_type == "ManagedIdentity" {
                drop(w);
                return crate::graph::bad_request(
                    em,
                    "Service principals of managed identities are deleted with the identity.",
                );
            }
            w.service_principals.retain(|s| s.id != sp.id);
            drop(w);
            http::empty(StatusCode::NO_CONTENT)
        }
        _ => method_not_allowed(em),
    }
}

enum Lookup {
    Id(String),
    AppId(String),
    Unknown(String),
}

impl Lookup {
    fn text(&self) -> &str {
        match self {
            Lookup::Id(t) | Lookup::AppId(t) | Lookup::Unknown(t) => t,
        }
    }
}

fn resolve<'a>(w: &'a World, tenant: Guid, target: &Lookup) -> Option<&'a ServicePrincipal> {
    let parse = |t: &str| Guid::parse_input("id", t).ok();
    match target {
        Lookup::Id(t) => parse(t).and_then(|id| w.service_principals.iter().find(|s| s.tenant == tenant && s.id == id)),
        Lookup::AppId(t) => parse(t).and_then(|id| w.service_principal_for_app(tenant, id)),
        Lookup::Unknown(_) => None,
    }
}

pub fn sp_json(sp: &ServicePrincipal) -> Value {
    json!({
        "id": sp.id.to_string(),
        "deletedDateTime": null,
        "accountEnabled": true,
        "alternativeNames": sp.alternative_names,
        "appDisplayName": sp.display_name,
        "appId": sp.app_id.to_string(),
        "appOwnerOrganizationId": sp.app_owner_tenant.to_string(),
        "displayName": sp.display_name,
        "servicePrincipalNames": [sp.app_id.to_string()],
        "servicePrincipalType": sp.service_principal_type,
        "signInAudience": if sp.service_principal_type == "ManagedIdentity" { json!(null) } else { json!("AzureADMyOrg") },
        "tags": [],
    })
}

fn list(em: &Emulator, call: &Call, caller: &Caller) -> Response {
    let clauses = match call.q("$filter").map(odata::parse_filter).transpose() {
        Ok(c) => c.unwrap_or_default(),
        Err(p) => return super::applications::unsupported_filter(em, &p.0, "servicePrincipal"),
    };
    let items: Vec<Value> = em
        .world()
        .service_principals
        .iter()
        .filter(|s| s.tenant == caller.token.tenant)
        .map(sp_json)
        .filter(|v| odata::matches(v, &clauses))
        .collect();
    match odata::page(call, &em.base_url, "https://graph.microsoft.com/v1.0/$metadata#servicePrincipals", items) {
        Ok(body) => http::json(StatusCode::OK, &body),
        Err(message) => bad_request(em, &message.0),
    }
}

fn create(em: &Emulator, call: &Call, caller: &Caller) -> Response {
    let body = match object_body(em, call) {
        Ok(b) => b,
        Err(r) => return r,
    };
    if let Err(r) = reject_unknown(em, &body, WRITABLE, "microsoft.graph.servicePrincipal") {
        return r;
    }
    let app_id_text = body.get("appId").and_then(Value::as_str).unwrap_or_default().to_string();
    let not_valid = || {
        bad_request(
            em,
            &format!(
                "The appId '{app_id_text}' of the service principal does not reference a valid application object."
            ),
        )
    };
    let Ok(app_id) = Guid::parse_input("appId", &app_id_text) else { return not_valid() };
    let tenant = caller.token.tenant;
    let mut w = em.world();
    // The app's own tenant, or any tenant for a multitenant app.
    let Some(app) = w
        .applications
        .iter()
        .find(|a| a.app_id == app_id && (a.tenant == tenant || a.sign_in_audience != "AzureADMyOrg"))
        .cloned()
    else {
        drop(w);
        return not_valid();
    };
    let owner = app.owners.contains(&caller.user.id);
    if !(owner || w.may_register_apps(&caller.user, tenant)) {
        drop(w);
        return forbidden(em);
    }
    if app.tenant == tenant && em.replicating(app.created) {
        let attempt = {
            let n = w.sp_attempts.entry(app_id).or_insert(0);
            *n += 1;
            *n
        };
        drop(w);
        // Assumption 5: alternate the two texts Terraform's azuread provider retries on.
        return if attempt % 2 == 1 {
            not_valid()
        } else {
            graph_error(
                em,
                StatusCode::FORBIDDEN,
                "Authorization_RequestDenied",
                "When using this permission, the backing application of the service principal being created must in the local tenant",
            )
        };
    }
    if w.service_principal_for_app(tenant, app_id).is_some() {
        drop(w);
        return graph_error(
            em,
            StatusCode::CONFLICT,
            "Request_MultipleObjectsWithSameKeyValue",
            &format!(
                "The service principal cannot be created, updated, or restored because the service principal name {app_id} is already in use."
            ),
        );
    }
    let sp = ServicePrincipal {
        tenant,
        id: w.ids.next("service-principal"),
        app_id,
        display_name: app.display_name.clone(),
        service_principal_type: "Application".into(),
        app_owner_tenant: app.tenant,
        alternative_names: Vec::new(),
        created: em.now(),
    };
    w.service_principals.push(sp.clone());
    drop(w);
    tracing::info!(%app_id, sp = %sp.id, "service principal created");
    let mut value = sp_json(&sp);
    value["@odata.context"] = json!("https://graph.microsoft.com/v1.0/$metadata#servicePrincipals/$entity");
    http::json(StatusCode::CREATED, &value)
}
