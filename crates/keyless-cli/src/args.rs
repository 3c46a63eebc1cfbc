//! Command-line arguments: every command, flag and environment variable `keyless` accepts.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "keyless",
    version,
    about = "Zero-secret Azure DevOps service connections through workload identity federation",
    long_about = "Keyless signs you in once, then creates or selects an Entra identity, adds it to Azure DevOps \
organizations and projects, and creates service connections with matching federated credentials: no \
personal access tokens, no client secrets.\n\nWithout --cloud or KEYLESS_CLOUD, commands talk to Azure public \
cloud. `keyless emulator` starts a local demo cloud; point other commands at it with --cloud http://127.0.0.1:PORT."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Output format: text for people, json for scripts (one JSON document, or JSON lines for
    /// progress); csv for `inventory` (other commands print text).
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Text, env = "KEYLESS_OUTPUT")]
    pub output: OutputFormat,
    /// Log details to stderr (-v: requests, -vv: everything). Tokens are never logged.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
    Csv,
}

/// How commands that need Azure sign in.
#[derive(Debug, Clone, Args)]
pub struct AzureArgs {
    /// public, usgov, china, a cloud profile JSON file, or an emulator URL (http://127.0.0.1:PORT).
    #[arg(long, env = keyless_usecases::CLOUD_VARIABLE)]
    pub cloud: Option<String>,
    /// Sign-in method.
    #[arg(long, value_enum, default_value_t = AuthMethod::Browser, env = "KEYLESS_AUTH")]
    pub auth: AuthMethod,
    /// Tenant to sign in to (GUID or domain); `organizations` when absent.
    #[arg(long, env = "KEYLESS_TENANT")]
    pub tenant: Option<String>,
    /// Public client (application) id to sign in with; see README, "Registering your own client".
    #[arg(long, env = "KEYLESS_CLIENT_ID")]
    pub client_id: Option<String>,
    /// Keep the refresh token in the OS keyring so later commands sign in without a prompt.
    #[arg(long)]
    pub remember: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuthMethod {
    /// System browser with authorization code + PKCE and a loopback redirect.
    Browser,
    /// A code to enter at the verification URL, from any device.
    DeviceCode,
    /// Reuse an existing `az login`.
    AzureCli,
}

#[derive(Debug, Args)]
pub struct SetupFileArgs {
    /// The setup file (TOML); see README, "Setup file" and examples/.
    #[arg(short = 'f', long = "file")]
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct StateDirArgs {
    /// Where run journals live (default: $XDG_STATE_HOME/keyless/runs).
    #[arg(long, env = "KEYLESS_STATE_DIR")]
    pub state_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sign in and show who you are; with --remember, later commands reuse the sign-in.
    Login(AzureArgs),
    /// Forget a remembered sign-in (removes the refresh token from the OS keyring).
    Logout(AzureArgs),
    /// Show the signed-in account, its tenant and the cloud.
    Whoami(AzureArgs),
    /// List the Azure DevOps organizations you can reach: name, id, tenant, project count.
    Orgs(AzureArgs),
    /// Every service connection across organizations: scheme, identity, issuer, secret expiry,
    /// last use, and what migrating it to a zero-secret connection takes.
    Inventory {
        #[command(flatten)]
        azure: AzureArgs,
        /// Only this organization (repeat for more); every organization you reach by default.
        #[arg(long = "org", value_name = "NAME")]
        organizations: Vec<String>,
    },
    /// Show what `apply` would change, without changing anything.
    Plan {
        #[command(flatten)]
        azure: AzureArgs,
        #[command(flatten)]
        setup: SetupFileArgs,
    },
    /// Check, before any change, whether you can take each step of the plan and who can grant
    /// what you lack; exits 7 when something waits for someone else.
    Preflight {
        #[command(flatten)]
        azure: AzureArgs,
        #[command(flatten)]
        setup: SetupFileArgs,
        /// Write the hand-off pack (Markdown, mode 0600) for the steps you cannot take.
        #[arg(long, value_name = "FILE")]
        hand_off: Option<PathBuf>,
    },
    /// Make the setup true: create or reuse every step of the plan, resuming an unfinished run.
    Apply {
        #[command(flatten)]
        azure: AzureArgs,
        #[command(flatten)]
        setup: SetupFileArgs,
        #[command(flatten)]
        state: StateDirArgs,
        /// Apply without asking for confirmation.
        #[arg(long, short = 'y')]
        yes: bool,
        /// Write the run report (Markdown and JSON) and hand-off packs to this directory.
        #[arg(long)]
        report_dir: Option<PathBuf>,
    },
    /// Remove what a run created, newest first, and nothing it did not create.
    Rollback {
        #[command(flatten)]
        azure: AzureArgs,
        #[command(flatten)]
        state: StateDirArgs,
        /// The run to undo (see `keyless runs`).
        run: String,
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Complete draft connections once their identity's owner has created the credentials.
    Finish {
        #[command(flatten)]
        azure: AzureArgs,
        #[command(flatten)]
        state: StateDirArgs,
        run: String,
    },
    /// List runs from the journal.
    Runs {
        #[command(flatten)]
        state: StateDirArgs,
    },
    /// Move existing service connections to zero-secret workload identity federation.
    #[command(subcommand)]
    Migrate(MigrateCommand),
    /// Write service connections and their identities as code, with import blocks for what exists.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Print the JSON Schema of the setup file, or of the migration file.
    Schema {
        /// Which file's schema.
        #[arg(value_enum, default_value_t = SchemaFile::Setup)]
        file: SchemaFile,
    },
    /// Run the local demo cloud (an emulator of Entra, Graph, ARM and Azure DevOps) on loopback.
    Emulator(EmulatorArgs),
    /// Explain why service connections fail (every one you reach, or --org, --project,
    /// --connection), or the failures in a pasted log (--error); --fix repairs what Keyless can.
    Doctor(DoctorArgs),
    /// Try Keyless end to end on a throwaway demo cloud: sign in, plan and apply a setup.
    Demo {
        /// A setup file to apply instead of examples/onboarding.toml.
        #[arg(short = 'f', long = "file")]
        file: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    #[command(flatten)]
    pub azure: AzureArgs,
    #[command(flatten)]
    pub state: StateDirArgs,
    /// A pasted pipeline log or error message, or - to read it from standard input.
    #[arg(long, value_name = "TEXT", allow_hyphen_values = true)]
    pub error: Option<String>,
    /// A file holding the pasted text (a downloaded pipeline log).
    #[arg(long, value_name = "PATH", conflicts_with = "error")]
    pub error_file: Option<PathBuf>,
    /// With --error: also sign in and diagnose the connections the text names against Azure.
    #[arg(long)]
    pub live: bool,
    /// Only this organization's connections.
    #[arg(long, value_name = "ORG")]
    pub org: Option<String>,
    /// Only this project's connections (needs --org).
    #[arg(long, value_name = "PROJECT", requires = "org")]
    pub project: Option<String>,
    /// Only this connection, by name or id (needs --org and --project).
    #[arg(long, value_name = "NAME|ID", requires = "project")]
    pub connection: Option<String>,
    /// Repair what Keyless can, one undoable run per connection, after showing each plan.
    #[arg(long)]
    pub fix: bool,
    /// With --fix: apply without asking for confirmation.
    #[arg(long, short = 'y', requires = "fix")]
    pub yes: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaFile {
    /// The setup file of `plan` and `apply`.
    Setup,
    /// The migration file of `migrate`.
    Migration,
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Terraform for the connections of the inventory (or a finished run) and their identities,
    /// with an `import` block per object. No secret is written. Changes nothing in Azure.
    Terraform {
        #[command(flatten)]
        azure: AzureArgs,
        #[command(flatten)]
        state: StateDirArgs,
        /// Only this organization (repeat for more); every organization you reach by default.
        #[arg(long = "org", value_name = "NAME")]
        organizations: Vec<String>,
        /// Only this connection id (repeat for more); every connection by default.
        #[arg(long = "connection", value_name = "ID")]
        connections: Vec<String>,
        /// What this run made or used, instead of the inventory (see `keyless runs`).
        #[arg(long, value_name = "RUN_ID", conflicts_with_all = ["organizations", "connections"])]
        run: Option<String>,
        /// Write to this file instead of standard output.
        #[arg(short = 'o', long = "out", value_name = "FILE")]
        out: Option<PathBuf>,
        /// Replace the file if it exists.
        #[arg(long, requires = "out")]
        force: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum MigrateCommand {
    /// Write a migration file with the default action for every connection that can be migrated,
    /// commented so you can edit it. Changes nothing in Azure.
    Init {
        #[command(flatten)]
        azure: AzureArgs,
        /// Only this organization (repeat for more); every organization you reach by default.
        #[arg(long = "org", value_name = "NAME")]
        organizations: Vec<String>,
        /// Where to write the file.
        #[arg(short = 'o', long = "out", default_value = "migration.toml")]
        out: PathBuf,
        /// Replace the file if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Check a migration file against the connections as they are now and show what migrating
    /// would do, wave by wave, without changing anything.
    Plan {
        #[command(flatten)]
        azure: AzureArgs,
        /// The migration file (TOML), as `migrate init` writes it.
        #[arg(short = 'f', long = "file")]
        file: PathBuf,
    },
    /// Migrate the connections of a migration file wave by wave, after showing the plan; an
    /// unfinished migration of the same file continues where it stopped.
    Apply {
        #[command(flatten)]
        azure: AzureArgs,
        #[command(flatten)]
        state: StateDirArgs,
        /// The migration file (TOML).
        #[arg(short = 'f', long = "file")]
        file: PathBuf,
        /// Do not ask for confirmation.
        #[arg(long, short = 'y')]
        yes: bool,
        /// Also write the report (JSON and Markdown) here.
        #[arg(long, value_name = "DIR")]
        report_dir: Option<PathBuf>,
    },
    /// Undo a migration: converted connections back to their secret (within Azure DevOps' seven
    /// days), issuer switches back, replacement connections deleted.
    Revert {
        #[command(flatten)]
        azure: AzureArgs,
        #[command(flatten)]
        state: StateDirArgs,
        /// The migration to undo (its id starts with `m`; `migrate apply` prints it).
        run: String,
        #[arg(long, short = 'y')]
        yes: bool,
    },
}

#[derive(Debug, Args)]
pub struct EmulatorArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 7780)]
    pub port: u16,
    /// Scenario file (TOML) to seed tenants, organizations and connections; the demo by default.
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// Latency added to every request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Probability (0-1) of an injected 429, 503 or slow-down per request.
    #[arg(long, default_value_t = 0.0)]
    pub fault_rate: f64,
    /// Seed for fault injection and new ids, so runs repeat exactly.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}
