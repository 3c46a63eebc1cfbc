//! The write clients against the emulator, in the order the engine uses them: identity,
//! role, membership, connection, federated credential, verification, pipeline permissions.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use keyless_azure::arm::{ArmScope, RoleAssignmentOutcome, builtin_roles};
use keyless_azure::auth::{SignInCancel, sign_in_with_browser};
use keyless_azure::devops::{
    EndpointAuthorization, EndpointFilter, EndpointProjectReference, EntitlementPatch, GroupType, LicenseType,
    PipelinePermission, ProjectEntitlement, ProjectReference, ServiceEndpoint,
};
use keyless_azure::graph::{AppRef, NewApplication, NewFederatedCredential, UpsertOutcome};
use keyless_azure::{AzureClient, AzureError, AzureHttp, ErrorCode, HttpConfig, ReplicationObserver, ReplicationWait};
use keyless_core::Guid;
use keyless_core::names::OrgName;
use keyless_emulator::{EmulatorConfig, minimal_ids};
use serde_json::json;

use crate::emulated::{FollowRedirects, fast_config, options, signed_in, start};

#[derive(Default)]
struct Waits(Mutex<Vec<ReplicationWait>>);

impl ReplicationObserver for Waits {
    fn waiting(&self, wait: &ReplicationWait) {
        self.0.lock().unwrap().push(wait.clone());
    }
}

#[tokio::test]
async fn app_registration_service_principal_and_fics() {
    let em = start(EmulatorConfig { replication_delay: Duration::from_millis(300), ..fast_config() }).await;
    let waits = Arc::new(Waits::default());
    let http = AzureHttp::with_observer(HttpConfig::fast_for_tests(), waits.clone()).unwrap();
    let session = sign_in_with_browser(&http, &options(&em), &FollowRedirects, &SignInCancel::new()).await.unwrap();
    let graph = AzureClient::for_session(&session).graph(None);

    let app = graph.create_application(&NewApplication::single_tenant("keyless-it-app")).await.unwrap();
    assert_eq!(app.sign_in_audience.as_deref(), Some("AzureADMyOrg"));
    let sp = http
        .wait_for_replication("create service principal", AzureError::is_replication_delay, || {
            graph.create_service_principal(app.app_id)
        })
        .await
        .unwrap();
    assert_eq!(sp.app_id, app.app_id);
    assert!(!waits.0.lock().unwrap().is_empty(), "the replication wait must be reported");

    assert_eq!(graph.application_by_app_id(app.app_id).await.unwrap().unwrap().id, app.id);
    assert_eq!(graph.applications_by_display_name("keyless-it-app").await.unwrap().len(), 1);
    assert!(graph.list_applications().await.unwrap().iter().any(|a| a.id == app.id));
    assert_eq!(graph.service_principal_by_app_id(app.app_id).await.unwrap().unwrap().id, sp.id);
    assert_eq!(graph.application_by_app_id(Guid::from_u128(42)).await.unwrap(), None);

    let issuer = format!("https://login.microsoftonline.com/{}/v2.0", minimal_ids::TENANT);
    let fic = NewFederatedCredential::for_devops("ado-test-1", issuer.clone(), "/eid1/c/pub/t/x/a/y/sc/1/2");
    let created = graph.create_app_fic(AppRef::ObjectId(app.id), &fic).await.unwrap();
    assert_eq!(created.audiences, ["api://AzureADTokenExchange"]);
    let by_name = graph.get_app_fic(AppRef::AppId(app.app_id), "ado-test-1").await.unwrap().unwrap();
    assert_eq!(by_name.subject, fic.subject);

    let changed = NewFederatedCredential { subject: "/eid1/c/pub/t/x/a/y/sc/1/3".into(), ..fic.clone() };
    assert_eq!(graph.upsert_app_fic(AppRef::ObjectId(app.id), &changed).await.unwrap(), UpsertOutcome::Updated);
    let second = NewFederatedCredential::for_devops("ado-test-2", issuer, "/eid1/c/pub/t/x/a/y/sc/1/4");
    let outcome = graph.upsert_app_fic(AppRef::ObjectId(app.id), &second).await.unwrap();
    assert!(matches!(outcome, UpsertOutcome::Created(_)), "{outcome:?}");
    assert_eq!(graph.list_app_fics(AppRef::ObjectId(app.id)).await.unwrap().len(), 2);

    graph.delete_app_fic(AppRef::ObjectId(app.id), "ado-test-2").await.unwrap();
    assert_eq!(graph.get_app_fic(AppRef::ObjectId(app.id), "ado-test-2").await.unwrap(), None);

    let bad = NewFederatedCredential::for_devops("x", "https://issuer", "s");
    assert_eq!(graph.create_app_fic(AppRef::ObjectId(app.id), &bad).await.unwrap_err().code(), ErrorCode::InvalidInput);
}

