//! What each kind of plan step does against Azure. Every step looks before it writes, so a
//! step repeated after a crash finds its own earlier work and reuses it.

use keyless_azure::{AzureError, retry_until_replicated};
use keyless_core::{
    federation::{FicMatch, TOKEN_EXCHANGE_AUDIENCE, compare_fic, fic_name_for_connection},
    observed::{IdentityKind, ObservedFic},
    plan::{IdentityCreate, Operation, Step, role_assignment_name},
    setup::{AzureScope, ConnectionKind},
};

use crate::{
    apply::{ConnectionState, StepEnv},
    error::EngineError,
    journal::{CreatedResource, StepOutputs, StepRecord},
    port::{AzurePort, NewConnection, TestResult, WriteResult},
    progress::StepOutcome,
    snippets::{HandOff, HandOffIdentity},
};

/// Plain words for a replication wait, keyed by the error that signalled it.
pub(crate) fn wait_sentence(reason: &str) -> String {
    let upper = reason.to_ascii_uppercase();
    if upper.contains("VS403283") {
        "Waiting for Azure DevOps to see the new service principal (usually one to two minutes)".into()
    } else if upper.contains("PRINCIPALNOTFOUND") {
        "Waiting for Azure Resource Manager to see the new service principal (usually under a minute)".into()
    } else if upper.contains("AADSTS70021") || upper.contains("AADSTS700213") || upper.contains("AADSTS700211") {
        "Waiting for Entra ID to propagate the federated credential (usually one to five minutes)".into()
    } else {
        format!("Waiting for Entra ID to replicate the new identity, usually under a minute ({reason})")
    }
}

fn record(outcome: StepOutcome, detail: impl Into<String>) -> StepRecord {
    StepRecord { outcome, detail: detail.into(), outputs: StepOutputs::default(), created: vec![], hand_off: None }
}

/// Puts a finished step's outputs back into the context (resume, and after each step).
pub fn absorb<P>(env: &StepEnv<'_, P>, step: &Step, record: &StepRecord) {
    let Ok(mut context) = env.context.lock() else { return };
    let outputs = &record.outputs;
    match &step.operation {
        Operation::Identity { slot, .. } | Operation::ServicePrincipal { slot } => {
            let state = context.slots.entry(*slot).or_default();
            state.client_id = outputs.client_id.or(state.client_id);
            state.principal_id = outputs.principal_id.or(state.principal_id);
            state.object_ref = outputs.object_ref.clone().or(state.object_ref.take());
            state.tenant_id = outputs.tenant_id.or(state.tenant_id);
        }
        Operation::Connection { spec, .. } => {
            let state = context.connections.entry(spec.key()).or_default();
            state.id = outputs.connection_id.or(state.id);
            state.issuer = outputs.issuer.clone().or(state.issuer.take());
            state.subject = outputs.subject.clone().or(state.subject.take());
        }
        Operation::FederatedCredential { connection, .. } => {
            context.connections.entry(connection.clone()).or_default().handed_off =
                record.outcome == StepOutcome::HandedOff;
        }
        _ => {}
    }
}

