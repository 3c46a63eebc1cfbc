//! Cloud profiles: one value that names every base URL Keyless talks to.
//!
//! A profile is pure data. Loading one from a file or an emulator URL is IO and lives in
//! `keyless-azure`; the JSON format is documented in README.md ("Cloud profiles").

use serde::{Deserialize, Serialize};

use crate::{Guid, InputError, federation::AZURE_DEVOPS_APP_ID};

/// How well a cloud supports workload identity federation for Azure DevOps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "level", content = "note")]
pub enum WifSupport {
    Full,
    /// Supported with caveats the UI and CLI show before any change.
    Limited(String),
}

/// Every base URL and constant Keyless needs for one cloud.
///
/// Azure DevOps hosts are templates with `{org}` standing for the organization name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CloudProfile {
    /// Short name shown in the header, e.g. "AzureCloud" or "Demo".
    pub name: String,
    /// Entra login host: `{authority_host}/{tenant}/oauth2/v2.0/token`.
    pub authority_host: String,
    /// Host that appears in Entra issuers: `{issuer_host}/{tenant}/v2.0`.
    pub issuer_host: String,
    /// Microsoft Graph base without version, e.g. `https://graph.microsoft.com`.
    pub graph: String,
    /// Azure Resource Manager base, e.g. `https://management.azure.com`.
    pub resource_manager: String,
    /// `https://dev.azure.com/{org}`: core, service endpoints, pipelines.
    pub devops: String,
    /// `https://vssps.dev.azure.com/{org}`: Azure DevOps Graph and identities.
    pub devops_vssps: String,
    /// `https://vsaex.dev.azure.com/{org}`: entitlements.
    pub devops_vsaex: String,
    /// `https://app.vssps.visualstudio.com`: profile and accounts, no organization.
    pub devops_profile: String,
    /// The Azure DevOps resource (application) id used in token scopes.
    pub devops_resource_id: Guid,
    /// `data.environment` of azurerm service connections ("AzureCloud", ...).
    pub service_endpoint_environment: String,
    /// `url` of azurerm service connections, with its trailing slash.
    pub service_endpoint_url: String,
    /// The `c/{code}` segment of Entra-issuer subjects.
    pub cloud_code: String,
    pub wif_support: WifSupport,
    /// True for the built-in demo cloud, so every screen can mark it unmistakably.
    #[serde(default)]
    pub is_emulator: bool,
}

/// The names `--cloud` / `KEYLESS_CLOUD` accept besides a file path or an emulator URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloudName {
    Public,
    UsGovernment,
    China,
}

impl CloudName {
    pub const ALL: [(&'static str, CloudName); 3] =
        [("public", CloudName::Public), ("usgov", CloudName::UsGovernment), ("china", CloudName::China)];

    pub fn parse(value: &str) -> Result<Self, InputError> {
        let lower = value.trim().to_ascii_lowercase();
        let alias = match lower.as_str() {
            "public" | "azurecloud" | "azure" => Some(CloudName::Public),
            "usgov" | "azureusgovernment" | "usgovernment" => Some(CloudName::UsGovernment),
            "china" | "azurechinacloud" => Some(CloudName::China),
            _ => None,
        };
        alias.ok_or_else(|| {
            InputError::new(
                "cloud",
                format!("'{value}' is not a known cloud"),
                "use public, usgov or china, a path to a cloud profile JSON file, or an emulator URL such as http://127.0.0.1:7780",
            )
        })
    }

    pub fn profile(self) -> CloudProfile {
        match self {
            CloudName::Public => CloudProfile {
                name: "AzureCloud".into(),
                authority_host: "https://login.microsoftonline.com".into(),
                issuer_host: "https://login.microsoftonline.com".into(),
                graph: "https://graph.microsoft.com".into(),
                resource_manager: "https://management.azure.com".into(),
                devops: "https://dev.azure.com/{org}".into(),
                devops_vssps: "https://vssps.dev.azure.com/{org}".into(),
                devops_vsaex: "https://vsaex.dev.azure.com/{org}".into(),
                devops_profile: "https://app.vssps.visualstudio.com".into(),
                devops_resource_id: AZURE_DEVOPS_APP_ID,
                service_endpoint_environment: "AzureCloud".into(),
                service_endpoint_url: "https://management.azure.com/".into(),
                cloud_code: "pub".into(),
                wif_support: WifSupport::Full,
                is_emulator: false,
            },
            CloudName::UsGovernment => CloudProfile {
                name: "AzureUSGovernment".into(),
                authority_host: "https://login.microsoftonline.us".into(),
                issuer_host: "https://login.microsoftonline.us".into(),
                graph: "https://graph.microsoft.us".into(),
                resource_manager: "https://management.usgovcloudapi.net".into(),
                service_endpoint_environment: "AzureUSGovernment".into(),
                service_endpoint_url: "https://management.usgovcloudapi.net/".into(),
                cloud_code: "usgov".into(),
                wif_support: WifSupport::Limited(
                    "Azure DevOps keeps the Azure DevOps issuer for Azure US Government connections; Entra-issuer subjects are not used there.".into(),
                ),
                ..CloudName::Public.profile()
            },
            CloudName::China => CloudProfile {
                name: "AzureChinaCloud".into(),
                authority_host: "https://login.chinacloudapi.cn".into(),
                issuer_host: "https://login.chinacloudapi.cn".into(),
                graph: "https://microsoftgraph.chinacloudapi.cn".into(),
                resource_manager: "https://management.chinacloudapi.cn".into(),
                service_endpoint_environment: "AzureChinaCloud".into(),
                service_endpoint_url: "https://management.chinacloudapi.cn/".into(),
                cloud_code: "china".into(),
                wif_support: WifSupport::Limited(
                    "Workload identity federation is limited in Azure operated by 21Vianet: connections keep the Azure DevOps issuer and some cross-cloud token exchanges fail with AADSTS900382.".into(),
                ),
                ..CloudName::Public.profile()
            },
        }
    }
}

/// What makes two profiles the same cloud: the authority that issues its tokens and the host
/// of its Azure DevOps. A profile's `name` is chosen by whoever wrote it (two clouds may both
/// call themselves "AzureCloud"), so runs, remembered sign-ins and resumes are keyed by this.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CloudIdentity {
    /// Scheme, host and port of `authority_host`, lower case, e.g. `https://login.microsoftonline.com`.
    pub authority: String,
    /// Scheme, host and port of the Azure DevOps template, e.g. `https://dev.azure.com`.
    pub devops: String,
}

impl std::fmt::Display for CloudIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} + {}", self.authority, self.devops)
    }
}

