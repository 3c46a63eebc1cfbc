//! The desktop app's wire contract: what the UI sends, what it gets back, and the error it
//! branches on.
//!
//! These are transport types (DTOs), camelCase on the wire, with TypeScript generated into
//! `ui/src/ipc/bindings.ts`. This crate knows neither Tauri nor the domain: it holds no logic,
//! does no IO, and never converts from `keyless-core` types (the controller in
//! `keyless-desktop` does, by destructuring every field).

pub mod bindings;
pub mod commands;
pub mod directory;
pub mod doctor;
pub mod error;
pub mod inventory;
pub mod migration;
pub mod plan;
pub mod run;
pub mod session;
pub mod setup;

pub use directory::{
    ConnectionNameRequest, FailedLookup, IdentityKindView, IdentitySearchRequest, IdentityView, LocationView,
    NameCheck, OrganizationList, OrganizationRequest, OrganizationView, PipelineView, ProjectView, ResourceGroupView,
    SubscriptionRequest, SubscriptionView,
};
pub use doctor::{
    ConnectionDiagnosisView, ConnectionHealthView, DiagnoseRequest, DiagnosisSourceView, DiagnosisView,
    DoctorSummaryView, DoctorTargetInput, ExplanationView, FindingCodeView, FindingView, FixPlanView, FixRequest,
    FixRunView, PastedLogRequest, PastedLogView, ReadingNoteView, SeverityView, UnreadPlaceView,
};
pub use error::{IpcError, IpcErrorCode};
pub use inventory::{
    ConnectionClassView, CredentialMatchView, InventoriedConnectionView, InventoryIdentityView, InventoryRequest,
    InventoryView, IssuerKindView, OrphanView,
};
pub use migration::{
    CredentialWriterView, ImpactFindingView, MigratedConnectionView, MigratedOutcomeView, MigrationActionView,
    MigrationChoiceInput, MigrationCredentialView, MigrationEntryStatusView, MigrationIdentityView, MigrationPlanView,
    MigrationProgressView, MigrationRefusalView, MigrationRequest, MigrationRunRequest, MigrationRunStatusView,
    MigrationRunSummaryView, MigrationRunView, MigrationWaveReportView, MigrationWaveView, PlannedMigrationView,
    SubjectSourceView,
};
pub use plan::{PlanCountsView, PlanView, PlannedIdentityView, StepActionView, StepView};
pub use run::{
    ConnectionReportView, HandOffView, ProgressView, ReportStepView, ReportView, RunRequest, RunStatusView,
    RunSummaryView, RunView, StepOutcomeView, WaitReasonView,
};
pub use session::{AccountView, ChooseCloud, CloudView, SessionStatus, SignInEvent, SignInMethodView, SignInRequest};
pub use setup::{
    AccessLevelInput, ConnectionInput, ConnectionTypeInput, IdentityInput, OrganizationInput, ProjectAccessInput,
    ProjectGroupInput, ScopeInput, SetupInput, SetupRequest, WhenFullInput,
};
