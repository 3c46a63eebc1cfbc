//! The hosts a cloud profile names, and the check that refuses a request to any other host.
//!
//! A transport confined to a profile ([`crate::AzureHttp::confined_to`]) sends nothing, and
//! so no token, to an origin (scheme, host and port) that the profile does not name as a
//! service Keyless calls: the authority, Graph, Resource Manager and the four Azure DevOps
//! bases. An `{org}` standing in a host matches exactly one DNS label, so an organization
//! name can never move a request to another domain. The issuer host and the service endpoint
//! URL are data written into Azure, never called, so they do not widen the list. This module
//! does not decide which paths are valid on an allowed host.

use keyless_core::CloudProfile;
use url::Url;

/// Stands in for `{org}` while a template is parsed; never a real organization (too long).
const ORG_LABEL: &str = "keyless-organization-placeholder-label-that-no-organization-uses";

/// One origin a profile names; `any_first_label` is true when `{org}` is the host's first label.
#[derive(Debug, Clone, PartialEq, Eq)]
struct AllowedOrigin {
    scheme: String,
    /// Lower case; without the `{org}` label when `any_first_label`.
    host: String,
    port: Option<u16>,
    any_first_label: bool,
}

/// The origins of one cloud profile that Keyless may send requests to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudOrigins {
    cloud: String,
    allowed: Vec<AllowedOrigin>,
}

impl CloudOrigins {
    pub fn of(profile: &CloudProfile) -> Self {
        let bases = [
            &profile.authority_host,
            &profile.graph,
            &profile.resource_manager,
            &profile.devops,
            &profile.devops_vssps,
            &profile.devops_vsaex,
            &profile.devops_profile,
        ];
        let mut allowed: Vec<AllowedOrigin> = Vec::new();
        for base in bases {
            let Ok(url) = Url::parse(&base.replace("{org}", ORG_LABEL)) else { continue };
            let Some(host) = url.host_str().map(str::to_ascii_lowercase) else { continue };
            let (host, any_first_label) = match host.strip_prefix(&format!("{ORG_LABEL}.")) {
                Some(rest) => (rest.to_string(), true),
                None => (host, false),
            };
            let origin = AllowedOrigin {
                scheme: url.scheme().to_string(),
                host,
                port: url.port_or_known_default(),
                any_first_label,
            };
            if !allowed.contains(&origin) {
                allowed.push(origin);
            }
        }
        CloudOrigins { cloud: profile.name.clone(), allowed }
    }

    /// The profile's display name, for error messages.
    pub fn cloud_name(&self) -> &str {
        &self.cloud
    }

    /// Whether `url` is on one of the profile's origins.
    pub fn allows(&self, url: &Url) -> bool {
        let Some(host) = url.host_str().map(str::to_ascii_lowercase) else { return false };
        let port = url.port_or_known_default();
        self.allowed.iter().any(|origin| {
            if origin.scheme != url.scheme() || origin.port != port {
                return false;
            }
            if !origin.any_first_label {
                return origin.host == host;
            }
            host.strip_suffix(&origin.host)
                .and_then(|label| label.strip_suffix('.'))
                .is_some_and(|label| !label.is_empty() && !label.contains('.'))
        })
    }

    /// The allowed origins as text (`https://graph.microsoft.com`, `https://*.visualstudio.com`).
    pub fn describe(&self) -> Vec<String> {
        self.allowed
            .iter()
            .map(|origin| {
                let host = if origin.any_first_label { format!("*.{}", origin.host) } else { origin.host.clone() };
                let default_port = match origin.scheme.as_str() {
                    "https" => Some(443),
                    "http" => Some(80),
                    _ => None,
                };
                match origin.port.filter(|port| Some(*port) != default_port) {
                    Some(port) => format!("{}://{host}:{port}", origin.scheme),
                    None => format!("{}://{host}", origin.scheme),
                }
            })
            .collect()
    }
}
