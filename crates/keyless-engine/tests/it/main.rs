//! Whole runs of the engine against the emulator, asserting the emulator's final state.

mod handoff;
mod journal;
mod resume;
mod runs;
mod support;
