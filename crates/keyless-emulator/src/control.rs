//! The emulator's own endpoints: `/.well-known/keyless-cloud.json` (the cloud profile) and
//! the test control surface `/_emulator/state`, `/_emulator/faults`, `/_emulator/requests`,
//! `/_emulator/reset`.
//!
//! These are not Azure endpoints: they need no token, see no faults and are not strict.

use std::sync::Arc;

use axum::{
    extract::{Request, State},
    http::StatusCode,
    response::Response,
};
use keyless_core::CloudProfile;
use serde_json::{Value, json};

use crate::{faults::FaultConfig, http, state::Emulator};

pub async fn cloud_profile(State(em): State<Arc<Emulator>>) -> Response {
    let profile = CloudProfile::for_emulator(&em.base_url);
    http::json(StatusCode::OK, &serde_json::to_value(profile).unwrap_or(Value::Null))
}

/// The whole state: every world collection at the top level, plus `scenario`, `baseUrl`,
/// `now` (milliseconds since start; all times in the dump use that scale), `faults`,
/// `requests` (method, path and status of every service request served) and `auth` (counts
/// only: tokens never leave the emulator).
pub fn snapshot(em: &Emulator) -> Value {
    let w = em.world();
    let mut dump = serde_json::to_value(&*w).unwrap_or_else(|_| json!({}));
    let auth = json!({
        "authorizationCodes": w.auth.codes.len(),
        "deviceCodes": w.auth.device_codes.len(),
        "refreshTokens": w.auth.refresh_tokens.len(),
        "accessTokens": w.auth.access_tokens.len(),
    });
    drop(w);
    if let Some(map) = dump.as_object_mut() {
        map.insert("scenario".into(), json!(em.config.scenario.name));
        map.insert("baseUrl".into(), json!(em.base_url));
        map.insert("now".into(), json!(em.now().0));
        map.insert("auth".into(), auth);
        map.insert("faults".into(), json!({"config": em.faults.config(), "injected": em.faults.log()}));
        map.insert("requests".into(), json!(em.served.entries()));
    }
    dump
}

pub async fn state(State(em): State<Arc<Emulator>>) -> Response {
    http::json(StatusCode::OK, &snapshot(&em))
}

pub async fn get_faults(State(em): State<Arc<Emulator>>) -> Response {
    http::json(StatusCode::OK, &json!({"config": em.faults.config(), "injected": em.faults.log()}))
}

pub async fn put_faults(State(em): State<Arc<Emulator>>, req: Request) -> Response {
    let body = axum::body::to_bytes(req.into_body(), 64 * 1024).await.unwrap_or_default();
    match serde_json::from_slice::<FaultConfig>(&body) {
        Ok(config) => match config.problem() {
            None => {
                em.faults.set(config.clone());
                http::json(StatusCode::OK, &json!({"config": config}))
            }
            Some(problem) => http::json(StatusCode::BAD_REQUEST, &json!({"error": problem})),
        },
        Err(e) => http::json(StatusCode::BAD_REQUEST, &json!({"error": format!("not a fault configuration: {e}")})),
    }
}

pub async fn requests(State(em): State<Arc<Emulator>>) -> Response {
    http::json(StatusCode::OK, &json!({"value": em.served.entries()}))
}

pub async fn reset(State(em): State<Arc<Emulator>>) -> Response {
    em.reset();
    http::json(StatusCode::OK, &json!({"reset": true, "scenario": em.config.scenario.name}))
}

pub async fn not_found(req: Request) -> Response {
    http::json(
        StatusCode::NOT_FOUND,
        &json!({"error": format!("the emulator serves no {} {}", req.method(), req.uri().path())}),
    )
}
