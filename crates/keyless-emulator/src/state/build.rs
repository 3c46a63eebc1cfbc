//! Builds the live world from a checked scenario: derives the ids, groups, memberships,
//! issuers and subjects a real estate would have.
//!
//! It trusts `scenario::validate` for references and never fails; it does no IO.

use keyless_core::{
    Guid,
    federation::{devops_issuer, devops_subject, entra_issuer, entra_subject},
};
use serde_json::{Map, Value, json};

use super::{IdSequence, Moment, World, model::*};
use crate::{
    assumptions::{ISSUER_TYPE_DEVOPS, ISSUER_TYPE_ENTRA},
    catalog::{CLOUD_CODE, ISSUER_HOST, STANDARD_PROJECT_GROUPS, devops_descriptor, role_definition_id},
    scenario::{DevOpsAccess, FicAlteration, IssuerChoice, Scenario, ServiceConnectionSpec},
};

pub(super) fn build(s: &Scenario, seed: u64) -> World {
    let ids = IdSequence::new(seed);
    let long_ago = Moment(0).days_before(365);
    let mut w = World {
        tenants: s
            .tenants
            .iter()
            .map(|t| Tenant {
                id: t.id,
                display_name: t.display_name.clone(),
                default_domain: t.default_domain.clone(),
                users_can_register_apps: t.users_can_register_apps,
            })
            .collect(),
        users: Vec::new(),
        management_groups: s
            .management_groups
            .iter()
            .map(|m| ManagementGroup {
                name: m.name.clone(),
                display_name: m.display_name.clone(),
                tenant: m.tenant,
                parent: m.parent.clone(),
            })
            .collect(),
        subscriptions: s
            .subscriptions
            .iter()
            .map(|x| Subscription {
                id: x.id,
                display_name: x.display_name.clone(),
                tenant: x.tenant,
                management_group: x.management_group.clone(),
            })
            .collect(),
        resource_groups: s
            .resource_groups
            .iter()
            .map(|r| ResourceGroup { subscription: r.subscription, name: r.name.clone(), location: r.location.clone() })
            .collect(),
        applications: Vec::new(),
        service_principals: Vec::new(),
        managed_identities: Vec::new(),
        federated_credentials: Vec::new(),
        role_assignments: Vec::new(),
        organizations: s
            .organizations
            .iter()
            .map(|o| Organization { name: o.name.clone(), id: o.id, tenant: o.tenant })
            .collect(),
        projects: s
            .projects
            .iter()
            .map(|p| Project {
                organization: p.organization.clone(),
                id: p.id,
                name: p.name.clone(),
                description: p.description.clone(),
                visibility: p.visibility.clone(),
                state: p.state.clone(),
                revision: 10,
            })
            .collect(),
        groups: Vec::new(),
        memberships: Vec::new(),
        devops_service_principals: Vec::new(),
        service_endpoints: Vec::new(),
        pipelines: Vec::new(),
        pipeline_permissions: Vec::new(),
        executions: Vec::new(),
        auth: Default::default(),
        ids,
        sp_attempts: Default::default(),
        fic_writes_in_flight: Default::default(),
    };

    for u in &s.users {
        let mut tenants = vec![(u.home_tenant, u.id)];
        for guest in &u.guest_tenants {
            tenants.push((*guest, w.ids.stable(&format!("guest:{}:{guest}", u.id))));
        }
        w.users.push(User {
            upn: u.upn.clone(),
            display_name: u.display_name.clone(),
            id: u.id,
            home_tenant: u.home_tenant,
            tenants,
            can_register_apps: u.can_register_apps,
            app_admin: u.app_admin,
            devops: u.devops.clone(),
            devops_id: w.ids.stable(&format!("devops-user:{}", u.id)),
        });
    }

    for a in &s.applications {
        let owners = a.owners.iter().filter_map(|upn| w.user_by_upn(upn).map(|u| u.id)).collect();
        let password_credentials = a
            .secrets
            .iter()
            .enumerate()
            .map(|(i, secret)| PasswordCredential {
                key_id: w.ids.stable(&format!("secret:{}:{i}", a.app_id)),
                display_name: secret.display_name.clone(),
                start: Moment(0).days_before(365),
                end: Moment(0).days_after(secret.expires_in_days),
            })
            .collect();
        w.applications.push(Application {
            tenant: a.tenant,
            id: a.object_id,
            app_id: a.app_id,
            display_name: a.display_name.clone(),
            sign_in_audience: a.sign_in_audience.clone(),
            owners,
            password_credentials,
            public_client: a.public_client,
            notes: None,
            service_management_reference: None,
            created: long_ago,
        });
        if let Some(sp) = a.service_principal_id {
            w.service_principals.push(ServicePrincipal {
                tenant: a.tenant,
                id: sp,
                app_id: a.app_id,
                display_name: a.display_name.clone(),
                service_principal_type: "Application".into(),
                app_owner_tenant: a.tenant,
                alternative_names: Vec::new(),
                created: long_ago,
            });
        }
    }

    for m in &s.managed_identities {
        let tenant = w.subscription(m.subscription).map(|x| x.tenant).unwrap_or(Guid::NIL);
        let rg = w.resource_group(m.subscription, &m.resource_group).map(|r| r.name.clone()).unwrap_or_default();
        let mi = ManagedIdentity {
            subscription: m.subscription,
            resource_group: rg,
            name: m.name.clone(),
            location: m.location.clone(),
            tags: Map::new(),
            tenant,
            client_id: m.client_id,
            principal_id: m.principal_id,
            created: long_ago,
        };
        w.service_principals.push(managed_identity_principal(&mi, long_ago));
        w.managed_identities.push(mi);
    }

    for u in &s.users {
        for role in &u.azure_roles {
            let tenant = scope_tenant(&w, &role.scope);
            let Some(principal) = w.user(u.id).and_then(|x| x.object_id_in(tenant)) else { continue };
            let name = w.ids.stable(&format!("ra:{}:{}:{}", role.scope, principal, role.role));
            w.role_assignments.push(RoleAssignment {
                name,
                scope: role.scope.clone(),
                role_definition: role_definition_id(&role.role).unwrap_or(Guid::NIL),
                principal_id: principal,
                principal_type: "User".into(),
                tenant,
                created: long_ago,
                created_by: None,
            });
        }
    }
    for r in &s.role_assignments {
        let tenant = scope_tenant(&w, &r.scope);
        let name = w.ids.stable(&format!("ra:{}:{}:{}", r.scope, r.principal, r.role));
        w.role_assignments.push(RoleAssignment {
            name,
            scope: r.scope.clone(),
            role_definition: role_definition_id(&r.role).unwrap_or(Guid::NIL),
            principal_id: r.principal,
            principal_type: "ServicePrincipal".into(),
            tenant,
            created: long_ago,
            created_by: None,
        });
    }

    build_devops_groups(&mut w, s);
    for e in &s.entitlements {
        let Some(sp) = w.service_principals.iter().find(|p| p.id == e.principal).cloned() else { continue };
        let id = w.ids.stable(&format!("devops-sp:{}:{}", e.organization, sp.id));
        let descriptor = devops_descriptor("aadsp", &id.to_string());
        for entry in &e.groups {
            let (project, group) = entry.split_once('/').unwrap_or_default();
            let project_id = w.project(&e.organization, project).map(|p| p.id);
            if let Some(g) = w.groups.iter().find(|g| g.project == project_id && g.project.is_some() && g.name == group)
            {
                w.memberships.push(Membership {
                    organization: e.organization.clone(),
                    container: g.descriptor.clone(),
                    member: descriptor.clone(),
                });
            }
        }
        w.devops_service_principals.push(DevOpsServicePrincipal {
            organization: e.organization.clone(),
            id,
            origin_id: sp.id,
            application_id: sp.app_id,
            tenant: sp.tenant,
            display_name: sp.display_name.clone(),
            descriptor,
            license: Some(e.license.clone()),
            licensing_source: "account".into(),
            created: long_ago,
            entitled: Some(long_ago),
            group_licensed: e.group_licensed,
        });
    }

    for c in &s.service_connections {
        let endpoint = scenario_endpoint(&w, s, c);
        let project = w.project(&c.organization, &c.project).map(|p| p.id).unwrap_or(Guid::NIL);
        if c.all_pipelines || !c.authorized_pipelines.is_empty() {
            let when = endpoint.created;
            let auth = |_: u32| PipelineAuthorization { authorized: true, authorized_by: None, authorized_on: when };
            w.pipeline_permissions.push(PipelinePermission {
                organization: c.organization.clone(),
                project,
                resource_type: "endpoint".into(),
                resource_id: c.id.to_string(),
                all_pipelines: c.all_pipelines.then(|| auth(0)),
                pipelines: c.authorized_pipelines.iter().map(|id| (*id, auth(*id))).collect(),
            });
        }
        if let Some(days) = c.last_used_days_ago {
            let pipeline = c.authorized_pipelines.first().copied();
            let pipeline_name = pipeline
                .and_then(|id| s.pipelines.iter().find(|p| p.organization == c.organization && p.id == id))
                .map(|p| p.name.clone())
                .unwrap_or_else(|| format!("{}-pipeline", c.project.to_lowercase()));
            for (n, day) in [days, days + 3, days + 8].into_iter().enumerate() {
                w.executions.push(Execution {
                    organization: c.organization.clone(),
                    endpoint: c.id,
                    id: 1000 + w.executions.len() as u64 + n as u64,
                    pipeline,
                    pipeline_name: pipeline_name.clone(),
                    project,
                    finished: Moment(0).days_before(i64::from(day)),
                    result: "succeeded".into(),
                });
            }
        }
        w.service_endpoints.push(endpoint);
    }

    for f in &s.federated_credentials {
        let (mut issuer, mut subject) = (f.issuer.clone().unwrap_or_default(), f.subject.clone().unwrap_or_default());
        if let Some(path) = &f.for_connection {
            let parts: Vec<&str> = path.splitn(3, '/').collect();
            if let Some(e) = w.service_endpoints.iter().find(|e| {
                e.organization == parts[0]
                    && e.name == parts[2]
                    && e.owning_project().is_some_and(|p| p.project_name.eq_ignore_ascii_case(parts[1]))
            }) {
                issuer = e.param("workloadIdentityFederationIssuer").unwrap_or_default().to_string();
                subject = e.param("workloadIdentityFederationSubject").unwrap_or_default().to_string();
            }
        }
        match f.alteration {
            Some(FicAlteration::SubjectCase) => subject = swap_case_once(&subject),
            Some(FicAlteration::Subject) => subject.push_str("-old"),
            Some(FicAlteration::Issuer) => {
                issuer = "https://vstoken.dev.azure.com/00000000-0000-0000-0000-000000000000".into()
            }
            None => {}
        }
        let holder = if w.application_by_app_id(f.identity).is_some() {
            FicHolder::Application
        } else {
            FicHolder::ManagedIdentity
        };
        let id = w.ids.stable(&format!("fic:{}:{}", f.identity, f.name));
        w.federated_credentials.push(FederatedCredential {
            id,
            holder,
            identity: f.identity,
            name: f.name.clone(),
            issuer,
            subject,
            audiences: f.audiences.clone(),
            description: (!f.description.is_empty()).then(|| f.description.clone()),
            created: long_ago,
            deleted: None,
        });
    }

    for p in &s.pipelines {
        let project = w.project(&p.organization, &p.project).map(|x| x.id).unwrap_or(Guid::NIL);
        let repository_id = w.ids.stable(&format!("repo:{}:{project}", p.organization));
        w.pipelines.push(Pipeline {
            organization: p.organization.clone(),
            project,
            id: p.id,
            name: p.name.clone(),
            folder: p.folder.clone(),
            path: p.path.clone(),
            yaml: p.yaml.clone(),
            classic_phases: p.classic_phases.clone(),
            repository_id,
        });
    }
    w
}

