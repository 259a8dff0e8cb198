//! Signing in: login, refresh-token rotation, logout, API tokens, and turning
//! a bearer credential into a [`Caller`].

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use tandem_entities::{api_token, client_manager, login_throttle, refresh_token, user};
use uuid::Uuid;

use crate::auth::{JwtKeys, password, tokens};
use crate::caller::{Caller, Principal};
use crate::config::AuthSettings;
use crate::domain::{self, text};
use crate::error::{AppError, AppResult, FieldError, UserErrorCode};
use crate::services::pagination::{self, Ordering, PageRequest, Slice};

/// Keys and rules for authentication, built once at start-up.
pub struct AuthContext {
    pub keys: JwtKeys,
    pub settings: AuthSettings,
}

/// What a successful login or refresh returns.
#[derive(Debug, Clone)]
pub struct Session {
    pub access_token: String,
    pub access_token_expires_at: DateTime<Utc>,
    pub refresh_token: String,
    pub refresh_token_expires_at: DateTime<Utc>,
    pub user: user::Model,
}

/// What a bearer credential is.
fn is_api_token(credential: &str) -> bool {
    credential.starts_with(tokens::API_TOKEN_PREFIX)
}

/// Turns the bearer credential of a request into its caller. Any credential
/// that is malformed, expired, revoked or belongs to a disabled user is
/// UNAUTHENTICATED.
#[tracing::instrument(skip_all)]
pub async fn authenticate(
    db: &impl ConnectionTrait,
    auth: &AuthContext,
    credential: &str,
) -> AppResult<Caller> {
    let rejected = || AppError::Unauthenticated("invalid or expired credentials".into());
    let (user_id, can_write) = if is_api_token(credential) {
        let token = api_token::Entity::find()
            .filter(api_token::Column::TokenHash.eq(tokens::hash(credential)))
            .one(db)
            .await?
            .ok_or_else(rejected)?;
        let now = Utc::now();
        if token.revoked_at.is_some() || token.expires_at.is_some_and(|e| e <= now) {
            return Err(rejected());
        }
        touch_api_token(db, token.id, now).await?;
        (token.user_id, token.scopes.split(',').any(|s| s == "write"))
    } else {
        (auth.keys.verify(credential).ok_or_else(rejected)?, true)
    };
    let user = user::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .filter(|u| u.active)
        .ok_or_else(rejected)?;
    principal(db, &user, can_write)
        .await
        .map(|p| Caller::User(Box::new(p)))
}

