//! Connecting to SQLite or PostgreSQL, and applying migrations safely.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sea_orm::sqlx::sqlite::SqliteJournalMode;
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr,
    TransactionTrait,
};
use tandem_migration::{Migrator, MigratorTrait};

use crate::config::DatabaseSettings;

/// Counts SQL statements sent to the database; exposed on `/metrics`.
#[derive(Debug, Default)]
pub struct StatementCounter(AtomicU64);

impl StatementCounter {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Opens the pool described by `settings` and checks that it answers: the
/// one pool of the command-line tools and of migrations.
pub async fn connect(
    settings: &DatabaseSettings,
    counter: Arc<StatementCounter>,
) -> Result<DatabaseConnection, DbErr> {
    let is_sqlite = settings.is_sqlite();
    let max = settings
        .max_connections
        .unwrap_or(if is_sqlite { 1 } else { 10 })
        .max(1);
    let mut opts = ConnectOptions::new(settings.url.clone());
    opts.max_connections(max)
        .min_connections(settings.min_connections.min(max))
        .acquire_timeout(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(10))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                .create_if_missing(true)
        });
    open(opts, is_sqlite, counter).await
}

/// The pools a server uses. On PostgreSQL both are the same pool. On SQLite,
/// which has one writer at a time, the writer has one connection of its own
/// (waiting at most the acquire timeout for the file's write lock), and
/// queries read through a pool of read-only connections, which WAL lets read
/// while a write is under way: a slow or blocked write never holds up a
/// read.
#[derive(Debug, Clone)]
pub struct Pools {
    /// Mutations, and everything they read.
    pub write: DatabaseConnection,
    /// Queries, reports and authentication.
    pub read: DatabaseConnection,
}

/// Opens the serving pools (after [`migrate_up`] has run). Every statement
/// runs at most `statement_timeout` on PostgreSQL.
pub async fn connect_pools(
    settings: &DatabaseSettings,
    counter: Arc<StatementCounter>,
    statement_timeout: Duration,
) -> Result<Pools, DbErr> {
    let acquire = Duration::from_millis(settings.acquire_timeout_ms.max(1));
    let is_sqlite = settings.is_sqlite();
    let base = |max: u32| {
        let mut opts = ConnectOptions::new(settings.url.clone());
        opts.max_connections(max)
            .min_connections(settings.min_connections.clamp(1, max))
            .acquire_timeout(acquire)
            .connect_timeout(Duration::from_secs(10))
            .sqlx_logging(false);
        opts
    };
    if !is_sqlite {
        let max = settings.max_connections.unwrap_or(10).max(1);
        let timeout = statement_timeout.as_millis().to_string();
        let mut opts = base(max);
        opts.map_sqlx_postgres_opts(move |o| o.options([("statement_timeout", timeout.as_str())]));
        let pool = open(opts, false, counter).await?;
        return Ok(Pools {
            write: pool.clone(),
            read: pool,
        });
    }
    let mut write = base(1);
    write.map_sqlx_sqlite_opts(move |o| {
        o.journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true)
            .busy_timeout(acquire)
            .create_if_missing(true)
    });
    let write = open(write, true, Arc::clone(&counter)).await?;
    let mut read = base(settings.read_connections.max(1));
    read.map_sqlx_sqlite_opts(move |o| o.read_only(true).busy_timeout(acquire));
    let read = open(read, true, counter).await?;
    Ok(Pools { write, read })
}

async fn open(
    opts: ConnectOptions,
    is_sqlite: bool,
    counter: Arc<StatementCounter>,
) -> Result<DatabaseConnection, DbErr> {
    let mut db = connect_with_retry(opts, is_sqlite).await?;
    db.set_metric_callback(move |info| {
        counter.0.fetch_add(1, Ordering::Relaxed);
        crate::metrics::statement(info.elapsed, info.failed);
        crate::budget::statement_sent();
    });
    // Warm the pool and fail fast when the database is unreachable.
    db.ping().await?;
    Ok(db)
}

