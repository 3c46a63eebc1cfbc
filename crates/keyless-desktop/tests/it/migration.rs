//! The Migrate path after the inventory on the demo cloud: the chosen connections planned with
//! the default action their class allows, wave by wave, and the choices the plan refuses.

use keyless_ipc::{
    CredentialWriterView, InventoryRequest, IpcError, IpcErrorCode, MigrationActionView, MigrationChoiceInput,
    MigrationEntryStatusView, MigrationRequest,
};

use crate::support::{App, signed_in_app};

/// The ids of the demo connections named, as the inventory lists them.
async fn ids_of(app: &App, names: &[&str]) -> Vec<String> {
    let inventory = app.controller.take_inventory(InventoryRequest::default()).await.unwrap();
    names
        .iter()
        .map(|name| inventory.connections.iter().find(|connection| connection.name == *name).unwrap().id.clone())
        .collect()
}

fn choice(ids: &[String]) -> MigrationRequest {
    MigrationRequest {
        connections: ids.iter().map(|id| MigrationChoiceInput { id: id.clone(), accepted_findings: vec![] }).collect(),
        wave_size: None,
    }
}

#[tokio::test]
async fn the_plan_of_a_choice_gives_each_connection_its_class_action_in_waves() {
    let app = signed_in_app().await;
    let names = ["shop-prod-secret", "shop-prod-legacy-issuer", "fabrikam-repos-pat"];
    let ids = ids_of(&app, &names).await;
    let plan = app.controller.plan_migration(choice(&ids)).await.unwrap();

    let actions: Vec<(&str, MigrationActionView)> =
        plan.entries.iter().map(|entry| (entry.name.as_str(), entry.action)).collect();
    assert_eq!(
        actions,
        [
            ("shop-prod-secret", MigrationActionView::ConvertInPlace),
            ("shop-prod-legacy-issuer", MigrationActionView::SwitchIssuer),
            ("fabrikam-repos-pat", MigrationActionView::ReplaceWithAzureDevopsConnection),
        ]
    );
    for entry in &plan.entries {
        assert_ne!(entry.status, MigrationEntryStatusView::Refused, "{entry:?}");
        assert!(entry.wave.is_some(), "{} runs in a wave", entry.name);
    }
    let replacement = &plan.entries[2];
    assert_eq!(replacement.new_connection.as_deref(), Some("fabrikam-repos-pat-wif"));
    assert!(replacement.identity.as_ref().unwrap().new, "a new app registration signs the replacement in");
    let legacy = &plan.entries[1];
    let credential = legacy.credential.as_ref().unwrap();
    assert!(credential.issuer.contains("/v2.0"), "the Entra issuer: {}", credential.issuer);
    assert_ne!(credential.written_by, CredentialWriterView::IdentityOwner);
    let planned: usize = plan.waves.iter().map(|wave| wave.connection_ids.len()).sum();
    assert_eq!(planned, 3);
    assert!(plan.waves.iter().flat_map(|wave| &wave.connection_ids).all(|id| ids.contains(id)));
}

#[tokio::test]
async fn a_connection_that_cannot_be_migrated_or_is_gone_is_refused_with_what_to_do() {
    let app = signed_in_app().await;
    let zero_secret = ids_of(&app, &["shop-prod"]).await;
    let refused = IpcError::from(app.controller.plan_migration(choice(&zero_secret)).await.unwrap_err());
    assert_eq!(refused.code, IpcErrorCode::InvalidInput);
    assert!(refused.message.contains("shop-prod"), "{refused:?}");

    let gone = choice(&["00000000-0000-4000-8000-0000000000ff".to_string()]);
    let refused = IpcError::from(app.controller.plan_migration(gone).await.unwrap_err());
    assert_eq!(refused.code, IpcErrorCode::NotFound);
    assert!(refused.help.contains("inventory"), "{refused:?}");
}