/// The service principal Entra creates with a user-assigned managed identity.
pub fn managed_identity_principal(mi: &ManagedIdentity, created: Moment) -> ServicePrincipal {
    ServicePrincipal {
        tenant: mi.tenant,
        id: mi.principal_id,
        app_id: mi.client_id,
        display_name: mi.name.clone(),
        service_principal_type: "ManagedIdentity".into(),
        app_owner_tenant: mi.tenant,
        alternative_names: vec![format!("isExplicit=True"), mi.resource_id()],
        created,
    }
}

/// The tenant that owns an ARM scope (subscription or management group).
pub fn scope_tenant(w: &World, scope: &str) -> Guid {
    let lower = scope.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("/subscriptions/") {
        let id = rest.split('/').next().unwrap_or_default();
        Guid::parse_input("subscription", id)
            .ok()
            .and_then(|g| w.subscription(g))
            .map(|s| s.tenant)
            .unwrap_or(Guid::NIL)
    } else if let Some(rest) = lower.strip_prefix("/providers/microsoft.management/managementgroups/") {
        let name = rest.split('/').next().unwrap_or_default();
        w.management_group(name).map(|m| m.tenant).unwrap_or(Guid::NIL)
    } else {
        Guid::NIL
    }
}

fn build_devops_groups(w: &mut World, s: &Scenario) {
    for org in s.organizations.iter().map(|o| o.name.clone()) {
        for name in ["Project Collection Administrators", "Project Collection Valid Users"] {
            push_group(w, &org, None, name, "");
        }
        let projects: Vec<(Guid, String)> =
            w.projects.iter().filter(|p| p.organization == org).map(|p| (p.id, p.name.clone())).collect();
        for (project, project_name) in projects {
            for (name, description) in STANDARD_PROJECT_GROUPS {
                push_group(w, &org, Some(project), name, description);
            }
            for g in s.groups.iter().filter(|g| {
                g.organization == org && g.project.as_deref().is_some_and(|p| p.eq_ignore_ascii_case(&project_name))
            }) {
                push_group(w, &org, Some(project), &g.name, &g.description);
            }
        }
        for g in s.groups.iter().filter(|g| g.organization == org && g.project.is_none()) {
            push_group(w, &org, None, &g.name, &g.description);
        }
        let users: Vec<(String, DevOpsAccess)> = w
            .users
            .iter()
            .filter_map(|u| u.devops.get(&org).map(|a| (devops_descriptor("aad", &u.devops_id.to_string()), *a)))
            .collect();
        for (member, access) in users {
            let wanted = match access {
                DevOpsAccess::Admin => "Project Collection Administrators",
                DevOpsAccess::Member => "Contributors",
                DevOpsAccess::Reader => "Readers",
            };
            let containers: Vec<String> = w
                .groups
                .iter()
                .filter(|g| g.organization == org && g.name == wanted)
                .map(|g| g.descriptor.clone())
                .collect();
            for container in containers {
                w.memberships.push(Membership { organization: org.clone(), container, member: member.clone() });
            }
        }
    }
}

