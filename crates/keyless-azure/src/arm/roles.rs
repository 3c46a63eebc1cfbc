//! Azure role assignments (contract §4.4), api-version 2022-04-01:
//! `{scope}/providers/Microsoft.Authorization/roleAssignments/{name}`, and built-in role ids.
//!
//! Assignments always send `principalType: ServicePrincipal` (avoids PrincipalNotFound for new
//! identities) and use a name derived from (scope, principal, role), so repeating an
//! assignment is idempotent; 409 RoleAssignmentExists is reported as
//! [`RoleAssignmentOutcome::AlreadyExists`], not an error.

use keyless_core::{Guid, InputError};
use reqwest::Method;
use serde::{Deserialize, Serialize};

use crate::arm::ArmClient;
use crate::client::odata_quote;
use crate::error::AzureError;

/// Role assignments API version.
pub const ROLE_ASSIGNMENTS_API: &str = "2022-04-01";

/// Built-in role definition ids (the same in every tenant).
pub mod builtin_roles {
    use keyless_core::Guid;

    pub const CONTRIBUTOR: Guid = Guid::from_u128(0xb24988ac_6180_42a0_ab88_20f7382dd24c);
    pub const READER: Guid = Guid::from_u128(0xacdd72a7_3385_48ef_bd42_f606fba81ae7);
    pub const OWNER: Guid = Guid::from_u128(0x8e3af657_a8ff_443c_a75c_2fe8c4bcb635);
    pub const USER_ACCESS_ADMINISTRATOR: Guid = Guid::from_u128(0x18d7d88d_d35e_4fb5_a5c3_7773c20a72d9);
}

/// An ARM scope a role can be assigned at.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct ArmScope(String);

impl ArmScope {
    pub fn subscription(subscription: Guid) -> Self {
        ArmScope(format!("/subscriptions/{subscription}"))
    }

    pub fn resource_group(subscription: Guid, resource_group: &str) -> Result<Self, InputError> {
        keyless_core::names::validate_resource_group_name(resource_group)?;
        Ok(ArmScope(format!("/subscriptions/{subscription}/resourceGroups/{resource_group}")))
    }

    pub fn management_group(name: &str) -> Result<Self, InputError> {
        Self::parse(&format!("/providers/Microsoft.Management/managementGroups/{name}"))
    }

