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
    #[arg(long = "database-url", env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub url: String,
    /// Most connections in the pool (default: 10 on PostgreSQL, 1 on SQLite,
    /// which serialises writers anyway).
    #[arg(long = "db-max-connections", env = "TANDEM_DB_MAX_CONNECTIONS")]
    pub max_connections: Option<u32>,
    /// Connections opened at start and kept warm (PostgreSQL).
    #[arg(
        long = "db-min-connections",
        env = "TANDEM_DB_MIN_CONNECTIONS",
        default_value_t = 2
    )]
    pub min_connections: u32,
    /// Longest a request waits for a database connection (or, on SQLite,
    /// for the write lock) before it gets 503 `DATABASE_BUSY`, in
    /// milliseconds.
    #[arg(
        long = "db-acquire-timeout-ms",
        env = "TANDEM_DB_ACQUIRE_TIMEOUT_MS",
        default_value_t = 3_000
    )]
    pub acquire_timeout_ms: u64,
    /// SQLite only: connections that read (WAL readers never wait for the
    /// writer, which has a connection of its own).
    #[arg(
        long = "db-read-connections",
        env = "TANDEM_DB_READ_CONNECTIONS",
        default_value_t = 4
    )]
    pub read_connections: u32,
}

impl DatabaseSettings {
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            max_connections: None,
            min_connections: 2,
            acquire_timeout_ms: 3_000,
            read_connections: 4,
        }
    }

    /// Whether the database is a SQLite file.
    pub fn is_sqlite(&self) -> bool {
        self.url.starts_with("sqlite:")
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
    /// the cost of what it selects, and every field that reaches the
    /// database has a cost of its own.
    #[arg(long, env = "TANDEM_MAX_COMPLEXITY", default_value_t = 20_000)]
    pub max_complexity: usize,
    /// Most fields (aliases included) at the root of one operation.
    #[arg(long, env = "TANDEM_MAX_ROOT_FIELDS", default_value_t = 50)]
    pub max_root_fields: usize,
    /// Most SQL statements one request may send before it is stopped with
    /// `QUERY_TOO_EXPENSIVE`.
    #[arg(long, env = "TANDEM_MAX_STATEMENTS", default_value_t = 500)]
    pub max_statements: u64,
    /// Longest a request may run, in milliseconds, before it is stopped with
    /// `TIMEOUT` (on PostgreSQL also each statement's `statement_timeout`).
    #[arg(long, env = "TANDEM_REQUEST_TIMEOUT_MS", default_value_t = 10_000)]
    pub request_timeout_ms: u64,
    /// Deepest `and`/`or`/`not` nesting of a list filter.
    #[arg(long, env = "TANDEM_MAX_FILTER_DEPTH", default_value_t = 10)]
    pub max_filter_depth: usize,
    /// Most conditions (filter objects, nested ones included) in one list
    /// filter.
    #[arg(long, env = "TANDEM_MAX_FILTER_BRANCHES", default_value_t = 200)]
    pub max_filter_branches: usize,
    /// Each caller's cost budget per minute (a user's session, an API
    /// token, an anonymous address), refilled continuously; 0 for none. At
    /// least `max_complexity`, so that any operation allowed can run.
    #[arg(long, env = "TANDEM_COST_PER_MINUTE", default_value_t = 300_000)]
    pub cost_per_minute: u64,
    /// Whether the schema answers introspection (`__schema`, `__type`).
    #[arg(
        long,
        env = "TANDEM_INTROSPECTION",
        default_value_t = true,
        action = clap::ArgAction::Set
    )]
    pub introspection: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 1_048_576,
            max_depth: 12,
            max_complexity: 20_000,
            max_root_fields: 50,
            max_statements: 500,
            request_timeout_ms: 10_000,
            max_filter_depth: 10,
            max_filter_branches: 200,
            cost_per_minute: 300_000,
            introspection: true,
        }
    }
}

