//! `keyless migrate` on the emulator: `init` writes a migration file and will not replace it
//! unasked; `plan` prints each connection's action, the impact check's findings and the waves,
//! or one JSON document; the schema command prints the migration file's schema.

use serde_json::Value;

use crate::support::*;

#[tokio::test]
async fn migrate_init_writes_a_file_and_refuses_to_overwrite_it() {
    let em = emulator().await;
    let state = tempfile::tempdir().unwrap();
    let cloud = em.base_url();
    let file = state.path().join("migration.toml");
    let file = file.to_str().unwrap();
    let args = ["migrate", "init", "-o", file, "--cloud", cloud.as_str(), "--auth", "device-code"];
    let out = keyless(&args, state.path()).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("6 connections to migrate"), "{}", stdout(&out));
    let written = std::fs::read_to_string(file).unwrap();
    assert!(written.contains("name = \"shop-prod-secret\"\nid = "), "{written}");
    assert!(written.contains("action = \"switch-issuer\""), "{written}");

    std::fs::write(file, "# edited by hand\n").unwrap();
    let again = keyless(&args, state.path()).await;
    assert_eq!(again.status.code(), Some(2), "{}", stderr(&again));
    assert!(stderr(&again).contains("already exists"), "{}", stderr(&again));
    assert!(stderr(&again).contains("--force"), "{}", stderr(&again));
    assert_eq!(std::fs::read_to_string(file).unwrap(), "# edited by hand\n", "the edited file is kept");

    let forced = keyless(&[&args[..], &["--force"]].concat(), state.path()).await;
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert_eq!(std::fs::read_to_string(file).unwrap(), written);
}

#[tokio::test]
async fn migrate_plan_prints_each_connection_and_the_waves() {
    let em = emulator().await;
    let state = tempfile::tempdir().unwrap();
    let cloud = em.base_url();
    let file = state.path().join("migration.toml");
    let file = file.to_str().unwrap();
    let azure = ["--cloud", cloud.as_str(), "--auth", "device-code"];
    let out = keyless(&[&["migrate", "init", "-o", file][..], &azure].concat(), state.path()).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(file).unwrap().replace("wave_size = 10", "wave_size = 2");
    std::fs::write(file, text).unwrap();

    let out = keyless(&[&["migrate", "plan", "-f", file][..], &azure].concat(), state.path()).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let printed = stdout(&out);
    assert!(printed.contains("Wave 1: "), "{printed}");
    assert!(printed.contains("Wave 2: "), "three runnable connections in waves of two: {printed}");
    assert!(printed.contains("contoso/Shop/shop-prod-legacy-issuer ("), "{printed}");
    assert!(printed.contains("): switch-issuer [BLOCKED]"), "{printed}");
    assert!(printed.contains("(expected)"), "{printed}");
    assert!(printed.contains("0 refused, 3 blocked."), "{printed}");
    assert!(
        printed.contains("  [blocking] shop-assets: steps[0] (AzureFileCopy@4): AzureFileCopy@4 cannot sign in"),
        "{printed}"
    );
    assert!(printed.contains("  [blocking] shop-infra: steps[1] (AzureCLI@2): the script reads servicePrincipalKey"));
    assert!(printed.contains("  [warning] shop-infra: steps[1] (AzureCLI@2): the script gets servicePrincipalId"));
    assert!(
        printed.contains("  [blocking] payments-data-backfill: jobs[0]: the job has a 240-minute limit"),
        "{printed}"
    );
    assert!(printed.contains("impact check: nothing breaks in the pipelines that use it"), "{printed}");

    let out = keyless(&[&["migrate", "plan", "-f", file, "--output", "json"][..], &azure].concat(), state.path()).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let plan: Value = serde_json::from_str(&stdout(&out)).expect("stdout is one JSON document");
    assert_eq!(plan["entries"].as_array().unwrap().len(), 6, "{plan}");
    assert_eq!(plan["waves"].as_array().unwrap().len(), 2, "{plan}");
    let legacy = plan["entries"].as_array().unwrap().iter().find(|e| e["name"] == "shop-prod-legacy-issuer").unwrap();
    assert_eq!(legacy["action"], "switch-issuer");
    assert_eq!(legacy["status"], "blocked");
    assert_eq!(legacy["credential"]["subjectSource"], "expected");
    assert_eq!(legacy["impact"]["status"], "checked");
    assert_eq!(legacy["impact"]["findings"][0]["location"], "shop-assets: steps[0]");
    assert_eq!(legacy["impact"]["findings"][0]["kind"]["type"], "taskNeedsNewerVersion");
}

#[tokio::test]
async fn schema_migration_prints_the_migration_files_schema() {
    let state = tempfile::tempdir().unwrap();
    let out = keyless(&["schema", "migration"], state.path()).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let schema: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(schema["title"], "MigrationFile");
    assert!(schema["properties"]["connections"].is_object(), "{schema}");
}

#[tokio::test]
async fn migrate_plan_refuses_an_entry_whose_connection_is_gone_and_exits_with_2() {
    let em = emulator().await;
    let state = tempfile::tempdir().unwrap();
    let cloud = em.base_url();
    let file = state.path().join("migration.toml");
    let file = file.to_str().unwrap();
    let azure = ["--cloud", cloud.as_str(), "--auth", "device-code"];
    let gone = "[[connections]]\norganization = \"contoso\"\nproject = \"Shop\"\nname = \"shop-gone\"\n\
                id = \"0b1c2d3e-4f5a-4b6c-8d7e-0000000000ff\"\naction = \"convert-in-place\"\n";
    std::fs::write(file, gone).unwrap();
    let out = keyless(&[&["migrate", "plan", "-f", file][..], &azure].concat(), state.path()).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let printed = stdout(&out);
    assert!(
        printed.contains("contoso/Shop/shop-gone (0b1c2d3e-4f5a-4b6c-8d7e-0000000000ff): convert-in-place [REFUSED]"),
        "{printed}"
    );
    assert!(
        printed
            .contains("no connection with id 0b1c2d3e-4f5a-4b6c-8d7e-0000000000ff was found in organization contoso"),
        "{printed}"
    );
    assert!(printed.contains("No wave"), "{printed}");
}
