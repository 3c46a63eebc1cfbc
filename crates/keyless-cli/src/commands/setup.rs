//! `plan`, `apply`, `rollback` and `finish`: setups against Azure, through the engine.

use std::{io::IsTerminal, path::Path};

use keyless_core::{
    plan::{Plan, build_plan},
    setup::{Setup, parse_setup_toml},
};
use keyless_engine::{
    ApplyOptions, apply,
    azure::AzureClients,
    finish::finish,
    journal::{JournalStore, RunJournal, RunStatus},
    observe,
    report::RunReport,
    rollback::{describe, rollback, rollback_order},
};

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
        Failure::new(
            Exit::BadInput,
            "setupFile",
            format!("cannot read the setup file {}: {e}", path.display()),
            "check the path given to -f; examples/ has complete setups",
        )
    })?;
    Ok(parse_setup_toml(&path.display().to_string(), &text)?)
}

async fn plan_for(port: &AzureClients, setup: &Setup) -> Result<(Plan, keyless_core::observed::Observed), Failure> {
    let observed = observe(port, setup).await?;
    let plan = build_plan(setup, &observed)?;
    Ok((plan, observed))
}

pub async fn plan(azure: AzureArgs, file: &Path, printer: &Printer) -> CommandResult {
    let setup = read_setup(file)?;
    let connected = session::connect(&azure, printer).await?;
    let (plan, _) = plan_for(&connected.port, &setup).await?;
    printer.result(&plan, || {
        let mut text = plan.render_text();
        if plan.is_no_op() {
            text.push_str("\nNothing to change: everything in the setup exists. `keyless apply` would only verify.\n");
        }
        text
    });
    Ok(0)
}

fn confirm(question: &str, yes: bool, printer: &Printer) -> Result<(), Failure> {
    if yes {
        return Ok(());
    }
    if printer.is_json() || !std::io::stdin().is_terminal() {
        return Err(Failure::new(
            Exit::Declined,
            "confirmationNeeded",
            "this command changes Azure and needs a confirmation",
            "pass --yes to confirm without a prompt",
        ));
    }
    eprint!("{question} [y/N] ");
    let mut answer = String::new();
    let _ = std::io::stdin().read_line(&mut answer);
    if matches!(answer.trim(), "y" | "Y" | "yes") {
        Ok(())
    } else {
        Err(Failure::new(Exit::Declined, "declined", "nothing was changed", ""))
    }
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
    let connected = session::connect(&args.azure, printer).await?;
    let store = store(&args.state);
    run_apply(
        &connected.port,
        &connected.cloud.name,
        &store,
        &setup,
        args.yes,
        args.report_dir,
        printer,
        &ApplyOptions::default(),
    )
    .await
}

/// Plans, confirms, applies (resuming an unfinished run of the same setup) and reports.
#[allow(clippy::too_many_arguments)]
pub async fn run_apply(
    port: &AzureClients,
    cloud: &str,
    store: &JournalStore,
    setup: &Setup,
    yes: bool,
    report_dir: Option<&Path>,
    printer: &Printer,
    options: &ApplyOptions,
) -> CommandResult {
    let (plan, observed) = plan_for(port, setup).await?;
    let resumed = store.unfinished_for(setup)?;
    if !printer.is_json() {
        eprint!("{}", plan.render_text());
        if let Some(run) = &resumed {
            eprintln!("\nResuming run {} ({} steps already done).", run.run_id, run.steps.len());
        }
    }
    if !plan.is_no_op() {
        confirm("\nApply these changes?", yes, printer)?;
    }
    let journal = resumed.unwrap_or_else(|| RunJournal::new(cloud, setup.clone()));
    let reporter = CliReporter::new(printer);
    let journal = apply(port, store, &reporter, &plan, &observed, journal, options).await?;
    let report = RunReport::build(&plan, &journal);
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

fn write_report(dir: &Path, report: &RunReport) -> Result<(), Failure> {
    let io = |e: std::io::Error| {
        Failure::new(
            Exit::Failed,
            "report",
            format!("cannot write the report to {}: {e}", dir.display()),
            "pick a writable directory with --report-dir",
        )
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    std::fs::write(dir.join(format!("{}.md", report.run_id)), report.render_markdown()).map_err(io)?;
    std::fs::write(dir.join(format!("{}.json", report.run_id)), serde_json::to_vec_pretty(report).unwrap_or_default())
        .map_err(io)?;
    for hand_off in &report.hand_offs {
        let name = hand_off.connection.replace('/', "_");
        std::fs::write(dir.join(format!("hand-off-{name}.md")), hand_off.render_markdown()).map_err(io)?;
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
    let store = store(&state);
    let journal = store.load(run)?;
    if journal.status == RunStatus::RolledBack {
        printer.result(&serde_json::json!({ "runId": run, "status": "rolledBack" }), || {
            format!("Run {run} was already rolled back.\n")
        });
        return Ok(0);
    }
    let order = rollback_order(&journal);
    if !printer.is_json() {
        eprintln!("Rollback of run {run} removes {} object(s), and nothing it did not create:", order.len());
        for resource in &order {
            eprintln!("  - {}", describe(resource));
        }
    }
    confirm("\nRemove them?", yes, printer)?;
    let connected = session::connect(&azure, printer).await?;
    let reporter = CliReporter::new(printer);
    let journal = rollback(&connected.port, &store, &reporter, journal, &ApplyOptions::default()).await?;
    printer.result(&serde_json::json!({ "runId": journal.run_id, "status": journal.status }), || {
        format!("Run {run} rolled back.\n")
    });
    Ok(0)
}

pub async fn finish_run(azure: AzureArgs, state: StateDirArgs, run: &str, printer: &Printer) -> CommandResult {
    let store = store(&state);
    let journal = store.load(run)?;
    let connected = session::connect(&azure, printer).await?;
    let (plan, _) = plan_for(&connected.port, &journal.setup).await?;
    let reporter = CliReporter::new(printer);
    let journal = finish(&connected.port, &store, &reporter, &plan, journal, &ApplyOptions::default()).await?;
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
