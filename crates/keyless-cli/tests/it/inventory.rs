//! `keyless inventory` on the emulator: a JSON array of connections, CSV with a header and
//! quoted fields, and a table with the counts per class.

use serde_json::Value;

use crate::support::*;

#[tokio::test]
async fn inventory_prints_a_json_array_of_classified_connections() {
    let em = emulator().await;
    let state = tempfile::tempdir().unwrap();
    let cloud = em.base_url();
    let azure = ["--cloud", cloud.as_str(), "--auth", "device-code"];
    let out = keyless(&[&["inventory", "--output", "json"][..], &azure].concat(), state.path()).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let listed: Value = serde_json::from_str(&stdout(&out)).expect("stdout is one JSON document");
    let connections = listed.as_array().expect("an array of connections");
    assert_eq!(connections.len(), 15, "every connection of the demo estate");
    let secret = connections.iter().find(|c| c["name"] == "shop-prod-secret").unwrap();
    assert_eq!(secret["organization"], "contoso");
    assert_eq!(secret["owningProject"], "Shop");
    assert_eq!(secret["scheme"], "ServicePrincipal");
    assert_eq!(secret["class"], "convertibleInPlace");
    assert_eq!(secret["identity"]["kind"], "appRegistration");
    assert!(secret["identity"]["secretExpiries"][0].is_string(), "{secret}");
    let legacy = connections.iter().find(|c| c["name"] == "shop-prod-legacy-issuer").unwrap();
    assert_eq!(legacy["issuerKind"], "azureDevOps");

    let out =
        keyless(&[&["inventory", "--org", "contoso-platform", "--output", "json"][..], &azure].concat(), state.path())
            .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let listed: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(listed.as_array().unwrap().iter().all(|c| c["organization"] == "contoso-platform"), "{listed}");
}

#[tokio::test]
async fn inventory_csv_has_a_header_and_quotes_fields_with_commas() {
    let em = emulator().await;
    let state = tempfile::tempdir().unwrap();
    let cloud = em.base_url();
    let out =
        keyless(&["inventory", "--cloud", &cloud, "--auth", "device-code", "--output", "csv"], state.path()).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let mut lines = text.split("\r\n");
    assert!(lines.next().unwrap().starts_with("organization,projects,owningProject,name,id,endpointType,scheme,"));
    let shared = text.lines().find(|l| l.contains(",payments-prod-secret,")).expect("one row per connection");
    assert!(shared.starts_with("contoso,Payments;Mobile,Payments,payments-prod-secret,"), "{shared}");
    assert!(
        shared.contains(",shared,shared with other projects: convert it from its owning project Payments,"),
        "{shared}"
    );
    let partner = text.lines().find(|l| l.contains(",payments-partner,")).unwrap();
    assert!(
        partner.contains("\"its identity is a multitenant app registration, which"),
        "a reason with commas is quoted: {partner}"
    );
}

#[tokio::test]
async fn inventory_table_ends_with_the_counts_and_the_issuer_retirement() {
    let em = emulator().await;
    let state = tempfile::tempdir().unwrap();
    let cloud = em.base_url();
    let out = keyless(&["inventory", "--cloud", &cloud, "--auth", "device-code"], state.path()).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("ORGANIZATION"), "{text}");
    assert!(
        text.contains("15 connections: 5 zero secret, 1 convertible in place, 2 convertible after credential, 1 shared, 2 token based, 2 out of scope, 2 needs attention"),
        "{text}"
    );
    assert!(text.contains("On the Azure DevOps issuer, which retires on 2027-07-01: 1 connection"), "{text}");
}
