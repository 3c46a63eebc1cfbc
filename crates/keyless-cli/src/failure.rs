//! How a command fails: a message, a help line in the CLI's own words (naming its commands and
//! flags), the typed code `--output json` carries, and the exit code scripts branch on.

use std::fmt;

use keyless_core::InputError;
use keyless_engine::{FailureCode, Remedy};
use keyless_usecases::UseCaseError;

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
    pub code: FailureCode,
    pub message: String,
    pub help: String,
}

impl Failure {
    pub fn new(exit: Exit, code: FailureCode, message: impl Into<String>, help: impl Into<String>) -> Self {
        Failure { exit, code, message: message.into(), help: help.into() }
    }

    /// Refused input the CLI itself checks (a flag's value, a file it cannot read).
    pub fn bad_input(message: impl Into<String>, help: impl Into<String>) -> Self {
        Failure::new(Exit::BadInput, FailureCode::InvalidInput, message, help)
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

/// The exit code scripts see for a failure of this kind.
pub fn exit_for(code: FailureCode) -> Exit {
    use keyless_azure::ErrorCode;
    match code {
        FailureCode::InvalidInput | FailureCode::UnknownRun | FailureCode::RunOfAnotherCloud => Exit::BadInput,
        FailureCode::Declined => Exit::Declined,
        FailureCode::Azure(ErrorCode::InvalidInput) => Exit::BadInput,
        FailureCode::Azure(
            ErrorCode::Unauthorized
            | ErrorCode::SignInPage
            | ErrorCode::SignInRequired
            | ErrorCode::SignInFailed
            | ErrorCode::TimedOut,
        ) => Exit::SignIn,
        _ => Exit::Failed,
    }
}

/// The remedy in the CLI's words.
pub fn remedy_text(remedy: &Remedy) -> String {
    match remedy {
        Remedy::ResumeRun => "run the same `keyless apply` again: it resumes where it stopped".into(),
        Remedy::WaitThenResume => "wait a few minutes (credentials, roles and memberships take time to take effect), then run the same `keyless apply` again; if it persists, compare the connection's issuer and subject with the identity's federated credentials".into(),
        Remedy::SignInAgain => "sign in again (`keyless login`), with --tenant <tenant id or domain> if the account has several tenants".into(),
        Remedy::WaitForOtherRun => "another keyless process is working on this setup: wait for it to finish (or stop it), then try again".into(),
        Remedy::ChooseStateDirectory => "check that the state directory exists and is writable, or pass --state-dir".into(),
        Remedy::MoveDamagedJournal { path } => format!("move {path} away and run `keyless apply` again; Keyless finds what exists and reuses it"),
        Remedy::ListRuns => "`keyless runs` lists the runs Keyless knows".into(),
        Remedy::SwitchCloud { cloud } => format!("run it with --cloud naming the cloud the run was made in ({cloud})"),
        Remedy::ReportBug => "this is a bug in Keyless; please report it with the message above".into(),
        Remedy::Advice { text } => text.clone(),
        Remedy::Nothing => String::new(),
    }
}

impl From<UseCaseError> for Failure {
    fn from(error: UseCaseError) -> Self {
        let code = error.code();
        Failure::new(exit_for(code), code, error.to_string(), remedy_text(&error.remedy()))
    }
}

impl From<keyless_engine::EngineError> for Failure {
    fn from(error: keyless_engine::EngineError) -> Self {
        UseCaseError::from(error).into()
    }
}

impl From<InputError> for Failure {
    fn from(error: InputError) -> Self {
        UseCaseError::from(error).into()
    }
}

impl From<keyless_engine::journal::JournalError> for Failure {
    fn from(error: keyless_engine::journal::JournalError) -> Self {
        UseCaseError::from(error).into()
    }
}

impl From<keyless_emulator::EmulatorError> for Failure {
    fn from(error: keyless_emulator::EmulatorError) -> Self {
        let help = match &error {
            keyless_emulator::EmulatorError::Bind { .. } => {
                "pick another port with --port, or --port 0 for any free one"
            }
            _ => "fix the scenario file; crates/keyless-emulator/scenarios/demo.toml is a complete example",
        };
        Failure::bad_input(error.to_string(), help)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_remedy_but_nothing_says_what_to_do() {
        let remedies = Remedy::every_kind();
        for remedy in remedies {
            assert!(!remedy_text(&remedy).is_empty(), "{remedy:?}");
        }
        assert_eq!(remedy_text(&Remedy::Nothing), "");
    }

    #[test]
    fn sign_in_codes_exit_3_and_bad_input_exits_2() {
        use keyless_azure::ErrorCode;
        assert_eq!(exit_for(FailureCode::Azure(ErrorCode::SignInRequired)), Exit::SignIn);
        assert_eq!(exit_for(FailureCode::UnknownRun), Exit::BadInput);
        assert_eq!(exit_for(FailureCode::RunOfAnotherCloud), Exit::BadInput);
        assert_eq!(exit_for(FailureCode::Azure(ErrorCode::Forbidden)), Exit::Failed);
        assert_eq!(exit_for(FailureCode::Declined), Exit::Declined);
    }
}