pub async fn execute<P: AzurePort>(env: &StepEnv<'_, P>, step: &Step) -> Result<StepRecord, EngineError> {
    let az = |e: AzureError| EngineError::azure(step.title.clone(), e);
    let record = match &step.operation {
        Operation::Identity { slot, create } => identity(env, step, *slot, create.as_ref()).await.map_err(az)?,
        Operation::ServicePrincipal { slot } => service_principal(env, step, *slot).await.map_err(az)?,
        Operation::RoleAssignment { slot, scope, role_definition_id, role_name } => {
            let principal =
                env.slot(*slot).principal_id.ok_or_else(|| missing(step, "the identity's service principal"))?;
            let name = role_assignment_name(scope, principal, *role_definition_id);
            // Look first: a PUT of an existing assignment may answer 201, which would make a
            // re-run claim (and a rollback delete) an assignment it did not create.
            let existing = env.port.list_role_assignments(scope, principal).await.map_err(az)?;
            if existing
                .iter()
                .any(|r| r.role_definition_id == *role_definition_id && r.scope.eq_ignore_ascii_case(scope))
            {
                return finish_step(
                    env,
                    step,
                    record(StepOutcome::Reused, format!("{role_name} on {scope} was already assigned")),
                );
            }
            let observer = env.observer(&step.id);
            let result = retry_until_replicated(
                &env.options.consistency,
                &observer,
                &step.title,
                AzureError::is_replication_delay,
                || env.port.put_role_assignment(scope, name, *role_definition_id, principal),
            )
            .await
            .map_err(az)?;
            let id = format!("{scope}/providers/Microsoft.Authorization/roleAssignments/{name}");
            match result {
                WriteResult::Created => StepRecord {
                    created: vec![CreatedResource::RoleAssignment { id }],
                    ..record(StepOutcome::Created, format!("{role_name} on {scope}"))
                },
                WriteResult::AlreadyExisted => {
                    record(StepOutcome::Reused, format!("{role_name} on {scope} was already assigned"))
                }
            }
        }
        Operation::Membership { slot, organization, access_level, projects } => {
            let principal =
                env.slot(*slot).principal_id.ok_or_else(|| missing(step, "the identity's service principal"))?;
            let groups: Vec<_> =
                projects.iter().flat_map(|p| p.groups.iter().map(move |g| (p.project.id, g.clone()))).collect();
            let observed_projects =
                env.observed.organizations.get(organization).map(|o| o.projects.clone()).unwrap_or_default();
            let existing = env.port.find_membership(organization, principal, &observed_projects).await.map_err(az)?;
            match existing {
                Some(found) => {
                    env.port
                        .update_membership(organization, found.entitlement_id, principal, *access_level, &groups)
                        .await
                        .map_err(az)?;
                    record(outcome_for(step), format!("{} in {organization}", access_level.label()))
                }
                None => {
                    let observer = env.observer(&step.id);
                    let entitlement_id = retry_until_replicated(
                        &env.options.consistency,
                        &observer,
                        &step.title,
                        AzureError::is_replication_delay,
                        || env.port.add_membership(organization, principal, *access_level, &groups),
                    )
                    .await
                    .map_err(az)?;
                    StepRecord {
                        created: vec![CreatedResource::Entitlement {
                            organization: organization.clone(),
                            entitlement_id,
                        }],
                        ..record(StepOutcome::Created, format!("added to {organization} with {}", access_level.label()))
                    }
                }
            }
        }
        Operation::Connection { slot, spec, project_id, existing_id, draft } => {
            let identity = env.slot(*slot);
            let client_id = identity.client_id.ok_or_else(|| missing(step, "the identity's client id"))?;
            let tenant_id = identity.tenant_id.unwrap_or(env.observed.tenant_id);
            // Look by name first: a crash after the create but before the journal write must
            // not create a second connection.
            let found = match existing_id {
                Some(id) => env.port.get_connection(&spec.organization, *id).await.map_err(az)?,
                None => {
                    let projects = env
                        .observed
                        .organizations
                        .get(&spec.organization)
                        .map(|o| o.projects.clone())
                        .unwrap_or_default();
                    let all = env.port.connections(&spec.organization, &projects).await.map_err(az)?;
                    let same = all.into_iter().find(|c| {
                        c.name.eq_ignore_ascii_case(&spec.name)
                            && c.projects.iter().any(|p| p.eq_ignore_ascii_case(&spec.project))
                            && c.client_id == Some(client_id)
                    });
                    match same {
                        Some(c) => env.port.get_connection(&spec.organization, c.id).await.map_err(az)?,
                        None => None,
                    }
                }
            };
            let (info, outcome, created) = match found {
                Some(info) => (info, StepOutcome::Reused, vec![]),
                None => {
                    let subscription_name = match &spec.kind {
                        ConnectionKind::AzureRm {
                            scope:
                                AzureScope::Subscription { subscription } | AzureScope::ResourceGroup { subscription, .. },
                            ..
                        } => env.observed.subscription_names.get(subscription).cloned(),
                        _ => None,
                    };
                    let new = NewConnection {
                        spec,
                        project_id: *project_id,
                        client_id,
                        tenant_id,
                        subscription_name,
                        draft: *draft,
                    };
                    let info = env.port.create_connection(&spec.organization, &new).await.map_err(az)?;
                    // Rollback must remove it from every project the plan shares it with too,
                    // or the delete leaves it behind in those projects.
                    let mut project_ids = vec![*project_id];
                    if let Some(Operation::Share { projects, .. }) =
                        env.plan.step(&format!("share/{}", spec.key())).map(|s| &s.operation)
                    {
                        project_ids.extend(projects.iter().map(|p| p.id));
                    }
                    let created = vec![CreatedResource::ServiceConnection {
                        organization: spec.organization.clone(),
                        id: info.id,
                        project_ids,
                    }];
                    (info, StepOutcome::Created, created)
                }
            };
            let outputs = StepOutputs {
                connection_id: Some(info.id),
                issuer: info.issuer.clone(),
                subject: info.subject.clone(),
                ..StepOutputs::default()
            };
            let draft_note = if info.is_draft { " (draft)" } else { "" };
            StepRecord { outputs, created, ..record(outcome, format!("{} is {}{draft_note}", spec.name, info.id)) }
        }
        Operation::FederatedCredential { slot, connection, hand_off } => {
            federated_credential(env, step, *slot, connection, *hand_off).await.map_err(az)?
        }
        Operation::PipelineAccess { connection, pipeline_ids, all_pipelines } => {
            let (org, project_id, id) = connection_target(env, step, connection)?;
            env.port.authorize_pipelines(&org, project_id, id, pipeline_ids, *all_pipelines).await.map_err(az)?;
            let what = if *all_pipelines {
                "all pipelines".to_string()
            } else {
                format!("{} pipeline(s)", pipeline_ids.len())
            };
            record(outcome_for(step), format!("{what} may use it"))
        }
        Operation::Share { connection, projects } => {
            let (org, _, id) = connection_target(env, step, connection)?;
            let name = connection.rsplit('/').next().unwrap_or_default();
            let refs: Vec<(keyless_core::Guid, String)> = projects.iter().map(|p| (p.id, p.name.clone())).collect();
            env.port.share_connection(&org, id, name, &refs).await.map_err(az)?;
            record(
                outcome_for(step),
                format!("shared with {}", refs.iter().map(|r| r.1.as_str()).collect::<Vec<_>>().join(", ")),
            )
        }
        Operation::Verify { connection, .. } => verify(env, step, connection).await?,
    };
    finish_step(env, step, record)
}

