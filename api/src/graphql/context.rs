//! What every resolver gets: the database, the caller and the request id.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use async_graphql::Context;
use sea_orm::DatabaseConnection;

use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use crate::services::auth::AuthContext;

/// Attached to each GraphQL request by the HTTP layer.
#[derive(Clone)]
pub struct RequestContext {
    pub db: DatabaseConnection,
    pub caller: Caller,
    pub request_id: String,
    pub auth: Arc<AuthContext>,
    /// The peer address of the connection, for sign-in throttling.
    pub client_address: Option<String>,
    /// What resolvers tell the HTTP layer about the response.
    pub signals: Arc<Signals>,
}

/// What resolvers tell the HTTP layer: a wait the client is asked to
/// respect (`Retry-After`), and how many sign-ins the request attempted.
#[derive(Debug, Default)]
pub struct Signals {
    retry_after: Mutex<Option<u64>>,
    logins: AtomicU32,
}

impl Signals {
    /// Asks the client to wait `secs` seconds before retrying (the longest
    /// wait asked for wins).
    pub fn retry_after(&self, secs: u64) {
        if let Ok(mut slot) = self.retry_after.lock() {
            *slot = Some(slot.map_or(secs, |s| s.max(secs)));
        }
    }

    /// The wait asked for, if any.
    pub fn retry_after_secs(&self) -> Option<u64> {
        self.retry_after.lock().ok().and_then(|s| *s)
    }

    /// Counts a sign-in attempt; the number of attempts so far, this one
    /// included.
    pub fn count_login(&self) -> u32 {
        self.logins.fetch_add(1, Ordering::Relaxed) + 1
    }
}

impl RequestContext {
    /// The request's context; missing only if the HTTP layer was bypassed.
    pub fn of<'a>(ctx: &Context<'a>) -> AppResult<&'a RequestContext> {
        ctx.data::<RequestContext>()
            .map_err(|_| AppError::internal("request context missing"))
    }
}

/// Shorthand used by resolvers that need the request context.
pub fn request<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a RequestContext> {
    Ok(RequestContext::of(ctx)?)
}

/// Whether the caller works for the provider.
pub fn provider(ctx: &Context<'_>) -> async_graphql::Result<bool> {
    Ok(request(ctx)?.caller.is_provider())
}

/// Refuses a provider-only field to a client-portal user: the field is
/// `null` with a FORBIDDEN error on it alone (its type is nullable, so the
/// parent stays).
pub fn provider_only(ctx: &Context<'_>, what: &str) -> async_graphql::Result<()> {
    if provider(ctx)? {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!("{what} is provider-only")).into())
    }
}
