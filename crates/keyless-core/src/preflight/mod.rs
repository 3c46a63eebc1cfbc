//! Preflight: whether the signed-in admin can take each step of a plan, decided before any
//! change from facts read with read-only calls, who can grant what is missing, and the plan
//! narrowed to what can be done now.
//!
//! Pure: [`reads_needed`] says which facts a plan needs, the use-case layer reads them, and
//! [`check`] and [`narrow`] decide. This module reads nothing and never guesses a fact it was
//! not given: a fact that could not be read makes its steps "could not check".

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::{
    Guid,
    names::OrgName,
    observed::Observed,
    plan::{IdentityCreate, Operation, Plan, Step},
};

mod check;
mod render;

pub use check::check;
pub use render::{hand_off_markdown, render_with_checklist};

use check::{changes, connection_project, managed_identity_fic_scope, resource_group_scope};

/// Entra role template ids (the same in every tenant).
pub const APPLICATION_ADMINISTRATOR: Guid = Guid::from_u128(0x9b895d92_2cd3_44c7_9d02_a6ac2d5ea5c3);
pub const CLOUD_APPLICATION_ADMINISTRATOR: Guid = Guid::from_u128(0x158c047a_c907_4556_b7ef_446551a6b5f7);
pub const APPLICATION_DEVELOPER: Guid = Guid::from_u128(0xcf1c38e5_3621_4004_a7cb_879624dced7c);

/// ARM actions the steps need.
pub const ROLE_ASSIGNMENT_WRITE: &str = "Microsoft.Authorization/roleAssignments/write";
pub const MANAGED_IDENTITY_WRITE: &str = "Microsoft.ManagedIdentity/userAssignedIdentities/write";
pub const MANAGED_IDENTITY_FIC_WRITE: &str =
    "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/write";

/// A fact read for preflight, or why it could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "state")]
pub enum Fact<T> {
    Read { value: T },
    Unread { why: String },
}

impl<T> Fact<T> {
    pub fn read(value: T) -> Self {
        Fact::Read { value }
    }
}

/// One entry of ARM's `permissions` answer: what one role assignment allows at the scope.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArmPermission {
    #[serde(default)]
    pub actions: Vec<String>,
    #[serde(default)]
    pub not_actions: Vec<String>,
}

/// What the user may do with service connections in one project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointRights {
    pub create: bool,
    pub administer: bool,
}

/// Everything preflight read about the signed-in user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermissionFacts {
    /// The tenant's "Users can register applications" setting.
    pub users_can_register_apps: Fact<bool>,
    /// Template ids of the directory roles the user holds.
    pub directory_roles: Fact<Vec<Guid>>,
    /// ARM permissions per scope, keyed by [`scope_key`].
    pub arm: BTreeMap<String, Fact<Vec<ArmPermission>>>,
    /// Project Collection Administrator (or an equal right) per organization.
    pub collection_admin: BTreeMap<OrgName, Fact<bool>>,
    /// Service connection rights per organization and project id.
    pub endpoints: BTreeMap<(OrgName, Guid), Fact<EndpointRights>>,
}

/// The facts a plan needs, so each is read once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reads {
    pub arm_scopes: BTreeSet<String>,
    pub organizations: BTreeSet<OrgName>,
    pub projects: BTreeSet<(OrgName, Guid)>,
}

/// Whether an ARM action is allowed by a set of permissions: some entry's `actions` match it
/// and none of that same entry's `notActions` do (Azure subtracts per role, then unions).
pub fn action_allowed(permissions: &[ArmPermission], action: &str) -> bool {
    permissions.iter().any(|p| {
        p.actions.iter().any(|a| wildcard_matches(a, action))
            && !p.not_actions.iter().any(|n| wildcard_matches(n, action))
    })
}

/// Azure's action pattern: case-insensitive, `*` stands for any run of characters, `/`
/// included (`*/read`, `Microsoft.Authorization/*/Write`).
pub fn wildcard_matches(pattern: &str, action: &str) -> bool {
    let pattern: Vec<char> = pattern.to_ascii_lowercase().chars().collect();
    let text: Vec<char> = action.to_ascii_lowercase().chars().collect();
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == '*' {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some((star_p, star_t)) = star {
            p = star_p + 1;
            t = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}

/// The key ARM scopes are compared by: lower case, one leading slash, no trailing slash.
pub fn scope_key(scope: &str) -> String {
    format!("/{}", scope.trim().trim_matches('/').to_ascii_lowercase())
}

/// The checklist: one line per plan step.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Checklist {
    pub items: Vec<CheckItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckItem {
    pub step_id: String,
    pub title: String,
    pub needs: String,
    #[serde(flatten)]
    pub verdict: Verdict,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "verdict")]
pub enum Verdict {
    /// The user can take the step now.
    Have,
    Lack(Lack),
    /// A fact the step needs could not be read.
    Unknown {
        why: String,
    },
}

/// A missing right and who can grant it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Lack {
    /// The right or condition that is missing, e.g. `Microsoft.Authorization/roleAssignments/write on /subscriptions/...`.
    pub missing: String,
    /// Who can grant it: "a Cloud Application Administrator or Application Administrator".
    pub who_can_grant: String,
    /// The role that would give it.
    pub role: String,
    /// The sentence to send them: "ask a ... to ...".
    pub ask: String,
}

