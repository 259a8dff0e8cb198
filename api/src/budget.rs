//! Each request's budget: the SQL statements it may send, how long it may
//! run and how large its list filters may be. One request, one budget: the
//! HTTP layer opens it around the request, and it follows the request into
//! every task the request spawns (DataLoader batches included), so that a
//! request cannot escape it by fanning out.
//!
//! Statements are counted by the database pool's metric callback, which
//! runs in the task that sent the statement; the budget is a task-local, so
//! the callback finds the right request without the services passing it
//! around. When a request sends more statements than it may, or runs past
//! its deadline, [`run`] stops it (its future is dropped, which rolls back
//! any open transaction) and reports why.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::Notify;

use crate::services::filter::FilterLimits;

tokio::task_local! {
    static CURRENT: Arc<Budget>;
}

/// What one request may spend.
#[derive(Debug)]
pub struct Budget {
    max_statements: u64,
    statements: AtomicU64,
    timeout: Duration,
    filters: FilterLimits,
    spent: Notify,
}

/// Why a request was stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exceeded {
    /// It sent more SQL statements than its budget allows.
    Statements(u64),
    /// It ran past its deadline.
    Time(Duration),
}

impl Budget {
    pub fn new(max_statements: u64, timeout: Duration, filters: FilterLimits) -> Arc<Self> {
        Arc::new(Self {
            max_statements,
            statements: AtomicU64::new(0),
            timeout,
            filters,
            spent: Notify::new(),
        })
    }

    /// Statements sent so far.
    pub fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    fn note_statement(&self) {
        let n = self.statements.fetch_add(1, Ordering::Relaxed) + 1;
        if n > self.max_statements {
            // `notify_one` keeps a permit, so the waiter sees it even if it
            // starts waiting only after this statement.
            self.spent.notify_one();
        }
    }
}

/// Runs `fut` within `budget`: `Err` when it sent more statements than
/// allowed or ran out of time, in which case `fut` is dropped unfinished.
pub async fn run<F: Future>(budget: Arc<Budget>, fut: F) -> Result<F::Output, Exceeded> {
    let limit = budget.max_statements;
    let timeout = budget.timeout;
    let watched = Arc::clone(&budget);
    CURRENT
        .scope(budget, async move {
            tokio::select! {
                out = fut => Ok(out),
                () = watched.spent.notified() => Err(Exceeded::Statements(limit)),
                () = tokio::time::sleep(timeout) => Err(Exceeded::Time(timeout)),
            }
        })
        .await
}

/// Counts one statement against the current request's budget, if any. Called
/// by the pools' metric callback.
pub fn statement_sent() {
    let _ = CURRENT.try_with(|b| b.note_statement());
}

/// The filter limits of the current request (the defaults outside one).
pub fn filter_limits() -> FilterLimits {
    CURRENT.try_with(|b| b.filters).unwrap_or_default()
}

/// Wraps `fut` so that it runs within the current request's budget, for a
/// task the request spawns.
pub fn inherit<F: Future>(fut: F) -> impl Future<Output = F::Output> {
    let current = CURRENT.try_with(Arc::clone).ok();
    async move {
        match current {
            Some(budget) => CURRENT.scope(budget, fut).await,
            None => fut.await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_request_that_sends_too_many_statements_is_stopped() {
        let budget = Budget::new(3, Duration::from_secs(5), FilterLimits::default());
        let out = run(budget, async {
            for _ in 0..10 {
                statement_sent();
                tokio::task::yield_now().await;
            }
            "finished"
        })
        .await;
        assert_eq!(out, Err(Exceeded::Statements(3)));
    }

    #[tokio::test]
    async fn a_request_within_its_budget_finishes_and_spawned_tasks_count_against_it() {
        let budget = Budget::new(5, Duration::from_secs(5), FilterLimits::default());
        let counted = Arc::clone(&budget);
        let out = run(budget, async {
            statement_sent();
            tokio::spawn(inherit(async { statement_sent() }))
                .await
                .unwrap();
            "finished"
        })
        .await;
        assert_eq!(out, Ok("finished"));
        assert_eq!(counted.statements(), 2);
    }

    #[tokio::test]
    async fn a_request_past_its_deadline_is_stopped() {
        let budget = Budget::new(5, Duration::from_millis(20), FilterLimits::default());
        let out = run(budget, tokio::time::sleep(Duration::from_secs(5))).await;
        assert_eq!(out, Err(Exceeded::Time(Duration::from_millis(20))));
    }

    #[test]
    fn statements_outside_a_request_count_against_nothing() {
        statement_sent();
        assert_eq!(filter_limits(), FilterLimits::default());
    }
}
