//! How a client governs its joint approvals: rules that ask an extra
//! approver (a persona) for splits above a value, and owners' delegates who
//! may decide for them over a range of days.

use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, Query, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder,
};
use tandem_entities::{
    FundingFunction, Persona, Role, approval_delegation, approval_rule, contact, funding_source,
    funding_split,
};
use uuid::Uuid;

use crate::caller::Caller;
use crate::domain::{self, Money};
use crate::error::{AppError, AppResult, UserErrorCode};
use crate::resource::{
    self, ApprovalDelegations, ApprovalRules, Clients, Contacts, FundingSources, Reason,
};

/// The most rules a client may have.
pub const MAX_RULES: u64 = 50;
/// The most delegations an owner may have that have not ended.
pub const MAX_DELEGATIONS: u64 = 20;
/// The longest a delegation may run, in days.
pub const MAX_DELEGATION_DAYS: i64 = 366;

/// A new approval rule.
#[derive(Debug, Clone)]
pub struct NewRule {
    pub client_id: Uuid,
    /// Only the part of a split drawn on sources of this function counts;
    /// none, the split's whole value.
    pub function: Option<FundingFunction>,
    /// An exact decimal string in `currency` (the client's default currency
    /// when none): the rule applies to splits above it.
    pub above: String,
    pub currency: Option<String>,
    /// The persona whose approval the rule asks for.
    pub persona: Persona,
    /// The contact who approves; none, the client's one contact with the
    /// persona, found when a split is submitted.
    pub approver_contact_id: Option<Uuid>,
}

/// May the caller set the client's rules? The client's own CFO, and
/// administrators on the client's behalf; not the provider's account
/// managers, whose splits the rules govern.
async fn authorize_governance(
    db: &impl ConnectionTrait,
    caller: &Caller,
    client_id: Uuid,
) -> AppResult<()> {
    if *caller == Caller::System {
        return Ok(());
    }
    let p = caller.require_write_scope()?;
    if p.role == Role::Admin {
        return Ok(());
    }
    if p.role != Role::Client {
        return Err(AppError::Forbidden(
            "the client sets its approval rules: its CFO (or an administrator on its behalf)"
                .into(),
        ));
    }
    let cfo = match p.contact_id {
        Some(c) => resource::get::<Contacts>(db, caller, c)
            .await?
            .is_some_and(|c| c.client_id == client_id && c.persona == Persona::Cfo),
        None => false,
    };
    if cfo {
        return Ok(());
    }
    Err(AppError::Forbidden(
        "only the client's CFO (or an administrator) sets its approval rules".into(),
    ))
}

fn invalid(field: &[&str], code: UserErrorCode, message: impl Into<String>) -> AppError {
    AppError::invalid(field, code, message)
}

/// Adds a rule to a client: from then on, a split submitted above the
/// rule's value also needs the approval of the rule's approver.
#[tracing::instrument(skip_all)]
pub async fn create_rule(
    db: &impl ConnectionTrait,
    caller: &Caller,
    input: NewRule,
) -> AppResult<approval_rule::Model> {
    let client = resource::get::<Clients>(db, caller, input.client_id)
        .await?
        .ok_or_else(|| invalid(&["clientId"], UserErrorCode::NotFound, "no such client"))?;
    authorize_governance(db, caller, client.id).await?;
    let currency = domain::text::currency_or(
        &["currency"],
        input.currency.as_deref(),
        client.default_currency,
    )
    .map_err(|e| AppError::Invalid(vec![e]))?;
    let above = Money::parse_input(input.above.trim(), currency)
        .filter(|m| m.minor_units >= 0)
        .ok_or_else(|| {
            invalid(
                &["above"],
                UserErrorCode::Invalid,
                format!(
                    "give an exact amount from 0 to {} {} (e.g. \"250000.00\")",
                    Money::max_amount(currency),
                    currency.code()
                ),
            )
        })?;
    if let Some(approver) = input.approver_contact_id {
        let named = resource::get::<Contacts>(db, caller, approver)
            .await?
            .filter(|c| c.client_id == client.id)
            .ok_or_else(|| {
                invalid(
                    &["approverContactId"],
                    UserErrorCode::NotFound,
                    "no such contact at this client",
                )
            })?;
        if named.persona != input.persona {
            return Err(invalid(
                &["approverContactId"],
                UserErrorCode::Invalid,
                format!(
                    "{} is not the rule's persona ({})",
                    named.name,
                    domain::api_name(&input.persona)
                ),
            ));
        }
    }
    let existing = resource::unscoped::<ApprovalRules>(Reason::WithinWrite)
        .filter(approval_rule::Column::ClientId.eq(client.id))
        .count(db)
        .await?;
    if existing >= MAX_RULES {
        return Err(invalid(
            &["clientId"],
            UserErrorCode::Invalid,
            format!("a client has at most {MAX_RULES} approval rules; delete one first"),
        ));
    }
    let rule = approval_rule::ActiveModel {
        id: Set(Uuid::now_v7()),
        client_id: Set(client.id),
        function: Set(input.function),
        currency: Set(currency),
        above_minor: Set(above.minor_units),
        persona: Set(input.persona),
        approver_contact_id: Set(input.approver_contact_id),
        created_by: Set(caller.user_id()),
        created_at: Set(domain::now()),
    };
    Ok(rule.insert(db).await?)
}

