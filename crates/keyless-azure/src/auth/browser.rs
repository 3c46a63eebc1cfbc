//! Browser sign-in: authorization code + PKCE (S256) with a loopback redirect.
//!
//! Listens on 127.0.0.1 with an ephemeral port, registers `http://localhost:{port}` as the
//! redirect (contract §2.2: Entra ignores the port for localhost), opens the authorize URL
//! through a [`BrowserOpener`], checks `state`, and redeems the code with the `oauth2`
//! crate over [`OAuthHttp`]. The loopback server waits for the one redirect carrying this
//! sign-in's `state`, answers anything else with 404 or 400 without ending the wait, and
//! closes as soon as that redirect came (or on timeout or cancel); it serves nothing else.

use std::net::Ipv4Addr;
use std::time::Duration;

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenType,
};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, CsrfToken, EndpointNotSet, EndpointSet, PkceCodeChallenge,
    RedirectUrl, RequestTokenError, Scope, StandardRevocableToken, TokenResponse as _, TokenUrl,
};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use url::Url;

use crate::auth::limits::{lenient_seconds, token_lifetime};
use crate::auth::oauth_http::{OAuthHttp, OAuthTransportError};
use crate::auth::token_endpoint::{Account, TokenSet, entra_url};
use crate::auth::{AuthError, Session, SignInCancel, SignInMethod, SignInOptions};
use crate::secret::{AccessToken, RefreshToken};
use crate::transport::AzureHttp;

/// Opens the authorize URL. The CLI and GUI use [`SystemBrowser`]; tests replace it with an
/// HTTP client that follows the emulator's redirect to the loopback listener.
pub trait BrowserOpener: Send + Sync {
    fn open(&self, url: &Url) -> std::io::Result<()>;
}

/// Opens the system's default browser with the `open` crate.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemBrowser;

impl BrowserOpener for SystemBrowser {
    fn open(&self, url: &Url) -> std::io::Result<()> {
        open::that_detached(url.as_str())
    }
}

/// Entra's answer to the code exchange: oauth2's standard fields, the id_token Entra returns
/// when `openid` is asked for, and an `expires_in` read leniently (text, negative, huge) so a
/// malformed lifetime is clamped instead of failing the sign-in.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct EntraTokenResponse {
    access_token: oauth2::AccessToken,
    #[serde(deserialize_with = "oauth2::helpers::deserialize_untagged_enum_case_insensitive")]
    token_type: BasicTokenType,
    #[serde(default, deserialize_with = "lenient_seconds", skip_serializing_if = "Option::is_none")]
    expires_in: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_token: Option<oauth2::RefreshToken>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id_token: Option<String>,
}

impl oauth2::TokenResponse for EntraTokenResponse {
    type TokenType = BasicTokenType;

    fn access_token(&self) -> &oauth2::AccessToken {
        &self.access_token
    }
    fn token_type(&self) -> &BasicTokenType {
        &self.token_type
    }
    fn expires_in(&self) -> Option<Duration> {
        Some(token_lifetime(self.expires_in))
    }
    fn refresh_token(&self) -> Option<&oauth2::RefreshToken> {
        self.refresh_token.as_ref()
    }
    fn scopes(&self) -> Option<&Vec<Scope>> {
        None // Keyless reads what a token is for from its audience, not from this echo.
    }
}
type EntraClient = oauth2::Client<
    BasicErrorResponse,
    EntraTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// Signs in through the browser and returns a session holding the refresh token.
pub async fn sign_in_with_browser(
    http: &AzureHttp,
    options: &SignInOptions,
    opener: &dyn BrowserOpener,
    cancel: &SignInCancel,
) -> Result<Session, AuthError> {
    let tenant = options.authority();
    let listener = bind_loopback().await?;
    let port = listener.local_addr().map_err(AuthError::Loopback)?.port();
    let redirect =
        RedirectUrl::new(format!("http://localhost:{port}")).map_err(|e| AuthError::BrowserOpen(e.to_string()))?;
    let client: EntraClient = oauth2::Client::new(ClientId::new(options.client_id.clone()))
        .set_auth_uri(AuthUrl::from_url(entra_url(&options.cloud, &tenant, "authorize")?))
        .set_token_uri(TokenUrl::from_url(entra_url(&options.cloud, &tenant, "token")?))
        .set_redirect_uri(redirect)
        .set_auth_type(AuthType::RequestBody);

    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let scopes = options.first_sign_in_scopes();
    let mut request = client
        .authorize_url(CsrfToken::new_random)
        .set_pkce_challenge(challenge)
        .add_scopes(scopes.split(' ').map(|s| Scope::new(s.to_string())));
    request = match &options.login_hint {
        Some(hint) => request.add_extra_param("login_hint", hint.clone()),
        None => request.add_extra_param("prompt", "select_account"),
    };
    let (authorize_url, state) = request.url();
    tracing::info!(port, "waiting for the browser sign-in redirect");
    opener.open(&authorize_url).map_err(|e| AuthError::BrowserOpen(e.to_string()))?;

    let code = tokio::select! {
        result = wait_for_redirect(&listener, state.secret()) => result?,
        () = tokio::time::sleep(options.timeout) => return Err(AuthError::TimedOut(options.timeout)),
        () = cancel.cancelled() => return Err(AuthError::Cancelled),
    };
    // Closed before the code is redeemed: nothing else is served once the redirect came.
    drop(listener);

    let adapter = OAuthHttp::new(http.clone());
    let token = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(verifier)
        .add_extra_param("scope", scopes)
        .request_async(&adapter)
        .await
        .map_err(oauth_error)?;
    let access = AccessToken::expiring_in(token.access_token().secret().clone(), token_lifetime(token.expires_in));
    let account = token.id_token.as_deref().and_then(Account::from_jwt).or_else(|| Account::from_jwt(access.expose()));
    let tokens =
        TokenSet { access, refresh: token.refresh_token().map(|r| RefreshToken::new(r.secret().clone())), account };
    Session::from_interactive_sign_in(http, options, tokens, SignInMethod::Browser).await
}

