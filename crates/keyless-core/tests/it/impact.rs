//! The impact check: which steps of YAML and classic pipelines break when a connection moves to
//! workload identity federation, judged by the published task support table.

use keyless_core::Guid;
use keyless_core::impact::{
    APP_REGISTRATION_TOKEN_LIFETIME_MINUTES, Finding, FindingKind, ImpactError, Support, analyze_classic, analyze_yaml,
    task_table,
};
use proptest::prelude::*;
use serde_json::json;

const PROD: &str = "contoso-prod";
const PROD_ID: Guid = Guid::from_u128(0x5d1c1e7a_0b3f_4e8e_9a51_6f0d2c7b9e01);
const DEV_ID: Guid = Guid::from_u128(0x9a0e2b44_7c1d_4f3a_8e6b_2d5f1a3c7e02);

const MULTI_STAGE: &str = r###"
trigger: [main]
parameters:
  - name: deployConnection
    type: string
    default: contoso-prod
variables:
  - name: serviceConnection
    value: contoso-prod
  - group: shared-settings
stages:
  - stage: Build
    jobs:
      - job: package
        steps:
          - task: DotNetCoreCLI@2
            inputs:
              command: publish
          - task: AzureFileCopy@4
            displayName: Upload static assets
            inputs:
              SourcePath: $(Build.ArtifactStagingDirectory)/wwwroot
              azureSubscription: $(serviceConnection)
              Destination: AzureBlob
              storage: contosoassets
              ContainerName: web
          - task: AzureCLI@2
            displayName: Show the dev subscription
            inputs:
              azureSubscription: contoso-dev
              scriptType: bash
              scriptLocation: inlineScript
              inlineScript: az account show
  - stage: Deploy
    dependsOn: Build
    jobs:
      - deployment: web
        environment: production
        timeoutInMinutes: 180
        strategy:
          runOnce:
            deploy:
              steps:
                - task: AzureCLI@2
                  displayName: Terraform apply
                  inputs:
                    azureSubscription: ${{ parameters.deployConnection }}
                    addSpnToEnvironment: true
                    scriptType: bash
                    scriptLocation: inlineScript
                    inlineScript: |
                      echo "##vso[task.setvariable variable=ARM_CLIENT_SECRET;issecret=true]$servicePrincipalKey"
                      terraform apply -auto-approve
                - task: AzureWebApp@1
                  inputs:
                    azureSubscription: ${{ variables.serviceConnection }}
                    appName: contoso-web
                - bash: ./smoke-test.sh
                  env:
                    CLIENT_SECRET: $(servicePrincipalKey)
"###;

fn kinds(findings: &[Finding]) -> Vec<(&str, &FindingKind, bool)> {
    findings.iter().map(|f| (f.location.as_str(), &f.kind, f.blocking)).collect()
}

#[test]
fn multi_stage_pipeline_reports_what_breaks_in_file_order() {
    let findings = analyze_yaml(MULTI_STAGE, &[PROD]).unwrap();
    let deploy_terraform = "stages[1].jobs[0].strategy.runOnce.deploy.steps[0]";
    let deploy_smoke_test = "stages[1].jobs[0].strategy.runOnce.deploy.steps[2]";
    assert_eq!(
        kinds(&findings),
        vec![
            ("stages[0].jobs[0].steps[1]", &FindingKind::TaskNeedsNewerVersion { minimum: 6 }, true),
            (deploy_terraform, &FindingKind::AddSpnToEnvironment, false),
            (deploy_terraform, &FindingKind::ReadsServicePrincipalSecret, true),
            (deploy_smoke_test, &FindingKind::ReadsServicePrincipalSecret, true),
            ("stages[1].jobs[0]", &FindingKind::JobLongerThanTokenLifetime { minutes: 180 }, false),
        ]
    );
    assert!(findings.iter().all(|f| f.connection == PROD));
    assert!(findings[0].advice.contains("AzureFileCopy@6"), "{}", findings[0].advice);
    insta::assert_json_snapshot!("multi_stage_yaml", findings);
}

