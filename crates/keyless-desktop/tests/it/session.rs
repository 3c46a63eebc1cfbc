//! Clouds and sign-in: another emulator chosen by URL, a remembered sign-in, cancelling, and
//! refusals.

use keyless_desktop::{CollectedEvents, NoEvents};
use keyless_ipc::{ChooseCloud, IpcError, IpcErrorCode, SetupRequest, SignInEvent, SignInMethodView, SignInRequest};

use crate::support::{app, demo_settings, onboarding};

fn device_code(remember: bool) -> SignInRequest {
    SignInRequest { method: SignInMethodView::DeviceCode, tenant: None, remember }
}

#[tokio::test]
async fn an_emulator_chosen_by_url_is_a_cloud_of_its_own() {
    let app = app();
    let controller = &app.controller;
    controller.choose_cloud(ChooseCloud { demo: true, cloud: None }).await.unwrap();
    assert!(controller.demo_emulator_url().await.is_some());

    let other = keyless_emulator::start(demo_settings().emulator).await.unwrap();
    let status = controller.choose_cloud(ChooseCloud { demo: false, cloud: Some(other.base_url()) }).await.unwrap();
    assert!(status.cloud.is_demo, "an emulator is marked like the demo cloud");
    assert_eq!(controller.demo_emulator_url().await, None, "the built-in demo cloud stopped");

    let status = controller.sign_in(device_code(true), &NoEvents).await.unwrap();
    assert_eq!(status.account.unwrap().user_principal_name, "megan.bowen@contoso.com");
    let run = controller.apply_setup(SetupRequest { setup: onboarding() }, &NoEvents).await.unwrap();
    assert!(other.state_snapshot().to_string().contains("kl-shop-deployer"), "{:?}", run.error);
    assert_eq!(controller.list_runs().await.unwrap().len(), 1, "journaled in the state directory");

    // A profile fetched from a URL names its own authority, so "remember me" never restores a
    // refresh token for it: after switching clouds and back, the device code shows again.
    controller.choose_cloud(ChooseCloud { demo: false, cloud: Some(other.base_url()) }).await.unwrap();
    assert_eq!(controller.session_status().account, None, "choosing a cloud signs out");
    let events = CollectedEvents::<SignInEvent>::default();
    controller.sign_in(device_code(false), &events).await.unwrap();
    assert!(matches!(events.events().as_slice(), [SignInEvent::DeviceCode { .. }]), "{:?}", events.events());
    other.shutdown().await;
}

#[tokio::test]
async fn a_sign_in_can_be_cancelled_and_only_one_runs_at_a_time() {
    let app = app();
    let controller = &app.controller;
    let cancel_when_the_code_shows = |event: SignInEvent| {
        if matches!(event, SignInEvent::DeviceCode { .. }) {
            controller.cancel_sign_in();
        }
    };
    let cancelled = controller.sign_in(device_code(false), &cancel_when_the_code_shows).await.unwrap_err();
    assert_eq!(IpcError::from(cancelled).code, IpcErrorCode::Cancelled);
    assert_eq!(controller.session_status().account, None);

    let started = tokio::sync::Notify::new();
    let announce = |_: SignInEvent| started.notify_one();
    let (first, second) = tokio::join!(controller.sign_in(device_code(false), &announce), async {
        started.notified().await;
        controller.sign_in(device_code(false), &NoEvents).await
    });
    assert!(first.is_ok());
    assert_eq!(IpcError::from(second.unwrap_err()).code, IpcErrorCode::Busy);
}

#[tokio::test]
async fn unknown_clouds_and_azure_cli_on_the_demo_are_refused() {
    let app = app();
    let unknown = app.controller.choose_cloud(ChooseCloud { demo: false, cloud: Some("mars".into()) }).await;
    let unknown = IpcError::from(unknown.unwrap_err());
    assert_eq!(unknown.code, IpcErrorCode::InvalidInput);
    assert!(unknown.help.contains("public"), "{unknown:?}");

    let request = SignInRequest { method: SignInMethodView::AzureCli, tenant: None, remember: false };
    let refused = IpcError::from(app.controller.sign_in(request, &NoEvents).await.unwrap_err());
    assert_eq!(refused.code, IpcErrorCode::InvalidInput);

    let request =
        SignInRequest { method: SignInMethodView::DeviceCode, tenant: Some("not a tenant!".into()), remember: false };
    let refused = IpcError::from(app.controller.sign_in(request, &NoEvents).await.unwrap_err());
    assert_eq!(refused.code, IpcErrorCode::InvalidInput);
}
