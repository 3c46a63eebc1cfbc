//! Entra ID (login.microsoftonline.com) for a public desktop client: authorize with PKCE and a
//! loopback redirect, the token endpoint (authorization code, refresh token, device code),
//! the device code endpoint and OpenID metadata, under `/login/{tenant}/...`.
//!
//! There is no sign-in page: authorize redirects straight back for the scenario's user. No
//! confidential clients, no client credentials, no real signatures.

mod token;

use std::sync::Arc;

use axum::{
    extract::{Request, State},
    http::{Method, StatusCode},
    response::Response,
};
use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use keyless_core::Guid;
use serde_json::{Value, json};

use crate::{
    assumptions::PKCE_METHOD_MESSAGE,
    catalog::{ISSUER_HOST, WELL_KNOWN_PUBLIC_CLIENTS},
    http::{self, Call},
    state::{Emulator, World},
    tokens::{AuthCode, ScopeProblem, parse_scopes},
};

/// Authorization codes live this long (Entra: about 10 minutes).
pub(super) const CODE_LIFETIME: std::time::Duration = std::time::Duration::from_secs(600);
pub(super) const REFRESH_LIFETIME_DAYS: i64 = 90;

pub async fn handle(State(em): State<Arc<Emulator>>, req: Request) -> Response {
    let call = Call::read(req, "/login").await;
    let tenant_path = call.seg(0).unwrap_or_default().to_string();
    let rest = call.lower_from(1);
    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
    match (&call.method, rest.as_slice()) {
        (&Method::GET, ["oauth2", "v2.0", "authorize"]) => authorize(&em, &call, &tenant_path),
        (&Method::POST, ["oauth2", "v2.0", "token"]) => token::token(&em, &call, &tenant_path),
        (&Method::POST, ["oauth2", "v2.0", "devicecode"]) => token::device_code(&em, &call, &tenant_path),
        (&Method::GET, ["v2.0", ".well-known", "openid-configuration"]) => openid_configuration(&em, &tenant_path),
        (&Method::GET, ["discovery", "v2.0", "keys"]) => http::json(StatusCode::OK, &json!({"keys": []})),
        (&Method::GET, []) if tenant_path == "device" => http::html(
            StatusCode::OK,
            "<!doctype html><title>Keyless demo sign-in</title><p>This is the Keyless emulator. Device codes are approved automatically.</p>".into(),
        ),
        _ => token_error(&em, StatusCode::NOT_FOUND, "invalid_request", 900561, "AADSTS900561: The endpoint only accepts POST, OPTIONS requests. Received a GET request."),
    }
}

/// How the `{tenant}` path segment was resolved.
pub(super) enum TenantPath {
    /// `organizations` / `common`: the user's home tenant.
    Any,
    Specific(Guid),
}

pub(super) fn resolve_tenant(w: &World, segment: &str) -> Option<TenantPath> {
    let lower = segment.to_ascii_lowercase();
    if lower == "organizations" || lower == "common" {
        return Some(TenantPath::Any);
    }
    if let Ok(id) = Guid::parse_input("tenant", segment) {
        return w.tenant(id).map(|t| TenantPath::Specific(t.id));
    }
    w.tenants.iter().find(|t| t.default_domain.eq_ignore_ascii_case(segment)).map(|t| TenantPath::Specific(t.id))
}

pub(super) fn tenant_not_found(segment: &str) -> String {
    format!(
        "AADSTS90002: Tenant '{segment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."
    )
}

pub(super) fn known_client(em: &Emulator, w: &World, client_id: Guid) -> bool {
    WELL_KNOWN_PUBLIC_CLIENTS.iter().any(|(id, _)| *id == client_id)
        || em.config.scenario.public_clients.contains(&client_id)
        || w.applications.iter().any(|a| a.app_id == client_id && a.public_client)
}

pub(super) fn client_not_found(client: &str, tenant: &str) -> String {
    format!(
        "AADSTS700016: Application with identifier '{client}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."
    )
}

