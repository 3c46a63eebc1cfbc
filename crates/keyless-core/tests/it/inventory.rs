//! Inventory classification snapshots: one per kind of connection an estate holds, with the
//! reason a person reads when it is out of scope or needs attention.

use keyless_core::{
    CloudName, CloudProfile, Guid,
    inventory::{
        ConnectionClass, ConnectionFacts, CredentialMatch, InventoriedConnection, InventoryIdentity, Orphan, counts,
        credential_match,
    },
    observed::IdentityKind,
};

const TENANT: Guid = Guid::from_u128(0x6b1f3c2a_4d5e_4f60_8a7b_9c0d1e2f3a4b);
const OTHER_TENANT: Guid = Guid::from_u128(0x2e7d9a41_8c3b_4f12_b5a6_0d9e8f7c6b5a);
const CLIENT: Guid = Guid::from_u128(0xa1b2c3d4_e5f6_4a7b_8c9d_0e1f2a3b4c5d);
const ENTRA_ISSUER: &str = "https://login.microsoftonline.com/6b1f3c2a-4d5e-4f60-8a7b-9c0d1e2f3a4b/v2.0";
const DEVOPS_ISSUER: &str = "https://vstoken.dev.azure.com/5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d";

fn app_identity() -> InventoryIdentity {
    InventoryIdentity {
        kind: Some(IdentityKind::AppRegistration),
        display_name: Some("shop-deployer".into()),
        multitenant: Some(false),
        can_write_credentials: Some(true),
        credential_count: Some(2),
        ..InventoryIdentity::unknown(CLIENT, Some(TENANT))
    }
}

fn federated(issuer: &str) -> ConnectionFacts {
    ConnectionFacts {
        organization: "contoso".into(),
        projects: vec!["Shop".into()],
        owning_project: "Shop".into(),
        name: "shop-prod".into(),
        id: Guid::from_u128(0x0b1c2d3e_4f5a_4b6c_8d7e_000000000001),
        endpoint_type: "azurerm".into(),
        scheme: "WorkloadIdentityFederation".into(),
        creation_mode: Some("Manual".into()),
        is_shared: false,
        is_draft: false,
        url: Some("https://management.azure.com/".into()),
        identity: Some(app_identity()),
        identity_unread: None,
        issuer: Some(issuer.into()),
        subject: Some("sc://contoso/Shop/shop-prod".into()),
        credential_match: Some(CredentialMatch::Exact),
        last_used: Some("2026-05-01T10:00:00Z".into()),
        all_pipelines: false,
        authorized_pipelines: vec![1],
    }
}

fn secret(creation_mode: &str) -> ConnectionFacts {
    ConnectionFacts {
        scheme: "ServicePrincipal".into(),
        creation_mode: Some(creation_mode.into()),
        issuer: None,
        subject: None,
        credential_match: None,
        identity: Some(InventoryIdentity {
            secret_expiries: vec!["2026-09-01T00:00:00Z".into(), "2026-06-01T00:00:00Z".into()],
            ..app_identity()
        }),
        ..federated(ENTRA_ISSUER)
    }
}

fn token(endpoint_type: &str, url: &str) -> ConnectionFacts {
    ConnectionFacts {
        endpoint_type: endpoint_type.into(),
        scheme: "Token".into(),
        creation_mode: None,
        url: Some(url.into()),
        identity: None,
        issuer: None,
        subject: None,
        credential_match: None,
        ..federated(ENTRA_ISSUER)
    }
}

fn public() -> CloudProfile {
    CloudName::Public.profile()
}

/// The class and the reason, as a person reads them.
fn classified(facts: ConnectionFacts, cloud: &CloudProfile) -> String {
    let connection = InventoriedConnection::classified(facts, cloud, TENANT);
    format!("{:?}\n{}", connection.class, connection.reason.as_deref().unwrap_or("(no reason)"))
}

fn check(name: &str, facts: ConnectionFacts) {
    insta::assert_snapshot!(name, classified(facts, &public()));
}

#[test]
fn entra_issuer_connection_with_matching_credential_is_zero_secret() {
    check("zero_secret", federated(ENTRA_ISSUER));
}

#[test]
fn automatic_secret_connection_converts_in_place() {
    check("convertible_in_place", secret("Automatic"));
}

#[test]
fn manual_secret_connection_needs_the_credential_first() {
    check("manual_secret", secret("Manual"));
}

#[test]
fn manual_secret_connection_of_someone_elses_identity_names_its_owner() {
    let mut facts = secret("Manual");
    facts.identity.as_mut().unwrap().can_write_credentials = Some(false);
    check("manual_secret_not_writable", facts);
}

#[test]
fn azure_devops_issuer_connection_needs_the_new_entra_credential() {
    check("azure_devops_issuer", federated(DEVOPS_ISSUER));
}

#[test]
fn shared_secret_connection_is_converted_from_its_owning_project() {
    let facts = ConnectionFacts {
        projects: vec!["Payments".into(), "Mobile".into()],
        owning_project: "Payments".into(),
        is_shared: true,
        ..secret("Automatic")
    };
    check("shared", facts);
}

