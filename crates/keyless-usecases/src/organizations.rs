//! Organizations across tenants: every Azure DevOps organization the account reaches, asked
//! tenant by tenant (Azure DevOps lists only the organizations of the token's tenant), all
//! tenants and organizations at once. A tenant or organization that cannot be read is
//! reported beside the others, never dropped and never fatal.

use std::collections::BTreeMap;

use futures::future::join_all;
use keyless_azure::{AzureError, ErrorCode};
use keyless_core::{Guid, names::OrgName};

use crate::Connected;

/// An organization the account belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    /// As in dev.azure.com/{name}.
    pub name: String,
    pub id: Guid,
    /// The Entra tenant the organization is connected to, when it said.
    pub tenant_id: Option<Guid>,
    /// Whether that tenant is the signed-in tenant (identities can only be used there).
    pub tenant_matches_account: bool,
    /// How many projects it has, or why they could not be listed.
    pub projects: Result<usize, LookupFailure>,
}

/// Why one lookup failed, as facts a face words its own way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookupFailure {
    pub code: ErrorCode,
    /// The service's explanation.
    pub message: String,
    pub request_id: Option<String>,
}

impl From<&AzureError> for LookupFailure {
    fn from(error: &AzureError) -> Self {
        LookupFailure {
            code: error.code(),
            message: error.to_string(),
            request_id: error.request_id().map(str::to_string),
        }
    }
}

/// Something that could not be read while discovering organizations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnreadPlace {
    /// A whole tenant's organizations could not be listed; `home` marks the signed-in tenant,
    /// where a failure means organizations are surely missing from the list.
    Tenant { tenant_id: Guid, home: bool, failure: LookupFailure },
    /// One organization was listed but could not be read.
    Organization { name: String, failure: LookupFailure },
}

/// Every organization found, and every place that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Organizations {
    pub organizations: Vec<Organization>,
    pub unread: Vec<UnreadPlace>,
}

/// Discovers the account's organizations in every tenant it can see.
pub async fn discover(connected: &Connected) -> Organizations {
    let home = connected.tenant();
    let mut unread = vec![];
    let mut tenants: Vec<Guid> = match connected.client.arm(Some(home)).tenants().await {
        Ok(list) => list.into_iter().map(|tenant| tenant.tenant_id).collect(),
        Err(error) => {
            // Without the tenant list only the home tenant is asked; say so.
            unread.push(UnreadPlace::Tenant { tenant_id: home, home: true, failure: LookupFailure::from(&error) });
            vec![]
        }
    };
    if !tenants.contains(&home) {
        tenants.insert(0, home);
    }
    let per_tenant = join_all(tenants.iter().map(|tenant| organizations_in_tenant(connected, *tenant))).await;
    let mut found: BTreeMap<String, Guid> = BTreeMap::new();
    for (tenant, result) in tenants.iter().zip(per_tenant) {
        match result {
            Ok(accounts) => {
                for (name, id) in accounts {
                    found.entry(name).or_insert(id);
                }
            }
            Err(error) => unread.push(UnreadPlace::Tenant {
                tenant_id: *tenant,
                home: *tenant == home,
                failure: LookupFailure::from(&error),
            }),
        }
    }
    let described = join_all(found.iter().map(|(name, id)| describe(connected, name, *id))).await;
    let mut organizations = vec![];
    for (name, result) in found.keys().zip(described) {
        match result {
            Ok(organization) => organizations.push(organization),
            Err(failure) => unread.push(UnreadPlace::Organization { name: name.clone(), failure }),
        }
    }
    Organizations { organizations, unread }
}

/// The organizations (name, id) the account belongs to in `tenant`.
async fn organizations_in_tenant(connected: &Connected, tenant: Guid) -> Result<Vec<(String, Guid)>, AzureError> {
    let profile = connected.client.devops_profile(Some(tenant));
    let me = profile.me().await?;
    let accounts = profile.accounts(me.id).await?;
    Ok(accounts.into_iter().map(|account| (account.account_name, account.account_id)).collect())
}

async fn describe(connected: &Connected, name: &str, account_id: Guid) -> Result<Organization, LookupFailure> {
    let org = OrgName::parse(name).map_err(|error| LookupFailure {
        code: ErrorCode::InvalidInput,
        message: error.to_string(),
        request_id: None,
    })?;
    let devops = connected.client.devops(&org).await.map_err(|error| LookupFailure::from(&error))?;
    let data = devops.connection_data().await.map_err(|error| LookupFailure::from(&error))?;
    let tenant_id = data.resource_tenant.or_else(|| devops.tenant());
    let projects = devops.projects().await.map(|projects| projects.len()).map_err(|error| LookupFailure::from(&error));
    Ok(Organization {
        name: name.to_string(),
        id: if data.instance_id.is_nil() { account_id } else { data.instance_id },
        tenant_matches_account: tenant_id == Some(connected.tenant()),
        tenant_id,
        projects,
    })
}
