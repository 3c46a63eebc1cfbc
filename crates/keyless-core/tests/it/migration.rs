//! Migration files and plans: the file's checks name the entry and say what to do; the first
//! file drafted from an inventory parses back; the plan of each action, of a stale entry, of an
//! identity at the credential cap, of a hand-off, and the waves, snapshot-tested as people read them.

use std::collections::BTreeMap;

use keyless_core::{
    CloudName, CloudProfile, Guid,
    impact::{ConnectionImpact, analyze_yaml},
    inventory::{ConnectionFacts, CredentialMatch, InventoriedConnection, InventoryIdentity},
    migration::{
        EntryStatus, MigrationAction, MigrationPlan, PlanContext, draft_migration_file, parse_migration_toml,
        plan_migration, render_migration_plan,
    },
    observed::IdentityKind,
};

const TENANT: Guid = Guid::from_u128(0x6b1f3c2a_4d5e_4f60_8a7b_9c0d1e2f3a4b);
const CONTOSO_ID: Guid = Guid::from_u128(0x5a6b7c8d_9e0f_4a1b_8c2d_3e4f5a6b7c8d);
const FABRIKAM_ID: Guid = Guid::from_u128(0x7c8d9e0f_1a2b_4c3d_8e4f_5a6b7c8d9e0f);
const CLIENT: Guid = Guid::from_u128(0xa1b2c3d4_e5f6_4a7b_8c9d_0e1f2a3b4c5d);
const DEVOPS_ISSUER: &str = "https://vstoken.dev.azure.com/5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d";

fn id(n: u128) -> Guid {
    Guid::from_u128(0x0b1c2d3e_4f5a_4b6c_8d7e_000000000000 + n)
}

fn identity(credentials: u32, can_write: bool) -> InventoryIdentity {
    InventoryIdentity {
        kind: Some(IdentityKind::AppRegistration),
        display_name: Some("shop-deployer".into()),
        multitenant: Some(false),
        can_write_credentials: Some(can_write),
        credential_count: Some(credentials),
        ..InventoryIdentity::unknown(CLIENT, Some(TENANT))
    }
}

fn secret(org: &str, name: &str, n: u128, creation_mode: &str) -> ConnectionFacts {
    ConnectionFacts {
        organization: org.into(),
        projects: vec!["Shop".into()],
        owning_project: "Shop".into(),
        name: name.into(),
        id: id(n),
        endpoint_type: "azurerm".into(),
        scheme: "ServicePrincipal".into(),
        creation_mode: Some(creation_mode.into()),
        is_shared: false,
        is_draft: false,
        url: Some("https://management.azure.com/".into()),
        identity: Some(identity(2, true)),
        identity_unread: None,
        issuer: None,
        subject: None,
        credential_match: None,
        last_used: None,
        all_pipelines: false,
        authorized_pipelines: vec![4, 7],
    }
}

fn legacy_issuer(name: &str, n: u128) -> ConnectionFacts {
    ConnectionFacts {
        scheme: "WorkloadIdentityFederation".into(),
        issuer: Some(DEVOPS_ISSUER.into()),
        subject: Some(format!("sc://contoso/Shop/{name}")),
        credential_match: Some(CredentialMatch::Exact),
        ..secret("contoso", name, n, "Manual")
    }
}

fn pat(name: &str, n: u128) -> ConnectionFacts {
    ConnectionFacts {
        endpoint_type: "externaltfs".into(),
        scheme: "Token".into(),
        creation_mode: None,
        url: Some("https://dev.azure.com/fabrikam".into()),
        identity: None,
        all_pipelines: true,
        authorized_pipelines: vec![],
        ..secret("contoso", name, n, "Manual")
    }
}

fn classified(facts: Vec<ConnectionFacts>) -> Vec<InventoriedConnection> {
    let cloud = CloudName::Public.profile();
    facts.into_iter().map(|f| InventoriedConnection::classified(f, &cloud, TENANT)).collect()
}

/// Plans `file` against `connections` on the public cloud, signed in to `TENANT`.
fn check(file: &str, connections: &[InventoriedConnection]) -> MigrationPlan {
    check_with_impact(file, connections, BTreeMap::new())
}

/// `check`, with the impact check's result per connection id.
fn check_with_impact(
    file: &str,
    connections: &[InventoriedConnection],
    impact: BTreeMap<Guid, ConnectionImpact>,
) -> MigrationPlan {
    let file = parse_migration_toml("migration.toml", file).unwrap_or_else(|e| panic!("{}", e.display_with_help()));
    let organization_ids = BTreeMap::from([("contoso".to_string(), CONTOSO_ID), ("fabrikam".to_string(), FABRIKAM_ID)]);
    let cloud: CloudProfile = CloudName::Public.profile();
    let context = PlanContext {
        connections,
        organization_ids: &organization_ids,
        cloud: &cloud,
        signed_in_tenant: TENANT,
        impact: &impact,
    };
    plan_migration(&file, &context)
}

