//! The run journal: one JSON file per run recording each completed step and what it created,
//! so `apply` resumes after a crash and `rollback` removes exactly what the run made.
//!
//! The journal holds ids and names, never a token or secret. Files are written atomically
//! (a uniquely named temporary file, then a rename) with mode 0600 in a directory of mode 0700
//! on Unix. Journals are `{run_id}.json`; run reports use `{run_id}.report.json` and
//! `{run_id}.report.md` (see [`JournalStore::report_paths`]) so one never replaces the other.
//! It does not decide when to resume or lock a run: `apply`'s callers do, through
//! [`JournalStore::unfinished_for`] and [`JournalStore::lock`].

use std::{
    collections::BTreeMap,
    ffi::OsString,
    fs,
    io::Write,
    path::{Path, PathBuf},
};

use keyless_core::{Guid, cloud::CloudIdentity, names::OrgName, setup::Setup};
use serde::{Deserialize, Serialize};

use crate::progress::StepOutcome;
pub use crate::run_lock::RunLock;

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("cannot use the run journal at {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("the run journal {path} is damaged: {source}")]
    Damaged { path: PathBuf, source: serde_json::Error },
    #[error("no run named '{run_id}' in {dir}")]
    UnknownRun { run_id: String, dir: PathBuf },
    #[error("'{run_id}' is not a run id: {reason}")]
    InvalidRunId { run_id: String, reason: &'static str },
    #[error("no state directory for the run journal: none of KEYLESS_STATE_DIR, XDG_STATE_HOME or HOME is set")]
    NoStateDir,
    #[error("another Keyless run of the same setup is in progress ({what})")]
    Busy { what: String },
}

// What the user can do about a `JournalError` is its `remedy()` (error.rs), worded by each face.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RunStatus {
    Running,
    Completed,
    /// Completed except for steps waiting on the identity's owner (`keyless finish`).
    WaitingForHandOff,
    Failed,
    RolledBack,
}

/// Something a run created; rollback deletes these and nothing else.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum CreatedResource {
    #[serde(rename_all = "camelCase")]
    AppRegistration { object_id: Guid, app_id: Guid, display_name: String },
    #[serde(rename_all = "camelCase")]
    ServicePrincipal { object_id: Guid, app_id: Guid },
    #[serde(rename_all = "camelCase")]
    ManagedIdentity { resource_id: String },
    #[serde(rename_all = "camelCase")]
    RoleAssignment { id: String },
    #[serde(rename_all = "camelCase")]
    Entitlement { organization: OrgName, entitlement_id: Guid },
    #[serde(rename_all = "camelCase")]
    ServiceConnection { organization: OrgName, id: Guid, project_ids: Vec<Guid> },
    #[serde(rename_all = "camelCase")]
    AppFederatedCredential { app_object_id: Guid, name: String },
    #[serde(rename_all = "camelCase")]
    ManagedIdentityFederatedCredential { identity_resource_id: String, name: String },
}

/// Values a step learned that later steps (and resumed runs) need.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StepOutputs {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<Guid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal_id: Option<Guid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_ref: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<Guid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_id: Option<Guid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fic_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StepRecord {
    pub outcome: StepOutcome,
    pub detail: String,
    #[serde(default)]
    pub outputs: StepOutputs,
    #[serde(default)]
    pub created: Vec<CreatedResource>,
    /// For a credential Keyless could not write: what the identity's owner must create.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hand_off: Option<crate::snippets::HandOff>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunJournal {
    pub run_id: String,
    pub started: String,
    /// The cloud's display name, for people; runs are matched by `cloud_identity`.
    pub cloud: String,
    /// Which cloud the run changed. Journals written before Keyless recorded it have none and
    /// are never resumed, since nothing says they belong to the cloud signed in now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_identity: Option<CloudIdentity>,
    pub status: RunStatus,
    pub setup: Setup,
    /// Completed steps by step id.
    pub steps: BTreeMap<String, StepRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// What steps were about to create, by step id, written before each create.
    #[serde(default)]
    pub intents: BTreeMap<String, crate::intent::Intent>,
}

