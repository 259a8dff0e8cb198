//! `User`, `ApiToken` and the session payloads.

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use tandem_entities::{api_token, user};

use crate::graphql::clients::Client;
use crate::graphql::errors::UserError;
use crate::graphql::node::{Kind, global_id};
use crate::graphql::registry::row;
use crate::resource::Clients;
use crate::services::auth::Session;

/// What a script's token may do.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "crate::services::api_tokens::ApiTokenScope")]
pub enum ApiTokenScope {
    /// Run queries.
    Read,
    /// Run mutations (and queries).
    Write,
}

/// What a user may do.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "tandem_entities::Role")]
pub enum Role {
    /// Everything, for every client.
    Admin,
    /// Reads and changes the clients they are assigned to.
    AccountManager,
    /// Reads the engagements they are staffed on.
    Delivery,
    /// A client-portal user: reads their own client's data, never the
    /// provider's costs, and approves what they own.
    Client,
}

/// A person who signs in.
#[derive(Clone)]
pub struct User(pub user::Model);

/// A person who signs in: provider staff or a client-portal user.
#[Object]
impl User {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        global_id(Kind::User, self.0.id)
    }

    /// E-mail address, used to sign in (lower case).
    async fn email(&self) -> &str {
        &self.0.email
    }

    /// Full name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// What the user may do.
    async fn role(&self) -> Role {
        self.0.role.into()
    }

    /// Whether the user may sign in; a disabled user's tokens stop working.
    async fn active(&self) -> bool {
        self.0.active
    }

    /// The client a CLIENT user belongs to; `null` for provider staff or
    /// when not visible to the caller.
    async fn client(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Client>> {
        let Some(id) = self.0.client_id else {
            return Ok(None);
        };
        Ok(row::<Clients>(ctx, id).await?.map(Client))
    }

    /// When the user was created (UTC).
    async fn created_at(&self) -> crate::graphql::scalars::Instant {
        self.0.created_at.into()
    }
}

/// A token a script uses instead of signing in.
#[derive(Clone)]
pub struct ApiToken(pub api_token::Model);

/// A token a script sends as `Authorization: Bearer ...`. The token itself
/// is shown once, when created; only its prefix is kept readable.
#[Object]
impl ApiToken {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        global_id(Kind::ApiToken, self.0.id)
    }

    /// The name given at creation.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The first characters of the token (e.g. `tdm_pat_AbCd`), to tell
    /// tokens apart.
    async fn prefix(&self) -> &str {
        &self.0.prefix
    }

    /// What the token may do.
    async fn scopes(&self) -> Vec<ApiTokenScope> {
        self.0
            .scopes
            .split(',')
            .filter_map(|s| match s {
                "read" => Some(ApiTokenScope::Read),
                "write" => Some(ApiTokenScope::Write),
                _ => None,
            })
            .collect()
    }

    /// When the token was created (UTC).
    async fn created_at(&self) -> crate::graphql::scalars::Instant {
        self.0.created_at.into()
    }

    /// When the token was last used (UTC, to the minute); `null` if never.
    async fn last_used_at(&self) -> Option<crate::graphql::scalars::Instant> {
        self.0.last_used_at.map(Into::into)
    }

    /// When the token stops working (UTC); `null` for never.
    async fn expires_at(&self) -> Option<crate::graphql::scalars::Instant> {
        self.0.expires_at.map(Into::into)
    }

    /// When the token was revoked (UTC); `null` while it works.
    async fn revoked_at(&self) -> Option<crate::graphql::scalars::Instant> {
        self.0.revoked_at.map(Into::into)
    }
}

/// The result of `login` and `refreshToken`.
#[derive(SimpleObject, Default)]
pub struct SessionPayload {
    /// A short-lived JWT: send it as `Authorization: Bearer ...`.
    pub access_token: Option<String>,
    /// When the access token expires (UTC).
    pub access_token_expires_at: Option<crate::graphql::scalars::Instant>,
    /// Exchange it with `refreshToken` for a new session; it works once.
    pub refresh_token: Option<String>,
    /// When the refresh token expires (UTC).
    pub refresh_token_expires_at: Option<crate::graphql::scalars::Instant>,
    /// The signed-in user.
    pub user: Option<User>,
    /// Problems with the input (wrong credentials, throttled); empty on
    /// success.
    pub user_errors: Vec<UserError>,
}

impl SessionPayload {
    pub fn new(session: Option<Session>, user_errors: Vec<UserError>) -> Self {
        match session {
            Some(s) => Self {
                access_token: Some(s.access_token),
                access_token_expires_at: Some(s.access_token_expires_at.into()),
                refresh_token: Some(s.refresh_token),
                refresh_token_expires_at: Some(s.refresh_token_expires_at.into()),
                user: Some(User(s.user)),
                user_errors,
            },
            None => Self {
                user_errors,
                ..Self::default()
            },
        }
    }
}

crate::connection!(UserConnection, UserEdge, User, "user");
crate::connection!(ApiTokenConnection, ApiTokenEdge, ApiToken, "API token");