impl Checklist {
    pub fn item(&self, step_id: &str) -> Option<&CheckItem> {
        self.items.iter().find(|i| i.step_id == step_id)
    }

    /// True when every step can be taken now.
    pub fn all_doable(&self) -> bool {
        self.items.iter().all(|i| i.verdict == Verdict::Have)
    }

    pub fn lacking(&self) -> impl Iterator<Item = (&CheckItem, &Lack)> {
        self.items.iter().filter_map(|i| match &i.verdict {
            Verdict::Lack(lack) => Some((i, lack)),
            _ => None,
        })
    }

    /// The line a face shows under a step instead of the plain `needs`.
    pub fn needs_line(&self, step: &Step) -> String {
        match self.item(&step.id).map(|i| &i.verdict) {
            Some(Verdict::Have) => format!("needs: {} (you have it)", step.needs),
            Some(Verdict::Lack(lack)) => format!("needs: {} (you lack it: {})", step.needs, lack.ask),
            Some(Verdict::Unknown { why }) => format!("needs: {} (could not check: {why})", step.needs),
            None => format!("needs: {}", step.needs),
        }
    }
}

/// The facts `plan` needs: ARM scopes, organizations and projects to ask about.
pub fn reads_needed(plan: &Plan, observed: &Observed) -> Reads {
    let mut reads = Reads::default();
    for step in &plan.steps {
        if !changes(step) {
            continue;
        }
        match &step.operation {
            Operation::Identity {
                create: Some(IdentityCreate::ManagedIdentity { subscription, resource_group, .. }),
                ..
            } => {
                reads.arm_scopes.insert(scope_key(&resource_group_scope(*subscription, resource_group)));
            }
            Operation::RoleAssignment { scope, .. } => {
                reads.arm_scopes.insert(scope_key(scope));
            }
            Operation::FederatedCredential { slot, .. } => {
                if let Some(scope) = managed_identity_fic_scope(plan, observed, *slot) {
                    reads.arm_scopes.insert(scope_key(&scope));
                }
            }
            Operation::Membership { organization, .. } => {
                reads.organizations.insert(organization.clone());
            }
            Operation::Connection { spec, project_id, .. } => {
                reads.projects.insert((spec.organization.clone(), *project_id));
            }
            Operation::PipelineAccess { connection, .. } | Operation::Share { connection, .. } => {
                if let Some((org, project)) = connection_project(plan, connection) {
                    reads.projects.insert((org, project));
                }
            }
            _ => {}
        }
    }
    reads
}

/// A step that cannot be taken now and why: its own missing right, or a step it waits for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HandedOff {
    pub step: Step,
    pub reason: HandOffReason,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum HandOffReason {
    Lack(Lack),
    Unknown {
        why: String,
    },
    /// Waits for a step that is handed off.
    WaitsFor {
        step_id: String,
    },
}

/// A plan cut down to what the user can do now, and the rest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Narrowed {
    pub plan: Plan,
    pub handed_off: Vec<HandedOff>,
}

/// Keeps the steps the user can take now; a step whose dependency is handed off is handed off
/// too, so the narrowed plan never runs a step before what it needs.
pub fn narrow(plan: &Plan, checklist: &Checklist) -> Narrowed {
    let mut reasons: BTreeMap<String, HandOffReason> = BTreeMap::new();
    for item in &checklist.items {
        match &item.verdict {
            Verdict::Have => {}
            Verdict::Lack(lack) => {
                reasons.insert(item.step_id.clone(), HandOffReason::Lack(lack.clone()));
            }
            Verdict::Unknown { why } => {
                reasons.insert(item.step_id.clone(), HandOffReason::Unknown { why: why.clone() });
            }
        }
    }
    loop {
        let mut grew = false;
        for step in &plan.steps {
            if reasons.contains_key(&step.id) {
                continue;
            }
            if let Some(blocked) = step.depends_on.iter().find(|d| reasons.contains_key(*d)) {
                reasons.insert(step.id.clone(), HandOffReason::WaitsFor { step_id: blocked.clone() });
                grew = true;
            }
        }
        if !grew {
            break;
        }
    }
    let (kept, handed): (Vec<&Step>, Vec<&Step>) = plan.steps.iter().partition(|s| !reasons.contains_key(&s.id));
    Narrowed {
        plan: Plan {
            identities: plan.identities.clone(),
            steps: kept.into_iter().cloned().collect(),
            warnings: plan.warnings.clone(),
        },
        handed_off: handed
            .into_iter()
            .map(|s| HandedOff {
                step: s.clone(),
                reason: reasons.remove(&s.id).expect("every handed-off step has a reason"),
            })
            .collect(),
    }
}
