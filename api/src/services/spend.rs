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
use tandem_entities::{EngagementStatus, Role, SpendKind, spend_attribution, spend_entry};
use uuid::Uuid;

use crate::caller::Caller;
use crate::domain::{self, Money, burn, split::apportion, text};
use crate::error::{AppError, AppResult, UserErrorCode};
use crate::resource::{self, Engagements, Reason, SpendAttributions, SpendEntries};
use crate::services::splits;

/// Days after an engagement's end date during which spend may still be
/// dated (late supplier invoices, final timesheets).
pub const SPEND_GRACE_DAYS: i64 = 90;

/// A new spend entry.
#[derive(Debug, Clone)]
pub struct NewSpend {
    pub engagement_id: Uuid,
    pub spent_on: NaiveDate,
    /// An exact decimal string in the engagement's currency.
    pub amount: String,
    pub kind: SpendKind,
    pub description: Option<String>,
    pub billable: bool,
}

/// Records spend on an ACTIVE or ON_HOLD engagement. DELIVERY users record
/// spend on what they are staffed on; account managers on their clients';
/// administrators anywhere.
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
    let currency = engagement.currency;
    let mut errors = text::Errors::default();
    let amount = errors.check(
        Money::parse_input(&input.amount, currency)
            .filter(|m| m.minor_units > 0)
            .map(|m| m.minor_units)
            .ok_or_else(|| {
                crate::error::FieldError::new(
                    &["amount"],
                    UserErrorCode::Invalid,
                    format!(
                        "must be an amount above zero, at most {}, with at most {} decimals",
                        Money::max_amount(currency),
                        currency.exponent()
                    ),
                )
            }),
    );
    let description = errors.check(text::optional(
        &["description"],
        input.description.as_deref(),
        2000,
    ));
    let latest = engagement.end_date + chrono::TimeDelta::days(SPEND_GRACE_DAYS);
    if input.spent_on < engagement.start_date || input.spent_on > latest {
        errors.push(crate::error::FieldError::new(
            &["spentOn"],
            UserErrorCode::Invalid,
            format!(
                "must fall within the engagement's dates, {} to {} (its end date plus {SPEND_GRACE_DAYS} days for late invoices)",
                engagement.start_date, latest
            ),
        ));
    }
    errors.finish()?;
    let (Some(amount), Some(description)) = (amount, description) else {
        return Err(AppError::internal("validated spend input incomplete"));
    };
    let txn = db.begin().await?;
    // The status is checked on the engagement's row locked for this
    // transaction: a transition racing with this entry either commits
    // first (and the entry is refused) or waits until it is recorded.
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
    let split = splits::in_force(&txn, engagement.id, input.spent_on)
        .await?
        .ok_or_else(|| {
            AppError::invalid(
                &["engagementId"],
                UserErrorCode::NoApprovedSplit,
                "the engagement has no approved split",
            )
        })?;
    let shares = splits::shares_within_write(&txn, split.id).await?;
    let parts = apportion(
        amount,
        &shares.iter().map(|s| s.share_bp).collect::<Vec<_>>(),
    );
    let entry = spend_entry::ActiveModel {
        id: Set(Uuid::now_v7()),
        engagement_id: Set(engagement.id),
        spent_on: Set(input.spent_on),
        amount_minor: Set(amount),
        kind: Set(input.kind),
        description: Set(description),
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
        amount_minor: Set(-original.amount_minor),
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
    pub spent_minor: i64,
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
            "CAST(COALESCE(SUM(CASE WHEN spent_on >= {first} AND spent_on <= {last} THEN amount_minor ELSE 0 END), 0) AS BIGINT)"
        ),
        [since, until],
    );
    let rows: Vec<(Uuid, i64, i64)> = resource::scoped::<SpendEntries>(caller)
        .filter(spend_entry::Column::EngagementId.is_in(ids.to_vec()))
        .select_only()
        .column(spend_entry::Column::EngagementId)
        .column_as(
            Expr::cust("CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT)"),
            "s",
        )
        .column_as(recent, "r")
        .group_by(spend_entry::Column::EngagementId)
        .into_tuple()
        .all(db)
        .await?;
    let mut out: HashMap<Uuid, SpendFigures> = HashMap::new();
    for (id, s, r) in rows {
        out.insert(
            id,
            SpendFigures {
                spent_minor: s,
                last_30_days_minor: r,
            },
        );
    }
    Ok(out)
}
