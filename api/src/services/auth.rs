//! Signing in: login, refresh-token rotation, logout, API tokens, and turning
//! a bearer credential into a [`Caller`].

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QuerySelect, QueryTrait, TransactionTrait,
};
use tandem_entities::{api_token, client_manager, login_throttle, refresh_token, user};
use tracing::Instrument;
use uuid::Uuid;

use crate::auth::{JwtKeys, password, tokens};
use crate::caller::{Caller, Principal};
use crate::config::AuthSettings;
use crate::domain::{self};
use crate::error::{AppError, AppResult, FieldError, UserErrorCode};
use crate::resource::{
    self, ApiTokens, ClientManagers, LoginThrottles, Reason, RefreshTokens, Users,
};

/// Keys and rules for authentication, built once at start-up.
pub struct AuthContext {
    pub keys: JwtKeys,
    pub settings: AuthSettings,
    /// When this process last recorded each API token's use, so that a burst
    /// of requests with one token records it once, not once per request.
    pub touched: std::sync::Mutex<std::collections::HashMap<Uuid, std::time::Instant>>,
}

impl AuthContext {
    pub fn new(keys: JwtKeys, settings: AuthSettings) -> Self {
        Self {
            keys,
            settings,
            touched: Default::default(),
        }
    }

    /// True when `token`'s use is due to be recorded by this process (and
    /// notes that it is being recorded now).
    fn touch_due(&self, token: Uuid) -> bool {
        let Ok(mut touched) = self.touched.lock() else {
            return true;
        };
        let now = std::time::Instant::now();
        let every = std::time::Duration::from_secs(TOUCH_EVERY_SECS as u64);
        if touched
            .get(&token)
            .is_some_and(|t| now.duration_since(*t) < every)
        {
            return false;
        }
        if touched.len() >= 10_000 {
            touched.retain(|_, t| now.duration_since(*t) < every);
        }
        touched.insert(token, now);
        true
    }
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
pub fn is_api_token(credential: &str) -> bool {
    credential.starts_with(tokens::API_TOKEN_PREFIX)
}

/// Turns the bearer credential of a request into its caller. Any credential
/// that is malformed, expired, revoked or belongs to a disabled user is
/// UNAUTHENTICATED. Nothing is written on the way: reading a token's row
/// (API tokens) or the user with its session (JWTs) is one indexed lookup,
/// and an API token's `lastUsedAt` is recorded off the request path.
#[tracing::instrument(skip_all)]
pub async fn authenticate(
    pools: &crate::db::Pools,
    auth: &AuthContext,
    credential: &str,
) -> AppResult<Caller> {
    let db = &pools.read;
    let rejected = || AppError::Unauthenticated("invalid or expired credentials".into());
    let (user, can_write) = if is_api_token(credential) {
        let (token, user) = resource::unscoped::<ApiTokens>(Reason::Authentication)
            .filter(api_token::Column::TokenHash.eq(tokens::hash(credential)))
            .find_also_related(user::Entity)
            .one(db)
            .await?
            .ok_or_else(rejected)?;
        let now = Utc::now();
        if token.revoked_at.is_some() || token.expires_at.is_some_and(|e| e <= now) {
            return Err(rejected());
        }
        if token
            .last_used_at
            .is_none_or(|t| t < now - TimeDelta::seconds(TOUCH_EVERY_SECS))
            && auth.touch_due(token.id)
        {
            touch_api_token(pools.write.clone(), token.id, now);
        }
        (
            user.ok_or_else(rejected)?,
            token.scopes.split(',').any(|s| s == "write"),
        )
    } else {
        let verified = auth.keys.verify(credential).ok_or_else(rejected)?;
        let live = resource::unscoped::<RefreshTokens>(Reason::Authentication)
            .select_only()
            .column(refresh_token::Column::Id)
            .filter(refresh_token::Column::FamilyId.eq(verified.session_id))
            .filter(refresh_token::Column::UserId.eq(verified.user_id))
            .filter(refresh_token::Column::RevokedAt.is_null())
            .limit(1)
            .into_query();
        let user = resource::unscoped::<Users>(Reason::Authentication)
            .filter(user::Column::Id.eq(verified.user_id))
            .filter(Expr::exists(live))
            .one(db)
            .await?
            .ok_or_else(rejected)?;
        (user, true)
    };
    if !user.active {
        return Err(rejected());
    }
    principal(db, &user, can_write)
        .await
        .map(|p| Caller::User(Box::new(p)))
}

/// How often an API token's `lastUsedAt` is recorded, at most.
const TOUCH_EVERY_SECS: i64 = 60;

/// Records use of an API token in the background, at most once a minute per
/// token (the condition makes concurrent touches one write). A request
/// never waits for it, so a busy writer cannot hold up a script's reads.
fn touch_api_token(db: DatabaseConnection, id: Uuid, now: DateTime<Utc>) {
    let stale = now - TimeDelta::seconds(TOUCH_EVERY_SECS);
    tokio::spawn(
        async move {
            let touched = api_token::Entity::update_many()
                .col_expr(api_token::Column::LastUsedAt, Expr::value(domain::now()))
                .filter(api_token::Column::Id.eq(id))
                .filter(
                    api_token::Column::LastUsedAt
                        .is_null()
                        .or(api_token::Column::LastUsedAt.lt(stale)),
                )
                .exec(&db)
                .await;
            if let Err(err) = touched {
                tracing::warn!(error = %err, "could not record an API token's use");
            }
        }
        .in_current_span(),
    );
}

/// The request's view of `user`.
pub async fn principal(
    db: &impl ConnectionTrait,
    user: &user::Model,
    can_write: bool,
) -> AppResult<Principal> {
    let managed_clients = if user.role == tandem_entities::Role::AccountManager {
        resource::unscoped::<ClientManagers>(Reason::Authentication)
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
        password_change_required: user.password_change_required,
    })
}

