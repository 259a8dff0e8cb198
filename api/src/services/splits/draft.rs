//! Drafting a funding split and sending it for approval.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, TransactionTrait,
};
use tandem_entities::{
    Decision, EngagementStatus, SplitStatus, funding_source, funding_split, funding_split_phase,
    funding_split_share, split_approval,
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
    let phases = if shares.iter().any(|s| !s.phasing.is_empty()) {
        let start_month = resource::get_unscoped::<crate::resource::Clients>(
            db,
            Reason::WithinWrite,
            engagement.client_id,
        )
        .await?
        .map(|c| u32::try_from(c.fiscal_year_start_month).unwrap_or(1))
        .unwrap_or(1);
        let name = |id: Uuid| {
            sources
                .iter()
                .find(|f| f.id == id)
                .map(|f| f.name.clone())
                .unwrap_or_default()
        };
        checked_phasing(&shares, value, &engagement, start_month, name)?
    } else {
        Vec::new()
    };
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
        funding_split_phase::Entity::delete_many()
            .filter(funding_split_phase::Column::SplitId.eq(draft.id))
            .exec(&txn)
            .await?;
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
        withdrawn_by: Set(None),
        withdrawn_reason: Set(None),
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
    for p in phases {
        funding_split_phase::ActiveModel {
            id: Set(Uuid::now_v7()),
            split_id: Set(split.id),
            funding_source_id: Set(p.source),
            fiscal_year: Set(p.fiscal_year),
            period: Set(p.period),
            amount_minor: Set(p.amount),
        }
        .insert(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(split)
}

/// The most periods one share may be phased over (five fiscal years of
/// quarters and more): enough for any engagement, small enough to bound
/// the work of one request.
pub const MAX_PHASES: usize = 40;

/// Checks the explicit phasing of `shares` for a split of `value` on
/// `engagement` (whose client's fiscal year starts in `start_month`): each
/// part above zero, each period named once and reached by the engagement's
/// dates, a fiscal year phased whole (FY) or by quarter, not both, and the
/// parts of a share summing exactly to its amount (the value apportioned by
/// basis points, largest remainder first).
fn checked_phasing(
    shares: &[Share],
    value: i64,
    engagement: &tandem_entities::engagement::Model,
    start_month: u32,
    name: impl Fn(Uuid) -> String,
) -> AppResult<Vec<crate::services::allocation::Explicit>> {
    use tandem_entities::BudgetPeriod;
    let currency = engagement.currency;
    // The value is apportioned in the order the shares are stored and read
    // back (by funding source id), not the order they were given, so that a
    // share's phasing sums to the amount it shows and commits.
    let mut shares: Vec<&Share> = shares.iter().collect();
    shares.sort_by_key(|s| s.funding_source_id);
    let amounts = crate::domain::split::apportion(
        value,
        &shares.iter().map(|s| s.share_bp).collect::<Vec<_>>(),
    );
    let dates = (engagement.start_date, engagement.end_date);
    let mut out = Vec::new();
    for (share, amount) in shares.into_iter().zip(amounts) {
        if share.phasing.is_empty() {
            continue;
        }
        let source = name(share.funding_source_id);
        if share.phasing.len() > MAX_PHASES {
            return Err(invalid(
                &["shares"],
                UserErrorCode::Invalid,
                format!("the phasing of {source} names more than {MAX_PHASES} periods"),
            ));
        }
        let mut seen: Vec<(i32, BudgetPeriod)> = Vec::new();
        let mut sum: i64 = 0;
        for phase in &share.phasing {
            let label = format!(
                "FY{} {}",
                phase.fiscal_year,
                crate::domain::api_name(&phase.period)
            );
            let Some(minor) = domain::Money::parse_input(&phase.amount, currency)
                .map(|m| m.minor_units)
                .filter(|m| *m > 0)
            else {
                return Err(invalid(
                    &["shares"],
                    UserErrorCode::Invalid,
                    format!(
                        "{source} {label}: the amount must be above zero, at most {} with at most {} decimals",
                        domain::Money::max_amount(currency),
                        currency.exponent()
                    ),
                ));
            };
            if seen.contains(&(phase.fiscal_year, phase.period)) {
                return Err(invalid(
                    &["shares"],
                    UserErrorCode::Invalid,
                    format!("the phasing of {source} names {label} twice"),
                ));
            }
            let whole = |p: BudgetPeriod| p == BudgetPeriod::Fy;
            if seen
                .iter()
                .any(|(y, p)| *y == phase.fiscal_year && whole(*p) != whole(phase.period))
            {
                return Err(invalid(
                    &["shares"],
                    UserErrorCode::Invalid,
                    format!(
                        "the phasing of {source} names FY{} both whole and by quarter",
                        phase.fiscal_year
                    ),
                ));
            }
            let reached =
                crate::services::budgets::fiscal_year_dates(phase.fiscal_year, start_month)
                    .map(|(from, to)| {
                        let bounds =
                            crate::services::budgets::period_bounds(from, to, phase.period);
                        bounds.0 <= dates.1 && bounds.1 >= dates.0
                    })
                    .unwrap_or(false);
            if !reached {
                return Err(invalid(
                    &["shares"],
                    UserErrorCode::Invalid,
                    format!(
                        "{source} {label} lies outside the engagement's dates, {} to {}",
                        dates.0, dates.1
                    ),
                ));
            }
            seen.push((phase.fiscal_year, phase.period));
            sum = sum.saturating_add(minor);
            out.push(crate::services::allocation::Explicit {
                source: share.funding_source_id,
                fiscal_year: phase.fiscal_year,
                period: phase.period,
                amount: minor,
            });
        }
        if sum != amount {
            return Err(invalid(
                &["shares"],
                UserErrorCode::PhasingSum,
                format!(
                    "the phasing of {source} sums to {}, not its share of {}",
                    domain::money::format_minor_units(sum, currency.exponent()),
                    domain::money::format_minor_units(amount, currency.exponent())
                ),
            ));
        }
    }
    Ok(out)
}

/// Sends a DRAFT split for approval: each distinct owner of its sources is
/// asked to decide, and so is each approver the client's approval rules ask
/// for (NO_APPROVER, and nothing sent, when a rule applies and finds no one
/// to ask).
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
    // A split that could not be approved as things stand is refused now,
    // not after its first owner has approved it.
    super::fits_now(db, split.id, &["id"]).await?;
    let source_ids = source_ids(db, split.id).await?;
    let txn = db.begin().await?;
    // The owners are read on the sources' locked rows (sources before the
    // split, the order an owner change takes too): an owner change either
    // commits first and its new owner is asked, or waits and re-routes
    // what this submission asked.
    let mut owners: Vec<Uuid> = crate::db::for_update(
        &txn,
        resource::unscoped::<FundingSources>(Reason::WithinWrite)
            .filter(funding_source::Column::Id.is_in(source_ids))
            .order_by_asc(funding_source::Column::Id),
    )
    .all(&txn)
    .await?
    .into_iter()
    .map(|s| s.owner_contact_id)
    .collect();
    owners.sort();
    owners.dedup();
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
    // The client's rules may ask more approvers (or ask an owner under a
    // rule as well): one decision per contact, under the first rule asking.
    let by_rule = crate::services::governance::approvers_for(
        &txn,
        &split,
        engagement.client_id,
        engagement.currency,
    )
    .await?;
    let mut asked: Vec<(Uuid, Option<Uuid>)> = owners
        .iter()
        .map(|o| (*o, by_rule.iter().find(|(c, _)| c == o).map(|(_, r)| *r)))
        .collect();
    for (approver, rule) in &by_rule {
        if !owners.contains(approver) {
            asked.push((*approver, Some(*rule)));
        }
    }
    for (contact, rule) in asked {
        split_approval::ActiveModel {
            split_id: Set(split.id),
            owner_contact_id: Set(contact),
            decision: Set(Decision::Pending),
            decided_by: Set(None),
            on_behalf: Set(false),
            rerouted_from: Set(None),
            rerouted_at: Set(None),
            comment: Set(None),
            decided_at: Set(None),
            rule_id: Set(rule),
            decided_by_contact: Set(None),
            delegation_id: Set(None),
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

/// Takes back a split awaiting approval: the account manager of the
/// engagement's client or an administrator, while it is PENDING_APPROVAL.
/// The split becomes WITHDRAWN with the owners' pending decisions left
/// undecided (they no longer ask anyone), and a new split can be made.
/// Racing an owner's decision, exactly one of the two wins: the split's row
/// is moved on condition that it is still pending.
#[tracing::instrument(skip_all, fields(split_id = %id))]
pub async fn withdraw(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
    reason: Option<String>,
) -> AppResult<funding_split::Model> {
    let p = caller.require_write_scope()?.clone();
    let (split, engagement) = get(db, caller, id).await?.ok_or_else(not_found)?;
    if !matches!(
        p.role,
        tandem_entities::Role::Admin | tandem_entities::Role::AccountManager
    ) {
        return Err(AppError::Forbidden(
            "only the client's account manager or an administrator withdraws a split".into(),
        ));
    }
    caller.authorize_client_write(engagement.client_id)?;
    let reason = domain::text::optional(&["reason"], reason.as_deref(), 2000)
        .map_err(|e| AppError::Invalid(vec![e]))?;
    if split.status != SplitStatus::PendingApproval {
        return Err(invalid(
            &["id"],
            UserErrorCode::InvalidTransition,
            format!(
                "only a split awaiting approval is withdrawn (it is {})",
                crate::domain::api_name(&split.status)
            ),
        ));
    }
    let txn = db.begin().await?;
    let now = domain::now();
    let moved = funding_split::Entity::update_many()
        .col_expr(
            funding_split::Column::Status,
            Expr::value(SplitStatus::Withdrawn),
        )
        .col_expr(funding_split::Column::DecidedAt, Expr::value(now))
        .col_expr(funding_split::Column::WithdrawnBy, Expr::value(p.user_id))
        .col_expr(funding_split::Column::WithdrawnReason, Expr::value(reason))
        .filter(funding_split::Column::Id.eq(split.id))
        .filter(funding_split::Column::Status.eq(SplitStatus::PendingApproval))
        .exec(&txn)
        .await?;
    if moved.rows_affected != 1 {
        return Err(changed_meanwhile());
    }
    let split = resource::get_unscoped::<FundingSplits>(&txn, Reason::WithinWrite, split.id)
        .await?
        .ok_or_else(not_found)?;
    txn.commit().await?;
    Ok(split)
}