#[test]
fn steps_of_other_connections_are_ignored() {
    let findings = analyze_yaml(MULTI_STAGE, &["contoso-dev"]).unwrap();
    assert_eq!(findings, Vec::<Finding>::new(), "AzureCLI@2 with an inline script that needs no secret breaks nothing");
    assert_eq!(analyze_yaml(MULTI_STAGE, &["someone-else"]).unwrap(), Vec::<Finding>::new());
}

#[test]
fn findings_serialize_in_camel_case_with_a_typed_kind() {
    let findings = analyze_yaml(MULTI_STAGE, &[PROD]).unwrap();
    let first = serde_json::to_value(&findings[0]).unwrap();
    assert_eq!(first["kind"], json!({ "type": "taskNeedsNewerVersion", "minimum": 6 }));
    assert_eq!(first["task"], "AzureFileCopy");
    assert_eq!(first["version"], 4);
    let last = serde_json::to_value(findings.last().unwrap()).unwrap();
    assert_eq!(last["kind"], json!({ "type": "jobLongerThanTokenLifetime", "minutes": 180 }));
    let back: Vec<Finding> = serde_json::from_value(serde_json::to_value(&findings).unwrap()).unwrap();
    assert_eq!(back, findings);
}

#[test]
fn connection_names_compare_without_case() {
    let findings = analyze_yaml(
        "steps:\n  - task: AzureFileCopy@3\n    inputs:\n      azureSubscription: Contoso-PROD\n",
        &[PROD],
    )
    .unwrap();
    assert_eq!(kinds(&findings), vec![("steps[0]", &FindingKind::TaskNeedsNewerVersion { minimum: 6 }, true)]);
    assert_eq!(findings[0].connection, PROD, "the caller's spelling names the connection");
}

#[test]
fn tasks_without_any_supporting_version_block() {
    let yaml = "jobs:\n- job: sf\n  steps:\n  - task: ServiceFabricDeploy@1\n    inputs:\n      serviceConnectionName: contoso-prod\n  - task: Docker@1\n    inputs:\n      dockerRegistryEndpoint: contoso-prod\n  - task: Docker@1\n    inputs:\n      azureSubscriptionEndpoint: contoso-prod\n";
    let findings = analyze_yaml(yaml, &[PROD]).unwrap();
    assert_eq!(
        kinds(&findings),
        vec![
            ("jobs[0].steps[0]", &FindingKind::TaskWithoutWifSupport, true),
            ("jobs[0].steps[1]", &FindingKind::TaskWithoutWifSupport, true),
        ],
        "Docker@1 supports federation only through its Azure subscription input"
    );
}

#[test]
fn versions_the_table_does_not_list_follow_their_neighbours() {
    let yaml = "steps:\n- task: AzureCLI@3\n  inputs: { azureSubscription: contoso-prod }\n- task: Maven@3\n  inputs: { azureSubscription: contoso-prod }\n";
    let findings = analyze_yaml(yaml, &[PROD]).unwrap();
    assert_eq!(kinds(&findings), vec![("steps[1]", &FindingKind::TaskNeedsNewerVersion { minimum: 4 }, true)]);
}

#[test]
fn marketplace_tasks_and_templates_are_reported_as_unchecked() {
    let yaml = r#"
steps:
  - task: ms-devlabs.custom-terraform-tasks.custom-terraform-release-task.TerraformTaskV4@4
    inputs:
      environmentServiceNameAzureRM: contoso-prod
  - template: deploy-steps.yml
    parameters:
      connection: contoso-prod
  - task: AzureCLI@2
    enabled: false
    inputs: { azureSubscription: contoso-prod, addSpnToEnvironment: true, scriptLocation: scriptPath, scriptPath: x.sh }
"#;
    let findings = analyze_yaml(yaml, &[PROD]).unwrap();
    assert_eq!(
        kinds(&findings),
        vec![
            ("steps[0]", &FindingKind::TaskSupportUnknown, false),
            ("steps[1]", &FindingKind::PassedToTemplate { template: "deploy-steps.yml".into() }, false),
        ],
        "a disabled step runs nothing"
    );
}