fn invalid_credentials() -> AppError {
    AppError::Invalid(vec![FieldError::new(
        &[],
        UserErrorCode::InvalidCredentials,
        "wrong e-mail or password",
    )])
}

/// The signed-in user changes their own password
/// ([`crate::services::users::change_own_password`]), each try counted
/// against the account's sign-in window like a `login`: a stolen access
/// token cannot be used to guess the password at speed. A wrong current
/// password keeps its attempt; a success clears the account's count.
#[tracing::instrument(skip_all)]
pub async fn change_password(
    db: &impl ConnectionTrait,
    auth: &AuthContext,
    caller: &Caller,
    current: &str,
    new: &str,
) -> AppResult<user::Model> {
    let principal = caller.principal()?;
    let found = resource::get_unscoped::<Users>(db, Reason::Authentication, principal.user_id)
        .await?
        .ok_or_else(|| AppError::Unauthenticated("sign in first".into()))?;
    let key = format!("account:{}", found.email);
    let s = &auth.settings;
    let window = TimeDelta::seconds(s.login_window_secs);
    if !reserve_attempt(db, &key, s.login_max_failures_per_account, window).await? {
        return Err(AppError::Throttled(throttle_wait(db, &key, window).await?));
    }
    let result = crate::services::users::change_own_password(db, found, current, new).await;
    match &result {
        Ok(_) => {
            login_throttle::Entity::delete_by_id(key).exec(db).await?;
        }
        Err(AppError::Invalid(errors))
            if errors
                .iter()
                .any(|e| e.code == UserErrorCode::InvalidCredentials) =>
        {
            tracing::info!("password change refused: wrong current password");
        }
        Err(_) => refund_attempt(db, &key).await?,
    }
    result
}

