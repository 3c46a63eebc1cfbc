//! The read clients of issue 2 against the emulator: who am I, tenants, subscriptions,
//! resource groups, locations, Azure DevOps profile, accounts, connectionData, projects.

use std::sync::Arc;
use std::time::Duration;

use keyless_azure::auth::{Resource, StaticTokenSource, TokenSource};
use keyless_azure::{AccessToken, ApiRequest, AzureClient, ErrorCode, Service};
use keyless_core::names::OrgName;
use keyless_emulator::minimal_ids;

use crate::emulated::{fast_config, signed_in, start};
use serde_json::json;

use crate::support::{Reply, ScriptedServer, fast_http};

#[tokio::test]
async fn graph_me_and_organization() {
    let em = start(fast_config()).await;
    let (_, session) = signed_in(&em).await;
    let azure = AzureClient::for_session(&session);
    let me = azure.graph(None).me().await.unwrap();
    assert_eq!(me.id, minimal_ids::USER);
    assert_eq!(me.user_principal_name.as_deref(), Some(minimal_ids::USER_UPN));
    let organization = azure.graph(None).organization().await.unwrap();
    assert_eq!(organization[0].id, minimal_ids::TENANT);
}

#[tokio::test]
async fn arm_tenants_subscriptions_resource_groups_and_locations() {
    let em = start(fast_config()).await;
    let (_, session) = signed_in(&em).await;
    let arm = AzureClient::for_session(&session).arm(None);
    let tenants = arm.tenants().await.unwrap();
    let ids: Vec<_> = tenants.iter().map(|t| t.tenant_id).collect();
    assert!(ids.contains(&minimal_ids::TENANT) && ids.contains(&minimal_ids::OTHER_TENANT), "{ids:?}");
    let subscriptions = arm.subscriptions().await.unwrap();
    assert_eq!(subscriptions.len(), 1);
    assert_eq!(subscriptions[0].subscription_id, minimal_ids::SUBSCRIPTION);
    let groups = arm.resource_groups(minimal_ids::SUBSCRIPTION).await.unwrap();
    assert!(groups.iter().any(|g| g.name == minimal_ids::RESOURCE_GROUP && g.location == "westeurope"), "{groups:?}");
}

/// The emulator does not serve `/subscriptions/{id}/locations` (yet); check the request
/// shape and parsing against a scripted ARM instead.
#[tokio::test]
async fn arm_locations() {
    let server = ScriptedServer::with([Reply::json(
        200,
        json!({"value": [{"id": "/subscriptions/x/locations/westeurope", "name": "westeurope", "displayName": "West Europe", "regionalDisplayName": "(Europe) West Europe"}]}),
    )])
    .await;
    let token = AccessToken::expiring_in("opaque-arm-token", Duration::from_secs(600));
    let tokens = StaticTokenSource::new().with(Resource::Arm, token);
    let cloud = keyless_core::CloudProfile::for_emulator(&server.base);
    let arm = AzureClient::new(fast_http(), cloud, Arc::new(tokens)).arm(None);
    let locations = arm.locations(minimal_ids::SUBSCRIPTION).await.unwrap();
    assert_eq!(locations[0].display_name.as_deref(), Some("West Europe"));
    assert_eq!(
        server.seen()[0].path_and_query,
        format!("/arm/subscriptions/{}/locations?api-version=2022-12-01", minimal_ids::SUBSCRIPTION)
    );
}

