//! Funding sources: pots of a client's money, each owned by one contact.

use std::collections::HashMap;

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, QueryFilter, QuerySelect,
    TransactionTrait,
};
use tandem_entities::{ClientStatus, ExpenseType, FundingFunction, contact, funding_source};
use uuid::Uuid;

use crate::caller::Caller;
use crate::domain::{self, Currency, text};
use crate::error::{AppError, AppResult, UserErrorCode};
use crate::resource::{self, Clients, Contacts, FundingSources};
use crate::services::budgets::figures;

pub use crate::resource::{FundingSourceFilter, FundingSourceOrder};

/// Planned, committed and charged money, burn rate and forecast of each
/// funding source across all its budget lines (in the source's currency),
/// in one statement; see [`figures`] for the rules.
pub async fn figures_for(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    today: chrono::NaiveDate,
) -> AppResult<HashMap<Uuid, figures::Amounts>> {
    figures::for_sources(db, ids, today).await
}

/// What a new funding source needs.
#[derive(Debug, Clone)]
pub struct NewFundingSource {
    pub client_id: Uuid,
    pub name: String,
    pub function: FundingFunction,
    pub owner_contact_id: Uuid,
    pub external_ref: Option<String>,
    /// The client's default currency when `None`.
    pub currency: Option<String>,
    pub expense_type: ExpenseType,
}

/// Changes to a funding source; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct FundingSourcePatch {
    pub name: Option<String>,
    pub function: Option<FundingFunction>,
    pub owner_contact_id: Option<Uuid>,
    pub external_ref: Option<Option<String>>,
    pub expense_type: Option<ExpenseType>,
    pub active: Option<bool>,
}

/// The owner must be a contact of the source's client.
async fn check_owner(
    db: &impl ConnectionTrait,
    caller: &Caller,
    client_id: Uuid,
    contact_id: Uuid,
) -> AppResult<contact::Model> {
    match resource::get::<Contacts>(db, caller, contact_id).await? {
        Some(c) if c.client_id == client_id => Ok(c),
        _ => Err(AppError::invalid(
            &["ownerContactId"],
            UserErrorCode::NotFound,
            "no such contact at this client",
        )),
    }
}