impl Limits {
    /// The bounds on list filters.
    pub fn filters(&self) -> crate::services::filter::FilterLimits {
        crate::services::filter::FilterLimits {
            max_depth: self.max_filter_depth,
            max_branches: self.max_filter_branches,
        }
    }
}

/// How callers authenticate.
#[derive(Debug, Clone, Args)]
pub struct AuthSettings {
    /// Shared secret for HS256 access tokens. Without it, the embedded
    /// (SQLite) default keeps a generated one beside the database file.
    #[arg(long, env = "TANDEM_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<Secret>,
    /// Signing algorithm of access tokens.
    #[arg(
        long,
        env = "TANDEM_JWT_ALGORITHM",
        value_enum,
        default_value = "HS256"
    )]
    pub jwt_algorithm: JwtAlgorithm,
    /// PEM private key, for RS256 or EdDSA.
    #[arg(long, env = "TANDEM_JWT_PRIVATE_KEY_FILE")]
    pub jwt_private_key_file: Option<PathBuf>,
    /// PEM public key, for RS256 or EdDSA.
    #[arg(long, env = "TANDEM_JWT_PUBLIC_KEY_FILE")]
    pub jwt_public_key_file: Option<PathBuf>,
    /// `iss` of access tokens.
    #[arg(long, env = "TANDEM_JWT_ISSUER", default_value = "tandem")]
    pub jwt_issuer: String,
    /// `aud` of access tokens.
    #[arg(long, env = "TANDEM_JWT_AUDIENCE", default_value = "tandem-api")]
    pub jwt_audience: String,
    /// Lifetime of access tokens, in seconds.
    #[arg(long, env = "TANDEM_ACCESS_TOKEN_TTL_SECS", default_value_t = 900)]
    pub access_token_ttl_secs: i64,
    /// Lifetime of refresh tokens, in days.
    #[arg(long, env = "TANDEM_REFRESH_TOKEN_TTL_DAYS", default_value_t = 30)]
    pub refresh_token_ttl_days: i64,
    /// Production mode: a missing JWT secret or key is a start-up error.
    #[arg(long, env = "TANDEM_PRODUCTION")]
    pub production: bool,
    /// Failed sign-ins per account within the window before it is throttled.
    #[arg(
        long,
        env = "TANDEM_LOGIN_MAX_FAILURES_PER_ACCOUNT",
        default_value_t = 5
    )]
    pub login_max_failures_per_account: i32,
    /// Failed sign-ins per client address within the window before it is
    /// throttled.
    #[arg(
        long,
        env = "TANDEM_LOGIN_MAX_FAILURES_PER_ADDRESS",
        default_value_t = 30
    )]
    pub login_max_failures_per_address: i32,
    /// Reverse proxies (their IP addresses, comma-separated) whose
    /// `X-Forwarded-For` is believed: for a request from one of them, the
    /// client's address (for sign-in throttling) is the last address in
    /// that header that is not itself a trusted proxy. Empty (the default):
    /// the header is ignored and the peer address is the client's.
    #[arg(long, env = "TANDEM_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Length of the throttling window, in seconds.
    #[arg(long, env = "TANDEM_LOGIN_WINDOW_SECS", default_value_t = 900)]
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
            trusted_proxies: Vec::new(),
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
    #[command(flatten)]
    pub cors: crate::http::cors::CorsSettings,
    /// The probability of each open stage when nobody set one, in percent,
    /// e.g. `LEAD=10,QUALIFIED=25,PROPOSED=50` (WON and later are 100, LOST
    /// and CANCELLED 0).
    #[arg(
        long,
        env = "TANDEM_STAGE_PROBABILITIES",
        default_value = "LEAD=10,QUALIFIED=25,PROPOSED=50"
    )]
    pub stage_probabilities: crate::domain::engagement::StageProbabilities,
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
                cors: Default::default(),
                stage_probabilities: Default::default(),
            },
        }
    }
}
