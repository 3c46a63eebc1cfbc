//! The inventory's identity lookups: each (tenant, client id) looked up once however many
//! connections share it, the first connection that names it starting the lookup and the
//! others awaiting the same answer, so an identity is read as soon as its first connection is
//! listed instead of after every organization is read. Each lookup is a task of its own: its
//! reads are the deepest chain of the inventory, and as a task they go on while the
//! inventory's own task is busy sending a thousand detail reads. A tenant's managed
//! identities are listed once, in the background from its first lookup on (the signed-in
//! tenant's from the start), so an app registration never waits for that list and a managed
//! identity finds it ready.

use std::{collections::BTreeMap, sync::Mutex};

use futures::{
    FutureExt,
    future::{BoxFuture, Shared},
};
use keyless_azure::{
    AzureError, ErrorCode,
    arm::{ArmClient, ManagedIdentity},
    graph::{AppRef, Application, GraphClient},
};
use keyless_core::{
    Guid,
    inventory::{InventoryIdentity, Orphan},
    observed::IdentityKind,
};
use tokio::task::AbortHandle;

use crate::{Connected, LookupFailure};

/// What was found for one (tenant, client id): the identity and its federated credentials
/// (issuer, subject, audiences) when they could be read.
#[derive(Debug, Clone)]
pub(super) struct FoundIdentity {
    pub identity: InventoryIdentity,
    pub credentials: Option<Vec<(String, String, Vec<String>)>>,
}

pub(super) type IdentityLookup = Result<FoundIdentity, LookupFailure>;

/// A tenant's managed identities, `None` when they could not be listed.
type ManagedIdentities = Option<Vec<ManagedIdentity>>;

/// The answer of a task of its own, shared by everyone who awaits it.
type SharedTask<T> = Shared<BoxFuture<'static, T>>;

/// One lookup per (tenant, client id), its answer shared by every connection that names it.
pub(super) type SharedLookup = SharedTask<IdentityLookup>;

/// Every lookup and listing of one inventory, each started once. Dropping it (an inventory
/// dropped half-way) stops those still running.
pub(super) struct IdentityLookups {
    connected: Connected,
    identities: Mutex<BTreeMap<(Guid, Guid), SharedLookup>>,
    managed: Mutex<BTreeMap<Guid, SharedTask<ManagedIdentities>>>,
    running: Mutex<Vec<AbortHandle>>,
}

impl Drop for IdentityLookups {
    fn drop(&mut self) {
        for task in self.running.get_mut().unwrap_or_else(|p| p.into_inner()).drain(..) {
            task.abort();
        }
    }
}

impl IdentityLookups {
    pub fn new(connected: &Connected) -> Self {
        IdentityLookups {
            connected: connected.clone(),
            identities: Mutex::default(),
            managed: Mutex::default(),
            running: Mutex::default(),
        }
    }

