//! Entra tokens as the emulator issues and checks them: JWT-shaped strings whose meaning is
//! looked up in the state, plus the records behind codes, device codes and refresh tokens.
//!
//! Signatures are not real and are never verified; a token is valid because the emulator
//! issued it. Token strings are never logged.

use std::collections::HashMap;

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use keyless_core::{Guid, federation::AZURE_DEVOPS_APP_ID};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::{
    catalog::{ARM_AUDIENCE, GRAPH_APP_ID, GRAPH_AUDIENCE, ISSUER_HOST},
    state::{Clock, Moment, User},
};

/// The service a token is for. Entra issues one resource per access token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Resource {
    Graph,
    Arm,
    DevOps,
}

impl Resource {
    /// The `aud` claim of tokens for this resource.
    pub fn audience(self) -> &'static str {
        match self {
            Resource::Graph => GRAPH_AUDIENCE,
            Resource::Arm => ARM_AUDIENCE,
            Resource::DevOps => DEVOPS_AUDIENCE,
        }
    }
}

const DEVOPS_AUDIENCE: &str = "499b84ac-1321-427f-aa17-267ca6975798";
const OIDC_SCOPES: &[&str] = &["openid", "profile", "offline_access", "email"];

/// What a requested scope string asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedScopes {
    /// The one resource asked for (Graph when only OpenID scopes were requested).
    pub resource: Resource,
    /// Resource scopes as requested, in order.
    pub resource_scopes: Vec<String>,
    pub openid: bool,
    pub offline_access: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeProblem {
    /// Scopes of two or more resources in one request (AADSTS28000).
    SeveralResources,
    /// A resource Entra does not know in this tenant (AADSTS500011).
    UnknownResource(String),
    Empty,
}

/// Parses a space-separated scope list. `base_url` is the emulator's own base, whose
/// `/graph` and `/arm` also name Graph and ARM (the emulator cloud profile's scopes).
pub fn parse_scopes(scope: &str, base_url: &str) -> Result<ParsedScopes, ScopeProblem> {
    let mut resources: Vec<Resource> = Vec::new();
    let mut resource_scopes = Vec::new();
    let mut openid = false;
    let mut offline_access = false;
    let mut any = false;
    for item in scope.split_whitespace() {
        any = true;
        let lower = item.to_ascii_lowercase();
        if OIDC_SCOPES.contains(&lower.as_str()) {
            openid |= lower == "openid";
            offline_access |= lower == "offline_access";
            continue;
        }
        let resource = match item.rfind('/') {
            None => Resource::Graph,
            Some(i) => {
                let name = item[..i].trim_end_matches('/').to_ascii_lowercase();
                resource_named(&name, base_url).ok_or_else(|| ScopeProblem::UnknownResource(item[..i].to_string()))?
            }
        };
        if !resources.contains(&resource) {
            resources.push(resource);
        }
        resource_scopes.push(item.to_string());
    }
    if !any {
        return Err(ScopeProblem::Empty);
    }
    if resources.len() > 1 {
        return Err(ScopeProblem::SeveralResources);
    }
    Ok(ParsedScopes {
        resource: resources.first().copied().unwrap_or(Resource::Graph),
        resource_scopes,
        openid,
        offline_access,
    })
}

fn resource_named(name: &str, base_url: &str) -> Option<Resource> {
    let base = base_url.trim_end_matches('/').to_ascii_lowercase();
    let devops_id = AZURE_DEVOPS_APP_ID.to_string();
    if name == "https://graph.microsoft.com" || name == GRAPH_APP_ID || name == format!("{base}/graph") {
        Some(Resource::Graph)
    } else if name == "https://management.azure.com"
        || name == "https://management.core.windows.net"
        || name == format!("{base}/arm")
    {
        Some(Resource::Arm)
    } else if name == devops_id || name == "https://app.vssps.visualstudio.com" {
        Some(Resource::DevOps)
    } else {
        None
    }
}

/// What an access token stands for.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessToken {
    pub resource: Resource,
    pub tenant: Guid,
    /// The user's key (home object id).
    pub user: Guid,
    /// The user's object id in `tenant`.
    pub oid: Guid,
    pub upn: String,
    pub client_id: Guid,
    pub expires: Moment,
    pub scope: String,
}

#[derive(Debug, Clone)]
pub struct AuthCode {
    pub client_id: Guid,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub user: Guid,
    pub tenant: Guid,
    pub scope: String,
    pub nonce: Option<String>,
    pub created: Moment,
    pub redeemed: bool,
}

#[derive(Debug, Clone)]
pub struct DeviceCode {
    pub client_id: Guid,
    pub scope: String,
    pub user: Guid,
    pub tenant: Option<Guid>,
    pub expires: Moment,
    pub last_poll: Option<Moment>,
    pub polls: u32,
    pub redeemed: bool,
}

#[derive(Debug, Clone)]
pub struct RefreshToken {
    pub user: Guid,
    pub client_id: Guid,
    pub expires: Moment,
}

/// Every outstanding code and token. Not part of the state dump (it would leak tokens).
#[derive(Debug, Clone, Default)]
pub struct AuthRecords {
    pub codes: HashMap<String, AuthCode>,
    pub device_codes: HashMap<String, DeviceCode>,
    pub refresh_tokens: HashMap<String, RefreshToken>,
    pub access_tokens: HashMap<String, AccessToken>,
}