/// The redirect listener: 127.0.0.1 only, never a wildcard address, on a port the OS picks.
async fn bind_loopback() -> Result<TcpListener, AuthError> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.map_err(AuthError::Loopback)
}

fn oauth_error(error: RequestTokenError<OAuthTransportError, BasicErrorResponse>) -> AuthError {
    match error {
        RequestTokenError::Request(OAuthTransportError(inner)) => AuthError::Http(Box::new(inner)),
        RequestTokenError::ServerResponse(response) => AuthError::Refused {
            error: response.error().to_string(),
            description: response.error_description().cloned().unwrap_or_default(),
        },
        RequestTokenError::Parse(e, _) => AuthError::UnexpectedTokenResponse(e.to_string()),
        RequestTokenError::Other(text) => AuthError::UnexpectedTokenResponse(text),
    }
}

/// The most loopback connections handled at once; more wait in the accept queue, so a local
/// process opening connections cannot exhaust Keyless while it waits for the browser.
const MAX_PENDING_CONNECTIONS: usize = 16;

/// Shown for a redirect whose `state` is not this sign-in's (an old tab, another program).
const STRAY_REDIRECT_PAGE: &str = "This sign-in link is not the one Keyless is waiting for. Close this tab; Keyless is still waiting for the sign-in it started.";

/// What one loopback request meant for the sign-in.
enum LoopbackRequest {
    /// The browser brought back this sign-in's authorization response.
    Redirect(Result<String, AuthError>),
    /// Anything else (favicon, wrong state, garbage): answered, and the wait goes on.
    Stray,
}

/// Serves loopback connections until one carries this sign-in's authorization response.
/// Requests that are not it are answered (404 or 400) and do not end the wait: only the
/// caller's timeout or cancel does.
async fn wait_for_redirect(listener: &TcpListener, expected_state: &str) -> Result<String, AuthError> {
    let mut pending = FuturesUnordered::new();
    loop {
        tokio::select! {
            accepted = listener.accept(), if pending.len() < MAX_PENDING_CONNECTIONS => {
                let (stream, _) = accepted.map_err(AuthError::Loopback)?;
                pending.push(answer_loopback_request(stream, expected_state));
            }
            Some(request) = pending.next(), if !pending.is_empty() => {
                if let LoopbackRequest::Redirect(result) = request {
                    return result;
                }
            }
        }
    }
}

async fn answer_loopback_request(mut stream: TcpStream, expected_state: &str) -> LoopbackRequest {
    let Some(target) = read_request_target(&mut stream).await else { return LoopbackRequest::Stray };
    let Ok(url) = Url::parse(&format!("http://localhost{target}")) else {
        respond(&mut stream, "400 Bad Request", "Keyless could not read this request.").await;
        return LoopbackRequest::Stray;
    };
    let param = |name: &str| url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
    let (code, error) = (param("code"), param("error"));
    if url.path() != "/" || (code.is_none() && error.is_none()) {
        // Browsers also ask for /favicon.ico and the like; not the redirect.
        respond(&mut stream, "404 Not Found", "Nothing here.").await;
        return LoopbackRequest::Stray;
    }
    if param("state").as_deref() != Some(expected_state) {
        respond(&mut stream, "400 Bad Request", STRAY_REDIRECT_PAGE).await;
        return LoopbackRequest::Stray;
    }
    if let Some(error) = error {
        let description = param("error_description").unwrap_or_default();
        respond(&mut stream, "200 OK", "Sign-in did not complete. You can close this tab and return to Keyless.").await;
        return LoopbackRequest::Redirect(Err(AuthError::Refused { error, description }));
    }
    respond(&mut stream, "200 OK", "Signed in. You can close this tab and return to Keyless.").await;
    LoopbackRequest::Redirect(code.ok_or(AuthError::StateMismatch))
}

/// Reads the request head and returns the request target (`/?code=...`), or `None` for
/// anything that is not a small GET.
async fn read_request_target(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::with_capacity(1024);
    let mut buffer = [0u8; 1024];
    let read = async {
        while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
            let n = stream.read(&mut buffer).await.ok()?;
            if n == 0 {
                break;
            }
            head.extend_from_slice(&buffer[..n]);
        }
        Some(())
    };
    tokio::time::timeout(Duration::from_secs(10), read).await.ok()??;
    let text = String::from_utf8_lossy(&head);
    let mut parts = text.lines().next()?.split_whitespace();
    (parts.next()? == "GET").then(|| parts.next().map(str::to_string))?
}

async fn respond(stream: &mut TcpStream, status: &str, message: &str) {
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Keyless</title></head><body style=\"font-family:sans-serif;margin:3em\"><p>{message}</p></body></html>"
    );
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn redirect_listener_binds_127_0_0_1_only() {
        let listener = bind_loopback().await.unwrap();
        let address = listener.local_addr().unwrap();
        assert_eq!(address.ip(), std::net::IpAddr::V4(Ipv4Addr::LOCALHOST));
        assert_ne!(address.port(), 0);
    }
}
