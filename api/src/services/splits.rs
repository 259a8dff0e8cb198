//! Funding splits: how an engagement's value is shared among the client's
//! funding sources, approved by every owner, and allocated to budget lines.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DbBackend, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use tandem_entities::{
    BudgetPeriod, BudgetStatus, Decision, EngagementStatus, Role, SplitStatus, allocation,
    budget_line, engagement, engagement_transition, funding_source, funding_split,
    funding_split_share, split_approval,
};
use uuid::Uuid;

use crate::caller::Caller;
use crate::domain::{self, split::apportion};
use crate::error::{AppError, AppResult, FieldError, UserErrorCode};
use crate::services::{budgets, engagements};

/// One source's share of a new split.
#[derive(Debug, Clone)]
pub struct Share {
    pub funding_source_id: Uuid,
    pub share_bp: i32,
}

fn invalid(field: &[&str], code: UserErrorCode, message: impl Into<String>) -> AppError {
    AppError::invalid(field, code, message)
}

/// The engagement's current value: the sum of its lines plus what approved
/// change orders added or took away.
async fn engagement_value(db: &impl ConnectionTrait, caller: &Caller, id: Uuid) -> AppResult<i64> {
    Ok(engagements::totals_for(db, caller, &[id])
        .await?
        .get(&id)
        .map(|t| t.value_minor)
        .unwrap_or(0))
}

/// Creates a DRAFT split (a new version) for an engagement, for its current
/// value. Shares are in basis points and must sum to exactly 10000; every
/// source must belong to the engagement's client, be active and share its
/// currency. A previous draft is replaced; a split awaiting approval must be
/// decided first.
pub async fn create(
    db: &DatabaseConnection,
    caller: &Caller,
    engagement_id: Uuid,
    shares: Vec<Share>,
) -> AppResult<funding_split::Model> {
    create_with_value(db, caller, engagement_id, shares, None).await
}

