//! The emulator's single source of truth: one `World` behind one mutex, plus the clock and
//! the deterministic id sequence every handler uses.
//!
//! Nothing here speaks HTTP, and the lock is never held across an `.await`: handlers take
//! it, read or change the world, and drop it before they sleep or respond.

mod build;
pub use build::{managed_identity_principal, scope_tenant};
pub mod model;

use std::{
    collections::{HashMap, HashSet},
    sync::{Mutex, MutexGuard, atomic::AtomicU64},
    time::{Duration, Instant},
};

use keyless_core::Guid;
use serde::Serialize;
use time::OffsetDateTime;

pub use model::*;

use crate::{
    EmulatorConfig,
    faults::FaultState,
    propagation::{Propagation, PropagationKind},
    requests::RequestLog,
    scenario::Scenario,
    tokens::AuthRecords,
};

/// Milliseconds since the emulator started; negative for objects the scenario says existed
/// before. Serialized as that number in the state dump.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Moment(pub i64);

impl Moment {
    pub fn plus(self, d: Duration) -> Moment {
        Moment(self.0.saturating_add(i64::try_from(d.as_millis()).unwrap_or(i64::MAX)))
    }
    pub fn days_before(self, days: i64) -> Moment {
        Moment(self.0 - days * 86_400_000)
    }
    pub fn days_after(self, days: i64) -> Moment {
        Moment(self.0 + days * 86_400_000)
    }
}

/// Maps moments to wall-clock time for response bodies.
#[derive(Debug)]
pub struct Clock {
    start: Instant,
    start_wall: OffsetDateTime,
}

impl Clock {
    pub fn new() -> Self {
        Clock { start: Instant::now(), start_wall: OffsetDateTime::now_utc() }
    }
    pub fn now(&self) -> Moment {
        Moment(i64::try_from(self.start.elapsed().as_millis()).unwrap_or(i64::MAX))
    }
    pub fn wall(&self, m: Moment) -> OffsetDateTime {
        self.start_wall + time::Duration::milliseconds(m.0)
    }
    /// ISO 8601 with milliseconds and `Z`, the form every service here writes.
    pub fn iso(&self, m: Moment) -> String {
        let t = self.wall(m);
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            t.millisecond()
        )
    }
    pub fn unix(&self, m: Moment) -> i64 {
        self.wall(m).unix_timestamp()
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::new()
    }
}

/// Ids for new objects: name-based GUIDs from the seed and a counter, so a run that sends
/// the same requests in the same order gets the same ids.
#[derive(Debug, Clone, Serialize)]
pub struct IdSequence {
    namespace: Guid,
    counter: u64,
}

impl IdSequence {
    pub fn new(seed: u64) -> Self {
        IdSequence { namespace: Guid::from_u128(0x6b65796c_6573_4000_8000_000000000000 | u128::from(seed)), counter: 0 }
    }
    pub fn next(&mut self, kind: &str) -> Guid {
        self.counter += 1;
        Guid::derived(self.namespace, &format!("{kind}:{}", self.counter))
    }
    /// A stable id for a name (not counted), e.g. a user's Azure DevOps profile id.
    pub fn stable(&self, name: &str) -> Guid {
        Guid::derived(self.namespace, name)
    }
}

/// Everything the emulated services know.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct World {
    pub tenants: Vec<Tenant>,
    pub users: Vec<User>,
    pub management_groups: Vec<ManagementGroup>,
    pub subscriptions: Vec<Subscription>,
    pub resource_groups: Vec<ResourceGroup>,
    pub applications: Vec<Application>,
    pub service_principals: Vec<ServicePrincipal>,
    pub managed_identities: Vec<ManagedIdentity>,
    pub federated_credentials: Vec<FederatedCredential>,
    pub role_assignments: Vec<RoleAssignment>,
    pub organizations: Vec<Organization>,
    pub projects: Vec<Project>,
    pub groups: Vec<DevOpsGroup>,
    pub memberships: Vec<Membership>,
    pub devops_service_principals: Vec<DevOpsServicePrincipal>,
    pub service_endpoints: Vec<ServiceEndpoint>,
    pub pipelines: Vec<Pipeline>,
    pub pipeline_permissions: Vec<PipelinePermission>,
    pub executions: Vec<Execution>,
    #[serde(skip)]
    pub auth: AuthRecords,
    #[serde(skip)]
    pub ids: IdSequence,
    /// Service principal creation attempts per app id during replication (alternates the
    /// two real error texts).
    #[serde(skip)]
    pub sp_attempts: HashMap<Guid, u32>,
    /// Managed identities (lowercased resource ids) with a FIC write in flight.
    #[serde(skip)]
    pub fic_writes_in_flight: HashSet<String>,
}

impl World {
    pub fn from_scenario(scenario: &Scenario, seed: u64) -> World {
        build::build(scenario, seed)
    }