#[tokio::test]
async fn devops_profile_accounts_connection_data_and_projects() {
    let em = start(fast_config()).await;
    let (_, session) = signed_in(&em).await;
    let azure = AzureClient::for_session(&session);
    let profile = azure.devops_profile(None).me().await.unwrap();
    let accounts = azure.devops_profile(None).accounts(profile.id).await.unwrap();
    assert!(
        accounts.iter().any(|a| a.account_name == minimal_ids::ORG_NAME && a.account_id == minimal_ids::ORG),
        "{accounts:?}"
    );

    let org = OrgName::parse(minimal_ids::ORG_NAME).unwrap();
    let devops = azure.devops(&org).await.unwrap();
    assert_eq!(devops.tenant(), Some(minimal_ids::TENANT));
    let data = devops.connection_data().await.unwrap();
    assert_eq!(data.instance_id, minimal_ids::ORG);
    assert_eq!(data.resource_tenant, Some(minimal_ids::TENANT));
    let projects = devops.projects().await.unwrap();
    assert!(
        projects.iter().any(|p| p.id == minimal_ids::PROJECT && p.name == minimal_ids::PROJECT_NAME),
        "{projects:?}"
    );
    let web = devops.project(minimal_ids::PROJECT_NAME).await.unwrap().expect("project Web");
    assert_eq!(web.id, minimal_ids::PROJECT);
    assert_eq!(devops.project("Nope").await.unwrap(), None);
}

#[tokio::test]
async fn wrong_resource_token_is_refused_locally_and_by_the_service() {
    let em = start(fast_config()).await;
    let (http, session) = signed_in(&em).await;
    let graph_token = session.token(Resource::Graph, None).await.unwrap();

    // Locally: a Graph token handed in for ARM never leaves the process.
    let tokens = StaticTokenSource::new().with(Resource::Arm, graph_token.clone());
    let azure = AzureClient::new(http.clone(), em.cloud_profile(), Arc::new(tokens));
    let error = azure.arm(None).subscriptions().await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::Unauthorized);
    assert!(error.to_string().contains("Azure Resource Manager"), "{error}");
    // The help names the signed-in cloud's own Resource Manager, here the emulator's.
    let arm = em.cloud_profile().resource_manager;
    assert!(error.help().contains(&arm), "{}", error.help());

    // At the service: ARM answers 401 with its own error code.
    let url = url::Url::parse(&format!("{}/arm/subscriptions?api-version=2022-12-01", em.base_url())).unwrap();
    let error = http.send(ApiRequest::get(Service::Arm, url).bearer(graph_token)).await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::Unauthorized, "{error:?}");
    assert!(error.service_error().unwrap().code.is_some(), "{error:?}");
}

#[tokio::test]
async fn devops_without_token_gets_401_not_a_sign_in_page() {
    let em = start(fast_config()).await;
    let url =
        url::Url::parse(&format!("{}/ado/{}/_apis/projects?api-version=7.1", em.base_url(), minimal_ids::ORG_NAME))
            .unwrap();
    let error = fast_http().send(ApiRequest::get(Service::DevOps, url)).await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::Unauthorized, "{error:?}");
}

#[tokio::test]
async fn bad_inputs_are_refused_before_any_request() {
    let server = ScriptedServer::start().await;
    let cloud = keyless_core::CloudProfile::for_emulator(&server.base);
    let azure = AzureClient::new(fast_http(), cloud, Arc::new(StaticTokenSource::new()));
    assert_eq!(OrgName::parse("contoso/web").unwrap_err().input, "organization");
    let arm = azure.arm(None);
    let error = arm.managed_identity(minimal_ids::SUBSCRIPTION, "rg/../x", "id-1").await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::InvalidInput, "{error:?}");
    let error = keyless_azure::arm::ArmScope::parse("/subscriptions/contoso").unwrap_err();
    assert!(error.problem.contains("GUID"), "{}", error.problem);
    let devops = azure.devops_in_tenant(&OrgName::parse("contoso").unwrap(), None);
    let error = devops.project("bad/name").await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::InvalidInput);
    assert!(server.seen().is_empty(), "no request may be sent for bad input");
}

