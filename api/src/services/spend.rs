//! Spend: what delivering an engagement actually cost, attributed to the
//! funding sources by the split in force on the spend date. The attribution
//! is stored, so a later split never rewrites history.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DbBackend, PaginatorTrait, QueryFilter, QuerySelect, TransactionTrait,
};
use tandem_entities::{
    EngagementStatus, Role, SpendKind, engagement_line, spend_attribution, spend_entry,
};
use uuid::Uuid;

use crate::caller::Caller;
use crate::domain::{self, Money, burn, charge, split::apportion, text};
use crate::error::{AppError, AppResult, UserErrorCode};
use crate::resource::{
    self, EngagementLines, Engagements, Reason, SpendAttributions, SpendEntries,
};
use crate::services::splits;

/// Days after an engagement's end date during which spend may still be
/// dated (late supplier invoices, final timesheets).
pub const SPEND_GRACE_DAYS: i64 = 90;

/// A new spend entry.
#[derive(Debug, Clone)]
pub struct NewSpend {
    pub engagement_id: Uuid,
    pub spent_on: NaiveDate,
    /// What it cost the provider: an exact decimal string in the
    /// engagement's currency. May be left out for labour at a line (the
    /// quantity times the line's unit cost).
    pub cost: Option<String>,
    /// The input field `cost` came in (`cost`, or `amount`, its former
    /// name), for errors.
    pub cost_field: &'static str,
    pub kind: SpendKind,
    pub description: Option<String>,
    pub billable: bool,
    /// Labour only: the engagement line whose price it is charged at.
    pub line_id: Option<Uuid>,
    /// With `line_id`: how many of the line's units.
    pub quantity: Option<String>,
    /// Anything but labour: the markup charged on top of the cost, in basis
    /// points (0 when left out).
    pub markup_bp: Option<i32>,
}

/// The checked input of [`record`], before the engagement's row is locked.
struct Checked {
    cost: Option<i64>,
    quantity_milli: Option<i64>,
    description: Option<String>,
}

fn field(path: &[&str], message: impl Into<String>) -> crate::error::FieldError {
    crate::error::FieldError::new(path, UserErrorCode::Invalid, message)
}

fn check(input: &NewSpend, engagement: &tandem_entities::engagement::Model) -> AppResult<Checked> {
    let currency = engagement.currency;
    let mut errors = text::Errors::default();
    let cost = input.cost.as_deref().and_then(|text| {
        errors.check(
            Money::parse_input(text, currency)
                .filter(|m| m.minor_units > 0)
                .map(|m| m.minor_units)
                .ok_or_else(|| {
                    field(
                        &[input.cost_field],
                        format!(
                            "must be an amount above zero, at most {}, with at most {} decimals",
                            Money::max_amount(currency),
                            currency.exponent()
                        ),
                    )
                }),
        )
    });
    let labour = input.kind == SpendKind::Labor;
    let quantity_milli = match (&input.line_id, input.quantity.as_deref()) {
        (Some(_), Some(text)) => errors.check(
            crate::domain::engagement::parse_quantity(text).ok_or_else(|| {
                field(
                    &["quantity"],
                    "must be a number above zero with at most three decimals",
                )
            }),
        ),
        (Some(_), None) => {
            errors.push(field(
                &["quantity"],
                "is required with a line: how many of its units",
            ));
            None
        }
        (None, Some(_)) => {
            errors.push(field(
                &["lineId"],
                "is required with a quantity: the line whose price it is charged at",
            ));
            None
        }
        (None, None) => None,
    };
    if input.line_id.is_some() && !labour {
        errors.push(field(
            &["lineId"],
            "only labour is charged at a line's price",
        ));
    }
    if labour
        && input.line_id.is_none()
        && engagement.commercial_model == tandem_entities::CommercialModel::TimeAndMaterials
    {
        errors.push(field(
            &["lineId"],
            "labour on a time-and-materials engagement is charged at a line's price: name the line and the quantity",
        ));
    }
    if input.cost.is_none() && input.line_id.is_none() {
        errors.push(field(&["cost"], "is required (except for labour at a line, which costs its quantity at the line's unit cost)"));
    }
    match input.markup_bp {
        Some(_) if labour => errors.push(field(
            &["markupBasisPoints"],
            "labour is charged at its line's price or at cost, without a markup",
        )),
        Some(bp) if !(0..=charge::MAX_MARKUP_BP).contains(&bp) => errors.push(field(
            &["markupBasisPoints"],
            format!("must be from 0 to {} (1000%)", charge::MAX_MARKUP_BP),
        )),
        _ => {}
    }
    let description = errors.check(text::optional(
        &["description"],
        input.description.as_deref(),
        2000,
    ));
    let latest = engagement.end_date + chrono::TimeDelta::days(SPEND_GRACE_DAYS);
    if input.spent_on < engagement.start_date || input.spent_on > latest {
        errors.push(field(
            &["spentOn"],
            format!(
                "must fall within the engagement's dates, {} to {} (its end date plus {SPEND_GRACE_DAYS} days for late invoices)",
                engagement.start_date, latest
            ),
        ));
    }
    errors.finish()?;
    Ok(Checked {
        cost,
        quantity_milli,
        description: description.flatten(),
    })
}

