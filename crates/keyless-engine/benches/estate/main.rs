//! Benchmark of a large estate against its physical limit (run with
//! `cargo bench -p keyless-engine --bench estate`): the inventory of 500 service connections
//! across ten organizations, then their migration (converted in place, switched to the Entra
//! issuer, replaced), against the emulator at 50 ms per request. Each run is compared with its
//! critical-path lower bound (`bound`) and with the same work run one request at a time, then
//! run again with the emulator throttling at the services' documented limits.
//!
//! The one-at-a-time runs use a 100-connection estate (two of the organizations) so they finish
//! in about a minute; the concurrent run of the same 100 connections is measured in the same
//! process right before, so machine load mostly cancels out of the ratio.

/// The allocator the `keyless` command runs with, so the benchmark measures what it runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod bound;

use std::{
    collections::BTreeMap,
    sync::Arc,
    time::{Duration, Instant},
};

use keyless_azure::{
    ConsistencyPolicy, HttpConfig,
    auth::{DeviceCodeInstructions, MemoryStore, SignInCancel},
};
use keyless_core::{migration::parse_migration_toml, names::OrgName};
use keyless_emulator::{
    EmulatorConfig, FaultKind, FaultService, RunningEmulator, ServedRequest,
    scenario::estate::{
        EstateConnectionKind, EstateShape, connection_id, connection_kind, estate_scenario, identity_object_id,
        organization_name,
    },
    throttle::{ThrottleLimits, costs as throttle_costs, rate_limit_bound},
};
use keyless_engine::{
    journal::JournalStore,
    progress::{SilentReporter, StepOutcome},
};
use keyless_usecases::{
    AlreadyConfirmed, Cloud, Connected, Method, RunSettings, SignInEnvironment, SignInPrompts, SignInRequest, connect,
    inventory::take_inventory, migration_run::apply_migration,
};

use bound::{BoundEntry, inventory_bound, migration_bound, replacement_chain};

/// Every request waits this long in the emulator, about Azure's usual answer time.
const LATENCY: Duration = Duration::from_millis(50);
/// Entra's replication and credential propagation, scaled from seconds-to-minutes down to a
/// fifth of a second so a 500-connection migration fits in the benchmark's time.
const PROPAGATION: Duration = Duration::from_millis(200);
/// Connections per wave in the benchmark's migration file.
const WAVE_SIZE: u32 = 100;

const FULL: EstateShape =
    EstateShape { organizations: 10, secret_connections: 40, legacy_issuer_connections: 8, token_connections: 2 };
const SMALL: EstateShape = EstateShape { organizations: 2, ..FULL };

struct NoPrompts;

impl SignInPrompts for NoPrompts {
    fn device_code(&self, _: &DeviceCodeInstructions) {}
}

fn consistency() -> ConsistencyPolicy {
    ConsistencyPolicy {
        initial_interval: Duration::from_millis(25),
        max_interval: Duration::from_millis(100),
        budget: Duration::from_secs(60),
    }
}

/// How the client may send (the transport's defaults, or one request at a time), and whether
/// the emulator throttles at the services' documented limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sending {
    Concurrent,
    OneAtATime,
    Throttled,
}

async fn start(shape: &EstateShape, sending: Sending) -> (RunningEmulator, Connected) {
    let config = EmulatorConfig {
        scenario: estate_scenario(shape).unwrap_or_else(|e| panic!("{e}")),
        latency_ms: LATENCY.as_millis() as u64,
        replication_delay: PROPAGATION,
        fic_propagation_delay: PROPAGATION,
        managed_identity_fic_propagation_delay: PROPAGATION,
        role_propagation_delay: PROPAGATION,
        app_propagation_delay: PROPAGATION,
        membership_propagation_delay: PROPAGATION,
        device_code_interval: Duration::from_millis(20),
        ..EmulatorConfig::default()
    };
    let em = keyless_emulator::start(config).await.unwrap();
    if sending == Sending::Throttled {
        em.set_throttle(Some(ThrottleLimits::DOCUMENTED));
    }
    let mut http = HttpConfig { consistency: consistency(), ..HttpConfig::default() };
    if sending == Sending::OneAtATime {
        http.max_concurrent_total = 1;
    }
    let cloud = Cloud::demo(em.cloud_profile());
    let cancel = SignInCancel::new();
    let environment =
        SignInEnvironment { cloud: &cloud, http, keyring: Arc::new(MemoryStore::default()), cancel: &cancel };
    let request = SignInRequest { method: Method::Browser, tenant: None, client_id: None, remember: false };
    let connected = connect::sign_in(environment, request, &NoPrompts).await.unwrap_or_else(|e| panic!("{e}"));
    (em, connected)
}

