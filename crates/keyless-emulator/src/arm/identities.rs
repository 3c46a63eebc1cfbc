//! User-assigned managed identities (`Microsoft.ManagedIdentity/userAssignedIdentities`) and
//! their federated identity credentials: create/get/list/delete identities (each with its
//! service principal in Entra), and FIC writes with the documented limits, the unsupported
//! regions and the 409 on concurrent writes to one identity.
//!
//! System-assigned identities and the flexible-FIC preview api-versions are not modelled.

use axum::{
    http::{Method, StatusCode},
    response::Response,
};
use keyless_core::{
    federation::{MAX_FIC_VALUE_LEN, MAX_FICS_PER_IDENTITY, validate_fic_name},
    names::{REGIONS_WITHOUT_FIC_SUPPORT, validate_managed_identity_name},
};
use serde_json::{Map, Value, json};

use super::{Caller, arm_error, forbidden, holds, resource_group_for, subscription_for, version};
use crate::{
    assumptions::arm_fic_limit_message,
    catalog::RESOURCE_WRITERS,
    http::{self, Call},
    state::{Emulator, FederatedCredential, FicHolder, ManagedIdentity, managed_identity_principal},
};

const VERSIONS: &[&str] = &["2023-01-31", "2024-11-30"];
const FIC_TYPE: &str = "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials";

pub async fn route(em: &Emulator, call: &Call, caller: &Caller) -> Response {
    if let Some(r) = version(em, call, VERSIONS, true) {
        return r;
    }
    let segs = call.lower_from(0);
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    let sub = match subscription_for(em, caller, call.seg(1).unwrap_or_default()) {
        Ok(sub) => sub,
        Err(r) => return r,
    };
    if s.len() == 5 {
        // /subscriptions/{sub}/providers/Microsoft.ManagedIdentity/userAssignedIdentities
        if call.method != Method::GET {
            return not_allowed(em);
        }
        let w = em.world();
        let value: Vec<Value> =
            w.managed_identities.iter().filter(|m| m.subscription == sub.id).map(|m| identity_json(call, m)).collect();
        drop(w);
        return http::json(StatusCode::OK, &json!({"value": value}));
    }
    if s.len() < 7 || s[6] != "userassignedidentities" {
        return arm_error(
            em,
            StatusCode::NOT_FOUND,
            "InvalidResourceType",
            "The resource type could not be found in the namespace 'Microsoft.ManagedIdentity'.",
        );
    }
    let rg = match resource_group_for(em, sub.id, call.seg(3).unwrap_or_default()) {
        Ok(rg) => rg,
        Err(r) => return r,
    };
    let rg_scope = format!("/subscriptions/{}/resourcegroups/{}", sub.id, rg.name);
    match (s.len(), &call.method) {
        (7, &Method::GET) => {
            let w = em.world();
            let value: Vec<Value> = w
                .managed_identities
                .iter()
                .filter(|m| m.subscription == sub.id && m.resource_group.eq_ignore_ascii_case(&rg.name))
                .map(|m| identity_json(call, m))
                .collect();
            drop(w);
            http::json(StatusCode::OK, &json!({"value": value}))
        }
        (7, _) => not_allowed(em),
        (8, _) => {
            let name = call.seg(7).unwrap_or_default().to_string();
            match call.method {
                Method::PUT => put_identity(em, call, caller, &rg, &rg_scope, &name),
                Method::GET => match find(em, sub.id, &rg.name, &name) {
                    Some(mi) => http::json(StatusCode::OK, &identity_json(call, &mi)),
                    None => identity_not_found(em, &rg.name, &name),
                },
                Method::DELETE => delete_identity(em, caller, &rg_scope, sub.id, &rg.name, &name),
                _ => not_allowed(em),
            }
        }
        (9 | 10, _) if s[8] == "federatedidentitycredentials" => {
            let name = call.seg(7).unwrap_or_default().to_string();
            let Some(mi) = find(em, sub.id, &rg.name, &name) else {
                return arm_error(
                    em,
                    StatusCode::NOT_FOUND,
                    "ParentResourceNotFound",
                    "The parent user-assigned identity doesn't exist.",
                );
            };
            let fic_name = call.seg(9).map(str::to_string);
            match (fic_name, &call.method) {
                (None, &Method::GET) => {
                    let w = em.world();
                    let value: Vec<Value> = w.live_fics(mi.client_id).map(|f| fic_json(&mi, f)).collect();
                    drop(w);
                    http::json(StatusCode::OK, &json!({"value": value}))
                }
                (Some(f), &Method::GET) => {
                    let w = em.world();
                    let found =
                        w.live_fics(mi.client_id).find(|x| x.name.eq_ignore_ascii_case(&f)).map(|x| fic_json(&mi, x));
                    drop(w);
                    match found {
                        Some(v) => http::json(StatusCode::OK, &v),
                        None => fic_not_found(em, &mi, &f),
                    }
                }
                (Some(f), &Method::PUT) => put_fic(em, call, caller, &mi, &rg_scope, &f).await,
                (Some(f), &Method::DELETE) => delete_fic(em, caller, &mi, &rg_scope, &f).await,
                _ => not_allowed(em),
            }
        }
        _ => arm_error(
            em,
            StatusCode::NOT_FOUND,
            "InvalidResourceType",
            "The resource type could not be found in the namespace 'Microsoft.ManagedIdentity'.",
        ),
    }
}

