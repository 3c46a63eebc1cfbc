//! A hand-written tenant and organizations that plan tests start from.

use std::collections::BTreeMap;

use keyless_core::{
    Guid,
    federation::{TOKEN_EXCHANGE_AUDIENCE, entra_issuer, entra_subject},
    names::OrgName,
    observed::*,
    setup::AccessLevel,
};

pub const TENANT: Guid = Guid::from_u128(0x1111_1111_1111_4111_8111_111111111111);
pub const OTHER_TENANT: Guid = Guid::from_u128(0x2222_2222_2222_4222_8222_222222222222);
pub const SUBSCRIPTION: Guid = Guid::from_u128(0x3333_3333_3333_4333_8333_333333333333);
pub const APP_CLIENT: Guid = Guid::from_u128(0x4444_4444_4444_4444_8444_444444444444);
pub const APP_PRINCIPAL: Guid = Guid::from_u128(0x5555_5555_5555_4555_8555_555555555555);

pub fn org(name: &str) -> OrgName {
    OrgName::parse(name).unwrap()
}

fn guid(n: u128) -> Guid {
    Guid::from_u128(0xaaaa_0000_0000_4000_8000_000000000000 + n)
}

fn project(n: u128, name: &str, pipelines: &[&str]) -> ObservedProject {
    ObservedProject {
        id: guid(n),
        name: name.into(),
        pipelines: pipelines
            .iter()
            .enumerate()
            .map(|(i, p)| ObservedPipeline { id: i as u64 + 1, name: (*p).into() })
            .collect(),
    }
}

fn organization(n: u128, tenant: Guid, projects: Vec<ObservedProject>) -> ObservedOrganization {
    ObservedOrganization { id: guid(n), tenant_id: tenant, projects, memberships: BTreeMap::new(), connections: vec![] }
}

/// Three organizations in the tenant, one in another tenant; nothing created yet.
pub fn empty_tenant() -> Observed {
    let mut organizations = BTreeMap::new();
    organizations.insert(
        org("contoso"),
        organization(
            100,
            TENANT,
            vec![
                project(101, "Web", &["web-ci", "web-deploy"]),
                project(102, "Api", &["api-deploy"]),
                project(103, "Shared", &[]),
            ],
        ),
    );
    organizations.insert(
        org("contoso-platform"),
        organization(200, TENANT, vec![project(201, "Templates", &["lint"]), project(202, "Packages", &["publish"])]),
    );
    organizations.insert(org("contoso-data"), organization(300, TENANT, vec![project(301, "Lake", &["ingest"])]));
    organizations.insert(org("fabrikam"), organization(400, OTHER_TENANT, vec![project(401, "Site", &["site"])]));
    Observed {
        tenant_id: TENANT,
        identities: BTreeMap::new(),
        organizations,
        role_assignments: vec![],
        subscription_names: BTreeMap::from([(SUBSCRIPTION, "Contoso Production".to_string())]),
        can_register_apps: true,
    }
}

pub fn app(name: &str, fic_count: usize) -> ObservedIdentity {
    ObservedIdentity {
        kind: IdentityKind::AppRegistration,
        display_name: name.into(),
        client_id: APP_CLIENT,
        object_ref: guid(900).to_string(),
        principal_id: Some(APP_PRINCIPAL),
        tenant_id: TENANT,
        sign_in_audience: Some("AzureADMyOrg".into()),
        location: None,
        fics: (0..fic_count)
            .map(|i| fic(&format!("existing-{i}"), guid(5000 + i as u128), guid(6000 + i as u128)))
            .collect(),
        can_write_fics: true,
    }
}

pub fn fic(name: &str, org_id: Guid, connection_id: Guid) -> ObservedFic {
    ObservedFic {
        name: name.into(),
        issuer: entra_issuer("https://login.microsoftonline.com", TENANT),
        subject: entra_subject("pub", TENANT, org_id, connection_id),
        audiences: vec![TOKEN_EXCHANGE_AUDIENCE.into()],
    }
}

/// A WIF connection as the engine would observe it after a completed run.
pub fn wif_connection(org_id: Guid, id: u128, name: &str, project: &str, endpoint_type: &str) -> ObservedConnection {
    ObservedConnection {
        id: guid(id),
        name: name.into(),
        project: project.into(),
        projects: vec![project.into()],
        endpoint_type: endpoint_type.into(),
        scheme: "WorkloadIdentityFederation".into(),
        client_id: Some(APP_CLIENT),
        issuer: Some(entra_issuer("https://login.microsoftonline.com", TENANT)),
        subject: Some(entra_subject("pub", TENANT, org_id, guid(id))),
        is_ready: true,
        is_draft: false,
        all_pipelines: false,
        authorized_pipelines: vec![],
    }
}

pub fn membership(groups: &[(&str, &[&str])]) -> ObservedMembership {
    ObservedMembership {
        entitlement_id: guid(7000),
        access_level: Some(AccessLevel::Basic),
        project_groups: groups
            .iter()
            .map(|(p, g)| ((*p).to_string(), g.iter().map(|x| (*x).to_string()).collect()))
            .collect(),
    }
}

pub fn id_of(n: u128) -> Guid {
    guid(n)
}
