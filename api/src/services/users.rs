//! Users and account-manager assignments. Only administrators (and Tandem's
//! own CLI) manage users.

use std::collections::HashMap;

use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use tandem_entities::{
    Role, api_token, client_manager, engagement, engagement_staff, refresh_token, user,
};
use uuid::Uuid;

use crate::auth::{password, tokens};
use crate::caller::Caller;
use crate::domain::{self, text};
use crate::error::{AppError, AppResult, FieldError, UserErrorCode, unique_or};
use crate::resource::{self, ClientManagers, Clients, Contacts, Engagements, Reason, Users};

/// A new user.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    /// `None` generates a one-time password, returned once.
    pub password: Option<String>,
    pub role: Role,
    pub client_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
}

fn require_admin(caller: &Caller) -> AppResult<()> {
    if *caller != Caller::System {
        caller.require_admin()?;
    }
    Ok(())
}

fn check_password(field: &[&str], pw: &str) -> Result<(), FieldError> {
    let length = pw.chars().count();
    if length < password::MIN_LENGTH {
        return Err(FieldError::new(
            field,
            UserErrorCode::Invalid,
            format!("must be at least {} characters", password::MIN_LENGTH),
        ));
    }
    if pw.contains('\0') {
        return Err(FieldError::new(
            field,
            UserErrorCode::Invalid,
            "must not contain a NUL character",
        ));
    }
    if length > password::MAX_LENGTH {
        return Err(FieldError::new(
            field,
            UserErrorCode::TooLong,
            format!("must be at most {} characters", password::MAX_LENGTH),
        ));
    }
    Ok(())
}

/// How long a generated (one-time) password works; it must be changed at
/// the first sign-in in any case.
pub const ONE_TIME_PASSWORD_HOURS: i64 = 24;

/// Creates a user; returns it and the generated password, if one was made:
/// a one-time password, which the user must change at the first sign-in
/// (`changePassword`) and which stops working after
/// [`ONE_TIME_PASSWORD_HOURS`].
#[tracing::instrument(skip_all)]
pub async fn create(
    db: &impl ConnectionTrait,
    caller: &Caller,
    input: NewUser,
) -> AppResult<(user::Model, Option<String>)> {
    require_admin(caller)?;
    let mut errors = text::Errors::default();
    let email = errors
        .check(text::email(&["email"], &input.email))
        .map(|e| e.to_lowercase());
    let name = errors.check(text::required(&["name"], &input.name, 200));
    if let Some(pw) = &input.password {
        errors.check(check_password(&["password"], pw));
    }
    match (input.role, input.client_id) {
        (Role::Client, None) => errors.push(FieldError::new(
            &["clientId"],
            UserErrorCode::Required,
            "a CLIENT user belongs to a client",
        )),
        (Role::Client, Some(_)) => {}
        (_, Some(_)) => errors.push(FieldError::new(
            &["clientId"],
            UserErrorCode::Invalid,
            "only CLIENT users belong to a client",
        )),
        _ => {}
    }
    if input.contact_id.is_some() && input.role != Role::Client {
        errors.push(FieldError::new(
            &["contactId"],
            UserErrorCode::Invalid,
            "only CLIENT users are linked to a contact",
        ));
    }
    errors.finish()?;
    let (Some(email), Some(name)) = (email, name) else {
        return Err(AppError::internal("validated user input incomplete"));
    };
    if let Some(client_id) = input.client_id
        && resource::get_unscoped::<Clients>(db, Reason::WithinWrite, client_id)
            .await?
            .is_none()
    {
        return Err(AppError::invalid(
            &["clientId"],
            UserErrorCode::NotFound,
            "no such client",
        ));
    }
    if let Some(contact_id) = input.contact_id {
        let found = resource::get_unscoped::<Contacts>(db, Reason::WithinWrite, contact_id).await?;
        if found.is_none_or(|c| Some(c.client_id) != input.client_id) {
            return Err(AppError::invalid(
                &["contactId"],
                UserErrorCode::NotFound,
                "no such contact at this client",
            ));
        }
    }
    if resource::unscoped::<Users>(Reason::Uniqueness)
        .filter(user::Column::Email.eq(&email))
        .count(db)
        .await?
        > 0
    {
        return Err(taken());
    }
    let generated = input
        .password
        .is_none()
        .then(|| tokens::random_alphanumeric(20));
    let pw = input
        .password
        .as_deref()
        .or(generated.as_deref())
        .unwrap_or_default();
    let now = domain::now();
    let model = user::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(email),
        name: Set(name),
        password_hash: Set(password::hash(pw)?),
        role: Set(input.role),
        active: Set(true),
        client_id: Set(input.client_id),
        contact_id: Set(input.contact_id),
        // A generated password is a one-time password.
        password_change_required: Set(generated.is_some()),
        password_expires_at: Set(generated
            .is_some()
            .then(|| now + chrono::TimeDelta::hours(ONE_TIME_PASSWORD_HOURS))),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .map_err(unique_or(taken))?;
    tracing::info!(user_id = %model.id, role = ?model.role, "user created");
    Ok((model, generated))
}

