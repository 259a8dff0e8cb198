//! Allocation: what an activation (or a change order's last approval)
//! reserves on the client's budget lines, and gives back.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use tandem_entities::{
    BudgetPeriod, BudgetStatus, EngagementStatus, allocation, budget_line, engagement,
    funding_split, spend_attribution,
};
use uuid::Uuid;

use crate::domain::{self, split::apportion};
use crate::error::{AppError, AppResult, UserErrorCode};
use crate::resource::{self, Allocations, BudgetLines, FundingSources, Reason, SpendAttributions};
use crate::services::budgets;
use crate::services::splits::{self, invalid};

/// Before a change order moves allocations, locks every budget line it may
/// touch (those of the old allocations and those of the new split's sources
/// in the engagement's budget), in id order. Release and allocation then
/// write lines in two passes, and without this a change order releasing
/// line B then debiting line A could wait on an activation debiting A then
/// B: a deadlock PostgreSQL would break by failing one of them. SQLite takes
/// one writer at a time, so there is nothing to order there.
pub(crate) async fn lock_lines(
    db: &impl ConnectionTrait,
    engagement: &engagement::Model,
    split: &funding_split::Model,
) -> AppResult<()> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    let mut ids: Vec<Uuid> = resource::unscoped::<Allocations>(Reason::WithinWrite)
        .filter(allocation::Column::EngagementId.eq(engagement.id))
        .select_only()
        .column(allocation::Column::BudgetLineId)
        .into_tuple()
        .all(db)
        .await?;
    if let Some(budget) =
        budgets::budget_for(db, engagement.client_id, engagement.start_date).await?
    {
        let sources = splits::source_ids(db, split.id).await?;
        let lines: Vec<Uuid> = resource::unscoped::<BudgetLines>(Reason::WithinWrite)
            .filter(budget_line::Column::BudgetId.eq(budget.id))
            .filter(budget_line::Column::FundingSourceId.is_in(sources))
            .select_only()
            .column(budget_line::Column::Id)
            .into_tuple()
            .all(db)
            .await?;
        ids.extend(lines);
    }
    if ids.is_empty() {
        return Ok(());
    }
    resource::unscoped::<BudgetLines>(Reason::WithinWrite)
        .filter(budget_line::Column::Id.is_in(ids))
        .order_by_asc(budget_line::Column::Id)
        .lock_exclusive()
        .all(db)
        .await?;
    Ok(())
}