/// Reserves one sign-in attempt for `key`, in one conditional upsert: the
/// attempt counts only while the key has attempts left in its window (or its
/// window has ended, which starts a new one). Concurrent attempts are
/// serialised on the key's row, so at most `max` are ever let through per
/// window, however many arrive at once. `Ok(false)` when none are left.
async fn reserve_attempt(
    db: &impl ConnectionTrait,
    key: &str,
    max: i32,
    window: TimeDelta,
) -> AppResult<bool> {
    let now = domain::now();
    let window_start = now - window;
    let row = login_throttle::ActiveModel {
        key: Set(key.to_owned()),
        failures: Set(1),
        window_started_at: Set(now),
    };
    let col = |c: login_throttle::Column| Expr::col((login_throttle::Entity, c));
    let ended = col(login_throttle::Column::WindowStartedAt).lt(window_start);
    let reserved = login_throttle::Entity::insert(row)
        .on_conflict(
            OnConflict::column(login_throttle::Column::Key)
                .value(
                    login_throttle::Column::Failures,
                    Expr::case(ended.clone(), Expr::value(1))
                        .finally(col(login_throttle::Column::Failures).add(1)),
                )
                .value(
                    login_throttle::Column::WindowStartedAt,
                    Expr::case(ended.clone(), Expr::value(now))
                        .finally(col(login_throttle::Column::WindowStartedAt)),
                )
                .action_and_where(ended.or(col(login_throttle::Column::Failures).lt(max)))
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(reserved == 1)
}

/// Seconds until `key` may try again (at least 1).
async fn throttle_wait(db: &impl ConnectionTrait, key: &str, window: TimeDelta) -> AppResult<u64> {
    let row = resource::unscoped::<LoginThrottles>(Reason::Authentication)
        .filter(login_throttle::Column::Key.eq(key))
        .one(db)
        .await?;
    let secs = row.map_or(1, |r| {
        (r.window_started_at + window - Utc::now()).num_seconds()
    });
    Ok(std::cmp::max(u64::try_from(secs).unwrap_or(0), 1))
}

/// Gives back an attempt reserved for `key` (a sign-in that succeeded does
/// not count towards the address's limit).
async fn refund_attempt(db: &impl ConnectionTrait, key: &str) -> AppResult<()> {
    login_throttle::Entity::update_many()
        .col_expr(
            login_throttle::Column::Failures,
            Expr::col(login_throttle::Column::Failures).sub(1),
        )
        .filter(login_throttle::Column::Key.eq(key))
        .filter(login_throttle::Column::Failures.gt(0))
        .exec(db)
        .await?;
    Ok(())
}

/// Signs a user in. A wrong e-mail and a wrong password give the same answer
/// in about the same time. Every attempt first reserves a place in the
/// account's and the address's windows (5 and 30 per 15 minutes by
/// default); once none is left the answer is THROTTLED with the wait, and
/// the password is not even checked. A successful sign-in clears the
/// account's count and gives the address its place back.
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
    // What no account can have: too long for the column, or text the
    // database cannot store. It still costs the address an attempt.
    let impossible = email.chars().count() > 254
        || email.contains('\0')
        || password.chars().count() > password::MAX_LENGTH;
    let account_key = format!("account:{email}");
    let address_key = client_address.map(|a| format!("address:{a}"));
    if let Some(key) = &address_key
        && !reserve_attempt(db, key, s.login_max_failures_per_address, window).await?
    {
        return Err(AppError::Throttled(throttle_wait(db, key, window).await?));
    }
    if impossible {
        password::verify_dummy("");
        tracing::info!("sign-in failed");
        return Err(invalid_credentials());
    }
    if !reserve_attempt(db, &account_key, s.login_max_failures_per_account, window).await? {
        if let Some(key) = &address_key {
            refund_attempt(db, key).await?;
        }
        return Err(AppError::Throttled(
            throttle_wait(db, &account_key, window).await?,
        ));
    }
    let found = resource::unscoped::<Users>(Reason::Authentication)
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
        tracing::info!("sign-in failed");
        return Err(invalid_credentials());
    };
    if user.password_change_required
        && user
            .password_expires_at
            .is_some_and(|at| at <= domain::now())
    {
        tracing::info!(user_id = %user.id, "sign-in refused: the one-time password expired");
        return Err(AppError::invalid(
            &["password"],
            UserErrorCode::PasswordExpired,
            "this one-time password has expired: ask an administrator for a new one (`tandem user set-password`)",
        ));
    }
    login_throttle::Entity::delete_by_id(account_key)
        .exec(db)
        .await?;
    if let Some(key) = &address_key {
        refund_attempt(db, key).await?;
    }
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
    let (access_token, access_token_expires_at) = auth
        .keys
        .issue(user.id, family)
        .map_err(AppError::internal)?;
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
    let row = resource::unscoped::<RefreshTokens>(Reason::Authentication)
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
    let user = resource::get_unscoped::<Users>(&txn, Reason::Authentication, row.user_id)
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
    if let Some(row) = resource::unscoped::<RefreshTokens>(Reason::Authentication)
        .filter(refresh_token::Column::TokenHash.eq(tokens::hash(token)))
        .one(db)
        .await?
    {
        revoke_family(db, row.family_id).await?;
    }
    Ok(())
}
