//! The impact check over classic pipelines: build definitions (`process.phases[].steps[]`) and
//! release definitions (`environments[].deployPhases[].workflowTasks[]`) as Azure DevOps returns
//! them, where tasks are named by id and connections by id.

use std::collections::HashMap;

use serde_json::Value;

use super::Finding;
use super::rules::{StepOutcome, TaskStep, job_findings, reads_service_principal_secret, task_step_outcome};
use super::task_table;
use crate::Guid;

/// How many times a variable's value may itself refer to another variable.
const MAX_SUBSTITUTION_ROUNDS: usize = 16;

/// Every finding for `connection_ids` in one classic build or release definition, in the order
/// the designer shows them. A definition of neither shape has none.
pub fn analyze_classic(definition_json: &Value, connection_ids: &[Guid]) -> Vec<Finding> {
    let ids: Vec<String> = connection_ids.iter().map(Guid::to_string).collect();
    let connections: Vec<&str> = ids.iter().map(String::as_str).collect();
    let definition_variables = variables(&definition_json["variables"]);
    let mut findings = Vec::new();

    for (phase_index, phase) in array(&definition_json["process"]["phases"]).iter().enumerate() {
        let job_location = format!("Build > {}", phase_name(phase, phase_index));
        let scopes = [&definition_variables];
        let steps = array(&phase["steps"])
            .iter()
            .enumerate()
            .map(|(index, step)| {
                let location = format!("{job_location} > Task {}", index + 1);
                let task = ClassicTask { id: &step["task"]["id"], version: &step["task"]["versionSpec"], step };
                let outcome = task.outcome(&location, &connections, &scopes);
                (location, outcome)
            })
            .collect();
        let timeout =
            minutes(&phase["jobTimeoutInMinutes"]).or_else(|| minutes(&definition_json["jobTimeoutInMinutes"]));
        findings.extend(job_findings(&job_location, steps, timeout));
    }

    for environment in array(&definition_json["environments"]) {
        let environment_variables = variables(&environment["variables"]);
        let stage = environment["name"].as_str().unwrap_or("(unnamed)");
        for (phase_index, phase) in array(&environment["deployPhases"]).iter().enumerate() {
            let job_location = format!("Release > Stage {stage} > {}", phase_name(phase, phase_index));
            let scopes = [&environment_variables, &definition_variables];
            let steps = array(&phase["workflowTasks"])
                .iter()
                .enumerate()
                .map(|(index, step)| {
                    let location = format!("{job_location} > Task {}", index + 1);
                    let task = ClassicTask { id: &step["taskId"], version: &step["version"], step };
                    let outcome = task.outcome(&location, &connections, &scopes);
                    (location, outcome)
                })
                .collect();
            findings.extend(job_findings(&job_location, steps, minutes(&phase["deploymentInput"]["timeoutInMinutes"])));
        }
    }
    findings
}

/// A build step or release workflow task: the id and version spec sit in different places.
#[derive(Debug)]
struct ClassicTask<'v> {
    id: &'v Value,
    version: &'v Value,
    step: &'v Value,
}

impl ClassicTask<'_> {
    fn outcome<'c>(
        &self,
        location: &str,
        connections: &[&'c str],
        scopes: &[&HashMap<String, String>],
    ) -> StepOutcome<'c> {
        if self.step["enabled"] == Value::Bool(false) {
            return StepOutcome::default();
        }
        let inputs = &self.step["inputs"];
        let reads_secret = object(inputs).values().filter_map(Value::as_str).any(reads_service_principal_secret);
        let id = self.id.as_str().and_then(|id| Guid::parse_input("taskId", id).ok());
        let version = self.version.as_str().and_then(major_version);
        let known = id.and_then(|id| task_table().by_id(id, version));
        let unknown_name = self.step["name"].as_str().or(self.id.as_str()).unwrap_or("(task without id)");
        let connection_inputs = object(inputs)
            .iter()
            .filter_map(|(key, value)| {
                let value = resolve(value.as_str()?, scopes)?;
                let named = Guid::parse_input("input", &value).ok()?.to_string();
                let connection = connections.iter().copied().find(|connection| *connection == named)?;
                Some((key.clone(), connection))
            })
            .collect();
        let text = |key: &str| inputs[key].as_str().unwrap_or_default().trim().to_owned();
        task_step_outcome(TaskStep {
            location,
            task: known.map_or(unknown_name, |known| known.name.as_str()),
            known,
            version,
            connection_inputs,
            add_spn_to_environment: text("addSpnToEnvironment").eq_ignore_ascii_case("true"),
            // The designer sets scriptLocation for every AzureCLI task; the script runs inline only then.
            inline_script_is_visible: text("scriptLocation").eq_ignore_ascii_case("inlineScript")
                && !text("inlineScript").is_empty(),
            reads_secret,
        })
    }
}

fn phase_name(phase: &Value, index: usize) -> String {
    phase["name"].as_str().map_or_else(|| format!("Job {}", index + 1), str::to_owned)
}

/// `"2.*"`, `"2.1.0"` or `"2"` as 2; `"*"` as none.
fn major_version(spec: &str) -> Option<u32> {
    spec.trim().split('.').next()?.parse().ok()
}

fn minutes(value: &Value) -> Option<u32> {
    match value {
        Value::Number(number) => number.as_u64().and_then(|m| u32::try_from(m).ok()),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// Definition and stage variables: `{ "name": { "value": "..." } }`; secret ones have no value.
fn variables(node: &Value) -> HashMap<String, String> {
    object(node)
        .iter()
        .filter_map(|(name, variable)| Some((name.to_lowercase(), variable["value"].as_str()?.to_owned())))
        .collect()
}

/// The value with each `$(name)` replaced from the innermost scope that has it (names ignore
/// case); none when a name is not defined in the definition.
fn resolve(text: &str, scopes: &[&HashMap<String, String>]) -> Option<String> {
    let mut current = text.to_owned();
    for _ in 0..MAX_SUBSTITUTION_ROUNDS {
        let Some(start) = current.find("$(") else { return Some(current) };
        let length = current[start + 2..].find(')')?;
        let name = current[start + 2..start + 2 + length].trim().to_lowercase();
        let value = scopes.iter().find_map(|scope| scope.get(&name))?;
        current = format!("{}{}{}", &current[..start], value, &current[start + 3 + length..]);
    }
    None
}

fn array(value: &Value) -> &[Value] {
    value.as_array().map(Vec::as_slice).unwrap_or_default()
}

fn object(value: &Value) -> &serde_json::Map<String, Value> {
    static EMPTY: std::sync::LazyLock<serde_json::Map<String, Value>> = std::sync::LazyLock::new(serde_json::Map::new);
    value.as_object().unwrap_or(&EMPTY)
}