    /// Parses a scope path; refuses anything that is not a subscription, resource group,
    /// resource under one, or management group.
    pub fn parse(value: &str) -> Result<Self, InputError> {
        let trimmed = value.trim().trim_end_matches('/');
        let segments: Vec<&str> = trimmed.split('/').skip(1).collect();
        let bad = || {
            InputError::new(
                "scope",
                format!("'{value}' is not an Azure scope"),
                "use /subscriptions/<id>, /subscriptions/<id>/resourceGroups/<name> or /providers/Microsoft.Management/managementGroups/<name>",
            )
        };
        if !trimmed.starts_with('/') || segments.iter().any(|s| s.is_empty() || s.contains(['?', '#', '\\'])) {
            return Err(bad());
        }
        match segments.as_slice() {
            [first, sub, ..] if first.eq_ignore_ascii_case("subscriptions") => {
                Guid::parse_input("scope subscription", sub)?;
            }
            [providers, namespace, groups, _name]
                if providers.eq_ignore_ascii_case("providers")
                    && namespace.eq_ignore_ascii_case("Microsoft.Management")
                    && groups.eq_ignore_ascii_case("managementGroups") => {}
            _ => return Err(bad()),
        }
        Ok(ArmScope(trimmed.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn segments(&self) -> Vec<&str> {
        self.0.split('/').skip(1).collect()
    }

    /// The role definition id for `role` as assignments at this scope write it.
    pub fn role_definition_id(&self, role: Guid) -> String {
        let segments = self.segments();
        match segments.as_slice() {
            [first, sub, ..] if first.eq_ignore_ascii_case("subscriptions") => {
                format!("/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{role}")
            }
            _ => format!("/providers/Microsoft.Authorization/roleDefinitions/{role}"),
        }
    }
}

impl From<ArmScope> for String {
    fn from(scope: ArmScope) -> String {
        scope.0
    }
}

impl TryFrom<String> for ArmScope {
    type Error = InputError;
    fn try_from(value: String) -> Result<Self, InputError> {
        ArmScope::parse(&value)
    }
}

/// The deterministic assignment name for (scope, principal, role).
/// The planner uses the same function, so plans and writes agree on the name.
pub fn role_assignment_name(scope: &ArmScope, principal: Guid, role: Guid) -> Guid {
    keyless_core::plan::role_assignment_name(scope.as_str(), principal, role)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleAssignmentProperties {
    pub role_definition_id: String,
    pub principal_id: Guid,
    #[serde(default)]
    pub principal_type: Option<String>,
    #[serde(default)]
    pub scope: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleAssignment {
    pub id: String,
    pub name: String,
    pub properties: RoleAssignmentProperties,
}

impl RoleAssignment {
    /// The role definition GUID at the end of `roleDefinitionId`.
    pub fn role(&self) -> Option<Guid> {
        let last = self.properties.role_definition_id.rsplit('/').next()?;
        Guid::parse_input("roleDefinitionId", last).ok()
    }
}

/// What an assignment did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleAssignmentOutcome {
    Created(RoleAssignment),
    /// 409 RoleAssignmentExists: the principal already has this role at this scope.
    AlreadyExists,
}

impl ArmClient {
    fn assignments_url(&self, scope: &ArmScope, name: Option<&str>) -> Result<url::Url, AzureError> {
        let mut segments = scope.segments();
        segments.extend(["providers", "Microsoft.Authorization", "roleAssignments"]);
        segments.extend(name);
        self.url(&segments, ROLE_ASSIGNMENTS_API)
    }

    /// `PUT {scope}/providers/Microsoft.Authorization/roleAssignments/{derived name}` with
    /// `principalType: ServicePrincipal`.
    pub async fn assign_role(
        &self,
        scope: &ArmScope,
        role: Guid,
        principal: Guid,
    ) -> Result<RoleAssignmentOutcome, AzureError> {
        let name = role_assignment_name(scope, principal, role).to_string();
        let body = serde_json::json!({"properties": {
            "roleDefinitionId": scope.role_definition_id(role),
            "principalId": principal,
            "principalType": "ServicePrincipal",
        }});
        match self.endpoint().send_json(Method::PUT, self.assignments_url(scope, Some(&name))?, &body).await {
            Ok(created) => Ok(RoleAssignmentOutcome::Created(created)),
            Err(error) if error.has_code("RoleAssignmentExists") => Ok(RoleAssignmentOutcome::AlreadyExists),
            Err(error) => Err(error),
        }
    }

    /// `GET {scope}/providers/Microsoft.Authorization/roleAssignments?$filter=principalId eq '{id}'`.
    pub async fn role_assignments_for(
        &self,
        scope: &ArmScope,
        principal: Guid,
    ) -> Result<Vec<RoleAssignment>, AzureError> {
        let mut url = self.assignments_url(scope, None)?;
        url.query_pairs_mut()
            .append_pair("$filter", &format!("principalId eq {}", odata_quote(&principal.to_string())));
        self.list(url).await
    }

    /// `DELETE` by the assignment's full id (`.../roleAssignments/{name}`).
    pub async fn delete_role_assignment(&self, assignment_id: &str) -> Result<(), AzureError> {
        let (scope, name) =
            assignment_id.rsplit_once("/providers/Microsoft.Authorization/roleAssignments/").ok_or_else(|| {
                InputError::new(
                    "role assignment",
                    format!("'{assignment_id}' is not a role assignment id"),
                    "pass the id returned by the role assignment listing",
                )
            })?;
        let scope = ArmScope::parse(scope)?;
        self.endpoint().send_empty(Method::DELETE, self.assignments_url(&scope, Some(name))?).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_checked_and_role_ids_follow_the_scope() {
        let sub = Guid::from_u128(7);
        let rg = ArmScope::resource_group(sub, "rg-web").unwrap();
        assert_eq!(rg.as_str(), "/subscriptions/00000000-0000-0000-0000-000000000007/resourceGroups/rg-web");
        assert!(
            rg.role_definition_id(builtin_roles::READER)
                .starts_with("/subscriptions/00000000-0000-0000-0000-000000000007/providers/")
        );
        let mg = ArmScope::management_group("mg-contoso").unwrap();
        assert!(mg.role_definition_id(builtin_roles::READER).starts_with("/providers/Microsoft.Authorization"));
        assert!(ArmScope::parse("/subscriptions/not-a-guid").is_err());
        assert!(ArmScope::parse("subscriptions/x").is_err());
        assert!(ArmScope::parse("/subscriptions/00000000-0000-0000-0000-000000000007/resourceGroups/a?b").is_err());
        let name = role_assignment_name(&rg, Guid::from_u128(1), builtin_roles::READER);
        assert_eq!(name, role_assignment_name(&rg, Guid::from_u128(1), builtin_roles::READER));
    }
}
