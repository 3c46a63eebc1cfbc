//! Preflight: the ARM action matcher, each step's verdict from the facts, and narrowing a plan
//! to what the admin can do now.

use std::collections::BTreeMap;

use keyless_core::{
    observed::Observed,
    plan::{Plan, build_plan},
    preflight::*,
    setup::parse_setup_toml,
};

use crate::fixtures::*;

const ONE_CONNECTION: &str = r#"
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
"#;

const RESOURCE_GROUP_SCOPE: &str = "/subscriptions/33333333-3333-4333-8333-333333333333/resourceGroups/rg-web";

fn permission(actions: &[&str], not_actions: &[&str]) -> ArmPermission {
    ArmPermission {
        actions: actions.iter().map(|a| (*a).to_string()).collect(),
        not_actions: not_actions.iter().map(|a| (*a).to_string()).collect(),
    }
}

fn owner() -> Vec<ArmPermission> {
    vec![permission(&["*"], &[])]
}

fn contributor() -> Vec<ArmPermission> {
    vec![permission(&["*"], &["Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write"])]
}

fn plan_of(setup: &str, observed: &Observed) -> Plan {
    build_plan(&parse_setup_toml("setup.toml", setup).unwrap(), observed).unwrap()
}

/// Facts granting everything the plan reads.
fn everything_allowed(plan: &Plan, observed: &Observed) -> PermissionFacts {
    let reads = reads_needed(plan, observed);
    PermissionFacts {
        users_can_register_apps: Fact::read(true),
        directory_roles: Fact::read(vec![]),
        arm: reads.arm_scopes.into_iter().map(|s| (s, Fact::read(owner()))).collect(),
        collection_admin: reads.organizations.into_iter().map(|o| (o, Fact::read(true))).collect(),
        endpoints: reads
            .projects
            .into_iter()
            .map(|p| (p, Fact::read(EndpointRights { create: true, administer: true })))
            .collect(),
    }
}

fn lack_of<'a>(checklist: &'a Checklist, step_id: &str) -> &'a Lack {
    match &checklist.item(step_id).unwrap().verdict {
        Verdict::Lack(lack) => lack,
        other => panic!("{step_id} should be lacking, was {other:?}"),
    }
}

fn handed_off_ids(plan: &Plan, checklist: &Checklist) -> Vec<String> {
    narrow(plan, checklist).handed_off.into_iter().map(|h| h.step.id).collect()
}

#[test]
fn azure_action_patterns_match_like_role_definitions() {
    assert!(wildcard_matches("*", ROLE_ASSIGNMENT_WRITE));
    assert!(wildcard_matches("*/read", "Microsoft.Resources/subscriptions/resourceGroups/read"));
    assert!(!wildcard_matches("*/read", "Microsoft.Resources/subscriptions/resourceGroups/write"));
    assert!(wildcard_matches("Microsoft.Authorization/*/Write", "microsoft.authorization/roleAssignments/write"));
    assert!(wildcard_matches("Microsoft.ManagedIdentity/userAssignedIdentities/*", MANAGED_IDENTITY_FIC_WRITE));
    assert!(wildcard_matches("Microsoft.Authorization/*", ROLE_ASSIGNMENT_WRITE));
    assert!(!wildcard_matches("Microsoft.Authorization/roleAssignments/read", ROLE_ASSIGNMENT_WRITE));
    assert!(!wildcard_matches("Microsoft.Authorization/roleAssignments", ROLE_ASSIGNMENT_WRITE));
    assert!(wildcard_matches("Microsoft.*/*/write", MANAGED_IDENTITY_WRITE));
    assert!(!wildcard_matches("Microsoft.Compute/*", MANAGED_IDENTITY_WRITE));
}

#[test]
fn not_actions_take_away_only_within_the_same_role() {
    assert!(action_allowed(&owner(), ROLE_ASSIGNMENT_WRITE));
    assert!(!action_allowed(&contributor(), ROLE_ASSIGNMENT_WRITE));
    assert!(action_allowed(&contributor(), MANAGED_IDENTITY_FIC_WRITE));
    let user_access_administrator = permission(&["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"], &[]);
    let contributor_and_uaa = [contributor(), vec![user_access_administrator.clone()]].concat();
    assert!(action_allowed(&contributor_and_uaa, ROLE_ASSIGNMENT_WRITE));
    assert!(!action_allowed(&[user_access_administrator], MANAGED_IDENTITY_WRITE));
    assert!(!action_allowed(&[], "Microsoft.Resources/subscriptions/read"));
}

#[test]
fn an_admin_with_every_right_can_do_the_whole_plan() {
    let observed = empty_tenant();
    let plan = plan_of(ONE_CONNECTION, &observed);
    let checklist = check(&plan, &observed, &everything_allowed(&plan, &observed));
    assert!(checklist.all_doable(), "{checklist:#?}");
    let narrowed = narrow(&plan, &checklist);
    assert_eq!(narrowed.plan, plan);
    assert!(narrowed.handed_off.is_empty());
}

#[test]
fn without_app_registration_rights_everything_waits_for_the_identity() {
    let observed = empty_tenant();
    let plan = plan_of(ONE_CONNECTION, &observed);
    let facts = PermissionFacts { users_can_register_apps: Fact::read(false), ..everything_allowed(&plan, &observed) };
    let checklist = check(&plan, &observed, &facts);
    let lack = lack_of(&checklist, "identity/0");
    assert_eq!(lack.role, "Application Developer");
    assert!(lack.who_can_grant.starts_with("a Privileged Role Administrator"), "{lack:?}");
    assert!(lack.ask.starts_with("ask a Privileged Role Administrator"), "{lack:?}");
    let narrowed = narrow(&plan, &checklist);
    assert!(narrowed.plan.steps.is_empty(), "every step depends on the identity");
    assert_eq!(narrowed.handed_off.len(), plan.steps.len());
}

