//! Automatic-mode workload identity connections: Azure DevOps creates the app registration,
//! its service principal, the role assignment and the FIC with the user's own rights.
//!
//! Polling states (InProgress) are not modelled: creation succeeds or fails at once.

use crate::http::{ServiceErrorText, refuse};
use keyless_core::{
    Guid,
    federation::{TOKEN_EXCHANGE_AUDIENCE, fic_name_for_connection},
};
use serde_json::{Map, Value, json};

use crate::{
    catalog::{ROLE_ASSIGNMENT_WRITERS, role_definition_id},
    devops::Caller,
    state::{
        Application, Emulator, FederatedCredential, FicHolder, RoleAssignment, ServiceEndpoint, ServicePrincipal, World,
    },
};

fn guid_param(params: &Map<String, Value>, key: &str) -> Option<Guid> {
    params
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .and_then(|(_, v)| v.as_str())
        .and_then(|v| Guid::parse_input("param", v).ok())
}

/// Automatic mode: Azure DevOps creates the app, its service principal and the role
/// assignment with the user's delegated token, so it fails where the user could not.
pub fn create_automatic_identity(
    em: &Emulator,
    w: &mut World,
    caller: &Caller,
    endpoint: &mut ServiceEndpoint,
    params: &mut Map<String, Value>,
    data: &mut Map<String, Value>,
) -> Result<(), ServiceErrorText> {
    let tenant = guid_param(params, "tenantid").unwrap_or(Guid::NIL);
    let silent_failure = || {
        format!(
            "GetUserAccessToken: Failed to obtain an access token of identity {}. AAD returned silent failure. (AadAccessSilentException)",
            caller.user.upn
        )
    };
    if tenant != caller.token.tenant || caller.user.object_id_in(tenant).is_none() {
        return refuse(silent_failure());
    }
    if !w.may_register_apps(&caller.user, tenant) {
        return refuse(
            "Failed to create an app in Microsoft Entra ID. Error: Insufficient privileges to complete the operation.",
        );
    }
    let scope = params
        .get("scope")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| data.get("subscriptionId").and_then(Value::as_str).map(|s| format!("/subscriptions/{s}")))
        .or_else(|| {
            data.get("managementGroupId")
                .and_then(Value::as_str)
                .map(|m| format!("/providers/Microsoft.Management/managementGroups/{m}"))
        })
        .unwrap_or_default();
    let oid = caller.user.object_id_in(tenant).unwrap_or(caller.user.id);
    let may_assign = crate::arm::roles_at(w, oid, &scope).iter().any(|r| ROLE_ASSIGNMENT_WRITERS.contains(r));
    if scope.is_empty() || !may_assign {
        return refuse(format!(
            "Failed to assign Contributor role to the service principal on scope '{scope}'. The user does not have Microsoft.Authorization/roleAssignments/write permission."
        ));
    }
    let now = em.now();
    let project = endpoint.owning_project().map(|r| r.project_name.clone()).unwrap_or_default();
    let app = Application {
        tenant,
        id: w.ids.next("application"),
        app_id: w.ids.next("app-id"),
        display_name: format!(
            "{}-{}-{}",
            endpoint.organization,
            project,
            data.get("subscriptionId").and_then(Value::as_str).unwrap_or("mg")
        ),
        sign_in_audience: "AzureADMyOrg".into(),
        owners: vec![caller.user.id],
        password_credentials: Vec::new(),
        public_client: false,
        notes: None,
        service_management_reference: None,
        created: now.days_before(1),
    };
    let sp = ServicePrincipal {
        tenant,
        id: w.ids.next("service-principal"),
        app_id: app.app_id,
        display_name: app.display_name.clone(),
        service_principal_type: "Application".into(),
        app_owner_tenant: tenant,
        alternative_names: Vec::new(),
        created: now.days_before(1),
    };
    let assignment = RoleAssignment {
        name: w.ids.next("role-assignment"),
        scope: scope.clone(),
        role_definition: role_definition_id("Contributor").unwrap_or(Guid::NIL),
        principal_id: sp.id,
        principal_type: "ServicePrincipal".into(),
        tenant,
        created: now,
        created_by: Some(oid),
    };
    params.insert("serviceprincipalid".into(), json!(app.app_id.to_string()));
    params.insert("scope".into(), json!(scope));
    data.insert("appObjectId".into(), json!(app.id.to_string()));
    data.insert("spnObjectId".into(), json!(sp.id.to_string()));
    data.insert("azureSpnRoleAssignmentId".into(), json!(assignment.name.to_string()));
    data.insert(
        "azureSpnPermissions".into(),
        json!(format!(
            "[{{\"roleAssignmentId\":\"{}\",\"resourceProvider\":\"Microsoft.RoleAssignment\",\"provisioned\":true}}]",
            assignment.name
        )),
    );
    w.applications.push(app);
    w.service_principals.push(sp);
    w.role_assignments.push(assignment);
    Ok(())
}

/// Azure DevOps writes the FIC itself for identities it created.
pub fn add_automatic_fic(em: &Emulator, w: &mut World, e: &ServiceEndpoint) -> bool {
    let Some(app_id) = e.param("serviceprincipalid").and_then(|v| Guid::parse_input("id", v).ok()) else {
        return false;
    };
    let issuer = e.param("workloadIdentityFederationIssuer").unwrap_or_default().to_string();
    let subject = e.param("workloadIdentityFederationSubject").unwrap_or_default().to_string();
    if w.live_fics(app_id).any(|f| f.issuer == issuer && f.subject == subject) {
        return true;
    }
    if w.live_fics(app_id).count() >= keyless_core::federation::MAX_FICS_PER_IDENTITY {
        return false;
    }
    let holder =
        if w.application_by_app_id(app_id).is_some() { FicHolder::Application } else { FicHolder::ManagedIdentity };
    let fic = FederatedCredential {
        id: w.ids.next("fic"),
        holder,
        identity: app_id,
        name: fic_name_for_connection(e.id),
        issuer,
        subject,
        audiences: vec![TOKEN_EXCHANGE_AUDIENCE.to_string()],
        description: Some(format!("Created by Azure DevOps for service connection {}", e.name)),
        created: em.now(),
        deleted: None,
    };
    w.federated_credentials.push(fic);
    true
}