#[test]
fn extended_templates_are_walked_inline_and_named_for_the_rest() {
    let yaml = r#"
extends:
  template: pipelines/secure.yml@templates
  parameters:
    serviceConnection: contoso-prod
    stages:
      - stage: deploy
        jobs:
          - job: alerts
            steps:
              - task: AzureMonitor@0
                inputs: { connectedServiceNameARM: contoso-prod }
              - task: AzureCLI@2
                inputs: { azureSubscription: contoso-prod, scriptLocation: inlineScript, inlineScript: az group list }
              - bash: echo "$(servicePrincipalKey)" | wc -c
"#;
    let findings = analyze_yaml(yaml, &[PROD]).unwrap();
    assert_eq!(
        kinds(&findings),
        vec![
            ("extends", &FindingKind::PassedToTemplate { template: "pipelines/secure.yml@templates".into() }, false),
            ("extends.parameters.stages[0].jobs[0].steps[0]", &FindingKind::TaskNeedsNewerVersion { minimum: 1 }, true),
        ],
        "no step of the job puts the secret in its environment, so the script cannot have read it from there"
    );
}

#[test]
fn a_script_in_a_file_with_credentials_in_its_environment_blocks_until_read() {
    let yaml = "steps:\n- task: AzureCLI@2\n  inputs:\n    azureSubscription: contoso-prod\n    addSpnToEnvironment: 'true'\n    scriptType: bash\n    scriptPath: deploy/login.sh\n";
    let findings = analyze_yaml(yaml, &[PROD]).unwrap();
    assert_eq!(kinds(&findings), vec![("steps[0]", &FindingKind::AddSpnToEnvironment, true)]);
    assert!(findings[0].advice.contains("idToken"), "{}", findings[0].advice);
}

#[test]
fn conditional_blocks_tasks_by_id_and_job_variables_are_followed() {
    let yaml = r#"
jobs:
  - job: nightly
    timeoutInMinutes: 0
    variables:
      conn: contoso-prod
    steps:
      - ${{ if eq(variables['Build.Reason'], 'Schedule') }}:
          - task: eb72cb01-a7e5-427b-a8a1-1b31ccac8a43@5
            inputs:
              azureSubscription: $[ variables['conn'] ]
  - job: short
    timeoutInMinutes: 60
    steps:
      - task: AzureCLI@2
        inputs: { azureSubscription: contoso-prod, scriptLocation: inlineScript, inlineScript: az group list }
"#;
    let findings = analyze_yaml(yaml, &[PROD]).unwrap();
    assert_eq!(
        kinds(&findings),
        vec![
            ("jobs[0].steps[0][0]", &FindingKind::TaskNeedsNewerVersion { minimum: 6 }, true),
            ("jobs[0]", &FindingKind::JobLongerThanTokenLifetime { minutes: 0 }, false),
        ]
    );
    assert_eq!(findings[0].task.as_deref(), Some("AzureFileCopy"));
    assert!(findings[1].advice.contains("no time limit"), "{}", findings[1].advice);
    assert!(findings[1].advice.contains("managed identity"), "{}", findings[1].advice);
}

#[test]
fn the_token_lifetime_is_the_app_registration_hour() {
    assert_eq!(APP_REGISTRATION_TOKEN_LIFETIME_MINUTES, 60);
}

#[test]
fn malformed_yaml_is_an_error_with_its_place() {
    let error = analyze_yaml("stages:\n  - stage: Build\n    jobs: [unclosed\n", &[PROD]).unwrap_err();
    let ImpactError::MalformedYaml { line, .. } = &error else { panic!("{error:?}") };
    assert!(*line >= 3, "{error}");
    assert!(error.to_string().starts_with("the pipeline YAML is malformed at line"), "{error}");
    assert!(!error.help().is_empty());
}

#[test]
fn deeply_nested_yaml_is_refused_instead_of_exhausting_the_stack() {
    for text in
        ["- ".repeat(100_000), format!("steps: {}", "[".repeat(100_000)), format!("a: {}", "{b: ".repeat(50_000))]
    {
        let error = analyze_yaml(&text, &[PROD]).unwrap_err();
        assert!(matches!(error, ImpactError::MalformedYaml { .. }), "{error}");
    }
}

