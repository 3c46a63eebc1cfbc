//! `plan`, `apply`, `rollback` and `finish`: the CLI's face of `keyless_usecases::runs`. This
//! file reads the setup file, asks for confirmation, and prints; the use cases do the rest.

use std::{io::IsTerminal, path::Path};

use keyless_core::{
    plan::Plan,
    setup::{Setup, parse_setup_toml},
};
use keyless_engine::{
    FailureCode,
    journal::{CreatedResource, JournalStore, RunJournal, RunStatus},
    report::RunReport,
    rollback::describe,
};
use keyless_usecases::{Confirm, Connected, RunOutcome, RunSettings, runs};

use crate::{
    CommandResult,
    args::{AzureArgs, StateDirArgs},
    commands::{journal::store, session},
    failure::{Exit, Failure},
    output::Printer,
    progress::CliReporter,
};

pub fn read_setup(path: &Path) -> Result<Setup, Failure> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Failure::bad_input(
            format!("cannot read the setup file {}: {e}", path.display()),
            "check the path given to -f; examples/ has complete setups",
        )
    })?;
    Ok(parse_setup_toml(&path.display().to_string(), &text)?)
}

pub async fn plan(azure: AzureArgs, file: &Path, printer: &Printer) -> CommandResult {
    let setup = read_setup(file)?;
    let connected = session::connect(&azure, printer).await?;
    let planned = runs::plan(&connected, &setup).await.map_err(Failure::from)?;
    // Each step's needs shown as had or lacking, from read-only permission checks.
    let checklist = keyless_usecases::preflight::check_planned(&connected, &planned).await;
    let plan = planned.plan;
    printer.result(&plan, || {
        let mut text = keyless_core::preflight::render_with_checklist(&plan, &checklist);
        if plan.is_no_op() {
            text.push_str("\nNothing to change: everything in the setup exists. `keyless apply` would only verify.\n");
        }
        text
    });
    Ok(0)
}

/// Asks on the terminal, or takes `--yes`; prints what will change first.
struct AskOnTerminal<'a> {
    yes: bool,
    printer: &'a Printer,
}

impl AskOnTerminal<'_> {
    fn ask(&self, question: &str) -> bool {
        if self.yes {
            return true;
        }
        if self.printer.is_json() || !std::io::stdin().is_terminal() {
            return false;
        }
        eprint!("{question} [y/N] ");
        let mut answer = String::new();
        let _ = std::io::stdin().read_line(&mut answer);
        matches!(answer.trim(), "y" | "Y" | "yes")
    }
}

impl Confirm for AskOnTerminal<'_> {
    fn apply(&self, plan: &Plan, resuming: Option<&RunJournal>) -> bool {
        if !self.printer.is_json() {
            eprint!("{}", plan.render_text());
            if let Some(run) = resuming {
                eprintln!("\nResuming run {} ({} steps already done).", run.run_id, run.steps.len());
            }
        }
        self.ask("\nApply these changes?")
    }

    fn rollback(&self, journal: &RunJournal, removes: &[CreatedResource]) -> bool {
        if !self.printer.is_json() {
            eprintln!(
                "Rollback of run {} removes {} object(s), and nothing it did not create:",
                journal.run_id,
                removes.len()
            );
            for resource in removes {
                eprintln!("  - {}", describe(resource));
            }
        }
        self.ask("\nRemove them?")
    }
}

/// A declined confirmation: without a terminal, the CLI asks for `--yes` instead.
fn declined(yes: bool, printer: &Printer) -> Failure {
    if !yes && (printer.is_json() || !std::io::stdin().is_terminal()) {
        return Failure::new(
            Exit::Declined,
            FailureCode::Declined,
            "this command changes Azure and needs a confirmation",
            "pass --yes to confirm without a prompt",
        );
    }
    Failure::new(Exit::Declined, FailureCode::Declined, "nothing was changed", "")
}

pub struct ApplyArgs<'a> {
    pub azure: AzureArgs,
    pub file: &'a Path,
    pub state: StateDirArgs,
    pub yes: bool,
    pub report_dir: Option<&'a Path>,
}

pub async fn apply_setup(args: ApplyArgs<'_>, printer: &Printer) -> CommandResult {
    let setup = read_setup(args.file)?;
    let store = store(&args.state)?;
    refuse_report_dir_in_journal(&store, args.report_dir)?;
    let connected = session::connect(&args.azure, printer).await?;
    run_apply(&connected, &RunSettings::new(store), &setup, args.yes, args.report_dir, printer).await
}

