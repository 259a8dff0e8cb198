//! What every resolver gets: the database, the caller and the request id.

use std::sync::Arc;

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
}

impl RequestContext {
    /// The request's context; missing only if the HTTP layer was bypassed.
    pub fn of<'a>(ctx: &Context<'a>) -> AppResult<&'a RequestContext> {
        ctx.data::<RequestContext>()
            .map_err(|_| AppError::internal("request context missing"))
    }
}
