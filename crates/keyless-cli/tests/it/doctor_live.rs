//! `keyless doctor` against the demo estate on the emulator: one connection explained with its
//! cause, evidence and fix (exit 6 while it is broken), then `--fix --yes` repairs it through
//! an undoable run and `keyless rollback` undoes the repair.

use std::time::Duration;

use keyless_emulator::{EmulatorConfig, RunningEmulator};
use serde_json::Value;

use crate::support::*;

/// The demo estate with every propagation instant: shop-case-mismatch's identity is a managed
/// identity, whose new credential token exchange otherwise ignores for a while, and Keyless's
/// verification does not wait out a subject mismatch.
async fn instant_emulator() -> RunningEmulator {
    keyless_emulator::start(EmulatorConfig {
        device_code_interval: Duration::from_millis(20),
        replication_delay: Duration::ZERO,
        fic_propagation_delay: Duration::ZERO,
        managed_identity_fic_propagation_delay: Duration::ZERO,
        role_propagation_delay: Duration::ZERO,
        membership_propagation_delay: Duration::ZERO,
        ..EmulatorConfig::default()
    })
    .await
    .unwrap()
}

const CASE_MISMATCH: [&str; 6] = ["--org", "contoso", "--project", "Shop", "--connection", "shop-case-mismatch"];

#[tokio::test]
async fn doctor_explains_one_connection_and_exits_6_while_it_is_broken() {
    let em = emulator().await;
    let state = tempfile::tempdir().unwrap();
    let cloud = em.base_url();
    let azure = ["--cloud", cloud.as_str(), "--auth", "device-code"];
    let out = keyless(&[&["doctor"][..], &CASE_MISMATCH, &azure].concat(), state.path()).await;
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("contoso/Shop/shop-case-mismatch (azurerm, WorkloadIdentityFederation"), "{text}");
    assert!(text.contains("AADSTS7002138 caseOnlyMismatch"), "{text}");
    assert!(
        text.contains("cause: the credential's subject differs from the connection's in letter case only"),
        "{text}"
    );
    assert!(text.contains("credential 'ado-shop-case'"), "the evidence names the credential: {text}");
    assert!(text.contains("1 connection checked: 0 healthy, 1 broken"), "{text}");

    let out = keyless(&[&["doctor", "--output", "json"][..], &CASE_MISMATCH, &azure].concat(), state.path()).await;
    let diagnosis: Value = serde_json::from_str(&stdout(&out)).expect("one JSON document");
    let finding = &diagnosis["connections"][0]["findings"][0];
    assert_eq!(finding["code"]["kind"], "caseOnlyMismatch", "{finding}");
    assert_eq!(finding["pipelineCode"], "AADSTS7002138");
    assert_eq!(finding["keylessCanFix"], true);
}

#[tokio::test]
async fn doctor_fix_repairs_the_connection_through_a_run_that_rollback_undoes() {
    let em = instant_emulator().await;
    let state = tempfile::tempdir().unwrap();
    let cloud = em.base_url();
    let azure = ["--cloud", cloud.as_str(), "--auth", "device-code"];
    let out = keyless(&[&["doctor", "--fix", "--yes"][..], &CASE_MISMATCH, &azure].concat(), state.path()).await;
    assert_eq!(out.status.code(), Some(0), "repaired: {}", stderr(&out));
    let text = stdout(&out);
    let run_id = text
        .lines()
        .find_map(|l| l.strip_prefix("Run ").and_then(|rest| rest.split(':').next()))
        .unwrap_or_else(|| panic!("the run id is printed: {text}"))
        .to_string();
    assert!(text.contains(&format!("`keyless rollback {run_id}` undoes it")), "{text}");
    assert!(stderr(&out).contains("After the repairs: 1 connection checked: 1 healthy, 0 broken"), "{}", stderr(&out));

    let out = keyless(&[&["doctor"][..], &CASE_MISMATCH, &azure].concat(), state.path()).await;
    assert_eq!(out.status.code(), Some(0), "healthy now: {}", stdout(&out));

    let out = keyless(&[&["rollback", run_id.as_str(), "--yes"][..], &azure].concat(), state.path()).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let out = keyless(&[&["doctor"][..], &CASE_MISMATCH, &azure].concat(), state.path()).await;
    assert_eq!(out.status.code(), Some(6), "broken again after the rollback: {}", stdout(&out));
}
