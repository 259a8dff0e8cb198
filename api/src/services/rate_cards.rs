//! Rate cards: what the provider charges and what it costs, per service.
//!
//! There is one default card and at most one card per client, each in one
//! currency. A card holds dated versions (DRAFT -> PUBLISHED -> RETIRED)
//! whose periods never overlap; a version holds a price and a cost per
//! service. Rate cards are provider-only: client-portal users never see them.
//! Changes to versions live in [`crate::services::rate_card_versions`].

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseConnection, EntityTrait, JoinType, PaginatorTrait, QueryFilter, QuerySelect,
    QueryTrait, Select,
};
use tandem_entities::{
    ClientStatus, RateCardVersionStatus, Role, rate_card, rate_card_price, rate_card_version,
};
use uuid::Uuid;

use crate::caller::{Caller, ClientScope};
use crate::domain::{self, Currency, text};
use crate::error::{AppError, AppResult, FieldError, UserErrorCode, is_unique_violation};
use crate::services::filter::IdFilter;
use crate::services::pagination::{self, KeyValue, Ordering, PageRequest, Slice};
use crate::services::{catalog, clients};

/// The `scope` of the default card; a client's card has the client's id.
pub const DEFAULT_SCOPE: &str = "default";

/// The price of a service in force for a client on a date, from the rate
/// card that applies (the client's, else the default one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceInForce {
    pub version_id: Uuid,
    pub currency: String,
    pub price_minor: i64,
    pub cost_minor: i64,
}

/// What a new rate card needs. `client_id: None` is the default card.
#[derive(Debug, Clone)]
pub struct NewRateCard {
    pub client_id: Option<Uuid>,
    pub name: String,
    pub currency: String,
}

/// Which rate cards to list.
#[derive(Debug, Clone, Default)]
pub struct RateCardFilter {
    /// Conditions on the client of the card (the default card has none).
    pub client_id: Option<IdFilter>,
    /// Only the default card (`true`) or only client cards (`false`).
    pub is_default: Option<bool>,
}

impl RateCardFilter {
    fn condition(&self) -> AppResult<Condition> {
        let mut cond = Condition::all();
        if let Some(f) = &self.client_id {
            cond = cond.add(f.condition(rate_card::Column::ClientId)?);
        }
        match self.is_default {
            Some(true) => cond = cond.add(rate_card::Column::ClientId.is_null()),
            Some(false) => cond = cond.add(rate_card::Column::ClientId.is_not_null()),
            None => {}
        }
        Ok(cond)
    }
}

/// Rate cards are listed oldest first.
pub fn card_ordering() -> Ordering<rate_card::Entity> {
    Ordering {
        name: "CREATED_AT_ASC",
        column: None,
        descending: false,
        id: rate_card::Column::Id,
        key_of: |_| None,
        id_of: |m| m.id,
    }
}

/// The orderings of a card's versions; each ends with the id as tie-breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum VersionOrder {
    #[default]
    EffectiveFromAsc,
    EffectiveFromDesc,
    CreatedAtAsc,
    CreatedAtDesc,
}

impl VersionOrder {
    pub fn ordering(self) -> Ordering<rate_card_version::Entity> {
        let by_from = |m: &rate_card_version::Model| Some(KeyValue::Date(m.effective_from));
        let none = |_: &rate_card_version::Model| None;
        let from = Some(rate_card_version::Column::EffectiveFrom);
        let (name, column, descending, key_of): (_, _, _, fn(&rate_card_version::Model) -> _) =
            match self {
                VersionOrder::EffectiveFromAsc => ("EFFECTIVE_FROM_ASC", from, false, by_from),
                VersionOrder::EffectiveFromDesc => ("EFFECTIVE_FROM_DESC", from, true, by_from),
                VersionOrder::CreatedAtAsc => ("CREATED_AT_ASC", None, false, none),
                VersionOrder::CreatedAtDesc => ("CREATED_AT_DESC", None, true, none),
            };
        Ordering {
            name,
            column,
            descending,
            id: rate_card_version::Column::Id,
            key_of,
            id_of: |m| m.id,
        }
    }
}

