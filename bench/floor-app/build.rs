//! Generates the empty window's Tauri context, as Keyless's app does.

fn main() {
    tauri_build::build();
}