/// What one measured run did.
#[derive(Debug, Clone, Default)]
struct Measured {
    wall: Duration,
    /// CPU time the whole process (client and emulator) used during the run, where known.
    cpu: Option<Duration>,
    bound: Duration,
    requests: Vec<ServedRequest>,
    detail: String,
}

/// CPU time this process has used (user and system), from `/proc/self/stat` on Linux, whose
/// times are in USER_HZ ticks of 1/100 s; `None` elsewhere.
fn process_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name (which may hold spaces) start with the state (3rd).
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

fn cpu_since(before: Option<Duration>) -> Option<Duration> {
    Some(process_cpu()?.saturating_sub(before?))
}

impl Measured {
    fn per_service(&self) -> String {
        let count =
            |prefixes: &[&str]| self.requests.iter().filter(|r| prefixes.iter().any(|p| r.path.starts_with(p))).count();
        format!(
            "graph {} / arm {} / devops {} / entra {}",
            count(&["/graph"]),
            count(&["/arm"]),
            count(&["/ado", "/vssps", "/vsaex", "/app-vssps"]),
            count(&["/login"])
        )
    }
}

fn organizations(shape: &EstateShape) -> Vec<OrgName> {
    (0..shape.organizations).map(|o| OrgName::parse(&organization_name(o)).unwrap()).collect()
}

fn since(em: &RunningEmulator, first: usize) -> Vec<ServedRequest> {
    em.requests().into_iter().skip(first).collect()
}

/// Inventory, then migration of every connection of the estate, on one emulator.
async fn run(shape: &EstateShape, sending: Sending) -> (Measured, Measured) {
    let (em, connected) = start(shape, sending).await;
    let names = organizations(shape);

    let before = em.requests().len();
    let cpu_before = process_cpu();
    let started = Instant::now();
    let inventory = take_inventory(&connected, Some(&names)).await.unwrap_or_else(|e| panic!("{e}"));
    let wall = started.elapsed();
    let cpu = cpu_since(cpu_before);
    let requests = since(&em, before);
    let (bound, levels) = inventory_bound(&requests, LATENCY);
    let bound = bound.max(rate_bound(sending, &requests));
    assert_eq!(inventory.connections.len(), shape.connections(), "every generated connection is inventoried");
    let inventory_run =
        Measured { wall, cpu, bound, requests, detail: format!("deepest chain of dependent reads: {levels}") };

    let draft = keyless_core::migration::draft_migration_file(&inventory.connections);
    let mut file = parse_migration_toml("estate-migration.toml", &draft).unwrap_or_else(|e| panic!("{e}"));
    file.options.wave_size = WAVE_SIZE;
    let dir = tempfile::tempdir().unwrap();
    let settings = RunSettings { store: JournalStore::new(dir.path()), consistency: consistency(), cancel: None };
    let before = em.requests().len();
    let cpu_before = process_cpu();
    let started = Instant::now();
    let outcome = apply_migration(&connected, &settings, &file, &SilentReporter, &AlreadyConfirmed)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let wall = started.elapsed();
    let cpu = cpu_since(cpu_before);
    if let Some(stopped) = &outcome.stopped {
        panic!("the migration stopped: {stopped}");
    }
    let requests = since(&em, before);
    let entries: Vec<BoundEntry> = outcome
        .journal
        .plan
        .entries
        .iter()
        .filter_map(|planned| {
            let (o, n) = locate(shape, &planned.id.to_string())?;
            let kind = connection_kind(shape, n);
            // A replacement's chain and waits come from its onboarding run's journal.
            let replacement = outcome
                .journal
                .entry(planned.id)
                .replacement_run_id
                .and_then(|run_id| settings.store.load(&run_id).ok())
                .map(|run| {
                    replacement_chain(run.steps.iter().map(|(id, record)| {
                        (id.as_str(), matches!(record.outcome, StepOutcome::Created | StepOutcome::Updated))
                    }))
                })
                .unwrap_or_default();
            Some(BoundEntry {
                wave: planned.wave?,
                connection: planned.id.to_string().to_ascii_lowercase(),
                identity: (kind != EstateConnectionKind::Token)
                    .then(|| identity_object_id(o, n).to_string().to_ascii_lowercase()),
                verified_in_place: kind != EstateConnectionKind::Token,
                // Converted in place: its credential's propagation. Replaced: each wait its run
                // went through.
                wait: if kind == EstateConnectionKind::Token {
                    PROPAGATION * replacement.waits as u32
                } else {
                    PROPAGATION
                },
                replacement_requests: replacement.requests,
            })
        })
        .collect();
    let migrated = entries.len();
    let parts = migration_bound(&requests, &entries, LATENCY);
    let migration_run = Measured {
        wall,
        cpu,
        bound: parts.total().max(rate_bound(sending, &requests)),
        requests,
        detail: format!(
            "{migrated} connections in {} waves; longest chain {} requests; planning bound {:?}; at most {} credential writes to one identity in a wave",
            outcome.journal.plan.waves.len(),
            parts.longest_chain,
            parts.planning,
            parts.most_writes_per_identity
        ),
    };
    em.shutdown().await;
    (inventory_run, migration_run)
}

