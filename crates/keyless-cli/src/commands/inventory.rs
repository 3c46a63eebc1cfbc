//! `inventory`: every service connection across organizations with its class, as a table for
//! people, a JSON array or CSV for scripts. Places that could not be read go to stderr as
//! warnings so stdout stays one document.

use keyless_core::{
    inventory::{AZURE_DEVOPS_ISSUER_RETIREMENT, ConnectionClass, InventoriedConnection, InventoryCounts, IssuerKind},
    names::OrgName,
};
use keyless_usecases::{UnreadPlace, inventory::take_inventory};

use crate::{CommandResult, args::AzureArgs, args::OutputFormat, commands::session, output::Printer};

pub async fn inventory(args: AzureArgs, organizations: Vec<String>, printer: &Printer) -> CommandResult {
    let names = organizations.iter().map(|name| OrgName::parse(name)).collect::<Result<Vec<_>, _>>()?;
    let connected = session::connect(&args, printer).await?;
    let chosen = (!names.is_empty()).then_some(names.as_slice());
    let inventory = take_inventory(&connected, chosen).await?;
    for place in &inventory.unread {
        printer.note(&format!("warning: {}", unread_text(place)));
    }
    let counts = inventory.counts();
    // In JSON the printer writes the connections themselves; otherwise the chosen rendering.
    let connections = &inventory.connections;
    match printer.format {
        OutputFormat::Csv => printer.result(connections, || csv(connections)),
        OutputFormat::Json | OutputFormat::Text => printer.result(connections, || text(connections, &counts)),
    }
    Ok(0)
}

fn unread_text(place: &UnreadPlace) -> String {
    match place {
        UnreadPlace::Tenant { tenant_id, home: true, failure } => format!(
            "could not list the organizations of your tenant {tenant_id}, so some may be missing: {}",
            failure.message
        ),
        UnreadPlace::Tenant { tenant_id, home: false, failure } => {
            format!("could not list the organizations of tenant {tenant_id}: {}", failure.message)
        }
        UnreadPlace::Organization { name, failure } => format!("could not read {name}: {}", failure.message),
    }
}

fn class_label(class: ConnectionClass) -> &'static str {
    match class {
        ConnectionClass::ZeroSecret => "zero secret",
        ConnectionClass::ConvertibleInPlace => "convertible in place",
        ConnectionClass::ConvertibleAfterCredential => "convertible after credential",
        ConnectionClass::Shared => "shared",
        ConnectionClass::TokenBased => "token based",
        ConnectionClass::OutOfScope => "out of scope",
        ConnectionClass::NeedsAttention => "needs attention",
    }
}

fn issuer_label(kind: Option<IssuerKind>) -> &'static str {
    match kind {
        Some(IssuerKind::Entra) => "Entra",
        Some(IssuerKind::AzureDevOps) => "Azure DevOps",
        None => "",
    }
}

/// The date part of an RFC 3339 time, for the table.
fn day(time: Option<&str>) -> String {
    time.map(|t| t.chars().take(10).collect()).unwrap_or_default()
}

fn identity_name(connection: &InventoriedConnection) -> String {
    connection
        .identity
        .as_ref()
        .map(|i| i.display_name.clone().unwrap_or_else(|| i.client_id.to_string()))
        .unwrap_or_default()
}