    /// Starts `work` as a task of its own now; stopped (the inventory dropped) it answers
    /// `stopped`, and a panic in it is raised again where it is awaited.
    fn spawn_shared<T>(&self, work: impl Future<Output = T> + Send + 'static, stopped: T) -> SharedTask<T>
    where
        T: Clone + Send + Sync + 'static,
    {
        let task = tokio::spawn(work);
        self.running.lock().unwrap_or_else(|p| p.into_inner()).push(task.abort_handle());
        async move {
            match task.await {
                Ok(answer) => answer,
                Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
                Err(_) => stopped,
            }
        }
        .boxed()
        .shared()
    }

    /// The identity `client_id` of `tenant`: the first call starts its lookup at once (it
    /// does not wait to be awaited), and every call gets the same answer.
    pub fn look_up(&self, tenant: Guid, client_id: Guid) -> SharedLookup {
        let mut identities = self.identities.lock().unwrap_or_else(|p| p.into_inner());
        identities
            .entry((tenant, client_id))
            .or_insert_with(|| {
                let (connected, managed) = (self.connected.clone(), self.managed_listing(tenant));
                let lookup = async move {
                    look_up_identity(&connected, managed, tenant, client_id)
                        .await
                        .map_err(|error| LookupFailure::from(&error))
                };
                let stopped = LookupFailure {
                    code: ErrorCode::Cancelled,
                    message: "the identity lookup was stopped".into(),
                    request_id: None,
                };
                self.spawn_shared(lookup, Err(stopped))
            })
            .clone()
    }

    /// Starts listing `tenant`'s managed identities now, ahead of any lookup that needs them.
    pub fn start_managed_listing(&self, tenant: Guid) {
        // The task runs whether or not its answer is awaited here.
        let _started = self.managed_listing(tenant);
    }

    /// Waits for the listings no lookup needed, so the inventory's requests are all answered
    /// when it returns.
    pub async fn finish(&self) {
        let listings: Vec<SharedTask<ManagedIdentities>> =
            self.managed.lock().unwrap_or_else(|p| p.into_inner()).values().cloned().collect();
        futures::future::join_all(listings).await;
    }

    /// The listing of `tenant`'s managed identities, started on first use.
    fn managed_listing(&self, tenant: Guid) -> SharedTask<ManagedIdentities> {
        let mut managed = self.managed.lock().unwrap_or_else(|p| p.into_inner());
        managed
            .entry(tenant)
            .or_insert_with(|| {
                let arm = self.connected.client.arm(Some(tenant));
                let listing = async move {
                    match managed_identities(&arm).await {
                        Ok(found) => Some(found),
                        // Without the list, the service principal still says what the identity is.
                        Err(error) => {
                            tracing::debug!(%tenant, %error, "managed identities could not be listed");
                            None
                        }
                    }
                };
                self.spawn_shared(listing, None)
            })
            .clone()
    }
}

/// Every user-assigned managed identity in the subscriptions of `tenant` the user can see.
async fn managed_identities(arm: &ArmClient) -> Result<Vec<ManagedIdentity>, AzureError> {
    let subscriptions = arm.subscriptions().await?;
    let listed =
        futures::future::join_all(subscriptions.iter().map(|s| arm.list_managed_identities(s.subscription_id, None)))
            .await;
    let mut all = vec![];
    for result in listed {
        all.extend(result?);
    }
    Ok(all)
}

/// An app registration, else a managed identity, else what its service principal says.
async fn look_up_identity(
    connected: &Connected,
    managed: SharedTask<ManagedIdentities>,
    tenant: Guid,
    client_id: Guid,
) -> Result<FoundIdentity, AzureError> {
    let graph = connected.client.graph(Some(tenant));
    if let Some(app) = graph.application_by_app_id(client_id).await? {
        return app_registration(connected, &graph, tenant, app).await;
    }
    if let Some(mi) = managed.await.iter().flatten().find(|m| m.properties.client_id == client_id) {
        return managed_identity(connected, tenant, mi).await;
    }
    let mut identity = InventoryIdentity::unknown(client_id, Some(tenant));
    match graph.service_principal_by_app_id(client_id).await? {
        Some(principal) => {
            let is_managed = principal.service_principal_type.as_deref() == Some("ManagedIdentity");
            identity.kind =
                Some(if is_managed { IdentityKind::ManagedIdentity } else { IdentityKind::AppRegistration });
            identity.display_name = principal.display_name;
            // An app's principal without an app here: the app is registered in another tenant.
            identity.multitenant = (!is_managed).then(|| principal.app_owner_organization_id != Some(tenant));
        }
        None => identity.orphan = Some(Orphan::IdentityGone),
    }
    Ok(FoundIdentity { identity, credentials: None })
}

async fn app_registration(
    connected: &Connected,
    graph: &GraphClient,
    tenant: Guid,
    app: Application,
) -> Result<FoundIdentity, AzureError> {
    let (principal, credentials, owners) = futures::join!(
        graph.service_principal_by_app_id(app.app_id),
        graph.list_app_fics(AppRef::ObjectId(app.id)),
        graph.application_owners(app.id),
    );
    let credentials = credentials?;
    let me = connected.account.object_id;
    let identity = InventoryIdentity {
        client_id: app.app_id,
        kind: Some(IdentityKind::AppRegistration),
        display_name: app.display_name.clone(),
        multitenant: Some(app.sign_in_audience.as_deref().is_some_and(|a| a != "AzureADMyOrg")),
        tenant_id: Some(tenant),
        // Admin roles also allow the write; an app the user does not own counts as someone
        // else's, as when a run plans a hand-off.
        can_write_credentials: owners.ok().map(|owners| me.is_none_or(|me| owners.contains(&me))),
        credential_count: Some(credentials.len() as u32),
        secret_expiries: app.password_credentials.iter().filter_map(|c| c.end_date_time.clone()).collect(),
        certificate_expiries: app.key_credentials.iter().filter_map(|c| c.end_date_time.clone()).collect(),
        orphan: principal?.is_none().then_some(Orphan::NoServicePrincipal),
    };
    let credentials = credentials.into_iter().map(|f| (f.issuer, f.subject, f.audiences)).collect();
    Ok(FoundIdentity { identity, credentials: Some(credentials) })
}

async fn managed_identity(
    connected: &Connected,
    tenant: Guid,
    mi: &ManagedIdentity,
) -> Result<FoundIdentity, AzureError> {
    let mut identity = InventoryIdentity {
        kind: Some(IdentityKind::ManagedIdentity),
        display_name: Some(mi.name.clone()),
        multitenant: Some(false),
        ..InventoryIdentity::unknown(mi.properties.client_id, Some(tenant))
    };
    let Some((subscription, resource_group)) = subscription_and_group(&mi.id) else {
        return Ok(FoundIdentity { identity, credentials: None });
    };
    let credentials =
        connected.client.arm(Some(tenant)).list_managed_identity_fics(subscription, &resource_group, &mi.name).await?;
    identity.credential_count = Some(credentials.len() as u32);
    let credentials =
        credentials.into_iter().map(|f| (f.properties.issuer, f.properties.subject, f.properties.audiences)).collect();
    Ok(FoundIdentity { identity, credentials: Some(credentials) })
}

/// The subscription and resource group of an ARM resource id.
fn subscription_and_group(resource_id: &str) -> Option<(Guid, String)> {
    let parts: Vec<&str> = resource_id.split('/').collect();
    let after =
        |key: &str| parts.iter().position(|p| p.eq_ignore_ascii_case(key)).and_then(|i| parts.get(i + 1)).copied();
    let subscription = Guid::parse_input("subscription", after("subscriptions")?).ok()?;
    Some((subscription, after("resourceGroups")?.to_string()))
}
