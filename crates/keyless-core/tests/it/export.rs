//! Terraform export: the text parses as HCL, every existing object has an import block with
//! its provider's import id, names are unique, and no string can break out of its quotes.

use std::collections::BTreeSet;

use keyless_core::{
    Guid,
    export::{
        AzureRmScope, ConnectionTarget, CredentialParent, ExportApplication, ExportConnection, ExportEntitlement,
        ExportFederatedCredential, ExportManagedIdentity, ExportObject, ExportOrganization, ExportRoleAssignment,
        ExportServicePrincipal, ExportSet, RoleRef, hcl_string, render_terraform,
    },
};
use proptest::prelude::*;

const TENANT: Guid = Guid::from_u128(0x6b1f3c2a_4d5e_4f60_8a7b_9c0d1e2f3a4b);
const APP_OBJECT: Guid = Guid::from_u128(0x11111111_1111_4111_8111_111111111111);
const CLIENT: Guid = Guid::from_u128(0x22222222_2222_4222_8222_222222222222);
const SP_OBJECT: Guid = Guid::from_u128(0x33333333_3333_4333_8333_333333333333);
const FIC: Guid = Guid::from_u128(0x44444444_4444_4444_8444_444444444444);
const PROJECT: Guid = Guid::from_u128(0x55555555_5555_4555_8555_555555555555);
const SUBSCRIPTION: Guid = Guid::from_u128(0x66666666_6666_4666_8666_666666666666);
const MI_ID: &str = "/subscriptions/66666666-6666-4666-8666-666666666666/resourceGroups/rg-id/providers/Microsoft.ManagedIdentity/userAssignedIdentities/mi-jobs";

fn connection(org: &str, name: &str, id: u128, target: ConnectionTarget) -> ExportObject {
    ExportObject::ServiceConnection(ExportConnection {
        organization: org.into(),
        project: "Web".into(),
        project_id: Some(PROJECT),
        id: Guid::from_u128(id),
        name: name.into(),
        description: None,
        target,
    })
}

fn wif(client_id: Guid) -> ConnectionTarget {
    ConnectionTarget::AzureRm {
        scheme: "WorkloadIdentityFederation".into(),
        tenant_id: Some(TENANT),
        client_id: Some(client_id),
        scope: AzureRmScope::Subscription { id: SUBSCRIPTION, name: Some("Prod".into()), resource_group: None },
        environment: Some("AzureCloud".into()),
    }
}

fn estate() -> ExportSet {
    let org =
        |name: &str| ExportOrganization { name: name.into(), service_url: format!("https://dev.azure.com/{name}") };
    ExportSet {
        organizations: vec![org("contoso"), org("fabrikam")],
        tenant_id: Some(TENANT),
        notes: vec!["role assignments\nof inventoried identities".into()],
        objects: vec![
            connection("contoso", "sc-prod", 0xa1, wif(CLIENT)),
            connection("fabrikam", "sc-prod", 0xa2, wif(CLIENT)),
            connection(
                "contoso",
                "sc prod",
                0xa3,
                ConnectionTarget::AzureRm {
                    scheme: "ServicePrincipal".into(),
                    tenant_id: Some(TENANT),
                    client_id: Some(Guid::from_u128(0x77)),
                    scope: AzureRmScope::ManagementGroup { id: "mg-root".into(), name: None },
                    environment: None,
                },
            ),
            connection(
                "contoso",
                "repos",
                0xa4,
                ConnectionTarget::AzureDevOps {
                    scheme: "WorkloadIdentityFederation".into(),
                    tenant_id: None,
                    client_id: Some(CLIENT),
                    url: "https://dev.azure.com/fabrikam/".into(),
                },
            ),
            connection(
                "fabrikam",
                "feed \"${token}\"",
                0xa5,
                ConnectionTarget::Other {
                    endpoint_type: "externalnugetfeed".into(),
                    scheme: "Token".into(),
                    url: Some("https://feed.example/".into()),
                },
            ),
            ExportObject::Application(ExportApplication {
                object_id: APP_OBJECT,
                client_id: CLIENT,
                display_name: "kl-prod-deployer".into(),
                sign_in_audience: Some("AzureADMyOrg".into()),
            }),
            ExportObject::ServicePrincipal(ExportServicePrincipal {
                object_id: SP_OBJECT,
                client_id: CLIENT,
                display_name: "kl-prod-deployer".into(),
            }),
            ExportObject::FederatedCredential(ExportFederatedCredential {
                parent: CredentialParent::Application { object_id: APP_OBJECT },
                id: Some(FIC),
                name: "sc-prod".into(),
                issuer: format!("https://login.microsoftonline.com/{TENANT}/v2.0"),
                subject: "/eid1/c/pub/t/x/a/y/sc/z/a1".into(),
                audiences: vec!["api://AzureADTokenExchange".into()],
                description: None,
            }),
            ExportObject::ManagedIdentity(ExportManagedIdentity {
                resource_id: MI_ID.into(),
                name: "mi-jobs".into(),
                resource_group: "rg-id".into(),
                location: "westeurope".into(),
                client_id: Guid::from_u128(0x88),
            }),
            ExportObject::FederatedCredential(ExportFederatedCredential {
                parent: CredentialParent::ManagedIdentity { resource_id: MI_ID.into() },
                id: None,
                name: "jobs".into(),
                issuer: "https://vstoken.dev.azure.com/org".into(),
                subject: "sc://contoso/Web/jobs".into(),
                audiences: vec!["api://AzureADTokenExchange".into()],
                description: None,
            }),
            ExportObject::RoleAssignment(ExportRoleAssignment {
                id: format!("/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Authorization/roleAssignments/{FIC}"),
                scope: format!("/subscriptions/{SUBSCRIPTION}"),
                role: RoleRef::Name("Reader".into()),
                principal_id: SP_OBJECT,
            }),
            ExportObject::Entitlement(ExportEntitlement {
                organization: "contoso".into(),
                id: Guid::from_u128(0x99),
                origin_id: SP_OBJECT,
                license: Some("basic".into()),
            }),
        ],
    }
}