/// True when PostgreSQL cancelled a statement that ran past its
/// `statement_timeout` (SQLSTATE 57014).
pub fn is_statement_timeout(err: &DbErr) -> bool {
    let text = err.to_string();
    text.contains("57014") || text.contains("statement timeout")
}

/// `select` with its rows locked for the rest of the transaction on
/// PostgreSQL (`FOR UPDATE`), so that a check made on them holds until the
/// transaction ends. SQLite needs no lock: it has one writer at a time,
/// and a server's writes all go through one connection.
pub fn for_update<E: sea_orm::EntityTrait>(
    db: &impl ConnectionTrait,
    select: sea_orm::Select<E>,
) -> sea_orm::Select<E> {
    use sea_orm::QuerySelect;
    match db.get_database_backend() {
        DbBackend::Postgres => select.lock_exclusive(),
        _ => select,
    }
}

/// True when the database refused or could not serve a statement in time
/// because it is busy: no pooled connection became free within the acquire
/// timeout, or SQLite's write lock stayed taken past the busy timeout.
pub fn is_busy(err: &DbErr) -> bool {
    if matches!(
        err,
        DbErr::ConnectionAcquire(sea_orm::error::ConnAcquireErr::Timeout)
    ) {
        return true;
    }
    let text = err.to_string();
    text.contains("database is locked") || text.contains("(code: 5)")
}

/// Opens the pool. A second process opening a fresh SQLite file while the
/// first switches it to WAL gets "database is locked" from the journal-mode
/// pragma, which does not wait on the busy timeout; retry that for a while.
async fn connect_with_retry(
    opts: ConnectOptions,
    is_sqlite: bool,
) -> Result<DatabaseConnection, DbErr> {
    let mut attempts = 0;
    loop {
        match Database::connect(opts.clone()).await {
            Err(err)
                if is_sqlite && attempts < 50 && err.to_string().contains("database is locked") =>
            {
                attempts += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            other => return other,
        }
    }
}

/// Applies every pending migration. Instances starting at once against one
/// database take turns: on PostgreSQL a transaction-scoped advisory lock, on
/// SQLite the write lock taken by the first statement.
pub async fn migrate_up(db: &DatabaseConnection) -> Result<(), DbErr> {
    prepare_migration_lock(db).await?;
    let txn = db.begin().await?;
    take_migration_lock(&txn).await?;
    Migrator::up(&txn, None).await?;
    txn.commit().await
}

/// Rolls back the last `steps` migrations (all when `None`).
pub async fn migrate_down(db: &DatabaseConnection, steps: Option<u32>) -> Result<(), DbErr> {
    prepare_migration_lock(db).await?;
    let txn = db.begin().await?;
    take_migration_lock(&txn).await?;
    Migrator::down(&txn, steps).await?;
    txn.commit().await
}

/// Each migration's name and whether it has been applied.
pub async fn migration_status(db: &DatabaseConnection) -> Result<Vec<(String, bool)>, DbErr> {
    let list = Migrator::get_migration_with_status(db).await?;
    Ok(list
        .iter()
        .map(|m| {
            (
                m.name().to_owned(),
                m.status() == tandem_migration::MigrationStatus::Applied,
            )
        })
        .collect())
}

/// SQLite has no advisory locks: a one-row table outside the migrations
/// stands in, so that the first statement of the migration transaction is a
/// write and waits (busy timeout) for another migrating process.
async fn prepare_migration_lock(db: &DatabaseConnection) -> Result<(), DbErr> {
    if db.get_database_backend() == DbBackend::Sqlite {
        db.execute_unprepared(
            "CREATE TABLE IF NOT EXISTS tandem_migration_lock (id INTEGER PRIMARY KEY)",
        )
        .await?;
    }
    Ok(())
}

async fn take_migration_lock(txn: &impl ConnectionTrait) -> Result<(), DbErr> {
    let sql = match txn.get_database_backend() {
        // An arbitrary constant key: "tandem" in ASCII.
        DbBackend::Postgres => "SELECT pg_advisory_xact_lock(7461626465)",
        _ => "INSERT OR REPLACE INTO tandem_migration_lock (id) VALUES (1)",
    };
    txn.execute_unprepared(sql).await?;
    Ok(())
}
