//! `login`, `logout`, `whoami` and `orgs`.

use keyless_core::Guid;
use keyless_usecases::{Organization, UnreadPlace, organizations};
use serde::Serialize;

use crate::{CommandResult, args::AzureArgs, commands::session, output::Printer};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Whoami {
    user_principal_name: String,
    display_name: String,
    object_id: Option<Guid>,
    tenant_id: Guid,
    cloud: String,
    demo: bool,
    method: keyless_azure::auth::SignInMethod,
}

pub async fn whoami(args: AzureArgs, printer: &Printer, verb: &str) -> CommandResult {
    let connected = session::connect(&args, printer).await?;
    let account = &connected.account;
    let me = Whoami {
        user_principal_name: account.user_principal_name.clone(),
        display_name: account.display_name.clone(),
        object_id: account.object_id,
        tenant_id: account.tenant_id,
        cloud: connected.cloud.profile.name.clone(),
        demo: connected.cloud.profile.is_emulator,
        method: connected.method(),
    };
    printer.result(&me, || {
        let demo = if me.demo { " (demo cloud: nothing here is real)" } else { "" };
        format!(
            "{verb} {} ({})\n  tenant {}\n  cloud  {}{demo}\n",
            me.display_name, me.user_principal_name, me.tenant_id, me.cloud,
        )
    });
    Ok(0)
}

pub async fn logout(args: AzureArgs, printer: &Printer) -> CommandResult {
    let forgotten = session::forget(&args).await?;
    printer.result(&serde_json::json!({ "forgotten": forgotten }), || match &forgotten {
        Some(account) => format!("Forgot the remembered sign-in of {account}.\n"),
        None => "No remembered sign-in for this cloud and client id.\n".into(),
    });
    Ok(0)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OrgRow {
    name: String,
    id: Guid,
    tenant_id: Option<Guid>,
    project_count: Option<usize>,
    /// Why its projects could not be listed, when they could not.
    problem: Option<String>,
}

/// A tenant or organization that could not be read.
#[derive(Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
enum UnreadRow {
    #[serde(rename_all = "camelCase")]
    Tenant { tenant_id: Guid, home: bool, code: keyless_azure::ErrorCode, message: String },
    #[serde(rename_all = "camelCase")]
    Organization { name: String, code: keyless_azure::ErrorCode, message: String },
}

#[derive(Serialize)]
struct OrgList {
    organizations: Vec<OrgRow>,
    unread: Vec<UnreadRow>,
}

pub async fn orgs(args: AzureArgs, printer: &Printer) -> CommandResult {
    let connected = session::connect(&args, printer).await?;
    let found = organizations::discover(&connected).await;
    let list = OrgList {
        organizations: found.organizations.into_iter().map(org_row).collect(),
        unread: found.unread.into_iter().map(unread_row).collect(),
    };
    printer.result(&list, || {
        let mut text = String::new();
        if list.organizations.is_empty() {
            text.push_str("No organizations found for this account. Sign in with another account, or with --tenant for another tenant.\n");
        } else {
            text.push_str(&format!("{:<24} {:<38} {:<38} {:>8}\n", "ORGANIZATION", "ID", "TENANT", "PROJECTS"));
        }
        for r in &list.organizations {
            let tenant = r.tenant_id.map(|t| t.to_string()).unwrap_or_else(|| "-".into());
            let projects = r.project_count.map(|c| c.to_string()).unwrap_or_else(|| "?".into());
            text.push_str(&format!("{:<24} {:<38} {:<38} {:>8}\n", r.name, r.id, tenant, projects));
            if let Some(problem) = &r.problem {
                text.push_str(&format!("  its projects could not be listed: {problem}\n"));
            }
        }
        for unread in &list.unread {
            text.push_str(&match unread {
                UnreadRow::Tenant { tenant_id, home: true, message, .. } => format!(
                    "could not list the organizations of your tenant {tenant_id}, so some may be missing: {message}\n"
                ),
                UnreadRow::Tenant { tenant_id, home: false, message, .. } => {
                    format!("could not list the organizations of tenant {tenant_id}: {message}\n")
                }
                UnreadRow::Organization { name, message, .. } => format!("could not read organization {name}: {message}\n"),
            });
        }
        text
    });
    Ok(0)
}

fn org_row(organization: Organization) -> OrgRow {
    let Organization { name, id, tenant_id, tenant_matches_account: _, projects } = organization;
    let (project_count, problem) = match projects {
        Ok(count) => (Some(count), None),
        Err(failure) => (None, Some(failure.message)),
    };
    OrgRow { name, id, tenant_id, project_count, problem }
}

fn unread_row(place: UnreadPlace) -> UnreadRow {
    match place {
        UnreadPlace::Tenant { tenant_id, home, failure } => {
            UnreadRow::Tenant { tenant_id, home, code: failure.code, message: failure.message }
        }
        UnreadPlace::Organization { name, failure } => {
            UnreadRow::Organization { name, code: failure.code, message: failure.message }
        }
    }
}
