//! The run journal: one JSON file per run recording each completed step and what it created,
//! so `apply` resumes after a crash and `rollback` removes exactly what the run made.
//!
//! The journal holds ids and names, never a token or secret. Files are written atomically
//! (temporary file + rename) with mode 0600 on Unix.

use std::{
    collections::BTreeMap,
    fs,
    io::Write,
    path::{Path, PathBuf},
};

use keyless_core::{Guid, names::OrgName, setup::Setup};
use serde::{Deserialize, Serialize};

use crate::progress::StepOutcome;

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("cannot use the run journal at {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("the run journal {path} is damaged: {source}")]
    Damaged { path: PathBuf, source: serde_json::Error },
    #[error("no run named '{run_id}' in {dir}")]
    UnknownRun { run_id: String, dir: PathBuf },
}

impl JournalError {
    pub fn help(&self) -> &'static str {
        match self {
            JournalError::Io { .. } => "check that the state directory exists and is writable, or pass --state-dir",
            JournalError::Damaged { .. } => {
                "move the file away and run `keyless apply` again; Keyless finds what exists and reuses it"
            }
            JournalError::UnknownRun { .. } => "`keyless runs` lists the runs Keyless knows",
        }
    }
}

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
    pub cloud: String,
    pub status: RunStatus,
    pub setup: Setup,
    /// Completed steps by step id.
    pub steps: BTreeMap<String, StepRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

impl RunJournal {
    pub fn new(cloud: &str, setup: Setup) -> Self {
        let now = time::OffsetDateTime::now_utc();
        let stamp = now
            .format(&time::macros::format_description!("[year][month][day]-[hour][minute][second]"))
            .unwrap_or_default();
        let suffix = &Guid::new_random().to_string()[..6];
        let started = now.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
        RunJournal {
            run_id: format!("{stamp}-{suffix}"),
            started,
            cloud: cloud.into(),
            status: RunStatus::Running,
            setup,
            steps: BTreeMap::new(),
            last_error: None,
        }
    }

    /// Every resource the run created, in creation order.
    pub fn created_resources(&self) -> Vec<CreatedResource> {
        self.steps.values().flat_map(|s| s.created.iter().cloned()).collect()
    }
}

/// Where journals live: `--state-dir`, `KEYLESS_STATE_DIR`, or the platform state directory.
#[derive(Debug, Clone)]
pub struct JournalStore {
    dir: PathBuf,
}

impl JournalStore {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        JournalStore { dir: dir.into() }
    }

    /// `$KEYLESS_STATE_DIR`, else `$XDG_STATE_HOME/keyless/runs`, else `~/.local/state/keyless/runs`.
    pub fn default_location() -> Self {
        if let Some(dir) = std::env::var_os("KEYLESS_STATE_DIR") {
            return JournalStore::new(PathBuf::from(dir));
        }
        let base = std::env::var_os("XDG_STATE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")));
        JournalStore::new(base.unwrap_or_else(std::env::temp_dir).join("keyless").join("runs"))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path_of(&self, run_id: &str) -> PathBuf {
        self.dir.join(format!("{run_id}.json"))
    }

    pub fn save(&self, journal: &RunJournal) -> Result<(), JournalError> {
        let io = |source| JournalError::Io { path: self.dir.clone(), source };
        fs::create_dir_all(&self.dir).map_err(io)?;
        let path = self.path_of(&journal.run_id);
        let tmp = path.with_extension("json.tmp");
        let bytes = serde_json::to_vec_pretty(journal)
            .map_err(|source| JournalError::Damaged { path: path.clone(), source })?;
        let mut options = fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&tmp).map_err(|source| JournalError::Io { path: tmp.clone(), source })?;
        file.write_all(&bytes)
            .and_then(|()| file.sync_all())
            .map_err(|source| JournalError::Io { path: tmp.clone(), source })?;
        fs::rename(&tmp, &path).map_err(|source| JournalError::Io { path, source })
    }

    pub fn load(&self, run_id: &str) -> Result<RunJournal, JournalError> {
        let path = self.path_of(run_id);
        let text = match fs::read(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(JournalError::UnknownRun { run_id: run_id.into(), dir: self.dir.clone() });
            }
            Err(source) => return Err(JournalError::Io { path, source }),
        };
        serde_json::from_slice(&text).map_err(|source| JournalError::Damaged { path, source })
    }

    /// All runs, newest first.
    pub fn list(&self) -> Result<Vec<RunJournal>, JournalError> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
            Err(source) => return Err(JournalError::Io { path: self.dir.clone(), source }),
        };
        let mut runs = vec![];
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if let Some(run_id) = name.strip_suffix(".json") {
                runs.push(self.load(run_id)?);
            }
        }
        runs.sort_by(|a, b| b.run_id.cmp(&a.run_id));
        Ok(runs)
    }

    /// The newest run that has not completed, for `apply` to resume.
    pub fn unfinished_for(&self, setup: &Setup) -> Result<Option<RunJournal>, JournalError> {
        Ok(self
            .list()?
            .into_iter()
            .find(|r| &r.setup == setup && matches!(r.status, RunStatus::Running | RunStatus::Failed)))
    }
}
