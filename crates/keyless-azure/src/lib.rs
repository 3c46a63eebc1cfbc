//! Keyless's one HTTP layer to Entra ID, Microsoft Graph, Azure Resource Manager and Azure
//! DevOps: the transport (retries, paging, redaction), sign-in, and thin typed clients.
//!
//! Layers, bottom up: [`transport::AzureHttp`] sends every request; [`auth`] turns a sign-in
//! into per-resource, per-tenant tokens; `graph`, `arm` and `devops` are one module per
//! resource family over both. This crate does not plan or sequence changes (the engine does)
//! and does not print anything (callers render errors with `help()`).

pub mod activity;
pub mod arm;
pub mod auth;
pub mod behaviour;
pub mod client;
pub mod cloud_hosts;
pub mod cloud_spec;
pub mod devops;
pub mod error;
pub mod error_parse;
pub mod graph;
pub mod paging;
pub mod redact;
pub mod replication;
pub mod request;
pub mod retry;
pub mod secret;
pub mod transport;

pub use auth::{AuthError, Resource, TokenSource};
pub use behaviour::{KnownCode, Meaning, WaitReason};
pub use client::AzureClient;
pub use cloud_spec::resolve_cloud;
pub use error::{AzureError, ErrorCode, Service, ServiceError};
pub use replication::{ConsistencyPolicy, ReplicationObserver, ReplicationWait, retry_until_replicated};
pub use retry::RetryPolicy;
pub use secret::{AccessToken, RefreshToken, Secret};
pub use transport::{ApiRequest, ApiResponse, AzureHttp, HttpConfig};
