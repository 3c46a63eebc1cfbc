//! Integration tests of the emulator's own behaviour, through plain HTTP as a client sees it.

mod arm;
mod devops;
mod entra;
mod graph;
mod support;
