//! Planning snapshots: the plan text for accepted setups, the exact message for refused ones.

use keyless_core::{
    observed::{IdentityKind, Observed, ObservedRoleAssignment},
    plan::{Action, Operation, build_plan, role_assignment_name, role_definition_for},
    setup::{AccessLevel, ProjectGroup, parse_setup_toml},
};

use crate::fixtures::*;

/// Plans `setup` against `observed` and renders the plan, or the refusal with its help line.
fn plan_text(setup: &str, observed: &Observed) -> String {
    let setup = match parse_setup_toml("setup.toml", setup) {
        Ok(s) => s,
        Err(e) => return format!("refused: {}", e.display_with_help()),
    };
    match build_plan(&setup, observed) {
        Ok(plan) => plan.render_text(),
        Err(e) => format!("refused: {}", e.display_with_help()),
    }
}

fn check(name: &str, setup: &str, observed: &Observed) {
    insta::assert_snapshot!(name, plan_text(setup, observed));
}

const ONBOARDING: &str = r#"
[identity]
kind = "app-registration"
name = "kl-prod-deployer"

[[organizations]]
name = "contoso"
projects = [{ name = "Web", groups = ["readers"] }]

[[connections]]
name = "sc-prod"
organization = "contoso"
project = "Web"
type = "azure-rm"
scope = { subscription = "33333333-3333-4333-8333-333333333333", resource_group = "rg-web" }
role = "Contributor"
pipelines = ["web-deploy"]
share_with = ["Api"]

[[connections]]
name = "ado-contoso"
organization = "contoso"
project = "Web"
type = "azure-devops"
"#;

#[test]
fn one_time_onboarding_with_a_new_app() {
    check("onboarding_new_app", ONBOARDING, &empty_tenant());
}

#[test]
fn managed_identity_for_long_jobs() {
    let setup = r#"
[identity]
kind = "managed-identity"
name = "id-long-jobs"
subscription = "33333333-3333-4333-8333-333333333333"
resource_group = "rg-identities"
location = "westeurope"

[[connections]]
name = "sc-data"
organization = "contoso-data"
project = "Lake"
type = "azure-rm"
scope = { subscription = "33333333-3333-4333-8333-333333333333" }
pipelines = ["ingest"]
"#;
    check("managed_identity", setup, &empty_tenant());
}

#[test]
fn cross_org_access_in_three_organizations_with_different_groups() {
    let setup = r#"
[identity]
kind = "app-registration"
name = "kl-cross-org"

[[organizations]]
name = "contoso"
projects = [{ name = "Web", groups = ["contributors"] }, { name = "Api" }]

[[organizations]]
name = "contoso-platform"
projects = [{ name = "Templates", groups = ["readers"] }, { name = "Packages", groups = ["readers", { custom = "Feed Publishers" }] }]

[[organizations]]
name = "contoso-data"
access_level = "basic-test-plans"
projects = [{ name = "Lake", groups = ["project-administrators"] }]

[[connections]]
name = "platform-templates"
organization = "contoso"
project = "Web"
type = "azure-devops"
target_organization = "contoso-platform"
pipelines = ["web-ci"]
"#;
    check("cross_org_three_orgs", setup, &empty_tenant());
}

#[test]
fn rerun_after_a_completed_run_is_a_no_op() {
    let mut observed = empty_tenant();
    let contoso_id = observed.organizations[&org("contoso")].id;
    let mut identity = app("kl-prod-deployer", 0);
    identity.fics = vec![fic("ado-1", contoso_id, id_of(1)), fic("ado-2", contoso_id, id_of(2))];
    observed.identities.insert("kl-prod-deployer".into(), identity);
    let contoso = observed.organizations.get_mut(&org("contoso")).unwrap();
    contoso.memberships.insert(APP_PRINCIPAL, membership(&[("Web", &["Readers"])]));
    let mut prod = wif_connection(contoso_id, 1, "sc-prod", "Web", "azurerm");
    prod.projects.push("Api".into());
    prod.authorized_pipelines = vec![2];
    contoso.connections = vec![prod, wif_connection(contoso_id, 2, "ado-contoso", "Web", "WorkloadIdentityUser")];
    let (_, contributor) = role_definition_for("Contributor").unwrap();
    let scope = "/subscriptions/33333333-3333-4333-8333-333333333333/resourceGroups/rg-web";
    observed.role_assignments.push(ObservedRoleAssignment {
        name: role_assignment_name(scope, APP_PRINCIPAL, contributor),
        scope: scope.into(),
        principal_id: APP_PRINCIPAL,
        role_definition_id: contributor,
    });
    let setup = parse_setup_toml("setup.toml", ONBOARDING).unwrap();
    let plan = build_plan(&setup, &observed).unwrap();
    assert!(plan.is_no_op(), "{}", plan.render_text());
    assert!(plan.steps.iter().all(|s| matches!(s.action, Action::Reuse | Action::Verify)));
    check("rerun_no_op", ONBOARDING, &observed);
}