fn entry(org: &str, name: &str, n: u128, action: &str) -> String {
    format!(
        "[[connections]]\norganization = \"{org}\"\nproject = \"Shop\"\nname = \"{name}\"\nid = \"{}\"\naction = \"{action}\"\n",
        id(n)
    )
}

fn error_of(file: &str) -> String {
    parse_migration_toml("migration.toml", file).unwrap_err().display_with_help().to_string()
}

#[test]
fn each_action_is_planned_with_its_credential_identity_and_pipelines() {
    let connections = classified(vec![
        secret("contoso", "shop-auto", 1, "Automatic"),
        secret("contoso", "shop-manual", 2, "Manual"),
        legacy_issuer("shop-legacy", 3),
        pat("shop-feed", 4),
    ]);
    let file = [
        entry("contoso", "shop-auto", 1, "convert-in-place"),
        entry("contoso", "shop-manual", 2, "convert-in-place"),
        entry("contoso", "shop-legacy", 3, "switch-issuer"),
        entry("contoso", "shop-feed", 4, "replace-with-azure-devops-connection")
            + "identity = { kind = \"app-registration\", name = \"shop-feed-wif\" }\n",
        entry("contoso", "shop-other", 5, "skip"),
    ]
    .concat();
    let plan = check(&file, &connections);
    let manual = &plan.entries[1];
    let subject = manual.credential.as_ref().unwrap().subject.as_deref().unwrap();
    assert!(subject.starts_with("/eid1/c/pub/t/"), "{subject}");
    assert!(subject.ends_with(&format!("/sc/{CONTOSO_ID}/{}", id(2))), "{subject}");
    assert!(plan.entries[..4].iter().all(|e| e.status == EntryStatus::Ready), "{plan:#?}");
    insta::assert_snapshot!("each_action", render_migration_plan(&plan));
}

#[test]
fn a_stale_entry_is_refused_with_what_to_change() {
    let connections = classified(vec![
        secret("contoso", "shop-auto", 1, "Automatic"),
        legacy_issuer("shop-legacy", 3),
        pat("shop-feed", 4),
    ]);
    let file = [
        entry("contoso", "shop-deleted", 9, "convert-in-place"),
        entry("contoso", "shop-legacy", 3, "convert-in-place"),
        entry("contoso", "shop-auto", 1, "convert-in-place").replace("\"Shop\"", "\"Mobile\""),
        entry("contoso", "shop-feed", 4, "replace-with-azure-devops-connection")
            + "new_name = \"shop-auto\"\nidentity = { kind = \"existing\", client_id = \"a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d\" }\n",
    ]
    .concat();
    let plan = check(&file, &connections);
    assert_eq!(plan.refused().count(), 4, "{plan:#?}");
    assert!(plan.waves.is_empty());
    insta::assert_snapshot!("stale_entries", render_migration_plan(&plan));
}

#[test]
fn an_identity_past_the_credential_cap_refuses_the_entries_that_do_not_fit() {
    let mut near_full = secret("contoso", "shop-a", 1, "Manual");
    near_full.identity = Some(identity(19, true));
    let mut second = secret("contoso", "shop-b", 2, "Manual");
    second.identity = Some(identity(19, true));
    let connections = classified(vec![near_full, second]);
    let file =
        [entry("contoso", "shop-a", 1, "convert-in-place"), entry("contoso", "shop-b", 2, "convert-in-place")].concat();
    let plan = check(&file, &connections);
    assert_eq!(plan.entries[0].status, EntryStatus::Ready);
    assert_eq!(plan.entries[1].status, EntryStatus::Refused);
    insta::assert_snapshot!("credential_cap", render_migration_plan(&plan));
}

#[test]
fn an_identity_the_admin_cannot_write_is_handed_off() {
    let mut facts = secret("contoso", "shop-owned-elsewhere", 1, "Manual");
    facts.identity = Some(identity(3, false));
    let plan = check(&entry("contoso", "shop-owned-elsewhere", 1, "convert-in-place"), &classified(vec![facts]));
    assert_eq!(plan.entries[0].status, EntryStatus::HandOff);
    assert_eq!(plan.waves.len(), 1, "a hand-off still runs in a wave");
    insta::assert_snapshot!("hand_off", render_migration_plan(&plan));
}

