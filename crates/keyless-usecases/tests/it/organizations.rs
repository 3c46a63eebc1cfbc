//! Organizations across tenants: every one found, and every one that could not be read
//! reported beside them instead of dropped.

use keyless_emulator::{FaultConfig, FaultKind, TargetedFault};
use keyless_usecases::{UnreadPlace, organizations};

use crate::support::signed_in;

#[tokio::test]
async fn every_organization_of_the_account_is_found_with_its_tenant() {
    let world = signed_in().await;
    let found = organizations::discover(&world.connected).await;
    let names: Vec<&str> = found.organizations.iter().map(|o| o.name.as_str()).collect();
    for expected in ["contoso", "contoso-platform", "contoso-legacy"] {
        assert!(names.contains(&expected), "{expected} missing from {names:?}");
    }
    let contoso = found.organizations.iter().find(|o| o.name == "contoso").unwrap();
    assert!(contoso.tenant_matches_account);
    assert!(contoso.projects.as_ref().is_ok_and(|count| *count > 0), "{contoso:?}");
    assert!(found.unread.is_empty(), "{:?}", found.unread);
}

#[tokio::test]
async fn an_organization_that_cannot_be_read_is_reported_and_the_others_still_listed() {
    let world = signed_in().await;
    // Every attempt at the organization's connection data fails, retries included.
    let targeted = (1..=12)
        .map(|nth| TargetedFault {
            method: "GET".into(),
            path_contains: "/contoso-legacy/_apis/connectionData".into(),
            nth,
            kind: FaultKind::ServiceUnavailable,
        })
        .collect();
    world.demo.emulator().set_faults(FaultConfig { targeted, ..FaultConfig::default() });
    let found = organizations::discover(&world.connected).await;
    assert!(found.organizations.iter().any(|o| o.name == "contoso"));
    assert!(!found.organizations.iter().any(|o| o.name == "contoso-legacy"));
    let unread: Vec<&UnreadPlace> = found
        .unread
        .iter()
        .filter(|place| matches!(place, UnreadPlace::Organization { name, .. } if name == "contoso-legacy"))
        .collect();
    assert_eq!(unread.len(), 1, "{:?}", found.unread);
}
