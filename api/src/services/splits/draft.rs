//! Drafting a funding split and sending it for approval.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use tandem_entities::{
    Decision, EngagementStatus, SplitStatus, funding_source, funding_split, funding_split_share,
    split_approval,
};
use uuid::Uuid;

use super::{
    Share, changed_meanwhile, engagement_value, get, invalid, not_found, priced_for_current_value,
    source_ids,
};
use crate::caller::Caller;
use crate::domain;
use crate::error::{AppError, AppResult, FieldError, UserErrorCode};
use crate::resource::{self, FundingSources, FundingSplits, Reason};

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
    let engagement =
        crate::resource::get::<crate::resource::Engagements>(db, caller, engagement_id)
            .await?
            .ok_or_else(|| {
                invalid(
                    &["engagementId"],
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
            &["engagementId"],
            UserErrorCode::Locked,
            format!(
                "the engagement is {}",
                crate::domain::api_name(&engagement.status)
            ),
        ));
    }
    if value.is_some() && domain::engagement::lines_editable(engagement.status) {
        return Err(invalid(
            &["value"],
            UserErrorCode::Locked,
            format!(
                "the engagement is {}: its lines define its value until it is WON; change the lines instead",
                crate::domain::api_name(&engagement.status)
            ),
        ));
    }
    let mut errors = Vec::new();
    let new_value = match value {
        None => None,
        Some(text) => {
            let currency = engagement.currency;
            let parsed = domain::Money::parse_input(text, currency)
                .map(|m| m.minor_units)
                .filter(|minor| *minor >= 0);
            if parsed.is_none() {
                errors.push(FieldError::new(
                    &["value"],
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
    if let Some(v) = new_value {
        crate::services::spend::check_not_below_charged(db, &engagement, v, &["value"]).await?;
    }
    if shares.is_empty() {
        errors.push(FieldError::new(
            &["shares"],
            UserErrorCode::Required,
            "give at least one share",
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for s in &shares {
        if !(1..=10_000).contains(&s.share_bp) {
            errors.push(FieldError::new(
                &["shares"],
                UserErrorCode::Invalid,
                "each share is from 1 to 10000 basis points",
            ));
        }
        if !seen.insert(s.funding_source_id) {
            errors.push(FieldError::new(
                &["shares"],
                UserErrorCode::Invalid,
                "a funding source appears twice",
            ));
        }
    }
    let sum: i64 = shares.iter().map(|s| i64::from(s.share_bp)).sum();
    if sum != 10_000 {
        errors.push(FieldError::new(
            &["shares"],
            UserErrorCode::SharesSum,
            format!("shares must sum to exactly 10000 basis points, not {sum}"),
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let ids: Vec<Uuid> = shares.iter().map(|s| s.funding_source_id).collect();
    let sources = resource::unscoped::<FundingSources>(Reason::WithinWrite)
        .filter(funding_source::Column::Id.is_in(ids))
        .all(db)
        .await?;
    for s in &shares {
        match sources.iter().find(|f| f.id == s.funding_source_id) {
            Some(f) if f.client_id == engagement.client_id && f.active => {
                if f.currency != engagement.currency {
                    return Err(invalid(
                        &["shares"],
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
                    &["shares"],
                    UserErrorCode::Archived,
                    format!("{} is archived", f.name),
                ));
            }
            _ => {
                return Err(invalid(
                    &["shares"],
                    UserErrorCode::NotFound,
                    "no such funding source at the engagement's client",
                ));
            }
        }
    }
    let base = engagement_value(db, engagement.id).await?;
    let value = new_value.unwrap_or(base);
    let txn = db.begin().await?;
    let existing = resource::unscoped::<FundingSplits>(Reason::WithinWrite)
        .filter(funding_split::Column::EngagementId.eq(engagement.id))
        .order_by_desc(funding_split::Column::Version)
        .all(&txn)
        .await?;
    if existing
        .iter()
        .any(|s| s.status == SplitStatus::PendingApproval)
    {
        return Err(invalid(
            &["engagementId"],
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
        base_value_minor: Set(Some(base)),
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
            &["id"],
            UserErrorCode::InvalidTransition,
            format!(
                "only a DRAFT split is submitted (it is {})",
                crate::domain::api_name(&split.status)
            ),
        ));
    }
    priced_for_current_value(db, &split).await?;
    let source_ids = source_ids(db, split.id).await?;
    let owners: Vec<Uuid> = resource::unscoped::<FundingSources>(Reason::WithinWrite)
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
        return Err(changed_meanwhile());
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
    let split = resource::get_unscoped::<FundingSplits>(&txn, Reason::WithinWrite, split.id)
        .await?
        .ok_or_else(not_found)?;
    txn.commit().await?;
    Ok(split)
}
