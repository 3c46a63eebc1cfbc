//! The impact check over YAML pipelines: stages, jobs, deployment strategies and steps that use
//! the connections, with variables and template parameters resolved where their values are written.

use std::collections::HashMap;

use yaml_rust2::Yaml;

use super::rules::{
    StepOutcome, TaskStep, job_findings, matching_connection, push_unique, reads_service_principal_secret,
    task_step_outcome,
};
use super::yaml_tree::first_document;
use super::{Finding, FindingKind, ImpactError, task_table};
use crate::Guid;

/// Nesting below which strings are still searched; deeper input is not a pipeline anyone writes.
const MAX_SEARCH_DEPTH: usize = 32;
/// How many times a variable's value may itself refer to another variable.
const MAX_SUBSTITUTION_ROUNDS: usize = 16;

/// The hooks of a deployment job's strategies (`runOnce`, `rolling`, `canary`), in the order they run.
const DEPLOYMENT_HOOKS: [&str; 4] = ["preDeploy", "deploy", "routeTraffic", "postRouteTraffic"];
const DEPLOYMENT_STRATEGIES: [&str; 3] = ["runOnce", "rolling", "canary"];
const DEPLOYMENT_OUTCOMES: [&str; 2] = ["failure", "success"];
/// What `extends.parameters` may carry inline, walked like this file's own.
const INLINE_PIPELINE_KEYS: [&str; 4] = ["stages", "jobs", "steps", "variables"];

/// Every finding for `connection_names` in one pipeline (or template) file, in file order.
/// Empty text or a file of comments has none; text that is not YAML is an error, never a panic.
pub fn analyze_yaml(text: &str, connection_names: &[&str]) -> Result<Vec<Finding>, ImpactError> {
    let Some(root) = first_document(text)? else { return Ok(Vec::new()) };
    match &root {
        Yaml::Hash(_) => {}
        Yaml::Null => return Ok(Vec::new()),
        other => return Err(ImpactError::NotAPipeline { found: kind_of(other) }),
    }
    let mut walker = Walker {
        connections: connection_names,
        parameters: parameter_defaults(get(&root, "parameters")),
        ..Walker::default()
    };
    walker.pipeline(&root, "");
    Ok(walker.findings)
}

fn kind_of(node: &Yaml) -> &'static str {
    match node {
        Yaml::Array(_) => "a list",
        Yaml::Hash(_) => "a mapping",
        Yaml::Alias(_) => "an alias",
        Yaml::Null | Yaml::BadValue => "empty",
        _ => "a single value",
    }
}

#[derive(Debug, Default)]
struct Walker<'c> {
    connections: &'c [&'c str],
    parameters: HashMap<String, String>,
    /// Variables of the pipeline, then the current stage, then the current job.
    variable_scopes: Vec<HashMap<String, String>>,
    findings: Vec<Finding>,
}

impl<'c> Walker<'c> {
    /// A pipeline file's top level, or `extends.parameters` (which carries stages, jobs or steps inline).
    fn pipeline(&mut self, node: &Yaml, prefix: &str) {
        self.variable_scopes.push(variables(get(node, "variables")));
        for (location, stage) in items(get(node, "stages"), &format!("{prefix}stages")) {
            self.stage(&location, stage);
        }
        for (location, job) in items(get(node, "jobs"), &format!("{prefix}jobs")) {
            self.job(&location, job);
        }
        if !get(node, "steps").is_badvalue() {
            let job_location =
                if prefix.is_empty() { "pipeline".to_owned() } else { prefix.trim_end_matches('.').to_owned() };
            self.steps_of_job(&job_location, prefix, node);
        }
        let extends = get(node, "extends");
        if !extends.is_badvalue() {
            let passed = self.template_findings(&format!("{prefix}extends"), extends, &INLINE_PIPELINE_KEYS);
            self.findings.extend(passed.unwrap_or_default());
            let parameters = get(extends, "parameters");
            if parameters.is_hash() {
                self.pipeline(parameters, &format!("{prefix}extends.parameters."));
            }
        }
        self.variable_scopes.pop();
    }

    fn stage(&mut self, location: &str, stage: &Yaml) {
        if let Some(passed) = self.template_findings(location, stage, &[]) {
            self.findings.extend(passed);
            return;
        }
        self.variable_scopes.push(variables(get(stage, "variables")));
        for (job_location, job) in items(get(stage, "jobs"), &format!("{location}.jobs")) {
            self.job(&job_location, job);
        }
        self.variable_scopes.pop();
    }