fn finish_step<P>(env: &StepEnv<'_, P>, step: &Step, record: StepRecord) -> Result<StepRecord, EngineError> {
    absorb(env, step, &record);
    Ok(record)
}

/// The outcome of a step that writes unconditionally, named after what the plan expected.
fn outcome_for(step: &Step) -> StepOutcome {
    match step.action {
        keyless_core::plan::Action::Create => StepOutcome::Created,
        keyless_core::plan::Action::Reuse => StepOutcome::Reused,
        _ => StepOutcome::Updated,
    }
}

fn missing(step: &Step, what: &str) -> EngineError {
    EngineError::Verification {
        connection: step.id.clone(),
        message: format!("{what} is unknown; an earlier step did not record it"),
    }
}

fn connection_target<P>(
    env: &StepEnv<'_, P>,
    step: &Step,
    key: &str,
) -> Result<(keyless_core::names::OrgName, keyless_core::Guid, keyless_core::Guid), EngineError> {
    let plan_step = env.plan.step(&format!("connection/{key}")).ok_or_else(|| missing(step, "the connection step"))?;
    let Operation::Connection { spec, project_id, .. } = &plan_step.operation else {
        return Err(missing(step, "the connection"));
    };
    let id = env.connection(key).id.ok_or_else(|| missing(step, "the connection id"))?;
    Ok((spec.organization.clone(), *project_id, id))
}

