//! Who may change a budget's lines, and the record of every change.
//!
//! A DRAFT budget's lines are set by the provider (the client's account
//! manager, an administrator) or by the owner of the line's funding source
//! through their portal login. Once the budget is APPROVED, the money is
//! the client's: the owner changes their own lines directly, an
//! administrator may (recorded as such), and the account manager proposes a
//! change that waits for the owner's approval. Every change, made or
//! proposed, is kept with who, when, the old and new amounts and why.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, TransactionTrait,
};
use tandem_entities::{
    BudgetPeriod, BudgetStatus, LineChangeStatus, Role, budget, budget_line, budget_line_change,
    funding_source,
};
use uuid::Uuid;

use crate::caller::Caller;
use crate::domain::{self, Money};
use crate::error::{AppError, AppResult, UserErrorCode, unique_or};
use crate::resource::{self, BudgetLineChanges, BudgetLines, Budgets, FundingSources, Reason};

/// How the caller may change a line of a budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Authority {
    /// At once, as the line's owner (`owner`: their contact) or as the
    /// provider.
    Direct { owner: Option<Uuid> },
    /// Only by proposing it to the line's owner.
    Propose,
}

/// How the caller may change `source`'s line in `budget` (visible to them):
/// FORBIDDEN for anyone but the provider's writers for the client and the
/// source's owner; a CLOSED budget is LOCKED.
pub(crate) fn authority(
    caller: &Caller,
    budget: &budget::Model,
    source: &funding_source::Model,
) -> AppResult<Authority> {
    if budget.status == BudgetStatus::Closed {
        return Err(AppError::invalid(
            &["budgetId"],
            UserErrorCode::Locked,
            "the budget is closed",
        ));
    }
    if *caller == Caller::System {
        return Ok(Authority::Direct { owner: None });
    }
    let p = caller.require_write_scope()?;
    match p.role {
        Role::Client if p.contact_id == Some(source.owner_contact_id) => Ok(Authority::Direct {
            owner: Some(source.owner_contact_id),
        }),
        Role::Client => Err(AppError::Forbidden(
            "only the owner of the line's funding source changes it".into(),
        )),
        Role::Admin => Ok(Authority::Direct { owner: None }),
        _ => {
            caller.authorize_client_write(budget.client_id)?;
            Ok(if budget.status == BudgetStatus::Approved {
                Authority::Propose
            } else {
                Authority::Direct { owner: None }
            })
        }
    }
}

/// The refusal of a direct change the caller may only propose.
pub(crate) fn propose_instead() -> AppError {
    AppError::invalid(
        &["budgetId"],
        UserErrorCode::Locked,
        "the budget is approved: its lines change with their owner's approval (requestBudgetLineChange)",
    )
}

/// One change to record.
pub(crate) struct Change<'a> {
    pub budget: &'a budget::Model,
    pub line: Option<Uuid>,
    pub source: Uuid,
    pub period: BudgetPeriod,
    pub old: Option<i64>,
    pub new: Option<i64>,
    pub reason: Option<String>,
}

/// Records, inside the change's transaction, a change made at once by the
/// caller (`owner`: the owner's contact when they made it).
pub(crate) async fn record_applied(
    txn: &impl ConnectionTrait,
    caller: &Caller,
    change: Change<'_>,
    owner: Option<Uuid>,
) -> AppResult<()> {
    let now = domain::now();
    budget_line_change::ActiveModel {
        id: Set(Uuid::now_v7()),
        budget_id: Set(change.budget.id),
        budget_line_id: Set(change.line),
        funding_source_id: Set(change.source),
        period: Set(change.period),
        old_planned_minor: Set(change.old),
        new_planned_minor: Set(change.new),
        reason: Set(change.reason),
        status: Set(LineChangeStatus::Applied),
        requested_by: Set(caller.user_id()),
        requested_at: Set(now),
        decided_by: Set(caller.user_id()),
        decided_by_contact: Set(owner),
        on_behalf: Set(caller.role() == Some(Role::Admin)),
        comment: Set(None),
        decided_at: Set(Some(now)),
    }
    .insert(txn)
    .await?;
    Ok(())
}

fn not_found() -> AppError {
    AppError::invalid(
        &["id"],
        UserErrorCode::NotFound,
        "no such budget-line change",
    )
}

