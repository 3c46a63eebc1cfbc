//! Signing in into a connected session, the same on the demo cloud for every face.

use keyless_engine::FailureCode;
use keyless_usecases::{Cloud, DemoCloud, Method, UseCaseError};

use crate::support::{fast_demo, sign_in_to, signed_in};

#[tokio::test]
async fn a_device_code_sign_in_on_the_demo_cloud_works_in_a_real_tenant() {
    let demo = DemoCloud::start(&fast_demo()).await.unwrap();
    let connected = sign_in_to(&Cloud::demo(demo.profile()), Method::DeviceCode).await.unwrap();
    assert!(!connected.account.tenant_id.is_nil(), "the session must never work in the nil tenant");
    assert!(connected.account.user_principal_name.contains('@'));
}

#[tokio::test]
async fn browser_and_device_code_sign_ins_land_in_the_same_tenant() {
    let first = signed_in().await;
    let by_code = sign_in_to(&first.connected.cloud, Method::DeviceCode).await.unwrap();
    assert_eq!(first.connected.account.tenant_id, by_code.account.tenant_id);
}

#[tokio::test]
async fn azure_cli_is_refused_on_the_demo_cloud_with_what_to_use_instead() {
    let demo = DemoCloud::start(&fast_demo()).await.unwrap();
    let error = sign_in_to(&Cloud::demo(demo.profile()), Method::AzureCli).await.unwrap_err();
    assert!(matches!(error, UseCaseError::AzureCliOnDemo), "{error}");
    assert_eq!(error.code(), FailureCode::InvalidInput);
}
