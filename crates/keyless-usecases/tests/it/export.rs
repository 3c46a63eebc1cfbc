//! Terraform export of the demo estate and of a finished onboarding run: every object named by
//! the id its provider imports it by, in text a real HCL parser reads.

use keyless_core::{
    Guid,
    setup::{Setup, parse_setup_toml},
};
use keyless_engine::{
    journal::{CreatedResource, JournalStore},
    progress::SilentReporter,
};
use keyless_usecases::{
    AlreadyConfirmed, RunSettings,
    export::{TerraformExport, export_inventory_terraform, export_run_terraform},
    inventory::take_inventory,
    runs,
};

use crate::support::signed_in;

/// The `id` of every `import` block, read by a real HCL parser.
fn import_ids(export: &TerraformExport) -> Vec<String> {
    let body = hcl::parse(&export.text).unwrap_or_else(|error| panic!("not valid HCL: {error}\n{}", export.text));
    body.blocks()
        .filter(|block| block.identifier() == "import")
        .filter_map(|block| block.body().attributes().find(|a| a.key() == "id"))
        .map(|id| {
            hcl::from_str::<serde_json::Value>(&format!("v = {}", hcl::format::to_string(id.expr()).unwrap())).unwrap()
                ["v"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[tokio::test]
async fn the_inventory_export_imports_every_connection_of_the_estate_and_no_secret() {
    let world = signed_in().await;
    let inventory = take_inventory(&world.connected, None).await.unwrap();
    let export = export_inventory_terraform(&world.connected, None, &[]).await.unwrap();
    assert!(export.unread.is_empty(), "{:?}", export.unread);
    let ids = import_ids(&export);
    for connection in &inventory.connections {
        assert!(
            ids.iter().any(|id| id.ends_with(&format!("/{}", connection.id))),
            "{} ({}) has no import block:\n{}",
            connection.name,
            connection.id,
            export.text
        );
    }
    assert!(export.text.contains("the client secret is not exported"), "{}", export.text);
    assert!(!export.text.contains("serviceprincipalkey ="), "{}", export.text);
    assert!(ids.iter().any(|id| id.starts_with("/applications/")), "identities are exported: {ids:?}");
}

#[tokio::test]
async fn an_inventory_export_of_chosen_connections_holds_only_those_and_names_the_unknown_ones() {
    let world = signed_in().await;
    let inventory = take_inventory(&world.connected, None).await.unwrap();
    let chosen = inventory.connections.iter().find(|c| c.name == "shop-prod").unwrap();
    let unknown = Guid::from_u128(0x1234);
    let export = export_inventory_terraform(&world.connected, None, &[chosen.id, unknown]).await.unwrap();
    assert_eq!(export.not_found, [unknown]);
    let connections: Vec<_> =
        export.objects.iter().filter(|o| o.address.starts_with("azuredevops_serviceendpoint")).collect();
    assert_eq!(connections.len(), 1, "{connections:?}");
    assert_eq!(connections[0].import_id.as_deref().map(|id| id.ends_with(&chosen.id.to_string())), Some(true));
}

fn onboarding() -> Setup {
    parse_setup_toml("onboarding.toml", include_str!("../../../../examples/onboarding.toml")).unwrap()
}

#[tokio::test]
async fn a_finished_runs_export_imports_its_app_principal_credential_and_connection() {
    let world = signed_in().await;
    let state = tempfile::tempdir().unwrap();
    let store = JournalStore::new(state.path());
    let settings = RunSettings { consistency: world.demo.consistency(), ..RunSettings::new(store.clone()) };
    let outcome = runs::apply_setup(&world.connected, &settings, &onboarding(), &SilentReporter, &AlreadyConfirmed)
        .await
        .unwrap();
    assert!(outcome.stopped.is_none(), "{:?}", outcome.stopped);

    let export = export_run_terraform(&world.connected, &store, &outcome.journal.run_id).await.unwrap();
    let ids = import_ids(&export);
    let created = outcome.journal.created_resources();
    for resource in &created {
        let expected = match resource {
            CreatedResource::AppRegistration { object_id, .. } => format!("/applications/{object_id}"),
            CreatedResource::ServicePrincipal { object_id, .. } => format!("/servicePrincipals/{object_id}"),
            CreatedResource::AppFederatedCredential { app_object_id, .. } => {
                format!("{app_object_id}/federatedIdentityCredential/")
            }
            CreatedResource::ServiceConnection { id, .. } => format!("/{id}"),
            CreatedResource::RoleAssignment { id } => id.clone(),
            CreatedResource::Entitlement { entitlement_id, .. } => entitlement_id.to_string(),
            other => panic!("the onboarding example does not make {other:?}"),
        };
        assert!(ids.iter().any(|id| id.contains(&expected)), "{expected} is not imported:\n{}", export.text);
    }
    assert!(created.iter().any(|r| matches!(r, CreatedResource::ServiceConnection { .. })));
    assert!(export.text.contains("service_endpoint_authentication_scheme = \"WorkloadIdentityFederation\""));
    assert!(export.text.contains("role_definition_name = \"Contributor\""), "{}", export.text);
}

#[tokio::test]
async fn exporting_an_unknown_run_is_refused() {
    let world = signed_in().await;
    let state = tempfile::tempdir().unwrap();
    let error = export_run_terraform(&world.connected, &JournalStore::new(state.path()), "20260101-000000-abcdef")
        .await
        .unwrap_err();
    assert!(error.to_string().contains("no run named"), "{error}");
}