#[test]
fn aliases_are_not_expanded() {
    let mut text = "a0: &a0 [contoso-prod, contoso-prod, contoso-prod, contoso-prod]\n".to_owned();
    for level in 1..40 {
        let previous = format!("*a{}", level - 1);
        text.push_str(&format!("a{level}: &a{level} [{previous}, {previous}, {previous}, {previous}]\n"));
    }
    text.push_str("steps:\n- task: AzureFileCopy@2\n  inputs:\n    azureSubscription: *a39\n");
    assert_eq!(analyze_yaml(&text, &[PROD]).unwrap(), Vec::<Finding>::new(), "an alias names no connection");
}

#[test]
fn yaml_that_is_not_a_pipeline_is_refused() {
    let error = analyze_yaml("- just\n- a list\n", &[PROD]).unwrap_err();
    assert_eq!(error, ImpactError::NotAPipeline { found: "a list" });
    assert!(matches!(analyze_yaml("hello", &[PROD]), Err(ImpactError::NotAPipeline { found: "a single value" })));
}

#[test]
fn empty_input_has_no_findings() {
    assert_eq!(analyze_yaml("", &[PROD]).unwrap(), Vec::<Finding>::new());
    assert_eq!(analyze_yaml("# only a comment\n", &[PROD]).unwrap(), Vec::<Finding>::new());
    assert_eq!(analyze_yaml(MULTI_STAGE, &[]).unwrap(), Vec::<Finding>::new());
    assert_eq!(analyze_classic(&json!({}), &[PROD_ID]), Vec::<Finding>::new());
    assert_eq!(analyze_classic(&json!("not a definition"), &[PROD_ID]), Vec::<Finding>::new());
}

fn classic_build() -> serde_json::Value {
    json!({
        "name": "web-CI",
        "jobTimeoutInMinutes": 120,
        "variables": { "prodConnection": { "value": PROD_ID.to_string() } },
        "process": { "type": 1, "phases": [{
            "name": "Agent job 1",
            "steps": [
                { "enabled": true, "displayName": "Publish", "task": { "id": "5541a522-603c-47ad-91fc-a4b1d163081b", "versionSpec": "2.*", "definitionType": "task" }, "inputs": { "command": "publish" } },
                { "enabled": true, "displayName": "Upload assets", "task": { "id": "EB72CB01-A7E5-427B-A8A1-1B31CCAC8A43", "versionSpec": "4.*", "definitionType": "task" }, "inputs": { "ConnectedServiceNameARM": "$(prodConnection)", "Destination": "AzureBlob" } },
                { "enabled": true, "displayName": "Terraform", "task": { "id": "46e4be58-730b-4389-8a2f-ea10b3e5e815", "versionSpec": "2.*", "definitionType": "task" }, "inputs": { "connectedServiceNameARM": PROD_ID.to_string().to_uppercase(), "addSpnToEnvironment": "true", "scriptLocation": "inlineScript", "inlineScript": "terraform init -backend-config=\"client_secret=$servicePrincipalKey\"" } },
                { "enabled": true, "displayName": "Dev only", "task": { "id": "46e4be58-730b-4389-8a2f-ea10b3e5e815", "versionSpec": "1.*", "definitionType": "task" }, "inputs": { "connectedServiceNameARM": DEV_ID.to_string() } }
            ]
        }]}
    })
}

fn classic_release() -> serde_json::Value {
    json!({
        "name": "web-CD",
        "environments": [{
            "name": "Prod",
            "variables": {},
            "deployPhases": [{
                "name": "Agent job",
                "deploymentInput": { "timeoutInMinutes": 180 },
                "workflowTasks": [
                    { "taskId": "18bde28a-8172-45cb-b204-5cef1393dbb1", "version": "1.*", "name": "Azure Web App", "enabled": true, "inputs": { "azureSubscription": PROD_ID.to_string() } },
                    { "taskId": "c6650aa0-185b-11e6-a47d-df93e7a34c64", "version": "1.*", "name": "Deploy Service Fabric Application", "enabled": true, "inputs": { "serviceConnectionName": PROD_ID.to_string() } },
                    { "taskId": "0a1b2c3d-0000-4000-8000-000000000001", "version": "0.*", "name": "Publisher's upload", "enabled": true, "inputs": { "connection": PROD_ID.to_string() } },
                    { "taskId": "eb72cb01-a7e5-427b-a8a1-1b31ccac8a43", "version": "2.*", "name": "Copy files", "enabled": false, "inputs": { "ConnectedServiceNameARM": PROD_ID.to_string() } }
                ]
            }]
        }]
    })
}