/// A version's prices are listed by service, in the order the services were
/// created (the service id is unique within a version).
pub fn price_ordering() -> Ordering<rate_card_price::Entity> {
    Ordering {
        name: "SERVICE",
        column: None,
        descending: false,
        id: rate_card_price::Column::ServiceId,
        key_of: |_| None,
        id_of: |m| m.service_id,
    }
}

/// Refuses callers who may not read rate cards: client-portal users
/// (FORBIDDEN) and anonymous ones (UNAUTHENTICATED).
pub fn require_provider(caller: &Caller) -> AppResult<()> {
    if *caller == Caller::System {
        return Ok(());
    }
    if caller.principal()?.role == Role::Client {
        return Err(AppError::Forbidden(
            "rate cards are visible to provider staff only".into(),
        ));
    }
    Ok(())
}

/// The rate cards `caller` may read: none for client-portal users and
/// anonymous callers; for provider staff, the default card and the cards of
/// the clients they may read.
fn visible_cards(caller: &Caller) -> Select<rate_card::Entity> {
    let select = rate_card::Entity::find();
    if !caller.is_provider() {
        return select.filter(rate_card::Column::Id.is_in(Vec::<Uuid>::new()));
    }
    match caller.client_scope() {
        ClientScope::All => select,
        ClientScope::Only(ids) => select.filter(
            Condition::any()
                .add(rate_card::Column::ClientId.is_null())
                .add(rate_card::Column::ClientId.is_in(ids)),
        ),
    }
}

/// The versions of the cards `caller` may read.
pub(crate) fn visible_versions(caller: &Caller) -> Select<rate_card_version::Entity> {
    let select = rate_card_version::Entity::find();
    if caller.is_provider() && caller.client_scope() == ClientScope::All {
        return select;
    }
    let cards = visible_cards(caller)
        .select_only()
        .column(rate_card::Column::Id)
        .into_query();
    select.filter(rate_card_version::Column::RateCardId.in_subquery(cards))
}

/// The prices of the versions `caller` may read.
fn visible_prices(caller: &Caller) -> Select<rate_card_price::Entity> {
    let select = rate_card_price::Entity::find();
    if caller.is_provider() && caller.client_scope() == ClientScope::All {
        return select;
    }
    let versions = visible_versions(caller)
        .select_only()
        .column(rate_card_version::Column::Id)
        .into_query();
    select.filter(rate_card_price::Column::VersionId.in_subquery(versions))
}