/// A proposal to change a line of an APPROVED budget.
#[derive(Debug, Clone)]
pub struct ChangeRequest {
    pub budget_id: Uuid,
    pub funding_source_id: Uuid,
    pub period: BudgetPeriod,
    /// An exact decimal string in the source's currency, zero or more.
    pub planned: String,
    pub reason: Option<String>,
}

/// Proposes a new planned amount for a line of an APPROVED budget (the
/// client's account manager or an administrator): it waits, PENDING, for
/// the owner of the line's source. One proposal per line at a time
/// (TAKEN); a DRAFT budget's lines are set directly (INVALID_TRANSITION).
#[tracing::instrument(skip_all)]
pub async fn request(
    db: &impl ConnectionTrait,
    caller: &Caller,
    input: ChangeRequest,
) -> AppResult<budget_line_change::Model> {
    let p = caller.require_write_scope()?;
    if p.role == Role::Client {
        return Err(AppError::Forbidden(
            "an owner changes their own lines directly (setBudgetLine)".into(),
        ));
    }
    let reason = domain::text::optional(&["reason"], input.reason.as_deref(), 2000)
        .map_err(|e| AppError::Invalid(vec![e]))?;
    let budget = resource::get::<Budgets>(db, caller, input.budget_id)
        .await?
        .ok_or_else(|| {
            AppError::invalid(&["budgetId"], UserErrorCode::NotFound, "no such budget")
        })?;
    caller.authorize_client_write(budget.client_id)?;
    let source = super::line_source(db, caller, &budget, input.funding_source_id).await?;
    authority(caller, &budget, &source)?;
    if budget.status != BudgetStatus::Approved {
        return Err(AppError::invalid(
            &["budgetId"],
            UserErrorCode::InvalidTransition,
            "only an approved budget's lines change by proposal; set a draft's lines directly",
        ));
    }
    let planned = super::planned(&input.planned, source.currency)?;
    let existing = super::lines_of(db, budget.id, source.id).await?;
    super::same_kind_of_period(&existing, input.period)?;
    let line = existing.iter().find(|l| l.period == input.period);
    if line.is_some_and(|l| l.planned_minor == planned) {
        return Err(AppError::invalid(
            &["planned"],
            UserErrorCode::Invalid,
            "the line already plans that amount",
        ));
    }
    budget_line_change::ActiveModel {
        id: Set(Uuid::now_v7()),
        budget_id: Set(budget.id),
        budget_line_id: Set(line.map(|l| l.id)),
        funding_source_id: Set(source.id),
        period: Set(input.period),
        old_planned_minor: Set(line.map(|l| l.planned_minor)),
        new_planned_minor: Set(Some(planned)),
        reason: Set(reason),
        status: Set(LineChangeStatus::Pending),
        requested_by: Set(Some(p.user_id)),
        requested_at: Set(domain::now()),
        decided_by: Set(None),
        decided_by_contact: Set(None),
        on_behalf: Set(false),
        comment: Set(None),
        decided_at: Set(None),
    }
    .insert(db)
    .await
    .map_err(unique_or(|| {
        AppError::invalid(
            &["period"],
            UserErrorCode::Taken,
            "a change to this line already awaits its owner; withdraw it first",
        )
    }))
}

