//! Planning one service connection: its role assignment, the connection itself, the
//! federated credential, pipeline access, sharing and verification.

use std::collections::BTreeSet;

use super::build::{Planner, identity_step, principal_step};
use super::*;
use crate::{
    InputError,
    observed::{ObservedConnection, ObservedOrganization},
    setup::ConnectionKind,
};

impl<'a> Planner<'a> {
    pub(super) fn plan_connection(&mut self, spec: &'a ConnectionSpec, slot: usize) -> Result<(), InputError> {
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

        // Azure DevOps refuses an "Azure DevOps" connection whose identity is not a user of
        // both the owning and the target organization, so those memberships come first.
        let memberships: Vec<String> = spec
            .organizations_needing_membership()
            .iter()
            .map(|needed| format!("member/{slot}/{}", needed.organization))
            .collect();
        let mut connection_deps = vec![identity_step(slot)];
        connection_deps.extend(memberships.iter().cloned());
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
        verify_deps.extend(memberships);
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
}
