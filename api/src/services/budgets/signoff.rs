//! The client approves its budget: its CFO alone, or every owner of the
//! funding sources its lines draw on, each signing off through their
//! portal login; an administrator may sign for a named contact (recorded
//! as such) or approve the budget outright on the client's behalf. The
//! provider's account managers prepare a budget; they do not approve it.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QuerySelect, TransactionTrait,
};
use tandem_entities::{
    BudgetStatus, Persona, Role, budget, budget_line, budget_signoff, funding_source,
};
use uuid::Uuid;

use crate::caller::Caller;
use crate::domain;
use crate::error::{AppError, AppResult, UserErrorCode};
use crate::resource::{
    self, BudgetLines, BudgetSignoffs, Budgets, Contacts, FundingSources, Reason,
};

/// The owners of the sources a budget's lines draw on.
pub async fn owners(db: &impl ConnectionTrait, budget: Uuid) -> AppResult<Vec<Uuid>> {
    let sources: Vec<Uuid> = resource::unscoped::<BudgetLines>(Reason::ParentChecked)
        .filter(budget_line::Column::BudgetId.eq(budget))
        .select_only()
        .column(budget_line::Column::FundingSourceId)
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    if sources.is_empty() {
        return Ok(Vec::new());
    }
    let mut owners: Vec<Uuid> = resource::unscoped::<FundingSources>(Reason::ParentChecked)
        .filter(funding_source::Column::Id.is_in(sources))
        .select_only()
        .column(funding_source::Column::OwnerContactId)
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    owners.sort();
    Ok(owners)
}

fn refused(status: BudgetStatus) -> AppError {
    AppError::invalid(
        &["id"],
        UserErrorCode::InvalidTransition,
        format!(
            "a budget cannot move from {} to APPROVED",
            domain::api_name(&status)
        ),
    )
}

/// Signs off a DRAFT budget for the client. A CFO's sign-off (or an
/// administrator's without `on_behalf_of`) approves it; an owner's is
/// recorded, and the last owner's approves it. Signing twice is
/// INVALID_TRANSITION. Racing sign-offs take turns on the budget's row, so
/// the last of them sees every other and approves it, exactly once.
#[tracing::instrument(skip_all, fields(budget_id = %id))]
pub async fn approve(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
    on_behalf_of: Option<Uuid>,
) -> AppResult<budget::Model> {
    let found = resource::get::<Budgets>(db, caller, id)
        .await?
        .ok_or_else(|| AppError::invalid(&["id"], UserErrorCode::NotFound, "no such budget"))?;
    let (p, signer) = match caller {
        Caller::System => return approve_outright(db, caller, &found).await,
        _ => {
            let p = caller.require_write_scope()?.clone();
            match (p.role, on_behalf_of) {
                (Role::Admin, None) => return approve_outright(db, caller, &found).await,
                (Role::Admin, Some(contact)) => (p, (contact, true)),
                (Role::Client, None) => match p.contact_id {
                    Some(c) => (p, (c, false)),
                    None => return Err(not_the_client()),
                },
                (Role::Client, Some(_)) => {
                    return Err(AppError::Forbidden(
                        "a portal user signs for themselves".into(),
                    ));
                }
                _ => return Err(not_the_client()),
            }
        }
    };
    let (contact_id, on_behalf) = signer;
    let contact = resource::get_unscoped::<Contacts>(db, Reason::WithinWrite, contact_id)
        .await?
        .filter(|c| c.client_id == found.client_id)
        .ok_or_else(|| {
            AppError::invalid(
                &["onBehalfOf"],
                UserErrorCode::NotFound,
                "no such contact at the budget's client",
            )
        })?;
    if found.status != BudgetStatus::Draft {
        return Err(refused(found.status));
    }
    let txn = db.begin().await?;
    let budget = crate::db::for_update(
        &txn,
        resource::unscoped::<Budgets>(Reason::WithinWrite).filter(budget::Column::Id.eq(found.id)),
    )
    .one(&txn)
    .await?
    .ok_or_else(|| resource::vanished("the budget"))?;
    if budget.status != BudgetStatus::Draft {
        return Err(refused(budget.status));
    }
    let owners = owners(&txn, budget.id).await?;
    let is_cfo = contact.persona == Persona::Cfo;
    if !is_cfo && !owners.contains(&contact.id) {
        let message =
            "only the client's CFO or the owners of the budget's funding sources approve it";
        return Err(if on_behalf {
            AppError::invalid(&["onBehalfOf"], UserErrorCode::Invalid, message)
        } else {
            AppError::Forbidden(message.into())
        });
    }
    let signed = budget_signoff::ActiveModel {
        budget_id: Set(budget.id),
        contact_id: Set(contact.id),
        decided_by: Set(Some(p.user_id)),
        on_behalf: Set(on_behalf),
        signed_at: Set(domain::now()),
    }
    .insert(&txn)
    .await;
    if let Err(e) = signed {
        if crate::error::is_unique_violation(&e) {
            return Err(AppError::invalid(
                &["id"],
                UserErrorCode::InvalidTransition,
                format!("{} has already signed this budget off", contact.name),
            ));
        }
        return Err(e.into());
    }
    let all_signed = if is_cfo {
        true
    } else {
        let signers: Vec<Uuid> = resource::unscoped::<BudgetSignoffs>(Reason::WithinWrite)
            .filter(budget_signoff::Column::BudgetId.eq(budget.id))
            .select_only()
            .column(budget_signoff::Column::ContactId)
            .into_tuple()
            .all(&txn)
            .await?;
        owners.iter().all(|o| signers.contains(o))
    };
    if all_signed {
        mark_approved(&txn, &budget, p.user_id).await?;
    }
    let out = resource::get_unscoped::<Budgets>(&txn, Reason::WithinWrite, budget.id)
        .await?
        .ok_or_else(|| resource::vanished("the budget"))?;
    txn.commit().await?;
    Ok(out)
}

