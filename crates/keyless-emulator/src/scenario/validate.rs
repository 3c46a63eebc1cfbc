//! Cross-reference checks for a parsed scenario: every tenant, organization, project,
//! identity and connection a record names must exist, and ids must be unique.
//!
//! This does not check Azure naming rules of user input (keyless-core does that for the
//! product); it only keeps the emulator from starting with a world that cannot exist.

use std::collections::HashSet;

use keyless_core::{Guid, federation::validate_fic_name};

use super::{Scenario, ScenarioError};

const BUILT_IN_ROLES: &[&str] = &["Owner", "Contributor", "Reader", "User Access Administrator"];
const LICENSES: &[&str] = &["none", "earlyAdopter", "express", "professional", "advanced", "stakeholder"];
const STANDARD_GROUPS: &[&str] =
    &["Readers", "Contributors", "Project Administrators", "Endpoint Administrators", "Endpoint Creators"];

pub(super) fn check(s: &Scenario) -> Result<(), ScenarioError> {
    let fail = |problem: String| Err(ScenarioError::Invalid { scenario: s.name.clone(), problem });
    let tenants: HashSet<Guid> = s.tenants.iter().map(|t| t.id).collect();
    if tenants.len() != s.tenants.len() {
        return fail("two tenants share an id".into());
    }
    let known_tenant = |t: &Guid| tenants.contains(t);

    let mut upns = HashSet::new();
    for user in &s.users {
        if !upns.insert(user.upn.to_ascii_lowercase()) {
            return fail(format!("user '{}' is listed twice", user.upn));
        }
        if !known_tenant(&user.home_tenant) {
            return fail(format!("user '{}' has unknown home_tenant {}", user.upn, user.home_tenant));
        }
        if let Some(t) = user.guest_tenants.iter().find(|t| !known_tenant(t)) {
            return fail(format!("user '{}' is a guest of unknown tenant {t}", user.upn));
        }
        for org in user.devops.keys() {
            if !s.organizations.iter().any(|o| &o.name == org) {
                return fail(format!("user '{}' belongs to unknown organization '{org}'", user.upn));
            }
        }
        for role in &user.azure_roles {
            if !BUILT_IN_ROLES.contains(&role.role.as_str()) {
                return fail(format!(
                    "user '{}' has role '{}'; use one of {}",
                    user.upn,
                    role.role,
                    BUILT_IN_ROLES.join(", ")
                ));
            }
            if !role.scope.starts_with("/subscriptions/")
                && !role.scope.starts_with("/providers/Microsoft.Management/managementGroups/")
            {
                return fail(format!(
                    "user '{}' has a role at scope '{}'; scopes start with /subscriptions/ or /providers/Microsoft.Management/managementGroups/",
                    user.upn, role.scope
                ));
            }
        }
    }
    if !upns.contains(&s.sign_in.default_user.to_ascii_lowercase()) {
        return fail(format!("sign_in.default_user '{}' is not one of the users", s.sign_in.default_user));
    }

    for mg in &s.management_groups {
        if !known_tenant(&mg.tenant) {
            return fail(format!("management group '{}' has unknown tenant {}", mg.name, mg.tenant));
        }
        if let Some(parent) = &mg.parent
            && !s.management_groups.iter().any(|m| &m.name == parent)
        {
            return fail(format!("management group '{}' has unknown parent '{parent}'", mg.name));
        }
    }
    for sub in &s.subscriptions {
        if !known_tenant(&sub.tenant) {
            return fail(format!("subscription '{}' has unknown tenant {}", sub.display_name, sub.tenant));
        }
        if let Some(mg) = &sub.management_group
            && !s.management_groups.iter().any(|m| &m.name == mg)
        {
            return fail(format!("subscription '{}' is in unknown management group '{mg}'", sub.display_name));
        }
    }
    let known_sub = |id: &Guid| s.subscriptions.iter().any(|x| &x.id == id);
    let known_rg = |sub: &Guid, rg: &str| {
        s.resource_groups.iter().any(|r| &r.subscription == sub && r.name.eq_ignore_ascii_case(rg))
    };
    for rg in &s.resource_groups {
        if !known_sub(&rg.subscription) {
            return fail(format!("resource group '{}' is in unknown subscription {}", rg.name, rg.subscription));
        }
    }

    let mut object_ids = HashSet::new();
    for app in &s.applications {
        if !known_tenant(&app.tenant) {
            return fail(format!("application '{}' has unknown tenant {}", app.display_name, app.tenant));
        }
        for id in [Some(app.object_id), Some(app.app_id), app.service_principal_id].into_iter().flatten() {
            if !object_ids.insert(id) {
                return fail(format!("id {id} of application '{}' is used twice", app.display_name));
            }
        }
        if let Some(owner) = app.owners.iter().find(|o| !upns.contains(&o.to_ascii_lowercase())) {
            return fail(format!("application '{}' has unknown owner '{owner}'", app.display_name));
        }
        if !["AzureADMyOrg", "AzureADMultipleOrgs", "AzureADandPersonalMicrosoftAccount", "PersonalMicrosoftAccount"]
            .contains(&app.sign_in_audience.as_str())
        {
            return fail(format!("application '{}' has sign_in_audience '{}'", app.display_name, app.sign_in_audience));
        }
    }
    for mi in &s.managed_identities {
        if !known_rg(&mi.subscription, &mi.resource_group) {
            return fail(format!(
                "managed identity '{}' is in unknown resource group '{}' of {}",
                mi.name, mi.resource_group, mi.subscription
            ));
        }
        for id in [mi.client_id, mi.principal_id] {
            if !object_ids.insert(id) {
                return fail(format!("id {id} of managed identity '{}' is used twice", mi.name));
            }
        }
    }
    let identity_exists = |id: &Guid| {
        s.applications.iter().any(|a| &a.app_id == id) || s.managed_identities.iter().any(|m| &m.client_id == id)
    };
    let principal_exists = |id: &Guid| {
        s.applications.iter().any(|a| a.service_principal_id.as_ref() == Some(id))
            || s.managed_identities.iter().any(|m| &m.principal_id == id)
    };

    let mut org_names = HashSet::new();
    for org in &s.organizations {
        if !org_names.insert(org.name.to_ascii_lowercase()) {
            return fail(format!("organization '{}' is listed twice", org.name));
        }
        if !known_tenant(&org.tenant) {
            return fail(format!("organization '{}' is connected to unknown tenant {}", org.name, org.tenant));
        }
    }
    let known_org = |name: &str| s.organizations.iter().any(|o| o.name == name);
    let known_project = |org: &str, project: &str| {
        s.projects.iter().any(|p| p.organization == org && p.name.eq_ignore_ascii_case(project))
    };
    for p in &s.projects {
        if !known_org(&p.organization) {
            return fail(format!("project '{}' is in unknown organization '{}'", p.name, p.organization));
        }
        if s.projects
            .iter()
            .filter(|q| q.organization == p.organization && q.name.eq_ignore_ascii_case(&p.name))
            .count()
            > 1
        {
            return fail(format!("project '{}' is listed twice in '{}'", p.name, p.organization));
        }
    }
    for g in &s.groups {
        if !known_org(&g.organization) {
            return fail(format!("group '{}' is in unknown organization '{}'", g.name, g.organization));
        }
        if let Some(project) = &g.project
            && !known_project(&g.organization, project)
        {
            return fail(format!("group '{}' is in unknown project '{project}'", g.name));
        }
    }
    for e in &s.entitlements {
        if !known_org(&e.organization) {
            return fail(format!("entitlement of {} is in unknown organization '{}'", e.principal, e.organization));
        }
        if !principal_exists(&e.principal) {
            return fail(format!(
                "entitlement principal {} is not a service principal or managed identity of the scenario",
                e.principal
            ));
        }
        if !LICENSES.contains(&e.license.as_str()) {
            return fail(format!("entitlement license '{}' is not one of {}", e.license, LICENSES.join(", ")));
        }
        for entry in &e.groups {
            let Some((project, group)) = entry.split_once('/') else {
                return fail(format!("entitlement group '{entry}' must be written 'Project/Group'"));
            };
            let custom = s.groups.iter().any(|g| g.project.as_deref() == Some(project) && g.name == group);
            if !known_project(&e.organization, project) || !(STANDARD_GROUPS.contains(&group) || custom) {
                return fail(format!("entitlement group '{entry}' does not exist in '{}'", e.organization));
            }
        }
    }

    let mut connection_ids = HashSet::new();
    for c in &s.service_connections {
        let label = format!("service connection '{}/{}/{}'", c.organization, c.project, c.name);
        if !connection_ids.insert(c.id) {
            return fail(format!("{label} reuses id {}", c.id));
        }
        if !known_project(&c.organization, &c.project) {
            return fail(format!("{label} is in an unknown project"));
        }
        if let Some(p) = c.shared_with.iter().find(|p| !known_project(&c.organization, p)) {
            return fail(format!("{label} is shared with unknown project '{p}'"));
        }
        if let Some(id) = &c.identity
            && !identity_exists(id)
        {
            return fail(format!("{label} uses identity {id}, which is no app or managed identity of the scenario"));
        }
        if let Some(sub) = &c.subscription
            && !known_sub(sub)
        {
            return fail(format!("{label} targets unknown subscription {sub}"));
        }
        if let (Some(sub), Some(rg)) = (&c.subscription, &c.resource_group)
            && !known_rg(sub, rg)
        {
            return fail(format!("{label} targets unknown resource group '{rg}'"));
        }
        if let Some(target) = &c.target_organization
            && !known_org(target)
        {
            return fail(format!("{label} targets unknown organization '{target}'"));
        }
        if c.scheme == "WorkloadIdentityFederation" && c.identity.is_none() {
            return fail(format!("{label} uses WorkloadIdentityFederation but names no identity"));
        }
    }
    for f in &s.federated_credentials {
        if !identity_exists(&f.identity) {
            return fail(format!("federated credential '{}' is on unknown identity {}", f.name, f.identity));
        }
        if let Err(e) = validate_fic_name(&f.name) {
            return fail(format!("federated credential name: {}", e.problem));
        }
        match &f.for_connection {
            Some(path) => {
                let parts: Vec<&str> = path.splitn(3, '/').collect();
                let found = parts.len() == 3
                    && s.service_connections.iter().any(|c| {
                        c.organization == parts[0] && c.project.eq_ignore_ascii_case(parts[1]) && c.name == parts[2]
                    });
                if !found {
                    return fail(format!(
                        "federated credential '{}' names connection '{path}', which is not 'org/project/name' of a scenario connection",
                        f.name
                    ));
                }
            }
            None if f.issuer.is_none() || f.subject.is_none() => {
                return fail(format!("federated credential '{}' needs for_connection or issuer and subject", f.name));
            }
            None => {}
        }
    }
    for r in &s.role_assignments {
        if !principal_exists(&r.principal) {
            return fail(format!("role assignment principal {} is no service principal of the scenario", r.principal));
        }
        if !BUILT_IN_ROLES.contains(&r.role.as_str()) {
            return fail(format!("role assignment role '{}'; use one of {}", r.role, BUILT_IN_ROLES.join(", ")));
        }
        if !r.scope.starts_with("/subscriptions/")
            && !r.scope.starts_with("/providers/Microsoft.Management/managementGroups/")
        {
            return fail(format!(
                "role assignment scope '{}' must start with /subscriptions/ or /providers/Microsoft.Management/managementGroups/",
                r.scope
            ));
        }
    }
    for p in &s.pipelines {
        if !known_project(&p.organization, &p.project) {
            return fail(format!("pipeline '{}' is in unknown project '{}/{}'", p.name, p.organization, p.project));
        }
        if s.pipelines.iter().filter(|q| q.organization == p.organization && q.id == p.id).count() > 1 {
            return fail(format!("pipeline id {} is used twice in '{}'", p.id, p.organization));
        }
        if p.yaml.trim().is_empty() == p.classic_phases.is_none() {
            return fail(format!("pipeline '{}' needs either yaml or classic_phases (not both)", p.name));
        }
        // A project has one repository, so two YAML pipelines at one path would read one file.
        let same_file = |q: &&crate::scenario::PipelineSpec| {
            q.classic_phases.is_none()
                && q.organization == p.organization
                && q.project.eq_ignore_ascii_case(&p.project)
                && q.path == p.path
        };
        if p.classic_phases.is_none() && s.pipelines.iter().filter(same_file).count() > 1 {
            return fail(format!(
                "two YAML pipelines of '{}/{}' are at {}: give each its own path",
                p.organization, p.project, p.path
            ));
        }
    }
    Ok(())
}