#[test]
fn pat_for_azure_devops_is_token_based() {
    check("token_externaltfs", token("externaltfs", "https://dev.azure.com/fabrikam-shared/"));
    check(
        "token_artifacts_feed",
        token("externalnugetfeed", "https://pkgs.dev.azure.com/fabrikam-shared/_packaging/shared/nuget/v3/index.json"),
    );
}

#[test]
fn token_for_another_service_is_out_of_scope() {
    check("token_github", token("github", "https://github.com"));
}

#[test]
fn multitenant_app_is_out_of_scope() {
    let mut facts = federated(ENTRA_ISSUER);
    facts.identity.as_mut().unwrap().multitenant = Some(true);
    check("multitenant", facts);
}

#[test]
fn identity_in_another_tenant_is_out_of_scope() {
    let mut facts = secret("Manual");
    facts.identity.as_mut().unwrap().tenant_id = Some(OTHER_TENANT);
    check("other_tenant", facts);
}

#[test]
fn azure_devops_issuer_in_a_sovereign_cloud_is_out_of_scope() {
    let usgov = CloudName::UsGovernment.profile();
    insta::assert_snapshot!("sovereign", classified(federated(DEVOPS_ISSUER), &usgov));
}

#[test]
fn credential_cap_reached_needs_attention() {
    let mut facts = secret("Manual");
    facts.identity.as_mut().unwrap().credential_count = Some(20);
    check("credential_cap", facts);
}

#[test]
fn orphaned_identities_need_attention() {
    let mut gone = federated(ENTRA_ISSUER);
    gone.identity = Some(InventoryIdentity {
        orphan: Some(Orphan::IdentityGone),
        ..InventoryIdentity::unknown(CLIENT, Some(TENANT))
    });
    check("identity_gone", gone);
    let mut no_principal = secret("Manual");
    no_principal.identity.as_mut().unwrap().orphan = Some(Orphan::NoServicePrincipal);
    check("no_service_principal", no_principal);
}

#[test]
fn unfinished_draft_needs_attention() {
    check(
        "draft",
        ConnectionFacts { is_draft: true, credential_match: Some(CredentialMatch::Missing), ..federated(ENTRA_ISSUER) },
    );
}

#[test]
fn credential_differing_in_case_needs_attention() {
    check(
        "credential_case",
        ConnectionFacts { credential_match: Some(CredentialMatch::SubjectDiffersInCase), ..federated(ENTRA_ISSUER) },
    );
}

#[test]
fn unreadable_identity_needs_attention() {
    check(
        "identity_unread",
        ConnectionFacts { identity_unread: Some("403 Authorization_RequestDenied".into()), ..secret("Manual") },
    );
}

#[test]
fn agent_managed_identity_is_out_of_scope() {
    check("agent_identity", ConnectionFacts { scheme: "ManagedServiceIdentity".into(), ..secret("Manual") });
}

#[test]
fn a_classified_connection_serializes_in_camel_case_for_both_faces() {
    let connection = InventoriedConnection::classified(federated(DEVOPS_ISSUER), &public(), TENANT);
    insta::assert_json_snapshot!("json_shape", connection);
}

#[test]
fn counts_cover_every_class_and_the_retiring_issuer() {
    let cloud = public();
    let connections: Vec<InventoriedConnection> = [
        federated(ENTRA_ISSUER),
        federated(DEVOPS_ISSUER),
        secret("Automatic"),
        token("externaltfs", "https://dev.azure.com/x/"),
    ]
    .into_iter()
    .map(|facts| InventoriedConnection::classified(facts, &cloud, TENANT))
    .collect();
    let counted = counts(&connections);
    assert_eq!(counted.total, 4);
    assert_eq!(counted.per_class.len(), ConnectionClass::ALL.len(), "every class is listed, even at zero");
    assert_eq!(counted.per_class[&ConnectionClass::ZeroSecret], 1);
    assert_eq!(counted.per_class[&ConnectionClass::ConvertibleAfterCredential], 1);
    assert_eq!(counted.per_class[&ConnectionClass::ConvertibleInPlace], 1);
    assert_eq!(counted.per_class[&ConnectionClass::TokenBased], 1);
    assert_eq!(counted.per_class[&ConnectionClass::NeedsAttention], 0);
    assert_eq!(counted.on_azure_devops_issuer, 1);
}

#[test]
fn the_soonest_secret_expiry_is_the_earliest_date() {
    let facts = secret("Manual");
    assert_eq!(facts.identity.unwrap().soonest_secret_expiry(), Some("2026-06-01T00:00:00Z"));
}

#[test]
fn credentials_compare_like_entra_and_the_best_one_wins() {
    let audience = vec!["api://AzureADTokenExchange".to_string()];
    let subject = "sc://contoso/Shop/shop-prod";
    let case = ("https://i", "sc://contoso/shop/shop-prod", audience.as_slice());
    let exact = ("https://i", subject, audience.as_slice());
    assert_eq!(credential_match([case], "https://i", subject), CredentialMatch::SubjectDiffersInCase);
    assert_eq!(credential_match([case, exact], "https://i", subject), CredentialMatch::Exact);
    assert_eq!(credential_match([exact], "https://other", subject), CredentialMatch::Missing);
    assert_eq!(credential_match([], "https://i", subject), CredentialMatch::Missing);
}
