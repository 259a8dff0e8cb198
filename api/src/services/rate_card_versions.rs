//! Changing rate-card versions and their prices.
//!
//! A version starts as a DRAFT whose dates and prices may change; publishing
//! it (with at least one price) freezes it; retiring it takes it out of use
//! and out of the overlap rule. The periods of a card's non-retired versions
//! never overlap: every change takes the card's lock first (see
//! [`rate_cards::lock_card`]), then checks and writes in one transaction.

use chrono::NaiveDate;
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, TransactionTrait,
};
use tandem_entities::{RateCardVersionStatus, rate_card, rate_card_price, rate_card_version};
use uuid::Uuid;

use crate::caller::Caller;
use crate::domain::{self, Currency, Money, text};
use crate::error::{AppError, AppResult, FieldError, UserErrorCode};
use crate::resource::{self, RateCardPrices, RateCardVersions, Reason};
use crate::services::rate_cards::{self, authorize_write, lock_card};

/// A new version of a rate card; it starts as a DRAFT.
#[derive(Debug, Clone)]
pub struct NewVersion {
    pub rate_card_id: Uuid,
    pub effective_from: NaiveDate,
    /// The last day in force (inclusive); `None` is open-ended.
    pub effective_to: Option<NaiveDate>,
}

/// New dates for a DRAFT version; `None` leaves a date as it is,
/// `effective_to: Some(None)` makes the version open-ended.
#[derive(Debug, Clone, Default)]
pub struct VersionPatch {
    pub effective_from: Option<NaiveDate>,
    pub effective_to: Option<Option<NaiveDate>>,
}

/// The price and cost of a service in a DRAFT version, as exact decimal
/// strings in the card's currency.
#[derive(Debug, Clone)]
pub struct NewPrice {
    pub version_id: Uuid,
    pub service_id: Uuid,
    pub price: String,
    pub cost: String,
}

/// A price row with the currency of its card.
#[derive(Debug, Clone)]
pub struct CardPrice {
    pub price: rate_card_price::Model,
    pub currency: Currency,
}

fn status_name(status: RateCardVersionStatus) -> String {
    status.to_value()
}

fn period(from: NaiveDate, to: Option<NaiveDate>) -> String {
    match to {
        Some(to) => format!("from {from} to {to}"),
        None => format!("from {from}, open-ended"),
    }
}

/// A card the caller may change; a missing or invisible one is NOT_FOUND on
/// `field`.
async fn writable_card(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
    field: &[&str],
) -> AppResult<rate_card::Model> {
    rate_cards::require_pricing(caller)?;
    let card = crate::resource::get::<crate::resource::RateCards>(db, caller, id)
        .await?
        .ok_or_else(|| AppError::invalid(field, UserErrorCode::NotFound, "no such rate card"))?;
    authorize_write(caller, &card)?;
    Ok(card)
}

/// A version (and its card) the caller may change.
async fn writable_version(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
    field: &[&str],
) -> AppResult<(rate_card_version::Model, rate_card::Model)> {
    rate_cards::require_pricing(caller)?;
    let not_found =
        || AppError::invalid(field, UserErrorCode::NotFound, "no such rate card version");
    let version = crate::resource::get::<crate::resource::RateCardVersions>(db, caller, id)
        .await?
        .ok_or_else(not_found)?;
    let card = crate::resource::get::<crate::resource::RateCards>(db, caller, version.rate_card_id)
        .await?
        .ok_or_else(not_found)?;
    authorize_write(caller, &card)?;
    Ok((version, card))
}

/// Reads the version again once the card is locked, so that its status and
/// dates are current.
async fn reload(txn: &impl ConnectionTrait, id: Uuid) -> AppResult<rate_card_version::Model> {
    resource::get_unscoped::<RateCardVersions>(txn, Reason::WithinWrite, id)
        .await?
        .ok_or_else(|| AppError::internal("a locked rate card version disappeared"))
}

fn immutable(field: &[&str], status: RateCardVersionStatus) -> AppError {
    AppError::invalid(
        field,
        UserErrorCode::Immutable,
        format!(
            "a {} version cannot change; create a new version instead",
            status_name(status)
        ),
    )
}

fn require_draft(field: &[&str], version: &rate_card_version::Model) -> AppResult<()> {
    if version.status == RateCardVersionStatus::Draft {
        Ok(())
    } else {
        Err(immutable(field, version.status))
    }
}

fn check_dates(from: NaiveDate, to: Option<NaiveDate>) -> AppResult<()> {
    match to {
        Some(to) if to < from => Err(AppError::invalid(
            &["effectiveTo"],
            UserErrorCode::Invalid,
            "must not be before effectiveFrom",
        )),
        _ => Ok(()),
    }
}

