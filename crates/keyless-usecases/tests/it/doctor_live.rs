//! The live doctor against a world with one connection broken on purpose: TestConnection
//! answers the code, the doctor names the cause, and where Keyless can fix it, the repair run
//! makes TestConnection pass and its rollback breaks it again.

use std::time::Duration;

use keyless_core::names::OrgName;
use keyless_emulator::scenario::{
    Scenario,
    broken::{Breakage, break_connection},
};
use keyless_engine::progress::SilentReporter;
use keyless_usecases::{
    AlreadyConfirmed, Cloud, Connected, DemoCloud, Method, RunSettings,
    doctor::{DoctorTarget, FindingCode, LiveDiagnosis, apply_fix, diagnose, diagnose_pasted_log_live, fix_plan},
    runs,
};

use crate::support::{fast_demo, sign_in_to};

const ORG: &str = "contoso";
const PROJECT: &str = "Web";
/// An Azure Resource Manager connection on the app registration web-deployer.
const ARM: &str = "sc-web-prod";
/// An "Azure DevOps" connection on the managed identity id-web.
const DEVOPS: &str = "azdo-self";

struct BrokenWorld {
    demo: DemoCloud,
    connected: Connected,
    connection: &'static str,
}

/// The minimal world with `connection` broken by `breakage`, every propagation instant so
/// what a run changes is what the next TestConnection sees.
async fn broken(connection: &'static str, breakage: Breakage) -> BrokenWorld {
    let mut settings = fast_demo();
    settings.emulator.scenario = break_connection(&Scenario::minimal(), ORG, PROJECT, connection, breakage).unwrap();
    settings.emulator.fic_propagation_delay = Duration::ZERO;
    settings.emulator.managed_identity_fic_propagation_delay = Duration::ZERO;
    settings.emulator.role_propagation_delay = Duration::ZERO;
    settings.emulator.membership_propagation_delay = Duration::ZERO;
    settings.emulator.membership_read_lag = Duration::ZERO;
    settings.emulator.app_propagation_delay = Duration::ZERO;
    settings.emulator.replication_delay = Duration::ZERO;
    let demo = DemoCloud::start(&settings).await.unwrap();
    let connected = sign_in_to(&Cloud::demo(demo.profile()), Method::Browser).await.unwrap();
    BrokenWorld { demo, connected, connection }
}

impl BrokenWorld {
    fn target(&self) -> DoctorTarget {
        DoctorTarget::Connection {
            organization: OrgName::parse(ORG).unwrap(),
            project: PROJECT.into(),
            name_or_id: self.connection.into(),
        }
    }

    /// TestConnection's error message, or `None` when it passes.
    async fn test_connection(&self) -> Option<String> {
        let devops = self.connected.client.devops(&OrgName::parse(ORG).unwrap()).await.unwrap();
        let diagnosis = self.diagnose().await;
        let id = diagnosis.connections[0].id;
        let endpoint = devops.endpoint_by_id(PROJECT, id).await.unwrap().unwrap();
        let result = devops.test_connection(PROJECT, &endpoint).await.unwrap();
        (!result.is_ok()).then(|| result.error_message.unwrap_or_default())
    }

    async fn diagnose(&self) -> LiveDiagnosis {
        diagnose(&self.connected, &self.target()).await.unwrap()
    }

    fn settings(&self) -> RunSettings {
        RunSettings { consistency: self.demo.consistency(), ..RunSettings::new(self.demo.journal()) }
    }
}

/// What a repair can be.
#[derive(PartialEq)]
enum Repair {
    /// Keyless cannot fix it: no plan.
    None,
    /// The repair run fixes it and its rollback breaks it again.
    Undoable,
    /// The repair adds the identity to a project group of an organization it already belongs
    /// to; the run's journal records entitlements it created, not groups it joined, so the
    /// rollback leaves the group membership.
    KeepsGroupMembership,
}