fn fault_service(path: &str) -> FaultService {
    match path.trim_start_matches('/').split('/').next().unwrap_or_default() {
        "graph" => FaultService::Graph,
        "arm" => FaultService::Arm,
        "login" => FaultService::Entra,
        _ => FaultService::DevOps,
    }
}

/// The requests the throttle let through: a request it refused cost nothing.
fn admitted(requests: &[ServedRequest]) -> impl Iterator<Item = &ServedRequest> {
    requests.iter().filter(|r| r.fault != Some(FaultKind::TooManyRequests))
}

/// Under throttling, the least time the documented limits allow for these requests: for each
/// bucket, what the admitted requests cost beyond its capacity divided by its refill.
fn rate_bound(sending: Sending, requests: &[ServedRequest]) -> Duration {
    if sending != Sending::Throttled {
        return Duration::ZERO;
    }
    let log = admitted(requests).map(|r| (fault_service(&r.path), r.method.as_str(), r.path.as_str()));
    rate_limit_bound(&ThrottleLimits::DOCUMENTED, log)
}

/// For each kind of bucket, the most any one bucket of that kind was charged by `requests`
/// against its capacity: how close the run came to being throttled.
fn bucket_use(requests: &[ServedRequest]) -> String {
    let mut spent: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    for r in admitted(requests) {
        for (key, limit, cost) in
            throttle_costs(&ThrottleLimits::DOCUMENTED, fault_service(&r.path), &r.method, &r.path)
        {
            spent.entry(key).or_insert((0.0, limit.capacity)).0 += cost;
        }
    }
    let mut most: BTreeMap<String, (String, f64, f64)> = BTreeMap::new();
    for (key, (cost, capacity)) in spent {
        let kind = match key.split('/').collect::<Vec<_>>().as_slice() {
            ["arm", _, operation] => format!("arm {operation} per subscription"),
            ["devops", _] => "devops TSTUs per organization".to_string(),
            _ => key.replace('/', " "),
        };
        if most.get(&kind).is_none_or(|(_, best, _)| cost > *best) {
            most.insert(kind, (key, cost, capacity));
        }
    }
    most.into_iter()
        .map(|(kind, (key, cost, capacity))| format!("{kind}: {cost:.0} of {capacity:.0} ({key})"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The (organization, number) of a generated connection id.
fn locate(shape: &EstateShape, id: &str) -> Option<(usize, usize)> {
    (0..shape.organizations).find_map(|o| {
        (0..shape.connections_per_organization()).find(|n| connection_id(o, *n).to_string() == id).map(|n| (o, n))
    })
}

fn row(name: &str, measured: &Measured) {
    let ratio = measured.wall.as_secs_f64() / measured.bound.as_secs_f64();
    println!(
        "| {name} | {} | {:.2} s | {:.2} s | {ratio:.2} | {} |",
        measured.requests.len(),
        measured.wall.as_secs_f64(),
        measured.bound.as_secs_f64(),
        measured.per_service()
    );
    let cpu = measured.cpu.map_or("CPU not measured".to_string(), |cpu| format!("CPU {:.2} s", cpu.as_secs_f64()));
    println!("|   | {}; {cpu} | | | | |", measured.detail);
}

/// With `KEYLESS_ESTATE_LOG=<dir>`, each run's request log goes to `<dir>/<name>.tsv` (answer
/// time in µs, method, path, status, arrival time in µs), to see where the time goes.
fn write_log(name: &str, measured: &Measured) {
    let Some(dir) = std::env::var_os("KEYLESS_ESTATE_LOG") else { return };
    let lines: String = measured
        .requests
        .iter()
        .map(|r| {
            format!("{}\t{}\t{}\t{}\t{}\n", r.answered_at_micros, r.method, r.path, r.status, r.received_at_micros)
        })
        .collect();
    let path = std::path::Path::new(&dir).join(format!("{name}.tsv"));
    if let Err(error) = std::fs::write(&path, lines) {
        eprintln!("could not write {}: {error}", path.display());
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    if std::env::args().any(|a| a == "concurrent-only") {
        let (inventory, migration) = runtime.block_on(run(&FULL, Sending::Concurrent));
        row("(b) inventory, 500 connections, 10 organizations", &inventory);
        row("(c) migration, 500 connections", &migration);
        write_log("inventory", &inventory);
        write_log("migration", &migration);
        return;
    }
    println!("| run | requests | wall | critical-path bound | wall / bound (target <= 1.3) | requests per service |");
    println!("|---|---|---|---|---|---|");
    let (inventory, migration) = runtime.block_on(run(&FULL, Sending::Concurrent));
    row("(b) inventory, 500 connections, 10 organizations", &inventory);
    row("(c) migration, 500 connections", &migration);
    write_log("inventory", &inventory);
    write_log("migration", &migration);
    let (throttled_inventory, throttled_migration) = runtime.block_on(run(&FULL, Sending::Throttled));
    row("(b) inventory, 500 connections, documented throttles", &throttled_inventory);
    row("(c) migration, 500 connections, documented throttles", &throttled_migration);
    let throttled = |m: &Measured| m.requests.iter().filter(|r| r.status == 429).count();
    println!(
        "429s answered under throttling: inventory {}, migration {} (every one retried: both runs completed)",
        throttled(&throttled_inventory),
        throttled(&throttled_migration)
    );
    println!("bucket use, inventory: {}", bucket_use(&throttled_inventory.requests));
    println!("bucket use, migration: {}", bucket_use(&throttled_migration.requests));

    let (small_inventory, small_migration) = runtime.block_on(run(&SMALL, Sending::Concurrent));
    let (serial_inventory, serial_migration) = runtime.block_on(run(&SMALL, Sending::OneAtATime));
    row("(b) inventory, 100 connections", &small_inventory);
    row("(b) inventory, 100 connections, one request at a time", &serial_inventory);
    row("(c) migration, 100 connections", &small_migration);
    row("(c) migration, 100 connections, one request at a time", &serial_migration);
    let speedup = |serial: &Measured, concurrent: &Measured| serial.wall.as_secs_f64() / concurrent.wall.as_secs_f64();
    println!();
    println!(
        "one request at a time / concurrent (target >= 10): inventory {:.1}x, migration {:.1}x",
        speedup(&serial_inventory, &small_inventory),
        speedup(&serial_migration, &small_migration)
    );
}
