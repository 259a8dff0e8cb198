//! Engagements: what was sold to a client, its lifecycle, priced lines,
//! stakeholders and staff.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, ModelTrait, PaginatorTrait, QueryFilter, QuerySelect, Select, TransactionTrait,
};
use tandem_entities::{
    CommercialModel, EngagementStatus, InvestmentArea, Role, StakeholderRole, engagement,
    engagement_line, engagement_staff, engagement_stakeholder, engagement_transition,
};
use uuid::Uuid;

use crate::caller::Caller;
use crate::domain::engagement::{can_move, line_amount, lines_editable, parse_quantity};
use crate::domain::{self, Currency, text};
use crate::error::{AppError, AppResult, FieldError, UserErrorCode, is_unique_violation};
use crate::resource::{
    self, Clients, Contacts, EngagementLines, Engagements, PageRequest, Reason, Services, Slice,
    Staff, Stakeholders, Users,
};
use crate::services::filter::build;
use crate::services::rate_cards;

pub use crate::resource::{DateRange, EngagementFilter, EngagementOrder};

#[tracing::instrument(skip_all)]
pub async fn list(
    db: &impl ConnectionTrait,
    caller: &Caller,
    filter: &EngagementFilter,
    order: EngagementOrder,
    page: &PageRequest,
) -> AppResult<Slice<engagement::Model>> {
    resource::list::<Engagements>(db, caller, build(filter)?, &order.ordering(), page).await
}

pub async fn count(
    db: &impl ConnectionTrait,
    caller: &Caller,
    filter: &EngagementFilter,
) -> AppResult<u64> {
    resource::count::<Engagements>(db, caller, build(filter)?).await
}

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
            &["input", "probability"],
            UserErrorCode::Invalid,
            "must be from 0 to 100",
        ))
    }
}

fn dates(start: NaiveDate, end: NaiveDate) -> Result<(), FieldError> {
    if end < start {
        return Err(FieldError::new(
            &["input", "endDate"],
            UserErrorCode::Invalid,
            "must not be before the start date",
        ));
    }
    Ok(())
}

fn currency(code: &str) -> Result<String, FieldError> {
    Currency::parse(code)
        .map(|c| c.code().to_owned())
        .ok_or_else(|| {
            FieldError::new(
                &["input", "currency"],
                UserErrorCode::Invalid,
                format!("{code:?} is not an ISO-4217 currency code"),
            )
        })
}

async fn check_account_manager(db: &impl ConnectionTrait, id: Uuid) -> AppResult<()> {
    let found = resource::get_unscoped::<Users>(db, Reason::WithinWrite, id).await?;
    match found {
        Some(u) if u.active && matches!(u.role, Role::AccountManager | Role::Admin) => Ok(()),
        Some(_) => Err(AppError::invalid(
            &["input", "accountManagerId"],
            UserErrorCode::Invalid,
            "must be an active account manager",
        )),
        None => Err(AppError::invalid(
            &["input", "accountManagerId"],
            UserErrorCode::NotFound,
            "no such user",
        )),
    }
}

fn code_taken() -> AppError {
    AppError::invalid(
        &["input", "code"],
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
            AppError::invalid(
                &["input", "clientId"],
                UserErrorCode::NotFound,
                "no such client",
            )
        })?;
    caller.authorize_client_write(client.id)?;
    if client.status == tandem_entities::ClientStatus::Archived {
        return Err(AppError::invalid(
            &["input", "clientId"],
            UserErrorCode::Archived,
            "the client is archived",
        ));
    }
    let mut errors = text::Errors::default();
    let code = errors.check(text::code(&["input", "code"], &input.code));
    let name = errors.check(text::required(&["input", "name"], &input.name, 200));
    let description = errors.check(text::optional(
        &["input", "description"],
        input.description.as_deref(),
        10_000,
    ));
    let currency = errors.check(currency(
        input
            .currency
            .as_deref()
            .unwrap_or(&client.default_currency),
    ));
    let probability = errors.check(probability(input.probability.unwrap_or(10)));
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
        account_manager_id: Set(manager),
        status: Set(EngagementStatus::Lead),
        value_adjustment_minor: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            code_taken()
        } else {
            e.into()
        }
    })?;
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
    AppError::invalid(
        &["input", "id"],
        UserErrorCode::NotFound,
        "no such engagement",
    )
}

