//! Browser sign-in: authorization code + PKCE (S256) with a loopback redirect.
//!
//! Listens on 127.0.0.1 with an ephemeral port, registers `http://localhost:{port}` as the
//! redirect (contract §2.2: Entra ignores the port for localhost), opens the authorize URL
//! through a [`BrowserOpener`], checks `state`, and redeems the code with the `oauth2`
//! crate over [`OAuthHttp`]. The loopback server answers exactly one redirect and stops; it
//! serves nothing else.

use std::net::Ipv4Addr;
use std::time::Duration;

use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenType,
};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, CsrfToken, EndpointNotSet, EndpointSet, PkceCodeChallenge,
    RedirectUrl, RequestTokenError, Scope, StandardRevocableToken, StandardTokenResponse, TokenResponse as _, TokenUrl,
};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use url::Url;

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

/// oauth2's token response plus the id_token Entra returns when `openid` is asked for.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct IdTokenField {
    id_token: Option<String>,
}

impl oauth2::ExtraTokenFields for IdTokenField {}

type EntraTokenResponse = StandardTokenResponse<IdTokenField, BasicTokenType>;
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
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.map_err(AuthError::Loopback)?;
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
    drop(listener);

    let adapter = OAuthHttp::new(http.clone());
    let token = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(verifier)
        .add_extra_param("scope", scopes)
        .request_async(&adapter)
        .await
        .map_err(oauth_error)?;
    let access = AccessToken::expiring_in(
        token.access_token().secret().clone(),
        token.expires_in().unwrap_or(Duration::from_secs(3600)),
    );
    let account = token
        .extra_fields()
        .id_token
        .as_deref()
        .and_then(Account::from_jwt)
        .or_else(|| Account::from_jwt(access.expose()));
    let tokens =
        TokenSet { access, refresh: token.refresh_token().map(|r| RefreshToken::new(r.secret().clone())), account };
    Session::from_interactive_sign_in(http, options, tokens, SignInMethod::Browser).await
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

/// Serves loopback connections until one carries the authorization response.
async fn wait_for_redirect(listener: &TcpListener, expected_state: &str) -> Result<String, AuthError> {
    loop {
        let (mut stream, _) = listener.accept().await.map_err(AuthError::Loopback)?;
        let Some(target) = read_request_target(&mut stream).await else { continue };
        let Ok(url) = Url::parse(&format!("http://localhost{target}")) else {
            respond(&mut stream, "400 Bad Request", "Keyless could not read this request.").await;
            continue;
        };
        let param = |name: &str| url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
        let (code, error) = (param("code"), param("error"));
        if code.is_none() && error.is_none() {
            // Browsers also ask for /favicon.ico and the like; not the redirect.
            respond(&mut stream, "404 Not Found", "Nothing here.").await;
            continue;
        }
        if param("state").as_deref() != Some(expected_state) {
            respond(
                &mut stream,
                "400 Bad Request",
                "This sign-in response does not belong to Keyless's sign-in. Close this tab and try again.",
            )
            .await;
            return Err(AuthError::StateMismatch);
        }
        if let Some(error) = error {
            let description = param("error_description").unwrap_or_default();
            respond(&mut stream, "200 OK", "Sign-in did not complete. You can close this tab and return to Keyless.")
                .await;
            return Err(AuthError::Refused { error, description });
        }
        respond(&mut stream, "200 OK", "Signed in. You can close this tab and return to Keyless.").await;
        return code.ok_or(AuthError::StateMismatch);
    }
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
