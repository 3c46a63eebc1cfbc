//! `Microsoft.Authorization/permissions` at a scope: the actions and notActions of every role
//! the signed-in user holds there (inherited ones included). Read-only; preflight matches the
//! actions it needs with `keyless_core::preflight::action_allowed`.

use keyless_core::preflight::ArmPermission;

use super::ArmClient;
use crate::error::AzureError;

/// `permissions` API version.
pub const PERMISSIONS_API: &str = "2022-04-01";

impl ArmClient {
    /// `GET {scope}/providers/Microsoft.Authorization/permissions?api-version=2022-04-01` (all
    /// pages). `scope` is an ARM id such as `/subscriptions/{id}/resourceGroups/{rg}` or a
    /// resource id.
    pub async fn permissions_at(&self, scope: &str) -> Result<Vec<ArmPermission>, AzureError> {
        let mut segments: Vec<&str> = scope.split('/').filter(|s| !s.is_empty()).collect();
        segments.extend(["providers", "Microsoft.Authorization", "permissions"]);
        self.list(self.url(&segments, PERMISSIONS_API)?).await
    }
}
