//! Engagements: what was sold to a client, its lifecycle, priced lines,
//! stakeholders and staff.

use chrono::NaiveDate;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter, TransactionTrait,
};
use tandem_entities::{
    CommercialModel, EngagementStatus, InvestmentArea, Role, engagement, engagement_line,
    engagement_transition,
};
use uuid::Uuid;

use crate::caller::Caller;
use crate::domain::engagement::{
    can_move, is_open, is_read_only, lines_editable, probability_after, stage_probability,
};
use crate::domain::{self, text};
use crate::error::{AppError, AppResult, FieldError, UserErrorCode, unique_or};
use crate::resource::{self, Clients, EngagementLines, Engagements, Reason, Users};

pub use crate::resource::{DateRange, EngagementFilter, EngagementOrder};

mod lines;
mod people;
mod totals;

pub use lines::*;
pub use people::*;
pub use totals::*;

/// What a new engagement needs.
#[derive(Debug, Clone)]
pub struct NewEngagement {
    pub client_id: Uuid,
    pub code: String,
    pub name: String,
    pub description: Option<String>,
    pub commercial_model: CommercialModel,
    /// The client's default currency when `None`.
    pub currency: Option<String>,
    pub investment_area: InvestmentArea,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub probability: Option<i32>,
    /// The caller when `None` and the caller is an account manager.
    pub account_manager_id: Option<Uuid>,
}

/// Changes to an engagement; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct EngagementPatch {
    pub code: Option<String>,
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub commercial_model: Option<CommercialModel>,
    pub currency: Option<String>,
    pub investment_area: Option<InvestmentArea>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub probability: Option<i32>,
    pub account_manager_id: Option<Uuid>,
}

fn probability(v: i32) -> Result<i16, FieldError> {
    if (0..=100).contains(&v) {
        Ok(v as i16)
    } else {
        Err(FieldError::new(
            &["probability"],
            UserErrorCode::Invalid,
            "must be from 0 to 100",
        ))
    }
}

fn dates(start: NaiveDate, end: NaiveDate) -> Result<(), FieldError> {
    if end < start {
        return Err(FieldError::new(
            &["endDate"],
            UserErrorCode::Invalid,
            "must not be before the start date",
        ));
    }
    Ok(())
}

async fn check_account_manager(db: &impl ConnectionTrait, id: Uuid) -> AppResult<()> {
    let found = resource::get_unscoped::<Users>(db, Reason::WithinWrite, id).await?;
    match found {
        Some(u) if u.active && matches!(u.role, Role::AccountManager | Role::Admin) => Ok(()),
        Some(_) => Err(AppError::invalid(
            &["accountManagerId"],
            UserErrorCode::Invalid,
            "must be an active account manager",
        )),
        None => Err(AppError::invalid(
            &["accountManagerId"],
            UserErrorCode::NotFound,
            "no such user",
        )),
    }
}

fn code_taken() -> AppError {
    AppError::invalid(
        &["code"],
        UserErrorCode::Taken,
        "is already used by another engagement of this client",
    )
}

async fn record(
    db: &impl ConnectionTrait,
    caller: &Caller,
    engagement_id: Uuid,
    from: Option<EngagementStatus>,
    to: EngagementStatus,
    reason: Option<String>,
    reason_internal: bool,
) -> AppResult<()> {
    engagement_transition::ActiveModel {
        id: Set(Uuid::now_v7()),
        engagement_id: Set(engagement_id),
        actor_id: Set(caller.principal().ok().map(|p| p.user_id)),
        from_status: Set(from),
        to_status: Set(to),
        reason: Set(reason),
        reason_internal: Set(reason_internal),
        at: Set(domain::now()),
    }
    .insert(db)
    .await?;
    Ok(())
}

