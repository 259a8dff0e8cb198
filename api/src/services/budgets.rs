//! Client budgets: one per client and fiscal year, made of budget lines
//! (funding source x period x planned amount).

pub mod changes;
pub mod figures;
pub mod signoff;

use std::collections::HashMap;

use chrono::{Datelike, Months, NaiveDate};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, TransactionSession, TransactionTrait,
};
use tandem_entities::{BudgetPeriod, BudgetStatus, budget, budget_line, funding_source};
use uuid::Uuid;

use crate::caller::Caller;
use crate::domain::{self, Currency, Money};
use crate::error::{AppError, AppResult, UserErrorCode, unique_or};
use crate::resource::{self, BudgetLines, Budgets, Clients, FundingSources, Reason};

/// The earliest and latest fiscal years a budget may be made for.
const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

pub use crate::resource::{BudgetFilter, BudgetOrder};

/// The first and last day of fiscal year `year` for a client whose year
/// starts in `start_month` (1 to 12): from the first of that month in
/// `year` to the day before the same date in `year + 1`.
pub fn fiscal_year_dates(year: i32, start_month: u32) -> Option<(NaiveDate, NaiveDate)> {
    let start = NaiveDate::from_ymd_opt(year, start_month, 1)?;
    let next = start.checked_add_months(Months::new(12))?;
    Some((start, next.pred_opt()?))
}

/// The first and last day (inclusive) of `period` in `budget`'s fiscal year:
/// the whole year for FY; for Qn the months 3(n-1) to 3n-1 of the year
/// (Q1 = its first three months).
pub fn period_dates(budget: &budget::Model, period: BudgetPeriod) -> (NaiveDate, NaiveDate) {
    period_bounds(budget.starts_on, budget.ends_on, period)
}

/// [`period_dates`] of a fiscal year running from `starts_on` to `ends_on`.
pub fn period_bounds(
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    period: BudgetPeriod,
) -> (NaiveDate, NaiveDate) {
    let quarter = match period {
        BudgetPeriod::Fy => return (starts_on, ends_on),
        BudgetPeriod::Q1 => 0,
        BudgetPeriod::Q2 => 1,
        BudgetPeriod::Q3 => 2,
        BudgetPeriod::Q4 => 3,
    };
    let start = starts_on
        .checked_add_months(Months::new(3 * quarter))
        .unwrap_or(starts_on);
    let end = start
        .checked_add_months(Months::new(3))
        .and_then(|d| d.pred_opt())
        .unwrap_or(ends_on);
    (start, Ord::min(end, ends_on))
}

/// The budget of `client_id` whose dates contain `on`, if any (budgets of a
/// client never overlap), for a write already authorised for the client.
pub async fn budget_for(
    db: &impl ConnectionTrait,
    client_id: Uuid,
    on: NaiveDate,
) -> AppResult<Option<budget::Model>> {
    Ok(resource::unscoped::<Budgets>(Reason::WithinWrite)
        .filter(budget::Column::ClientId.eq(client_id))
        .filter(budget::Column::StartsOn.lte(on))
        .filter(budget::Column::EndsOn.gte(on))
        .one(db)
        .await?)
}

