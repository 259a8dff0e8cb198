//! Rate cards: what the provider charges and what it costs, per service.
//!
//! There is one default card and at most one card per client, each in one
//! currency. A card holds dated versions (DRAFT -> PUBLISHED -> RETIRED)
//! whose periods never overlap; a version holds a price and a cost per
//! service. Rate cards are provider-only: client-portal users never see them.
//! Changes to versions live in [`crate::services::rate_card_versions`].

use chrono::NaiveDate;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseConnection, EntityTrait, JoinType, PaginatorTrait, QueryFilter, QuerySelect,
};
use tandem_entities::{
    ClientStatus, RateCardVersionStatus, Role, rate_card, rate_card_price, rate_card_version,
};
use uuid::Uuid;

use crate::caller::Caller;
use crate::domain::{self, Currency, text};
use crate::error::{AppError, AppResult, UserErrorCode, unique_or};
use crate::resource::{self, RateCardPrices, RateCards, Reason};

/// The `scope` of the default card; a client's card has the client's id.
pub const DEFAULT_SCOPE: &str = "default";

/// The price of a service in force for a client on a date, from the rate
/// card that applies (the client's, else the default one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceInForce {
    pub version_id: Uuid,
    pub currency: Currency,
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

pub use crate::resource::{RateCardFilter, VersionOrder};

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

/// Refuses callers who may not change rate cards: everyone who does not see
/// the provider's costs (client users, DELIVERY users), before any lookup.
pub fn require_pricing(caller: &Caller) -> AppResult<()> {
    if caller.sees_costs() {
        return Ok(());
    }
    require_provider(caller)?;
    Err(AppError::Forbidden(
        "rate cards are changed by administrators and account managers only".into(),
    ))
}

/// One rate card for the `rateCard` query: FORBIDDEN for client-portal
/// users, `None` when it does not exist or is not visible.
pub async fn find(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> AppResult<Option<rate_card::Model>> {
    require_provider(caller)?;
    resource::get::<RateCards>(db, caller, id).await
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

fn scope_taken(client_id: Option<Uuid>) -> AppError {
    let message = match client_id {
        Some(_) => "the client already has a rate card",
        None => "a default rate card already exists",
    };
    AppError::invalid(&["clientId"], UserErrorCode::Taken, message)
}

/// Creates the default card (`client_id: None`, administrators) or a
/// client's card (administrators and the client's account managers).
#[tracing::instrument(skip_all)]
pub async fn create(
    db: &impl ConnectionTrait,
    caller: &Caller,
    input: NewRateCard,
) -> AppResult<rate_card::Model> {
    require_pricing(caller)?;
    if input.client_id.is_none() && *caller != Caller::System {
        caller.require_admin()?;
    }
    let mut errors = text::Errors::default();
    let name = errors.check(text::required(&["name"], &input.name, 200));
    let currency = errors.check(text::currency(&["currency"], &input.currency));
    errors.finish()?;
    let (Some(name), Some(currency)) = (name, currency) else {
        return Err(AppError::internal("validated rate card input incomplete"));
    };
    let scope = match input.client_id {
        None => DEFAULT_SCOPE.to_owned(),
        Some(client_id) => {
            let client = crate::resource::get::<crate::resource::Clients>(db, caller, client_id)
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
            client.id.to_string()
        }
    };
    let exists = resource::unscoped::<RateCards>(Reason::Uniqueness)
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
    model
        .insert(db)
        .await
        .map_err(unique_or(|| scope_taken(input.client_id)))
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
    let rows: Vec<(Uuid, String, Currency, i64, i64)> =
        resource::unscoped::<RateCardPrices>(Reason::Pricing)
            .select_only()
            .column(rate_card_price::Column::VersionId)
            .column(rate_card::Column::Scope)
            .column(rate_card::Column::Currency)
            .column(rate_card_price::Column::PriceMinor)
            .column(rate_card_price::Column::CostMinor)
            .join(JoinType::InnerJoin, price_to_version())
            .join(JoinType::InnerJoin, version_to_card())
            .filter(rate_card_price::Column::ServiceId.eq(service_id))
            .filter(
                rate_card::Column::Scope.is_in([client_scope.clone(), DEFAULT_SCOPE.to_owned()]),
            )
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
            &["serviceId"],
            UserErrorCode::NoPrice,
            format!("no published rate card prices this service on {on}"),
        ));
    };
    Ok(PriceInForce {
        version_id: *version_id,
        currency: *currency,
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
    if crate::resource::get::<crate::resource::Clients>(db, caller, client_id)
        .await?
        .is_none()
    {
        return Err(AppError::NotFound("client".into()));
    }
    if crate::resource::get::<crate::resource::Services>(db, caller, service_id)
        .await?
        .is_none()
    {
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
    let currency = found.currency;
    let provider = caller.sees_costs();
    let version = if provider {
        resource::get::<crate::resource::RateCardVersions>(db, caller, found.version_id).await?
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
