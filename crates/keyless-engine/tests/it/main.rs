//! Whole runs of the engine against the emulator, asserting the emulator's final state.

mod chaos;
mod handoff;
mod intents;
mod journal;
mod lagging_port;
mod memberships;
mod migrate_estate;
mod migrate_in_place;
mod migrate_resume;
mod migrate_support;
mod observe_by_name;
mod resume;
mod runs;
mod support;
mod waits;
