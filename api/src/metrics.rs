//! Prometheus metrics, recorded through the `metrics` crate and rendered by
//! its Prometheus exporter at `/metrics` (no listener of its own).
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `tandem_http_requests_total` | counter | `route`, `method`, `status` |
//! | `tandem_http_request_duration_seconds` | histogram | `route` |
//! | `tandem_http_requests_in_flight` | gauge | |
//! | `tandem_graphql_operations_total` | counter | `operation`, `type`, `outcome` |
//! | `tandem_graphql_operation_duration_seconds` | histogram | `operation`, `type` |
//! | `tandem_graphql_errors_total` | counter | `code` |
//! | `tandem_sql_statements_total` | counter | (statements of this server's serving pools) |
//! | `tandem_sql_statement_duration_seconds` | histogram | `outcome` |
//! | `tandem_db_pool_connections` | gauge | `pool`, `state` (`idle`, `in_use`) |
//! | `tandem_db_pool_max_connections` | gauge | `pool` |
//! | `tandem_db_busy_total` | counter | (requests refused: no connection in time, or SQLite's write lock) |
//! | `tandem_rate_limited_total` | counter | `caller` |
//! | `process_*` | | CPU, resident memory, open files, threads (`metrics-process`) |
//!
//! `outcome` of an operation is `ok` (no errors), `error` (it ran, with
//! errors) or `rejected` (nothing ran: it did not parse or validate, a limit
//! or the caller's rights refused it). An operation is labelled by its
//! name when it has a valid one, `anonymous` when it has none; the first
//! [`MAX_OPERATION_NAMES`] distinct names are kept and later ones count as
//! `other`, so a client cannot grow the metrics without bound.
//!
//! The recorder is process-wide: in a process running several servers
//! (the tests), every metric but `tandem_sql_statements_total` sums them all.

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use metrics::{
    Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram,
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sea_orm::{DatabaseConnection, DbBackend};

/// Distinct operation names kept as labels.
pub const MAX_OPERATION_NAMES: usize = 500;

/// Histogram buckets, in seconds: 1 ms to 10 s.
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

struct Installed {
    handle: PrometheusHandle,
    process: metrics_process::Collector,
}

static INSTALLED: OnceLock<Option<Installed>> = OnceLock::new();

/// Installs the recorder, once per process; later calls do nothing. `false`
/// when another recorder was installed first (an embedding program's), in
/// which case Tandem's metrics go to it.
pub fn install() -> bool {
    INSTALLED
        .get_or_init(|| {
            let handle = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), BUCKETS)
                .ok()?
                .install_recorder()
                .ok()?;
            describe();
            let process = metrics_process::Collector::default();
            process.describe();
            Some(Installed { handle, process })
        })
        .is_some()
}

fn describe() {
    describe_counter!(
        "tandem_http_requests_total",
        "HTTP requests answered, by route pattern, method and status."
    );
    describe_histogram!(
        "tandem_http_request_duration_seconds",
        Unit::Seconds,
        "Time to answer an HTTP request, by route pattern."
    );
    describe_gauge!(
        "tandem_http_requests_in_flight",
        "HTTP requests being answered now."
    );
    describe_counter!(
        "tandem_graphql_operations_total",
        "GraphQL operations, by operation name, type and outcome (ok, error, rejected)."
    );
    describe_histogram!(
        "tandem_graphql_operation_duration_seconds",
        Unit::Seconds,
        "Time to answer a GraphQL operation, by operation name and type."
    );
    describe_counter!(
        "tandem_graphql_errors_total",
        "Errors in GraphQL responses, by extensions.code."
    );
    describe_histogram!(
        "tandem_sql_statement_duration_seconds",
        Unit::Seconds,
        "Time the database took for a statement (without waiting for a connection), by outcome."
    );
    describe_gauge!(
        "tandem_db_pool_connections",
        "Open database connections, by pool (read, write) and state (idle, in_use)."
    );
    describe_gauge!(
        "tandem_db_pool_max_connections",
        "The most connections a pool opens."
    );
    describe_counter!(
        "tandem_db_busy_total",
        "Statements that found the database busy: no pooled connection free within the acquire timeout (requests waiting on the pool), or SQLite's write lock held past the busy timeout."
    );
    describe_counter!(
        "tandem_rate_limited_total",
        "Requests refused with RATE_LIMITED, by caller kind."
    );
}

/// A statement ran.
pub fn statement(elapsed: Duration, failed: bool) {
    let outcome = if failed { "failed" } else { "ok" };
    histogram!("tandem_sql_statement_duration_seconds", "outcome" => outcome)
        .record(elapsed.as_secs_f64());
}

/// The database was busy.
pub fn database_busy() {
    counter!("tandem_db_busy_total").increment(1);
}

/// A request was refused for its caller's rate.
pub fn rate_limited(caller: &'static str) {
    counter!("tandem_rate_limited_total", "caller" => caller).increment(1);
}