async fn identity<P: AzurePort>(
    env: &StepEnv<'_, P>,
    step: &Step,
    slot: usize,
    create: Option<&IdentityCreate>,
) -> Result<StepRecord, AzureError> {
    let Some(create) = create else {
        let state = env.slot(slot);
        return Ok(StepRecord {
            outputs: StepOutputs {
                client_id: state.client_id,
                principal_id: state.principal_id,
                object_ref: state.object_ref,
                tenant_id: state.tenant_id,
                ..StepOutputs::default()
            },
            ..record(StepOutcome::Reused, format!("{} already exists", state.display_name))
        });
    };
    match create {
        IdentityCreate::AppRegistration { display_name } => {
            let (app, outcome, created) = match env.port.find_app(Some(display_name), None).await? {
                Some(app) => (app, StepOutcome::Reused, vec![]),
                None => {
                    let app = env.port.create_app(display_name).await?;
                    let created = vec![CreatedResource::AppRegistration {
                        object_id: app.object_id,
                        app_id: app.app_id,
                        display_name: display_name.clone(),
                    }];
                    (app, StepOutcome::Created, created)
                }
            };
            let outputs = StepOutputs {
                client_id: Some(app.app_id),
                object_ref: Some(app.object_id.to_string()),
                tenant_id: Some(env.observed.tenant_id),
                ..StepOutputs::default()
            };
            Ok(StepRecord { outputs, created, ..record(outcome, format!("{display_name}, client id {}", app.app_id)) })
        }
        IdentityCreate::ManagedIdentity { name, subscription, resource_group, location } => {
            let id = crate::observe::managed_identity_resource_id(*subscription, resource_group, name);
            let existed = env.port.find_managed_identity(&id).await?.is_some();
            let mi = env.port.put_managed_identity(*subscription, resource_group, name, location).await?;
            let created = if existed {
                vec![]
            } else {
                vec![CreatedResource::ManagedIdentity { resource_id: mi.resource_id.clone() }]
            };
            let outputs = StepOutputs {
                client_id: Some(mi.client_id),
                principal_id: Some(mi.principal_id),
                object_ref: Some(mi.resource_id.clone()),
                tenant_id: Some(mi.tenant_id),
                ..StepOutputs::default()
            };
            let outcome = if existed { StepOutcome::Reused } else { StepOutcome::Created };
            let _ = step;
            Ok(StepRecord { outputs, created, ..record(outcome, format!("{name}, client id {}", mi.client_id)) })
        }
    }
}

async fn service_principal<P: AzurePort>(
    env: &StepEnv<'_, P>,
    step: &Step,
    slot: usize,
) -> Result<StepRecord, AzureError> {
    let app_id = env.slot(slot).client_id.unwrap_or_default();
    if let Some(id) = env.port.find_service_principal(app_id).await? {
        return Ok(StepRecord {
            outputs: StepOutputs { principal_id: Some(id), ..StepOutputs::default() },
            ..record(StepOutcome::Reused, format!("object id {id}"))
        });
    }
    let observer = env.observer(&step.id);
    let id = retry_until_replicated(
        &env.options.consistency,
        &observer,
        &step.title,
        AzureError::is_replication_delay,
        || env.port.create_service_principal(app_id),
    )
    .await?;
    Ok(StepRecord {
        outputs: StepOutputs { principal_id: Some(id), ..StepOutputs::default() },
        created: vec![CreatedResource::ServicePrincipal { object_id: id, app_id }],
        ..record(StepOutcome::Created, format!("object id {id}"))
    })
}

