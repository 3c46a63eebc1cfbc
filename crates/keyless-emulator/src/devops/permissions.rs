//! `GET {org}/_apis/permissions/{namespace}/{bits}?tokens=...`: whether the caller holds the
//! bits on each token, the read-only check preflight uses (assumption 63). Only the
//! Collection and ServiceEndpoints namespaces are modelled, from the scenario user's access
//! to the organization.

use axum::{
    http::{Method, StatusCode},
    response::Response,
};
use keyless_core::Guid;
use serde_json::json;

use super::{Caller, not_found_route, versions, wrapped_error};
use crate::{
    http::{self, Call},
    scenario::DevOpsAccess,
    state::Emulator,
};

const COLLECTION: Guid = Guid::from_u128(0x3e65f728_f8bc_4ecd_8764_7e378b19bfa7);
const SERVICE_ENDPOINTS: Guid = Guid::from_u128(0x49b48001_ca20_4adc_8111_5b60c903a50c);
const GENERIC_READ: u32 = 1;
const ENDPOINT_ADMINISTER: u32 = 2;
const ENDPOINT_CREATE: u32 = 4;

/// `s` is the lower-cased path after the organization: `_apis/permissions/{namespace}/{bits}`.
pub fn route(_em: &Emulator, call: &Call, caller: &Caller, s: &[&str]) -> Response {
    let (namespace, bits) = match s {
        ["_apis", "permissions", namespace, bits] if call.method == Method::GET => (*namespace, *bits),
        _ => return not_found_route(call),
    };
    if let Some(r) = versions::check(call, versions::STABLE) {
        return r;
    }
    let Ok(namespace) = Guid::parse_input("securityNamespaceId", namespace) else {
        return wrapped_error(
            StatusCode::BAD_REQUEST,
            &format!("The security namespace id '{namespace}' is not a valid Guid."),
            "ArgumentException",
        );
    };
    let Ok(bits) = bits.parse::<u32>() else {
        return wrapped_error(
            StatusCode::BAD_REQUEST,
            &format!("The value '{bits}' is not valid for permissions."),
            "ArgumentException",
        );
    };
    let tokens: Vec<&str> = match call.q("tokens") {
        Some(list) => list.split(',').collect(),
        None => vec![""],
    };
    let value: Vec<bool> = tokens.iter().map(|_| holds(caller.access, namespace, bits)).collect();
    http::json(StatusCode::OK, &json!({"count": value.len(), "value": value}))
}

fn holds(access: Option<DevOpsAccess>, namespace: Guid, bits: u32) -> bool {
    let Some(access) = access else { return false };
    if namespace == COLLECTION {
        return access == DevOpsAccess::Admin || bits & !GENERIC_READ == 0;
    }
    if namespace == SERVICE_ENDPOINTS {
        let changes = bits & (ENDPOINT_ADMINISTER | ENDPOINT_CREATE) != 0;
        return match access {
            DevOpsAccess::Admin | DevOpsAccess::Member => true,
            DevOpsAccess::Reader => !changes && bits != 0,
        };
    }
    false
}