/// Plans, confirms, applies (resuming an unfinished run of the same setup) and reports.
pub async fn run_apply(
    connected: &Connected,
    settings: &RunSettings,
    setup: &Setup,
    yes: bool,
    report_dir: Option<&Path>,
    printer: &Printer,
) -> CommandResult {
    let reporter = CliReporter::new(printer);
    let confirm = AskOnTerminal { yes, printer };
    let outcome = match runs::apply_setup(connected, settings, setup, &reporter, &confirm).await {
        Err(keyless_usecases::UseCaseError::Declined) => return Err(declined(yes, printer)),
        other => other?,
    };
    let RunOutcome { journal, report, stopped } = outcome;
    if let Some(error) = stopped {
        return Err(error.into());
    }
    if let Some(dir) = report_dir {
        write_report(dir, &report)?;
    }
    if !printer.is_json() {
        for connection in &report.connections {
            eprintln!(
                "\n# {} (id {})\n{}",
                connection.key,
                connection.id.as_deref().unwrap_or("-"),
                connection.pipeline_yaml
            );
        }
        for hand_off in &report.hand_offs {
            eprintln!("\n{}", hand_off.render_markdown());
        }
    }
    printer.result(&report, || {
        format!(
            "Run {}: {:?}. `keyless runs` lists it; `keyless rollback {}` undoes it.\n",
            report.run_id, report.status, report.run_id
        )
    });
    Ok(if journal.status == RunStatus::WaitingForHandOff { Exit::HandOffPending as u8 } else { 0 })
}

/// Reports are written beside, never over, the run journals.
fn refuse_report_dir_in_journal(store: &JournalStore, report_dir: Option<&Path>) -> Result<(), Failure> {
    match report_dir {
        Some(dir) if store.is_journal_dir(dir) => Err(Failure::bad_input(
            format!("{} is the run journal directory", dir.display()),
            "pick another directory for --report-dir, so reports never mix with the journals Keyless resumes from",
        )),
        _ => Ok(()),
    }
}

fn write_report(dir: &Path, report: &RunReport) -> Result<(), Failure> {
    let io = |e: std::io::Error| {
        Failure::new(
            Exit::Failed,
            FailureCode::Journal,
            format!("cannot write the report to {}: {e}", dir.display()),
            "pick a writable directory with --report-dir",
        )
    };
    let (json, markdown) = JournalStore::report_paths(dir, &report.run_id)?;
    keyless_engine::journal::create_private_dir(dir).map_err(io)?;
    keyless_engine::journal::write_private(&markdown, report.render_markdown().as_bytes()).map_err(io)?;
    keyless_engine::journal::write_private(&json, &serde_json::to_vec_pretty(report).unwrap_or_default())
        .map_err(io)?;
    for hand_off in &report.hand_offs {
        let name = hand_off.connection.replace('/', "_");
        let path = dir.join(format!("hand-off-{name}.md"));
        keyless_engine::journal::write_private(&path, hand_off.render_markdown().as_bytes()).map_err(io)?;
    }
    Ok(())
}

pub async fn rollback_run(
    azure: AzureArgs,
    state: StateDirArgs,
    run: &str,
    yes: bool,
    printer: &Printer,
) -> CommandResult {
    let store = store(&state)?;
    // Refuse a run id that is not in the journal before asking anyone to sign in.
    if store.load(run)?.status == RunStatus::RolledBack {
        printer.result(&serde_json::json!({ "runId": run, "status": RunStatus::RolledBack }), || {
            format!("Run {run} was already rolled back.\n")
        });
        return Ok(0);
    }
    let connected = session::connect(&azure, printer).await?;
    let reporter = CliReporter::new(printer);
    let confirm = AskOnTerminal { yes, printer };
    let outcome = match runs::rollback_run(&connected, &RunSettings::new(store), run, &reporter, &confirm).await {
        Err(keyless_usecases::UseCaseError::Declined) => return Err(declined(yes, printer)),
        other => other?,
    };
    if let Some(error) = outcome.stopped {
        return Err(error.into());
    }
    let journal = outcome.journal;
    printer.result(&serde_json::json!({ "runId": journal.run_id, "status": journal.status }), || {
        format!("Run {run} rolled back.\n")
    });
    Ok(0)
}

pub async fn finish_run(azure: AzureArgs, state: StateDirArgs, run: &str, printer: &Printer) -> CommandResult {
    let store = store(&state)?;
    store.load(run)?;
    let connected = session::connect(&azure, printer).await?;
    let reporter = CliReporter::new(printer);
    let outcome = runs::finish_run(&connected, &RunSettings::new(store), run, &reporter).await?;
    if let Some(error) = outcome.stopped {
        return Err(error.into());
    }
    let journal = outcome.journal;
    printer.result(&serde_json::json!({ "runId": journal.run_id, "status": journal.status }), || {
        match journal.status {
            RunStatus::Completed => format!("Run {run} is complete: every draft is finished and verified.\n"),
            _ => format!(
                "Run {run} still waits for federated credentials; send the hand-off packs to the identity owners.\n"
            ),
        }
    });
    Ok(if journal.status == RunStatus::Completed { 0 } else { Exit::HandOffPending as u8 })
}
