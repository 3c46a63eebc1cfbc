//! One connection's migration in place: convert a secret connection to workload identity
//! federation (writing the credential first when Keyless writes it), or switch a workload
//! identity connection from the Azure DevOps issuer to the Entra issuer (new credential first,
//! old one removed only after verification). Every step reads the connection first, so a
//! repeated or resumed migration finds what is already done and does not do it twice.

use std::time::Instant;

use keyless_azure::{AzureError, ErrorCode};
use keyless_core::{
    InputError,
    federation::{IssuerKind, fic_name_for_connection, issuer_kind},
    migration::{CredentialWriter, EntryStatus, MigrationAction, PlannedCredential},
    names::OrgName,
    observed::ObservedFic,
    setup::Setup,
};

use super::{
    EntryEnv,
    credential::{self, ExistingIdentity, Written},
    journal::{CredentialHolder, EntryStep},
    replace,
};
use crate::{
    error::EngineError,
    port::{ConnectionIssuer, EndpointState, MigrationPort, TestResult},
    progress::StepOutcome,
    snippets::HandOff,
    steps::verify::{backoff, verify_until_propagated},
};

const WORKLOAD_IDENTITY: &str = "WorkloadIdentityFederation";

pub(super) async fn run<P: MigrationPort>(
    env: &EntryEnv<'_, P>,
    replacement: Option<&Setup>,
) -> Result<(), EngineError> {
    if super::entry_finished(&env.record(), env.planned, env.remove_secrets()) {
        return Ok(());
    }
    match env.planned.action {
        MigrationAction::ConvertInPlace | MigrationAction::SwitchIssuer => in_place(env).await,
        MigrationAction::ReplaceWithAzureDevopsConnection => replace::run(env, replacement).await,
        MigrationAction::Skip => Ok(()),
    }
}

/// Whether the connection already presents an Entra-issuer token with workload identity.
fn migrated(endpoint: &EndpointState) -> bool {
    endpoint.scheme == WORKLOAD_IDENTITY
        && endpoint.issuer.as_deref().is_none_or(|i| issuer_kind(i) == IssuerKind::Entra)
}

async fn in_place<P: MigrationPort>(env: &EntryEnv<'_, P>) -> Result<(), EngineError> {
    let org = OrgName::parse(&env.planned.organization)?;
    let id = env.planned.id;
    let switch = env.planned.action == MigrationAction::SwitchIssuer;
    let endpoint = read(env, &org).await?;
    if !migrated(&endpoint) && !env.record().has(EntryStep::Converted) {
        let mut identity = None;
        if switch {
            identity = remember_old_credential(env, &endpoint).await?;
        }
        if let Some(credential) =
            env.planned.credential.as_ref().filter(|c| c.written_by != CredentialWriter::AzureDevOps)
            && !env.record().has(EntryStep::CredentialWritten)
            && !write_credential(env, (&endpoint, identity), credential).await?
        {
            return Ok(());
        }
        env.may_continue()?;
        let title = if switch { "Switch to the Entra issuer" } else { "Convert to workload identity federation" };
        let started = env.started(EntryStep::Converted, title);
        let after = change(env, &org, &endpoint, switch).await?;
        let detail = match &after.revert_deadline {
            Some(deadline) => format!("same connection id; it can be reverted until {deadline}"),
            None => "same connection id".to_string(),
        };
        let deadline = after.revert_deadline.clone();
        let ready = after.is_ready;
        env.finished_with(EntryStep::Converted, StepOutcome::Updated, detail, started, |record| {
            record.revert_scheme_deadline = deadline;
            // Azure DevOps answered with the connection ready: nothing to wait for.
            if ready {
                record.mark(EntryStep::Ready);
            }
        })
        .await?;
    } else if !env.record().has(EntryStep::Converted) {
        let started = env.started(EntryStep::Converted, "Check the connection's scheme and issuer");
        let deadline = endpoint.revert_deadline.clone();
        env.finished_with(
            EntryStep::Converted,
            StepOutcome::AlreadyDone,
            "already on workload identity federation with the Entra issuer",
            started,
            |record| record.revert_scheme_deadline = deadline,
        )
        .await?;
    }
    if !env.record().has(EntryStep::Ready) {
        env.may_continue()?;
        let started = env.started(EntryStep::Ready, "Wait for the connection to be ready");
        let ready = wait_ready(env, &org).await?;
        env.finished(EntryStep::Ready, StepOutcome::Updated, format!("{} is ready", ready.name), started).await?;
    }
    if !env.record().has(EntryStep::Verified) {
        env.may_continue()?;
        let started = env.started(EntryStep::Verified, "Verify with TestConnection");
        let project_id = endpoint.owning_project.ok_or_else(|| no_project(env))?;
        let step_id = env.step_id(EntryStep::Verified);
        let result = verify_until_propagated(env.port, &org, project_id, id, env.options, env.reporter, &step_id)
            .await
            .map_err(|e| EngineError::azure(format!("Verify {}", env.label), e))?;
        if let TestResult::Failed { message } = result {
            return Err(EngineError::Verification { connection: env.label.clone(), message });
        }
        env.finished(EntryStep::Verified, StepOutcome::Verified, "TestConnection succeeded", started).await?;
    }
    if switch && !env.record().has(EntryStep::OldCredentialRemoved) {
        env.may_continue()?;
        let started = env.started(EntryStep::OldCredentialRemoved, "Remove the Azure DevOps-issuer credential");
        let detail = remove_old_credential(env).await?;
        env.finished(EntryStep::OldCredentialRemoved, StepOutcome::Updated, detail, started).await?;
    }
    if !switch && env.remove_secrets() && !env.record().has(EntryStep::SecretsRemoved) {
        env.may_continue()?;
        let started =
            env.started(EntryStep::SecretsRemoved, "Remove the client secrets the conversion made unnecessary");
        let detail = remove_secrets(env, &endpoint).await?;
        env.finished(EntryStep::SecretsRemoved, StepOutcome::Updated, detail, started).await?;
    }
    Ok(())
}

