//! The caller's account, their API tokens, and the user list.

use async_graphql::{Context, Object};

use super::types::{ApiToken, ApiTokenConnection, User, UserConnection};
use crate::error::AppError;
use crate::graphql::context::request;
use crate::graphql::registry::{PageArgs, root_connection};
use crate::graphql::root_page_cost;
use crate::resource::{ApiTokens, Users};
use crate::services::api_tokens;
use crate::services::users;
use sea_orm::Condition;

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
        root_connection::<ApiTokens, _>(
            ctx,
            api_tokens::own(&rc.caller)?,
            ApiTokens::ordering(),
            PageArgs::new(first, after, last, before),
            ApiToken,
        )
        .await
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
        users::require_admin_read(&request(ctx)?.caller)?;
        root_connection::<Users, _>(
            ctx,
            Condition::all(),
            Users::ordering(),
            PageArgs::new(first, after, last, before),
            User,
        )
        .await
    }
}
