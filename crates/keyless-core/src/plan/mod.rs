//! Plans: the ordered graph of steps a run will take, each marked create / update / reuse,
//! with a plain title and the permission it needs. Built purely from a [`Setup`] and an
//! [`Observed`] snapshot by [`build_plan`]; executed elsewhere (keyless-engine).

mod build;
mod connections;
mod memberships;
mod render;
mod roles;

use serde::{Deserialize, Serialize};

pub use build::build_plan;
pub use roles::{BUILT_IN_ROLES, role_assignment_name, role_definition_for};

use crate::{
    Guid,
    names::OrgName,
    observed::IdentityKind,
    setup::{AccessLevel, ConnectionSpec, ProjectGroup},
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    /// Slot 0 is the setup's identity; later slots exist only when the 20-credential cap
    /// forces extra identities.
    pub identities: Vec<PlannedIdentity>,
    pub steps: Vec<Step>,
    /// Things the admin should know that do not stop the plan.
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedIdentity {
    pub slot: usize,
    pub display_name: String,
    pub kind: IdentityKind,
    /// Known ids when the identity already exists.
    pub client_id: Option<Guid>,
    pub principal_id: Option<Guid>,
    /// Federated credentials it holds before the run and will hold after it.
    pub fics_before: usize,
    pub fics_after: usize,
    /// The signed-in user cannot write its credentials: connections become drafts with a
    /// hand-off for the identity's owner.
    pub hand_off: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Action {
    Create,
    Update,
    Reuse,
    Verify,
}

impl Action {
    /// Terraform-style marker; shown next to a word, never as colour alone.
    pub fn symbol(self) -> &'static str {
        match self {
            Action::Create => "+",
            Action::Update => "~",
            Action::Reuse => "=",
            Action::Verify => "?",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    /// Stable key, also the journal key: `identity/0`, `connection/contoso/Web/sc-prod`, ...
    pub id: String,
    pub action: Action,
    pub operation: Operation,
    pub depends_on: Vec<String>,
    /// What the step does, in a sentence a newcomer understands.
    pub title: String,
    /// The permission the signed-in user needs for it.
    pub needs: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase")]
pub enum Operation {
    Identity { slot: usize, create: Option<IdentityCreate> },
    ServicePrincipal { slot: usize },
    RoleAssignment { slot: usize, scope: String, role_name: String, role_definition_id: Guid },
    Membership { slot: usize, organization: OrgName, access_level: AccessLevel, projects: Vec<ProjectGroups> },
    Connection { slot: usize, spec: Box<ConnectionSpec>, project_id: Guid, existing_id: Option<Guid>, draft: bool },
    FederatedCredential { slot: usize, connection: String, hand_off: bool },
    PipelineAccess { connection: String, pipeline_ids: Vec<u64>, all_pipelines: bool },
    Share { connection: String, projects: Vec<ProjectRef> },
    Verify { slot: usize, connection: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum IdentityCreate {
    AppRegistration { display_name: String },
    ManagedIdentity { name: String, subscription: Guid, resource_group: String, location: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectGroups {
    pub project: ProjectRef,
    pub groups: Vec<ProjectGroup>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectRef {
    pub id: Guid,
    pub name: String,
}

impl Plan {
    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }

    /// Counts per action, for the summary line ("3 to create, 1 to update, 5 to reuse").
    pub fn counts(&self) -> PlanCounts {
        let mut counts = PlanCounts::default();
        for step in &self.steps {
            match step.action {
                Action::Create => counts.create += 1,
                Action::Update => counts.update += 1,
                Action::Reuse => counts.reuse += 1,
                Action::Verify => counts.verify += 1,
            }
        }
        counts
    }

    /// True when applying would change nothing (a re-run of a completed setup).
    pub fn is_no_op(&self) -> bool {
        let counts = self.counts();
        counts.create == 0 && counts.update == 0
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanCounts {
    pub create: usize,
    pub update: usize,
    pub reuse: usize,
    pub verify: usize,
}
