//! The planner: compares the setup with what exists and decides every step.

use std::collections::BTreeSet;

use super::*;
use crate::{
    InputError,
    federation::{MAX_FICS_PER_IDENTITY, TOKEN_EXCHANGE_AUDIENCE},
    observed::{Observed, ObservedConnection, ObservedIdentity, ObservedOrganization},
    setup::{ConnectionKind, IdentitySpec, Setup, WhenFull},
};

/// Builds the plan, or refuses with the first input that cannot work and what to do instead.
pub fn build_plan(setup: &Setup, observed: &Observed) -> Result<Plan, InputError> {
    crate::setup::check_setup(setup)?;
    let mut planner = Planner { setup, observed, plan: Plan { identities: vec![], steps: vec![], warnings: vec![] } };
    planner.plan_identity(0)?;
    planner.check_organizations()?;
    let placements = planner.place_connections()?;
    for slot in 0..planner.plan.identities.len() {
        planner.plan_memberships(slot)?;
    }
    for (connection, slot) in placements {
        planner.plan_connection(connection, slot)?;
    }
    Ok(planner.plan)
}

struct Planner<'a> {
    setup: &'a Setup,
    observed: &'a Observed,
    plan: Plan,
}

fn identity_step(slot: usize) -> String {
    format!("identity/{slot}")
}

/// The step after which the identity's service principal exists.
fn principal_step(plan: &Plan, slot: usize) -> String {
    let sp = format!("sp/{slot}");
    if plan.step(&sp).is_some() { sp } else { identity_step(slot) }
}

