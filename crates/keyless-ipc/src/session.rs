//! `session_status`: which cloud the app talks to and who is signed in.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What the header shows: the cloud and the signed-in account, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SessionStatus {
    pub cloud: CloudView,
    /// `null` while nobody is signed in.
    pub account: Option<AccountView>,
}

/// The cloud Keyless talks to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CloudView {
    /// Short name shown in the header, e.g. "AzureCloud" or "Demo".
    pub name: String,
    /// True for the built-in demo cloud, which changes nothing in Azure; the UI marks it
    /// unmistakably on every screen.
    pub is_demo: bool,
}

/// The signed-in Entra account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AccountView {
    /// e.g. "ada@contoso.com".
    pub user_principal_name: String,
    /// e.g. "Ada Lovelace".
    pub display_name: String,
    /// The Entra tenant the account signed in to, as a lowercase GUID.
    pub tenant_id: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_status_is_camel_case_with_explicit_null_account() {
        let status = SessionStatus { cloud: CloudView { name: "Demo".into(), is_demo: true }, account: None };
        assert_eq!(
            serde_json::to_value(&status).unwrap(),
            serde_json::json!({ "cloud": { "name": "Demo", "isDemo": true }, "account": null })
        );
    }

    #[test]
    fn account_fields_are_camel_case() {
        let account = AccountView {
            user_principal_name: "ada@contoso.com".into(),
            display_name: "Ada Lovelace".into(),
            tenant_id: "72f988bf-86f1-41af-91ab-2d7cd011db47".into(),
        };
        assert_eq!(
            serde_json::to_value(&account).unwrap(),
            serde_json::json!({
                "userPrincipalName": "ada@contoso.com",
                "displayName": "Ada Lovelace",
                "tenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47"
            })
        );
    }
}
