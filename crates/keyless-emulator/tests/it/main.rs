//! Integration tests of the emulator's own behaviour, through plain HTTP as a client sees it.

mod arm;
mod control;
mod devops;
mod endpoints;
mod entra;
mod graph;
mod support;
mod tidy;
