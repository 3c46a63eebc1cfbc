//! Propagation delays: right after a write, TestConnection answers exactly as if the new
//! credential, app, role assignment or membership were missing, and succeeds once it has
//! propagated. Delays are a second, so the first check always falls inside them.

use std::time::Duration;

use keyless_core::Guid;
use keyless_emulator::{EmulatorConfig, PropagationKind, RunningEmulator, minimal_ids};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::*;

const DELAY: Duration = Duration::from_secs(1);
const MSI: &str = "api-version=2024-11-30";
const READER: &str = "acdd72a7-3385-48ef-bd42-f606fba81ae7";

fn identity_path(name: &str) -> String {
    format!(
        "/arm/subscriptions/{}/resourceGroups/rg-web/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}",
        minimal_ids::SUBSCRIPTION
    )
}

async fn new_managed_identity(em: &RunningEmulator, arm_token: &str, name: &str) -> Value {
    let path = format!("{}?{MSI}", identity_path(name));
    let (status, identity) = send(em, Method::PUT, &path, arm_token, &json!({"location": "westeurope"})).await;
    assert_eq!(status, StatusCode::CREATED, "{identity}");
    identity
}

async fn add_managed_identity_fic(em: &RunningEmulator, arm_token: &str, identity: &str, connection: &Value) {
    let (issuer, subject) = issuer_and_subject(connection);
    let path = format!("{}/federatedIdentityCredentials/ado?{MSI}", identity_path(identity));
    let body =
        json!({"properties": {"issuer": issuer, "subject": subject, "audiences": ["api://AzureADTokenExchange"]}});
    let (status, written) = send(em, Method::PUT, &path, arm_token, &body).await;
    assert!(status.is_success(), "{written}");
}