#[test]
fn classic_build_definition_finds_the_same_tasks_by_id() {
    let findings = analyze_classic(&classic_build(), &[PROD_ID]);
    assert_eq!(
        kinds(&findings),
        vec![
            ("Build > Agent job 1 > Task 2", &FindingKind::TaskNeedsNewerVersion { minimum: 6 }, true),
            ("Build > Agent job 1 > Task 3", &FindingKind::AddSpnToEnvironment, false),
            ("Build > Agent job 1 > Task 3", &FindingKind::ReadsServicePrincipalSecret, true),
            ("Build > Agent job 1", &FindingKind::JobLongerThanTokenLifetime { minutes: 120 }, false),
        ]
    );
    assert_eq!(findings[0].task.as_deref(), Some("AzureFileCopy"));
    assert!(findings.iter().all(|f| f.connection == PROD_ID.to_string()));
    insta::assert_json_snapshot!("classic_build", findings);
}

#[test]
fn classic_release_definition_names_stage_phase_and_task() {
    let findings = analyze_classic(&classic_release(), &[PROD_ID, DEV_ID]);
    assert_eq!(
        kinds(&findings),
        vec![
            ("Release > Stage Prod > Agent job > Task 2", &FindingKind::TaskWithoutWifSupport, true),
            ("Release > Stage Prod > Agent job > Task 3", &FindingKind::TaskSupportUnknown, false),
            ("Release > Stage Prod > Agent job", &FindingKind::JobLongerThanTokenLifetime { minutes: 180 }, false),
        ],
        "AzureWebApp@1 is supported and a disabled task runs nothing"
    );
    assert_eq!(findings[0].task.as_deref(), Some("ServiceFabricDeploy"));
    assert_eq!(findings[1].task.as_deref(), Some("Publisher's upload"));
    insta::assert_json_snapshot!("classic_release", findings);
}

#[test]
fn task_table_holds_every_row_of_the_published_table() {
    let table = task_table();
    assert_eq!(table.row_count(), 67);
    assert_eq!(table.tasks.len(), 43);
    let row = |name: &str, version: u32| {
        let task = table.by_name(name).unwrap_or_else(|| panic!("{name} missing"));
        task.versions.iter().find(|row| row.version == version).unwrap_or_else(|| panic!("{name}@{version} missing"))
    };
    assert_eq!(row("AzureFileCopy", 4).table_says, "Use AzureFileCopy@6");
    assert_eq!(row("AzureFileCopy", 4).upgrade_to, Some(6));
    assert_eq!(row("AzureFileCopy", 6).support, Support::Yes);
    assert_eq!(row("AzureNLBManagement", 1).support, Support::No);
    assert_eq!(
        row("PublishToAzureServiceBus", 1).table_says,
        "Use PublishToAzureServiceBus@2 with Azure service connection"
    );
    assert_eq!(row("Docker", 1).only_through_inputs, vec!["azureSubscriptionEndpoint".to_owned()]);
    assert_eq!(row("VSTest", 3).support, Support::Yes);
    assert_eq!(table.by_name("azurecli").unwrap().id.to_string(), "46e4be58-730b-4389-8a2f-ea10b3e5e815");
    let renamed: Guid = "94a74903-f93f-4075-884f-dc11f34058b4".parse().unwrap();
    assert_eq!(table.by_id(renamed, Some(2)).unwrap().name, "AzureResourceGroupDeployment");
    assert_eq!(table.by_id(renamed, Some(3)).unwrap().name, "AzureResourceManagerTemplateDeployment");
    assert_eq!(table.by_name("AzureFileCopy").unwrap().minimum_supported_version(), Some(6));
    assert_eq!(table.by_name("ServiceFabricDeploy").unwrap().minimum_supported_version(), None);
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        let _ = analyze_yaml(&text, &[PROD]);
    }

    #[test]
    fn yaml_shaped_text_never_panics(text in "[-:{}\\[\\],?&*!|>'\"#%@$() \n\ta-zA-Z0-9]{0,300}") {
        let _ = analyze_yaml(&text, &[PROD, "a", "$(a)"]);
    }
}
