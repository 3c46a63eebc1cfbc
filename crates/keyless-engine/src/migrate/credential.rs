//! Federated credentials of an existing identity during a migration: finding the identity
//! behind a connection, writing the credential it will present (look first, intent before
//! write, look again after a lost answer, the cap of 20 stopping the entry clearly), and
//! removing or restoring one. It does not decide when a credential is needed: `entry` does.

use keyless_azure::{AzureError, ErrorCode};
use keyless_core::{
    Guid,
    federation::{FicMatch, MAX_FICS_PER_IDENTITY, TOKEN_EXCHANGE_AUDIENCE, compare_fic},
    observed::{IdentityKind, ObservedFic},
};

use super::{
    EntryEnv,
    journal::{CredentialHolder, HeldCredential},
};
use crate::{
    error::EngineError,
    intent::{Intent, IntentKind},
    port::MigrationPort,
    snippets::HandOffIdentity,
};

/// The identity a connection signs in as, as the migration needs it.
#[derive(Debug, Clone)]
pub(crate) struct ExistingIdentity {
    pub holder: CredentialHolder,
    pub kind: IdentityKind,
    pub client_id: Guid,
    pub display_name: String,
}

impl ExistingIdentity {
    pub fn owner(&self) -> (String, String) {
        let reference = match &self.holder {
            CredentialHolder::AppRegistration { object_id } => object_id.to_string(),
            CredentialHolder::ManagedIdentity { resource_id } => resource_id.clone(),
        };
        (self.client_id.to_string(), reference)
    }

    pub fn hand_off_identity<'a>(&'a self, client_id: &'a str, reference: &'a str) -> HandOffIdentity<'a> {
        HandOffIdentity { name: &self.display_name, kind: self.kind, client_id, identity_ref: reference }
    }
}

/// Finds the app registration, else the managed identity, whose client id is `client_id`.
pub(crate) async fn find_identity<P: MigrationPort>(
    port: &P,
    client_id: Guid,
) -> Result<Option<ExistingIdentity>, AzureError> {
    if let Some(app) = port.find_app(None, Some(client_id)).await? {
        return Ok(Some(ExistingIdentity {
            holder: CredentialHolder::AppRegistration { object_id: app.object_id },
            kind: IdentityKind::AppRegistration,
            client_id,
            display_name: app.display_name,
        }));
    }
    Ok(port.find_managed_identity_by_client_id(client_id).await?.map(|mi| ExistingIdentity {
        holder: CredentialHolder::ManagedIdentity { resource_id: mi.resource_id },
        kind: IdentityKind::ManagedIdentity,
        client_id,
        display_name: mi.name,
    }))
}

pub(crate) async fn list<P: MigrationPort>(
    port: &P,
    holder: &CredentialHolder,
) -> Result<Vec<ObservedFic>, AzureError> {
    match holder {
        CredentialHolder::AppRegistration { object_id } => port.list_app_fics(*object_id).await,
        CredentialHolder::ManagedIdentity { resource_id } => port.list_mi_fics(resource_id).await,
    }
}

async fn put<P: MigrationPort>(port: &P, holder: &CredentialHolder, fic: &ObservedFic) -> Result<(), AzureError> {
    match holder {
        CredentialHolder::AppRegistration { object_id } => port.put_app_fic(*object_id, fic).await.map(|_| ()),
        CredentialHolder::ManagedIdentity { resource_id } => port.put_mi_fic(resource_id, fic).await.map(|_| ()),
    }
}

/// Deletes `held`; one already gone is fine.
pub(crate) async fn remove<P: MigrationPort>(port: &P, held: &HeldCredential) -> Result<(), AzureError> {
    let result = match &held.holder {
        CredentialHolder::AppRegistration { object_id } => port.delete_app_fic(*object_id, &held.credential.name).await,
        CredentialHolder::ManagedIdentity { resource_id } => {
            port.delete_mi_fic(resource_id, &held.credential.name).await
        }
    };
    match result {
        Err(e) if e.code() == ErrorCode::NotFound => Ok(()),
        other => other,
    }
}

/// Puts `held` back exactly as it was (an upsert by name).
pub(crate) async fn restore<P: MigrationPort>(port: &P, held: &HeldCredential) -> Result<(), AzureError> {
    let present = list(port, &held.holder).await?;
    if present.iter().any(|f| same(f, &held.credential.issuer, &held.credential.subject)) {
        return Ok(());
    }
    put(port, &held.holder, &held.credential).await
}

