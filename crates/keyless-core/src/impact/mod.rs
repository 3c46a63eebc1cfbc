//! The impact check: what would break in the pipelines that use a service connection once it
//! signs in with workload identity federation instead of a secret.
//!
//! Pure analysis of pipeline text: `analyze_yaml` reads YAML pipelines, `analyze_classic` reads
//! classic build and release definitions as Azure DevOps returns them. Tasks are judged by the
//! published support table in `data/wif-task-support.toml` (see `task_table`).
//!
//! Choices made where Azure Pipelines' behaviour is not published:
//! - a step uses a connection when any of its inputs names it; names compare without case, like
//!   Azure DevOps resolves connection names;
//! - a task version the table does not list is judged like its nearest listed neighbour;
//! - a job whose timeout exceeds `APP_REGISTRATION_TOKEN_LIFETIME_MINUTES` (or has none) may
//!   outlive the federated sign-in of an app registration;
//! - reading `servicePrincipalId` or `tenantId` is no finding: both stay set after the conversion,
//!   only `servicePrincipalKey` is empty;
//! - a step that reads `servicePrincipalKey` without using the connection itself got it from an
//!   earlier step of its job with `addSpnToEnvironment`, so it counts for that step's connections.

mod classic;
mod rules;
pub mod task_table;
mod yaml;
mod yaml_tree;

use serde::{Deserialize, Serialize};

pub use classic::analyze_classic;
pub use task_table::{Support, TaskSupport, TaskTable, VersionSupport, task_table};
pub use yaml::analyze_yaml;

/// How long an app registration's federated sign-in lasts in a job. Microsoft's troubleshooting
/// table (AADSTS700024, "Client assertion is not within its valid time range") says the error
/// "happens after approximately 1 hour" and that managed identity tokens last about 24 hours
/// (see also the platform facts, "Identities").
pub const APP_REGISTRATION_TOKEN_LIFETIME_MINUTES: u32 = 60;

/// One thing that would break, or might, when `connection` moves to workload identity federation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// The connection as the caller named it (YAML) or its id (classic definitions).
    pub connection: String,
    /// Where in the pipeline, e.g. `stages[0].jobs[1].steps[3]` or `Release > Stage Prod > Agent job > Task 2`.
    pub location: String,
    /// The task as `Name` (its version is in `version`); none for job-level findings.
    pub task: Option<String>,
    pub version: Option<u32>,
    pub kind: FindingKind,
    /// What to change, in one or two sentences.
    pub advice: String,
    /// The pipeline would fail after the conversion unless this is changed first.
    pub blocking: bool,
}

/// What kind of breakage a finding describes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum FindingKind {
    /// No version of the task signs in with workload identity federation.
    TaskWithoutWifSupport,
    /// A later major version of the task does.
    TaskNeedsNewerVersion { minimum: u32 },
    /// The step asks for the connection's credentials in its script's environment; with
    /// federation it gets `idToken` and `servicePrincipalId` but no `servicePrincipalKey`.
    AddSpnToEnvironment,
    /// A script reads `servicePrincipalKey`, which is empty once the connection has no secret.
    ReadsServicePrincipalSecret,
    /// The job may run longer than an app registration's federated sign-in lasts;
    /// `minutes` is its `timeoutInMinutes` (0: no limit).
    JobLongerThanTokenLifetime { minutes: u32 },
    /// A task the published table does not list (a Marketplace task, or a version left unpinned).
    TaskSupportUnknown,
    /// The connection is handed to a template whose steps are in another file.
    PassedToTemplate { template: String },
}

/// What the impact check found for one connection across the pipelines that may use it.
/// In `Checked`, each finding's `location` starts with the pipeline's name (`shop-assets: steps[0]`),
/// which is also how a migration file's `override_blocking` names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum ConnectionImpact {
    /// Every pipeline that may use the connection was read; no finding means nothing breaks.
    Checked { findings: Vec<Finding> },
    /// At least one of those pipelines could not be read, so no verdict is claimed.
    NotRead { reason: String },
}

impl ConnectionImpact {
    /// The findings that would break a pipeline, when the pipelines were read.
    pub fn blocking(&self) -> impl Iterator<Item = &Finding> {
        let findings = match self {
            ConnectionImpact::Checked { findings } => findings.as_slice(),
            ConnectionImpact::NotRead { .. } => &[],
        };
        findings.iter().filter(|finding| finding.blocking)
    }
}

/// Why pipeline text could not be analysed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImpactError {
    #[error("the pipeline YAML is malformed at line {line}, column {column}: {reason}")]
    MalformedYaml { line: usize, column: usize, reason: String },
    #[error("the YAML is not a pipeline: its top level is {found}, not a mapping of stages, jobs or steps")]
    NotAPipeline { found: &'static str },
}

impl ImpactError {
    /// What to do about it, one line.
    pub fn help(&self) -> &'static str {
        match self {
            ImpactError::MalformedYaml { .. } => {
                "fix the YAML at that place (the pipeline editor's Validate button shows the same problem), then check again"
            }
            ImpactError::NotAPipeline { .. } => {
                "give the pipeline's main YAML file (the one with stages:, jobs: or steps:), not a variables or parameters file"
            }
        }
    }
}
