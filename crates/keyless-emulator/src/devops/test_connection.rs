//! The endpoint proxy's TestConnection (`POST {project}/_apis/serviceendpoint/endpointproxy`):
//! plays the token exchange Entra would do for the connection (identity, multitenant rule,
//! FIC match, case-sensitive subjects), then the access check ARM or Azure DevOps would do,
//! and reports the real error text. Every object it looks at counts only once propagated
//! (app registrations, FICs, role assignments, organization members); before that the answer
//! is the one for a missing object.
//!
//! Other data sources (subscriptions, resource groups lists) are not served.

use crate::http::{ServiceErrorText, refuse};
use axum::{http::StatusCode, response::Response};
use keyless_core::{
    Guid,
    federation::{FicMatch, IssuerKind, compare_fic, issuer_kind},
};
use serde_json::{Value, json};

use super::{Caller, endpoints::target_organization, versions, wrapped_error};
use crate::{
    arm::{any_role_at_or_below_where, roles_at_where},
    assumptions::{missing_service_principal_message, no_fic_message, test_connection_failure},
    catalog::team_project_uri,
    http::{self, Call},
    propagation::PropagationKind,
    state::{Emulator, FicHolder, RoleAssignment, ServiceEndpoint, World},
};

pub fn route(em: &Emulator, call: &Call, caller: &Caller, project: &str) -> Response {
    if call.method != axum::http::Method::POST {
        return super::not_found_route(call);
    }
    if let Some(r) = versions::check(call, versions::PREVIEW) {
        return r;
    }
    let Some(raw_id) = call.q("endpointId") else {
        return wrapped_error(
            StatusCode::BAD_REQUEST,
            "Value cannot be null.\r\nParameter name: endpointId",
            "ArgumentNullException",
        );
    };
    let data_source = call
        .json()
        .and_then(|b| b.pointer("/dataSourceDetails/dataSourceName").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_default();
    if !data_source.eq_ignore_ascii_case("TestConnection") {
        return wrapped_error(
            StatusCode::BAD_REQUEST,
            &format!("Data source '{data_source}' is not defined for this service connection type."),
            "ServiceEndpointQueryFailedException",
        );
    }
    let org = caller.org().name.clone();
    let w = em.world();
    let Some(project) = w.project(&org, project).map(|p| p.id) else {
        drop(w);
        return super::core::project_not_found(project);
    };
    let endpoint = Guid::parse_input("endpointId", raw_id)
        .ok()
        .and_then(|id| w.endpoint(&org, id))
        .filter(|e| e.project_references.iter().any(|r| r.project_id == project))
        .cloned();
    let Some(endpoint) = endpoint else {
        drop(w);
        return wrapped_error(
            StatusCode::NOT_FOUND,
            &format!("Service connection with id '{raw_id}' could not be found."),
            "ServiceEndpointNotFoundException",
        );
    };
    let outcome = evaluate(em, &w, &endpoint);
    drop(w);
    let activity = em.request_id().to_string();
    let body = match outcome {
        Ok(result) => json!({"result": result, "statusCode": "ok", "errorMessage": "", "activityId": activity}),
        Err(message) => {
            json!({"result": null, "statusCode": "badRequest", "errorMessage": message, "activityId": activity})
        }
    };
    http::json(StatusCode::OK, &body)
}

/// The identity a connection names, as Entra would find it in the connection's tenant.
struct Identity {
    display_name: String,
    /// Object id of its service principal in the tenant.
    principal: Option<Guid>,
    multitenant: bool,
    /// Secrets' end times (app registrations only).
    secrets: Vec<crate::state::Moment>,
}

/// The identity, if token exchange can see it: a new app registration is "not found in the
/// directory" until it has propagated.
fn find_identity(em: &Emulator, w: &World, client_id: Guid, tenant: Guid) -> Option<Identity> {
    if let Some(mi) = w.managed_identities.iter().find(|m| m.client_id == client_id && m.tenant == tenant) {
        return Some(Identity {
            display_name: mi.name.clone(),
            principal: Some(mi.principal_id),
            multitenant: false,
            secrets: Vec::new(),
        });
    }
    let app = w
        .applications
        .iter()
        .find(|a| a.app_id == client_id)
        .filter(|a| em.propagated(PropagationKind::Application, a.app_id, a.created))?;
    let multitenant = app.sign_in_audience != "AzureADMyOrg";
    let principal = w.service_principal_for_app(tenant, client_id).map(|s| s.id);
    if app.tenant != tenant && principal.is_none() {
        return None;
    }
    Some(Identity {
        display_name: app.display_name.clone(),
        principal,
        multitenant,
        secrets: app.password_credentials.iter().map(|p| p.end).collect(),
    })
}

fn evaluate(em: &Emulator, w: &World, e: &ServiceEndpoint) -> Result<Value, ServiceErrorText> {
    let param_guid = |k: &str| e.param(k).and_then(|v| Guid::parse_input("parameter", v).ok());
    match e.scheme.as_str() {
        "WorkloadIdentityFederation" | "ServicePrincipal" => {
            let client_id = param_guid("serviceprincipalid").unwrap_or(Guid::NIL);
            let tenant = param_guid("tenantid").unwrap_or(Guid::NIL);
            let tenant_name = w.tenant(tenant).map(|t| t.display_name.clone()).unwrap_or_else(|| tenant.to_string());
            let Some(identity) = find_identity(em, w, client_id, tenant) else {
                return refuse(test_connection_failure(&format!(
                    "AADSTS700016: Application with identifier '{client_id}' was not found in the directory '{tenant_name}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."
                )));
            };
            if identity.principal.is_none() {
                return refuse(test_connection_failure(&missing_service_principal_message(client_id, tenant)));
            }
            if e.scheme == "WorkloadIdentityFederation" {
                token_exchange(em, w, e, client_id, &identity).map_err(|m| test_connection_failure(&m.0))?;
            } else {
                client_secret(em, e, client_id, &identity).map_err(|m| test_connection_failure(&m.0))?;
            }
            access_check(em, w, e, tenant, &identity)
        }
        "Token" | "UsernamePassword" if e.secret_expired => refuse(
            "Failed to query service connection API: the server responded with status 401 (Unauthorized): TF400813: The user '' is not authorized to access this resource. The personal access token may have expired or been revoked.",
        ),
        _ => Ok(json!([])),
    }
}

fn token_exchange(
    em: &Emulator,
    w: &World,
    e: &ServiceEndpoint,
    client_id: Guid,
    identity: &Identity,
) -> Result<(), ServiceErrorText> {
    let issuer = e.param("workloadIdentityFederationIssuer").unwrap_or_default();
    let subject = e.param("workloadIdentityFederationSubject").unwrap_or_default();
    if issuer_kind(issuer) == IssuerKind::Entra && identity.multitenant {
        return refuse(
            "AADSTS70052: The identity must be a managed identity, a single tenant app, or a service account.",
        );
    }
    let now = em.now();
    let delay = |f: &crate::state::FederatedCredential| em.propagation.fic_delay(f);
    // A FIC on a managed identity is invisible until it has propagated: the answer is the one
    // for a missing FIC (assumption 40). On an app registration, a pending FIC already turns
    // AADSTS70025 into AADSTS70021 (the replica knows a credential exists).
    let all: Vec<_> = w
        .federated_credentials
        .iter()
        .filter(|f| f.identity == client_id)
        .filter(|f| f.holder == FicHolder::Application || f.deleted.is_some() || now >= f.created.plus(delay(f)))
        .collect();
    // A FIC takes effect after the propagation delay, and a deleted one stops after it.
    let effective: Vec<_> = all
        .iter()
        .filter(|f| now >= f.created.plus(delay(f)) && f.deleted.is_none_or(|d| now < d.plus(delay(f))))
        .collect();
    let pending = all.iter().any(|f| f.deleted.is_none() && now < f.created.plus(delay(f)));
    let no_match = format!(
        "AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: '{issuer}'. Assertion Subject: '{subject}'. Assertion Audience: 'api://AzureADTokenExchange'. https://learn.microsoft.com/entra/workload-id/workload-identity-federation"
    );
    if effective.is_empty() {
        return refuse(if pending { no_match } else { no_fic_message(client_id, &identity.display_name) });
    }
    let results: Vec<FicMatch> =
        effective.iter().map(|f| compare_fic(&f.issuer, &f.subject, &f.audiences, issuer, subject)).collect();
    if results.contains(&FicMatch::Exact) {
        return Ok(());
    }
    let pending_exact = all.iter().any(|f| {
        f.deleted.is_none() && compare_fic(&f.issuer, &f.subject, &f.audiences, issuer, subject) == FicMatch::Exact
    });
    if pending_exact {
        return refuse(no_match);
    }
    let check = "Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation";
    if results.contains(&FicMatch::SubjectDiffersInCase) {
        return refuse(format!(
            "AADSTS7002138: No matching federated identity record found for presented assertion subject '{subject}'. The subject matches with case-insensitive comparison, but not with case-sensitive comparison. {check}"
        ));
    }
    if results.contains(&FicMatch::SubjectDiffers) {
        return refuse(format!(
            "AADSTS700213: No matching federated identity record found for presented assertion subject '{subject}'. {check}"
        ));
    }
    if results.contains(&FicMatch::AudienceDiffers) {
        return refuse(no_match);
    }
    refuse(format!(
        "AADSTS700211: No matching federated identity record found for presented assertion issuer '{issuer}'. {check}"
    ))
}

fn client_secret(
    em: &Emulator,
    e: &ServiceEndpoint,
    client_id: Guid,
    identity: &Identity,
) -> Result<(), ServiceErrorText> {
    if identity.secrets.is_empty() && !e.secret_expired {
        return refuse(format!(
            "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."
        ));
    }
    let now = em.now();
    if e.secret_expired || identity.secrets.iter().all(|end| *end <= now) {
        return refuse(format!(
            "AADSTS7000222: The provided client secret keys for app '{client_id}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds."
        ));
    }
    Ok(())
}

fn access_check(
    em: &Emulator,
    w: &World,
    e: &ServiceEndpoint,
    tenant: Guid,
    identity: &Identity,
) -> Result<Value, ServiceErrorText> {
    let principal = identity.principal.unwrap_or(Guid::NIL);
    // ARM checks see a new role assignment only once it has propagated (assumption 41).
    let propagated = |a: &RoleAssignment| em.propagated(PropagationKind::RoleAssignment, a.name, a.created);
    match e.kind.as_str() {
        "azurerm" => {
            if let Some(mg) = e.datum("managementGroupId") {
                let scope = format!("/providers/Microsoft.Management/managementGroups/{mg}");
                if roles_at_where(w, principal, &scope, propagated).is_empty() {
                    return refuse(format!(
                        "Failed to query service connection API: 'https://management.azure.com/providers/Microsoft.Management/managementGroups/{mg}?api-version=2020-05-01'. Status Code: 'Forbidden', Response from server: '{{\"error\":{{\"code\":\"AuthorizationFailed\",\"message\":\"The client '{}' with object id '{principal}' does not have authorization to perform action 'Microsoft.Management/managementGroups/read' over scope '{scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.\"}}}}'",
                        e.param("serviceprincipalid").unwrap_or_default()
                    ));
                }
                return Ok(json!([mg]));
            }
            let sub = e.datum("subscriptionId").unwrap_or_default().to_string();
            let visible = w
                .subscription(Guid::parse_input("subscription", &sub).unwrap_or(Guid::NIL))
                .is_some_and(|s| s.tenant == tenant)
                && any_role_at_or_below_where(w, principal, &format!("/subscriptions/{sub}"), propagated);
            if !visible {
                return refuse(format!(
                    "Failed to query service connection API: 'https://management.azure.com/subscriptions/{sub}?api-version=2016-06-01'. Status Code: 'NotFound', Response from server: '{{\"error\":{{\"code\":\"SubscriptionNotFound\",\"message\":\"The subscription '{sub}' could not be found.\"}}}}'"
                ));
            }
            if let Some(rg) = e.datum("resourceGroupName") {
                let scope = format!("/subscriptions/{sub}/resourceGroups/{rg}");
                if roles_at_where(w, principal, &scope, propagated).is_empty() {
                    return refuse(format!(
                        "Failed to query service connection API: 'https://management.azure.com{scope}?api-version=2021-04-01'. Status Code: 'Forbidden', Response from server: '{{\"error\":{{\"code\":\"AuthorizationFailed\",\"message\":\"The client '{}' with object id '{principal}' does not have authorization to perform action 'Microsoft.Resources/subscriptions/resourceGroups/read' over scope '{scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.\"}}}}'",
                        e.param("serviceprincipalid").unwrap_or_default()
                    ));
                }
            }
            Ok(json!([e.datum("subscriptionName").unwrap_or(&sub)]))
        }
        "WorkloadIdentityUser" => {
            let target = target_organization(e);
            // A new member signs in only once its membership has propagated (assumption 42).
            let entitled = w.devops_principal(&target, principal).filter(|p| {
                p.license.is_some() && em.propagated(PropagationKind::Membership, p.id, p.entitled.unwrap_or(p.created))
            });
            let Some(member) = entitled else {
                return refuse(format!(
                    "TF401444: Please sign-in at least once as {tenant}\\{tenant}\\{principal} in a web browser to enable access to the service."
                ));
            };
            if target.eq_ignore_ascii_case(&e.organization)
                && let Some(project) = e.owning_project()
            {
                let in_project = w.memberships.iter().any(|m| {
                    m.organization.eq_ignore_ascii_case(&target)
                        && m.member == member.descriptor
                        && w.groups.iter().any(|g| g.descriptor == m.container && g.project == Some(project.project_id))
                });
                if !in_project {
                    return refuse(format!(
                        "VS800075: The project with id '{}' does not exist, or you do not have permission to access it.",
                        team_project_uri(project.project_id)
                    ));
                }
            }
            Ok(json!([target]))
        }
        _ => Ok(json!([])),
    }
}
