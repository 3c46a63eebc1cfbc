//! `keyless migrate apply` and `keyless migrate revert` on the emulator: a confirmation is needed
//! without a terminal, the per-wave summary and report paths are printed, and the revert id the
//! apply prints undoes it.

use crate::support::*;

const MIGRATION: &str = r#"
[[connections]]
organization = "contoso"
project = "Shop"
name = "shop-prod-secret"
id = "0b1c2d3e-4f5a-4b6c-8d7e-000000000004"
action = "convert-in-place"
override_blocking = ["shop-infra: steps[1]"]
"#;

#[tokio::test]
async fn migrate_apply_converts_prints_each_wave_and_migrate_revert_undoes_it() {
    let em = emulator().await;
    let state = tempfile::tempdir().unwrap();
    let cloud = em.base_url();
    let file = state.path().join("migration.toml");
    std::fs::write(&file, MIGRATION).unwrap();
    let file = file.to_str().unwrap();
    let azure = ["--cloud", cloud.as_str(), "--auth", "device-code"];

    let unconfirmed = keyless(&[&["migrate", "apply", "-f", file][..], &azure].concat(), state.path()).await;
    assert_eq!(unconfirmed.status.code(), Some(5), "{}", stderr(&unconfirmed));
    assert!(stderr(&unconfirmed).contains("--yes"), "{}", stderr(&unconfirmed));

    let out = keyless(&[&["migrate", "apply", "-f", file, "--yes"][..], &azure].concat(), state.path()).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let progress = stderr(&out);
    assert!(progress.contains("Wave 1: 1 migrated, 0 handed off, 0 failed, 0 not finished"), "{progress}");
    assert!(progress.contains("Report: "), "{progress}");
    let printed = stdout(&out);
    let run_id = printed
        .split_whitespace()
        .find(|word| word.starts_with('m') && word.ends_with(':'))
        .map(|word| word.trim_end_matches(':').to_string())
        .unwrap_or_else(|| panic!("no migration id in {printed}"));
    assert!(printed.contains(&format!("keyless migrate revert {run_id}")), "{printed}");
    let endpoint = |state: &serde_json::Value| {
        state["serviceEndpoints"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == "shop-prod-secret")
            .map(|e| e["scheme"].as_str().unwrap().to_string())
    };
    assert_eq!(endpoint(&em.state_snapshot()).as_deref(), Some("WorkloadIdentityFederation"));

    let reverted = keyless(&[&["migrate", "revert", &run_id, "--yes"][..], &azure].concat(), state.path()).await;
    assert!(reverted.status.success(), "{}", stderr(&reverted));
    assert!(stdout(&reverted).contains("reverted"), "{}", stdout(&reverted));
    assert_eq!(endpoint(&em.state_snapshot()).as_deref(), Some("ServicePrincipal"));

    let unknown =
        keyless(&[&["migrate", "revert", "m20260101-000000-abcdef", "--yes"][..], &azure].concat(), state.path()).await;
    assert_eq!(unknown.status.code(), Some(2), "{}", stderr(&unknown));
}
