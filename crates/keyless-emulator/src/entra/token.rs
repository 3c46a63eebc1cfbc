//! The token endpoint (authorization code with PKCE, refresh token, device code) and the
//! device code endpoint.
//!
//! No client credentials, no on-behalf-of, no SAML assertions.

use axum::{http::StatusCode, response::Response};
use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use keyless_core::Guid;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{
    CODE_LIFETIME, REFRESH_LIFETIME_DAYS, TenantPath, bad, client_not_found, known_client, missing, resolve_tenant,
    tenant_not_found, token_error, unknown_resource, user_not_in_tenant,
};
use crate::{
    http::{self, Call, form_value},
    state::{Emulator, Moment, World},
    tokens::{self, AccessToken, DeviceCode, RefreshToken, ScopeProblem, parse_scopes},
};

/// The user, tenant and scope a grant resolved to.
struct Grant {
    user: Guid,
    tenant: Guid,
    scope: String,
    nonce: Option<String>,
}

pub(super) fn token(em: &Emulator, call: &Call, tenant_segment: &str) -> Response {
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
    let signed = tokens::jwt(&tokens::access_claims(&em.clock, &record, &user.display_name, now, unique), unique);
    // The marker goes into the opaque signature part, so the claims still decode.
    let access = match signed.rsplit_once('.') {
        Some((claims, signature)) => format!("{claims}.{}{signature}", em.config.token_marker),
        None => signed,
    };
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
        let rt = format!("1.{}{}", em.config.token_marker, URL_SAFE_NO_PAD.encode(w.ids.next("refresh").to_string()));
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

pub(super) fn device_code(em: &Emulator, call: &Call, tenant_segment: &str) -> Response {
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
