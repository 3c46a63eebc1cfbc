//! `plan_setup`: what applying a setup would do, step by step, for the Review screen.
//!
//! The planner's refusals are not here: a setup the planner refuses comes back as an
//! `IpcError` with code `invalidInput`, its message and help written by the planner.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::IdentityKindView;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PlanView {
    /// In dependency order.
    pub steps: Vec<StepView>,
    pub counts: PlanCountsView,
    /// The identity, and its `-2`, `-3`... siblings when the 20-credential cap splits it.
    pub identities: Vec<PlannedIdentityView>,
    /// Things that will work but deserve a look, as sentences.
    pub warnings: Vec<String>,
    /// The plan as the CLI prints it, for "copy as text".
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StepView {
    /// Stable within a plan and across resumes, e.g. "connection/contoso/Web/sc-prod".
    pub id: String,
    pub action: StepActionView,
    /// e.g. "Create service connection sc-prod in contoso / Web".
    pub title: String,
    /// The permission this step needs, e.g. "Project Administrator in contoso / Web".
    pub needs: String,
    /// Ids of the steps that must finish first.
    pub depends_on: Vec<String>,
    /// Where Review lists the step: "Identity", an organization ("contoso"), or a project
    /// ("contoso / Web").
    pub group: String,
}

/// Terraform-style: `+ create`, `~ update`, `= reuse`, `? verify`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum StepActionView {
    Create,
    Update,
    Reuse,
    Verify,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PlanCountsView {
    pub create: u32,
    pub update: u32,
    pub reuse: u32,
    pub verify: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PlannedIdentityView {
    pub display_name: String,
    pub kind: IdentityKindView,
    /// Federated credentials before and after the run (at most 20).
    pub fics_before: u32,
    pub fics_after: u32,
    /// True when the account cannot write this identity's credentials: the run stops at a
    /// hand-off pack for its owner, and `finish_run` completes it later.
    pub hand_off: bool,
}
