//! How a command fails: a message, a help line, and the exit code scripts branch on.

use std::fmt;

use keyless_core::InputError;

/// Exit codes (also in README, "Exit codes").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Azure or the network failed; the run can be resumed.
    Failed = 1,
    /// Bad input or a refused plan; nothing was sent or changed.
    BadInput = 2,
    /// Sign-in failed or is needed.
    SignIn = 3,
    /// Done except for steps waiting on an identity owner (`keyless finish`).
    HandOffPending = 4,
    /// The user declined the confirmation.
    Declined = 5,
}

#[derive(Debug)]
pub struct Failure {
    pub exit: Exit,
    pub message: String,
    pub help: String,
    /// Stable machine-readable code for `--output json`.
    pub code: String,
}

impl Failure {
    pub fn new(exit: Exit, code: &str, message: impl Into<String>, help: impl Into<String>) -> Self {
        Failure { exit, code: code.into(), message: message.into(), help: help.into() }
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({ "error": { "code": self.code, "message": self.message, "help": self.help, "exitCode": self.exit as i32 } })
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}", self.message)?;
        if !self.help.is_empty() {
            write!(f, "\n  help: {}", self.help)?;
        }
        Ok(())
    }
}

impl From<InputError> for Failure {
    fn from(e: InputError) -> Self {
        Failure::new(Exit::BadInput, "invalidInput", e.to_string(), e.help)
    }
}

impl From<keyless_engine::journal::JournalError> for Failure {
    fn from(e: keyless_engine::journal::JournalError) -> Self {
        let help = e.help();
        let exit = if matches!(e, keyless_engine::journal::JournalError::UnknownRun { .. }) {
            Exit::BadInput
        } else {
            Exit::Failed
        };
        Failure::new(exit, "journal", e.to_string(), help)
    }
}

impl From<keyless_emulator::EmulatorError> for Failure {
    fn from(e: keyless_emulator::EmulatorError) -> Self {
        let help = match &e {
            keyless_emulator::EmulatorError::Bind { .. } => {
                "pick another port with --port, or --port 0 for any free one"
            }
            _ => "fix the scenario file; crates/keyless-emulator/scenarios/demo.toml is a complete example",
        };
        Failure::new(Exit::BadInput, "emulator", e.to_string(), help)
    }
}