/// Every `import` block's `to` and `id`, and every resource address, read by a real HCL parser.
fn parsed(text: &str) -> (Vec<(String, String)>, Vec<String>) {
    let body = hcl::parse(text).unwrap_or_else(|error| panic!("not valid HCL: {error}\n{text}"));
    let mut imports = vec![];
    let mut resources = vec![];
    for block in body.blocks() {
        match block.identifier() {
            "import" => {
                let attribute = |key: &str| {
                    let found = block.body().attributes().find(|a| a.key() == key).expect("import attribute");
                    hcl::format::to_string(found.expr()).expect("expression")
                };
                imports.push((attribute("to"), hcl::from_str::<String>(&attribute("id")).unwrap_or(attribute("id"))));
            }
            "resource" => {
                let labels: Vec<&str> = block.labels().iter().map(|l| l.as_str()).collect();
                resources.push(labels.join("."));
            }
            _ => {}
        }
    }
    (imports, resources)
}

fn import_id_of<'a>(imports: &'a [(String, String)], address: &str) -> Option<&'a str> {
    imports.iter().find(|(to, _)| to == address).map(|(_, id)| id.trim_matches('"'))
}

#[test]
fn every_existing_object_is_imported_with_its_providers_id_format() {
    let rendered = render_terraform(&estate());
    let (imports, resources) = parsed(&rendered.text);
    let unique: BTreeSet<&String> = resources.iter().collect();
    assert_eq!(unique.len(), resources.len(), "addresses repeat:\n{}", rendered.text);
    assert_eq!(resources.len(), 12);
    let id = |address: &str| import_id_of(&imports, address).map(str::to_string);
    assert_eq!(id("azuread_application.kl_prod_deployer"), Some(format!("/applications/{APP_OBJECT}")));
    assert_eq!(id("azuread_service_principal.kl_prod_deployer"), Some(format!("/servicePrincipals/{SP_OBJECT}")));
    assert_eq!(
        id("azuread_application_federated_identity_credential.sc_prod"),
        Some(format!("{APP_OBJECT}/federatedIdentityCredential/{FIC}"))
    );
    assert_eq!(id("azurerm_user_assigned_identity.mi_jobs"), Some(MI_ID.to_string()));
    assert_eq!(
        id("azurerm_federated_identity_credential.jobs"),
        Some(format!("{MI_ID}/federatedIdentityCredentials/jobs"))
    );
    // Connections are named in organization, project and name order: "sc prod" sorts first.
    for (address, connection) in [("sc_prod", 0xa3), ("sc_prod_2", 0xa1), ("sc_prod_3", 0xa2)] {
        assert_eq!(
            id(&format!("azuredevops_serviceendpoint_azurerm.{address}")),
            Some(format!("{PROJECT}/{}", Guid::from_u128(connection)))
        );
    }
    assert_eq!(
        id("azuredevops_serviceendpoint_generic_v2.repos"),
        Some(format!("{PROJECT}/{}", Guid::from_u128(0xa4)))
    );
    assert_eq!(id("azuredevops_service_principal_entitlement.contoso"), Some(Guid::from_u128(0x99).to_string()));
    for (to, _) in &imports {
        assert!(resources.contains(to), "{to} is imported but not declared");
    }
    for object in &rendered.objects {
        assert_eq!(import_id_of(&imports, &object.address).map(str::to_string), object.import_id);
    }
}