/// The owner's decision on a proposed change: their portal user, or an
/// administrator on behalf of the owner (named in `on_behalf_of`). An
/// approval applies the new amount at once, in the same transaction, and
/// is refused (nothing recorded) when the line's allocations exceed it
/// (BELOW_ALLOCATED) or the line changed since the proposal
/// (VALUE_CHANGED: it is no longer what was proposed against); a rejection
/// leaves the line as it is. Racing
/// decisions: exactly one is recorded.
#[tracing::instrument(skip_all, fields(change_id = %id))]
pub async fn decide(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
    approve: bool,
    comment: Option<String>,
    on_behalf_of: Option<Uuid>,
) -> AppResult<budget_line_change::Model> {
    let p = caller.require_write_scope()?.clone();
    let comment = domain::text::optional(&["comment"], comment.as_deref(), 2000)
        .map_err(|e| AppError::Invalid(vec![e]))?;
    let change = resource::get::<BudgetLineChanges>(db, caller, id)
        .await?
        .ok_or_else(not_found)?;
    let source =
        resource::get_unscoped::<FundingSources>(db, Reason::WithinWrite, change.funding_source_id)
            .await?
            .ok_or_else(|| resource::vanished("the change's funding source"))?;
    if approve && !source.active {
        return Err(AppError::invalid(
            &["id"],
            UserErrorCode::Archived,
            "the line's funding source was archived since the proposal",
        ));
    }
    let (owner, on_behalf) = match (p.role, on_behalf_of) {
        (Role::Client, _) if p.contact_id == Some(source.owner_contact_id) => {
            (source.owner_contact_id, false)
        }
        (Role::Admin, Some(named)) if named == source.owner_contact_id => (named, true),
        (Role::Admin, Some(_)) => {
            return Err(AppError::invalid(
                &["onBehalfOf"],
                UserErrorCode::NotFound,
                "that contact does not own the line's funding source",
            ));
        }
        (Role::Admin, None) => {
            return Err(AppError::invalid(
                &["onBehalfOf"],
                UserErrorCode::Required,
                "an administrator decides on behalf of the line's owner",
            ));
        }
        _ => {
            return Err(AppError::Forbidden(
                "only the owner of the line's funding source (or an administrator on their behalf) decides".into(),
            ));
        }
    };
    pending(&change)?;
    let txn = db.begin().await?;
    let now = domain::now();
    let status = if approve {
        LineChangeStatus::Applied
    } else {
        LineChangeStatus::Rejected
    };
    let moved = budget_line_change::Entity::update_many()
        .col_expr(budget_line_change::Column::Status, Expr::value(status))
        .col_expr(
            budget_line_change::Column::DecidedBy,
            Expr::value(p.user_id),
        )
        .col_expr(
            budget_line_change::Column::DecidedByContact,
            Expr::value(owner),
        )
        .col_expr(budget_line_change::Column::OnBehalf, Expr::value(on_behalf))
        .col_expr(budget_line_change::Column::Comment, Expr::value(comment))
        .col_expr(budget_line_change::Column::DecidedAt, Expr::value(now))
        .filter(budget_line_change::Column::Id.eq(change.id))
        .filter(budget_line_change::Column::Status.eq(LineChangeStatus::Pending))
        .exec(&txn)
        .await?;
    if moved.rows_affected != 1 {
        return Err(decided_meanwhile());
    }
    if approve {
        let budget = crate::db::for_update(
            &txn,
            resource::unscoped::<Budgets>(Reason::WithinWrite)
                .filter(budget::Column::Id.eq(change.budget_id)),
        )
        .one(&txn)
        .await?
        .ok_or_else(|| resource::vanished("the change's budget"))?;
        if budget.status != BudgetStatus::Approved {
            return Err(AppError::invalid(
                &["id"],
                UserErrorCode::Locked,
                "the budget is closed",
            ));
        }
        let new = change
            .new_planned_minor
            .ok_or_else(|| AppError::internal("a proposed change without an amount"))?;
        let (line, old) = apply(&txn, &change, new, source.currency).await?;
        budget_line_change::Entity::update_many()
            .col_expr(budget_line_change::Column::BudgetLineId, Expr::value(line))
            .col_expr(
                budget_line_change::Column::OldPlannedMinor,
                Expr::value(old),
            )
            .filter(budget_line_change::Column::Id.eq(change.id))
            .exec(&txn)
            .await?;
    }
    let decided = resource::get_unscoped::<BudgetLineChanges>(&txn, Reason::WithinWrite, change.id)
        .await?
        .ok_or_else(not_found)?;
    txn.commit().await?;
    Ok(decided)
}

