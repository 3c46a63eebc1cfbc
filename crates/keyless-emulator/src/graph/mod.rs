//! Microsoft Graph v1.0 under `/graph/v1.0`: the signed-in user, the organization,
//! applications, service principals and federated identity credentials, with Graph's error
//! shape, OData `$filter`/`$top` subsets and `@odata.nextLink` paging.
//!
//! Only the entity sets Keyless touches exist; `$search`, `$expand` and `$count` are refused
//! as Graph refuses them without `ConsistencyLevel: eventual`, and not implemented beyond.

mod applications;
mod fics;
mod odata;
mod policies;
mod service_principals;

use std::sync::Arc;

use axum::{
    extract::{Request, State},
    http::{Method, StatusCode},
    response::Response,
};
use serde_json::{Value, json};

use crate::{
    http::{self, Call},
    state::{Emulator, User},
    tokens::{AccessToken, Resource, TokenProblem},
};

pub async fn handle(State(em): State<Arc<Emulator>>, req: Request) -> Response {
    let call = Call::read(req, "/graph").await;
    let mut response = route(&em, &call);
    let id = em.request_id().to_string();
    http::set_header(&mut response, "request-id", &id);
    http::set_header(&mut response, "client-request-id", call.header("client-request-id").unwrap_or(&id));
    response
}

fn route(em: &Emulator, call: &Call) -> Response {
    match call.seg(0) {
        Some("v1.0") => {}
        Some(other) => {
            return graph_error(em, StatusCode::BAD_REQUEST, "BadRequest", &format!("Invalid version: {other}"));
        }
        None => return graph_error(em, StatusCode::NOT_FOUND, "NotFound", "Resource not found for the segment ''."),
    }
    let caller = match authenticate(em, call) {
        Ok(c) => c,
        Err(r) => return r,
    };
    if call.q("$search").is_some() && call.header("consistencylevel") != Some("eventual") {
        return graph_error(
            em,
            StatusCode::BAD_REQUEST,
            "Request_UnsupportedQuery",
            "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
        );
    }
    let rest: Vec<&str> = call.segments.iter().skip(1).map(String::as_str).collect();
    let (set, key) = odata::split_key(rest.first().copied().unwrap_or_default());
    match set.to_ascii_lowercase().as_str() {
        "me" if rest.len() == 1 && call.method == Method::GET => me(em, &caller),
        "me" if rest.len() > 1 => policies::route_me(em, call, &caller, &rest[1..]),
        "policies" => policies::route_policies(em, call, &caller, &rest[1..]),
        "organization" if rest.len() == 1 && call.method == Method::GET => organization(em, &caller),
        "applications" => applications::route(em, call, &caller, key, &rest[1..]),
        "serviceprincipals" => service_principals::route(em, call, &caller, key, &rest[1..]),
        _ => not_found_segment(em, rest.first().copied().unwrap_or_default()),
    }
}

/// The signed-in user behind a Graph request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub token: AccessToken,
    pub user: User,
}

