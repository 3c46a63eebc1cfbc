//! Placeholder while TestConnection is written.

use axum::response::Response;

use super::{Caller, not_found_route};
use crate::{http::Call, state::Emulator};

pub fn route(_em: &Emulator, call: &Call, _caller: &Caller, _project: &str) -> Response {
    not_found_route(call)
}