/// The emulator injects 429 (Retry-After: 1), 503 and Azure DevOps slow-downs; the reads
/// still succeed because the transport retries them.
#[tokio::test]
async fn reads_survive_injected_throttling() {
    use keyless_azure::auth::{SignInCancel, sign_in_with_browser};
    use keyless_azure::{AzureHttp, HttpConfig, RetryPolicy};
    use keyless_emulator::{FaultConfig, FaultService};

    let em = start(fast_config()).await;
    let retry = RetryPolicy {
        max_attempts: 10,
        initial_delay: Duration::from_millis(10),
        max_delay: Duration::from_secs(2),
        budget: Duration::from_secs(30),
        jitter: false,
    };
    let http = AzureHttp::new(HttpConfig { retry, ..HttpConfig::fast_for_tests() }).unwrap();
    let options = crate::emulated::options(&em);
    let session =
        sign_in_with_browser(&http, &options, &crate::emulated::FollowRedirects, &SignInCancel::new()).await.unwrap();
    em.set_faults(FaultConfig {
        fault_rate: 0.5,
        seed: 11,
        services: vec![FaultService::Arm, FaultService::DevOps],
        ..FaultConfig::default()
    });
    let azure = AzureClient::for_session(&session);
    for _ in 0..3 {
        assert_eq!(azure.arm(None).subscriptions().await.unwrap().len(), 1);
    }
    let devops = azure.devops_in_tenant(&OrgName::parse(minimal_ids::ORG_NAME).unwrap(), Some(minimal_ids::TENANT));
    assert!(!devops.projects().await.unwrap().is_empty());
}

/// A session whose home tenant refuses the first Azure DevOps token it is asked for, counting
/// the home tenant's Azure DevOps token requests.
struct FirstHomeDevOpsTokenRefused {
    session: keyless_azure::auth::Session,
    home_devops_asked: std::sync::atomic::AtomicUsize,
}

impl TokenSource for FirstHomeDevOpsTokenRefused {
    fn token(
        &self,
        resource: Resource,
        tenant: Option<keyless_core::Guid>,
    ) -> futures::future::BoxFuture<'_, Result<AccessToken, keyless_azure::auth::AuthError>> {
        let asked = (resource == Resource::DevOps && tenant.is_none())
            .then(|| self.home_devops_asked.fetch_add(1, std::sync::atomic::Ordering::SeqCst));
        Box::pin(async move {
            if asked == Some(0) {
                return Err(keyless_azure::auth::AuthError::Refused {
                    error: "temporarily_unavailable".into(),
                    description: "AADSTS50196: the server is busy".into(),
                });
            }
            self.session.token(resource, tenant).await
        })
    }
}

#[tokio::test]
async fn a_home_tenant_devops_token_refused_ahead_of_discovery_is_asked_again_when_needed_and_not_ahead_again() {
    let em = start(fast_config()).await;
    let (_, session) = signed_in(&em).await;
    let tokens = Arc::new(FirstHomeDevOpsTokenRefused { session: session.clone(), home_devops_asked: 0.into() });
    let azure = AzureClient::new(session.http().clone(), session.cloud().clone(), tokens.clone());
    let org = OrgName::parse(minimal_ids::ORG_NAME).unwrap();

    // The refused token asked for ahead of discovery does not fail the organization...
    let devops = azure.devops(&org).await.unwrap();
    assert_eq!(devops.tenant(), Some(minimal_ids::TENANT));
    // ...and the request that needs a token still gets one.
    assert!(devops.projects().await.unwrap().iter().any(|p| p.id == minimal_ids::PROJECT));
    let after_first = tokens.home_devops_asked.load(std::sync::atomic::Ordering::SeqCst);
    assert!(after_first >= 1, "the home tenant's token was asked for ahead of discovery");

    // Another organization client of the same client does not ask ahead again.
    azure.devops(&org).await.unwrap();
    let fabrikam = OrgName::parse("fabrikam").unwrap();
    let _ = azure.devops(&fabrikam).await;
    assert_eq!(tokens.home_devops_asked.load(std::sync::atomic::Ordering::SeqCst), after_first);
}