#[tracing::instrument(skip_all)]
pub async fn create(
    db: &DatabaseConnection,
    caller: &Caller,
    input: NewEngagement,
) -> AppResult<engagement::Model> {
    let client = resource::get::<Clients>(db, caller, input.client_id)
        .await?
        .ok_or_else(|| {
            AppError::invalid(&["clientId"], UserErrorCode::NotFound, "no such client")
        })?;
    caller.authorize_client_write(client.id)?;
    if client.status == tandem_entities::ClientStatus::Archived {
        return Err(AppError::invalid(
            &["clientId"],
            UserErrorCode::Archived,
            "the client is archived",
        ));
    }
    let mut errors = text::Errors::default();
    let code = errors.check(text::code(&["code"], &input.code));
    let name = errors.check(text::required(&["name"], &input.name, 200));
    let description = errors.check(text::optional(
        &["description"],
        input.description.as_deref(),
        10_000,
    ));
    let currency = errors.check(text::currency_or(
        &["currency"],
        input.currency.as_deref(),
        client.default_currency,
    ));
    let overridden = input.probability.is_some();
    let probability = errors.check(
        input
            .probability
            .map_or(Ok(stage_probability(EngagementStatus::Lead)), probability),
    );
    errors.check(dates(input.start_date, input.end_date));
    errors.finish()?;
    let (Some(code), Some(name), Some(description), Some(currency), Some(probability)) =
        (code, name, description, currency, probability)
    else {
        return Err(AppError::internal("validated engagement input incomplete"));
    };
    let manager = match (input.account_manager_id, caller) {
        (Some(id), _) => Some(id),
        (None, Caller::User(p)) if p.role == Role::AccountManager => Some(p.user_id),
        _ => None,
    };
    if let Some(id) = manager {
        check_account_manager(db, id).await?;
    }
    let now = domain::now();
    let txn = db.begin().await?;
    let model = engagement::ActiveModel {
        id: Set(Uuid::now_v7()),
        client_id: Set(client.id),
        code: Set(code),
        name: Set(name),
        description: Set(description),
        commercial_model: Set(input.commercial_model),
        currency: Set(currency),
        investment_area: Set(input.investment_area),
        start_date: Set(input.start_date),
        end_date: Set(input.end_date),
        probability: Set(probability),
        probability_overridden: Set(overridden),
        account_manager_id: Set(manager),
        status: Set(EngagementStatus::Lead),
        value_adjustment_minor: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(unique_or(code_taken))?;
    record(
        &txn,
        caller,
        model.id,
        None,
        EngagementStatus::Lead,
        None,
        false,
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

fn not_found() -> AppError {
    AppError::invalid(&["id"], UserErrorCode::NotFound, "no such engagement")
}

/// A visible engagement the caller may change.
pub(super) async fn writable(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
    field: &[&str],
) -> AppResult<engagement::Model> {
    let found = resource::get::<Engagements>(db, caller, id)
        .await?
        .ok_or_else(|| AppError::invalid(field, UserErrorCode::NotFound, "no such engagement"))?;
    caller.authorize_client_write(found.client_id)?;
    Ok(found)
}

/// Like [`writable`], and refuses an engagement that can no longer change
/// (LOST, CANCELLED or CLOSED) with LOCKED.
pub(super) async fn editable(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
    field: &[&str],
) -> AppResult<engagement::Model> {
    let found = writable(db, caller, id, field).await?;
    if is_read_only(found.status) {
        return Err(AppError::invalid(
            field,
            UserErrorCode::Locked,
            format!(
                "the engagement is {} and can no longer change",
                domain::api_name(&found.status)
            ),
        ));
    }
    Ok(found)
}

#[tracing::instrument(skip_all, fields(engagement_id = %id))]
pub async fn update(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
    patch: EngagementPatch,
) -> AppResult<engagement::Model> {
    let current = editable(db, caller, id, &["id"]).await?;
    let mut errors = text::Errors::default();
    let mut model: engagement::ActiveModel = current.clone().into();
    if let Some(v) = &patch.code
        && let Some(v) = errors.check(text::code(&["code"], v))
    {
        model.code = Set(v);
    }
    if let Some(v) = &patch.name
        && let Some(v) = errors.check(text::required(&["name"], v, 200))
    {
        model.name = Set(v);
    }
    if let Some(v) = &patch.description
        && let Some(v) = errors.check(text::optional(&["description"], v.as_deref(), 10_000))
    {
        model.description = Set(v);
    }
    if let Some(v) = &patch.currency
        && let Some(v) = errors.check(text::currency(&["currency"], v))
        && v != current.currency
    {
        let lines = resource::unscoped::<EngagementLines>(Reason::WithinWrite)
            .filter(engagement_line::Column::EngagementId.eq(id))
            .count(db)
            .await?;
        if lines > 0 {
            errors.push(FieldError::new(
                &["currency"],
                UserErrorCode::Locked,
                "the currency cannot change once the engagement has lines",
            ));
        } else {
            model.currency = Set(v);
        }
    }
    if let Some(v) = patch.probability {
        if !is_open(current.status) {
            errors.push(FieldError::new(
                &["probability"],
                UserErrorCode::Locked,
                format!(
                    "the probability follows the stage once the sale is decided (it is {}: {}%)",
                    domain::api_name(&current.status),
                    current.probability
                ),
            ));
        } else if let Some(v) = errors.check(probability(v)) {
            model.probability = Set(v);
            model.probability_overridden = Set(true);
        }
    }
    let start = patch.start_date.unwrap_or(current.start_date);
    let end = patch.end_date.unwrap_or(current.end_date);
    errors.check(dates(start, end));
    errors.finish()?;
    if start != current.start_date && !lines_editable(current.status) {
        return Err(AppError::invalid(
            &["startDate"],
            UserErrorCode::Locked,
            "the start date prices the lines and is fixed once the engagement is won",
        ));
    }
    model.start_date = Set(start);
    model.end_date = Set(end);
    if let Some(v) = patch.commercial_model {
        model.commercial_model = Set(v);
    }
    if let Some(v) = patch.investment_area {
        model.investment_area = Set(v);
    }
    if let Some(v) = patch.account_manager_id {
        check_account_manager(db, v).await?;
        model.account_manager_id = Set(Some(v));
    }
    model.updated_at = Set(domain::now());
    model.update(db).await.map_err(unique_or(code_taken))
}

/// Moves an engagement along its lifecycle. A move outside the transition
/// table is INVALID_TRANSITION; two racing moves cannot both apply, because
/// the update is conditional on the status it read.
#[tracing::instrument(skip_all, fields(engagement_id = %id, to = ?to))]
pub async fn transition(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
    to: EngagementStatus,
    reason: Option<String>,
    reason_internal: bool,
) -> AppResult<engagement::Model> {
    let current = writable(db, caller, id, &["id"]).await?;
    let reason = text::optional(&["reason"], reason.as_deref(), 2000)
        .map_err(|e| AppError::Invalid(vec![e]))?;
    if !can_move(current.status, to) {
        return Err(AppError::invalid(
            &["to"],
            UserErrorCode::InvalidTransition,
            format!(
                "an engagement cannot move from {} to {}",
                domain::api_name(&current.status),
                domain::api_name(&to)
            ),
        ));
    }
    let txn = db.begin().await?;
    let moved = engagement::Entity::update_many()
        .col_expr(engagement::Column::Status, Expr::value(to))
        .col_expr(
            engagement::Column::Probability,
            Expr::value(probability_after(
                to,
                current.probability,
                current.probability_overridden,
            )),
        )
        .col_expr(engagement::Column::UpdatedAt, Expr::value(domain::now()))
        .filter(engagement::Column::Id.eq(id))
        .filter(engagement::Column::Status.eq(current.status))
        .exec(&txn)
        .await?;
    if moved.rows_affected != 1 {
        return Err(AppError::invalid(
            &["to"],
            UserErrorCode::InvalidTransition,
            "the engagement changed meanwhile; read it again",
        ));
    }
    if current.status == EngagementStatus::Won && to == EngagementStatus::Active {
        // Activation needs an approved split and allocates the value to the
        // budget; any failure rolls the whole move back.
        let value = totals_within_write(&txn, &[id])
            .await?
            .get(&id)
            .map(|t| t.value_minor)
            .unwrap_or(0);
        crate::services::allocation::activate(&txn, &current, value).await?;
    }
    if matches!(to, EngagementStatus::Cancelled | EngagementStatus::Closed) {
        crate::services::allocation::release_unspent(&txn, id, to).await?;
    }
    record(
        &txn,
        caller,
        id,
        Some(current.status),
        to,
        reason,
        reason_internal,
    )
    .await?;
    let updated = resource::get_unscoped::<Engagements>(&txn, Reason::WithinWrite, id)
        .await?
        .ok_or_else(not_found)?;
    txn.commit().await?;
    Ok(updated)
}
