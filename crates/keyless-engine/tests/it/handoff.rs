//! An identity the admin cannot write: the connection becomes a draft with a hand-off pack,
//! the owner adds the credential, and `finish` completes and verifies it.

use keyless_azure::graph::{AppRef, NewFederatedCredential};
use keyless_core::Guid;
use keyless_engine::{finish::finish, journal::RunStatus, progress::StepOutcome};

use crate::support::*;

const HAND_OFF: &str = r#"
[identity]
kind = "existing"
name = "data-platform-ingest"

[[connections]]
name = "sc-ingest"
organization = "contoso"
project = "Shop"
type = "azure-rm"
scope = { subscription = "9d8c7b6a-5f4e-4d3c-9b2a-190807060504" }
"#;

#[tokio::test]
async fn a_draft_is_handed_off_and_finished_once_the_owner_adds_the_credential() {
    let world = world().await;
    let setup = setup(HAND_OFF);
    let (plan, _) = world.plan(&setup).await;
    assert!(plan.identities[0].hand_off);
    let journal = world.apply(&setup).await;
    assert_eq!(journal.status, RunStatus::WaitingForHandOff);
    let record = &journal.steps["fic/contoso/Shop/sc-ingest"];
    assert_eq!(record.outcome, StepOutcome::HandedOff);
    let pack = record.hand_off.clone().expect("hand-off pack");
    let state = world.state();
    let endpoint = find(&state, "serviceEndpoints", "name", "sc-ingest");
    assert_eq!(endpoint["data"]["isDraft"], "True");
    assert_eq!(pack.subject, endpoint["parameters"]["workloadIdentityFederationSubject"].as_str().unwrap());
    assert!(pack.az_command.contains(&pack.subject));

    // Nothing to finish before the owner acts.
    let waiting = finish(&world.port, &world.store, &world.reporter, &plan, journal, &options()).await.unwrap();
    assert_eq!(waiting.status, RunStatus::WaitingForHandOff);

    // The owner side: an application administrator adds the credential from the pack.
    let object_id: Guid = pack.identity_ref.parse().unwrap();
    let admin = keyless_azure::AzureClient::for_session(&owner_session(&world).await);
    admin
        .graph(None)
        .create_app_fic(
            AppRef::ObjectId(object_id),
            &NewFederatedCredential::for_devops(&pack.fic_name, &pack.issuer, &pack.subject),
        )
        .await
        .unwrap();

    let done = finish(&world.port, &world.store, &world.reporter, &plan, waiting, &options()).await.unwrap();
    assert_eq!(done.status, RunStatus::Completed);
    assert_eq!(done.steps["verify/contoso/Shop/sc-ingest"].outcome, StepOutcome::Verified);
    let state = world.state();
    let endpoint = find(&state, "serviceEndpoints", "name", "sc-ingest");
    assert_eq!(endpoint["isReady"], true);
    assert!(endpoint["data"].get("isDraft").is_none());
}

async fn owner_session(world: &World) -> keyless_azure::auth::Session {
    use keyless_azure::auth::{SignInCancel, SignInOptions, sign_in_with_browser};
    let options = SignInOptions {
        login_hint: Some("adele.vance@contoso.com".into()),
        ..SignInOptions::new(world.em.cloud_profile())
    };
    sign_in_with_browser(&world.http, &options, &FollowRedirects, &SignInCancel::new()).await.unwrap()
}
