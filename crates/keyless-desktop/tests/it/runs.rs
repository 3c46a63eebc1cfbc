//! Runs on the demo cloud: cancel and resume, roll back, hand-offs and finish, refusals, and
//! one run at a time.

use std::sync::atomic::{AtomicBool, Ordering};

use keyless_desktop::{CollectedEvents, NoEvents};
use keyless_ipc::{
    IdentityInput, IpcError, IpcErrorCode, ProgressView, RunRequest, RunStatusView, SetupRequest, StepOutcomeView,
};

use crate::support::{onboarding, signed_in_app};

#[tokio::test]
async fn a_cancelled_run_resumes_where_it_stopped() {
    let app = signed_in_app().await;
    let controller = &app.controller;
    let cancelled_once = AtomicBool::new(false);
    let first = CollectedEvents::<ProgressView>::default();
    let cancel_after_first_step = |event: ProgressView| {
        if matches!(event, ProgressView::StepFinished { .. }) && !cancelled_once.swap(true, Ordering::SeqCst) {
            controller.cancel_apply();
        }
        keyless_desktop::EventSink::send(&first, event);
    };
    let stopped = controller.apply_setup(SetupRequest { setup: onboarding() }, &cancel_after_first_step).await.unwrap();
    assert_eq!(stopped.status, RunStatusView::Failed);
    assert_eq!(stopped.error.as_ref().map(|error| error.code), Some(IpcErrorCode::Cancelled));
    assert!(matches!(first.events().last(), Some(ProgressView::RunFinished { succeeded: false, .. })));
    let done_before = stopped.report.steps.iter().filter(|step| step.outcome.is_some()).count();
    assert!(done_before >= 1 && done_before < stopped.report.steps.len(), "{:#?}", stopped.report.steps);

    let second = CollectedEvents::<ProgressView>::default();
    let resumed = controller.apply_setup(SetupRequest { setup: onboarding() }, &second).await.unwrap();
    assert_eq!(resumed.run_id, stopped.run_id, "the same run continues");
    assert_eq!(resumed.status, RunStatusView::Completed, "{:?}", resumed.error);
    let events = second.events();
    assert!(matches!(events.first(), Some(ProgressView::RunStarted { resumed: true, .. })), "{events:#?}");
    let already_done = events
        .iter()
        .filter(|event| matches!(event, ProgressView::StepFinished { outcome: StepOutcomeView::AlreadyDone, .. }))
        .count();
    assert_eq!(already_done, done_before);
    assert_eq!(controller.list_runs().await.unwrap().len(), 1);
}

#[tokio::test]
async fn rollback_removes_what_the_run_created() {
    let app = signed_in_app().await;
    let controller = &app.controller;
    let before = app.state().await.to_string();
    assert!(!before.contains("kl-shop-deployer"));
    let run = controller.apply_setup(SetupRequest { setup: onboarding() }, &NoEvents).await.unwrap();
    assert!(app.state().await.to_string().contains("kl-shop-deployer"));

    let progress = CollectedEvents::<ProgressView>::default();
    let rolled_back = controller.rollback_run(RunRequest { run_id: run.run_id.clone() }, &progress).await.unwrap();
    assert_eq!(rolled_back.status, RunStatusView::RolledBack, "{:?}", rolled_back.error);
    assert!(matches!(progress.events().last(), Some(ProgressView::RunFinished { succeeded: true, .. })));
    let after = app.state().await.to_string();
    assert!(!after.contains("kl-shop-deployer"), "the app registration is gone");
    let state = app.state().await;
    let in_shop = state["serviceEndpoints"].as_array().unwrap().iter().any(|endpoint| {
        endpoint["name"] == "sc-shop-prod"
            && endpoint["projectReferences"].as_array().unwrap().iter().any(|project| project["projectName"] == "Shop")
    });
    assert!(!in_shop, "the connection is gone from its project");
    assert_eq!(controller.list_runs().await.unwrap()[0].status, RunStatusView::RolledBack);

    let again = controller.rollback_run(RunRequest { run_id: run.run_id }, &NoEvents).await.unwrap();
    assert_eq!(again.status, RunStatusView::RolledBack);
    let unknown = controller.rollback_run(RunRequest { run_id: "20990101-000000-none".into() }, &NoEvents).await;
    assert_eq!(IpcError::from(unknown.unwrap_err()).code, IpcErrorCode::NotFound);
}

#[tokio::test]
async fn an_identity_the_account_cannot_write_ends_in_hand_offs_that_finish_keeps_waiting_for() {
    let app = signed_in_app().await;
    let controller = &app.controller;
    let mut setup = onboarding();
    // Owned by Adele; the demo's Megan may use it but not add credentials to it.
    setup.identity =
        IdentityInput::Existing { client_id: None, resource_id: None, name: Some("Keyless (Contoso)".into()) };
    let plan = controller.plan_setup(SetupRequest { setup: setup.clone() }).await.unwrap();
    assert!(plan.identities[0].hand_off, "{:#?}", plan.identities);

    let run = controller.apply_setup(SetupRequest { setup }, &NoEvents).await.unwrap();
    assert_eq!(run.status, RunStatusView::WaitingForHandOff, "{:?}", run.error);
    let hand_off = &run.report.hand_offs[0];
    assert_eq!(hand_off.connection, "contoso/Shop/sc-shop-prod");
    assert!(hand_off.az_command.contains(&hand_off.subject));
    assert!(hand_off.markdown.contains(&hand_off.issuer));

    let finished = controller.finish_run(RunRequest { run_id: run.run_id.clone() }, &NoEvents).await.unwrap();
    assert_eq!(finished.status, RunStatusView::WaitingForHandOff, "nobody created the credential yet");
    assert_eq!(finished.run_id, run.run_id);
}

#[tokio::test]
async fn refused_setups_are_invalid_input_with_the_planners_help() {
    let app = signed_in_app().await;
    let mut setup = onboarding();
    setup.connections[0].pipelines = vec!["no-such-pipeline".into()];
    let refused = IpcError::from(app.controller.plan_setup(SetupRequest { setup: setup.clone() }).await.unwrap_err());
    assert_eq!(refused.code, IpcErrorCode::InvalidInput);
    assert!(refused.message.contains("no-such-pipeline"), "{refused:?}");
    assert!(!refused.help.is_empty());
    let refused = IpcError::from(app.controller.apply_setup(SetupRequest { setup }, &NoEvents).await.unwrap_err());
    assert_eq!(refused.code, IpcErrorCode::InvalidInput);
    assert!(app.controller.list_runs().await.unwrap().is_empty(), "a refused setup leaves no run");

    let mut bad_name = onboarding();
    bad_name.connections[0].name = String::new();
    let refused = IpcError::from(app.controller.plan_setup(SetupRequest { setup: bad_name }).await.unwrap_err());
    assert_eq!(refused.code, IpcErrorCode::InvalidInput);
}

#[tokio::test]
async fn one_run_at_a_time() {
    let app = signed_in_app().await;
    let controller = &app.controller;
    let started = tokio::sync::Notify::new();
    let announce = |event: ProgressView| {
        if matches!(event, ProgressView::RunStarted { .. }) {
            started.notify_one();
        }
    };
    let (first, second) =
        tokio::join!(controller.apply_setup(SetupRequest { setup: onboarding() }, &announce), async {
            started.notified().await;
            controller.apply_setup(SetupRequest { setup: onboarding() }, &NoEvents).await
        });
    assert_eq!(first.unwrap().status, RunStatusView::Completed);
    assert_eq!(IpcError::from(second.unwrap_err()).code, IpcErrorCode::Busy);
}