/// Refuses a period that overlaps another non-retired version of the card.
async fn check_overlap(
    txn: &impl ConnectionTrait,
    card_id: Uuid,
    except: Option<Uuid>,
    from: NaiveDate,
    to: Option<NaiveDate>,
) -> AppResult<()> {
    let mut q = resource::unscoped::<RateCardVersions>(Reason::WithinWrite)
        .filter(rate_card_version::Column::RateCardId.eq(card_id))
        .filter(rate_card_version::Column::Status.ne(RateCardVersionStatus::Retired))
        .filter(
            Condition::any()
                .add(rate_card_version::Column::EffectiveTo.is_null())
                .add(rate_card_version::Column::EffectiveTo.gte(from)),
        );
    if let Some(to) = to {
        q = q.filter(rate_card_version::Column::EffectiveFrom.lte(to));
    }
    if let Some(id) = except {
        q = q.filter(rate_card_version::Column::Id.ne(id));
    }
    match q.one(txn).await? {
        None => Ok(()),
        Some(other) => Err(AppError::invalid(
            &["effectiveFrom"],
            UserErrorCode::Overlaps,
            format!(
                "{} overlaps the {} version {}",
                period(from, to),
                status_name(other.status),
                period(other.effective_from, other.effective_to)
            ),
        )),
    }
}

