//! The run report: everything a run created or reused, each connection's federation values
//! and pipeline YAML, and any hand-offs, as JSON (for tools) and Markdown (for people).

use std::fmt::Write as _;

use keyless_core::{
    CloudProfile,
    plan::{Operation, Plan},
};
use serde::{Deserialize, Serialize};

use crate::{
    journal::{RunJournal, RunStatus},
    progress::StepOutcome,
    snippets::{HandOff, pipeline_yaml},
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunReport {
    pub run_id: String,
    pub started: String,
    pub cloud: String,
    pub status: RunStatus,
    pub steps: Vec<ReportStep>,
    pub connections: Vec<ReportConnection>,
    pub hand_offs: Vec<HandOff>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportStep {
    pub id: String,
    pub title: String,
    /// `None` when the step has not run yet.
    pub outcome: Option<StepOutcome>,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportConnection {
    pub key: String,
    pub id: Option<String>,
    pub issuer: Option<String>,
    pub subject: Option<String>,
    pub verified: bool,
    pub pipeline_yaml: String,
}

impl RunReport {
    /// The report of `journal`'s run of `plan`; pipeline YAML names `cloud`'s hosts.
    pub fn build(plan: &Plan, journal: &RunJournal, cloud: &CloudProfile) -> Self {
        let steps = plan
            .steps
            .iter()
            .map(|s| {
                let record = journal.steps.get(&s.id);
                ReportStep {
                    id: s.id.clone(),
                    title: s.title.clone(),
                    outcome: record.map(|r| r.outcome),
                    detail: record.map(|r| r.detail.clone()).unwrap_or_default(),
                }
            })
            .collect();
        let connections = plan
            .steps
            .iter()
            .filter_map(|s| match &s.operation {
                Operation::Connection { spec, .. } => {
                    let key = spec.key();
                    let outputs = journal.steps.get(&s.id).map(|r| r.outputs.clone()).unwrap_or_default();
                    let verified =
                        journal.steps.get(&format!("verify/{key}")).is_some_and(|r| r.outcome == StepOutcome::Verified);
                    Some(ReportConnection {
                        key,
                        id: outputs.connection_id.map(|g| g.to_string()),
                        issuer: outputs.issuer,
                        subject: outputs.subject,
                        verified,
                        pipeline_yaml: pipeline_yaml(spec, cloud),
                    })
                }
                _ => None,
            })
            .collect();
        let hand_offs = journal.steps.values().filter_map(|r| r.hand_off.clone()).collect();
        RunReport {
            run_id: journal.run_id.clone(),
            started: journal.started.clone(),
            cloud: journal.cloud.clone(),
            status: journal.status,
            steps,
            connections,
            hand_offs,
        }
    }

    pub fn render_markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# Keyless run {}\n", self.run_id);
        let _ = writeln!(out, "Started {} on cloud {}; status: {:?}.\n", self.started, self.cloud, self.status);
        let _ = writeln!(out, "## Steps\n\n| Step | Result | Detail |\n|---|---|---|");
        for step in &self.steps {
            let outcome = step.outcome.map_or("not run".to_string(), |o| format!("{o:?}"));
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                step.title.replace('|', "\\|"),
                outcome,
                step.detail.replace('|', "\\|")
            );
        }
        for connection in &self.connections {
            let _ = writeln!(out, "\n## {}\n", connection.key);
            let _ = writeln!(out, "- Id: `{}`", connection.id.as_deref().unwrap_or("not created"));
            let _ = writeln!(out, "- Issuer: `{}`", connection.issuer.as_deref().unwrap_or("-"));
            let _ = writeln!(out, "- Subject: `{}`", connection.subject.as_deref().unwrap_or("-"));
            let _ = writeln!(out, "- Verified: {}\n", if connection.verified { "yes" } else { "no" });
            let _ = writeln!(out, "```yaml\n{}```", connection.pipeline_yaml);
        }
        for hand_off in &self.hand_offs {
            let _ = writeln!(out, "\n{}", hand_off.render_markdown());
        }
        out
    }
}
