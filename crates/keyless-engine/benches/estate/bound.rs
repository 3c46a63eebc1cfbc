//! The critical-path lower bound of a run, computed from the run's own request log and plan:
//! no client, however concurrent, can finish sooner against the same emulator.
//!
//! Why it is a lower bound: it counts only requests the run really made, only dependencies
//! their answers impose (a request that needs an id or a tenant another answer gives), and
//! every such request at the emulator's latency; it leaves out every limit on concurrency,
//! which is a resource, not a dependency, and every request a better client could skip:
//! tokens (a warmer cache has them), repeated polls of one resource (one is enough once the
//! change is in effect) and repeated reads of one connection.
//!
//! - Reads come in dependent kinds (`ReadKind::after`): an organization's tenant, then its
//!   projects, then their connections, then each connection's details and identity lookup,
//!   then the identity's credentials and owners. The bound is the deepest chain of kinds the
//!   log shows.
//! - Migration: the planning's reads as above, then per wave (a wave starts only when the
//!   previous one is verified) the longest chain of one connection plus the propagation wait
//!   before its new credential is accepted, or the credential writes to one identity in that
//!   wave if longer (they must follow each other). A connection's chain is one request per
//!   distinct resource its migration touched (its path, without the project it was reached
//!   through), one TestConnection for an entry verified in place, and nothing for the reads the
//!   planning already counted. A connection replaced by an onboarding run adds that run's
//!   chain (`replacement_chain`), counted from the run's journal, with a wait for each new
//!   object a later step of that run must wait for.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use keyless_emulator::ServedRequest;

/// Kinds of reads, each needing an answer from the kinds it comes `after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ReadKind {
    /// The signed-in user's profile (organization discovery starts here).
    Profile,
    /// The organizations of that profile.
    Accounts,
    /// An organization's connected tenant (the token its reads need).
    OrganizationTenant,
    Projects,
    /// A project's connections.
    Connections,
    /// A connection's pipeline permissions and history, or its identity's lookup by client id.
    ConnectionDetails,
    /// The subscriptions a managed identity may live in, then their managed identities.
    Subscriptions,
    ManagedIdentities,
    /// An identity's credentials and owners, by the object id or name its lookup gave.
    IdentityDetails,
}

impl ReadKind {
    fn after(self) -> &'static [ReadKind] {
        use ReadKind::*;
        match self {
            Profile | Subscriptions => &[],
            Accounts => &[Profile],
            OrganizationTenant => &[Accounts],
            Projects => &[OrganizationTenant],
            Connections => &[Projects],
            ConnectionDetails => &[Connections],
            ManagedIdentities => &[Subscriptions],
            IdentityDetails => &[ConnectionDetails, ManagedIdentities],
        }
    }
}

/// The kind of a read of the inventory, from its path; `None` for what is not one (tokens,
/// writes, the migration's own requests).
pub fn read_kind(request: &ServedRequest) -> Option<ReadKind> {
    if request.method != "GET" {
        return None;
    }
    let path = request.path.to_ascii_lowercase();
    let kind = if path.starts_with("/login/") {
        return None;
    } else if path.starts_with("/app-vssps/") {
        if path.contains("/accounts") { ReadKind::Accounts } else { ReadKind::Profile }
    } else if path.ends_with("/connectiondata") {
        ReadKind::OrganizationTenant
    } else if path.ends_with("/_apis/projects") {
        ReadKind::Projects
    } else if path.ends_with("/serviceendpoint/endpoints") {
        ReadKind::Connections
    } else if path.contains("executionhistory")
        || path.contains("pipelinepermissions")
        || path.contains("/applications(appid=")
        || path.contains("/serviceprincipals(appid=")
    {
        ReadKind::ConnectionDetails
    } else if path.ends_with("/subscriptions") {
        ReadKind::Subscriptions
    } else if path.ends_with("/userassignedidentities") {
        ReadKind::ManagedIdentities
    } else if (path.contains("/applications/")
        && (path.ends_with("/owners") || path.ends_with("/federatedidentitycredentials")))
        || (path.contains("/userassignedidentities/") && path.ends_with("/federatedidentitycredentials"))
    {
        ReadKind::IdentityDetails
    } else {
        return None;
    };
    Some(kind)
}

/// The deepest chain of dependent read kinds in `log` × latency, and its depth.
pub fn inventory_bound(log: &[ServedRequest], latency: Duration) -> (Duration, usize) {
    let present: BTreeSet<ReadKind> = log.iter().filter_map(read_kind).collect();
    let mut depth: BTreeMap<ReadKind, usize> = BTreeMap::new();
    // `ReadKind`'s order lists every kind after the kinds it depends on.
    for kind in &present {
        let before = kind.after().iter().filter_map(|k| depth.get(k)).copied().max().unwrap_or(0);
        depth.insert(*kind, before + 1);
    }
    let deepest = depth.values().copied().max().unwrap_or(0);
    (latency * deepest as u32, deepest)
}