/// Records use of an API token, at most once a minute per token.
async fn touch_api_token(db: &impl ConnectionTrait, id: Uuid, now: DateTime<Utc>) -> AppResult<()> {
    let stale = now - TimeDelta::minutes(1);
    api_token::Entity::update_many()
        .col_expr(api_token::Column::LastUsedAt, Expr::value(domain::now()))
        .filter(api_token::Column::Id.eq(id))
        .filter(
            api_token::Column::LastUsedAt
                .is_null()
                .or(api_token::Column::LastUsedAt.lt(stale)),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// The request's view of `user`.
pub async fn principal(
    db: &impl ConnectionTrait,
    user: &user::Model,
    can_write: bool,
) -> AppResult<Principal> {
    let managed_clients = if user.role == tandem_entities::Role::AccountManager {
        client_manager::Entity::find()
            .filter(client_manager::Column::UserId.eq(user.id))
            .select_only()
            .column(client_manager::Column::ClientId)
            .into_tuple()
            .all(db)
            .await?
    } else {
        Vec::new()
    };
    let staffed_clients = if user.role == tandem_entities::Role::Delivery {
        crate::services::users::staffed_clients(db, user.id).await?
    } else {
        Vec::new()
    };
    Ok(Principal {
        user_id: user.id,
        role: user.role,
        client_id: user.client_id,
        contact_id: user.contact_id,
        managed_clients,
        staffed_clients,
        can_write,
    })
}

fn invalid_credentials() -> AppError {
    AppError::Invalid(vec![FieldError::new(
        &["input"],
        UserErrorCode::InvalidCredentials,
        "wrong e-mail or password",
    )])
}

fn throttled(retry_after: i64) -> AppError {
    AppError::Invalid(vec![FieldError::new(
        &["input"],
        UserErrorCode::Throttled,
        format!("too many failed sign-ins; try again in {retry_after} seconds"),
    )])
}

/// Seconds until `key` may try again, if it is throttled.
async fn throttle_wait(
    db: &impl ConnectionTrait,
    key: &str,
    max: i32,
    window: TimeDelta,
) -> AppResult<Option<i64>> {
    let Some(row) = login_throttle::Entity::find_by_id(key.to_owned())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let ends = row.window_started_at + window;
    let now = Utc::now();
    Ok((row.failures >= max && ends > now).then(|| std::cmp::max((ends - now).num_seconds(), 1)))
}

/// Counts a failure for `key`, starting a new window when the old one ended.
/// One upsert statement, so concurrent failures are all counted.
async fn record_failure(db: &impl ConnectionTrait, key: &str, window: TimeDelta) -> AppResult<()> {
    let now = domain::now();
    let window_start = now - window;
    let row = login_throttle::ActiveModel {
        key: Set(key.to_owned()),
        failures: Set(1),
        window_started_at: Set(now),
    };
    let restart = Expr::col((
        login_throttle::Entity,
        login_throttle::Column::WindowStartedAt,
    ))
    .lt(window_start);
    login_throttle::Entity::insert(row)
        .on_conflict(
            OnConflict::column(login_throttle::Column::Key)
                .value(
                    login_throttle::Column::Failures,
                    Expr::case(restart.clone(), Expr::value(1)).finally(
                        Expr::col((login_throttle::Entity, login_throttle::Column::Failures))
                            .add(1),
                    ),
                )
                .value(
                    login_throttle::Column::WindowStartedAt,
                    Expr::case(restart, Expr::value(now)).finally(Expr::col((
                        login_throttle::Entity,
                        login_throttle::Column::WindowStartedAt,
                    ))),
                )
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Signs a user in. A wrong e-mail and a wrong password give the same answer
/// in about the same time; repeated failures are throttled per account and
/// per client address.
#[tracing::instrument(skip_all)]
pub async fn login(
    db: &DatabaseConnection,
    auth: &AuthContext,
    email: &str,
    password: &str,
    client_address: Option<&str>,
) -> AppResult<Session> {
    let email = email.trim().to_lowercase();
    let s = &auth.settings;
    let window = TimeDelta::seconds(s.login_window_secs);
    let account_key = format!("account:{email}");
    let address_key = client_address.map(|a| format!("address:{a}"));
    if let Some(wait) =
        throttle_wait(db, &account_key, s.login_max_failures_per_account, window).await?
    {
        return Err(throttled(wait));
    }
    if let Some(key) = &address_key
        && let Some(wait) = throttle_wait(db, key, s.login_max_failures_per_address, window).await?
    {
        return Err(throttled(wait));
    }
    let found = user::Entity::find()
        .filter(user::Column::Email.eq(&email))
        .one(db)
        .await?;
    let ok = match &found {
        Some(u) => password::verify(password, &u.password_hash) && u.active,
        None => {
            password::verify_dummy(password);
            false
        }
    };
    let Some(user) = found.filter(|_| ok) else {
        record_failure(db, &account_key, window).await?;
        if let Some(key) = &address_key {
            record_failure(db, key, window).await?;
        }
        tracing::info!("sign-in failed");
        return Err(invalid_credentials());
    };
    login_throttle::Entity::delete_by_id(account_key)
        .exec(db)
        .await?;
    let txn = db.begin().await?;
    let session = new_session(&txn, auth, user, Uuid::now_v7()).await?;
    txn.commit().await?;
    tracing::info!(user_id = %session.user.id, "signed in");
    Ok(session)
}

async fn new_session(
    db: &impl ConnectionTrait,
    auth: &AuthContext,
    user: user::Model,
    family: Uuid,
) -> AppResult<Session> {
    let (access_token, access_token_expires_at) =
        auth.keys.issue(user.id).map_err(AppError::internal)?;
    let refresh = tokens::new_refresh_token();
    let now = domain::now();
    let refresh_token_expires_at = now + TimeDelta::days(auth.settings.refresh_token_ttl_days);
    refresh_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user.id),
        family_id: Set(family),
        token_hash: Set(tokens::hash(&refresh)),
        created_at: Set(now),
        expires_at: Set(refresh_token_expires_at),
        rotated_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(Session {
        access_token,
        access_token_expires_at,
        refresh_token: refresh,
        refresh_token_expires_at,
        user,
    })
}

async fn revoke_family(db: &impl ConnectionTrait, family: Uuid) -> AppResult<()> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(domain::now()))
        .filter(refresh_token::Column::FamilyId.eq(family))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Exchanges a refresh token for a new session. The old token stops working;
/// presenting an already-rotated token revokes its whole family (it has
/// probably been stolen).
#[tracing::instrument(skip_all)]
pub async fn refresh(
    db: &DatabaseConnection,
    auth: &AuthContext,
    token: &str,
) -> AppResult<Session> {
    let rejected = || AppError::Unauthenticated("invalid, expired or revoked refresh token".into());
    let row = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(tokens::hash(token)))
        .one(db)
        .await?
        .ok_or_else(rejected)?;
    if row.revoked_at.is_some() || row.expires_at <= Utc::now() {
        return Err(rejected());
    }
    let txn = db.begin().await?;
    // Only one request can rotate a token: the update is conditional.
    let rotated = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RotatedAt, Expr::value(domain::now()))
        .filter(refresh_token::Column::Id.eq(row.id))
        .filter(refresh_token::Column::RotatedAt.is_null())
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if rotated.rows_affected != 1 {
        revoke_family(&txn, row.family_id).await?;
        txn.commit().await?;
        tracing::warn!(family = %row.family_id, "a rotated refresh token was reused; its family is revoked");
        return Err(rejected());
    }
    let user = user::Entity::find_by_id(row.user_id)
        .one(&txn)
        .await?
        .filter(|u| u.active)
        .ok_or_else(rejected)?;
    let session = new_session(&txn, auth, user, row.family_id).await?;
    txn.commit().await?;
    Ok(session)
}