async fn read<P: MigrationPort>(env: &EntryEnv<'_, P>, org: &OrgName) -> Result<EndpointState, EngineError> {
    env.port
        .read_endpoint(org, &env.planned.project, env.planned.id)
        .await
        .map_err(|e| EngineError::azure(format!("Read {}", env.label), e))?
        .ok_or_else(|| {
            InputError::new(
                "service connection",
                format!("{} ({}) was not found", env.label, env.planned.id),
                "it was deleted or moved since the migration was planned; remove the entry from the file",
            )
            .into()
        })
}

fn no_project<P>(env: &EntryEnv<'_, P>) -> EngineError {
    InputError::new(
        "service connection",
        format!("{} has no owning project", env.label),
        "share the connection with its project again in Azure DevOps",
    )
    .into()
}

async fn identity_of<P: MigrationPort>(
    env: &EntryEnv<'_, P>,
    endpoint: &EndpointState,
) -> Result<ExistingIdentity, EngineError> {
    let client_id =
        endpoint.client_id.or_else(|| env.planned.identity.as_ref().and_then(|i| i.client_id)).ok_or_else(|| {
            InputError::new(
                "identity",
                format!("{} names no identity", env.label),
                "check the connection's service principal id",
            )
        })?;
    credential::find_identity(env.port, client_id)
        .await
        .map_err(|e| EngineError::azure(format!("Find the identity of {}", env.label), e))?
        .ok_or_else(|| {
            InputError::new(
                "identity",
                format!("the identity {client_id} of {} cannot be found", env.label),
                "check that it still exists and that you can read it",
            )
            .into()
        })
}

/// Before a switch, the Azure DevOps-issuer credential the connection uses now, kept whole in the
/// journal so it is removed after verification, and put back by a revert. Answers the identity
/// and its credentials when it read them, for the credential write that follows.
async fn remember_old_credential<P: MigrationPort>(
    env: &EntryEnv<'_, P>,
    endpoint: &EndpointState,
) -> Result<Option<(ExistingIdentity, Vec<ObservedFic>)>, EngineError> {
    if env.record().old_credential.is_some() {
        return Ok(None);
    }
    let (Some(issuer), Some(subject)) = (&endpoint.issuer, &endpoint.subject) else { return Ok(None) };
    let identity = identity_of(env, endpoint).await?;
    let present = credential::list(env.port, &identity.holder)
        .await
        .map_err(|e| EngineError::azure(format!("Read the credentials of {}", identity.display_name), e))?;
    if let Some(old) = present.iter().find(|f| credential::same(f, issuer, subject)) {
        let held = super::journal::HeldCredential { holder: identity.holder.clone(), credential: old.clone() };
        env.update(|record| record.old_credential = Some(held)).await?;
    }
    Ok(Some((identity, present)))
}

/// Writes the credential the connection will present; `false` when it was handed off instead.
/// `known` is the connection's identity and its credentials when they were just read.
async fn write_credential<P: MigrationPort>(
    env: &EntryEnv<'_, P>,
    (endpoint, known): (&EndpointState, Option<(ExistingIdentity, Vec<ObservedFic>)>),
    planned: &PlannedCredential,
) -> Result<bool, EngineError> {
    let subject = planned.subject.clone().ok_or_else(|| {
        InputError::new(
            "federated credential",
            format!("the subject {} will present is not known: its organization's id could not be read", env.label),
            "check that you can read the organization, then plan and apply the migration again",
        )
    })?;
    env.may_continue()?;
    let (identity, listed) = match known {
        Some((identity, listed)) => (identity, Some(listed)),
        None => (identity_of(env, endpoint).await?, None),
    };
    let name = fic_name_for_connection(env.planned.id);
    let started = env
        .started(EntryStep::CredentialWritten, format!("Add the Entra-issuer credential to {}", identity.display_name));
    if env.planned.status == EntryStatus::HandOff {
        hand_off(env, &identity, &name, &planned.issuer, &subject, started).await?;
        return Ok(false);
    }
    let writers = env.identity_lock(&identity.client_id.to_string());
    let written = credential::write(env, (&identity, listed), &writers, &name, &planned.issuer, &subject).await?;
    match written {
        Written::Ours(held) => {
            let detail = format!("{} on {}", held.credential.name, identity.display_name);
            env.update(|record| record.written_credential = Some(held)).await?;
            env.finished(EntryStep::CredentialWritten, StepOutcome::Created, detail, started).await?;
        }
        Written::AlreadyThere => {
            env.finished(
                EntryStep::CredentialWritten,
                StepOutcome::Reused,
                "a matching federated credential already exists",
                started,
            )
            .await?
        }
        Written::NotAllowed => {
            hand_off(env, &identity, &name, &planned.issuer, &subject, started).await?;
            return Ok(false);
        }
    }
    Ok(true)
}

