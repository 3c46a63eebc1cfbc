//! What the impact check reads on the demo estate: a classic pipeline says `designerJson` and
//! serves its phases as a build definition, a YAML pipeline serves its file and repository, and
//! wrong ids or versions get Azure DevOps' errors.

use keyless_emulator::{EmulatorConfig, Scenario, demo_ids};
use reqwest::StatusCode;

use crate::support::*;

fn demo_config() -> EmulatorConfig {
    EmulatorConfig { scenario: Scenario::demo(), ..fast_config() }
}

#[tokio::test]
async fn a_classic_pipeline_serves_its_phases_as_a_build_definition() {
    let em = start(demo_config()).await;
    let tokens = sign_in_as(&em, &demo_ids::TENANT.to_string(), Some(demo_ids::USER_UPN)).await;
    let (status, pipeline) = get(&em, "/ado/contoso/Payments/_apis/pipelines/12?api-version=7.1", &tokens.devops).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(pipeline["configuration"]["type"], "designerJson");
    assert!(pipeline["configuration"]["path"].is_null(), "a classic pipeline has no YAML file");

    let (status, definition) =
        get(&em, "/ado/contoso/Payments/_apis/build/definitions/12?api-version=7.1", &tokens.devops).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(definition["process"]["type"], 1);
    let phase = &definition["process"]["phases"][0];
    assert_eq!(phase["jobTimeoutInMinutes"], 180);
    assert_eq!(phase["steps"][0]["task"]["id"], "72a1931b-effb-4d2e-8fd8-f8472a07cb62");
    assert_eq!(phase["steps"][0]["task"]["versionSpec"], "5.*");
    assert_eq!(phase["steps"][0]["inputs"]["ConnectedServiceNameARM"], "0b1c2d3e-4f5a-4b6c-8d7e-000000000012");
}

#[tokio::test]
async fn a_yaml_pipeline_serves_its_file_and_repository_and_its_definition_names_the_file() {
    let em = start(demo_config()).await;
    let tokens = sign_in_as(&em, &demo_ids::TENANT.to_string(), Some(demo_ids::USER_UPN)).await;
    let (_, pipeline) = get(&em, "/ado/contoso/Shop/_apis/pipelines/3?api-version=7.1", &tokens.devops).await;
    assert_eq!(pipeline["configuration"]["type"], "yaml");
    assert_eq!(pipeline["configuration"]["path"], "/assets/azure-pipelines.yml");
    let repository = pipeline["configuration"]["repository"]["id"].as_str().unwrap().to_string();

    let item = format!(
        "/ado/contoso/Shop/_apis/git/repositories/{repository}/items?path=/assets/azure-pipelines.yml&includeContent=true&api-version=7.1"
    );
    let (status, file) = get(&em, &item, &tokens.devops).await;
    assert_eq!(status, StatusCode::OK);
    assert!(file["content"].as_str().unwrap().contains("AzureFileCopy@4"), "{file}");

    let (status, repo) =
        get(&em, &format!("/ado/contoso/Shop/_apis/git/repositories/{repository}?api-version=7.1"), &tokens.devops)
            .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(repo["name"], "Shop");
    assert_eq!(repo["id"], repository.as_str());

    let (_, definition) = get(&em, "/ado/contoso/Shop/_apis/build/definitions/3?api-version=7.1", &tokens.devops).await;
    assert_eq!(definition["process"]["type"], 2);
    assert_eq!(definition["process"]["yamlFilename"], "/assets/azure-pipelines.yml");
}

#[tokio::test]
async fn unknown_definitions_and_repositories_and_missing_versions_get_azure_devops_errors() {
    let em = start(demo_config()).await;
    let tokens = sign_in_as(&em, &demo_ids::TENANT.to_string(), Some(demo_ids::USER_UPN)).await;
    let (status, body) =
        get(&em, "/ado/contoso/Payments/_apis/build/definitions/99?api-version=7.1", &tokens.devops).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["typeKey"], "DefinitionNotFoundException");
    assert_eq!(body["message"], "Build pipeline 99 was not found.");

    let (status, body) = get(
        &em,
        "/ado/contoso/Payments/_apis/git/repositories/00000000-0000-4000-8000-000000000000?api-version=7.1",
        &tokens.devops,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["typeKey"], "GitRepositoryNotFoundException");

    let (status, body) = get(&em, "/ado/contoso/Payments/_apis/build/definitions/12", &tokens.devops).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}
