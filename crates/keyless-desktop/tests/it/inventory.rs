//! The Migrate path's inventory on the demo cloud: every connection with the facts its row and
//! details show, one organization on request, and the failures the screen offers a way out of.

use keyless_ipc::{ConnectionClassView, IdentityKindView, InventoryRequest, IpcError, IpcErrorCode, IssuerKindView};

use crate::support::{CONTOSO_TENANT, app, signed_in_app};

#[tokio::test]
async fn the_inventory_lists_the_demo_estate_with_classes_identities_and_the_issuer_retirement() {
    let app = signed_in_app().await;
    let inventory = app.controller.take_inventory(InventoryRequest::default()).await.unwrap();
    assert_eq!(inventory.unread, []);
    assert_eq!(inventory.azure_devops_issuer_retirement, "2027-07-01");
    let organizations: std::collections::BTreeSet<&str> =
        inventory.connections.iter().map(|connection| connection.organization.as_str()).collect();
    assert_eq!(organizations.into_iter().collect::<Vec<_>>(), ["contoso", "contoso-platform", "fabrikam-shared"]);

    let find = |name: &str| inventory.connections.iter().find(|connection| connection.name == name).unwrap();
    let secret = find("shop-prod-secret");
    assert_eq!(secret.class, ConnectionClassView::ConvertibleInPlace);
    assert_eq!((secret.endpoint_type.as_str(), secret.scheme.as_str()), ("azurerm", "ServicePrincipal"));
    assert_eq!(secret.id, "0b1c2d3e-4f5a-4b6c-8d7e-000000000004", "ids are lowercase GUIDs");
    let identity = secret.identity.as_ref().unwrap();
    assert_eq!(identity.kind, Some(IdentityKindView::AppRegistration));
    assert_eq!(identity.client_id, "b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e");
    assert_eq!(identity.tenant_id.as_deref(), Some(CONTOSO_TENANT));
    assert_eq!(identity.secret_expiries.len(), 1, "the secret's end date, never its value: {identity:?}");

    let legacy = find("shop-prod-legacy-issuer");
    assert_eq!(legacy.class, ConnectionClassView::ConvertibleAfterCredential);
    assert_eq!(legacy.issuer_kind, Some(IssuerKindView::AzureDevOps));
    assert_eq!(legacy.subject.as_deref(), Some("sc://contoso/Shop/shop-prod-legacy-issuer"));

    let shared = find("payments-prod-secret");
    assert_eq!(shared.class, ConnectionClassView::Shared);
    assert_eq!(
        (shared.owning_project.as_str(), shared.projects.as_slice()),
        ("Payments", &["Payments".to_string(), "Mobile".to_string()][..])
    );
    assert_eq!(find("fabrikam-repos-pat").class, ConnectionClassView::TokenBased);
    assert!(find("data-ingest-draft").is_draft);
    assert!(find("payments-partner").reason.as_deref().unwrap().contains("multitenant"));
    assert_eq!(find("shop-prod").authorized_pipelines, [1]);
}

#[tokio::test]
async fn the_inventory_of_one_organization_lists_only_its_connections() {
    let app = signed_in_app().await;
    let request = InventoryRequest { organizations: Some(vec!["contoso-platform".into()]) };
    let inventory = app.controller.take_inventory(request).await.unwrap();
    let mut names: Vec<&str> = inventory.connections.iter().map(|connection| connection.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["data-ingest-draft", "github-contoso", "landing-zones"]);
}

#[tokio::test]
async fn the_inventory_needs_a_sign_in_and_a_valid_organization_name() {
    let signed_out = app();
    let refused = signed_out.controller.take_inventory(InventoryRequest::default()).await.unwrap_err();
    assert_eq!(IpcError::from(refused).code, IpcErrorCode::SignInRequired);

    let app = signed_in_app().await;
    let request = InventoryRequest { organizations: Some(vec!["not/an org".into()]) };
    let refused = app.controller.take_inventory(request).await.unwrap_err();
    assert_eq!(IpcError::from(refused).code, IpcErrorCode::InvalidInput);
}