pub(super) fn user_not_in_tenant(upn: &str, tenant: &str, client: Guid) -> String {
    format!(
        "AADSTS50020: User account '{upn}' from identity provider 'https://sts.windows.net/' does not exist in tenant '{tenant}' and cannot access the application '{client}' in that tenant. The account needs to be added as an external user in the tenant first. Sign out and sign in again with a different Microsoft Entra user account."
    )
}

/// A loopback redirect URI: `http://localhost[:port][/path]` or `http://127.0.0.1[:port][/path]`.
fn loopback_redirect(uri: &str) -> Option<url::Url> {
    let parsed = url::Url::parse(uri).ok()?;
    let host_ok = matches!(parsed.host_str(), Some("localhost") | Some("127.0.0.1"));
    (parsed.scheme() == "http" && host_ok && parsed.fragment().is_none() && parsed.username().is_empty())
        .then_some(parsed)
}

fn error_page(em: &Emulator, message: &str) -> Response {
    let id = em.request_id();
    http::html(
        StatusCode::BAD_REQUEST,
        format!(
            "<!doctype html><title>Sign in to your account</title><h1>Sign in</h1><p>Sorry, but we're having trouble signing you in.</p><p id=\"error\">{}</p><p>Request Id: {id}</p>",
            message.replace('<', "&lt;")
        ),
    )
}

fn authorize(em: &Emulator, call: &Call, tenant_segment: &str) -> Response {
    let mut w = em.world();
    let Some(tenant_path) = resolve_tenant(&w, tenant_segment) else {
        return error_page(em, &tenant_not_found(tenant_segment));
    };
    let Some(client_raw) = call.q("client_id") else {
        return error_page(em, "AADSTS900144: The request body must contain the following parameter: 'client_id'.");
    };
    let client_id = match Guid::parse_input("client_id", client_raw) {
        Ok(id) if known_client(em, &w, id) => id,
        _ => return error_page(em, &client_not_found(client_raw, tenant_segment)),
    };
    let Some(redirect_raw) = call.q("redirect_uri") else {
        return error_page(em, "AADSTS900144: The request body must contain the following parameter: 'redirect_uri'.");
    };
    let Some(mut redirect) = loopback_redirect(redirect_raw) else {
        return error_page(
            em,
            &format!(
                "AADSTS50011: The redirect URI '{redirect_raw}' specified in the request does not match the redirect URIs configured for the application '{client_id}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this."
            ),
        );
    };
    let state = call.q("state").map(str::to_string);
    let fail = |mut target: url::Url, error: &str, description: &str| {
        {
            let mut pairs = target.query_pairs_mut();
            pairs.append_pair("error", error).append_pair("error_description", description);
            if let Some(s) = &state {
                pairs.append_pair("state", s);
            }
        }
        http::redirect(target.as_str())
    };
    if call.q("response_type") != Some("code") {
        let rt = call.q("response_type").unwrap_or_default();
        return fail(
            redirect,
            "unsupported_response_type",
            &format!("AADSTS700054: response_type '{rt}' is not enabled for the application."),
        );
    }
    let Some(scope) = call.q("scope") else {
        return fail(
            redirect,
            "invalid_request",
            "AADSTS900144: The request body must contain the following parameter: 'scope'.",
        );
    };
    let Some(challenge) = call.q("code_challenge").filter(|c| !c.is_empty()) else {
        return fail(
            redirect,
            "invalid_request",
            "AADSTS900144: The request body must contain the following parameter: 'code_challenge'.",
        );
    };
    if call.q("code_challenge_method") != Some("S256") {
        return fail(redirect, "invalid_request", PKCE_METHOD_MESSAGE);
    }
    if let Err(ScopeProblem::UnknownResource(r)) = parse_scopes(scope, &em.base_url) {
        return fail(redirect, "invalid_resource", &unknown_resource(&r, tenant_segment));
    }
    let hinted = call.q("login_hint").and_then(|hint| w.user_by_upn(hint)).map(|u| u.id);
    let default_user = w.user_by_upn(&em.config.scenario.sign_in.default_user).map(|u| u.id);
    let Some(user) = hinted.or(default_user).and_then(|id| w.user(id)).cloned() else {
        return fail(redirect, "invalid_request", "AADSTS50034: The user account does not exist in this directory.");
    };
    let tenant = match tenant_path {
        TenantPath::Any => user.home_tenant,
        TenantPath::Specific(t) => t,
    };
    if user.object_id_in(tenant).is_none() {
        return fail(redirect, "invalid_request", &user_not_in_tenant(&user.upn, tenant_segment, client_id));
    }
    let code = format!("1.{}", URL_SAFE_NO_PAD.encode(w.ids.next("code").to_string()));
    let now = em.now();
    w.auth.codes.insert(
        code.clone(),
        AuthCode {
            client_id,
            redirect_uri: redirect_raw.to_string(),
            code_challenge: challenge.to_string(),
            user: user.id,
            tenant,
            scope: scope.to_string(),
            nonce: call.q("nonce").map(str::to_string),
            created: now,
            redeemed: false,
        },
    );
    let session = w.ids.stable(&format!("session:{}", user.id));
    drop(w);
    {
        let mut pairs = redirect.query_pairs_mut();
        pairs.append_pair("code", &code);
        if let Some(s) = &state {
            pairs.append_pair("state", s);
        }
        pairs.append_pair("session_state", &session.to_string());
    }
    tracing::debug!(user = %user.upn, %tenant, "authorize redirected with a code");
    http::redirect(redirect.as_str())
}

