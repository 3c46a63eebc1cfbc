//! Integration tests for keyless-azure: one binary, one module per area.

mod auth;
mod behaviour;
mod clients_read;
mod clients_write;
mod cloud;
mod confinement;
mod decoder_fuzz;
mod definition_reads;
mod devops_bodies;
mod emulated;
mod errors;
mod inventory_reads;
mod lifetimes;
mod lost_answers;
mod paging;
mod redaction;
mod remembered_origin;
mod replication;
mod support;
mod tidy;
mod transport;
