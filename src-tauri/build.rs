//! Generates the Tauri context and one `allow-<command>` permission per desktop command.
//!
//! Declaring the commands in an app manifest makes Tauri refuse any command that a capability in
//! `capabilities/` does not name, so the UI can call exactly the commands listed there.

fn main() {
    let manifest = tauri_build::AppManifest::new().commands(keyless_ipc::commands::ALL);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .expect("tauri-build could not generate the app context (see the error above)");
}
