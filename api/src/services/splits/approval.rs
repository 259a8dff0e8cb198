//! The owners' decisions on a funding split: one rejection rejects it, the
//! last approval approves it (and, for a change order, moves the money).

use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    TransactionTrait,
};
use tandem_entities::{
    Decision, EngagementStatus, Role, SplitStatus, engagement, engagement_transition,
    funding_split, split_approval,
};
use uuid::Uuid;

use super::{
    changed_meanwhile, engagement_value, get, invalid, not_found, on_field,
    priced_for_current_value,
};
use crate::caller::Caller;
use crate::domain;
use crate::error::{AppError, AppResult, UserErrorCode};
use crate::resource::{self, Engagements, FundingSplits, Reason, SplitApprovals, Transitions};
use crate::services::allocation;

/// Records an owner's decision. The owner's CLIENT user decides for their
/// contact, and so may a contact the owner made their delegate for today
/// (recorded with the delegation); an ADMIN may decide on behalf of a named
/// owner (recorded as such); nobody else can. One rejection rejects the split; the last
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
    awaiting_approval(&split)?;
    let (owner, on_behalf, decider, delegation) = match (p.role, on_behalf_of) {
        (Role::Client, target) => {
            let me = p.contact_id.ok_or_else(|| {
                AppError::Forbidden(
                    "your account is not linked to a contact who owns a funding source".into(),
                )
            })?;
            let (owner, delegation) = for_whom(db, split.id, me, target).await?;
            (owner, false, Some(me), delegation)
        }
        (Role::Admin, Some(contact)) => (contact, true, None, None),
        (Role::Admin, None) => {
            return Err(invalid(
                &["onBehalfOf"],
                UserErrorCode::Required,
                "an administrator decides on behalf of a named owner",
            ));
        }
        _ => {
            return Err(AppError::Forbidden(
                "only the owners of the split's funding sources (or an administrator on their behalf) decide".into(),
            ));
        }
    };
    let comment = domain::text::optional(&["comment"], comment.as_deref(), 2000)
        .map_err(|e| AppError::Invalid(vec![e]))?;
    let txn = db.begin().await?;
    // Owners deciding at the same moment take turns on the split's row, so
    // the last of them sees every other approval and completes the split,
    // exactly once.
    let split = crate::db::for_update(
        &txn,
        resource::unscoped::<FundingSplits>(Reason::WithinWrite)
            .filter(funding_split::Column::Id.eq(split.id)),
    )
    .one(&txn)
    .await?
    .ok_or_else(not_found)?;
    awaiting_approval(&split)?;
    if let Some(d) = &delegation {
        // A revocation racing this decision: the delegation's row is read
        // locked, so the revocation either committed (and this decision is
        // refused) or waits for it.
        let standing = crate::db::for_update(
            &txn,
            resource::unscoped::<resource::ApprovalDelegations>(Reason::WithinWrite)
                .filter(tandem_entities::approval_delegation::Column::Id.eq(d.id))
                .filter(tandem_entities::approval_delegation::Column::RevokedAt.is_null()),
        )
        .one(&txn)
        .await?;
        if standing.is_none() {
            return Err(AppError::Forbidden(
                "the delegation was revoked meanwhile".into(),
            ));
        }
    }
    if approve {
        priced_for_current_value(&txn, &split).await?;
        // Every owner's approval, not only the last, is refused when the
        // split no longer fits: nothing is recorded.
        super::fits_now(&txn, split.id, &["id"]).await?;
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
        .col_expr(
            split_approval::Column::DecidedByContact,
            Expr::value(decider),
        )
        .col_expr(
            split_approval::Column::DelegationId,
            Expr::value(delegation.map(|d| d.id)),
        )
        .filter(split_approval::Column::SplitId.eq(split.id))
        .filter(split_approval::Column::OwnerContactId.eq(owner))
        .filter(split_approval::Column::Decision.eq(Decision::Pending))
        .exec(&txn)
        .await?;
    if recorded.rows_affected != 1 {
        let asked = resource::unscoped::<SplitApprovals>(Reason::WithinWrite)
            .filter(split_approval::Column::SplitId.eq(split.id))
            .filter(split_approval::Column::OwnerContactId.eq(owner))
            .one(&txn)
            .await?;
        return Err(match asked {
            Some(_) => invalid(
                &["id"],
                UserErrorCode::InvalidTransition,
                "this owner has already decided",
            ),
            None if on_behalf => invalid(
                &["onBehalfOf"],
                UserErrorCode::NotFound,
                "that contact owns none of the split's sources",
            ),
            None => AppError::Forbidden("you own none of the split's funding sources".into()),
        });
    }
    let outcome = if !approve {
        Some(SplitStatus::Rejected)
    } else {
        let pending = resource::unscoped::<SplitApprovals>(Reason::WithinWrite)
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
            return Err(changed_meanwhile());
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
                allocation::lock_lines(&txn, &engagement, &split).await?;
                allocation::release(&txn, engagement.id).await?;
                allocation::allocate(&txn, &engagement, &split)
                    .await
                    .map_err(|e| on_field(e, &["id"]))?;
            }
        }
    }
    let split = resource::get_unscoped::<FundingSplits>(&txn, Reason::WithinWrite, split.id)
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
            &["id"],
            UserErrorCode::InvalidTransition,
            "the engagement changed meanwhile; decide again",
        ));
    }
    let fresh = resource::get_unscoped::<Engagements>(db, Reason::WithinWrite, engagement.id)
        .await?
        .ok_or_else(not_found)?;
    let current = engagement_value(db, engagement.id).await?;
    if split.value_minor == current {
        return Ok(());
    }
    let made_before_won = resource::unscoped::<Transitions>(Reason::WithinWrite)
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
            &["id"],
            UserErrorCode::ValueChanged,
            "the split was made for the lines' value before the engagement was won; reject it and make a new split",
        ));
    }
    crate::services::spend::check_not_below_charged(db, &fresh, split.value_minor, &["id"]).await?;
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

