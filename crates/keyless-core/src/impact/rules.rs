//! The rules both pipeline formats share: what a task step that uses a connection breaks, and
//! what a job breaks as a whole (secrets handed between steps, jobs outliving the sign-in).

use super::task_table::Verdict;
use super::{APP_REGISTRATION_TOKEN_LIFETIME_MINUTES, Finding, FindingKind, TaskSupport};

/// A task step as both formats describe it, with the connections its inputs name.
#[derive(Debug)]
pub(crate) struct TaskStep<'a, 'c> {
    pub location: &'a str,
    /// The task's name, or for a task the table lacks, how the pipeline names it.
    pub task: &'a str,
    pub known: Option<&'static TaskSupport>,
    pub version: Option<u32>,
    /// Each connection the step uses and the input that names it, first naming only.
    pub connection_inputs: Vec<(String, &'c str)>,
    pub add_spn_to_environment: bool,
    pub inline_script_is_visible: bool,
    pub reads_secret: bool,
}

/// What one step does with the connections being checked.
#[derive(Debug, Default)]
pub(crate) struct StepOutcome<'c> {
    pub findings: Vec<Finding>,
    pub uses: Vec<&'c str>,
    /// Connections whose credentials the step puts in its script's environment.
    pub exposes_credentials_of: Vec<&'c str>,
    pub reads_secret: bool,
}

impl<'c> StepOutcome<'c> {
    /// A step that runs no task of interest but may still read a secret an earlier step exported.
    pub fn other_step(reads_secret: bool) -> Self {
        StepOutcome { reads_secret, ..StepOutcome::default() }
    }
}

pub(crate) fn task_step_outcome<'c>(step: TaskStep<'_, 'c>) -> StepOutcome<'c> {
    let mut outcome = StepOutcome::other_step(step.reads_secret);
    for (input, connection) in &step.connection_inputs {
        if outcome.uses.contains(connection) {
            continue;
        }
        outcome.uses.push(connection);
        let task_use = TaskUse {
            connection,
            location: step.location,
            task: step.task,
            known: step.known,
            version: step.version,
            input,
        };
        outcome.findings.extend(task_finding(&task_use));
        if step.add_spn_to_environment {
            outcome.exposes_credentials_of.push(connection);
            outcome.findings.push(add_spn_finding(
                connection,
                step.location,
                step.task,
                step.version,
                step.inline_script_is_visible,
            ));
        }
        if step.reads_secret {
            outcome.findings.push(secret_read_finding(connection, step.location, Some(step.task), step.version));
        }
    }
    outcome
}

/// The findings of one job, in step order: each step's own, a later step reading a secret that
/// an earlier step exported, then the job's timeout for every connection it uses.
pub(crate) fn job_findings(
    job_location: &str,
    steps: Vec<(String, StepOutcome<'_>)>,
    timeout_minutes: Option<u32>,
) -> Vec<Finding> {
    let mut job_uses: Vec<&str> = Vec::new();
    let mut exposed: Vec<&str> = Vec::new();
    for (_, outcome) in &steps {
        push_unique(&mut job_uses, &outcome.uses);
        push_unique(&mut exposed, &outcome.exposes_credentials_of);
    }
    let mut findings = Vec::new();
    for (location, outcome) in steps {
        findings.extend(outcome.findings);
        // A step that does not use the connection sees its secret only if an earlier one exported it.
        if outcome.uses.is_empty() && outcome.reads_secret {
            findings.extend(exposed.iter().map(|connection| secret_read_finding(connection, &location, None, None)));
        }
    }
    if let Some(minutes) = timeout_minutes {
        findings.extend(job_uses.iter().filter_map(|connection| long_job_finding(connection, job_location, minutes)));
    }
    findings
}

pub(crate) fn push_unique<'c>(into: &mut Vec<&'c str>, names: &[&'c str]) {
    for name in names {
        if !into.contains(name) {
            into.push(name);
        }
    }
}

/// One connection as one task step uses it.
#[derive(Debug)]
struct TaskUse<'a> {
    connection: &'a str,
    location: &'a str,
    task: &'a str,
    known: Option<&'static TaskSupport>,
    version: Option<u32>,
    /// The input that names the connection.
    input: &'a str,
}

