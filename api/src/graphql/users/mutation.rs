//! Signing in and out, API tokens, and user administration.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

use super::types::{ApiToken, ApiTokenScope, Role, SessionPayload, User};
use crate::error::AppError;
use crate::graphql::clients::Client;
use crate::graphql::context::request;
use crate::graphql::errors::{UserError, split};
use crate::graphql::node::{self, Kind};
use crate::services::api_tokens::{self, NewApiToken};
use crate::services::auth;
use crate::services::users;

/// Credentials to sign in with.
#[derive(InputObject)]
pub struct LoginInput {
    /// E-mail address (any case).
    pub email: String,
    /// Password.
    pub password: String,
}

/// A refresh token to exchange or revoke.
#[derive(InputObject)]
pub struct RefreshTokenInput {
    /// The refresh token from `login` or the last `refreshToken`.
    pub refresh_token: String,
}

/// The result of `logout`.
#[derive(SimpleObject)]
pub struct LogoutPayload {
    /// Always true: the session (if it existed) is over.
    pub logged_out: bool,
}

/// A new API token for the caller.
#[derive(InputObject)]
pub struct CreateApiTokenInput {
    /// A name to recognise the token by, e.g. "weekly budget report".
    pub name: String,
    /// What the token may do; `WRITE` includes `READ`.
    pub scopes: Vec<ApiTokenScope>,
    /// When the token stops working (UTC); never when omitted.
    pub expires_at: Option<crate::graphql::scalars::Instant>,
}

/// The result of `createApiToken`.
#[derive(SimpleObject)]
pub struct CreateApiTokenPayload {
    /// The token itself. It is shown only here: store it now.
    pub token: Option<String>,
    /// The token's record.
    pub api_token: Option<ApiToken>,
    /// Problems with the input; empty on success.
    pub user_errors: Vec<UserError>,
}

/// The token to revoke.
#[derive(InputObject)]
pub struct RevokeApiTokenInput {
    /// The token's global id.
    pub id: ID,
}

crate::payloads! {
    /// The result of `revokeApiToken`.
    RevokeApiTokenPayload {
        /// The revoked token.
        api_token: ApiToken
    }
}

/// A new user (administrators only).
#[derive(InputObject)]
pub struct CreateUserInput {
    /// E-mail address; unique whatever its case.
    pub email: String,
    /// Full name.
    pub name: String,
    /// At least 12 characters; when omitted a one-time password is
    /// generated and returned.
    pub password: Option<String>,
    /// What the user may do.
    pub role: Role,
    /// The client of a CLIENT user (required for them, refused for others).
    pub client_id: Option<ID>,
    /// The contact a CLIENT user is, at the same client.
    pub contact_id: Option<ID>,
}

/// The result of `createUser`.
#[derive(SimpleObject)]
pub struct CreateUserPayload {
    /// The new user.
    pub user: Option<User>,
    /// The generated password, when none was given; shown only here.
    pub one_time_password: Option<String>,
    /// Problems with the input; empty on success.
    pub user_errors: Vec<UserError>,
}

/// The signed-in user's new password.
#[derive(InputObject)]
pub struct ChangePasswordInput {
    /// The password signed in with (the one-time password, for a new
    /// account).
    pub current_password: String,
    /// At least 12 characters, at most 1024, not the current one.
    pub new_password: String,
}

/// Enables or disables a user.
#[derive(InputObject)]
pub struct SetUserActiveInput {
    /// The user's global id.
    pub id: ID,
    /// `false` disables the user: their tokens stop working at once.
    pub active: bool,
}

crate::payloads! {
    /// The result of a change to a user.
    UserPayload {
        /// The changed user.
        user: User
    }
}

/// An account manager and a client.
#[derive(InputObject)]
pub struct AccountManagerInput {
    /// The ACCOUNT_MANAGER user's global id.
    pub user_id: ID,
    /// The client's global id.
    pub client_id: ID,
}

/// The result of assigning or unassigning an account manager.
#[derive(SimpleObject)]
pub struct AccountManagerPayload {
    /// The account manager.
    pub user: Option<User>,
    /// The client.
    pub client: Option<Client>,
    /// Problems with the input; empty on success.
    pub user_errors: Vec<UserError>,
}

#[derive(Default)]
pub struct UserMutation;

#[Object]
impl UserMutation {
    /// Signs in with e-mail and password. Wrong credentials give the same
    /// user error (INVALID_CREDENTIALS) whether the e-mail or the password is
    /// wrong; repeated failures are THROTTLED per account and per address,
    /// with the wait in `extensions.retryAfterSeconds` of the response (and
    /// the `Retry-After` header). One `login` per request.
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn login(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The credentials.")] input: LoginInput,
    ) -> async_graphql::Result<SessionPayload> {
        let rc = request(ctx)?;
        if rc.signals.count_login() > 1 {
            return Err(AppError::BadUserInput(
                "sign in once per request: one `login` field per operation".into(),
            )
            .into());
        }
        let result = auth::login(
            &rc.db,
            &rc.auth,
            &input.email,
            &input.password,
            rc.client_address.as_deref(),
        )
        .await;
        if let Err(AppError::Throttled(secs)) = &result {
            rc.signals.retry_after(*secs);
        }
        let (session, errors) = split(result)?;
        Ok(SessionPayload::new(session, errors))
    }