/// Revokes the refresh token's family: that login ends everywhere it was
/// refreshed. Unknown tokens are ignored, so logout is idempotent.
#[tracing::instrument(skip_all)]
pub async fn logout(db: &impl ConnectionTrait, token: &str) -> AppResult<()> {
    if let Some(row) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(tokens::hash(token)))
        .one(db)
        .await?
    {
        revoke_family(db, row.family_id).await?;
    }
    Ok(())
}

/// What a script's token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, async_graphql::Enum)]
pub enum ApiTokenScope {
    /// Run queries.
    Read,
    /// Run mutations (and queries).
    Write,
}

/// A new API token.
#[derive(Debug, Clone)]
pub struct NewApiToken {
    pub name: String,
    pub scopes: Vec<ApiTokenScope>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// Creates an API token for the caller; the token itself is returned only
/// here.
#[tracing::instrument(skip_all)]
pub async fn create_api_token(
    db: &impl ConnectionTrait,
    caller: &Caller,
    input: NewApiToken,
) -> AppResult<(api_token::Model, String)> {
    let p = caller.require_write_scope()?;
    let mut errors = text::Errors::default();
    let name = errors.check(text::required(&["input", "name"], &input.name, 100));
    if input.scopes.is_empty() {
        errors.push(FieldError::new(
            &["input", "scopes"],
            UserErrorCode::Required,
            "give at least one scope",
        ));
    }
    if input.expires_at.is_some_and(|e| e <= Utc::now()) {
        errors.push(FieldError::new(
            &["input", "expiresAt"],
            UserErrorCode::Invalid,
            "must be in the future",
        ));
    }
    errors.finish()?;
    let name = name.unwrap_or_default();
    // WRITE includes READ.
    let scopes = if input.scopes.contains(&ApiTokenScope::Write) {
        "read,write"
    } else {
        "read"
    };
    let token = tokens::new_api_token();
    let model = api_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(p.user_id),
        name: Set(name),
        prefix: Set(token.chars().take(tokens::DISPLAY_PREFIX_LEN).collect()),
        token_hash: Set(tokens::hash(&token)),
        scopes: Set(scopes.to_owned()),
        created_at: Set(domain::now()),
        last_used_at: Set(None),
        expires_at: Set(input.expires_at.map(|e| e.with_timezone(&Utc))),
        revoked_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok((model, token))
}

/// The caller's API tokens, newest first.
pub async fn list_api_tokens(
    db: &impl ConnectionTrait,
    caller: &Caller,
    page: &PageRequest,
) -> AppResult<Slice<api_token::Model>> {
    let p = caller.principal()?;
    let select = api_token::Entity::find().filter(api_token::Column::UserId.eq(p.user_id));
    pagination::paginate(db, select, &api_token_ordering(), page).await
}

/// How many API tokens the caller has.
pub async fn count_api_tokens(db: &impl ConnectionTrait, caller: &Caller) -> AppResult<u64> {
    use sea_orm::PaginatorTrait;
    let p = caller.principal()?;
    Ok(api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(p.user_id))
        .count(db)
        .await?)
}