/// Removes an engagement's allocations, giving the money back to its lines.
pub(crate) async fn release(db: &impl ConnectionTrait, engagement_id: Uuid) -> AppResult<()> {
    let rows = resource::unscoped::<Allocations>(Reason::WithinWrite)
        .filter(allocation::Column::EngagementId.eq(engagement_id))
        .all(db)
        .await?;
    let mut by_line: BTreeMap<Uuid, i64> = BTreeMap::new();
    for a in &rows {
        *by_line.entry(a.budget_line_id).or_default() += a.amount_minor;
    }
    for (line, amount) in by_line {
        budget_line::Entity::update_many()
            .col_expr(
                budget_line::Column::AllocatedMinor,
                Expr::col(budget_line::Column::AllocatedMinor).sub(amount),
            )
            .filter(budget_line::Column::Id.eq(line))
            .exec(db)
            .await?;
    }
    allocation::Entity::delete_many()
        .filter(allocation::Column::EngagementId.eq(engagement_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Hands back to its budget lines what an engagement committed and has not
/// spent: on CANCELLED (the work stops) and on CLOSED (the commitment
/// becomes what was charged). Per funding source, the unspent part is its
/// commitments minus the spend attributed to it, taken from its lines
/// latest commitment first; each release is kept as a negative allocation
/// with its reason, so that the commitments and releases of a line still
/// add up to what the line holds allocated.
pub(crate) async fn release_unspent(
    db: &impl ConnectionTrait,
    engagement_id: Uuid,
    reason: EngagementStatus,
) -> AppResult<()> {
    let rows = resource::unscoped::<Allocations>(Reason::WithinWrite)
        .filter(allocation::Column::EngagementId.eq(engagement_id))
        .order_by_desc(allocation::Column::CreatedAt)
        .order_by_desc(allocation::Column::Id)
        .all(db)
        .await?;
    if rows.is_empty() {
        return Ok(());
    }
    let spent: Vec<(Uuid, i64)> = resource::unscoped::<SpendAttributions>(Reason::WithinWrite)
        .filter(spend_attribution::Column::EngagementId.eq(engagement_id))
        .select_only()
        .column(spend_attribution::Column::FundingSourceId)
        .column_as(
            Expr::cust("CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT)"),
            "spent",
        )
        .group_by(spend_attribution::Column::FundingSourceId)
        .into_tuple()
        .all(db)
        .await?;
    let spent: BTreeMap<Uuid, i64> = spent.into_iter().collect();
    // What each source holds committed on each of its lines, latest first.
    let mut held: BTreeMap<Uuid, Vec<(Uuid, i64)>> = BTreeMap::new();
    for a in &rows {
        let lines = held.entry(a.funding_source_id).or_default();
        match lines.iter_mut().find(|(line, _)| *line == a.budget_line_id) {
            Some((_, amount)) => *amount += a.amount_minor,
            None => lines.push((a.budget_line_id, a.amount_minor)),
        }
    }
    let split_id = rows[0].split_id;
    let now = domain::now();
    let mut releases: BTreeMap<(Uuid, Uuid), i64> = BTreeMap::new();
    for (source, lines) in &held {
        let committed: i64 = lines.iter().map(|(_, a)| a).sum();
        let mut unspent = Ord::max(committed - spent.get(source).copied().unwrap_or(0), 0);
        for (line, amount) in lines {
            if unspent == 0 {
                break;
            }
            let part = Ord::min(unspent, Ord::max(*amount, 0));
            if part > 0 {
                releases.insert((*line, *source), part);
                unspent -= part;
            }
        }
    }
    let reason = domain::api_name(&reason);
    // Lines in id order, as every writer of lines takes them.
    for ((line, source), amount) in releases {
        budget_line::Entity::update_many()
            .col_expr(
                budget_line::Column::AllocatedMinor,
                Expr::col(budget_line::Column::AllocatedMinor).sub(amount),
            )
            .filter(budget_line::Column::Id.eq(line))
            .exec(db)
            .await?;
        allocation::ActiveModel {
            id: Set(Uuid::now_v7()),
            engagement_id: Set(engagement_id),
            split_id: Set(split_id),
            budget_line_id: Set(line),
            funding_source_id: Set(source),
            amount_minor: Set(-amount),
            release_reason: Set(Some(reason.clone())),
            created_at: Set(now),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// Allocates the split's value to the budget lines of the fiscal year that
/// contains the engagement's start date, source by source. Rule for each
/// source: its whole-year (FY) line if it has one, else the quarter line
/// containing the start date. Each line is debited with a conditional
/// update (`allocated + x <= planned`), in line order, so concurrent
/// activations can never overspend; any shortfall fails the whole
/// transaction with BUDGET_EXCEEDED naming the line and the missing amount.
pub async fn allocate(
    db: &impl ConnectionTrait,
    engagement: &engagement::Model,
    split: &funding_split::Model,
) -> AppResult<()> {
    let budget = budgets::budget_for(db, engagement.client_id, engagement.start_date)
        .await?
        .filter(|b| b.status == BudgetStatus::Approved)
        .ok_or_else(|| {
            invalid(
                &["to"],
                UserErrorCode::NoBudget,
                format!("no approved budget covers {}", engagement.start_date),
            )
        })?;
    let shares = splits::shares_within_write(db, split.id).await?;
    let amounts = apportion(
        split.value_minor,
        &shares.iter().map(|s| s.share_bp).collect::<Vec<_>>(),
    );
    let lines = resource::unscoped::<BudgetLines>(Reason::WithinWrite)
        .filter(budget_line::Column::BudgetId.eq(budget.id))
        .filter(
            budget_line::Column::FundingSourceId.is_in(
                shares
                    .iter()
                    .map(|s| s.funding_source_id)
                    .collect::<Vec<_>>(),
            ),
        )
        .all(db)
        .await?;
    let quarter = quarter_of(&budget, engagement.start_date);
    let mut debits: BTreeMap<Uuid, (i64, Uuid)> = BTreeMap::new();
    for (share, amount) in shares.iter().zip(amounts) {
        if amount == 0 {
            continue;
        }
        let line = lines
            .iter()
            .find(|l| {
                l.funding_source_id == share.funding_source_id && l.period == BudgetPeriod::Fy
            })
            .or_else(|| {
                lines.iter().find(|l| {
                    l.funding_source_id == share.funding_source_id && Some(l.period) == quarter
                })
            });
        let Some(line) = line else {
            return Err(exceeded(db, share.funding_source_id, None, amount).await?);
        };
        debits.insert(line.id, (amount, share.funding_source_id));
    }
    let now = domain::now();
    for (line_id, (amount, source)) in debits {
        let done = budget_line::Entity::update_many()
            .col_expr(
                budget_line::Column::AllocatedMinor,
                Expr::col(budget_line::Column::AllocatedMinor).add(amount),
            )
            .col_expr(budget_line::Column::UpdatedAt, Expr::value(now))
            .filter(budget_line::Column::Id.eq(line_id))
            .filter(
                Expr::col(budget_line::Column::AllocatedMinor)
                    .add(amount)
                    .lte(Expr::col(budget_line::Column::PlannedMinor)),
            )
            .exec(db)
            .await?;
        if done.rows_affected != 1 {
            return Err(exceeded(db, source, Some(line_id), amount).await?);
        }
        allocation::ActiveModel {
            id: Set(Uuid::now_v7()),
            engagement_id: Set(engagement.id),
            split_id: Set(split.id),
            budget_line_id: Set(line_id),
            funding_source_id: Set(source),
            amount_minor: Set(amount),
            release_reason: Set(None),
            created_at: Set(now),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

fn quarter_of(budget: &tandem_entities::budget::Model, on: NaiveDate) -> Option<BudgetPeriod> {
    [
        BudgetPeriod::Q1,
        BudgetPeriod::Q2,
        BudgetPeriod::Q3,
        BudgetPeriod::Q4,
    ]
    .into_iter()
    .find(|q| {
        let (from, to) = budgets::period_dates(budget, *q);
        from <= on && on <= to
    })
}

async fn exceeded(
    db: &impl ConnectionTrait,
    source: Uuid,
    line: Option<Uuid>,
    amount: i64,
) -> AppResult<AppError> {
    let name = resource::get_unscoped::<FundingSources>(db, Reason::WithinWrite, source)
        .await?
        .map(|s| (s.name, Some(s.currency)))
        .unwrap_or_default();
    let (room, period) = match line {
        Some(id) => match resource::get_unscoped::<BudgetLines>(db, Reason::WithinWrite, id).await?
        {
            Some(l) => (
                l.planned_minor - l.allocated_minor,
                crate::domain::api_name(&l.period),
            ),
            None => (0, String::new()),
        },
        None => (0, "no line".into()),
    };
    let fmt = |minor: i64| {
        name.1
            .map(|c| domain::Money::new(minor, c).to_string())
            .unwrap_or_else(|| minor.to_string())
    };
    Ok(invalid(
        &["to"],
        UserErrorCode::BudgetExceeded,
        format!(
            "budget line {} {period} is short by {} (needs {}, has {} left)",
            name.0,
            fmt(amount - std::cmp::max(room, 0)),
            fmt(amount),
            fmt(std::cmp::max(room, 0))
        ),
    ))
}

/// Checks and allocates for WON -> ACTIVE, inside the transition's
/// transaction: an APPROVED split is required, approved for the engagement's
/// current value.
pub async fn activate(
    db: &impl ConnectionTrait,
    engagement: &engagement::Model,
    value_minor: i64,
) -> AppResult<()> {
    let split = splits::approved(db, engagement.id).await?.ok_or_else(|| {
        invalid(
            &["to"],
            UserErrorCode::NoApprovedSplit,
            "an engagement becomes ACTIVE only with an approved funding split",
        )
    })?;
    if split.value_minor != value_minor {
        return Err(invalid(
            &["to"],
            UserErrorCode::ValueChanged,
            "the engagement's value changed since its split was approved; submit a new split",
        ));
    }
    allocate(db, engagement, &split).await
}
