//! The pickers on the demo cloud: organizations, subscriptions, resource groups, locations,
//! identities, and the connection-name check.

use keyless_ipc::{
    ConnectionNameRequest, IdentityKindView, IdentitySearchRequest, IpcError, IpcErrorCode, OrganizationRequest,
    SubscriptionRequest,
};

use crate::support::{CONTOSO_TENANT, PRODUCTION, signed_in_app};

#[tokio::test]
async fn organizations_of_every_tenant_with_their_tenant() {
    let app = signed_in_app().await;
    let list = app.controller.list_organizations().await.unwrap();
    let names: Vec<&str> = list.organizations.iter().map(|org| org.name.as_str()).collect();
    assert_eq!(list.failed, []);
    let fabrikam = list.organizations.iter().find(|org| org.name == "fabrikam-shared").expect("the guest tenant's org");
    assert!(!fabrikam.tenant_matches_account, "fabrikam-shared is connected to Fabrikam");
    for expected in ["contoso", "contoso-platform", "contoso-legacy"] {
        assert!(names.contains(&expected), "{expected} missing from {names:?} (failed: {:?})", list.failed);
    }
    for org in &list.organizations {
        assert_eq!(org.tenant_matches_account, org.tenant_id == CONTOSO_TENANT, "{org:?}");
        assert_eq!(org.is_administrator, None);
    }
    let unknown = app.controller.list_projects(OrganizationRequest { organization: "not/an org".into() }).await;
    assert_eq!(IpcError::from(unknown.unwrap_err()).code, IpcErrorCode::InvalidInput);
}

#[tokio::test]
async fn subscriptions_resource_groups_and_locations() {
    let app = signed_in_app().await;
    let controller = &app.controller;
    let subscriptions = controller.list_subscriptions().await.unwrap();
    let production = subscriptions.iter().find(|sub| sub.id == PRODUCTION).expect("Contoso Production is listed");
    assert_eq!(production.name, "Contoso Production");
    assert_eq!(production.tenant_id, CONTOSO_TENANT);

    let groups =
        controller.list_resource_groups(SubscriptionRequest { subscription: PRODUCTION.into() }).await.unwrap();
    assert!(groups.iter().any(|group| group.name == "rg-shop-prod" && group.location == "westeurope"), "{groups:?}");

    let locations = controller.list_locations(SubscriptionRequest { subscription: PRODUCTION.into() }).await.unwrap();
    let west = locations.iter().find(|location| location.name == "westeurope").expect("westeurope");
    assert_eq!(west.display_name, "West Europe");
    assert!(west.supports_federated_credentials);
    let nz = locations.iter().find(|location| location.name == "newzealandnorth").expect("newzealandnorth");
    assert!(!nz.supports_federated_credentials);

    let refused = controller.list_locations(SubscriptionRequest { subscription: "nope".into() }).await.unwrap_err();
    let refused = IpcError::from(refused);
    assert_eq!(refused.code, IpcErrorCode::InvalidInput);
    assert!(refused.message.contains("subscription"), "{refused:?}");
}

#[tokio::test]
async fn identity_search_finds_apps_and_managed_identities_by_prefix() {
    let app = signed_in_app().await;
    let controller = &app.controller;
    let found = controller.search_identities(IdentitySearchRequest { query: "SHOP".into() }).await.unwrap();
    let deployer = found.iter().find(|identity| identity.display_name == "shop-deployer").expect("shop-deployer");
    assert_eq!(deployer.kind, IdentityKindView::AppRegistration);
    assert!(deployer.can_write, "Megan owns shop-deployer");
    assert!(!deployer.multitenant);
    assert!(found.iter().all(|identity| identity.display_name.to_lowercase().starts_with("shop")), "{found:?}");

    let managed = controller.search_identities(IdentitySearchRequest { query: "id-".into() }).await.unwrap();
    let shop = managed.iter().find(|identity| identity.display_name == "id-shop-prod").expect("id-shop-prod");
    assert_eq!(shop.kind, IdentityKindView::ManagedIdentity);
    assert!(shop.resource_ref.contains("/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-shop-prod"));

    let partner = controller.search_identities(IdentitySearchRequest { query: "partner".into() }).await.unwrap();
    assert!(partner.iter().all(|identity| identity.multitenant), "{partner:?}");
    assert!(!partner.is_empty());
}

#[tokio::test]
async fn connection_names_are_checked_against_the_rules_and_the_project() {
    let app = signed_in_app().await;
    let check = |name: &str| {
        app.controller.check_connection_name(ConnectionNameRequest {
            organization: "contoso".into(),
            project: "Shop".into(),
            name: name.into(),
        })
    };
    let fresh = check("sc-brand-new").await.unwrap();
    assert!(fresh.ok && fresh.problem.is_none() && fresh.help.is_none(), "{fresh:?}");

    let spaced = check(" padded ").await.unwrap();
    assert!(!spaced.ok);
    assert!(spaced.problem.unwrap().contains("leading or trailing spaces"));

    let secret = check("shop-prod-secret").await.unwrap();
    assert!(!secret.ok);
    assert!(secret.problem.unwrap().contains("ServicePrincipal"));

    let federated = check("SHOP-PROD").await.unwrap();
    assert!(federated.ok);
    assert!(federated.help.unwrap().contains("reuses"));

    let missing = app
        .controller
        .check_connection_name(ConnectionNameRequest {
            organization: "contoso".into(),
            project: "Nowhere".into(),
            name: "sc".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(IpcError::from(missing).code, IpcErrorCode::NotFound);
}