/// Deletes a rule (returned as it was); decisions it asked for stand (they
/// keep its id). Splits submitted from then on are not asked under it.
#[tracing::instrument(skip_all, fields(rule_id = %id))]
pub async fn delete_rule(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> AppResult<approval_rule::Model> {
    let rule = resource::get::<ApprovalRules>(db, caller, id)
        .await?
        .ok_or_else(|| invalid(&["id"], UserErrorCode::NotFound, "no such approval rule"))?;
    authorize_governance(db, caller, rule.client_id).await?;
    approval_rule::Entity::delete_many()
        .filter(approval_rule::Column::Id.eq(rule.id))
        .exec(db)
        .await?;
    Ok(rule)
}

/// Inside a submission: the approvers the client's rules ask of a split,
/// each with the first rule that asks them. A rule applies when the
/// split's value (or, for a rule on one function, the part of it drawn on
/// sources of that function) is above the rule's value, in the rule's
/// currency. Its approver is the contact it names, or else the client's
/// one contact with its persona; NO_APPROVER when there is none or more
/// than one.
pub(crate) async fn approvers_for(
    txn: &impl ConnectionTrait,
    split: &funding_split::Model,
    client_id: Uuid,
    currency: domain::money::Currency,
) -> AppResult<Vec<(Uuid, Uuid)>> {
    let rules = ApprovalRules::ordering()
        .sort(
            resource::unscoped::<ApprovalRules>(Reason::WithinWrite)
                .filter(approval_rule::Column::ClientId.eq(client_id))
                .filter(approval_rule::Column::Currency.eq(currency)),
            false,
        )
        .all(txn)
        .await?;
    if rules.is_empty() {
        return Ok(Vec::new());
    }
    // Weighed as the split's share amounts are shown and committed: the
    // largest-remainder apportionment of its value, shares in source order.
    let shares = crate::services::splits::shares_within_write(txn, split.id).await?;
    let amounts = domain::split::apportion(
        split.value_minor,
        &shares.iter().map(|s| s.share_bp).collect::<Vec<_>>(),
    );
    let sources = resource::unscoped::<FundingSources>(Reason::WithinWrite)
        .filter(funding_source::Column::Id.is_in(shares.iter().map(|s| s.funding_source_id)))
        .all(txn)
        .await?;
    let function_of = |source: Uuid| sources.iter().find(|s| s.id == source).map(|s| s.function);
    let mut out: Vec<(Uuid, Uuid)> = Vec::new();
    for rule in rules {
        let weighed = match rule.function {
            None => split.value_minor,
            Some(f) => shares
                .iter()
                .zip(&amounts)
                .filter(|(s, _)| function_of(s.funding_source_id) == Some(f))
                .map(|(_, a)| *a)
                .sum(),
        };
        if weighed <= rule.above_minor {
            continue;
        }
        let approver = match rule.approver_contact_id {
            Some(c) => c,
            None => {
                let holders: Vec<contact::Model> =
                    resource::unscoped::<Contacts>(Reason::WithinWrite)
                        .filter(contact::Column::ClientId.eq(client_id))
                        .filter(contact::Column::Persona.eq(rule.persona))
                        .order_by_asc(contact::Column::Id)
                        .all(txn)
                        .await?;
                match holders.as_slice() {
                    [one] => one.id,
                    [] => {
                        return Err(invalid(
                            &["id"],
                            UserErrorCode::NoApprover,
                            format!(
                                "an approval rule asks a {} to approve splits above {}, and the client has no contact with that persona",
                                domain::api_name(&rule.persona),
                                Money::new(rule.above_minor, rule.currency)
                            ),
                        ));
                    }
                    _ => {
                        return Err(invalid(
                            &["id"],
                            UserErrorCode::NoApprover,
                            format!(
                                "an approval rule asks a {} to approve splits above {}, and {} contacts hold that persona; name the approver on the rule",
                                domain::api_name(&rule.persona),
                                Money::new(rule.above_minor, rule.currency),
                                holders.len()
                            ),
                        ));
                    }
                }
            }
        };
        if !out.iter().any(|(c, _)| *c == approver) {
            out.push((approver, rule.id));
        }
    }
    Ok(out)
}

/// A new delegation: `owner` (a contact; the caller's own for a portal
/// user) lets `delegate` decide for them from `starts_on` to `ends_on`.
#[derive(Debug, Clone)]
pub struct NewDelegation {
    pub owner_contact_id: Option<Uuid>,
    pub delegate_contact_id: Uuid,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

/// Names a delegate: the owner's portal user for their own contact, or an
/// administrator for a named owner (never the provider's account manager,
/// whose splits the owners decide).
#[tracing::instrument(skip_all)]
pub async fn delegate(
    db: &impl ConnectionTrait,
    caller: &Caller,
    input: NewDelegation,
) -> AppResult<approval_delegation::Model> {
    let p = caller.require_write_scope()?;
    let owner_id = match (p.role, input.owner_contact_id, p.contact_id) {
        (Role::Client, None, Some(own)) => own,
        (Role::Client, Some(named), Some(own)) if named == own => own,
        (Role::Client, Some(_), Some(_)) => {
            return Err(AppError::Forbidden(
                "a portal user names delegates for their own contact only".into(),
            ));
        }
        (Role::Client, _, None) => {
            return Err(AppError::Forbidden(
                "your account is not linked to a contact".into(),
            ));
        }
        (Role::AccountManager | Role::Delivery, _, _) => {
            return Err(AppError::Forbidden(
                "an owner names their own delegates (or an administrator for them)".into(),
            ));
        }
        (Role::Admin, Some(named), _) => named,
        (Role::Admin, None, _) => {
            return Err(invalid(
                &["ownerContactId"],
                UserErrorCode::Required,
                "name the owner whose decisions the delegate may take",
            ));
        }
    };
    let owner = resource::get::<Contacts>(db, caller, owner_id)
        .await?
        .ok_or_else(|| {
            invalid(
                &["ownerContactId"],
                UserErrorCode::NotFound,
                "no such contact",
            )
        })?;
    let delegate = resource::get::<Contacts>(db, caller, input.delegate_contact_id)
        .await?
        .filter(|c| c.client_id == owner.client_id)
        .ok_or_else(|| {
            invalid(
                &["delegateContactId"],
                UserErrorCode::NotFound,
                "no such contact at the owner's client",
            )
        })?;
    if delegate.id == owner.id {
        return Err(invalid(
            &["delegateContactId"],
            UserErrorCode::Invalid,
            "an owner is not their own delegate",
        ));
    }
    let today = domain::burn::today();
    if input.ends_on < input.starts_on {
        return Err(invalid(
            &["endsOn"],
            UserErrorCode::Invalid,
            "the delegation ends before it starts",
        ));
    }
    if input.ends_on < today {
        return Err(invalid(
            &["endsOn"],
            UserErrorCode::Invalid,
            "the delegation would have ended already",
        ));
    }
    if input.starts_on > today + chrono::Duration::days(MAX_DELEGATION_DAYS) {
        return Err(invalid(
            &["startsOn"],
            UserErrorCode::Invalid,
            format!("a delegation starts within {MAX_DELEGATION_DAYS} days from today"),
        ));
    }
    if (input.ends_on - input.starts_on).num_days() > MAX_DELEGATION_DAYS {
        return Err(invalid(
            &["endsOn"],
            UserErrorCode::Invalid,
            format!("a delegation ends at most {MAX_DELEGATION_DAYS} days after it starts"),
        ));
    }
    let running = resource::unscoped::<ApprovalDelegations>(Reason::WithinWrite)
        .filter(approval_delegation::Column::OwnerContactId.eq(owner.id))
        .filter(approval_delegation::Column::RevokedAt.is_null())
        .filter(approval_delegation::Column::EndsOn.gte(today))
        .count(db)
        .await?;
    if running >= MAX_DELEGATIONS {
        return Err(invalid(
            &["ownerContactId"],
            UserErrorCode::Invalid,
            format!(
                "an owner has at most {MAX_DELEGATIONS} delegations that have not ended; revoke one first"
            ),
        ));
    }
    let row = approval_delegation::ActiveModel {
        id: Set(Uuid::now_v7()),
        owner_contact_id: Set(owner.id),
        delegate_contact_id: Set(delegate.id),
        starts_on: Set(input.starts_on),
        ends_on: Set(input.ends_on),
        created_by: Set(Some(p.user_id)),
        created_at: Set(domain::now()),
        revoked_at: Set(None),
    };
    Ok(row.insert(db).await?)
}

/// Ends a delegation at once: the owner's portal user, or an
/// administrator.
#[tracing::instrument(skip_all, fields(delegation_id = %id))]
pub async fn revoke(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> AppResult<approval_delegation::Model> {
    let p = caller.require_write_scope()?;
    let row = resource::get::<ApprovalDelegations>(db, caller, id)
        .await?
        .ok_or_else(|| invalid(&["id"], UserErrorCode::NotFound, "no such delegation"))?;
    if p.role == Role::Client {
        if p.contact_id != Some(row.owner_contact_id) {
            return Err(AppError::Forbidden(
                "only the owner who named the delegate revokes it".into(),
            ));
        }
    } else if p.role != Role::Admin {
        return Err(AppError::Forbidden(
            "only the owner who named the delegate (or an administrator) revokes it".into(),
        ));
    }
    if row.revoked_at.is_some() {
        return Ok(row);
    }
    approval_delegation::Entity::update_many()
        .col_expr(
            approval_delegation::Column::RevokedAt,
            Expr::value(domain::now()),
        )
        .filter(approval_delegation::Column::Id.eq(row.id))
        .filter(approval_delegation::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    resource::get_unscoped::<ApprovalDelegations>(db, Reason::WithinWrite, row.id)
        .await?
        .ok_or_else(|| resource::vanished("the delegation"))
}

/// The owners who have made `delegate` their delegate today (a subquery of
/// contact ids).
pub(crate) fn delegating_to(delegate: Uuid, today: NaiveDate) -> SelectStatement {
    Query::select()
        .column(approval_delegation::Column::OwnerContactId)
        .from(approval_delegation::Entity)
        .and_where(approval_delegation::Column::DelegateContactId.eq(delegate))
        .and_where(approval_delegation::Column::RevokedAt.is_null())
        .and_where(approval_delegation::Column::StartsOn.lte(today))
        .and_where(approval_delegation::Column::EndsOn.gte(today))
        .to_owned()
}

/// The delegation under which `delegate` may decide for `owner` today.
pub(crate) async fn delegation_today(
    db: &impl ConnectionTrait,
    owner: Uuid,
    delegate: Uuid,
) -> AppResult<Option<approval_delegation::Model>> {
    let today = domain::burn::today();
    Ok(ApprovalDelegations::ordering()
        .sort(
            resource::unscoped::<ApprovalDelegations>(Reason::WithinWrite)
                .filter(approval_delegation::Column::OwnerContactId.eq(owner))
                .filter(approval_delegation::Column::DelegateContactId.eq(delegate))
                .filter(approval_delegation::Column::RevokedAt.is_null())
                .filter(approval_delegation::Column::StartsOn.lte(today))
                .filter(approval_delegation::Column::EndsOn.gte(today)),
            false,
        )
        .one(db)
        .await?)
}