impl RunJournal {
    pub fn new(cloud_name: &str, cloud_identity: Option<CloudIdentity>, setup: Setup) -> Self {
        let (run_id, started) = new_run_id();
        RunJournal {
            run_id,
            started,
            cloud: cloud_name.into(),
            cloud_identity,
            status: RunStatus::Running,
            setup,
            steps: BTreeMap::new(),
            last_error: None,
            intents: BTreeMap::new(),
        }
    }

    /// Every resource the run created, in creation order.
    pub fn created_resources(&self) -> Vec<CreatedResource> {
        self.steps.values().flat_map(|s| s.created.iter().cloned()).collect()
    }
}

/// A fresh run id (`{yyyymmdd-hhmmss}-{6 hex}`) and the start time (RFC 3339).
pub(crate) fn new_run_id() -> (String, String) {
    let now = time::OffsetDateTime::now_utc();
    let stamp =
        now.format(&time::macros::format_description!("[year][month][day]-[hour][minute][second]")).unwrap_or_default();
    let suffix = &Guid::new_random().to_string()[..6];
    let started = now.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    (format!("{stamp}-{suffix}"), started)
}

/// The longest run id accepted; Keyless's own are 22 characters.
const MAX_RUN_ID_LENGTH: usize = 64;

/// Checks that `run_id` names a file inside the state directory and nothing else: ASCII
/// letters, digits, `-` and `_` only, so no separator, dot, `..` or absolute path gets through.
/// Every id [`RunJournal::new`] makes passes.
pub fn validate_run_id(run_id: &str) -> Result<(), JournalError> {
    let refuse = |reason| Err(JournalError::InvalidRunId { run_id: run_id.into(), reason });
    if run_id.is_empty() {
        return refuse("it is empty");
    }
    if run_id.len() > MAX_RUN_ID_LENGTH {
        return refuse("it is longer than 64 characters");
    }
    if !run_id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return refuse("only letters, digits, '-' and '_' are allowed");
    }
    Ok(())
}

/// Where journals live: `--state-dir`, `KEYLESS_STATE_DIR`, or the platform state directory.
#[derive(Debug, Clone)]
pub struct JournalStore {
    dir: PathBuf,
}

/// What one pass over the state directory found.
#[derive(Default)]
struct Scan {
    runs: Vec<RunJournal>,
    damaged: Vec<PathBuf>,
}