/// Breaks the connection, checks TestConnection shows `code` and the doctor finds `finding`
/// with that code; when Keyless can repair it, repairs it, checks TestConnection passes, rolls
/// the repair back and checks the code is back.
async fn check(connection: &'static str, breakage: Breakage, finding: fn(&FindingCode) -> bool, repair: Repair) {
    let fixable = repair != Repair::None;
    let code = breakage.code().unwrap();
    let world = broken(connection, breakage).await;
    let failure = world.test_connection().await.expect("the broken connection fails TestConnection");
    assert!(failure.contains(code), "TestConnection answers {code}: {failure}");

    let diagnosis = world.diagnose().await;
    let found = &diagnosis.connections[0];
    let named = found.findings.iter().find(|f| finding(&f.code)).unwrap_or_else(|| panic!("{code}: {found:#?}"));
    assert_eq!(named.pipeline_code.as_deref(), Some(code), "{named:#?}");
    assert!(!named.cause.is_empty() && !named.fix.is_empty() && !named.evidence.is_empty(), "{named:#?}");
    assert_eq!(diagnosis.summary.broken, 1);

    let plan = fix_plan(&world.connected, found).await.unwrap();
    if !fixable {
        assert!(!named.keyless_can_fix, "{named:#?}");
        assert!(plan.is_none(), "nothing to plan for {code}");
        return;
    }
    assert!(named.keyless_can_fix, "{named:#?}");
    let plan = plan.expect("a repair plan");
    assert!(!plan.planned.plan.is_no_op(), "the repair changes something");
    let settings = world.settings();
    let outcome = apply_fix(&world.connected, &settings, &plan, &SilentReporter, &AlreadyConfirmed).await.unwrap();
    assert!(outcome.stopped.is_none(), "{:?}", outcome.stopped);
    assert_eq!(world.test_connection().await, None, "repaired: TestConnection passes");
    assert!(world.diagnose().await.connections[0].findings.iter().all(|f| !finding(&f.code)), "{code} is gone");

    let run_id = outcome.journal.run_id.clone();
    let undone =
        runs::rollback_run(&world.connected, &settings, &run_id, &SilentReporter, &AlreadyConfirmed).await.unwrap();
    assert!(undone.stopped.is_none(), "{:?}", undone.stopped);
    if repair == Repair::KeepsGroupMembership {
        return;
    }
    let failure = world.test_connection().await.expect("undone: TestConnection fails again");
    assert!(failure.contains(code), "after the rollback TestConnection answers {code} again: {failure}");
}

#[tokio::test]
async fn an_identity_without_credentials_is_aadsts70025_and_the_repair_adds_one() {
    check(ARM, Breakage::NoCredential, |c| matches!(c, FindingCode::MissingCredential), Repair::Undoable).await;
}

#[tokio::test]
async fn a_credential_for_the_other_issuer_is_aadsts700211_and_the_repair_adds_the_right_one() {
    check(ARM, Breakage::IssuerMismatch, |c| matches!(c, FindingCode::OldIssuer { .. }), Repair::Undoable).await;
}

#[tokio::test]
async fn a_credential_for_another_subject_is_aadsts700213_with_both_subjects_shown() {
    check(
        ARM,
        Breakage::SubjectMismatch,
        |c| matches!(c, FindingCode::SubjectMismatch { expected, found } if expected != found),
        Repair::Undoable,
    )
    .await;
}

#[tokio::test]
async fn a_subject_differing_in_case_only_is_aadsts7002138() {
    check(
        ARM,
        Breakage::SubjectCase,
        |c| matches!(c, FindingCode::CaseOnlyMismatch { expected, found } if expected.eq_ignore_ascii_case(found) && expected != found),
        Repair::Undoable,
    )
    .await;
}

#[tokio::test]
async fn a_credential_with_another_audience_is_aadsts70021_and_its_fix_names_the_credential() {
    check(ARM, Breakage::AudienceMismatch, |c| matches!(c, FindingCode::AudienceMismatch { .. }), Repair::None).await;
}

#[tokio::test]
async fn a_multitenant_app_is_aadsts70052_and_keyless_does_not_change_it() {
    check(ARM, Breakage::MultitenantApp, |c| matches!(c, FindingCode::MultitenantApp), Repair::None).await;
}

#[tokio::test]
async fn an_identity_gone_is_aadsts700016_and_keyless_does_not_invent_one() {
    check(ARM, Breakage::IdentityGone, |c| matches!(c, FindingCode::IdentityGone), Repair::None).await;
}

#[tokio::test]
async fn an_app_without_service_principal_is_aadsts7000229_and_the_repair_creates_it() {
    check(ARM, Breakage::NoServicePrincipal, |c| matches!(c, FindingCode::NoServicePrincipal), Repair::Undoable).await;
}

#[tokio::test]
async fn a_secret_connection_without_secret_is_aadsts7000215() {
    check(ARM, Breakage::NoSecret, |c| matches!(c, FindingCode::SecretMissing), Repair::None).await;
}

