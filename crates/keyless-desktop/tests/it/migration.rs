//! The Migrate path after the inventory on the demo cloud: the chosen connections planned with
//! the default action their class allows, wave by wave, the choices the plan refuses, applying
//! with progress per wave and a report per connection, and reverting.

use keyless_desktop::CollectedEvents;
use keyless_ipc::{
    ConnectionClassView, CredentialWriterView, InventoryRequest, IpcError, IpcErrorCode, MigratedOutcomeView,
    MigrationActionView, MigrationChoiceInput, MigrationEntryStatusView, MigrationProgressView, MigrationRequest,
    MigrationRunRequest, MigrationRunStatusView, ProgressView,
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

/// The demo's shop-infra pipeline reads the secret of shop-prod-secret in a script.
const SHOP_INFRA_FINDING: &str = "shop-infra: steps[1]";

/// The choice with every blocking finding its plan shows accepted, as ticking each "Accept this
/// finding" does.
async fn accepting_every_finding(app: &App, ids: &[String]) -> MigrationRequest {
    let mut request = choice(ids);
    let plan = app.controller.plan_migration(request.clone()).await.unwrap();
    for (chosen, entry) in request.connections.iter_mut().zip(&plan.entries) {
        chosen.accepted_findings =
            entry.findings.iter().filter(|finding| finding.blocking).map(|finding| finding.location.clone()).collect();
    }
    request
}

#[tokio::test]
async fn the_plan_of_a_choice_gives_each_connection_its_class_action_in_waves() {
    let app = signed_in_app().await;
    let names = ["shop-prod-secret", "shop-prod-legacy-issuer", "fabrikam-repos-pat"];
    let ids = ids_of(&app, &names).await;
    let blocked = app.controller.plan_migration(choice(&ids)).await.unwrap();
    let secret = &blocked.entries[0];
    assert_eq!((secret.status, secret.wave), (MigrationEntryStatusView::Blocked, None));
    let finding = secret.findings.iter().find(|finding| finding.blocking).unwrap();
    assert_eq!((finding.pipeline.as_deref(), finding.location.as_str()), (Some("shop-infra"), SHOP_INFRA_FINDING));
    assert!(!finding.accepted);

    let plan = app.controller.plan_migration(accepting_every_finding(&app, &ids).await).await.unwrap();
    assert!(plan.entries[0].findings.iter().filter(|f| f.blocking).all(|f| f.accepted));
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

#[tokio::test]
async fn applying_a_choice_migrates_it_wave_by_wave_and_reports_each_connection() {
    let app = signed_in_app().await;
    let ids = ids_of(&app, &["shop-prod-secret", "shop-prod-legacy-issuer"]).await;
    let events = CollectedEvents::<MigrationProgressView>::default();
    let run = app.controller.apply_migration(accepting_every_finding(&app, &ids).await, &events).await.unwrap();

    assert_eq!(run.status, MigrationRunStatusView::Completed, "{run:#?}");
    assert_eq!(run.error, None);
    let reported: Vec<(&str, MigratedOutcomeView)> =
        run.waves.iter().flat_map(|wave| &wave.connections).map(|c| (c.key.as_str(), c.outcome)).collect();
    assert_eq!(
        reported,
        [
            ("contoso/Shop/shop-prod-secret", MigratedOutcomeView::Migrated),
            ("contoso/Shop/shop-prod-legacy-issuer", MigratedOutcomeView::Migrated)
        ]
    );
    assert!(run.waves.iter().all(|wave| wave.verified));
    assert!(run.markdown.contains(&run.run_id));
    let events = events.events();
    assert!(events.iter().any(|event| event.wave == Some(1)), "steps are tagged with their wave");
    assert!(matches!(events.first().map(|e| &e.progress), Some(ProgressView::RunStarted { .. })));
    assert!(matches!(
        events.last(),
        Some(MigrationProgressView { wave: None, progress: ProgressView::RunFinished { succeeded: true, .. } })
    ));

    let inventory = app.controller.take_inventory(InventoryRequest::default()).await.unwrap();
    for id in &ids {
        let connection = inventory.connections.iter().find(|c| &c.id == id).unwrap();
        assert_eq!(connection.class, ConnectionClassView::ZeroSecret, "{} is zero-secret now", connection.name);
    }
    let runs = app.controller.migration_runs().await.unwrap();
    assert_eq!(runs.iter().map(|r| (r.run_id.as_str(), r.connections)).collect::<Vec<_>>(), [(run.run_id.as_str(), 2)]);
}

#[tokio::test]
async fn reverting_a_migration_puts_the_converted_connection_back_on_its_secret() {
    let app = signed_in_app().await;
    let ids = ids_of(&app, &["shop-prod-secret"]).await;
    let run = app
        .controller
        .apply_migration(
            accepting_every_finding(&app, &ids).await,
            &CollectedEvents::<MigrationProgressView>::default(),
        )
        .await
        .unwrap();
    assert!(run.revert_until.is_some(), "a conversion can be reverted for 7 days: {run:#?}");

    let request = MigrationRunRequest { run_id: run.run_id.clone() };
    let reverted =
        app.controller.revert_migration(request, &CollectedEvents::<MigrationProgressView>::default()).await.unwrap();
    assert_eq!(reverted.status, MigrationRunStatusView::Reverted);
    assert_eq!(reverted.revert_until, None);
    let inventory = app.controller.take_inventory(InventoryRequest::default()).await.unwrap();
    let connection = inventory.connections.iter().find(|c| c.id == ids[0]).unwrap();
    assert_eq!(connection.scheme, "ServicePrincipal");
}
