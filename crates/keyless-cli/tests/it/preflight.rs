//! `keyless preflight` and the have/lack marks of `keyless plan`, as a user runs them.

use std::os::unix::fs::PermissionsExt as _;

use serde_json::Value;

use crate::support::*;

/// A connection in an organization connected to another tenant than the identity's.
const OTHER_TENANT_SETUP: &str = r#"
[identity]
kind = "app-registration"
name = "kl-preflight"

[[organizations]]
name = "fabrikam-shared"

[[connections]]
name = "sc-fabrikam"
organization = "fabrikam-shared"
project = "Packages"
type = "azure-rm"
scope = { subscription = "9d8c7b6a-5f4e-4d3c-9b2a-190807060504", resource_group = "rg-shop-prod" }
"#;

#[tokio::test]
async fn preflight_exits_zero_when_everything_is_doable_and_seven_with_a_hand_off_otherwise() {
    let em = emulator().await;
    let state = tempfile::tempdir().unwrap();
    let cloud = em.base_url();
    let azure = ["--cloud", cloud.as_str(), "--auth", "device-code"];

    let onboarding = example("onboarding.toml");
    let out = keyless(&[&["preflight", "-f", &onboarding][..], &azure].concat(), state.path()).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("✓ you have it"), "{}", stdout(&out));
    assert!(!stdout(&out).contains("✗"), "{}", stdout(&out));

    let setup = state.path().join("fabrikam.toml");
    std::fs::write(&setup, OTHER_TENANT_SETUP).unwrap();
    let setup = setup.display().to_string();
    let pack = state.path().join("hand-off.md");
    let pack_arg = pack.display().to_string();
    let out =
        keyless(&[&["preflight", "-f", &setup, "--hand-off", &pack_arg][..], &azure].concat(), state.path()).await;
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(
            "✗ you lack it: ask a Project Collection Administrator of fabrikam-shared to connect it to tenant"
        ),
        "{text}"
    );
    assert!(text.contains("The hand-off pack for them is in"), "{text}");
    let written = std::fs::read_to_string(&pack).unwrap();
    assert!(written.contains("## For a Project Collection Administrator of fabrikam-shared"), "{written}");
    assert_eq!(std::fs::metadata(&pack).unwrap().permissions().mode() & 0o777, 0o600);

    let out = keyless(&[&["preflight", "-f", &setup, "--output", "json"][..], &azure].concat(), state.path()).await;
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    let view: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(view["allDoable"], false);
    let first_lack = view["checklist"]["items"].as_array().unwrap().iter().find(|i| i["verdict"] == "lack").unwrap();
    assert_eq!(first_lack["whoCanGrant"], "a Project Collection Administrator of fabrikam-shared");
}

#[tokio::test]
async fn plan_marks_each_need_as_had() {
    let em = emulator().await;
    let state = tempfile::tempdir().unwrap();
    let cloud = em.base_url();
    let file = example("onboarding.toml");
    let out = keyless(&["plan", "-f", &file, "--cloud", &cloud, "--auth", "device-code"], state.path()).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("(you have it)"), "{text}");
    assert!(!text.contains("you lack it"), "{text}");
}