fn taken() -> AppError {
    AppError::invalid(
        &["email"],
        UserErrorCode::Taken,
        "is already used by another user",
    )
}

fn not_found() -> AppError {
    AppError::invalid(&["id"], UserErrorCode::NotFound, "no such user")
}

pub fn require_admin_read(caller: &Caller) -> AppResult<()> {
    match caller {
        Caller::System => Ok(()),
        _ if caller.principal()?.role == Role::Admin => Ok(()),
        _ => Err(AppError::Forbidden("administrators only".into())),
    }
}

/// Enables or disables a user. A disabled user's tokens stop working at
/// once. Administrators cannot disable themselves.
#[tracing::instrument(skip_all, fields(user_id = %id))]
pub async fn set_active(
    db: &sea_orm::DatabaseConnection,
    caller: &Caller,
    id: Uuid,
    active: bool,
) -> AppResult<user::Model> {
    require_admin(caller)?;
    if let Caller::User(p) = caller
        && p.user_id == id
        && !active
    {
        return Err(AppError::invalid(
            &["id"],
            UserErrorCode::Invalid,
            "you cannot disable yourself",
        ));
    }
    let found = resource::get_unscoped::<Users>(db, Reason::WithinWrite, id)
        .await?
        .ok_or_else(not_found)?;
    let txn = db.begin().await?;
    let mut model: user::ActiveModel = found.into();
    model.active = Set(active);
    model.updated_at = Set(domain::now());
    let updated = model.update(&txn).await?;
    if !active {
        // Everything issued so far stays dead, even once the user is
        // enabled again: their sessions (and so their access tokens, which
        // name their session) and their API tokens.
        let now = domain::now();
        refresh_token::Entity::update_many()
            .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
            .filter(refresh_token::Column::UserId.eq(id))
            .filter(refresh_token::Column::RevokedAt.is_null())
            .exec(&txn)
            .await?;
        api_token::Entity::update_many()
            .col_expr(api_token::Column::RevokedAt, Expr::value(now))
            .filter(api_token::Column::UserId.eq(id))
            .filter(api_token::Column::RevokedAt.is_null())
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(updated)
}

/// Sets a user's password (CLI).
pub async fn set_password(
    db: &impl ConnectionTrait,
    caller: &Caller,
    email: &str,
    new_password: &str,
) -> AppResult<user::Model> {
    require_admin(caller)?;
    check_password(&["password"], new_password).map_err(|e| AppError::Invalid(vec![e]))?;
    let found = find_by_email(db, email)
        .await?
        .ok_or_else(|| AppError::NotFound("user".into()))?;
    let mut model: user::ActiveModel = found.into();
    model.password_hash = Set(password::hash(new_password)?);
    // A password chosen by an administrator is not a one-time password.
    model.password_change_required = Set(false);
    model.password_expires_at = Set(None);
    model.updated_at = Set(domain::now());
    Ok(model.update(db).await?)
}

/// `found`, the signed-in user (as `auth::change_password` read them),
/// changes their own password: `current` must be right
/// (INVALID_CREDENTIALS otherwise), `new` at least the minimum length and
/// not the current one. A one-time password stops being one: the user may
/// do everything their role allows again.
#[tracing::instrument(skip_all)]
pub async fn change_own_password(
    db: &impl ConnectionTrait,
    found: user::Model,
    current: &str,
    new: &str,
) -> AppResult<user::Model> {
    if current.chars().count() > password::MAX_LENGTH
        || !password::verify(current, &found.password_hash)
    {
        return Err(AppError::invalid(
            &["currentPassword"],
            UserErrorCode::InvalidCredentials,
            "the current password is wrong",
        ));
    }
    check_password(&["newPassword"], new).map_err(|e| AppError::Invalid(vec![e]))?;
    if new == current {
        return Err(AppError::invalid(
            &["newPassword"],
            UserErrorCode::Invalid,
            "must differ from the current password",
        ));
    }
    let mut model: user::ActiveModel = found.into();
    model.password_hash = Set(password::hash(new)?);
    model.password_change_required = Set(false);
    model.password_expires_at = Set(None);
    model.updated_at = Set(domain::now());
    let updated = model.update(db).await?;
    tracing::info!(user_id = %updated.id, "password changed");
    Ok(updated)
}

pub async fn find_by_email(
    db: &impl ConnectionTrait,
    email: &str,
) -> AppResult<Option<user::Model>> {
    Ok(resource::unscoped::<Users>(Reason::System)
        .filter(user::Column::Email.eq(email.trim().to_lowercase()))
        .one(db)
        .await?)
}

/// Every user, for the CLI.
pub async fn all(db: &impl ConnectionTrait) -> AppResult<Vec<user::Model>> {
    Ok(resource::unscoped::<Users>(Reason::System)
        .order_by_asc(user::Column::Email)
        .all(db)
        .await?)
}

/// Assigns an account manager to a client (idempotent).
#[tracing::instrument(skip_all)]
pub async fn assign_manager(
    db: &impl ConnectionTrait,
    caller: &Caller,
    user_id: Uuid,
    client_id: Uuid,
) -> AppResult<user::Model> {
    require_admin(caller)?;
    let manager = resource::get_unscoped::<Users>(db, Reason::WithinWrite, user_id)
        .await?
        .ok_or_else(|| AppError::invalid(&["userId"], UserErrorCode::NotFound, "no such user"))?;
    if manager.role != Role::AccountManager {
        return Err(AppError::invalid(
            &["userId"],
            UserErrorCode::Invalid,
            "the user is not an account manager",
        ));
    }
    if resource::get_unscoped::<Clients>(db, Reason::WithinWrite, client_id)
        .await?
        .is_none()
    {
        return Err(AppError::invalid(
            &["clientId"],
            UserErrorCode::NotFound,
            "no such client",
        ));
    }
    let row = client_manager::ActiveModel {
        client_id: Set(client_id),
        user_id: Set(user_id),
        created_at: Set(domain::now()),
    };
    client_manager::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([
                client_manager::Column::ClientId,
                client_manager::Column::UserId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(manager)
}

/// Removes an account manager from a client (idempotent).
pub async fn unassign_manager(
    db: &impl ConnectionTrait,
    caller: &Caller,
    user_id: Uuid,
    client_id: Uuid,
) -> AppResult<user::Model> {
    require_admin(caller)?;
    let manager = resource::get_unscoped::<Users>(db, Reason::WithinWrite, user_id)
        .await?
        .ok_or_else(|| AppError::invalid(&["userId"], UserErrorCode::NotFound, "no such user"))?;
    client_manager::Entity::delete_by_id((client_id, user_id))
        .exec(db)
        .await?;
    Ok(manager)
}

/// The clients an account manager is assigned to.
pub async fn managed_clients(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<Vec<Uuid>> {
    Ok(resource::unscoped::<ClientManagers>(Reason::Authentication)
        .filter(client_manager::Column::UserId.eq(user_id))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.client_id)
        .collect())
}

/// On first start with no users, creates the first administrator. Returns
/// the generated password when none was given, to be printed once.
pub async fn bootstrap(
    db: &impl ConnectionTrait,
    email: Option<&str>,
    pw: Option<&str>,
) -> AppResult<Option<(String, Option<String>)>> {
    if resource::unscoped::<Users>(Reason::System)
        .count(db)
        .await?
        > 0
    {
        return Ok(None);
    }
    let email = email.unwrap_or("admin@tandem.local").to_owned();
    let input = NewUser {
        email: email.clone(),
        name: "Administrator".into(),
        password: pw.map(str::to_owned),
        role: Role::Admin,
        client_id: None,
        contact_id: None,
    };
    match create(db, &Caller::System, input).await {
        Ok((u, generated)) => Ok(Some((u.email, generated))),
        // Another instance bootstrapped at the same moment.
        Err(AppError::Invalid(errs)) if errs.iter().any(|e| e.code == UserErrorCode::Taken) => {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// The clients of the engagements `user_id` is staffed on.
pub async fn staffed_clients(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<Vec<Uuid>> {
    let mut staffed = Query::select();
    staffed
        .column(engagement_staff::Column::EngagementId)
        .from(engagement_staff::Entity)
        .and_where(Expr::col(engagement_staff::Column::UserId).eq(user_id));
    Ok(resource::unscoped::<Engagements>(Reason::Authentication)
        .filter(Expr::col((engagement::Entity, engagement::Column::Id)).in_subquery(staffed))
        .select_only()
        .column(engagement::Column::ClientId)
        .distinct()
        .into_tuple()
        .all(db)
        .await?)
}

/// Display names of users, for history entries and the like. Names of
/// colleagues are not secret; e-mail addresses and roles stay behind `get`.
pub async fn names(db: &impl ConnectionTrait, ids: &[Uuid]) -> AppResult<HashMap<Uuid, String>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Uuid, String)> = resource::unscoped::<Users>(Reason::ActorNames)
        .filter(user::Column::Id.is_in(ids.to_vec()))
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::Name)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}
