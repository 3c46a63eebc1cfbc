//! The critical-path lower bound of a run, computed from the run's own request log and plan:
//! no client, however concurrent, can finish sooner against the same emulator.
//!
//! Why it is a lower bound: every request of one connection's migration depends on the answer
//! to the one before it (each step reads before it writes, and verification follows the write),
//! so a connection takes at least its request count × the emulator's latency, plus the
//! propagation delay the emulator imposes before a new credential is accepted; a wave starts
//! only when the previous one is verified (the plan's barrier), so waves add up; credential
//! writes to one identity must follow each other, so an identity's writes in a wave add up
//! too. Reads the planning makes come in dependent levels (organizations, then their
//! projects, then their connections, then each connection's details, then identities), each
//! at least one request deep. Requests the bound counts are ones the run really made; the
//! bound leaves out every limit on concurrency, which is a resource, not a dependency.

use std::collections::BTreeMap;
use std::time::Duration;

use keyless_emulator::ServedRequest;

/// Dependent levels of an inventory: each level's requests need an answer from the one before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ReadLevel {
    SignedInTenantAndOrganizations,
    OrganizationDetails,
    Connections,
    ConnectionDetails,
    Identities,
}

/// The level a read of the inventory belongs to, from its path.
pub fn read_level(request: &ServedRequest) -> ReadLevel {
    let path = request.path.to_ascii_lowercase();
    if path.contains("/graph/") || path.contains("/arm/") {
        ReadLevel::Identities
    } else if path.contains("executionhistory") || path.contains("pipelinepermissions") {
        ReadLevel::ConnectionDetails
    } else if path.contains("serviceendpoint") {
        ReadLevel::Connections
    } else if path.contains("/app-vssps/") || path.contains("/login/") {
        ReadLevel::SignedInTenantAndOrganizations
    } else {
        ReadLevel::OrganizationDetails
    }
}

/// Levels of an inventory × latency: one request deep per level that the log shows was used.
pub fn inventory_bound(log: &[ServedRequest], latency: Duration) -> (Duration, usize) {
    let mut levels: Vec<ReadLevel> = log.iter().map(read_level).collect();
    levels.sort();
    levels.dedup();
    (latency * levels.len() as u32, levels.len())
}

/// One migrated connection as the bound sees it.
#[derive(Debug, Clone)]
pub struct BoundEntry {
    pub wave: usize,
    /// The connection id, as it appears in the paths of its requests.
    pub connection: String,
    /// The identity whose credentials its migration writes (app object id in Graph paths).
    pub identity: Option<String>,
    /// What the emulator makes it wait before its new credential is accepted.
    pub wait: Duration,
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

/// The bound of a migration: its planning reads' levels, then per wave the longest connection
/// chain (or the longest run of credential writes to one identity, if longer).
pub fn migration_bound(log: &[ServedRequest], entries: &[BoundEntry], latency: Duration) -> MigrationBound {
    let (planning, _) = inventory_bound(log, latency);
    let mut per_connection: BTreeMap<&str, usize> = BTreeMap::new();
    for request in log {
        let path = request.path.to_ascii_lowercase();
        for entry in entries {
            if path.contains(&entry.connection) {
                *per_connection.entry(entry.connection.as_str()).or_default() += 1;
            }
        }
    }
    let mut bound = MigrationBound { planning, ..MigrationBound::default() };
    let waves = entries.iter().map(|e| e.wave).max().unwrap_or(0);
    for wave in 1..=waves {
        let members: Vec<&BoundEntry> = entries.iter().filter(|e| e.wave == wave).collect();
        let chain = members
            .iter()
            .map(|e| latency * *per_connection.get(e.connection.as_str()).unwrap_or(&0) as u32 + e.wait)
            .max()
            .unwrap_or_default();
        // The log has no times, so an identity's credential writes are shared out over the
        // waves in proportion to its connections in each.
        let mut writes_per_identity: BTreeMap<&str, usize> = BTreeMap::new();
        for identity in members.iter().filter_map(|e| e.identity.as_deref()) {
            let writes = log
                .iter()
                .filter(|r| is_write(r) && r.path.to_ascii_lowercase().contains(identity))
                .filter(|r| r.path.to_ascii_lowercase().contains("federatedidentitycredentials"))
                .count();
            let here = members.iter().filter(|e| e.identity.as_deref() == Some(identity)).count();
            let everywhere = entries.iter().filter(|e| e.identity.as_deref() == Some(identity)).count().max(1);
            writes_per_identity.insert(identity, writes * here / everywhere);
        }
        let most_writes = writes_per_identity.values().copied().max().unwrap_or(0);
        bound.most_writes_per_identity = bound.most_writes_per_identity.max(most_writes);
        bound.longest_chain = bound
            .longest_chain
            .max(members.iter().map(|e| *per_connection.get(e.connection.as_str()).unwrap_or(&0)).max().unwrap_or(0));
        bound.waves += chain.max(latency * most_writes as u32);
    }
    bound
}
