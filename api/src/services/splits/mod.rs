//! Funding splits: how an engagement's value is shared among the client's
//! funding sources, drafted by the provider ([`draft`]), approved by every
//! owner ([`approval`]); reads go through [`crate::resource`], and the money
//! moves of an approval or an activation live in [`crate::services::allocation`].

mod approval;
mod draft;

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter, QueryOrder, QuerySelect};
use tandem_entities::{
    Decision, Role, SplitStatus, engagement, funding_split, funding_split_share, split_approval,
};
use uuid::Uuid;

pub use approval::decide;
pub use draft::{create, create_with_value, submit, withdraw};

use crate::caller::Caller;
use crate::error::{AppError, AppResult, FieldError, UserErrorCode};
use crate::resource::{self, Engagements, FundingSplits, Reason, SplitApprovals, SplitShares};
use crate::services::engagements;

/// One source's share of a new split.
#[derive(Debug, Clone)]
pub struct Share {
    pub funding_source_id: Uuid,
    pub share_bp: i32,
    /// An explicit phasing of the share's amount over budget periods; empty,
    /// the share is phased pro rata to the engagement's days in each period.
    pub phasing: Vec<Phase>,
}

/// The part of a share one budget period takes, as given.
#[derive(Debug, Clone)]
pub struct Phase {
    pub fiscal_year: i32,
    pub period: tandem_entities::BudgetPeriod,
    /// An exact decimal string in the engagement's currency, above zero.
    pub amount: String,
}

pub(crate) fn invalid(field: &[&str], code: UserErrorCode, message: impl Into<String>) -> AppError {
    AppError::invalid(field, code, message)
}

/// The engagement's current value: the sum of its lines plus what approved
/// change orders added or took away (for a write on the engagement).
pub(crate) async fn engagement_value(db: &impl ConnectionTrait, id: Uuid) -> AppResult<i64> {
    Ok(engagements::totals_within_write(db, &[id])
        .await?
        .get(&id)
        .map(|t| t.value_minor)
        .unwrap_or(0))
}

