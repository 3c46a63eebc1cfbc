//! The reads the impact check needs, against the demo scenario: a YAML pipeline's file and
//! repository, a classic pipeline's build definition, and absent ones as `None`.

use keyless_azure::AzureClient;
use keyless_core::names::OrgName;
use keyless_emulator::EmulatorConfig;

use crate::emulated::{signed_in, start};

fn demo() -> EmulatorConfig {
    EmulatorConfig {
        replication_delay: std::time::Duration::ZERO,
        fic_propagation_delay: std::time::Duration::ZERO,
        ..EmulatorConfig::default()
    }
}

#[tokio::test]
async fn a_yaml_pipeline_leads_to_its_file_text_and_its_repository_name() {
    let em = start(demo()).await;
    let (_, session) = signed_in(&em).await;
    let devops = AzureClient::for_session(&session).devops(&OrgName::parse("contoso").unwrap()).await.unwrap();
    let pipeline = devops.pipeline("Shop", 2).await.unwrap().expect("shop-infra exists");
    assert_eq!(pipeline.name, "shop-infra");
    let (repository, path) = pipeline.yaml_file().expect("a YAML pipeline");
    assert_eq!(path, "/infra/azure-pipelines.yml");
    let text = devops.repository_file("Shop", repository, path).await.unwrap().expect("the file exists");
    assert!(text.contains("nuGetServiceConnections: shop-nuget-feed"), "{text}");
    assert_eq!(devops.repository("Shop", repository).await.unwrap().expect("the repository exists").name, "Shop");
    assert_eq!(devops.repository_file("Shop", repository, "/missing.yml").await.unwrap(), None);
}

#[tokio::test]
async fn a_classic_pipeline_has_no_yaml_file_and_its_build_definition_has_its_steps() {
    let em = start(demo()).await;
    let (_, session) = signed_in(&em).await;
    let devops = AzureClient::for_session(&session).devops(&OrgName::parse("contoso").unwrap()).await.unwrap();
    let pipeline = devops.pipeline("Payments", 12).await.unwrap().expect("payments-nightly-classic exists");
    assert_eq!(pipeline.yaml_file(), None);
    let definition = devops.build_definition("Payments", 12).await.unwrap().expect("its definition exists");
    assert_eq!(definition["process"]["phases"][0]["steps"][0]["task"]["versionSpec"], "5.*");
    assert_eq!(devops.pipeline("Payments", 99).await.unwrap(), None);
    assert_eq!(devops.build_definition("Payments", 99).await.unwrap(), None);
}