/// `scheme://host[:port]` of a URL (or template), lower case; the text itself when it does not parse.
fn origin_of(url: &str) -> String {
    match url::Url::parse(&url.replace("{org}", "org")) {
        Ok(parsed) => parsed.origin().ascii_serialization().to_ascii_lowercase(),
        Err(_) => url.trim().to_ascii_lowercase(),
    }
}

/// True for 127.0.0.1 (any 127.x address), ::1 and `localhost`.
fn is_loopback_host(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

impl CloudProfile {
    /// A profile whose every service lives under one emulator base URL, with the same paths
    /// the emulator serves at `/.well-known/keyless-cloud.json`.
    pub fn for_emulator(base: &str) -> Self {
        let base = base.trim_end_matches('/');
        CloudProfile {
            name: "Demo".into(),
            authority_host: format!("{base}/login"),
            issuer_host: "https://login.microsoftonline.com".into(),
            graph: format!("{base}/graph"),
            resource_manager: format!("{base}/arm"),
            devops: format!("{base}/ado/{{org}}"),
            devops_vssps: format!("{base}/vssps/{{org}}"),
            devops_vsaex: format!("{base}/vsaex/{{org}}"),
            devops_profile: format!("{base}/app-vssps"),
            devops_resource_id: AZURE_DEVOPS_APP_ID,
            service_endpoint_environment: "AzureCloud".into(),
            service_endpoint_url: "https://management.azure.com/".into(),
            cloud_code: "pub".into(),
            wif_support: WifSupport::Full,
            is_emulator: true,
        }
    }

    /// The identity of this cloud (authority and Azure DevOps origins), see [`CloudIdentity`].
    pub fn identity(&self) -> CloudIdentity {
        CloudIdentity { authority: origin_of(&self.authority_host), devops: origin_of(&self.devops) }
    }

    pub fn devops_url(&self, org: &crate::names::OrgName) -> String {
        self.devops.replace("{org}", org.as_str())
    }
    pub fn vssps_url(&self, org: &crate::names::OrgName) -> String {
        self.devops_vssps.replace("{org}", org.as_str())
    }
    pub fn vsaex_url(&self, org: &crate::names::OrgName) -> String {
        self.devops_vsaex.replace("{org}", org.as_str())
    }

    /// `.default` scope strings, one resource each (Entra refuses two resources in one request).
    pub fn graph_scope(&self) -> String {
        format!("{}/.default", self.graph.trim_end_matches('/'))
    }
    pub fn arm_scope(&self) -> String {
        format!("{}/.default", self.resource_manager.trim_end_matches('/'))
    }
    pub fn devops_scope(&self) -> String {
        format!("{}/.default", self.devops_resource_id)
    }

    /// Checks that every URL parses, uses https (plain http only for a loopback emulator) and
    /// that every Azure DevOps template holds `{org}`.
    pub fn validate(&self) -> Result<(), InputError> {
        let urls = [
            ("authorityHost", &self.authority_host),
            ("issuerHost", &self.issuer_host),
            ("graph", &self.graph),
            ("resourceManager", &self.resource_manager),
            ("devops", &self.devops),
            ("devopsVssps", &self.devops_vssps),
            ("devopsVsaex", &self.devops_vsaex),
            ("devopsProfile", &self.devops_profile),
            ("serviceEndpointUrl", &self.service_endpoint_url),
        ];
        for (field, value) in urls {
            let parsed = url::Url::parse(&value.replace("{org}", "org"));
            let scheme = parsed.as_ref().map(|u| u.scheme());
            if !matches!(scheme, Ok("https") | Ok("http")) {
                return Err(InputError::new(
                    "cloud profile",
                    format!("{field} '{value}' is not an http(s) URL"),
                    "fix the cloud profile JSON (see README, Cloud profiles)",
                ));
            }
            // Tokens and refresh tokens travel to these URLs: plain http is only safe when the
            // traffic never leaves this machine (the emulator on 127.0.0.1).
            let on_this_machine = parsed.as_ref().is_ok_and(is_loopback_host);
            if scheme == Ok("http") && !on_this_machine {
                return Err(InputError::new(
                    "cloud profile",
                    format!(
                        "{field} '{value}' uses plain http to another machine, where tokens could be read on the way"
                    ),
                    "use an https URL; plain http is accepted only for 127.0.0.1, ::1 or localhost (the emulator)",
                ));
            }
        }
        for (field, value) in
            [("devops", &self.devops), ("devopsVssps", &self.devops_vssps), ("devopsVsaex", &self.devops_vsaex)]
        {
            if !value.contains("{org}") {
                return Err(InputError::new(
                    "cloud profile",
                    format!("{field} '{value}' has no {{org}} placeholder"),
                    "write the organization's place as {org}, e.g. https://dev.azure.com/{org}",
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_profiles_are_valid_and_round_trip() {
        for (_, name) in CloudName::ALL {
            let profile = name.profile();
            profile.validate().unwrap();
            let json = serde_json::to_string(&profile).unwrap();
            assert_eq!(serde_json::from_str::<CloudProfile>(&json).unwrap(), profile);
        }
        CloudProfile::for_emulator("http://127.0.0.1:1234/").validate().unwrap();
    }

    #[test]
    fn unknown_cloud_is_refused_with_choices() {
        let err = CloudName::parse("mars").unwrap_err();
        assert_eq!(err.to_string(), "cloud: 'mars' is not a known cloud");
        assert!(err.help.contains("public, usgov or china"));
        assert_eq!(CloudName::parse("AzureCloud").unwrap(), CloudName::Public);
    }

    #[test]
    fn scopes_name_one_resource_each() {
        let p = CloudName::Public.profile();
        assert_eq!(p.graph_scope(), "https://graph.microsoft.com/.default");
        assert_eq!(p.arm_scope(), "https://management.azure.com/.default");
        assert_eq!(p.devops_scope(), "499b84ac-1321-427f-aa17-267ca6975798/.default");
        let org = crate::names::OrgName::parse("contoso").unwrap();
        assert_eq!(p.vsaex_url(&org), "https://vsaex.dev.azure.com/contoso");
    }

    #[test]
    fn identity_ignores_the_self_chosen_name_and_paths() {
        let public = CloudName::Public.profile();
        let mut renamed = public.clone();
        renamed.name = "Mine".into();
        assert_eq!(renamed.identity(), public.identity());
        assert_eq!(public.identity().authority, "https://login.microsoftonline.com");
        assert_eq!(public.identity().devops, "https://dev.azure.com");
        let mut impostor = public.clone();
        impostor.authority_host = "https://login.example.net".into();
        assert_ne!(impostor.identity(), public.identity());
        let emulator = CloudProfile::for_emulator("http://127.0.0.1:7780");
        assert_eq!(emulator.identity().authority, "http://127.0.0.1:7780");
        assert_ne!(CloudProfile::for_emulator("http://127.0.0.1:7781").identity(), emulator.identity());
    }

    #[test]
    fn plain_http_is_refused_except_on_loopback() {
        let mut remote = CloudName::Public.profile();
        remote.authority_host = "http://login.example.net".into();
        let error = remote.validate().unwrap_err();
        assert!(error.problem.contains("authorityHost"), "{}", error.problem);
        assert!(error.help.contains("https"), "{}", error.help);
        let mut graph = CloudName::Public.profile();
        graph.graph = "http://10.0.0.5:8080".into();
        assert!(graph.validate().unwrap_err().problem.contains("graph"));
        for base in ["http://127.0.0.1:7780", "http://[::1]:7780", "http://localhost:7780"] {
            CloudProfile::for_emulator(base).validate().unwrap_or_else(|e| panic!("{base}: {e}"));
        }
    }

    #[test]
    fn profile_without_org_placeholder_is_refused() {
        let mut p = CloudName::Public.profile();
        p.devops = "https://dev.azure.com".into();
        assert!(p.validate().unwrap_err().problem.contains("{org}"));
    }
}