/// An HTTP request starts; the returned guard ends it.
pub fn request_started() -> InFlight {
    gauge!("tandem_http_requests_in_flight").increment(1.0);
    InFlight
}

/// Counts a request in flight until dropped.
pub struct InFlight;

impl Drop for InFlight {
    fn drop(&mut self) {
        gauge!("tandem_http_requests_in_flight").decrement(1.0);
    }
}

/// An HTTP request was answered.
pub fn request_finished(route: &str, method: &str, status: u16, elapsed: Duration) {
    counter!(
        "tandem_http_requests_total",
        "route" => route.to_owned(),
        "method" => method.to_owned(),
        "status" => status.to_string()
    )
    .increment(1);
    histogram!("tandem_http_request_duration_seconds", "route" => route.to_owned())
        .record(elapsed.as_secs_f64());
}

/// A GraphQL operation was answered.
pub fn operation_finished(
    operation: &str,
    kind: &'static str,
    outcome: &'static str,
    codes: &[String],
    elapsed: Duration,
) {
    counter!(
        "tandem_graphql_operations_total",
        "operation" => operation.to_owned(),
        "type" => kind,
        "outcome" => outcome
    )
    .increment(1);
    histogram!(
        "tandem_graphql_operation_duration_seconds",
        "operation" => operation.to_owned(),
        "type" => kind
    )
    .record(elapsed.as_secs_f64());
    for code in codes {
        counter!("tandem_graphql_errors_total", "code" => code.clone()).increment(1);
    }
}

/// The label for an operation name: the name when it is a valid GraphQL
/// name of at most 64 characters and one of the first
/// [`MAX_OPERATION_NAMES`] seen, `anonymous` when there is none, else
/// `other`.
pub fn operation_label(name: Option<&str>) -> String {
    static SEEN: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    let Some(name) = name else {
        return "anonymous".into();
    };
    let valid = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .enumerate()
            .all(|(i, b)| b == b'_' || b.is_ascii_alphabetic() || (i > 0 && b.is_ascii_digit()));
    if !valid {
        return "other".into();
    }
    let mut seen = SEEN
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if seen.contains(name) || seen.len() < MAX_OPERATION_NAMES && seen.insert(name.to_owned()) {
        name.to_owned()
    } else {
        "other".into()
    }
}

/// The pools' sizes now.
fn record_pools(pools: &[(&'static str, &DatabaseConnection)]) {
    for (name, db) in pools {
        let (size, idle, max) = match db.get_database_backend() {
            DbBackend::Postgres => {
                let pool = db.get_postgres_connection_pool();
                (
                    pool.size(),
                    pool.num_idle(),
                    pool.options().get_max_connections(),
                )
            }
            DbBackend::Sqlite => {
                let pool = db.get_sqlite_connection_pool();
                (
                    pool.size(),
                    pool.num_idle(),
                    pool.options().get_max_connections(),
                )
            }
            _ => continue,
        };
        let idle = idle as f64;
        gauge!("tandem_db_pool_connections", "pool" => *name, "state" => "idle").set(idle);
        gauge!("tandem_db_pool_connections", "pool" => *name, "state" => "in_use")
            .set((f64::from(size) - idle).max(0.0));
        gauge!("tandem_db_pool_max_connections", "pool" => *name).set(f64::from(max));
    }
}

/// Everything in Prometheus's text format: the recorder's metrics, the
/// pools' and the process's as of now, and this instance's statement count.
pub fn render(pools: &crate::db::Pools, statements: u64) -> String {
    let mut text = String::new();
    if let Some(Some(installed)) = INSTALLED.get() {
        // On PostgreSQL both are one pool.
        if pools.write.get_database_backend() == DbBackend::Postgres {
            record_pools(&[("write", &pools.write)]);
        } else {
            record_pools(&[("write", &pools.write), ("read", &pools.read)]);
        }
        installed.process.collect();
        text = installed.handle.render();
    }
    text.push_str(&format!(
        "# HELP tandem_sql_statements_total SQL statements this instance sent to the database.\n\
         # TYPE tandem_sql_statements_total counter\n\
         tandem_sql_statements_total {statements}\n"
    ));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_labels_are_bounded_in_length_and_number() {
        assert_eq!(operation_label(None), "anonymous");
        assert_eq!(operation_label(Some("ListEngagements")), "ListEngagements");
        assert_eq!(operation_label(Some(&"a".repeat(65))), "other");
        assert_eq!(operation_label(Some("9lives")), "other");
        let labels: Vec<String> = (0..MAX_OPERATION_NAMES + 100)
            .map(|i| operation_label(Some(&format!("Op{i}"))))
            .collect();
        let kept = labels.iter().filter(|l| l.as_str() != "other").count();
        assert!(kept <= MAX_OPERATION_NAMES, "{kept} names kept");
        assert!(labels.iter().any(|l| l == "other"));
        // A name kept once stays kept.
        assert_eq!(operation_label(Some("ListEngagements")), "ListEngagements");
    }
}