pub(super) fn unknown_resource(resource: &str, tenant: &str) -> String {
    format!(
        "AADSTS500011: The resource principal named {resource} was not found in the tenant named {tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant."
    )
}

/// An OAuth error body in Entra's shape (contract §2.8).
pub fn token_error(em: &Emulator, status: StatusCode, error: &str, code: u64, description: &str) -> Response {
    let id = em.request_id();
    let now = em.clock.wall(em.now());
    let timestamp = format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}Z",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    );
    let description = format!("{description} Trace ID: {id} Correlation ID: {id} Timestamp: {timestamp}");
    http::json(
        status,
        &json!({
            "error": error,
            "error_description": description,
            "error_codes": [code],
            "timestamp": timestamp,
            "trace_id": id.to_string(),
            "correlation_id": id.to_string(),
            "error_uri": format!("{}/login/error?code={code}", em.base_url),
        }),
    )
}

pub(super) fn bad(em: &Emulator, error: &str, code: u64, description: &str) -> Response {
    token_error(em, StatusCode::BAD_REQUEST, error, code, description)
}

pub(super) fn missing(em: &Emulator, parameter: &str) -> Response {
    bad(
        em,
        "invalid_request",
        900144,
        &format!("AADSTS900144: The request body must contain the following parameter: '{parameter}'."),
    )
}

fn openid_configuration(em: &Emulator, tenant_segment: &str) -> Response {
    let w = em.world();
    let tenant_for_issuer = match resolve_tenant(&w, tenant_segment) {
        Some(TenantPath::Specific(t)) => t.to_string(),
        Some(TenantPath::Any) => "{tenantid}".to_string(),
        None => return bad(em, "invalid_tenant", 90002, &tenant_not_found(tenant_segment)),
    };
    drop(w);
    let base = format!("{}/login/{tenant_segment}", em.base_url);
    let body: Value = json!({
        "token_endpoint": format!("{base}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{base}/discovery/v2.0/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": format!("{ISSUER_HOST}/{tenant_for_issuer}/v2.0"),
        "request_uri_parameter_supported": false,
        "userinfo_endpoint": format!("{}/graph/oidc/userinfo", em.base_url),
        "authorization_endpoint": format!("{base}/oauth2/v2.0/authorize"),
        "device_authorization_endpoint": format!("{base}/oauth2/v2.0/devicecode"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{base}/oauth2/v2.0/logout"),
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"],
        "code_challenge_methods_supported": ["plain", "S256"],
        "tenant_region_scope": "EU",
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
    });
    http::json(StatusCode::OK, &body)
}
