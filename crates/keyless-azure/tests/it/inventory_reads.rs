//! The reads the inventory needs, against the demo scenario: app registration secrets and
//! certificates (end dates only) and a connection's execution history.

use keyless_azure::AzureClient;
use keyless_core::{Guid, names::OrgName};
use keyless_emulator::EmulatorConfig;

use crate::emulated::{signed_in, start};

const SECRET_APP: Guid = Guid::from_u128(0xb2c3d4e5_f6a7_4b8c_9d0e_1f2a3b4c5d6e);
const NO_SECRET_APP: Guid = Guid::from_u128(0xa1b2c3d4_e5f6_4a7b_8c9d_0e1f2a3b4c5d);
const USED_CONNECTION: Guid = Guid::from_u128(0x0b1c2d3e_4f5a_4b6c_8d7e_000000000001);
const UNUSED_CONNECTION: Guid = Guid::from_u128(0x0b1c2d3e_4f5a_4b6c_8d7e_000000000005);

fn demo() -> EmulatorConfig {
    EmulatorConfig {
        replication_delay: std::time::Duration::ZERO,
        fic_propagation_delay: std::time::Duration::ZERO,
        ..EmulatorConfig::default()
    }
}

#[tokio::test]
async fn an_app_registration_lists_when_its_secrets_end_without_their_values() {
    let em = start(demo()).await;
    let (_, session) = signed_in(&em).await;
    let graph = AzureClient::for_session(&session).graph(None);
    let app = graph.application_by_app_id(SECRET_APP).await.unwrap().expect("the secret-based app exists");
    assert_eq!(app.password_credentials.len(), 1, "{app:?}");
    let secret = &app.password_credentials[0];
    assert_eq!(secret.display_name.as_deref(), Some("Azure DevOps Shop secret"));
    let end = secret.end_date_time.as_deref().expect("an end date");
    assert!(end.len() >= 20 && end.contains('T'), "RFC 3339: {end}");
    assert!(app.key_credentials.is_empty());
    let federated_only = graph.application_by_app_id(NO_SECRET_APP).await.unwrap().unwrap();
    assert!(federated_only.password_credentials.is_empty());
}

#[tokio::test]
async fn execution_history_gives_the_newest_use_first_and_nothing_for_an_unused_connection() {
    let em = start(demo()).await;
    let (_, session) = signed_in(&em).await;
    let contoso = OrgName::parse("contoso").unwrap();
    let devops = AzureClient::for_session(&session).devops(&contoso).await.unwrap();
    let history = devops.execution_history(USED_CONNECTION, 1).await.unwrap();
    assert_eq!(history.len(), 1, "top=1 caps the page");
    assert!(history[0].data.finish_time.is_some(), "{history:?}");
    assert_eq!(history[0].data.definition.as_ref().map(|d| d.id), Some(1), "shop-deploy used it");
    assert!(devops.execution_history(UNUSED_CONNECTION, 1).await.unwrap().is_empty());
}
