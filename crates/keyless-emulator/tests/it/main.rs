//! Integration tests of the emulator's own behaviour, through plain HTTP as a client sees it.

mod arm;
mod commit_then_timeout;
mod control;
mod definitions;
mod devops;
mod endpoints;
mod entra;
mod graph;
mod membership;
mod preflight_reads;
mod propagation;
mod support;
mod tidy;
