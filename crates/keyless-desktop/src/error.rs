//! Why a desktop command failed, and how that becomes the `IpcError` the UI branches on.
//!
//! Each library error keeps its own message and help line; this module only chooses the
//! `IpcErrorCode` and carries the service's request id. It writes no sentences of its own
//! except for the few failures that start here (not signed in, busy, unknown names).

use keyless_azure::{AuthError, AzureError, ErrorCode};
use keyless_core::InputError;
use keyless_emulator::EmulatorError;
use keyless_engine::{EngineError, journal::JournalError};
use keyless_ipc::{IpcError, IpcErrorCode};

/// A failed desktop command.
#[derive(Debug, thiserror::Error)]
pub enum DesktopError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    SignIn(#[from] AuthError),
    #[error(transparent)]
    Azure(#[from] AzureError),
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("Keyless could not set up its HTTP client: {0}")]
    HttpSetup(#[from] keyless_azure::transport::HttpSetupError),
    #[error("the demo cloud could not start: {0}")]
    Demo(#[from] EmulatorError),
    #[error("the demo cloud could not keep its run journal: {0}")]
    DemoJournal(#[source] std::io::Error),
    #[error("nobody is signed in")]
    NotSignedIn,
    #[error("{0} is already in progress")]
    Busy(&'static str),
    #[error("the sign-in did not say which tenant the account belongs to")]
    NoTenant,
    #[error("'{organization}' is not an organization this account can reach")]
    UnknownOrganization { organization: String },
    #[error("there is no project '{project}' in {organization}")]
    UnknownProject { organization: String, project: String },
    #[error("Azure CLI sign-in does not work with the demo cloud")]
    AzureCliOnDemo,
}

impl DesktopError {
    pub fn code(&self) -> IpcErrorCode {
        match self {
            DesktopError::Input(_) | DesktopError::AzureCliOnDemo => IpcErrorCode::InvalidInput,
            DesktopError::SignIn(error) => ipc_code(error.code()),
            DesktopError::Azure(error) => ipc_code(error.code()),
            DesktopError::Engine(error) => engine_code(error),
            DesktopError::Journal(JournalError::UnknownRun { .. }) => IpcErrorCode::NotFound,
            DesktopError::Journal(_)
            | DesktopError::HttpSetup(_)
            | DesktopError::Demo(_)
            | DesktopError::DemoJournal(_) => IpcErrorCode::Internal,
            DesktopError::NotSignedIn | DesktopError::NoTenant => IpcErrorCode::SignInRequired,
            DesktopError::Busy(_) => IpcErrorCode::Busy,
            DesktopError::UnknownOrganization { .. } | DesktopError::UnknownProject { .. } => IpcErrorCode::NotFound,
        }
    }

    pub fn help(&self) -> String {
        match self {
            DesktopError::Input(error) => error.help.clone(),
            DesktopError::SignIn(error) => error.help(),
            DesktopError::Azure(error) => error.help(),
            DesktopError::Engine(error) => error.help(),
            DesktopError::Journal(error) => error.help().into(),
            DesktopError::HttpSetup(_) | DesktopError::Demo(_) | DesktopError::DemoJournal(_) => {
                "restart Keyless; if it happens again, report it with the message above".into()
            }
            DesktopError::NotSignedIn => "sign in first".into(),
            DesktopError::Busy(_) => "wait for it to finish, or cancel it".into(),
            DesktopError::NoTenant => "sign in again, naming the tenant (its id or domain)".into(),
            DesktopError::UnknownOrganization { .. } => {
                "pick an organization from the list, or sign in with an account that belongs to it".into()
            }
            DesktopError::UnknownProject { .. } => "pick a project from the organization's list".into(),
            DesktopError::AzureCliOnDemo => "sign in to the demo cloud with the browser or a device code".into(),
        }
    }

    /// The service's request id, when a service answered.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            DesktopError::Azure(error) => error.request_id(),
            DesktopError::SignIn(AuthError::Http(error)) => error.request_id(),
            DesktopError::Engine(EngineError::Azure { source, .. }) => source.request_id(),
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

/// The UI's reading of an engine failure.
pub fn engine_code(error: &EngineError) -> IpcErrorCode {
    match error {
        EngineError::Input(_) => IpcErrorCode::InvalidInput,
        EngineError::Azure { source, .. } => ipc_code(source.code()),
        EngineError::Journal(_) => IpcErrorCode::Internal,
        EngineError::Verification { .. } => IpcErrorCode::Service,
        EngineError::Cancelled { .. } => IpcErrorCode::Cancelled,
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
        ErrorCode::Throttled | ErrorCode::Replication => IpcErrorCode::Unavailable,
        ErrorCode::Network => IpcErrorCode::Network,
        ErrorCode::Conflict | ErrorCode::Validation | ErrorCode::Malformed | ErrorCode::ServerError => {
            IpcErrorCode::Service
        }
        ErrorCode::Cancelled => IpcErrorCode::Cancelled,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_errors_keep_their_help() {
        let error: IpcError =
            DesktopError::from(InputError::new("organization", "is empty", "use the name from the URL")).into();
        assert_eq!(
            error,
            IpcError::new(IpcErrorCode::InvalidInput, "organization: is empty", "use the name from the URL")
        );
    }

    #[test]
    fn sign_in_failures_ask_to_sign_in_and_cancels_are_cancels() {
        assert_eq!(DesktopError::from(AuthError::DeviceCodeExpired).code(), IpcErrorCode::SignInRequired);
        assert_eq!(DesktopError::from(AuthError::Cancelled).code(), IpcErrorCode::Cancelled);
        assert_eq!(DesktopError::from(EngineError::Cancelled { done: 3 }).code(), IpcErrorCode::Cancelled);
        assert_eq!(DesktopError::NotSignedIn.code(), IpcErrorCode::SignInRequired);
    }

    #[test]
    fn busy_and_unknown_names_have_their_own_codes() {
        assert_eq!(DesktopError::Busy("a run").code(), IpcErrorCode::Busy);
        let unknown = DesktopError::UnknownOrganization { organization: "nope".into() };
        assert_eq!(IpcError::from(unknown).code, IpcErrorCode::NotFound);
    }
}