pub(crate) fn same(fic: &ObservedFic, issuer: &str, subject: &str) -> bool {
    compare_fic(&fic.issuer, &fic.subject, &fic.audiences, issuer, subject) == FicMatch::Exact
}

/// What writing the credential came to.
pub(crate) enum Written {
    /// Written now (or by an earlier attempt of this migration, per its intent).
    Ours(HeldCredential),
    /// It was there already, written by someone else: not ours to remove on revert.
    AlreadyThere,
    /// Entra refused the signed-in user: the identity's owner must add it.
    NotAllowed,
}

/// Writes a credential trusting `issuer` and `subject` on `identity`, named `name` unless a
/// credential of that name already trusts something else. `writers` is the identity's lock,
/// held around the write only: the look-first read runs beside other entries' writes (each
/// entry's credential has its own name, and a 21st write is refused by Entra and reported as
/// the cap), while the writes themselves take turns, as a managed identity requires. `listed`
/// is the identity's credentials when the caller has just read them, so they are not read
/// twice.
pub(crate) async fn write<P: MigrationPort>(
    env: &EntryEnv<'_, P>,
    (identity, listed): (&ExistingIdentity, Option<Vec<ObservedFic>>),
    writers: &tokio::sync::Mutex<()>,
    name: &str,
    issuer: &str,
    subject: &str,
) -> Result<Written, EngineError> {
    let az = |e: AzureError| EngineError::azure(format!("Write the federated credential of {}", env.label), e);
    let existing = match listed {
        Some(listed) => listed,
        None => list(env.port, &identity.holder).await.map_err(az)?,
    };
    let intended = env.record().intent;
    let ours = |name: &str| intended.as_ref().is_some_and(|i| i.names(IntentKind::FederatedCredential, name));
    if let Some(found) = existing.iter().find(|f| same(f, issuer, subject)) {
        let held = HeldCredential { holder: identity.holder.clone(), credential: found.clone() };
        return Ok(if ours(&found.name) { Written::Ours(held) } else { Written::AlreadyThere });
    }
    // A credential of the same name that trusts something else (the Azure DevOps issuer's, say)
    // is kept: the new one gets its own name.
    let name =
        if existing.iter().any(|f| f.name.eq_ignore_ascii_case(name)) { format!("{name}-entra") } else { name.into() };
    if existing.len() >= MAX_FICS_PER_IDENTITY {
        return Err(cap_reached(env, identity));
    }
    let fic = ObservedFic {
        name: name.clone(),
        issuer: issuer.into(),
        subject: subject.into(),
        audiences: vec![TOKEN_EXCHANGE_AUDIENCE.into()],
    };
    env.update(|record| {
        if !record.intent.as_ref().is_some_and(|i| i.names(IntentKind::FederatedCredential, &name)) {
            record.intent = Some(Intent::now(&env.label, IntentKind::FederatedCredential, &name));
        }
    })
    .await?;
    let _one_writer = writers.lock().await;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let error = match put(env.port, &identity.holder, &fic).await {
            Ok(()) => break,
            Err(error) => error,
        };
        match error.code() {
            // The answer was lost: look before sending it again.
            ErrorCode::OutcomeUnknown => {
                let now = list(env.port, &identity.holder).await.map_err(az)?;
                if now.iter().any(|f| same(f, issuer, subject)) {
                    break;
                }
                if attempt >= crate::assumptions::CREATE_ATTEMPTS {
                    return Err(az(error));
                }
            }
            // A managed identity answers concurrent credential writes with 409.
            ErrorCode::Conflict if identity.kind == IdentityKind::ManagedIdentity && attempt < 5 => {
                tokio::time::sleep(crate::steps::verify::backoff(&env.options.consistency, attempt)).await;
            }
            ErrorCode::Forbidden => return Ok(Written::NotAllowed),
            ErrorCode::Validation => {
                let now = list(env.port, &identity.holder).await.map_err(az)?;
                if now.len() >= MAX_FICS_PER_IDENTITY {
                    return Err(cap_reached(env, identity));
                }
                return Err(az(error));
            }
            _ => return Err(az(error)),
        }
    }
    Ok(Written::Ours(HeldCredential { holder: identity.holder.clone(), credential: fic }))
}

fn cap_reached<P>(env: &EntryEnv<'_, P>, identity: &ExistingIdentity) -> EngineError {
    EngineError::CredentialCap {
        connection: env.label.clone(),
        identity: identity.display_name.clone(),
        cap: MAX_FICS_PER_IDENTITY,
    }
}