/// The budgets of `client_id` whose dates overlap `from..=to`, earliest
/// first, for a write already authorised for the client.
pub async fn spanning(
    db: &impl ConnectionTrait,
    client_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<budget::Model>> {
    Ok(resource::unscoped::<Budgets>(Reason::WithinWrite)
        .filter(budget::Column::ClientId.eq(client_id))
        .filter(budget::Column::StartsOn.lte(to))
        .filter(budget::Column::EndsOn.gte(from))
        .order_by_asc(budget::Column::StartsOn)
        .all(db)
        .await?)
}

fn budget_not_found(field: &[&str]) -> AppError {
    AppError::invalid(field, UserErrorCode::NotFound, "no such budget")
}

/// A visible budget the caller may change.
async fn writable(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
    field: &[&str],
) -> AppResult<budget::Model> {
    let found = resource::get::<Budgets>(db, caller, id)
        .await?
        .ok_or_else(|| budget_not_found(field))?;
    caller.authorize_client_write(found.client_id)?;
    Ok(found)
}

/// Creates the DRAFT budget of a client for a fiscal year. One budget per
/// client and year (TAKEN); its dates may not overlap another budget of the
/// client, which can happen when the fiscal-year start month changed
/// (OVERLAPS).
#[tracing::instrument(skip_all)]
pub async fn create(
    db: &impl ConnectionTrait,
    caller: &Caller,
    client_id: Uuid,
    fiscal_year: i32,
) -> AppResult<budget::Model> {
    let client = resource::get::<Clients>(db, caller, client_id)
        .await?
        .ok_or_else(|| {
            AppError::invalid(&["clientId"], UserErrorCode::NotFound, "no such client")
        })?;
    caller.authorize_client_write(client.id)?;
    let field = &["fiscalYear"];
    if !YEARS.contains(&fiscal_year) {
        return Err(AppError::invalid(
            field,
            UserErrorCode::Invalid,
            format!("must be from {} to {}", YEARS.start(), YEARS.end()),
        ));
    }
    let month = u32::try_from(client.fiscal_year_start_month).unwrap_or(1);
    let (starts_on, ends_on) = fiscal_year_dates(fiscal_year, month)
        .ok_or_else(|| AppError::internal("fiscal year dates out of range"))?;
    let taken = || {
        AppError::invalid(
            field,
            UserErrorCode::Taken,
            "this client already has a budget for that fiscal year",
        )
    };
    let same_year = resource::unscoped::<Budgets>(Reason::Uniqueness)
        .filter(budget::Column::ClientId.eq(client.id))
        .filter(budget::Column::FiscalYear.eq(fiscal_year))
        .count(db)
        .await?;
    if same_year > 0 {
        return Err(taken());
    }
    let overlapping = resource::unscoped::<Budgets>(Reason::Uniqueness)
        .filter(budget::Column::ClientId.eq(client.id))
        .filter(budget::Column::StartsOn.lte(ends_on))
        .filter(budget::Column::EndsOn.gte(starts_on))
        .one(db)
        .await?;
    if let Some(other) = overlapping {
        return Err(AppError::invalid(
            field,
            UserErrorCode::Overlaps,
            format!(
                "the fiscal year {starts_on} to {ends_on} overlaps the budget for fiscal year {}",
                other.fiscal_year
            ),
        ));
    }
    let now = domain::now();
    budget::ActiveModel {
        id: Set(Uuid::now_v7()),
        client_id: Set(client.id),
        fiscal_year: Set(fiscal_year),
        starts_on: Set(starts_on),
        ends_on: Set(ends_on),
        status: Set(BudgetStatus::Draft),
        approved_at: Set(None),
        approved_by: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .map_err(unique_or(taken))
}

/// Moves a budget DRAFT -> APPROVED (as the client signs it off: see
/// [`signoff::approve`]) or APPROVED -> CLOSED (the provider); anything
/// else is INVALID_TRANSITION. The update is conditional on the status it
/// read, so two racing moves cannot both apply.
#[tracing::instrument(skip_all, fields(budget_id = %id, to = ?to))]
pub async fn transition(
    db: &sea_orm::DatabaseConnection,
    caller: &Caller,
    id: Uuid,
    to: BudgetStatus,
    on_behalf_of: Option<Uuid>,
) -> AppResult<budget::Model> {
    if to == BudgetStatus::Approved {
        return signoff::approve(db, caller, id, on_behalf_of).await;
    }
    if on_behalf_of.is_some() {
        return Err(AppError::invalid(
            &["onBehalfOf"],
            UserErrorCode::Invalid,
            "only an approval is signed on a contact's behalf",
        ));
    }
    let current = writable(db, caller, id, &["id"]).await?;
    let allowed = matches!(
        (current.status, to),
        (BudgetStatus::Draft, BudgetStatus::Approved)
            | (BudgetStatus::Approved, BudgetStatus::Closed)
    );
    let refused = || {
        AppError::invalid(
            &["id"],
            UserErrorCode::InvalidTransition,
            format!(
                "a budget cannot move from {} to {}",
                crate::domain::api_name(&current.status),
                crate::domain::api_name(&to)
            ),
        )
    };
    if !allowed {
        return Err(refused());
    }
    let moved = budget::Entity::update_many()
        .col_expr(budget::Column::Status, Expr::value(to))
        .col_expr(budget::Column::UpdatedAt, Expr::value(domain::now()))
        .filter(budget::Column::Id.eq(id))
        .filter(budget::Column::Status.eq(current.status))
        .exec(db)
        .await?;
    if moved.rows_affected != 1 {
        return Err(refused());
    }
    resource::get_unscoped::<Budgets>(db, Reason::WithinWrite, id)
        .await?
        .ok_or_else(|| budget_not_found(&["id"]))
}

/// What `setBudgetLine` asks for.
#[derive(Debug, Clone)]
pub struct LineInput {
    pub budget_id: Uuid,
    pub funding_source_id: Uuid,
    pub period: BudgetPeriod,
    /// An exact decimal string in the source's currency.
    pub planned: String,
    /// Why, kept in the line's history.
    pub reason: Option<String>,
}

fn below_allocated(allocated: i64, currency: Currency) -> AppError {
    AppError::invalid(
        &["planned"],
        UserErrorCode::BelowAllocated,
        format!(
            "must not be below the allocated amount of {}",
            Money::new(allocated, currency)
        ),
    )
}

/// A visible budget, for a change to its lines (NOT_FOUND on `field`).
async fn visible(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
    field: &[&str],
) -> AppResult<budget::Model> {
    resource::get::<Budgets>(db, caller, id)
        .await?
        .ok_or_else(|| budget_not_found(field))
}

/// An active funding source of the budget's client, for one of its lines.
pub(crate) async fn line_source(
    db: &impl ConnectionTrait,
    caller: &Caller,
    budget: &budget::Model,
    id: Uuid,
) -> AppResult<funding_source::Model> {
    let source = resource::get::<FundingSources>(db, caller, id)
        .await?
        .filter(|s| s.client_id == budget.client_id)
        .ok_or_else(|| {
            AppError::invalid(
                &["fundingSourceId"],
                UserErrorCode::NotFound,
                "no such funding source at the budget's client",
            )
        })?;
    if !source.active {
        return Err(AppError::invalid(
            &["fundingSourceId"],
            UserErrorCode::Archived,
            "the funding source is archived",
        ));
    }
    Ok(source)
}

/// A planned amount given as input, zero or more.
pub(crate) fn planned(text: &str, currency: Currency) -> AppResult<i64> {
    let planned = Money::parse_input(text, currency)
        .ok_or_else(|| {
            AppError::invalid(
                &["planned"],
                UserErrorCode::Invalid,
                format!(
                    "must be an exact decimal amount with at most {} decimals, at most {}",
                    currency.exponent(),
                    Money::max_amount(currency)
                ),
            )
        })?
        .minor_units;
    if planned < 0 {
        return Err(AppError::invalid(
            &["planned"],
            UserErrorCode::Invalid,
            "must not be negative",
        ));
    }
    Ok(planned)
}

/// The lines of one source in a budget, for a write.
pub(crate) async fn lines_of(
    db: &impl ConnectionTrait,
    budget: Uuid,
    source: Uuid,
) -> AppResult<Vec<budget_line::Model>> {
    Ok(resource::unscoped::<BudgetLines>(Reason::WithinWrite)
        .filter(budget_line::Column::BudgetId.eq(budget))
        .filter(budget_line::Column::FundingSourceId.eq(source))
        .all(db)
        .await?)
}

/// A source has either one FY line or quarter lines in a budget.
pub(crate) fn same_kind_of_period(
    existing: &[budget_line::Model],
    period: BudgetPeriod,
) -> AppResult<()> {
    let is_year = period == BudgetPeriod::Fy;
    if existing
        .iter()
        .any(|l| (l.period == BudgetPeriod::Fy) != is_year)
    {
        return Err(AppError::invalid(
            &["period"],
            UserErrorCode::Invalid,
            "a funding source has either one FY line or quarter lines in a budget, not both",
        ));
    }
    Ok(())
}

/// Points a user error at `field`.
pub(crate) fn on(error: AppError, field: &[&str]) -> AppError {
    crate::services::splits::on_field(error, field)
}

/// Inside a change to a budget's lines: re-reads the budget locked (so a
/// racing approval or closing either came first or waits), checks again
/// that the caller may change the line directly, and, on a DRAFT, voids the
/// sign-offs given so far (they signed off other figures). The contact of
/// the owner making the change, if it is them.
async fn guard_budget(
    txn: &impl ConnectionTrait,
    caller: &Caller,
    budget: &budget::Model,
    source: &funding_source::Model,
) -> AppResult<Option<Uuid>> {
    let fresh = crate::db::for_update(
        txn,
        resource::unscoped::<Budgets>(Reason::WithinWrite).filter(budget::Column::Id.eq(budget.id)),
    )
    .one(txn)
    .await?
    .ok_or_else(|| budget_not_found(&["budgetId"]))?;
    let changes::Authority::Direct { owner } = changes::authority(caller, &fresh, source)? else {
        return Err(changes::propose_instead());
    };
    if fresh.status == BudgetStatus::Draft {
        tandem_entities::budget_signoff::Entity::delete_many()
            .filter(tandem_entities::budget_signoff::Column::BudgetId.eq(fresh.id))
            .exec(txn)
            .await?;
    }
    Ok(owner)
}

/// Creates or updates the line of (funding source, period) in a budget, as
/// [`changes`] allows the caller (an approved budget's lines by their owner
/// or an administrator; the account manager proposes instead: LOCKED), and
/// records the change in the line's history. Lowering `planned` below the
/// money already allocated on the line is refused with BELOW_ALLOCATED,
/// decided atomically by the database.
#[tracing::instrument(skip_all)]
pub async fn set_line(
    db: &(impl ConnectionTrait + TransactionTrait),
    caller: &Caller,
    input: LineInput,
) -> AppResult<budget_line::Model> {
    let budget = visible(db, caller, input.budget_id, &["budgetId"]).await?;
    let source = line_source(db, caller, &budget, input.funding_source_id).await?;
    if let changes::Authority::Propose = changes::authority(caller, &budget, &source)? {
        return Err(changes::propose_instead());
    }
    let reason = domain::text::optional(&["reason"], input.reason.as_deref(), 2000)
        .map_err(|e| AppError::Invalid(vec![e]))?;
    let currency = source.currency;
    let planned = planned(&input.planned, currency)?;
    let existing = lines_of(db, budget.id, source.id).await?;
    same_kind_of_period(&existing, input.period)?;
    let now = domain::now();
    // The line is re-read locked inside the transaction, so the history
    // records the amount this change replaced.
    let txn = db.begin().await?;
    let owner = guard_budget(&txn, caller, &budget, &source).await?;
    let line = crate::db::for_update(
        &txn,
        resource::unscoped::<BudgetLines>(Reason::WithinWrite)
            .filter(budget_line::Column::BudgetId.eq(budget.id))
            .filter(budget_line::Column::FundingSourceId.eq(source.id))
            .filter(budget_line::Column::Period.eq(input.period)),
    )
    .one(&txn)
    .await?;
    let change = |line: Option<Uuid>, old: Option<i64>| changes::Change {
        budget: &budget,
        line,
        source: source.id,
        period: input.period,
        old,
        new: Some(planned),
        reason: reason.clone(),
    };
    if let Some(line) = line {
        // The database decides, in one conditional statement, against the
        // allocation as it is when the row is written: activations may
        // allocate on the line meanwhile, and the CHECK (allocated <=
        // planned) must never be what refuses the change.
        let updated = budget_line::Entity::update_many()
            .col_expr(budget_line::Column::PlannedMinor, Expr::value(planned))
            .col_expr(budget_line::Column::UpdatedAt, Expr::value(now))
            .filter(budget_line::Column::Id.eq(line.id))
            .filter(budget_line::Column::AllocatedMinor.lte(planned))
            .exec(&txn)
            .await?;
        let current = resource::get_unscoped::<BudgetLines>(&txn, Reason::WithinWrite, line.id)
            .await?
            .ok_or_else(|| resource::vanished("the budget line"))?;
        if updated.rows_affected != 1 {
            return Err(below_allocated(current.allocated_minor, currency));
        }
        if line.planned_minor != planned {
            changes::record_applied(
                &txn,
                caller,
                change(Some(line.id), Some(line.planned_minor)),
                owner,
            )
            .await?;
        }
        txn.commit().await?;
        return Ok(current);
    }
    let made = budget_line::ActiveModel {
        id: Set(Uuid::now_v7()),
        budget_id: Set(budget.id),
        funding_source_id: Set(source.id),
        period: Set(input.period),
        planned_minor: Set(planned),
        allocated_minor: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(unique_or(|| {
        AppError::invalid(
            &["period"],
            UserErrorCode::Taken,
            "the line was created meanwhile; set it again",
        )
    }))?;
    changes::record_applied(&txn, caller, change(Some(made.id), None), owner).await?;
    txn.commit().await?;
    Ok(made)
}

/// Removes a budget line on which nothing is allocated, as [`changes`]
/// allows the caller, recorded in its history.
#[tracing::instrument(skip_all, fields(line_id = %id))]
pub async fn remove_line(
    db: &(impl ConnectionTrait + TransactionTrait),
    caller: &Caller,
    id: Uuid,
    reason: Option<String>,
) -> AppResult<budget_line::Model> {
    let not_found = || AppError::invalid(&["id"], UserErrorCode::NotFound, "no such budget line");
    let line = resource::get::<BudgetLines>(db, caller, id)
        .await?
        .ok_or_else(not_found)?;
    let budget = visible(db, caller, line.budget_id, &["id"]).await?;
    let source = resource::get::<FundingSources>(db, caller, line.funding_source_id)
        .await?
        .ok_or_else(|| resource::vanished("the line's funding source"))?;
    let authority = changes::authority(caller, &budget, &source).map_err(|e| on(e, &["id"]))?;
    if let changes::Authority::Propose = authority {
        return Err(on(changes::propose_instead(), &["id"]));
    }
    let reason = domain::text::optional(&["reason"], reason.as_deref(), 2000)
        .map_err(|e| AppError::Invalid(vec![e]))?;
    let txn = db.begin().await?;
    let owner = guard_budget(&txn, caller, &budget, &source)
        .await
        .map_err(|e| on(e, &["id"]))?;
    let deleted = budget_line::Entity::delete_many()
        .filter(budget_line::Column::Id.eq(id))
        .filter(budget_line::Column::AllocatedMinor.eq(0))
        .exec(&txn)
        .await?;
    if deleted.rows_affected != 1 {
        return Err(AppError::invalid(
            &["id"],
            UserErrorCode::Locked,
            "money is allocated on this line; it cannot be removed",
        ));
    }
    changes::record_applied(
        &txn,
        caller,
        changes::Change {
            budget: &budget,
            line: Some(line.id),
            source: line.funding_source_id,
            period: line.period,
            old: Some(line.planned_minor),
            new: None,
            reason,
        },
        owner,
    )
    .await?;
    txn.commit().await?;
    Ok(line)
}

/// The currency and client of each funding source among `ids` (for lines'
/// amounts and pending demand).
pub async fn currencies(
    db: &impl ConnectionTrait,
    caller: &Caller,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, (Currency, Uuid)>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Uuid, Currency, Uuid)> = resource::scoped::<FundingSources>(caller)
        .filter(funding_source::Column::Id.is_in(ids.to_vec()))
        .select_only()
        .column(funding_source::Column::Id)
        .column(funding_source::Column::Currency)
        .column(funding_source::Column::ClientId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, c, client)| (id, (c, client)))
        .collect())
}

/// The fiscal year of a date for a client whose year starts in
/// `start_month`: the calendar year of the year's first day.
pub fn fiscal_year_of(on: NaiveDate, start_month: u32) -> i32 {
    if on.month() >= start_month {
        on.year()
    } else {
        on.year() - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn a_fiscal_year_starting_in_april_ends_the_next_march() {
        assert_eq!(
            fiscal_year_dates(2026, 4),
            Some((d(2026, 4, 1), d(2027, 3, 31)))
        );
        assert_eq!(
            fiscal_year_dates(2028, 3),
            Some((d(2028, 3, 1), d(2029, 2, 28)))
        );
        assert_eq!(fiscal_year_of(d(2027, 3, 31), 4), 2026);
        assert_eq!(fiscal_year_of(d(2027, 4, 1), 4), 2027);
    }
}