#[test]
fn waves_hold_at_most_wave_size_and_take_organizations_in_turn() {
    let connections = classified(
        (1..=4)
            .map(|n| secret("contoso", &format!("contoso-{n}"), n, "Automatic"))
            .chain((5..=6).map(|n| secret("fabrikam", &format!("fabrikam-{n}"), n, "Automatic")))
            .collect(),
    );
    let mut file = "[options]\nwave_size = 2\n\n".to_string();
    for n in 1..=4 {
        file += &entry("contoso", &format!("contoso-{n}"), n, "convert-in-place");
    }
    for n in 5..=6 {
        file += &entry("fabrikam", &format!("fabrikam-{n}"), n, "convert-in-place");
    }
    let plan = check(&file, &connections);
    let waves: Vec<Vec<&str>> = plan.waves.iter().map(|w| w.connections.iter().map(String::as_str).collect()).collect();
    assert_eq!(
        waves,
        [
            vec!["contoso/Shop/contoso-1", "fabrikam/Shop/fabrikam-5"],
            vec!["contoso/Shop/contoso-2", "fabrikam/Shop/fabrikam-6"],
            vec!["contoso/Shop/contoso-3", "contoso/Shop/contoso-4"],
        ]
    );
}

#[test]
fn the_drafted_file_parses_back_with_the_default_action_per_class() {
    let mut zero = legacy_issuer("shop-zero", 6);
    zero.issuer = Some(format!("https://login.microsoftonline.com/{TENANT}/v2.0"));
    let connections = classified(vec![
        secret("contoso", "shop-auto", 1, "Automatic"),
        secret("contoso", "shop-manual", 2, "Manual"),
        legacy_issuer("shop-legacy", 3),
        pat("shop-feed", 4),
        zero,
    ]);
    let text = draft_migration_file(&connections);
    let file =
        parse_migration_toml("drafted.toml", &text).unwrap_or_else(|e| panic!("{}\n{text}", e.display_with_help()));
    let actions: Vec<(&str, MigrationAction)> = file.connections.iter().map(|e| (e.name.as_str(), e.action)).collect();
    assert_eq!(
        actions,
        [
            ("shop-auto", MigrationAction::ConvertInPlace),
            ("shop-manual", MigrationAction::ConvertInPlace),
            ("shop-legacy", MigrationAction::SwitchIssuer),
            ("shop-feed", MigrationAction::ReplaceWithAzureDevopsConnection),
        ]
    );
    assert_eq!(file.connections[3].replacement_name(), "shop-feed-wif");
    insta::assert_snapshot!("drafted_file", text);
}

#[test]
fn file_errors_name_the_entry_and_say_what_to_do() {
    let replacement = entry("contoso", "shop-feed", 4, "replace-with-azure-devops-connection");
    let errors = [
        error_of(&(entry("contoso", "shop-a", 1, "convert-in-place") + "new_name = \"x\"\n")),
        error_of(&replacement),
        error_of(&[entry("contoso", "shop-a", 1, "skip"), entry("contoso", "shop-b", 1, "skip")].concat()),
        error_of("[options]\nwave_size = 0\n"),
        error_of(&(entry("contoso", "shop-a", 1, "convert-in-place") + "colour = \"blue\"\n")),
        error_of(&entry("contoso", "shop-a", 1, "rotate-secret")),
    ];
    insta::assert_snapshot!("file_errors", errors.join("\n\n"));
}

#[test]
fn the_example_migration_file_parses_with_every_action() {
    let text = include_str!("../../../../examples/migration.toml");
    let file =
        parse_migration_toml("examples/migration.toml", text).unwrap_or_else(|e| panic!("{}", e.display_with_help()));
    let actions: Vec<MigrationAction> = file.connections.iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        [
            MigrationAction::ConvertInPlace,
            MigrationAction::ConvertInPlace,
            MigrationAction::SwitchIssuer,
            MigrationAction::ReplaceWithAzureDevopsConnection,
            MigrationAction::Skip,
        ]
    );
    assert_eq!(file.options.wave_size, 10);
}

/// A pipeline of `shop-auto` with an unsupported task version, a script kept in a file that gets
/// the connection's credentials, and a three-hour job.
const RISKY_PIPELINE: &str = "\
jobs:
  - job: deploy
    timeoutInMinutes: 180
    steps:
      - task: AzureFileCopy@4
        inputs:
          azureSubscription: shop-auto
          SourcePath: out
          Destination: AzureBlob
      - task: AzureCLI@2
        inputs:
          azureSubscription: shop-auto
          addSpnToEnvironment: true
          scriptType: bash
          scriptLocation: scriptPath
          scriptPath: deploy.sh
