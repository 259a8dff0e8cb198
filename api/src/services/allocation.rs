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
    BudgetPeriod, BudgetStatus, EngagementStatus, allocation, budget, budget_line, engagement,
    funding_split, spend_attribution,
};
use uuid::Uuid;

use crate::domain::{
    self,
    split::{apportion, apportion_by},
};
use crate::error::{AppError, AppResult, UserErrorCode};
use crate::resource::{
    self, Allocations, BudgetLines, Budgets, Clients, FundingSources, Reason, SpendAttributions,
};
use crate::services::budgets;
use crate::services::splits::{self, invalid};

/// Before a change order moves allocations, locks every budget line it may
/// touch (those of the old allocations and those of the new split's sources
/// in every budget the engagement's dates span), in id order. Release and allocation then
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
    let spanned = budgets::spanning(
        db,
        engagement.client_id,
        engagement.start_date,
        engagement.end_date,
    )
    .await?;
    if !spanned.is_empty() {
        let sources = splits::source_ids(db, split.id).await?;
        let lines: Vec<Uuid> = resource::unscoped::<BudgetLines>(Reason::WithinWrite)
            .filter(budget_line::Column::BudgetId.is_in(spanned.iter().map(|b| b.id)))
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
/// becomes what was charged). Line by line, the unspent part is what the
/// engagement holds committed on the line minus what was charged to the
/// line's funding source in the line's period (never below zero); each
/// release is kept as a negative allocation with its reason, so that the
/// commitments and releases of a line still add up to what the line holds
/// allocated.
pub(crate) async fn release_unspent(
    db: &impl ConnectionTrait,
    engagement_id: Uuid,
    reason: EngagementStatus,
) -> AppResult<()> {
    let rows = resource::unscoped::<Allocations>(Reason::WithinWrite)
        .filter(allocation::Column::EngagementId.eq(engagement_id))
        .all(db)
        .await?;
    let Some(split_id) = rows.first().map(|a| a.split_id) else {
        return Ok(());
    };
    // What the engagement holds on each line, and for which source.
    let mut held: BTreeMap<Uuid, (Uuid, i64)> = BTreeMap::new();
    for a in &rows {
        held.entry(a.budget_line_id)
            .or_insert((a.funding_source_id, 0))
            .1 += a.amount_minor;
    }
    let lines = resource::unscoped::<BudgetLines>(Reason::WithinWrite)
        .filter(budget_line::Column::Id.is_in(held.keys().copied().collect::<Vec<_>>()))
        .all(db)
        .await?;
    let budgets: BTreeMap<Uuid, budget::Model> = resource::unscoped::<Budgets>(Reason::WithinWrite)
        .filter(budget::Column::Id.is_in(lines.iter().map(|l| l.budget_id).collect::<Vec<_>>()))
        .all(db)
        .await?
        .into_iter()
        .map(|b| (b.id, b))
        .collect();
    // What was charged, per source and day.
    let charged: Vec<(Uuid, NaiveDate, i64)> =
        resource::unscoped::<SpendAttributions>(Reason::WithinWrite)
            .filter(spend_attribution::Column::EngagementId.eq(engagement_id))
            .select_only()
            .column(spend_attribution::Column::FundingSourceId)
            .column(spend_attribution::Column::SpentOn)
            .column_as(
                Expr::cust("CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT)"),
                "charged",
            )
            .group_by(spend_attribution::Column::FundingSourceId)
            .group_by(spend_attribution::Column::SpentOn)
            .into_tuple()
            .all(db)
            .await?;
    let now = domain::now();
    let reason = domain::api_name(&reason);
    // Lines in id order, as every writer of lines takes them.
    for (line_id, (source, amount)) in held {
        let Some(line) = lines.iter().find(|l| l.id == line_id) else {
            continue;
        };
        let Some(budget) = budgets.get(&line.budget_id) else {
            continue;
        };
        let (from, to) = budgets::period_dates(budget, line.period);
        let on_line: i64 = charged
            .iter()
            .filter(|(s, on, _)| *s == source && from <= *on && *on <= to)
            .map(|(_, _, c)| c)
            .sum();
        let unspent = amount - Ord::max(on_line, 0);
        if unspent <= 0 {
            continue;
        }
        budget_line::Entity::update_many()
            .col_expr(
                budget_line::Column::AllocatedMinor,
                Expr::col(budget_line::Column::AllocatedMinor).sub(unspent),
            )
            .filter(budget_line::Column::Id.eq(line_id))
            .exec(db)
            .await?;
        allocation::ActiveModel {
            id: Set(Uuid::now_v7()),
            engagement_id: Set(engagement_id),
            split_id: Set(split_id),
            budget_line_id: Set(line_id),
            funding_source_id: Set(source),
            amount_minor: Set(-unspent),
            release_reason: Set(Some(reason.clone())),
            created_at: Set(now),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// What each engagement among `ids` holds committed on the budget lines the
/// caller may read (its commitments less its releases), in one statement.
pub async fn committed_for(
    db: &impl ConnectionTrait,
    caller: &crate::caller::Caller,
    ids: &[Uuid],
) -> AppResult<std::collections::HashMap<Uuid, i64>> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let rows: Vec<(Uuid, i64)> = resource::scoped::<Allocations>(caller)
        .filter(allocation::Column::EngagementId.is_in(ids.to_vec()))
        .select_only()
        .column(allocation::Column::EngagementId)
        .column_as(
            Expr::cust("CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT)"),
            "held",
        )
        .group_by(allocation::Column::EngagementId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

/// One debit of a share on a budget line.
struct Debit {
    amount: i64,
    source: Uuid,
}

/// Commits the split's value to the client's budget lines, phased over the
/// periods the engagement's dates span. Each share (the split's value
/// apportioned by the shares' basis points) is spread pro rata to the days
/// of the engagement falling in each period, by the largest-remainder rule,
/// so that the parts sum exactly to the share. The periods of a source, in
/// each fiscal year the engagement touches: its whole-year (FY) line if it
/// has one, else its quarter lines (Q1..Q4), each taking the days of its
/// quarter. Every fiscal year touched needs an APPROVED budget, and every
/// period that takes money a line for the source (NO_BUDGET naming the
/// year, and the period, otherwise).
///
/// Each line is debited with a conditional update (`allocated + x <=
/// planned`), in line order, so concurrent activations can never overspend;
/// any shortfall fails the whole transaction with BUDGET_EXCEEDED naming the
/// line and the missing amount.
pub async fn allocate(
    db: &impl ConnectionTrait,
    engagement: &engagement::Model,
    split: &funding_split::Model,
) -> AppResult<()> {
    let debits = phased(db, engagement, split).await?;
    let now = domain::now();
    for (line_id, debit) in debits {
        let done = budget_line::Entity::update_many()
            .col_expr(
                budget_line::Column::AllocatedMinor,
                Expr::col(budget_line::Column::AllocatedMinor).add(debit.amount),
            )
            .col_expr(budget_line::Column::UpdatedAt, Expr::value(now))
            .filter(budget_line::Column::Id.eq(line_id))
            .filter(
                Expr::col(budget_line::Column::AllocatedMinor)
                    .add(debit.amount)
                    .lte(Expr::col(budget_line::Column::PlannedMinor)),
            )
            .exec(db)
            .await?;
        if done.rows_affected != 1 {
            return Err(exceeded(db, debit.source, line_id, debit.amount).await?);
        }
        allocation::ActiveModel {
            id: Set(Uuid::now_v7()),
            engagement_id: Set(engagement.id),
            split_id: Set(split.id),
            budget_line_id: Set(line_id),
            funding_source_id: Set(debit.source),
            amount_minor: Set(debit.amount),
            release_reason: Set(None),
            created_at: Set(now),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// The debits of [`allocate`], by budget line.
async fn phased(
    db: &impl ConnectionTrait,
    engagement: &engagement::Model,
    split: &funding_split::Model,
) -> AppResult<BTreeMap<Uuid, Debit>> {
    let (start, end) = (engagement.start_date, engagement.end_date);
    let spanned = budgets::spanning(db, engagement.client_id, start, end).await?;
    covered(db, engagement, &spanned).await?;
    let shares = splits::shares_within_write(db, split.id).await?;
    let lines: Vec<PhaseLine> = resource::unscoped::<BudgetLines>(Reason::WithinWrite)
        .filter(budget_line::Column::BudgetId.is_in(spanned.iter().map(|b| b.id)))
        .filter(
            budget_line::Column::FundingSourceId.is_in(
                shares
                    .iter()
                    .map(|s| s.funding_source_id)
                    .collect::<Vec<_>>(),
            ),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|l| PhaseLine {
            id: l.id,
            budget_id: l.budget_id,
            source: l.funding_source_id,
            period: l.period,
        })
        .collect();
    let shares: Vec<(Uuid, i32)> = shares
        .iter()
        .map(|s| (s.funding_source_id, s.share_bp))
        .collect();
    let spanned: Vec<PhaseBudget> = spanned.iter().map(PhaseBudget::of).collect();
    let explicit: Vec<Explicit> = splits::phases_within_write(db, split.id)
        .await?
        .into_iter()
        .map(|p| Explicit {
            source: p.funding_source_id,
            fiscal_year: p.fiscal_year,
            period: p.period,
            amount: p.amount_minor,
        })
        .collect();
    let mut debits: BTreeMap<Uuid, Debit> = BTreeMap::new();
    for part in phase(
        (start, end),
        &spanned,
        &lines,
        &shares,
        &explicit,
        split.value_minor,
    ) {
        let Some(line) = part.line else {
            let name =
                resource::get_unscoped::<FundingSources>(db, Reason::WithinWrite, part.source)
                    .await?
                    .map(|s| s.name)
                    .unwrap_or_default();
            return Err(no_budget(format!(
                "the budget for fiscal year {} has no line for {name} in {} (nor a whole-year line), and the engagement's dates reach it",
                part.fiscal_year,
                domain::api_name(&part.period)
            )));
        };
        debits.insert(
            line,
            Debit {
                amount: part.amount,
                source: part.source,
            },
        );
    }
    Ok(debits)
}

/// A budget as phasing sees it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PhaseBudget {
    pub id: Uuid,
    pub fiscal_year: i32,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

impl PhaseBudget {
    fn of(b: &budget::Model) -> Self {
        Self {
            id: b.id,
            fiscal_year: b.fiscal_year,
            starts_on: b.starts_on,
            ends_on: b.ends_on,
        }
    }
}

/// A budget line as phasing sees it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PhaseLine {
    pub id: Uuid,
    pub budget_id: Uuid,
    pub source: Uuid,
    pub period: BudgetPeriod,
}

/// A part of a share phased explicitly on the split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Explicit {
    pub source: Uuid,
    pub fiscal_year: i32,
    pub period: BudgetPeriod,
    pub amount: i64,
}

/// One part of a share, for one period of one budget.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Part {
    pub source: Uuid,
    pub fiscal_year: i32,
    pub period: BudgetPeriod,
    /// The line that takes it; `None` when the budget has none for the
    /// source in that period.
    pub line: Option<Uuid>,
    pub amount: i64,
}

/// The phasing rule, without the database: `value` apportioned over
/// `shares` (funding source, basis points, in the split's share order) by
/// the largest remainder, then each share pro rata to the days of `dates`
/// falling in each period of the budgets `spanned` (in date order): a
/// source's FY line where its budget has one, else the quarters. A share
/// phased explicitly (`explicit` names its source) takes its given parts
/// instead, each on the line of its source for that period of that fiscal
/// year. Parts of zero are left out.
pub(crate) fn phase(
    dates: (NaiveDate, NaiveDate),
    spanned: &[PhaseBudget],
    lines: &[PhaseLine],
    shares: &[(Uuid, i32)],
    explicit: &[Explicit],
    value: i64,
) -> Vec<Part> {
    let line_of = |budget: Uuid, source: Uuid, period: BudgetPeriod| {
        lines
            .iter()
            .find(|l| l.budget_id == budget && l.source == source && l.period == period)
            .map(|l| l.id)
    };
    let amounts = apportion(value, &shares.iter().map(|s| s.1).collect::<Vec<_>>());
    let mut out = Vec::new();
    for ((source, _), amount) in shares.iter().zip(amounts) {
        if amount == 0 {
            continue;
        }
        if explicit.iter().any(|e| e.source == *source) {
            for e in explicit.iter().filter(|e| e.source == *source) {
                let line = spanned
                    .iter()
                    .find(|b| b.fiscal_year == e.fiscal_year)
                    .and_then(|b| line_of(b.id, *source, e.period));
                out.push(Part {
                    source: *source,
                    fiscal_year: e.fiscal_year,
                    period: e.period,
                    line,
                    amount: e.amount,
                });
            }
            continue;
        }
        // (budget, period, days of the engagement in it), in date order.
        let mut periods: Vec<(&PhaseBudget, BudgetPeriod, i64)> = Vec::new();
        for b in spanned {
            let candidates: &[BudgetPeriod] = if line_of(b.id, *source, BudgetPeriod::Fy).is_some()
            {
                &[BudgetPeriod::Fy]
            } else {
                &QUARTERS
            };
            for period in candidates {
                let bounds = budgets::period_bounds(b.starts_on, b.ends_on, *period);
                let days = overlap_days(dates, bounds);
                if days > 0 {
                    periods.push((b, *period, days));
                }
            }
        }
        let weights: Vec<i64> = periods.iter().map(|p| p.2).collect();
        for ((b, period, _), part) in periods.iter().zip(apportion_by(amount, &weights)) {
            if part != 0 {
                out.push(Part {
                    source: *source,
                    fiscal_year: b.fiscal_year,
                    period: *period,
                    line: line_of(b.id, *source, *period),
                    amount: part,
                });
            }
        }
    }
    out
}

/// Refuses, with NO_BUDGET naming the fiscal year, an engagement any day of
/// which falls outside an APPROVED budget of its client.
async fn covered(
    db: &impl ConnectionTrait,
    engagement: &engagement::Model,
    spanned: &[budget::Model],
) -> AppResult<()> {
    let (start, end) = (engagement.start_date, engagement.end_date);
    let mut cursor = start;
    for b in spanned {
        if b.starts_on > cursor {
            break;
        }
        if b.status != BudgetStatus::Approved {
            return Err(no_budget(format!(
                "the client's budget for fiscal year {} is {}, not APPROVED, and the engagement's dates reach it",
                b.fiscal_year,
                domain::api_name(&b.status)
            )));
        }
        if b.ends_on >= end {
            return Ok(());
        }
        cursor = b.ends_on.succ_opt().unwrap_or(b.ends_on);
    }
    let start_month =
        resource::get_unscoped::<Clients>(db, Reason::WithinWrite, engagement.client_id)
            .await?
            .map(|c| u32::try_from(c.fiscal_year_start_month).unwrap_or(1))
            .unwrap_or(1);
    Err(no_budget(format!(
        "no approved budget covers fiscal year {} (from {cursor}), and the engagement's dates reach it",
        budgets::fiscal_year_of(cursor, start_month)
    )))
}

const QUARTERS: [BudgetPeriod; 4] = [
    BudgetPeriod::Q1,
    BudgetPeriod::Q2,
    BudgetPeriod::Q3,
    BudgetPeriod::Q4,
];

/// Days (inclusive) two date ranges share.
fn overlap_days(a: (NaiveDate, NaiveDate), b: (NaiveDate, NaiveDate)) -> i64 {
    let from = Ord::max(a.0, b.0);
    let to = Ord::min(a.1, b.1);
    if to < from {
        0
    } else {
        (to - from).num_days() + 1
    }
}

fn no_budget(message: String) -> AppError {
    invalid(&["to"], UserErrorCode::NoBudget, message)
}

pub(crate) async fn exceeded(
    db: &impl ConnectionTrait,
    source: Uuid,
    line: Uuid,
    amount: i64,
) -> AppResult<AppError> {
    let (name, currency) =
        resource::get_unscoped::<FundingSources>(db, Reason::WithinWrite, source)
            .await?
            .map(|s| (s.name, Some(s.currency)))
            .unwrap_or_default();
    let (room, period) =
        match resource::get_unscoped::<BudgetLines>(db, Reason::WithinWrite, line).await? {
            Some(l) => {
                let year = resource::get_unscoped::<Budgets>(db, Reason::WithinWrite, l.budget_id)
                    .await?
                    .map(|b| format!("FY{}", b.fiscal_year))
                    .unwrap_or_default();
                let period = match l.period {
                    BudgetPeriod::Fy => year,
                    other => format!("{year} {}", domain::api_name(&other)),
                };
                (l.planned_minor - l.allocated_minor, period)
            }
            None => (0, String::new()),
        };
    let fmt = |minor: i64| {
        currency
            .map(|c| domain::Money::new(minor, c).to_string())
            .unwrap_or_else(|| minor.to_string())
    };
    Ok(invalid(
        &["to"],
        UserErrorCode::BudgetExceeded,
        format!(
            "budget line {name} {period} is short by {} (needs {}, has {} left)",
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
