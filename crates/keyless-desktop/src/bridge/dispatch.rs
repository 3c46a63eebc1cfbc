//! One HTTP call to one controller method: the browser bridge's twin of the Tauri shell's
//! command list.
//!
//! Plain commands answer one JSON document; the four that stream events answer NDJSON, one
//! `{"event": ...}` line per event and a last `{"result": ...}` or `{"error": ...}` line.

use std::{convert::Infallible, sync::Arc};

use axum::{
    body::{Body, Bytes},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use keyless_ipc::{IpcError, IpcErrorCode, commands};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::json;

use crate::{Controller, DesktopError};

/// NDJSON, one event per line.
pub const NDJSON: &str = "application/x-ndjson";

/// Runs `command` with the JSON `body` as its request.
pub async fn dispatch(controller: Arc<Controller>, command: &str, body: Bytes) -> Response {
    let c = controller;
    match command {
        commands::SESSION_STATUS => reply(Ok::<_, DesktopError>(c.session_status())),
        commands::CHOOSE_CLOUD => match request(&body) {
            Ok(request) => reply(c.choose_cloud(request).await),
            Err(refused) => error_response(refused),
        },
        commands::SIGN_IN => match request(&body) {
            Ok(request) => stream(c, move |c, sink| async move { c.sign_in(request, &sink).await }),
            Err(refused) => error_response(refused),
        },
        commands::CANCEL_SIGN_IN => {
            c.cancel_sign_in();
            reply(Ok::<_, DesktopError>(()))
        }
        commands::SIGN_OUT => reply(Ok::<_, DesktopError>(c.sign_out().await)),
        commands::LIST_ORGANIZATIONS => reply(c.list_organizations().await),
        commands::LIST_PROJECTS => match request(&body) {
            Ok(request) => reply(c.list_projects(request).await),
            Err(refused) => error_response(refused),
        },
        commands::LIST_SUBSCRIPTIONS => reply(c.list_subscriptions().await),
        commands::LIST_RESOURCE_GROUPS => match request(&body) {
            Ok(request) => reply(c.list_resource_groups(request).await),
            Err(refused) => error_response(refused),
        },
        commands::LIST_LOCATIONS => match request(&body) {
            Ok(request) => reply(c.list_locations(request).await),
            Err(refused) => error_response(refused),
        },
        commands::SEARCH_IDENTITIES => match request(&body) {
            Ok(request) => reply(c.search_identities(request).await),
            Err(refused) => error_response(refused),
        },
        commands::CHECK_CONNECTION_NAME => match request(&body) {
            Ok(request) => reply(c.check_connection_name(request).await),
            Err(refused) => error_response(refused),
        },
        commands::PLAN_SETUP => match request(&body) {
            Ok(request) => reply(c.plan_setup(request).await),
            Err(refused) => error_response(refused),
        },
        commands::APPLY_SETUP => match request(&body) {
            Ok(request) => stream(c, move |c, sink| async move { c.apply_setup(request, &sink).await }),
            Err(refused) => error_response(refused),
        },
        commands::CANCEL_APPLY => {
            c.cancel_apply();
            reply(Ok::<_, DesktopError>(()))
        }
        commands::ROLLBACK_RUN => match request(&body) {
            Ok(request) => stream(c, move |c, sink| async move { c.rollback_run(request, &sink).await }),
            Err(refused) => error_response(refused),
        },
        commands::FINISH_RUN => match request(&body) {
            Ok(request) => stream(c, move |c, sink| async move { c.finish_run(request, &sink).await }),
            Err(refused) => error_response(refused),
        },
        commands::LIST_RUNS => reply(c.list_runs().await),
        commands::TAKE_INVENTORY => match request(&body) {
            Ok(request) => reply(c.take_inventory(request).await),
            Err(refused) => error_response(refused),
        },
        commands::PLAN_MIGRATION => match request(&body) {
            Ok(request) => reply(c.plan_migration(request).await),
            Err(refused) => error_response(refused),
        },
        commands::APPLY_MIGRATION => match request(&body) {
            Ok(request) => stream(c, move |c, sink| async move { c.apply_migration(request, &sink).await }),
            Err(refused) => error_response(refused),
        },
        commands::REVERT_MIGRATION => match request(&body) {
            Ok(request) => stream(c, move |c, sink| async move { c.revert_migration(request, &sink).await }),
            Err(refused) => error_response(refused),
        },
        commands::MIGRATION_RUNS => reply(c.migration_runs().await),
        commands::DIAGNOSE => match request(&body) {
            Ok(request) => reply(c.diagnose(request).await),
            Err(refused) => error_response(refused),
        },
        commands::DIAGNOSE_PASTED_LOG => match request(&body) {
            Ok(request) => reply(c.diagnose_pasted_log(request).await),
            Err(refused) => error_response(refused),
        },
        commands::PLAN_FIX => match request(&body) {
            Ok(request) => reply(c.plan_fix(request).await),
            Err(refused) => error_response(refused),
        },
        commands::APPLY_FIX => match request(&body) {
            Ok(request) => stream(c, move |c, sink| async move { c.apply_fix(request, &sink).await }),
            Err(refused) => error_response(refused),
        },
        unknown => error_response(IpcError::new(
            IpcErrorCode::NotFound,
            format!("there is no command '{unknown}'"),
            "use one of the names in COMMANDS of ui/src/ipc/bindings.ts",
        )),
    }
}

/// The request of a command, from its JSON body; the refusal is the command's answer.
fn request<T: DeserializeOwned>(body: &Bytes) -> Result<T, IpcError> {
    serde_json::from_slice(body).map_err(|error| {
        IpcError::new(
            IpcErrorCode::InvalidInput,
            format!("the request is not what this command takes: {error}"),
            "send the request type named in the command's signature in ui/src/ipc/bindings.ts",
        )
    })
}

fn reply<T: Serialize>(result: Result<T, DesktopError>) -> Response {
    match result {
        Ok(value) => (StatusCode::OK, axum::Json(value)).into_response(),
        Err(error) => error_response(error.into()),
    }
}

/// The HTTP status of a failed command, so generic HTTP tooling sees failures as failures.
pub fn status_for(code: IpcErrorCode) -> StatusCode {
    match code {
        IpcErrorCode::InvalidInput => StatusCode::BAD_REQUEST,
        IpcErrorCode::SignInRequired => StatusCode::UNAUTHORIZED,
        IpcErrorCode::Forbidden => StatusCode::FORBIDDEN,
        IpcErrorCode::NotFound => StatusCode::NOT_FOUND,
        IpcErrorCode::Busy | IpcErrorCode::Cancelled | IpcErrorCode::HandOffPending => StatusCode::CONFLICT,
        IpcErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        IpcErrorCode::Network | IpcErrorCode::Service => StatusCode::BAD_GATEWAY,
        IpcErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

pub fn error_response(error: IpcError) -> Response {
    (status_for(error.code), axum::Json(error)).into_response()
}

/// Runs a streaming command in its own task, so a client that goes away mid-run does not stop
/// the run (as closing the window would not), and streams its events as they come.
fn stream<T, F, Fut>(controller: Arc<Controller>, run: F) -> Response
where
    T: Serialize + Send + 'static,
    F: FnOnce(Arc<Controller>, LineSink) -> Fut + Send + 'static,
    Fut: Future<Output = Result<T, DesktopError>> + Send + 'static,
{
    let (lines, receiver) = tokio::sync::mpsc::unbounded_channel::<Bytes>();
    let sink = LineSink(lines.clone());
    tokio::spawn(async move {
        let last = match run(controller, sink).await {
            Ok(result) => json!({ "result": result }),
            Err(error) => json!({ "error": IpcError::from(error) }),
        };
        let _ = lines.send(line(&last));
    });
    let body = futures::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|line| (Ok::<_, Infallible>(line), receiver))
    });
    ([(header::CONTENT_TYPE, NDJSON), (header::CACHE_CONTROL, "no-store")], Body::from_stream(body)).into_response()
}

/// Sends each event as an `{"event": ...}` line.
#[derive(Debug, Clone)]
pub struct LineSink(tokio::sync::mpsc::UnboundedSender<Bytes>);

impl<E: Serialize> crate::EventSink<E> for LineSink {
    fn send(&self, event: E) {
        // A client that went away no longer reads; the command goes on regardless.
        let _ = self.0.send(line(&json!({ "event": event })));
    }
}

fn line(value: &serde_json::Value) -> Bytes {
    let mut text = value.to_string();
    text.push('\n');
    Bytes::from(text)
}
