//! `migrate init`, `plan`, `apply` and `revert`: draft a migration file from the inventory, show
//! what migrating it would do, do it wave by wave, and undo it. `init` and `plan` change nothing
//! in Azure; `init` writes only the file it is given, and never over an existing one unless
//! asked. `apply` and `revert` ask first, stream progress and print what changed per wave.

use std::{io::IsTerminal, path::Path};

use keyless_core::{
    migration::{MigrationFile, MigrationPlan, parse_migration_toml, render_migration_plan},
    names::OrgName,
};
use keyless_engine::{
    FailureCode,
    journal::JournalStore,
    migrate::{MigrationJournal, MigrationStatus, report::MigrationReport},
};
use keyless_usecases::{
    RunSettings, UnreadPlace, UseCaseError,
    migration::{draft_migration, plan_migration_file},
    migration_run::{self, ConfirmMigration, MigrationOutcome, SecretToRemove},
};

use crate::{
    CommandResult,
    args::{AzureArgs, StateDirArgs},
    commands::{journal::store, session},
    failure::{Exit, Failure},
    output::Printer,
    progress::CliReporter,
};

pub async fn init(
    azure: AzureArgs,
    organizations: Vec<String>,
    out: &Path,
    force: bool,
    printer: &Printer,
) -> CommandResult {
    let names = organizations.iter().map(|name| OrgName::parse(name)).collect::<Result<Vec<_>, _>>()?;
    if out.exists() && !force {
        return Err(Failure::bad_input(
            format!("{} already exists; the migration file was not written", out.display()),
            "choose another file with -o, or pass --force to replace it",
        ));
    }
    let connected = session::connect(&azure, printer).await?;
    let chosen = (!names.is_empty()).then_some(names.as_slice());
    let draft = draft_migration(&connected, chosen).await?;
    warn_unread(&draft.unread, printer);
    std::fs::write(out, &draft.text).map_err(|e| {
        Failure::bad_input(
            format!("cannot write the migration file {}: {e}", out.display()),
            "check that the directory exists and you can write to it, or choose another file with -o",
        )
    })?;
    let summary = serde_json::json!({
        "file": out.display().to_string(),
        "entries": draft.entries,
        "listedOnly": draft.listed_only,
    });
    printer.result(&summary, || {
        format!(
            "Wrote {}: {} connections to migrate, {} listed as comments only (nothing to do, out of scope or needing attention).\n\
             Review the actions, then run `keyless migrate plan -f {}`.\n",
            out.display(),
            draft.entries,
            draft.listed_only,
            out.display()
        )
    });
    Ok(0)
}

fn read_migration(file: &Path) -> Result<MigrationFile, Failure> {
    let text = std::fs::read_to_string(file).map_err(|e| {
        Failure::bad_input(
            format!("cannot read the migration file {}: {e}", file.display()),
            "check the path given to -f; `keyless migrate init` writes one",
        )
    })?;
    Ok(parse_migration_toml(&file.display().to_string(), &text)?)
}

pub async fn plan(azure: AzureArgs, file: &Path, printer: &Printer) -> CommandResult {
    let migration = read_migration(file)?;
    let connected = session::connect(&azure, printer).await?;
    let planned = plan_migration_file(&connected, &migration).await?;
    warn_unread(&planned.unread, printer);
    let plan = &planned.plan;
    printer.result(plan, || render_migration_plan(plan));
    // A refused entry means the file no longer matches the estate: nothing would run as written.
    if plan.refused().next().is_some() {
        printer.note("Some entries are refused: fix them as their help says, or set action = \"skip\".");
        return Ok(Exit::BadInput as u8);
    }
    Ok(0)
}

fn warn_unread(unread: &[UnreadPlace], printer: &Printer) {
    for place in unread {
        let text = match place {
            UnreadPlace::Tenant { tenant_id, failure, .. } => {
                format!("could not list the organizations of tenant {tenant_id}: {}", failure.message)
            }
            UnreadPlace::Organization { name, failure } => format!("could not read {name}: {}", failure.message),
        };
        printer.note(&format!("warning: {text}; its connections are missing"));
    }
}

/// Asks on the terminal, or takes `--yes`; shows the plan and the secrets it removes first.
struct AskAboutMigration<'a> {
    yes: bool,
    printer: &'a Printer,
}

impl AskAboutMigration<'_> {
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

impl ConfirmMigration for AskAboutMigration<'_> {
    fn apply(&self, plan: &MigrationPlan, secrets: &[SecretToRemove], resuming: Option<&MigrationJournal>) -> bool {
        if !self.printer.is_json() {
            eprint!("{}", render_migration_plan(plan));
            if !secrets.is_empty() {
                eprintln!("\nOnce each conversion is verified, these client secrets are removed:");
                for secret in secrets {
                    let name = secret.display_name.as_deref().unwrap_or("(no name)");
                    let ends = secret.ends.as_deref().unwrap_or("no end date");
                    eprintln!(
                        "  - {} ({}, ends {ends}) of {}, for {}",
                        name, secret.key_id, secret.application, secret.connection
                    );
                }
            }
            if let Some(journal) = resuming {
                eprintln!("\nContinuing migration {} where it stopped.", journal.run_id);
            }
        }
        self.ask("\nMigrate these connections?")
    }

    fn revert(&self, journal: &MigrationJournal) -> bool {
        if !self.printer.is_json() {
            eprintln!(
                "Revert of migration {}: converted connections go back to their secret, switched ones to the \
                 Azure DevOps issuer with their old credential, and replacement connections are deleted.",
                journal.run_id
            );
        }
        self.ask("\nRevert it?")
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

pub struct MigrateApplyArgs<'a> {
    pub azure: AzureArgs,
    pub file: &'a Path,
    pub state: StateDirArgs,
    pub yes: bool,
    pub report_dir: Option<&'a Path>,
}