fn too_large(path: &[&str]) -> AppError {
    AppError::invalid(
        path,
        UserErrorCode::Invalid,
        format!(
            "the entry's amount is too large: at most {} minor units",
            crate::domain::money::MAX_AMOUNT_MINOR
        ),
    )
}

/// Records spend on an ACTIVE, ON_HOLD or DELIVERED engagement: what it
/// cost the provider and what it charges the client (see
/// [`crate::domain::charge`]), the charge attributed to the funding sources
/// by the split in force on its date. DELIVERY users record spend on what
/// they are staffed on; account managers on their clients'; administrators
/// anywhere.
#[tracing::instrument(skip_all)]
pub async fn record(
    db: &DatabaseConnection,
    caller: &Caller,
    input: NewSpend,
) -> AppResult<spend_entry::Model> {
    let p = caller.require_write_scope()?.clone();
    let engagement = resource::get::<Engagements>(db, caller, input.engagement_id)
        .await?
        .ok_or_else(|| {
            AppError::invalid(
                &["engagementId"],
                UserErrorCode::NotFound,
                "no such engagement",
            )
        })?;
    if p.role != Role::Delivery {
        caller.authorize_client_write(engagement.client_id)?;
    }
    let checked = check(&input, &engagement)?;
    let txn = db.begin().await?;
    // The status is checked on the engagement's row locked for this
    // transaction: a transition racing with this entry either commits
    // first (and the entry is refused) or waits until it is recorded. The
    // lock also serialises the entries of a capped engagement.
    let engagement = crate::db::for_update(
        &txn,
        resource::unscoped::<Engagements>(Reason::WithinWrite)
            .filter(tandem_entities::engagement::Column::Id.eq(engagement.id)),
    )
    .one(&txn)
    .await?
    .ok_or_else(|| AppError::internal("the engagement vanished"))?;
    takes_spend(&engagement)?;
    // Spend lands in a budgeted year, so that the client's budget figures
    // and the sum of its engagements' spend always agree.
    let budgeted = crate::services::budgets::budget_for(&txn, engagement.client_id, input.spent_on)
        .await?
        .is_some_and(|b| b.status != tandem_entities::BudgetStatus::Draft);
    if !budgeted {
        return Err(AppError::invalid(
            &["spentOn"],
            UserErrorCode::NoBudget,
            format!("no approved budget of the client covers {}", input.spent_on),
        ));
    }
    let split = match splits::in_force(&txn, engagement.id, input.spent_on).await? {
        splits::InForce::Split(split) => split,
        splits::InForce::NotYet(first) => {
            return Err(AppError::invalid(
                &["spentOn"],
                UserErrorCode::NoApprovedSplit,
                format!(
                    "no split of the engagement was approved by {}: the first was approved on {first}",
                    input.spent_on
                ),
            ));
        }
        splits::InForce::Never => {
            return Err(AppError::invalid(
                &["engagementId"],
                UserErrorCode::NoApprovedSplit,
                "the engagement has no approved split",
            ));
        }
    };
    let (cost, pricing) = match (input.line_id, checked.quantity_milli) {
        (Some(line_id), Some(quantity_milli)) => {
            let line = resource::unscoped::<EngagementLines>(Reason::WithinWrite)
                .filter(engagement_line::Column::Id.eq(line_id))
                .filter(engagement_line::Column::EngagementId.eq(engagement.id))
                .one(&txn)
                .await?
                .ok_or_else(|| {
                    AppError::invalid(
                        &["lineId"],
                        UserErrorCode::NotFound,
                        "no such line of this engagement",
                    )
                })?;
            let cost = match checked.cost {
                Some(cost) => cost,
                None => {
                    crate::domain::engagement::line_amount(quantity_milli, line.unit_cost_minor, 0)
                        .ok_or_else(|| too_large(&["quantity"]))?
                }
            };
            (
                cost,
                charge::Pricing::AtLine {
                    quantity_milli,
                    unit_price_minor: line.unit_price_minor,
                    discount_bp: line.discount_bp,
                },
            )
        }
        _ => (
            checked
                .cost
                .ok_or_else(|| AppError::internal("validated spend has no cost"))?,
            charge::Pricing::AtCost {
                markup_bp: input.markup_bp.unwrap_or(0),
            },
        ),
    };
    let mut amount = charge::charge(input.billable, cost, pricing)
        .ok_or_else(|| too_large(&["markupBasisPoints"]))?;
    if charge::capped(engagement.commercial_model) && amount > 0 {
        let value = crate::services::engagements::totals_within_write(&txn, &[engagement.id])
            .await?
            .get(&engagement.id)
            .map(|t| t.value_minor)
            .unwrap_or(0);
        amount = charge::within_value(
            amount,
            value,
            charged_within_write(&txn, engagement.id).await?,
        );
    }
    let shares = splits::shares_within_write(&txn, split.id).await?;
    let parts = apportion(
        amount,
        &shares.iter().map(|s| s.share_bp).collect::<Vec<_>>(),
    );
    let entry = spend_entry::ActiveModel {
        id: Set(Uuid::now_v7()),
        engagement_id: Set(engagement.id),
        spent_on: Set(input.spent_on),
        cost_minor: Set(cost),
        charge_minor: Set(amount),
        engagement_line_id: Set(input.line_id),
        quantity_milli: Set(checked.quantity_milli),
        markup_bp: Set(input.markup_bp),
        kind: Set(input.kind),
        description: Set(checked.description),
        billable: Set(input.billable),
        split_id: Set(split.id),
        created_by: Set(Some(p.user_id)),
        reverses_id: Set(None),
        reversal_reason: Set(None),
        created_at: Set(domain::now()),
    }
    .insert(&txn)
    .await?;
    for (share, part) in shares.iter().zip(parts) {
        spend_attribution::ActiveModel {
            spend_id: Set(entry.id),
            funding_source_id: Set(share.funding_source_id),
            engagement_id: Set(engagement.id),
            spent_on: Set(entry.spent_on),
            amount_minor: Set(part),
        }
        .insert(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(entry)
}

/// Refuses spend, and its corrections, on an engagement that does not take
/// it: before ACTIVE, and once CLOSED or CANCELLED.
fn takes_spend(engagement: &tandem_entities::engagement::Model) -> AppResult<()> {
    if matches!(
        engagement.status,
        EngagementStatus::Active | EngagementStatus::OnHold | EngagementStatus::Delivered
    ) {
        return Ok(());
    }
    Err(AppError::invalid(
        &["engagementId"],
        UserErrorCode::Locked,
        format!(
            "spend is recorded only on ACTIVE, ON_HOLD or DELIVERED engagements (it is {})",
            crate::domain::api_name(&engagement.status)
        ),
    ))
}

/// Reverses a spend entry: writes its opposite (same date, negated amount,
/// the original's attribution mirrored), linked to it and with the reason;
/// both stay. An entry is reversed at most once (concurrent reversals: one
/// wins, the others are LOCKED), a reversal is never reversed, and only
/// while the engagement takes spend.
pub async fn reverse(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
    reason: &str,
) -> AppResult<spend_entry::Model> {
    let p = caller.require_write_scope()?.clone();
    let original = resource::get::<SpendEntries>(db, caller, id)
        .await?
        .ok_or_else(|| {
            AppError::invalid(&["id"], UserErrorCode::NotFound, "no such spend entry")
        })?;
    let engagement = resource::get::<Engagements>(db, caller, original.engagement_id)
        .await?
        .ok_or_else(|| resource::vanished("engagement"))?;
    if p.role != Role::Delivery {
        caller.authorize_client_write(engagement.client_id)?;
    }
    let reason =
        text::required(&["reason"], reason, 2000).map_err(|e| AppError::Invalid(vec![e]))?;
    if original.reverses_id.is_some() {
        return Err(AppError::invalid(
            &["id"],
            UserErrorCode::Invalid,
            "a reversal is not reversed; record the spend again instead",
        ));
    }
    let txn = db.begin().await?;
    let engagement = crate::db::for_update(
        &txn,
        resource::unscoped::<Engagements>(Reason::WithinWrite)
            .filter(tandem_entities::engagement::Column::Id.eq(engagement.id)),
    )
    .one(&txn)
    .await?
    .ok_or_else(|| resource::vanished("engagement"))?;
    takes_spend(&engagement)?;
    let already = resource::unscoped::<SpendEntries>(Reason::WithinWrite)
        .filter(spend_entry::Column::ReversesId.eq(original.id))
        .count(&txn)
        .await?;
    if already > 0 {
        return Err(reversed_already());
    }
    let reversal = spend_entry::ActiveModel {
        id: Set(Uuid::now_v7()),
        engagement_id: Set(original.engagement_id),
        spent_on: Set(original.spent_on),
        cost_minor: Set(-original.cost_minor),
        charge_minor: Set(-original.charge_minor),
        engagement_line_id: Set(original.engagement_line_id),
        quantity_milli: Set(original.quantity_milli.map(|q| -q)),
        markup_bp: Set(original.markup_bp),
        kind: Set(original.kind),
        description: Set(original.description.clone()),
        billable: Set(original.billable),
        split_id: Set(original.split_id),
        created_by: Set(Some(p.user_id)),
        reverses_id: Set(Some(original.id)),
        reversal_reason: Set(Some(reason)),
        created_at: Set(domain::now()),
    }
    .insert(&txn)
    .await
    .map_err(crate::error::unique_or(reversed_already))?;
    let parts = resource::unscoped::<SpendAttributions>(Reason::WithinWrite)
        .filter(spend_attribution::Column::SpendId.eq(original.id))
        .all(&txn)
        .await?;
    for part in parts {
        spend_attribution::ActiveModel {
            spend_id: Set(reversal.id),
            funding_source_id: Set(part.funding_source_id),
            engagement_id: Set(part.engagement_id),
            spent_on: Set(part.spent_on),
            amount_minor: Set(-part.amount_minor),
        }
        .insert(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(reversal)
}

fn reversed_already() -> AppError {
    AppError::invalid(
        &["id"],
        UserErrorCode::Locked,
        "the entry is already reversed",
    )
}

/// Everything charged to an engagement so far, inside a write.
pub(crate) async fn charged_within_write(
    db: &impl ConnectionTrait,
    engagement_id: Uuid,
) -> AppResult<i64> {
    let total: Option<i64> = resource::unscoped::<SpendAttributions>(Reason::WithinWrite)
        .filter(spend_attribution::Column::EngagementId.eq(engagement_id))
        .select_only()
        .column_as(
            Expr::cust("CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT)"),
            "charged",
        )
        .into_tuple()
        .one(db)
        .await?;
    Ok(total.unwrap_or(0))
}

/// Refuses a new engagement value below what has been charged.
pub(crate) async fn check_not_below_charged(
    db: &impl ConnectionTrait,
    engagement: &tandem_entities::engagement::Model,
    value_minor: i64,
    field: &[&str],
) -> AppResult<()> {
    let charged = charged_within_write(db, engagement.id).await?;
    if value_minor >= charged {
        return Ok(());
    }
    Err(AppError::invalid(
        field,
        UserErrorCode::BelowCharged,
        format!(
            "the value cannot go below the {} already charged",
            Money::new(charged, engagement.currency)
        ),
    ))
}

/// Spend figures of an engagement.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SpendFigures {
    /// What was charged to the client.
    pub spent_minor: i64,
    /// What it cost the provider (provider-only).
    pub cost_minor: i64,
    /// Spend dated in the burn window ending `today` (see [`burn`]).
    pub last_30_days_minor: i64,
}

/// Spend figures of each visible engagement, with one SQL aggregate.
pub async fn figures_for(
    db: &impl ConnectionTrait,
    caller: &Caller,
    ids: &[Uuid],
    today: NaiveDate,
) -> AppResult<HashMap<Uuid, SpendFigures>> {
    let (since, until) = burn::window(today);
    // sea-query's custom placeholders are the backend's own.
    let (first, last) = match db.get_database_backend() {
        DbBackend::Postgres => ("$1", "$2"),
        _ => ("?", "?"),
    };
    let recent = Expr::cust_with_values(
        format!(
            "CAST(COALESCE(SUM(CASE WHEN spent_on >= {first} AND spent_on <= {last} THEN charge_minor ELSE 0 END), 0) AS BIGINT)"
        ),
        [since, until],
    );
    let rows: Vec<(Uuid, i64, i64, i64)> = resource::scoped::<SpendEntries>(caller)
        .filter(spend_entry::Column::EngagementId.is_in(ids.to_vec()))
        .select_only()
        .column(spend_entry::Column::EngagementId)
        .column_as(
            Expr::cust("CAST(COALESCE(SUM(charge_minor), 0) AS BIGINT)"),
            "s",
        )
        .column_as(
            Expr::cust("CAST(COALESCE(SUM(cost_minor), 0) AS BIGINT)"),
            "c",
        )
        .column_as(recent, "r")
        .group_by(spend_entry::Column::EngagementId)
        .into_tuple()
        .all(db)
        .await?;
    let mut out: HashMap<Uuid, SpendFigures> = HashMap::new();
    for (id, s, c, r) in rows {
        out.insert(
            id,
            SpendFigures {
                spent_minor: s,
                cost_minor: c,
                last_30_days_minor: r,
            },
        );
    }
    Ok(out)
}