#[test]
fn changed_groups_update_the_membership() {
    let mut observed = empty_tenant();
    observed.identities.insert("kl-prod-deployer".into(), app("kl-prod-deployer", 0));
    let contoso = observed.organizations.get_mut(&org("contoso")).unwrap();
    contoso.memberships.insert(APP_PRINCIPAL, membership(&[("Web", &["Contributors"])]));
    let plan = build_plan(&parse_setup_toml("s", ONBOARDING).unwrap(), &observed).unwrap();
    assert_eq!(plan.step("member/0/contoso").unwrap().action, Action::Update);
    assert_eq!(plan.step("identity/0").unwrap().action, Action::Reuse);
}

#[test]
fn a_full_identity_gets_a_sibling_when_asked() {
    let mut observed = empty_tenant();
    observed.identities.insert("kl-prod-deployer".into(), app("kl-prod-deployer", 19));
    let setup =
        ONBOARDING.replace("name = \"kl-prod-deployer\"", "name = \"kl-prod-deployer\"\nwhen_full = \"new-identity\"");
    check("full_identity_new_sibling", &setup, &observed);
    let plan = build_plan(&parse_setup_toml("s", &setup).unwrap(), &observed).unwrap();
    assert_eq!(plan.identities.len(), 2);
    assert_eq!(plan.identities[0].fics_after, 20);
    assert_eq!(plan.identities[1].display_name, "kl-prod-deployer-2");
}

#[test]
fn a_full_identity_stops_the_plan_by_default() {
    let mut observed = empty_tenant();
    observed.identities.insert("kl-prod-deployer".into(), app("kl-prod-deployer", 20));
    check("refused_full_identity", ONBOARDING, &observed);
}

#[test]
fn an_identity_the_admin_cannot_write_becomes_a_hand_off() {
    let mut observed = empty_tenant();
    let mut identity = app("platform-team-app", 3);
    identity.can_write_fics = false;
    observed.identities.insert("platform-team-app".into(), identity);
    let setup = r#"
[identity]
kind = "existing"
client_id = "44444444-4444-4444-8444-444444444444"

[[connections]]
name = "sc-handoff"
organization = "contoso"
project = "Api"
type = "azure-rm"
scope = { subscription = "33333333-3333-4333-8333-333333333333" }
"#;
    check("hand_off_draft", setup, &observed);
}

