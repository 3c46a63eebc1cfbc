//! Why a use case failed, as typed facts: the [`FailureCode`] faces branch on and the
//! [`Remedy`] each face words its own way. The few failures that start here (no tenant, a run
//! of another cloud, a declined confirmation) get their messages here; library errors keep
//! theirs.

use keyless_azure::{AuthError, AzureError, ErrorCode, auth::remember::StoreError, transport::HttpSetupError};
use keyless_core::InputError;
use keyless_emulator::EmulatorError;
use keyless_engine::{EngineError, FailureCode, Remedy, journal::JournalError};

#[derive(Debug, thiserror::Error)]
pub enum UseCaseError {
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
    HttpSetup(#[from] HttpSetupError),
    #[error("the demo cloud could not start: {0}")]
    Demo(#[from] EmulatorError),
    #[error("the demo cloud could not keep its run journal: {0}")]
    DemoJournal(#[source] std::io::Error),
    #[error("the remembered sign-in could not be changed: {0}")]
    Keyring(StoreError),
    #[error("the sign-in did not say which tenant the account belongs to")]
    NoTenant,
    #[error("Azure CLI sign-in does not work with the demo cloud")]
    AzureCliOnDemo,
    #[error("run {run_id} was made against {run_cloud}, not {this_cloud}")]
    RunOfAnotherCloud { run_id: String, run_cloud: String, this_cloud: String },
    #[error("nothing was changed: the confirmation was declined")]
    Declined,
}

impl UseCaseError {
    pub fn code(&self) -> FailureCode {
        match self {
            UseCaseError::Input(_) | UseCaseError::AzureCliOnDemo => FailureCode::InvalidInput,
            UseCaseError::SignIn(error) => FailureCode::Azure(error.code()),
            UseCaseError::Azure(error) => FailureCode::Azure(error.code()),
            UseCaseError::Engine(error) => error.code(),
            UseCaseError::Journal(error) => error.failure_code(),
            UseCaseError::HttpSetup(_) | UseCaseError::Demo(_) | UseCaseError::DemoJournal(_) => FailureCode::Internal,
            UseCaseError::Keyring(_) => FailureCode::Internal,
            UseCaseError::NoTenant => FailureCode::Azure(ErrorCode::SignInRequired),
            UseCaseError::RunOfAnotherCloud { .. } => FailureCode::RunOfAnotherCloud,
            UseCaseError::Declined => FailureCode::Declined,
        }
    }

    pub fn remedy(&self) -> Remedy {
        match self {
            UseCaseError::Input(error) => Remedy::advice(error.help.clone()),
            UseCaseError::SignIn(error) => Remedy::advice(error.help()),
            UseCaseError::Azure(error) => Remedy::advice(error.help()),
            UseCaseError::Engine(error) => error.remedy(),
            UseCaseError::Journal(error) => error.remedy(),
            UseCaseError::HttpSetup(_) | UseCaseError::Demo(_) | UseCaseError::DemoJournal(_) => Remedy::ReportBug,
            UseCaseError::Keyring(_) => {
                Remedy::advice("nothing was remembered, or the OS keyring is not available here")
            }
            UseCaseError::NoTenant => Remedy::SignInAgain,
            UseCaseError::AzureCliOnDemo => {
                Remedy::advice("sign in to the demo cloud with the browser or a device code")
            }
            UseCaseError::RunOfAnotherCloud { run_cloud, .. } => Remedy::SwitchCloud { cloud: run_cloud.clone() },
            UseCaseError::Declined => Remedy::Nothing,
        }
    }

    /// The service's request id, when a service answered.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            UseCaseError::Azure(error) => error.request_id(),
            UseCaseError::SignIn(AuthError::Http(error)) => error.request_id(),
            UseCaseError::Engine(EngineError::Azure { source, .. }) => source.request_id(),
            _ => None,
        }
    }
}
