//! Migrations on the demo estate: the drafted file lists its secret, issuer and token
//! connections with their default actions and parses back; planning that file refuses nothing
//! and names the subject Azure DevOps will expect after a manual conversion.

use keyless_core::{
    federation,
    migration::{EntryStatus, MigrationAction, SubjectSource, parse_migration_toml},
};
use keyless_usecases::{
    migration::{draft_migration, plan_migration_file},
    organizations,
};

use crate::support::signed_in;

#[tokio::test]
async fn the_drafted_file_lists_every_migratable_connection_of_the_demo_estate_and_parses_back() {
    let world = signed_in().await;
    let draft = draft_migration(&world.connected, None).await.unwrap();
    assert!(draft.unread.is_empty(), "{:?}", draft.unread);
    let file = parse_migration_toml("drafted.toml", &draft.text)
        .unwrap_or_else(|e| panic!("{}\n{}", e.display_with_help(), draft.text));
    let actions: Vec<String> = file
        .connections
        .iter()
        .map(|e| format!("{}/{}/{}: {}", e.organization, e.project, e.name, e.action.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            "contoso/Mobile/fabrikam-repos-pat: replace-with-azure-devops-connection",
            "contoso/Payments/payments-prod-secret: convert-in-place",
            "contoso/Payments/payments-terraform: convert-in-place",
            "contoso/Shop/shop-nuget-feed: replace-with-azure-devops-connection",
            "contoso/Shop/shop-prod-legacy-issuer: switch-issuer",
            "contoso/Shop/shop-prod-secret: convert-in-place",
        ]
    );
    assert_eq!(draft.entries, 6);
    assert_eq!(draft.listed_only, 9);
    assert!(draft.text.contains("# secret-based, created automatically: converted in place"), "{}", draft.text);
    assert!(draft.text.contains("contoso/Payments/payments-partner"), "out of scope, listed with its reason");
    let pat = file.connections.iter().find(|e| e.name == "fabrikam-repos-pat").unwrap();
    assert_eq!(pat.replacement_name(), "fabrikam-repos-pat-wif");
}

#[tokio::test]
async fn planning_the_drafted_file_names_the_subject_a_manual_conversion_expects() {
    let world = signed_in().await;
    let draft = draft_migration(&world.connected, None).await.unwrap();
    let file = parse_migration_toml("drafted.toml", &draft.text).unwrap();
    let planned = plan_migration_file(&world.connected, &file).await.unwrap();
    let plan = &planned.plan;
    assert_eq!(plan.refused().count(), 0, "{plan:#?}");
    assert_eq!(plan.waves.len(), 1, "the three connections no pipeline finding blocks fit one wave of ten");
    assert_eq!(plan.waves[0].connections.len(), 3);

    let manual = plan.entries.iter().find(|e| e.name == "payments-terraform").unwrap();
    assert_eq!(manual.action, MigrationAction::ConvertInPlace);
    // Its pipelines' long jobs block it (see the impact tests); the credential is planned all the same.
    assert_eq!(manual.status, EntryStatus::Blocked, "{manual:#?}");
    let credential = manual.credential.as_ref().expect("a manual conversion needs the credential first");
    assert_eq!(credential.subject_source, SubjectSource::Expected);
    let found = organizations::discover(&world.connected).await;
    let contoso = found.organizations.iter().find(|o| o.name == "contoso").unwrap();
    let cloud = &world.connected.cloud.profile;
    let tenant = world.connected.tenant();
    assert_eq!(
        credential.subject.as_deref(),
        Some(federation::entra_subject(&cloud.cloud_code, tenant, contoso.id, manual.id).as_str())
    );
    assert_eq!(credential.issuer, federation::entra_issuer(&cloud.issuer_host, tenant));

    let automatic = plan.entries.iter().find(|e| e.name == "shop-prod-secret").unwrap();
    assert!(automatic.credential.is_none(), "Azure DevOps writes the credential of the identity it made");
}