/// One migrated connection as the bound sees it.
#[derive(Debug, Clone)]
pub struct BoundEntry {
    pub wave: usize,
    /// The connection id, as it appears in the paths of its requests.
    pub connection: String,
    /// The identity whose credentials its migration writes (app object id in Graph paths).
    pub identity: Option<String>,
    /// Whether it is migrated in place and verified with TestConnection (whose path does not
    /// name the connection).
    pub verified_in_place: bool,
    /// What the emulator makes it wait on its chain: before its new credential is accepted,
    /// and for a replacement also before its new app and service principal are (see
    /// [`replacement_chain`]).
    pub wait: Duration,
    /// For a connection replaced by an onboarding run: the requests on that run's chain (its
    /// requests name the objects it creates, not the connection it replaces, so they are
    /// counted from its journal by [`replacement_chain`]); 0 for an entry migrated in place.
    pub replacement_requests: usize,
}

/// The chain of a replacement's onboarding run, from the kinds of step its journal recorded
/// as created or updated: one planning read, then the identity's creation, its service
/// principal (which Entra accepts only once the new app has replicated), the membership Azure
/// DevOps requires before an "Azure DevOps" connection is accepted (which it accepts only once
/// the new service principal has replicated), the connection, the credential that needs the
/// connection's subject, and one TestConnection once the credential has propagated. Each kind
/// counts once: steps of one kind run side by side. Answers the requests on the chain and the
/// waits between them: one per new object a later step must wait for (the app, the service
/// principal, the credential).
pub fn replacement_chain<'a>(steps: impl Iterator<Item = (&'a str, bool)>) -> ReplacementChain {
    let mut kinds: BTreeSet<&str> = BTreeSet::new();
    for (id, changed) in steps {
        let kind = id.split('/').next().unwrap_or_default();
        if changed && matches!(kind, "identity" | "sp" | "member" | "connection" | "fic") {
            kinds.insert(kind);
        }
    }
    let waits = ["identity", "sp", "fic"].iter().filter(|kind| kinds.contains(*kind)).count();
    ReplacementChain { requests: 1 + kinds.len() + 1, waits }
}

/// A replacement run's chain: requests one after another, and waits for replication or
/// propagation between them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReplacementChain {
    pub requests: usize,
    pub waits: usize,
}

/// The parts of the migration bound, for the table.
#[derive(Debug, Clone, Default)]
pub struct MigrationBound {
    pub planning: Duration,
    pub waves: Duration,
    /// The longest chain of dependent requests of one connection.
    pub longest_chain: usize,
    /// The most credential writes to one identity within one wave.
    pub most_writes_per_identity: usize,
}

impl MigrationBound {
    pub fn total(&self) -> Duration {
        self.planning + self.waves
    }
}

fn is_write(request: &ServedRequest) -> bool {
    matches!(request.method.as_str(), "POST" | "PUT" | "PATCH" | "DELETE")
}

/// The resource a request touches: its method and path without the project segment, which
/// may name the same connection's project by name or by id.
fn resource(request: &ServedRequest, connection: &str) -> String {
    let path = request.path.to_ascii_lowercase();
    let tail = path.find("/_apis/").map_or(path.as_str(), |at| &path[at..]);
    format!("{} {}", request.method, tail.replace(connection, "{connection}"))
}

/// The bound of a migration: its planning reads' chain, then per wave the longest connection
/// chain (or the longest run of credential writes to one identity, if longer).
pub fn migration_bound(log: &[ServedRequest], entries: &[BoundEntry], latency: Duration) -> MigrationBound {
    let (planning, _) = inventory_bound(log, latency);
    let mut chains: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for request in log.iter().filter(|r| read_kind(r).is_none()) {
        let path = request.path.to_ascii_lowercase();
        for entry in entries.iter().filter(|e| path.contains(&e.connection)) {
            chains.entry(entry.connection.as_str()).or_default().insert(resource(request, &entry.connection));
        }
    }
    let chain_of = |entry: &BoundEntry| {
        chains.get(entry.connection.as_str()).map_or(0, BTreeSet::len)
            + usize::from(entry.verified_in_place)
            + entry.replacement_requests
    };
    let mut bound = MigrationBound { planning, ..MigrationBound::default() };
    let waves = entries.iter().map(|e| e.wave).max().unwrap_or(0);
    for wave in 1..=waves {
        let members: Vec<&BoundEntry> = entries.iter().filter(|e| e.wave == wave).collect();
        let chain = members.iter().map(|e| latency * chain_of(e) as u32 + e.wait).max().unwrap_or_default();
        // An identity's credential writes are shared out over the waves in proportion to its
        // connections in each (its writes name the identity, not the connection).
        let mut writes_per_identity: BTreeMap<&str, usize> = BTreeMap::new();
        for identity in members.iter().filter_map(|e| e.identity.as_deref()) {
            let writes = log
                .iter()
                .filter(|r| is_write(r) && r.status < 400 && r.path.to_ascii_lowercase().contains(identity))
                .filter(|r| r.path.to_ascii_lowercase().contains("federatedidentitycredentials"))
                .count();
            let here = members.iter().filter(|e| e.identity.as_deref() == Some(identity)).count();
            let everywhere = entries.iter().filter(|e| e.identity.as_deref() == Some(identity)).count().max(1);
            writes_per_identity.insert(identity, writes * here / everywhere);
        }
        let most_writes = writes_per_identity.values().copied().max().unwrap_or(0);
        bound.most_writes_per_identity = bound.most_writes_per_identity.max(most_writes);
        bound.longest_chain = bound.longest_chain.max(members.iter().map(|e| chain_of(e)).max().unwrap_or(0));
        bound.waves += chain.max(latency * most_writes as u32);
    }
    bound
}
