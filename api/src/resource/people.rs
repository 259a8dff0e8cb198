//! The people who sign in, and their API tokens.

use sea_orm::ColumnTrait;
use tandem_entities::{Role, api_token, client_manager, login_throttle, refresh_token, user};

use super::{Ordering, Resource, Scope};
use crate::caller::Caller;

/// Users: administrators (and Tandem itself) read everyone, others only
/// themselves.
pub struct Users;

impl Resource for Users {
    type Entity = user::Entity;
    const ID: user::Column = user::Column::Id;

    fn scope(caller: &Caller) -> Scope {
        match caller {
            Caller::System => Scope::All,
            Caller::Anonymous => Scope::Nothing,
            Caller::User(p) if p.role == Role::Admin => Scope::All,
            Caller::User(p) => Scope::rows(user::Column::Id.eq(p.user_id)),
        }
    }
}

impl Users {
    /// By e-mail address, A to Z.
    pub fn ordering() -> Ordering<user::Entity> {
        Ordering::by("EMAIL_ASC", user::Column::Email, false, user::Column::Id)
    }
}

/// API tokens: each user reads their own, administrators everyone's.
pub struct ApiTokens;

impl Resource for ApiTokens {
    type Entity = api_token::Entity;
    const ID: api_token::Column = api_token::Column::Id;

    fn scope(caller: &Caller) -> Scope {
        match caller {
            Caller::System => Scope::All,
            Caller::Anonymous => Scope::Nothing,
            Caller::User(p) if p.role == Role::Admin => Scope::All,
            Caller::User(p) => Scope::rows(api_token::Column::UserId.eq(p.user_id)),
        }
    }
}

impl ApiTokens {
    /// Newest first.
    pub fn ordering() -> Ordering<api_token::Entity> {
        Ordering::by_id("CREATED_AT_DESC", true, api_token::Column::Id)
    }
}

/// Which account managers manage which clients: read only to build a
/// caller (see [`super::Reason::Authentication`]) and by administrators.
pub struct ClientManagers;

impl Resource for ClientManagers {
    type Entity = client_manager::Entity;
    const ID: client_manager::Column = client_manager::Column::ClientId;

    fn scope(caller: &Caller) -> Scope {
        match caller {
            Caller::System => Scope::All,
            Caller::User(p) if p.role == Role::Admin => Scope::All,
            _ => Scope::Nothing,
        }
    }
}

/// Refresh tokens: never read for a caller, only to authenticate one.
pub struct RefreshTokens;

impl Resource for RefreshTokens {
    type Entity = refresh_token::Entity;
    const ID: refresh_token::Column = refresh_token::Column::Id;

    fn scope(_: &Caller) -> Scope {
        Scope::Nothing
    }
}

/// Sign-in throttling counters: never read for a caller.
pub struct LoginThrottles;

impl Resource for LoginThrottles {
    type Entity = login_throttle::Entity;
    const ID: login_throttle::Column = login_throttle::Column::Key;

    fn scope(_: &Caller) -> Scope {
        Scope::Nothing
    }
}