    fn job(&mut self, location: &str, job: &Yaml) {
        if let Some(passed) = self.template_findings(location, job, &[]) {
            self.findings.extend(passed);
            return;
        }
        self.variable_scopes.push(variables(get(job, "variables")));
        self.steps_of_job(location, &format!("{location}."), job);
        self.variable_scopes.pop();
    }

    /// The steps of a job (or of a job-less pipeline), including a deployment job's strategy hooks.
    fn steps_of_job(&mut self, job_location: &str, prefix: &str, job: &Yaml) {
        let mut steps = items(get(job, "steps"), &format!("{prefix}steps"));
        let strategy = get(job, "strategy");
        for name in DEPLOYMENT_STRATEGIES {
            let strategy_node = get(strategy, name);
            for hook in DEPLOYMENT_HOOKS {
                let path = format!("{prefix}strategy.{name}.{hook}.steps");
                steps.extend(items(get(get(strategy_node, hook), "steps"), &path));
            }
            for outcome in DEPLOYMENT_OUTCOMES {
                let path = format!("{prefix}strategy.{name}.on.{outcome}.steps");
                steps.extend(items(get(get(get(strategy_node, "on"), outcome), "steps"), &path));
            }
        }

        let outcomes: Vec<(String, StepOutcome<'c>)> =
            steps.into_iter().map(|(location, step)| (location.clone(), self.step(&location, step))).collect();
        let timeout = self.minutes(get(job, "timeoutInMinutes"));
        self.findings.extend(job_findings(job_location, outcomes, timeout));
    }

    fn step(&mut self, location: &str, step: &Yaml) -> StepOutcome<'c> {
        if is_false(get(step, "enabled")) {
            return StepOutcome::default();
        }
        if let Some(passed) = self.template_findings(location, step, &[]) {
            return StepOutcome { findings: passed, ..StepOutcome::default() };
        }
        let reads_secret = any_string(step, 0, &reads_service_principal_secret);
        let Some(task_text) = get(step, "task").as_str() else { return StepOutcome::other_step(reads_secret) };
        let (task_name, version) = split_task_reference(task_text);
        let known = match Guid::parse_input("task", task_name) {
            Ok(id) => task_table().by_id(id, version),
            Err(_) => task_table().by_name(task_name),
        };
        let inputs = get(step, "inputs");
        task_step_outcome(TaskStep {
            location,
            task: known.map_or(task_name, |known| known.name.as_str()),
            known,
            version,
            connection_inputs: self.connections_named_by(inputs),
            add_spn_to_environment: is_true(get(inputs, "addSpnToEnvironment")),
            inline_script_is_visible: inline_script_is_visible(inputs),
            reads_secret,
        })
    }

    /// For a `template:` reference (stage, job, step or `extends`), a finding for each connection
    /// its parameters name, leaving out the parameters this file's walk reads itself
    /// (`inline_keys`); none when the node is not a template reference.
    fn template_findings(&self, location: &str, node: &Yaml, inline_keys: &[&str]) -> Option<Vec<Finding>> {
        let template = get(node, "template").as_str()?;
        let mut named: Vec<&'c str> = Vec::new();
        let mut values = Vec::new();
        if let Yaml::Hash(parameters) = get(node, "parameters") {
            for (key, value) in parameters {
                let inline = key.as_str().is_some_and(|key| inline_keys.iter().any(|k| k.eq_ignore_ascii_case(key)));
                if !inline {
                    collect_scalars(value, 0, &mut values);
                }
            }
        }
        for value in values {
            if let Some(connection) = self.resolve(&value).and_then(|v| matching_connection(&v, self.connections)) {
                push_unique(&mut named, &[connection]);
            }
        }
        let findings = named.into_iter().map(|connection| Finding {
            connection: connection.to_owned(),
            location: location.to_owned(),
            task: None,
            version: None,
            kind: FindingKind::PassedToTemplate { template: template.to_owned() },
            advice: format!(
                "the connection is passed to the template {template}; check that file too, with the same connection"
            ),
            blocking: false,
        });
        Some(findings.collect())
    }

    /// Inputs whose value (after substitution) names one of the connections, in input order.
    fn connections_named_by(&self, inputs: &Yaml) -> Vec<(String, &'c str)> {
        let Yaml::Hash(inputs) = inputs else { return Vec::new() };
        inputs
            .iter()
            .filter_map(|(key, value)| {
                let key = key.as_str()?;
                let value = self.resolve(&scalar_text(value)?)?;
                Some((key.to_owned(), matching_connection(&value, self.connections)?))
            })
            .collect()
    }

