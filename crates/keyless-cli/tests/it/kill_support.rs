//! Killing a real `keyless` process at a step boundary: spawn it, count the steps its journals
//! record in the state directory while it runs, SIGKILL it once a given number are recorded,
//! then run the same command again to the end. The emulator runs in the test process, so it
//! outlives every CLI process killed against it.

use std::{
    os::unix::process::ExitStatusExt,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::Arc,
    time::Duration,
};

use keyless_emulator::{EmulatorConfig, RunningEmulator, Scenario};
use serde_json::Value;
use tokio::{sync::Semaphore, task::JoinSet};

/// How often the journals are read while a run goes: often enough that the kill lands at, or
/// just after, the boundary it was aimed at.
const POLL_INTERVAL: Duration = Duration::from_millis(2);

/// Milliseconds the emulator takes to answer each request: enough that a run spends time
/// between steps for the kill to land in.
const REQUEST_LATENCY_MS: u64 = 3;

/// SIGKILL's number on Linux and macOS.
const SIGKILL: i32 = 9;

/// What a killed command runs on: the files it reads, and the world the emulator starts with.
#[derive(Clone, Copy)]
pub struct Case {
    pub command: &'static [&'static str],
    /// Writes the command's files into the given directory; answers their paths (`{0}`...).
    pub prepare: fn(&Path) -> Vec<String>,
    pub scenario: fn() -> Scenario,
}

/// An emulator of `scenario` that answers every request a little late and replicates at once.
/// The CLI waits seconds between consistency retries, so propagation delays would only make
/// the run slow; the kill needs time between steps, which the latency gives.
pub async fn slow_emulator(scenario: Scenario) -> RunningEmulator {
    keyless_emulator::start(EmulatorConfig {
        scenario,
        latency_ms: REQUEST_LATENCY_MS,
        device_code_interval: Duration::from_millis(20),
        replication_delay: Duration::ZERO,
        fic_propagation_delay: Duration::ZERO,
        managed_identity_fic_propagation_delay: Duration::ZERO,
        role_propagation_delay: Duration::ZERO,
        app_propagation_delay: Duration::ZERO,
        membership_propagation_delay: Duration::ZERO,
        ..EmulatorConfig::default()
    })
    .await
    .unwrap()
}

/// One `keyless` command line run against one emulator with one state directory.
pub struct Invocation {
    pub args: Vec<String>,
    pub state: PathBuf,
    /// Where each process's stdout and stderr go, outside the state directory.
    pub output_dir: PathBuf,
}

/// How a process given a boundary to be killed at ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// SIGKILLed with this many steps recorded (at least the boundary, more when a wave of
    /// parallel steps finished together).
    KilledAfter(usize),
    /// It exited on its own before the boundary was recorded, with this exit code.
    Exited(Option<i32>),
}

impl Invocation {
    pub fn new(command: &[&str], em: &RunningEmulator, root: &Path) -> Self {
        let cloud = em.base_url();
        let mut args: Vec<String> = command.iter().map(|s| s.to_string()).collect();
        args.extend(["--cloud", cloud.as_str(), "--auth", "device-code"].map(String::from));
        let (state, output_dir) = (root.join("state"), root.join("output"));
        std::fs::create_dir_all(&output_dir).unwrap();
        Invocation { args, state, output_dir }
    }

    fn spawn(&self, label: &str) -> Child {
        let log = |stream: &str| std::fs::File::create(self.output_dir.join(format!("{label}.{stream}"))).unwrap();
        Command::new(env!("CARGO_BIN_EXE_keyless"))
            .args(&self.args)
            .env("KEYLESS_STATE_DIR", &self.state)
            .env_remove("KEYLESS_CLOUD")
            .env("KEYLESS_LOG", "off")
            .stdin(Stdio::null())
            .stdout(log("stdout"))
            .stderr(log("stderr"))
            .spawn()
            .unwrap()
    }

    /// What the process labelled `label` printed on stderr.
    pub fn stderr_of(&self, label: &str) -> String {
        std::fs::read_to_string(self.output_dir.join(format!("{label}.stderr"))).unwrap_or_default()
    }