/// The finding, if any, for the task itself (its name and version) once the connection moves.
fn task_finding(step: &TaskUse<'_>) -> Option<Finding> {
    let finding = |kind, advice: String, blocking| Finding {
        connection: step.connection.to_owned(),
        location: step.location.to_owned(),
        task: Some(step.task.to_owned()),
        version: step.version,
        kind,
        advice,
        blocking,
    };
    let task = step.task;
    let Some(known) = step.known else {
        return Some(finding(
            FindingKind::TaskSupportUnknown,
            format!(
                "{task} is not in Microsoft's list of built-in tasks that support workload identity federation; \
                 ask its publisher, or test the pipeline right after converting (the conversion can be reverted for 7 days)"
            ),
            false,
        ));
    };
    let name = &known.name;
    let Some(version) = step.version else {
        let pin =
            known.minimum_supported_version().map(|v| format!("; pin it as {name}@{v} or later")).unwrap_or_default();
        return Some(finding(
            FindingKind::TaskSupportUnknown,
            format!("the step does not say which major version of {name} it runs{pin}"),
            false,
        ));
    };
    match known.verdict(version, step.input) {
        Verdict::Supported(_) => None,
        Verdict::NeedsVersion(minimum) => Some(finding(
            FindingKind::TaskNeedsNewerVersion { minimum },
            format!(
                "{name}@{version} cannot sign in with workload identity federation; change the step to {name}@{minimum} \
                 before converting (check its inputs: a new major version may rename some)"
            ),
            true,
        )),
        Verdict::NotThroughInput(row) => Some(finding(
            FindingKind::TaskWithoutWifSupport,
            format!(
                "{name}@{version} supports workload identity federation only through {}; the connection is given \
                 through {}, so keep this connection on its secret or change the step",
                row.only_through_inputs.first().map(String::as_str).unwrap_or("another input"),
                step.input
            ),
            true,
        )),
        Verdict::NotSupported => Some(finding(
            FindingKind::TaskWithoutWifSupport,
            format!(
                "{name} does not support workload identity federation in any version; replace the step (e.g. with an \
                 AzureCLI@2 or AzurePowerShell@5 script doing the same) or keep a separate secret-based connection for it"
            ),
            true,
        )),
    }
}

/// Whether the text reads the connection's secret, in any of the forms scripts use
/// (`$servicePrincipalKey`, `$env:servicePrincipalKey`, `%servicePrincipalKey%`, `$(servicePrincipalKey)`).
pub(crate) fn reads_service_principal_secret(text: &str) -> bool {
    // Pipeline variables and Windows environment variables ignore case, so the check does too.
    text.to_ascii_lowercase().contains("serviceprincipalkey")
}

pub(crate) fn secret_read_finding(
    connection: &str,
    location: &str,
    task: Option<&str>,
    version: Option<u32>,
) -> Finding {
    Finding {
        connection: connection.to_owned(),
        location: location.to_owned(),
        task: task.map(str::to_owned),
        version,
        kind: FindingKind::ReadsServicePrincipalSecret,
        advice: "the script reads servicePrincipalKey, which is empty once the connection has no secret; sign in \
                 with the federated token instead (az login --service-principal -u $servicePrincipalId --tenant \
                 $tenantId --federated-token $idToken, or ARM_OIDC_TOKEN=$idToken and ARM_USE_OIDC=true for Terraform)"
            .to_owned(),
        blocking: true,
    }
}

/// The finding for `addSpnToEnvironment: true`. It only breaks the step when its script needs
/// the secret; a script kept in a file cannot be checked here, so that case blocks until someone
/// has read it.
fn add_spn_finding(
    connection: &str,
    location: &str,
    task: &str,
    version: Option<u32>,
    script_is_visible: bool,
) -> Finding {
    let advice = if script_is_visible {
        "the script gets servicePrincipalId, tenantId and idToken but no servicePrincipalKey after the conversion"
    } else {
        "the script is in a file this check cannot read: make sure it uses idToken (with servicePrincipalId and \
         tenantId) and never servicePrincipalKey, which is empty after the conversion"
    };
    Finding {
        connection: connection.to_owned(),
        location: location.to_owned(),
        task: Some(task.to_owned()),
        version,
        kind: FindingKind::AddSpnToEnvironment,
        advice: advice.to_owned(),
        blocking: !script_is_visible,
    }
}

/// The finding for a job that uses the connection and may outlive its federated sign-in;
/// `minutes` is the job's timeout, 0 meaning none.
fn long_job_finding(connection: &str, location: &str, minutes: u32) -> Option<Finding> {
    if minutes != 0 && minutes <= APP_REGISTRATION_TOKEN_LIFETIME_MINUTES {
        return None;
    }
    let limit = if minutes == 0 { "no time limit".to_owned() } else { format!("a {minutes}-minute limit") };
    Some(Finding {
        connection: connection.to_owned(),
        location: location.to_owned(),
        task: None,
        version: None,
        kind: FindingKind::JobLongerThanTokenLifetime { minutes },
        advice: format!(
            "the job has {limit}, but an app registration's federated sign-in lasts about \
             {APP_REGISTRATION_TOKEN_LIFETIME_MINUTES} minutes (AADSTS700024 after that); back the connection with a \
             managed identity (tokens last about 24 hours) or request tokens at the start of each script"
        ),
        blocking: false,
    })
}

/// Connection names compare without case, like Azure DevOps resolves them.
pub(crate) fn matching_connection<'c>(value: &str, connections: &[&'c str]) -> Option<&'c str> {
    let value = value.trim().to_lowercase();
    connections.iter().copied().find(|name| !name.trim().is_empty() && name.trim().to_lowercase() == value)
}
