//! The planner: compares the setup with what exists and decides every step.

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
        planner.plan_memberships(slot, &placements)?;
    }
    for (connection, slot) in placements {
        planner.plan_connection(connection, slot)?;
    }
    Ok(planner.plan)
}

pub(super) struct Planner<'a> {
    pub(super) setup: &'a Setup,
    pub(super) observed: &'a Observed,
    pub(super) plan: Plan,
}

pub(super) fn identity_step(slot: usize) -> String {
    format!("identity/{slot}")
}

/// The step after which the identity's service principal exists.
pub(super) fn principal_step(plan: &Plan, slot: usize) -> String {
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

    pub(super) fn observed_identity(&self, slot: usize) -> Option<&'a ObservedIdentity> {
        self.observed.identities.get(&self.plan.identities[slot].display_name)
    }

    pub(super) fn organization(&self, org: &OrgName) -> Result<&'a ObservedOrganization, InputError> {
        self.observed.organizations.get(org).ok_or_else(|| {
            InputError::new(
                "organization",
                format!("'{org}' was not found, or the signed-in account cannot see it"),
                "check the organization's name (the part of its Azure DevOps URL after the host); `keyless orgs` lists the organizations you can reach",
            )
        })
    }

    fn check_organizations(&self) -> Result<(), InputError> {
        for org in &self.setup.organizations {
            let found = self.organization(&org.name)?;
            self.check_same_tenant(&org.name, found)?;
            for project in &org.projects {
                self.project(&org.name, found, &project.name)?;
            }
        }
        for connection in &self.setup.connections {
            let found = self.organization(&connection.organization)?;
            self.project(&connection.organization, found, &connection.project)?;
            if let ConnectionKind::AzureDevops { target_organization } = &connection.kind {
                // The planner joins the identity to the owning organization itself when the
                // setup does not list it, so the owner must accept the identity's tenant too.
                self.check_same_tenant(&connection.organization, found)?;
                if let Some(target) = target_organization {
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
        }
        Ok(())
    }

    /// Azure DevOps only adds identities from the tenant the organization is connected to.
    fn check_same_tenant(&self, name: &OrgName, found: &ObservedOrganization) -> Result<(), InputError> {
        let tenant = self.identity_tenant(0);
        if found.tenant_id == tenant {
            return Ok(());
        }
        Err(InputError::new(
            "organization",
            format!(
                "'{name}' is connected to tenant {}, but the identity lives in tenant {tenant}; Azure DevOps only adds identities from its connected tenant",
                found.tenant_id
            ),
            format!(
                "create a separate identity in tenant {} (run again with --tenant {}) for this organization",
                found.tenant_id, found.tenant_id
            ),
        ))
    }

    pub(super) fn project(
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
    pub(super) fn existing_connection(
        &self,
        spec: &ConnectionSpec,
    ) -> Result<Option<&'a ObservedConnection>, InputError> {
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

    pub(super) fn has_matching_fic(&self, slot: usize, connection: Option<&ObservedConnection>) -> bool {
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

    pub(super) fn push(
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

pub(super) fn kind_label(kind: IdentityKind) -> &'static str {
    match kind {
        IdentityKind::AppRegistration => "app registration",
        IdentityKind::ManagedIdentity => "managed identity",
    }
}

pub(super) fn endpoint_type(spec: &ConnectionSpec) -> &'static str {
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
