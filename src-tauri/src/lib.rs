//! The Keyless desktop shell: a Tauri window around `keyless-desktop`'s controller.
//!
//! This crate only wires things together: every command is one line in `commands`, the product
//! logic lives in `keyless-desktop`, the wire types in `keyless-ipc`. No other crate depends on
//! Tauri.

mod commands;
mod navigation;

use keyless_desktop::{CloudSetting, CloudSettingError, Controller};
use tauri::Runtime;
use tauri_plugin_window_state::StateFlags;

/// Why the app could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("KEYLESS_CLOUD cannot be used: {0}")]
    Cloud(#[from] CloudSettingError),
    #[error("the window could not be opened: {0}")]
    Window(#[from] tauri::Error),
}

impl StartError {
    /// What the user can do about it.
    pub fn help(&self) -> String {
        match self {
            StartError::Cloud(error) => error.help(),
            StartError::Window(_) => {
                "check that a graphical session is running (DISPLAY or WAYLAND_DISPLAY is set) and that the \
                 WebKitGTK 4.1 runtime is installed (apt-get install libwebkit2gtk-4.1-0)"
                    .into()
            }
        }
    }
}

/// Opens the window and runs until it is closed.
pub fn run() -> Result<(), StartError> {
    let controller = Controller::new(CloudSetting::from_env()?);
    // Only the size, position and maximized state are remembered: a window restored as hidden or
    // without decorations would look broken.
    let window_state = tauri_plugin_window_state::Builder::default()
        .with_state_flags(StateFlags::SIZE | StateFlags::POSITION | StateFlags::MAXIMIZED)
        .build();
    shell(tauri::Builder::default(), controller)
        .plugin(window_state)
        .on_page_load(report_page_loaded)
        .run(tauri::generate_context!())?;
    Ok(())
}

/// With `KEYLESS_REPORT_PAGE_LOADED` set, says on stderr when the window's page has loaded, so
/// `scripts/floor` can time start-up without a WebDriver session.
fn report_page_loaded<R: Runtime>(_: &tauri::Webview<R>, page: &tauri::webview::PageLoadPayload<'_>) {
    if page.event() == tauri::webview::PageLoadEvent::Finished
        && std::env::var_os("KEYLESS_REPORT_PAGE_LOADED").is_some()
    {
        eprintln!("keyless: page loaded");
    }
}

/// Everything the window needs besides the runtime, so tests can build it on the mock runtime.
fn shell<R: Runtime>(builder: tauri::Builder<R>, controller: Controller) -> tauri::Builder<R> {
    builder.plugin(navigation::guard()).manage(controller).invoke_handler(tauri::generate_handler![
        commands::session_status,
        commands::choose_cloud,
        commands::sign_in,
        commands::cancel_sign_in,
        commands::sign_out,
        commands::list_organizations,
        commands::list_projects,
        commands::list_subscriptions,
        commands::list_resource_groups,
        commands::list_locations,
        commands::search_identities,
        commands::check_connection_name,
        commands::plan_setup,
        commands::apply_setup,
        commands::cancel_apply,
        commands::rollback_run,
        commands::finish_run,
        commands::list_runs,
        commands::take_inventory,
        commands::plan_migration,
        commands::apply_migration,
        commands::revert_migration,
        commands::migration_runs,
        commands::diagnose,
        commands::diagnose_pasted_log,
        commands::plan_fix,
        commands::apply_fix,
    ])
}

#[cfg(test)]
mod tests;
