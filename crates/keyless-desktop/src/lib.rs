//! The desktop app's controller: the state behind the window and the body of every command.
//!
//! Each Tauri command in `src-tauri` is one line that forwards here, so everything the UI can
//! ask for is tested without a window. This crate does not know Tauri and does not write user
//! sentences for the header; it hands the UI typed facts (`keyless-ipc` views).

pub mod cloud_setting;
pub mod controller;
pub mod views;

pub use cloud_setting::{CloudSetting, CloudSettingError};
pub use controller::{Controller, SignedInAccount};
