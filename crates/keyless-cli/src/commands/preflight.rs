//! `keyless preflight -f FILE [--hand-off FILE]`: the CLI's face of
//! `keyless_usecases::preflight`. Prints whether you can take each step of the plan, who can
//! grant what you lack, and writes the hand-off pack for the rest. Changes nothing in Azure.
//!
//! Exit codes: 0 when you can take every step now, [`EXIT_NOT_EVERYTHING`] (7) when a step
//! needs a right you lack or one that could not be checked.

use std::{fmt::Write as _, io::Write as _, path::Path};

use keyless_core::preflight::{Checklist, Narrowed, Verdict};
use keyless_usecases::preflight::{Preflight, preflight};
use serde::Serialize;

use crate::{
    CommandResult,
    args::AzureArgs,
    commands::{session, setup::read_setup},
    failure::{Exit, Failure},
    output::Printer,
};

/// Some step needs a right you lack, or could not be checked.
pub const EXIT_NOT_EVERYTHING: u8 = 7;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PreflightView<'a> {
    all_doable: bool,
    checklist: &'a Checklist,
    narrowed: &'a Narrowed,
    hand_off_markdown: &'a str,
}

pub async fn run(azure: AzureArgs, file: &Path, hand_off: Option<&Path>, printer: &Printer) -> CommandResult {
    let setup = read_setup(file)?;
    let connected = session::connect(&azure, printer).await?;
    let checked = preflight(&connected, &setup).await.map_err(Failure::from)?;
    if let Some(path) = hand_off {
        write_private(path, &checked.hand_off_markdown)?;
    }
    let view = PreflightView {
        all_doable: checked.all_doable(),
        checklist: &checked.checklist,
        narrowed: &checked.narrowed,
        hand_off_markdown: &checked.hand_off_markdown,
    };
    printer.result(&view, || render(&checked, hand_off));
    Ok(if checked.all_doable() { 0 } else { EXIT_NOT_EVERYTHING })
}

fn render(checked: &Preflight, hand_off: Option<&Path>) -> String {
    let mut out = String::new();
    for item in &checked.checklist.items {
        let _ = writeln!(out, "{}", item.title);
        let _ = match &item.verdict {
            Verdict::Have => writeln!(out, "  ✓ you have it: {}", item.needs),
            Verdict::Lack(lack) => writeln!(out, "  ✗ you lack it: {}", lack.ask),
            Verdict::Unknown { why } => writeln!(out, "  ? could not check: {why}"),
        };
    }
    let handed = checked.narrowed.handed_off.len();
    out.push('\n');
    if handed == 0 {
        out.push_str("You can take every step now: `keyless apply` with the same file.\n");
        return out;
    }
    let _ = writeln!(
        out,
        "You can take {} of {} steps now; {handed} wait for someone else.",
        checked.narrowed.plan.steps.len(),
        checked.plan.steps.len()
    );
    match hand_off {
        Some(path) => {
            let _ = writeln!(out, "The hand-off pack for them is in {}.", path.display());
        }
        None => out.push_str("Pass --hand-off FILE to write the hand-off pack for them.\n"),
    }
    out
}

/// Written for the user only (0600): it names the tenant's people, apps and scopes.
fn write_private(path: &Path, text: &str) -> Result<(), Failure> {
    let failed = |e: std::io::Error| {
        Failure::new(
            Exit::BadInput,
            keyless_engine::FailureCode::InvalidInput,
            format!("cannot write the hand-off pack to {}: {e}", path.display()),
            "choose a path in a directory you can write to with --hand-off",
        )
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(failed)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        file.set_permissions(std::fs::Permissions::from_mode(0o600)).map_err(failed)?;
    }
    file.write_all(text.as_bytes()).map_err(failed)
}
