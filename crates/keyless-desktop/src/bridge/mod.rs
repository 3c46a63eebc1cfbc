//! The browser bridge: the desktop app's commands over loopback HTTP, and the built UI as
//! static files, so the UI runs and is tested in a plain browser against the same controller.
//!
//! - `POST /ipc/{command}`: the JSON body is the command's request (`{}` or empty for none);
//!   the answer is the result, or an `IpcError` with a 4xx/5xx status. `sign_in`, `apply_setup`,
//!   `rollback_run` and `finish_run` answer `application/x-ndjson` instead (see `dispatch`).
//! - `GET` or `POST /bridge/emulator`: `{"url": ...}` of the demo cloud's emulator while it runs.
//! - `GET /...`: files of the UI's `dist` folder; `index.html` for `/`.
//!
//! It listens on 127.0.0.1 only and refuses other `Host` names (DNS rebinding). `/ipc/*` and
//! `/bridge/*` also need the bridge's own `Origin` (a page of another site cannot drive it, and
//! browsers send `Origin` on every POST) and the token printed in its URL, in the
//! `X-Keyless-Bridge-Token` header (another local user cannot drive it either); the UI's files
//! are served without them. It serves no CORS headers. It is a development and test tool, not a
//! way to run Keyless for other users, and it never reads or writes the OS keyring: its binary
//! gives the controller an in-memory store for remembered sign-ins.

mod dispatch;
mod files;
mod token;

use std::{
    net::{Ipv4Addr, SocketAddr},
    path::PathBuf,
    sync::Arc,
};

use axum::{
    Router,
    body::Bytes,
    extract::{Path, Request, State},
    http::{HeaderMap, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use keyless_ipc::{IpcError, IpcErrorCode};
use tokio::net::TcpListener;

pub use dispatch::{NDJSON, status_for};
pub use token::{BridgeToken, TOKEN_HEADER, TOKEN_QUERY};

use crate::Controller;

/// What the bridge serves.
#[derive(Debug, Clone)]
pub struct Bridge {
    controller: Arc<Controller>,
    ui_dir: PathBuf,
    address: SocketAddr,
    token: BridgeToken,
}

/// Binds 127.0.0.1:`port` (0 for any free port).
pub async fn bind(port: u16) -> std::io::Result<TcpListener> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await
}

/// Serves `controller` and `ui_dir` on `listener` until `shutdown` resolves; commands need `token`.
pub async fn serve(
    listener: TcpListener,
    controller: Arc<Controller>,
    ui_dir: PathBuf,
    token: BridgeToken,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let address = listener.local_addr()?;
    let app = router(Bridge { controller, ui_dir, address, token });
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}

/// The URL to open, printed first by the binary: the UI reads the token from its query.
pub fn url_of(address: SocketAddr, token: &BridgeToken) -> String {
    format!("http://{address}/?{TOKEN_QUERY}={}", token.expose())
}

fn router(bridge: Bridge) -> Router {
    let state = Arc::new(bridge);
    Router::new()
        .route("/ipc/{command}", post(command))
        .route("/bridge/emulator", get(emulator).post(emulator))
        .fallback(get(files::serve))
        .layer(middleware::from_fn_with_state(state.clone(), same_origin_only))
        .with_state(state)
}

async fn command(State(bridge): State<Arc<Bridge>>, Path(name): Path<String>, body: Bytes) -> Response {
    // Commands without a request accept an empty body; the others read it as JSON.
    let body = if body.iter().all(u8::is_ascii_whitespace) { Bytes::from_static(b"null") } else { body };
    dispatch::dispatch(bridge.controller.clone(), &name, body).await
}

async fn emulator(State(bridge): State<Arc<Bridge>>) -> Response {
    match bridge.controller.demo_emulator_url().await {
        Some(url) => axum::Json(serde_json::json!({ "url": url })).into_response(),
        None => dispatch::error_response(IpcError::new(
            IpcErrorCode::NotFound,
            "the demo cloud is not running",
            "choose the demo cloud first (choose_cloud with demo: true)",
        )),
    }
}

/// Refuses requests addressed to another host name; commands also need the bridge's own
/// origin and its token.
async fn same_origin_only(State(bridge): State<Arc<Bridge>>, request: Request, next: Next) -> Response {
    let port = bridge.address.port();
    let allowed_hosts = [format!("127.0.0.1:{port}"), format!("localhost:{port}")];
    let headers: &HeaderMap = request.headers();
    let host = headers.get(header::HOST).and_then(|value| value.to_str().ok()).unwrap_or_default();
    if !allowed_hosts.iter().any(|allowed| allowed == host) {
        return refused(format!("the bridge answers only to {}", allowed_hosts.join(" or ")));
    }
    let path = request.uri().path();
    if !(path.starts_with("/ipc/") || path.starts_with("/bridge/")) {
        return next.run(request).await;
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return refused("a command needs an Origin header, as browsers send".into());
    };
    let origin = origin.to_str().unwrap_or_default();
    if !allowed_hosts.iter().any(|allowed| origin == format!("http://{allowed}")) {
        return refused(format!("requests from {origin} are not accepted"));
    }
    let token = headers.get(TOKEN_HEADER).map(|value| value.as_bytes()).unwrap_or_default();
    if !bridge.token.matches(token) {
        let error = IpcError::new(
            // Not SignInRequired: no Azure sign-in would help, only the printed URL.
            IpcErrorCode::Forbidden,
            "this request does not carry the bridge's token",
            "open the UI from the URL the bridge printed, token included",
        );
        return (StatusCode::UNAUTHORIZED, axum::Json(error)).into_response();
    }
    next.run(request).await
}

fn refused(message: String) -> Response {
    let error = IpcError::new(IpcErrorCode::Forbidden, message, "open the UI from the URL the bridge printed");
    (StatusCode::FORBIDDEN, axum::Json(error)).into_response()
}