#[test]
fn refused_inputs_say_what_to_do() {
    let mut multitenant = empty_tenant();
    let mut app_mt = app("legacy-multi", 0);
    app_mt.sign_in_audience = Some("AzureADMultipleOrgs".into());
    multitenant.identities.insert("legacy-multi".into(), app_mt);
    check("refused_multitenant", "[identity]\nkind = \"existing\"\nname = \"legacy-multi\"\n", &multitenant);

    let mut no_apps = empty_tenant();
    no_apps.can_register_apps = false;
    check("refused_cannot_register_apps", ONBOARDING, &no_apps);

    let observed = empty_tenant();
    check(
        "refused_region",
        "[identity]\nkind = \"managed-identity\"\nname = \"id-x\"\nsubscription = \"33333333-3333-4333-8333-333333333333\"\nresource_group = \"rg\"\nlocation = \"newzealandnorth\"\n",
        &observed,
    );
    check(
        "refused_other_tenant",
        "[identity]\nkind = \"app-registration\"\nname = \"kl\"\n[[organizations]]\nname = \"fabrikam\"\n",
        &observed,
    );
    check(
        "refused_existing_not_found",
        "[identity]\nkind = \"existing\"\nclient_id = \"99999999-9999-4999-8999-999999999999\"\n",
        &observed,
    );
    check("refused_unknown_pipeline", &ONBOARDING.replace("[\"web-deploy\"]", "[\"nightly\"]"), &observed);
    check(
        "refused_unknown_project",
        &ONBOARDING.replace("share_with = [\"Api\"]", "share_with = [\"Mobile\"]"),
        &observed,
    );
    check("refused_unknown_role", &ONBOARDING.replace("role = \"Contributor\"", "role = \"Deployer\""), &observed);
    check(
        "refused_unknown_org",
        &ONBOARDING.replace("name = \"contoso\"\nprojects", "name = \"contoso-old\"\nprojects"),
        &observed,
    );
    check(
        "refused_stakeholder",
        &ONBOARDING
            .replace("name = \"contoso\"\nprojects", "name = \"contoso\"\naccess_level = \"stakeholder\"\nprojects"),
        &observed,
    );
    check(
        "refused_all_and_named",
        &ONBOARDING.replace("pipelines = [\"web-deploy\"]", "pipelines = [\"web-deploy\"]\nall_pipelines = true"),
        &observed,
    );
    check(
        "refused_org_with_slash",
        &ONBOARDING.replace(
            "organization = \"contoso\"\nproject = \"Web\"\ntype = \"azure-rm\"",
            "organization = \"contoso/Web\"\nproject = \"Web\"\ntype = \"azure-rm\"",
        ),
        &observed,
    );
    check(
        "refused_bad_guid",
        &ONBOARDING.replace("33333333-3333-4333-8333-333333333333", "3333-not-a-guid"),
        &observed,
    );

    let mut pat_named = empty_tenant();
    let contoso = pat_named.organizations.get_mut(&org("contoso")).unwrap();
    let mut pat = wif_connection(contoso.id, 9, "sc-prod", "Web", "externaltfs");
    pat.scheme = "Token".into();
    contoso.connections.push(pat);
    check("refused_name_taken_by_pat", ONBOARDING, &pat_named);
}

#[test]
fn every_dependency_names_an_earlier_step() {
    let plan = build_plan(&parse_setup_toml("s", ONBOARDING).unwrap(), &empty_tenant()).unwrap();
    for (i, step) in plan.steps.iter().enumerate() {
        for dep in &step.depends_on {
            let position = plan
                .steps
                .iter()
                .position(|s| &s.id == dep)
                .unwrap_or_else(|| panic!("{} depends on missing {dep}", step.id));
            assert!(position < i, "{} depends on later step {dep}", step.id);
        }
    }
    assert_eq!(plan.identities[0].kind, IdentityKind::AppRegistration);
}

/// An Azure DevOps connection in contoso / Web, reaching `target` when given, with only the
/// `[[organizations]]` entries in `organizations`.
fn azure_devops_setup(organizations: &str, target: Option<&str>) -> String {
    let target = target.map(|t| format!("target_organization = \"{t}\"\n")).unwrap_or_default();
    format!(
        "[identity]\nkind = \"app-registration\"\nname = \"kl-ado\"\n{organizations}\n[[connections]]\nname = \"sc-x\"\norganization = \"contoso\"\nproject = \"Web\"\ntype = \"azure-devops\"\n{target}"
    )
}

fn plan_of(setup: &str, observed: &Observed) -> keyless_core::plan::Plan {
    build_plan(&parse_setup_toml("setup.toml", setup).unwrap(), observed).unwrap()
}

#[test]
fn an_azure_devops_connection_joins_its_unlisted_organization_as_a_reader() {
    let setup = azure_devops_setup("", None);
    check("added_owning_organization", &setup, &empty_tenant());
    let plan = plan_of(&setup, &empty_tenant());
    let member = plan.step("member/0/contoso").expect("a membership in contoso");
    assert!(
        member.title.contains("added: the Azure DevOps connection sc-x needs its identity to be a user of contoso")
    );
    let Operation::Membership { access_level, projects, .. } = &member.operation else { panic!("{member:?}") };
    assert_eq!(*access_level, AccessLevel::Basic);
    assert_eq!(projects.len(), 1);
    assert_eq!(
        (projects[0].project.name.as_str(), projects[0].groups.as_slice()),
        ("Web", &[ProjectGroup::Readers][..])
    );
    assert!(plan.step("connection/contoso/Web/sc-x").unwrap().depends_on.contains(&"member/0/contoso".to_string()));
}

