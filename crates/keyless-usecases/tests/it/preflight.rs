//! Preflight against the demo cloud, for an admin missing each right in turn: the checklist
//! names the missing right and who can grant it, and narrowing hands off exactly the steps
//! that need it or wait for them.

use std::collections::BTreeSet;

use keyless_core::{
    preflight::{Lack, Verdict},
    setup::{Setup, parse_setup_toml},
};
use keyless_emulator::{
    Scenario,
    scenario::{AzureRoleSpec, DevOpsAccess},
};
use keyless_usecases::{
    Cloud, DemoCloud, Method,
    preflight::{Preflight, preflight},
};

use crate::support::{fast_demo, sign_in_to};

const CONTOSO_ROOT: &str = "/providers/Microsoft.Management/managementGroups/mg-contoso";
const SHOP_GROUP: &str = "/subscriptions/9d8c7b6a-5f4e-4d3c-9b2a-190807060504/resourceGroups/rg-shop-prod";
const SHOP_IDENTITY: &str = "/subscriptions/9d8c7b6a-5f4e-4d3c-9b2a-190807060504/resourceGroups/rg-identities/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-shop-prod";

/// Apps the demo does not have: one someone else owns, one multitenant, one with 20 credentials.
const EXTRA_APPS: &str = r#"
[[applications]]
tenant = "6b1f3c2a-4d5e-4f60-8a7b-9c0d1e2f3a4b"
display_name = "other-team-deployer"
object_id = "d0d0d0d0-0000-4d0d-8d0d-000000000001"
app_id = "d0d0d0d0-d0d0-4d0d-8d0d-d0d0d0d0d0d0"
owners = ["alex.wilber@contoso.com"]

[[applications]]
tenant = "6b1f3c2a-4d5e-4f60-8a7b-9c0d1e2f3a4b"
display_name = "shared-multitenant"
object_id = "d1d1d1d1-0000-4d1d-8d1d-000000000001"
app_id = "d1d1d1d1-d1d1-4d1d-8d1d-d1d1d1d1d1d1"
sign_in_audience = "AzureADMultipleOrgs"
owners = ["megan.bowen@contoso.com"]
service_principal_id = "d1d1d1d1-0000-4d1d-8d1d-000000000002"

[[applications]]
tenant = "6b1f3c2a-4d5e-4f60-8a7b-9c0d1e2f3a4b"
display_name = "full-deployer"
object_id = "d2d2d2d2-0000-4d2d-8d2d-000000000001"
app_id = "d2d2d2d2-d2d2-4d2d-8d2d-d2d2d2d2d2d2"
owners = ["megan.bowen@contoso.com"]
service_principal_id = "d2d2d2d2-0000-4d2d-8d2d-000000000002"
"#;

fn scenario() -> Scenario {
    let demo = include_str!("../../../keyless-emulator/scenarios/demo.toml");
    let mut text = format!("{demo}\n{EXTRA_APPS}");
    for n in 0..20 {
        text.push_str(&format!(
            "\n[[federated_credentials]]\nidentity = \"d2d2d2d2-d2d2-4d2d-8d2d-d2d2d2d2d2d2\"\nname = \"github-{n}\"\nissuer = \"https://token.actions.githubusercontent.com\"\nsubject = \"repo:contoso/app-{n}:ref:refs/heads/main\"\n"
        ));
    }
    Scenario::from_toml_str(&text, "preflight.toml").unwrap()
}

fn setup(identity: &str, organizations: &str, connection_org: &str, project: &str) -> Setup {
    let text = format!(
        r#"
[identity]
{identity}
{organizations}
[[connections]]
name = "sc-preflight"
organization = "{connection_org}"
project = "{project}"
type = "azure-rm"
scope = {{ subscription = "9d8c7b6a-5f4e-4d3c-9b2a-190807060504", resource_group = "rg-shop-prod" }}
role = "Contributor"
"#
    );
    parse_setup_toml("preflight.toml", &text).unwrap()
}

fn new_app() -> Setup {
    setup("kind = \"app-registration\"\nname = \"kl-preflight\"", "", "contoso", "Shop")
}

fn existing(field: &str, value: &str) -> Setup {
    setup(&format!("kind = \"existing\"\n{field} = \"{value}\""), "", "contoso", "Shop")
}