fn not_allowed(em: &Emulator) -> Response {
    arm_error(
        em,
        StatusCode::METHOD_NOT_ALLOWED,
        "MethodNotAllowed",
        "The requested method is not allowed for this resource.",
    )
}

fn find(em: &Emulator, sub: keyless_core::Guid, rg: &str, name: &str) -> Option<ManagedIdentity> {
    em.world()
        .managed_identities
        .iter()
        .find(|m| {
            m.subscription == sub && m.resource_group.eq_ignore_ascii_case(rg) && m.name.eq_ignore_ascii_case(name)
        })
        .cloned()
}

fn identity_not_found(em: &Emulator, rg: &str, name: &str) -> Response {
    arm_error(
        em,
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
        &format!(
            "The Resource 'Microsoft.ManagedIdentity/userAssignedIdentities/{name}' under resource group '{rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"
        ),
    )
}

fn identity_json(call: &Call, mi: &ManagedIdentity) -> Value {
    let mut properties = json!({
        "tenantId": mi.tenant.to_string(),
        "principalId": mi.principal_id.to_string(),
        "clientId": mi.client_id.to_string(),
    });
    if call.q("api-version") == Some("2024-11-30") {
        properties["isolationScope"] = json!("None");
    }
    json!({
        "id": mi.resource_id(),
        "name": mi.name,
        "type": "Microsoft.ManagedIdentity/userAssignedIdentities",
        "location": mi.location,
        "tags": mi.tags,
        "properties": properties,
    })
}

fn put_identity(
    em: &Emulator,
    call: &Call,
    caller: &Caller,
    rg: &crate::state::ResourceGroup,
    rg_scope: &str,
    name: &str,
) -> Response {
    let scope = format!("{rg_scope}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}");
    if !holds(em, caller, &scope, RESOURCE_WRITERS) {
        return forbidden(em, caller, "Microsoft.ManagedIdentity/userAssignedIdentities/write", &scope);
    }
    if validate_managed_identity_name(name).is_err() {
        return arm_error(
            em,
            StatusCode::BAD_REQUEST,
            "InvalidResourceName",
            &format!(
                "Resource name '{name}' is invalid. The name can contain only letters, digits, '-' and '_', must start with a letter or digit, and must be 3 to 128 characters long."
            ),
        );
    }
    let body = call.json().unwrap_or(Value::Null);
    let Some(location) = body.get("location").and_then(Value::as_str) else {
        return arm_error(
            em,
            StatusCode::BAD_REQUEST,
            "LocationRequired",
            "The location property is required for this definition.",
        );
    };
    let location = location.to_ascii_lowercase().replace(' ', "");
    let tags = body.get("tags").and_then(Value::as_object).cloned().unwrap_or_default();
    if let Some(mut existing) = find(em, rg.subscription, &rg.name, name) {
        if existing.location != location {
            return arm_error(
                em,
                StatusCode::BAD_REQUEST,
                "InvalidResourceLocation",
                &format!(
                    "The resource '{name}' already exists in location '{}' in resource group '{}'. A resource with the same name cannot be created in location '{location}'. Please select a new resource name.",
                    existing.location, rg.name
                ),
            );
        }
        existing.tags = tags.clone();
        let mut w = em.world();
        if let Some(m) = w.managed_identities.iter_mut().find(|m| m.client_id == existing.client_id) {
            m.tags = tags;
        }
        drop(w);
        return http::json(StatusCode::OK, &identity_json(call, &existing));
    }
    let mut w = em.world();
    let now = em.now();
    let mi = ManagedIdentity {
        subscription: rg.subscription,
        resource_group: rg.name.clone(),
        name: name.to_string(),
        location,
        tags,
        tenant: caller.token.tenant,
        client_id: w.ids.next("mi-client"),
        principal_id: w.ids.next("mi-principal"),
        created: now,
    };
    w.service_principals.push(managed_identity_principal(&mi, now));
    w.managed_identities.push(mi.clone());
    drop(w);
    tracing::info!(name, client_id = %mi.client_id, "managed identity created");
    http::json(StatusCode::CREATED, &identity_json(call, &mi))
}

