//! Whole CLI flows on the emulator: who am I, organizations, plan, apply, runs, rollback.

use serde_json::Value;

use crate::support::*;

#[tokio::test]
async fn whoami_and_orgs_work_alone_in_fresh_processes() {
    let em = emulator().await;
    let state = tempfile::tempdir().unwrap();
    let cloud = em.base_url();
    let out = keyless(&["whoami", "--cloud", &cloud, "--auth", "device-code", "--output", "json"], state.path()).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let me: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(me["userPrincipalName"], "megan.bowen@contoso.com");
    assert_eq!(me["demo"], true);
    assert!(stderr(&out).contains("enter the code"), "the device code is shown: {}", stderr(&out));

    let out = keyless(&["orgs", "--cloud", &cloud, "--auth", "device-code", "--output", "json"], state.path()).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let listed: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(listed["unread"], serde_json::json!([]), "every tenant and organization could be read");
    let orgs = listed["organizations"].as_array().unwrap();
    let contoso = orgs.iter().find(|o| o["name"] == "contoso").expect("contoso listed");
    assert_eq!(contoso["id"], "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d");
    assert_eq!(contoso["tenantId"], "6b1f3c2a-4d5e-4f60-8a7b-9c0d1e2f3a4b");
    assert_eq!(contoso["projectCount"], 3, "Shop, Payments and Mobile; Archive is being deleted");
    let fabrikam =
        orgs.iter().find(|o| o["name"] == "fabrikam-shared").expect("the guest tenant's organization is listed too");
    assert_eq!(fabrikam["tenantId"], "2e7d9a41-8c3b-4f12-b5a6-0d9e8f7c6b5a");
}

#[tokio::test]
async fn plan_apply_runs_and_rollback_from_the_command_line() {
    let em = emulator().await;
    let state = tempfile::tempdir().unwrap();
    let cloud = em.base_url();
    let file = example("onboarding.toml");
    let azure = ["--cloud", cloud.as_str(), "--auth", "device-code"];

    let out = keyless(&[&["plan", "-f", &file][..], &azure].concat(), state.path()).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("+ create  Create app registration kl-shop-deployer"), "{}", stdout(&out));

    let out = keyless(&[&["apply", "-f", &file][..], &azure].concat(), state.path()).await;
    assert_eq!(
        out.status.code(),
        Some(5),
        "apply without --yes and without a terminal asks for --yes: {}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("pass --yes"));

    let out = keyless(&[&["apply", "-f", &file, "--yes", "--output", "json"][..], &azure].concat(), state.path()).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let lines: Vec<Value> = stdout(&out)
        .lines()
        .filter(|l| l.starts_with('{') && !l.contains("\n"))
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert!(lines.iter().any(|e| e["event"] == "runFinished" && e["succeeded"] == true), "progress as JSON lines");
    let snapshot = em.state_snapshot();
    assert!(snapshot["applications"].as_array().unwrap().iter().any(|a| a["displayName"] == "kl-shop-deployer"));

    let out = keyless(&["runs", "--output", "json"], state.path()).await;
    let runs: Vec<Value> = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["status"], "completed");
    let run_id = runs[0]["runId"].as_str().unwrap().to_string();

    let out = keyless(&[&["rollback", &run_id, "--yes"][..], &azure].concat(), state.path()).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let snapshot = em.state_snapshot();
    assert!(
        !snapshot["applications"].as_array().unwrap().iter().any(|a| a["displayName"] == "kl-shop-deployer"),
        "rollback removed the app"
    );
}
