//! `keyless export terraform` on the emulator: Terraform on standard output with a one-line
//! summary on stderr, a file it does not replace unasked, and JSON for scripts.

use serde_json::Value;

use crate::support::*;

#[tokio::test]
async fn export_terraform_prints_import_blocks_and_a_summary_line() {
    let em = emulator().await;
    let state = tempfile::tempdir().unwrap();
    let cloud = em.base_url();
    let azure = ["--cloud", cloud.as_str(), "--auth", "device-code"];
    let out = keyless(&[&["export", "terraform", "--org", "contoso"][..], &azure].concat(), state.path()).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("required_providers"), "{text}");
    assert!(text.contains("resource \"azuredevops_serviceendpoint_azurerm\" \"shop_prod\""), "{text}");
    assert!(text.contains("import {"), "{text}");
    assert!(!text.contains("fabrikam-shared-services"), "only the organization asked for: {text}");
    let summary = stderr(&out);
    assert!(
        summary.contains("Exported ") && summary.contains("to standard output; no secret was written"),
        "{summary}"
    );
}

#[tokio::test]
async fn export_terraform_writes_a_file_and_refuses_to_overwrite_it() {
    let em = emulator().await;
    let state = tempfile::tempdir().unwrap();
    let cloud = em.base_url();
    let file = state.path().join("keyless.tf");
    let file = file.to_str().unwrap();
    let args =
        ["export", "terraform", "--org", "contoso", "-o", file, "--cloud", cloud.as_str(), "--auth", "device-code"];
    let out = keyless(&args, state.path()).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).is_empty(), "the text goes to the file: {}", stdout(&out));
    let written = std::fs::read_to_string(file).unwrap();
    assert!(written.contains("import {"), "{written}");

    std::fs::write(file, "# edited by hand\n").unwrap();
    let again = keyless(&args, state.path()).await;
    assert_eq!(again.status.code(), Some(2), "{}", stderr(&again));
    assert!(stderr(&again).contains("already exists") && stderr(&again).contains("--force"), "{}", stderr(&again));
    assert_eq!(std::fs::read_to_string(file).unwrap(), "# edited by hand\n");

    let forced = keyless(&[&args[..], &["--force"]].concat(), state.path()).await;
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert_eq!(std::fs::read_to_string(file).unwrap(), written);
}

#[tokio::test]
async fn export_terraform_in_json_lists_each_address_and_an_unknown_connection_exits_2() {
    let em = emulator().await;
    let state = tempfile::tempdir().unwrap();
    let cloud = em.base_url();
    let unknown = "00000000-0000-4000-8000-000000001234";
    let args = [
        "export",
        "terraform",
        "--org",
        "contoso",
        "--connection",
        unknown,
        "--output",
        "json",
        "--cloud",
        cloud.as_str(),
        "--auth",
        "device-code",
    ];
    let out = keyless(&args, state.path()).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let document: Value = serde_json::from_str(&stdout(&out)).expect("stdout is one JSON document");
    assert_eq!(document["notFound"], serde_json::json!([unknown]));
    assert!(stderr(&out).contains(unknown), "{}", stderr(&out));
}