fn delete_identity(
    em: &Emulator,
    caller: &Caller,
    rg_scope: &str,
    sub: keyless_core::Guid,
    rg: &str,
    name: &str,
) -> Response {
    let scope = format!("{rg_scope}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}");
    if !holds(em, caller, &scope, RESOURCE_WRITERS) {
        return forbidden(em, caller, "Microsoft.ManagedIdentity/userAssignedIdentities/delete", &scope);
    }
    let Some(mi) = find(em, sub, rg, name) else { return http::empty(StatusCode::NO_CONTENT) };
    let now = em.now();
    let mut w = em.world();
    w.managed_identities.retain(|m| m.client_id != mi.client_id);
    w.service_principals.retain(|s| s.id != mi.principal_id);
    for f in w.federated_credentials.iter_mut().filter(|f| f.identity == mi.client_id && f.deleted.is_none()) {
        f.deleted = Some(now);
    }
    drop(w);
    http::empty(StatusCode::OK)
}

fn fic_json(mi: &ManagedIdentity, f: &FederatedCredential) -> Value {
    json!({
        "id": format!("{}/federatedIdentityCredentials/{}", mi.resource_id(), f.name),
        "name": f.name,
        "type": FIC_TYPE,
        "properties": {"issuer": f.issuer, "subject": f.subject, "audiences": f.audiences},
    })
}

fn fic_not_found(em: &Emulator, mi: &ManagedIdentity, name: &str) -> Response {
    arm_error(
        em,
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
        &format!(
            "The Resource 'Microsoft.ManagedIdentity/userAssignedIdentities/{}/federatedIdentityCredentials/{name}' under resource group '{}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
            mi.name, mi.resource_group
        ),
    )
}

fn bad(em: &Emulator, message: &str) -> Response {
    arm_error(em, StatusCode::BAD_REQUEST, "BadRequest", message)
}

/// Marks a FIC write in flight on one identity; a second concurrent one gets 409.
struct WriteSlot<'a> {
    em: &'a Emulator,
    key: String,
}

impl<'a> WriteSlot<'a> {
    fn take(em: &'a Emulator, mi: &ManagedIdentity) -> Option<WriteSlot<'a>> {
        let key = mi.resource_id().to_ascii_lowercase();
        let inserted = em.world().fic_writes_in_flight.insert(key.clone());
        // Constructed only when taken: dropping a slot releases the key.
        inserted.then(|| WriteSlot { em, key })
    }
}

impl Drop for WriteSlot<'_> {
    fn drop(&mut self) {
        self.em.world().fic_writes_in_flight.remove(&self.key);
    }
}

fn conflict(em: &Emulator) -> Response {
    arm_error(
        em,
        StatusCode::CONFLICT,
        "ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity",
        "Too many Federated Identity Credentials are written concurrently for the managed identity. Concurrent write request to federated identity credential resources under the same user-assigned identity has been denied. Please try again.",
    )
}