async fn add_app_fic(em: &RunningEmulator, graph_token: &str, app_object_id: &str, connection: &Value) {
    let (issuer, subject) = issuer_and_subject(connection);
    let path = format!("/graph/v1.0/applications/{app_object_id}/federatedIdentityCredentials");
    let body =
        json!({"name": "ado", "issuer": issuer, "subject": subject, "audiences": ["api://AzureADTokenExchange"]});
    let (status, written) = send(em, Method::POST, &path, graph_token, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{written}");
}

async fn grant_reader_on_subscription(em: &RunningEmulator, arm_token: &str, principal: &str) {
    let scope = format!("/subscriptions/{}", minimal_ids::SUBSCRIPTION);
    let path = format!(
        "/arm{scope}/providers/Microsoft.Authorization/roleAssignments/{}?api-version=2022-04-01",
        Guid::new_random()
    );
    let body = json!({"properties": {
        "roleDefinitionId": format!("{scope}/providers/Microsoft.Authorization/roleDefinitions/{READER}"),
        "principalId": principal,
        "principalType": "ServicePrincipal",
    }});
    let (status, created) = send(em, Method::PUT, &path, arm_token, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
}

fn error_of(result: &Value) -> String {
    assert_ne!(result["statusCode"], "ok", "{result}");
    result["errorMessage"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_managed_identity_fic_answers_aadsts70025_until_it_has_propagated() {
    let em = start(EmulatorConfig { managed_identity_fic_propagation_delay: DELAY, ..fast_config() }).await;
    let tokens = sign_in(&em).await;
    let identity = new_managed_identity(&em, &tokens.arm, "id-fresh").await;
    let client_id = identity["properties"]["clientId"].as_str().unwrap();
    grant_reader_on_subscription(&em, &tokens.arm, identity["properties"]["principalId"].as_str().unwrap()).await;
    let connection = create_connection(&em, &tokens.devops, &azurerm_connection_body("sc-mi", client_id, None)).await;
    let missing = error_of(&verify_connection(&em, &tokens.devops, &connection).await);
    assert!(
        missing.contains(&format!(
            "AADSTS70025: The client '{client_id}'(id-fresh) has no configured federated identity credentials."
        )),
        "{missing}"
    );
    add_managed_identity_fic(&em, &tokens.arm, "id-fresh", &connection).await;
    let not_yet = error_of(&verify_connection(&em, &tokens.devops, &connection).await);
    assert_eq!(not_yet, missing, "not yet propagated reads exactly like missing");
    verify_eventually(&em, &tokens.devops, &connection).await;
}

#[tokio::test]
async fn a_new_role_assignment_answers_subscription_not_found_until_it_has_propagated() {
    let em = start(EmulatorConfig { role_propagation_delay: DELAY, ..fast_config() }).await;
    let tokens = sign_in(&em).await;
    let identity = new_managed_identity(&em, &tokens.arm, "id-roles").await;
    let client_id = identity["properties"]["clientId"].as_str().unwrap();
    let principal = identity["properties"]["principalId"].as_str().unwrap();
    let connection = create_connection(&em, &tokens.devops, &azurerm_connection_body("sc-role", client_id, None)).await;
    add_managed_identity_fic(&em, &tokens.arm, "id-roles", &connection).await;
    let missing = error_of(&verify_connection(&em, &tokens.devops, &connection).await);
    let sub = minimal_ids::SUBSCRIPTION;
    assert!(
        missing.contains(&format!(
            "\"code\":\"SubscriptionNotFound\",\"message\":\"The subscription '{sub}' could not be found.\""
        )),
        "{missing}"
    );
    grant_reader_on_subscription(&em, &tokens.arm, principal).await;
    let not_yet = error_of(&verify_connection(&em, &tokens.devops, &connection).await);
    assert_eq!(not_yet, missing, "not yet propagated reads exactly like missing");
    verify_eventually(&em, &tokens.devops, &connection).await;
}

#[tokio::test]
async fn a_resource_group_connection_without_a_role_on_its_group_answers_authorization_failed() {
    let em = start(fast_config()).await;
    let tokens = sign_in(&em).await;
    // id-web holds Contributor on rg-web only: a connection of it scoped to another resource
    // group sees the subscription but not the group.
    let body = azurerm_connection_body("sc-rg", "cccccccc-cccc-4ccc-8ccc-cccccccccccc", Some("rg-other"));
    let connection = create_connection(&em, &tokens.devops, &body).await;
    add_managed_identity_fic(&em, &tokens.arm, "id-web", &connection).await;
    let message = error_of(&verify_connection(&em, &tokens.devops, &connection).await);
    assert!(message.contains("\"code\":\"AuthorizationFailed\""), "{message}");
    assert!(message.contains("'Microsoft.Resources/subscriptions/resourceGroups/read'"), "{message}");
}

#[tokio::test]
async fn a_new_app_registration_answers_aadsts700016_until_it_has_propagated() {
    let em = start(EmulatorConfig { app_propagation_delay: DELAY, ..fast_config() }).await;
    let tokens = sign_in(&em).await;
    let (status, app) =
        send(&em, Method::POST, "/graph/v1.0/applications", &tokens.graph, &json!({"displayName": "kl-new-app"})).await;
    assert_eq!(status, StatusCode::CREATED, "{app}");
    let app_id = app["appId"].as_str().unwrap();
    let (status, sp) =
        send(&em, Method::POST, "/graph/v1.0/servicePrincipals", &tokens.graph, &json!({"appId": app_id})).await;
    assert_eq!(status, StatusCode::CREATED, "{sp}");
    let connection = create_connection(&em, &tokens.devops, &azurerm_connection_body("sc-app", app_id, None)).await;
    add_app_fic(&em, &tokens.graph, app["id"].as_str().unwrap(), &connection).await;
    grant_reader_on_subscription(&em, &tokens.arm, sp["id"].as_str().unwrap()).await;
    let not_yet = error_of(&verify_connection(&em, &tokens.devops, &connection).await);
    assert!(
        not_yet.contains(&format!(
            "AADSTS700016: Application with identifier '{app_id}' was not found in the directory 'Contoso'."
        )),
        "{not_yet}"
    );
    // Exactly the answer for an app that does not exist at all.
    let unknown = Guid::new_random().to_string();
    let ghost = create_connection(&em, &tokens.devops, &azurerm_connection_body("sc-ghost", &unknown, None)).await;
    let missing = error_of(&verify_connection(&em, &tokens.devops, &ghost).await);
    assert_eq!(not_yet.replace(app_id, "{appId}"), missing.replace(&unknown, "{appId}"));
    verify_eventually(&em, &tokens.devops, &connection).await;
}

#[tokio::test]
async fn a_new_member_answers_tf401444_until_the_membership_has_propagated() {
    let em = start(EmulatorConfig { membership_propagation_delay: DELAY, ..fast_config() }).await;
    let tokens = sign_in(&em).await;
    entitle(&em, &tokens.devops, &minimal_ids::APP_SP_ID.to_string()).await;
    let body = json!({
        "name": "azdo-new-member",
        "type": "WorkloadIdentityUser",
        "url": "https://dev.azure.com/contoso/",
        "authorization": {"scheme": "WorkloadIdentityFederation", "parameters": {"tenantid": minimal_ids::TENANT.to_string(), "serviceprincipalid": minimal_ids::APP_ID.to_string()}},
        "isReady": true,
        "serviceEndpointProjectReferences": [{"projectReference": {"id": minimal_ids::PROJECT.to_string(), "name": "Web"}, "name": "azdo-new-member"}],
    });
    let connection = create_connection(&em, &tokens.devops, &body).await;
    add_app_fic(&em, &tokens.graph, &minimal_ids::APP_OBJECT_ID.to_string(), &connection).await;
    let not_yet = error_of(&verify_connection(&em, &tokens.devops, &connection).await);
    let t = minimal_ids::TENANT;
    assert_eq!(
        not_yet,
        format!(
            "TF401444: Please sign-in at least once as {t}\\{t}\\{} in a web browser to enable access to the service.",
            minimal_ids::APP_SP_ID
        )
    );
    verify_eventually(&em, &tokens.devops, &connection).await;
}

#[tokio::test]
async fn jitter_is_deterministic_for_a_seed() {
    let config = |seed| EmulatorConfig {
        seed,
        delay_jitter: 0.8,
        role_propagation_delay: Duration::from_millis(1000),
        ..fast_config()
    };
    let (a, b, c) = (start(config(5)).await, start(config(5)).await, start(config(6)).await);
    let objects: Vec<Guid> = (1..=20u128).map(Guid::from_u128).collect();
    let delays = |em: &RunningEmulator| {
        objects.iter().map(|o| em.propagation_delay(PropagationKind::RoleAssignment, *o)).collect::<Vec<_>>()
    };
    assert_eq!(delays(&a), delays(&b), "the same seed gives the same delays");
    assert_ne!(delays(&a), delays(&c), "another seed gives other delays");
    let spread = delays(&a);
    assert!(
        spread.iter().all(|d| *d >= Duration::from_millis(1000) && *d <= Duration::from_millis(1800)),
        "{spread:?}"
    );
    assert!(spread.windows(2).any(|w| w[0] != w[1]), "objects get different delays: {spread:?}");
    assert_eq!(
        a.propagation_delay(PropagationKind::Membership, objects[0]),
        fast_config().membership_propagation_delay,
        "a zero delay stays zero"
    );
}
