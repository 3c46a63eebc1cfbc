//! Azure DevOps under `/ado/{org}`, `/vssps/{org}`, `/vsaex/{org}` and `/app-vssps`: the
//! protocol every Azure DevOps endpoint shares (bearer auth from the organization's tenant,
//! the 203 sign-in page vs. 401 with `X-TFS-FedAuthRedirect: Suppress`, `X-VSS-ResourceTenant`
//! and activity ids on every response, api-version rules, WrappedException errors) and the
//! dispatch to each area.
//!
//! PATs, basic auth and OAuth apps are not accepted; only Entra bearer tokens are.

mod core;
mod definitions;
mod endpoints;
mod entitlements;
mod identities;
mod permissions;
mod pipelines;
mod test_connection;
mod versions;

use std::sync::Arc;

use axum::{
    extract::{Request, State},
    http::StatusCode,
    response::Response,
};
use serde_json::json;

use crate::{
    http::{self, Call},
    scenario::DevOpsAccess,
    state::{Emulator, Organization, User},
    tokens::{AccessToken, Resource},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host {
    /// dev.azure.com/{org}
    Core,
    /// vssps.dev.azure.com/{org}
    Vssps,
    /// vsaex.dev.azure.com/{org}
    Vsaex,
    /// app.vssps.visualstudio.com
    Profile,
}

pub async fn handle_ado(State(em): State<Arc<Emulator>>, req: Request) -> Response {
    handle(em, req, Host::Core).await
}
pub async fn handle_vssps(State(em): State<Arc<Emulator>>, req: Request) -> Response {
    handle(em, req, Host::Vssps).await
}
pub async fn handle_vsaex(State(em): State<Arc<Emulator>>, req: Request) -> Response {
    handle(em, req, Host::Vsaex).await
}
pub async fn handle_profile(State(em): State<Arc<Emulator>>, req: Request) -> Response {
    handle(em, req, Host::Profile).await
}

/// The authenticated user and, for organization hosts, the organization.
#[derive(Debug, Clone)]
pub struct Caller {
    pub token: AccessToken,
    pub user: User,
    pub org: Option<Organization>,
    pub access: Option<DevOpsAccess>,
}

impl Caller {
    pub fn org(&self) -> &Organization {
        self.org.as_ref().expect("organization hosts always resolve an organization")
    }
    pub fn is_admin(&self) -> bool {
        self.access == Some(DevOpsAccess::Admin)
    }
}

async fn handle(em: Arc<Emulator>, req: Request, host: Host) -> Response {
    let prefix = match host {
        Host::Core => "/ado",
        Host::Vssps => "/vssps",
        Host::Vsaex => "/vsaex",
        Host::Profile => "/app-vssps",
    };
    let call = Call::read(req, prefix).await;
    let activity = em.request_id().to_string();
    let mut response = respond(&em, &call, host).await;
    http::set_header(&mut response, "activityid", &activity);
    http::set_header(&mut response, "x-tfs-session", &activity);
    http::set_header(&mut response, "x-vss-e2eid", &activity);
    response
}

async fn respond(em: &Emulator, call: &Call, host: Host) -> Response {
    let org = if host == Host::Profile {
        None
    } else {
        let name = call.seg(0).unwrap_or_default();
        match em.world().organization(name).cloned() {
            Some(o) => Some(o),
            None => {
                return wrapped_error(
                    StatusCode::NOT_FOUND,
                    &crate::assumptions::unknown_org_message(name),
                    "AccountNotFoundException",
                );
            }
        }
    };
    let mut response = match authenticate(em, call, org.clone()) {
        Ok(caller) => route(em, call, host, &caller).await,
        Err(()) => unauthenticated(em, call, org.as_ref()),
    };
    if let Some(o) = &org {
        http::set_header(&mut response, "x-vss-resourcetenant", &o.tenant.to_string());
    }
    response
}

fn authenticate(em: &Emulator, call: &Call, org: Option<Organization>) -> Result<Caller, ()> {
    let w = em.world();
    let token = w.auth.check(call.bearer(), Resource::DevOps, em.now()).map_err(|_| ())?;
    let user = w.user(token.user).cloned().ok_or(())?;
    let access = match &org {
        Some(o) => {
            if token.tenant != o.tenant {
                return Err(());
            }
            Some(*user.devops.iter().find(|(k, _)| k.eq_ignore_ascii_case(&o.name)).map(|(_, a)| a).ok_or(())?)
        }
        None => None,
    };
    Ok(Caller { token, user, org, access })
}

/// Without `X-TFS-FedAuthRedirect: Suppress` Azure DevOps answers 203 with a sign-in page;
/// with it, 401. Both carry the tenant challenge.
fn unauthenticated(em: &Emulator, call: &Call, org: Option<&Organization>) -> Response {
    let suppress = call.header("x-tfs-fedauthredirect").is_some_and(|v| v.eq_ignore_ascii_case("suppress"));
    let tenant = org.map(|o| o.tenant.to_string()).unwrap_or_else(|| "organizations".into());
    let mut r = if suppress {
        let message = match call.bearer() {
            None => {
                "TF400813: Resource not available for anonymous access. Client authentication required.".to_string()
            }
            Some(_) => "TF400813: The user '' is not authorized to access this resource.".to_string(),
        };
        wrapped_error(StatusCode::UNAUTHORIZED, &message, "UnauthorizedRequestException")
    } else {
        http::html(
            StatusCode::NON_AUTHORITATIVE_INFORMATION,
            "<!DOCTYPE html><html><head><title>Azure DevOps Services | Sign In</title></head><body><h1>Sign in to your account</h1><p>Redirecting to Microsoft Entra ID...</p></body></html>".into(),
        )
    };
    let realm = match org {
        Some(o) => format!("{}/ado/{}/", em.base_url, o.name),
        None => format!("{}/app-vssps/", em.base_url),
    };
    let challenge =
        format!("Bearer authorization_uri={}/login/{tenant}, Basic realm=\"{realm}\", TFS-Federated", em.base_url);
    http::set_header(&mut r, "www-authenticate", &challenge);
    http::set_header(&mut r, "x-tfs-fedauthrealm", &realm);
    http::set_header(&mut r, "x-tfs-fedauthissuer", &realm);
    http::set_header(&mut r, "x-vss-authorizationendpoint", &format!("{}/vssps/", em.base_url));
    r
}

/// The WrappedException body Azure DevOps uses for every error.
pub fn wrapped_error(status: StatusCode, message: &str, type_key: &str) -> Response {
    http::json(
        status,
        &json!({
            "$id": "1",
            "innerException": null,
            "message": message,
            "typeName": format!("Microsoft.VisualStudio.Services.WebApi.{type_key}, Microsoft.VisualStudio.Services.WebApi"),
            "typeKey": type_key,
            "errorCode": 0,
            "eventId": 3000,
        }),
    )
}

pub fn not_found_route(call: &Call) -> Response {
    wrapped_error(
        StatusCode::NOT_FOUND,
        &format!("The controller for path '{}' was not found or does not implement IController.", call.path),
        "HttpException",
    )
}

async fn route(em: &Emulator, call: &Call, host: Host, caller: &Caller) -> Response {
    let segs = call.lower_from(if host == Host::Profile { 0 } else { 1 });
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    match host {
        Host::Profile => core::route_profile(em, call, caller, &s),
        Host::Vsaex => entitlements::route(em, call, caller, &s),
        Host::Vssps => identities::route(em, call, caller, &s),
        Host::Core => {
            if s.is_empty() {
                // The organization's home page; GCM probes it with HEAD for the tenant header.
                return http::html(StatusCode::OK, format!("<!DOCTYPE html><title>{}</title>", caller.org().name));
            }
            if s.first() == Some(&"_apis") {
                return match s.get(1).copied() {
                    Some("serviceendpoint") => endpoints::route_org(em, call, caller, &s),
                    Some("permissions") => permissions::route(em, call, caller, &s),
                    _ => core::route_org(em, call, caller, &s),
                };
            }
            // {project}/_apis/...
            let project = call.seg(1).unwrap_or_default().to_string();
            match (s.get(1).copied(), s.get(2).copied()) {
                (Some("_apis"), Some("serviceendpoint")) if s.get(3) == Some(&"endpointproxy") => {
                    test_connection::route(em, call, caller, &project)
                }
                (Some("_apis"), Some("serviceendpoint")) => {
                    endpoints::route_project(em, call, caller, &project, &s[1..])
                }
                (Some("_apis"), Some("pipelines")) | (Some("_apis"), Some("git")) | (Some("_apis"), Some("build")) => {
                    pipelines::route(em, call, caller, &project, &s[1..])
                }
                _ => not_found_route(call),
            }
        }
    }
}