    /// Exchanges a refresh token for a new session. The old refresh token
    /// stops working; presenting it again revokes the whole session family
    /// (UNAUTHENTICATED).
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn refresh_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The refresh token.")] input: RefreshTokenInput,
    ) -> async_graphql::Result<SessionPayload> {
        let rc = request(ctx)?;
        let (session, errors) = split(auth::refresh(&rc.db, &rc.auth, &input.refresh_token).await)?;
        Ok(SessionPayload::new(session, errors))
    }

    /// Ends the session of a refresh token (and every token refreshed from
    /// the same login).
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn logout(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The refresh token of the session to end.")] input: RefreshTokenInput,
    ) -> async_graphql::Result<LogoutPayload> {
        let rc = request(ctx)?;
        auth::logout(&rc.db, &input.refresh_token).await?;
        Ok(LogoutPayload { logged_out: true })
    }

    /// Creates an API token for the caller, for scripts.
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn create_api_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new token.")] input: CreateApiTokenInput,
    ) -> async_graphql::Result<CreateApiTokenPayload> {
        let rc = request(ctx)?;
        let new = NewApiToken {
            name: input.name,
            scopes: input.scopes.into_iter().map(Into::into).collect(),
            expires_at: input.expires_at.map(|at| at.0),
        };
        let (created, user_errors) = split(api_tokens::create(&rc.db, &rc.caller, new).await)?;
        let (api_token, token) = match created {
            Some((model, token)) => (Some(ApiToken(model)), Some(token)),
            None => (None, None),
        };
        Ok(CreateApiTokenPayload {
            token,
            api_token,
            user_errors,
        })
    }

    /// Revokes one of the caller's API tokens (an administrator may revoke
    /// anyone's). Revoking a revoked token changes nothing.
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn revoke_api_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The token to revoke.")] input: RevokeApiTokenInput,
    ) -> async_graphql::Result<RevokeApiTokenPayload> {
        let rc = request(ctx)?;
        let result = match node::expect(Kind::ApiToken, &input.id, &["id"]) {
            Ok(id) => api_tokens::revoke(&rc.db, &rc.caller, id).await,
            Err(e) => Err(e),
        };
        let (token, user_errors) = split(result)?;
        Ok(RevokeApiTokenPayload {
            api_token: token.map(ApiToken),
            user_errors,
        })
    }

    /// Creates a user (administrators only).
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new user.")] input: CreateUserInput,
    ) -> async_graphql::Result<CreateUserPayload> {
        let rc = request(ctx)?;
        let result = async {
            let client_id = input
                .client_id
                .as_ref()
                .map(|id| node::expect(Kind::Client, id, &["clientId"]))
                .transpose()?;
            let contact_id = input
                .contact_id
                .as_ref()
                .map(|id| node::expect(Kind::Contact, id, &["contactId"]))
                .transpose()?;
            let new = users::NewUser {
                email: input.email,
                name: input.name,
                password: input.password,
                role: input.role.into(),
                client_id,
                contact_id,
            };
            users::create(&rc.db, &rc.caller, new).await
        }
        .await;
        let (created, user_errors) = split(result)?;
        let (user, one_time_password) = match created {
            Some((u, pw)) => (Some(User(u)), pw),
            None => (None, None),
        };
        Ok(CreateUserPayload {
            user,
            one_time_password,
            user_errors,
        })
    }

    /// Changes the signed-in user's own password. A user signed in with a
    /// one-time password (the first administrator's, or one generated by
    /// `createUser`) must do this first: until then every other field but
    /// `me` and `logout` is refused with PASSWORD_CHANGE_REQUIRED. A wrong
    /// current password is the user error INVALID_CREDENTIALS; wrong ones
    /// count against the account's sign-in attempts (THROTTLED past them).
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The current and the new password.")] input: ChangePasswordInput,
    ) -> async_graphql::Result<UserPayload> {
        let rc = request(ctx)?;
        let result = auth::change_password(
            &rc.db,
            &rc.auth,
            &rc.caller,
            &input.current_password,
            &input.new_password,
        )
        .await;
        UserPayload::of(result, User)
    }

    /// Enables or disables a user (administrators only).
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn set_user_active(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user and the new state.")] input: SetUserActiveInput,
    ) -> async_graphql::Result<UserPayload> {
        let rc = request(ctx)?;
        let result = match node::expect(Kind::User, &input.id, &["id"]) {
            Ok(id) => users::set_active(&rc.db, &rc.caller, id, input.active).await,
            Err(e) => Err(e),
        };
        UserPayload::of(result, User)
    }

    /// Assigns an account manager to a client (administrators only).
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn assign_account_manager(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account manager and the client.")] input: AccountManagerInput,
    ) -> async_graphql::Result<AccountManagerPayload> {
        manage(ctx, input, true).await
    }

    /// Removes an account manager from a client (administrators only).
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn unassign_account_manager(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account manager and the client.")] input: AccountManagerInput,
    ) -> async_graphql::Result<AccountManagerPayload> {
        manage(ctx, input, false).await
    }
}

async fn manage(
    ctx: &Context<'_>,
    input: AccountManagerInput,
    assign: bool,
) -> async_graphql::Result<AccountManagerPayload> {
    let rc = request(ctx)?;
    let result = async {
        let user_id = node::expect(Kind::User, &input.user_id, &["userId"])?;
        let client_id = node::expect(Kind::Client, &input.client_id, &["clientId"])?;
        let user = if assign {
            users::assign_manager(&rc.db, &rc.caller, user_id, client_id).await?
        } else {
            users::unassign_manager(&rc.db, &rc.caller, user_id, client_id).await?
        };
        let client =
            crate::resource::get::<crate::resource::Clients>(&rc.db, &rc.caller, client_id).await?;
        Ok((user, client))
    }
    .await;
    let (done, user_errors) = split(result)?;
    let (user, client) = match done {
        Some((u, c)) => (Some(User(u)), c.map(Client)),
        None => (None, None),
    };
    Ok(AccountManagerPayload {
        user,
        client,
        user_errors,
    })
}
