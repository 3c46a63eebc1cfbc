//! Integration tests of keyless-core: planning over many setups and states, snapshot-tested.

mod export;
mod fixtures;
mod fuzz;
mod impact;
mod inventory;
mod migration;
mod plan;
mod preflight;
mod setup_file;
