//! Why a run stopped, with the code UIs branch on and the help line people read.

use keyless_azure::{AzureError, ErrorCode};
use keyless_core::InputError;

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
    #[error("the run was cancelled after {done} steps; `keyless apply` resumes it")]
    Cancelled { done: usize },
}

impl EngineError {
    pub fn azure(step: impl Into<String>, source: AzureError) -> Self {
        EngineError::Azure { step: step.into(), source }
    }

    /// A short stable code for `--output json` and the desktop app.
    pub fn code(&self) -> String {
        match self {
            EngineError::Input(_) => "invalidInput".into(),
            EngineError::Azure { source, .. } => format!("{:?}", source.code()).to_lowercase(),
            EngineError::Journal(_) => "journal".into(),
            EngineError::Verification { .. } => "verificationFailed".into(),
            EngineError::Cancelled { .. } => "cancelled".into(),
        }
    }

    pub fn is_sign_in(&self) -> bool {
        matches!(self, EngineError::Azure { source, .. } if matches!(source.code(), ErrorCode::Unauthorized | ErrorCode::SignInPage))
    }

    pub fn help(&self) -> String {
        match self {
            EngineError::Input(e) => e.help.clone(),
            EngineError::Azure { source, .. } => source.help(),
            EngineError::Journal(e) => e.help().into(),
            EngineError::Verification { .. } => {
                "run `keyless apply` again in a few minutes (credentials can take minutes to propagate); if it persists, compare the connection's issuer and subject with the identity's federated credentials".into()
            }
            EngineError::Cancelled { .. } => "run `keyless apply` with the same file to continue where it stopped".into(),
        }
    }
}
