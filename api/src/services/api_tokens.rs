//! API tokens: long-lived credentials for scripts, shown once when
//! created, kept only as a hash and a readable prefix.

use chrono::{DateTime, Utc};
use sea_orm::Condition;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};
use tandem_entities::api_token;
use uuid::Uuid;

use crate::auth::tokens;
use crate::caller::Caller;
use crate::domain::{self, text};
use crate::error::{AppError, AppResult, FieldError, UserErrorCode};
use crate::resource::{self, ApiTokens, Reason};

/// What a script's token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
pub async fn create(
    db: &impl ConnectionTrait,
    caller: &Caller,
    input: NewApiToken,
) -> AppResult<(api_token::Model, String)> {
    let p = caller.require_write_scope()?;
    let mut errors = text::Errors::default();
    let name = errors.check(text::required(&["name"], &input.name, 100));
    if input.scopes.is_empty() {
        errors.push(FieldError::new(
            &["scopes"],
            UserErrorCode::Required,
            "give at least one scope",
        ));
    }
    if input.expires_at.is_some_and(|e| e <= Utc::now()) {
        errors.push(FieldError::new(
            &["expiresAt"],
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

/// Revokes one of the caller's tokens (an administrator may revoke anyone's).
#[tracing::instrument(skip_all, fields(token_id = %id))]
pub async fn revoke(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> AppResult<api_token::Model> {
    caller.require_write_scope()?;
    let token = resource::get::<ApiTokens>(db, caller, id)
        .await?
        .ok_or_else(|| AppError::invalid(&["id"], UserErrorCode::NotFound, "no such API token"))?;
    if token.revoked_at.is_some() {
        return Ok(token);
    }
    let mut model: api_token::ActiveModel = token.into();
    model.revoked_at = Set(Some(domain::now()));
    Ok(model.update(db).await?)
}

/// Revokes a token by its display prefix or id, for the CLI.
pub async fn revoke_by_prefix(db: &impl ConnectionTrait, prefix: &str) -> AppResult<u64> {
    let res = api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(domain::now()))
        .filter(api_token::Column::Prefix.eq(prefix))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

/// The newest token rows, for listing in the CLI.
pub async fn all(db: &impl ConnectionTrait) -> AppResult<Vec<api_token::Model>> {
    Ok(resource::unscoped::<ApiTokens>(Reason::System)
        .order_by_desc(api_token::Column::Id)
        .all(db)
        .await?)
}

/// The caller's own tokens, the rows of the `apiTokens` list.
pub fn own(caller: &Caller) -> AppResult<Condition> {
    let p = caller.principal()?;
    Ok(Condition::all().add(api_token::Column::UserId.eq(p.user_id)))
}
