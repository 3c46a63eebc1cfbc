//! Use-case tests against the in-process demo cloud: sign-in, organizations, runs keyed by
//! cloud, the setup lock.

mod doctor;
mod doctor_live;
mod export;
mod hostile_files;
mod impact;
mod inventory;
mod migration;
mod migration_apply;
mod organizations;
mod preflight;
mod runs;
mod sentinel;
mod sentinel_search;
mod sign_in;
mod support;
mod tidy;