/// A split the caller may read, with its engagement.
pub async fn get(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> AppResult<Option<(funding_split::Model, engagement::Model)>> {
    let Some(split) = resource::get::<FundingSplits>(db, caller, id).await? else {
        return Ok(None);
    };
    Ok(
        resource::get::<Engagements>(db, caller, split.engagement_id)
            .await?
            .map(|e| (split, e)),
    )
}

/// A guarded update that found the split in another state: another request
/// moved it first.
pub(crate) fn changed_meanwhile() -> AppError {
    invalid(
        &["id"],
        UserErrorCode::InvalidTransition,
        "the split changed meanwhile",
    )
}

/// Refuses a split priced for a value the engagement no longer has (its
/// lines changed, or a change order was approved, since it was made):
/// VALUE_CHANGED, at submission and at every approval.
pub(crate) async fn priced_for_current_value(
    db: &impl ConnectionTrait,
    split: &funding_split::Model,
) -> AppResult<()> {
    let Some(base) = split.base_value_minor else {
        return Ok(());
    };
    let current = engagement_value(db, split.engagement_id).await?;
    if base == current {
        return Ok(());
    }
    Err(invalid(
        &["id"],
        UserErrorCode::ValueChanged,
        "the engagement's value changed since the split was made; make a new split",
    ))
}

pub(crate) fn not_found() -> AppError {
    invalid(&["id"], UserErrorCode::NotFound, "no such funding split")
}

/// Points a service error's user errors at `field` (allocation errors name
/// the transition's `to`, which the approval does not have).
pub(crate) fn on_field(error: AppError, field: &[&str]) -> AppError {
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

/// The engagement's approved split, if any.
pub(crate) async fn approved(
    db: &impl ConnectionTrait,
    engagement_id: Uuid,
) -> AppResult<Option<funding_split::Model>> {
    Ok(resource::unscoped::<FundingSplits>(Reason::WithinWrite)
        .filter(funding_split::Column::EngagementId.eq(engagement_id))
        .filter(funding_split::Column::Status.eq(SplitStatus::Approved))
        .one(db)
        .await?)
}

/// The funding sources a split draws on.
pub(crate) async fn source_ids(db: &impl ConnectionTrait, split_id: Uuid) -> AppResult<Vec<Uuid>> {
    Ok(resource::unscoped::<SplitShares>(Reason::WithinWrite)
        .filter(funding_split_share::Column::SplitId.eq(split_id))
        .select_only()
        .column(funding_split_share::Column::FundingSourceId)
        .into_tuple()
        .all(db)
        .await?)
}

/// The shares of a split, for a write on its engagement.
pub(crate) async fn shares_within_write(
    db: &impl ConnectionTrait,
    split_id: Uuid,
) -> AppResult<Vec<funding_split_share::Model>> {
    Ok(SplitShares::ordering()
        .sort(
            resource::unscoped::<SplitShares>(Reason::WithinWrite)
                .filter(funding_split_share::Column::SplitId.eq(split_id)),
            false,
        )
        .all(db)
        .await?)
}

/// Refuses, with BUDGET_EXCEEDED naming the first line that is short (on
/// `field`), a DRAFT or PENDING_APPROVAL split that would not fit the
/// client's budget lines if approved now: what it would commit on a line
/// must stay within the line's planned amount less what is committed there
/// (see [`crate::services::budgets::figures::fit_of_splits`]). A split whose
/// dates reach a year without an APPROVED budget is not refused here (its
/// approval or activation answers NO_BUDGET once it would commit).
pub(crate) async fn fits_now(
    db: &impl ConnectionTrait,
    split_id: Uuid,
    field: &[&str],
) -> AppResult<()> {
    let fits = crate::services::budgets::figures::fit_of_splits(
        db,
        &Caller::System,
        &[split_id],
        crate::domain::burn::today(),
    )
    .await?;
    let Some(fit) = fits.get(&split_id) else {
        return Ok(());
    };
    if let Some(gap) = fit.missing.first() {
        let name =
            resource::get_unscoped::<resource::FundingSources>(db, Reason::WithinWrite, gap.source)
                .await?
                .map(|s| s.name)
                .unwrap_or_default();
        return Err(invalid(
            field,
            UserErrorCode::NoBudget,
            format!(
                "the budget for fiscal year {} has no line for {name} in {}, and the split would commit money there",
                gap.fiscal_year,
                crate::domain::api_name(&gap.period)
            ),
        ));
    }
    match fit.lines.iter().find(|l| !l.fits) {
        None => Ok(()),
        Some(short) => Err(on_field(
            crate::services::allocation::exceeded(db, short.source, short.line, short.demand)
                .await?,
            field,
        )),
    }
}

/// The explicit phasing of a split, for a write on its engagement.
pub(crate) async fn phases_within_write(
    db: &impl ConnectionTrait,
    split_id: Uuid,
) -> AppResult<Vec<tandem_entities::funding_split_phase::Model>> {
    use tandem_entities::funding_split_phase;
    Ok(crate::resource::SplitPhases::ordering()
        .sort(
            resource::unscoped::<crate::resource::SplitPhases>(Reason::WithinWrite)
                .filter(funding_split_phase::Column::SplitId.eq(split_id)),
            false,
        )
        .all(db)
        .await?)
}

/// Which split governs a day of an engagement.
pub enum InForce {
    /// The latest approved split decided by that day.
    Split(funding_split::Model),
    /// No split was approved by that day; the first approval came later, on
    /// the day given.
    NotYet(NaiveDate),
    /// No split of the engagement was ever approved.
    Never,
}

/// The split in force on `on`: the latest approved one decided by that day.
/// Spend dated before the first approval has no split in force and is
/// refused, never given a later split silently.
pub async fn in_force(
    db: &impl ConnectionTrait,
    engagement_id: Uuid,
    on: NaiveDate,
) -> AppResult<InForce> {
    let decided: Vec<funding_split::Model> =
        resource::unscoped::<FundingSplits>(Reason::WithinWrite)
            .filter(funding_split::Column::EngagementId.eq(engagement_id))
            .filter(
                funding_split::Column::Status
                    .is_in([SplitStatus::Approved, SplitStatus::Superseded]),
            )
            .order_by_asc(funding_split::Column::Version)
            .all(db)
            .await?;
    let by_day = decided
        .iter()
        .rev()
        .find(|s| s.decided_at.is_some_and(|d| d.date_naive() <= on));
    Ok(match (by_day, decided.iter().find_map(|s| s.decided_at)) {
        (Some(split), _) => InForce::Split(split.clone()),
        (None, Some(first)) => InForce::NotYet(first.date_naive()),
        (None, None) => InForce::Never,
    })
}

/// Splits awaiting the caller's decision: for a portal user, those asking
/// their contact; for an administrator, every pending split they may decide
/// on behalf of an owner.
pub async fn pending_for(
    db: &impl ConnectionTrait,
    caller: &Caller,
) -> AppResult<Vec<funding_split::Model>> {
    let p = caller.principal()?;
    let mut pending = resource::scoped::<SplitApprovals>(caller)
        .filter(split_approval::Column::Decision.eq(Decision::Pending));
    match p.role {
        Role::Client => match p.contact_id {
            Some(c) => pending = pending.filter(asked_of(c)),
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
    let splits = resource::scoped::<FundingSplits>(caller)
        .filter(funding_split::Column::Id.is_in(ids))
        .filter(funding_split::Column::Status.eq(SplitStatus::PendingApproval))
        .order_by_asc(funding_split::Column::Id)
        .all(db)
        .await?;
    Ok(splits)
}

/// The decisions a portal user's contact may take today: those asked of
/// them, and those asked of an owner who made them their delegate for today.
fn asked_of(contact: Uuid) -> sea_orm::Condition {
    sea_orm::Condition::any()
        .add(split_approval::Column::OwnerContactId.eq(contact))
        .add(split_approval::Column::OwnerContactId.in_subquery(
            crate::services::governance::delegating_to(contact, crate::domain::burn::today()),
        ))
}

/// Which owners' decisions to list; all given conditions must hold.
#[derive(Debug, Clone, Default)]
pub struct ApprovalFilter {
    /// Only splits of this client's engagements.
    pub client_id: Option<Uuid>,
    /// Only decisions in this state; PENDING means still awaited, on a split
    /// that still awaits approval.
    pub decision: Option<Decision>,
    /// Only the decisions of this owner (a contact).
    pub owner_contact_id: Option<Uuid>,
    /// Only splits submitted at or before this moment.
    pub submitted_before: Option<chrono::DateTime<chrono::Utc>>,
}

/// The condition on `split_approvals` rows for `filter`, on top of the
/// resource's scope: a portal user lists only the decisions asked of the
/// contact they are, or of an owner whose delegate they are today (none
/// without a contact).
pub fn approvals_condition(caller: &Caller, filter: &ApprovalFilter) -> sea_orm::Condition {
    use sea_orm::Condition;
    use sea_orm::sea_query::{Expr, ExprTrait, Query};
    let mut cond = Condition::all();
    if caller.role() == Some(Role::Client) {
        match caller.principal().ok().and_then(|p| p.contact_id) {
            Some(contact) => cond = cond.add(asked_of(contact)),
            None => return cond.add(Expr::val(1).eq(0)),
        }
    }
    if let Some(owner) = filter.owner_contact_id {
        cond = cond.add(split_approval::Column::OwnerContactId.eq(owner));
    }
    if let Some(decision) = filter.decision {
        cond = cond.add(split_approval::Column::Decision.eq(decision));
    }
    let pending_only = filter.decision == Some(Decision::Pending);
    if filter.client_id.is_some() || filter.submitted_before.is_some() || pending_only {
        let mut splits = Query::select();
        splits
            .column((funding_split::Entity, funding_split::Column::Id))
            .from(funding_split::Entity);
        if let Some(client) = filter.client_id {
            splits
                .inner_join(
                    engagement::Entity,
                    Expr::col((engagement::Entity, engagement::Column::Id))
                        .equals((funding_split::Entity, funding_split::Column::EngagementId)),
                )
                .and_where(engagement::Column::ClientId.eq(client));
        }
        if let Some(before) = filter.submitted_before {
            splits.and_where(funding_split::Column::SubmittedAt.lte(before));
        }
        if pending_only {
            splits.and_where(funding_split::Column::Status.eq(SplitStatus::PendingApproval));
        }
        cond = cond.add(split_approval::Column::SplitId.in_subquery(splits));
    }
    cond
}

/// Inside the transaction that makes `to` the owner of `source` instead of
/// `from`: moves the pending decisions the source's splits asked of `from`
/// to `to`, recorded on the decision (`rerouted_from`, `rerouted_at`). On
/// each split awaiting approval with a share of the source (its row locked,
/// so a racing decision waits and then finds who is asked now): when `from`
/// owns no other source of the split, their pending decision becomes the
/// new owner's (or goes, when the new owner is already asked; a new owner
/// who had already approved is asked again, now for this source too); when
/// `from` still owns another, the new owner is asked as well. Decisions
/// already taken by `from` stand.
pub(crate) async fn reroute(
    txn: &impl ConnectionTrait,
    source: Uuid,
    from: Uuid,
    to: Uuid,
) -> AppResult<()> {
    use sea_orm::sea_query::Expr;
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
    use tandem_entities::funding_source;
    if from == to {
        return Ok(());
    }
    let with_source = sea_orm::sea_query::Query::select()
        .column(funding_split_share::Column::SplitId)
        .from(funding_split_share::Entity)
        .and_where(funding_split_share::Column::FundingSourceId.eq(source))
        .to_owned();
    let pending = crate::db::for_update(
        txn,
        resource::unscoped::<FundingSplits>(Reason::WithinWrite)
            .filter(funding_split::Column::Id.in_subquery(with_source))
            .filter(funding_split::Column::Status.eq(SplitStatus::PendingApproval))
            .order_by_asc(funding_split::Column::Id),
    )
    .all(txn)
    .await?;
    let now = crate::domain::now();
    for split in pending {
        let sources = source_ids(txn, split.id).await?;
        let owners: Vec<Uuid> = resource::unscoped::<resource::FundingSources>(Reason::WithinWrite)
            .filter(funding_source::Column::Id.is_in(sources))
            .select_only()
            .column(funding_source::Column::OwnerContactId)
            .distinct()
            .into_tuple()
            .all(txn)
            .await?;
        let asked = resource::unscoped::<SplitApprovals>(Reason::WithinWrite)
            .filter(split_approval::Column::SplitId.eq(split.id))
            .all(txn)
            .await?;
        let Some(old) = asked
            .iter()
            .find(|a| a.owner_contact_id == from && a.decision == Decision::Pending)
        else {
            continue;
        };
        let new_asked = asked.iter().any(|a| a.owner_contact_id == to);
        // A decision also asked under an approval rule stays with `from`,
        // who is still that rule's approver; the new owner is asked too.
        let from_still_owns = owners.contains(&from) || old.rule_id.is_some();
        match (from_still_owns, new_asked) {
            (false, false) => {
                split_approval::Entity::update_many()
                    .col_expr(split_approval::Column::OwnerContactId, Expr::value(to))
                    .col_expr(split_approval::Column::ReroutedFrom, Expr::value(from))
                    .col_expr(split_approval::Column::ReroutedAt, Expr::value(now))
                    .filter(split_approval::Column::SplitId.eq(split.id))
                    .filter(split_approval::Column::OwnerContactId.eq(from))
                    .exec(txn)
                    .await?;
            }
            (false, true) => {
                split_approval::Entity::delete_many()
                    .filter(split_approval::Column::SplitId.eq(split.id))
                    .filter(split_approval::Column::OwnerContactId.eq(old.owner_contact_id))
                    .exec(txn)
                    .await?;
                reask(txn, split.id, from, to, now).await?;
            }
            (true, false) => {
                split_approval::ActiveModel {
                    split_id: Set(split.id),
                    owner_contact_id: Set(to),
                    decision: Set(Decision::Pending),
                    decided_by: Set(None),
                    on_behalf: Set(false),
                    comment: Set(None),
                    decided_at: Set(None),
                    rerouted_from: Set(Some(from)),
                    rerouted_at: Set(Some(now)),
                    rule_id: Set(None),
                    decided_by_contact: Set(None),
                    delegation_id: Set(None),
                }
                .insert(txn)
                .await?;
            }
            (true, true) => reask(txn, split.id, from, to, now).await?,
        }
    }
    Ok(())
}

/// A new owner who approved `split` before taking over a source of it is
/// asked again, now for that source too: a split never completes without a
/// decision by the current owner of each of its sources.
async fn reask(
    txn: &impl ConnectionTrait,
    split: Uuid,
    from: Uuid,
    to: Uuid,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    use sea_orm::EntityTrait;
    use sea_orm::sea_query::Expr;
    split_approval::Entity::update_many()
        .col_expr(
            split_approval::Column::Decision,
            Expr::value(Decision::Pending),
        )
        .col_expr(
            split_approval::Column::DecidedBy,
            Expr::value(Option::<Uuid>::None),
        )
        .col_expr(
            split_approval::Column::DecidedAt,
            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        )
        .col_expr(
            split_approval::Column::Comment,
            Expr::value(Option::<String>::None),
        )
        .col_expr(split_approval::Column::OnBehalf, Expr::value(false))
        .col_expr(
            split_approval::Column::DecidedByContact,
            Expr::value(Option::<Uuid>::None),
        )
        .col_expr(
            split_approval::Column::DelegationId,
            Expr::value(Option::<Uuid>::None),
        )
        .col_expr(split_approval::Column::ReroutedFrom, Expr::value(from))
        .col_expr(split_approval::Column::ReroutedAt, Expr::value(now))
        .filter(split_approval::Column::SplitId.eq(split))
        .filter(split_approval::Column::OwnerContactId.eq(to))
        .filter(split_approval::Column::Decision.eq(Decision::Approved))
        .exec(txn)
        .await?;
    Ok(())
}
