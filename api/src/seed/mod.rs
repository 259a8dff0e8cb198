//! `tandem seed`: data to explore and to measure with.
//!
//! - `--demo` ([`demo`]) loads a small, coherent demo through the service
//!   layer, so every business rule holds exactly as it does for a user.
//! - `--scale N` ([`scale`]) writes a large synthetic data set straight to the
//!   tables with batched multi-row inserts, keeping the same invariants.
//!
//! Both refuse a database that already has clients: seeding never mixes with
//! (or duplicates) real data.
#![allow(
    clippy::disallowed_methods,
    reason = "seeds fill an empty database as Tandem itself and read back what they wrote"
)]

pub mod demo;
pub mod scale;

use std::fmt;

use sea_orm::{DatabaseConnection, DbErr, EntityTrait, PaginatorTrait};
use tandem_entities::client;

use crate::error::AppError;

/// What `tandem seed` loads.
#[derive(Debug, Clone, clap::Args)]
pub struct SeedArgs {
    /// A small, realistic demo: three clients with their CMO/CIO budgets, a
    /// catalog, rate cards, engagements in every state, approvals and spend.
    #[arg(long, conflicts_with = "scale", required_unless_present = "scale")]
    pub demo: bool,
    /// A synthetic data set of N clients, each with 40 engagements, 200
    /// engagement lines and 2,000 spend entries (N = 500: 20,000 / 100,000 /
    /// 1,000,000).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub scale: Option<u32>,
    /// The random seed of `--scale`: the same seed on the same day gives the
    /// same codes, dates and amounts.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The day the data is relative to (default: today, UTC); for tests.
    #[arg(long, hide = true)]
    pub today: Option<chrono::NaiveDate>,
}

/// Why seeding stopped.
#[derive(Debug)]
pub struct SeedError(pub String);

impl fmt::Display for SeedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SeedError {}

impl From<DbErr> for SeedError {
    fn from(err: DbErr) -> Self {
        SeedError(format!("database error: {err}"))
    }
}

/// Names the step a service error happened in, for the console.
pub(crate) trait Step<T> {
    fn step(self, what: impl fmt::Display) -> Result<T, SeedError>;
}

impl<T> Step<T> for Result<T, AppError> {
    fn step(self, what: impl fmt::Display) -> Result<T, SeedError> {
        self.map_err(|e| SeedError(format!("{what}: {}", e.message())))
    }
}

/// Refuses a database that already has clients.
pub async fn require_no_clients(db: &DatabaseConnection) -> Result<(), SeedError> {
    let clients = client::Entity::find().count(db).await?;
    if clients > 0 {
        return Err(SeedError(format!(
            "the database already has {clients} client(s); `tandem seed` loads only into a \
             database without clients, so that nothing is duplicated or mixed with real data \
             (use a new database, e.g. DATABASE_URL=sqlite://demo.db?mode=rwc)"
        )));
    }
    Ok(())
}

/// Runs `tandem seed` on a migrated database.
pub async fn run(db: &DatabaseConnection, args: SeedArgs) -> Result<(), SeedError> {
    let today = args
        .today
        .unwrap_or_else(|| chrono::Utc::now().date_naive());
    match args.scale {
        Some(n) => {
            let summary = scale::run(db, n, args.seed, today).await?;
            println!("{summary}");
        }
        None => {
            let summary = demo::run(db, today).await?;
            print!("{summary}");
        }
    }
    Ok(())
}
