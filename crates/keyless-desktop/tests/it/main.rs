//! Whole-flow tests of the desktop controller against the in-process demo cloud, as the
//! wizard drives it: choose the cloud, sign in, pick, plan, apply, and check what changed.

mod bridge;
mod doctor;
mod inventory;
mod migration;
mod pickers;
mod runs;
mod sentinel;
mod session;
mod support;
mod wizard;
