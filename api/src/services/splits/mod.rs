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
pub use draft::{create, create_with_value, submit};

use crate::caller::Caller;
use crate::error::{AppError, AppResult, FieldError, UserErrorCode};
use crate::resource::{self, Engagements, FundingSplits, Reason, SplitApprovals, SplitShares};
use crate::services::engagements;

/// One source's share of a new split.
#[derive(Debug, Clone)]
pub struct Share {
    pub funding_source_id: Uuid,
    pub share_bp: i32,
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
    let splits = resource::scoped::<FundingSplits>(caller)
        .filter(funding_split::Column::Id.is_in(ids))
        .filter(funding_split::Column::Status.eq(SplitStatus::PendingApproval))
        .order_by_asc(funding_split::Column::Id)
        .all(db)
        .await?;
    Ok(splits)
}