async fn hand_off<P: MigrationPort>(
    env: &EntryEnv<'_, P>,
    identity: &ExistingIdentity,
    name: &str,
    issuer: &str,
    subject: &str,
    started: Instant,
) -> Result<(), EngineError> {
    let (client_id, reference) = identity.owner();
    let pack = HandOff::new(
        &env.label,
        &identity.hand_off_identity(&client_id, &reference),
        name,
        issuer,
        subject,
        env.port.cloud(),
    );
    env.update(|record| record.hand_off = Some(pack)).await?;
    env.finished(
        EntryStep::HandedOff,
        StepOutcome::HandedOff,
        "the identity's owner must add the federated credential; the connection is not converted until then",
        started,
    )
    .await
}

/// Converts or switches; an answer lost on the way back is checked by reading the connection.
/// Converts or switches the connection, sending back `current` as just read.
async fn change<P: MigrationPort>(
    env: &EntryEnv<'_, P>,
    org: &OrgName,
    current: &EndpointState,
    switch: bool,
) -> Result<EndpointState, EngineError> {
    let connection = (env.planned.project.as_str(), env.planned.id);
    let sent = if switch {
        env.port.switch_endpoint_issuer(org, connection, Some(current), ConnectionIssuer::Entra).await
    } else {
        env.port.convert_endpoint(org, connection, Some(current), WORKLOAD_IDENTITY).await
    };
    let title = if switch { "Switch the issuer of" } else { "Convert" };
    match sent {
        Ok(after) => Ok(after),
        Err(error) if error.code() == ErrorCode::OutcomeUnknown => {
            let now = read(env, org).await?;
            if migrated(&now) { Ok(now) } else { Err(EngineError::azure(format!("{title} {}", env.label), error)) }
        }
        Err(error) => Err(EngineError::azure(format!("{title} {}", env.label), error)),
    }
}

/// Reads the connection until Azure DevOps says it is ready, within the consistency budget.
async fn wait_ready<P: MigrationPort>(env: &EntryEnv<'_, P>, org: &OrgName) -> Result<EndpointState, EngineError> {
    let started = Instant::now();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let now = read(env, org).await?;
        if now.is_ready {
            return Ok(now);
        }
        let pause = backoff(&env.options.consistency, attempt);
        if started.elapsed() + pause > env.options.consistency.budget {
            return Err(EngineError::Verification {
                connection: env.label.clone(),
                message: "Azure DevOps did not mark the connection ready in time".into(),
            });
        }
        tokio::time::sleep(pause).await;
    }
}

async fn remove_old_credential<P: MigrationPort>(env: &EntryEnv<'_, P>) -> Result<String, EngineError> {
    let Some(old) = env.record().old_credential else {
        return Ok("no Azure DevOps-issuer credential was found on the identity".into());
    };
    let az = |e: AzureError| EngineError::azure(format!("Remove {}", old.credential.name), e);
    // Only while it still trusts the old issuer: a credential of that name rewritten for the
    // Entra issuer is the one the connection uses now.
    let present = credential::list(env.port, &old.holder).await.map_err(az)?;
    let still_old = present
        .iter()
        .any(|f| f.name == old.credential.name && credential::same(f, &old.credential.issuer, &old.credential.subject));
    if !still_old {
        return Ok(format!("{} is already gone", old.credential.name));
    }
    credential::remove(env.port, &old).await.map_err(az)?;
    Ok(format!("{} removed", old.credential.name))
}

async fn remove_secrets<P: MigrationPort>(
    env: &EntryEnv<'_, P>,
    endpoint: &EndpointState,
) -> Result<String, EngineError> {
    let identity = identity_of(env, endpoint).await?;
    let CredentialHolder::AppRegistration { object_id } = identity.holder else {
        return Ok("a managed identity has no client secrets".into());
    };
    let az = |e: AzureError| EngineError::azure(format!("Remove the client secrets of {}", identity.display_name), e);
    let secrets = env.port.app_secrets(object_id).await.map_err(az)?;
    for secret in &secrets {
        match env.port.remove_app_secret(object_id, secret.key_id).await {
            Ok(()) => {}
            Err(e) if matches!(e.code(), ErrorCode::NotFound | ErrorCode::Validation) => {}
            Err(e) => return Err(az(e)),
        }
        env.update(|record| {
            if !record.removed_secrets.contains(&secret.key_id) {
                record.removed_secrets.push(secret.key_id);
            }
        })
        .await?;
    }
    Ok(format!("{} client secret(s) removed from {}", secrets.len(), identity.display_name))
}
