//! An engagement's priced lines.

use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, ModelTrait};
use tandem_entities::{EngagementStatus, engagement, engagement_line};
use uuid::Uuid;

use super::totals::totals_within_write;
use super::writable;

use crate::caller::Caller;
use crate::domain::engagement::{line_amount, lines_editable, parse_quantity};
use crate::domain::{self, text};
use crate::error::{AppError, AppResult, FieldError, UserErrorCode};
use crate::resource::{self, EngagementLines, Engagements, Services};
use crate::services::rate_cards;

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
            &["discountBasisPoints"],
            UserErrorCode::Invalid,
            "must be from 0 to 10000 (100%)",
        ))
    }
}

fn quantity(text: &str) -> Result<i64, FieldError> {
    parse_quantity(text).ok_or_else(|| {
        FieldError::new(
            &["quantity"],
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
            &["quantity"],
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
            &["quantity"],
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
        &["engagementId"],
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
    let engagement = writable(db, caller, input.engagement_id, &["engagementId"]).await?;
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
            AppError::invalid(&["serviceId"], UserErrorCode::NotFound, "no such service")
        })?;
    if !svc.active {
        return Err(AppError::invalid(
            &["serviceId"],
            UserErrorCode::Archived,
            "the service is archived",
        ));
    }
    let price =
        rate_cards::price_in_force(db, engagement.client_id, svc.id, engagement.start_date).await?;
    if price.currency != engagement.currency {
        return Err(AppError::invalid(
            &["serviceId"],
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
    let not_found = || AppError::invalid(&["id"], UserErrorCode::NotFound, "no such line");
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
