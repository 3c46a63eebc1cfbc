//! The inventory of the demo estate: every connection of every organization, classified; an
//! organization that cannot be read reported beside the others; each identity read once; each
//! organization read over a connection of its own, not one per request.

use keyless_core::inventory::{ConnectionClass, InventoriedConnection};
use keyless_emulator::{FaultConfig, FaultKind, TargetedFault};
use keyless_usecases::{UnreadPlace, inventory::take_inventory};

use crate::support::signed_in;

/// One line per connection: where it is, its name and its class.
fn rows(connections: &[InventoriedConnection]) -> String {
    connections.iter().map(|c| format!("{}/{}/{}: {:?}\n", c.organization, c.owning_project, c.name, c.class)).collect()
}

const DEMO_ESTATE: &str = "\
contoso/Mobile/fabrikam-repos-pat: TokenBased
contoso/Mobile/platform-packages: ZeroSecret
contoso/Payments/payments-partner: OutOfScope
contoso/Payments/payments-prod-secret: Shared
contoso/Payments/payments-terraform: ConvertibleAfterCredential
contoso/Shop/shop-case-mismatch: NeedsAttention
contoso/Shop/shop-dev: ZeroSecret
contoso/Shop/shop-nuget-feed: TokenBased
contoso/Shop/shop-prod: ZeroSecret
contoso/Shop/shop-prod-legacy-issuer: ConvertibleAfterCredential
contoso/Shop/shop-prod-secret: ConvertibleInPlace
contoso-platform/Infrastructure/data-ingest-draft: NeedsAttention
contoso-platform/Infrastructure/landing-zones: ZeroSecret
contoso-platform/Tooling/github-contoso: OutOfScope
fabrikam-shared/Packages/fabrikam-shared-services: ZeroSecret
";

#[tokio::test]
async fn every_connection_of_the_demo_estate_is_listed_with_its_class() {
    let world = signed_in().await;
    let inventory = take_inventory(&world.connected, None).await.unwrap();
    assert!(inventory.unread.is_empty(), "{:?}", inventory.unread);
    assert_eq!(rows(&inventory.connections), DEMO_ESTATE);

    let find = |name: &str| inventory.connections.iter().find(|c| c.name == name).unwrap();
    let shared = find("payments-prod-secret");
    assert_eq!(shared.projects, ["Payments", "Mobile"]);
    assert!(shared.reason.as_deref().unwrap().contains("owning project Payments"), "{shared:?}");
    let secret = find("shop-prod-secret");
    let identity = secret.identity.as_ref().unwrap();
    assert_eq!(identity.display_name.as_deref(), Some("contoso-Shop-9d8c7b6a-5f4e-4d3c-9b2a-190807060504"));
    assert!(identity.soonest_secret_expiry().is_some(), "the secret's end date is listed: {identity:?}");
    assert!(secret.all_pipelines);
    assert!(find("shop-prod").last_used.is_some(), "the last pipeline run that used it");
    assert_eq!(find("shop-prod").authorized_pipelines, [1]);
    let counts = inventory.counts();
    assert_eq!(counts.total, 15);
    assert_eq!(counts.per_class[&ConnectionClass::ZeroSecret], 5);
    assert_eq!(counts.on_azure_devops_issuer, 1, "shop-prod-legacy-issuer");
}

#[tokio::test]
async fn an_organization_that_cannot_be_read_is_reported_and_the_others_still_listed() {
    let world = signed_in().await;
    // Every attempt at the organization's project list fails, retries included.
    let targeted = (1..=40)
        .map(|nth| TargetedFault {
            method: "GET".into(),
            path_contains: "/contoso-platform/_apis/projects".into(),
            nth,
            kind: FaultKind::ServiceUnavailable,
        })
        .collect();
    world.demo.emulator().set_faults(FaultConfig { targeted, ..FaultConfig::default() });
    let inventory = take_inventory(&world.connected, None).await.unwrap();
    assert!(inventory.connections.iter().any(|c| c.organization == "contoso"));
    assert!(inventory.connections.iter().any(|c| c.organization == "fabrikam-shared"));
    assert!(!inventory.connections.iter().any(|c| c.organization == "contoso-platform"));
    let unread: Vec<&UnreadPlace> = inventory
        .unread
        .iter()
        .filter(|place| matches!(place, UnreadPlace::Organization { name, .. } if name == "contoso-platform"))
        .collect();
    assert_eq!(unread.len(), 1, "{:?}", inventory.unread);
}

#[tokio::test]
async fn an_identity_shared_by_several_connections_is_looked_up_once() {
    let world = signed_in().await;
    let before = world.demo.emulator().requests().last().map_or(0, |r| r.sequence);
    let inventory = take_inventory(&world.connected, None).await.unwrap();
    // id-platform backs landing-zones, shop-case-mismatch and platform-packages.
    let sharing = inventory
        .connections
        .iter()
        .filter(|c| c.identity.as_ref().is_some_and(|i| i.display_name.as_deref() == Some("id-platform")))
        .count();
    assert_eq!(sharing, 3);
    let served: Vec<_> = world.demo.emulator().requests().into_iter().filter(|r| r.sequence > before).collect();
    let count = |needle: &[&str]| served.iter().filter(|r| needle.iter().all(|n| r.path.contains(n))).count();
    assert_eq!(count(&["applications(", "1b2c3d4e-5f6a-4b7c-8d8e-9f0a1b2c3d4e"]), 1, "one app lookup for id-platform");
    assert_eq!(count(&["userAssignedIdentities/id-platform/federatedIdentityCredentials"]), 1);
    assert_eq!(count(&["applications(", "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"]), 1, "shop-deployer backs two");
}

/// The transport's clients a request goes through: one per organization, subscription and
/// Entra host, two for Graph (200 in flight at 100 streams a connection).
fn scope_of(path: &str) -> String {
    let mut segments = path.trim_start_matches('/').split('/');
    let service = segments.next().unwrap_or_default();
    match service {
        "ado" | "vssps" | "vsaex" => format!("devops {}", segments.next().unwrap_or_default()),
        "arm" => match (segments.next(), segments.next()) {
            (Some("subscriptions"), Some(id)) => format!("arm {id}"),
            _ => "arm tenant".into(),
        },
        other => other.to_string(),
    }
}

#[tokio::test]
async fn each_organization_is_read_over_a_connection_of_its_own_not_one_per_request() {
    let world = signed_in().await;
    let emulator = world.demo.emulator();
    let (first_request, connections_before) = (emulator.requests().len(), emulator.connections_accepted());
    let inventory = take_inventory(&world.connected, None).await.unwrap();
    assert_eq!(inventory.connections.len(), 15);
    let served: Vec<_> = emulator.requests().into_iter().skip(first_request).collect();
    let scopes: std::collections::BTreeSet<String> = served.iter().map(|r| scope_of(&r.path)).collect();
    let clients = scopes.len() + usize::from(scopes.contains("graph"));
    let opened = emulator.connections_accepted() - connections_before;
    assert!(served.len() > 50, "{} requests", served.len());
    assert!(opened as usize <= clients, "{opened} connections for {} requests in {scopes:?}", served.len());
}
