//! Why a desktop command failed, and how that becomes the `IpcError` the UI branches on.
//!
//! The use cases return typed facts (`FailureCode`, `Remedy`); this module chooses the
//! `IpcErrorCode` and words the remedy for the window (its buttons, never the CLI's commands
//! or flags). It writes its own sentences only for the failures that start here.

use keyless_azure::{AuthError, AzureError, ErrorCode};
use keyless_core::InputError;
use keyless_engine::{EngineError, FailureCode, Remedy, journal::JournalError};
use keyless_ipc::{IpcError, IpcErrorCode};
use keyless_usecases::UseCaseError;

/// A failed desktop command.
#[derive(Debug, thiserror::Error)]
pub enum DesktopError {
    #[error(transparent)]
    UseCase(#[from] UseCaseError),
    #[error("nobody is signed in")]
    NotSignedIn,
    #[error("{0} is already in progress")]
    Busy(&'static str),
    #[error("'{organization}' is not an organization this account can reach")]
    UnknownOrganization { organization: String },
    #[error("there is no project '{project}' in {organization}")]
    UnknownProject { organization: String, project: String },
    #[error("no service connection with id {id} was found in the organizations this account reaches")]
    UnknownConnection { id: String },
    #[error("{name} cannot be migrated: its class allows no migration action")]
    NotMigratable { name: String },
    #[error("Keyless can fix nothing on {connection} now")]
    NothingToFix { connection: String },
}

macro_rules! through_use_cases {
    ($($error:ty),*) => {$(
        impl From<$error> for DesktopError {
            fn from(error: $error) -> Self {
                DesktopError::UseCase(error.into())
            }
        }
    )*};
}
through_use_cases!(InputError, AuthError, AzureError, EngineError, JournalError);

impl DesktopError {
    pub fn code(&self) -> IpcErrorCode {
        match self {
            DesktopError::UseCase(error) => failure_code(error.code()),
            DesktopError::NotSignedIn => IpcErrorCode::SignInRequired,
            DesktopError::Busy(_) => IpcErrorCode::Busy,
            DesktopError::UnknownOrganization { .. }
            | DesktopError::UnknownProject { .. }
            | DesktopError::UnknownConnection { .. } => IpcErrorCode::NotFound,
            DesktopError::NotMigratable { .. } | DesktopError::NothingToFix { .. } => IpcErrorCode::InvalidInput,
        }
    }

    pub fn help(&self) -> String {
        match self {
            DesktopError::UseCase(error) => remedy_words(&error.remedy()),
            DesktopError::NotSignedIn => "Sign in first.".into(),
            DesktopError::Busy(_) => "Wait for it to finish, or cancel it.".into(),
            DesktopError::UnknownOrganization { .. } => {
                "Pick an organization from the list, or sign in with an account that belongs to it.".into()
            }
            DesktopError::UnknownProject { .. } => "Pick a project from the organization's list.".into(),
            DesktopError::UnknownConnection { .. } => {
                "It was deleted or moved since the inventory was taken: take the inventory again and choose anew."
                    .into()
            }
            DesktopError::NotMigratable { .. } => {
                "Leave it out of the choice; the inventory's details say what it needs first.".into()
            }
            DesktopError::NothingToFix { .. } => {
                "Diagnose it again: it may have been repaired meanwhile, and each finding left says what to do instead."
                    .into()
            }
        }
    }

    /// The service's request id, when a service answered.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            DesktopError::UseCase(error) => error.request_id(),
            _ => None,
        }
    }
}

impl From<DesktopError> for IpcError {
    fn from(error: DesktopError) -> Self {
        let ipc = IpcError::new(error.code(), error.to_string(), error.help());
        match error.request_id() {
            Some(id) => ipc.with_request_id(id),
            None => ipc,
        }
    }
}

/// The UI's reading of a use case's failure code.
pub fn failure_code(code: FailureCode) -> IpcErrorCode {
    match code {
        FailureCode::InvalidInput => IpcErrorCode::InvalidInput,
        FailureCode::Journal | FailureCode::Internal => IpcErrorCode::Internal,
        FailureCode::UnknownRun | FailureCode::RunOfAnotherCloud => IpcErrorCode::NotFound,
        FailureCode::RunBusy => IpcErrorCode::Busy,
        FailureCode::VerificationFailed => IpcErrorCode::Service,
        FailureCode::Cancelled | FailureCode::Declined => IpcErrorCode::Cancelled,
        FailureCode::Azure(code) => ipc_code(code),
    }
}