/// One rate card by id; `None` when it does not exist or is not visible
/// (always for client-portal users).
pub async fn get(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> AppResult<Option<rate_card::Model>> {
    Ok(visible_cards(caller)
        .filter(rate_card::Column::Id.eq(id))
        .one(db)
        .await?)
}

/// One rate card for the `rateCard` query: FORBIDDEN for client-portal
/// users, `None` when it does not exist or is not visible.
pub async fn find(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> AppResult<Option<rate_card::Model>> {
    require_provider(caller)?;
    get(db, caller, id).await
}

/// The visible rate cards among `ids`, by id.
pub async fn get_many(
    db: &impl ConnectionTrait,
    caller: &Caller,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, rate_card::Model>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = visible_cards(caller)
        .filter(rate_card::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|m| (m.id, m)).collect())
}

#[tracing::instrument(skip_all)]
pub async fn list(
    db: &impl ConnectionTrait,
    caller: &Caller,
    filter: &RateCardFilter,
    page: &PageRequest,
) -> AppResult<Slice<rate_card::Model>> {
    require_provider(caller)?;
    let select = visible_cards(caller).filter(filter.condition()?);
    pagination::paginate(db, select, &card_ordering(), page).await
}

pub async fn count(
    db: &impl ConnectionTrait,
    caller: &Caller,
    filter: &RateCardFilter,
) -> AppResult<u64> {
    require_provider(caller)?;
    Ok(visible_cards(caller)
        .filter(filter.condition()?)
        .count(db)
        .await?)
}

/// One version by id; `None` when it does not exist or is not visible.
pub async fn get_version(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> AppResult<Option<rate_card_version::Model>> {
    Ok(visible_versions(caller)
        .filter(rate_card_version::Column::Id.eq(id))
        .one(db)
        .await?)
}

/// The visible versions among `ids`, by id.
pub async fn get_versions(
    db: &impl ConnectionTrait,
    caller: &Caller,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, rate_card_version::Model>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = visible_versions(caller)
        .filter(rate_card_version::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|m| (m.id, m)).collect())
}

/// The same page of versions for each of `card_ids`, in one statement.
pub async fn versions_for_cards(
    db: &impl ConnectionTrait,
    caller: &Caller,
    card_ids: &[Uuid],
    order: VersionOrder,
    page: &PageRequest,
) -> AppResult<HashMap<Uuid, Slice<rate_card_version::Model>>> {
    pagination::paginate_grouped(
        db,
        visible_versions(caller),
        rate_card_version::Column::RateCardId,
        |m| m.rate_card_id,
        card_ids,
        &order.ordering(),
        page,
    )
    .await
}

/// How many versions each of `card_ids` has, in one statement.
pub async fn count_versions_for_cards(
    db: &impl ConnectionTrait,
    caller: &Caller,
    card_ids: &[Uuid],
) -> AppResult<HashMap<Uuid, u64>> {
    let rows: Vec<(Uuid, i64)> = visible_versions(caller)
        .filter(rate_card_version::Column::RateCardId.is_in(card_ids.to_vec()))
        .select_only()
        .column(rate_card_version::Column::RateCardId)
        .column_as(rate_card_version::Column::Id.count(), "n")
        .group_by(rate_card_version::Column::RateCardId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(counts(card_ids, rows))
}

/// The same page of prices for each of `version_ids`, in one statement.
pub async fn prices_for_versions(
    db: &impl ConnectionTrait,
    caller: &Caller,
    version_ids: &[Uuid],
    page: &PageRequest,
) -> AppResult<HashMap<Uuid, Slice<rate_card_price::Model>>> {
    pagination::paginate_grouped(
        db,
        visible_prices(caller),
        rate_card_price::Column::VersionId,
        |m| m.version_id,
        version_ids,
        &price_ordering(),
        page,
    )
    .await
}

/// How many prices each of `version_ids` holds, in one statement.
pub async fn count_prices_for_versions(
    db: &impl ConnectionTrait,
    caller: &Caller,
    version_ids: &[Uuid],
) -> AppResult<HashMap<Uuid, u64>> {
    let rows: Vec<(Uuid, i64)> = visible_prices(caller)
        .filter(rate_card_price::Column::VersionId.is_in(version_ids.to_vec()))
        .select_only()
        .column(rate_card_price::Column::VersionId)
        .column_as(rate_card_price::Column::ServiceId.count(), "n")
        .group_by(rate_card_price::Column::VersionId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(counts(version_ids, rows))
}

fn counts(ids: &[Uuid], rows: Vec<(Uuid, i64)>) -> HashMap<Uuid, u64> {
    let mut counts: HashMap<Uuid, u64> = ids.iter().map(|id| (*id, 0)).collect();
    for (id, n) in rows {
        counts.insert(id, u64::try_from(n).unwrap_or(0));
    }
    counts
}

/// The card's currency, which every price of the card is in.
pub fn currency_of(card: &rate_card::Model) -> AppResult<Currency> {
    Currency::parse(&card.currency).ok_or_else(|| {
        AppError::internal(format_args!(
            "rate card {} has an unknown currency {:?}",
            card.id, card.currency
        ))
    })
}

/// May the caller change `card`? The default card: administrators; a
/// client's card: administrators and that client's account managers.
pub(crate) fn authorize_write(caller: &Caller, card: &rate_card::Model) -> AppResult<()> {
    match card.client_id {
        Some(client_id) => caller.authorize_client_write(client_id),
        None if *caller == Caller::System => Ok(()),
        None => caller.require_admin().map(|_| ()),
    }
}

fn parse_currency(field: &[&str], code: &str) -> Result<String, FieldError> {
    Currency::parse(code)
        .map(|c| c.code().to_owned())
        .ok_or_else(|| {
            FieldError::new(
                field,
                UserErrorCode::Invalid,
                format!("{code:?} is not an ISO-4217 currency code"),
            )
        })
}

fn scope_taken(client_id: Option<Uuid>) -> AppError {
    let message = match client_id {
        Some(_) => "the client already has a rate card",
        None => "a default rate card already exists",
    };
    AppError::invalid(&["input", "clientId"], UserErrorCode::Taken, message)
}

/// Creates the default card (`client_id: None`, administrators) or a
/// client's card (administrators and the client's account managers).
#[tracing::instrument(skip_all)]
pub async fn create(
    db: &impl ConnectionTrait,
    caller: &Caller,
    input: NewRateCard,
) -> AppResult<rate_card::Model> {
    require_provider(caller)?;
    if input.client_id.is_none() && *caller != Caller::System {
        caller.require_admin()?;
    }
    let mut errors = text::Errors::default();
    let name = errors.check(text::required(&["input", "name"], &input.name, 200));
    let currency = errors.check(parse_currency(&["input", "currency"], &input.currency));
    errors.finish()?;
    let (Some(name), Some(currency)) = (name, currency) else {
        return Err(AppError::internal("validated rate card input incomplete"));
    };
    let scope = match input.client_id {
        None => DEFAULT_SCOPE.to_owned(),
        Some(client_id) => {
            let client = clients::get(db, caller, client_id).await?.ok_or_else(|| {
                AppError::invalid(
                    &["input", "clientId"],
                    UserErrorCode::NotFound,
                    "no such client",
                )
            })?;
            caller.authorize_client_write(client.id)?;
            if client.status == ClientStatus::Archived {
                return Err(AppError::invalid(
                    &["input", "clientId"],
                    UserErrorCode::Archived,
                    "the client is archived",
                ));
            }
            client.id.to_string()
        }
    };
    let exists = rate_card::Entity::find()
        .filter(rate_card::Column::Scope.eq(scope.as_str()))
        .count(db)
        .await?
        > 0;
    if exists {
        return Err(scope_taken(input.client_id));
    }
    let now = domain::now();
    let model = rate_card::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name),
        client_id: Set(input.client_id),
        scope: Set(scope),
        currency: Set(currency),
        created_at: Set(now),
        updated_at: Set(now),
    };
    // Two racing creates for one scope: the unique index decides.
    model.insert(db).await.map_err(|e| {
        if is_unique_violation(&e) {
            scope_taken(input.client_id)
        } else {
            e.into()
        }
    })
}

/// The price of `service_id` for `client_id` on `on`: from the client's card
/// if its PUBLISHED version in force on that date prices the service, else
/// from the default card's; else a NO_PRICE error on `input.serviceId`. No
/// authorization: callers check that the caller may act for the client.
#[tracing::instrument(skip_all, fields(client_id = %client_id, service_id = %service_id, on = %on))]
pub async fn price_in_force(
    db: &impl ConnectionTrait,
    client_id: Uuid,
    service_id: Uuid,
    on: NaiveDate,
) -> AppResult<PriceInForce> {
    let client_scope = client_id.to_string();
    let rows: Vec<(Uuid, String, String, i64, i64)> = rate_card_price::Entity::find()
        .select_only()
        .column(rate_card_price::Column::VersionId)
        .column(rate_card::Column::Scope)
        .column(rate_card::Column::Currency)
        .column(rate_card_price::Column::PriceMinor)
        .column(rate_card_price::Column::CostMinor)
        .join(JoinType::InnerJoin, price_to_version())
        .join(JoinType::InnerJoin, version_to_card())
        .filter(rate_card_price::Column::ServiceId.eq(service_id))
        .filter(rate_card::Column::Scope.is_in([client_scope.clone(), DEFAULT_SCOPE.to_owned()]))
        .filter(rate_card_version::Column::Status.eq(RateCardVersionStatus::Published))
        .filter(rate_card_version::Column::EffectiveFrom.lte(on))
        .filter(
            Condition::any()
                .add(rate_card_version::Column::EffectiveTo.is_null())
                .add(rate_card_version::Column::EffectiveTo.gte(on)),
        )
        .into_tuple()
        .all(db)
        .await?;
    let pick = |scope: &str| rows.iter().find(|r| r.1 == scope);
    let Some((version_id, _, currency, price_minor, cost_minor)) =
        pick(&client_scope).or_else(|| pick(DEFAULT_SCOPE))
    else {
        return Err(AppError::invalid(
            &["input", "serviceId"],
            UserErrorCode::NoPrice,
            format!("no published rate card prices this service on {on}"),
        ));
    };
    Ok(PriceInForce {
        version_id: *version_id,
        currency: currency.clone(),
        price_minor: *price_minor,
        cost_minor: *cost_minor,
    })
}

fn price_to_version() -> sea_orm::RelationDef {
    rate_card_price::Entity::belongs_to(rate_card_version::Entity)
        .from(rate_card_price::Column::VersionId)
        .to(rate_card_version::Column::Id)
        .into()
}

fn version_to_card() -> sea_orm::RelationDef {
    rate_card_version::Entity::belongs_to(rate_card::Entity)
        .from(rate_card_version::Column::RateCardId)
        .to(rate_card::Column::Id)
        .into()
}

/// A price in force as `caller` may see it: the cost and the version only
/// for provider staff.
#[derive(Debug, Clone)]
pub struct Quote {
    pub currency: Currency,
    pub price_minor: i64,
    pub cost_minor: Option<i64>,
    pub version: Option<rate_card_version::Model>,
}

/// The price in force for the `priceInForce` query: NOT_FOUND when the
/// client or the service is not visible to the caller, `None` when no
/// published rate card prices the service on that date.
#[tracing::instrument(skip_all, fields(client_id = %client_id, service_id = %service_id))]
pub async fn quote(
    db: &DatabaseConnection,
    caller: &Caller,
    client_id: Uuid,
    service_id: Uuid,
    on: NaiveDate,
) -> AppResult<Option<Quote>> {
    if *caller != Caller::System {
        caller.principal()?;
    }
    if clients::get(db, caller, client_id).await?.is_none() {
        return Err(AppError::NotFound("client".into()));
    }
    if catalog::get(db, caller, service_id).await?.is_none() {
        return Err(AppError::NotFound("service".into()));
    }
    let found = match price_in_force(db, client_id, service_id, on).await {
        Ok(found) => found,
        Err(AppError::Invalid(errors))
            if errors.iter().all(|e| e.code == UserErrorCode::NoPrice) =>
        {
            return Ok(None);
        }
        Err(e) => return Err(e),
    };
    let currency = Currency::parse(&found.currency)
        .ok_or_else(|| AppError::internal("a rate card has an unknown currency"))?;
    let provider = caller.is_provider();
    let version = if provider {
        get_version(db, caller, found.version_id).await?
    } else {
        None
    };
    Ok(Some(Quote {
        currency,
        price_minor: found.price_minor,
        cost_minor: provider.then_some(found.cost_minor),
        version,
    }))
}

/// Marks the card as changed inside `txn`. Every change to a card's versions
/// or prices starts with this write, so concurrent changes to one card queue
/// up behind each other (a row lock on PostgreSQL, the write lock on SQLite)
/// and each sees what the previous one committed.
pub(crate) async fn lock_card(txn: &impl ConnectionTrait, card_id: Uuid) -> AppResult<()> {
    rate_card::Entity::update_many()
        .col_expr(rate_card::Column::UpdatedAt, Expr::value(domain::now()))
        .filter(rate_card::Column::Id.eq(card_id))
        .exec(txn)
        .await?;
    Ok(())
}