/// Preflight of `setup` by the demo's admin, after `change` took some of their rights away.
async fn preflight_as_admin(change: impl FnOnce(&mut Scenario), setup: &Setup) -> Preflight {
    let mut settings = fast_demo();
    settings.emulator.scenario = scenario();
    change(&mut settings.emulator.scenario);
    let demo = DemoCloud::start(&settings).await.unwrap();
    let connected = sign_in_to(&Cloud::demo(demo.profile()), Method::Browser).await.unwrap();
    preflight(&connected, setup).await.unwrap()
}

fn admin(scenario: &mut Scenario) -> &mut keyless_emulator::scenario::UserSpec {
    scenario.users.iter_mut().find(|u| u.upn == "megan.bowen@contoso.com").unwrap()
}

/// The one lacking step, and the hand-off being that step plus exactly what waits for it.
fn only_lack(preflight: &Preflight) -> (String, Lack) {
    let lacking: Vec<(String, Lack)> =
        preflight.checklist.lacking().map(|(item, lack)| (item.step_id.clone(), lack.clone())).collect();
    assert_eq!(lacking.len(), 1, "{:#?}", preflight.checklist);
    let (step_id, lack) = lacking.into_iter().next().unwrap();
    assert_hands_off_exactly(preflight, &[step_id.as_str()]);
    (step_id, lack)
}

fn assert_hands_off_exactly(preflight: &Preflight, lacking: &[&str]) {
    let mut waiting: BTreeSet<String> = lacking.iter().map(|s| (*s).to_string()).collect();
    loop {
        let before = waiting.len();
        for step in &preflight.plan.steps {
            if step.depends_on.iter().any(|d| waiting.contains(d)) {
                waiting.insert(step.id.clone());
            }
        }
        if waiting.len() == before {
            break;
        }
    }
    let handed: BTreeSet<String> = preflight.narrowed.handed_off.iter().map(|h| h.step.id.clone()).collect();
    assert_eq!(handed, waiting);
    assert_eq!(preflight.narrowed.plan.steps.len() + handed.len(), preflight.plan.steps.len());
    assert!(!preflight.hand_off_markdown.is_empty());
}

#[tokio::test]
async fn the_demo_admin_can_do_the_whole_onboarding() {
    let onboarding = parse_setup_toml("onboarding.toml", include_str!("../../../../examples/onboarding.toml")).unwrap();
    let checked = preflight_as_admin(|_| {}, &onboarding).await;
    assert!(checked.all_doable(), "{:#?}", checked.checklist);
    assert_eq!(checked.narrowed.plan, checked.plan);
    assert!(checked.hand_off_markdown.is_empty());
}

#[tokio::test]
async fn an_admin_who_cannot_register_apps_is_sent_to_a_privileged_role_administrator() {
    let checked = preflight_as_admin(|s| admin(s).can_register_apps = None, &new_app()).await;
    let (step, lack) = only_lack(&checked);
    assert_eq!(step, "identity/0");
    assert_eq!(lack.role, "Application Developer");
    assert!(lack.ask.starts_with("ask a Privileged Role Administrator of tenant"), "{lack:?}");
    assert!(checked.narrowed.plan.steps.is_empty());
    assert!(
        checked.hand_off_markdown.contains("## For a Privileged Role Administrator"),
        "{}",
        checked.hand_off_markdown
    );
}

#[tokio::test]
async fn an_app_someone_else_owns_needs_its_owner_or_an_application_administrator() {
    let checked = preflight_as_admin(|_| {}, &existing("name", "other-team-deployer")).await;
    let lacking: Vec<&str> = checked.checklist.lacking().map(|(item, _)| item.step_id.as_str()).collect();
    assert_eq!(lacking, ["sp/0", "fic/contoso/Shop/sc-preflight"]);
    let (_, lack) = checked.checklist.lacking().next().unwrap();
    assert_eq!(
        lack.who_can_grant,
        "the owners of other-team-deployer, a Cloud Application Administrator or Application Administrator"
    );
    assert!(lack.ask.contains("add you as an owner of other-team-deployer"), "{lack:?}");
    assert_hands_off_exactly(&checked, &lacking);
}

#[tokio::test]
async fn a_contributor_cannot_assign_the_role_and_is_sent_to_an_owner_of_the_scope() {
    let contributor = |s: &mut Scenario| {
        admin(s).azure_roles = vec![AzureRoleSpec { scope: CONTOSO_ROOT.into(), role: "Contributor".into() }];
    };
    let checked = preflight_as_admin(contributor, &new_app()).await;
    let (step, lack) = only_lack(&checked);
    assert!(step.starts_with("role/0/"), "{step}");
    assert_eq!(lack.missing, format!("Microsoft.Authorization/roleAssignments/write on {SHOP_GROUP}"));
    assert_eq!(lack.who_can_grant, format!("an Owner or User Access Administrator of {SHOP_GROUP}"));
}