fn authenticate(em: &Emulator, call: &Call) -> Result<Caller, Response> {
    let w = em.world();
    let checked = w.auth.check(call.bearer(), Resource::Graph, em.now());
    let token = checked.map_err(|problem| {
        let message = match problem {
            TokenProblem::Missing => "Access token is empty.".to_string(),
            TokenProblem::Invalid => "Access token validation failure.".to_string(),
            TokenProblem::Expired { .. } => "Lifetime validation failed, the token is expired.".to_string(),
            TokenProblem::WrongResource { .. } => "Access token validation failure. Invalid audience.".to_string(),
        };
        let mut r = graph_error(em, StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken", &message);
        http::set_header(
            &mut r,
            "www-authenticate",
            &format!(
                "Bearer realm=\"\", authorization_uri=\"{}/login/common/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\"",
                em.base_url
            ),
        );
        r
    })?;
    let user = w.user(token.user).cloned().ok_or_else(|| {
        graph_error(em, StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken", "Access token validation failure.")
    })?;
    Ok(Caller { token, user })
}

/// Graph's error body: `{"error":{"code","message","innerError":{date, request-id, client-request-id}}}`.
pub fn graph_error(em: &Emulator, status: StatusCode, code: &str, message: &str) -> Response {
    let id = em.request_id().to_string();
    let date = em.clock.iso(em.now());
    let date = date.split('.').next().unwrap_or_default().to_string();
    http::json(
        status,
        &json!({"error": {"code": code, "message": message, "innerError": {
            "date": date, "request-id": id, "client-request-id": id
        }}}),
    )
}

pub fn forbidden(em: &Emulator) -> Response {
    graph_error(
        em,
        StatusCode::FORBIDDEN,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
    )
}

pub fn resource_not_found(em: &Emulator, id: &str) -> Response {
    graph_error(
        em,
        StatusCode::NOT_FOUND,
        "Request_ResourceNotFound",
        &format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present."),
    )
}

pub fn bad_request(em: &Emulator, message: &str) -> Response {
    graph_error(em, StatusCode::BAD_REQUEST, "Request_BadRequest", message)
}

fn not_found_segment(em: &Emulator, segment: &str) -> Response {
    graph_error(em, StatusCode::BAD_REQUEST, "BadRequest", &format!("Resource not found for the segment '{segment}'."))
}

pub fn method_not_allowed(em: &Emulator) -> Response {
    graph_error(
        em,
        StatusCode::METHOD_NOT_ALLOWED,
        "Request_BadRequest",
        "Specified HTTP method is not allowed for the request target.",
    )
}

/// Reads a JSON object body or answers Graph's 400.
pub fn object_body(em: &Emulator, call: &Call) -> Result<serde_json::Map<String, Value>, Response> {
    match call.json() {
        Some(Value::Object(map)) => Ok(map),
        _ => Err(graph_error(
            em,
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
        )),
    }
}

/// Refuses properties the entity type does not have, as Graph's OData layer does.
pub fn reject_unknown(
    em: &Emulator,
    body: &serde_json::Map<String, Value>,
    allowed: &[&str],
    type_name: &str,
) -> Result<(), Response> {
    match body.keys().find(|k| !k.starts_with('@') && !k.contains("@odata") && !allowed.contains(&k.as_str())) {
        Some(k) => Err(graph_error(
            em,
            StatusCode::BAD_REQUEST,
            "BadRequest",
            &format!(
                "The property '{k}' does not exist on type '{type_name}'. Make sure to only use property names that are defined by the type."
            ),
        )),
        None => Ok(()),
    }
}

fn me(em: &Emulator, caller: &Caller) -> Response {
    let u = &caller.user;
    http::json(
        StatusCode::OK,
        &json!({
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users/$entity",
            "businessPhones": [],
            "displayName": u.display_name,
            "givenName": u.display_name.split_whitespace().next(),
            "jobTitle": null,
            "mail": u.upn,
            "mobilePhone": null,
            "officeLocation": null,
            "preferredLanguage": "en-US",
            "surname": u.display_name.split_whitespace().last(),
            "userPrincipalName": user_principal_name(em, u, caller.token.tenant),
            "id": caller.token.oid.to_string(),
        }),
    )
}

/// Guests appear as `user_domain#EXT#@tenantdomain` in the tenant they are guests of.
fn user_principal_name(em: &Emulator, u: &User, tenant: keyless_core::Guid) -> String {
    if tenant == u.home_tenant {
        return u.upn.clone();
    }
    let domain = em.world().tenant(tenant).map(|t| t.default_domain.clone()).unwrap_or_default();
    format!("{}#EXT#@{}", u.upn.replace('@', "_"), domain)
}

fn organization(em: &Emulator, caller: &Caller) -> Response {
    let w = em.world();
    let Some(t) = w.tenant(caller.token.tenant) else { return resource_not_found(em, "organization") };
    let initial = format!("{}.onmicrosoft.com", t.default_domain.split('.').next().unwrap_or("tenant"));
    http::json(
        StatusCode::OK,
        &json!({
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#organization",
            "value": [{
                "id": t.id.to_string(),
                "displayName": t.display_name,
                "tenantType": "AAD",
                "countryLetterCode": "US",
                "verifiedDomains": [
                    {"capabilities": "Email, OfficeCommunicationsOnline", "isDefault": true, "isInitial": false, "name": t.default_domain, "type": "Managed"},
                    {"capabilities": "Email, OfficeCommunicationsOnline", "isDefault": false, "isInitial": true, "name": initial, "type": "Managed"}
                ]
            }]
        }),
    )
}