/// Adds a DRAFT version to a card.
#[tracing::instrument(skip_all, fields(rate_card_id = %input.rate_card_id))]
pub async fn create_version(
    db: &DatabaseConnection,
    caller: &Caller,
    input: NewVersion,
) -> AppResult<rate_card_version::Model> {
    let card = writable_card(db, caller, input.rate_card_id, &["rateCardId"]).await?;
    check_dates(input.effective_from, input.effective_to)?;
    let txn = db.begin().await?;
    lock_card(&txn, card.id).await?;
    check_overlap(
        &txn,
        card.id,
        None,
        input.effective_from,
        input.effective_to,
    )
    .await?;
    let created = rate_card_version::ActiveModel {
        id: Set(Uuid::now_v7()),
        rate_card_id: Set(card.id),
        effective_from: Set(input.effective_from),
        effective_to: Set(input.effective_to),
        status: Set(RateCardVersionStatus::Draft),
        created_at: Set(domain::now()),
        published_at: Set(None),
        retired_at: Set(None),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// Changes the dates of a DRAFT version.
#[tracing::instrument(skip_all, fields(version_id = %id))]
pub async fn update_version(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
    patch: VersionPatch,
) -> AppResult<rate_card_version::Model> {
    let (version, card) = writable_version(db, caller, id, &["id"]).await?;
    require_draft(&["id"], &version)?;
    let txn = db.begin().await?;
    lock_card(&txn, card.id).await?;
    let version = reload(&txn, id).await?;
    require_draft(&["id"], &version)?;
    let from = patch.effective_from.unwrap_or(version.effective_from);
    let to = patch.effective_to.unwrap_or(version.effective_to);
    check_dates(from, to)?;
    check_overlap(&txn, card.id, Some(id), from, to).await?;
    let mut model: rate_card_version::ActiveModel = version.into();
    model.effective_from = Set(from);
    model.effective_to = Set(to);
    let updated = model.update(&txn).await?;
    txn.commit().await?;
    Ok(updated)
}

/// An exact, non-negative amount in `currency`.
fn amount(field: &[&str], text: &str, currency: Currency) -> Result<i64, FieldError> {
    let money = Money::parse_input(text, currency).ok_or_else(|| {
        FieldError::new(
            field,
            UserErrorCode::Invalid,
            format!(
                "must be an exact decimal amount in {} with at most {} decimals, at most {}, e.g. \"1250.00\"",
                currency.code(),
                currency.exponent(),
                Money::max_amount(currency)
            ),
        )
    })?;
    if money.minor_units < 0 {
        return Err(FieldError::new(
            field,
            UserErrorCode::Invalid,
            "must not be negative",
        ));
    }
    Ok(money.minor_units)
}

/// Sets (adds or replaces) the price and cost of a service in a DRAFT
/// version, in the card's currency. Archived services take no new prices.
#[tracing::instrument(skip_all, fields(version_id = %input.version_id, service_id = %input.service_id))]
pub async fn set_price(
    db: &DatabaseConnection,
    caller: &Caller,
    input: NewPrice,
) -> AppResult<CardPrice> {
    let field = &["versionId"];
    let (version, card) = writable_version(db, caller, input.version_id, field).await?;
    require_draft(field, &version)?;
    let currency = card.currency;
    let mut errors = text::Errors::default();
    let price = errors.check(amount(&["price"], &input.price, currency));
    let cost = errors.check(amount(&["cost"], &input.cost, currency));
    errors.finish()?;
    let (Some(price), Some(cost)) = (price, cost) else {
        return Err(AppError::internal("validated price input incomplete"));
    };
    let service = crate::resource::get::<crate::resource::Services>(db, caller, input.service_id)
        .await?
        .ok_or_else(|| {
            AppError::invalid(&["serviceId"], UserErrorCode::NotFound, "no such service")
        })?;
    if !service.active {
        return Err(AppError::invalid(
            &["serviceId"],
            UserErrorCode::Archived,
            "the service is archived",
        ));
    }
    let txn = db.begin().await?;
    lock_card(&txn, card.id).await?;
    require_draft(field, &reload(&txn, version.id).await?)?;
    let existing = resource::unscoped::<RateCardPrices>(Reason::WithinWrite)
        .filter(rate_card_price::Column::VersionId.eq(version.id))
        .filter(rate_card_price::Column::ServiceId.eq(service.id))
        .one(&txn)
        .await?;
    let saved = match existing {
        Some(row) => {
            let mut model: rate_card_price::ActiveModel = row.into();
            model.price_minor = Set(price);
            model.cost_minor = Set(cost);
            model.update(&txn).await?
        }
        None => {
            rate_card_price::ActiveModel {
                version_id: Set(version.id),
                service_id: Set(service.id),
                price_minor: Set(price),
                cost_minor: Set(cost),
            }
            .insert(&txn)
            .await?
        }
    };
    txn.commit().await?;
    Ok(CardPrice {
        price: saved,
        currency,
    })
}

/// Removes a service's price from a DRAFT version; returns the version.
#[tracing::instrument(skip_all, fields(version_id = %version_id, service_id = %service_id))]
pub async fn remove_price(
    db: &DatabaseConnection,
    caller: &Caller,
    version_id: Uuid,
    service_id: Uuid,
) -> AppResult<rate_card_version::Model> {
    let field = &["versionId"];
    let (version, card) = writable_version(db, caller, version_id, field).await?;
    require_draft(field, &version)?;
    let txn = db.begin().await?;
    lock_card(&txn, card.id).await?;
    let version = reload(&txn, version.id).await?;
    require_draft(field, &version)?;
    let removed = rate_card_price::Entity::delete_many()
        .filter(rate_card_price::Column::VersionId.eq(version.id))
        .filter(rate_card_price::Column::ServiceId.eq(service_id))
        .exec(&txn)
        .await?;
    if removed.rows_affected == 0 {
        return Err(AppError::invalid(
            &["serviceId"],
            UserErrorCode::NotFound,
            "this version has no price for the service",
        ));
    }
    txn.commit().await?;
    Ok(version)
}

fn invalid_transition(to: &str, from: RateCardVersionStatus, allowed: &str) -> AppError {
    AppError::invalid(
        &["id"],
        UserErrorCode::InvalidTransition,
        format!(
            "only a {allowed} version can be {to} (this one is {})",
            status_name(from)
        ),
    )
}

/// Publishes a DRAFT version that holds at least one price; from then on it
/// prices new engagement lines on the dates it covers and never changes.
#[tracing::instrument(skip_all, fields(version_id = %id))]
pub async fn publish(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
) -> AppResult<rate_card_version::Model> {
    let (_, card) = writable_version(db, caller, id, &["id"]).await?;
    let txn = db.begin().await?;
    lock_card(&txn, card.id).await?;
    let version = reload(&txn, id).await?;
    if version.status != RateCardVersionStatus::Draft {
        return Err(invalid_transition("published", version.status, "DRAFT"));
    }
    let prices = resource::unscoped::<RateCardPrices>(Reason::WithinWrite)
        .filter(rate_card_price::Column::VersionId.eq(id))
        .count(&txn)
        .await?;
    if prices == 0 {
        return Err(AppError::invalid(
            &["id"],
            UserErrorCode::NoPrice,
            "a version needs at least one price to be published",
        ));
    }
    let mut model: rate_card_version::ActiveModel = version.into();
    model.status = Set(RateCardVersionStatus::Published);
    model.published_at = Set(Some(domain::now()));
    let updated = model.update(&txn).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Retires a PUBLISHED version: it prices nothing new, and its dates are free
/// for another version. Lines already priced from it keep their prices.
#[tracing::instrument(skip_all, fields(version_id = %id))]
pub async fn retire(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
) -> AppResult<rate_card_version::Model> {
    let (_, card) = writable_version(db, caller, id, &["id"]).await?;
    let txn = db.begin().await?;
    lock_card(&txn, card.id).await?;
    let version = reload(&txn, id).await?;
    if version.status != RateCardVersionStatus::Published {
        return Err(invalid_transition("retired", version.status, "PUBLISHED"));
    }
    let mut model: rate_card_version::ActiveModel = version.into();
    model.status = Set(RateCardVersionStatus::Retired);
    model.retired_at = Set(Some(domain::now()));
    let updated = model.update(&txn).await?;
    txn.commit().await?;
    Ok(updated)
}
