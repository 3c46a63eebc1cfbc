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

/// The parts of a state [`snapshot`] a run can change, with generated ids and times dropped, so
/// two emulators that hold the same things give equal footprints: live app registrations,
/// service principals, managed identities and Azure DevOps service principals by name,
/// federated credentials by name and issuer, connections by name and type, role assignments
/// by scope and role, and how many memberships there are.
pub fn footprint(state: &Value) -> Value {
    let names = |key: &str, field: &str| -> Vec<String> {
        let mut found: Vec<String> = live(state, key).map(|x| x[field].to_string()).collect();
        found.sort();
        found
    };
    let mut credentials: Vec<String> = live(state, "federatedCredentials")
        .map(|x| {
            let name = x["name"].as_str().unwrap_or_default();
            // `ado-<connection id>`: connection ids differ between emulators, the shape must not.
            let name = if name.starts_with("ado-") && name.len() == 40 { "ado-<connection id>" } else { name };
            format!("{name} {}", x["issuer"])
        })
        .collect();
    credentials.sort();
    let mut endpoints: Vec<String> =
        live(state, "serviceEndpoints").map(|x| format!("{} {}", x["name"], x["kind"])).collect();
    endpoints.sort();
    let mut roles: Vec<String> =
        live(state, "roleAssignments").map(|x| format!("{} {}", x["scope"], x["roleDefinition"])).collect();
    roles.sort();
    json!({
        "applications": names("applications", "displayName"),
        "servicePrincipals": names("servicePrincipals", "displayName"),
        "managedIdentities": names("managedIdentities", "name"),
        "devopsServicePrincipals": names("devopsServicePrincipals", "displayName"),
        "memberships": live(state, "memberships").count(),
        "fics": credentials,
        "endpoints": endpoints,
        "roles": roles,
    })
}

/// What in a state [`snapshot`] exists twice or only in part, one sentence each: two live
/// objects with one identity (app registration name, service principal app id, managed
/// identity name, credential issuer and subject on one identity, role assignment, connection
/// name in a project, Azure DevOps service principal in an organization), an app registration
/// without its service principal, a federated credential on no live identity, a draft
/// connection. A seeded scenario may hold some on purpose; compare with the seed's.
pub fn defects(state: &Value) -> Vec<String> {
    let mut counted: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    let mut count = |what: String| *counted.entry(what).or_default() += 1;
    for (key, fields) in [
        ("applications", &["displayName"][..]),
        ("servicePrincipals", &["appId"]),
        ("managedIdentities", &["subscription", "resourceGroup", "name"]),
        ("federatedCredentials", &["identity", "issuer", "subject"]),
        ("roleAssignments", &["scope", "roleDefinition", "principalId"]),
        ("devopsServicePrincipals", &["organization", "applicationId"]),
    ] {
        for object in live(state, key) {
            let identity: Vec<String> = fields.iter().map(|field| object[*field].to_string()).collect();
            count(format!("{key} {}", identity.join(" ")));
        }
    }
    let mut found = Vec::new();
    for endpoint in live(state, "serviceEndpoints") {
        for project in endpoint["projectReferences"].as_array().into_iter().flatten() {
            count(format!("connection {} in project {}", project["name"], project["projectId"]));
        }
        if endpoint["isReady"] != true {
            found.push(format!("connection {} is a draft", endpoint["name"]));
        }
    }
    found.extend(counted.into_iter().filter(|(_, n)| *n > 1).map(|(what, n)| format!("{what} exists {n} times")));
    let identities: Vec<&Value> = live(state, "applications")
        .map(|app| &app["appId"])
        .chain(live(state, "managedIdentities").map(|identity| &identity["clientId"]))
        .collect();
    for app in live(state, "applications") {
        if !live(state, "servicePrincipals").any(|principal| principal["appId"] == app["appId"]) {
            found.push(format!("app registration {} has no service principal", app["displayName"]));
        }
    }
    for credential in live(state, "federatedCredentials") {
        if !identities.contains(&&credential["identity"]) {
            found.push(format!("federated credential {} is on no live identity", credential["name"]));
        }
    }
    found.sort();
    found
}

/// The objects of one collection of a state snapshot that are not deleted.
fn live<'a>(state: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    state[key].as_array().into_iter().flatten().filter(|x| x.get("deleted").is_none_or(Value::is_null))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A state with one app registration and its principal, its credential, one ready connection.
    fn whole() -> Value {
        json!({
            "applications": [{"displayName": "kl-app", "appId": "a1"}],
            "servicePrincipals": [{"displayName": "kl-app", "appId": "a1"}],
            "managedIdentities": [],
            "devopsServicePrincipals": [],
            "memberships": [{}],
            "federatedCredentials": [{"identity": "a1", "name": "sc", "issuer": "i", "subject": "s", "deleted": null}],
            "roleAssignments": [{"scope": "/s", "roleDefinition": "r", "principalId": "p"}],
            "serviceEndpoints": [{"name": "sc", "kind": "azurerm", "isReady": true,
                "projectReferences": [{"projectId": "p1", "name": "sc"}]}],
        })
    }

    #[test]
    fn a_whole_state_has_no_defect() {
        assert_eq!(defects(&whole()), Vec::<String>::new());
    }

    #[test]
    fn duplicates_drafts_lone_apps_and_orphan_credentials_are_each_named() {
        let mut state = whole();
        let app = state["applications"][0].clone();
        state["applications"].as_array_mut().unwrap().push(app);
        state["applications"].as_array_mut().unwrap().push(json!({"displayName": "kl-lone", "appId": "a2"}));
        let credential = json!({"identity": "gone", "name": "orphan", "issuer": "i", "subject": "s"});
        state["federatedCredentials"].as_array_mut().unwrap().push(credential);
        let draft = json!({"name": "sc-draft", "kind": "azurerm", "isReady": false, "projectReferences": []});
        state["serviceEndpoints"].as_array_mut().unwrap().push(draft);
        let twice = state["serviceEndpoints"][0].clone();
        state["serviceEndpoints"].as_array_mut().unwrap().push(twice);

        assert_eq!(
            defects(&state),
            vec![
                "app registration \"kl-lone\" has no service principal".to_string(),
                "applications \"kl-app\" exists 2 times".to_string(),
                "connection \"sc\" in project \"p1\" exists 2 times".to_string(),
                "connection \"sc-draft\" is a draft".to_string(),
                "federated credential \"orphan\" is on no live identity".to_string(),
            ]
        );
    }

    #[test]
    fn the_footprint_ignores_generated_ids_and_deleted_objects_but_not_what_exists() {
        let mut other = whole();
        other["applications"][0]["appId"] = json!("b1");
        other["servicePrincipals"][0]["appId"] = json!("b1");
        other["federatedCredentials"][0]["identity"] = json!("b1");
        other["federatedCredentials"].as_array_mut().unwrap().push(json!({"name": "old", "issuer": "i", "deleted": 5}));
        assert_eq!(footprint(&other), footprint(&whole()));

        other["roleAssignments"].as_array_mut().unwrap().push(json!({"scope": "/s2", "roleDefinition": "r"}));
        assert_ne!(footprint(&other), footprint(&whole()), "an extra role assignment shows");
    }
}