/// Like [`create`], and with `value` (an exact decimal string in the
/// engagement's currency, zero or more) a change order: the split shares
/// that value and, once approved, makes it the engagement's value. A value
/// is given only once the engagement is WON, ACTIVE or ON_HOLD; before, its
/// lines define its value (LOCKED).
#[tracing::instrument(skip_all)]
pub async fn create_with_value(
    db: &DatabaseConnection,
    caller: &Caller,
    engagement_id: Uuid,
    shares: Vec<Share>,
    value: Option<&str>,
) -> AppResult<funding_split::Model> {
    let engagement = engagements::get(db, caller, engagement_id)
        .await?
        .ok_or_else(|| {
            invalid(
                &["input", "engagementId"],
                UserErrorCode::NotFound,
                "no such engagement",
            )
        })?;
    caller.authorize_client_write(engagement.client_id)?;
    if matches!(
        engagement.status,
        EngagementStatus::Lost
            | EngagementStatus::Closed
            | EngagementStatus::Cancelled
            | EngagementStatus::Delivered
    ) {
        return Err(invalid(
            &["input", "engagementId"],
            UserErrorCode::Locked,
            format!("the engagement is {:?}", engagement.status),
        ));
    }
    if value.is_some() && domain::engagement::lines_editable(engagement.status) {
        return Err(invalid(
            &["input", "value"],
            UserErrorCode::Locked,
            format!(
                "the engagement is {}: its lines define its value until it is WON; change the lines instead",
                format!("{:?}", engagement.status).to_uppercase()
            ),
        ));
    }
    let mut errors = Vec::new();
    let new_value = match value {
        None => None,
        Some(text) => {
            let currency = domain::Currency::parse(&engagement.currency)
                .ok_or_else(|| AppError::internal("stored currency is not ISO-4217"))?;
            let parsed = domain::Money::parse_input(text, currency)
                .map(|m| m.minor_units)
                .filter(|minor| *minor >= 0);
            if parsed.is_none() {
                errors.push(FieldError::new(
                    &["input", "value"],
                    UserErrorCode::Invalid,
                    format!(
                        "must be an amount from zero to {} with at most {} decimals",
                        domain::Money::max_amount(currency),
                        currency.exponent()
                    ),
                ));
            }
            parsed
        }
    };
    if shares.is_empty() {
        errors.push(FieldError::new(
            &["input", "shares"],
            UserErrorCode::Required,
            "give at least one share",
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for s in &shares {
        if !(1..=10_000).contains(&s.share_bp) {
            errors.push(FieldError::new(
                &["input", "shares"],
                UserErrorCode::Invalid,
                "each share is from 1 to 10000 basis points",
            ));
        }
        if !seen.insert(s.funding_source_id) {
            errors.push(FieldError::new(
                &["input", "shares"],
                UserErrorCode::Invalid,
                "a funding source appears twice",
            ));
        }
    }
    let sum: i64 = shares.iter().map(|s| i64::from(s.share_bp)).sum();
    if sum != 10_000 {
        errors.push(FieldError::new(
            &["input", "shares"],
            UserErrorCode::SharesSum,
            format!("shares must sum to exactly 10000 basis points, not {sum}"),
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let ids: Vec<Uuid> = shares.iter().map(|s| s.funding_source_id).collect();
    let sources = funding_source::Entity::find()
        .filter(funding_source::Column::Id.is_in(ids))
        .all(db)
        .await?;
    for s in &shares {
        match sources.iter().find(|f| f.id == s.funding_source_id) {
            Some(f) if f.client_id == engagement.client_id && f.active => {
                if f.currency != engagement.currency {
                    return Err(invalid(
                        &["input", "shares"],
                        UserErrorCode::CurrencyMismatch,
                        format!(
                            "{} is in {}, the engagement in {}",
                            f.name, f.currency, engagement.currency
                        ),
                    ));
                }
            }
            Some(f) if f.client_id == engagement.client_id => {
                return Err(invalid(
                    &["input", "shares"],
                    UserErrorCode::Archived,
                    format!("{} is archived", f.name),
                ));
            }
            _ => {
                return Err(invalid(
                    &["input", "shares"],
                    UserErrorCode::NotFound,
                    "no such funding source at the engagement's client",
                ));
            }
        }
    }
    let value = match new_value {
        Some(v) => v,
        None => engagement_value(db, caller, engagement.id).await?,
    };
    let txn = db.begin().await?;
    let existing = funding_split::Entity::find()
        .filter(funding_split::Column::EngagementId.eq(engagement.id))
        .order_by_desc(funding_split::Column::Version)
        .all(&txn)
        .await?;
    if existing
        .iter()
        .any(|s| s.status == SplitStatus::PendingApproval)
    {
        return Err(invalid(
            &["input", "engagementId"],
            UserErrorCode::Locked,
            "a split is awaiting approval; it must be decided first",
        ));
    }
    for draft in existing.iter().filter(|s| s.status == SplitStatus::Draft) {
        funding_split_share::Entity::delete_many()
            .filter(funding_split_share::Column::SplitId.eq(draft.id))
            .exec(&txn)
            .await?;
        funding_split::Entity::delete_by_id(draft.id)
            .exec(&txn)
            .await?;
    }
    let version = existing.first().map(|s| s.version + 1).unwrap_or(1);
    let split = funding_split::ActiveModel {
        id: Set(Uuid::now_v7()),
        engagement_id: Set(engagement.id),
        version: Set(version),
        status: Set(SplitStatus::Draft),
        value_minor: Set(value),
        created_by: Set(caller.principal().ok().map(|p| p.user_id)),
        created_at: Set(domain::now()),
        submitted_at: Set(None),
        decided_at: Set(None),
    }
    .insert(&txn)
    .await?;
    for s in &shares {
        funding_split_share::ActiveModel {
            split_id: Set(split.id),
            funding_source_id: Set(s.funding_source_id),
            share_bp: Set(s.share_bp),
        }
        .insert(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(split)
}

/// A split visible to the caller (through its engagement).
pub async fn get(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> AppResult<Option<(funding_split::Model, engagement::Model)>> {
    let Some(split) = funding_split::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    Ok(engagements::get(db, caller, split.engagement_id)
        .await?
        .map(|e| (split, e)))
}

fn not_found() -> AppError {
    invalid(
        &["input", "id"],
        UserErrorCode::NotFound,
        "no such funding split",
    )
}

/// Sends a DRAFT split for approval: each distinct owner of its sources is
/// asked to decide.
#[tracing::instrument(skip_all, fields(split_id = %id))]
pub async fn submit(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
) -> AppResult<funding_split::Model> {
    let (split, engagement) = get(db, caller, id).await?.ok_or_else(not_found)?;
    caller.authorize_client_write(engagement.client_id)?;
    if split.status != SplitStatus::Draft {
        return Err(invalid(
            &["input", "id"],
            UserErrorCode::InvalidTransition,
            format!("only a DRAFT split is submitted (it is {:?})", split.status),
        ));
    }
    let source_ids = source_ids(db, split.id).await?;
    let owners: Vec<Uuid> = funding_source::Entity::find()
        .filter(funding_source::Column::Id.is_in(source_ids))
        .select_only()
        .column(funding_source::Column::OwnerContactId)
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    let txn = db.begin().await?;
    let moved = funding_split::Entity::update_many()
        .col_expr(
            funding_split::Column::Status,
            Expr::value(SplitStatus::PendingApproval),
        )
        .col_expr(
            funding_split::Column::SubmittedAt,
            Expr::value(domain::now()),
        )
        .filter(funding_split::Column::Id.eq(split.id))
        .filter(funding_split::Column::Status.eq(SplitStatus::Draft))
        .exec(&txn)
        .await?;
    if moved.rows_affected != 1 {
        return Err(invalid(
            &["input", "id"],
            UserErrorCode::InvalidTransition,
            "the split changed meanwhile",
        ));
    }
    for owner in owners {
        split_approval::ActiveModel {
            split_id: Set(split.id),
            owner_contact_id: Set(owner),
            decision: Set(Decision::Pending),
            decided_by: Set(None),
            on_behalf: Set(false),
            comment: Set(None),
            decided_at: Set(None),
        }
        .insert(&txn)
        .await?;
    }
    let split = funding_split::Entity::find_by_id(split.id)
        .one(&txn)
        .await?
        .ok_or_else(not_found)?;
    txn.commit().await?;
    Ok(split)
}

/// Records an owner's decision. The owner's CLIENT user decides for their
/// contact; an ADMIN may decide on behalf of a named owner (recorded as
/// such); nobody else can. One rejection rejects the split; the last
/// approval approves it and, in the same transaction, makes a change
/// order's value the engagement's value (WON, ACTIVE or ON_HOLD) and, for an
/// engagement already active, moves its allocations to the new split. When
/// the allocations cannot move (BUDGET_EXCEEDED, NO_BUDGET) nothing changes:
/// the split stays PENDING_APPROVAL and the last owner's approval is not
/// recorded, so they may approve again once there is room, or reject it.
#[tracing::instrument(skip_all, fields(split_id = %id))]
pub async fn decide(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
    approve: bool,
    comment: Option<String>,
    on_behalf_of: Option<Uuid>,
) -> AppResult<funding_split::Model> {
    let p = caller.require_write_scope()?.clone();
    let (split, engagement) = get(db, caller, id).await?.ok_or_else(not_found)?;
    let (owner, on_behalf) = match (p.role, on_behalf_of) {
        (Role::Client, None) => (
            p.contact_id.ok_or_else(|| AppError::Forbidden("your account is not linked to a contact who owns a funding source".into()))?,
            false,
        ),
        (Role::Admin, Some(contact)) => (contact, true),
        (Role::Admin, None) => return Err(invalid(&["input", "onBehalfOf"], UserErrorCode::Required, "an administrator decides on behalf of a named owner")),
        _ => return Err(AppError::Forbidden("only the owners of the split's funding sources (or an administrator on their behalf) decide".into())),
    };
    if split.status != SplitStatus::PendingApproval {
        return Err(invalid(
            &["input", "id"],
            UserErrorCode::InvalidTransition,
            format!("the split is {:?}, not awaiting approval", split.status),
        ));
    }
    let comment = domain::text::optional(&["input", "comment"], comment.as_deref(), 2000)
        .map_err(|e| AppError::Invalid(vec![e]))?;
    let txn = db.begin().await?;
    // Owners deciding at the same moment take turns on the split's row, so
    // the last of them sees every other approval and completes the split,
    // exactly once.
    let split = crate::db::for_update(&txn, funding_split::Entity::find_by_id(split.id))
        .one(&txn)
        .await?
        .ok_or_else(not_found)?;
    if split.status != SplitStatus::PendingApproval {
        return Err(invalid(
            &["input", "id"],
            UserErrorCode::InvalidTransition,
            format!("the split is {:?}, not awaiting approval", split.status),
        ));
    }
    let now = domain::now();
    let recorded = split_approval::Entity::update_many()
        .col_expr(
            split_approval::Column::Decision,
            Expr::value(if approve {
                Decision::Approved
            } else {
                Decision::Rejected
            }),
        )
        .col_expr(split_approval::Column::DecidedBy, Expr::value(p.user_id))
        .col_expr(split_approval::Column::OnBehalf, Expr::value(on_behalf))
        .col_expr(split_approval::Column::Comment, Expr::value(comment))
        .col_expr(split_approval::Column::DecidedAt, Expr::value(now))
        .filter(split_approval::Column::SplitId.eq(split.id))
        .filter(split_approval::Column::OwnerContactId.eq(owner))
        .filter(split_approval::Column::Decision.eq(Decision::Pending))
        .exec(&txn)
        .await?;
    if recorded.rows_affected != 1 {
        let asked = split_approval::Entity::find_by_id((split.id, owner))
            .one(&txn)
            .await?;
        return Err(match asked {
            Some(_) => invalid(
                &["input", "id"],
                UserErrorCode::InvalidTransition,
                "this owner has already decided",
            ),
            None if on_behalf => invalid(
                &["input", "onBehalfOf"],
                UserErrorCode::NotFound,
                "that contact owns none of the split's sources",
            ),
            None => AppError::Forbidden("you own none of the split's funding sources".into()),
        });
    }
    let outcome = if !approve {
        Some(SplitStatus::Rejected)
    } else {
        let pending = split_approval::Entity::find()
            .filter(split_approval::Column::SplitId.eq(split.id))
            .filter(split_approval::Column::Decision.ne(Decision::Approved))
            .count(&txn)
            .await?;
        (pending == 0).then_some(SplitStatus::Approved)
    };
    if let Some(status) = outcome {
        let moved = funding_split::Entity::update_many()
            .col_expr(funding_split::Column::Status, Expr::value(status))
            .col_expr(funding_split::Column::DecidedAt, Expr::value(now))
            .filter(funding_split::Column::Id.eq(split.id))
            .filter(funding_split::Column::Status.eq(SplitStatus::PendingApproval))
            .exec(&txn)
            .await?;
        if moved.rows_affected != 1 {
            return Err(invalid(
                &["input", "id"],
                UserErrorCode::InvalidTransition,
                "the split changed meanwhile",
            ));
        }
        if status == SplitStatus::Approved {
            supersede_older(&txn, &split).await?;
            if matches!(
                engagement.status,
                EngagementStatus::Won | EngagementStatus::Active | EngagementStatus::OnHold
            ) {
                adopt_value(&txn, &engagement, &split).await?;
            }
            if matches!(
                engagement.status,
                EngagementStatus::Active | EngagementStatus::OnHold
            ) {
                // A change order: allocations move to the new split at once.
                lock_lines(&txn, &engagement, &split).await?;
                release(&txn, engagement.id).await?;
                allocate(&txn, &engagement, &split)
                    .await
                    .map_err(|e| on_field(e, &["input", "id"]))?;
            }
        }
    }
    let split = funding_split::Entity::find_by_id(split.id)
        .one(&txn)
        .await?
        .ok_or_else(not_found)?;
    txn.commit().await?;
    Ok(split)
}

/// Inside the last approval's transaction, makes the split's value the
/// engagement's value: the lines stay as sold and the difference is kept as
/// the engagement's value adjustment. The engagement row is updated on
/// condition that its status is still the one read, which also serialises
/// the approval with a racing activation or transition (INVALID_TRANSITION
/// when one got there first). A split made before the lines were locked
/// (before the engagement was WON) carries their value of that time, not a
/// change order: it never changes the value; if that value is stale, an
/// active engagement refuses it with VALUE_CHANGED (its allocations must
/// match its value) and a WON one keeps the activation's VALUE_CHANGED check.
async fn adopt_value(
    db: &impl ConnectionTrait,
    engagement: &engagement::Model,
    split: &funding_split::Model,
) -> AppResult<()> {
    let held = engagement::Entity::update_many()
        .col_expr(engagement::Column::UpdatedAt, Expr::value(domain::now()))
        .filter(engagement::Column::Id.eq(engagement.id))
        .filter(engagement::Column::Status.eq(engagement.status))
        .exec(db)
        .await?;
    if held.rows_affected != 1 {
        return Err(invalid(
            &["input", "id"],
            UserErrorCode::InvalidTransition,
            "the engagement changed meanwhile; decide again",
        ));
    }
    let fresh = engagement::Entity::find_by_id(engagement.id)
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    let current = engagement_value(db, &Caller::System, engagement.id).await?;
    if split.value_minor == current {
        return Ok(());
    }
    let made_before_won = engagement_transition::Entity::find()
        .filter(engagement_transition::Column::EngagementId.eq(engagement.id))
        .filter(engagement_transition::Column::ToStatus.eq(EngagementStatus::Won))
        .filter(engagement_transition::Column::At.gt(split.created_at))
        .count(db)
        .await?
        > 0;
    if made_before_won {
        if engagement.status == EngagementStatus::Won {
            return Ok(());
        }
        return Err(invalid(
            &["input", "id"],
            UserErrorCode::ValueChanged,
            "the split was made for the lines' value before the engagement was won; reject it and make a new split",
        ));
    }
    let lines = current - fresh.value_adjustment_minor;
    engagement::Entity::update_many()
        .col_expr(
            engagement::Column::ValueAdjustmentMinor,
            Expr::value(split.value_minor - lines),
        )
        .filter(engagement::Column::Id.eq(engagement.id))
        .exec(db)
        .await?;
    Ok(())
}

/// Points a service error's user errors at `field` (allocation errors name
/// the transition's `to`, which the approval does not have).
fn on_field(error: AppError, field: &[&str]) -> AppError {
    match error {
        AppError::Invalid(errors) => AppError::Invalid(
            errors
                .into_iter()
                .map(|e| FieldError::new(field, e.code, e.message))
                .collect(),
        ),
        other => other,
    }
}

async fn supersede_older(db: &impl ConnectionTrait, split: &funding_split::Model) -> AppResult<()> {
    funding_split::Entity::update_many()
        .col_expr(
            funding_split::Column::Status,
            Expr::value(SplitStatus::Superseded),
        )
        .filter(funding_split::Column::EngagementId.eq(split.engagement_id))
        .filter(funding_split::Column::Status.eq(SplitStatus::Approved))
        .filter(funding_split::Column::Id.ne(split.id))
        .exec(db)
        .await?;
    Ok(())
}

/// The engagement's approved split, if any.
pub async fn approved(
    db: &impl ConnectionTrait,
    engagement_id: Uuid,
) -> AppResult<Option<funding_split::Model>> {
    Ok(funding_split::Entity::find()
        .filter(funding_split::Column::EngagementId.eq(engagement_id))
        .filter(funding_split::Column::Status.eq(SplitStatus::Approved))
        .one(db)
        .await?)
}

/// The funding sources a split draws on.
async fn source_ids(db: &impl ConnectionTrait, split_id: Uuid) -> AppResult<Vec<Uuid>> {
    Ok(funding_split_share::Entity::find()
        .filter(funding_split_share::Column::SplitId.eq(split_id))
        .select_only()
        .column(funding_split_share::Column::FundingSourceId)
        .into_tuple()
        .all(db)
        .await?)
}

/// Before a change order moves allocations, locks every budget line it may
/// touch (those of the old allocations and those of the new split's sources
/// in the engagement's budget), in id order. Release and allocation then
/// write lines in two passes, and without this a change order releasing
/// line B then debiting line A could wait on an activation debiting A then
/// B: a deadlock PostgreSQL would break by failing one of them. SQLite takes
/// one writer at a time, so there is nothing to order there.
async fn lock_lines(
    db: &impl ConnectionTrait,
    engagement: &engagement::Model,
    split: &funding_split::Model,
) -> AppResult<()> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    let mut ids: Vec<Uuid> = allocation::Entity::find()
        .filter(allocation::Column::EngagementId.eq(engagement.id))
        .select_only()
        .column(allocation::Column::BudgetLineId)
        .into_tuple()
        .all(db)
        .await?;
    if let Some(budget) =
        budgets::budget_for(db, engagement.client_id, engagement.start_date).await?
    {
        let sources = source_ids(db, split.id).await?;
        let lines: Vec<Uuid> = budget_line::Entity::find()
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
    budget_line::Entity::find()
        .filter(budget_line::Column::Id.is_in(ids))
        .order_by_asc(budget_line::Column::Id)
        .lock_exclusive()
        .all(db)
        .await?;
    Ok(())
}

/// Removes an engagement's allocations, giving the money back to its lines.
async fn release(db: &impl ConnectionTrait, engagement_id: Uuid) -> AppResult<()> {
    let rows = allocation::Entity::find()
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
                &["input", "to"],
                UserErrorCode::NoBudget,
                format!("no approved budget covers {}", engagement.start_date),
            )
        })?;
    let shares = funding_split_share::Entity::find()
        .filter(funding_split_share::Column::SplitId.eq(split.id))
        .order_by_asc(funding_split_share::Column::FundingSourceId)
        .all(db)
        .await?;
    let amounts = apportion(
        split.value_minor,
        &shares.iter().map(|s| s.share_bp).collect::<Vec<_>>(),
    );
    let lines = budget_line::Entity::find()
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
    let name = funding_source::Entity::find_by_id(source)
        .one(db)
        .await?
        .map(|s| (s.name, s.currency))
        .unwrap_or_default();
    let (room, period) = match line {
        Some(id) => match budget_line::Entity::find_by_id(id).one(db).await? {
            Some(l) => (
                l.planned_minor - l.allocated_minor,
                format!("{:?}", l.period),
            ),
            None => (0, String::new()),
        },
        None => (0, "no line".into()),
    };
    let fmt = |minor: i64| {
        domain::Currency::parse(&name.1)
            .map(|c| domain::Money::new(minor, c).to_string())
            .unwrap_or_else(|| minor.to_string())
    };
    Ok(invalid(
        &["input", "to"],
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
    let split = approved(db, engagement.id).await?.ok_or_else(|| {
        invalid(
            &["input", "to"],
            UserErrorCode::NoApprovedSplit,
            "an engagement becomes ACTIVE only with an approved funding split",
        )
    })?;
    if split.value_minor != value_minor {
        return Err(invalid(
            &["input", "to"],
            UserErrorCode::ValueChanged,
            "the engagement's value changed since its split was approved; submit a new split",
        ));
    }
    allocate(db, engagement, &split).await
}

/// The split in force on `on`: the latest approved one decided by that day,
/// else the first approved one (for spend dated before any approval).
pub async fn in_force(
    db: &impl ConnectionTrait,
    engagement_id: Uuid,
    on: NaiveDate,
) -> AppResult<Option<funding_split::Model>> {
    let decided: Vec<funding_split::Model> = funding_split::Entity::find()
        .filter(funding_split::Column::EngagementId.eq(engagement_id))
        .filter(
            funding_split::Column::Status.is_in([SplitStatus::Approved, SplitStatus::Superseded]),
        )
        .order_by_asc(funding_split::Column::Version)
        .all(db)
        .await?;
    let by_day = decided
        .iter()
        .rev()
        .find(|s| s.decided_at.is_some_and(|d| d.date_naive() <= on));
    Ok(by_day.or(decided.first()).cloned())
}

/// Shares of each split, by split id.
pub async fn shares_of(
    db: &impl ConnectionTrait,
    split_ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<funding_split_share::Model>>> {
    let mut out: HashMap<Uuid, Vec<funding_split_share::Model>> =
        split_ids.iter().map(|id| (*id, Vec::new())).collect();
    if split_ids.is_empty() {
        return Ok(out);
    }
    for s in funding_split_share::Entity::find()
        .filter(funding_split_share::Column::SplitId.is_in(split_ids.to_vec()))
        .order_by_asc(funding_split_share::Column::FundingSourceId)
        .all(db)
        .await?
    {
        out.entry(s.split_id).or_default().push(s);
    }
    Ok(out)
}

/// Approvals of each split, by split id.
pub async fn approvals_of(
    db: &impl ConnectionTrait,
    split_ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<split_approval::Model>>> {
    let mut out: HashMap<Uuid, Vec<split_approval::Model>> =
        split_ids.iter().map(|id| (*id, Vec::new())).collect();
    if split_ids.is_empty() {
        return Ok(out);
    }
    for a in split_approval::Entity::find()
        .filter(split_approval::Column::SplitId.is_in(split_ids.to_vec()))
        .order_by_asc(split_approval::Column::OwnerContactId)
        .all(db)
        .await?
    {
        out.entry(a.split_id).or_default().push(a);
    }
    Ok(out)
}

/// Every split of each visible engagement, newest version first.
pub async fn splits_of(
    db: &impl ConnectionTrait,
    caller: &Caller,
    engagement_ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<funding_split::Model>>> {
    let visible = engagements::get_many(db, caller, engagement_ids).await?;
    let mut out: HashMap<Uuid, Vec<funding_split::Model>> =
        visible.keys().map(|id| (*id, Vec::new())).collect();
    if visible.is_empty() {
        return Ok(out);
    }
    for s in funding_split::Entity::find()
        .filter(
            funding_split::Column::EngagementId.is_in(visible.keys().copied().collect::<Vec<_>>()),
        )
        .order_by_desc(funding_split::Column::Version)
        .all(db)
        .await?
    {
        out.entry(s.engagement_id).or_default().push(s);
    }
    Ok(out)
}

/// Splits awaiting the caller's decision: for a portal user, those asking
/// their contact; for an administrator, every pending split they may decide
/// on behalf of an owner.
pub async fn pending_for(
    db: &impl ConnectionTrait,
    caller: &Caller,
) -> AppResult<Vec<funding_split::Model>> {
    let p = caller.principal()?;
    let mut pending = split_approval::Entity::find()
        .filter(split_approval::Column::Decision.eq(Decision::Pending));
    match p.role {
        Role::Client => match p.contact_id {
            Some(c) => pending = pending.filter(split_approval::Column::OwnerContactId.eq(c)),
            None => return Ok(Vec::new()),
        },
        Role::Admin => {}
        _ => return Ok(Vec::new()),
    }
    let ids: Vec<Uuid> = pending
        .select_only()
        .column(split_approval::Column::SplitId)
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let splits = funding_split::Entity::find()
        .filter(funding_split::Column::Id.is_in(ids))
        .filter(funding_split::Column::Status.eq(SplitStatus::PendingApproval))
        .order_by_asc(funding_split::Column::Id)
        .all(db)
        .await?;
    let visible = engagements::get_many(
        db,
        caller,
        &splits.iter().map(|s| s.engagement_id).collect::<Vec<_>>(),
    )
    .await?;
    Ok(splits
        .into_iter()
        .filter(|s| visible.contains_key(&s.engagement_id))
        .collect())
}

/// Visible splits among `ids`, each with its engagement's currency.
pub async fn get_many(
    db: &impl ConnectionTrait,
    caller: &Caller,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, (funding_split::Model, String)>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let splits = funding_split::Entity::find()
        .filter(funding_split::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?;
    let engagements = engagements::get_many(
        db,
        caller,
        &splits.iter().map(|s| s.engagement_id).collect::<Vec<_>>(),
    )
    .await?;
    Ok(splits
        .into_iter()
        .filter_map(|s| {
            engagements
                .get(&s.engagement_id)
                .map(|e| (s.id, (s.clone(), e.currency.clone())))
        })
        .collect())
}