    fn minutes(&self, node: &Yaml) -> Option<u32> {
        match node {
            Yaml::Integer(minutes) => u32::try_from(*minutes).ok(),
            other => self.resolve(&scalar_text(other)?)?.trim().parse().ok(),
        }
    }

    /// The value with `$(var)`, `${{ variables.var }}`, `$[variables.var]` and
    /// `${{ parameters.name }}` replaced; none when one of them is not written in this file.
    fn resolve(&self, text: &str) -> Option<String> {
        let mut current = text.to_owned();
        for _ in 0..MAX_SUBSTITUTION_ROUNDS {
            let Some((start, end, reference)) = first_expression(&current) else { return Some(current) };
            let value = self.lookup(reference?)?;
            current = format!("{}{}{}", &current[..start], value, &current[end..]);
        }
        None
    }

    fn lookup(&self, reference: Reference<'_>) -> Option<&str> {
        match reference {
            Reference::Variable(name) => {
                self.variable_scopes.iter().rev().find_map(|scope| scope.get(name)).map(String::as_str)
            }
            Reference::Parameter(name) => self.parameters.get(name).map(String::as_str),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reference<'t> {
    Variable(&'t str),
    Parameter(&'t str),
}

/// The first `$(...)`, `${{ ... }}` or `$[ ... ]` in `text`: its byte range and what it refers
/// to, none when it is not a plain variable or parameter reference (a function, a predefined
/// variable's expression...). A `$` that opens nothing (e.g. in a script) is text.
fn first_expression(text: &str) -> Option<(usize, usize, Option<Reference<'_>>)> {
    for (start, _) in text.match_indices('$') {
        let rest = &text[start..];
        let Some((open, close)) =
            [("${{", "}}"), ("$[", "]"), ("$(", ")")].into_iter().find(|(open, _)| rest.starts_with(open))
        else {
            continue;
        };
        let Some(inner_len) = closing_offset(&rest[open.len()..], close) else { continue };
        let inner = rest[open.len()..open.len() + inner_len].trim();
        let end = start + open.len() + inner_len + close.len();
        let reference = if open == "$(" { Some(Reference::Variable(inner)) } else { expression_reference(inner) };
        return Some((start, end, reference));
    }
    None
}

/// Where `close` ends the expression body `body`; a runtime expression's `]` may follow indexers
/// such as `variables['name']`, so brackets nest.
fn closing_offset(body: &str, close: &str) -> Option<usize> {
    if close != "]" {
        return body.find(close);
    }
    let mut depth = 0usize;
    for (offset, character) in body.char_indices() {
        match character {
            '[' => depth += 1,
            ']' if depth == 0 => return Some(offset),
            ']' => depth -= 1,
            _ => {}
        }
    }
    None
}

fn expression_reference(expression: &str) -> Option<Reference<'_>> {
    let named = |prefix: &str| -> Option<&str> {
        let rest = expression.strip_prefix(prefix)?;
        if let Some(name) = rest.strip_prefix('.') {
            return name.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '.' || c == '-').then_some(name);
        }
        let quoted = rest.strip_prefix('[')?.strip_suffix(']')?.trim();
        quoted
            .strip_prefix('\'')
            .and_then(|q| q.strip_suffix('\''))
            .or_else(|| quoted.strip_prefix('"')?.strip_suffix('"'))
    };
    named("variables").map(Reference::Variable).or_else(|| named("parameters").map(Reference::Parameter))
}

/// `AzureCLI@2` as ("AzureCLI", Some(2)); `AzureCLI` as ("AzureCLI", None).
fn split_task_reference(text: &str) -> (&str, Option<u32>) {
    let text = text.trim();
    match text.split_once('@') {
        Some((name, version)) => (name.trim(), version.trim().split('.').next().and_then(|major| major.parse().ok())),
        None => (text, None),
    }
}

/// The items of a list with their locations; `${{ if }}` / `${{ each }}` blocks inside the list
/// are flattened, their items located as `steps[2][0]`.
fn items<'y>(list: &'y Yaml, path: &str) -> Vec<(String, &'y Yaml)> {
    let mut found = Vec::new();
    collect_items(list, path, 0, &mut found);
    found
}

fn collect_items<'y>(list: &'y Yaml, path: &str, depth: usize, found: &mut Vec<(String, &'y Yaml)>) {
    let Yaml::Array(entries) = list else { return };
    for (index, entry) in entries.iter().enumerate() {
        let location = format!("{path}[{index}]");
        match conditional_block(entry) {
            Some(inner) if depth < MAX_SEARCH_DEPTH => collect_items(inner, &location, depth + 1, found),
            Some(_) => {}
            None => found.push((location, entry)),
        }
    }
}

/// The list inside a `- ${{ if ... }}:` entry.
fn conditional_block(entry: &Yaml) -> Option<&Yaml> {
    let Yaml::Hash(hash) = entry else { return None };
    let mut pairs = hash.iter();
    let (key, value) = pairs.next()?;
    let is_expression = key.as_str().is_some_and(|key| key.trim_start().starts_with("${{"));
    (pairs.next().is_none() && is_expression && value.is_array()).then_some(value)
}

/// `variables:` as a mapping (`name: value`) or a list (`- name: x` / `value: y`); groups and
/// templates hold values this file does not show, so they add nothing.
fn variables(node: &Yaml) -> HashMap<String, String> {
    let mut found = HashMap::new();
    match node {
        Yaml::Hash(hash) => {
            for (key, value) in hash {
                if let (Some(key), Some(value)) = (key.as_str(), scalar_text(value)) {
                    found.insert(key.to_owned(), value);
                }
            }
        }
        Yaml::Array(entries) => {
            for entry in entries {
                if let (Some(name), Some(value)) = (get(entry, "name").as_str(), scalar_text(get(entry, "value"))) {
                    found.insert(name.to_owned(), value);
                }
            }
        }
        _ => {}
    }
    found
}

/// Parameter defaults: `- name: x` / `default: y` entries, or the older `name: default` mapping.
fn parameter_defaults(node: &Yaml) -> HashMap<String, String> {
    let mut found = HashMap::new();
    match node {
        Yaml::Array(entries) => {
            for entry in entries {
                if let (Some(name), Some(value)) = (get(entry, "name").as_str(), scalar_text(get(entry, "default"))) {
                    found.insert(name.to_owned(), value);
                }
            }
        }
        Yaml::Hash(_) => found = variables(node),
        _ => {}
    }
    found
}

/// The value at `key` of a mapping; keys compare without case as Azure Pipelines does, an exact
/// match first. `BadValue` when missing.
fn get<'y>(node: &'y Yaml, key: &str) -> &'y Yaml {
    static MISSING: Yaml = Yaml::BadValue;
    let Yaml::Hash(hash) = node else { return &MISSING };
    let exact = &node[key];
    if !exact.is_badvalue() {
        return exact;
    }
    hash.iter().find(|(k, _)| k.as_str().is_some_and(|k| k.eq_ignore_ascii_case(key))).map_or(&MISSING, |(_, v)| v)
}

