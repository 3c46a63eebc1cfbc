//! Tokens from the Azure CLI's sign-in (`az login`) through azure_identity's
//! `AzureCliCredential`: one `az account get-access-token` per resource scope and tenant.
//!
//! No refresh token is involved and none is stored; the CLI keeps its own.

use std::time::SystemTime;

use azure_core::credentials::TokenCredential;
use azure_identity::{AzureCliCredential, AzureCliCredentialOptions};
use keyless_core::Guid;

use crate::auth::AuthError;
use crate::secret::AccessToken;

/// Asks the Azure CLI for a token for `scope` in `tenant` (the CLI's default tenant if `None`).
pub async fn token(scope: &str, tenant: Option<Guid>) -> Result<AccessToken, AuthError> {
    let options = AzureCliCredentialOptions { tenant_id: tenant.map(|t| t.to_string()), ..Default::default() };
    let credential = AzureCliCredential::new(Some(options)).map_err(|e| AuthError::AzureCli(e.to_string()))?;
    let token = credential.get_token(&[scope], None).await.map_err(|e| AuthError::AzureCli(e.to_string()))?;
    Ok(AccessToken::new(token.token.secret().to_string(), SystemTime::from(token.expires_on)))
}
