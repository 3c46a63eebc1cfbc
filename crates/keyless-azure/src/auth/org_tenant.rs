//! Which Entra tenant an Azure DevOps organization is connected to (contract §2.6, §5.3).
//!
//! An unauthenticated `GET {devops}/_apis/connectionData` (no redirects followed) answers with
//! `X-VSS-ResourceTenant` and/or a `WWW-Authenticate: Bearer authorization_uri=...` challenge.
//! The organization's Azure DevOps token must come from that tenant. This module only reads
//! the tenant; fetching the token is the session's job.

use keyless_core::names::OrgName;
use keyless_core::{CloudProfile, Guid};
use url::Url;

use crate::error::{AzureError, Service, ServiceError};
use crate::transport::{ApiRequest, AzureHttp};

/// The connected tenant of an organization; `None` for an MSA-backed organization (the
/// all-zero tenant), which signs in through `organizations`.
pub async fn discover_org_tenant(
    http: &AzureHttp,
    cloud: &CloudProfile,
    org: &OrgName,
) -> Result<Option<Guid>, AzureError> {
    let text = format!("{}/_apis/connectionData", cloud.devops_url(org));
    let url = Url::parse(&text).map_err(|e| {
        AzureError::Input(keyless_core::InputError::new(
            "organization",
            format!("'{org}' gives an invalid URL '{text}': {e}"),
            "check the organization name and the cloud profile's devops template",
        ))
    })?;
    let response = http.send_raw(ApiRequest::get(Service::DevOps, url)).await?;
    let from_challenge = response.header("www-authenticate").and_then(tenant_from_challenge);
    let from_header = response.header("x-vss-resourcetenant").and_then(|value| {
        // The header may list several tenants; the first real one is the connected tenant.
        value.split(',').filter_map(|t| Guid::parse_input("X-VSS-ResourceTenant", t.trim()).ok()).next()
    });
    match from_challenge.or(from_header) {
        Some(tenant) if tenant.is_nil() => Ok(None),
        Some(tenant) => Ok(Some(tenant)),
        None if response.status == 404 => Err(ServiceError {
            service: Service::DevOps,
            method: "GET".into(),
            url: response.url.clone(),
            status: 404,
            code: None,
            inner_code: None,
            message: format!("Azure DevOps organization '{org}' was not found"),
            request_id: response.request_id(),
        }
        .into()),
        None => Err(response.clone().into_success().err().unwrap_or(AzureError::Malformed {
            service: Service::DevOps,
            url: response.url.clone(),
            status: response.status,
            reason: "no X-VSS-ResourceTenant header or Bearer challenge to tell the organization's tenant".into(),
            request_id: response.request_id(),
        })),
    }
}

/// Reads the tenant from `Bearer authorization_uri=https://login.microsoftonline.com/{tenant}`.
fn tenant_from_challenge(header: &str) -> Option<Guid> {
    let start = header.find("authorization_uri=")? + "authorization_uri=".len();
    let value = header[start..].trim_start_matches('"');
    let end = value.find(['"', ',', ' ']).unwrap_or(value.len());
    let uri = Url::parse(&value[..end]).ok()?;
    let segment = uri.path_segments()?.rfind(|s| !s.is_empty())?;
    Guid::parse_input("authorization_uri", segment).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_tenant_from_bearer_challenge() {
        let header = "Bearer authorization_uri=https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47, Basic realm=\"https://tfsprodcus3.visualstudio.com/\"";
        assert_eq!(tenant_from_challenge(header).unwrap().to_string(), "72f988bf-86f1-41af-91ab-2d7cd011db47");
        assert_eq!(tenant_from_challenge("Basic realm=\"x\""), None);
    }
}
