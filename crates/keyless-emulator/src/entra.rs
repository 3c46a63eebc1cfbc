//! Entra ID (login.microsoftonline.com) for a public desktop client: authorize with PKCE and a
//! loopback redirect, the token endpoint (authorization code, refresh token, device code),
//! the device code endpoint and OpenID metadata, under `/login/{tenant}/...`.
//!
//! There is no sign-in page: authorize redirects straight back for the scenario's user. No
//! confidential clients, no client credentials, no real signatures.

use std::sync::Arc;

use axum::{
    extract::{Request, State},
    http::{Method, StatusCode},
    response::Response,
};
use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use keyless_core::Guid;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::{
    assumptions::PKCE_METHOD_MESSAGE,
    catalog::{ISSUER_HOST, WELL_KNOWN_PUBLIC_CLIENTS},
    http::{self, Call, form_value},
    state::{Emulator, Moment, World},
    tokens::{self, AccessToken, AuthCode, DeviceCode, RefreshToken, ScopeProblem, parse_scopes},
};

/// Authorization codes live this long (Entra: about 10 minutes).
const CODE_LIFETIME: std::time::Duration = std::time::Duration::from_secs(600);
const REFRESH_LIFETIME_DAYS: i64 = 90;

pub async fn handle(State(em): State<Arc<Emulator>>, req: Request) -> Response {
    let call = Call::read(req, "/login").await;
    let tenant_path = call.seg(0).unwrap_or_default().to_string();
    let rest = call.lower_from(1);
    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
    match (&call.method, rest.as_slice()) {
        (&Method::GET, ["oauth2", "v2.0", "authorize"]) => authorize(&em, &call, &tenant_path),
        (&Method::POST, ["oauth2", "v2.0", "token"]) => token(&em, &call, &tenant_path),
        (&Method::POST, ["oauth2", "v2.0", "devicecode"]) => device_code(&em, &call, &tenant_path),
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
enum TenantPath {
    /// `organizations` / `common`: the user's home tenant.
    Any,
    Specific(Guid),
}

fn resolve_tenant(w: &World, segment: &str) -> Option<TenantPath> {
    let lower = segment.to_ascii_lowercase();
    if lower == "organizations" || lower == "common" {
        return Some(TenantPath::Any);
    }
    if let Ok(id) = Guid::parse_input("tenant", segment) {
        return w.tenant(id).map(|t| TenantPath::Specific(t.id));
    }
    w.tenants.iter().find(|t| t.default_domain.eq_ignore_ascii_case(segment)).map(|t| TenantPath::Specific(t.id))
}

fn tenant_not_found(segment: &str) -> String {
    format!(
        "AADSTS90002: Tenant '{segment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."
    )
}

fn known_client(em: &Emulator, w: &World, client_id: Guid) -> bool {
    WELL_KNOWN_PUBLIC_CLIENTS.iter().any(|(id, _)| *id == client_id)
        || em.config.scenario.public_clients.contains(&client_id)
        || w.applications.iter().any(|a| a.app_id == client_id && a.public_client)
}

fn client_not_found(client: &str, tenant: &str) -> String {
    format!(
        "AADSTS700016: Application with identifier '{client}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."
    )
}

fn user_not_in_tenant(upn: &str, tenant: &str, client: Guid) -> String {
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

fn unknown_resource(resource: &str, tenant: &str) -> String {
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

fn bad(em: &Emulator, error: &str, code: u64, description: &str) -> Response {
    token_error(em, StatusCode::BAD_REQUEST, error, code, description)
}

fn missing(em: &Emulator, parameter: &str) -> Response {
    bad(
        em,
        "invalid_request",
        900144,
        &format!("AADSTS900144: The request body must contain the following parameter: '{parameter}'."),
    )
}

/// The user, tenant and scope a grant resolved to.
struct Grant {
    user: Guid,
    tenant: Guid,
    scope: String,
    nonce: Option<String>,
}

fn token(em: &Emulator, call: &Call, tenant_segment: &str) -> Response {
    let form = call.form();
    let mut w = em.world();
    let Some(tenant_path) = resolve_tenant(&w, tenant_segment) else {
        return bad(em, "invalid_request", 90002, &tenant_not_found(tenant_segment));
    };
    if form_value(&form, "client_secret").is_some() || form_value(&form, "client_assertion").is_some() {
        return token_error(
            em,
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            700025,
            "AADSTS700025: Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
        );
    }
    let Some(client_raw) = form_value(&form, "client_id") else { return missing(em, "client_id") };
    let client_id = match Guid::parse_input("client_id", client_raw) {
        Ok(id) if known_client(em, &w, id) => id,
        _ => return bad(em, "unauthorized_client", 700016, &client_not_found(client_raw, tenant_segment)),
    };
    let Some(grant_type) = form_value(&form, "grant_type") else { return missing(em, "grant_type") };
    let now = em.now();
    let grant = match grant_type {
        "authorization_code" => redeem_code(em, &mut w, &form, client_id, now),
        "refresh_token" => redeem_refresh_token(em, &w, &form, client_id, now),
        "urn:ietf:params:oauth:grant-type:device_code" => poll_device_code(em, &mut w, &form, client_id, now),
        other => Err(bad(
            em,
            "unsupported_grant_type",
            70003,
            &format!("AADSTS70003: The app requested an unsupported grant type '{other}'."),
        )),
    };
    let grant = match grant {
        Ok(g) => g,
        Err(response) => return response,
    };
    let scope = form_value(&form, "scope").map(str::to_string).unwrap_or(grant.scope);
    let parsed = match parse_scopes(&scope, &em.base_url) {
        Ok(p) => p,
        Err(ScopeProblem::SeveralResources) => {
            return bad(
                em,
                "invalid_scope",
                28000,
                &format!(
                    "AADSTS28000: Provided value for the input parameter scope is not valid because it contains more than one resource. Scope {scope} is not valid."
                ),
            );
        }
        Err(ScopeProblem::UnknownResource(r)) => {
            return bad(em, "invalid_resource", 500011, &unknown_resource(&r, tenant_segment));
        }
        Err(ScopeProblem::Empty) => return missing(em, "scope"),
    };
    let Some(user) = w.user(grant.user).cloned() else {
        return bad(em, "invalid_grant", 50034, "AADSTS50034: The user account does not exist in this directory.");
    };
    let tenant = match tenant_path {
        TenantPath::Any => grant.tenant,
        TenantPath::Specific(t) => t,
    };
    let Some(oid) = user.object_id_in(tenant) else {
        return bad(em, "invalid_grant", 50020, &user_not_in_tenant(&user.upn, tenant_segment, client_id));
    };
    let expires = now.plus(em.config.access_token_lifetime);
    let record = AccessToken {
        resource: parsed.resource,
        tenant,
        user: user.id,
        oid,
        upn: user.upn.clone(),
        client_id,
        expires,
        scope: parsed.resource_scopes.join(" "),
    };
    let unique = w.ids.next("token");
    let access = tokens::jwt(&tokens::access_claims(&em.clock, &record, &user.display_name, now, unique), unique);
    w.auth.access_tokens.insert(access.clone(), record);
    let mut granted: Vec<String> = parsed.resource_scopes.clone();
    let lifetime = em.config.access_token_lifetime.as_secs();
    let mut body = json!({
        "token_type": "Bearer",
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": access,
    });
    let wants_refresh = parsed.offline_access || grant_type == "refresh_token";
    if wants_refresh {
        let rt = format!("1.{}", URL_SAFE_NO_PAD.encode(w.ids.next("refresh").to_string()));
        w.auth.refresh_tokens.insert(
            rt.clone(),
            RefreshToken { user: user.id, client_id, expires: now.days_after(REFRESH_LIFETIME_DAYS) },
        );
        body["refresh_token"] = json!(rt);
        granted.push("offline_access".into());
    }
    if parsed.openid {
        let claims = tokens::id_claims(&em.clock, &user, tenant, client_id, grant.nonce.as_deref(), now, expires);
        let unique = w.ids.next("id-token");
        body["id_token"] = json!(tokens::jwt(&claims, unique));
        granted.extend(["openid".to_string(), "profile".to_string()]);
    }
    body["scope"] = json!(granted.join(" "));
    drop(w);
    tracing::debug!(grant_type, resource = ?parsed.resource, %tenant, "token issued");
    http::json(StatusCode::OK, &body)
}

fn redeem_code(
    em: &Emulator,
    w: &mut World,
    form: &[(String, String)],
    client_id: Guid,
    now: Moment,
) -> Result<Grant, Response> {
    let code = form_value(form, "code").ok_or_else(|| missing(em, "code"))?;
    let record = w.auth.codes.get_mut(code).ok_or_else(|| {
        bad(em, "invalid_grant", 9002313, "AADSTS9002313: Invalid request. Request is malformed or invalid.")
    })?;
    if record.redeemed {
        return Err(bad(
            em,
            "invalid_grant",
            54005,
            "AADSTS54005: OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
        ));
    }
    if now >= record.created.plus(CODE_LIFETIME) {
        return Err(bad(
            em,
            "invalid_grant",
            70008,
            "AADSTS70008: The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
        ));
    }
    if record.client_id != client_id {
        return Err(bad(
            em,
            "invalid_grant",
            70000,
            "AADSTS70000: The provided value for the 'code' parameter is not valid. The code was issued to a different client.",
        ));
    }
    let redirect = form_value(form, "redirect_uri").ok_or_else(|| missing(em, "redirect_uri"))?;
    if redirect != record.redirect_uri {
        return Err(bad(
            em,
            "invalid_grant",
            500112,
            &format!(
                "AADSTS500112: The reply address '{redirect}' does not match the reply address '{}' provided when requesting Authorization code.",
                record.redirect_uri
            ),
        ));
    }
    let verifier = form_value(form, "code_verifier").ok_or_else(|| missing(em, "code_verifier"))?;
    let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    if computed != record.code_challenge {
        return Err(bad(
            em,
            "invalid_grant",
            501481,
            "AADSTS501481: The Code_Verifier does not match the code_challenge supplied in the authorization request.",
        ));
    }
    record.redeemed = true;
    Ok(Grant { user: record.user, tenant: record.tenant, scope: record.scope.clone(), nonce: record.nonce.clone() })
}

fn redeem_refresh_token(
    em: &Emulator,
    w: &World,
    form: &[(String, String)],
    client_id: Guid,
    now: Moment,
) -> Result<Grant, Response> {
    let raw = form_value(form, "refresh_token").ok_or_else(|| missing(em, "refresh_token"))?;
    let invalid =
        || bad(em, "invalid_grant", 9002313, "AADSTS9002313: Invalid request. Request is malformed or invalid.");
    let record = w.auth.refresh_tokens.get(raw).ok_or_else(invalid)?;
    if now >= record.expires {
        return Err(bad(
            em,
            "invalid_grant",
            700082,
            "AADSTS700082: The refresh token has expired due to inactivity. The token was issued on a date and was inactive for 90.00:00:00.",
        ));
    }
    if record.client_id != client_id {
        return Err(bad(
            em,
            "invalid_grant",
            700003,
            "AADSTS700003: Device object was not found in the tenant directory. The refresh token was issued to a different client.",
        ));
    }
    let user = w.user(record.user).ok_or_else(invalid)?;
    Ok(Grant { user: user.id, tenant: user.home_tenant, scope: String::new(), nonce: None })
}

fn poll_device_code(
    em: &Emulator,
    w: &mut World,
    form: &[(String, String)],
    client_id: Guid,
    now: Moment,
) -> Result<Grant, Response> {
    let raw = form_value(form, "device_code").ok_or_else(|| missing(em, "device_code"))?;
    let interval = em.config.device_code_interval;
    let declined = em.config.scenario.sign_in.device_code_declined;
    let auto_approve = em.config.device_code_auto_approve;
    let bad_code = || bad(em, "bad_verification_code", 70000, "AADSTS70000: Provided grant is invalid or malformed.");
    let record = w.auth.device_codes.get_mut(raw).ok_or_else(bad_code)?;
    if record.client_id != client_id || record.redeemed {
        return Err(bad_code());
    }
    if now >= record.expires {
        return Err(bad(em, "expired_token", 70019, "AADSTS70019: Verification code expired."));
    }
    let too_fast = record.last_poll.is_some_and(|last| now < last.plus(interval));
    record.last_poll = Some(now);
    record.polls += 1;
    if too_fast {
        return Err(bad(
            em,
            "slow_down",
            70016,
            "AADSTS70016: OAuth 2.0 device flow error. Authorization is pending. Poll no faster than the interval.",
        ));
    }
    let pending = || {
        bad(
            em,
            "authorization_pending",
            70016,
            "AADSTS70016: OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
        )
    };
    if record.polls == 1 {
        return Err(pending());
    }
    if declined {
        return Err(bad(
            em,
            "authorization_declined",
            70000,
            "AADSTS70000: The user has declined the authentication request for this device code.",
        ));
    }
    if !auto_approve {
        return Err(pending());
    }
    record.redeemed = true;
    let user = record.user;
    let tenant = record.tenant;
    let scope = record.scope.clone();
    let home = w.user(user).map(|u| u.home_tenant).unwrap_or(Guid::NIL);
    Ok(Grant { user, tenant: tenant.unwrap_or(home), scope, nonce: None })
}

fn device_code(em: &Emulator, call: &Call, tenant_segment: &str) -> Response {
    let form = call.form();
    let mut w = em.world();
    let Some(tenant_path) = resolve_tenant(&w, tenant_segment) else {
        return bad(em, "invalid_request", 90002, &tenant_not_found(tenant_segment));
    };
    let Some(client_raw) = form_value(&form, "client_id") else { return missing(em, "client_id") };
    let client_id = match Guid::parse_input("client_id", client_raw) {
        Ok(id) if known_client(em, &w, id) => id,
        _ => return bad(em, "unauthorized_client", 700016, &client_not_found(client_raw, tenant_segment)),
    };
    let Some(scope) = form_value(&form, "scope") else { return missing(em, "scope") };
    match parse_scopes(scope, &em.base_url) {
        Ok(_) | Err(ScopeProblem::SeveralResources) => {}
        Err(ScopeProblem::UnknownResource(r)) => {
            return bad(em, "invalid_resource", 500011, &unknown_resource(&r, tenant_segment));
        }
        Err(ScopeProblem::Empty) => return missing(em, "scope"),
    }
    let Some(user) = w.user_by_upn(&em.config.scenario.sign_in.default_user).map(|u| u.id) else {
        return bad(em, "invalid_request", 50034, "AADSTS50034: The user account does not exist in this directory.");
    };
    let n = w.ids.next("device");
    let device_code = format!("DAQABAAEAAAD{}", URL_SAFE_NO_PAD.encode(n.to_string()));
    let user_code: String = n.to_string().replace('-', "").chars().take(9).map(|c| c.to_ascii_uppercase()).collect();
    let lifetime = em.config.device_code_lifetime;
    w.auth.device_codes.insert(
        device_code.clone(),
        DeviceCode {
            client_id,
            scope: scope.to_string(),
            user,
            tenant: match tenant_path {
                TenantPath::Any => None,
                TenantPath::Specific(t) => Some(t),
            },
            expires: em.now().plus(lifetime),
            last_poll: None,
            polls: 0,
            redeemed: false,
        },
    );
    let verification_uri = format!("{}/login/device", em.base_url);
    http::json(
        StatusCode::OK,
        &json!({
            "user_code": user_code,
            "device_code": device_code,
            "verification_uri": verification_uri,
            "expires_in": lifetime.as_secs(),
            "interval": em.config.device_code_interval.as_secs(),
            "message": format!("To sign in, use a web browser to open the page {verification_uri} and enter the code {user_code} to authenticate."),
        }),
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
