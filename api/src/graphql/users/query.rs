//! The caller's account, their API tokens, and the user list.

use std::sync::Arc;

use async_graphql::{Context, Object};

use super::types::{
    ApiTokenConnection, User, UserConnection, api_token_connection, user_connection,
};
use crate::error::AppError;
use crate::graphql::connection::Counter;
use crate::graphql::context::request;
use crate::graphql::root_page_cost;
use crate::services::api_tokens;
use crate::services::pagination::PageRequest;
use crate::services::users;

#[derive(Default)]
pub struct UserQuery;

#[Object]
impl UserQuery {
    /// The signed-in user.
    #[graphql(complexity = "crate::graphql::cost::LOOKUP + child_complexity")]
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<User> {
        let rc = request(ctx)?;
        let p = rc.caller.principal()?;
        let user = crate::resource::get::<crate::resource::Users>(&rc.db, &rc.caller, p.user_id)
            .await?
            .ok_or_else(|| AppError::Unauthenticated("the user no longer exists".into()))?;
        Ok(User(user))
    }

    /// The caller's API tokens, newest first.
    #[graphql(complexity = "root_page_cost(first, last, child_complexity)")]
    async fn api_tokens(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return the first n tokens (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Return tokens after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n tokens (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return tokens before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<ApiTokenConnection> {
        let rc = request(ctx)?;
        let page = PageRequest::new(first, after.as_deref(), last, before.as_deref())?;
        let slice = api_tokens::list(&rc.db, &rc.caller, &page).await?;
        let (db, caller) = (rc.db.clone(), rc.caller.clone());
        let counter: Counter = Arc::new(move || {
            let (db, caller) = (db.clone(), caller.clone());
            Box::pin(async move { api_tokens::count(&db, &caller).await })
        });
        Ok(api_token_connection(slice, counter))
    }

    /// Every user, by e-mail address (administrators only).
    #[graphql(complexity = "root_page_cost(first, last, child_complexity)")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return the first n users (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Return users after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n users (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return users before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<UserConnection> {
        let rc = request(ctx)?;
        let page = PageRequest::new(first, after.as_deref(), last, before.as_deref())?;
        let slice = users::list(&rc.db, &rc.caller, &page).await?;
        let (db, caller) = (rc.db.clone(), rc.caller.clone());
        let counter: Counter = Arc::new(move || {
            let (db, caller) = (db.clone(), caller.clone());
            Box::pin(async move { users::count(&db, &caller).await })
        });
        Ok(user_connection(slice, counter))
    }
}
