//! The connection step: finds the service connection by name in its project (or by id) and
//! creates it only when it is not there. The create is a POST: an answer lost on the way
//! back is followed by another look, never by a blind second POST.

use keyless_core::{
    Guid,
    names::OrgName,
    plan::{Operation, Step},
    setup::{AzureScope, ConnectionKind, ConnectionSpec},
};

use super::{StepEnv, create_confirmed, missing, record};
use crate::{
    error::EngineError,
    intent::IntentKind,
    journal::{CreatedResource, StepOutputs, StepRecord},
    port::{AzurePort, ConnectionInfo, NewConnection},
    progress::StepOutcome,
};

pub(super) async fn run<P: AzurePort>(
    env: &StepEnv<'_, P>,
    step: &Step,
    slot: usize,
    spec: &ConnectionSpec,
    project_id: Guid,
    existing_id: Option<Guid>,
    draft: bool,
) -> Result<StepRecord, EngineError> {
    let az = |e| EngineError::azure(step.title.clone(), e);
    let identity = env.slot(slot);
    let client_id = identity.client_id.ok_or_else(|| missing(step, "the identity's client id"))?;
    let tenant_id = identity.tenant_id.unwrap_or(env.observed.tenant_id);
    let key = spec.key();
    let ours = env.intent(step).is_some_and(|i| i.names(IntentKind::ServiceConnection, &key));
    // Look by name first: a crash after the create but before the journal write must not
    // create a second connection.
    let found = match existing_id {
        Some(id) => env.port.get_connection(&spec.organization, id).await.map_err(az)?,
        None if env.looks_first(step) => find_by_name(env, spec, client_id).await.map_err(az)?,
        None => None,
    };
    let (info, created_now) = match found {
        // Found by id or by name: the plan may have been made after the killed attempt's
        // create, but the intent this run journaled before it says the connection is ours.
        Some(info) => (info, ours),
        None => {
            env.intend(step, IntentKind::ServiceConnection, &key)?;
            let subscription_name = match &spec.kind {
                ConnectionKind::AzureRm {
                    scope: AzureScope::Subscription { subscription } | AzureScope::ResourceGroup { subscription, .. },
                    ..
                } => env.observed.subscription_names.get(subscription).cloned(),
                _ => None,
            };
            let new = NewConnection { spec, project_id, client_id, tenant_id, subscription_name, draft };
            let info = create_confirmed(
                env,
                || env.port.create_connection(&spec.organization, &new),
                || find_by_name(env, spec, client_id),
            )
            .await
            .map_err(az)?;
            (info, true)
        }
    };
    let created = if created_now {
        vec![CreatedResource::ServiceConnection {
            organization: spec.organization.clone(),
            id: info.id,
            project_ids: shared_project_ids(env, spec, project_id),
        }]
    } else {
        vec![]
    };
    let outcome = if created_now { StepOutcome::Created } else { StepOutcome::Reused };
    let outputs = StepOutputs {
        connection_id: Some(info.id),
        issuer: info.issuer.clone(),
        subject: info.subject.clone(),
        ..StepOutputs::default()
    };
    let draft_note = if info.is_draft { " (draft)" } else { "" };
    Ok(StepRecord { outputs, created, ..record(outcome, format!("{} is {}{draft_note}", spec.name, info.id)) })
}

/// The connection of this name in the spec's project that names this identity.
async fn find_by_name<P: AzurePort>(
    env: &StepEnv<'_, P>,
    spec: &ConnectionSpec,
    client_id: Guid,
) -> Result<Option<ConnectionInfo>, keyless_azure::AzureError> {
    let organization: &OrgName = &spec.organization;
    // The connection lives in (and is listed by) its own project; listing the organization's
    // other projects would only find connections this one cannot be.
    let projects: Vec<_> = env
        .observed
        .organizations
        .get(organization)
        .map(|o| o.projects.iter().filter(|p| p.name.eq_ignore_ascii_case(&spec.project)).cloned().collect())
        .unwrap_or_default();
    // Matched by name, project and identity only: no pipeline access to read.
    let all = env.port.connections(organization, &projects, &[]).await?;
    let same = all.into_iter().find(|c| {
        c.name.eq_ignore_ascii_case(&spec.name)
            && c.projects.iter().any(|p| p.eq_ignore_ascii_case(&spec.project))
            && c.client_id == Some(client_id)
    });
    match same {
        Some(c) => env.port.get_connection(organization, c.id).await,
        None => Ok(None),
    }
}

/// Rollback must remove the connection from every project the plan shares it with too, or
/// the delete leaves it behind in those projects.
fn shared_project_ids<P>(env: &StepEnv<'_, P>, spec: &ConnectionSpec, project_id: Guid) -> Vec<Guid> {
    let mut project_ids = vec![project_id];
    if let Some(Operation::Share { projects, .. }) =
        env.plan.step(&format!("share/{}", spec.key())).map(|s| &s.operation)
    {
        project_ids.extend(projects.iter().map(|p| p.id));
    }
    project_ids
}
