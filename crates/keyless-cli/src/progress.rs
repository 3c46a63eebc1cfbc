//! Renders engine progress: a line per finished step with counts for people (stderr), or
//! JSON lines for scripts (stdout).

use std::{
    collections::HashMap,
    io::Write,
    sync::{
        Mutex,
        atomic::{AtomicUsize, Ordering},
    },
};

use keyless_azure::WaitReason;
use keyless_engine::progress::{ProgressEvent, Reporter, StepOutcome};

use crate::output::Printer;

#[derive(Debug)]
pub struct CliReporter {
    printer: Printer,
    total: AtomicUsize,
    done: AtomicUsize,
    /// Requests made so far, per step.
    requests: Mutex<HashMap<String, usize>>,
}

impl CliReporter {
    pub fn new(printer: &Printer) -> Self {
        CliReporter {
            printer: printer.clone(),
            total: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
            requests: Mutex::new(HashMap::new()),
        }
    }
}

fn outcome_word(outcome: StepOutcome) -> &'static str {
    match outcome {
        StepOutcome::Created => "+ created ",
        StepOutcome::Updated => "~ updated ",
        StepOutcome::Reused => "= reused  ",
        StepOutcome::Verified => "✓ verified",
        StepOutcome::HandedOff => "→ handed off",
        StepOutcome::AlreadyDone => "= done before",
    }
}

/// What Keyless is waiting for, in words.
fn wait_sentence(wait: WaitReason) -> &'static str {
    match wait {
        WaitReason::ServicePrincipalInEntra => {
            "Waiting for Entra ID to replicate the new identity (usually under a minute)"
        }
        WaitReason::ServicePrincipalInDevOps => {
            "Waiting for Azure DevOps to see the new service principal (usually one to two minutes)"
        }
        WaitReason::ServicePrincipalInArm => {
            "Waiting for Azure Resource Manager to see the new service principal (usually under a minute)"
        }
        WaitReason::FederatedCredential => {
            "Waiting for Entra ID to put the federated credential change into effect (usually one to five minutes)"
        }
        WaitReason::RoleAssignment => "Waiting for the new role assignment to take effect (usually a few minutes)",
        WaitReason::NewApplication => "Waiting for Entra ID to know the new app registration (usually under a minute)",
        WaitReason::Membership => {
            "Waiting for Azure DevOps to put the new membership into effect (usually a few minutes)"
        }
    }
}

impl Reporter for CliReporter {
    fn report(&self, event: ProgressEvent) {
        if self.printer.is_json() {
            self.printer.json_line(&event);
            return;
        }
        let mut err = std::io::stderr().lock();
        let _ = match &event {
            ProgressEvent::RunStarted { run_id, total_steps, resumed } => {
                self.total.store(*total_steps, Ordering::SeqCst);
                let verb = if *resumed { "Resuming" } else { "Starting" };
                writeln!(err, "{verb} run {run_id}: {total_steps} steps")
            }
            ProgressEvent::StepStarted { .. } => Ok(()),
            ProgressEvent::Request { step_id, .. } => {
                if let Ok(mut counts) = self.requests.lock() {
                    *counts.entry(step_id.clone()).or_default() += 1;
                }
                Ok(())
            }
            ProgressEvent::StepWaiting { wait, code, attempt, wait_ms, .. } => {
                let code = code.as_deref().map(|c| format!(", {c}")).unwrap_or_default();
                writeln!(
                    err,
                    "          … {} (attempt {attempt}{code}, next try in {:.1} s)",
                    wait_sentence(*wait),
                    *wait_ms as f64 / 1000.0
                )
            }
            ProgressEvent::StepFinished { outcome, detail, elapsed_ms, step_id } => {
                let n = self.done.fetch_add(1, Ordering::SeqCst) + 1;
                let total = self.total.load(Ordering::SeqCst);
                writeln!(
                    err,
                    "[{n:>2}/{total}] {} {step_id}: {detail} ({:.1} s)",
                    outcome_word(*outcome),
                    *elapsed_ms as f64 / 1000.0
                )
            }
            ProgressEvent::StepFailed { step_id, message, remedy, .. } => {
                let help = crate::failure::remedy_text(remedy);
                writeln!(err, "        ✗ failed   {step_id}: {message}\n          help: {help}")
            }
            ProgressEvent::RunFinished { succeeded, done, remaining, .. } => {
                let word = if *succeeded { "Finished" } else { "Stopped" };
                writeln!(err, "{word}: {done} steps done, {remaining} remaining")
            }
        };
    }
}