/// For whom a portal user's contact `me` decides on a split: `target` when
/// given (themselves, or an owner who made them their delegate for today:
/// FORBIDDEN otherwise); without one, themselves when they are asked, else
/// the one owner asked on the split who delegated to them today (REQUIRED
/// `onBehalfOf` when there are several).
async fn for_whom(
    db: &impl ConnectionTrait,
    split: Uuid,
    me: Uuid,
    target: Option<Uuid>,
) -> AppResult<(Uuid, Option<tandem_entities::approval_delegation::Model>)> {
    use crate::services::governance::{delegating_to, delegation_today};
    if target == Some(me) {
        return Ok((me, None));
    }
    // Whether `me` is asked on the split themselves: then they decide for
    // themselves, and never for another owner too (one person never gives
    // two of a split's approvals).
    let asked_myself = resource::unscoped::<SplitApprovals>(Reason::WithinWrite)
        .filter(split_approval::Column::SplitId.eq(split))
        .filter(split_approval::Column::OwnerContactId.eq(me))
        .count(db)
        .await?
        > 0;
    match target {
        Some(owner) => {
            let Some(d) = delegation_today(db, owner, me).await? else {
                return Err(AppError::Forbidden(
                    "you are not that owner's delegate today".into(),
                ));
            };
            if asked_myself {
                return Err(AppError::Forbidden(
                    "you are asked on this split yourself, so you do not decide it for another owner too".into(),
                ));
            }
            Ok((owner, Some(d)))
        }
        None => {
            if asked_myself {
                return Ok((me, None));
            }
            let theirs: Vec<split_approval::Model> =
                resource::unscoped::<SplitApprovals>(Reason::WithinWrite)
                    .filter(split_approval::Column::SplitId.eq(split))
                    .filter(split_approval::Column::Decision.eq(Decision::Pending))
                    .filter(
                        split_approval::Column::OwnerContactId
                            .in_subquery(delegating_to(me, domain::burn::today())),
                    )
                    .all(db)
                    .await?;
            match theirs.as_slice() {
                [] => Ok((me, None)),
                [one] => {
                    let d = delegation_today(db, one.owner_contact_id, me).await?;
                    Ok((one.owner_contact_id, d))
                }
                _ => Err(invalid(
                    &["onBehalfOf"],
                    UserErrorCode::Required,
                    "you are the delegate of several owners asked on this split; name the one you decide for",
                )),
            }
        }
    }
}

/// Refuses a split that is not awaiting approval.
fn awaiting_approval(split: &funding_split::Model) -> AppResult<()> {
    if split.status == SplitStatus::PendingApproval {
        return Ok(());
    }
    Err(invalid(
        &["id"],
        UserErrorCode::InvalidTransition,
        format!(
            "the split is {}, not awaiting approval",
            crate::domain::api_name(&split.status)
        ),
    ))
}
