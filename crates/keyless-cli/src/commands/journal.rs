//! `keyless runs` and `keyless schema`: commands that read local files only.

use keyless_engine::journal::{JournalStore, RunStatus};
use keyless_usecases::runs;

use crate::{
    CommandResult,
    args::{SchemaFile, StateDirArgs},
    failure::Failure,
    output::Printer,
};

/// `--state-dir`, `KEYLESS_STATE_DIR`, or the platform's state directory.
pub fn store(state: &StateDirArgs) -> Result<JournalStore, Failure> {
    match state.state_dir.clone() {
        Some(dir) => Ok(JournalStore::new(dir)),
        None => Ok(JournalStore::default_location()?),
    }
}

pub fn runs(state: StateDirArgs, printer: &Printer) -> CommandResult {
    let store = store(&state)?;
    let runs = runs::list_runs(&store, None)?;
    let damaged = store.damaged();
    let rows: Vec<serde_json::Value> = runs
        .iter()
        .map(|r| {
            serde_json::json!({
                "runId": r.run_id, "started": r.started, "cloud": r.cloud, "cloudIdentity": r.cloud_identity,
                "status": r.status, "stepsDone": r.steps.len(), "created": r.created_resources().len(),
            })
        })
        .collect();
    for path in &damaged {
        printer.note(&format!("warning: skipped the damaged run journal {}", path.display()));
    }
    printer.result(&rows, || {
        if runs.is_empty() {
            return format!("No runs yet in {}.\n", store.dir().display());
        }
        let mut text = format!("{:<24} {:<20} {:<12} {:>6} {:>8}\n", "RUN", "STATUS", "CLOUD", "STEPS", "CREATED");
        for r in &runs {
            let status = match r.status {
                RunStatus::Running => "unfinished",
                RunStatus::Completed => "completed",
                RunStatus::WaitingForHandOff => "waiting for hand-off",
                RunStatus::Failed => "failed (resumable)",
                RunStatus::RolledBack => "rolled back",
            };
            text.push_str(&format!(
                "{:<24} {:<20} {:<12} {:>6} {:>8}\n",
                r.run_id,
                status,
                r.cloud,
                r.steps.len(),
                r.created_resources().len()
            ));
        }
        text
    });
    Ok(0)
}

pub fn schema(file: SchemaFile, printer: &Printer) -> CommandResult {
    let schema = match file {
        SchemaFile::Setup => keyless_core::setup::setup_json_schema(),
        SchemaFile::Migration => keyless_core::migration::migration_json_schema(),
    };
    printer.result(&schema, || format!("{}\n", serde_json::to_string_pretty(&schema).unwrap_or_default()));
    Ok(0)
}
