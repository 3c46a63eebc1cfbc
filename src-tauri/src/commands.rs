//! The Tauri commands: each one forwards to the controller in one line.
//!
//! Their names are listed in `keyless_ipc::commands` (which generates their permissions) and
//! allowed one by one in `capabilities/default.json`.

use keyless_desktop::Controller;
use keyless_ipc::SessionStatus;
use tauri::State;

#[tauri::command]
pub(crate) fn session_status(controller: State<'_, Controller>) -> SessionStatus {
    controller.session_status()
}