/// Sets the proposed amount on the line (creating it when the proposal
/// was for a new line), inside the decision's transaction; the line's id
/// and the amount it held before.
async fn apply(
    txn: &impl ConnectionTrait,
    change: &budget_line_change::Model,
    new: i64,
    currency: domain::Currency,
) -> AppResult<(Uuid, Option<i64>)> {
    let now = domain::now();
    let line = crate::db::for_update(
        txn,
        resource::unscoped::<BudgetLines>(Reason::WithinWrite)
            .filter(budget_line::Column::BudgetId.eq(change.budget_id))
            .filter(budget_line::Column::FundingSourceId.eq(change.funding_source_id))
            .filter(budget_line::Column::Period.eq(change.period)),
    )
    .one(txn)
    .await?;
    let changed = |now: Option<i64>| {
        AppError::invalid(
            &["id"],
            UserErrorCode::ValueChanged,
            format!(
                "the line changed since the proposal (it plans {}); withdraw it and propose again",
                now.map_or_else(
                    || "nothing: it was removed".to_owned(),
                    |m| Money::new(m, currency).to_string()
                )
            ),
        )
    };
    if line.as_ref().map(|l| l.planned_minor) != change.old_planned_minor {
        return Err(changed(line.map(|l| l.planned_minor)));
    }
    let Some(line) = line else {
        let existing = super::lines_of(txn, change.budget_id, change.funding_source_id).await?;
        super::same_kind_of_period(&existing, change.period).map_err(|e| super::on(e, &["id"]))?;
        let made = budget_line::ActiveModel {
            id: Set(Uuid::now_v7()),
            budget_id: Set(change.budget_id),
            funding_source_id: Set(change.funding_source_id),
            period: Set(change.period),
            planned_minor: Set(new),
            allocated_minor: Set(0),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(txn)
        .await
        .map_err(unique_or(|| changed(None)))?;
        return Ok((made.id, None));
    };
    let updated = budget_line::Entity::update_many()
        .col_expr(budget_line::Column::PlannedMinor, Expr::value(new))
        .col_expr(budget_line::Column::UpdatedAt, Expr::value(now))
        .filter(budget_line::Column::Id.eq(line.id))
        .filter(budget_line::Column::AllocatedMinor.lte(new))
        .exec(txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(AppError::invalid(
            &["id"],
            UserErrorCode::BelowAllocated,
            format!(
                "the line has {} allocated, more than the proposed {}",
                Money::new(line.allocated_minor, currency),
                Money::new(new, currency)
            ),
        ));
    }
    Ok((line.id, Some(line.planned_minor)))
}

/// Takes back a proposal before the owner decides (the client's account
/// manager or an administrator).
#[tracing::instrument(skip_all, fields(change_id = %id))]
pub async fn withdraw(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> AppResult<budget_line_change::Model> {
    let p = caller.require_write_scope()?;
    let change = resource::get::<BudgetLineChanges>(db, caller, id)
        .await?
        .ok_or_else(not_found)?;
    let budget = resource::get_unscoped::<Budgets>(db, Reason::WithinWrite, change.budget_id)
        .await?
        .ok_or_else(|| resource::vanished("the change's budget"))?;
    if p.role == Role::Client {
        return Err(AppError::Forbidden(
            "the owner rejects a proposal; the provider withdraws it".into(),
        ));
    }
    caller.authorize_client_write(budget.client_id)?;
    pending(&change)?;
    let moved = budget_line_change::Entity::update_many()
        .col_expr(
            budget_line_change::Column::Status,
            Expr::value(LineChangeStatus::Withdrawn),
        )
        .col_expr(
            budget_line_change::Column::DecidedBy,
            Expr::value(p.user_id),
        )
        .col_expr(
            budget_line_change::Column::DecidedAt,
            Expr::value(domain::now()),
        )
        .filter(budget_line_change::Column::Id.eq(change.id))
        .filter(budget_line_change::Column::Status.eq(LineChangeStatus::Pending))
        .exec(db)
        .await?;
    if moved.rows_affected != 1 {
        return Err(decided_meanwhile());
    }
    resource::get_unscoped::<BudgetLineChanges>(db, Reason::WithinWrite, change.id)
        .await?
        .ok_or_else(not_found)
}

fn pending(change: &budget_line_change::Model) -> AppResult<()> {
    if change.status == LineChangeStatus::Pending {
        return Ok(());
    }
    Err(AppError::invalid(
        &["id"],
        UserErrorCode::InvalidTransition,
        format!(
            "the change is {}, not awaiting its owner",
            domain::api_name(&change.status)
        ),
    ))
}

fn decided_meanwhile() -> AppError {
    AppError::invalid(
        &["id"],
        UserErrorCode::InvalidTransition,
        "the change was decided meanwhile",
    )
}
