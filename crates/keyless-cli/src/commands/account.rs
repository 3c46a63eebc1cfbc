//! `login`, `logout`, `whoami` and `orgs`.

use std::collections::BTreeMap;

use keyless_core::Guid;
use serde::Serialize;

use crate::{CommandResult, args::AzureArgs, commands::session, output::Printer};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Whoami {
    user_principal_name: String,
    display_name: Option<String>,
    object_id: Option<Guid>,
    tenant_id: Option<Guid>,
    cloud: String,
    demo: bool,
    method: String,
}

pub async fn whoami(args: AzureArgs, printer: &Printer, verb: &str) -> CommandResult {
    let connected = session::connect(&args, printer).await?;
    let account = connected.session.account().clone();
    let me = Whoami {
        user_principal_name: account.username.clone(),
        display_name: account.display_name.clone(),
        object_id: account.object_id,
        tenant_id: account.home_tenant,
        cloud: connected.cloud.name.clone(),
        demo: connected.cloud.is_emulator,
        method: format!("{:?}", connected.session.method()),
    };
    printer.result(&me, || {
        let demo = if me.demo { " (demo cloud: nothing here is real)" } else { "" };
        format!(
            "{verb} {} ({})\n  tenant {}\n  cloud  {}{demo}\n",
            me.display_name.as_deref().unwrap_or("-"),
            me.user_principal_name,
            me.tenant_id.map(|t| t.to_string()).unwrap_or_else(|| "-".into()),
            me.cloud,
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
    /// Why the organization could not be read, when it could not.
    problem: Option<String>,
}

pub async fn orgs(args: AzureArgs, printer: &Printer) -> CommandResult {
    let connected = session::connect(&args, printer).await?;
    let home = connected.session.account().home_tenant;
    // Accounts lists only the organizations of the token's tenant: ask every tenant.
    let mut tenants: Vec<Option<Guid>> = match connected.client.arm(home).tenants().await {
        Ok(list) => list.into_iter().map(|t| Some(t.tenant_id)).collect(),
        Err(_) => vec![home],
    };
    if tenants.is_empty() {
        tenants.push(home);
    }
    let mut found = BTreeMap::new();
    for tenant in tenants {
        let profile = connected.client.devops_profile(tenant);
        let Ok(me) = profile.me().await else { continue };
        let Ok(accounts) = profile.accounts(me.id).await else { continue };
        for account in accounts {
            found.entry(account.account_name.clone()).or_insert(account);
        }
    }
    let mut rows = vec![];
    for (name, account) in found {
        let org = keyless_core::names::OrgName::parse(&name)?;
        let row = match connected.client.devops(&org).await {
            Ok(devops) => match (devops.connection_data().await, devops.projects().await) {
                (Ok(data), Ok(projects)) => OrgRow {
                    name,
                    id: data.instance_id,
                    tenant_id: data.resource_tenant,
                    project_count: Some(projects.len()),
                    problem: None,
                },
                (Err(e), _) | (_, Err(e)) => OrgRow {
                    name,
                    id: account.account_id,
                    tenant_id: devops.tenant(),
                    project_count: None,
                    problem: Some(e.to_string()),
                },
            },
            Err(e) => OrgRow {
                name,
                id: account.account_id,
                tenant_id: None,
                project_count: None,
                problem: Some(e.to_string()),
            },
        };
        rows.push(row);
    }
    printer.result(&rows, || {
        if rows.is_empty() {
            return "No organizations found for this account. Sign in with another account, or with --tenant for another tenant.\n".into();
        }
        let mut text = format!("{:<24} {:<38} {:<38} {:>8}\n", "ORGANIZATION", "ID", "TENANT", "PROJECTS");
        for r in &rows {
            let tenant = r.tenant_id.map(|t| t.to_string()).unwrap_or_else(|| "-".into());
            let projects = r.project_count.map(|c| c.to_string()).unwrap_or_else(|| "?".into());
            text.push_str(&format!("{:<24} {:<38} {:<38} {:>8}\n", r.name, r.id, tenant, projects));
            if let Some(problem) = &r.problem {
                text.push_str(&format!("  could not read it: {problem}\n"));
            }
        }
        text
    });
    Ok(0)
}
