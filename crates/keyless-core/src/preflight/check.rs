//! The verdict of each step: the right it needs, read from the facts, and who grants it.

use std::collections::BTreeMap;

use super::*;
use crate::{
    federation::MAX_FICS_PER_IDENTITY,
    observed::{IdentityKind, ObservedIdentity},
    plan::Action,
};

/// One verdict per step of `plan`. `observed` is what exists (identities, their credentials,
/// the organizations' tenants), `facts` what the user may do.
pub fn check(plan: &Plan, observed: &Observed, facts: &PermissionFacts) -> Checklist {
    let checker = Checker { plan, observed, facts };
    let mut items: Vec<CheckItem> = plan
        .steps
        .iter()
        .map(|step| CheckItem {
            step_id: step.id.clone(),
            title: step.title.clone(),
            needs: step.needs.clone(),
            verdict: checker.verdict(step),
        })
        .collect();
    checker.apply_credential_cap(&mut items);
    Checklist { items }
}

struct Checker<'a> {
    plan: &'a Plan,
    observed: &'a Observed,
    facts: &'a PermissionFacts,
}

pub(super) fn changes(step: &Step) -> bool {
    matches!(step.action, Action::Create | Action::Update)
}

pub(super) fn resource_group_scope(subscription: Guid, resource_group: &str) -> String {
    format!("/subscriptions/{subscription}/resourceGroups/{resource_group}")
}

/// Where writing a managed identity's credentials is checked: on the identity when it exists,
/// on its resource group when this run creates it.
pub(super) fn managed_identity_fic_scope(plan: &Plan, observed: &Observed, slot: usize) -> Option<String> {
    let identity = plan.identities.get(slot)?;
    if identity.kind != IdentityKind::ManagedIdentity {
        return None;
    }
    if let Some(found) = observed.identities.get(&identity.display_name) {
        return Some(found.object_ref.clone());
    }
    plan.steps.iter().find_map(|s| match &s.operation {
        Operation::Identity {
            slot: created,
            create: Some(IdentityCreate::ManagedIdentity { subscription, resource_group, .. }),
        } if *created == slot => Some(resource_group_scope(*subscription, resource_group)),
        _ => None,
    })
}

pub(super) fn connection_project(plan: &Plan, connection: &str) -> Option<(OrgName, Guid)> {
    match &plan.step(&format!("connection/{connection}"))?.operation {
        Operation::Connection { spec, project_id, .. } => Some((spec.organization.clone(), *project_id)),
        _ => None,
    }
}

fn lack(missing: String, who_can_grant: String, role: &str, ask: String) -> Verdict {
    Verdict::Lack(Lack { missing, who_can_grant, role: role.to_string(), ask })
}

const APP_ADMINS: &str = "a Cloud Application Administrator or Application Administrator";