fn not_the_client() -> AppError {
    AppError::Forbidden(
        "the client approves its budget: its CFO or the owners of its funding sources (or an administrator on their behalf)".into(),
    )
}

/// An administrator's (or Tandem's own) approval for the client as a whole.
async fn approve_outright(
    db: &DatabaseConnection,
    caller: &Caller,
    found: &budget::Model,
) -> AppResult<budget::Model> {
    if found.status != BudgetStatus::Draft {
        return Err(refused(found.status));
    }
    let by = caller.user_id();
    let txn = db.begin().await?;
    let moved = budget::Entity::update_many()
        .col_expr(budget::Column::Status, Expr::value(BudgetStatus::Approved))
        .col_expr(budget::Column::UpdatedAt, Expr::value(domain::now()))
        .col_expr(budget::Column::ApprovedAt, Expr::value(domain::now()))
        .col_expr(budget::Column::ApprovedBy, Expr::value(by))
        .filter(budget::Column::Id.eq(found.id))
        .filter(budget::Column::Status.eq(BudgetStatus::Draft))
        .exec(&txn)
        .await?;
    if moved.rows_affected != 1 {
        return Err(refused(BudgetStatus::Approved));
    }
    let out = resource::get_unscoped::<Budgets>(&txn, Reason::WithinWrite, found.id)
        .await?
        .ok_or_else(|| resource::vanished("the budget"))?;
    txn.commit().await?;
    Ok(out)
}

async fn mark_approved(
    txn: &impl ConnectionTrait,
    budget: &budget::Model,
    by: Uuid,
) -> AppResult<()> {
    let now = domain::now();
    let moved = budget::Entity::update_many()
        .col_expr(budget::Column::Status, Expr::value(BudgetStatus::Approved))
        .col_expr(budget::Column::UpdatedAt, Expr::value(now))
        .col_expr(budget::Column::ApprovedAt, Expr::value(now))
        .col_expr(budget::Column::ApprovedBy, Expr::value(by))
        .filter(budget::Column::Id.eq(budget.id))
        .filter(budget::Column::Status.eq(BudgetStatus::Draft))
        .exec(txn)
        .await?;
    if moved.rows_affected != 1 {
        return Err(refused(BudgetStatus::Approved));
    }
    Ok(())
}