#[tokio::test]
async fn a_secret_connection_with_expired_secrets_is_aadsts7000222() {
    check(ARM, Breakage::SecretExpired, |c| matches!(c, FindingCode::SecretExpired { .. }), Repair::None).await;
}

#[tokio::test]
async fn an_identity_without_a_role_fails_authorization_and_the_repair_grants_reader() {
    check(ARM, Breakage::NoRole, |c| matches!(c, FindingCode::NoRole { .. }), Repair::Undoable).await;
}

#[tokio::test]
async fn an_identity_outside_the_organization_is_tf401444_and_the_repair_adds_it() {
    check(DEVOPS, Breakage::NotMember, |c| matches!(c, FindingCode::NotMember { .. }), Repair::Undoable).await;
}

#[tokio::test]
async fn an_identity_in_no_project_group_is_vs800075_and_the_repair_adds_it_to_readers() {
    check(
        DEVOPS,
        Breakage::NotInProjectGroup,
        |c| matches!(c, FindingCode::NotInProjectGroup { .. }),
        Repair::KeepsGroupMembership,
    )
    .await;
}

#[tokio::test]
async fn a_stakeholder_identity_is_found_and_the_repair_gives_it_basic() {
    let world = broken(DEVOPS, Breakage::Stakeholder).await;
    let diagnosis = world.diagnose().await;
    let found = &diagnosis.connections[0];
    assert!(found.findings.iter().any(|f| matches!(f.code, FindingCode::StakeholderLicence { .. })), "{found:#?}");
    let plan = fix_plan(&world.connected, found).await.unwrap().expect("a repair plan");
    let text = plan.planned.plan.steps.iter().map(|s| s.title.as_str()).collect::<Vec<_>>().join("\n");
    assert!(text.contains("Basic"), "{text}");
}

#[tokio::test]
async fn a_draft_is_named_with_what_finishes_it() {
    let world = broken(ARM, Breakage::Draft).await;
    let found = &world.diagnose().await.connections[0];
    let draft = found.findings.iter().find(|f| f.code == FindingCode::Draft).expect("the draft is named");
    assert!(draft.fix.contains("finish"), "{draft:#?}");
}

#[tokio::test]
async fn a_healthy_connection_has_no_findings_and_nothing_to_fix() {
    let world = broken(ARM, Breakage::Draft).await;
    let diagnosis = diagnose(
        &world.connected,
        &DoctorTarget::Connection {
            organization: OrgName::parse(ORG).unwrap(),
            project: PROJECT.into(),
            name_or_id: DEVOPS.into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(diagnosis.connections[0].findings, vec![]);
    assert_eq!(diagnosis.summary.healthy, 1);
    assert!(fix_plan(&world.connected, &diagnosis.connections[0]).await.unwrap().is_none());
}

#[tokio::test]
async fn a_pasted_pipeline_log_is_diagnosed_against_the_connection_it_names() {
    let world = broken(ARM, Breakage::SubjectMismatch).await;
    let failure = world.test_connection().await.unwrap();
    let log = format!(
        "2026-12-03T10:00:00.0000000Z ##[section]Starting: AzureCLI\n\
         2026-12-03T10:00:01.0000000Z ==============================================================================\n\
         2026-12-03T10:00:02.0000000Z ##[error]{failure}\n\
         2026-12-03T10:00:02.0000000Z ##[section]Finishing: AzureCLI\n"
    );
    let diagnosis = diagnose_pasted_log_live(&world.connected, &log).await.unwrap();
    assert!(diagnosis.text.recognised);
    let names: Vec<&str> = diagnosis.live.connections.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, [ARM], "the subject in the log names the connection");
    assert!(
        diagnosis.live.connections[0].findings.iter().any(|f| matches!(f.code, FindingCode::SubjectMismatch { .. })),
        "{diagnosis:#?}"
    );
}

#[tokio::test]
async fn the_whole_organization_is_diagnosed_with_a_summary() {
    let world = broken(ARM, Breakage::NoRole).await;
    let diagnosis =
        diagnose(&world.connected, &DoctorTarget::Organization(OrgName::parse(ORG).unwrap())).await.unwrap();
    let broken: Vec<&str> = diagnosis.connections.iter().filter(|c| c.is_broken()).map(|c| c.name.as_str()).collect();
    assert!(broken.contains(&ARM) && broken.contains(&"sc-web-case"), "{broken:?}");
    assert!(!broken.contains(&DEVOPS), "{broken:?}");
    assert_eq!(diagnosis.summary.connections, diagnosis.connections.len());
    assert_eq!(diagnosis.summary.broken, broken.len());
}
