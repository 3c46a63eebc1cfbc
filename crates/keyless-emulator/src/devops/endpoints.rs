//! Placeholder while service endpoints are written.

use axum::response::Response;

use super::{Caller, not_found_route};
use crate::{http::Call, state::Emulator};

pub fn route_org(_em: &Emulator, call: &Call, _caller: &Caller, _s: &[&str]) -> Response {
    not_found_route(call)
}
pub fn route_project(_em: &Emulator, call: &Call, _caller: &Caller, _project: &str, _s: &[&str]) -> Response {
    not_found_route(call)
}