impl JournalStore {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        JournalStore { dir: dir.into() }
    }

    /// `$KEYLESS_STATE_DIR`, else `$XDG_STATE_HOME/keyless/runs`, else `~/.local/state/keyless/runs`.
    /// Never a shared temporary directory: other users could read or plant journals there.
    pub fn default_location() -> Result<Self, JournalError> {
        Self::location_from(|name| std::env::var_os(name))
    }

    /// [`JournalStore::default_location`] with the environment given as `variable`.
    pub fn location_from(variable: impl Fn(&str) -> Option<OsString>) -> Result<Self, JournalError> {
        let non_empty = |name| variable(name).filter(|value| !value.is_empty()).map(PathBuf::from);
        if let Some(dir) = non_empty("KEYLESS_STATE_DIR") {
            return Ok(JournalStore::new(dir));
        }
        let base = non_empty("XDG_STATE_HOME").or_else(|| non_empty("HOME").map(|home| home.join(".local/state")));
        match base {
            Some(base) => Ok(JournalStore::new(base.join("keyless").join("runs"))),
            None => Err(JournalError::NoStateDir),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where `{run_id}.json` lives in this store; an id no run makes is refused.
    pub(crate) fn path_of(&self, run_id: &str) -> Result<PathBuf, JournalError> {
        validate_run_id(run_id)?;
        Ok(self.dir.join(format!("{run_id}.json")))
    }

    /// Where a run report of `run_id` goes in `dir`: `{run_id}.report.json` and
    /// `{run_id}.report.md`, names no journal ever has.
    pub fn report_paths(dir: &Path, run_id: &str) -> Result<(PathBuf, PathBuf), JournalError> {
        validate_run_id(run_id)?;
        Ok((dir.join(format!("{run_id}.report.json")), dir.join(format!("{run_id}.report.md"))))
    }

    /// Whether `dir` is this store's directory (compared after resolving links and `..`), so a
    /// face can refuse to write reports or other files among the journals.
    pub fn is_journal_dir(&self, dir: &Path) -> bool {
        match (fs::canonicalize(dir), fs::canonicalize(&self.dir)) {
            (Ok(dir), Ok(journals)) => dir == journals,
            // A directory that does not exist yet holds no journal; compare the paths as given.
            _ => dir.components().eq(self.dir.components()),
        }
    }

    /// Creates the state directory, mode 0700 on Unix. An existing directory keeps its mode.
    pub(crate) fn create_dir(&self) -> Result<(), JournalError> {
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&self.dir).map_err(|source| JournalError::Io { path: self.dir.clone(), source })
    }

    pub fn save(&self, journal: &RunJournal) -> Result<(), JournalError> {
        self.write_json(&journal.run_id, journal)
    }

    pub fn load(&self, run_id: &str) -> Result<RunJournal, JournalError> {
        self.read_json(run_id)
    }

    /// The store of migration journals: the `migrations` directory inside this one, so
    /// migrations and runs never read each other's files.
    pub fn migrations(&self) -> JournalStore {
        JournalStore::new(self.dir.join("migrations"))
    }

    /// Writes `value` as `{run_id}.json`, atomically and privately.
    pub(crate) fn write_json<T: Serialize>(&self, run_id: &str, value: &T) -> Result<(), JournalError> {
        let bytes = serde_json::to_vec_pretty(value)
            .map_err(|source| JournalError::Damaged { path: self.dir.join(format!("{run_id}.json")), source })?;
        self.write_serialized(run_id, &bytes)
    }

    /// Writes `bytes` (a JSON document) as `{run_id}.json`, atomically and privately.
    pub(crate) fn write_serialized(&self, run_id: &str, bytes: &[u8]) -> Result<(), JournalError> {
        let path = self.path_of(run_id)?;
        self.create_dir()?;
        // Unique per writer, so two processes saving the same run never write into one file.
        let nonce = Guid::new_random();
        let tmp = self.dir.join(format!("{run_id}.json.{}.{nonce}.tmp", std::process::id()));
        let written = write_private(&tmp, bytes).and_then(|()| fs::rename(&tmp, &path));
        if let Err(source) = written {
            let _ = fs::remove_file(&tmp);
            return Err(JournalError::Io { path, source });
        }
        self.remove_abandoned_writes(run_id, Tidier::WriterWithTheLock);
        Ok(())
    }

    /// Removes the temporary files of `run_id` that a process killed mid-write left behind.
    /// The one writing a run holds its setup's or migration's lock, so after a write a temporary
    /// file of the same run from another process is abandoned; on Linux a process still alive is
    /// also asked after, so a run written without the lock (a test's) keeps its files. A reader
    /// holds no lock, so it removes only files whose writer is known to have ended (Linux): a run
    /// killed during its last save is read on resume but may never be written again.
    fn remove_abandoned_writes(&self, run_id: &str, caller: Tidier) {
        let Ok(entries) = fs::read_dir(&self.dir) else { return };
        let prefix = format!("{run_id}.json.");
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            let Some(writer) = name.strip_prefix(&prefix).filter(|rest| rest.ends_with(".tmp")) else { continue };
            let Some(pid) = writer.split('.').next().and_then(|pid| pid.parse::<u32>().ok()) else { continue };
            // Without the lock, a writer not found running is gone only where `/proc` can tell.
            let absence_is_known = caller == Tidier::WriterWithTheLock || cfg!(target_os = "linux");
            if pid == std::process::id() || process_alive(pid) || !absence_is_known {
                continue;
            }
            if let Err(error) = fs::remove_file(entry.path()) {
                tracing::debug!(path = %entry.path().display(), %error, "cannot remove an abandoned journal write");
            }
        }
    }

    /// Reads `{run_id}.json`.
    pub(crate) fn read_json<T: serde::de::DeserializeOwned>(&self, run_id: &str) -> Result<T, JournalError> {
        let path = self.path_of(run_id)?;
        self.remove_abandoned_writes(run_id, Tidier::Reader);
        let text = match fs::read(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(JournalError::UnknownRun { run_id: run_id.into(), dir: self.dir.clone() });
            }
            Err(source) => return Err(JournalError::Io { path, source }),
        };
        serde_json::from_slice(&text).map_err(|source| JournalError::Damaged { path, source })
    }

    /// The ids of every `{run_id}.json` in the directory.
    pub(crate) fn run_ids(&self) -> Result<Vec<String>, JournalError> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
            Err(source) => return Err(JournalError::Io { path: self.dir.clone(), source }),
        };
        let mut ids: Vec<String> = entries
            .flatten()
            .filter_map(|entry| {
                let name = entry.file_name().to_string_lossy().to_string();
                // Temporary files, reports and locks have names no run id makes.
                name.strip_suffix(".json").filter(|id| validate_run_id(id).is_ok()).map(str::to_string)
            })
            .collect();
        ids.sort();
        Ok(ids)
    }

    /// All readable runs, newest first. A damaged journal is skipped (and logged) so one bad
    /// file does not stop every command; [`JournalStore::damaged`] names them.
    pub fn list(&self) -> Result<Vec<RunJournal>, JournalError> {
        Ok(self.scan()?.runs)
    }

    /// Journal files that cannot be read, for the faces to mention; empty when all are fine.
    pub fn damaged(&self) -> Vec<PathBuf> {
        self.scan().map(|scan| scan.damaged).unwrap_or_default()
    }

    fn scan(&self) -> Result<Scan, JournalError> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Scan::default()),
            Err(source) => return Err(JournalError::Io { path: self.dir.clone(), source }),
        };
        let mut scan = Scan::default();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            // Temporary files, reports and locks have names no run id makes.
            let Some(run_id) = name.strip_suffix(".json").filter(|id| validate_run_id(id).is_ok()) else {
                continue;
            };
            match self.load(run_id) {
                Ok(run) => scan.runs.push(run),
                Err(error) => {
                    tracing::warn!(path = %entry.path().display(), %error, "skipping a run journal that cannot be read");
                    scan.damaged.push(entry.path());
                }
            }
        }
        scan.runs.sort_by(|a, b| b.run_id.cmp(&a.run_id));
        scan.damaged.sort();
        Ok(scan)
    }

    /// The newest run of `setup` on `cloud` that has not completed, for `apply` to resume.
    /// Journals without a cloud identity never match.
    pub fn unfinished_for(&self, setup: &Setup, cloud: &CloudIdentity) -> Result<Option<RunJournal>, JournalError> {
        Ok(self.list()?.into_iter().find(|run| {
            &run.setup == setup
                && run.cloud_identity.as_ref() == Some(cloud)
                && matches!(run.status, RunStatus::Running | RunStatus::Failed)
        }))
    }

    /// Takes the lock for one setup, `key` being any stable string naming it (such as the
    /// setup and the cloud identity). A second holder, in this process or another, gets
    /// [`JournalError::Busy`] until the returned [`RunLock`] is dropped.
    pub fn lock(&self, key: &str) -> Result<RunLock, JournalError> {
        self.create_dir()?;
        RunLock::acquire(&self.dir, key)
    }
}

/// Who tidies a run's abandoned writes: its writer, which holds the run's lock, or a reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tidier {
    WriterWithTheLock,
    Reader,
}

/// Whether process `pid` runs: on Linux, whether `/proc` lists it; elsewhere no process is
/// known to, and the run's lock alone keeps two writers apart.
fn process_alive(pid: u32) -> bool {
    cfg!(target_os = "linux") && Path::new(&format!("/proc/{pid}")).exists()
}

/// Creates (or truncates) `path` with mode 0600 on Unix and writes `bytes` durably. Reports and
/// hand-off packs name people, identities and estates: they are as private as the journals.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = open_private(path, true)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Creates `dir` and its missing parents with mode 0700 on Unix; an existing one keeps its mode.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Opens `path` for writing, creating it with mode 0600 on Unix.
pub(crate) fn open_private(path: &Path, truncate: bool) -> std::io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(truncate);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

#[cfg(test)]
#[path = "journal_tests.rs"]
mod tests;