#[tracing::instrument(skip_all)]
pub async fn create(
    db: &impl ConnectionTrait,
    caller: &Caller,
    input: NewFundingSource,
) -> AppResult<funding_source::Model> {
    let client = resource::get::<Clients>(db, caller, input.client_id)
        .await?
        .ok_or_else(|| {
            AppError::invalid(&["clientId"], UserErrorCode::NotFound, "no such client")
        })?;
    caller.authorize_client_write(client.id)?;
    if client.status == ClientStatus::Archived {
        return Err(AppError::invalid(
            &["clientId"],
            UserErrorCode::Archived,
            "the client is archived",
        ));
    }
    let mut errors = text::Errors::default();
    let name = errors.check(text::required(&["name"], &input.name, 200));
    let external_ref = errors.check(text::optional(
        &["externalRef"],
        input.external_ref.as_deref(),
        100,
    ));
    let currency = errors.check(text::currency_or(
        &["currency"],
        input.currency.as_deref(),
        client.default_currency,
    ));
    errors.finish()?;
    let (Some(name), Some(external_ref), Some(currency)) = (name, external_ref, currency) else {
        return Err(AppError::internal(
            "validated funding source input incomplete",
        ));
    };
    check_owner(db, caller, client.id, input.owner_contact_id).await?;
    let now = domain::now();
    Ok(funding_source::ActiveModel {
        id: Set(Uuid::now_v7()),
        client_id: Set(client.id),
        name: Set(name),
        function: Set(input.function),
        owner_contact_id: Set(input.owner_contact_id),
        external_ref: Set(external_ref),
        currency: Set(currency),
        expense_type: Set(input.expense_type),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?)
}

/// A visible funding source the caller may change.
async fn writable(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> AppResult<funding_source::Model> {
    let found = resource::get::<FundingSources>(db, caller, id)
        .await?
        .ok_or_else(|| {
            AppError::invalid(&["id"], UserErrorCode::NotFound, "no such funding source")
        })?;
    caller.authorize_client_write(found.client_id)?;
    Ok(found)
}

#[tracing::instrument(skip_all, fields(funding_source_id = %id))]
pub async fn update(
    db: &sea_orm::DatabaseConnection,
    caller: &Caller,
    id: Uuid,
    patch: FundingSourcePatch,
) -> AppResult<funding_source::Model> {
    let current = writable(db, caller, id).await?;
    let mut errors = text::Errors::default();
    let mut model: funding_source::ActiveModel = current.clone().into();
    if let Some(v) = &patch.name
        && let Some(v) = errors.check(text::required(&["name"], v, 200))
    {
        model.name = Set(v);
    }
    if let Some(v) = &patch.external_ref
        && let Some(v) = errors.check(text::optional(&["externalRef"], v.as_deref(), 100))
    {
        model.external_ref = Set(v);
    }
    errors.finish()?;
    if let Some(v) = patch.owner_contact_id {
        check_owner(db, caller, current.client_id, v).await?;
        model.owner_contact_id = Set(v);
    }
    if let Some(v) = patch.function {
        model.function = Set(v);
    }
    if let Some(v) = patch.expense_type {
        model.expense_type = Set(v);
    }
    if let Some(v) = patch.active {
        model.active = Set(v);
    }
    model.updated_at = Set(domain::now());
    // A new owner takes over the decisions the source's pending splits ask
    // of the old one, in the same transaction.
    let txn = db.begin().await?;
    // The owner the decisions move from is read on the locked row: two
    // owner changes at once take turns, and the second moves what the
    // first moved.
    let from = crate::db::for_update(
        &txn,
        resource::unscoped::<FundingSources>(resource::Reason::WithinWrite)
            .filter(funding_source::Column::Id.eq(current.id)),
    )
    .one(&txn)
    .await?
    .map(|s| s.owner_contact_id)
    .unwrap_or(current.owner_contact_id);
    let updated = model.update(&txn).await?;
    crate::services::splits::reroute(&txn, updated.id, from, updated.owner_contact_id).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Deactivates a funding source: it stays readable, keeps its budget lines,
/// and takes no new ones. Archiving an archived source changes nothing.
#[tracing::instrument(skip_all, fields(funding_source_id = %id))]
pub async fn archive(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> AppResult<funding_source::Model> {
    let current = writable(db, caller, id).await?;
    if !current.active {
        return Ok(current);
    }
    let mut model: funding_source::ActiveModel = current.into();
    model.active = Set(false);
    model.updated_at = Set(domain::now());
    Ok(model.update(db).await?)
}

/// A client's figures in one currency, with the funding sources counted.
pub type ClientFigures = (Currency, figures::Amounts, Vec<Uuid>);

/// Planned, committed and charged money, burn rate and forecast of each
/// visible client across all its funding sources (as of today, UTC), one
/// entry per currency (never added across currencies). The sums come from
/// SQL aggregates per source; only the per-source totals are folded here.
pub async fn figures_for_clients(
    db: &impl ConnectionTrait,
    caller: &Caller,
    client_ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<ClientFigures>>> {
    let sources: Vec<(Uuid, Uuid, Currency)> = resource::scoped::<FundingSources>(caller)
        .filter(funding_source::Column::ClientId.is_in(client_ids.to_vec()))
        .select_only()
        .column(funding_source::Column::Id)
        .column(funding_source::Column::ClientId)
        .column(funding_source::Column::Currency)
        .into_tuple()
        .all(db)
        .await?;
    let amounts = figures::for_sources(
        db,
        &sources.iter().map(|s| s.0).collect::<Vec<_>>(),
        crate::domain::burn::today(),
    )
    .await?;
    type Folded = std::collections::BTreeMap<Currency, (figures::Amounts, Vec<Uuid>)>;
    let mut folded: HashMap<Uuid, Folded> = HashMap::new();
    for (source, client, currency) in sources {
        if let Some(a) = amounts.get(&source) {
            let sum = folded
                .entry(client)
                .or_default()
                .entry(currency)
                .or_default();
            sum.0.add(a);
            sum.1.push(source);
        }
    }
    Ok(client_ids
        .iter()
        .map(|id| {
            (
                *id,
                folded
                    .remove(id)
                    .map(|m| m.into_iter().map(|(c, (a, s))| (c, a, s)).collect())
                    .unwrap_or_default(),
            )
        })
        .collect())
}