#[tokio::test]
async fn a_reader_of_the_managed_identity_cannot_write_its_credentials() {
    let reader_of_identities = |s: &mut Scenario| {
        admin(s).azure_roles = vec![
            AzureRoleSpec { scope: CONTOSO_ROOT.into(), role: "Reader".into() },
            AzureRoleSpec { scope: SHOP_GROUP.into(), role: "Owner".into() },
        ];
    };
    let checked = preflight_as_admin(reader_of_identities, &existing("resource_id", SHOP_IDENTITY)).await;
    let (step, lack) = only_lack(&checked);
    assert_eq!(step, "fic/contoso/Shop/sc-preflight");
    assert_eq!(lack.role, "Managed Identity Contributor");
    assert_eq!(lack.who_can_grant, "an Owner or User Access Administrator of managed identity id-shop-prod");
}

#[tokio::test]
async fn without_project_collection_administrator_the_membership_goes_to_one() {
    let member = |s: &mut Scenario| {
        admin(s).devops.insert("contoso".into(), DevOpsAccess::Member);
    };
    let joins = setup(
        "kind = \"app-registration\"\nname = \"kl-preflight\"",
        "[[organizations]]\nname = \"contoso\"\nprojects = [{ name = \"Shop\" }]\n",
        "contoso",
        "Shop",
    );
    let checked = preflight_as_admin(member, &joins).await;
    let (step, lack) = only_lack(&checked);
    assert_eq!(step, "member/0/contoso");
    assert_eq!(lack.who_can_grant, "a Project Collection Administrator of contoso");
}

#[tokio::test]
async fn a_reader_of_the_organization_is_not_an_endpoint_creator() {
    let reader = |s: &mut Scenario| {
        admin(s).devops.insert("contoso".into(), DevOpsAccess::Reader);
    };
    let checked = preflight_as_admin(reader, &new_app()).await;
    let (step, lack) = only_lack(&checked);
    assert_eq!(step, "connection/contoso/Shop/sc-preflight");
    assert_eq!(lack.role, "Endpoint Creator");
    assert_eq!(
        lack.ask,
        "ask a Project Administrator of contoso/Shop to add you to the project's Endpoint Creators group"
    );
}

#[tokio::test]
async fn an_organization_of_another_tenant_must_be_connected_to_the_identitys() {
    let checked = preflight_as_admin(
        |_| {},
        &setup(
            "kind = \"app-registration\"\nname = \"kl-preflight\"",
            "[[organizations]]\nname = \"fabrikam-shared\"\n",
            "fabrikam-shared",
            "Packages",
        ),
    )
    .await;
    let lacking: Vec<&str> = checked.checklist.lacking().map(|(item, _)| item.step_id.as_str()).collect();
    assert_eq!(lacking, ["member/0/fabrikam-shared", "connection/fabrikam-shared/Packages/sc-preflight"]);
    let (_, lack) = checked.checklist.lacking().next().unwrap();
    assert!(lack.ask.contains("to connect it to tenant 6b1f3c2a-4d5e-4f60-8a7b-9c0d1e2f3a4b"), "{lack:?}");
    assert_hands_off_exactly(&checked, &lacking);
}

#[tokio::test]
async fn an_identity_holding_twenty_credentials_sends_the_new_one_to_its_owners() {
    let checked = preflight_as_admin(|_| {}, &existing("name", "full-deployer")).await;
    let (step, lack) = only_lack(&checked);
    assert_eq!(step, "fic/contoso/Shop/sc-preflight");
    assert!(lack.missing.contains("holds 20 of 20"), "{lack:?}");
    assert_eq!(lack.who_can_grant, "the owners of full-deployer");
}

#[tokio::test]
async fn a_multitenant_app_must_be_made_single_tenant_first() {
    let checked = preflight_as_admin(|_| {}, &existing("name", "shared-multitenant")).await;
    let (step, lack) = only_lack(&checked);
    assert_eq!(step, "identity/0");
    assert!(lack.ask.contains("signInAudience AzureADMyOrg"), "{lack:?}");
    assert!(checked.narrowed.plan.steps.is_empty());
    assert!(matches!(checked.checklist.item("sp/0").map(|i| &i.verdict), Some(Verdict::Have)));
}