    /// Runs the command to its end; panics with its stderr when it fails.
    pub async fn run_to_end(&self, label: &str) {
        let mut child = self.spawn(label);
        let status = tokio::task::spawn_blocking(move || child.wait().unwrap()).await.unwrap();
        assert!(status.success(), "keyless {} ({label}) ended {status}: {}", self.args[0], self.stderr_of(label));
    }

    /// Runs the command and SIGKILLs it as soon as its journals record `boundary` steps.
    pub async fn kill_at(&self, boundary: usize, label: &str) -> Ending {
        let mut child = self.spawn(label);
        let state = self.state.clone();
        tokio::task::spawn_blocking(move || {
            loop {
                if let Some(status) = child.try_wait().unwrap() {
                    return Ending::Exited(status.code());
                }
                if recorded_steps(&state) >= boundary {
                    // `Child::kill` sends SIGKILL: no destructor, no flush, no unlock runs.
                    child.kill().unwrap();
                    let status = child.wait().unwrap();
                    return match status.signal() {
                        Some(SIGKILL) => Ending::KilledAfter(recorded_steps(&state)),
                        _ => Ending::Exited(status.code()),
                    };
                }
                std::thread::sleep(POLL_INTERVAL);
            }
        })
        .await
        .unwrap()
    }
}

/// Steps the journals in `state` record as done: every step of every run journal, and every
/// finished step of every connection in every migration journal.
pub fn recorded_steps(state: &Path) -> usize {
    let run_steps: usize = journals_in(state).iter().map(|run| run["steps"].as_object().map_or(0, |s| s.len())).sum();
    let migration_steps: usize = journals_in(&state.join("migrations"))
        .iter()
        .flat_map(|migration| migration["entries"].as_object().into_iter().flat_map(|e| e.values()))
        .map(|entry| entry["done"].as_array().map_or(0, Vec::len))
        .sum();
    run_steps + migration_steps
}

/// The journals (`{run id}.json`) directly in `dir`, skipping what is being written.
pub fn journals_in(dir: &Path) -> Vec<Value> {
    let Ok(entries) = std::fs::read_dir(dir) else { return vec![] };
    entries
        .flatten()
        .filter(|entry| {
            let name = entry.file_name().to_string_lossy().to_string();
            // Reports are `{id}.report.json`, temporary files end in `.tmp`: a run id has no dot.
            name.strip_suffix(".json").is_some_and(|id| !id.contains('.'))
        })
        .filter_map(|entry| serde_json::from_slice(&std::fs::read(entry.path()).ok()?).ok())
        .collect()
}

/// Files in `dir` (not below) that a finished run should not have left: temporary journal
/// writes a kill cut short.
pub fn leftovers_in(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else { return vec![] };
    let mut found: Vec<String> = entries
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().to_string())
        .filter(|name| name.ends_with(".tmp"))
        .collect();
    found.sort();
    found
}

/// The plans in `migrations/plans` whose migration has no journal beside them.
pub fn plans_without_journal(state: &Path) -> Vec<String> {
    let migrations = state.join("migrations");
    let Ok(entries) = std::fs::read_dir(migrations.join("plans")) else { return vec![] };
    let mut found: Vec<String> = entries
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().to_string())
        .filter(|name| name.ends_with(".json") && !migrations.join(name).exists())
        .collect();
    found.sort();
    found
}

/// What a killed-and-resumed run must end like: the uninterrupted run's footprint, no defect
/// the seed did not have, one journal per run, each finished, and no temporary file left.
pub struct Reference {
    pub footprint: Value,
    pub seed_defects: Vec<String>,
    /// Steps the uninterrupted run recorded.
    pub steps: usize,
}

