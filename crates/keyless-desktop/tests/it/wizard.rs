//! The wizard from start to finish on the demo cloud.

use keyless_desktop::{CollectedEvents, Controller};
use keyless_ipc::{
    ChooseCloud, OrganizationRequest, ProgressView, RunStatusView, SetupRequest, SignInEvent, SignInMethodView,
    SignInRequest, StepActionView, StepOutcomeView,
};

use crate::support::{CONTOSO_TENANT, app, onboarding};

#[tokio::test]
async fn choose_demo_sign_in_pick_plan_apply_and_report() {
    let app = app();
    let controller: &Controller = &app.controller;

    let status = controller.choose_cloud(ChooseCloud { demo: true, cloud: None }).await.unwrap();
    assert!(status.cloud.is_demo);
    assert_eq!(status.account, None);

    let sign_in_events = CollectedEvents::<SignInEvent>::default();
    let request = SignInRequest { method: SignInMethodView::DeviceCode, tenant: None, remember: false };
    let status = controller.sign_in(request, &sign_in_events).await.unwrap();
    let account = status.account.expect("signed in");
    assert_eq!(account.user_principal_name, "megan.bowen@contoso.com");
    assert_eq!(account.tenant_id, CONTOSO_TENANT);
    assert!(
        matches!(sign_in_events.events().as_slice(), [SignInEvent::DeviceCode { user_code, .. }] if !user_code.is_empty()),
        "{:?}",
        sign_in_events.events()
    );

    let organizations = controller.list_organizations().await.unwrap();
    let contoso = organizations.organizations.iter().find(|org| org.name == "contoso").expect("contoso is listed");
    assert!(contoso.tenant_matches_account);
    assert!(contoso.project_count > 0);

    let projects = controller.list_projects(OrganizationRequest { organization: "contoso".into() }).await.unwrap();
    let shop = projects.iter().find(|project| project.name == "Shop").expect("Shop is a project of contoso");
    assert!(shop.pipelines.iter().any(|pipeline| pipeline.name == "shop-deploy"));

    let plan = controller.plan_setup(SetupRequest { setup: onboarding() }).await.unwrap();
    assert!(plan.counts.create > 0);
    assert!(plan.text.contains("kl-shop-deployer"), "{}", plan.text);
    let identity_step = plan.steps.iter().find(|step| step.group == "Identity").expect("an identity step");
    assert_eq!(identity_step.action, StepActionView::Create);
    assert!(plan.steps.iter().any(|step| step.group == "contoso / Shop"), "{:#?}", plan.steps);

    let progress = CollectedEvents::<ProgressView>::default();
    let run = controller.apply_setup(SetupRequest { setup: onboarding() }, &progress).await.unwrap();
    assert_eq!(run.status, RunStatusView::Completed, "{:?}", run.error);
    assert_eq!(run.error, None);
    let events = progress.events();
    assert!(matches!(events.first(), Some(ProgressView::RunStarted { resumed: false, .. })), "{events:#?}");
    assert!(matches!(events.last(), Some(ProgressView::RunFinished { succeeded: true, .. })), "{events:#?}");
    let finished = events.iter().filter(|event| matches!(event, ProgressView::StepFinished { .. })).count();
    assert_eq!(finished, plan.steps.len());

    let connection = &run.report.connections[0];
    assert_eq!(connection.key, "contoso/Shop/sc-shop-prod");
    assert!(connection.verified);
    let subject = connection.subject.clone().expect("the subject Azure DevOps assigned");
    assert!(connection.pipeline_yaml.contains("sc-shop-prod"));
    assert!(run.report.markdown.contains("sc-shop-prod"));
    assert!(run.report.steps.iter().all(|step| step.outcome.is_some()));
    let json: serde_json::Value = serde_json::from_str(&run.report.json).unwrap();
    assert_eq!(json["runId"], run.run_id.as_str());

    // What the emulator holds now: the app, its credential with the connection's subject, and
    // the connection.
    let state = app.state().await;
    let text = state.to_string();
    assert!(text.contains("kl-shop-deployer"));
    assert!(text.contains(&subject), "the federated credential carries the connection's subject");
    assert!(text.contains("sc-shop-prod"));

    let runs = controller.list_runs().await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].run_id, run.run_id);
    assert_eq!(runs[0].status, RunStatusView::Completed);
    assert!(runs[0].created > 0);

    // Applying again changes nothing: every step is reused or verified.
    let again = controller.plan_setup(SetupRequest { setup: onboarding() }).await.unwrap();
    assert_eq!((again.counts.create, again.counts.update), (0, 0), "{}", again.text);
    let rerun =
        controller.apply_setup(SetupRequest { setup: onboarding() }, &CollectedEvents::default()).await.unwrap();
    assert_eq!(rerun.status, RunStatusView::Completed);
    assert!(
        rerun
            .report
            .steps
            .iter()
            .all(|step| matches!(step.outcome, Some(StepOutcomeView::Reused | StepOutcomeView::Verified))),
        "{:#?}",
        rerun.report.steps
    );
}

#[tokio::test]
async fn browser_sign_in_works_on_the_demo_cloud_and_sign_out_forgets_the_account() {
    let app = app();
    let controller = &app.controller;
    let events = CollectedEvents::<SignInEvent>::default();
    let request = SignInRequest { method: SignInMethodView::Browser, tenant: None, remember: false };
    let status = controller.sign_in(request, &events).await.unwrap();
    assert!(status.account.is_some());
    assert_eq!(events.events(), [SignInEvent::BrowserOpened {}]);
    let status = controller.sign_out().await;
    assert_eq!(status.account, None);
    let refused = controller.list_organizations().await.unwrap_err();
    assert_eq!(keyless_ipc::IpcError::from(refused).code, keyless_ipc::IpcErrorCode::SignInRequired);
}