fn push_group(w: &mut World, org: &str, project: Option<Guid>, name: &str, description: &str) {
    let origin_id = w.ids.stable(&format!("group:{org}:{project:?}:{name}"));
    w.groups.push(DevOpsGroup {
        organization: org.to_string(),
        project,
        name: name.to_string(),
        description: description.to_string(),
        origin_id,
        descriptor: devops_descriptor("vssgp", &origin_id.to_string()),
    });
}

fn scenario_endpoint(w: &World, s: &Scenario, c: &ServiceConnectionSpec) -> ServiceEndpoint {
    let org = w.organization(&c.organization).cloned().unwrap_or(Organization {
        name: c.organization.clone(),
        id: Guid::NIL,
        tenant: Guid::NIL,
    });
    let tenant = c.tenant.unwrap_or(org.tenant);
    let mut data = Map::new();
    let mut parameters = Map::new();
    let mut url = c.url.clone().unwrap_or_default();
    if c.kind.eq_ignore_ascii_case("azurerm") {
        if url.is_empty() {
            url = "https://management.azure.com/".into();
        }
        data.insert("environment".into(), json!("AzureCloud"));
        if let Some(mg) = c.management_group.as_ref().and_then(|m| w.management_group(m)) {
            data.insert("scopeLevel".into(), json!("ManagementGroup"));
            data.insert("managementGroupId".into(), json!(mg.name));
            data.insert("managementGroupName".into(), json!(mg.display_name));
        } else if let Some(sub) = c.subscription.and_then(|id| w.subscription(id)) {
            data.insert("scopeLevel".into(), json!("Subscription"));
            data.insert("subscriptionId".into(), json!(sub.id.to_string()));
            data.insert("subscriptionName".into(), json!(sub.display_name));
            if let Some(rg) = &c.resource_group {
                parameters.insert("scope".into(), json!(format!("/subscriptions/{}/resourcegroups/{rg}", sub.id)));
            }
        }
        data.insert("creationMode".into(), json!(c.creation_mode.clone().unwrap_or_else(|| "Manual".into())));
        if c.creation_mode.as_deref() == Some("Automatic")
            && let Some(app) = c.identity.and_then(|id| w.application_by_app_id(id))
        {
            data.insert("appObjectId".into(), json!(app.id.to_string()));
            if let Some(sp) = w.service_principal_for_app(app.tenant, app.app_id) {
                data.insert("spnObjectId".into(), json!(sp.id.to_string()));
            }
            data.insert("azureSpnPermissions".into(), json!("[{\"roleAssignmentId\":\"\",\"resourceProvider\":\"Microsoft.RoleAssignment\",\"provisioned\":true}]"));
        }
    } else if c.kind == "WorkloadIdentityUser" {
        let target = c.target_organization.clone().unwrap_or_else(|| org.name.clone());
        url = format!("https://dev.azure.com/{target}/");
        if !target.eq_ignore_ascii_case(&org.name) {
            data.insert("organizationUrl".into(), json!(url));
        }
    }
    if c.is_draft {
        data.insert("isDraft".into(), json!("True"));
    }
    match c.scheme.as_str() {
        "WorkloadIdentityFederation" => {
            parameters.insert("tenantid".into(), json!(tenant.to_string()));
            parameters
                .insert("serviceprincipalid".into(), json!(c.identity.map(|g| g.to_string()).unwrap_or_default()));
            let (issuer, subject, kind) = match c.issuer {
                IssuerChoice::Entra => (
                    entra_issuer(ISSUER_HOST, tenant),
                    entra_subject(CLOUD_CODE, tenant, org.id, c.id),
                    ISSUER_TYPE_ENTRA,
                ),
                IssuerChoice::AzureDevops => {
                    (devops_issuer(org.id), devops_subject(&org.name, &c.project, &c.name), ISSUER_TYPE_DEVOPS)
                }
            };
            parameters.insert("workloadIdentityFederationIssuer".into(), json!(issuer));
            parameters.insert("workloadIdentityFederationSubject".into(), json!(subject));
            parameters.insert("workloadIdentityFederationIssuerType".into(), json!(kind));
        }
        "ServicePrincipal" => {
            parameters.insert("tenantid".into(), json!(tenant.to_string()));
            parameters
                .insert("serviceprincipalid".into(), json!(c.identity.map(|g| g.to_string()).unwrap_or_default()));
            parameters.insert("authenticationType".into(), json!("spnKey"));
            parameters.insert("serviceprincipalkey".into(), Value::Null);
        }
        "Token" => {
            let key = if c.kind == "github" { "AccessToken" } else { "apitoken" };
            parameters.insert(key.into(), Value::Null);
        }
        "UsernamePassword" => {
            parameters.insert("username".into(), json!("build"));
            parameters.insert("password".into(), Value::Null);
        }
        "ManagedServiceIdentity" => {
            parameters.insert("tenantid".into(), json!(tenant.to_string()));
        }
        _ => {}
    }
    let project = |name: &str| w.project(&c.organization, name).cloned();
    let mut project_references = Vec::new();
    for name in std::iter::once(&c.project).chain(c.shared_with.iter()) {
        if let Some(p) = project(name) {
            project_references.push(ProjectReference {
                project_id: p.id,
                project_name: p.name,
                name: c.name.clone(),
                description: c.description.clone(),
            });
        }
    }
    let created = Moment(0).days_before(i64::from(c.created_days_ago.unwrap_or(30)));
    let creator = s
        .users
        .iter()
        .find(|u| u.devops.get(&c.organization) == Some(&DevOpsAccess::Admin))
        .or_else(|| s.users.iter().find(|u| u.devops.contains_key(&c.organization)))
        .map(|u| u.id)
        .unwrap_or(Guid::NIL);
    ServiceEndpoint {
        organization: org.name.clone(),
        id: c.id,
        name: c.name.clone(),
        kind: c.kind.clone(),
        url,
        description: c.description.clone(),
        owner: "library".into(),
        data,
        scheme: c.scheme.clone(),
        parameters,
        is_ready: !c.is_draft,
        is_shared: !c.shared_with.is_empty(),
        is_disabled: false,
        operation_status: Some(json!({"state": if c.is_draft { "Draft" } else { "Ready" }, "statusMessage": ""})),
        project_references,
        service_management_reference: None,
        created_by: creator,
        created,
        modified: created,
        secret_expired: c.secret_expired,
        pre_conversion: None,
    }
}

/// Flips the case of the first letter whose case can change, so the result differs from
/// the input in case only.
fn swap_case_once(text: &str) -> String {
    let mut done = false;
    text.chars()
        .map(|c| {
            if done || !c.is_ascii_alphabetic() {
                c
            } else {
                done = true;
                if c.is_ascii_lowercase() { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_swap_changes_only_case() {
        let s = "/eid1/c/pub/t/abc";
        let swapped = swap_case_once(s);
        assert_ne!(s, swapped);
        assert!(s.eq_ignore_ascii_case(&swapped));
    }

    #[test]
    fn built_in_scenarios_build() {
        for scenario in [Scenario::demo(), Scenario::minimal()] {
            let w = build(&scenario, 7);
            assert!(!w.service_endpoints.is_empty());
            assert!(w.federated_credentials.iter().all(|f| !f.issuer.is_empty() && !f.subject.is_empty()));
        }
    }
}