#[test]
fn several_organizations_get_one_aliased_provider_each_and_resources_use_theirs() {
    let text = render_terraform(&estate()).text;
    assert!(text.contains("alias           = \"contoso\""), "{text}");
    assert!(text.contains("org_service_url = \"https://dev.azure.com/fabrikam\""), "{text}");
    assert!(text.contains("provider = azuredevops.fabrikam"), "{text}");
}

#[test]
fn the_azurerm_provider_names_the_subscription_and_an_empty_features_block() {
    let text = render_terraform(&estate()).text;
    assert!(text.contains("provider \"azurerm\" {\n  features {}\n"), "{text}");
    assert!(text.contains(&format!("subscription_id = \"{SUBSCRIPTION}\"")), "{text}");
}

#[test]
fn one_organization_uses_the_default_provider() {
    let mut set = estate();
    set.organizations.truncate(1);
    set.objects.retain(|o| matches!(o, ExportObject::ServiceConnection(c) if c.organization == "contoso"));
    let text = render_terraform(&set).text;
    assert!(!text.contains("alias"), "{text}");
    assert!(!text.contains("azuread"), "no azuread provider without Entra objects:\n{text}");
    parsed(&text);
}

#[test]
fn exported_children_refer_to_their_exported_parents() {
    let text = render_terraform(&estate()).text;
    assert!(text.contains("application_id = azuread_application.kl_prod_deployer.id"), "{text}");
    assert!(text.contains("client_id = azuread_application.kl_prod_deployer.client_id"), "{text}");
    assert!(text.contains("parent_id           = azurerm_user_assigned_identity.mi_jobs.id"), "{text}");
    assert!(text.contains("principal_id         = azuread_service_principal.kl_prod_deployer.object_id"), "{text}");
}

#[test]
fn secret_based_connections_are_exported_with_a_comment_and_no_secret_argument() {
    let text = render_terraform(&estate()).text;
    assert!(text.contains("the client secret is not exported"), "{text}");
    assert!(text.contains("its Token authorization parameters (token, password or secret) are not exported"), "{text}");
    assert!(!text.contains("serviceprincipalkey ="), "{text}");
    assert!(!text.contains("personal_access_token"), "{text}");
    assert!(text.contains("# Not exported: role assignments of inventoried identities"), "{text}");
}

#[test]
fn a_credential_whose_id_was_not_read_is_declared_without_an_import_block() {
    let mut set = estate();
    for object in &mut set.objects {
        if let ExportObject::FederatedCredential(fic) = object {
            fic.id = None;
        }
    }
    let rendered = render_terraform(&set);
    let (imports, _) = parsed(&rendered.text);
    assert_eq!(import_id_of(&imports, "azuread_application_federated_identity_credential.sc_prod"), None);
    assert!(rendered.text.contains("its credential id could not be read"));
}

#[test]
fn the_same_set_in_another_order_renders_the_same_text() {
    let set = estate();
    let mut reversed = set.clone();
    reversed.objects.reverse();
    assert_eq!(render_terraform(&set).text, render_terraform(&reversed).text);
}

proptest! {
    #[test]
    fn any_display_name_stays_a_plain_string_in_valid_hcl(name in any::<String>()) {
        let mut set = estate();
        if let Some(ExportObject::ServiceConnection(c)) = set.objects.first_mut() {
            c.name = name.clone();
            c.description = Some(name.clone());
        }
        let text = render_terraform(&set).text;
        let body = hcl::parse(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        let value: serde_json::Value = hcl::from_body(body).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let names: Vec<String> = value["resource"]["azuredevops_serviceendpoint_azurerm"]
            .as_object()
            .map(|resources| resources.values().filter_map(|r| r["service_endpoint_name"].as_str().map(str::to_string)).collect())
            .unwrap_or_default();
        prop_assert!(names.contains(&name), "{:?} not read back from\n{}", name, text);
    }

    #[test]
    fn quoted_strings_read_back_as_the_same_text(value in any::<String>()) {
        let parsed: serde_json::Value = hcl::from_str(&format!("v = {}", hcl_string(&value)))
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(parsed["v"].as_str(), Some(value.as_str()));
    }
}
