//! The `keyless` binary as a user runs it: against the emulator, with bad input, in JSON.

mod bad_input;
mod doctor;
mod doctor_live;
mod export;
mod flows;
mod footprint;
mod footprint_search;
mod inventory;
mod kill;
mod kill_support;
mod migrate;
mod migrate_apply;
mod preflight;
mod support;