impl<'a> Planner<'a> {
    fn base_name(&self) -> Option<&'a str> {
        match &self.setup.identity {
            IdentitySpec::AppRegistration { name, .. } | IdentitySpec::ManagedIdentity { name, .. } => Some(name),
            IdentitySpec::Existing { .. } => None,
        }
    }

    fn when_full(&self) -> WhenFull {
        match &self.setup.identity {
            IdentitySpec::AppRegistration { when_full, .. } | IdentitySpec::ManagedIdentity { when_full, .. } => {
                *when_full
            }
            IdentitySpec::Existing { .. } => WhenFull::Stop,
        }
    }

    fn slot_name(&self, slot: usize) -> String {
        let base = self.base_name().unwrap_or_default();
        if slot == 0 { base.to_string() } else { format!("{base}-{}", slot + 1) }
    }

    fn find_existing(
        &self,
        client_id: &Option<Guid>,
        resource_id: &Option<String>,
        name: &Option<String>,
    ) -> Result<&'a ObservedIdentity, InputError> {
        let found = self.observed.identities.values().find(|i| {
            client_id.is_some_and(|c| c == i.client_id)
                || resource_id.as_deref().is_some_and(|r| r.eq_ignore_ascii_case(&i.object_ref))
                || name.as_deref().is_some_and(|n| n == i.display_name)
        });
        let wanted =
            client_id.map(|c| format!("client id {c}")).or(resource_id.clone()).or(name.clone()).unwrap_or_default();
        found.ok_or_else(|| {
            InputError::new(
                "identity",
                format!("no app registration or managed identity with {wanted} was found in tenant {}", self.observed.tenant_id),
                "check the value in the Azure portal (Application (client) ID for apps, Client ID for managed identities), or sign in to the identity's tenant with --tenant",
            )
        })
    }

    fn plan_identity(&mut self, slot: usize) -> Result<(), InputError> {
        let (kind, existing, create, title, needs) = match &self.setup.identity {
            IdentitySpec::Existing { client_id, resource_id, name } => {
                let found = self.find_existing(client_id, resource_id, name)?;
                let title = format!("Use existing identity {} ({})", found.display_name, found.client_id);
                (found.kind, Some(found), None, title, "Read access to the identity".to_string())
            }
            IdentitySpec::AppRegistration { .. } => {
                let name = self.slot_name(slot);
                let existing = self.observed.identities.get(&name);
                if existing.is_none() && !self.observed.can_register_apps {
                    return Err(InputError::new(
                        "identity",
                        format!(
                            "you cannot register applications in tenant {} (Entra answers \"Insufficient privileges\")",
                            self.observed.tenant_id
                        ),
                        "use kind = \"managed-identity\" instead, or ask a Global Administrator for the Application Developer role",
                    ));
                }
                let title =
                    format!("Create app registration {name} (single-tenant) in tenant {}", self.observed.tenant_id);
                let create = IdentityCreate::AppRegistration { display_name: name };
                (
                    IdentityKind::AppRegistration,
                    existing,
                    Some(create),
                    title,
                    "Application Developer role, or \"Users can register applications\"".to_string(),
                )
            }
            IdentitySpec::ManagedIdentity { subscription, resource_group, location, .. } => {
                let name = self.slot_name(slot);
                let existing = self.observed.identities.get(&name);
                let title = format!("Create managed identity {name} in resource group {resource_group} ({location})");
                let create = IdentityCreate::ManagedIdentity {
                    name,
                    subscription: *subscription,
                    resource_group: resource_group.clone(),
                    location: location.clone(),
                };
                (
                    IdentityKind::ManagedIdentity,
                    existing,
                    Some(create),
                    title,
                    format!("Managed Identity Contributor on resource group {resource_group}"),
                )
            }
        };
        if let Some(found) = existing {
            if found.is_multitenant_app() {
                return Err(InputError::new(
                    "identity",
                    format!(
                        "{} is a multitenant app registration; Entra refuses it for Azure DevOps connections (AADSTS70052: The identity must be a managed identity, a single tenant app, or a service account)",
                        found.display_name
                    ),
                    "use a single-tenant app (signInAudience AzureADMyOrg) or a managed identity; kind = \"app-registration\" creates one",
                ));
            }
            if found.kind != kind {
                return Err(InputError::new(
                    "identity",
                    format!("{} exists but is not a {}", found.display_name, kind_label(kind)),
                    "choose another name, or select it with kind = \"existing\"",
                ));
            }
        }
        let display_name = existing.map_or_else(|| self.slot_name(slot), |f| f.display_name.clone());
        self.plan.identities.push(PlannedIdentity {
            slot,
            display_name: display_name.clone(),
            kind,
            client_id: existing.map(|e| e.client_id),
            principal_id: existing.and_then(|e| e.principal_id),
            fics_before: existing.map_or(0, |e| e.fics.len()),
            fics_after: existing.map_or(0, |e| e.fics.len()),
            hand_off: existing.is_some_and(|e| !e.can_write_fics),
        });
        let action = if existing.is_some() { Action::Reuse } else { Action::Create };
        let (title, needs) = if existing.is_some() {
            (format!("Reuse {} {display_name}", kind_label(kind)), "Read access to the identity".to_string())
        } else {
            (title, needs)
        };
        self.push(
            identity_step(slot),
            action,
            Operation::Identity { slot, create: if existing.is_some() { None } else { create } },
            vec![],
            title,
            needs,
        );
        if kind == IdentityKind::AppRegistration {
            let has_sp = existing.is_some_and(|e| e.principal_id.is_some());
            let action = if has_sp { Action::Reuse } else { Action::Create };
            let verb = if has_sp { "Reuse" } else { "Create" };
            self.push(
                format!("sp/{slot}"),
                action,
                Operation::ServicePrincipal { slot },
                vec![identity_step(slot)],
                format!("{verb} the service principal of {display_name} (the identity Azure and Azure DevOps grant access to)"),
                "Owner of the app registration".into(),
            );
        }
        Ok(())
    }

    fn identity_tenant(&self, slot: usize) -> Guid {
        let name = &self.plan.identities[slot].display_name;
        self.observed.identities.get(name).map_or(self.observed.tenant_id, |i| i.tenant_id)
    }

    fn observed_identity(&self, slot: usize) -> Option<&'a ObservedIdentity> {
        self.observed.identities.get(&self.plan.identities[slot].display_name)
    }

    fn organization(&self, org: &OrgName) -> Result<&'a ObservedOrganization, InputError> {
        self.observed.organizations.get(org).ok_or_else(|| {
            InputError::new(
                "organization",
                format!("'{org}' was not found, or the signed-in account cannot see it"),
                "check the name in https://dev.azure.com/<name>; `keyless orgs` lists the organizations you can reach",
            )
        })
    }

    fn check_organizations(&self) -> Result<(), InputError> {
        let tenant = self.identity_tenant(0);
        for org in &self.setup.organizations {
            let found = self.organization(&org.name)?;
            if found.tenant_id != tenant {
                return Err(InputError::new(
                    "organization",
                    format!(
                        "'{}' is connected to tenant {}, but the identity lives in tenant {tenant}; Azure DevOps only adds identities from its connected tenant",
                        org.name, found.tenant_id
                    ),
                    format!(
                        "create a separate identity in tenant {} (run again with --tenant {}) for this organization",
                        found.tenant_id, found.tenant_id
                    ),
                ));
            }
            for project in &org.projects {
                self.project(&org.name, found, &project.name)?;
            }
        }
        for connection in &self.setup.connections {
            let found = self.organization(&connection.organization)?;
            self.project(&connection.organization, found, &connection.project)?;
            if let ConnectionKind::AzureDevops { target_organization: Some(target) } = &connection.kind {
                let target_found = self.organization(target)?;
                if target_found.tenant_id != found.tenant_id {
                    return Err(InputError::new(
                        "target_organization",
                        format!(
                            "'{target}' is connected to another tenant than '{}'; an Azure DevOps connection reaches only organizations of the same tenant",
                            connection.organization
                        ),
                        "create the connection in an organization of the same tenant as the target",
                    ));
                }
            }
        }
        Ok(())
    }

    fn project(
        &self,
        org: &OrgName,
        found: &'a ObservedOrganization,
        name: &str,
    ) -> Result<&'a crate::observed::ObservedProject, InputError> {
        found.project(name).ok_or_else(|| {
            let known: Vec<&str> = found.projects.iter().map(|p| p.name.as_str()).collect();
            InputError::new(
                "project",
                format!("'{org}/{name}' does not exist"),
                format!("use one of: {}", known.join(", ")),
            )
        })
    }

    /// The connection that already carries this name in its project, if any.
    fn existing_connection(&self, spec: &ConnectionSpec) -> Result<Option<&'a ObservedConnection>, InputError> {
        let org = self.organization(&spec.organization)?;
        let found = org.connections.iter().find(|c| {
            c.name.eq_ignore_ascii_case(&spec.name) && c.projects.iter().any(|p| p.eq_ignore_ascii_case(&spec.project))
        });
        let Some(found) = found else { return Ok(None) };
        let wanted_type = endpoint_type(spec);
        if found.scheme != "WorkloadIdentityFederation" || found.endpoint_type != wanted_type {
            return Err(InputError::new(
                "connection name",
                format!("'{}' already exists (type {}, scheme {})", spec.key(), found.endpoint_type, found.scheme),
                "choose another name, or migrate the existing connection to workload identity federation",
            ));
        }
        Ok(Some(found))
    }

    /// Assigns each connection an identity slot, opening new slots when the cap would be hit.
    fn place_connections(&mut self) -> Result<Vec<(&'a ConnectionSpec, usize)>, InputError> {
        let mut placements = vec![];
        for spec in &self.setup.connections {
            let existing = self.existing_connection(spec)?;
            if let Some(slot) = existing.and_then(|c| c.client_id).and_then(|id| self.slot_with_client(id)) {
                let has_fic = self.has_matching_fic(slot, existing);
                if !has_fic {
                    self.reserve_fic(slot, spec)?;
                }
                placements.push((spec, slot));
                continue;
            }
            if let Some(found) = existing {
                return Err(InputError::new(
                    "connection name",
                    format!(
                        "'{}' already exists but uses another identity (client id {})",
                        spec.key(),
                        found.client_id.map(|c| c.to_string()).unwrap_or_default()
                    ),
                    "choose another connection name, or select that identity with kind = \"existing\"",
                ));
            }
            let slot = self.slot_with_room(spec)?;
            placements.push((spec, slot));
        }
        Ok(placements)
    }

    fn slot_with_client(&self, client_id: Guid) -> Option<usize> {
        self.plan.identities.iter().position(|i| i.client_id == Some(client_id))
    }

    fn has_matching_fic(&self, slot: usize, connection: Option<&ObservedConnection>) -> bool {
        let (Some(identity), Some(connection)) = (self.observed_identity(slot), connection) else { return false };
        identity.fics.iter().any(|f| {
            Some(&f.issuer) == connection.issuer.as_ref()
                && Some(&f.subject) == connection.subject.as_ref()
                && f.audiences == [TOKEN_EXCHANGE_AUDIENCE]
        })
    }

    fn reserve_fic(&mut self, slot: usize, spec: &ConnectionSpec) -> Result<(), InputError> {
        let identity = &mut self.plan.identities[slot];
        if identity.fics_after >= MAX_FICS_PER_IDENTITY {
            return Err(full_error(identity, spec));
        }
        identity.fics_after += 1;
        Ok(())
    }

    fn slot_with_room(&mut self, spec: &ConnectionSpec) -> Result<usize, InputError> {
        loop {
            if let Some(slot) = self.plan.identities.iter().position(|i| i.fics_after < MAX_FICS_PER_IDENTITY) {
                self.plan.identities[slot].fics_after += 1;
                return Ok(slot);
            }
            if self.when_full() == WhenFull::Stop {
                return Err(full_error(self.plan.identities.last().expect("slot 0 exists"), spec));
            }
            let slot = self.plan.identities.len();
            self.plan_identity(slot)?;
            self.plan.warnings.push(format!(
                "{} will hold 20 federated credentials, the most Entra allows; Keyless adds {} for the connections that do not fit",
                self.plan.identities[0].display_name,
                self.plan.identities[slot].display_name
            ));
        }
    }

    fn plan_memberships(&mut self, slot: usize) -> Result<(), InputError> {
        for org in &self.setup.organizations {
            let found = self.organization(&org.name)?;
            let mut projects = vec![];
            for p in &org.projects {
                let project = self.project(&org.name, found, &p.name)?;
                projects.push(ProjectGroups {
                    project: ProjectRef { id: project.id, name: project.name.clone() },
                    groups: p.groups.clone(),
                });
            }
            let principal = self.plan.identities[slot].principal_id;
            let membership = principal.and_then(|p| found.memberships.get(&p));
            let action = match membership {
                None => Action::Create,
                Some(m) => {
                    let groups_ok = projects.iter().all(|pg| {
                        let have = m
                            .project_groups
                            .iter()
                            .find(|(name, _)| name.eq_ignore_ascii_case(&pg.project.name))
                            .map(|(_, g)| g);
                        pg.groups
                            .iter()
                            .all(|g| have.is_some_and(|h| h.iter().any(|x| x.eq_ignore_ascii_case(g.display_name()))))
                    });
                    if m.access_level == Some(org.access_level) && groups_ok { Action::Reuse } else { Action::Update }
                }
            };
            let name = self.plan.identities[slot].display_name.clone();
            let groups: Vec<String> = projects
                .iter()
                .map(|pg| {
                    format!(
                        "{} ({})",
                        pg.project.name,
                        pg.groups.iter().map(|g| g.display_name()).collect::<Vec<_>>().join(", ")
                    )
                })
                .collect();
            let verb = match action {
                Action::Create => "Add",
                Action::Update => "Update",
                _ => "Keep",
            };
            let mut title =
                format!("{verb} {name} in organization {} with {} access", org.name, org.access_level.label());
            if !groups.is_empty() {
                title.push_str(&format!(" and project groups {}", groups.join("; ")));
            }
            let deps = vec![principal_step(&self.plan, slot)];
            self.push(
                format!("member/{slot}/{}", org.name),
                action,
                Operation::Membership {
                    slot,
                    organization: org.name.clone(),
                    access_level: org.access_level,
                    projects,
                },
                deps,
                title,
                format!("Project Collection Administrator in {}", org.name),
            );
        }
        Ok(())
    }

    fn plan_connection(&mut self, spec: &'a ConnectionSpec, slot: usize) -> Result<(), InputError> {
        let key = spec.key();
        let org = self.organization(&spec.organization)?;
        let project = self.project(&spec.organization, org, &spec.project)?;
        let existing = self.existing_connection(spec)?;
        let identity_name = self.plan.identities[slot].display_name.clone();
        let hand_off = self.plan.identities[slot].hand_off;
        let mut verify_deps = vec![];

        if let ConnectionKind::AzureRm { scope, role } = &spec.kind {
            let (role_name, role_id) = role_definition_for(role)?;
            let scope_path = scope.arm_path();
            let step_id = format!("role/{slot}/{scope_path}/{role_name}");
            if self.plan.step(&step_id).is_none() {
                let principal = self.plan.identities[slot].principal_id;
                let exists = principal.is_some_and(|p| {
                    self.observed.role_assignments.iter().any(|r| {
                        r.principal_id == p
                            && r.role_definition_id == role_id
                            && r.scope.eq_ignore_ascii_case(&scope_path)
                    })
                });
                let action = if exists { Action::Reuse } else { Action::Create };
                let verb = if exists { "Keep" } else { "Grant" };
                let deps = vec![principal_step(&self.plan, slot)];
                self.push(
                    step_id.clone(),
                    action,
                    Operation::RoleAssignment {
                        slot,
                        scope: scope_path.clone(),
                        role_name: role_name.clone(),
                        role_definition_id: role_id,
                    },
                    deps,
                    format!("{verb} {identity_name} the {role_name} role on {scope_path}"),
                    format!(
                        "Owner, User Access Administrator or Role Based Access Control Administrator on {scope_path}"
                    ),
                );
            }
            verify_deps.push(step_id);
        }

        let mut connection_deps = vec![identity_step(slot)];
        if let Some(target) = spec.organization_needing_membership() {
            connection_deps.push(format!("member/{slot}/{target}"));
        }
        let connection_id = format!("connection/{key}");
        let draft = hand_off && existing.is_none();
        let (action, title) = match existing {
            Some(_) => (
                Action::Reuse,
                format!("Reuse service connection {} in {} / {}", spec.name, spec.organization, spec.project),
            ),
            None => {
                let kind = match &spec.kind {
                    ConnectionKind::AzureRm { .. } => "Azure Resource Manager".to_string(),
                    ConnectionKind::AzureDevops { target_organization } => match target_organization {
                        Some(t) if t != &spec.organization => format!("Azure DevOps (reaching {t})"),
                        _ => "Azure DevOps".to_string(),
                    },
                };
                let draft_note = if draft { " as a draft (you cannot write the identity's credentials)" } else { "" };
                (
                    Action::Create,
                    format!(
                        "Create {kind} service connection {} in {} / {}{draft_note}",
                        spec.name, spec.organization, spec.project
                    ),
                )
            }
        };
        self.push(
            connection_id.clone(),
            action,
            Operation::Connection {
                slot,
                spec: Box::new(spec.clone()),
                project_id: project.id,
                existing_id: existing.map(|c| c.id),
                draft,
            },
            connection_deps,
            title,
            format!("Endpoint Creator in {} / {}", spec.organization, spec.project),
        );

        let fic_id = format!("fic/{key}");
        let has_fic = self.has_matching_fic(slot, existing);
        let (action, title) = if has_fic {
            (Action::Reuse, format!("Keep the federated credential on {identity_name} that matches {}", spec.name))
        } else if hand_off {
            (
                Action::Create,
                format!("Hand off: the owner of {identity_name} creates the federated credential for {}", spec.name),
            )
        } else {
            (
                Action::Create,
                format!(
                    "Create a federated credential on {identity_name} with the issuer and subject Azure DevOps assigns to {}",
                    spec.name
                ),
            )
        };
        let needs = match self.plan.identities[slot].kind {
            IdentityKind::AppRegistration => format!("Owner of {identity_name}, or Cloud Application Administrator"),
            IdentityKind::ManagedIdentity => format!("Managed Identity Contributor on {identity_name}"),
        };
        self.push(
            fic_id.clone(),
            action,
            Operation::FederatedCredential { slot, connection: key.clone(), hand_off: hand_off && !has_fic },
            vec![connection_id.clone()],
            title,
            needs,
        );
        verify_deps.push(fic_id);

        self.plan_pipeline_access(spec, project, existing, &connection_id)?;
        if let Some(access) = self.plan.steps.last().filter(|s| s.id == format!("access/{key}")) {
            verify_deps.push(access.id.clone());
        }
        self.plan_share(spec, org, existing, &connection_id)?;
        if let Some(target) = spec.organization_needing_membership() {
            verify_deps.push(format!("member/{slot}/{target}"));
        }
        self.push(
            format!("verify/{key}"),
            Action::Verify,
            Operation::Verify { slot, connection: key.clone() },
            verify_deps,
            format!("Verify {} can sign in (TestConnection), waiting for Entra to propagate the credential", spec.name),
            format!("Endpoint Reader in {} / {}", spec.organization, spec.project),
        );
        Ok(())
    }

    fn plan_pipeline_access(
        &mut self,
        spec: &ConnectionSpec,
        project: &crate::observed::ObservedProject,
        existing: Option<&ObservedConnection>,
        connection_id: &str,
    ) -> Result<(), InputError> {
        if spec.pipelines.is_empty() && !spec.all_pipelines {
            return Ok(());
        }
        let mut ids = vec![];
        for name in &spec.pipelines {
            let found = project.pipelines.iter().find(|p| p.name.eq_ignore_ascii_case(name)).ok_or_else(|| {
                let known: Vec<&str> = project.pipelines.iter().map(|p| p.name.as_str()).collect();
                InputError::new(
                    "pipelines",
                    format!("pipeline '{name}' does not exist in {}/{}", spec.organization, spec.project),
                    format!(
                        "use one of: {}",
                        if known.is_empty() { "(no pipelines yet)".to_string() } else { known.join(", ") }
                    ),
                )
            })?;
            ids.push(found.id);
        }
        let done = existing.is_some_and(|c| {
            if spec.all_pipelines { c.all_pipelines } else { ids.iter().all(|id| c.authorized_pipelines.contains(id)) }
        });
        let action = if done {
            Action::Reuse
        } else if existing.is_some() {
            Action::Update
        } else {
            Action::Create
        };
        let who = if spec.all_pipelines {
            "every pipeline in the project (you asked for all)".to_string()
        } else {
            format!("pipelines {}", spec.pipelines.join(", "))
        };
        if spec.all_pipelines {
            self.plan.warnings.push(format!(
                "{} is open to every pipeline in {}; any pipeline author there can use it",
                spec.key(),
                spec.project
            ));
        }
        self.push(
            format!("access/{}", spec.key()),
            action,
            Operation::PipelineAccess { connection: spec.key(), pipeline_ids: ids, all_pipelines: spec.all_pipelines },
            vec![connection_id.to_string()],
            format!("Allow {who} to use {}", spec.name),
            "Endpoint Administrator on the connection".into(),
        );
        Ok(())
    }

    fn plan_share(
        &mut self,
        spec: &ConnectionSpec,
        org: &ObservedOrganization,
        existing: Option<&ObservedConnection>,
        connection_id: &str,
    ) -> Result<(), InputError> {
        if spec.share_with.is_empty() {
            return Ok(());
        }
        let mut projects = vec![];
        let mut seen = BTreeSet::new();
        for name in &spec.share_with {
            let project = self.project(&spec.organization, org, name)?;
            if project.name.eq_ignore_ascii_case(&spec.project) || !seen.insert(project.id) {
                continue;
            }
            projects.push(ProjectRef { id: project.id, name: project.name.clone() });
        }
        let done = existing
            .is_some_and(|c| projects.iter().all(|p| c.projects.iter().any(|q| q.eq_ignore_ascii_case(&p.name))));
        let action = if done {
            Action::Reuse
        } else if existing.is_some() {
            Action::Update
        } else {
            Action::Create
        };
        let names: Vec<&str> = projects.iter().map(|p| p.name.as_str()).collect();
        self.push(
            format!("share/{}", spec.key()),
            action,
            Operation::Share { connection: spec.key(), projects: projects.clone() },
            vec![connection_id.to_string()],
            format!("Share {} with project(s) {}", spec.name, names.join(", ")),
            "Endpoint Administrator on the connection".into(),
        );
        Ok(())
    }

    fn push(
        &mut self,
        id: String,
        action: Action,
        operation: Operation,
        depends_on: Vec<String>,
        title: String,
        needs: String,
    ) {
        self.plan.steps.push(Step { id, action, operation, depends_on, title, needs });
    }
}

fn kind_label(kind: IdentityKind) -> &'static str {
    match kind {
        IdentityKind::AppRegistration => "app registration",
        IdentityKind::ManagedIdentity => "managed identity",
    }
}

fn endpoint_type(spec: &ConnectionSpec) -> &'static str {
    match spec.kind {
        ConnectionKind::AzureRm { .. } => "azurerm",
        ConnectionKind::AzureDevops { .. } => "WorkloadIdentityUser",
    }
}

fn full_error(identity: &PlannedIdentity, spec: &ConnectionSpec) -> InputError {
    InputError::new(
        "identity",
        format!(
            "{} already holds {} of the {MAX_FICS_PER_IDENTITY} federated credentials Entra allows, so '{}' does not fit",
            identity.display_name,
            identity.fics_after,
            spec.key()
        ),
        "set when_full = \"new-identity\" to let Keyless create another identity for the rest, or reuse existing connections",
    )
}