impl Checker<'_> {
    fn verdict(&self, step: &Step) -> Verdict {
        match &step.operation {
            Operation::Identity { slot, create } => self.identity(*slot, create.as_ref()),
            Operation::ServicePrincipal { slot } if changes(step) => {
                self.app_writer(*slot, "create its service principal")
            }
            Operation::RoleAssignment { scope, role_name, slot, .. } if changes(step) => {
                let identity = self.identity_name(*slot);
                self.arm(scope, ROLE_ASSIGNMENT_WRITE, || {
                    lack(
                        format!("{ROLE_ASSIGNMENT_WRITE} on {scope}"),
                        format!("an Owner or User Access Administrator of {scope}"),
                        "User Access Administrator",
                        format!("ask an Owner or User Access Administrator of {scope} to assign {role_name} there to {identity}, or to give you User Access Administrator on it"),
                    )
                })
            }
            Operation::Membership { organization, access_level, .. } => {
                if let Some(other) = self.other_tenant(organization) {
                    return other;
                }
                if !changes(step) {
                    return Verdict::Have;
                }
                let identity = self.identity_name(0);
                match self.facts.collection_admin.get(organization) {
                    Some(Fact::Read { value: true }) => Verdict::Have,
                    Some(Fact::Read { value: false }) => lack(
                        format!("Project Collection Administrator of {organization}"),
                        format!("a Project Collection Administrator of {organization}"),
                        "Project Collection Administrators",
                        format!(
                            "ask a Project Collection Administrator of {organization} to add {identity} to the organization ({}) and its projects, or to add you to Project Collection Administrators",
                            access_level.label()
                        ),
                    ),
                    Some(Fact::Unread { why }) => Verdict::Unknown { why: why.clone() },
                    None => Verdict::Unknown { why: format!("the rights in {organization} were not read") },
                }
            }
            Operation::Connection { spec, project_id, .. } => {
                if let Some(other) = self.other_tenant(&spec.organization) {
                    return other;
                }
                if !changes(step) {
                    return Verdict::Have;
                }
                let create = step.action == Action::Create;
                self.endpoint_right(&spec.organization, *project_id, &spec.project, create)
            }
            Operation::FederatedCredential { slot, hand_off, .. } if changes(step) => {
                if *hand_off {
                    let name = self.identity_name(*slot);
                    return lack(
                        format!("write access to the federated credentials of {name}"),
                        format!("the owners of {name}, {APP_ADMINS}"),
                        "owner of the identity",
                        format!("ask an owner of {name} to create the federated credential from the hand-off pack"),
                    );
                }
                self.credential_writer(*slot)
            }
            Operation::PipelineAccess { connection, .. } | Operation::Share { connection, .. } if changes(step) => {
                match self.plan.step(&format!("connection/{connection}")).map(|s| &s.operation) {
                    Some(Operation::Connection { spec, project_id, .. }) => {
                        self.endpoint_right(&spec.organization, *project_id, &spec.project, false)
                    }
                    _ => Verdict::Unknown { why: format!("the connection {connection} is not in the plan") },
                }
            }
            _ => Verdict::Have,
        }
    }

    fn identity_name(&self, slot: usize) -> &str {
        self.plan.identities.get(slot).map_or("the identity", |i| i.display_name.as_str())
    }

    fn observed_identity(&self, slot: usize) -> Option<&ObservedIdentity> {
        self.observed.identities.get(self.identity_name(slot))
    }

    fn created_in_this_run(&self, slot: usize) -> bool {
        self.plan.steps.iter().any(|s| {
            matches!(&s.operation, Operation::Identity { slot: created, create: Some(_) } if *created == slot)
                && s.action == Action::Create
        })
    }

    fn holds_role(&self, wanted: &[Guid]) -> Fact<bool> {
        match &self.facts.directory_roles {
            Fact::Read { value } => Fact::read(value.iter().any(|r| wanted.contains(r))),
            Fact::Unread { why } => Fact::Unread { why: why.clone() },
        }
    }

    fn identity(&self, slot: usize, create: Option<&IdentityCreate>) -> Verdict {
        let tenant = self.observed.tenant_id;
        match create {
            None => match self.observed_identity(slot) {
                Some(found) if found.is_multitenant_app() => lack(
                    format!("a single-tenant app registration ({} is multitenant)", found.display_name),
                    format!("the owners of {}, {APP_ADMINS}", found.display_name),
                    "owner of the app registration",
                    format!(
                        "ask an owner of {} or a Cloud Application Administrator to set its supported account types to this directory only (signInAudience AzureADMyOrg)",
                        found.display_name
                    ),
                ),
                _ => Verdict::Have,
            },
            Some(IdentityCreate::AppRegistration { .. }) => {
                let by_role = self.holds_role(&[
                    APPLICATION_DEVELOPER,
                    CLOUD_APPLICATION_ADMINISTRATOR,
                    APPLICATION_ADMINISTRATOR,
                ]);
                match (self.facts.users_can_register_apps.clone(), by_role) {
                    (Fact::Read { value: true }, _) | (_, Fact::Read { value: true }) => Verdict::Have,
                    (Fact::Read { value: false }, Fact::Read { value: false }) => lack(
                        format!("permission to register applications in tenant {tenant}"),
                        format!("a Privileged Role Administrator or Global Administrator of tenant {tenant}"),
                        "Application Developer",
                        format!(
                            "ask a Privileged Role Administrator of tenant {tenant} to give you the Application Developer role, or to allow users to register applications"
                        ),
                    ),
                    (Fact::Unread { why }, _) | (_, Fact::Unread { why }) => Verdict::Unknown { why },
                }
            }
            Some(IdentityCreate::ManagedIdentity { subscription, resource_group, name, .. }) => {
                let scope = resource_group_scope(*subscription, resource_group);
                self.arm(&scope, MANAGED_IDENTITY_WRITE, || {
                    lack(
                        format!("{MANAGED_IDENTITY_WRITE} on resource group {resource_group}"),
                        format!("an Owner or User Access Administrator of resource group {resource_group}"),
                        "Managed Identity Contributor",
                        format!("ask an Owner of resource group {resource_group} (subscription {subscription}) to assign you Managed Identity Contributor there, or to create managed identity {name} for you"),
                    )
                })
            }
        }
    }

    /// Writing an app registration: its owners and the application admin roles may.
    fn app_writer(&self, slot: usize, what: &str) -> Verdict {
        if self.created_in_this_run(slot) {
            return Verdict::Have;
        }
        let name = self.identity_name(slot);
        if self.observed_identity(slot).is_some_and(|i| i.can_write_fics) {
            return Verdict::Have;
        }
        match self.holds_role(&[CLOUD_APPLICATION_ADMINISTRATOR, APPLICATION_ADMINISTRATOR]) {
            Fact::Read { value: true } => Verdict::Have,
            Fact::Read { value: false } => lack(
                format!("ownership of app registration {name}"),
                format!("the owners of {name}, {APP_ADMINS}"),
                "owner of the app registration",
                format!(
                    "ask an owner of {name} or a Cloud Application Administrator to add you as an owner of {name}, or to {what}"
                ),
            ),
            Fact::Unread { why } => Verdict::Unknown { why },
        }
    }

    fn credential_writer(&self, slot: usize) -> Verdict {
        let name = self.identity_name(slot).to_string();
        match self.plan.identities.get(slot).map(|i| i.kind) {
            Some(IdentityKind::ManagedIdentity) => {
                let Some(scope) = managed_identity_fic_scope(self.plan, self.observed, slot) else {
                    return Verdict::Unknown { why: format!("the resource id of {name} is not known") };
                };
                self.arm(&scope, MANAGED_IDENTITY_FIC_WRITE, || {
                    lack(
                        format!("{MANAGED_IDENTITY_FIC_WRITE} on {name}"),
                        format!("an Owner or User Access Administrator of managed identity {name}"),
                        "Managed Identity Contributor",
                        format!("ask an Owner of managed identity {name} to assign you Managed Identity Contributor on it, or to create the federated credential from the hand-off pack"),
                    )
                })
            }
            _ => self.app_writer(slot, "create the federated credential from the hand-off pack"),
        }
    }

    fn arm(&self, scope: &str, action: &str, lacking: impl FnOnce() -> Verdict) -> Verdict {
        match self.facts.arm.get(&scope_key(scope)) {
            Some(Fact::Read { value }) if action_allowed(value, action) => Verdict::Have,
            Some(Fact::Read { .. }) => lacking(),
            Some(Fact::Unread { why }) => Verdict::Unknown { why: why.clone() },
            None => Verdict::Unknown { why: format!("the permissions on {scope} were not read") },
        }
    }

    fn endpoint_right(&self, org: &OrgName, project_id: Guid, project: &str, create: bool) -> Verdict {
        let (right, role, group) = if create {
            ("create service connections", "Endpoint Creator", "Endpoint Creators")
        } else {
            ("administer service connections", "Endpoint Administrator", "Endpoint Administrators")
        };
        match self.facts.endpoints.get(&(org.clone(), project_id)) {
            Some(Fact::Read { value }) if (create && value.create) || (!create && value.administer) => Verdict::Have,
            Some(Fact::Read { .. }) => lack(
                format!("the right to {right} in {org}/{project}"),
                format!("a Project Administrator or Endpoint Administrator of {org}/{project}"),
                role,
                format!("ask a Project Administrator of {org}/{project} to add you to the project's {group} group"),
            ),
            Some(Fact::Unread { why }) => Verdict::Unknown { why: why.clone() },
            None => Verdict::Unknown { why: format!("the service connection rights in {org}/{project} were not read") },
        }
    }

    /// Azure DevOps adds identities only from the tenant an organization is connected to.
    fn other_tenant(&self, org: &OrgName) -> Option<Verdict> {
        let found = self.observed.organizations.get(org)?;
        let identity_tenant = self.observed_identity(0).map_or(self.observed.tenant_id, |i| i.tenant_id);
        (found.tenant_id != identity_tenant).then(|| {
            lack(
                format!("{org} connected to tenant {identity_tenant} (it is connected to {})", found.tenant_id),
                format!("a Project Collection Administrator of {org}"),
                "Project Collection Administrators",
                format!("ask a Project Collection Administrator of {org} to connect it to tenant {identity_tenant}, or plan a separate identity in tenant {} for it", found.tenant_id),
            )
        })
    }

    /// Credentials past Entra's cap of 20 per identity cannot be written whatever the rights.
    fn apply_credential_cap(&self, items: &mut [CheckItem]) {
        let mut room: BTreeMap<usize, usize> = BTreeMap::new();
        for (step, item) in self.plan.steps.iter().zip(items.iter_mut()) {
            let Operation::FederatedCredential { slot, .. } = step.operation else { continue };
            if !changes(step) {
                continue;
            }
            let held = self.observed_identity(slot).map_or(0, |i| i.fics.len());
            let left = room.entry(slot).or_insert(MAX_FICS_PER_IDENTITY.saturating_sub(held));
            if *left > 0 {
                *left -= 1;
                continue;
            }
            let name = self.identity_name(slot);
            item.verdict = lack(
                format!("room for another federated credential on {name} (it holds {held} of {MAX_FICS_PER_IDENTITY})"),
                format!("the owners of {name}"),
                "owner of the identity",
                format!(
                    "ask an owner of {name} to remove federated credentials it no longer uses (it holds {held} of {MAX_FICS_PER_IDENTITY}), or set when_full = \"new-identity\" in the setup"
                ),
            );
        }
    }
}
