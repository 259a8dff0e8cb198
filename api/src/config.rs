//! Settings, from flags and the environment.

use std::net::SocketAddr;

use clap::{Args, ValueEnum};

/// The default database: a SQLite file in the working directory, created on
/// first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://tandem.db?mode=rwc";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Where the data lives and how many connections to keep.
#[derive(Debug, Clone, Args)]
pub struct DatabaseSettings {
    /// Database URL: `sqlite://FILE?mode=rwc` or `postgres://USER@HOST:PORT/DB`.
    #[arg(long = "database-url", env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    pub url: String,
    /// Most connections in the pool (default: 10 on PostgreSQL, 1 on SQLite,
    /// which serialises writers anyway).
    #[arg(
        long = "db-max-connections",
        env = "TANDEM_DB_MAX_CONNECTIONS",
        global = true
    )]
    pub max_connections: Option<u32>,
    /// Connections opened at start and kept warm (PostgreSQL).
    #[arg(
        long = "db-min-connections",
        env = "TANDEM_DB_MIN_CONNECTIONS",
        default_value_t = 2,
        global = true
    )]
    pub min_connections: u32,
}

impl DatabaseSettings {
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            max_connections: None,
            min_connections: 2,
        }
    }
}

/// Limits that protect the server from expensive or oversized requests.
#[derive(Debug, Clone, Args)]
pub struct Limits {
    /// Largest accepted request body, in bytes.
    #[arg(long, env = "TANDEM_MAX_BODY_BYTES", default_value_t = 1_048_576)]
    pub max_body_bytes: usize,
    /// Deepest accepted query nesting.
    #[arg(long, env = "TANDEM_MAX_DEPTH", default_value_t = 12)]
    pub max_depth: usize,
    /// Highest accepted query complexity; a connection's page size multiplies
    /// the cost of what it selects.
    #[arg(long, env = "TANDEM_MAX_COMPLEXITY", default_value_t = 20_000)]
    pub max_complexity: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 1_048_576,
            max_depth: 12,
            max_complexity: 20_000,
        }
    }
}

/// Everything `tandem serve` needs.
#[derive(Debug, Clone, Args)]
pub struct ServeSettings {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, env = "TANDEM_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "TANDEM_WORKERS")]
    pub workers: Option<usize>,
    #[command(flatten)]
    pub limits: Limits,
}

/// The complete settings of a running server.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database: DatabaseSettings,
    pub serve: ServeSettings,
}

impl Settings {
    /// Settings for a server on `bind` against `database_url`, with default
    /// limits. Tests use this.
    pub fn new(database_url: impl Into<String>, bind: SocketAddr) -> Self {
        Self {
            database: DatabaseSettings::new(database_url),
            serve: ServeSettings {
                bind,
                workers: None,
                limits: Limits::default(),
            },
        }
    }
}