#[test]
fn the_application_developer_role_registers_apps_when_users_may_not() {
    let observed = empty_tenant();
    let plan = plan_of(ONE_CONNECTION, &observed);
    let facts = PermissionFacts {
        users_can_register_apps: Fact::read(false),
        directory_roles: Fact::read(vec![APPLICATION_DEVELOPER]),
        ..everything_allowed(&plan, &observed)
    };
    assert_eq!(check(&plan, &observed, &facts).item("identity/0").unwrap().verdict, Verdict::Have);
}

#[test]
fn a_contributor_lacks_the_role_assignment_and_only_its_verification_waits() {
    let observed = empty_tenant();
    let plan = plan_of(ONE_CONNECTION, &observed);
    let mut facts = everything_allowed(&plan, &observed);
    facts.arm.insert(scope_key(RESOURCE_GROUP_SCOPE), Fact::read(contributor()));
    let checklist = check(&plan, &observed, &facts);
    let role_step = plan.steps.iter().find(|s| s.id.starts_with("role/")).unwrap().id.clone();
    let lack = lack_of(&checklist, &role_step);
    assert_eq!(lack.missing, format!("{ROLE_ASSIGNMENT_WRITE} on {RESOURCE_GROUP_SCOPE}"));
    assert_eq!(lack.who_can_grant, format!("an Owner or User Access Administrator of {RESOURCE_GROUP_SCOPE}"));
    let dependents: Vec<String> =
        plan.steps.iter().filter(|s| s.depends_on.contains(&role_step)).map(|s| s.id.clone()).collect();
    let mut expected = vec![role_step];
    expected.extend(dependents);
    assert_eq!(handed_off_ids(&plan, &checklist), expected);
}

#[test]
fn without_collection_admin_the_membership_and_its_connection_are_handed_off() {
    let observed = empty_tenant();
    let plan = plan_of(ONE_CONNECTION, &observed);
    let mut facts = everything_allowed(&plan, &observed);
    facts.collection_admin.insert(org("contoso"), Fact::read(false));
    let checklist = check(&plan, &observed, &facts);
    let lack = lack_of(&checklist, "member/0/contoso");
    assert_eq!(lack.who_can_grant, "a Project Collection Administrator of contoso");
    assert!(lack.ask.starts_with("ask a Project Collection Administrator of contoso to add kl-prod-deployer"));
    // An Azure Resource Manager connection does not wait for the organization membership.
    assert_eq!(handed_off_ids(&plan, &checklist), ["member/0/contoso"]);
    let narrowed = narrow(&plan, &checklist);
    for step in &narrowed.plan.steps {
        for dependency in &step.depends_on {
            assert!(narrowed.plan.step(dependency).is_some(), "{} keeps its dependency {dependency}", step.id);
        }
    }
}

#[test]
fn a_fact_that_could_not_be_read_is_could_not_check() {
    let observed = empty_tenant();
    let plan = plan_of(ONE_CONNECTION, &observed);
    let mut facts = everything_allowed(&plan, &observed);
    facts.endpoints = BTreeMap::new();
    let checklist = check(&plan, &observed, &facts);
    let verdict = &checklist.item("connection/contoso/Web/sc-prod").unwrap().verdict;
    assert!(matches!(verdict, Verdict::Unknown { why } if why.contains("contoso/Web")), "{verdict:?}");
    assert!(!checklist.all_doable());
}

#[test]
fn credentials_past_the_cap_are_lacking_and_name_the_owner() {
    let mut observed = empty_tenant();
    observed.identities.insert("kl-prod-deployer".into(), app("kl-prod-deployer", 18));
    let two = format!(
        "{ONE_CONNECTION}\n[[connections]]\nname = \"ado-contoso\"\norganization = \"contoso\"\nproject = \"Web\"\ntype = \"azure-devops\"\n"
    );
    let plan = plan_of(&two, &observed);
    let mut full = observed.clone();
    full.identities.insert("kl-prod-deployer".into(), app("kl-prod-deployer", 19));
    let checklist = check(&plan, &full, &everything_allowed(&plan, &full));
    assert_eq!(checklist.item("fic/contoso/Web/sc-prod").unwrap().verdict, Verdict::Have);
    let lack = lack_of(&checklist, "fic/contoso/Web/ado-contoso");
    assert!(lack.missing.contains("holds 19 of 20"), "{lack:?}");
    assert_eq!(lack.who_can_grant, "the owners of kl-prod-deployer");
}

#[test]
fn the_plan_text_marks_each_need_as_had_or_lacking() {
    let observed = empty_tenant();
    let plan = plan_of(ONE_CONNECTION, &observed);
    let mut facts = everything_allowed(&plan, &observed);
    facts.collection_admin.insert(org("contoso"), Fact::read(false));
    let text = render_with_checklist(&plan, &check(&plan, &observed, &facts));
    assert!(text.contains("(you have it)"), "{text}");
    assert!(text.contains("(you lack it: ask a Project Collection Administrator of contoso"), "{text}");
    assert_eq!(text.lines().count(), plan.render_text().lines().count());
    let markdown = hand_off_markdown(&narrow(&plan, &check(&plan, &observed, &facts)), "admin@contoso.com");
    assert!(markdown.contains("## For a Project Collection Administrator of contoso"), "{markdown}");
}
