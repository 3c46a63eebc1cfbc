//! Bad input is refused with a message naming the input and what to do, before any request.

use crate::support::*;

async fn refused(args: &[&str]) -> (Option<i32>, String) {
    let state = tempfile::tempdir().unwrap();
    let out = keyless(args, state.path()).await;
    (out.status.code(), stderr(&out))
}

#[tokio::test]
async fn an_unknown_cloud_name() {
    let (code, err) = refused(&["whoami", "--cloud", "mars", "--auth", "device-code"]).await;
    assert_eq!(code, Some(2));
    assert!(err.contains("cloud: 'mars' is not a known cloud"), "{err}");
    assert!(err.contains("help: use demo, public, usgov or china"), "{err}");
}

#[tokio::test]
async fn the_demo_cloud_for_a_single_command_points_at_keyless_demo() {
    let (code, err) = refused(&["whoami", "--cloud", "demo", "--auth", "device-code"]).await;
    assert_eq!(code, Some(2));
    assert!(err.contains("keyless demo") && err.contains("keyless emulator"), "{err}");
}

#[tokio::test]
async fn an_unreachable_emulator() {
    let (code, err) = refused(&["whoami", "--cloud", "http://127.0.0.1:9", "--auth", "device-code"]).await;
    assert_eq!(code, Some(2));
    assert!(err.contains("http://127.0.0.1:9"), "{err}");
    assert!(err.contains("keyless emulator"), "{err}");
}

#[tokio::test]
async fn a_malformed_client_id() {
    let em = emulator().await;
    let (code, err) = refused(&["whoami", "--cloud", &em.base_url(), "--client-id", "not-a-guid"]).await;
    assert_eq!(code, Some(2));
    assert!(err.contains("'not-a-guid' is not a GUID"), "{err}");
}

#[tokio::test]
async fn an_organization_name_with_a_slash_in_the_setup() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    let text = std::fs::read_to_string(example("onboarding.toml"))
        .unwrap()
        .replace("organization = \"contoso\"", "organization = \"contoso/Shop\"");
    std::fs::write(&file, text).unwrap();
    let (code, err) = refused(&["plan", "-f", file.to_str().unwrap(), "--cloud", "http://127.0.0.1:9"]).await;
    assert_eq!(code, Some(2), "refused before contacting anything");
    assert!(err.contains("'contoso/Shop' contains '/'"), "{err}");
}

#[tokio::test]
async fn a_run_that_does_not_exist() {
    let (code, err) = refused(&["rollback", "20990101-000000-abcdef", "--yes", "--cloud", "http://127.0.0.1:9"]).await;
    assert_eq!(code, Some(2));
    assert!(err.contains("no run named '20990101-000000-abcdef'"), "{err}");
    assert!(err.contains("keyless runs"), "{err}");
}
