//! The replication (consistency) retry policy and its observer events.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use keyless_azure::{
    ApiRequest, AzureError, AzureHttp, ConsistencyPolicy, ErrorCode, HttpConfig, ReplicationObserver, ReplicationWait,
    Service, WaitReason,
};
use serde_json::json;

use crate::support::{Reply, ScriptedServer};

#[derive(Default)]
struct CollectedWaits(Mutex<Vec<ReplicationWait>>);

impl ReplicationObserver for CollectedWaits {
    fn waiting(&self, wait: &ReplicationWait) {
        self.0.lock().unwrap().push(wait.clone());
    }
}

fn http_with(observer: Arc<CollectedWaits>) -> AzureHttp {
    AzureHttp::with_observer(HttpConfig::fast_for_tests(), observer).unwrap()
}

#[tokio::test]
async fn retries_principal_not_found_until_it_replicates_and_reports_each_wait() {
    let server = ScriptedServer::with([
        Reply::json(400, json!({"error": {"code": "PrincipalNotFound", "message": "Principal x does not exist in the directory y."}})),
        Reply::json(400, json!({"error": {"code": "PrincipalNotFound", "message": "Principal x does not exist in the directory y."}})),
        Reply::json(201, json!({"name": "ra"})),
    ])
    .await;
    let waits = Arc::new(CollectedWaits::default());
    let http = http_with(waits.clone());
    let url = server.url("/arm/roleAssignments/1?api-version=2022-04-01");
    let value: serde_json::Value = http
        .wait_for_replication("assign role", AzureError::is_replication_delay, || {
            http.send_json(ApiRequest::new(Service::Arm, reqwest::Method::PUT, url.clone()).json(&json!({})))
        })
        .await
        .unwrap();
    assert_eq!(value, json!({"name": "ra"}));
    let waits = waits.0.lock().unwrap();
    assert_eq!(waits.len(), 2);
    assert_eq!(waits[0].operation, "assign role");
    assert_eq!(waits[0].service, Service::Arm);
    assert_eq!(waits[0].reason, "PrincipalNotFound");
    assert_eq!(waits[0].wait, Some(WaitReason::ServicePrincipalInArm));
}

#[tokio::test]
async fn devops_200_is_success_false_vs403283_is_replication_and_times_out() {
    let waits = Arc::new(CollectedWaits::default());
    let policy = ConsistencyPolicy {
        initial_interval: Duration::from_millis(5),
        max_interval: Duration::from_millis(5),
        budget: Duration::from_millis(60),
    };
    let attempts = Mutex::new(0);
    let error = keyless_azure::retry_until_replicated(
        &policy,
        waits.as_ref(),
        "add to organization",
        AzureError::is_replication_delay,
        || async {
            *attempts.lock().unwrap() += 1;
            Err::<(), _>(AzureError::from(keyless_azure::ServiceError {
                service: Service::DevOps,
                method: "POST".into(),
                url: "http://127.0.0.1/vsaex".into(),
                status: 200,
                code: Some("VS403283".into()),
                inner_code: None,
                message: "(VS403283) Could not add user 'x' at this time.".into(),
                request_id: None,
            }))
        },
    )
    .await
    .unwrap_err();
    assert_eq!(error.code(), ErrorCode::Replication);
    assert!(matches!(error, AzureError::ReplicationTimeout { .. }));
    assert!(error.to_string().contains("add to organization"), "{error}");
    assert!(*attempts.lock().unwrap() > 2);
}

#[tokio::test]
async fn other_errors_are_not_retried_by_the_replication_policy() {
    let server =
        ScriptedServer::with([Reply::json(403, json!({"error": {"code": "AuthorizationFailed", "message": "no"}}))])
            .await;
    let waits = Arc::new(CollectedWaits::default());
    let http = http_with(waits.clone());
    let url = server.url("/arm/x");
    let error = http
        .wait_for_replication("assign role", AzureError::is_replication_delay, || {
            http.send(ApiRequest::get(Service::Arm, url.clone()))
        })
        .await
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::Forbidden);
    assert!(error.help().contains("User Access Administrator"));
    assert!(waits.0.lock().unwrap().is_empty());
    assert_eq!(server.seen().len(), 1);
}