/// The UI's reading of the HTTP layer's codes: what the user can do about each.
pub fn ipc_code(code: ErrorCode) -> IpcErrorCode {
    match code {
        ErrorCode::InvalidInput => IpcErrorCode::InvalidInput,
        ErrorCode::Unauthorized
        | ErrorCode::SignInPage
        | ErrorCode::SignInRequired
        | ErrorCode::SignInFailed
        | ErrorCode::TimedOut => IpcErrorCode::SignInRequired,
        ErrorCode::Forbidden => IpcErrorCode::Forbidden,
        ErrorCode::NotFound => IpcErrorCode::NotFound,
        ErrorCode::Throttled | ErrorCode::Replication | ErrorCode::OutcomeUnknown => IpcErrorCode::Unavailable,
        ErrorCode::Network => IpcErrorCode::Network,
        ErrorCode::Conflict | ErrorCode::Validation | ErrorCode::Malformed | ErrorCode::ServerError => {
            IpcErrorCode::Service
        }
        ErrorCode::Cancelled => IpcErrorCode::Cancelled,
    }
}

/// A remedy in the window's words: its buttons and screens, never a command or a flag.
pub fn remedy_words(remedy: &Remedy) -> String {
    match remedy {
        Remedy::ResumeRun => "Choose “Resume the run”: Keyless continues where it stopped.".into(),
        Remedy::WaitThenResume => "Wait a few minutes (credentials, roles and memberships take time to take effect), then choose “Resume the run”. If it persists, compare the connection's issuer and subject with the identity's federated credentials.".into(),
        Remedy::SignInAgain => "Sign in again; name the tenant if your account has several.".into(),
        Remedy::WaitForOtherRun => "Another Keyless window or command is working on this setup. Wait for it to finish, then try again.".into(),
        Remedy::ChooseStateDirectory => "Check that Keyless's state folder exists and is writable, or start Keyless with KEYLESS_STATE_DIR naming another.".into(),
        Remedy::MoveDamagedJournal { path } => format!("Move {path} away and apply again; Keyless finds what exists and reuses it."),
        Remedy::ListRuns => "Pick a run from the list of runs.".into(),
        Remedy::SwitchCloud { cloud } => format!("Switch to the cloud the run was made in ({cloud}) and sign in there."),
        Remedy::ReportBug => "Restart Keyless; if it happens again, report it with the message above.".into(),
        Remedy::Advice { text } => sentence(text),
        Remedy::Nothing => String::new(),
    }
}

/// Libraries write advice as a clause ("sign in again"); the window shows sentences.
fn sentence(text: &str) -> String {
    let mut chars = text.trim().chars();
    let Some(first) = chars.next() else { return String::new() };
    let mut words: String = first.to_uppercase().chain(chars).collect();
    if !words.ends_with(['.', '!', '?']) {
        words.push('.');
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_errors_keep_their_advice_as_a_sentence() {
        let error: IpcError =
            DesktopError::from(InputError::new("organization", "is empty", "use the name from the URL")).into();
        assert_eq!(
            error,
            IpcError::new(IpcErrorCode::InvalidInput, "organization: is empty", "Use the name from the URL.")
        );
    }

    #[test]
    fn sign_in_failures_ask_to_sign_in_and_cancels_are_cancels() {
        assert_eq!(DesktopError::from(AuthError::DeviceCodeExpired).code(), IpcErrorCode::SignInRequired);
        assert_eq!(DesktopError::from(AuthError::Cancelled).code(), IpcErrorCode::Cancelled);
        assert_eq!(DesktopError::from(EngineError::Cancelled { done: 3 }).code(), IpcErrorCode::Cancelled);
        assert_eq!(DesktopError::NotSignedIn.code(), IpcErrorCode::SignInRequired);
        assert_eq!(DesktopError::from(UseCaseError::NoTenant).code(), IpcErrorCode::SignInRequired);
    }

    #[test]
    fn busy_and_unknown_names_have_their_own_codes() {
        assert_eq!(DesktopError::Busy("a run").code(), IpcErrorCode::Busy);
        let unknown = DesktopError::UnknownOrganization { organization: "nope".into() };
        assert_eq!(IpcError::from(unknown).code, IpcErrorCode::NotFound);
    }

    #[test]
    fn the_window_never_shows_the_clis_commands_or_flags() {
        let remedies = Remedy::every_kind();
        for remedy in remedies {
            let words = remedy_words(&remedy);
            assert!(!words.is_empty(), "{remedy:?}");
            assert!(!words.contains("keyless ") && !words.contains(" --"), "{remedy:?}: {words}");
        }
        let cancelled = DesktopError::from(EngineError::Cancelled { done: 2 });
        assert!(!cancelled.help().contains("keyless apply"), "{}", cancelled.help());
    }
}
