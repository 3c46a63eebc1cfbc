//! The session commands: which cloud the app talks to, signing in and out.
//!
//! `session_status`, `choose_cloud`, `sign_in` (with [`SignInEvent`]s on its channel),
//! `cancel_sign_in` and `sign_out`. No token ever crosses this boundary: the webview learns who
//! is signed in, never how.

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

/// `choose_cloud(request)`: switch clouds; the current account is signed out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ChooseCloud {
    /// The built-in demo cloud, started inside the app; `cloud` is ignored.
    pub demo: bool,
    /// When `demo` is false: `public`, `usgov`, `china`, the path of a cloud profile JSON file,
    /// or the URL of an emulator. Absent means `public`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub cloud: Option<String>,
}

/// `sign_in(request, onEvent)`: sign in with one of the three methods.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SignInRequest {
    pub method: SignInMethodView,
    /// A tenant id or domain to sign in to; the account's home tenant when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub tenant: Option<String>,
    /// Keep the refresh token in the OS keyring so the next start signs in silently.
    pub remember: bool,
}

/// How the user signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum SignInMethodView {
    /// The system browser, with PKCE and a loopback redirect.
    Browser,
    /// A code to type at a verification page on any device.
    DeviceCode,
    /// The account of an existing `az login` on this machine.
    AzureCli,
}

/// What a sign-in in progress asks the user to do, streamed on the `sign_in` channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum SignInEvent {
    /// Show the code and the page to type it at.
    #[serde(rename_all = "camelCase")]
    DeviceCode {
        /// e.g. "ABCD-EFGH".
        user_code: String,
        /// e.g. "https://microsoft.com/devicelogin".
        verification_uri: String,
        /// The identity platform's own instructions, as one sentence.
        message: String,
    },
    /// The browser was opened at the sign-in page; say "continue in your browser".
    BrowserOpened {},
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

    #[test]
    fn sign_in_request_accepts_missing_tenant() {
        let request: SignInRequest = serde_json::from_str(r#"{"method":"deviceCode","remember":false}"#).unwrap();
        assert_eq!(request, SignInRequest { method: SignInMethodView::DeviceCode, tenant: None, remember: false });
        let choose: ChooseCloud = serde_json::from_str(r#"{"demo":true}"#).unwrap();
        assert_eq!(choose, ChooseCloud { demo: true, cloud: None });
    }

    #[test]
    fn sign_in_events_are_tagged_by_kind() {
        let code = SignInEvent::DeviceCode {
            user_code: "ABCD".into(),
            verification_uri: "https://microsoft.com/devicelogin".into(),
            message: "Type ABCD".into(),
        };
        assert_eq!(
            serde_json::to_value(&code).unwrap(),
            serde_json::json!({ "kind": "deviceCode", "userCode": "ABCD",
                "verificationUri": "https://microsoft.com/devicelogin", "message": "Type ABCD" })
        );
        assert_eq!(
            serde_json::to_value(SignInEvent::BrowserOpened {}).unwrap(),
            serde_json::json!({ "kind": "browserOpened" })
        );
    }
}
