//! The Diagnose path on the demo cloud: the connection whose credential differs in case only is
//! found broken with both subjects, its fix is planned and applied, the diagnosis is then
//! clean, and undoing the fix run breaks it again; a pasted log is explained live when signed
//! in and from its text alone when not.

use keyless_desktop::{CollectedEvents, NoEvents};
use keyless_ipc::{
    ConnectionDiagnosisView, ConnectionHealthView, DiagnoseRequest, DiagnosisSourceView, DoctorTargetInput,
    FindingCodeView, FixRequest, IpcError, IpcErrorCode, PastedLogRequest, ProgressView, RunRequest, RunStatusView,
};

use crate::support::{app, signed_in_app};

/// The demo connection whose federated credential has the subject in another letter case.
const CASE_MISMATCH: &str = "shop-case-mismatch";

fn shop() -> DiagnoseRequest {
    DiagnoseRequest { target: DoctorTargetInput::Project { organization: "contoso".into(), project: "Shop".into() } }
}

fn named<'a>(connections: &'a [ConnectionDiagnosisView], name: &str) -> &'a ConnectionDiagnosisView {
    connections.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("{name} not diagnosed: {connections:#?}"))
}

#[tokio::test]
async fn a_broken_connection_is_diagnosed_fixed_then_clean_and_undo_breaks_it_again() {
    let app = signed_in_app().await;
    let before = app.controller.diagnose(shop()).await.unwrap();
    let broken = named(&before.connections, CASE_MISMATCH);
    assert_eq!(broken.health, ConnectionHealthView::Broken);
    assert!(broken.keyless_can_fix);
    let finding = &broken.findings[0];
    assert_eq!(finding.pipeline_code.as_deref(), Some("AADSTS7002138"));
    let FindingCodeView::CaseOnlyMismatch { expected, found } = &finding.code else {
        panic!("not a case-only mismatch: {finding:#?}")
    };
    assert_ne!(expected, found);
    assert_eq!(expected.to_lowercase(), found.to_lowercase());
    assert!(before.summary.broken >= 1 && before.summary.fixable_by_keyless >= 1, "{:?}", before.summary);

    let request = FixRequest {
        organization: broken.organization.clone(),
        project: broken.project.clone(),
        connection_id: broken.id.clone(),
    };
    let plan = app.controller.plan_fix(request.clone()).await.unwrap();
    assert_eq!(plan.connection, format!("contoso/Shop/{CASE_MISMATCH}"));
    let steps = plan.plan.expect("Keyless can fix it").steps;
    assert!(steps.iter().any(|s| s.id.starts_with("fic/")), "the plan writes the credential: {steps:#?}");
    assert_eq!(plan.fixes.len(), 1);

    let progress = CollectedEvents::<ProgressView>::default();
    let fixed = app.controller.apply_fix(request.clone(), &progress).await.unwrap();
    assert_eq!(fixed.run.status, RunStatusView::Completed, "{:#?}", fixed.run.error);
    assert!(progress.events().iter().any(|e| matches!(e, ProgressView::RunFinished { succeeded: true, .. })));
    let after = fixed.after.expect("diagnosed again");
    assert_eq!((after.health, after.findings.as_slice()), (ConnectionHealthView::Healthy, &[][..]));
    let again = app.controller.diagnose(shop()).await.unwrap();
    assert_eq!(named(&again.connections, CASE_MISMATCH).health, ConnectionHealthView::Healthy);

    let nothing = app.controller.apply_fix(request.clone(), &NoEvents).await.unwrap_err();
    assert_eq!(IpcError::from(nothing).code, IpcErrorCode::InvalidInput, "a healthy connection has nothing to fix");

    let undone = app.controller.rollback_run(RunRequest { run_id: fixed.run.run_id }, &NoEvents).await.unwrap();
    assert_eq!(undone.status, RunStatusView::RolledBack);
    let restored = app.controller.diagnose(shop()).await.unwrap();
    let restored = named(&restored.connections, CASE_MISMATCH);
    assert_eq!(restored.health, ConnectionHealthView::Broken);
    assert_eq!(restored.findings[0].pipeline_code.as_deref(), Some("AADSTS7002138"));
}

#[tokio::test]
async fn a_pasted_log_is_explained_live_when_signed_in_and_from_the_text_when_not() {
    let signed_in = signed_in_app().await;
    let shop = signed_in.controller.diagnose(shop()).await.unwrap();
    let broken = named(&shop.connections, CASE_MISMATCH);
    let log = format!(
        "##[error]AADSTS7002138: No matching federated identity record found for presented assertion subject. Service connection {} in contoso/Shop.",
        broken.id
    );
    let live = signed_in.controller.diagnose_pasted_log(PastedLogRequest { text: log.clone() }).await.unwrap();
    assert!(live.recognised);
    assert_eq!(live.source, DiagnosisSourceView::Live);
    assert_eq!(live.explanations[0].code, "AADSTS7002138");

    let signed_out = app();
    let text_only = signed_out.controller.diagnose_pasted_log(PastedLogRequest { text: log }).await.unwrap();
    assert_eq!((text_only.source, text_only.recognised, text_only.live), (DiagnosisSourceView::TextOnly, true, None));
    let nothing =
        signed_out.controller.diagnose_pasted_log(PastedLogRequest { text: "all green".into() }).await.unwrap();
    assert!(!nothing.recognised && nothing.looked_for.iter().any(|code| code == "AADSTS700213"));
}

#[tokio::test]
async fn diagnosing_needs_a_sign_in_and_an_unknown_connection_is_named() {
    let signed_out = app();
    let refused = signed_out.controller.diagnose(shop()).await.unwrap_err();
    assert_eq!(IpcError::from(refused).code, IpcErrorCode::SignInRequired);

    let app = signed_in_app().await;
    let target = DoctorTargetInput::Connection {
        organization: "contoso".into(),
        project: "Shop".into(),
        connection: "no-such-connection".into(),
    };
    let error = IpcError::from(app.controller.diagnose(DiagnoseRequest { target }).await.unwrap_err());
    assert_eq!(error.code, IpcErrorCode::InvalidInput);
    assert!(error.message.contains("no-such-connection"), "{}", error.message);
}
