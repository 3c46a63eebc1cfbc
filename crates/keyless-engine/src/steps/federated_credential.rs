//! The federated credential step: writes the credential that trusts the connection's issuer
//! and subject (read back from Azure DevOps, never invented) on the identity, or hands it off
//! to the identity's owner. Credential writes are upserts by name, so repeating one is safe;
//! writes to one identity take turns (`StepEnv::credential_write_turn`).

use keyless_azure::AzureError;
use keyless_core::{
    federation::{FicMatch, TOKEN_EXCHANGE_AUDIENCE, compare_fic, fic_name_for_connection},
    observed::{IdentityKind, ObservedFic},
    plan::Step,
};

use super::{StepEnv, context::ConnectionState, create_confirmed, record};
use crate::{
    error::EngineError,
    intent::IntentKind,
    journal::{CreatedResource, StepOutputs, StepRecord},
    port::{AzurePort, WriteResult},
    progress::StepOutcome,
    snippets::{HandOff, HandOffIdentity},
};

pub(super) async fn run<P: AzurePort>(
    env: &StepEnv<'_, P>,
    step: &Step,
    slot: usize,
    key: &str,
    hand_off: bool,
) -> Result<StepRecord, EngineError> {
    let az = |e: AzureError| EngineError::azure(step.title.clone(), e);
    let identity = env.slot(slot);
    let ConnectionState { id, issuer, subject, .. } = env.connection(key);
    let (Some(id), Some(issuer), Some(subject)) = (id, issuer, subject) else {
        return Ok(record(
            StepOutcome::HandedOff,
            "Azure DevOps did not return an issuer and subject yet; apply the setup again to finish",
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
    let created = match kind {
        IdentityKind::AppRegistration => CreatedResource::AppFederatedCredential {
            app_object_id: object_ref.parse().unwrap_or_default(),
            name: name.clone(),
        },
        IdentityKind::ManagedIdentity => CreatedResource::ManagedIdentityFederatedCredential {
            identity_resource_id: object_ref.clone(),
            name: name.clone(),
        },
    };
    let outputs = StepOutputs {
        fic_name: Some(name.clone()),
        issuer: Some(issuer.clone()),
        subject: Some(subject.clone()),
        ..StepOutputs::default()
    };
    let ours = env.intent(step).is_some_and(|i| i.names(IntentKind::FederatedCredential, &name));
    // Without a look, the observation's credentials of the identity stand for one.
    let existing = match (env.looks_first(step), kind) {
        (false, _) => env.observed_identity(identity.client_id).map(|i| i.fics.clone()).unwrap_or_default(),
        (true, IdentityKind::AppRegistration) => {
            env.port.list_app_fics(object_ref.parse().unwrap_or_default()).await.map_err(az)?
        }
        (true, IdentityKind::ManagedIdentity) => env.port.list_mi_fics(&object_ref).await.map_err(az)?,
    };
    if let Some(found) =
        existing.iter().find(|f| compare_fic(&f.issuer, &f.subject, &f.audiences, &issuer, &subject) == FicMatch::Exact)
    {
        if ours && found.name == name {
            return Ok(StepRecord {
                outputs,
                created: vec![created],
                ..record(
                    StepOutcome::Created,
                    format!("{name} on {} (written before the run was interrupted)", identity.display_name),
                )
            });
        }
        return Ok(StepRecord {
            outputs: StepOutputs { fic_name: Some(name), ..StepOutputs::default() },
            ..record(StepOutcome::Reused, "a matching federated credential already exists")
        });
    }
    if hand_off {
        let client_id = identity.client_id.map(|c| c.to_string()).unwrap_or_default();
        let owner =
            HandOffIdentity { name: &identity.display_name, kind, client_id: &client_id, identity_ref: &object_ref };
        let pack = HandOff::new(key, &owner, &name, &issuer, &subject, env.port.cloud());
        return Ok(StepRecord {
            hand_off: Some(pack),
            outputs: StepOutputs { fic_name: Some(name), ..StepOutputs::default() },
            ..record(
                StepOutcome::HandedOff,
                "the identity's owner must add the federated credential; see the hand-off pack",
            )
        });
    }
    env.intend(step, IntentKind::FederatedCredential, &name)?;
    // Only the write waits for the identity's other credential writes; the read above does
    // not, so the writes to one identity follow each other with nothing in between.
    let _turn = env.credential_write_turn(slot).await;
    // An upsert whose answer was lost is looked for before it is sent again; found, it is
    // the one this step just wrote.
    let result = create_confirmed(
        env,
        || async {
            match kind {
                IdentityKind::AppRegistration => {
                    env.port.put_app_fic(object_ref.parse().unwrap_or_default(), &fic).await
                }
                IdentityKind::ManagedIdentity => env.port.put_mi_fic(&object_ref, &fic).await,
            }
        },
        || async {
            let written = match kind {
                IdentityKind::AppRegistration => env.port.list_app_fics(object_ref.parse().unwrap_or_default()).await?,
                IdentityKind::ManagedIdentity => env.port.list_mi_fics(&object_ref).await?,
            };
            Ok(written.iter().any(|f| f.name == name).then_some(WriteResult::Created))
        },
    )
    .await
    .map_err(az)?;
    Ok(match result {
        WriteResult::Created => StepRecord {
            outputs,
            created: vec![created],
            ..record(StepOutcome::Created, format!("{name} on {}", identity.display_name))
        },
        // Written by an earlier attempt of this run that did not get to record it.
        WriteResult::AlreadyExisted if ours => StepRecord {
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