#[test]
fn a_listed_organization_without_the_connection_project_gains_readers_there() {
    let setup = azure_devops_setup(
        "[[organizations]]\nname = \"contoso\"\nprojects = [{ name = \"Api\", groups = [\"contributors\"] }]\n",
        None,
    );
    check("added_connection_project", &setup, &empty_tenant());
    let plan = plan_of(&setup, &empty_tenant());
    let Operation::Membership { projects, .. } = &plan.step("member/0/contoso").unwrap().operation else { panic!() };
    let names: Vec<&str> = projects.iter().map(|p| p.project.name.as_str()).collect();
    assert_eq!(names, ["Api", "Web"]);
    assert_eq!(plan.steps.iter().filter(|s| matches!(s.operation, Operation::Membership { .. })).count(), 1);
}

#[test]
fn an_unlisted_target_organization_is_joined_with_basic_and_no_project() {
    let setup = azure_devops_setup(
        "[[organizations]]\nname = \"contoso\"\nprojects = [{ name = \"Web\" }]\n",
        Some("contoso-platform"),
    );
    check("added_target_organization", &setup, &empty_tenant());
    let plan = plan_of(&setup, &empty_tenant());
    let target = plan.step("member/0/contoso-platform").expect("a membership in the target");
    let Operation::Membership { access_level, projects, .. } = &target.operation else { panic!() };
    assert_eq!((*access_level, projects.len()), (AccessLevel::Basic, 0));
    let connection = plan.step("connection/contoso/Web/sc-x").unwrap();
    for member in ["member/0/contoso", "member/0/contoso-platform"] {
        assert!(connection.depends_on.contains(&member.to_string()), "{:?}", connection.depends_on);
    }
    assert!(plan.warnings.iter().any(|w| w.contains("list the projects the pipelines read")), "{:?}", plan.warnings);
}

#[test]
fn both_organizations_listed_add_nothing() {
    let setup = azure_devops_setup(
        "[[organizations]]\nname = \"contoso\"\nprojects = [{ name = \"Web\" }]\n[[organizations]]\nname = \"contoso-platform\"\nprojects = [{ name = \"Templates\" }]\n",
        Some("contoso-platform"),
    );
    check("cross_org_both_listed", &setup, &empty_tenant());
    let plan = plan_of(&setup, &empty_tenant());
    assert!(plan.steps.iter().all(|s| !s.title.contains("added")), "{}", plan.render_text());
    assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
}

#[test]
fn an_existing_membership_the_connection_needs_is_kept_at_its_level() {
    let mut observed = empty_tenant();
    observed.identities.insert("kl-ado".into(), app("kl-ado", 0));
    let mut existing = membership(&[("Web", &["Contributors"])]);
    existing.access_level = Some(AccessLevel::BasicTestPlans);
    observed.organizations.get_mut(&org("contoso")).unwrap().memberships.insert(APP_PRINCIPAL, existing);
    let plan = plan_of(&azure_devops_setup("", None), &observed);
    let member = plan.step("member/0/contoso").unwrap();
    assert_eq!(member.action, Action::Reuse, "{}", plan.render_text());
    let Operation::Membership { access_level, projects, .. } = &member.operation else { panic!() };
    assert_eq!((*access_level, projects.len()), (AccessLevel::BasicTestPlans, 0));
}

#[test]
fn a_stakeholder_owning_organization_is_refused_for_a_cross_organization_connection() {
    let setup = azure_devops_setup(
        "[[organizations]]\nname = \"contoso\"\naccess_level = \"stakeholder\"\nprojects = [{ name = \"Web\" }]\n",
        Some("contoso-platform"),
    );
    let refusal = plan_text(&setup, &empty_tenant());
    assert!(refusal.starts_with("refused: access_level: 'contoso' gives the identity Stakeholder"), "{refusal}");
}
