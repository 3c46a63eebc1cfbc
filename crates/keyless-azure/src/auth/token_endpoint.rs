//! Entra's v2.0 token endpoint: URLs, token responses, refresh-token redemption, the
//! signed-in account from id_token claims, and the authority tenant users type.
//!
//! One resource per request, always (contract §2.4: AADSTS28000 otherwise). This module does
//! not cache anything; `Session` does.

use keyless_core::{CloudProfile, Guid, InputError};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::auth::limits::{lenient_seconds, token_lifetime};
use crate::auth::{AuthError, ORGANIZATIONS};
use crate::error::Service;
use crate::secret::{AccessToken, RefreshToken, decode_jwt_claims};
use crate::transport::{ApiRequest, AzureHttp};

/// The `{tenant}` segment of an Entra URL: `organizations`, `common`, a tenant GUID or a
/// verified domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct AuthorityTenant(String);

impl AuthorityTenant {
    pub fn organizations() -> Self {
        AuthorityTenant(ORGANIZATIONS.into())
    }

    pub fn id(tenant: Guid) -> Self {
        AuthorityTenant(tenant.to_string())
    }

    /// Parses `--tenant`: a GUID, a domain such as `contoso.onmicrosoft.com`, or
    /// `organizations` / `common`.
    pub fn parse(value: &str) -> Result<Self, InputError> {
        let trimmed = value.trim();
        let lower = trimmed.to_ascii_lowercase();
        if lower == ORGANIZATIONS || lower == "common" {
            return Ok(AuthorityTenant(lower));
        }
        let looks_like_guid =
            trimmed.len() >= 32 && trimmed.chars().all(|c| c.is_ascii_hexdigit() || "-{}".contains(c));
        if looks_like_guid {
            return Guid::parse_input("tenant", trimmed).map(Self::id);
        }
        let domain_ok = lower.contains('.')
            && lower
                .split('.')
                .all(|label| !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
        if domain_ok {
            Ok(AuthorityTenant(lower))
        } else {
            Err(InputError::new(
                "tenant",
                format!("'{value}' is neither a tenant id nor a domain"),
                "use the tenant id (a GUID from the Azure portal) or a verified domain such as contoso.onmicrosoft.com",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<AuthorityTenant> for String {
    fn from(t: AuthorityTenant) -> String {
        t.0
    }
}

impl TryFrom<String> for AuthorityTenant {
    type Error = InputError;
    fn try_from(s: String) -> Result<Self, InputError> {
        AuthorityTenant::parse(&s)
    }
}

/// `{authority_host}/{tenant}/oauth2/v2.0/{endpoint}`.
pub fn entra_url(cloud: &CloudProfile, tenant: &AuthorityTenant, endpoint: &str) -> Result<Url, AuthError> {
    let text = format!("{}/{}/oauth2/v2.0/{endpoint}", cloud.authority_host.trim_end_matches('/'), tenant.as_str());
    Url::parse(&text).map_err(|e| {
        AuthError::Input(InputError::new(
            "cloud profile",
            format!("authorityHost gives an invalid URL '{text}': {e}"),
            "fix authorityHost in the cloud profile",
        ))
    })
}

/// The signed-in user, from id_token (or access token) claims. Display only: not verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// `preferred_username` / `upn`, e.g. `admin@contoso.com`.
    pub username: String,
    pub display_name: Option<String>,
    /// The user's object id (`oid`).
    pub object_id: Option<Guid>,
    /// The tenant of the first sign-in (`tid`).
    pub home_tenant: Option<Guid>,
}

impl Account {
    /// Reads the account from a JWT's claims; `None` when the token is not a JWT or names no user.
    pub fn from_jwt(token: &str) -> Option<Account> {
        let claims = decode_jwt_claims(token)?;
        let text = |key: &str| claims.get(key).and_then(|v| v.as_str()).map(str::to_string);
        let guid = |key: &str| text(key).and_then(|v| Guid::parse_input("claim", &v).ok());
        let username = text("preferred_username").or_else(|| text("upn")).or_else(|| text("unique_name"))?;
        Some(Account { username, display_name: text("name"), object_id: guid("oid"), home_tenant: guid("tid") })
    }
}

#[derive(Deserialize)]
pub(crate) struct TokenResponse {
    pub access_token: String,
    #[serde(default, deserialize_with = "lenient_seconds")]
    pub expires_in: Option<u64>,
    pub refresh_token: Option<String>,
    pub id_token: Option<String>,
}

/// What one successful token request yields.
#[derive(Debug, Clone)]
pub struct TokenSet {
    pub access: AccessToken,
    pub refresh: Option<RefreshToken>,
    /// From the id_token when present, else from the access token's claims.
    pub account: Option<Account>,
}

impl From<TokenResponse> for TokenSet {
    fn from(response: TokenResponse) -> Self {
        let lifetime = token_lifetime(response.expires_in);
        let account = response
            .id_token
            .as_deref()
            .and_then(Account::from_jwt)
            .or_else(|| Account::from_jwt(&response.access_token));
        TokenSet {
            access: AccessToken::expiring_in(response.access_token, lifetime),
            refresh: response.refresh_token.map(RefreshToken::new),
            account,
        }
    }
}

/// Redeems a refresh token for one resource scope at `/{tenant}/oauth2/v2.0/token`.
/// The response's rotated refresh token is in [`TokenSet::refresh`]; keep it.
pub async fn redeem_refresh_token(
    http: &AzureHttp,
    cloud: &CloudProfile,
    client_id: &str,
    tenant: &AuthorityTenant,
    refresh: &RefreshToken,
    scope: &str,
) -> Result<TokenSet, AuthError> {
    let url = entra_url(cloud, tenant, "token")?;
    let scopes = format!("{scope} offline_access openid profile");
    let request = ApiRequest::new(Service::Entra, Method::POST, url)
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", client_id),
            ("refresh_token", refresh.expose()),
            ("scope", &scopes),
        ])
        .repeatable();
    let response: TokenResponse = http.send_json(request).await?;
    Ok(response.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_inputs_are_checked_locally() {
        assert_eq!(AuthorityTenant::parse("Organizations").unwrap().as_str(), "organizations");
        assert_eq!(AuthorityTenant::parse("contoso.onmicrosoft.com").unwrap().as_str(), "contoso.onmicrosoft.com");
        let id = AuthorityTenant::parse("FF882432-09B0-437B-BD22-CA13C0037DED").unwrap();
        assert_eq!(id.as_str(), "ff882432-09b0-437b-bd22-ca13c0037ded");
        assert!(AuthorityTenant::parse("ff882432-09b0-437b-bd22-ca13c0037de").unwrap_err().problem.contains("GUID"));
        assert!(AuthorityTenant::parse("contoso").is_err());
        assert!(AuthorityTenant::parse("a/b.com").is_err());
    }
}