impl Reference {
    /// Runs `case` uninterrupted on a fresh emulator.
    pub async fn of(case: Case) -> Self {
        let em = slow_emulator((case.scenario)()).await;
        let seed_defects = em.defects();
        let root = tempfile::tempdir().unwrap();
        let paths = (case.prepare)(root.path());
        let command = resolve(case.command, &paths);
        let invocation = Invocation::new(&command, &em, root.path());
        invocation.run_to_end("uninterrupted").await;
        let steps = recorded_steps(&invocation.state);
        let defects = em.defects();
        assert_eq!(defects, seed_defects, "the uninterrupted run left defects");
        Reference { footprint: em.footprint(), seed_defects, steps }
    }

    /// Fails unless `em` and `state` end like the uninterrupted run, naming `what` happened.
    pub fn assert_matched_by(&self, em: &RunningEmulator, state: &Path, what: &str) {
        assert_eq!(em.defects(), self.seed_defects, "{what}: duplicates or half-made objects");
        assert_eq!(em.footprint(), self.footprint, "{what}: the end state differs from an uninterrupted run");
        assert_eq!(recorded_steps(state), self.steps, "{what}: steps recorded");
        for dir in [state.to_path_buf(), state.join("migrations"), state.join("migrations/plans")] {
            assert_eq!(leftovers_in(&dir), Vec::<String>::new(), "{what}: files left in {}", dir.display());
        }
        assert_eq!(plans_without_journal(state), Vec::<String>::new(), "{what}: plans of migrations never started");
    }
}

/// `command` with `{0}`, `{1}`... replaced by the paths `prepare` wrote.
pub fn resolve<'a>(command: &[&'a str], paths: &'a [String]) -> Vec<&'a str> {
    command
        .iter()
        .map(|arg| {
            match arg.strip_prefix('{').and_then(|a| a.strip_suffix('}')).and_then(|n| n.parse::<usize>().ok()) {
                Some(index) => paths[index].as_str(),
                None => arg,
            }
        })
        .collect()
}

/// How many boundaries are killed at once, each on its own emulator. A run mostly waits (for
/// the sign-in's polls, for the emulator), so several side by side finish sooner.
const KILLS_AT_ONCE: usize = 4;

/// Runs `case` once per step boundary `1..reference.steps`, each on a fresh emulator: kills
/// it at the boundary, runs it again to the end, and compares. Returns the boundaries at which
/// a process was really killed (the others ended on their own first).
pub async fn kill_at_every_boundary(case: Case, reference: Arc<Reference>) -> Vec<usize> {
    let permits = Arc::new(Semaphore::new(KILLS_AT_ONCE));
    let mut kills = JoinSet::new();
    for boundary in 1..reference.steps {
        let (permits, reference) = (permits.clone(), reference.clone());
        kills.spawn(async move {
            let _permit = permits.acquire_owned().await.unwrap();
            kill_and_resume(boundary, case, &reference).await
        });
    }
    let mut killed = Vec::new();
    while let Some(finished) = kills.join_next().await {
        match finished {
            Ok(ending) => killed.extend(ending),
            Err(error) => std::panic::resume_unwind(error.into_panic()),
        }
    }
    killed.sort();
    killed
}

/// Kills `case`'s command at `boundary` on a fresh emulator, runs it again to the end and
/// compares; the boundary when the kill hit a running process.
async fn kill_and_resume(boundary: usize, case: Case, reference: &Reference) -> Option<usize> {
    let em = slow_emulator((case.scenario)()).await;
    let root = tempfile::tempdir().unwrap();
    let paths = (case.prepare)(root.path());
    let invocation = Invocation::new(&resolve(case.command, &paths), &em, root.path());
    let ending = invocation.kill_at(boundary, "killed").await;
    if let Ending::Exited(code) = ending {
        assert_eq!(code, Some(0), "boundary {boundary}: {}", invocation.stderr_of("killed"));
    }
    if let Ending::KilledAfter(recorded) = ending {
        assert!(recorded >= boundary, "killed after {recorded} steps, aimed at {boundary}");
    }
    invocation.run_to_end("resumed").await;
    reference.assert_matched_by(&em, &invocation.state, &format!("killed at step boundary {boundary} ({ending:?})"));
    matches!(ending, Ending::KilledAfter(_)).then_some(boundary)
}