async fn federated_credential<P: AzurePort>(
    env: &StepEnv<'_, P>,
    step: &Step,
    slot: usize,
    key: &str,
    hand_off: bool,
) -> Result<StepRecord, AzureError> {
    let identity = env.slot(slot);
    let ConnectionState { id, issuer, subject, .. } = env.connection(key);
    let (Some(id), Some(issuer), Some(subject)) = (id, issuer, subject) else {
        return Ok(record(
            StepOutcome::HandedOff,
            "Azure DevOps did not return an issuer and subject yet; run `keyless apply` again",
        ));
    };
    let name = fic_name_for_connection(id);
    let fic = ObservedFic {
        name: name.clone(),
        issuer: issuer.clone(),
        subject: subject.clone(),
        audiences: vec![TOKEN_EXCHANGE_AUDIENCE.into()],
    };
    let object_ref = identity.object_ref.clone().unwrap_or_default();
    let kind = identity.kind.unwrap_or(IdentityKind::AppRegistration);
    let existing = match kind {
        IdentityKind::AppRegistration => env.port.list_app_fics(object_ref.parse().unwrap_or_default()).await?,
        IdentityKind::ManagedIdentity => env.port.list_mi_fics(&object_ref).await?,
    };
    if existing.iter().any(|f| compare_fic(&f.issuer, &f.subject, &f.audiences, &issuer, &subject) == FicMatch::Exact) {
        return Ok(StepRecord {
            outputs: StepOutputs { fic_name: Some(name), ..StepOutputs::default() },
            ..record(StepOutcome::Reused, "a matching federated credential already exists")
        });
    }
    if hand_off {
        let client_id = identity.client_id.map(|c| c.to_string()).unwrap_or_default();
        let owner =
            HandOffIdentity { name: &identity.display_name, kind, client_id: &client_id, identity_ref: &object_ref };
        let pack = HandOff::new(key, &owner, &name, &issuer, &subject);
        return Ok(StepRecord {
            hand_off: Some(pack),
            outputs: StepOutputs { fic_name: Some(name), ..StepOutputs::default() },
            ..record(
                StepOutcome::HandedOff,
                "the identity's owner must add the federated credential; see the hand-off pack",
            )
        });
    }
    let (result, created) = match kind {
        IdentityKind::AppRegistration => {
            let object_id = object_ref.parse().unwrap_or_default();
            (
                env.port.put_app_fic(object_id, &fic).await?,
                CreatedResource::AppFederatedCredential { app_object_id: object_id, name: name.clone() },
            )
        }
        IdentityKind::ManagedIdentity => (
            env.port.put_mi_fic(&object_ref, &fic).await?,
            CreatedResource::ManagedIdentityFederatedCredential {
                identity_resource_id: object_ref.clone(),
                name: name.clone(),
            },
        ),
    };
    let _ = step;
    let outputs = StepOutputs {
        fic_name: Some(name.clone()),
        issuer: Some(issuer),
        subject: Some(subject),
        ..StepOutputs::default()
    };
    Ok(match result {
        WriteResult::Created => StepRecord {
            outputs,
            created: vec![created],
            ..record(StepOutcome::Created, format!("{name} on {}", identity.display_name))
        },
        WriteResult::AlreadyExisted => StepRecord {
            outputs,
            ..record(StepOutcome::Reused, format!("{name} already on {}", identity.display_name))
        },
    })
}

async fn verify<P: AzurePort>(env: &StepEnv<'_, P>, step: &Step, key: &str) -> Result<StepRecord, EngineError> {
    if env.connection(key).handed_off {
        return Ok(record(
            StepOutcome::HandedOff,
            "verification waits for the hand-off; run `keyless finish` afterwards",
        ));
    }
    let (org, project_id, id) = connection_target(env, step, key)?;
    let result =
        crate::apply::verify_until_propagated(env.port, &org, project_id, id, env.options, env.reporter, &step.id)
            .await
            .map_err(|e| EngineError::azure(step.title.clone(), e))?;
    match result {
        TestResult::Ok => Ok(record(StepOutcome::Verified, "TestConnection succeeded")),
        TestResult::Failed { message } => Err(EngineError::Verification { connection: key.to_string(), message }),
    }
}