fn scalar_text(node: &Yaml) -> Option<String> {
    match node {
        Yaml::String(text) | Yaml::Real(text) => Some(text.clone()),
        Yaml::Integer(number) => Some(number.to_string()),
        Yaml::Boolean(flag) => Some(flag.to_string()),
        _ => None,
    }
}

fn is_true(node: &Yaml) -> bool {
    scalar_text(node).is_some_and(|text| text.trim().eq_ignore_ascii_case("true"))
}

fn is_false(node: &Yaml) -> bool {
    scalar_text(node).is_some_and(|text| text.trim().eq_ignore_ascii_case("false"))
}

/// AzureCLI runs `inlineScript` only when `scriptLocation` is `inlineScript`; its default is a file.
fn inline_script_is_visible(inputs: &Yaml) -> bool {
    let location = scalar_text(get(inputs, "scriptLocation")).unwrap_or_default();
    let has_inline = scalar_text(get(inputs, "inlineScript")).is_some_and(|script| !script.trim().is_empty());
    has_inline && location.trim().eq_ignore_ascii_case("inlineScript")
}

fn any_string(node: &Yaml, depth: usize, predicate: &dyn Fn(&str) -> bool) -> bool {
    if depth > MAX_SEARCH_DEPTH {
        return false;
    }
    match node {
        Yaml::String(text) => predicate(text),
        Yaml::Array(entries) => entries.iter().any(|entry| any_string(entry, depth + 1, predicate)),
        Yaml::Hash(hash) => hash.values().any(|value| any_string(value, depth + 1, predicate)),
        _ => false,
    }
}

fn collect_scalars(node: &Yaml, depth: usize, found: &mut Vec<String>) {
    if depth > MAX_SEARCH_DEPTH {
        return;
    }
    match node {
        Yaml::Array(entries) => entries.iter().for_each(|entry| collect_scalars(entry, depth + 1, found)),
        Yaml::Hash(hash) => hash.values().for_each(|value| collect_scalars(value, depth + 1, found)),
        other => found.extend(scalar_text(other)),
    }
}
