//! The cost of an operation, measured once it has validated: refused with
//! QUERY_TOO_EXPENSIVE past the complexity limit (naming both), charged to
//! the caller's budget (RATE_LIMITED when it has not enough left), and
//! reported in `extensions.cost`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextValidation};
use async_graphql::{ErrorExtensionValues, ServerError, ValidationResult};

use crate::error::ErrorCode;
use crate::http::rate_limit::RateLimiter;

/// Attached to a request by the HTTP layer: the limits, the caller's
/// budget, and what the operation was found to cost.
#[derive(Debug)]
pub struct CostMeter {
    /// The most one operation may cost (`TANDEM_MAX_COMPLEXITY`).
    pub limit: usize,
    /// The budgets, and the caller's key in them; `None` without a limit.
    pub budget: Option<(Arc<RateLimiter>, String)>,
    /// The operation's cost, once validated.
    pub requested: AtomicU64,
    /// The cost was charged to the caller's budget.
    pub charged: AtomicBool,
    /// Seconds to wait, when the budget refused the operation (0: it did not).
    pub retry_after: AtomicU64,
}

impl CostMeter {
    pub fn new(limit: usize, budget: Option<(Arc<RateLimiter>, String)>) -> Arc<Self> {
        Arc::new(Self {
            limit,
            budget,
            requested: AtomicU64::new(0),
            charged: AtomicBool::new(false),
            retry_after: AtomicU64::new(0),
        })
    }

    /// Seconds to wait when the caller's budget refused the operation.
    pub fn rate_limited(&self) -> Option<u64> {
        match self.retry_after.load(Ordering::Relaxed) {
            0 => None,
            secs => Some(secs),
        }
    }
}

fn error(code: ErrorCode, message: String) -> ServerError {
    let mut err = ServerError::new(message, None);
    let mut ext = ErrorExtensionValues::default();
    ext.set("code", code.as_str());
    err.extensions = Some(ext);
    err
}

/// The schema extension that applies the request's [`CostMeter`].
pub struct CostExtension;

impl ExtensionFactory for CostExtension {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(CostExtension)
    }
}

#[async_trait::async_trait]
impl Extension for CostExtension {
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        let Some(meter) = ctx.data_opt::<Arc<CostMeter>>() else {
            return Ok(result);
        };
        let cost = result.complexity;
        meter.requested.store(cost as u64, Ordering::Relaxed);
        if cost > meter.limit {
            return Err(vec![error(
                ErrorCode::QueryTooExpensive,
                format!(
                    "Query is too complex: it costs {cost}, and at most {} is allowed (limit TANDEM_MAX_COMPLEXITY); ask for smaller pages or fewer fields",
                    meter.limit
                ),
            )]);
        }
        if let Some((limiter, key)) = &meter.budget {
            match limiter.take(key, cost as u64) {
                Ok(_) => meter.charged.store(true, Ordering::Relaxed),
                Err(wait) => {
                    meter.retry_after.store(wait, Ordering::Relaxed);
                    return Err(vec![error(
                        ErrorCode::RateLimited,
                        format!("rate limited: this operation costs {cost}; retry in {wait} s"),
                    )]);
                }
            }
        }
        Ok(result)
    }
}