";

/// The impact of `RISKY_PIPELINE` on `shop-auto` (id 1), as the use case reports it: each
/// location starts with the pipeline's name.
fn risky_impact() -> BTreeMap<Guid, ConnectionImpact> {
    let findings = analyze_yaml(RISKY_PIPELINE, &["shop-auto"])
        .unwrap()
        .into_iter()
        .map(|f| keyless_core::impact::Finding { location: format!("shop-deploy: {}", f.location), ..f })
        .collect();
    BTreeMap::from([(id(1), ConnectionImpact::Checked { findings })])
}

#[test]
fn blocking_findings_block_the_entry_and_keep_it_out_of_the_waves() {
    let connections = classified(vec![secret("contoso", "shop-auto", 1, "Automatic")]);
    let plan = check_with_impact(&entry("contoso", "shop-auto", 1, "convert-in-place"), &connections, risky_impact());
    let planned = &plan.entries[0];
    assert_eq!(planned.status, EntryStatus::Blocked, "{planned:#?}");
    assert!(plan.waves.is_empty(), "a blocked entry runs in no wave");
    let ConnectionImpact::Checked { findings } = &planned.impact else { panic!("{planned:#?}") };
    let blocking: Vec<&str> = findings.iter().filter(|f| f.blocking).map(|f| f.location.as_str()).collect();
    assert_eq!(
        blocking,
        ["shop-deploy: jobs[0].steps[0]", "shop-deploy: jobs[0].steps[1]", "shop-deploy: jobs[0]"],
        "the task version, the script in a file and the three-hour job with an app registration"
    );
    insta::assert_snapshot!("blocked_by_findings", render_migration_plan(&plan));
}

#[test]
fn accepting_every_blocking_location_makes_the_entry_ready_again() {
    let connections = classified(vec![secret("contoso", "shop-auto", 1, "Automatic")]);
    let accept_all = "override_blocking = [\"shop-deploy: jobs[0].steps[0]\", \"shop-deploy: jobs[0].steps[1]\", \"shop-deploy: jobs[0]\"]\n";
    let file = entry("contoso", "shop-auto", 1, "convert-in-place") + accept_all;
    let plan = check_with_impact(&file, &connections, risky_impact());
    assert_eq!(plan.entries[0].status, EntryStatus::Ready, "{:#?}", plan.entries[0]);
    assert_eq!(plan.entries[0].accepted_findings.len(), 3);
    assert_eq!(plan.waves.len(), 1);

    let accept_some = "override_blocking = [\"shop-deploy: jobs[0].steps[0]\"]\n";
    let file = entry("contoso", "shop-auto", 1, "convert-in-place") + accept_some;
    let plan = check_with_impact(&file, &connections, risky_impact());
    assert_eq!(plan.entries[0].status, EntryStatus::Blocked, "two blocking findings are still not accepted");
    assert_eq!(plan.entries[0].accepted_findings, ["shop-deploy: jobs[0].steps[0]"]);
}

#[test]
fn a_long_job_does_not_block_a_connection_backed_by_a_managed_identity() {
    let mut facts = secret("contoso", "shop-auto", 1, "Automatic");
    facts.identity.as_mut().unwrap().kind = Some(IdentityKind::ManagedIdentity);
    let file = entry("contoso", "shop-auto", 1, "convert-in-place")
        + "override_blocking = [\"shop-deploy: jobs[0].steps[0]\", \"shop-deploy: jobs[0].steps[1]\"]\n";
    let plan = check_with_impact(&file, &classified(vec![facts]), risky_impact());
    assert_eq!(plan.entries[0].status, EntryStatus::Ready, "{:#?}", plan.entries[0]);
}

#[test]
fn unread_pipelines_are_said_and_block_nothing() {
    let connections = classified(vec![secret("contoso", "shop-auto", 1, "Automatic")]);
    let impact = BTreeMap::from([(id(1), ConnectionImpact::NotRead { reason: "pipeline 4: 403 forbidden".into() })]);
    let plan = check_with_impact(&entry("contoso", "shop-auto", 1, "convert-in-place"), &connections, impact);
    assert_eq!(plan.entries[0].status, EntryStatus::Ready);
    assert!(render_migration_plan(&plan).contains("impact check: not done: pipeline 4: 403 forbidden"));
}

mod yaml_patch {
    //! The rewrite for a replaced connection: applying its patch to the original YAML gives the
    //! rewritten YAML, and only connection inputs that name the old connection change.

