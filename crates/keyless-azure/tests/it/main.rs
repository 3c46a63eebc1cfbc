//! Integration tests for keyless-azure: one binary, one module per area.

mod cloud;
mod errors;
mod paging;
mod redaction;
mod replication;
mod support;
mod transport;
