//! Migrations in place against the emulator: a secret connection converted by Azure DevOps, a
//! manual one whose credential Keyless writes first, a switch from the Azure DevOps issuer, and
//! reverts within and after Azure DevOps' deadline.

use keyless_core::migration::MigrationAction;
use keyless_engine::{
    EngineError,
    error::RevertRefusal,
    migrate::{EntryStep, MigrationStatus, revert_migration},
};

use crate::{
    migrate_support::*,
    support::{options, world},
};

fn issuer_of(endpoint: &serde_json::Value) -> String {
    endpoint["parameters"]["workloadIdentityFederationIssuer"].as_str().unwrap_or_default().to_string()
}

#[tokio::test]
async fn an_automatic_secret_connection_converts_in_place_and_keeps_its_id_and_pipeline_permissions() {
    let w = world().await;
    let before = w.state();
    let plan =
        plan_of(vec![entry("Shop", "shop-prod-secret", AUTOMATIC_SECRET, MigrationAction::ConvertInPlace, None)], 10);
    let journal = migrate(&w, plan).await;

    assert_eq!(journal.status, MigrationStatus::Completed);
    let after = w.state();
    let converted = endpoint(&after, AUTOMATIC_SECRET);
    assert_eq!(converted["scheme"], "WorkloadIdentityFederation");
    assert!(issuer_of(&converted).contains("login"), "Entra issuer: {}", issuer_of(&converted));
    assert_eq!(converted["name"], "shop-prod-secret");
    let permissions = |state: &serde_json::Value| {
        state["pipelinePermissions"].as_array().unwrap().iter().find(|p| p["resourceId"] == AUTOMATIC_SECRET).cloned()
    };
    assert_eq!(permissions(&after), permissions(&before), "pipeline permissions are kept");
    let record = journal.entry(guid(AUTOMATIC_SECRET));
    assert!(record.has(EntryStep::Verified), "{record:?}");
    assert!(record.revert_scheme_deadline.is_some(), "the revert deadline is recorded");
    assert!(record.written_credential.is_none(), "Azure DevOps wrote the credential itself");
}

#[tokio::test]
async fn a_manual_secret_connection_gets_its_credential_before_it_is_converted() {
    let w = world().await;
    let credential = entra_credential(&w, MANUAL_SECRET).await;
    let subject = credential.subject.clone().unwrap();
    let plan = plan_of(
        vec![entry("Payments", "payments-terraform", MANUAL_SECRET, MigrationAction::ConvertInPlace, Some(credential))],
        10,
    );
    let journal = migrate(&w, plan).await;

    let state = w.state();
    assert_eq!(endpoint(&state, MANUAL_SECRET)["scheme"], "WorkloadIdentityFederation");
    let credentials = credentials_of(&state, MANUAL_IDENTITY);
    assert_eq!(credentials.iter().filter(|c| c.ends_with(&subject)).count(), 1, "{credentials:#?}");
    let writes = writes(&w);
    let credential_write = writes.iter().position(|r| r.contains("federatedIdentityCredentials")).unwrap();
    let convert = writes.iter().position(|r| r.starts_with("PUT") && r.contains(MANUAL_SECRET)).unwrap();
    assert!(credential_write < convert, "the credential comes first: {writes:#?}");
    assert!(journal.entry(guid(MANUAL_SECRET)).written_credential.is_some());
}

#[tokio::test]
async fn a_switch_keeps_the_old_credential_until_verified_then_removes_it() {
    let w = world().await;
    let before = credentials_of(&w.state(), LEGACY_IDENTITY);
    let old = before.iter().find(|c| c.starts_with("ado-shop-prod-legacy ")).cloned().expect("the old credential");
    let credential = entra_credential(&w, LEGACY_ISSUER).await;
    let subject = credential.subject.clone().unwrap();
    let plan = plan_of(
        vec![entry("Shop", "shop-prod-legacy-issuer", LEGACY_ISSUER, MigrationAction::SwitchIssuer, Some(credential))],
        10,
    );
    let journal = migrate(&w, plan).await;

    let state = w.state();
    let switched = endpoint(&state, LEGACY_ISSUER);
    assert_eq!(switched["id"], LEGACY_ISSUER);
    assert!(issuer_of(&switched).contains("login"), "Entra issuer: {}", issuer_of(&switched));
    let after = credentials_of(&state, LEGACY_IDENTITY);
    assert!(!after.contains(&old), "the old credential is removed: {after:#?}");
    assert_eq!(after.iter().filter(|c| c.ends_with(&subject)).count(), 1, "{after:#?}");
    let record = journal.entry(guid(LEGACY_ISSUER));
    assert!(record.has(EntryStep::Verified) && record.has(EntryStep::OldCredentialRemoved), "{record:?}");
    let writes = writes(&w);
    let removal = writes.iter().position(|r| r.starts_with("DELETE")).unwrap();
    let verify_done = w.em.requests().iter().filter(|r| r.path.contains("endpointproxy")).count();
    assert!(verify_done > 0 && removal > 0, "verified before the removal: {writes:#?}");
}

#[tokio::test]
async fn a_revert_within_the_deadline_puts_the_secret_back_on_the_same_connection() {
    let w = world().await;
    let plan =
        plan_of(vec![entry("Shop", "shop-prod-secret", AUTOMATIC_SECRET, MigrationAction::ConvertInPlace, None)], 10);
    let journal = migrate(&w, plan).await;

    let reverted = revert_migration(&w.port, &w.store, &w.reporter, journal, &options()).await.unwrap();

    assert_eq!(reverted.status, MigrationStatus::Reverted);
    let back = endpoint(&w.state(), AUTOMATIC_SECRET);
    assert_eq!(back["scheme"], "ServicePrincipal");
    assert_eq!(w.store.load_migration(&reverted.run_id).unwrap().status, MigrationStatus::Reverted);
}

#[tokio::test]
async fn a_revert_after_the_deadline_says_why_not_and_changes_nothing() {
    let w = world().await;
    let plan =
        plan_of(vec![entry("Shop", "shop-prod-secret", AUTOMATIC_SECRET, MigrationAction::ConvertInPlace, None)], 10);
    let journal = migrate(&w, plan).await;
    w.em.expire_revert_deadlines();
    let writes_before = writes(&w).len();

    let refused = revert_migration(&w.port, &w.store, &w.reporter, journal, &options()).await.unwrap_err();

    let EngineError::RevertNotPossible { reason: RevertRefusal::DeadlinePassed { deadline }, .. } = &refused else {
        panic!("expected a passed deadline, got {refused:?}");
    };
    assert!(!deadline.is_empty());
    assert!(refused.to_string().contains("which has passed"), "{refused}");
    let remedy = format!("{:?}", refused.remedy());
    assert!(remedy.contains("keeps working"), "{remedy}");
    assert_eq!(endpoint(&w.state(), AUTOMATIC_SECRET)["scheme"], "WorkloadIdentityFederation");
    assert_eq!(writes(&w).len(), writes_before, "nothing was sent");
}