fn text(connections: &[InventoriedConnection], counts: &InventoryCounts) -> String {
    let header = [
        "ORGANIZATION",
        "PROJECT",
        "NAME",
        "TYPE",
        "SCHEME",
        "CLASS",
        "IDENTITY",
        "ISSUER",
        "SECRET EXPIRES",
        "LAST USED",
    ];
    let rows: Vec<[String; 10]> = connections
        .iter()
        .map(|c| {
            [
                c.organization.clone(),
                c.owning_project.clone(),
                c.name.clone(),
                c.endpoint_type.clone(),
                c.scheme.clone(),
                class_label(c.class).to_string(),
                identity_name(c),
                issuer_label(c.issuer_kind).to_string(),
                day(c.identity.as_ref().and_then(|i| i.soonest_secret_expiry())),
                day(c.last_used.as_deref()),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let padded: Vec<String> = cells.iter().zip(widths).map(|(cell, width)| format!("{cell:<width$}")).collect();
        format!("{}\n", padded.join("  ").trim_end())
    };
    let mut out = String::new();
    if connections.is_empty() {
        out.push_str("No service connections found.\n");
    } else {
        out.push_str(&line(&header.map(str::to_string)));
        for (row, connection) in rows.iter().zip(connections) {
            out.push_str(&line(row));
            if let Some(reason) = &connection.reason {
                out.push_str(&format!("    {reason}\n"));
            }
        }
    }
    let per_class: Vec<String> = counts
        .per_class
        .iter()
        .filter(|(_, count)| **count > 0)
        .map(|(class, count)| format!("{count} {}", class_label(*class)))
        .collect();
    out.push_str(&format!("\n{} connections: {}\n", counts.total, per_class.join(", ")));
    if counts.on_azure_devops_issuer > 0 {
        let count = counts.on_azure_devops_issuer;
        let plural = if count == 1 { "" } else { "s" };
        out.push_str(&format!(
            "On the Azure DevOps issuer, which retires on {AZURE_DEVOPS_ISSUER_RETIREMENT}: {count} connection{plural}; move them to the Entra issuer before then.\n"
        ));
    }
    out
}

const CSV_HEADER: [&str; 27] = [
    "organization",
    "projects",
    "owningProject",
    "name",
    "id",
    "endpointType",
    "scheme",
    "creationMode",
    "isShared",
    "isDraft",
    "class",
    "reason",
    "identityClientId",
    "identityKind",
    "identityName",
    "identityTenantId",
    "multitenant",
    "credentialCount",
    "soonestSecretExpiry",
    "soonestCertificateExpiry",
    "issuerKind",
    "issuer",
    "subject",
    "lastUsed",
    "allPipelines",
    "authorizedPipelines",
    "url",
];

fn csv(connections: &[InventoriedConnection]) -> String {
    let text = |value: Option<String>| value.unwrap_or_default();
    let mut out = csv_line(CSV_HEADER.iter().map(|h| h.to_string()));
    for c in connections {
        let identity = c.identity.as_ref();
        out.push_str(&csv_line([
            c.organization.clone(),
            c.projects.join(";"),
            c.owning_project.clone(),
            c.name.clone(),
            c.id.to_string(),
            c.endpoint_type.clone(),
            c.scheme.clone(),
            text(c.creation_mode.clone()),
            c.is_shared.to_string(),
            c.is_draft.to_string(),
            json_text(&c.class),
            text(c.reason.clone()),
            text(identity.map(|i| i.client_id.to_string())),
            text(identity.and_then(|i| i.kind).map(|k| json_text(&k))),
            text(identity.and_then(|i| i.display_name.clone())),
            text(identity.and_then(|i| i.tenant_id).map(|t| t.to_string())),
            text(identity.and_then(|i| i.multitenant).map(|m| m.to_string())),
            text(identity.and_then(|i| i.credential_count).map(|n| n.to_string())),
            text(identity.and_then(|i| i.soonest_secret_expiry()).map(str::to_string)),
            text(identity.and_then(|i| i.certificate_expiries.iter().min().cloned())),
            text(c.issuer_kind.map(|k| json_text(&k))),
            text(c.issuer.clone()),
            text(c.subject.clone()),
            text(c.last_used.clone()),
            c.all_pipelines.to_string(),
            c.authorized_pipelines.iter().map(u64::to_string).collect::<Vec<_>>().join(";"),
            text(c.url.clone()),
        ]));
    }
    out
}

/// An enum value as JSON writes it (`zeroSecret`, `appRegistration`), for CSV.
fn json_text<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => text,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

/// One RFC 4180 record: fields with a comma, quote or line break are quoted, quotes doubled.
fn csv_line(fields: impl IntoIterator<Item = String>) -> String {
    let quoted: Vec<String> =
        fields
            .into_iter()
            .map(|field| {
                if field.contains([',', '"', '\r', '\n']) {
                    format!("\"{}\"", field.replace('"', "\"\""))
                } else {
                    field
                }
            })
            .collect();
    format!("{}\r\n", quoted.join(","))
}
