//! The impact check on the demo estate: planning the drafted migration file reads the YAML and
//! classic pipelines each connection may run in, blocks the connections whose pipelines would
//! break (AzureFileCopy@4, a script reading servicePrincipalKey, jobs longer than an app
//! registration's sign-in), and `override_blocking` accepts them; the YAML patches for a
//! replaced connection rewrite exactly its connection inputs, one patch per repository.

use keyless_core::{
    impact::{ConnectionImpact, Finding, FindingKind},
    migration::{EntryStatus, MigrationFile, PlannedMigration, parse_migration_toml},
    names::OrgName,
};
use keyless_usecases::{
    impact::pipeline_patches,
    migration::{draft_migration, plan_migration_file},
};

use crate::support::{SignedIn, signed_in};

async fn drafted_file(world: &SignedIn) -> MigrationFile {
    let draft = draft_migration(&world.connected, None).await.unwrap();
    parse_migration_toml("drafted.toml", &draft.text).unwrap()
}

fn findings(planned: &PlannedMigration) -> &[Finding] {
    match &planned.impact {
        ConnectionImpact::Checked { findings } => findings,
        ConnectionImpact::NotRead { reason } => panic!("{}: pipelines not read: {reason}", planned.name),
    }
}

/// `location: kind` of each blocking finding.
fn blocking(planned: &PlannedMigration) -> Vec<String> {
    findings(planned)
        .iter()
        .filter(|f| f.blocking)
        .map(|f| format!("{}: {}", f.location, serde_json::to_value(&f.kind).unwrap()["type"].as_str().unwrap()))
        .collect()
}

#[tokio::test]
async fn planning_flags_the_pipelines_that_would_break_and_blocks_their_connections() {
    let world = signed_in().await;
    let file = drafted_file(&world).await;
    let plan = plan_migration_file(&world.connected, &file).await.unwrap().plan;
    let entry = |name: &str| plan.entries.iter().find(|e| e.name == name).unwrap();

    let legacy = entry("shop-prod-legacy-issuer");
    assert_eq!(legacy.status, EntryStatus::Blocked, "{legacy:#?}");
    assert_eq!(blocking(legacy), ["shop-assets: steps[0]: taskNeedsNewerVersion"]);
    let copy = &findings(legacy)[0];
    assert_eq!((copy.task.as_deref(), copy.version), (Some("AzureFileCopy"), Some(4)));
    assert_eq!(copy.kind, FindingKind::TaskNeedsNewerVersion { minimum: 6 });

    let secret = entry("shop-prod-secret");
    assert_eq!(secret.status, EntryStatus::Blocked, "{secret:#?}");
    assert_eq!(blocking(secret), ["shop-infra: steps[1]: readsServicePrincipalSecret"]);
    assert!(
        findings(secret)
            .iter()
            .any(|f| f.kind == FindingKind::AddSpnToEnvironment && f.location == "shop-infra: steps[1]"),
        "open to all pipelines, so every pipeline of Shop was read: {secret:#?}"
    );

    let terraform = entry("payments-terraform");
    assert_eq!(terraform.status, EntryStatus::Blocked, "{terraform:#?}");
    assert_eq!(
        blocking(terraform),
        [
            "payments-nightly-classic: Build > Nightly reconciliation: jobLongerThanTokenLifetime",
            "payments-data-backfill: jobs[0]: jobLongerThanTokenLifetime",
        ],
        "the classic job of 180 minutes and the YAML job of 240, with an app registration"
    );

    let shared = entry("payments-prod-secret");
    assert!(matches!(shared.status, EntryStatus::Ready | EntryStatus::HandOff), "{shared:#?}");
    assert_eq!(shared.impact, ConnectionImpact::Checked { findings: vec![] }, "no pipeline may use it");
    assert!(plan.waves.iter().all(|w| !w.connections.iter().any(|c| c.ends_with("/shop-prod-secret"))));
}

#[tokio::test]
async fn accepting_each_blocking_location_makes_the_blocked_connections_runnable() {
    let world = signed_in().await;
    let mut file = drafted_file(&world).await;
    let plan = plan_migration_file(&world.connected, &file).await.unwrap().plan;
    for entry in &mut file.connections {
        let planned = plan.entries.iter().find(|p| p.id == entry.id).unwrap();
        entry.override_blocking = findings(planned).iter().filter(|f| f.blocking).map(|f| f.location.clone()).collect();
    }
    let plan = plan_migration_file(&world.connected, &file).await.unwrap().plan;
    assert!(plan.entries.iter().all(|e| e.status != EntryStatus::Blocked), "{plan:#?}");
    let legacy = plan.entries.iter().find(|e| e.name == "shop-prod-legacy-issuer").unwrap();
    assert_eq!(legacy.accepted_findings, ["shop-assets: steps[0]"]);
    assert_eq!(plan.waves.iter().map(|w| w.connections.len()).sum::<usize>(), 6);
}

#[tokio::test]
async fn the_patch_for_a_replaced_connection_rewrites_only_its_connection_inputs_one_per_repository() {
    let world = signed_in().await;
    let contoso = OrgName::parse("contoso").unwrap();
    let patches =
        pipeline_patches(&world.connected, &contoso, "Shop", &[1, 2, 3], "shop-nuget-feed", "shop-nuget-feed-wif")
            .await
            .unwrap();
    assert_eq!(patches.len(), 1, "{patches:#?}");
    let patch = &patches[0];
    assert_eq!(patch.repository, "Shop");
    assert_eq!(patch.file_name, "Shop-use-shop-nuget-feed-wif.patch");
    assert_eq!(patch.pipelines, ["shop-infra"]);
    assert!(
        patch.diff.starts_with(
            "diff --git a/infra/azure-pipelines.yml b/infra/azure-pipelines.yml\n--- a/infra/azure-pipelines.yml\n+++ b/infra/azure-pipelines.yml\n@@ "
        ),
        "{}",
        patch.diff
    );
    let changed: Vec<&str> = patch
        .diff
        .lines()
        .filter(|l| (l.starts_with('-') || l.starts_with('+')) && !l.starts_with("---") && !l.starts_with("+++"))
        .collect();
    assert_eq!(
        changed,
        ["-      nuGetServiceConnections: shop-nuget-feed", "+      nuGetServiceConnections: shop-nuget-feed-wif"]
    );

    let mobile =
        pipeline_patches(&world.connected, &contoso, "Mobile", &[21], "fabrikam-repos-pat", "fabrikam-repos-pat-wif")
            .await
            .unwrap();
    assert_eq!(mobile.len(), 1);
    assert!(
        mobile[0].diff.contains("-      endpoint: fabrikam-repos-pat\n+      endpoint: fabrikam-repos-pat-wif\n"),
        "{}",
        mobile[0].diff
    );

    let classic_only =
        pipeline_patches(&world.connected, &contoso, "Payments", &[12], "payments-terraform", "payments-wif")
            .await
            .unwrap();
    assert!(classic_only.is_empty(), "a classic pipeline has no YAML to patch");
}