#[tokio::test]
async fn managed_identity_fics_and_role_assignments() {
    let em = start(fast_config()).await;
    let (_, session) = signed_in(&em).await;
    let arm = AzureClient::for_session(&session).arm(None);
    let (sub, rg) = (minimal_ids::SUBSCRIPTION, minimal_ids::RESOURCE_GROUP);

    let tags = BTreeMap::from([("createdBy".to_string(), "keyless".to_string())]);
    let created = arm.create_managed_identity(sub, rg, "id-keyless-it", "westeurope", &tags).await.unwrap();
    assert!(created.created);
    let identity = created.resource;
    assert_eq!(identity.properties.tenant_id, minimal_ids::TENANT);
    assert_eq!(arm.managed_identity(sub, rg, "id-keyless-it").await.unwrap().unwrap().id, identity.id);
    assert!(arm.list_managed_identities(sub, Some(rg)).await.unwrap().iter().any(|i| i.name == "id-keyless-it"));
    assert!(arm.list_managed_identities(sub, None).await.unwrap().iter().any(|i| i.name == "id-keyless-it"));
    let refused = arm.create_managed_identity(sub, rg, "id-nz", "newzealandnorth", &tags).await.unwrap_err();
    assert_eq!(refused.code(), ErrorCode::InvalidInput);

    let issuer = format!("https://login.microsoftonline.com/{}/v2.0", minimal_ids::TENANT);
    let fic = arm
        .put_managed_identity_fic(sub, rg, "id-keyless-it", "ado-fic-1", &issuer, "/eid1/c/pub/t/x/a/y/sc/1/2")
        .await
        .unwrap();
    assert!(fic.created);
    assert_eq!(fic.resource.properties.audiences, ["api://AzureADTokenExchange"]);
    assert!(arm.managed_identity_fic(sub, rg, "id-keyless-it", "ado-fic-1").await.unwrap().is_some());
    assert_eq!(arm.list_managed_identity_fics(sub, rg, "id-keyless-it").await.unwrap().len(), 1);
    arm.delete_managed_identity_fic(sub, rg, "id-keyless-it", "ado-fic-1").await.unwrap();
    assert_eq!(arm.managed_identity_fic(sub, rg, "id-keyless-it", "ado-fic-1").await.unwrap(), None);

    let scope = ArmScope::resource_group(sub, rg).unwrap();
    let principal = identity.properties.principal_id;
    let first = arm.assign_role(&scope, builtin_roles::READER, principal).await.unwrap();
    let RoleAssignmentOutcome::Created(assignment) = first else { panic!("{first:?}") };
    assert_eq!(assignment.role(), Some(builtin_roles::READER));
    assert_eq!(assignment.properties.principal_type.as_deref(), Some("ServicePrincipal"));
    let again = arm.assign_role(&scope, builtin_roles::READER, principal).await.unwrap();
    assert!(matches!(again, RoleAssignmentOutcome::AlreadyExists | RoleAssignmentOutcome::Created(_)), "{again:?}");
    let listed = arm.role_assignments_for(&scope, principal).await.unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    arm.delete_role_assignment(&listed[0].id).await.unwrap();
    assert!(arm.role_assignments_for(&scope, principal).await.unwrap().is_empty());

    arm.delete_managed_identity(sub, rg, "id-keyless-it").await.unwrap();
    assert_eq!(arm.managed_identity(sub, rg, "id-keyless-it").await.unwrap(), None);
}

