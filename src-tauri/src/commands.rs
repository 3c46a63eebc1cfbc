//! The Tauri commands: each one forwards to the controller in one line.
//!
//! Their names are listed in `keyless_ipc::commands` (which generates their permissions) and
//! allowed one by one in `capabilities/default.json`. Streaming commands take a `Channel`,
//! which `events` turns into the controller's event sink.

use keyless_desktop::Controller;
use keyless_ipc::{
    ChooseCloud, ConnectionNameRequest, DiagnoseRequest, DiagnosisView, FixPlanView, FixRequest, FixRunView,
    IdentitySearchRequest, IdentityView, InventoryRequest, InventoryView, IpcError, LocationView, MigrationPlanView,
    MigrationProgressView, MigrationRequest, MigrationRunRequest, MigrationRunSummaryView, MigrationRunView, NameCheck,
    OrganizationList, OrganizationRequest, PastedLogRequest, PastedLogView, PlanView, ProgressView, ProjectView,
    ResourceGroupView, RunRequest, RunSummaryView, RunView, SessionStatus, SetupRequest, SignInEvent, SignInRequest,
    SubscriptionRequest, SubscriptionView,
};
use tauri::{
    State,
    ipc::{Channel, IpcResponse},
};

type Reply<T> = Result<T, IpcError>;

/// The controller's event sink for a channel; a window that went away just stops listening.
fn events<T: IpcResponse + Send + Sync>(channel: &Channel<T>) -> impl Fn(T) + Send + Sync + '_ {
    move |event| {
        let _ = channel.send(event);
    }
}

#[tauri::command]
pub(crate) fn session_status(controller: State<'_, Controller>) -> Reply<SessionStatus> {
    Ok(controller.session_status())
}

#[tauri::command]
pub(crate) async fn choose_cloud(controller: State<'_, Controller>, request: ChooseCloud) -> Reply<SessionStatus> {
    Ok(controller.choose_cloud(request).await?)
}

#[tauri::command]
pub(crate) async fn sign_in(
    controller: State<'_, Controller>,
    request: SignInRequest,
    on_event: Channel<SignInEvent>,
) -> Reply<SessionStatus> {
    Ok(controller.sign_in(request, &events(&on_event)).await?)
}

#[tauri::command]
pub(crate) fn cancel_sign_in(controller: State<'_, Controller>) -> Reply<()> {
    controller.cancel_sign_in();
    Ok(())
}

#[tauri::command]
pub(crate) async fn sign_out(controller: State<'_, Controller>) -> Reply<SessionStatus> {
    Ok(controller.sign_out().await)
}

#[tauri::command]
pub(crate) async fn list_organizations(controller: State<'_, Controller>) -> Reply<OrganizationList> {
    Ok(controller.list_organizations().await?)
}

#[tauri::command]
pub(crate) async fn list_projects(
    controller: State<'_, Controller>,
    request: OrganizationRequest,
) -> Reply<Vec<ProjectView>> {
    Ok(controller.list_projects(request).await?)
}

#[tauri::command]
pub(crate) async fn list_subscriptions(controller: State<'_, Controller>) -> Reply<Vec<SubscriptionView>> {
    Ok(controller.list_subscriptions().await?)
}

#[tauri::command]
pub(crate) async fn list_resource_groups(
    controller: State<'_, Controller>,
    request: SubscriptionRequest,
) -> Reply<Vec<ResourceGroupView>> {
    Ok(controller.list_resource_groups(request).await?)
}

#[tauri::command]
pub(crate) async fn list_locations(
    controller: State<'_, Controller>,
    request: SubscriptionRequest,
) -> Reply<Vec<LocationView>> {
    Ok(controller.list_locations(request).await?)
}

#[tauri::command]
pub(crate) async fn search_identities(
    controller: State<'_, Controller>,
    request: IdentitySearchRequest,
) -> Reply<Vec<IdentityView>> {
    Ok(controller.search_identities(request).await?)
}

