//! Resolving `--cloud` specs: names, files, emulator URLs, and their errors.

use keyless_azure::cloud_spec::{CloudSource, resolve_cloud, resolve_cloud_spec};
use keyless_core::CloudProfile;

use crate::support::{Reply, ScriptedServer, closed_port};

#[tokio::test]
async fn no_spec_is_the_public_cloud_and_names_resolve() {
    assert_eq!(resolve_cloud(None).await.unwrap().name, "AzureCloud");
    assert_eq!(resolve_cloud(Some("usgov")).await.unwrap().name, "AzureUSGovernment");
    assert_eq!(resolve_cloud(Some("China")).await.unwrap().name, "AzureChinaCloud");
}

#[tokio::test]
async fn unknown_name_lists_the_choices() {
    let error = resolve_cloud(Some("mars")).await.unwrap_err();
    assert_eq!(error.input, "cloud");
    assert!(error.help.contains("public, usgov or china"), "{}", error.help);
}

#[tokio::test]
async fn profile_file_is_read_and_validated_with_the_file_named() {
    let dir = std::env::temp_dir().join(format!("keyless-azure-cloud-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.json");
    std::fs::write(&good, serde_json::to_string(&CloudProfile::for_emulator("http://127.0.0.1:9")).unwrap()).unwrap();
    assert_eq!(resolve_cloud(Some(good.to_str().unwrap())).await.unwrap().name, "Demo");

    let bad = dir.join("bad.json");
    std::fs::write(&bad, r#"{"name": "x"}"#).unwrap();
    let error = resolve_cloud(Some(bad.to_str().unwrap())).await.unwrap_err();
    assert!(error.problem.contains("bad.json"), "{}", error.problem);

    let missing = dir.join("missing.json");
    let error = resolve_cloud(Some(missing.to_str().unwrap())).await.unwrap_err();
    assert!(error.problem.contains("missing.json"), "{}", error.problem);
}

#[tokio::test]
async fn emulator_url_serves_the_profile() {
    let server = ScriptedServer::start().await;
    let profile = CloudProfile::for_emulator(&server.base);
    server.push(Reply::json(200, serde_json::to_value(&profile).unwrap()));
    let resolved = resolve_cloud(Some(&server.base)).await.unwrap();
    assert_eq!(resolved, profile);
    assert_eq!(server.seen()[0].path_and_query, "/.well-known/keyless-cloud.json");
}

#[tokio::test]
async fn unreachable_emulator_says_to_start_it() {
    let url = format!("http://127.0.0.1:{}", closed_port());
    let error = resolve_cloud(Some(&url)).await.unwrap_err();
    assert!(error.problem.contains(&url), "{}", error.problem);
    assert!(error.help.contains("keyless emulator"), "{}", error.help);
}

#[tokio::test]
async fn resolved_clouds_say_where_their_profile_came_from() {
    assert_eq!(resolve_cloud_spec(None).await.unwrap().source, CloudSource::BuiltIn);
    assert_eq!(resolve_cloud_spec(Some("usgov")).await.unwrap().source, CloudSource::BuiltIn);

    let dir = std::env::temp_dir().join(format!("keyless-azure-cloud-source-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("profile.json");
    std::fs::write(&file, serde_json::to_string(&CloudProfile::for_emulator("http://127.0.0.1:9")).unwrap()).unwrap();
    assert_eq!(resolve_cloud_spec(Some(file.to_str().unwrap())).await.unwrap().source, CloudSource::File);

    let server = ScriptedServer::start().await;
    server.push(Reply::json(200, serde_json::to_value(CloudProfile::for_emulator(&server.base)).unwrap()));
    assert_eq!(resolve_cloud_spec(Some(&server.base)).await.unwrap().source, CloudSource::FetchedFromUrl);
}

#[tokio::test]
async fn served_profile_sending_tokens_over_plain_http_elsewhere_is_refused() {
    let server = ScriptedServer::start().await;
    let mut profile = CloudProfile::for_emulator(&server.base);
    profile.authority_host = "http://login.example.net".into();
    server.push(Reply::json(200, serde_json::to_value(&profile).unwrap()));
    let error = resolve_cloud_spec(Some(&server.base)).await.unwrap_err();
    assert!(error.problem.contains("authorityHost"), "{}", error.problem);
    assert!(error.help.contains("https"), "{}", error.help);
}