#[tokio::test]
async fn devops_membership_connection_verification_and_pipeline_permissions() {
    let em = start(fast_config()).await;
    let (http, session) = signed_in(&em).await;
    let azure = AzureClient::for_session(&session);
    let org = OrgName::parse(minimal_ids::ORG_NAME).unwrap();
    let devops = azure.devops(&org).await.unwrap();

    // Identity: the scenario's app, with a Reader role on the subscription for TestConnection.
    let sp = minimal_ids::APP_SP_ID;
    let reader = ProjectEntitlement { project: minimal_ids::PROJECT, group: GroupType::ProjectReader };
    let entitlement = devops.add_service_principal(sp, LicenseType::Express, &[reader]).await.unwrap();
    assert_eq!(entitlement.service_principal.origin_id, Some(sp));
    assert!(devops.service_principal_entitlement(entitlement.id).await.unwrap().is_some());
    devops
        .patch_service_principal(entitlement.id, &[EntitlementPatch::SetAccessLevel(LicenseType::Express)])
        .await
        .unwrap();

    let groups = devops.project_groups(minimal_ids::PROJECT).await.unwrap();
    let contributors = groups.iter().find(|g| g.display_name.as_deref() == Some("Contributors")).expect("Contributors");
    let member = entitlement.service_principal.descriptor.clone().expect("descriptor");
    devops.add_membership(&member, &contributors.descriptor).await.unwrap();
    assert!(devops.is_member(&member, &contributors.descriptor).await.unwrap());
    devops.remove_membership(&member, &contributors.descriptor).await.unwrap();
    assert!(!devops.is_member(&member, &contributors.descriptor).await.unwrap());

    let scope = ArmScope::subscription(minimal_ids::SUBSCRIPTION);
    azure.arm(None).assign_role(&scope, builtin_roles::READER, sp).await.unwrap();

    // Connection (Manual, WIF); issuer and subject come from the response.
    let cloud = azure.cloud().clone();
    let request = ServiceEndpoint {
        name: "sc-keyless-it".into(),
        kind: "azurerm".into(),
        url: Some(cloud.service_endpoint_url.clone()),
        owner: Some("library".into()),
        data: json!({"environment": cloud.service_endpoint_environment, "scopeLevel": "Subscription", "subscriptionId": minimal_ids::SUBSCRIPTION, "subscriptionName": "Contoso Dev", "creationMode": "Manual"}).as_object().unwrap().clone(),
        authorization: EndpointAuthorization {
            scheme: "WorkloadIdentityFederation".into(),
            parameters: json!({"tenantid": minimal_ids::TENANT, "serviceprincipalid": minimal_ids::APP_ID}).as_object().unwrap().clone(),
        },
        is_ready: Some(true),
        service_endpoint_project_references: vec![EndpointProjectReference {
            project_reference: ProjectReference { id: minimal_ids::PROJECT, name: Some(minimal_ids::PROJECT_NAME.into()) },
            name: "sc-keyless-it".into(),
            description: None,
        }],
        ..ServiceEndpoint::default()
    };
    let created = devops.create_endpoint(&request).await.unwrap();
    let id = created.id.expect("id");
    let (issuer, subject) =
        (created.federation_issuer().unwrap().to_string(), created.federation_subject().unwrap().to_string());
    assert!(subject.ends_with(&format!("/sc/{}/{id}", minimal_ids::ORG)), "{subject}");

    // Before the FIC exists, verification fails with AADSTS70025/70021: not Ok.
    assert!(devops.verify_endpoint(minimal_ids::PROJECT_NAME, &created).await.is_err());
    let graph = azure.graph(None);
    let fic = NewFederatedCredential::for_devops(format!("ado-{id}"), issuer, subject);
    graph.create_app_fic(AppRef::AppId(minimal_ids::APP_ID), &fic).await.unwrap();
    http.wait_for_replication("verify connection", AzureError::is_replication_delay, || {
        devops.verify_endpoint(minimal_ids::PROJECT_NAME, &created)
    })
    .await
    .unwrap();

    let filter = EndpointFilter { kind: Some("azurerm".into()), include_details: true, ..EndpointFilter::default() };
    assert!(devops.list_endpoints(minimal_ids::PROJECT_NAME, &filter).await.unwrap().iter().any(|e| e.id == Some(id)));
    let mut fetched = devops.endpoint_by_id(minimal_ids::PROJECT_NAME, id).await.unwrap().expect("endpoint");
    fetched.description = Some("managed by keyless".into());
    let updated = devops.update_endpoint(&fetched, None).await.unwrap();
    assert_eq!(updated.description.as_deref(), Some("managed by keyless"));
    assert!(!devops.endpoint_types(Some("azurerm"), None).await.unwrap().is_empty());

    let pipelines = devops.pipelines(minimal_ids::PROJECT_NAME).await.unwrap();
    let named: Vec<PipelinePermission> =
        pipelines.iter().take(1).map(|p| PipelinePermission { id: p.id, authorized: true }).collect();
    let permissions = devops.set_pipeline_permissions(minimal_ids::PROJECT_NAME, id, None, &named).await.unwrap();
    assert!(!permissions.all_pipelines_authorized());
    let read_back = devops.pipeline_permissions(minimal_ids::PROJECT_NAME, id).await.unwrap();
    assert_eq!(read_back.pipelines.len(), named.len());

    // The connection cannot go while its FIC still works (contract §6.11): FIC first.
    let blocked = devops.delete_endpoint(id, &[minimal_ids::PROJECT], false).await.unwrap_err();
    assert_eq!(blocked.code(), ErrorCode::Validation, "{blocked:?}");
    graph.delete_app_fic(AppRef::AppId(minimal_ids::APP_ID), &fic.name).await.unwrap();
    devops.delete_endpoint(id, &[minimal_ids::PROJECT], false).await.unwrap();
    assert_eq!(devops.endpoint_by_id(minimal_ids::PROJECT_NAME, id).await.unwrap(), None);
    devops.remove_service_principal(entitlement.id).await.unwrap();
}

#[tokio::test]
async fn secret_connection_converts_in_place() {
    let em = start(fast_config()).await;
    let (_, session) = signed_in(&em).await;
    let devops =
        AzureClient::for_session(&session).devops(&OrgName::parse(minimal_ids::ORG_NAME).unwrap()).await.unwrap();
    let endpoint =
        devops.endpoint_by_id(minimal_ids::PROJECT_NAME, minimal_ids::SECRET_CONNECTION).await.unwrap().unwrap();
    assert_eq!(endpoint.authorization.scheme, "ServicePrincipal");
    let converted = devops.convert_endpoint_scheme(&endpoint, "WorkloadIdentityFederation").await.unwrap();
    assert_eq!(converted.id, Some(minimal_ids::SECRET_CONNECTION), "conversion keeps the id");
    assert_eq!(converted.authorization.scheme, "WorkloadIdentityFederation");
    assert!(converted.federation_subject().is_some());
}
