//! `migrate init` and `migrate plan`: draft a migration file from the inventory, and show what
//! migrating it would do. Neither changes anything in Azure; `init` writes only the file it
//! is given, and never over an existing one unless asked.

use std::path::Path;

use keyless_core::{
    migration::{parse_migration_toml, render_migration_plan},
    names::OrgName,
};
use keyless_usecases::{
    UnreadPlace,
    migration::{draft_migration, plan_migration_file},
};

use crate::{
    CommandResult,
    args::AzureArgs,
    commands::session,
    failure::{Exit, Failure},
    output::Printer,
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

pub async fn plan(azure: AzureArgs, file: &Path, printer: &Printer) -> CommandResult {
    let text = std::fs::read_to_string(file).map_err(|e| {
        Failure::bad_input(
            format!("cannot read the migration file {}: {e}", file.display()),
            "check the path given to -f; `keyless migrate init` writes one",
        )
    })?;
    let migration = parse_migration_toml(&file.display().to_string(), &text)?;
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
