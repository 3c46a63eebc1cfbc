//! `keyless runs` and `keyless schema`: commands that read local files only.

use keyless_engine::journal::{JournalStore, RunStatus};

use crate::{CommandResult, args::StateDirArgs, output::Printer};

pub fn store(state: &StateDirArgs) -> JournalStore {
    state.state_dir.clone().map_or_else(JournalStore::default_location, JournalStore::new)
}

pub fn runs(state: StateDirArgs, printer: &Printer) -> CommandResult {
    let store = store(&state);
    let runs = store.list()?;
    let rows: Vec<serde_json::Value> = runs
        .iter()
        .map(|r| {
            serde_json::json!({
                "runId": r.run_id, "started": r.started, "cloud": r.cloud, "status": r.status,
                "stepsDone": r.steps.len(), "created": r.created_resources().len(),
            })
        })
        .collect();
    printer.result(&rows, || {
        if runs.is_empty() {
            return format!("No runs yet in {}.\n", store.dir().display());
        }
        let mut text = format!("{:<24} {:<20} {:<10} {:>6} {:>8}\n", "RUN", "STATUS", "CLOUD", "STEPS", "CREATED");
        for r in &runs {
            let status = match r.status {
                RunStatus::Running => "unfinished",
                RunStatus::Completed => "completed",
                RunStatus::WaitingForHandOff => "waiting for hand-off",
                RunStatus::Failed => "failed (resumable)",
                RunStatus::RolledBack => "rolled back",
            };
            text.push_str(&format!(
                "{:<24} {:<20} {:<10} {:>6} {:>8}\n",
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

pub fn schema(printer: &Printer) -> CommandResult {
    let schema = keyless_core::setup::setup_json_schema();
    printer.result(&schema, || format!("{}\n", serde_json::to_string_pretty(&schema).unwrap_or_default()));
    Ok(0)
}