/// Newest first.
pub fn api_token_ordering() -> Ordering<api_token::Entity> {
    Ordering {
        name: "CREATED_AT_DESC",
        column: None,
        descending: true,
        id: api_token::Column::Id,
        key_of: |_| None,
        id_of: |m| m.id,
    }
}

/// One of the caller's API tokens (administrators see everyone's).
pub async fn get_api_token(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> AppResult<Option<api_token::Model>> {
    let p = caller.principal()?;
    let mut q = api_token::Entity::find_by_id(id);
    if p.role != tandem_entities::Role::Admin {
        q = q.filter(api_token::Column::UserId.eq(p.user_id));
    }
    Ok(q.one(db).await?)
}

/// The caller's API tokens among `ids` (administrators see everyone's).
pub async fn get_api_tokens(
    db: &impl ConnectionTrait,
    caller: &Caller,
    ids: &[Uuid],
) -> AppResult<std::collections::HashMap<Uuid, api_token::Model>> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let p = caller.principal()?;
    let mut q = api_token::Entity::find().filter(api_token::Column::Id.is_in(ids.to_vec()));
    if p.role != tandem_entities::Role::Admin {
        q = q.filter(api_token::Column::UserId.eq(p.user_id));
    }
    Ok(q.all(db).await?.into_iter().map(|t| (t.id, t)).collect())
}

/// Revokes one of the caller's tokens (an administrator may revoke anyone's).
#[tracing::instrument(skip_all, fields(token_id = %id))]
pub async fn revoke_api_token(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> AppResult<api_token::Model> {
    caller.require_write_scope()?;
    let token = get_api_token(db, caller, id).await?.ok_or_else(|| {
        AppError::invalid(
            &["input", "id"],
            UserErrorCode::NotFound,
            "no such API token",
        )
    })?;
    if token.revoked_at.is_some() {
        return Ok(token);
    }
    let mut model: api_token::ActiveModel = token.into();
    model.revoked_at = Set(Some(domain::now()));
    Ok(model.update(db).await?)
}

/// Revokes a token by its display prefix or id, for the CLI.
pub async fn revoke_api_token_by_prefix(db: &impl ConnectionTrait, prefix: &str) -> AppResult<u64> {
    let res = api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(domain::now()))
        .filter(api_token::Column::Prefix.eq(prefix))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

/// The newest token rows, for listing in the CLI.
pub async fn all_api_tokens(db: &impl ConnectionTrait) -> AppResult<Vec<api_token::Model>> {
    Ok(api_token::Entity::find()
        .order_by_desc(api_token::Column::Id)
        .all(db)
        .await?)
}
