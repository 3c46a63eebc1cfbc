//! Why a run stopped, as typed facts: a [`FailureCode`] faces branch on and a [`Remedy`] each
//! face words its own way (the CLI names its commands, the window its buttons). Nothing here
//! writes advice that names a command or a flag.

use keyless_azure::{AzureError, ErrorCode};
use keyless_core::InputError;
use serde::{Deserialize, Serialize};

use crate::journal::JournalError;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error("{step}: {source}")]
    Azure { step: String, source: AzureError },
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("{connection} did not pass TestConnection: {message}")]
    Verification { connection: String, message: String },
    #[error("the run was cancelled after {done} steps")]
    Cancelled { done: usize },
    #[error("{connection} cannot be converted back to a secret: {reason}")]
    RevertNotPossible { connection: String, reason: RevertRefusal },
    #[error(
        "{identity} already has the maximum of {cap} federated credentials, so {connection} cannot get the one it needs"
    )]
    CredentialCap { connection: String, identity: String, cap: usize },
}

/// Why Azure DevOps will not convert a connection back to its secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RevertRefusal {
    #[error("Azure DevOps allows reverting a conversion only until {deadline}, which has passed")]
    DeadlinePassed { deadline: String },
    #[error("Azure DevOps reverts only connections whose identity it created itself (automatic mode)")]
    ManualConnection,
    #[error("the client secrets it used were removed after the conversion, so it has no secret to go back to")]
    SecretsRemoved,
}

/// The kind of a failure, stable for `--output json`, progress events and the desktop app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FailureCode {
    /// A value was refused before any request; nothing changed.
    InvalidInput,
    /// The run journal could not be read or written.
    Journal,
    /// No run with that id in this cloud's journal.
    UnknownRun,
    /// Another run of the same setup holds the lock.
    RunBusy,
    /// The run was made against another cloud than the one signed in to.
    RunOfAnotherCloud,
    /// TestConnection kept failing after every propagation wait.
    VerificationFailed,
    Cancelled,
    /// The user declined the confirmation; nothing changed.
    Declined,
    /// Keyless itself failed (its HTTP client, the demo cloud): a bug to report.
    Internal,
    /// An Azure call failed; its own code says how.
    #[serde(untagged)]
    Azure(ErrorCode),
}

/// What the user can do next. Faces turn it into words: the CLI names its commands, the
/// window its buttons; neither sees the other's wording.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Remedy {
    /// Apply the same setup again: the run resumes where it stopped.
    ResumeRun,
    /// Wait a few minutes (credentials, roles and memberships take time to take effect), then
    /// apply again; if it persists, compare the connection's issuer and subject with the
    /// identity's federated credentials.
    WaitThenResume,
    /// Sign in again (with the tenant named, if the account has several).
    SignInAgain,
    /// Wait for the other run of this setup to end.
    WaitForOtherRun,
    /// Pick a state directory that exists and is writable.
    ChooseStateDirectory,
    /// Move the damaged journal file away and apply again; existing objects are reused.
    MoveDamagedJournal { path: String },
    /// List the runs Keyless knows.
    ListRuns,
    /// Sign in to the cloud the run was made in.
    SwitchCloud { cloud: String },
    /// Report the problem: Keyless itself failed.
    ReportBug,
    /// Advice in plain words that names no command (from a validator or a service).
    Advice { text: String },
    /// Nothing to do: the user asked for it.
    Nothing,
}

impl Remedy {
    pub fn advice(text: impl Into<String>) -> Self {
        Remedy::Advice { text: text.into() }
    }

    /// One remedy of every kind that asks the user to do something, so each face's tests can
    /// check it words them all.
    pub fn every_kind() -> Vec<Remedy> {
        vec![
            Remedy::ResumeRun,
            Remedy::WaitThenResume,
            Remedy::SignInAgain,
            Remedy::WaitForOtherRun,
            Remedy::ChooseStateDirectory,
            Remedy::MoveDamagedJournal { path: "/state/keyless/runs/20260101-120000-a1b2c3.json".into() },
            Remedy::ListRuns,
            Remedy::SwitchCloud { cloud: "https://login.microsoftonline.us + https://dev.azure.com".into() },
            Remedy::ReportBug,
            Remedy::advice("check the name"),
        ]
    }
}

impl EngineError {
    pub fn azure(step: impl Into<String>, source: AzureError) -> Self {
        EngineError::Azure { step: step.into(), source }
    }

    pub fn code(&self) -> FailureCode {
        match self {
            EngineError::Input(_) => FailureCode::InvalidInput,
            EngineError::Azure { source, .. } => FailureCode::Azure(source.code()),
            EngineError::Journal(error) => error.failure_code(),
            EngineError::Verification { .. } => FailureCode::VerificationFailed,
            EngineError::Cancelled { .. } => FailureCode::Cancelled,
            EngineError::RevertNotPossible { .. } | EngineError::CredentialCap { .. } => {
                FailureCode::Azure(ErrorCode::Validation)
            }
        }
    }

    pub fn is_sign_in(&self) -> bool {
        matches!(self, EngineError::Azure { source, .. } if matches!(source.code(), ErrorCode::Unauthorized | ErrorCode::SignInPage))
    }

    pub fn remedy(&self) -> Remedy {
        match self {
            EngineError::Input(e) => Remedy::advice(e.help.clone()),
            EngineError::Azure { .. } if self.is_sign_in() => Remedy::SignInAgain,
            EngineError::Azure { source, .. } => Remedy::advice(source.help()),
            EngineError::Journal(e) => e.remedy(),
            EngineError::Verification { .. } => Remedy::WaitThenResume,
            EngineError::Cancelled { .. } => Remedy::ResumeRun,
            EngineError::RevertNotPossible { .. } => Remedy::advice(
                "the connection keeps working with workload identity federation; to use a secret again, create a new secret-based connection and point the pipelines at it",
            ),
            EngineError::CredentialCap { .. } => Remedy::advice(
                "remove federated credentials the identity no longer needs, then apply the migration again: it continues where it stopped",
            ),
        }
    }
}

impl JournalError {
    pub fn failure_code(&self) -> FailureCode {
        match self {
            JournalError::UnknownRun { .. } => FailureCode::UnknownRun,
            JournalError::InvalidRunId { .. } => FailureCode::InvalidInput,
            JournalError::Busy { .. } => FailureCode::RunBusy,
            JournalError::Io { .. } | JournalError::Damaged { .. } | JournalError::NoStateDir => FailureCode::Journal,
        }
    }

    pub fn remedy(&self) -> Remedy {
        match self {
            JournalError::Io { .. } | JournalError::NoStateDir => Remedy::ChooseStateDirectory,
            JournalError::InvalidRunId { .. } => Remedy::ListRuns,
            JournalError::Busy { .. } => Remedy::WaitForOtherRun,
            JournalError::Damaged { path, .. } => Remedy::MoveDamagedJournal { path: path.display().to_string() },
            JournalError::UnknownRun { .. } => Remedy::ListRuns,
        }
    }
}