#[tauri::command]
pub(crate) async fn check_connection_name(
    controller: State<'_, Controller>,
    request: ConnectionNameRequest,
) -> Reply<NameCheck> {
    Ok(controller.check_connection_name(request).await?)
}

#[tauri::command]
pub(crate) async fn plan_setup(controller: State<'_, Controller>, request: SetupRequest) -> Reply<PlanView> {
    Ok(controller.plan_setup(request).await?)
}

#[tauri::command]
pub(crate) async fn apply_setup(
    controller: State<'_, Controller>,
    request: SetupRequest,
    on_progress: Channel<ProgressView>,
) -> Reply<RunView> {
    Ok(controller.apply_setup(request, &events(&on_progress)).await?)
}

#[tauri::command]
pub(crate) fn cancel_apply(controller: State<'_, Controller>) -> Reply<()> {
    controller.cancel_apply();
    Ok(())
}

#[tauri::command]
pub(crate) async fn rollback_run(
    controller: State<'_, Controller>,
    request: RunRequest,
    on_progress: Channel<ProgressView>,
) -> Reply<RunView> {
    Ok(controller.rollback_run(request, &events(&on_progress)).await?)
}

#[tauri::command]
pub(crate) async fn finish_run(
    controller: State<'_, Controller>,
    request: RunRequest,
    on_progress: Channel<ProgressView>,
) -> Reply<RunView> {
    Ok(controller.finish_run(request, &events(&on_progress)).await?)
}

#[tauri::command]
pub(crate) async fn list_runs(controller: State<'_, Controller>) -> Reply<Vec<RunSummaryView>> {
    Ok(controller.list_runs().await?)
}

#[tauri::command]
pub(crate) async fn take_inventory(
    controller: State<'_, Controller>,
    request: InventoryRequest,
) -> Reply<InventoryView> {
    Ok(controller.take_inventory(request).await?)
}

#[tauri::command]
pub(crate) async fn plan_migration(
    controller: State<'_, Controller>,
    request: MigrationRequest,
) -> Reply<MigrationPlanView> {
    Ok(controller.plan_migration(request).await?)
}

#[tauri::command]
pub(crate) async fn diagnose(controller: State<'_, Controller>, request: DiagnoseRequest) -> Reply<DiagnosisView> {
    Ok(controller.diagnose(request).await?)
}

#[tauri::command]
pub(crate) async fn diagnose_pasted_log(
    controller: State<'_, Controller>,
    request: PastedLogRequest,
) -> Reply<PastedLogView> {
    Ok(controller.diagnose_pasted_log(request).await?)
}

#[tauri::command]
pub(crate) async fn plan_fix(controller: State<'_, Controller>, request: FixRequest) -> Reply<FixPlanView> {
    Ok(controller.plan_fix(request).await?)
}

#[tauri::command]
pub(crate) async fn apply_fix(
    controller: State<'_, Controller>,
    request: FixRequest,
    on_progress: Channel<ProgressView>,
) -> Reply<FixRunView> {
    Ok(controller.apply_fix(request, &events(&on_progress)).await?)
}

#[tauri::command]
pub(crate) async fn apply_migration(
    controller: State<'_, Controller>,
    request: MigrationRequest,
    on_progress: Channel<MigrationProgressView>,
) -> Reply<MigrationRunView> {
    Ok(controller.apply_migration(request, &events(&on_progress)).await?)
}

#[tauri::command]
pub(crate) async fn revert_migration(
    controller: State<'_, Controller>,
    request: MigrationRunRequest,
    on_progress: Channel<MigrationProgressView>,
) -> Reply<MigrationRunView> {
    Ok(controller.revert_migration(request, &events(&on_progress)).await?)
}

#[tauri::command]
pub(crate) async fn migration_runs(controller: State<'_, Controller>) -> Reply<Vec<MigrationRunSummaryView>> {
    Ok(controller.migration_runs().await?)
}
