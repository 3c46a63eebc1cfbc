//! `export terraform`: the inventory's connections (or a finished run's objects) as Terraform,
//! written to standard output or to a file it never replaces unless asked.

use std::path::Path;

use keyless_core::{Guid, names::OrgName};
use keyless_usecases::{
    UnreadPlace,
    export::{TerraformExport, export_inventory_terraform, export_run_terraform},
};

use crate::{
    CommandResult,
    args::{AzureArgs, StateDirArgs},
    commands::{journal, session},
    failure::{Exit, Failure},
    output::Printer,
};

/// What to export: a run, or the inventory narrowed to organizations and connections.
pub struct Selection {
    pub organizations: Vec<String>,
    pub connections: Vec<String>,
    pub run: Option<String>,
}

pub async fn terraform(
    azure: AzureArgs,
    state: StateDirArgs,
    selection: Selection,
    out: Option<&Path>,
    force: bool,
    printer: &Printer,
) -> CommandResult {
    let names = selection.organizations.iter().map(|name| OrgName::parse(name)).collect::<Result<Vec<_>, _>>()?;
    let ids =
        selection.connections.iter().map(|id| Guid::parse_input("--connection", id)).collect::<Result<Vec<_>, _>>()?;
    if let Some(out) = out.filter(|out| out.exists() && !force) {
        return Err(Failure::bad_input(
            format!("{} already exists; nothing was exported", out.display()),
            "choose another file with -o, or pass --force to replace it",
        ));
    }
    let store = selection.run.as_ref().map(|_| journal::store(&state)).transpose()?;
    let connected = session::connect(&azure, printer).await?;
    let export = match (&selection.run, &store) {
        (Some(run), Some(store)) => export_run_terraform(&connected, store, run).await?,
        _ => {
            let chosen = (!names.is_empty()).then_some(names.as_slice());
            export_inventory_terraform(&connected, chosen, &ids).await?
        }
    };
    for place in &export.unread {
        let text = match place {
            UnreadPlace::Tenant { tenant_id, failure, .. } => {
                format!("could not list the organizations of tenant {tenant_id}: {}", failure.message)
            }
            UnreadPlace::Organization { name, failure } => format!("could not read {name}: {}", failure.message),
        };
        printer.note(&format!("warning: {text}; its connections are missing"));
    }
    for id in &export.not_found {
        printer.note(&format!("warning: no connection {id} in the organizations read; it is not exported"));
    }
    let summary = summary_json(&export, out);
    match out {
        Some(out) => {
            std::fs::write(out, &export.text).map_err(|e| {
                Failure::bad_input(
                    format!("cannot write {}: {e}", out.display()),
                    "check that the directory exists and you can write to it, or choose another file with -o",
                )
            })?;
            printer.result(&summary, String::new);
        }
        None => printer.result(&summary, || export.text.clone()),
    }
    printer.note(&summary_line(&export, out));
    Ok(if export.not_found.is_empty() { 0 } else { Exit::BadInput as u8 })
}

fn summary_json(export: &TerraformExport, out: Option<&Path>) -> serde_json::Value {
    let objects: Vec<_> =
        export.objects.iter().map(|o| serde_json::json!({ "address": o.address, "importId": o.import_id })).collect();
    serde_json::json!({
        "file": out.map(|out| out.display().to_string()),
        "text": if out.is_some() { None } else { Some(&export.text) },
        "objects": objects,
        "notFound": export.not_found,
        "notExported": export.notes,
    })
}

fn summary_line(export: &TerraformExport, out: Option<&Path>) -> String {
    let imported = export.objects.iter().filter(|o| o.import_id.is_some()).count();
    let connections = export.objects.iter().filter(|o| o.address.starts_with("azuredevops_serviceendpoint")).count();
    let place = out.map_or_else(|| "standard output".to_string(), |out| out.display().to_string());
    format!(
        "Exported {} objects ({connections} connections, {imported} with import blocks) to {place}; no secret was written.",
        export.objects.len()
    )
}