    use keyless_core::migration::{rename_connection_inputs, unified_patch};
    use proptest::prelude::*;

    /// One piece of a pipeline and how it must read after the rewrite from `old-feed` to `new-feed`.
    fn piece() -> impl Strategy<Value = (String, String)> {
        let name = prop_oneof![Just("old-feed"), Just("OLD-FEED"), Just("other-feed")];
        let key = prop_oneof![
            Just("azureSubscription"),
            Just("connectedServiceName"),
            Just("serviceConnection"),
            Just("nuGetServiceConnections"),
            Just("azureDevOpsServiceConnection"),
        ];
        let quote = prop_oneof![Just(""), Just("'"), Just("\"")];
        let input = (key, name.clone(), quote).prop_map(|(key, name, q)| {
            let renamed = if name.eq_ignore_ascii_case("old-feed") { "new-feed" } else { name };
            (
                format!("  - task: Some@1\n    inputs:\n      {key}: {q}{name}{q} # {name}\n"),
                format!("  - task: Some@1\n    inputs:\n      {key}: {q}{renamed}{q} # {name}\n"),
            )
        });
        let repository = name.clone().prop_map(|name| {
            let renamed = if name.eq_ignore_ascii_case("old-feed") { "new-feed" } else { name };
            let resource = |endpoint: &str| {
                format!("  - checkout: shared\n# endpoint: {name}\nresources:\n  repositories:\n    - repository: shared\n      endpoint: {endpoint}\nsteps:\n")
            };
            (resource(name), resource(renamed))
        });
        let script = name.clone().prop_map(|name| {
            let text = format!(
                "  - script: |\n      azureSubscription: {name}\n      echo {name}\n    displayName: uses {name}\n"
            );
            (text.clone(), text)
        });
        let unrelated = name.prop_map(|name| {
            let text = format!("  - task: Other@1\n    inputs:\n      appName: {name}\n      package: {name}.zip\n");
            (text.clone(), text)
        });
        prop_oneof![input, repository, script, unrelated]
    }

    /// Applies a unified diff to `original` the way `git apply` does, hunk by hunk.
    fn apply(original: &str, patch: &str) -> String {
        let lines: Vec<&str> = original.split_inclusive('\n').collect();
        let mut out = String::new();
        let mut next = 0;
        let mut patch_lines = patch.split_inclusive('\n').peekable();
        while let Some(line) = patch_lines.next() {
            let Some(header) = line.strip_prefix("@@ -") else { continue };
            let start: usize = header.split([',', ' ']).next().unwrap().parse().unwrap();
            let from = start.saturating_sub(1).max(next);
            out.extend(lines[next..from].iter().copied());
            next = from;
            let mut previous = b' ';
            while let Some(body) = patch_lines.next_if(|l| !l.starts_with("@@")) {
                let marker = body.as_bytes().first().copied();
                match marker {
                    Some(b' ') => {
                        out.push_str(lines[next]);
                        next += 1;
                    }
                    Some(b'-') => next += 1,
                    Some(b'+') => out.push_str(&body[1..]),
                    // The line before had no newline at the end of its file.
                    Some(b'\\') if previous == b'+' && out.ends_with('\n') => {
                        out.pop();
                    }
                    _ => {}
                }
                previous = marker.unwrap_or(b' ');
            }
        }
        out.extend(lines[next..].iter().copied());
        out
    }

    proptest! {
        #[test]
        fn the_patch_turns_the_original_into_the_rewrite_and_only_connection_inputs_change(
            pieces in proptest::collection::vec(piece(), 1..12),
            trailing_newline in any::<bool>(),
        ) {
            let mut original = "trigger: none\nsteps:\n".to_string();
            let mut expected = original.clone();
            for (from, to) in &pieces {
                original.push_str(from);
                expected.push_str(to);
            }
            if !trailing_newline {
                original.push_str("# end");
                expected.push_str("# end");
            }
            let rewrite = rename_connection_inputs(&original, "old-feed", "new-feed");
            prop_assert_eq!(&rewrite.text, &expected);
            let patch = unified_patch("/pipelines/build.yml", &original, &rewrite.text);
            prop_assert_eq!(patch.is_empty(), original == expected);
            if !patch.is_empty() {
                prop_assert!(patch.starts_with("diff --git a/pipelines/build.yml b/pipelines/build.yml\n--- a/pipelines/build.yml\n+++ b/pipelines/build.yml\n"), "{}", patch);
            }
            prop_assert_eq!(apply(&original, &patch), rewrite.text);
        }
    }
}
