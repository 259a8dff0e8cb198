//! Settings, from flags and the environment.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::auth::Secret;
use crate::auth::jwt::JwtAlgorithm;

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

/// How callers authenticate.
#[derive(Debug, Clone, Args)]
pub struct AuthSettings {
    /// Shared secret for HS256 access tokens. Without it, the embedded
    /// (SQLite) default keeps a generated one beside the database file.
    #[arg(long, env = "TANDEM_JWT_SECRET", hide_env_values = true, global = true)]
    pub jwt_secret: Option<Secret>,
    /// Signing algorithm of access tokens.
    #[arg(
        long,
        env = "TANDEM_JWT_ALGORITHM",
        value_enum,
        default_value = "HS256",
        global = true
    )]
    pub jwt_algorithm: JwtAlgorithm,
    /// PEM private key, for RS256 or EdDSA.
    #[arg(long, env = "TANDEM_JWT_PRIVATE_KEY_FILE", global = true)]
    pub jwt_private_key_file: Option<PathBuf>,
    /// PEM public key, for RS256 or EdDSA.
    #[arg(long, env = "TANDEM_JWT_PUBLIC_KEY_FILE", global = true)]
    pub jwt_public_key_file: Option<PathBuf>,
    /// `iss` of access tokens.
    #[arg(
        long,
        env = "TANDEM_JWT_ISSUER",
        default_value = "tandem",
        global = true
    )]
    pub jwt_issuer: String,
    /// `aud` of access tokens.
    #[arg(
        long,
        env = "TANDEM_JWT_AUDIENCE",
        default_value = "tandem-api",
        global = true
    )]
    pub jwt_audience: String,
    /// Lifetime of access tokens, in seconds.
    #[arg(
        long,
        env = "TANDEM_ACCESS_TOKEN_TTL_SECS",
        default_value_t = 900,
        global = true
    )]
    pub access_token_ttl_secs: i64,
    /// Lifetime of refresh tokens, in days.
    #[arg(
        long,
        env = "TANDEM_REFRESH_TOKEN_TTL_DAYS",
        default_value_t = 30,
        global = true
    )]
    pub refresh_token_ttl_days: i64,
    /// Production mode: a missing JWT secret or key is a start-up error.
    #[arg(long, env = "TANDEM_PRODUCTION", global = true)]
    pub production: bool,
    /// Failed sign-ins per account within the window before it is throttled.
    #[arg(
        long,
        env = "TANDEM_LOGIN_MAX_FAILURES_PER_ACCOUNT",
        default_value_t = 5,
        global = true
    )]
    pub login_max_failures_per_account: i32,
    /// Failed sign-ins per client address within the window before it is
    /// throttled.
    #[arg(
        long,
        env = "TANDEM_LOGIN_MAX_FAILURES_PER_ADDRESS",
        default_value_t = 30,
        global = true
    )]
    pub login_max_failures_per_address: i32,
    /// Length of the throttling window, in seconds.
    #[arg(
        long,
        env = "TANDEM_LOGIN_WINDOW_SECS",
        default_value_t = 900,
        global = true
    )]
    pub login_window_secs: i64,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            jwt_secret: None,
            jwt_algorithm: JwtAlgorithm::Hs256,
            jwt_private_key_file: None,
            jwt_public_key_file: None,
            jwt_issuer: "tandem".into(),
            jwt_audience: "tandem-api".into(),
            access_token_ttl_secs: 900,
            refresh_token_ttl_days: 30,
            production: false,
            login_max_failures_per_account: 5,
            login_max_failures_per_address: 30,
            login_window_secs: 900,
        }
    }
}

/// The first administrator, created on first start when there are no users.
#[derive(Debug, Clone, Default, Args)]
pub struct BootstrapSettings {
    /// E-mail of the first administrator.
    #[arg(long, env = "TANDEM_ADMIN_EMAIL")]
    pub admin_email: Option<String>,
    /// Password of the first administrator; without it a one-time password
    /// is generated and printed once.
    #[arg(long, env = "TANDEM_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<Secret>,
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
    #[command(flatten)]
    pub bootstrap: BootstrapSettings,
}

/// The complete settings of a running server.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database: DatabaseSettings,
    pub auth: AuthSettings,
    pub serve: ServeSettings,
}

impl Settings {
    /// Settings for a server on `bind` against `database_url`, with default
    /// limits. Tests use this.
    pub fn new(database_url: impl Into<String>, bind: SocketAddr) -> Self {
        Self {
            database: DatabaseSettings::new(database_url),
            auth: AuthSettings::default(),
            serve: ServeSettings {
                bind,
                workers: None,
                limits: Limits::default(),
                bootstrap: BootstrapSettings::default(),
            },
        }
    }
}