    pub fn tenant(&self, id: Guid) -> Option<&Tenant> {
        self.tenants.iter().find(|t| t.id == id)
    }
    pub fn user(&self, id: Guid) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }
    pub fn user_by_upn(&self, upn: &str) -> Option<&User> {
        self.users.iter().find(|u| u.upn.eq_ignore_ascii_case(upn))
    }
    pub fn organization(&self, name: &str) -> Option<&Organization> {
        self.organizations.iter().find(|o| o.name.eq_ignore_ascii_case(name))
    }
    pub fn subscription(&self, id: Guid) -> Option<&Subscription> {
        self.subscriptions.iter().find(|s| s.id == id)
    }
    pub fn management_group(&self, name: &str) -> Option<&ManagementGroup> {
        self.management_groups.iter().find(|m| m.name.eq_ignore_ascii_case(name))
    }
    pub fn resource_group(&self, sub: Guid, name: &str) -> Option<&ResourceGroup> {
        self.resource_groups.iter().find(|r| r.subscription == sub && r.name.eq_ignore_ascii_case(name))
    }
    pub fn project(&self, org: &str, id_or_name: &str) -> Option<&Project> {
        let id = Guid::parse_input("project", id_or_name).ok();
        self.projects.iter().find(|p| {
            p.organization.eq_ignore_ascii_case(org) && (Some(p.id) == id || p.name.eq_ignore_ascii_case(id_or_name))
        })
    }
    pub fn application(&self, object_id: Guid) -> Option<&Application> {
        self.applications.iter().find(|a| a.id == object_id)
    }
    pub fn application_by_app_id(&self, app_id: Guid) -> Option<&Application> {
        self.applications.iter().find(|a| a.app_id == app_id)
    }
    pub fn service_principal_for_app(&self, tenant: Guid, app_id: Guid) -> Option<&ServicePrincipal> {
        self.service_principals.iter().find(|s| s.tenant == tenant && s.app_id == app_id)
    }
    /// FICs an identity holds now (not deleted), in creation order.
    pub fn live_fics(&self, identity: Guid) -> impl Iterator<Item = &FederatedCredential> {
        self.federated_credentials.iter().filter(move |f| f.identity == identity && f.deleted.is_none())
    }
    pub fn endpoint(&self, org: &str, id: Guid) -> Option<&ServiceEndpoint> {
        self.service_endpoints.iter().find(|e| e.organization.eq_ignore_ascii_case(org) && e.id == id)
    }
    pub fn devops_principal(&self, org: &str, origin_id: Guid) -> Option<&DevOpsServicePrincipal> {
        self.devops_service_principals
            .iter()
            .find(|p| p.organization.eq_ignore_ascii_case(org) && p.origin_id == origin_id)
    }
    /// Whether a user may register applications in a tenant (tenant setting, user override,
    /// or an admin role).
    pub fn may_register_apps(&self, user: &User, tenant: Guid) -> bool {
        if user.app_admin {
            return true;
        }
        if tenant == user.home_tenant
            && let Some(explicit) = user.can_register_apps
        {
            return explicit;
        }
        self.tenant(tenant).is_some_and(|t| t.users_can_register_apps)
    }
}

/// Everything a request handler shares: configuration, the scenario, the clock and the world.
#[derive(Debug)]
pub struct Emulator {
    pub config: EmulatorConfig,
    pub base_url: String,
    pub clock: Clock,
    pub faults: FaultState,
    /// Every service request served, for tests and the state dump.
    pub served: RequestLog,
    pub propagation: Propagation,
    /// The services' documented rate limits, when set.
    pub throttle: crate::throttle::Throttle,
    world: Mutex<World>,
    requests: AtomicU64,
}

impl Emulator {
    pub fn new(config: EmulatorConfig, base_url: String) -> Self {
        let world = World::from_scenario(&config.scenario, config.seed);
        let faults = FaultState::new(crate::faults::FaultConfig {
            latency_ms: config.latency_ms,
            fault_rate: config.fault_rate,
            seed: config.seed,
            ..crate::faults::FaultConfig::default()
        });
        let propagation = Propagation::from_config(&config);
        Emulator {
            config,
            base_url,
            clock: Clock::new(),
            faults,
            served: RequestLog::default(),
            propagation,
            throttle: crate::throttle::Throttle::default(),
            world: Mutex::new(world),
            requests: AtomicU64::new(0),
        }
    }

    /// The world, even if a handler panicked while holding it (the state stays usable for
    /// the other tests of a run).
    pub fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Puts the world back to the scenario and empties the request log.
    pub fn reset(&self) {
        *self.world() = World::from_scenario(&self.config.scenario, self.config.seed);
        self.served.clear();
    }

    /// A fresh request id (also used as activity id, trace id and correlation id).
    pub fn request_id(&self) -> Guid {
        let n = self.requests.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Guid::derived(
            Guid::from_u128(0x72657175_6573_4000_8000_000000000000 | u128::from(self.config.seed)),
            &n.to_string(),
        )
    }

    pub fn now(&self) -> Moment {
        self.clock.now()
    }

    /// Whether an object written at `written` has propagated (see [`Propagation`]).
    pub fn propagated(&self, kind: PropagationKind, object: Guid, written: Moment) -> bool {
        self.now() >= self.propagation.visible_at(kind, object, written)
    }

    /// True while an object created at `created` is still replicating.
    pub fn replicating(&self, created: Moment) -> bool {
        self.now() < created.plus(self.config.replication_delay)
    }
}
