//! The read-only facts preflight asks for: the tenant's authorization policy, the user's
//! directory roles, ARM permissions at a scope and Azure DevOps permission checks, each for a
//! user who may and one who may not.

use keyless_emulator::minimal_ids;
use reqwest::StatusCode;

use crate::support::*;

const APPLICATION_DEVELOPER: &str = "cf1c38e5-3621-4004-a7cb-879624dced7c";
const COLLECTION_WRITE: &str = "/ado/contoso/_apis/permissions/3e65f728-f8bc-4ecd-8764-7e378b19bfa7/2";

fn rg_permissions() -> String {
    format!(
        "/arm/subscriptions/{}/resourceGroups/rg-web/providers/Microsoft.Authorization/permissions",
        minimal_ids::SUBSCRIPTION
    )
}

fn endpoint_create() -> String {
    format!(
        "/ado/contoso/_apis/permissions/49b48001-ca20-4adc-8111-5b60c903a50c/4?tokens=endpoints/{}&alwaysAllow=true&api-version=7.1",
        minimal_ids::PROJECT
    )
}

#[tokio::test]
async fn authorization_policy_and_directory_roles_follow_the_scenario_user() {
    let em = start(fast_config()).await;
    let tenant = minimal_ids::TENANT.to_string();
    let admin = sign_in(&em).await;
    let developer = sign_in_as(&em, &tenant, Some(minimal_ids::LIMITED_USER_UPN)).await;

    let (status, policy) = get(&em, "/graph/v1.0/policies/authorizationPolicy", &admin.graph).await;
    assert_eq!(status, StatusCode::OK, "{policy}");
    assert_eq!(policy["defaultUserRolePermissions"]["allowedToCreateApps"], false, "Contoso turned it off");

    let roles_path = "/graph/v1.0/me/transitiveMemberOf/microsoft.graph.directoryRole?$select=roleTemplateId";
    let (status, roles) = get(&em, roles_path, &admin.graph).await;
    assert_eq!(status, StatusCode::OK, "{roles}");
    assert_eq!(roles["value"][0]["roleTemplateId"], APPLICATION_DEVELOPER, "{roles}");
    let (_, roles) = get(&em, roles_path, &developer.graph).await;
    assert_eq!(roles["value"].as_array().unwrap().len(), 0, "{roles}");

    let fabrikam = sign_in_as(&em, &minimal_ids::OTHER_TENANT.to_string(), Some("admin@fabrikam.com")).await;
    let (_, policy) = get(&em, "/graph/v1.0/policies/authorizationPolicy", &fabrikam.graph).await;
    assert_eq!(policy["defaultUserRolePermissions"]["allowedToCreateApps"], true);

    let (status, error) = get(&em, "/graph/v1.0/policies/nothing", &admin.graph).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
}

#[tokio::test]
async fn arm_permissions_list_each_role_with_its_not_actions() {
    let em = start(fast_config()).await;
    let admin = sign_in(&em).await;
    let developer = sign_in_as(&em, &minimal_ids::TENANT.to_string(), Some(minimal_ids::LIMITED_USER_UPN)).await;

    let (status, owner) = get(&em, &format!("{}?api-version=2022-04-01", rg_permissions()), &admin.arm).await;
    assert_eq!(status, StatusCode::OK, "{owner}");
    assert_eq!(owner["value"][0]["actions"][0], "*");
    assert_eq!(owner["value"][0]["notActions"].as_array().unwrap().len(), 0);

    let (_, contributor) = get(&em, &format!("{}?api-version=2022-04-01", rg_permissions()), &developer.arm).await;
    let not_actions = contributor["value"][0]["notActions"].as_array().unwrap();
    assert!(not_actions.iter().any(|a| a == "Microsoft.Authorization/*/Write"), "{contributor}");

    let (status, error) = get(&em, &rg_permissions(), &admin.arm).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["error"]["code"], "MissingApiVersionParameter");
    let missing_group = rg_permissions().replace("rg-web", "rg-missing");
    let (status, error) = get(&em, &format!("{missing_group}?api-version=2022-04-01"), &admin.arm).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{error}");
}

#[tokio::test]
async fn devops_permission_checks_tell_collection_admins_and_endpoint_creators() {
    let em = start(fast_config()).await;
    let admin = sign_in(&em).await;
    let developer = sign_in_as(&em, &minimal_ids::TENANT.to_string(), Some(minimal_ids::LIMITED_USER_UPN)).await;

    let collection = format!("{COLLECTION_WRITE}?alwaysAllow=true&api-version=7.1");
    let (status, answer) = get(&em, &collection, &admin.devops).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["value"], serde_json::json!([true]));
    let (_, answer) = get(&em, &collection, &developer.devops).await;
    assert_eq!(answer["value"], serde_json::json!([false]), "a member is not a Project Collection Administrator");

    let (_, answer) = get(&em, &endpoint_create(), &developer.devops).await;
    assert_eq!(answer["value"], serde_json::json!([true]), "a member creates service connections");

    let (status, error) = get(&em, COLLECTION_WRITE, &admin.devops).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    assert_eq!(error["typeKey"], "VssVersionNotSpecifiedException", "{error}");
}