/// Why a presented bearer token is not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenProblem {
    Missing,
    Invalid,
    Expired { expired_at: Moment },
    WrongResource { audience: &'static str },
}

impl AuthRecords {
    /// Looks a bearer token up and checks it is for `want` and not expired.
    pub fn check(&self, bearer: Option<&str>, want: Resource, now: Moment) -> Result<AccessToken, TokenProblem> {
        let raw = bearer.filter(|b| !b.is_empty()).ok_or(TokenProblem::Missing)?;
        let token = self.access_tokens.get(raw).ok_or(TokenProblem::Invalid)?;
        if token.resource != want {
            return Err(TokenProblem::WrongResource { audience: token.resource.audience() });
        }
        if now >= token.expires {
            return Err(TokenProblem::Expired { expired_at: token.expires });
        }
        Ok(token.clone())
    }
}

/// Builds a JWT-shaped string. `unique` makes every token distinct.
pub fn jwt(claims: &serde_json::Value, unique: Guid) -> String {
    let header = json!({"typ": "JWT", "alg": "RS256", "kid": "keyless-emulator"});
    let h = URL_SAFE_NO_PAD.encode(header.to_string());
    let p = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signature = Sha256::digest(format!("{h}.{p}.{unique}").as_bytes());
    format!("{h}.{p}.{}", URL_SAFE_NO_PAD.encode(signature))
}

/// Claims of an access token in the shape Entra writes them.
#[allow(clippy::too_many_arguments)]
pub fn access_claims(
    clock: &Clock,
    token: &AccessToken,
    name: &str,
    issued: Moment,
    unique: Guid,
) -> serde_json::Value {
    let scp: Vec<&str> =
        token.scope.split_whitespace().filter_map(|s| s.rsplit('/').next()).filter(|s| !s.is_empty()).collect();
    json!({
        "aud": token.resource.audience(),
        "iss": format!("https://sts.windows.net/{}/", token.tenant),
        "iat": clock.unix(issued),
        "nbf": clock.unix(issued),
        "exp": clock.unix(token.expires),
        "appid": token.client_id.to_string(),
        "azp": token.client_id.to_string(),
        "idtyp": "user",
        "name": name,
        "oid": token.oid.to_string(),
        "preferred_username": token.upn,
        "upn": token.upn,
        "unique_name": token.upn,
        "scp": scp.join(" "),
        "sub": Guid::derived(token.client_id, &token.oid.to_string()).to_string(),
        "tid": token.tenant.to_string(),
        "uti": unique.to_string(),
        "ver": "1.0",
    })
}

/// Claims of an id token (v2.0).
pub fn id_claims(
    clock: &Clock,
    user: &User,
    tenant: Guid,
    client_id: Guid,
    nonce: Option<&str>,
    issued: Moment,
    expires: Moment,
) -> serde_json::Value {
    let oid = user.object_id_in(tenant).unwrap_or(user.id);
    let mut claims = json!({
        "aud": client_id.to_string(),
        "iss": format!("{ISSUER_HOST}/{tenant}/v2.0"),
        "iat": clock.unix(issued),
        "nbf": clock.unix(issued),
        "exp": clock.unix(expires),
        "name": user.display_name,
        "oid": oid.to_string(),
        "preferred_username": user.upn,
        "sub": Guid::derived(client_id, &oid.to_string()).to_string(),
        "tid": tenant.to_string(),
        "ver": "2.0",
    });
    if let Some(n) = nonce {
        claims["nonce"] = json!(n);
    }
    claims
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "http://127.0.0.1:9999";

    #[test]
    fn one_resource_per_request() {
        let p = parse_scopes("https://graph.microsoft.com/.default offline_access openid profile", BASE).unwrap();
        assert_eq!(p.resource, Resource::Graph);
        assert!(p.openid && p.offline_access);
        assert_eq!(
            parse_scopes("https://graph.microsoft.com/.default https://management.azure.com/.default", BASE),
            Err(ScopeProblem::SeveralResources)
        );
        assert_eq!(
            parse_scopes("499b84ac-1321-427f-aa17-267ca6975798/.default", BASE).unwrap().resource,
            Resource::DevOps
        );
        assert_eq!(parse_scopes("http://127.0.0.1:9999/arm/.default", BASE).unwrap().resource, Resource::Arm);
        assert_eq!(
            parse_scopes("https://management.core.windows.net//.default", BASE).unwrap().resource,
            Resource::Arm
        );
        assert_eq!(parse_scopes("User.Read", BASE).unwrap().resource, Resource::Graph);
        assert!(matches!(
            parse_scopes("https://vault.azure.net/.default", BASE),
            Err(ScopeProblem::UnknownResource(_))
        ));
    }

    #[test]
    fn jwt_has_three_parts_and_readable_claims() {
        let t = jwt(&json!({"aud": "x"}), Guid::from_u128(1));
        let parts: Vec<&str> = t.split('.').collect();
        assert_eq!(parts.len(), 3);
        let payload: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(payload["aud"], "x");
    }
}