/// `keyless migrate apply -f FILE`: plans, confirms, migrates wave by wave (continuing an
/// unfinished migration of the same file) and prints each wave's summary and the report paths.
pub async fn apply(args: MigrateApplyArgs<'_>, printer: &Printer) -> CommandResult {
    let migration = read_migration(args.file)?;
    let store = store(&args.state)?;
    if let Some(dir) = args.report_dir
        && (store.is_journal_dir(dir) || store.migrations().is_journal_dir(dir))
    {
        return Err(Failure::bad_input(
            format!("{} is a journal directory", dir.display()),
            "pick another directory for --report-dir, so reports never mix with the journals Keyless resumes from",
        ));
    }
    let connected = session::connect(&args.azure, printer).await?;
    let reporter = CliReporter::new(printer);
    let confirm = AskAboutMigration { yes: args.yes, printer };
    let settings = RunSettings::new(store);
    let outcome = match migration_run::apply_migration(&connected, &settings, &migration, &reporter, &confirm).await {
        Err(UseCaseError::Declined) => return Err(declined(args.yes, printer)),
        other => other?,
    };
    let MigrationOutcome { report, report_paths, pipeline_patches, stopped, .. } = outcome;
    if let Some(dir) = args.report_dir {
        write_report(dir, &report)?;
    }
    if !printer.is_json() {
        for (connection, patches) in &pipeline_patches {
            for patch in patches {
                eprintln!("\n# {} for {connection} ({})\n{}", patch.file_name, patch.repository, patch.diff);
            }
        }
        eprint!("\n{}", summary(&report));
        if let Some((json, markdown)) = &report_paths {
            eprintln!("Report: {} and {}", markdown.display(), json.display());
        }
    }
    if let Some(error) = stopped {
        return Err(error.into());
    }
    printer.result(&report, || {
        format!(
            "Migration {}: {:?}. `keyless migrate revert {}` undoes it.\n",
            report.run_id, report.status, report.run_id
        )
    });
    Ok(if report.hand_offs.is_empty() { 0 } else { Exit::HandOffPending as u8 })
}

/// `keyless migrate revert RUN_ID`.
pub async fn revert(azure: AzureArgs, state: StateDirArgs, run: &str, yes: bool, printer: &Printer) -> CommandResult {
    let store = store(&state)?;
    // Refuse an id that names no migration before asking anyone to sign in.
    let journal = store.load_migration(run)?;
    if journal.status == MigrationStatus::Reverted {
        printer.result(&serde_json::json!({ "runId": run, "status": journal.status }), || {
            format!("Migration {run} was already reverted.\n")
        });
        return Ok(0);
    }
    let connected = session::connect(&azure, printer).await?;
    let reporter = CliReporter::new(printer);
    let confirm = AskAboutMigration { yes, printer };
    let settings = RunSettings::new(store);
    let outcome = match migration_run::revert_migration(&connected, &settings, run, &reporter, &confirm).await {
        Err(UseCaseError::Declined) => return Err(declined(yes, printer)),
        other => other?,
    };
    let report = outcome.report;
    printer.result(&report, || format!("Migration {} reverted.\n", report.run_id));
    Ok(0)
}

/// Per wave: how many connections migrated, were handed off or did not finish; then what was
/// not migrated and why, and what to do next.
fn summary(report: &MigrationReport) -> String {
    use keyless_engine::migrate::report::EntryState;
    let mut text = String::new();
    for wave in &report.waves {
        let count = |state: EntryState| wave.entries.iter().filter(|e| e.state == state).count();
        text.push_str(&format!(
            "Wave {}: {} migrated, {} handed off, {} failed, {} not finished\n",
            wave.number,
            count(EntryState::Migrated),
            count(EntryState::HandedOff),
            count(EntryState::Failed),
            count(EntryState::NotFinished),
        ));
        for entry in wave.entries.iter().filter(|e| e.state != EntryState::Migrated) {
            text.push_str(&format!("  {} ({:?}): {}\n", entry.connection, entry.state, entry.detail));
        }
    }
    for entry in &report.not_run {
        text.push_str(&format!("Not migrated: {} ({:?}): {}\n", entry.connection, entry.state, entry.detail));
    }
    for step in &report.next_steps {
        text.push_str(&format!("Next: {step}\n"));
    }
    text
}

fn write_report(dir: &Path, report: &MigrationReport) -> Result<(), Failure> {
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
    Ok(())
}