/// A visible engagement the caller may change.
async fn writable(
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

#[tracing::instrument(skip_all, fields(engagement_id = %id))]
pub async fn update(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
    patch: EngagementPatch,
) -> AppResult<engagement::Model> {
    let current = writable(db, caller, id, &["input", "id"]).await?;
    let mut errors = text::Errors::default();
    let mut model: engagement::ActiveModel = current.clone().into();
    if let Some(v) = &patch.code
        && let Some(v) = errors.check(text::code(&["input", "code"], v))
    {
        model.code = Set(v);
    }
    if let Some(v) = &patch.name
        && let Some(v) = errors.check(text::required(&["input", "name"], v, 200))
    {
        model.name = Set(v);
    }
    if let Some(v) = &patch.description
        && let Some(v) = errors.check(text::optional(
            &["input", "description"],
            v.as_deref(),
            10_000,
        ))
    {
        model.description = Set(v);
    }
    if let Some(v) = &patch.currency
        && let Some(v) = errors.check(currency(v))
        && v != current.currency
    {
        let lines = resource::unscoped::<EngagementLines>(Reason::WithinWrite)
            .filter(engagement_line::Column::EngagementId.eq(id))
            .count(db)
            .await?;
        if lines > 0 {
            errors.push(FieldError::new(
                &["input", "currency"],
                UserErrorCode::Locked,
                "the currency cannot change once the engagement has lines",
            ));
        } else {
            model.currency = Set(v);
        }
    }
    if let Some(v) = patch.probability
        && let Some(v) = errors.check(probability(v))
    {
        model.probability = Set(v);
    }
    let start = patch.start_date.unwrap_or(current.start_date);
    let end = patch.end_date.unwrap_or(current.end_date);
    errors.check(dates(start, end));
    errors.finish()?;
    if start != current.start_date && !lines_editable(current.status) {
        return Err(AppError::invalid(
            &["input", "startDate"],
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
    model.update(db).await.map_err(|e| {
        if is_unique_violation(&e) {
            code_taken()
        } else {
            e.into()
        }
    })
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
    let current = writable(db, caller, id, &["input", "id"]).await?;
    let reason = text::optional(&["input", "reason"], reason.as_deref(), 2000)
        .map_err(|e| AppError::Invalid(vec![e]))?;
    if !can_move(current.status, to) {
        return Err(AppError::invalid(
            &["input", "to"],
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
        .col_expr(engagement::Column::UpdatedAt, Expr::value(domain::now()))
        .filter(engagement::Column::Id.eq(id))
        .filter(engagement::Column::Status.eq(current.status))
        .exec(&txn)
        .await?;
    if moved.rows_affected != 1 {
        return Err(AppError::invalid(
            &["input", "to"],
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

/// An engagement's value and cost: sums of its lines' rounded amounts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub value_minor: i64,
    pub cost_minor: i64,
}

/// Totals of each visible engagement, with one SQL aggregate.
pub async fn totals_for(
    db: &impl ConnectionTrait,
    caller: &Caller,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Totals>> {
    totals(db, resource::scoped::<Engagements>(caller), ids).await
}

/// Totals of engagements a write has been authorised for.
pub async fn totals_within_write(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Totals>> {
    totals(
        db,
        resource::unscoped::<Engagements>(Reason::WithinWrite),
        ids,
    )
    .await
}

async fn totals(
    db: &impl ConnectionTrait,
    engagements: Select<engagement::Entity>,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Totals>> {
    // The engagements with the adjustment their change orders made to the
    // value of their (locked) lines.
    let adjustments: Vec<(Uuid, i64)> = engagements
        .filter(engagement::Column::Id.is_in(ids.to_vec()))
        .select_only()
        .column(engagement::Column::Id)
        .column(engagement::Column::ValueAdjustmentMinor)
        .into_tuple()
        .all(db)
        .await?;
    let ids: Vec<Uuid> = adjustments.iter().map(|(id, _)| *id).collect();
    let rows: Vec<(Uuid, i64, i64)> = resource::unscoped::<EngagementLines>(Reason::ParentChecked)
        .filter(engagement_line::Column::EngagementId.is_in(ids.clone()))
        .select_only()
        .column(engagement_line::Column::EngagementId)
        .column_as(
            Expr::cust("CAST(COALESCE(SUM(value_minor), 0) AS BIGINT)"),
            "v",
        )
        .column_as(
            Expr::cust("CAST(COALESCE(SUM(cost_minor), 0) AS BIGINT)"),
            "c",
        )
        .group_by(engagement_line::Column::EngagementId)
        .into_tuple()
        .all(db)
        .await?;
    let mut out: HashMap<Uuid, Totals> = ids.iter().map(|id| (*id, Totals::default())).collect();
    for (id, v, c) in rows {
        out.insert(
            id,
            Totals {
                value_minor: v,
                cost_minor: c,
            },
        );
    }
    for (id, adjustment) in adjustments {
        let totals = out.entry(id).or_default();
        totals.value_minor = totals.value_minor.saturating_add(adjustment);
    }
    Ok(out)
}

/// A new line.
#[derive(Debug, Clone)]
pub struct NewLine {
    pub engagement_id: Uuid,
    pub service_id: Uuid,
    /// A decimal string, at most three decimals, above zero.
    pub quantity: String,
    pub discount_bp: i32,
}

fn discount(v: i32) -> Result<i32, FieldError> {
    if (0..=10_000).contains(&v) {
        Ok(v)
    } else {
        Err(FieldError::new(
            &["input", "discountBasisPoints"],
            UserErrorCode::Invalid,
            "must be from 0 to 10000 (100%)",
        ))
    }
}

fn quantity(text: &str) -> Result<i64, FieldError> {
    parse_quantity(text).ok_or_else(|| {
        FieldError::new(
            &["input", "quantity"],
            UserErrorCode::Invalid,
            "must be a number above zero with at most three decimals",
        )
    })
}

fn amounts(quantity_milli: i64, price: i64, cost: i64, discount_bp: i32) -> AppResult<(i64, i64)> {
    match (
        line_amount(quantity_milli, price, discount_bp),
        line_amount(quantity_milli, cost, 0),
    ) {
        (Some(v), Some(c)) => Ok((v, c)),
        _ => Err(AppError::invalid(
            &["input", "quantity"],
            UserErrorCode::Invalid,
            format!(
                "the line's amount is too large: at most {} minor units",
                domain::money::MAX_AMOUNT_MINOR
            ),
        )),
    }
}

/// Refuses a line change that would take the engagement's value or cost
/// past the largest amount Tandem holds (a line worth `value` and `cost`
/// replacing one worth `old_value` and `old_cost`).
async fn check_total(
    db: &impl ConnectionTrait,
    engagement_id: Uuid,
    value: i64,
    cost: i64,
    old_value: i64,
    old_cost: i64,
) -> AppResult<()> {
    let totals = totals_within_write(db, &[engagement_id])
        .await?
        .remove(&engagement_id)
        .unwrap_or_default();
    let max = i128::from(domain::money::MAX_AMOUNT_MINOR);
    let after =
        |total: i64, new: i64, old: i64| i128::from(total) + i128::from(new) - i128::from(old);
    if after(totals.value_minor, value, old_value) > max
        || after(totals.cost_minor, cost, old_cost) > max
    {
        return Err(AppError::invalid(
            &["input", "quantity"],
            UserErrorCode::Invalid,
            format!(
                "the engagement's value or cost would exceed the largest amount, {} minor units",
                domain::money::MAX_AMOUNT_MINOR
            ),
        ));
    }
    Ok(())
}

fn locked(status: EngagementStatus) -> AppError {
    AppError::invalid(
        &["input", "engagementId"],
        UserErrorCode::Locked,
        format!(
            "lines change only while the engagement is LEAD, QUALIFIED or PROPOSED (it is {})",
            domain::api_name(&status)
        ),
    )
}

/// Adds a line priced from the rate card in force on the engagement's start
/// date. The price and cost are copied, so later rate-card changes never
/// alter the line.
#[tracing::instrument(skip_all)]
pub async fn add_line(
    db: &impl ConnectionTrait,
    caller: &Caller,
    input: NewLine,
) -> AppResult<engagement_line::Model> {
    let engagement = writable(db, caller, input.engagement_id, &["input", "engagementId"]).await?;
    let mut errors = text::Errors::default();
    let qty = errors.check(quantity(&input.quantity));
    let disc = errors.check(discount(input.discount_bp));
    errors.finish()?;
    let (Some(qty), Some(disc)) = (qty, disc) else {
        return Err(AppError::internal("validated line input incomplete"));
    };
    if !lines_editable(engagement.status) {
        return Err(locked(engagement.status));
    }
    let svc = resource::get::<Services>(db, caller, input.service_id)
        .await?
        .ok_or_else(|| {
            AppError::invalid(
                &["input", "serviceId"],
                UserErrorCode::NotFound,
                "no such service",
            )
        })?;
    if !svc.active {
        return Err(AppError::invalid(
            &["input", "serviceId"],
            UserErrorCode::Archived,
            "the service is archived",
        ));
    }
    let price =
        rate_cards::price_in_force(db, engagement.client_id, svc.id, engagement.start_date).await?;
    if price.currency != engagement.currency {
        return Err(AppError::invalid(
            &["input", "serviceId"],
            UserErrorCode::CurrencyMismatch,
            format!(
                "the rate card in force is in {} but the engagement is in {}",
                price.currency, engagement.currency
            ),
        ));
    }
    let (value, cost) = amounts(qty, price.price_minor, price.cost_minor, disc)?;
    check_total(db, engagement.id, value, cost, 0, 0).await?;
    let now = domain::now();
    Ok(engagement_line::ActiveModel {
        id: Set(Uuid::now_v7()),
        engagement_id: Set(engagement.id),
        service_id: Set(svc.id),
        quantity_milli: Set(qty),
        unit: Set(svc.unit),
        discount_bp: Set(disc),
        unit_price_minor: Set(price.price_minor),
        unit_cost_minor: Set(price.cost_minor),
        value_minor: Set(value),
        cost_minor: Set(cost),
        rate_card_version_id: Set(price.version_id),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?)
}

/// A line the caller may change, with its engagement.
async fn writable_line(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> AppResult<(engagement_line::Model, engagement::Model)> {
    let not_found = || AppError::invalid(&["input", "id"], UserErrorCode::NotFound, "no such line");
    let line = resource::get::<EngagementLines>(db, caller, id)
        .await?
        .ok_or_else(not_found)?;
    let engagement = resource::get::<Engagements>(db, caller, line.engagement_id)
        .await?
        .ok_or_else(not_found)?;
    caller.authorize_client_write(engagement.client_id)?;
    if !lines_editable(engagement.status) {
        return Err(locked(engagement.status));
    }
    Ok((line, engagement))
}

/// Changes a line's quantity or discount; its price snapshot stays.
#[tracing::instrument(skip_all, fields(line_id = %id))]
pub async fn update_line(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
    new_quantity: Option<String>,
    new_discount: Option<i32>,
) -> AppResult<engagement_line::Model> {
    let (line, _) = writable_line(db, caller, id).await?;
    let mut errors = text::Errors::default();
    let qty = new_quantity
        .as_deref()
        .map(|q| errors.check(quantity(q)))
        .unwrap_or(Some(line.quantity_milli));
    let disc = new_discount
        .map(|d| errors.check(discount(d)))
        .unwrap_or(Some(line.discount_bp));
    errors.finish()?;
    let (Some(qty), Some(disc)) = (qty, disc) else {
        return Err(AppError::internal("validated line input incomplete"));
    };
    let (value, cost) = amounts(qty, line.unit_price_minor, line.unit_cost_minor, disc)?;
    check_total(
        db,
        line.engagement_id,
        value,
        cost,
        line.value_minor,
        line.cost_minor,
    )
    .await?;
    let mut model: engagement_line::ActiveModel = line.into();
    model.quantity_milli = Set(qty);
    model.discount_bp = Set(disc);
    model.value_minor = Set(value);
    model.cost_minor = Set(cost);
    model.updated_at = Set(domain::now());
    Ok(model.update(db).await?)
}

#[tracing::instrument(skip_all, fields(line_id = %id))]
pub async fn remove_line(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> AppResult<engagement_line::Model> {
    let (line, _) = writable_line(db, caller, id).await?;
    line.clone().delete(db).await?;
    Ok(line)
}

/// Adds a contact of the engagement's client as a stakeholder (idempotent).
pub async fn add_stakeholder(
    db: &impl ConnectionTrait,
    caller: &Caller,
    engagement_id: Uuid,
    contact_id: Uuid,
    role: StakeholderRole,
) -> AppResult<engagement::Model> {
    let engagement = writable(db, caller, engagement_id, &["input", "engagementId"]).await?;
    let found = resource::get_unscoped::<Contacts>(db, Reason::WithinWrite, contact_id).await?;
    if found.is_none_or(|c| c.client_id != engagement.client_id) {
        return Err(AppError::invalid(
            &["input", "contactId"],
            UserErrorCode::NotFound,
            "no such contact at the engagement's client",
        ));
    }
    let exists = resource::unscoped::<Stakeholders>(Reason::WithinWrite)
        .filter(engagement_stakeholder::Column::EngagementId.eq(engagement_id))
        .filter(engagement_stakeholder::Column::ContactId.eq(contact_id))
        .filter(engagement_stakeholder::Column::Role.eq(role))
        .one(db)
        .await?
        .is_some();
    if !exists {
        engagement_stakeholder::ActiveModel {
            engagement_id: Set(engagement_id),
            contact_id: Set(contact_id),
            role: Set(role),
            created_at: Set(domain::now()),
        }
        .insert(db)
        .await?;
    }
    Ok(engagement)
}

pub async fn remove_stakeholder(
    db: &impl ConnectionTrait,
    caller: &Caller,
    engagement_id: Uuid,
    contact_id: Uuid,
    role: StakeholderRole,
) -> AppResult<engagement::Model> {
    let engagement = writable(db, caller, engagement_id, &["input", "engagementId"]).await?;
    engagement_stakeholder::Entity::delete_by_id((engagement_id, contact_id, role))
        .exec(db)
        .await?;
    Ok(engagement)
}

/// Staffs a DELIVERY user on an engagement (idempotent).
pub async fn add_staff(
    db: &impl ConnectionTrait,
    caller: &Caller,
    engagement_id: Uuid,
    user_id: Uuid,
) -> AppResult<engagement::Model> {
    let engagement = writable(db, caller, engagement_id, &["input", "engagementId"]).await?;
    match resource::get_unscoped::<Users>(db, Reason::WithinWrite, user_id).await? {
        Some(u) if u.role == Role::Delivery => {}
        Some(_) => {
            return Err(AppError::invalid(
                &["input", "userId"],
                UserErrorCode::Invalid,
                "only DELIVERY users are staffed",
            ));
        }
        None => {
            return Err(AppError::invalid(
                &["input", "userId"],
                UserErrorCode::NotFound,
                "no such user",
            ));
        }
    }
    let exists = resource::unscoped::<Staff>(Reason::WithinWrite)
        .filter(engagement_staff::Column::EngagementId.eq(engagement_id))
        .filter(engagement_staff::Column::UserId.eq(user_id))
        .one(db)
        .await?
        .is_some();
    if !exists {
        engagement_staff::ActiveModel {
            engagement_id: Set(engagement_id),
            user_id: Set(user_id),
            created_at: Set(domain::now()),
        }
        .insert(db)
        .await?;
    }
    Ok(engagement)
}

pub async fn remove_staff(
    db: &impl ConnectionTrait,
    caller: &Caller,
    engagement_id: Uuid,
    user_id: Uuid,
) -> AppResult<engagement::Model> {
    let engagement = writable(db, caller, engagement_id, &["input", "engagementId"]).await?;
    engagement_staff::Entity::delete_by_id((engagement_id, user_id))
        .exec(db)
        .await?;
    Ok(engagement)
}
