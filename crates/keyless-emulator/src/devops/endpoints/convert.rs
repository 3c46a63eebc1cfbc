//! `PUT .../endpoints/{id}?operation=ConvertAuthenticationScheme`: secret → workload identity
//! federation for azurerm connections, and the revert within seven days.
//!
//! Conversion completes at once; the "converting_scheme" intermediate state is not modelled.

use axum::{http::StatusCode, response::Response};
use keyless_core::Guid;
use serde_json::{Map, Value, json};

use super::{
    automatic::add_automatic_fic,
    endpoint_json,
    write::{bad, issuer_parameters, may_manage},
};
use crate::{
    assumptions::{CONVERSION_SHARED_MESSAGE, conversion_needs_fic_message, revert_not_allowed_message},
    devops::{Caller, wrapped_error},
    http::{self, field_str},
    state::{Emulator, PreConversion},
};

const REVERT_WINDOW_DAYS: i64 = 7;

pub fn convert(em: &Emulator, body: &Value, caller: &Caller, id: Guid, project: Option<Guid>) -> Response {
    let org = caller.org().name.clone();
    let now = em.now();
    let mut w = em.world();
    let Some(mut e) = w.endpoint(&org, id).cloned() else {
        drop(w);
        return wrapped_error(
            StatusCode::NOT_FOUND,
            &format!("Service connection with id '{id}' could not be found."),
            "ServiceEndpointNotFoundException",
        );
    };
    if !may_manage(caller, &e) {
        drop(w);
        return wrapped_error(
            StatusCode::FORBIDDEN,
            &format!("Access denied. You need the Administrator role on service connection '{}' to change it.", e.name),
            "AccessCheckException",
        );
    }
    let Some(target) = body.pointer("/authorization/scheme").and_then(Value::as_str).map(str::to_string) else {
        drop(w);
        return bad("The authorization scheme to convert to is required (authorization.scheme).");
    };
    if !e.kind.eq_ignore_ascii_case("azurerm") {
        drop(w);
        return bad(
            "Conversion of the authentication scheme is supported only for Azure Resource Manager service connections.",
        );
    }
    if target.eq_ignore_ascii_case(&e.scheme) {
        drop(w);
        return bad(&format!("The service connection already uses the authentication scheme '{}'.", e.scheme));
    }
    let automatic = e.datum("creationMode") == Some("Automatic");
    match (e.scheme.as_str(), target.as_str()) {
        ("ServicePrincipal", "WorkloadIdentityFederation") => {
            let owner = e.owning_project().map(|r| r.project_id);
            if e.project_references.len() > 1 || project.is_some_and(|p| Some(p) != owner) {
                drop(w);
                return bad(CONVERSION_SHARED_MESSAGE);
            }
            let previous = PreConversion {
                scheme: e.scheme.clone(),
                parameters: e.parameters.clone(),
                revert_deadline: now.days_after(REVERT_WINDOW_DAYS),
            };
            let mut parameters = Map::new();
            for key in ["tenantid", "serviceprincipalid", "scope"] {
                if let Some(v) = e.param(key) {
                    parameters.insert(key.into(), json!(v));
                }
            }
            e.scheme = "WorkloadIdentityFederation".into();
            e.parameters = parameters;
            let issuer = issuer_parameters(&w, &e, true);
            e.parameters.extend(issuer);
            if automatic {
                if !add_automatic_fic(em, &mut w, &e) {
                    drop(w);
                    return bad(
                        "Azure DevOps could not add a federated credential to the identity: it already has the maximum of 20.",
                    );
                }
            } else {
                let identity =
                    e.param("serviceprincipalid").and_then(|v| Guid::parse_input("id", v).ok()).unwrap_or(Guid::NIL);
                let issuer = e.param("workloadIdentityFederationIssuer").unwrap_or_default().to_string();
                let subject = e.param("workloadIdentityFederationSubject").unwrap_or_default().to_string();
                if !w.live_fics(identity).any(|f| f.issuer == issuer && f.subject == subject) {
                    drop(w);
                    return bad(&conversion_needs_fic_message(&issuer, &subject));
                }
            }
            let deadline = em.clock.iso(previous.revert_deadline).replace('Z', "0000Z");
            e.data.insert("revertSchemeDeadline".into(), json!(deadline));
            e.pre_conversion = Some(previous);
            e.secret_expired = false;
        }
        ("WorkloadIdentityFederation", "ServicePrincipal") => {
            let Some(previous) = e.pre_conversion.clone().filter(|p| automatic && now < p.revert_deadline) else {
                drop(w);
                return bad(&revert_not_allowed_message(&e.name));
            };
            e.scheme = previous.scheme;
            e.parameters = previous.parameters;
            e.data.remove("revertSchemeDeadline");
            e.pre_conversion = None;
        }
        (from, to) => {
            drop(w);
            return bad(&format!("Converting a service connection from '{from}' to '{to}' is not supported."));
        }
    }
    if let Some(name) = field_str(body, "name")
        && name != e.name
    {
        drop(w);
        return bad("The name cannot be changed while converting the authentication scheme.");
    }
    e.is_ready = true;
    e.operation_status = Some(json!({"state": "Ready", "statusMessage": ""}));
    e.modified = now;
    let value = endpoint_json(em, &w, &e, project);
    if let Some(slot) = w.service_endpoints.iter_mut().find(|x| x.organization == org && x.id == id) {
        *slot = e;
    }
    drop(w);
    tracing::info!(%org, %id, to = %target, "service endpoint authentication scheme converted");
    http::json(StatusCode::OK, &value)
}