async fn put_fic(
    em: &Emulator,
    call: &Call,
    caller: &Caller,
    mi: &ManagedIdentity,
    rg_scope: &str,
    fic_name: &str,
) -> Response {
    let scope = format!(
        "{rg_scope}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{}/federatedIdentityCredentials/{fic_name}",
        mi.name
    );
    if !holds(em, caller, &scope, RESOURCE_WRITERS) {
        return forbidden(
            em,
            caller,
            "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/write",
            &scope,
        );
    }
    if REGIONS_WITHOUT_FIC_SUPPORT.contains(&mi.location.as_str()) {
        return arm_error(
            em,
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            &format!(
                "Federated Identity Credentials are not supported in region '{}'. Support for federated identity credentials not enabled.",
                mi.location
            ),
        );
    }
    if validate_fic_name(fic_name).is_err() {
        return bad(em, &format!("Federated Identity Credential name '{fic_name}' is invalid."));
    }
    let properties: Map<String, Value> =
        call.json().and_then(|b| b.get("properties").and_then(Value::as_object).cloned()).unwrap_or_default();
    if properties.is_empty() {
        return bad(em, "Federated Identity Credential from HTTP body has empty properties");
    }
    let text = |k: &str| properties.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    let (issuer, subject) = (text("issuer"), text("subject"));
    let audiences: Vec<String> = properties
        .get("audiences")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default();
    if audiences.len() != 1 {
        return bad(em, "Federated identity credentials must have exactly one audience.");
    }
    for (field, value) in [("issuer", &issuer), ("subject", &subject), ("audience", &audiences[0])] {
        if value.is_empty() || value.len() > MAX_FIC_VALUE_LEN {
            return bad(
                em,
                &format!(
                    "Federated Identity Credential {field} is invalid. It must be 1 to {MAX_FIC_VALUE_LEN} characters long."
                ),
            );
        }
    }
    if issuer.starts_with("http://") || !issuer.contains("://") {
        return bad(
            em,
            &format!("Federated Identity Credential issuer '{issuer}' is invalid. The issuer must be an HTTPS URL."),
        );
    }
    let Some(_slot) = WriteSlot::take(em, mi) else { return conflict(em) };
    // Simulated work while the write is in flight: the window in which a concurrent write
    // to the same identity is refused.
    tokio::time::sleep(em.config.fic_write_hold).await;
    let mut w = em.world();
    let existing = w.live_fics(mi.client_id).find(|f| f.name.eq_ignore_ascii_case(fic_name)).map(|f| f.id);
    if w.live_fics(mi.client_id).any(|f| Some(f.id) != existing && f.issuer == issuer && f.subject == subject) {
        drop(w);
        return bad(em, "Issuer and subject combination already exists for this Managed Identity.");
    }
    let now = em.now();
    let response = match existing {
        Some(id) => {
            let f = w.federated_credentials.iter_mut().find(|f| f.id == id).expect("found above");
            if f.issuer != issuer || f.subject != subject {
                f.created = now;
            }
            f.issuer = issuer;
            f.subject = subject;
            f.audiences = audiences;
            let value = fic_json(mi, f);
            http::json(StatusCode::OK, &value)
        }
        None if w.live_fics(mi.client_id).count() >= MAX_FICS_PER_IDENTITY => bad(em, &arm_fic_limit_message()),
        None => {
            let f = FederatedCredential {
                id: w.ids.next("fic"),
                holder: FicHolder::ManagedIdentity,
                identity: mi.client_id,
                name: fic_name.to_string(),
                issuer,
                subject,
                audiences,
                description: None,
                created: now,
                deleted: None,
            };
            let value = fic_json(mi, &f);
            w.federated_credentials.push(f);
            tracing::info!(identity = %mi.name, fic = fic_name, "federated credential created on managed identity");
            http::json(StatusCode::CREATED, &value)
        }
    };
    drop(w);
    response
}

async fn delete_fic(em: &Emulator, caller: &Caller, mi: &ManagedIdentity, rg_scope: &str, fic_name: &str) -> Response {
    let scope = format!(
        "{rg_scope}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{}/federatedIdentityCredentials/{fic_name}",
        mi.name
    );
    if !holds(em, caller, &scope, RESOURCE_WRITERS) {
        return forbidden(
            em,
            caller,
            "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/delete",
            &scope,
        );
    }
    let Some(_slot) = WriteSlot::take(em, mi) else { return conflict(em) };
    tokio::time::sleep(em.config.fic_write_hold).await;
    let now = em.now();
    let mut w = em.world();
    let found = w
        .federated_credentials
        .iter_mut()
        .find(|f| f.identity == mi.client_id && f.deleted.is_none() && f.name.eq_ignore_ascii_case(fic_name));
    let status = match found {
        Some(f) => {
            f.deleted = Some(now);
            StatusCode::OK
        }
        None => StatusCode::NO_CONTENT,
    };
    drop(w);
    http::empty(status)
}
